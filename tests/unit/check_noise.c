/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_noise.c: the exact discrete samplers of server/noise.c. The
 * distributions are tested, not just that numbers vary: chi-squared
 * against the exact probabilities (from a seeded ChaCha20 stream, so the
 * verdict is repeatable), Bernoulli(exp(-gamma)) frequencies, the
 * reported 95% intervals, and a failing random source.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "noise.h"
#include "suites.h"

/* A seeded stream: ChaCha20's keystream under a fixed key. */
struct seeded {
	EVP_CIPHER_CTX *ctx;
};

static int
seeded_fill(void *ctx, uint8_t *buf, size_t len)
{
	struct seeded *s = ctx;
	int outl;

	memset(buf, 0, len);
	return EVP_EncryptUpdate(s->ctx, buf, &outl, buf, (int)len) == 1 ?
	    0 : -1;
}

static void
seeded_open(struct seeded *s, struct noise_src *src, uint8_t seed)
{
	uint8_t key[32], iv[16] = { 0 };

	memset(key, seed, sizeof(key));
	s->ctx = EVP_CIPHER_CTX_new();
	ck_assert_ptr_nonnull(s->ctx);
	ck_assert_int_eq(EVP_EncryptInit_ex(s->ctx, EVP_chacha20(), NULL,
	    key, iv), 1);
	noise_src_init(src, seeded_fill, s);
}

static void
seeded_close(struct seeded *s, struct noise_src *src)
{
	noise_src_clear(src);
	EVP_CIPHER_CTX_free(s->ctx);
}

/*
 * The chi-squared quantile of df degrees of freedom at 1 - 0.001
 * (Wilson-Hilferty; within 1% for df >= 3).
 */
static double
chi2_crit(int df)
{
	double k = (double)df, z = 3.0902;
	double c = 1.0 - 2.0 / (9.0 * k) + z * sqrt(2.0 / (9.0 * k));

	return k * c * c * c;
}

#define SPAN 64			/* values -SPAN..SPAN counted one by one */
#define BINS (2 * SPAN + 3)	/* and those beyond, each side: z + SPAN + 1 */

/* Count z in counts[BINS]. */
static void
tally(uint64_t *counts, int64_t z)
{
	if (z < -SPAN)
		counts[0]++;
	else if (z > SPAN)
		counts[BINS - 1]++;
	else
		counts[z + SPAN + 1]++;
}

/*
 * Chi-squared of counts[BINS] (n samples) against pmf(z):
 * bins with an expectation below 5 are pooled into the two tails.
 */
static void
assert_chi2(const uint64_t *counts, uint64_t n, double (*pmf)(int, void *),
    void *arg, const char *what)
{
	double chi2 = 0.0, tail_e[2] = { 0, 0 };
	double tail_o[2] = { (double)counts[0], (double)counts[BINS - 1] };
	double e, mass = 0.0;
	int z, df = -1;

	for (z = -SPAN; z <= SPAN; z++) {
		e = pmf(z, arg) * (double)n;
		mass += pmf(z, arg);
		if (e < 5.0) {
			tail_e[z > 0] += e;
			tail_o[z > 0] += (double)counts[z + SPAN + 1];
			continue;
		}
		chi2 += ((double)counts[z + SPAN + 1] - e) *
		    ((double)counts[z + SPAN + 1] - e) / e;
		df++;
	}
	/* What lies beyond the span goes to the tails too. */
	tail_e[0] += (1.0 - mass) / 2.0 * (double)n;
	tail_e[1] += (1.0 - mass) / 2.0 * (double)n;
	for (z = 0; z < 2; z++) {
		chi2 += (tail_o[z] - tail_e[z]) * (tail_o[z] - tail_e[z]) /
		    tail_e[z];
		df++;
	}
	ck_assert_msg(df >= 3, "%s: too few bins", what);
	ck_assert_msg(chi2 < chi2_crit(df), "%s: chi2 %.1f over %.1f (df %d)",
	    what, chi2, chi2_crit(df), df);
}

struct laplace_arg {
	double p;
};

static double
laplace_pmf(int z, void *arg)
{
	double p = ((struct laplace_arg *)arg)->p;

	return (1.0 - p) / (1.0 + p) * pow(p, fabs((double)z));
}

struct gauss_arg {
	double v, norm;
};

static double
gauss_pmf(int z, void *arg)
{
	struct gauss_arg *g = arg;

	return exp(-(double)z * (double)z / (2.0 * g->v)) / g->norm;
}

/*
 * Draws per law: 60,000, or $PSID_NOISE_SAMPLES (make check-valgrind
 * asks for fewer; the seeded verdicts hold at both).
 */
static int
samples(void)
{
	const char *e = getenv("PSID_NOISE_SAMPLES");
	int n = e != NULL ? atoi(e) : 0;

	return n >= 5000 && n <= 1000000 ? n : 60000;
}
#define SAMPLES samples()

/* Draw SAMPLES from sampler into counts (z beyond the span: pooled). */
static void
sample_laplace(uint64_t t, uint64_t s, uint64_t *counts, uint8_t seed)
{
	struct noise_src src;
	struct seeded sd;
	int64_t z;
	int i;

	seeded_open(&sd, &src, seed);
	for (i = 0; i < SAMPLES; i++) {
		ck_assert_int_eq(noise_laplace(&src, t, s, &z), 0);
		tally(counts, z);
	}
	seeded_close(&sd, &src);
}

START_TEST(test_laplace_matches_its_law)
{
	/* epsilon 0.5 (scale 2), 1 (scale 1), 0.3 with sensitivity 3 (10). */
	static const uint64_t params[][2] = { { 2, 1 }, { 1, 1 }, { 30, 3 } };
	uint64_t counts[BINS];
	struct laplace_arg arg;
	char what[64];
	size_t k;

	for (k = 0; k < sizeof(params) / sizeof(params[0]); k++) {
		memset(counts, 0, sizeof(counts));
		sample_laplace(params[k][0], params[k][1], counts,
		    (uint8_t)(k + 1));
		arg.p = exp(-(double)params[k][1] / (double)params[k][0]);
		snprintf(what, sizeof(what), "laplace %llu/%llu",
		    (unsigned long long)params[k][0],
		    (unsigned long long)params[k][1]);
		assert_chi2(counts, SAMPLES, laplace_pmf, &arg, what);
	}
}
END_TEST

START_TEST(test_laplace_chi2_sees_a_wrong_law)
{
	uint64_t counts[BINS] = { 0 };
	struct laplace_arg arg;
	double chi2 = 0.0, e;
	int z;

	/* Scale 2 samples judged against scale 2.5: the test must object. */
	sample_laplace(2, 1, counts, 9);
	arg.p = exp(-1.0 / 2.5);
	for (z = -10; z <= 10; z++) {
		e = laplace_pmf(z, &arg) * SAMPLES;
		chi2 += ((double)counts[z + SPAN + 1] - e) *
		    ((double)counts[z + SPAN + 1] - e) / e;
	}
	ck_assert_double_gt(chi2, chi2_crit(20));
}
END_TEST

START_TEST(test_gaussian_matches_its_law)
{
	/* sigma^2 = 4 and 5/2 */
	static const uint64_t params[][2] = { { 4, 1 }, { 5, 2 } };
	uint64_t counts[BINS];
	struct noise_src src;
	struct gauss_arg g;
	struct seeded sd;
	int64_t y;
	size_t k;
	int i, z;

	for (k = 0; k < 2; k++) {
		memset(counts, 0, sizeof(counts));
		seeded_open(&sd, &src, (uint8_t)(20 + k));
		for (i = 0; i < SAMPLES; i++) {
			ck_assert_int_eq(noise_gaussian(&src, params[k][0],
			    params[k][1], &y), 0);
			tally(counts, y);
		}
		seeded_close(&sd, &src);
		g.v = (double)params[k][0] / (double)params[k][1];
		g.norm = 0.0;
		for (z = -200; z <= 200; z++)
			g.norm += exp(-(double)z * z / (2.0 * g.v));
		assert_chi2(counts, SAMPLES, gauss_pmf, &g, "gaussian");
	}
}
END_TEST

START_TEST(test_bernoulli_exp_frequencies)
{
	/* gamma = 3/2, 1/3, 7 (over one, so the exp(-1) rounds run) */
	static const uint64_t g[][2] = { { 3, 2 }, { 1, 3 }, { 7, 1 } };
	struct noise_src src;
	struct seeded sd;
	double p, se, freq;
	uint64_t hits;
	size_t k;
	bool b;
	int i;

	seeded_open(&sd, &src, 33);
	for (k = 0; k < 3; k++) {
		hits = 0;
		for (i = 0; i < SAMPLES; i++) {
			ck_assert_int_eq(noise_bernoulli_exp(&src, g[k][0],
			    g[k][1], &b), 0);
			hits += b;
		}
		p = exp(-(double)g[k][0] / (double)g[k][1]);
		se = sqrt(p * (1.0 - p) / SAMPLES);
		freq = (double)hits / SAMPLES;
		ck_assert_msg(fabs(freq - p) < 4.5 * se, "exp(-%llu/%llu): "
		    "%.5f, should be %.5f", (unsigned long long)g[k][0],
		    (unsigned long long)g[k][1], freq, p);
	}
	/* gamma = 0: always 1 */
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(noise_bernoulli_exp(&src, 0, 5, &b), 0);
		ck_assert(b);
	}
	seeded_close(&sd, &src);
}
END_TEST

START_TEST(test_csprng_mean_and_spread)
{
	/* epsilon 0.5 from OpenSSL: mean 0, sd sqrt(2 e^-e) / (1 - e^-e) */
	double sum = 0, sq = 0, mean, sd, want;
	struct noise_src src;
	int64_t z;
	int i, n = 20000;

	noise_src_csprng(&src);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(noise_laplace(&src, 2, 1, &z), 0);
		sum += (double)z;
		sq += (double)z * (double)z;
	}
	noise_src_clear(&src);
	mean = sum / n;
	sd = sqrt(sq / n - mean * mean);
	want = sqrt(2.0 * exp(-0.5)) / (1.0 - exp(-0.5));
	ck_assert_msg(fabs(mean) < 0.12, "mean %.3f", mean);	/* 6 SE */
	ck_assert_msg(fabs(sd - want) / want < 0.06, "sd %.3f, should be %.3f",
	    sd, want);
}
END_TEST

static int
failing_fill(void *ctx, uint8_t *buf, size_t len)
{
	int *calls = ctx;

	(*calls)++;
	return -1;
}

START_TEST(test_failing_source_fails_the_sample)
{
	struct noise_src src;
	int calls = 0;
	int64_t z = 12345;

	noise_src_init(&src, failing_fill, &calls);
	ck_assert_int_eq(noise_laplace(&src, 2, 1, &z), -1);
	ck_assert_int_eq(noise_gaussian(&src, 4, 1, &z), -1);
	ck_assert_int_eq(z, 12345);
	ck_assert_int_eq(calls, 1);	/* a failed source stays failed */
}
END_TEST

START_TEST(test_parameters_out_of_range)
{
	struct noise_src src;
	int64_t z;

	noise_src_csprng(&src);
	ck_assert_int_eq(noise_laplace(&src, 0, 1, &z), -1);
	ck_assert_int_eq(noise_laplace(&src, 1, 0, &z), -1);
	ck_assert_int_eq(noise_laplace(&src, NOISE_PARAM_MAX + 1, 1, &z), -1);
	ck_assert_int_eq(noise_gaussian(&src, 0, 1, &z), -1);
	ck_assert_int_eq(noise_gaussian(&src, 1, NOISE_PARAM_MAX + 1, &z), -1);
	ck_assert_int_eq(noise_laplace(&src, NOISE_PARAM_MAX, 1, &z), 0);
	noise_src_clear(&src);
}
END_TEST

START_TEST(test_ci95_is_the_smallest_width)
{
	double p = exp(-0.5), beyond, before;
	uint64_t w = noise_laplace_ci95(2, 1);

	beyond = 2.0 * pow(p, (double)(w + 1)) / (1.0 + p);
	before = 2.0 * pow(p, (double)w) / (1.0 + p);
	ck_assert_double_le(beyond, 0.05);
	ck_assert_double_gt(before, 0.05);
	ck_assert_uint_eq(w, 6);	/* 2 p^7 / (1 + p) = 0.037 */
	/* epsilon 1 and 0.1, and a scale of 2^27 (computed, not counted) */
	ck_assert_uint_eq(noise_laplace_ci95(1, 1), 3);
	ck_assert_uint_eq(noise_laplace_ci95(10, 1), 30);
	w = noise_laplace_ci95(NOISE_PARAM_MAX, 1);
	p = exp(-1.0 / NOISE_PARAM_MAX);
	ck_assert_double_le(2.0 * pow(p, (double)(w + 1)) / (1.0 + p), 0.05);
	ck_assert_double_gt(2.0 * pow(p, (double)w) / (1.0 + p), 0.05);
	/* sigma 2: about 1.96 sigma */
	w = noise_gaussian_ci95(4, 1);
	ck_assert_uint_ge(w, 3);
	ck_assert_uint_le(w, 4);
}
END_TEST

Suite *
make_noise_suite(void)
{
	Suite *s = suite_create("noise");
	TCase *tc = tcase_create("samplers");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_laplace_matches_its_law);
	tcase_add_test(tc, test_laplace_chi2_sees_a_wrong_law);
	tcase_add_test(tc, test_gaussian_matches_its_law);
	tcase_add_test(tc, test_bernoulli_exp_frequencies);
	tcase_add_test(tc, test_csprng_mean_and_spread);
	tcase_add_test(tc, test_failing_source_fails_the_sample);
	tcase_add_test(tc, test_parameters_out_of_range);
	tcase_add_test(tc, test_ci95_is_the_smallest_width);
	suite_add_tcase(s, tc);
	return s;
}
