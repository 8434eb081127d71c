/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_query_values.c: what aggregate queries promise about the values
 * of a real psid: exact decimal sums (0.1 + 0.2 is 0.3) and half-even
 * averages, NULLs skipped, a summed cell that is not a number refused at
 * upload with its line and column and nothing stored, a fingerprint
 * column outside joinColumns, a table under a privacy policy, every
 * group under a threshold (no rows, not an error), and the query's audit
 * entry.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "daemon.h"
#include "daemon_suites.h"
#include "testutil.h"

static struct daemon d;
static struct psid_conn *alice;
static char collab[PSID_COLLAB_ID_LEN + 1];
static char *dir;

static void
setup(void)
{
	struct psid_member m[1] = { { "alice", true, true, true } };
	struct psid_settings st = { true, true, false, true };

	daemon_start(&d, NULL);
	dir = scratch_dir();
	alice = daemon_connect(&d, "alice");
	ck_assert_int_eq(psid_collab_create(alice, "values", m, 1, &st,
	    collab), PSID_OK);
}

static void
teardown(void)
{
	psid_conn_free(alice);
	scratch_remove(dir);
	daemon_check(&d);
	daemon_finish(&d);
}

static void
fp(int v, char out[53])
{
	uint8_t b[32];
	uint64_t s = (uint64_t)v * 31 + 5;

	fill_rand(&s, b, sizeof(b));
	memcpy(out, "02:hmac:", 8);
	EVP_EncodeBlock((unsigned char *)out + 8, b, 32);
}

/* Upload csv (lines joined; "@N" stands for fingerprint N) under rule. */
static int
upload(const char *table, const char *const *lines, size_t n,
    const char *rule, struct psid_report *rep)
{
	char path[600], rpath[600], cell[53];
	struct psid_upload_options o;
	const char *p;
	FILE *f;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.csv", dir, table);
	snprintf(rpath, sizeof(rpath), "%s/%s.json", dir, table);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	for (i = 0; i < n; i++) {
		for (p = lines[i]; *p != '\0'; p++)
			if (*p == '@') {
				fp(p[1] - '0', cell);
				fputs(cell, f);
				p++;
			} else
				fputc(*p, f);
		fputc('\n', f);
	}
	ck_assert_int_eq(fclose(f), 0);
	write_file(rpath, rule);
	memset(&o, 0, sizeof(o));
	ck_assert_msg(psid_rule_load(rpath, &o.rule, rep) == PSID_OK, "%s",
	    rep->message);
	rc = psid_upload_csv(alice, collab, table, path, &o, rep);
	psid_rule_clear(&o.rule);
	return rc;
}

static const char *const keys[] = { "email,device", "@1,@5", "@2,@6",
    "@3,@7", "@4,@8" };
static const char *const sums[] = { "email,amount,tag", "@1,0.1,a",
    "@2,0.2,a", "@3,,a", "@4,-0.05,b" };

#define KEYS_RULE "{\"type\": \"aggregation\", \"joinColumns\": " \
    "[\"email\"], \"aggregateColumns\": [{\"columnNames\": [\"email\"], " \
    "\"function\": \"COUNT_DISTINCT\"}]}"
#define SUMS_RULE "{\"type\": \"aggregation\", \"joinColumns\": " \
    "[\"email\"], \"dimensionColumns\": [\"tag\"], \"aggregateColumns\": " \
    "[{\"columnNames\": [\"amount\"], \"function\": \"SUM\"}, " \
    "{\"columnNames\": [\"amount\"], \"function\": \"AVG\"}, " \
    "{\"columnNames\": [\"amount\"], \"function\": \"COUNT\"}]%s}"

/* One query's cells, joined by '|' per row and ';' between rows. */
static void
query_text(const char *sql, char *out, size_t size, uint64_t *suppressed)
{
	struct psid_result *res = NULL;
	size_t r, c, n = 0;
	const char *v;

	ck_assert_msg(psid_query(alice, collab, sql, strlen(sql), &res) ==
	    PSID_OK, "%s: %s", sql, psid_conn_error(alice));
	out[0] = '\0';
	for (r = 0; r < res->nrows; r++)
		for (c = 0; c < res->ncolumns; c++) {
			v = res->cells[r * res->ncolumns + c];
			n += (size_t)snprintf(out + n, size - n, "%s%s",
			    c > 0 ? "|" : r > 0 ? ";" : "", v ? v : "NULL");
		}
	if (suppressed != NULL)
		*suppressed = res->groups_suppressed;
	psid_result_free(res);
}

START_TEST(test_exact_sums_and_averages)
{
	struct psid_report rep;
	char got[512];
	char rule[1024];

	snprintf(rule, sizeof(rule), SUMS_RULE, "");
	ck_assert_int_eq(upload("keys", keys, 5, KEYS_RULE, &rep), PSID_OK);
	ck_assert_int_eq(upload("sums", sums, 5, rule, &rep), PSID_OK);
	/* Scale 2 (from -0.05): 0.1 + 0.2 is 0.30; AVG at 6 decimals. */
	query_text("SELECT s.tag, SUM(s.amount), AVG(s.amount), "
	    "COUNT(s.amount), COUNT(*) FROM keys k JOIN sums s ON k.email = "
	    "s.email GROUP BY s.tag", got, sizeof(got), NULL);
	ck_assert_str_eq(got, "a|0.30|0.150000|2|3;b|-0.05|-0.050000|1|1");
	/* 0.25 / 3 = 0.0833333...: 0.083333; no GROUP BY: one row. */
	query_text("SELECT SUM(s.amount), AVG(s.amount) FROM keys k JOIN sums "
	    "s ON k.email = s.email", got, sizeof(got), NULL);
	ck_assert_str_eq(got, "0.25|0.083333");
	/* A WHERE that keeps nothing: SUM and AVG are NULL, COUNT 0. */
	query_text("SELECT COUNT(*), SUM(s.amount), AVG(s.amount) FROM keys k "
	    "JOIN sums s ON k.email = s.email WHERE s.tag = 'zzz'", got,
	    sizeof(got), NULL);
	ck_assert_str_eq(got, "0|NULL|NULL");
}
END_TEST

START_TEST(test_refusals_of_values)
{
	static const char *const comma[] = { "email,amount,tag",
	    "@1,1.50,a", "@2,\"12,50\",a" };
	static const char *const bad2[] = { "email,amount,tag", "@1,1e3,a" };
	struct psid_report rep;
	struct psid_result *res = NULL;
	char rule[1024], got[512];
	const char *sql;
	uint64_t suppressed = 0;

	snprintf(rule, sizeof(rule), SUMS_RULE, "");
	/* A locale's decimal comma, on the second data row (line 3). */
	ck_assert_int_eq(upload("commas", comma, 3, rule, &rep),
	    PSID_ERR_REFUSED);
	ck_assert_uint_eq(rep.line, 3);
	ck_assert_str_eq(rep.column, "amount");
	ck_assert_ptr_nonnull(strstr(rep.message, "not a number"));
	ck_assert_int_eq(upload("exps", bad2, 2, rule, &rep),
	    PSID_ERR_REFUSED);
	ck_assert_ptr_nonnull(strstr(rep.message, "exponent"));
	/* Nothing of either was stored. */
	sql = "SELECT COUNT(*) FROM commas";
	ck_assert_int_eq(psid_query(alice, collab, sql, strlen(sql), &res),
	    PSID_ERR_NOT_FOUND);
	/* A fingerprint column outside joinColumns. */
	ck_assert_int_eq(upload("keys", keys, 5, KEYS_RULE, &rep), PSID_OK);
	ck_assert_int_eq(upload("sums", sums, 5, rule, &rep), PSID_OK);
	sql = "SELECT COUNT(*) FROM sums s JOIN keys k ON k.device = s.email";
	ck_assert_int_eq(psid_query(alice, collab, sql, strlen(sql), &res),
	    PSID_ERR_FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(alice), "column "
	    "k.device may not be joined on: table keys allows joins on email "
	    "only"));
	/* A threshold no group meets: no rows, the groups counted. */
	snprintf(rule, sizeof(rule), SUMS_RULE, ", \"outputConstraints\": "
	    "[{\"columnName\": \"email\", \"minimum\": 3, \"type\": "
	    "\"COUNT_DISTINCT\"}]");
	ck_assert_int_eq(upload("few", sums, 5, rule, &rep), PSID_OK);
	query_text("SELECT f.tag, COUNT(*) FROM keys k JOIN few f ON k.email = "
	    "f.email GROUP BY f.tag", got, sizeof(got), &suppressed);
	ck_assert_str_eq(got, "a|3");
	ck_assert_uint_eq(suppressed, 1);
	query_text("SELECT f.tag, COUNT(*) FROM keys k JOIN few f ON k.email = "
	    "f.email WHERE f.tag = 'b' GROUP BY f.tag", got, sizeof(got),
	    &suppressed);
	ck_assert_str_eq(got, "");
	ck_assert_uint_eq(suppressed, 1);
	/* A table under a privacy policy is not queried in SQL. */
	snprintf(rule, sizeof(rule), SUMS_RULE, ", \"differentialPrivacy\": "
	    "{\"epsilon\": 1, \"budget\": 3, \"refresh\": \"never\"}");
	ck_assert_int_eq(upload("private", sums, 5, rule, &rep), PSID_OK);
	sql = "SELECT COUNT(*) FROM keys k JOIN private p ON k.email = p.email";
	ck_assert_int_eq(psid_query(alice, collab, sql, strlen(sql), &res),
	    PSID_ERR_FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(alice),
	    "differential privacy"));
}
END_TEST

struct last_entry {
	char operation[32];
	char detail[2048];
};

static int
keep_last(void *arg, const struct psid_audit_entry *e)
{
	struct last_entry *l = arg;

	snprintf(l->operation, sizeof(l->operation), "%s", e->operation);
	snprintf(l->detail, sizeof(l->detail), "%s", e->detail);
	return 0;
}

START_TEST(test_query_audited)
{
	struct psid_report rep;
	struct last_entry last;
	char rule[1024], got[256];

	snprintf(rule, sizeof(rule), SUMS_RULE, "");
	ck_assert_int_eq(upload("keys", keys, 5, KEYS_RULE, &rep), PSID_OK);
	ck_assert_int_eq(upload("sums", sums, 5, rule, &rep), PSID_OK);
	query_text("SELECT s.tag, SUM(s.amount) FROM keys k JOIN sums s ON "
	    "k.email = s.email GROUP BY s.tag", got, sizeof(got), NULL);
	memset(&last, 0, sizeof(last));
	ck_assert_int_eq(psid_audit_read(alice, collab, 0, keep_last, &last),
	    PSID_OK);
	ck_assert_str_eq(last.operation, "query");
	ck_assert_str_eq(last.detail, "tables keys, sums: 2 groups returned, "
	    "0 left out under thresholds; sql: SELECT s.tag, SUM(s.amount) "
	    "FROM keys k JOIN sums s ON k.email = s.email GROUP BY s.tag");
}
END_TEST

Suite *
make_query_values_suite(void)
{
	Suite *s = suite_create("query_values");
	TCase *tc = tcase_create("values");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_exact_sums_and_averages);
	tcase_add_test(tc, test_refusals_of_values);
	tcase_add_test(tc, test_query_audited);
	suite_add_tcase(s, tc);
	return s;
}
