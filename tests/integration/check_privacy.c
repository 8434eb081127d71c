/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_privacy.c: differential privacy against a real psid, through
 * libpsid, with psid's own CSPRNG noise: 2,000 counts of the same pair
 * under epsilon 0.5 have the discrete Laplace's mean and spread (mean
 * within 0.3 of the true count, standard deviation within 15% of
 * sqrt(2 e^-eps) / (1 - e^-eps)), each says so in its Noise, and the
 * budget that paid for exactly 2,000 refuses the next; a Gaussian policy
 * gives sigma 1/epsilon; a table without a policy stays exact.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "daemon.h"
#include "daemon_suites.h"
#include "testutil.h"

static struct daemon d;
static struct psid_conn *alice, *bob;

/* One psid for the test case; connections per test (tests may fork). */
static void
setup(void)
{
	daemon_start(&d, NULL);
}

static void
teardown(void)
{
	daemon_finish(&d);
}

static void
connect_both(void)
{
	alice = daemon_connect(&d, "alice");
	bob = daemon_connect(&d, "bob");
}

static void
check(void)
{
	psid_conn_free(alice);
	psid_conn_free(bob);
	alice = bob = NULL;
	daemon_check(&d);
}

/* Write a one-column table of fingerprints of values [lo, hi). */
static void
write_table(const char *path, int lo, int hi)
{
	char cell[53];
	uint8_t fp[32];
	FILE *f;
	int v;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "email\n");
	for (v = lo; v < hi; v++) {
		uint64_t s = (uint64_t)v * 104729 + 3;

		fill_rand(&s, fp, sizeof(fp));
		memcpy(cell, "02:hmac:", 8);
		EVP_EncodeBlock((unsigned char *)cell + 8, fp, 32);
		fprintf(f, "%s\n", cell);
	}
	ck_assert_int_eq(fclose(f), 0);
}

/* A collaboration with alice's table a (under privacy) and bob's b. */
static void
make_pair(char id[PSID_COLLAB_ID_LEN + 1], const struct psid_privacy *p)
{
	struct psid_member m[2] = {
		{ "alice", true, true, true },
		{ "bob", true, true, true },
	};
	struct psid_settings st = { false, false, false, false };
	struct psid_upload_options o;
	struct psid_report rep;
	char a[512], b[512];

	snprintf(a, sizeof(a), "%s/a.csv", d.dir);
	snprintf(b, sizeof(b), "%s/b.csv", d.dir);
	write_table(a, 0, 300);			/* alice: 300 people */
	write_table(b, 150, 450);		/* bob: 150 of them */
	ck_assert_int_eq(psid_collab_create(alice, "dp", m, 2, &st, id),
	    PSID_OK);
	memset(&o, 0, sizeof(o));
	o.rule.kind = PSID_RULE_AGGREGATION;
	if (p != NULL)
		o.rule.privacy = *p;
	ck_assert_msg(psid_upload_csv(alice, id, "a", a, &o, &rep) == PSID_OK,
	    "%s", psid_conn_error(alice));
	memset(&o.rule.privacy, 0, sizeof(o.rule.privacy));
	ck_assert_msg(psid_upload_csv(bob, id, "b", b, &o, &rep) == PSID_OK,
	    "%s", psid_conn_error(bob));
}

static const struct psid_colref pair[2] = { { "a", "email" },
    { "b", "email" } };

START_TEST(test_laplace_counts_have_the_law)
{
	struct psid_privacy p = { true, 500, 1000000, 1, PSID_REFRESH_NEVER,
	    PSID_NOISE_LAPLACE };
	char id[PSID_COLLAB_ID_LEN + 1];
	struct psid_noise noise;
	double sum = 0, sq = 0, mean, sd, want;
	uint64_t count, distinct = 0, last = 0;
	int i, n = 2000;

	make_pair(id, &p);
	for (i = 0; i < n; i++) {
		ck_assert_msg(psid_count_noise(bob, id, pair, 2, &count,
		    &noise) == PSID_OK, "count %d: %s", i,
		    psid_conn_error(bob));
		ck_assert(noise.noisy);
		ck_assert_int_eq(noise.mechanism, PSID_NOISE_LAPLACE);
		ck_assert_uint_eq(noise.epsilon_milli, 500);
		ck_assert_uint_eq(noise.ci95, 6);
		sum += (double)count;
		sq += (double)count * (double)count;
		distinct += i > 0 && count != last;
		last = count;
	}
	mean = sum / n;
	sd = sqrt(sq / n - mean * mean);
	want = sqrt(2.0 * exp(-0.5)) / (1.0 - exp(-0.5));
	ck_assert_msg(fabs(mean - 150.0) < 0.3, "mean %.3f of 2000 noisy "
	    "counts of 150", mean);
	ck_assert_msg(fabs(sd - want) / want < 0.15, "sd %.3f, the discrete "
	    "Laplace's is %.3f", sd, want);
	ck_assert_uint_gt(distinct, 1000);	/* fresh noise every query */
}
END_TEST

START_TEST(test_budget_pays_for_exactly_its_queries)
{
	struct psid_privacy p = { true, 500, 5000, 1, PSID_REFRESH_NEVER,
	    PSID_NOISE_LAPLACE };
	char id[PSID_COLLAB_ID_LEN + 1];
	uint64_t count;
	int i;

	make_pair(id, &p);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(psid_count(bob, id, pair, 2, &count),
		    PSID_OK);
	ck_assert_int_eq(psid_count(bob, id, pair, 2, &count),
	    PSID_ERR_FORBIDDEN);
	ck_assert_str_eq(psid_conn_error(bob), "table a: privacy budget "
	    "exhausted (5 of 5 spent)");
	/* the table's owner pays from the same budget */
	ck_assert_int_eq(psid_count(alice, id, pair, 2, &count),
	    PSID_ERR_FORBIDDEN);
}
END_TEST

START_TEST(test_gaussian_sigma)
{
	struct psid_privacy p = { true, 1000, 1000000, 1, PSID_REFRESH_NEVER,
	    PSID_NOISE_GAUSSIAN };
	char id[PSID_COLLAB_ID_LEN + 1];
	struct psid_noise noise;
	double sum = 0, sq = 0, mean, sd;
	uint64_t count;
	int i, n = 400;

	make_pair(id, &p);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(psid_count_noise(bob, id, pair, 2, &count,
		    &noise), PSID_OK);
		ck_assert_int_eq(noise.mechanism, PSID_NOISE_GAUSSIAN);
		sum += (double)count;
		sq += (double)count * (double)count;
	}
	mean = sum / n;
	sd = sqrt(sq / n - mean * mean);
	/* sigma 1: the discrete Gaussian's sd is 0.9998 */
	ck_assert_msg(fabs(mean - 150.0) < 0.3, "mean %.3f", mean);
	ck_assert_msg(sd > 0.8 && sd < 1.2, "sd %.3f, sigma is 1", sd);
}
END_TEST

START_TEST(test_no_policy_stays_exact)
{
	char id[PSID_COLLAB_ID_LEN + 1];
	struct psid_noise noise;
	uint64_t count;
	int i;

	make_pair(id, NULL);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(psid_count_noise(bob, id, pair, 2, &count,
		    &noise), PSID_OK);
		ck_assert(!noise.noisy);
		ck_assert_uint_eq(count, 150);
	}
}
END_TEST

Suite *
make_privacy_suite(void)
{
	Suite *s = suite_create("privacy");
	TCase *tc = tcase_create("noise");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, connect_both, check);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_laplace_counts_have_the_law);
	tcase_add_test(tc, test_budget_pays_for_exactly_its_queries);
	tcase_add_test(tc, test_gaussian_sigma);
	tcase_add_test(tc, test_no_policy_stays_exact);
	suite_add_tcase(s, tc);
	return s;
}
