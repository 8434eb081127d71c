/* SPDX-License-Identifier: Apache-2.0 */
/*
 * noise.h: exact discrete noise for differential privacy, as Canonne,
 * Kamath and Steinke give it ("The Discrete Gaussian for Differential
 * Privacy", 2020): Bernoulli(exp(-gamma)) for rational gamma, the
 * discrete Laplace and the discrete Gaussian, with integer arithmetic
 * only and uniform integers drawn by rejection from a byte source
 * (OpenSSL's CSPRNG in psid). No floating point touches a sample, so the
 * attack of Mironov (2012) on floating-point Laplace does not apply: every
 * integer has exactly the probability of the distribution.
 *
 * Parameters are rationals num/den; the laws are
 *   discrete Laplace of scale t/s:  P(z) = (1-p)/(1+p) p^|z|, p = e^(-s/t)
 *   discrete Gaussian of variance parameter a/b: P(z) ~ e^(-z^2 b/(2a))
 */
#ifndef PSID_NOISE_H
#define PSID_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest numerator or denominator of a parameter. */
#define NOISE_PARAM_MAX	(1u << 27)

/*
 * A source of uniform random bytes, buffered so that a sample costs one
 * fill per NOISE_SRC_BUF bytes. fill(ctx, buf, len) writes len random
 * bytes and returns 0, or -1 when it cannot (the sample then fails: no
 * number is ever released without its noise).
 */
#define NOISE_SRC_BUF	256
struct noise_src {
	int (*fill)(void *ctx, uint8_t *buf, size_t len);
	void *ctx;
	uint8_t buf[NOISE_SRC_BUF];
	size_t pos;
	bool failed;
};

/* Make src draw from OpenSSL's CSPRNG (RAND_bytes). */
void noise_src_csprng(struct noise_src *src);

/* Make src draw from fill(ctx, ...) (tests: a seeded stream). */
void noise_src_init(struct noise_src *src,
    int (*fill)(void *ctx, uint8_t *buf, size_t len), void *ctx);

/* Wipe the buffered bytes of src (call when done with it). */
void noise_src_clear(struct noise_src *src);

/*
 * Sample Bernoulli(exp(-num/den)) into *out. num >= 0, 0 < den <
 * 2^100. Returns 0, or -1 when the source failed.
 */
int noise_bernoulli_exp(struct noise_src *src, unsigned __int128 num,
    unsigned __int128 den, bool *out);

/*
 * Sample the discrete Laplace of scale t/s into *out (t, s in 1 ..
 * NOISE_PARAM_MAX). For a count of sensitivity d under epsilon = n/m,
 * the scale is d/epsilon: t = d*m, s = n. Returns 0, or -1 when the
 * source failed or a parameter is out of range.
 */
int noise_laplace(struct noise_src *src, uint64_t t, uint64_t s,
    int64_t *out);

/*
 * Sample the discrete Gaussian of variance parameter sigma^2 = a/b into
 * *out (a, b in 1 .. NOISE_PARAM_MAX). Returns 0, or -1 when the source
 * failed or a parameter is out of range.
 */
int noise_gaussian(struct noise_src *src, uint64_t a, uint64_t b,
    int64_t *out);

/*
 * The half-width w of the central 95% interval of the discrete Laplace of
 * scale t/s: the smallest w with P(|Z| > w) <= 0.05. (A report of the
 * noise, computed in floating point; samples never are.)
 */
uint64_t noise_laplace_ci95(uint64_t t, uint64_t s);

/* The same for the discrete Gaussian of variance parameter a/b. */
uint64_t noise_gaussian_ci95(uint64_t a, uint64_t b);

#endif /* PSID_NOISE_H */
