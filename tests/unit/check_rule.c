/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_rule.c: rule files (client/lib/rule.c): Clean Rooms' keys read
 * into a struct psid_rule exactly (decimals to the thousandth, defaults,
 * the largest minimum), and the refusals a table owner meets, each one
 * line naming the key, the rule left untouched.
 */
#include "config.h"

#include <string.h>

#include "psid/client.h"
#include "rule.h"
#include "suites.h"

static int
load(const char *json, struct psid_rule *r, struct psid_report *rep)
{
	return rule_load_buffer(json, strlen(json), "r.json", r, rep);
}

START_TEST(test_policy_read_exactly)
{
	struct psid_report rep;
	struct psid_rule r;

	ck_assert_int_eq(load("{ \"type\": \"aggregation\", "
	    "\"outputConstraints\": ["
	    "{ \"columnName\": \"Email\", \"minimum\": 100, \"type\": \"COUNT_DISTINCT\" },"
	    "{ \"columnName\": \"phone\", \"minimum\": 250, \"type\": \"COUNT_DISTINCT\" }],"
	    "\"differentialPrivacy\": { \"epsilon\": 0.1, \"budget\": 2.345, "
	    "\"refresh\": \"monthly\", \"mechanism\": \"gaussian\" } }", &r, &rep),
	    PSID_OK);
	ck_assert_int_eq(r.kind, PSID_RULE_AGGREGATION);
	ck_assert_uint_eq(r.min_rows, 250);
	ck_assert(r.privacy.enabled);
	ck_assert_uint_eq(r.privacy.epsilon_milli, 100);	/* not 99 */
	ck_assert_uint_eq(r.privacy.budget_milli, 2345);
	ck_assert_uint_eq(r.privacy.contribution_limit, 1);	/* default */
	ck_assert_int_eq(r.privacy.refresh, PSID_REFRESH_MONTHLY);
	ck_assert_int_eq(r.privacy.mechanism, PSID_NOISE_GAUSSIAN);
	psid_rule_clear(&r);
	ck_assert_int_eq(load("{ \"type\": \"list\", \"listColumns\": "
	    "[\" Email \", \"amount\"] }", &r, &rep), PSID_OK);
	ck_assert_int_eq(r.kind, PSID_RULE_LIST);
	ck_assert_uint_eq(r.ncolumns, 2);
	ck_assert_str_eq(r.columns[0], "email");	/* normalised */
	ck_assert(!r.privacy.enabled);
	psid_rule_clear(&r);
	psid_rule_clear(NULL);
}
END_TEST

START_TEST(test_aggregation_vocabulary)
{
	struct psid_report rep;
	struct psid_rule r;

	ck_assert_int_eq(load("{ \"type\": \"aggregation\","
	    " \"joinColumns\": [\"email\", \"Phone\"],"
	    " \"dimensionColumns\": [\"campaign\"],"
	    " \"aggregateColumns\": ["
	    "  { \"columnNames\": [\"amount\"], \"function\": \"SUM\" },"
	    "  { \"columnNames\": [\"amount\", \"qty\"], \"function\": \"AVG\" },"
	    "  { \"columnNames\": [\"email\"], \"function\": \"COUNT_DISTINCT\" } ],"
	    " \"outputConstraints\": [ { \"columnName\": \"email\","
	    "  \"minimum\": 100, \"type\": \"COUNT_DISTINCT\" } ],"
	    " \"allowedJoinOperators\": [\"AND\", \"OR\"],"
	    " \"joinRequired\": \"QUERY_RUNNER\" }", &r, &rep), PSID_OK);
	ck_assert_uint_eq(r.njoin_columns, 2);
	ck_assert_str_eq(r.join_columns[1], "phone");
	ck_assert_uint_eq(r.ndimension_columns, 1);
	ck_assert_str_eq(r.dimension_columns[0], "campaign");
	ck_assert_uint_eq(r.naggregates, 4);	/* AVG on two columns */
	ck_assert_str_eq(r.aggregates[0].column, "amount");
	ck_assert_int_eq(r.aggregates[0].function, PSID_AGG_SUM);
	ck_assert_str_eq(r.aggregates[2].column, "qty");
	ck_assert_int_eq(r.aggregates[2].function, PSID_AGG_AVG);
	ck_assert_int_eq(r.aggregates[3].function, PSID_AGG_COUNT_DISTINCT);
	ck_assert_uint_eq(r.nconstraints, 1);
	ck_assert_str_eq(r.constraints[0].column, "email");
	ck_assert_uint_eq(r.constraints[0].minimum, 100);
	ck_assert_uint_eq(r.min_rows, 100);
	ck_assert(r.allow_or);
	ck_assert(r.join_required);
	psid_rule_clear(&r);
	ck_assert_int_eq(load("{ \"type\": \"aggregation\", "
	    "\"allowedJoinOperators\": [\"AND\"] }", &r, &rep), PSID_OK);
	ck_assert(!r.allow_or);
	psid_rule_clear(&r);
}
END_TEST

START_TEST(test_refusals_name_the_key)
{
	static const struct { const char *json, *msg; } bad[] = {
		{ "{ \"type\": \"aggregation\", \"differentialPrivacy\": "
		  "{ \"epsilon\": -1, \"budget\": 3 } }",
		  "r.json: key differentialPrivacy.epsilon: must be above 0" },
		{ "{ \"type\": \"aggregation\", \"differentialPrivacy\": "
		  "{ \"budget\": 3 } }",
		  "r.json: key differentialPrivacy.epsilon: required" },
		{ "{ \"type\": \"aggregation\", \"differentialPrivacy\": "
		  "{ \"epsilon\": 2, \"budget\": 1 } }",
		  "r.json: key differentialPrivacy.budget: smaller than epsilon" },
		{ "{ \"type\": \"aggregation\", \"differentialPrivacy\": "
		  "{ \"epsilon\": 1, \"budget\": 3, \"contributionLimit\": 0 } }",
		  "r.json: key differentialPrivacy.contributionLimit:" },
		{ "{ \"type\": \"aggregation\", \"differentialPrivacy\": "
		  "{ \"epsilon\": 1, \"budget\": 3, \"refresh\": \"weekly\" } }",
		  "r.json: key differentialPrivacy.refresh:" },
		{ "{ \"type\": \"aggregation\", \"outputConstraints\": "
		  "[ { \"columnName\": \"e\", \"minimum\": 5, \"type\": \"SUM\" } ] }",
		  "r.json: key outputConstraints[1].type:" },
		{ "{ \"type\": \"list\", \"outputConstraints\": [] }",
		  "r.json: key outputConstraints: only for an aggregation rule" },
		{ "{ \"type\": \"aggregation\", \"listColumns\": [] }",
		  "r.json: key listColumns: only for a list rule" },
		{ "{ \"type\": \"aggregation\", \"scalarFunctions\": [] }",
		  "r.json: key scalarFunctions: not supported" },
		{ "{ \"type\": \"aggregation\", \"aggregateColumns\": [ "
		  "{ \"columnNames\": [\"a\"], \"function\": \"MEDIAN\" } ] }",
		  "r.json: key aggregateColumns[1].function: must be COUNT" },
		{ "{ \"type\": \"aggregation\", \"aggregateColumns\": [ "
		  "{ \"columnNames\": [\"a\", 7], \"function\": \"SUM\" } ] }",
		  "r.json: key aggregateColumns[1].columnNames[2]: must be a column" },
		{ "{ \"type\": \"aggregation\", \"aggregateColumns\": [ "
		  "{ \"columnNames\": [], \"function\": \"SUM\" } ] }",
		  "r.json: key aggregateColumns[1].columnNames: must be a non-empty" },
		{ "{ \"type\": \"aggregation\", \"joinColumns\": [\"a b-\"] }",
		  "r.json: key joinColumns[1]: must be a column name" },
		{ "{ \"type\": \"aggregation\", \"allowedJoinOperators\": "
		  "[\"XOR\"] }",
		  "r.json: key allowedJoinOperators[1]: must be \"AND\" or \"OR\"" },
		{ "{ \"type\": \"aggregation\", \"joinRequired\": \"ANYONE\" }",
		  "r.json: key joinRequired: must be \"QUERY_RUNNER\"" },
		{ "{ \"type\": \"list\", \"dimensionColumns\": [\"a\"] }",
		  "r.json: key dimensionColumns: only for an aggregation rule" },
		{ "{ \"type\": \"aggregation\", \"type\": \"list\" }",
		  "r.json: line 1" },
		{ "[]", "r.json: not a JSON object" },
	};
	struct psid_report rep;
	struct psid_rule r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0x5a, sizeof(r));
		ck_assert_int_eq(load(bad[i].json, &r, &rep), PSID_ERR_RULE);
		ck_assert_msg(strncmp(rep.message, bad[i].msg,
		    strlen(bad[i].msg)) == 0, "%zu: \"%s\"", i, rep.message);
		ck_assert_ptr_null(strchr(rep.message, '\n'));
		ck_assert_uint_eq(r.min_rows, 0x5a5a5a5a);	/* untouched */
	}
	ck_assert_int_eq(psid_rule_load("/nonexistent/r.json", &r, &rep),
	    PSID_ERR_IO);
}
END_TEST

Suite *
make_rule_suite(void)
{
	Suite *s = suite_create("rule");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, test_policy_read_exactly);
	tcase_add_test(tc, test_aggregation_vocabulary);
	tcase_add_test(tc, test_refusals_name_the_key);
	suite_add_tcase(s, tc);
	return s;
}
