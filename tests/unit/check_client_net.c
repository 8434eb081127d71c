/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_client_net.c: the parts of libpsid's network calls that need no
 * server: psid's error codes mapped to PSID_ERR_* (and their texts);
 * upload column names from a CSV header (normalised, checked, unique);
 * column types from a C3R schema or inferred from the cells; rows packed
 * into UploadChunk cells (NULL, "", long cells, frame limits); the sparse
 * map from an upload's rows to the file's lines, against the CSV reader's
 * own line numbers; and a join's CSV output (header names prefixed with
 * their table where both sides have them, NULL and empty cells, quoting,
 * malformed cells).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "join.h"
#include "net.h"
#include "schema.h"
#include "suites.h"
#include "testutil.h"
#include "upload.h"

/* Parse text (one row) into row; the buffer is kept in *buf. */
static void
parse_row(const char *text, char **buf, struct csv_row *row)
{
	size_t consumed;
	uint64_t skipped;

	*buf = strdup(text);
	ck_assert_int_eq(csv_parse_row(*buf, strlen(*buf), true, row,
	    &consumed, &skipped), CSV_ROW);
}

/* --------------------------------------------------------- error codes */

START_TEST(test_error_codes)
{
	static const struct {
		int wire, code;
	} map[] = {
		{ PSID__ERROR_CODE__OK, PSID_OK },
		{ PSID__ERROR_CODE__BAD_REQUEST, PSID_ERR_BAD_REQUEST },
		{ PSID__ERROR_CODE__NOT_FOUND, PSID_ERR_NOT_FOUND },
		{ PSID__ERROR_CODE__FORBIDDEN, PSID_ERR_FORBIDDEN },
		{ PSID__ERROR_CODE__CONFLICT, PSID_ERR_CONFLICT },
		{ PSID__ERROR_CODE__INVALID_TABLE, PSID_ERR_REFUSED },
		{ PSID__ERROR_CODE__TOO_LARGE, PSID_ERR_LIMIT },
		{ PSID__ERROR_CODE__UNAVAILABLE, PSID_ERR_UNAVAILABLE },
		{ PSID__ERROR_CODE__INTERNAL, PSID_ERR_SERVER },
		{ 99, PSID_ERR_SERVER },	/* a code from a newer psid */
	};
	size_t i;
	int code;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		ck_assert_int_eq(net_error_code(map[i].wire), map[i].code);
	/* Every code has a text of its own. */
	for (code = PSID_ERR_NETWORK; code >= PSID_ERR_BAD_REQUEST; code--) {
		ck_assert_str_ne(psid_strerror(code), "unknown error");
		ck_assert_str_ne(psid_strerror(code), psid_strerror(code + 1));
	}
	ck_assert_str_eq(psid_strerror(PSID_ERR_RULE - 1),
	    "unknown error");
}
END_TEST

START_TEST(test_uuid_and_connect_arguments)
{
	struct psid_conn_options o = { "localhost", "1", "ca", "c", "k", 0 };
	struct psid_conn *conn = (void *)1;

	ck_assert(net_is_uuid("00000000-1111-2222-3333-44444444AAAA"));
	ck_assert(!net_is_uuid("00000000-1111-2222-3333-44444444444"));
	ck_assert(!net_is_uuid("00000000x1111-2222-3333-444444444444"));
	ck_assert(!net_is_uuid("00000000-1111-2222-3333-44444444444g"));
	ck_assert(!net_is_uuid(NULL));
	ck_assert_int_eq(psid_connect(NULL, &conn), PSID_ERR_INVALID);
	ck_assert_ptr_null(conn);
	o.host = NULL;
	ck_assert_int_eq(psid_connect(&o, &conn), PSID_ERR_INVALID);
	ck_assert_ptr_null(conn);
	/* Files that cannot be loaded: TLS, the file named, conn kept. */
	o.host = "localhost";
	o.ca_file = "/nonexistent/ca.pem";
	ck_assert_int_eq(psid_connect(&o, &conn), PSID_ERR_TLS);
	ck_assert_ptr_nonnull(conn);
	ck_assert_ptr_nonnull(strstr(psid_conn_error(conn),
	    "/nonexistent/ca.pem"));
	ck_assert_ptr_nonnull(strstr(psid_conn_error(conn),
	    "No such file"));
	psid_conn_free(conn);
	psid_conn_free(NULL);
	ck_assert_str_eq(psid_conn_error(NULL), "");
}
END_TEST

/* --------------------------------------------------------------- names */

START_TEST(test_names_normalised)
{
	struct csv_row row = { 0 };
	upload_name names[3];
	char *buf, err[256];

	parse_row(" Email ,\"First Name\",phone-number\n", &buf, &row);
	ck_assert_int_eq(upload_names(&row, names, err, sizeof(err)),
	    PSID_OK);
	ck_assert_str_eq(names[0], "email");
	ck_assert_str_eq(names[1], "first name");
	ck_assert_str_eq(names[2], "phone-number");
	free(buf);
	csv_row_release(&row);
}
END_TEST

START_TEST(test_names_refused)
{
	static const struct {
		const char *header, *why;
	} bad[] = {
		{ "a,b!,c\n", "column 2" },
		{ "a,,c\n", "column 2" },
		{ "a,B,b\n", "also column 2" },
		{ "a,-x\n", "column 2" },
	};
	struct csv_row row = { 0 };
	upload_name names[3];
	char *buf, err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_row(bad[i].header, &buf, &row);
		err[0] = '\0';
		ck_assert_int_eq(upload_names(&row, names, err, sizeof(err)),
		    PSID_ERR_CSV);
		ck_assert_msg(strstr(err, bad[i].why) != NULL, "%s: %s",
		    bad[i].header, err);
		free(buf);
	}
	csv_row_release(&row);
}
END_TEST

/* --------------------------------------------------------------- types */

START_TEST(test_types_from_schema)
{
	char *dir = scratch_dir(), path[4096], err[512];
	upload_name names[3] = { "email_fp", "city", "name" };
	enum psid_column_type types[3];
	struct schema *schema;

	snprintf(path, sizeof(path), "%s", scratch_path(dir, "s.json"));
	write_file(path, "{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"Name\", \"type\": \"cleartext\"},"
	    "{\"sourceHeader\": \"Email\", \"targetHeader\": \"Email_FP\","
	    " \"type\": \"fingerprint\"},"
	    "{\"sourceHeader\": \"City\", \"targetHeader\": \"city\","
	    " \"type\": \"sealed\", \"pad\": {\"type\": \"none\"}}]}");
	ck_assert_int_eq(schema_load(path, &schema, err, sizeof(err)),
	    PSID_OK);
	ck_assert_int_eq(upload_schema_types(schema, names, 3, types, err,
	    sizeof(err)), PSID_OK);
	ck_assert_int_eq(types[0], PSID_COLUMN_FINGERPRINT);
	ck_assert_int_eq(types[1], PSID_COLUMN_SEALED);
	ck_assert_int_eq(types[2], PSID_COLUMN_CLEARTEXT);
	/* A column the schema lacks; a schema column the file lacks. */
	snprintf(names[2], sizeof(names[2]), "other");
	ck_assert_int_eq(upload_schema_types(schema, names, 3, types, err,
	    sizeof(err)), PSID_ERR_SCHEMA);
	ck_assert_ptr_nonnull(strstr(err, "\"other\""));
	ck_assert_int_eq(upload_schema_types(schema, names, 2, types, err,
	    sizeof(err)), PSID_ERR_SCHEMA);
	ck_assert_ptr_nonnull(strstr(err, "\"name\""));
	schema_free(schema);
	scratch_remove(dir);
}
END_TEST

START_TEST(test_types_inferred)
{
	static const char *const rows[] = {
		"02:hmac:AAAA,02:enc:BBBB,plain,,02:hmac:x,\"\"\n",
		",02:enc:CCCC,02:hmac:y,,02:enc:z,\n",
		"02:hmac:DDDD,,02:enc:w,  ,02:hmac:v,\n",
	};
	enum psid_column_type types[6];
	struct upload_infer inf;
	struct csv_row row = { 0 };
	char *buf;
	size_t i;

	ck_assert_int_eq(upload_infer_init(&inf, 6), PSID_OK);
	for (i = 0; i < 3; i++) {
		parse_row(rows[i], &buf, &row);
		upload_infer_row(&inf, &row);
		free(buf);
	}
	/* Column 4 holds only NULLs (blank unquoted fields). */
	ck_assert_uint_eq(upload_infer_types(&inf, types), 3);
	inf.seen[3] = 1;	/* as if it had held a fingerprint */
	ck_assert_uint_eq(upload_infer_types(&inf, types), 6);
	ck_assert_int_eq(types[0], PSID_COLUMN_FINGERPRINT);
	ck_assert_int_eq(types[1], PSID_COLUMN_SEALED);
	ck_assert_int_eq(types[2], PSID_COLUMN_CLEARTEXT);
	/* Fingerprints and sealed cells mixed: cleartext. */
	ck_assert_int_eq(types[4], PSID_COLUMN_CLEARTEXT);
	/* A quoted "" is an empty string, not a NULL: cleartext. */
	ck_assert_int_eq(types[5], PSID_COLUMN_CLEARTEXT);
	upload_infer_free(&inf);
	csv_row_release(&row);
}
END_TEST

/* -------------------------------------------------------------- chunks */

START_TEST(test_chunk_packs_cells)
{
	struct upload_chunk c = { 0 };
	struct csv_row row = { 0 };
	struct cells_reader r;
	const uint8_t *cell;
	uint32_t len;
	size_t bad;
	char *buf;

	parse_row("02:hmac:AA, ,\"\",\"a,b\"\n", &buf, &row);
	ck_assert_int_eq(upload_chunk_add(&c, &row, &bad), PSID_OK);
	ck_assert_int_eq(upload_chunk_add(&c, &row, &bad), PSID_OK);
	free(buf);
	ck_assert_uint_eq(c.rows, 2);
	ck_assert_uint_eq(c.len, 2 * (4 + 10 + 4 + 4 + 4 + 3));
	ck_assert(frame_cells_well_formed(c.data, c.len, 2, 4, PSID_MAX_CELL_LEN));
	frame_cells_reader_init(&r, c.data, c.len);
	ck_assert_int_eq(frame_cells_next(&r, &cell, &len), 1);
	ck_assert_uint_eq(len, 10);
	ck_assert_int_eq(memcmp(cell, "02:hmac:AA", 10), 0);
	/* A blank unquoted field is NULL; a quoted "" is empty. */
	ck_assert_int_eq(frame_cells_next(&r, &cell, &len), 1);
	ck_assert_ptr_null(cell);
	ck_assert_int_eq(frame_cells_next(&r, &cell, &len), 1);
	ck_assert_ptr_nonnull(cell);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(frame_cells_next(&r, &cell, &len), 1);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(cell, "a,b", 3), 0);
	ck_assert(!upload_chunk_full(&c));
	upload_chunk_clear(&c);
	ck_assert_uint_eq(c.rows, 0);
	ck_assert_uint_eq(c.len, 0);
	upload_chunk_free(&c);
	csv_row_release(&row);
}
END_TEST

START_TEST(test_chunk_limits)
{
	struct upload_chunk c = { 0 };
	struct csv_field f[1100];
	struct csv_row row = { f, 0, 1100, 1, 0 };
	char *big = malloc(PSID_MAX_CELL_LEN + 1);
	size_t bad = 99, i, rows = 0;

	memset(big, 'x', PSID_MAX_CELL_LEN + 1);
	memset(f, 0, sizeof(f));
	/* A cell longer than any C3R cell: refused, chunk unchanged. */
	f[0].ptr = big;
	f[0].len = 5;
	f[1].ptr = big;
	f[1].len = PSID_MAX_CELL_LEN + 1;
	row.count = 2;
	ck_assert_int_eq(upload_chunk_add(&c, &row, &bad), PSID_ERR_TOO_LONG);
	ck_assert_uint_eq(bad, 1);
	ck_assert_uint_eq(c.rows, 0);
	/* Rows of 1000 long cells: ~16 MB each, one per frame. */
	for (i = 0; i < 1000; i++) {
		f[i].ptr = big;
		f[i].len = PSID_MAX_CELL_LEN;
	}
	row.count = 1000;
	ck_assert_int_eq(upload_chunk_add(&c, &row, &bad), PSID_OK);
	ck_assert(upload_chunk_full(&c));
	ck_assert_int_eq(upload_chunk_add(&c, &row, &bad), UPLOAD_SEND_FIRST);
	ck_assert_uint_eq(c.rows, 1);
	/* A smaller row still fits beside it. */
	row.count = 10;
	while (upload_chunk_add(&c, &row, &bad) == PSID_OK && rows < 1000)
		rows++;
	ck_assert_uint_lt(rows, 1000);
	ck_assert_uint_le(c.len, UPLOAD_ROW_MAX);
	/* A row that no frame can hold. */
	upload_chunk_clear(&c);
	for (i = 0; i < 1100; i++) {
		f[i].ptr = big;
		f[i].len = PSID_MAX_CELL_LEN;
	}
	row.count = 1100;
	ck_assert_int_eq(upload_chunk_add(&c, &row, &bad), PSID_ERR_LIMIT);
	ck_assert_uint_eq(c.rows, 0);
	upload_chunk_free(&c);
	free(big);
}
END_TEST

/* ------------------------------------------------------------ line map */

START_TEST(test_lines_match_reader)
{
	static const char csv[] =
	    "\n"			/* 1: empty, skipped */
	    "a,b\n"			/* 2: header */
	    "1,2\n"			/* 3: row 1 */
	    "\"two\nlines\",3\n"	/* 4-5: row 2 */
	    "4,5\n"			/* 6: row 3 */
	    "\n\n"			/* 7-8: empty */
	    "6,7\r\n"			/* 9: row 4 */
	    "8,\"x\r\ny\"\n"		/* 10-11: row 5 */
	    "9,10\n"			/* 12: row 6 */
	    "11,12";			/* 13: row 7, no line end */
	static const uint64_t want[] = { 0, 3, 4, 6, 9, 10, 12, 13 };
	char *dir = scratch_dir(), path[4096];
	struct upload_lines m, small;
	struct csv_reader *rd;
	struct csv_row row = { 0 };
	uint64_t n = 0, r;

	snprintf(path, sizeof(path), "%s", scratch_path(dir, "l.csv"));
	write_file(path, csv);
	ck_assert_int_eq(csv_reader_open(path, &rd), PSID_OK);
	ck_assert_int_eq(csv_reader_next(rd, &row), CSV_ROW);
	ck_assert_uint_eq(csv_reader_line(rd), 2);
	upload_lines_init(&m, csv_reader_line(rd), 1024);
	upload_lines_init(&small, csv_reader_line(rd), 3);
	while (csv_reader_next(rd, &row) == CSV_ROW) {
		n++;
		ck_assert_uint_eq(csv_reader_line(rd), want[n]);
		upload_lines_add(&m, n, csv_reader_line(rd));
		upload_lines_add(&small, n, csv_reader_line(rd));
	}
	ck_assert_uint_eq(n, 7);
	/* Only the rows off the line after their predecessor are kept. */
	ck_assert_uint_eq(m.n, 4);
	for (r = 1; r <= n; r++)
		ck_assert_uint_eq(upload_lines_find(&m, r), want[r]);
	ck_assert_uint_eq(upload_lines_find(&m, 0), 0);
	/* Past its 3 points the small map knows nothing (row 6 on). */
	ck_assert_uint_eq(small.lost_from, 6);
	for (r = 1; r < 6; r++)
		ck_assert_uint_eq(upload_lines_find(&small, r), want[r]);
	for (r = 6; r <= n; r++)
		ck_assert_uint_eq(upload_lines_find(&small, r), 0);
	upload_lines_free(&m);
	upload_lines_free(&small);
	csv_reader_free(rd);
	csv_row_release(&row);
	scratch_remove(dir);
}
END_TEST

START_TEST(test_lines_many_rows)
{
	struct upload_lines m;
	uint64_t r, line = 1;

	/* Every tenth row spans two lines: 10% of the rows are points. */
	upload_lines_init(&m, 1, 1u << 16);
	for (r = 1; r <= 100000; r++) {
		line += r % 10 == 1 && r > 1 ? 2 : 1;
		upload_lines_add(&m, r, line);
	}
	ck_assert_uint_eq(m.lost_from, 0);
	ck_assert_uint_lt(m.n, 10002);
	line = 1;
	for (r = 1; r <= 100000; r++) {
		line += r % 10 == 1 && r > 1 ? 2 : 1;
		ck_assert_uint_eq(upload_lines_find(&m, r), line);
	}
	upload_lines_free(&m);
}
END_TEST

/* ---------------------------------------------------------------- join */

static char *
out_text(struct outbuf *out)
{
	char *s = malloc(out->len + 1);

	memcpy(s, out->data, out->len);
	s[out->len] = '\0';
	return s;
}

START_TEST(test_join_header)
{
	char *cols[] = { "id", "email", "first name", "id", "phone", "email" };
	struct outbuf out = { 0 };
	char *s;

	ck_assert_int_eq(join_write_header(&out, "ads", "buys", cols, 6, 3),
	    0);
	s = out_text(&out);
	ck_assert_str_eq(s, "ads_id,ads_email,\"first name\",buys_id,phone,"
	    "buys_email\n");
	free(s);
	/* No clash: names kept; a side may return no column. */
	out.len = 0;
	ck_assert_int_eq(join_write_header(&out, "a", "b", cols + 1, 2, 0), 0);
	s = out_text(&out);
	ck_assert_str_eq(s, "email,\"first name\"\n");
	free(s);
	outbuf_release(&out);
}
END_TEST

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

START_TEST(test_join_rows)
{
	static const char *const cells[] = {
		"02:enc:AAAA", NULL, "", "a, \"b\"",
		"plain", "02:hmac:BB", NULL, "x\ny",
	};
	struct outbuf out = { 0 };
	uint8_t buf[256];
	size_t len = pack(buf, cells, 8);
	char *s;

	ck_assert_int_eq(join_write_rows(&out, buf, len, 2, 4), PSID_OK);
	s = out_text(&out);
	ck_assert_str_eq(s, "02:enc:AAAA,,\"\",\"a, \"\"b\"\"\"\n"
	    "plain,02:hmac:BB,,\"x\ny\"\n");
	free(s);
	/* Fewer or more cells than rows x columns: malformed. */
	out.len = 0;
	ck_assert_int_eq(join_write_rows(&out, buf, len, 2, 3),
	    PSID_ERR_PROTOCOL);
	out.len = 0;
	ck_assert_int_eq(join_write_rows(&out, buf, len, 3, 4),
	    PSID_ERR_PROTOCOL);
	out.len = 0;
	ck_assert_int_eq(join_write_rows(&out, buf, len - 1, 2, 4),
	    PSID_ERR_PROTOCOL);
	out.len = 0;
	ck_assert_int_eq(join_write_rows(&out, buf, 0, 0, 4), PSID_OK);
	ck_assert_uint_eq(out.len, 0);
	outbuf_release(&out);
}
END_TEST

Suite *
make_client_net_suite(void)
{
	Suite *s = suite_create("client_net");
	TCase *tc;

	tc = tcase_create("codes");
	tcase_add_test(tc, test_error_codes);
	tcase_add_test(tc, test_uuid_and_connect_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("upload");
	tcase_add_test(tc, test_names_normalised);
	tcase_add_test(tc, test_names_refused);
	tcase_add_test(tc, test_types_from_schema);
	tcase_add_test(tc, test_types_inferred);
	tcase_add_test(tc, test_chunk_packs_cells);
	tcase_add_test(tc, test_chunk_limits);
	tcase_add_test(tc, test_lines_match_reader);
	tcase_add_test(tc, test_lines_many_rows);
	suite_add_tcase(s, tc);

	tc = tcase_create("join");
	tcase_add_test(tc, test_join_header);
	tcase_add_test(tc, test_join_rows);
	suite_add_tcase(s, tc);
	return s;
}
