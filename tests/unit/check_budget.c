/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_budget.c: privacy budgets in the store (storage/budget.c): a
 * query's spends and its audit entry land together or not at all, an
 * exhausted table refuses the whole query, a monthly budget starts again
 * in a new period, and spends survive closing and reopening the store.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "suites.h"
#include "testutil.h"

#define COLLAB	"00000000-1111-2222-3333-777777777777"
#define MAP	(UINT64_C(64) << 20)

static char *dir;
static struct store *st;

static void
setup(void)
{
	char err[256];

	dir = scratch_dir();
	ck_assert_int_eq(store_open(dir, MAP, &st, err, sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_collab_put(st, COLLAB, "x", 1, err,
	    sizeof(err)), STORE_OK);
}

static void
teardown(void)
{
	store_close(st);
	st = NULL;
	scratch_remove(dir);
}

static int
count_entry(void *arg, uint64_t seq, const void *entry, size_t len)
{
	(*(uint64_t *)arg)++;
	return 0;
}

static uint64_t
audit_entries(void)
{
	uint64_t n = 0;
	char err[256];

	ck_assert_int_eq(store_audit_read(st, COLLAB, 0, count_entry, &n, err,
	    sizeof(err)), STORE_OK);
	return n;
}

static uint64_t
spent(const char *table, uint32_t period)
{
	uint64_t s = 99;
	char err[256];

	ck_assert_int_eq(store_budget_get(st, COLLAB, table, period, &s, err,
	    sizeof(err)), STORE_OK);
	return s;
}

START_TEST(test_spends_add_up_to_the_budget)
{
	struct store_spend sp = { "purchases", 1000, 3000, 0 };
	uint64_t before[1];
	size_t refused = 7;
	char err[256];
	int i;

	ck_assert_uint_eq(spent("purchases", 0), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(store_budget_spend(st, COLLAB, &sp, 1, "q", 1,
		    &refused, before, err, sizeof(err)), STORE_OK);
		ck_assert_uint_eq(before[0], (uint64_t)i * 1000);
	}
	ck_assert_uint_eq(spent("purchases", 0), 3000);
	ck_assert_uint_eq(audit_entries(), 3);
	/* The fourth would overspend: refused, nothing written. */
	ck_assert_int_eq(store_budget_spend(st, COLLAB, &sp, 1, "q", 1,
	    &refused, before, err, sizeof(err)), STORE_EXHAUSTED);
	ck_assert_uint_eq(refused, 0);
	ck_assert_uint_eq(before[0], 3000);
	ck_assert_uint_eq(spent("purchases", 0), 3000);
	ck_assert_uint_eq(audit_entries(), 3);
}
END_TEST

START_TEST(test_one_table_short_refuses_all)
{
	struct store_spend sp[2] = { { "a", 500, 10000, 0 },
	    { "b", 2000, 3000, 0 } };
	uint64_t before[2];
	size_t refused = 7;
	char err[256];

	ck_assert_int_eq(store_budget_spend(st, COLLAB, sp, 2, "q", 1,
	    &refused, before, err, sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_budget_spend(st, COLLAB, sp, 2, "q", 1,
	    &refused, before, err, sizeof(err)), STORE_EXHAUSTED);
	ck_assert_uint_eq(refused, 1);
	/* a did not pay for the refused query either */
	ck_assert_uint_eq(spent("a", 0), 500);
	ck_assert_uint_eq(spent("b", 0), 2000);
	ck_assert_uint_eq(audit_entries(), 1);
}
END_TEST

START_TEST(test_monthly_budget_starts_again)
{
	struct store_spend sp = { "t", 1000, 1000, 202612 };
	uint64_t before[1];
	size_t refused;
	char err[256];

	ck_assert_int_eq(store_budget_spend(st, COLLAB, &sp, 1, "q", 1,
	    &refused, before, err, sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_budget_spend(st, COLLAB, &sp, 1, "q", 1,
	    &refused, before, err, sizeof(err)), STORE_EXHAUSTED);
	ck_assert_uint_eq(spent("t", 202612), 1000);
	ck_assert_uint_eq(spent("t", 202701), 0);
	sp.period = 202701;
	ck_assert_int_eq(store_budget_spend(st, COLLAB, &sp, 1, "q", 1,
	    &refused, before, err, sizeof(err)), STORE_OK);
	ck_assert_uint_eq(before[0], 0);
	ck_assert_uint_eq(spent("t", 202701), 1000);
}
END_TEST

START_TEST(test_spend_survives_reopen)
{
	struct store_spend sp = { "t", 250, 1000, 0 };
	uint64_t before[1];
	size_t refused;
	char err[256];

	ck_assert_int_eq(store_budget_spend(st, COLLAB, &sp, 1, "q", 1,
	    &refused, before, err, sizeof(err)), STORE_OK);
	store_close(st);
	ck_assert_int_eq(store_open(dir, MAP, &st, err, sizeof(err)), STORE_OK);
	ck_assert_uint_eq(spent("t", 0), 250);
	ck_assert_uint_eq(audit_entries(), 1);
}
END_TEST

START_TEST(test_unknown_collaboration)
{
	struct store_spend sp = { "t", 250, 1000, 0 };
	uint64_t before[1];
	size_t refused;
	char err[256];

	ck_assert_int_eq(store_budget_spend(st,
	    "00000000-1111-2222-3333-888888888888", &sp, 1, "q", 1, &refused,
	    before, err, sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_budget_spend(st, COLLAB, &sp, 1, "q", 1,
	    &refused, before, err, sizeof(err)), STORE_OK);
	sp.table = "not a/name";
	ck_assert_int_eq(store_budget_spend(st, COLLAB, &sp, 1, "q", 1,
	    &refused, before, err, sizeof(err)), -1);
	ck_assert_uint_eq(audit_entries(), 1);
}
END_TEST

Suite *
make_budget_suite(void)
{
	Suite *s = suite_create("budget");
	TCase *tc = tcase_create("spend");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_spends_add_up_to_the_budget);
	tcase_add_test(tc, test_one_table_short_refuses_all);
	tcase_add_test(tc, test_monthly_budget_starts_again);
	tcase_add_test(tc, test_spend_survives_reopen);
	tcase_add_test(tc, test_unknown_collaboration);
	suite_add_tcase(s, tc);
	return s;
}
