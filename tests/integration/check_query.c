/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_query.c: aggregate SQL queries against a real psid, each result
 * compared with the same query run by SQLite on the plaintext of random
 * tables (property tests over several seeds): NULLs everywhere, repeated
 * fingerprints, OR and AND joins, a 3-way join, WHERE in three-valued
 * logic, exact sums and half-even averages, groups under a threshold
 * left out and counted; then every refusal a member relies on, with its
 * line and column, psid serving on.
 */
#include "config.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "daemon.h"
#include "daemon_suites.h"
#include "testutil.h"

static struct daemon d;
static struct psid_conn *alice, *bob;
static sqlite3 *db;
static char collab[PSID_COLLAB_ID_LEN + 1];
static char *dir;
/* Over all comparisons: groups returned and left out (both must occur). */
static uint64_t total_rows, total_suppressed;

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

/* The fingerprint cell of plaintext value v (the same in every table). */
static void
fp_cell(int v, char out[53])
{
	uint8_t fp[32];
	uint64_t s = (uint64_t)v * 104729 + 3;

	fill_rand(&s, fp, sizeof(fp));
	memcpy(out, "02:hmac:", 8);
	EVP_EncodeBlock((unsigned char *)out + 8, fp, 32);
}

static void
sql_exec(const char *sql)
{
	char *e = NULL;

	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &e) == SQLITE_OK,
	    "sqlite: %s: %s", sql, e);
}

/* A random value of [0, n), or -1 (NULL) one time in nulls. */
static int
pick(uint64_t *s, int n, int nulls)
{
	uint64_t x = next_rand(s);

	if (nulls > 0 && x % (uint64_t)nulls == 0)
		return -1;
	return (int)(x / 13 % (uint64_t)n);
}

static void
upload_file(struct psid_conn *c, const char *table, const char *csv,
    const char *rule)
{
	char cpath[600], rpath[600];
	struct psid_upload_options o;
	struct psid_report rep;
	int rc;

	snprintf(cpath, sizeof(cpath), "%s/%s.csv", dir, table);
	snprintf(rpath, sizeof(rpath), "%s/%s.json", dir, table);
	write_file(cpath, csv);
	write_file(rpath, rule);
	memset(&o, 0, sizeof(o));
	ck_assert_msg(psid_rule_load(rpath, &o.rule, &rep) == PSID_OK,
	    "rule %s: %s", table, rep.message);
	o.replace = true;
	rc = psid_upload_csv(c, collab, table, cpath, &o, &rep);
	ck_assert_msg(rc == PSID_OK, "upload %s: %s (%s)", table, rep.message,
	    psid_conn_error(c));
	psid_rule_clear(&o.rule);
}

/* Append "text," or "," (NULL) to a growing CSV buffer. */
static void
put(char **buf, size_t *len, const char *text, const char *sep)
{
	size_t n = strlen(text) + strlen(sep);

	*buf = realloc(*buf, *len + n + 1);
	ck_assert_ptr_nonnull(*buf);
	memcpy(*buf + *len, text, strlen(text));
	memcpy(*buf + *len + strlen(text), sep, strlen(sep) + 1);
	*len += n;
}

static void
put_fp(char **buf, size_t *len, int v, const char *sep)
{
	char cell[53] = "";

	if (v >= 0)
		fp_cell(v, cell);
	put(buf, len, cell, sep);
}

static void
sql_value(char *out, size_t size, int v)
{
	if (v < 0)
		snprintf(out, size, "NULL");
	else
		snprintf(out, size, "%d", v);
}

/*
 * exposures (alice): email, phone, campaign; purchases (bob): email,
 * phone, amount (cents as "d.dd"), product; regions (alice): email,
 * region. The same rows go into SQLite as plaintext.
 */
static void
make_tables(uint64_t seed, unsigned min_buyers, size_t rows, bool unique,
    bool complete)
{
	char *csv = NULL, e[16], p[16], q[400], a[32], rule[900];
	size_t len = 0, r;
	int em, ph, x, cents;
	uint64_t s = seed;

	sql_exec("DROP TABLE IF EXISTS exposures; DROP TABLE IF EXISTS "
	    "purchases; DROP TABLE IF EXISTS regions;"
	    "CREATE TABLE exposures (email, phone, campaign);"
	    "CREATE TABLE purchases (email, phone, amount, product);"
	    "CREATE TABLE regions (email, region);");
	put(&csv, &len, "email,phone,campaign", "\n");
	for (r = 0; r < rows; r++) {
		em = pick(&s, 40, complete ? 0 : 9);
		ph = pick(&s, 30, complete ? 0 : 6);
		if (unique)	/* no fingerprint twice in a column */
			em = em < 0 ? -1 : (int)r, ph = ph < 0 ? -1 : (int)r;
		x = pick(&s, 4, 10);
		put_fp(&csv, &len, em, ",");
		put_fp(&csv, &len, ph < 0 ? -1 : 1000 + ph, ",");
		snprintf(a, sizeof(a), "c%d", x);
		put(&csv, &len, x < 0 ? "" : a, "\n");
		sql_value(e, sizeof(e), em);
		sql_value(p, sizeof(p), ph);
		snprintf(q, sizeof(q), "INSERT INTO exposures VALUES (%s, %s, "
		    "%s%s%s)", e, p, x < 0 ? "NULL" : "'", x < 0 ? "" : a,
		    x < 0 ? "" : "'");
		sql_exec(q);
	}
	upload_file(alice, "exposures", csv, "{\"type\": \"aggregation\", "
	    "\"joinColumns\": [\"email\", \"phone\"], \"dimensionColumns\": "
	    "[\"campaign\"], \"aggregateColumns\": [{\"columnNames\": "
	    "[\"email\"], \"function\": \"COUNT_DISTINCT\"}], "
	    "\"outputConstraints\": [{\"columnName\": \"email\", \"minimum\": "
	    "1, \"type\": \"COUNT_DISTINCT\"}], \"allowedJoinOperators\": "
	    "[\"AND\", \"OR\"]}");
	free(csv), csv = NULL, len = 0;
	put(&csv, &len, "email,phone,amount,product", "\n");
	for (r = 0; r < rows; r++) {
		em = pick(&s, 40, complete ? 0 : 7);
		ph = pick(&s, 30, complete ? 0 : 5);
		if (unique)	/* shifted: some rows meet by email, some by phone */
			em = em < 0 ? -1 : (int)(r + rows / 3),
			ph = ph < 0 ? -1 : (int)(rows - r);
		x = pick(&s, 3, 0);
		cents = pick(&s, 30000, 8);
		if (cents >= 0)
			cents -= 5000;
		put_fp(&csv, &len, em, ",");
		put_fp(&csv, &len, ph < 0 ? -1 : 1000 + ph, ",");
		if (cents >= 0 || cents < -1)
			snprintf(a, sizeof(a), "%s%d.%02d", cents < 0 ? "-" : "",
			    abs(cents) / 100, abs(cents) % 100);
		put(&csv, &len, cents == -1 ? "" : a, ",");
		snprintf(a, sizeof(a), "p%d", x);
		put(&csv, &len, a, "\n");
		sql_value(e, sizeof(e), em);
		sql_value(p, sizeof(p), ph);
		snprintf(q, sizeof(q), "INSERT INTO purchases VALUES (%s, %s, "
		    "%s, 'p%d')", e, p, cents == -1 ? "NULL" : (snprintf(a,
		    sizeof(a), "%d", cents), a), x);
		sql_exec(q);
	}
	snprintf(rule, sizeof(rule), "{\"type\": \"aggregation\", "
	    "\"joinColumns\": [\"email\", \"phone\"], \"dimensionColumns\": "
	    "[\"product\"], \"aggregateColumns\": ["
	    "{\"columnNames\": [\"amount\"], \"function\": \"SUM\"}, "
	    "{\"columnNames\": [\"amount\"], \"function\": \"AVG\"}, "
	    "{\"columnNames\": [\"amount\"], \"function\": \"SUM_DISTINCT\"}, "
	    "{\"columnNames\": [\"amount\"], \"function\": \"COUNT\"}, "
	    "{\"columnNames\": [\"email\"], \"function\": \"COUNT_DISTINCT\"}], "
	    "\"outputConstraints\": [{\"columnName\": \"email\", \"minimum\": "
	    "%u, \"type\": \"COUNT_DISTINCT\"}], \"allowedJoinOperators\": "
	    "[\"AND\", \"OR\"], \"joinRequired\": \"QUERY_RUNNER\"}",
	    min_buyers);
	upload_file(bob, "purchases", csv, rule);
	free(csv), csv = NULL, len = 0;
	put(&csv, &len, "email,region", "\n");
	for (r = 0; r < rows / 2; r++) {
		em = pick(&s, 40, 5), x = pick(&s, 2, 0);
		if (unique)
			em = em < 0 ? -1 : (int)(2 * r);
		put_fp(&csv, &len, em, ",");
		snprintf(a, sizeof(a), "r%d", x);
		put(&csv, &len, a, "\n");
		sql_value(e, sizeof(e), em);
		snprintf(q, sizeof(q), "INSERT INTO regions VALUES (%s, 'r%d')",
		    e, x);
		sql_exec(q);
	}
	upload_file(alice, "regions", csv, "{\"type\": \"aggregation\", "
	    "\"joinColumns\": [\"email\"], \"dimensionColumns\": "
	    "[\"region\"], \"aggregateColumns\": [{\"columnNames\": "
	    "[\"region\"], \"function\": \"COUNT\"}], "
	    "\"allowedJoinOperators\": [\"AND\"]}");
	free(csv);
}


/* Text of cents / 100 at scale 2, or of sum * 10^4 / n half-even at 6. */
static void
fmt_scaled(char *out, size_t size, __int128 num, __int128 den, int scale)
{
	__int128 q, r, a;
	bool neg;
	long long ip;
	long long fp, p10 = 1;
	int i;

	for (i = 0; i < scale; i++)
		p10 *= 10;
	neg = (num < 0) != (den < 0) && num != 0;
	a = num < 0 ? -num : num;
	den = den < 0 ? -den : den;
	q = a / den;
	r = a % den;
	if (2 * r > den || (2 * r == den && (q & 1)))
		q++;
	if (q == 0)
		neg = false;
	ip = (long long)(q / p10);
	fp = (long long)(q % p10);
	if (scale == 0)
		snprintf(out, size, "%s%lld", neg ? "-" : "", ip);
	else
		snprintf(out, size, "%s%lld.%0*lld", neg ? "-" : "", ip, scale,
		    fp);
}

/*
 * One expected row from SQLite's row st, by format: per psid column 'T'
 * text, 'I' integer, 'S' a sum of cents, 'A' an average (two SQLite
 * columns: the sum of cents and the count); then threshold columns: 'H'
 * at least min_buyers, 'h' at least 1. Returns whether the row meets
 * every threshold; the row text (cells joined by '|', NULL as \N) into
 * out.
 */
static bool
expected_row(sqlite3_stmt *st, const char *format, unsigned min_buyers,
    char *out, size_t size)
{
	char cell[64];
	size_t n = 0;
	int c = 0;
	bool keep = true;
	const char *f;

	out[0] = '\0';
	for (f = format; *f != '\0'; f++, c++) {
		bool null = sqlite3_column_type(st, c) == SQLITE_NULL;

		switch (*f) {
		case 'H':
		case 'h':
			keep &= sqlite3_column_int64(st, c) >=
			    (*f == 'H' ? (int64_t)min_buyers : 1);
			continue;
		case 'T':
		case 'I':
			snprintf(cell, sizeof(cell), "%s", null ? "\\N" :
			    (const char *)sqlite3_column_text(st, c));
			break;
		case 'S':
			if (null)
				snprintf(cell, sizeof(cell), "\\N");
			else
				fmt_scaled(cell, sizeof(cell),
				    sqlite3_column_int64(st, c), 1, 2);
			break;
		case 'A':
			if (null || sqlite3_column_int64(st, c + 1) == 0)
				snprintf(cell, sizeof(cell), "\\N");
			else
				fmt_scaled(cell, sizeof(cell),
				    (__int128)sqlite3_column_int64(st, c) * 10000,
				    sqlite3_column_int64(st, c + 1), 6);
			c++;
			break;
		}
		n += (size_t)snprintf(out + n, size - n, "%s%s", n > 0 ? "|" :
		    "", cell);
	}
	return keep;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run psid_sql on psid (by alice) and sqlite_sql here; compare. */
static void
compare(const char *psid_sql, const char *sqlite_sql, const char *format,
    unsigned min_buyers)
{
	struct psid_result *res = NULL;
	sqlite3_stmt *st;
	char **want = NULL, **got, row[1024];
	size_t nwant = 0, r, c, n, i;
	uint64_t suppressed = 0;
	int rc;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sqlite_sql, -1, &st, NULL),
	    SQLITE_OK);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!expected_row(st, format, min_buyers, row, sizeof(row))) {
			suppressed++;
			continue;
		}
		want = realloc(want, (nwant + 1) * sizeof(*want));
		want[nwant++] = strdup(row);
	}
	ck_assert_int_eq(rc, SQLITE_DONE);
	sqlite3_finalize(st);
	rc = psid_query(alice, collab, psid_sql, strlen(psid_sql), &res);
	ck_assert_msg(rc == PSID_OK, "%s: %s", psid_sql,
	    psid_conn_error(alice));
	got = calloc(res->nrows + 1, sizeof(*got));
	for (r = 0; r < res->nrows; r++) {
		for (n = 0, c = 0; c < res->ncolumns; c++) {
			const char *v = res->cells[r * res->ncolumns + c];

			n += (size_t)snprintf(row + n, sizeof(row) - n, "%s%s",
			    c > 0 ? "|" : "", v != NULL ? v : "\\N");
		}
		got[r] = strdup(row);
	}
	if (nwant > 0)
		qsort(want, nwant, sizeof(*want), cmp_str);
	qsort(got, res->nrows, sizeof(*got), cmp_str);
	ck_assert_msg(res->nrows == nwant, "%s: %zu rows, SQLite %zu",
	    psid_sql, res->nrows, nwant);
	for (i = 0; i < nwant; i++)
		ck_assert_msg(strcmp(want[i], got[i]) == 0, "%s: row %zu: psid "
		    "%s, SQLite %s", psid_sql, i, got[i], want[i]);
	ck_assert_msg(res->groups_suppressed == suppressed, "%s: %llu groups "
	    "left out, SQLite %llu", psid_sql,
	    (unsigned long long)res->groups_suppressed,
	    (unsigned long long)suppressed);
	ck_assert_uint_eq(res->groups, nwant);
	total_rows += nwant;
	total_suppressed += suppressed;
	for (i = 0; i < nwant; i++) {
		free(want[i]);
		free(got[i]);
	}
	free(want);
	free(got);
	psid_result_free(res);
}

/* The queries, psid's text and SQLite's on the plaintext. */
static const struct query_case {
	const char *psid, *sqlite, *format;
} cases[] = {
	{ "SELECT e.campaign, COUNT(DISTINCT p.email) AS buyers, "
	  "SUM(p.amount) AS revenue, AVG(p.amount) FROM exposures e JOIN "
	  "purchases p ON e.email = p.email GROUP BY e.campaign",
	  "SELECT e.campaign, COUNT(DISTINCT p.email), SUM(p.amount), "
	  "SUM(p.amount), COUNT(p.amount), COUNT(DISTINCT p.email), "
	  "COUNT(DISTINCT e.email) FROM exposures e JOIN purchases p ON "
	  "e.email = p.email GROUP BY e.campaign", "TISAHh" },
	{ "SELECT e.campaign, COUNT(DISTINCT p.email), SUM(p.amount) FROM "
	  "exposures e JOIN purchases p ON e.email = p.email OR e.phone = "
	  "p.phone GROUP BY e.campaign",
	  "SELECT e.campaign, COUNT(DISTINCT p.email), SUM(p.amount), "
	  "COUNT(DISTINCT p.email), COUNT(DISTINCT e.email) FROM exposures e "
	  "JOIN purchases p ON e.email = p.email OR e.phone = p.phone GROUP "
	  "BY e.campaign", "TISHh" },
	{ "select COUNT(*), count(p.amount), sum(distinct p.amount), "
	  "avg(p.amount) from exposures e join purchases p on p.email = "
	  "e.email and p.phone = e.phone",
	  "SELECT COUNT(*), COUNT(p.amount), SUM(DISTINCT p.amount), "
	  "SUM(p.amount), COUNT(p.amount), COUNT(DISTINCT p.email), "
	  "COUNT(DISTINCT e.email) FROM exposures e JOIN purchases p ON "
	  "p.email = e.email AND p.phone = e.phone", "IISAHh" },
	{ "SELECT e.campaign, p.product, COUNT(*) AS n FROM exposures e JOIN "
	  "purchases p ON e.email = p.email WHERE e.campaign IN ('c1', 'c2') "
	  "AND p.product <> 'p0' OR NOT (e.campaign = 'c3') GROUP BY "
	  "e.campaign, p.product ORDER BY n DESC LIMIT 100",
	  "SELECT e.campaign, p.product, COUNT(*), COUNT(DISTINCT p.email), "
	  "COUNT(DISTINCT e.email) FROM exposures e JOIN purchases p ON "
	  "e.email = p.email WHERE e.campaign IN ('c1', 'c2') AND p.product "
	  "<> 'p0' OR NOT (e.campaign = 'c3') GROUP BY e.campaign, p.product",
	  "TTIHh" },
	{ "SELECT r.region, e.campaign, SUM(p.amount) FROM exposures e JOIN "
	  "purchases p ON e.email = p.email OR e.phone = p.phone JOIN "
	  "regions r ON r.email = e.email GROUP BY r.region, e.campaign",
	  "SELECT r.region, e.campaign, SUM(p.amount), COUNT(DISTINCT "
	  "p.email), COUNT(DISTINCT e.email) FROM exposures e JOIN purchases "
	  "p ON e.email = p.email OR e.phone = p.phone JOIN regions r ON "
	  "r.email = e.email GROUP BY r.region, e.campaign", "TTSHh" },
};

START_TEST(test_queries_match_sqlite)
{
	uint64_t seed;
	unsigned min_buyers;
	size_t i;

	dir = scratch_dir();
	alice = daemon_connect(&d, "alice");
	bob = daemon_connect(&d, "bob");
	{
		struct psid_member m[2] = {
			{ "alice", true, true, true },
			{ "bob", true, true, true },
		};
		struct psid_settings st = { true, true, false, true };

		ck_assert_int_eq(psid_collab_create(alice, "sql", m, 2, &st,
		    collab), PSID_OK);
	}
	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (seed = 1; seed <= 5; seed++) {
		min_buyers = (unsigned)(seed * 9 % 31);
		/*
		 * Seed 4 repeats no fingerprint within a column; seed 5 also
		 * leaves none empty (a counted column then needs no walk).
		 */
		make_tables(seed * 7919, min_buyers, 150 + 50 * seed, seed >= 4,
		    seed == 5);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			compare(cases[i].psid, cases[i].sqlite, cases[i].format,
			    min_buyers);
	}
	/* The data exercised both sides of the thresholds. */
	ck_assert_uint_gt(total_rows, 20);
	ck_assert_uint_gt(total_suppressed, 0);
	sqlite3_close(db);
	psid_conn_free(alice);
	psid_conn_free(bob);
	scratch_remove(dir);
	daemon_check(&d);
}
END_TEST

/* What a refused query must answer: its code and a part of its line. */
static const struct refusal {
	int who;			/* 0 alice, 1 bob */
	const char *sql;
	int code;
	const char *says;
} refusals[] = {
	{ 0, "SELECT e.campaing, COUNT(*) FROM exposures e JOIN purchases p "
	  "ON e.email = p.email GROUP BY e.campaign", PSID_ERR_BAD_REQUEST,
	  "line 1, column 8: unknown column e.campaing (did you mean "
	  "e.campaign?)" },
	{ 0, "SELECT SUM(p.amout) FROM exposures e JOIN purchases p ON "
	  "e.email = p.email", PSID_ERR_BAD_REQUEST,
	  "line 1, column 12: unknown column p.amout (did you mean "
	  "p.amount?)" },
	{ 0, "SELECT COUNT(*) FROM exposures e JOIN purchase p ON e.email = "
	  "p.email", PSID_ERR_NOT_FOUND, "line 1, column 39: no table "
	  "purchase in this collaboration (did you mean purchases?)" },
	{ 0, "SELECT SUM(p.email) FROM exposures e JOIN purchases p ON "
	  "e.email = p.email", PSID_ERR_FORBIDDEN, "column p.email may not "
	  "be aggregated with SUM: table purchases allows SUM on amount" },
	{ 0, "SELECT COUNT(*) FROM exposures e JOIN purchases p ON e.email = "
	  "p.email WHERE p.amount = '1.00'", PSID_ERR_FORBIDDEN,
	  "column p.amount may not be filtered on: table purchases allows "
	  "dimension columns product only" },
	{ 0, "SELECT p.amount, COUNT(*) FROM exposures e JOIN purchases p ON "
	  "e.email = p.email GROUP BY p.amount", PSID_ERR_FORBIDDEN,
	  "may not be grouped by" },
	{ 0, "SELECT COUNT(*) FROM exposures e JOIN purchases p ON "
	  "e.campaign = p.product", PSID_ERR_FORBIDDEN,
	  "column e.campaign is not a fingerprint column" },
	{ 0, "SELECT COUNT(*) FROM exposures e JOIN regions r ON e.email = "
	  "r.email OR (e.email = r.email AND e.email = r.email)",
	  PSID_ERR_FORBIDDEN, "line 1, column 52: OR joins table regions, "
	  "whose rule allows AND only" },
	{ 0, "SELECT COUNT(*) FROM exposures e JOIN regions r ON e.email = "
	  "r.email AND e.phone = r.email", PSID_ERR_FORBIDDEN,
	  "line 1, column 74: e.phone and r.email have different names" },
	{ 0, "SELECT e.campaign, COUNT(*) FROM exposures e JOIN purchases p "
	  "ON e.email = p.email", PSID_ERR_BAD_REQUEST,
	  "line 1, column 8: e.campaign must be in GROUP BY" },
	{ 0, "SELECT COUNT(*) FROM purchases", PSID_ERR_FORBIDDEN,
	  "table purchases may only be queried joined with a table of the "
	  "member who asks" },
	{ 1, "SELECT COUNT(*) FROM exposures e JOIN regions r ON e.email = "
	  "r.email", PSID_OK, "" },
	{ 0, "SELECT COUNT(*) FORM exposures", PSID_ERR_BAD_REQUEST,
	  "line 1, column 17: expected FROM" },
	{ 0, "SELECT COUNT(*) FROM exposures e JOIN purchases p ON e.email = "
	  "p.email ORDER BY nothing", PSID_ERR_BAD_REQUEST,
	  "ORDER BY nothing is not a column of the result" },
};

START_TEST(test_query_refusals)
{
	struct psid_result *res;
	struct psid_conn *who;
	char *big;
	size_t i;
	int rc;

	dir = scratch_dir();
	alice = daemon_connect(&d, "alice");
	bob = daemon_connect(&d, "bob");
	{
		struct psid_member m[2] = {
			{ "alice", true, true, true },
			{ "bob", true, true, true },
		};
		struct psid_settings st = { true, true, false, true };

		ck_assert_int_eq(psid_collab_create(alice, "sql", m, 2, &st,
		    collab), PSID_OK);
	}
	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	make_tables(99, 2, 60, false, false);
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		who = refusals[i].who == 0 ? alice : bob;
		res = NULL;
		rc = psid_query(who, collab, refusals[i].sql,
		    strlen(refusals[i].sql), &res);
		ck_assert_msg(rc == refusals[i].code, "%s: %s, not %s (%s)",
		    refusals[i].sql, psid_strerror(rc),
		    psid_strerror(refusals[i].code), psid_conn_error(who));
		if (rc == PSID_OK) {
			psid_result_free(res);
			continue;
		}
		ck_assert_ptr_null(res);
		ck_assert_msg(strstr(psid_conn_error(who), refusals[i].says),
		    "%s: \"%s\" lacks \"%s\"", refusals[i].sql,
		    psid_conn_error(who), refusals[i].says);
	}
	/* 17 tables; a text over 1 MiB; an unknown collaboration. */
	big = calloc(1, (1 << 20) + 64);
	strcpy(big, "SELECT COUNT(*) FROM exposures e");
	for (i = 0; i < 16; i++)
		sprintf(big + strlen(big), " JOIN regions r%zu ON r%zu.email = "
		    "e.email", i, i);
	ck_assert_int_eq(psid_query(alice, collab, big, strlen(big), &res),
	    PSID_ERR_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(alice), "16 tables"));
	memset(big + strlen(big), ' ', (1 << 20) + 8 - strlen(big));
	ck_assert_int_eq(psid_query(alice, collab, big, (1 << 20) + 8, &res),
	    PSID_ERR_BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(alice), "1 MiB"));
	free(big);
	ck_assert_int_eq(psid_query(alice, "00000000-0000-4000-8000-"
	    "000000000000", "SELECT COUNT(*) FROM exposures", 30, &res),
	    PSID_ERR_NOT_FOUND);
	/* psid serves on: the first case still answers. */
	compare(cases[0].psid, cases[0].sqlite, cases[0].format, 2);
	sqlite3_close(db);
	psid_conn_free(alice);
	psid_conn_free(bob);
	scratch_remove(dir);
	daemon_check(&d);
}
END_TEST


Suite *
make_query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("sql");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_queries_match_sqlite);
	tcase_add_test(tc, test_query_refusals);
	suite_add_tcase(s, tc);
	return s;
}
