/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload.c: psid_upload_csv, a C3R-encrypted CSV file streamed to psid
 * as one table.
 *
 * The exchange: UploadBegin (names, types, rule) and its reply; then
 * UploadChunk frames of ~1 MiB of packed rows, which psid answers only
 * when it refuses one; then UploadCommit with the number of rows, whose
 * reply is the table or the error. After each chunk the connection is
 * looked at without waiting: on an early refusal no more chunks are
 * sent, and the commit (which psid answers with the same error) closes
 * the upload. A local error after UploadBegin closes it with UploadAbort.
 *
 * Types come from the schema when one is given; otherwise the file is
 * read twice, once to infer them (upload.h) and to find every local
 * error before anything is sent, once to send it. Memory: one chunk, one
 * CSV read buffer, and the sparse row-to-line map.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "report.h"
#include "rule_wire.h"
#include "table.h"
#include "upload.h"

#define PROGRESS_EVERY (1u << 18)
/* Row-to-line points kept (16 bytes each); past them, the file is read
 * again to place an error. */
#define LINE_POINTS_MAX (1u << 16)

struct upload_job {
	struct psid_conn *conn;
	const char *path;
	const struct psid_upload_options *opts;
	struct psid_report *report;
	struct csv_reader *rd;
	struct csv_row row;
	uint64_t header_line;
	size_t ncolumns;
	upload_name *names;
	enum psid_column_type *types;
	struct upload_chunk chunk;
	struct upload_lines lines;
	uint64_t rows;			/* data rows read */
	uint64_t sent;			/* data rows sent */
	uint64_t first_chunk;		/* request ids of the chunks sent */
	uint64_t last_chunk;
	/* psid's first refusal: code, message, row, column. */
	int refused;
	char message[512];
	uint64_t refused_row;
	char refused_column[HEADER_MAX_LEN + 4];
};

static int
upload_conn_fail(struct upload_job *u, int rc)
{
	return report_fail(u->report, rc, 0, NULL, "%s",
	    psid_conn_error(u->conn));
}

/* ------------------------------------------------------------ the file */

/* Open the file and read its header row into names. */
static int
open_file(struct upload_job *u)
{
	char why[300];
	int rc;

	csv_reader_free(u->rd);
	u->rd = NULL;
	if ((rc = csv_reader_open(u->path, &u->rd)) != PSID_OK)
		return report_fail(u->report, rc, 0, NULL, "%s: %s", u->path,
		    rc == PSID_ERR_NOMEM ? "out of memory" : strerror(errno));
	rc = csv_reader_next(u->rd, &u->row);
	if (rc == 0)
		return report_fail(u->report, PSID_ERR_CSV, 0, NULL, "%s: no "
		    "header row (an upload needs the header of C3R's output)",
		    u->path);
	if (rc != CSV_ROW)
		return table_csv_error(u->report, u->path,
		    csv_reader_line(u->rd), rc);
	u->header_line = csv_reader_line(u->rd);
	if (u->names == NULL) {
		u->ncolumns = u->row.count;
		u->names = calloc(u->ncolumns, sizeof(*u->names));
		u->types = calloc(u->ncolumns, sizeof(*u->types));
		if (u->names == NULL || u->types == NULL)
			return report_fail(u->report, PSID_ERR_NOMEM, 0, NULL,
			    "out of memory");
		if ((rc = upload_names(&u->row, u->names, why,
		    sizeof(why))) != PSID_OK)
			return report_fail(u->report, rc, u->header_line, NULL,
			    "%s: line %" PRIu64 ": %s", u->path, u->header_line,
			    why);
	}
	return PSID_OK;
}

/* The next data row, checked: PSID_OK and *more, or an error. */
static int
next_row(struct upload_job *u, bool *more)
{
	uint64_t line;
	size_t i;
	int rc;

	*more = false;
	rc = csv_reader_next(u->rd, &u->row);
	line = csv_reader_line(u->rd);
	if (rc == 0)
		return PSID_OK;
	if (rc != CSV_ROW)
		return table_csv_error(u->report, u->path, line, rc);
	if (u->row.count != u->ncolumns)
		return report_fail(u->report, PSID_ERR_CSV, line, NULL,
		    "%s: line %" PRIu64 ": %zu field%s, but the header has %zu",
		    u->path, line, u->row.count, u->row.count == 1 ? "" : "s",
		    u->ncolumns);
	for (i = 0; i < u->row.count; i++)
		if (u->row.fields[i].len > PSID_MAX_CELL_LEN)
			return report_fail(u->report, PSID_ERR_CSV, line,
			    u->names[i], "%s: line %" PRIu64 ", column \"%s\": "
			    "a cell of %zu bytes (no C3R cell is longer than "
			    "%d)", u->path, line, u->names[i],
			    u->row.fields[i].len, PSID_MAX_CELL_LEN);
	u->rows++;
	*more = true;
	return PSID_OK;
}

static void
progress(struct upload_job *u, const char *pass)
{
	if (u->opts->progress != NULL && u->rows % PROGRESS_EVERY == 0)
		u->opts->progress(u->opts->progress_arg, pass, u->rows);
}

/* The column types: from the schema, or inferred in a pass of their own. */
static int
column_types(struct upload_job *u)
{
	struct upload_infer inf;
	struct schema *schema;
	char why[600];
	size_t bad;
	bool more;
	int rc;

	if (u->opts->schema_path != NULL) {
		if ((rc = schema_load(u->opts->schema_path, &schema, why,
		    sizeof(why))) != PSID_OK)
			return report_fail(u->report, rc, 0, NULL, "%s", why);
		rc = upload_schema_types(schema, u->names, u->ncolumns,
		    u->types, why, sizeof(why));
		schema_free(schema);
		if (rc != PSID_OK)
			return report_fail(u->report, rc, 0, NULL, "%s: %s",
			    u->opts->schema_path, why);
		return PSID_OK;
	}
	if (upload_infer_init(&inf, u->ncolumns) != PSID_OK)
		return report_fail(u->report, PSID_ERR_NOMEM, 0, NULL,
		    "out of memory");
	while ((rc = next_row(u, &more)) == PSID_OK && more) {
		upload_infer_row(&inf, &u->row);
		progress(u, "scan");
	}
	bad = upload_infer_types(&inf, u->types);
	upload_infer_free(&inf);
	if (rc != PSID_OK)
		return rc;
	if (bad < u->ncolumns)
		return report_fail(u->report, PSID_ERR_SCHEMA, 0, u->names[bad],
		    "%s: column \"%s\" has no non-empty cell, so its type "
		    "cannot be inferred: a schema is needed", u->path,
		    u->names[bad]);
	/* Back to the first data row for the real pass. */
	u->rows = 0;
	return open_file(u);
}

/* The line of data row `row`: from the map, else by reading again. */
static uint64_t
row_line(struct upload_job *u, uint64_t row)
{
	struct csv_reader *rd;
	struct csv_row r = { 0 };
	uint64_t line, i;

	if (row == 0)
		return 0;
	if ((line = upload_lines_find(&u->lines, row)) != 0)
		return line;
	if (csv_reader_open(u->path, &rd) != PSID_OK)
		return 0;
	line = 0;
	for (i = 0; i <= row; i++)
		if (csv_reader_next(rd, &r) != CSV_ROW)
			break;
	if (i > row)
		line = csv_reader_line(rd);
	csv_reader_free(rd);
	csv_row_release(&r);
	return line;
}

/* ------------------------------------------------------------ requests */

static void note_refusal(struct upload_job *, int);
static int report_refusal(struct upload_job *);

static int
send_begin(struct upload_job *u, const char *collab_id, const char *table)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__UploadBegin b = PSID__UPLOAD_BEGIN__INIT;
	struct rule_wire rule;
	Psid__Column *cols, **cp;
	Psid__Response *r;
	size_t i;
	int rc;

	memset(&rule, 0, sizeof(rule));
	cols = calloc(u->ncolumns, sizeof(*cols));
	cp = calloc(u->ncolumns, sizeof(*cp));
	if (cols == NULL || cp == NULL ||
	    rule_wire_encode(&u->opts->rule, &rule) != PSID_OK) {
		free(cols);
		free(cp);
		rule_wire_free(&rule);
		return report_fail(u->report, PSID_ERR_NOMEM, 0, NULL,
		    "out of memory");
	}
	for (i = 0; i < u->ncolumns; i++) {
		psid__column__init(&cols[i]);
		cols[i].name = u->names[i];
		cols[i].type = u->types[i] == PSID_COLUMN_SEALED ?
		    PSID__COLUMN_TYPE__COLUMN_SEALED : u->types[i] ==
		    PSID_COLUMN_FINGERPRINT ?
		    PSID__COLUMN_TYPE__COLUMN_FINGERPRINT :
		    PSID__COLUMN_TYPE__COLUMN_CLEARTEXT;
		cp[i] = &cols[i];
	}
	b.collaboration_id = (char *)collab_id;
	b.table = (char *)table;
	b.n_columns = u->ncolumns;
	b.columns = cp;
	b.rule = &rule.rule;
	b.replace = u->opts->replace;
	req.body_case = PSID__REQUEST__BODY_UPLOAD_BEGIN;
	req.upload_begin = &b;
	rc = net_call(u->conn, &req, &r);
	free(cols);
	free(cp);
	rule_wire_free(&rule);
	if (rc == PSID_OK) {
		psid__response__free_unpacked(r, NULL);
		return PSID_OK;
	}
	if (net_usable(u->conn) != PSID_OK)
		return upload_conn_fail(u, rc);
	/* psid refused the table as described (a cleartext column...). */
	note_refusal(u, rc);
	return report_refusal(u);
}

/* Keep psid's first refusal. */
static void
note_refusal(struct upload_job *u, int code)
{
	if (u->refused != PSID_OK)
		return;
	u->refused = code;
	snprintf(u->message, sizeof(u->message), "%s", u->conn->error);
	u->refused_row = u->conn->error_row;
	snprintf(u->refused_column, sizeof(u->refused_column), "%s",
	    u->conn->error_column);
}

/*
 * A reply that is not to request `expect`: it may only be psid refusing
 * one of our chunks. Frees r.
 */
static int
chunk_reply(struct upload_job *u, Psid__Response *r)
{
	int code = net_reply_code(u->conn, r);
	uint64_t id = r->id;

	psid__response__free_unpacked(r, NULL);
	if (u->first_chunk == 0 || id < u->first_chunk ||
	    id > u->last_chunk || code == PSID_OK)
		return upload_conn_fail(u, net_fail(u->conn, PSID_ERR_PROTOCOL,
		    "%s: psid answered request %" PRIu64 " out of turn",
		    u->conn->peer, id));
	note_refusal(u, code);
	return PSID_OK;
}

/* Send the chunk, then look for an early refusal without waiting. */
static int
send_chunk(struct upload_job *u)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__UploadChunk c = PSID__UPLOAD_CHUNK__INIT;
	Psid__Response *r;
	uint64_t id;
	int rc;

	if (u->chunk.rows == 0)
		return PSID_OK;
	c.rows = u->chunk.rows;
	c.cells.data = u->chunk.data;
	c.cells.len = u->chunk.len;
	req.body_case = PSID__REQUEST__BODY_UPLOAD_CHUNK;
	req.upload_chunk = &c;
	if ((rc = net_send(u->conn, &req, &id)) != PSID_OK)
		return upload_conn_fail(u, rc);
	if (u->first_chunk == 0)
		u->first_chunk = id;
	u->last_chunk = id;
	u->sent += u->chunk.rows;
	upload_chunk_clear(&u->chunk);
	if ((rc = net_recv(u->conn, false, &r)) != PSID_OK)
		return upload_conn_fail(u, rc);
	return r != NULL ? chunk_reply(u, r) : PSID_OK;
}

/*
 * Send UploadCommit or UploadAbort and read replies until its own:
 * refusals of chunks on the way are kept. Returns the closing reply's
 * code (with *table set on a commit's success; freed by the caller).
 */
static int
close_upload(struct upload_job *u, bool commit, Psid__Response **table)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__UploadCommit c = PSID__UPLOAD_COMMIT__INIT;
	Psid__UploadAbort a = PSID__UPLOAD_ABORT__INIT;
	Psid__Response *r;
	uint64_t id;
	int rc;

	*table = NULL;
	if (commit) {
		c.rows = u->sent;
		req.body_case = PSID__REQUEST__BODY_UPLOAD_COMMIT;
		req.upload_commit = &c;
	} else {
		req.body_case = PSID__REQUEST__BODY_UPLOAD_ABORT;
		req.upload_abort = &a;
	}
	if ((rc = net_send(u->conn, &req, &id)) != PSID_OK)
		return upload_conn_fail(u, rc);
	for (;;) {
		if ((rc = net_recv(u->conn, true, &r)) != PSID_OK)
			return upload_conn_fail(u, rc);
		if (r->id != id) {
			if ((rc = chunk_reply(u, r)) != PSID_OK)
				return rc;
			continue;
		}
		rc = net_reply_code(u->conn, r);
		if (rc != PSID_OK) {
			psid__response__free_unpacked(r, NULL);
			note_refusal(u, rc);
			return rc;
		}
		if (!commit) {
			psid__response__free_unpacked(r, NULL);
			return PSID_OK;
		}
		if ((rc = net_expect_body(u->conn, r,
		    PSID__RESPONSE__BODY_TABLE, "the table")) != PSID_OK)
			return upload_conn_fail(u, rc);
		*table = r;
		return PSID_OK;
	}
}

/* Report psid's refusal: its message, and the line and column it names. */
static int
report_refusal(struct upload_job *u)
{
	uint64_t line = row_line(u, u->refused_row);

	return report_fail(u->report, u->refused, line, u->refused_column,
	    "%s", u->message);
}

/* Stream the rows; then commit, or abort after a local error. */
static int
stream(struct upload_job *u)
{
	Psid__Response *r;
	size_t bad;
	bool more;
	int rc, local = PSID_OK;

	upload_lines_init(&u->lines, u->header_line, LINE_POINTS_MAX);
	while (u->refused == PSID_OK) {
		if ((local = next_row(u, &more)) != PSID_OK || !more)
			break;
		upload_lines_add(&u->lines, u->rows, csv_reader_line(u->rd));
		while ((rc = upload_chunk_add(&u->chunk, &u->row, &bad)) ==
		    UPLOAD_SEND_FIRST)
			if ((rc = send_chunk(u)) != PSID_OK)
				return rc;
		if (rc == PSID_ERR_LIMIT)
			local = report_fail(u->report, rc, csv_reader_line(u->rd),
			    NULL, "%s: line %" PRIu64 ": the row is too large "
			    "for one frame (%u bytes)", u->path,
			    csv_reader_line(u->rd), FRAME_MAX_DEFAULT);
		else if (rc != PSID_OK)
			local = report_fail(u->report, PSID_ERR_NOMEM, 0, NULL,
			    "out of memory");
		if (local != PSID_OK)
			break;
		if (upload_chunk_full(&u->chunk) &&
		    (rc = send_chunk(u)) != PSID_OK)
			return rc;
		progress(u, "upload");
	}
	if (local != PSID_OK) {
		/* Close the upload; the local error is the one to tell. */
		struct psid_report keep = *u->report;

		(void)close_upload(u, false, &r);
		*u->report = keep;
		return local;
	}
	if (u->refused == PSID_OK && (rc = send_chunk(u)) != PSID_OK)
		return rc;
	rc = close_upload(u, true, &r);
	if (u->refused != PSID_OK)
		return report_refusal(u);
	if (rc != PSID_OK)
		return rc;
	psid__response__free_unpacked(r, NULL);
	u->report->rows = u->sent;
	return PSID_OK;
}

/* A table name as psid takes it: a normalised, valid C3R header. */
static bool
is_name(const char *s)
{
	upload_name norm;
	size_t len = s != NULL ? strlen(s) : 0;
	long n;

	if (len == 0 || len > HEADER_MAX_LEN)
		return false;
	n = header_normalize(s, len, norm);
	return n == (long)len && strcmp(norm, s) == 0 &&
	    header_is_valid(norm, len);
}

int
psid_upload_csv(struct psid_conn *conn, const char *collab_id,
    const char *table, const char *input_path,
    const struct psid_upload_options *options, struct psid_report *report)
{
	static const struct psid_upload_options defaults;
	struct psid_report dummy;
	struct upload_job u;
	int rc;

	if (report == NULL)
		report = &dummy;
	report_reset(report);
	if (conn == NULL || input_path == NULL)
		return report_fail(report, PSID_ERR_INVALID, 0, NULL,
		    "no connection or no input file");
	if ((rc = net_usable(conn)) != PSID_OK)
		return report_fail(report, rc, 0, NULL, "%s", conn->error);
	if (!net_is_uuid(collab_id))
		return report_fail(report, net_fail(conn,
		    PSID_ERR_COLLABORATION_ID, "collaboration ID \"%s\" is not "
		    "a UUID", collab_id != NULL ? collab_id : ""), 0, NULL,
		    "%s", conn->error);
	conn->error[0] = '\0';
	if (!is_name(table))
		return report_fail(report, net_fail(conn, PSID_ERR_INVALID,
		    "table name \"%s\" is not a normalised C3R header",
		    table != NULL ? table : ""), 0, NULL, "%s", conn->error);
	memset(&u, 0, sizeof(u));
	u.conn = conn;
	u.path = input_path;
	u.opts = options != NULL ? options : &defaults;
	u.report = report;
	if ((rc = open_file(&u)) == PSID_OK &&
	    (rc = column_types(&u)) == PSID_OK &&
	    (rc = send_begin(&u, collab_id, table)) == PSID_OK)
		rc = stream(&u);
	if (rc != PSID_OK)
		snprintf(conn->error, sizeof(conn->error), "%s",
		    report->message);
	if (u.opts->progress != NULL && rc == PSID_OK)
		u.opts->progress(u.opts->progress_arg, "upload", u.rows);
	csv_reader_free(u.rd);
	csv_row_release(&u.row);
	free(u.names);
	free(u.types);
	upload_chunk_free(&u.chunk);
	upload_lines_free(&u.lines);
	return rc;
}
