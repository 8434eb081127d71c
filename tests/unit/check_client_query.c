/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_client_query.c: psid_query against a scripted psid (fakepsid.h)
 * over real TLS 1.3 on 127.0.0.1: what it sends; a result in several
 * parts with NULLs and values of the three kinds, an empty one, and the
 * groups of the last part; psid's refusals, their message carried through
 * psid_conn_error, before the first part and after it; malformed results
 * refused as protocol errors (columns missing from the first part or
 * named twice, cells not rows x columns, numbers that are not, a NUL in a
 * value, a part without rows); the result's limits (rows, bytes), after
 * which the connection is still in step; its local argument checks;
 * psictl query against the fake, when $PSICTL or ./psictl is there (CSV
 * and table output, quoting, NULLs, the groups left out, --file,
 * standard input, -o FILE and --overwrite, psid's refusal); and
 * psid_file_write's all-or-nothing file. Run under valgrind (make
 * check-valgrind), every refusal above is also checked to leak nothing.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakepsid.h"
#include "query.h"
#include "suites.h"
#include "testutil.h"

#define ID "11111111-2222-3333-4444-555555555555"
#define SQL "SELECT campaign, count(*) AS n, sum(p.amount) AS total " \
	"FROM p GROUP BY campaign"
#define SUGGEST "line 1, column 41: unknown column p.amout (did you mean " \
	"p.amount?)"

/* A cell of two bytes, a NUL and an 'x' (send_part knows it). */
static const char nul_cell[] = "\0x";

static struct fake_pki pki;
static struct fake fake;
static struct psid_conn *conn;

static void
setup(void)
{
	fake_pki_make(&pki);
	memset(&fake, 0, sizeof(fake));
	conn = NULL;
}

static void
teardown(void)
{
	psid_conn_free(conn);
	fake_pki_free(&pki);
	query_limits_set(0, 0);
}

/* Start the fake with script (arg: its case) and connect to it. */
static void
start(fake_script *script, void *arg)
{
	int rc;

	fake_start(&fake, &pki, script, arg);
	rc = fake_connect(&fake, NULL, NULL, 0, &conn);
	ck_assert_msg(rc == PSID_OK, "connect: %s", psid_conn_error(conn));
}

/* Close the connection, then wait for the script. */
static void
finish(void)
{
	psid_conn_free(conn);
	conn = NULL;
	fake_wait(&fake);
}

/* ------------------------------------------------------------ the fake */

#define MAX_COLUMNS 4

/* One QueryRows part as the fake sends it. */
struct part {
	size_t ncolumns;			/* 0: none named */
	const char *names[MAX_COLUMNS];
	Psid__ValueKind kinds[MAX_COLUMNS];
	uint32_t rows;
	size_t ncells;
	const char *cells[16];			/* NULL: a NULL cell */
	bool done;
	uint64_t groups, suppressed;
};

/* Send part p as a reply to request id. */
static void
send_part(SSL *ssl, uint64_t id, const struct part *p)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__QueryRows qr = PSID__QUERY_ROWS__INIT;
	Psid__ResultColumn cols[MAX_COLUMNS], *cp[MAX_COLUMNS];
	uint8_t buf[4096];
	size_t i, len = 0;

	for (i = 0; i < p->ncolumns; i++) {
		psid__result_column__init(&cols[i]);
		cols[i].name = (char *)p->names[i];
		cols[i].kind = p->kinds[i];
		cp[i] = &cols[i];
	}
	for (i = 0; i < p->ncells; i++)
		len += frame_cells_put(buf + len, p->cells[i],
		    p->cells[i] == NULL ? 0 : p->cells[i] == nul_cell ? 2 :
		    (uint32_t)strlen(p->cells[i]));
	qr.n_columns = p->ncolumns;
	qr.columns = cp;
	qr.rows = p->rows;
	qr.cells.data = buf;
	qr.cells.len = len;
	qr.groups = p->groups;
	qr.groups_suppressed = p->suppressed;
	resp.id = id;
	resp.done = p->done;
	resp.body_case = PSID__RESPONSE__BODY_QUERY_ROWS;
	resp.query_rows = &qr;
	fake_send(ssl, &resp);
}

/* Read a Query; NULL (and a failed check) if it is not one. */
static Psid__Request *
expect_query(struct fake *f, SSL *ssl)
{
	Psid__Request *r = fake_read(ssl);

	FAKE_CHECK(f, r != NULL && r->body_case == PSID__REQUEST__BODY_QUERY);
	if (r != NULL && r->body_case != PSID__REQUEST__BODY_QUERY) {
		psid__request__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
}

#define DONE(r) psid__request__free_unpacked((r), NULL)

/* The three kinds, with NULLs, in three parts: the last without rows. */
static const struct part result_parts[] = {
	{ 3, { "campaign", "n", "total" }, { PSID__VALUE_KIND__VALUE_TEXT,
	    PSID__VALUE_KIND__VALUE_INTEGER,
	    PSID__VALUE_KIND__VALUE_DECIMAL }, 2, 6,
	    { "spring", "12", "104.50", NULL, "3", NULL }, false, 0, 0 },
	{ 0, { NULL }, { 0 }, 1, 3, { "", "-7", "-0.25" }, false, 0, 0 },
	{ 0, { NULL }, { 0 }, 0, 0, { NULL }, true, 5, 2 },
};

/* ------------------------------------------------------------- results */

/* Several results and refusals on one connection. */
static void
script_results(struct fake *f, SSL *ssl)
{
	static const struct part one = { 1, { "n" },
	    { PSID__VALUE_KIND__VALUE_INTEGER }, 1, 1, { "+4" }, true, 1, 0 };
	static const struct part empty = { 2, { "a", "weird,\"name\"" },
	    { PSID__VALUE_KIND__VALUE_TEXT, 7 }, 0, 0, { NULL }, true, 0, 9 };
	static const Psid__ErrorCode refusals[] = {
	    PSID__ERROR_CODE__BAD_REQUEST, PSID__ERROR_CODE__NOT_FOUND,
	    PSID__ERROR_CODE__FORBIDDEN };
	Psid__Request *r;
	size_t i;

	if ((r = expect_query(f, ssl)) == NULL)
		return;
	FAKE_CHECK(f, strcmp(r->query->collaboration_id, ID) == 0);
	FAKE_CHECK(f, strcmp(r->query->sql, SQL) == 0);
	for (i = 0; i < 3; i++)
		send_part(ssl, r->id, &result_parts[i]);
	DONE(r);
	for (i = 0; i < 3; i++) {
		if ((r = expect_query(f, ssl)) == NULL)
			return;
		fake_error(ssl, r->id, refusals[i], i == 0 ? SUGGEST :
		    "no such thing", 0, NULL);
		DONE(r);
	}
	/* A refusal after a first part. */
	if ((r = expect_query(f, ssl)) == NULL)
		return;
	send_part(ssl, r->id, &result_parts[0]);
	fake_error(ssl, r->id, PSID__ERROR_CODE__INTERNAL, "a row cannot be "
	    "read", 0, NULL);
	DONE(r);
	if ((r = expect_query(f, ssl)) == NULL)
		return;
	FAKE_CHECK(f, strcmp(r->query->sql, "x") == 0);
	send_part(ssl, r->id, &one);
	DONE(r);
	if ((r = expect_query(f, ssl)) == NULL)
		return;
	send_part(ssl, r->id, &empty);
	DONE(r);
}

START_TEST(test_result_in_parts)
{
	struct psid_result *res = (void *)1;
	char sql[8] = "x";

	start(script_results, NULL);
	/* Refused before anything is sent. */
	ck_assert_int_eq(psid_query(NULL, ID, "x", 1, &res), PSID_ERR_INVALID);
	ck_assert_ptr_null(res);
	ck_assert_int_eq(psid_query(conn, "nope", "x", 1, &res),
	    PSID_ERR_COLLABORATION_ID);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(conn), "not a UUID"));
	ck_assert_int_eq(psid_query(conn, ID, "x\0y", 3, &res),
	    PSID_ERR_INVALID);
	ck_assert_str_eq(psid_conn_error(conn),
	    "the SQL text holds a NUL byte");
	ck_assert_int_eq(psid_query(conn, ID, NULL, 0, &res), PSID_ERR_INVALID);
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, NULL), PSID_ERR_INVALID);

	ck_assert_int_eq(psid_query(conn, ID, SQL "trailing", strlen(SQL),
	    &res), PSID_OK);
	ck_assert_str_eq(psid_conn_error(conn), "");
	ck_assert_uint_eq(res->ncolumns, 3);
	ck_assert_str_eq(res->columns[0].name, "campaign");
	ck_assert_int_eq(res->columns[0].kind, PSID_VALUE_TEXT);
	ck_assert_str_eq(res->columns[1].name, "n");
	ck_assert_int_eq(res->columns[1].kind, PSID_VALUE_INTEGER);
	ck_assert_str_eq(res->columns[2].name, "total");
	ck_assert_int_eq(res->columns[2].kind, PSID_VALUE_DECIMAL);
	ck_assert_uint_eq(res->nrows, 3);
	ck_assert_str_eq(res->cells[0], "spring");
	ck_assert_str_eq(res->cells[1], "12");
	ck_assert_str_eq(res->cells[2], "104.50");
	ck_assert_ptr_null(res->cells[3]);
	ck_assert_str_eq(res->cells[4], "3");
	ck_assert_ptr_null(res->cells[5]);
	ck_assert_str_eq(res->cells[6], "");
	ck_assert_str_eq(res->cells[7], "-7");
	ck_assert_str_eq(res->cells[8], "-0.25");
	ck_assert_uint_eq(res->groups, 5);
	ck_assert_uint_eq(res->groups_suppressed, 2);
	psid_result_free(res);
	psid_result_free(NULL);

	/* psid's refusals, its line in psid_conn_error. */
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res),
	    PSID_ERR_BAD_REQUEST);
	ck_assert_ptr_null(res);
	ck_assert_str_eq(psid_conn_error(conn), SUGGEST);
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res),
	    PSID_ERR_NOT_FOUND);
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res),
	    PSID_ERR_FORBIDDEN);
	ck_assert_str_eq(psid_conn_error(conn), "no such thing");
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res), PSID_ERR_SERVER);
	ck_assert_ptr_null(res);
	ck_assert_str_eq(psid_conn_error(conn), "a row cannot be read");

	/* Still in step; the text need not end in a NUL. */
	sql[1] = 'y';
	ck_assert_int_eq(psid_query(conn, ID, sql, 1, &res), PSID_OK);
	ck_assert_uint_eq(res->nrows, 1);
	ck_assert_str_eq(res->cells[0], "+4");
	ck_assert_uint_eq(res->groups, 1);
	psid_result_free(res);
	/* No rows; a kind of a newer psid read as text. */
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res), PSID_OK);
	ck_assert_uint_eq(res->ncolumns, 2);
	ck_assert_str_eq(res->columns[1].name, "weird,\"name\"");
	ck_assert_int_eq(res->columns[1].kind, PSID_VALUE_TEXT);
	ck_assert_uint_eq(res->nrows, 0);
	ck_assert_ptr_null(res->cells);
	ck_assert_uint_eq(res->groups_suppressed, 9);
	psid_result_free(res);
	finish();
}
END_TEST

/* ----------------------------------------------------- malformed results */

/* Each case: its parts (the first part of result_parts first, when
 * after_first), and what the refusal says. */
static const struct bad {
	const char *what;
	bool after_first;
	struct part part;
	bool bodiless;		/* a done reply without a body instead */
} bad_cases[] = {
	{ "names no columns", false, { 0, { NULL }, { 0 }, 1, 1, { "1" },
	    true, 0, 0 }, false },
	{ "does not hold 2 rows of 2 cells", false, { 2, { "a", "b" },
	    { 0, 0 }, 2, 3, { "1", "2", "3" }, true, 0, 0 }, false },
	{ "does not hold 1 rows of 2 cells", false, { 2, { "a", "b" },
	    { 0, 0 }, 1, 3, { "1", "2", "3" }, true, 0, 0 }, false },
	{ "does not hold 1 rows of 3 cells", true, { 0, { NULL }, { 0 },
	    1, 2, { "a", "1" }, true, 0, 0 }, false },
	{ "named the result's columns twice", true, { 1, { "a" }, { 0 },
	    0, 0, { NULL }, true, 0, 0 }, false },
	{ "row 1 of column \"n\" is not an integer", false, { 1, { "n" },
	    { PSID__VALUE_KIND__VALUE_INTEGER }, 1, 1, { "12a" }, true, 0,
	    0 }, false },
	{ "row 2 of column \"n\" is not an integer", false, { 1, { "n" },
	    { PSID__VALUE_KIND__VALUE_INTEGER }, 2, 2, { "1", "1.5" }, true,
	    0, 0 }, false },
	{ "row 3 of column \"total\" is not a decimal", true, { 0, { NULL },
	    { 0 }, 1, 3, { "x", "1", "1." }, true, 0, 0 }, false },
	{ "row 1 of column \"s\" is not a decimal", false, { 1, { "s" },
	    { PSID__VALUE_KIND__VALUE_DECIMAL }, 1, 1, { "" }, true, 0, 0 },
	    false },
	{ "is not text (it holds a NUL)", false, { 1, { "t" }, { 0 }, 1, 1,
	    { nul_cell }, true, 0, 0 }, false },
	{ "lacks the query's rows", true, { 0 }, true },
};

static void
script_bad(struct fake *f, SSL *ssl)
{
	const struct bad *b = f->arg;
	Psid__Request *r;

	if ((r = expect_query(f, ssl)) == NULL)
		return;
	if (b->after_first)
		send_part(ssl, r->id, &result_parts[0]);
	if (b->bodiless)
		fake_ok(ssl, r->id, true);
	else
		send_part(ssl, r->id, &b->part);
	DONE(r);
}

START_TEST(test_malformed_refused)
{
	const struct bad *b = &bad_cases[_i];
	struct psid_result *res = (void *)1;

	start(script_bad, (void *)b);
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res),
	    PSID_ERR_PROTOCOL);
	ck_assert_ptr_null(res);
	ck_assert_msg(strstr(psid_conn_error(conn), b->what) != NULL,
	    "%s: %s", b->what, psid_conn_error(conn));
	/* The connection is broken from then on. */
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res),
	    PSID_ERR_PROTOCOL);
	finish();
}
END_TEST

/* --------------------------------------------------------------- limits */

/* Two results over the limits, each followed by one within them. */
static void
script_limits(struct fake *f, SSL *ssl)
{
	static const struct part two = { 1, { "t" }, { 0 }, 2, 2,
	    { "a", NULL }, false, 0, 0 };
	static const struct part more = { 0, { NULL }, { 0 }, 2, 2,
	    { "b", "c" }, false, 0, 0 };
	static const struct part last = { 0, { NULL }, { 0 }, 1, 1,
	    { "d" }, true, 4, 0 };
	static const struct part small = { 1, { "t" }, { 0 }, 1, 1,
	    { "z" }, true, 1, 0 };
	struct part big = { 0, { NULL }, { 0 }, 1, 1, { NULL }, true, 1, 0 };
	char text[300];
	Psid__Request *r;

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	big.cells[0] = text;
	if ((r = expect_query(f, ssl)) == NULL)
		return;
	send_part(ssl, r->id, &two);
	send_part(ssl, r->id, &more);
	send_part(ssl, r->id, &last);
	DONE(r);
	if ((r = expect_query(f, ssl)) == NULL)
		return;
	send_part(ssl, r->id, &small);
	DONE(r);
	if ((r = expect_query(f, ssl)) == NULL)
		return;
	send_part(ssl, r->id, &two);
	send_part(ssl, r->id, &big);
	DONE(r);
	if ((r = expect_query(f, ssl)) == NULL)
		return;
	send_part(ssl, r->id, &small);
	DONE(r);
}

START_TEST(test_limits)
{
	struct psid_result *res;

	start(script_limits, NULL);
	query_limits_set(3, 0);
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res), PSID_ERR_LIMIT);
	ck_assert_ptr_null(res);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(conn),
	    "more than 3 rows, the most libpsid takes"));
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res), PSID_OK);
	ck_assert_str_eq(res->cells[0], "z");
	psid_result_free(res);
	query_limits_set(0, 200);
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res), PSID_ERR_LIMIT);
	ck_assert_ptr_null(res);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(conn),
	    "the result is over 200 bytes"));
	ck_assert_int_eq(psid_query(conn, ID, "x", 1, &res), PSID_OK);
	ck_assert_uint_eq(res->nrows, 1);
	psid_result_free(res);
	finish();
}
END_TEST

/* --------------------------------------------------------------- psictl */

/* psictl query against the fake: what it prints, and where. */
struct reply {
	const char *sql;		/* the text psictl must send */
	const struct part *parts;
	size_t nparts;
	const char *error;		/* then BAD_REQUEST with it */
};

static void
script_reply(struct fake *f, SSL *ssl)
{
	const struct reply *rp = f->arg;
	Psid__Request *r;
	size_t i;

	if ((r = expect_query(f, ssl)) == NULL)
		return;
	FAKE_CHECK(f, strcmp(r->query->collaboration_id, ID) == 0);
	FAKE_CHECK(f, strcmp(r->query->sql, rp->sql) == 0);
	for (i = 0; i < rp->nparts; i++)
		send_part(ssl, r->id, &rp->parts[i]);
	if (rp->error != NULL)
		fake_error(ssl, r->id, PSID__ERROR_CODE__BAD_REQUEST, rp->error,
		    0, NULL);
	DONE(r);
}

/*
 * psictl's absolute path: $PSICTL, else ./psictl (make check runs in the
 * build tree); NULL when there is none.
 */
static const char *
psictl_path(void)
{
	static char path[PATH_MAX];
	const char *p = getenv("PSICTL");

	if (p == NULL || *p == '\0')
		p = "./psictl";
	if (access(p, X_OK) != 0 || realpath(p, path) == NULL)
		return NULL;
	return path;
}

/*
 * Run "psictl query CONNECTION --id ID args" in dir against the fake
 * (serving rp; NULL: not started, psictl must stop before connecting),
 * its output in dir's stdout and stderr. Returns its exit status.
 */
static int
run_psictl(const char *dir, const char *args, const struct reply *rp)
{
	char cmd[16384];
	int rc;

	if (rp != NULL)
		fake_start(&fake, &pki, script_reply, (void *)rp);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' query --server "
	    "127.0.0.1:%s --ca '%s' --cert '%s' --key '%s' --id %s %s "
	    ">stdout 2>stderr", dir, psictl_path(), rp != NULL ? fake.port :
	    "1", pki.ca, pki.cert, pki.key, ID, args);
	rc = system(cmd);
	if (rp != NULL)
		fake_wait(&fake);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Whether dir's file name holds exactly text. */
static void
assert_file(const char *dir, const char *name, const char *text)
{
	char *got = read_file(scratch_path(dir, name), NULL);

	ck_assert_msg(got != NULL, "%s: missing", name);
	ck_assert_str_eq(got, text);
	free(got);
}

#define CSV_OUT "campaign,n,total\nspring,12,104.50\n,3,\n\"\",-7,-0.25\n"
#define LEFT_OUT "psictl: 2 groups left out under the tables' thresholds\n"

START_TEST(test_psictl_outputs)
{
	static const struct part quoting[] = { { 2, { "a,b", "v" },
	    { 0, PSID__VALUE_KIND__VALUE_DECIMAL }, 3, 6, { "x,y", "1.5",
	    "say \"hi\"\tq", NULL, "line\nbreak", "-10" }, true, 1, 1 } };
	const struct reply result = { SQL, result_parts, 3, NULL };
	const struct reply quoted = { "SELECT 1", quoting, 1, NULL };
	const struct reply refused = { "bad", result_parts, 1, SUGGEST };
	char *dir, *text;

	if (psictl_path() == NULL) {
		fprintf(stderr, "test_psictl_outputs: no psictl; skipped\n");
		return;
	}
	dir = scratch_dir();
	ck_assert_int_eq(run_psictl(dir, "'" SQL "'", &result), 0);
	assert_file(dir, "stdout", CSV_OUT);
	assert_file(dir, "stderr", LEFT_OUT);
	ck_assert_int_eq(run_psictl(dir, "--format table '" SQL "'",
	    &result), 0);
	assert_file(dir, "stdout",
	    "campaign |  n |  total\n"
	    "---------+----+-------\n"
	    "spring   | 12 | 104.50\n"
	    "NULL     |  3 |   NULL\n"
	    "         | -7 |  -0.25\n");
	/* Quoted where a field needs it; control characters in a table. */
	ck_assert_int_eq(run_psictl(dir, "'SELECT 1'", &quoted), 0);
	assert_file(dir, "stdout", "\"a,b\",v\n\"x,y\",1.5\n"
	    "\"say \"\"hi\"\"\tq\",\n\"line\nbreak\",-10\n");
	assert_file(dir, "stderr", "psictl: 1 group left out under the "
	    "tables' thresholds\n");
	ck_assert_int_eq(run_psictl(dir, "--format=table 'SELECT 1'",
	    &quoted), 0);
	assert_file(dir, "stdout", "a,b        |    v\n"
	    "-----------+-----\n"
	    "x,y        |  1.5\n"
	    "say \"hi\"?q | NULL\n"
	    "line?break |  -10\n");

	/* --file and stdin; -o FILE all or nothing, --overwrite. */
	write_file(scratch_path(dir, "q.sql"), SQL);
	ck_assert_int_eq(run_psictl(dir, "--file q.sql -o out.csv", &result),
	    0);
	assert_file(dir, "stdout", "");
	assert_file(dir, "stderr", LEFT_OUT);
	assert_file(dir, "out.csv", CSV_OUT);
	ck_assert_int_eq(run_psictl(dir, "--file q.sql -o out.csv", NULL), 1);
	assert_file(dir, "stderr", "psictl: out.csv: exists (use "
	    "--overwrite to replace it)\n");
	ck_assert_int_eq(run_psictl(dir, "--format table -o out.csv "
	    "--overwrite - <q.sql", &result), 0);
	assert_file(dir, "stdout", "");
	text = read_file(scratch_path(dir, "out.csv"), NULL);
	ck_assert_ptr_nonnull(strstr(text, "spring   | 12 | 104.50\n"));
	free(text);

	/* psid's refusal after a first part: its line, nothing written. */
	ck_assert_int_eq(run_psictl(dir, "bad", &refused), 1);
	assert_file(dir, "stdout", "");
	assert_file(dir, "stderr", "psictl: " SUGGEST "\n");
	ck_assert_int_eq(run_psictl(dir, "-o new.csv bad", &refused), 1);
	ck_assert(!file_exists(scratch_path(dir, "new.csv")));
	scratch_remove(dir);
}
END_TEST

/* ------------------------------------------------------------ file write */

START_TEST(test_file_write)
{
	char *dir = scratch_dir(), path[4096], *text;

	snprintf(path, sizeof(path), "%s", scratch_path(dir, "out.csv"));
	ck_assert_int_eq(psid_file_write(path, "a,b\n", 4, false), PSID_OK);
	ck_assert_int_eq(psid_file_write(path, "c\n", 2, false),
	    PSID_ERR_EXISTS);
	text = read_file(path, NULL);
	ck_assert_str_eq(text, "a,b\n");
	free(text);
	ck_assert_int_eq(psid_file_write(path, "c\n", 2, true), PSID_OK);
	text = read_file(path, NULL);
	ck_assert_str_eq(text, "c\n");
	free(text);
	ck_assert_int_eq(psid_file_write(path, NULL, 0, true), PSID_OK);
	text = read_file(path, NULL);
	ck_assert_str_eq(text, "");
	free(text);
	ck_assert_int_eq(psid_file_write(NULL, "x", 1, true),
	    PSID_ERR_INVALID);
	ck_assert_int_eq(psid_file_write(path, NULL, 1, true),
	    PSID_ERR_INVALID);
	ck_assert_int_eq(psid_file_write(scratch_path(dir, "no/such"), "x", 1,
	    false), PSID_ERR_IO);
	scratch_remove(dir);
}
END_TEST

Suite *
make_client_query_suite(void)
{
	Suite *s = suite_create("client_query");
	TCase *tc = tcase_create("fake psid");
	TCase *local = tcase_create("local");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_result_in_parts);
	tcase_add_loop_test(tc, test_malformed_refused, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_psictl_outputs);
	suite_add_tcase(s, tc);
	tcase_add_test(local, test_file_write);
	suite_add_tcase(s, local);
	return s;
}
