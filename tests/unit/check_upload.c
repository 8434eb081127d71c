/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_upload.c: the upload's cell check (server/upload_cell.h), and
 * the upload handlers (h_upload.c) through the verb table and a fake
 * transport with a scratch store: a refused cell names its row and
 * column (a sealed cell with spaces in its Base64 among them), the
 * commit repeats the refusal, chunks and commits without an upload are
 * refused, a good upload commits.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "dispatch.h"
#include "fakeconn.h"
#include "frame.h"
#include "suites.h"
#include "upload_cell.h"

#define FP_CELL "02:hmac:+dN/pFTpIHUfH0S+jtmzb55SwEg+rzoHTRuoj5qHsuA="
#define SEALED_B64 "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr+cynUzAI3aeKQy" \
	"P/I1GtwykqUhAjX1G8exFAus6xlxXNKCOx4WCgytzBA="
#define SEALED_CELL "02:enc:" SEALED_B64
#define SPACED_CELL "02:enc:    " SEALED_B64
#define ID "0a1b2c3d-0000-4000-8000-00000000000a"

static const char *
check(Psid__ColumnType type, bool nulls, const char *cell, bool *has_fp)
{
	static uint8_t fp[C3RCELL_FP_BYTES];

	return upload_cell_check(type, nulls, (const uint8_t *)cell,
	    cell != NULL ? (uint32_t)strlen(cell) : 0, fp, has_fp);
}

START_TEST(cell_check)
{
	const Psid__ColumnType FP = PSID__COLUMN_TYPE__COLUMN_FINGERPRINT;
	const Psid__ColumnType SEALED = PSID__COLUMN_TYPE__COLUMN_SEALED;
	const Psid__ColumnType CLEAR = PSID__COLUMN_TYPE__COLUMN_CLEARTEXT;
	const char *why;
	bool has_fp;

	ck_assert_ptr_null(check(FP, false, FP_CELL, &has_fp));
	ck_assert(has_fp);
	ck_assert_ptr_null(check(SEALED, false, SEALED_CELL, &has_fp));
	ck_assert(!has_fp);
	ck_assert_ptr_null(check(CLEAR, false, "anything", &has_fp));
	ck_assert_ptr_null(check(CLEAR, false, NULL, &has_fp));
	ck_assert_ptr_null(check(SEALED, true, NULL, &has_fp));
	ck_assert(!has_fp);
	why = check(SEALED, false, NULL, &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "NULL"));
	ck_assert_ptr_nonnull(check(FP, false, NULL, &has_fp));
	/* Fingerprints. */
	why = check(FP, false, SEALED_CELL, &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "not a fingerprint"));
	ck_assert(!has_fp);
	why = check(FP, false, "02:hmac:+dN/pFTpIHUfH0S+jtmzb55SwEg+rzoHTRuoj5"
	    "qHsu==", &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "not 32 bytes"));
	why = check(FP, false, "02:hmac: dN/pFTpIHUfH0S+jtmzb55SwEg+rzoHTRuoj5"
	    "qHsuA=", &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "white space"));
	why = check(FP, false, "02:hmac:*dN/pFTpIHUfH0S+jtmzb55SwEg+rzoHTRuoj5"
	    "qHsuA=", &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "bad Base64"));
	/* Sealed cells. */
	why = check(SEALED, false, FP_CELL, &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "not a sealed cell"));
	why = check(SEALED, false, "02:enc:AAA", &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "bad length"));
	why = check(SEALED, false, "02:enc:AAAA", &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "too short"));
	/* The whitespace EVP_DecodeBlock would skip. */
	why = check(SEALED, false, SPACED_CELL, &has_fp);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "white space"));
	why = check(SEALED, false, SEALED_CELL "    ", &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "white space"));
	why = check(SEALED, false, "02:enc:  " SEALED_B64, &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "white space"));	/* any length */
	why = check(FP, false, "02:hmac: +dN/pFTpIHUfH0S+jtmzb55SwEg+rzoHTRuoj5qHsuA=",
	    &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "white space"));
	why = check(SEALED, false, "02:enc:" "oKGio6Sl*qeoqaqrrK2ur7CxsrO0tba3uLm6u7y9"
	    "vr+cynUzAI3aeKQyP/I1GtwykqUhAjX1G8exFAus6xlxXNKCOx4WCgytzBA=", &has_fp);
	ck_assert_ptr_nonnull(strstr(why, "bad Base64"));
}
END_TEST

/* Pack cells (NULL for a NULL cell) as UploadChunk.cells. */
static size_t
pack_cells(uint8_t *out, const char *const *cells, size_t n)
{
	size_t i, off = 0, len;

	for (i = 0; i < n; i++) {
		if (cells[i] == NULL) {
			frame_put_header(out + off, FRAME_CELL_NULL);
			off += 4;
			continue;
		}
		len = strlen(cells[i]);
		frame_put_header(out + off, (uint32_t)len);
		memcpy(out + off + 4, cells[i], len);
		off += 4 + len;
	}
	return off;
}

/* An upload of table t (fp: fingerprint, name: sealed) by alice. */
struct upload_fixture {
	struct fake_conn fc;
	Psid__Column cols[2], *pcols[2];
	Psid__AnalysisRule rule;
	Psid__UploadBegin begin;
	Psid__Request req;
};

static void
upload_fixture_init(struct upload_fixture *u)
{
	static const char *const members[] = { "alice" };

	memset(u, 0, sizeof(*u));
	fake_conn_init(&u->fc, "alice", true);
	fake_collab_put(&u->fc, ID, members, 1, true, true, true, NULL);
	psid__column__init(&u->cols[0]);
	u->cols[0].name = (char *)"fp";
	u->cols[0].type = PSID__COLUMN_TYPE__COLUMN_FINGERPRINT;
	psid__column__init(&u->cols[1]);
	u->cols[1].name = (char *)"name";
	u->cols[1].type = PSID__COLUMN_TYPE__COLUMN_SEALED;
	u->pcols[0] = &u->cols[0];
	u->pcols[1] = &u->cols[1];
	psid__analysis_rule__init(&u->rule);
	psid__upload_begin__init(&u->begin);
	u->begin.collaboration_id = (char *)ID;
	u->begin.table = (char *)"t";
	u->begin.columns = u->pcols;
	u->begin.n_columns = 2;
	u->begin.rule = &u->rule;
	psid__request__init(&u->req);
}

static void
send_begin(struct upload_fixture *u)
{
	u->req.id = 1;
	u->req.body_case = PSID__REQUEST__BODY_UPLOAD_BEGIN;
	u->req.upload_begin = &u->begin;
	dispatch_request(fake_request(&u->fc, &u->req));
}

static void
send_chunk(struct upload_fixture *u, const char *const *cells,
    uint32_t rows)
{
	Psid__UploadChunk ch = PSID__UPLOAD_CHUNK__INIT;
	uint8_t buf[2048];

	ch.rows = rows;
	ch.cells.data = buf;
	ch.cells.len = pack_cells(buf, cells, (size_t)rows * 2);
	u->req.id = 2;
	u->req.body_case = PSID__REQUEST__BODY_UPLOAD_CHUNK;
	u->req.upload_chunk = &ch;
	dispatch_request(fake_request(&u->fc, &u->req));
}

static void
send_commit(struct upload_fixture *u, uint64_t rows)
{
	Psid__UploadCommit c = PSID__UPLOAD_COMMIT__INIT;

	c.rows = rows;
	u->req.id = 3;
	u->req.body_case = PSID__REQUEST__BODY_UPLOAD_COMMIT;
	u->req.upload_commit = &c;
	dispatch_request(fake_request(&u->fc, &u->req));
}

START_TEST(spaced_sealed_cell_is_refused_by_row_and_column)
{
	struct upload_fixture u;
	static const char *const good[] = { FP_CELL, SEALED_CELL };
	static const char *const bad[] = { FP_CELL, SEALED_CELL,
	    FP_CELL, SPACED_CELL };
	const Psid__Error *e;

	upload_fixture_init(&u);
	send_begin(&u);
	ck_assert_uint_eq(u.fc.n, 1);
	ck_assert_int_eq(fake_last_error(&u.fc), 0);
	ck_assert_ptr_nonnull(rq_slot_get(&u.fc.rq));
	send_chunk(&u, good, 1);
	ck_assert_uint_eq(u.fc.n, 1);		/* a good chunk: no reply */
	send_chunk(&u, bad, 2);
	ck_assert_uint_eq(u.fc.n, 2);
	e = u.fc.replies[1]->error;
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->code, PSID__ERROR_CODE__INVALID_TABLE);
	ck_assert_uint_eq(e->row, 3);		/* over the whole upload */
	ck_assert_str_eq(e->column, "name");
	ck_assert_ptr_nonnull(strstr(e->message, "white space"));
	/* Later chunks are dropped; the commit says it again. */
	send_chunk(&u, good, 1);
	ck_assert_uint_eq(u.fc.n, 2);
	send_commit(&u, 4);
	ck_assert_uint_eq(u.fc.n, 3);
	e = u.fc.replies[2]->error;
	ck_assert_int_eq(e->code, PSID__ERROR_CODE__INVALID_TABLE);
	ck_assert_uint_eq(e->row, 3);
	ck_assert_str_eq(e->column, "name");
	ck_assert_ptr_null(rq_slot_get(&u.fc.rq));
	fake_conn_free(&u.fc);
}
END_TEST

START_TEST(good_upload_commits)
{
	struct upload_fixture u;
	static const char *const good[] = { FP_CELL, SEALED_CELL };

	upload_fixture_init(&u);
	send_begin(&u);
	send_chunk(&u, good, 1);
	send_commit(&u, 2);		/* psid received 1 */
	ck_assert_int_eq(fake_last_error(&u.fc),
	    PSID__ERROR_CODE__BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&u.fc), "counts 2"));
	send_begin(&u);
	send_chunk(&u, good, 1);
	send_commit(&u, 1);
	ck_assert_int_eq(fake_last_error(&u.fc), 0);
	ck_assert_int_eq(u.fc.replies[u.fc.n - 1]->body_case,
	    PSID__RESPONSE__BODY_TABLE);
	ck_assert_uint_eq(u.fc.replies[u.fc.n - 1]->table->rows, 1);
	ck_assert_str_eq(u.fc.replies[u.fc.n - 1]->table->owner, "alice");
	/* Again, without replace: the table exists. */
	send_begin(&u);
	ck_assert_int_eq(fake_last_error(&u.fc), PSID__ERROR_CODE__CONFLICT);
	fake_conn_free(&u.fc);
}
END_TEST

START_TEST(out_of_order_parts)
{
	struct upload_fixture u;
	static const char *const good[] = { FP_CELL, SEALED_CELL };
	static const char *const nullfp[] = { NULL, SEALED_CELL };

	upload_fixture_init(&u);
	send_chunk(&u, good, 1);
	ck_assert_int_eq(fake_last_error(&u.fc),
	    PSID__ERROR_CODE__BAD_REQUEST);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&u.fc),
	    "no upload is in progress"));
	send_commit(&u, 0);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&u.fc),
	    "no upload is in progress"));
	send_begin(&u);
	send_begin(&u);
	ck_assert_ptr_nonnull(strstr(fake_last_message(&u.fc),
	    "already in progress"));
	/* A NULL fingerprint where NULLs are not preserved. */
	send_chunk(&u, nullfp, 1);
	ck_assert_int_eq(fake_last_error(&u.fc),
	    PSID__ERROR_CODE__INVALID_TABLE);
	ck_assert_str_eq(u.fc.replies[u.fc.n - 1]->error->column, "fp");
	ck_assert_uint_eq(u.fc.replies[u.fc.n - 1]->error->row, 1);
	/* An abort empties the slot; a cleartext column is refused. */
	u.req.body_case = PSID__REQUEST__BODY_UPLOAD_ABORT;
	dispatch_request(fake_request(&u.fc, &u.req));
	ck_assert_ptr_null(rq_slot_get(&u.fc.rq));
	u.cols[1].type = PSID__COLUMN_TYPE__COLUMN_CLEARTEXT;
	send_begin(&u);
	ck_assert_int_eq(fake_last_error(&u.fc),
	    PSID__ERROR_CODE__INVALID_TABLE);
	ck_assert_str_eq(u.fc.replies[u.fc.n - 1]->error->column, "name");
	fake_conn_free(&u.fc);
}
END_TEST

Suite *
make_upload_suite(void)
{
	Suite *s = suite_create("upload");
	TCase *tc = tcase_create("cells");

	tcase_add_test(tc, cell_check);
	suite_add_tcase(s, tc);
	tc = tcase_create("handlers");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, spaced_sealed_cell_is_refused_by_row_and_column);
	tcase_add_test(tc, good_upload_commits);
	tcase_add_test(tc, out_of_order_parts);
	suite_add_tcase(s, tc);
	return s;
}
