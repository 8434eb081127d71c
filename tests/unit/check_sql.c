/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_sql.c: the parser of psid's SQL subset (server/sql.h): issue 11's
 * query gives the expected tree (compared as sql_print's text, positions
 * field by field), each part of the grammar, the precedence of NOT, AND
 * and OR, case, quotes and comments, every error as one line with its
 * line and column, the bounds (1 MiB of text, 64 levels of nesting, 16
 * tables, 128-byte identifiers), and sql_suggest's "did you mean".
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"
#include "suites.h"

/* The tree of sql as sql_print writes it; sql must parse. */
static char *
printed(const char *sql)
{
	struct sql_query *q;
	struct sql_error err;
	char *s;

	ck_assert_msg(sql_parse(sql, strlen(sql), &q, &err) == 0, "%s: %s",
	    sql, err.message);
	s = sql_print(q);
	sql_free(q);
	return s;
}

/* sql prints as want, and want prints as itself. */
static void
check_print(const char *sql, const char *want)
{
	char *got = printed(sql), *again;

	ck_assert_str_eq(got, want);
	again = printed(got);
	ck_assert_str_eq(again, want);
	free(again);
	free(got);
}

/* sql[0..len) is refused with exactly the message want. */
static void
check_error_len(const char *sql, size_t len, const char *want)
{
	struct sql_query *q = (struct sql_query *)1;
	struct sql_error err;

	ck_assert_int_eq(sql_parse(sql, len, &q, &err), -1);
	ck_assert_ptr_null(q);
	ck_assert_str_eq(err.message, want);
	ck_assert_ptr_null(strchr(err.message, '\n'));
}

static void
check_error(const char *sql, const char *want)
{
	check_error_len(sql, strlen(sql), want);
}

#define ck_assert_pos(p, l, c) do {					\
	ck_assert_uint_eq((p).line, (l));				\
	ck_assert_uint_eq((p).column, (c));				\
} while (0)

START_TEST(issue_example)
{
	check_print("SELECT e.campaign, COUNT(DISTINCT p.email) AS buyers, "
	    "SUM(p.amount) AS revenue, AVG(p.amount)\n"
	    "FROM exposures e JOIN purchases p ON e.email = p.email OR "
	    "e.phone = p.phone\n"
	    "JOIN third t ON t.email = e.email\n"
	    "WHERE e.campaign IN ('spring-1', 'spring-2') AND "
	    "p.product = 'socks'\n"
	    "GROUP BY e.campaign\n"
	    "ORDER BY revenue DESC LIMIT 10\n",
	    "SELECT e.campaign, COUNT(DISTINCT p.email) AS buyers, "
	    "SUM(p.amount) AS revenue, AVG(p.amount) "
	    "FROM exposures e JOIN purchases p ON e.email = p.email OR "
	    "e.phone = p.phone JOIN third t ON t.email = e.email "
	    "WHERE e.campaign IN ('spring-1', 'spring-2') AND "
	    "p.product = 'socks' GROUP BY e.campaign "
	    "ORDER BY revenue DESC LIMIT 10");
}
END_TEST

START_TEST(tree_and_positions)
{
	const char *sql = "SELECT e.campaign,\n"
	    "       COUNT(DISTINCT p.email) AS buyers\n"
	    "FROM exposures e\n"
	    "  JOIN purchases p ON e.email = p.email\n"
	    "WHERE p.product = 'socks'\n"
	    "GROUP BY e.campaign";
	struct sql_query *q;
	struct sql_error err;

	ck_assert_int_eq(sql_parse(sql, strlen(sql), &q, &err), 0);
	ck_assert_uint_eq(q->nitems, 2);
	ck_assert_int_eq(q->items[0].agg, SQL_AGG_NONE);
	ck_assert_str_eq(q->items[0].col.qualifier, "e");
	ck_assert_str_eq(q->items[0].col.column, "campaign");
	ck_assert_ptr_null(q->items[0].name);
	ck_assert_pos(q->items[0].pos, 1, 8);
	ck_assert_pos(q->items[0].col.column_pos, 1, 10);
	ck_assert_int_eq(q->items[1].agg, SQL_AGG_COUNT_DISTINCT);
	ck_assert_pos(q->items[1].pos, 2, 8);
	ck_assert_pos(q->items[1].col.pos, 2, 23);
	ck_assert_pos(q->items[1].col.column_pos, 2, 25);
	ck_assert_str_eq(q->items[1].name, "buyers");
	ck_assert_pos(q->items[1].name_pos, 2, 35);

	ck_assert_uint_eq(q->ntables, 2);
	ck_assert_str_eq(q->tables[0].name, "exposures");
	ck_assert_str_eq(q->tables[0].alias, "e");
	ck_assert_ptr_null(q->tables[0].on);
	ck_assert_pos(q->tables[0].pos, 3, 6);
	ck_assert_pos(q->tables[0].alias_pos, 3, 16);
	ck_assert_pos(q->tables[1].pos, 4, 8);
	ck_assert_pos(q->tables[1].alias_pos, 4, 18);
	ck_assert_int_eq(q->tables[1].on->kind, SQL_COND_EQ);
	ck_assert_pos(q->tables[1].on->pos, 4, 23);
	ck_assert_pos(q->tables[1].on->right.pos, 4, 33);
	ck_assert_str_eq(q->tables[1].on->right.column, "email");

	ck_assert_int_eq(q->where->kind, SQL_PRED_EQ);
	ck_assert_pos(q->where->pos, 5, 7);
	ck_assert_uint_eq(q->where->nlits, 1);
	ck_assert_str_eq(q->where->lits[0].text, "socks");
	ck_assert_uint_eq(q->where->lits[0].len, 5);
	ck_assert_pos(q->where->lits[0].pos, 5, 19);
	ck_assert_uint_eq(q->ngroup, 1);
	ck_assert_pos(q->group[0].pos, 6, 10);
	ck_assert_uint_eq(q->norder, 0);
	ck_assert_int_eq(q->has_limit, 0);
	sql_free(q);
	sql_free(NULL);
}
END_TEST

START_TEST(select_items)
{
	check_print("SELECT a, t.b AS x, COUNT(*), COUNT(c) AS n, "
	    "COUNT(DISTINCT t.c), SUM(d), SUM(DISTINCT d) AS s, AVG(t.e) "
	    "FROM t",
	    "SELECT a, t.b AS x, COUNT(*), COUNT(c) AS n, "
	    "COUNT(DISTINCT t.c), SUM(d), SUM(DISTINCT d) AS s, AVG(t.e) "
	    "FROM t");
	check_print("SELECT COUNT ( * ) AS n FROM t",
	    "SELECT COUNT(*) AS n FROM t");
	check_print("SELECT t . a FROM t", "SELECT t.a FROM t");
}
END_TEST

START_TEST(from_and_joins)
{
	check_print("SELECT a FROM t", "SELECT a FROM t");
	check_print("SELECT a FROM t AS x INNER JOIN u AS y ON x.k = y.k "
	    "JOIN v ON v.k = x.k",
	    "SELECT a FROM t x JOIN u y ON x.k = y.k JOIN v ON v.k = x.k");
}
END_TEST

START_TEST(join_precedence)
{
	const char *sql = "SELECT a FROM t JOIN u ON t.a = u.a OR t.b = u.b "
	    "AND t.c = u.c";
	struct sql_query *q;
	struct sql_error err;
	struct sql_cond *c;

	ck_assert_int_eq(sql_parse(sql, strlen(sql), &q, &err), 0);
	c = q->tables[1].on;
	ck_assert_int_eq(c->kind, SQL_COND_OR);
	ck_assert_uint_eq(c->nargs, 2);
	ck_assert_int_eq(c->args[0]->kind, SQL_COND_EQ);
	ck_assert_int_eq(c->args[1]->kind, SQL_COND_AND);
	ck_assert_uint_eq(c->args[1]->nargs, 2);
	ck_assert_pos(c->args[1]->pos, 1, 40);
	sql_free(q);

	check_print(sql, "SELECT a FROM t JOIN u ON t.a = u.a OR "
	    "t.b = u.b AND t.c = u.c");
	check_print("SELECT a FROM t JOIN u ON (t.a = u.a OR t.b = u.b) AND "
	    "t.c = u.c", "SELECT a FROM t JOIN u ON (t.a = u.a OR t.b = u.b) "
	    "AND t.c = u.c");
	/* A chain is one node; a group the text made stays a group. */
	check_print("SELECT a FROM t JOIN u ON ((t.a = u.a)) AND t.b = u.b AND "
	    "t.c = u.c", "SELECT a FROM t JOIN u ON t.a = u.a AND t.b = u.b "
	    "AND t.c = u.c");
	check_print("SELECT a FROM t JOIN u ON (t.a = u.a AND t.b = u.b) AND "
	    "t.c = u.c", "SELECT a FROM t JOIN u ON (t.a = u.a AND t.b = u.b) "
	    "AND t.c = u.c");
}
END_TEST

START_TEST(where_precedence)
{
	const char *sql = "SELECT a FROM t WHERE NOT a = 'x' AND b <> 'y' OR "
	    "c IN ('z')";
	struct sql_query *q;
	struct sql_error err;
	struct sql_pred *w;

	ck_assert_int_eq(sql_parse(sql, strlen(sql), &q, &err), 0);
	w = q->where;
	ck_assert_int_eq(w->kind, SQL_PRED_OR);
	ck_assert_uint_eq(w->nargs, 2);
	ck_assert_int_eq(w->args[0]->kind, SQL_PRED_AND);
	ck_assert_int_eq(w->args[0]->args[0]->kind, SQL_PRED_NOT);
	ck_assert_pos(w->args[0]->args[0]->pos, 1, 23);
	ck_assert_int_eq(w->args[0]->args[0]->args[0]->kind, SQL_PRED_EQ);
	ck_assert_int_eq(w->args[0]->args[1]->kind, SQL_PRED_NE);
	ck_assert_int_eq(w->args[1]->kind, SQL_PRED_IN);
	ck_assert_uint_eq(w->args[1]->nlits, 1);
	sql_free(q);

	check_print(sql, "SELECT a FROM t WHERE NOT a = 'x' AND b <> 'y' OR "
	    "c IN ('z')");
	check_print("SELECT a FROM t WHERE NOT (a = 'x' OR b = 'y') AND "
	    "(c = 'z' OR NOT NOT d IN ('1', '2'))",
	    "SELECT a FROM t WHERE NOT (a = 'x' OR b = 'y') AND "
	    "(c = 'z' OR NOT NOT d IN ('1', '2'))");
	check_print("SELECT a FROM t WHERE (a = 'x' OR b = 'y') OR c = 'z'",
	    "SELECT a FROM t WHERE (a = 'x' OR b = 'y') OR c = 'z'");
	check_print("SELECT a FROM t WHERE NOT (a = 'x')",
	    "SELECT a FROM t WHERE NOT a = 'x'");
}
END_TEST

START_TEST(tail_clauses)
{
	check_print("SELECT a, COUNT(*) AS n FROM t GROUP BY a, t.b "
	    "ORDER BY 2 DESC, n ASC, t.a LIMIT 0;",
	    "SELECT a, COUNT(*) AS n FROM t GROUP BY a, t.b "
	    "ORDER BY 2 DESC, n, t.a LIMIT 0");
	check_print("SELECT a FROM t LIMIT 9223372036854775807 ; -- done",
	    "SELECT a FROM t LIMIT 9223372036854775807");
	check_print("SELECT a FROM t ORDER BY 1", "SELECT a FROM t ORDER BY 1");
}
END_TEST

START_TEST(case_insensitive)
{
	check_print("select E.Campaign, count(Distinct P.EMAIL) aS Buyers "
	    "From Exposures E inner Join Purchases P on E.Email = P.Email "
	    "wHeRe e.X iN ('MiXeD') And Not e.y <> 'A' group BY E.CAMPAIGN "
	    "order by BUYERS desc limit 3",
	    "SELECT e.campaign, COUNT(DISTINCT p.email) AS buyers "
	    "FROM exposures e JOIN purchases p ON e.email = p.email "
	    "WHERE e.x IN ('MiXeD') AND NOT e.y <> 'A' GROUP BY e.campaign "
	    "ORDER BY buyers DESC LIMIT 3");
}
END_TEST

START_TEST(quotes)
{
	const char *sql = "SELECT a FROM t WHERE a IN ('it''s', '', '''', "
	    "'a--b', 'é', 'two\nlines')";
	struct sql_query *q;
	struct sql_error err;
	struct sql_lit *l;

	ck_assert_int_eq(sql_parse(sql, strlen(sql), &q, &err), 0);
	l = q->where->lits;
	ck_assert_uint_eq(q->where->nlits, 6);
	ck_assert_str_eq(l[0].text, "it's");
	ck_assert_uint_eq(l[0].len, 4);
	ck_assert_str_eq(l[1].text, "");
	ck_assert_uint_eq(l[1].len, 0);
	ck_assert_str_eq(l[2].text, "'");
	ck_assert_str_eq(l[3].text, "a--b");
	ck_assert_str_eq(l[4].text, "é");
	ck_assert_uint_eq(l[4].len, 2);
	ck_assert_str_eq(l[5].text, "two\nlines");
	ck_assert_pos(l[5].pos, 1, 61);
	sql_free(q);
	check_print(sql, "SELECT a FROM t WHERE a IN ('it''s', '', '''', "
	    "'a--b', 'é', 'two\nlines')");
	/* A column counts characters: 'é' is two bytes, one column. */
	check_error("SELECT a FROM t WHERE b = 'é' AND c",
	    "line 1, column 36: expected '=', '<>' or IN, found end of query");
}
END_TEST

START_TEST(comments_and_space)
{
	check_print("-- the campaigns\r\n\tSELECT\n\ta -- one column\n"
	    "FROM\t\tt\n--", "SELECT a FROM t");
	check_print("SELECT a FROM t WHERE a = 'x'--no space",
	    "SELECT a FROM t WHERE a = 'x'");
	check_error("-- nothing but a comment",
	    "line 1, column 25: expected SELECT, found end of query");
	check_error("SELECT a -\n- FROM t",
	    "line 1, column 10: unexpected character '-'");
}
END_TEST

START_TEST(errors)
{
	static const struct {
		const char *sql, *msg;
	} cases[] = {
		{ "SELECT e.campaign, SUM(p.amount) AS rev FORM exposures e",
		  "line 1, column 41: expected FROM, found 'FORM'" },
		{ "SELECT a FROM t WHERE\nb = 'abc",
		  "line 2, column 5: unterminated string literal" },
		{ "", "line 1, column 1: expected SELECT, found end of query" },
		{ "SELECT FROM t", "line 1, column 8: expected a column, "
		  "COUNT, SUM or AVG, found 'FROM'" },
		{ "SELECT a FROM t WHERE a = 5",
		  "line 1, column 27: expected a string literal, found '5'" },
		{ "SELECT a FROM t WHERE a == 'x'",
		  "line 1, column 26: expected a string literal, found '='" },
		{ "SELECT a FROM t WHERE a IN ()",
		  "line 1, column 29: expected a string literal, found ')'" },
		{ "SELECT a FROM t WHERE a IN ('x' 'y')", "line 1, column 33: "
		  "expected ',' or ')', found a string literal" },
		{ "SELECT a FROM t JOIN u",
		  "line 1, column 23: expected ON, found end of query" },
		{ "SELECT a FROM t JOIN u ON t.a = 'x'",
		  "line 1, column 33: expected a column, found a string "
		  "literal" },
		{ "SELECT a FROM t WHERE (a = 'x'",
		  "line 1, column 31: expected ')', found end of query" },
		{ "SELECT a FROM t LIMIT x",
		  "line 1, column 23: expected an integer, found 'x'" },
		{ "SELECT a FROM t LIMIT 99999999999999999999",
		  "line 1, column 23: integer over 9223372036854775807" },
		{ "SELECT a FROM t LIMIT 10x",
		  "line 1, column 25: unexpected character 'x' after a "
		  "number" },
		{ "SELECT a FROM t ORDER BY 2",
		  "line 1, column 26: ORDER BY 2: the select list has 1 item" },
		{ "SELECT a, b FROM t ORDER BY 0",
		  "line 1, column 29: ORDER BY 0: the select list has 2 "
		  "items" },
		{ "SELECT a FROM t ORDER BY 'a'", "line 1, column 26: expected "
		  "a column, a name or a position, found a string literal" },
		{ "SELECT a FROM t; SELECT",
		  "line 1, column 18: expected end of query, found 'SELECT'" },
		{ "SELECT a # FROM t",
		  "line 1, column 10: unexpected character '#'" },
		{ "SELECT a FROM t WHERE a = \"x\"", "line 1, column 27: "
		  "unexpected '\"': string literals take single quotes" },
		{ "SELECT a FROM t WHERE a < 'x'",
		  "line 1, column 25: unexpected character '<'" },
		{ "SELECT AVG(DISTINCT a) FROM t",
		  "line 1, column 12: expected a column, found 'DISTINCT'" },
		{ "SELECT COUNT(a FROM t",
		  "line 1, column 16: expected ')', found 'FROM'" },
		{ "SELECT COUNT(DISTINCT *) FROM t",
		  "line 1, column 23: expected a column, found '*'" },
		{ "SELECT a. FROM t",
		  "line 1, column 11: expected a column name, found 'FROM'" },
		{ "SELECT a AS FROM t",
		  "line 1, column 13: expected a name, found 'FROM'" },
		{ "SELECT a FROM t AS JOIN u ON t.a = u.a",
		  "line 1, column 20: expected an alias, found 'JOIN'" },
		{ "SELECT a FROM t x y",
		  "line 1, column 19: expected end of query, found 'y'" },
		{ "SELECT count FROM t",
		  "line 1, column 14: expected '(', found 'FROM'" },
		{ "SELECT a FROM t GROUP a",
		  "line 1, column 23: expected BY, found 'a'" },
		{ "SELECT a FROM t INNER u",
		  "line 1, column 23: expected JOIN, found 'u'" },
		{ "SELECT a FROM t WHERE a = 'x' - 1",
		  "line 1, column 31: unexpected character '-'" },
		{ "SELECT a FROM t WHERE a NOT IN ('x')", "line 1, column 25: "
		  "expected '=', '<>' or IN, found 'NOT'" },
		{ "SELECT a,\n  b\nFROM t\nWHERE c = 'x'\n  AND d <> \n",
		  "line 6, column 1: expected a string literal, found end of "
		  "query" },
		{ "SELECT a FROM t WHERE b = 'x' AND\n\t\tc = 'y' OR (d IN "
		  "('1',\n'2') AND e <> 'z' AND)",
		  "line 3, column 22: expected a column, found ')'" },
		{ "SELECT a FROM t WHERE a = 'x' AND b = "
		  "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
		  "ccccccccccccccccccccccccccccccccccccccccccccccccccccc",
		  "line 1, column 96: expected end of query, found "
		  "'cccccccccccccccccccccccccccccccccccccccc'..." },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_error(cases[i].sql, cases[i].msg);
}
END_TEST

START_TEST(nul_bytes)
{
	check_error_len("SELECT a\0 FROM t", 16,
	    "line 1, column 9: unexpected byte 0x00");
	check_error_len("SELECT a FROM t WHERE a = 'x\0y'", 31,
	    "line 1, column 27: NUL byte in a string literal");
	check_error("SELECT a FROM t WHERE a = \x01'x'",
	    "line 1, column 27: unexpected byte 0x01");
}
END_TEST

START_TEST(text_bound)
{
	char *sql = malloc(SQL_MAX_TEXT + 1);
	struct sql_query *q;
	struct sql_error err;

	ck_assert_ptr_nonnull(sql);
	memset(sql, ' ', SQL_MAX_TEXT + 1);
	memcpy(sql, "SELECT a FROM t", 15);
	ck_assert_int_eq(sql_parse(sql, SQL_MAX_TEXT, &q, &err), 0);
	sql_free(q);
	ck_assert_int_eq(sql_parse(sql, SQL_MAX_TEXT + 1, &q, &err), -1);
	ck_assert_ptr_null(q);
	ck_assert_str_eq(err.message, "the query is over 1 MiB");
	ck_assert_uint_eq(err.pos.line, 0);
	/* Refused before lexing: what the text holds does not matter. */
	memset(sql, '\'', SQL_MAX_TEXT + 1);
	check_error_len(sql, SQL_MAX_TEXT + 1, "the query is over 1 MiB");
	/* At the bound, the text is lexed: one string of 2^19 - 1 quotes. */
	check_error_len(sql, SQL_MAX_TEXT,
	    "line 1, column 1: expected SELECT, found a string literal");
	free(sql);
}
END_TEST

/* prefix, n times open, mid, n times close. */
static char *
nest(const char *prefix, const char *open, const char *mid,
    const char *close, unsigned n)
{
	size_t lo = strlen(open), lc = strlen(close), len, i;
	char *s = malloc(strlen(prefix) + strlen(mid) + n * (lo + lc) + 1);

	ck_assert_ptr_nonnull(s);
	strcpy(s, prefix);
	len = strlen(s);
	for (i = 0; i < n; i++, len += lo)
		memcpy(s + len, open, lo);
	strcpy(s + len, mid);
	len += strlen(mid);
	for (i = 0; i < n; i++, len += lc)
		memcpy(s + len, close, lc);
	s[len] = '\0';
	return s;
}

#define WHERE "SELECT a FROM t WHERE "
#define DEEP "parentheses and NOTs nested over 64 deep"

START_TEST(depth_bound)
{
	char *s, *want;

	s = nest(WHERE, "(", "a = 'x'", ")", SQL_MAX_DEPTH);
	free(printed(s));
	free(s);
	s = nest(WHERE, "(", "a = 'x'", ")", SQL_MAX_DEPTH + 1);
	check_error(s, "line 1, column 87: " DEEP);
	free(s);
	s = nest(WHERE, "NOT ", "a = 'x'", "", SQL_MAX_DEPTH);
	check_print(s, s);
	free(s);
	s = nest(WHERE, "NOT ", "a = 'x'", "", SQL_MAX_DEPTH + 1);
	check_error(s, "line 1, column 279: " DEEP);
	free(s);
	/* Both count: 32 pairs are 64 levels, one more NOT is over. */
	s = nest(WHERE, "NOT (", "a = 'x' OR b = 'y'", ")", SQL_MAX_DEPTH / 2);
	want = nest(WHERE, "NOT ", "(a = 'x' OR b = 'y')", "",
	    SQL_MAX_DEPTH / 2);
	check_print(s, want);
	free(want);
	free(s);
	s = nest(WHERE, "NOT (", "a = 'x'", ")", SQL_MAX_DEPTH / 2 + 1);
	check_error(s, "line 1, column 183: " DEEP);
	free(s);
	/* And in a join condition. */
	s = nest("SELECT a FROM t JOIN u ON ", "(", "t.a = u.a", ")",
	    SQL_MAX_DEPTH);
	free(printed(s));
	free(s);
	s = nest("SELECT a FROM t JOIN u ON ", "(", "t.a = u.a", ")",
	    SQL_MAX_DEPTH + 1);
	check_error(s, "line 1, column 91: " DEEP);
	free(s);
}
END_TEST

/* The longest chains are flat: one node of many operands, no depth. */
START_TEST(flat_chains)
{
	size_t n = 50000, i, len;
	char *s = malloc(32 + n * 11);
	struct sql_query *q;
	struct sql_error err;

	ck_assert_ptr_nonnull(s);
	len = (size_t)sprintf(s, WHERE "a = 'x'");
	for (i = 1; i < n; i++)
		len += (size_t)sprintf(s + len, i % 2 ? " OR b = 'y'" :
		    " OR c = 'z'");
	ck_assert_int_eq(sql_parse(s, len, &q, &err), 0);
	ck_assert_int_eq(q->where->kind, SQL_PRED_OR);
	ck_assert_uint_eq(q->where->nargs, n);
	ck_assert_str_eq(q->where->args[n - 1]->lits[0].text, "y");
	sql_free(q);
	free(s);
}
END_TEST

START_TEST(table_bound)
{
	char sql[1024];
	size_t len = 0;
	unsigned i;

	len += (size_t)snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM t0");
	for (i = 1; i < SQL_MAX_TABLES; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		    "\nJOIN t%u ON t0.k = t%u.k", i, i);
	free(printed(sql));
	snprintf(sql + len, sizeof(sql) - len, "\nJOIN t16 ON t0.k = t16.k");
	check_error(sql, "line 17, column 6: more than 16 tables in a query");
}
END_TEST

START_TEST(identifier_bound)
{
	char sql[256], want[128];

	snprintf(sql, sizeof(sql), "SELECT %0128d FROM t", 0);
	memset(sql + 7, 'A', SQL_IDENT_MAX);
	free(printed(sql));
	snprintf(sql, sizeof(sql), "SELECT %0129d FROM t", 0);
	memset(sql + 7, 'a', SQL_IDENT_MAX + 1);
	snprintf(want, sizeof(want), "line 1, column 8: identifier over 128 "
	    "bytes");
	check_error(sql, want);
	/* A keyword is a keyword in any case, never a name. */
	check_error("SELECT a FROM Select",
	    "line 1, column 15: expected a table, found 'Select'");
}
END_TEST

START_TEST(suggest)
{
	static const char *const cols[] = {
		"email", "amount", "product", "phone", "amounts"
	};

	ck_assert_str_eq(sql_suggest("amout", cols, 5), "amount");
	ck_assert_str_eq(sql_suggest("amount", cols, 5), "amount");
	ck_assert_str_eq(sql_suggest("amountss", cols, 5), "amounts");
	ck_assert_str_eq(sql_suggest("produtc", cols, 5), "product");
	ck_assert_str_eq(sql_suggest("mail", cols, 5), "email");
	ck_assert_str_eq(sql_suggest("phne", cols, 5), "phone");
	/* One from amount and from amounts: the first listed wins. */
	ck_assert_str_eq(sql_suggest("amountx", cols, 5), "amount");
	ck_assert_str_eq(sql_suggest("amoun", cols, 5), "amount");
	ck_assert_ptr_null(sql_suggest("campaign", cols, 5));
	ck_assert_ptr_null(sql_suggest("amo", cols, 5));
	ck_assert_ptr_null(sql_suggest("amout", cols, 0));
	ck_assert_ptr_eq(sql_suggest("", cols, 5), NULL);
	ck_assert_str_eq(sql_suggest("", (const char *const[]){ "ab" }, 1),
	    "ab");
}
END_TEST

Suite *
make_sql_suite(void)
{
	Suite *s = suite_create("sql");
	TCase *tc = tcase_create("parse");
	TCase *bounds = tcase_create("bounds");

	tcase_add_test(tc, issue_example);
	tcase_add_test(tc, tree_and_positions);
	tcase_add_test(tc, select_items);
	tcase_add_test(tc, from_and_joins);
	tcase_add_test(tc, join_precedence);
	tcase_add_test(tc, where_precedence);
	tcase_add_test(tc, tail_clauses);
	tcase_add_test(tc, case_insensitive);
	tcase_add_test(tc, quotes);
	tcase_add_test(tc, comments_and_space);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, nul_bytes);
	tcase_add_test(tc, suggest);
	suite_add_tcase(s, tc);
	tcase_add_test(bounds, text_bound);
	tcase_add_test(bounds, depth_bound);
	tcase_add_test(bounds, flat_chains);
	tcase_add_test(bounds, table_bound);
	tcase_add_test(bounds, identifier_bound);
	tcase_set_timeout(bounds, 60);
	suite_add_tcase(s, bounds);
	return s;
}
