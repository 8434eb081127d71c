/* SPDX-License-Identifier: Apache-2.0 */
/*
 * noise.c: exact discrete Laplace and Gaussian samplers (see noise.h).
 *
 * Everything a sample depends on is an integer: a uniform integer below
 * n is drawn from just enough random bytes and rejected when >= n (no
 * modulo bias); Bernoulli(p/q) is "uniform below q is < p"; and
 * Bernoulli(exp(-gamma)) follows CKS 2020, Algorithm 1, on the rational
 * gamma. 128-bit arithmetic keeps the Gaussian's acceptance exact for the
 * parameters noise.h allows.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "noise.h"

typedef unsigned __int128 u128;

static int
csprng_fill(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

void
noise_src_init(struct noise_src *src,
    int (*fill)(void *ctx, uint8_t *buf, size_t len), void *ctx)
{
	memset(src, 0, sizeof(*src));
	src->fill = fill;
	src->ctx = ctx;
	src->pos = NOISE_SRC_BUF;	/* empty: the first draw fills */
}

void
noise_src_csprng(struct noise_src *src)
{
	noise_src_init(src, csprng_fill, NULL);
}

void
noise_src_clear(struct noise_src *src)
{
	OPENSSL_cleanse(src->buf, sizeof(src->buf));
	src->pos = NOISE_SRC_BUF;
}

/* n random bytes (n <= 16) into a little-endian integer. */
static int
draw_bytes(struct noise_src *src, size_t n, u128 *out)
{
	u128 x = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (src->pos == NOISE_SRC_BUF) {
			if (src->failed ||
			    src->fill(src->ctx, src->buf, NOISE_SRC_BUF) != 0) {
				src->failed = true;
				return -1;
			}
			src->pos = 0;
		}
		x |= (u128)src->buf[src->pos++] << (8 * i);
	}
	*out = x;
	return 0;
}

static int
bit_length(u128 x)
{
	int n = 0;

	while (x != 0) {
		x >>= 1;
		n++;
	}
	return n;
}

/* A uniform integer in [0, n), n >= 1. */
static int
uniform_below(struct noise_src *src, u128 n, u128 *out)
{
	int bits = bit_length(n - 1);
	u128 mask, x;

	if (bits == 0) {
		*out = 0;
		return 0;
	}
	mask = bits == 128 ? ~(u128)0 : (((u128)1 << bits) - 1);
	do {
		if (draw_bytes(src, (size_t)(bits + 7) / 8, &x) != 0)
			return -1;
		x &= mask;
	} while (x >= n);
	*out = x;
	return 0;
}

/* Bernoulli(num/den), 0 <= num <= den, den >= 1. */
static int
bernoulli(struct noise_src *src, u128 num, u128 den, bool *out)
{
	u128 u;

	if (uniform_below(src, den, &u) != 0)
		return -1;
	*out = u < num;
	return 0;
}

/* Bernoulli(exp(-num/den)) for 0 <= num <= den (CKS Algorithm 1, gamma <= 1). */
static int
bernoulli_exp_unit(struct noise_src *src, u128 num, u128 den, bool *out)
{
	u128 k = 1;
	bool a;

	for (;;) {
		if (bernoulli(src, num, den * k, &a) != 0)
			return -1;
		if (!a)
			break;
		k++;
	}
	*out = (k & 1) == 1;
	return 0;
}

int
noise_bernoulli_exp(struct noise_src *src, u128 num, u128 den, bool *out)
{
	bool b;

	/* exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma))) */
	while (num > den) {
		if (bernoulli_exp_unit(src, 1, 1, &b) != 0)
			return -1;
		if (!b) {
			*out = false;
			return 0;
		}
		num -= den;
	}
	return bernoulli_exp_unit(src, num, den, out);
}

int
noise_laplace(struct noise_src *src, uint64_t t, uint64_t s, int64_t *out)
{
	u128 u, v, y;
	bool d, a, b;

	if (t == 0 || s == 0 || t > NOISE_PARAM_MAX || s > NOISE_PARAM_MAX)
		return -1;
	for (;;) {
		/* X = U + t V is geometric: P(X = x) ~ exp(-x/t). */
		if (uniform_below(src, t, &u) != 0 ||
		    noise_bernoulli_exp(src, u, t, &d) != 0)
			return -1;
		if (!d)
			continue;
		v = 0;
		for (;;) {
			if (noise_bernoulli_exp(src, 1, 1, &a) != 0)
				return -1;
			if (!a)
				break;
			v++;
		}
		/* Y = floor(X / s): P(Y = y) ~ exp(-y s/t). */
		y = (u + (u128)t * v) / s;
		if (bernoulli(src, 1, 2, &b) != 0)
			return -1;
		if (b && y == 0)
			continue;	/* 0 would otherwise come twice */
		if (y > INT64_MAX)
			continue;	/* beyond 2^63: probability below e^-2^39 */
		*out = b ? -(int64_t)y : (int64_t)y;
		return 0;
	}
}

/* floor(sqrt(a/b)): the largest k with k^2 b <= a. */
static uint64_t
isqrt_ratio(uint64_t a, uint64_t b)
{
	uint64_t lo = 0, hi = a / b + 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if ((u128)mid * mid * b <= a)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int
noise_gaussian(struct noise_src *src, uint64_t a, uint64_t b, int64_t *out)
{
	uint64_t t;
	int64_t y;
	u128 ay, num, den, diff;
	bool c;

	if (a == 0 || b == 0 || a > NOISE_PARAM_MAX || b > NOISE_PARAM_MAX)
		return -1;
	t = isqrt_ratio(a, b) + 1;
	for (;;) {
		if (noise_laplace(src, t, 1, &y) != 0)
			return -1;
		/*
		 * Accept with exp(-(|y| - sigma^2/t)^2 / (2 sigma^2)), that is
		 * exp(-(|y| t b - a)^2 / (2 a b t^2)).
		 */
		ay = (u128)(y < 0 ? -(u128)y : (u128)y);
		if (ay * t * b >= ((u128)1 << 62))
			continue;	/* gamma above 2^50: e^-gamma is 0 here */
		diff = ay * t * b >= a ? ay * t * b - a : a - ay * t * b;
		num = diff * diff;
		den = (u128)2 * a * b * t * t;
		if (noise_bernoulli_exp(src, num, den, &c) != 0)
			return -1;
		if (c) {
			*out = y;
			return 0;
		}
	}
}

uint64_t
noise_laplace_ci95(uint64_t t, uint64_t s)
{
	double p = exp(-(double)s / (double)t), k;
	uint64_t w;

	/*
	 * P(|Z| > w) = 2 p^(w+1) / (1 + p) <= 0.05 first at w + 1 =
	 * ln(0.025 (1 + p)) / ln p, rounded up; then nudged past rounding.
	 */
	k = ceil(log(0.025 * (1.0 + p)) / log(p)) - 1.0;
	w = k > 0 ? (uint64_t)k : 0;
	while (w > 0 && 2.0 * pow(p, (double)w) / (1.0 + p) <= 0.05)
		w--;
	while (2.0 * pow(p, (double)(w + 1)) / (1.0 + p) > 0.05)
		w++;
	return w;
}

uint64_t
noise_gaussian_ci95(uint64_t a, uint64_t b)
{
	double v = (double)a / (double)b, total = 0.0, inside;
	uint64_t w, far = (uint64_t)(12.0 * sqrt(v)) + 12, z;

	for (z = 1; z <= far; z++)
		total += exp(-(double)z * (double)z / (2.0 * v));
	total = 1.0 + 2.0 * total;
	inside = 1.0;
	for (w = 0; w < far; w++) {
		if (1.0 - inside / total <= 0.05)
			return w;
		z = w + 1;
		inside += 2.0 * exp(-(double)z * (double)z / (2.0 * v));
	}
	return far;
}
