/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_policy.c: psid's policy rules (server/policy.h) through a fake
 * transport: membership (a non-member hears what an unknown ID hears),
 * abilities, fingerprint columns, the list and aggregation rules, and
 * the different-names setting; each refusal's reply.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "fakeconn.h"
#include "policy.h"
#include "suites.h"

#define ID	"0a1b2c3d-0000-4000-8000-00000000000a"
#define ID_UP	"0A1B2C3D-0000-4000-8000-00000000000A"
#define NOID	"0a1b2c3d-0000-4000-8000-0000000000ff"

static const char *const members[] = { "alice", "bob" };

START_TEST(member_with_ability)
{
	struct fake_conn fc;
	struct collab_view v;

	fake_conn_init(&fc, "alice", true);
	fake_collab_put(&fc, ID, members, 2, true, true, false, NULL);
	ck_assert_int_eq(policy_collab(fake_request(&fc, NULL), ID_UP,
	    ABILITY_UPLOAD, &v), 0);
	ck_assert_str_eq(v.id, ID);		/* canonical: lower case */
	ck_assert_str_eq(v.member->identity, "alice");
	ck_assert_uint_eq(fc.n, 0);		/* no reply */
	policy_collab_free(&v);
	ck_assert_ptr_null(v.collab);
	fake_conn_free(&fc);
}
END_TEST

START_TEST(non_member_is_unknown)
{
	struct fake_conn fc;
	struct collab_view v;
	char unknown[256];

	fake_conn_init(&fc, "mallory", true);
	fake_collab_put(&fc, ID, members, 2, true, true, true, NULL);
	ck_assert_int_eq(policy_collab(fake_request(&fc, NULL), NOID,
	    ABILITY_NONE, &v), -1);
	ck_assert_int_eq(fake_last_error(&fc), PSID__ERROR_CODE__NOT_FOUND);
	snprintf(unknown, sizeof(unknown), "%s", fake_last_message(&fc));
	ck_assert_ptr_nonnull(strstr(unknown, "no collaboration"));
	ck_assert_int_eq(policy_collab(fake_request(&fc, NULL), ID,
	    ABILITY_NONE, &v), -1);
	ck_assert_int_eq(fake_last_error(&fc), PSID__ERROR_CODE__NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&fc), ID));
	ck_assert(fc.replies[1]->done);
	fake_conn_free(&fc);
}
END_TEST

START_TEST(member_without_ability)
{
	struct fake_conn fc;
	struct collab_view v;

	fake_conn_init(&fc, "bob", true);
	fake_collab_put(&fc, ID, members, 2, true, false, false, NULL);
	ck_assert_int_eq(policy_collab(fake_request(&fc, NULL), ID,
	    ABILITY_QUERY, &v), -1);
	ck_assert_int_eq(fake_last_error(&fc), PSID__ERROR_CODE__FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&fc),
	    "bob may not query"));
	ck_assert_ptr_null(v.collab);
	ck_assert_int_eq(policy_collab(fake_request(&fc, NULL), ID,
	    ABILITY_RECEIVE, &v), -1);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&fc),
	    "receive joined rows"));
	fake_conn_free(&fc);
}
END_TEST

/* A table of columns fp1 (fingerprint), name (sealed), fp2, and a rule. */
struct table {
	Psid__TableInfo info;
	Psid__Column cols[3], *pcols[3];
	Psid__AnalysisRule rule;
	char *listed[2];
};

static void
table_init(struct table *t, Psid__AnalysisRule__Kind kind, size_t nlisted)
{
	static const char *names[3] = { "fp1", "name", "fp2" };
	static const Psid__ColumnType types[3] = {
		PSID__COLUMN_TYPE__COLUMN_FINGERPRINT,
		PSID__COLUMN_TYPE__COLUMN_SEALED,
		PSID__COLUMN_TYPE__COLUMN_FINGERPRINT,
	};
	size_t i;

	psid__table_info__init(&t->info);
	psid__analysis_rule__init(&t->rule);
	for (i = 0; i < 3; i++) {
		psid__column__init(&t->cols[i]);
		t->cols[i].name = (char *)names[i];
		t->cols[i].type = types[i];
		t->pcols[i] = &t->cols[i];
	}
	t->info.name = (char *)"t";
	t->info.columns = t->pcols;
	t->info.n_columns = 3;
	t->rule.kind = kind;
	t->listed[0] = (char *)"fp1";
	t->listed[1] = (char *)"name";
	t->rule.list_columns = t->listed;
	t->rule.n_list_columns = nlisted;
	t->info.rule = &t->rule;
}

START_TEST(columns)
{
	struct fake_conn fc;
	struct table t;
	Psid__ColumnRef ref = PSID__COLUMN_REF__INIT;
	unsigned fp = 99;

	table_init(&t, PSID__ANALYSIS_RULE__KIND__LIST, 0);
	ck_assert_int_eq(policy_column(&t.info, "fp2", &fp), 2);
	ck_assert_uint_eq(fp, 1);
	ck_assert_int_eq(policy_column(&t.info, "name", NULL), 1);
	ck_assert_int_eq(policy_column(&t.info, "nope", &fp), -1);

	fake_conn_init(&fc, "alice", false);
	ref.table = (char *)"t";
	ref.column = (char *)"fp2";
	ck_assert_int_eq(policy_fingerprint_column(fake_request(&fc, NULL),
	    &t.info, &ref, &fp), 0);
	ck_assert_uint_eq(fp, 1);
	ck_assert_uint_eq(fc.n, 0);
	ref.column = (char *)"name";
	ck_assert_int_eq(policy_fingerprint_column(&fc.rq, &t.info, &ref,
	    &fp), -1);
	ck_assert_int_eq(fake_last_error(&fc), PSID__ERROR_CODE__BAD_REQUEST);
	ref.column = (char *)"nope";
	ck_assert_int_eq(policy_fingerprint_column(&fc.rq, &t.info, &ref,
	    &fp), -1);
	ck_assert_int_eq(fake_last_error(&fc), PSID__ERROR_CODE__NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&fc), "no column nope"));
	fake_conn_free(&fc);
}
END_TEST

START_TEST(list_and_aggregation_rules)
{
	struct fake_conn fc;
	struct table t;

	fake_conn_init(&fc, "alice", false);
	(void)fake_request(&fc, NULL);
	/* Aggregation: no row leaves. */
	table_init(&t, PSID__ANALYSIS_RULE__KIND__AGGREGATION, 0);
	ck_assert(!policy_may_list(&fc.rq, &t.info, "fp1"));
	ck_assert_int_eq(fake_last_error(&fc), PSID__ERROR_CODE__FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&fc),
	    "aggregation only"));
	/* No rule at all: the same. */
	t.info.rule = NULL;
	ck_assert(!policy_may_list(&fc.rq, &t.info, "fp1"));
	/* List without columns: every column. */
	table_init(&t, PSID__ANALYSIS_RULE__KIND__LIST, 0);
	fake_conn_clear(&fc);
	ck_assert(policy_may_list(&fc.rq, &t.info, "fp2"));
	ck_assert_uint_eq(fc.n, 0);
	/* List of fp1 and name: those only. */
	table_init(&t, PSID__ANALYSIS_RULE__KIND__LIST, 2);
	ck_assert(policy_may_list(&fc.rq, &t.info, "name"));
	ck_assert(!policy_may_list(&fc.rq, &t.info, "fp2"));
	ck_assert_int_eq(fake_last_error(&fc), PSID__ERROR_CODE__FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&fc),
	    "does not list column fp2"));
	fake_conn_free(&fc);
}
END_TEST

START_TEST(different_names)
{
	struct fake_conn fc;
	struct collab_view v;
	Psid__Collaboration c = PSID__COLLABORATION__INIT;
	Psid__Settings s = PSID__SETTINGS__INIT;

	fake_conn_init(&fc, "alice", false);
	(void)fake_request(&fc, NULL);
	memset(&v, 0, sizeof(v));
	snprintf(v.id, sizeof(v.id), "%s", ID);
	v.collab = &c;
	/* No settings: allowed. */
	ck_assert(policy_may_match(&fc.rq, &v, "a", "b"));
	c.settings = &s;
	ck_assert(policy_may_match(&fc.rq, &v, "a", "a"));
	ck_assert_uint_eq(fc.n, 0);
	ck_assert(!policy_may_match(&fc.rq, &v, "a", "b"));
	ck_assert_int_eq(fake_last_error(&fc), PSID__ERROR_CODE__FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&fc),
	    "different names"));
	s.allow_joins_on_columns_with_different_names = true;
	ck_assert(policy_may_match(&fc.rq, &v, "a", "b"));
	fake_conn_free(&fc);
}
END_TEST

Suite *
make_policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, member_with_ability);
	tcase_add_test(tc, non_member_is_unknown);
	tcase_add_test(tc, member_without_ability);
	tcase_add_test(tc, columns);
	tcase_add_test(tc, list_and_aggregation_rules);
	tcase_add_test(tc, different_names);
	suite_add_tcase(s, tc);
	return s;
}
