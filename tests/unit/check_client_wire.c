/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_client_wire.c: libpsid's network calls against a scripted psid
 * (fakepsid.h) over real TLS 1.3 on 127.0.0.1: what each call sends and
 * how it reads multi-part replies; uploads refused early (the client stops
 * sending, commits, and names the file's line and the column), refused at
 * commit, closed with UploadAbort after a local CSV error, cut by a
 * hang-up (an error, never a SIGPIPE), and committed;
 * joins written as CSV, or not at all when psid fails half-way; replies
 * out of turn, oversized or malformed frames, hang-ups and silence; and
 * the handshake's checks (name, CA, TLS 1.3 only).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fakepsid.h"
#include "suites.h"
#include "testutil.h"

#define ID "11111111-2222-3333-4444-555555555555"

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
}

/* Start the fake with script and connect to it. */
static void
start(fake_script *script, unsigned timeout_ms)
{
	int rc;

	fake_start(&fake, &pki, script, NULL);
	rc = fake_connect(&fake, NULL, NULL, timeout_ms, &conn);
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

/* Read a request and check its body. */
static Psid__Request *
expect(struct fake *f, SSL *ssl, int body)
{
	Psid__Request *r = fake_read(ssl);

	FAKE_CHECK(f, r != NULL && (int)r->body_case == body);
	return r != NULL && (int)r->body_case == body ? r : NULL;
}

#define EXPECT(body) expect(f, ssl, PSID__REQUEST__BODY_##body)
#define DONE(r) psid__request__free_unpacked((r), NULL)

/* --------------------------------------------------------- small calls */

static void
script_calls(struct fake *f, SSL *ssl)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__Collaboration c = PSID__COLLABORATION__INIT;
	Psid__Member m = PSID__MEMBER__INIT, *mp = &m;
	Psid__TableList tl = PSID__TABLE_LIST__INIT;
	Psid__TableInfo t = PSID__TABLE_INFO__INIT, *tp = &t;
	Psid__Column col = PSID__COLUMN__INIT, *cp = &col;
	Psid__AuditLog al = PSID__AUDIT_LOG__INIT;
	Psid__AuditEntry e = PSID__AUDIT_ENTRY__INIT, *ep = &e;
	Psid__Settings s = PSID__SETTINGS__INIT;
	Psid__Request *r;

	if ((r = EXPECT(CREATE_COLLABORATION)) == NULL)
		return;
	FAKE_CHECK(f, strcmp(r->create_collaboration->name, "n") == 0);
	FAKE_CHECK(f, r->create_collaboration->n_members == 2);
	FAKE_CHECK(f, r->create_collaboration->members[1]->may_query &&
	    !r->create_collaboration->members[1]->may_upload);
	FAKE_CHECK(f, r->create_collaboration->settings->allow_duplicates);
	c.id = ID;
	c.name = "n";
	c.creator = "alice";
	m.identity = "bob";
	m.may_receive = true;
	c.n_members = 1;
	c.members = &mp;
	s.preserve_nulls = true;
	c.settings = &s;
	c.created_unix = 1700000000;
	resp.id = r->id;
	resp.done = true;
	resp.body_case = PSID__RESPONSE__BODY_COLLABORATION;
	resp.collaboration = &c;
	fake_send(ssl, &resp);
	DONE(r);

	if ((r = EXPECT(GET_COLLABORATION)) == NULL)
		return;
	FAKE_CHECK(f, strcmp(r->get_collaboration->collaboration_id, ID) == 0);
	resp.id = r->id;
	fake_send(ssl, &resp);
	DONE(r);

	/* The table list in two parts. */
	if ((r = EXPECT(LIST_TABLES)) == NULL)
		return;
	col.name = "email";
	col.type = PSID__COLUMN_TYPE__COLUMN_FINGERPRINT;
	t.name = "t1";
	t.owner = "bob";
	t.rows = 10;
	t.n_columns = 1;
	t.columns = &cp;
	tl.n_tables = 1;
	tl.tables = &tp;
	resp.id = r->id;
	resp.done = false;
	resp.body_case = PSID__RESPONSE__BODY_TABLES;
	resp.tables = &tl;
	fake_send(ssl, &resp);
	t.name = "t2";
	resp.done = true;
	fake_send(ssl, &resp);
	DONE(r);

	if ((r = EXPECT(COUNT)) == NULL)
		return;
	FAKE_CHECK(f, r->count->n_sets == 3 &&
	    strcmp(r->count->sets[2]->column, "c") == 0);
	resp.id = r->id;
	resp.body_case = PSID__RESPONSE__BODY_COUNT;
	resp.count = 42;
	fake_send(ssl, &resp);
	DONE(r);

	/* The audit log in two parts, after entry 6. */
	if ((r = EXPECT(READ_AUDIT)) == NULL)
		return;
	FAKE_CHECK(f, r->read_audit->after == 6);
	e.identity = "bob";
	e.operation = "count";
	e.detail = "t1.email";
	al.n_entries = 1;
	al.entries = &ep;
	resp.id = r->id;
	resp.body_case = PSID__RESPONSE__BODY_AUDIT;
	resp.audit = &al;
	resp.done = false;
	e.sequence = 7;
	fake_send(ssl, &resp);
	resp.done = true;
	e.sequence = 8;
	fake_send(ssl, &resp);
	DONE(r);

	if ((r = EXPECT(DELETE_TABLE)) == NULL)
		return;
	fake_error(ssl, r->id, PSID__ERROR_CODE__NOT_FOUND, "no table x\n\033",
	    0, NULL);
	DONE(r);
	if ((r = EXPECT(DELETE_TABLE)) == NULL)
		return;
	fake_ok(ssl, r->id, true);
	DONE(r);
}

static int
on_table(void *arg, const struct psid_table_info *t)
{
	char *seen = arg;

	strcat(seen, t->name);
	strcat(seen, t->column_types[0] == PSID_COLUMN_FINGERPRINT ? ":fp " :
	    ":? ");
	return 0;
}

static int
on_audit(void *arg, const struct psid_audit_entry *e)
{
	uint64_t *sum = arg;

	*sum = *sum * 10 + e->sequence;
	return 0;
}

START_TEST(test_calls)
{
	struct psid_member m[2] = { { "alice", true, true, true },
	    { "bob", false, true, false } };
	struct psid_settings st = { false, true, false, false };
	struct psid_colref sets[3] = { { "a", "b" }, { "a", "b" },
	    { "b", "c" } };
	char id[PSID_COLLAB_ID_LEN + 1], seen[64] = "";
	struct psid_collab c;
	uint64_t n = 0;

	start(script_calls, 0);
	ck_assert_int_eq(psid_collab_create(conn, "n", m, 2, &st, id),
	    PSID_OK);
	ck_assert_str_eq(id, ID);
	ck_assert_int_eq(psid_collab_get(conn, ID, &c), PSID_OK);
	ck_assert_str_eq(c.creator, "alice");
	ck_assert_uint_eq(c.nmembers, 1);
	ck_assert_str_eq(c.members[0].identity, "bob");
	ck_assert(c.members[0].may_receive && !c.members[0].may_upload);
	ck_assert(c.settings.preserve_nulls && !c.settings.allow_cleartext);
	ck_assert_uint_eq(c.created_unix, 1700000000);
	psid_collab_clear(&c);
	ck_assert_int_eq(psid_tables_list(conn, ID, on_table, seen), PSID_OK);
	ck_assert_str_eq(seen, "t1:fp t2:fp ");
	ck_assert_int_eq(psid_count(conn, ID, sets, 3, &n), PSID_OK);
	ck_assert_uint_eq(n, 42);
	n = 0;
	ck_assert_int_eq(psid_audit_read(conn, ID, 6, on_audit, &n), PSID_OK);
	ck_assert_uint_eq(n, 78);
	/* psid's reason, its control characters made harmless. */
	ck_assert_int_eq(psid_table_delete(conn, ID, "x"), PSID_ERR_NOT_FOUND);
	ck_assert_str_eq(psid_conn_error(conn), "no table x??");
	ck_assert_int_eq(psid_table_delete(conn, ID, "x"), PSID_OK);
	ck_assert_str_eq(psid_conn_error(conn), "");
	/* Refused here, before anything is sent. */
	ck_assert_int_eq(psid_count(conn, ID, sets, 1, &n), PSID_ERR_INVALID);
	ck_assert_int_eq(psid_table_delete(conn, ID, "Not A Name"),
	    PSID_ERR_INVALID);
	ck_assert_int_eq(psid_table_delete(conn, "nope", "x"),
	    PSID_ERR_COLLABORATION_ID);
	finish();
}
END_TEST

/* ---------------------------------------------------------------- upload */

/* What an upload script saw. */
static uint64_t chunks_seen, rows_seen, commit_rows;

/* Refuse the first chunk (row 5, column fp), wait, then drain. */
static void
script_refuse_early(struct fake *f, SSL *ssl)
{
	Psid__Request *r;
	Psid__Response resp = PSID__RESPONSE__INIT;

	if ((r = EXPECT(UPLOAD_BEGIN)) == NULL)
		return;
	FAKE_CHECK(f, r->upload_begin->n_columns == 2 &&
	    strcmp(r->upload_begin->columns[0]->name, "name") == 0 &&
	    r->upload_begin->columns[0]->type ==
	    PSID__COLUMN_TYPE__COLUMN_CLEARTEXT &&
	    r->upload_begin->columns[1]->type ==
	    PSID__COLUMN_TYPE__COLUMN_FINGERPRINT);
	FAKE_CHECK(f, r->upload_begin->rule->kind ==
	    PSID__ANALYSIS_RULE__KIND__LIST && r->upload_begin->replace);
	fake_ok(ssl, r->id, true);
	DONE(r);
	while ((r = fake_read(ssl)) != NULL) {
		if (r->body_case == PSID__REQUEST__BODY_UPLOAD_CHUNK) {
			if (chunks_seen++ == 0) {
				fake_error(ssl, r->id,
				    PSID__ERROR_CODE__INVALID_TABLE,
				    "not a fingerprint", 5, "fp");
				/* Let the client fill the socket meanwhile. */
				usleep(300 * 1000);
			}
			DONE(r);
			continue;
		}
		FAKE_CHECK(f, r->body_case ==
		    PSID__REQUEST__BODY_UPLOAD_COMMIT);
		fake_error(ssl, r->id, PSID__ERROR_CODE__INVALID_TABLE,
		    "not a fingerprint", 5, "fp");
		DONE(r);
		break;
	}
	/* The connection goes on. */
	if ((r = EXPECT(COUNT)) == NULL)
		return;
	resp.id = r->id;
	resp.done = true;
	resp.body_case = PSID__RESPONSE__BODY_COUNT;
	resp.count = 7;
	fake_send(ssl, &resp);
	DONE(r);
}

START_TEST(test_upload_refused_early)
{
	char *dir = scratch_dir(), path[4096], *pad = malloc(1001);
	struct psid_colref sets[2] = { { "a", "b" }, { "a", "b" } };
	struct psid_upload_options o;
	struct psid_report rep;
	uint64_t n;
	FILE *f;
	int i;

	/* 32 MiB: 32 chunks; row 2 spans three lines, so row 5 is line 8. */
	memset(pad, 'x', 1000);
	pad[1000] = '\0';
	snprintf(path, sizeof(path), "%s", scratch_path(dir, "t.csv"));
	f = fopen(path, "w");
	fprintf(f, "Name,FP\n");
	for (i = 0; i < 32 * 1024; i++)
		fprintf(f, "%s,02:hmac:%d\n", i == 1 ? "\"a\nb\nc\"" : pad,
		    i);
	fclose(f);
	free(pad);
	chunks_seen = 0;
	start(script_refuse_early, 0);
	memset(&o, 0, sizeof(o));
	o.rule.kind = PSID_RULE_LIST;
	o.replace = true;
	ck_assert_int_eq(psid_upload_csv(conn, ID, "t", path, &o, &rep),
	    PSID_ERR_REFUSED);
	ck_assert_str_eq(rep.message, "not a fingerprint");
	ck_assert_str_eq(rep.column, "fp");
	ck_assert_uint_eq(rep.line, 8);
	ck_assert_uint_eq(rep.rows, 0);
	ck_assert_str_eq(psid_conn_error(conn), "not a fingerprint");
	ck_assert_int_eq(psid_count(conn, ID, sets, 2, &n), PSID_OK);
	ck_assert_uint_eq(n, 7);
	finish();
	/* The client stopped sending well before the end. */
	ck_assert_uint_ge(chunks_seen, 1);
	ck_assert_uint_lt(chunks_seen, 24);
	scratch_remove(dir);
}
END_TEST

/* Take every chunk; refuse the first commit (row 3, b), accept the next. */
static void
script_commit(struct fake *f, SSL *ssl)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__TableInfo t = PSID__TABLE_INFO__INIT;
	Psid__Request *r;
	struct cells_reader cr;
	const uint8_t *cell;
	uint32_t len;
	int round;

	for (round = 0; round < 2; round++) {
		if ((r = EXPECT(UPLOAD_BEGIN)) == NULL)
			return;
		fake_ok(ssl, r->id, true);
		DONE(r);
		rows_seen = 0;
		while ((r = fake_read(ssl)) != NULL &&
		    r->body_case == PSID__REQUEST__BODY_UPLOAD_CHUNK) {
			/* Row 1: "x y" and NULL; row 2: "" and a cell. */
			frame_cells_reader_init(&cr, r->upload_chunk->cells.data,
			    r->upload_chunk->cells.len);
			FAKE_CHECK(f, frame_cells_next(&cr, &cell, &len) == 1 &&
			    len == 3 && memcmp(cell, "x y", 3) == 0);
			FAKE_CHECK(f, frame_cells_next(&cr, &cell, &len) == 1 &&
			    cell == NULL);
			FAKE_CHECK(f, frame_cells_next(&cr, &cell, &len) == 1 &&
			    cell != NULL && len == 0);
			rows_seen += r->upload_chunk->rows;
			DONE(r);
		}
		if (r == NULL || r->body_case !=
		    PSID__REQUEST__BODY_UPLOAD_COMMIT) {
			FAKE_CHECK(f, !"a commit");
			return;
		}
		commit_rows = r->upload_commit->rows;
		if (round == 0)
			fake_error(ssl, r->id, PSID__ERROR_CODE__INVALID_TABLE,
			    "repeated", 3, "b");
		else {
			t.name = "t";
			t.rows = rows_seen;
			resp.id = r->id;
			resp.done = true;
			resp.body_case = PSID__RESPONSE__BODY_TABLE;
			resp.table = &t;
			fake_send(ssl, &resp);
		}
		DONE(r);
	}
}

START_TEST(test_upload_refused_at_commit)
{
	char *dir = scratch_dir(), path[4096];
	struct psid_report rep;
	struct psid_upload_options o;

	snprintf(path, sizeof(path), "%s", scratch_path(dir, "t.csv"));
	/* Empty lines: row 3 is on line 6. */
	write_file(path, "a,b\n\n\"x y\",\n\"\",02:hmac:1\n\n,02:hmac:2\n");
	start(script_commit, 0);
	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(psid_upload_csv(conn, ID, "t", path, &o, &rep),
	    PSID_ERR_REFUSED);
	ck_assert_uint_eq(commit_rows, 3);
	ck_assert_uint_eq(rows_seen, 3);
	ck_assert_uint_eq(rep.line, 6);
	ck_assert_str_eq(rep.column, "b");
	ck_assert_str_eq(rep.message, "repeated");
	ck_assert_int_eq(psid_upload_csv(conn, ID, "t", path, &o, &rep),
	    PSID_OK);
	ck_assert_uint_eq(rep.rows, 3);
	ck_assert_uint_eq(rep.line, 0);
	finish();
	scratch_remove(dir);
}
END_TEST

/* The upload is closed with UploadAbort; the connection goes on. */
static void
script_abort(struct fake *f, SSL *ssl)
{
	Psid__Request *r;

	if ((r = EXPECT(UPLOAD_BEGIN)) == NULL)
		return;
	FAKE_CHECK(f, r->upload_begin->columns[0]->type ==
	    PSID__COLUMN_TYPE__COLUMN_SEALED);
	fake_ok(ssl, r->id, true);
	DONE(r);
	if ((r = EXPECT(UPLOAD_ABORT)) == NULL)
		return;
	fake_ok(ssl, r->id, true);
	DONE(r);
	if ((r = EXPECT(DELETE_TABLE)) == NULL)
		return;
	fake_ok(ssl, r->id, true);
	DONE(r);
}

START_TEST(test_upload_local_error_aborts)
{
	char *dir = scratch_dir(), path[4096], schema[4096];
	struct psid_upload_options o;
	struct psid_report rep;

	snprintf(path, sizeof(path), "%s", scratch_path(dir, "t.csv"));
	snprintf(schema, sizeof(schema), "%s", scratch_path(dir, "s.json"));
	write_file(path, "v\n02:enc:a\n02:enc:b\n02:enc:c\nx,y\n");
	write_file(schema, "{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"v\", \"targetHeader\": \"v\","
	    " \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"none\"}}]}");
	start(script_abort, 0);
	memset(&o, 0, sizeof(o));
	o.schema_path = schema;
	ck_assert_int_eq(psid_upload_csv(conn, ID, "t", path, &o, &rep),
	    PSID_ERR_CSV);
	ck_assert_uint_eq(rep.line, 5);
	ck_assert_ptr_nonnull(strstr(rep.message, "2 fields, but the header "
	    "has 1"));
	ck_assert_int_eq(psid_table_delete(conn, ID, "t"), PSID_OK);
	finish();
	scratch_remove(dir);
}
END_TEST

/* psid hangs up in the middle of an upload: an error, not a SIGPIPE. */
static void
script_hang_up_upload(struct fake *f, SSL *ssl)
{
	Psid__Request *r;

	if ((r = EXPECT(UPLOAD_BEGIN)) == NULL)
		return;
	fake_ok(ssl, r->id, true);
	DONE(r);
	if ((r = EXPECT(UPLOAD_CHUNK)) == NULL)
		return;
	DONE(r);
}

START_TEST(test_upload_hang_up)
{
	char *dir = scratch_dir(), path[4096], cell[1100];
	struct psid_report rep;
	FILE *f;
	int i, rc;

	memset(cell, 'x', sizeof(cell) - 1);
	cell[sizeof(cell) - 1] = '\0';
	snprintf(path, sizeof(path), "%s", scratch_path(dir, "t.csv"));
	f = fopen(path, "w");
	fprintf(f, "v\n");
	for (i = 0; i < 32 * 1024; i++)
		fprintf(f, "%s\n", cell);
	fclose(f);
	start(script_hang_up_upload, 0);
	rc = psid_upload_csv(conn, ID, "t", path, NULL, &rep);
	ck_assert_msg(rc == PSID_ERR_NETWORK, "%s: %s", psid_strerror(rc),
	    rep.message);
	ck_assert_str_eq(rep.message, psid_conn_error(conn));
	finish();
	scratch_remove(dir);
}
END_TEST

/* ------------------------------------------------------------------ join */

/* Pack cells (NULL: a NULL cell) into buf; returns the length. */
static size_t
pack(uint8_t *buf, const char *const *cells, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += frame_cells_put(buf + len, cells[i], cells[i] != NULL ?
		    (uint32_t)strlen(cells[i]) : 0);
	return len;
}

/* A join in two parts; then one that fails after its first part. */
static void
script_join(struct fake *f, SSL *ssl)
{
	static const char *const cells[] = { "1", "02:enc:A", NULL,
	    "2", "", "a,b" };
	static char *names[] = { "id", "v", "id" };
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__JoinRows jr = PSID__JOIN_ROWS__INIT;
	Psid__Request *r;
	uint8_t buf[256];
	int round;

	for (round = 0; round < 2; round++) {
		if ((r = EXPECT(JOIN)) == NULL)
			return;
		FAKE_CHECK(f, strcmp(r->join->left->table, "t") == 0 &&
		    strcmp(r->join->right->column, "fp") == 0 &&
		    r->join->n_left_columns == 2 &&
		    r->join->n_right_columns == 1);
		jr.columns = names;
		jr.n_columns = 3;
		jr.rows = 1;
		jr.cells.data = buf;
		jr.cells.len = pack(buf, cells, 3);
		resp.id = r->id;
		resp.done = false;
		resp.body_case = PSID__RESPONSE__BODY_JOIN_ROWS;
		resp.join_rows = &jr;
		fake_send(ssl, &resp);
		if (round == 0) {
			jr.columns = NULL;
			jr.n_columns = 0;
			jr.cells.len = pack(buf, cells + 3, 3);
			resp.done = true;
			fake_send(ssl, &resp);
		} else
			fake_error(ssl, r->id, PSID__ERROR_CODE__INTERNAL,
			    "a row cannot be read", 0, NULL);
		DONE(r);
	}
}

START_TEST(test_join)
{
	const char *left[] = { "id", "v" }, *right[] = { "id" };
	struct psid_join_request q;
	struct psid_report rep;
	char *dir = scratch_dir(), out[4096], *text;

	memset(&q, 0, sizeof(q));
	q.left.table = "t";
	q.left.column = "fp";
	q.right.table = "u";
	q.right.column = "fp";
	q.left_columns = left;
	q.nleft = 2;
	q.right_columns = right;
	q.nright = 1;
	snprintf(out, sizeof(out), "%s", scratch_path(dir, "j.csv"));
	start(script_join, 0);
	ck_assert_int_eq(psid_join(conn, ID, &q, out, false, &rep), PSID_OK);
	ck_assert_uint_eq(rep.rows, 2);
	text = read_file(out, NULL);
	ck_assert_str_eq(text, "t_id,v,u_id\n1,02:enc:A,\n2,\"\",\"a,b\"\n");
	free(text);
	/* Half a join leaves nothing; an existing file is kept. */
	ck_assert_int_eq(psid_join(conn, ID, &q, out, true, &rep),
	    PSID_ERR_SERVER);
	ck_assert_str_eq(rep.message, "a row cannot be read");
	text = read_file(out, NULL);
	ck_assert_str_eq(text, "t_id,v,u_id\n1,02:enc:A,\n2,\"\",\"a,b\"\n");
	free(text);
	ck_assert_int_eq(psid_join(conn, ID, &q, out, false, &rep),
	    PSID_ERR_EXISTS);
	finish();
	scratch_remove(dir);
}
END_TEST

/* -------------------------------------------------------- broken peers */

static void
script_wrong_id(struct fake *f, SSL *ssl)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__Request *r;

	if ((r = EXPECT(COUNT)) == NULL)
		return;
	resp.id = r->id + 5;
	resp.done = true;
	resp.body_case = PSID__RESPONSE__BODY_COUNT;
	fake_send(ssl, &resp);
	DONE(r);
	/* Nothing more may come. */
	FAKE_CHECK(f, fake_read(ssl) == NULL);
}

static void
script_too_large(struct fake *f, SSL *ssl)
{
	Psid__Request *r;

	if ((r = EXPECT(COUNT)) == NULL)
		return;
	fake_write(ssl, "\x7f\xff\xff\xff", 4);
	DONE(r);
}

static void
script_garbage(struct fake *f, SSL *ssl)
{
	Psid__Request *r;

	if ((r = EXPECT(COUNT)) == NULL)
		return;
	fake_write(ssl, "\0\0\0\5\xff\xff\xff\xff\xff", 9);
	DONE(r);
}

static void
script_hang_up(struct fake *f, SSL *ssl)
{
	Psid__Request *r;

	if ((r = EXPECT(COUNT)) == NULL)
		return;
	DONE(r);
}

static void
script_silent(struct fake *f, SSL *ssl)
{
	Psid__Request *r;

	if ((r = EXPECT(COUNT)) == NULL)
		return;
	/* The client gives up first, and hangs up. */
	FAKE_CHECK(f, fake_read(ssl) == NULL);
	DONE(r);
}

START_TEST(test_broken_peers)
{
	static const struct {
		fake_script *script;
		int code;
		const char *why;
	} cases[] = {
		{ script_wrong_id, PSID_ERR_PROTOCOL, "answered request" },
		{ script_too_large, PSID_ERR_PROTOCOL, "more than 16777216" },
		{ script_garbage, PSID_ERR_PROTOCOL, "malformed" },
		{ script_hang_up, PSID_ERR_NETWORK, "closed the connection" },
		{ script_silent, PSID_ERR_NETWORK, "no answer from psid "
		    "within 0.2 s" },
	};
	struct psid_colref sets[2] = { { "a", "b" }, { "a", "b" } };
	uint64_t n;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		start(cases[i].script, 200);
		rc = psid_count(conn, ID, sets, 2, &n);
		ck_assert_msg(rc == cases[i].code, "case %zu: %s: %s", i,
		    psid_strerror(rc), psid_conn_error(conn));
		ck_assert_msg(strstr(psid_conn_error(conn), cases[i].why) !=
		    NULL, "case %zu: %s", i, psid_conn_error(conn));
		/* The connection is unusable from then on. */
		ck_assert_int_eq(psid_count(conn, ID, sets, 2, &n),
		    cases[i].code);
		finish();
	}
}
END_TEST

/* ------------------------------------------------------------------- TLS */

START_TEST(test_tls_checks)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int rc, fd;

	/* psid's certificate names 127.0.0.1, not localhost. */
	fake_start(&fake, &pki, NULL, NULL);
	rc = fake_connect(&fake, "localhost", NULL, 0, &conn);
	ck_assert_int_eq(rc, PSID_ERR_TLS);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(conn),
	    "certificate verify failed (hostname mismatch)"));
	psid_conn_free(conn);
	conn = NULL;
	fake_wait(&fake);

	/* Another CA. */
	fake_start(&fake, &pki, NULL, NULL);
	rc = fake_connect(&fake, NULL, pki.other_ca, 0, &conn);
	ck_assert_int_eq(rc, PSID_ERR_TLS);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(conn),
	    "certificate verify failed"));
	psid_conn_free(conn);
	conn = NULL;
	fake_wait(&fake);

	/* A server that stops at TLS 1.2. */
	fake.max_version = TLS1_2_VERSION;
	fake_start(&fake, &pki, NULL, NULL);
	rc = fake_connect(&fake, NULL, NULL, 0, &conn);
	ck_assert_int_eq(rc, PSID_ERR_TLS);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(conn), "TLS handshake "
	    "failed"));
	psid_conn_free(conn);
	conn = NULL;
	fake_wait(&fake);

	/* Nobody listening. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(fake.port, sizeof(fake.port), "%u", ntohs(sin.sin_port));
	close(fd);
	rc = fake_connect(&fake, NULL, NULL, 0, &conn);
	ck_assert_int_eq(rc, PSID_ERR_NETWORK);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(conn),
	    "Connection refused"));
}
END_TEST

Suite *
make_client_wire_suite(void)
{
	Suite *s = suite_create("client_wire");
	TCase *tc = tcase_create("fake psid");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_calls);
	tcase_add_test(tc, test_upload_refused_early);
	tcase_add_test(tc, test_upload_refused_at_commit);
	tcase_add_test(tc, test_upload_local_error_aborts);
	tcase_add_test(tc, test_upload_hang_up);
	tcase_add_test(tc, test_join);
	tcase_add_test(tc, test_broken_peers);
	tcase_add_test(tc, test_tls_checks);
	suite_add_tcase(s, tc);
	return s;
}
