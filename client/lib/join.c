/* SPDX-License-Identifier: Apache-2.0 */
/*
 * join.c: psid_join, an inner join computed by psid and written as a
 * C3R-encrypted CSV file (see join.h for the parts without a server).
 *
 * psid answers a Join with one or more JoinRows replies, the last with
 * done set; the first names the columns (the left ones, then the right
 * ones). Each reply's rows are written to the output as they come, so
 * memory holds one reply at most; the file appears, atomically, only
 * after the last (fileout.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fileout.h"
#include "join.h"
#include "net.h"
#include "report.h"

/* Whether name is one of columns[0..n). */
static bool
has_name(char *const *columns, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(columns[i], name) == 0)
			return true;
	return false;
}

/* Append one header field: the name, "<table>_" first when it clashes. */
static int
header_field(struct outbuf *out, const char *table, const char *name,
    bool clash)
{
	size_t tlen = strlen(table), nlen = strlen(name);
	char *both;
	int rc;

	if (!clash)
		return csv_write_field(out, name, nlen, NULL);
	if ((both = malloc(tlen + 1 + nlen + 1)) == NULL)
		return -1;
	memcpy(both, table, tlen);
	both[tlen] = '_';
	memcpy(both + tlen + 1, name, nlen + 1);
	rc = csv_write_field(out, both, tlen + 1 + nlen, NULL);
	free(both);
	return rc;
}

int
join_write_header(struct outbuf *out, const char *left_table,
    const char *right_table, char *const *columns, size_t ncolumns,
    size_t nleft)
{
	char *const *right = columns + nleft;
	size_t i, nright = ncolumns - nleft;
	bool clash;

	for (i = 0; i < ncolumns; i++) {
		if (i < nleft)
			clash = has_name(right, nright, columns[i]);
		else
			clash = has_name(columns, nleft, columns[i]);
		if ((i > 0 && outbuf_putc(out, ',') != 0) ||
		    header_field(out, i < nleft ? left_table : right_table,
		    columns[i], clash) != 0)
			return -1;
	}
	return outbuf_putc(out, '\n');
}

int
join_write_rows(struct outbuf *out, const uint8_t *cells, size_t len,
    uint64_t rows, size_t ncolumns)
{
	struct cells_reader r;
	const uint8_t *cell;
	uint64_t row;
	uint32_t n;
	size_t i;

	if (ncolumns == 0)
		return rows == 0 && len == 0 ? PSID_OK : PSID_ERR_PROTOCOL;
	frame_cells_reader_init(&r, cells, len);
	for (row = 0; row < rows; row++) {
		for (i = 0; i < ncolumns; i++) {
			if (frame_cells_next(&r, &cell, &n) != 1)
				return PSID_ERR_PROTOCOL;
			if ((i > 0 && outbuf_putc(out, ',') != 0) ||
			    csv_write_field(out, (const char *)cell, n,
			    NULL) != 0)
				return PSID_ERR_NOMEM;
		}
		if (outbuf_putc(out, '\n') != 0)
			return PSID_ERR_NOMEM;
	}
	return frame_cells_next(&r, &cell, &n) == 0 ? PSID_OK : PSID_ERR_PROTOCOL;
}

/* What the replies have told so far. */
struct join_state {
	const struct psid_join_request *req;
	struct psid_conn *conn;
	struct fileout *file;
	struct outbuf buf;
	size_t ncolumns;	/* 0 until the columns are known */
	uint64_t rows;
};

/* Write one JoinRows reply. */
static int
join_reply(struct join_state *s, const Psid__JoinRows *jr)
{
	struct psid_conn *conn = s->conn;
	size_t want = s->req->nleft + s->req->nright;
	int rc;

	if (s->ncolumns == 0) {
		if (jr->n_columns != want)
			return net_fail(conn, PSID_ERR_PROTOCOL, "%s: psid's "
			    "join has %zu columns, %zu were asked for",
			    conn->peer, jr->n_columns, want);
		if (join_write_header(&s->buf, s->req->left.table,
		    s->req->right.table, jr->columns, jr->n_columns,
		    s->req->nleft) != 0)
			return net_fail(conn, PSID_ERR_NOMEM, "out of memory");
		s->ncolumns = jr->n_columns;
	} else if (jr->n_columns != 0)
		return net_fail(conn, PSID_ERR_PROTOCOL, "%s: psid named the "
		    "join's columns twice", conn->peer);
	rc = join_write_rows(&s->buf, jr->cells.data, jr->cells.len, jr->rows,
	    s->ncolumns);
	if (rc == PSID_ERR_PROTOCOL)
		return net_fail(conn, rc, "%s: psid's join rows do not hold "
		    "%u rows of %zu cells", conn->peer, jr->rows, s->ncolumns);
	if (rc != PSID_OK)
		return net_fail(conn, rc, "out of memory");
	s->rows += jr->rows;
	if (outbuf_flush(&s->buf, s->file->fd) != 0)
		return net_fail(conn, PSID_ERR_IO, "%s: %s", s->file->path,
		    strerror(errno));
	return PSID_OK;
}

/* Send the Join and write its replies. */
static int
join_run(struct join_state *s, const char *collab_id)
{
	const struct psid_join_request *q = s->req;
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__Join j = PSID__JOIN__INIT;
	Psid__ColumnRef left = PSID__COLUMN_REF__INIT;
	Psid__ColumnRef right = PSID__COLUMN_REF__INIT;
	Psid__Response *r;
	uint64_t id;
	bool done;
	int rc, local = PSID_OK;

	left.table = (char *)q->left.table;
	left.column = (char *)q->left.column;
	right.table = (char *)q->right.table;
	right.column = (char *)q->right.column;
	j.collaboration_id = (char *)collab_id;
	j.left = &left;
	j.right = &right;
	j.n_left_columns = q->nleft;
	j.left_columns = (char **)q->left_columns;
	j.n_right_columns = q->nright;
	j.right_columns = (char **)q->right_columns;
	req.body_case = PSID__REQUEST__BODY_JOIN;
	req.join = &j;
	if ((rc = net_send(s->conn, &req, &id)) != PSID_OK)
		return rc;
	/* After a local error, read on to psid's last reply, writing nothing. */
	do {
		if ((rc = net_expect(s->conn, id, &r)) != PSID_OK)
			return rc;
		done = r->done;
		if (r->body_case == PSID__RESPONSE__BODY_JOIN_ROWS) {
			if (local == PSID_OK)
				local = join_reply(s, r->join_rows);
		} else if (!done)
			local = net_fail(s->conn, PSID_ERR_PROTOCOL, "%s: "
			    "psid's reply lacks the join's rows",
			    s->conn->peer);
		psid__response__free_unpacked(r, NULL);
		if (local == PSID_ERR_PROTOCOL)
			return local;
	} while (!done);
	if (local != PSID_OK)
		return local;
	if (s->ncolumns == 0)
		return net_fail(s->conn, PSID_ERR_PROTOCOL, "%s: psid's join "
		    "named no columns", s->conn->peer);
	return PSID_OK;
}

int
psid_join(struct psid_conn *conn, const char *collab_id,
    const struct psid_join_request *request, const char *output_path,
    bool overwrite, struct psid_report *report)
{
	struct fileout file;
	struct psid_report dummy;
	struct join_state s;
	int rc;

	if (report == NULL)
		report = &dummy;
	report_reset(report);
	if (conn == NULL || request == NULL || output_path == NULL ||
	    request->left.table == NULL || request->right.table == NULL ||
	    (request->nleft > 0 && request->left_columns == NULL) ||
	    (request->nright > 0 && request->right_columns == NULL))
		return report_fail(report, PSID_ERR_INVALID, 0, NULL,
		    "a join needs a connection, both sides and an output");
	if ((rc = net_usable(conn)) != PSID_OK)
		return report_fail(report, rc, 0, NULL, "%s", conn->error);
	conn->error[0] = '\0';
	if (!net_is_uuid(collab_id))
		return report_fail(report, net_fail(conn,
		    PSID_ERR_COLLABORATION_ID, "collaboration ID \"%s\" is not "
		    "a UUID", collab_id != NULL ? collab_id : ""), 0, NULL,
		    "%s", conn->error);
	if ((rc = fileout_open(&file, output_path, overwrite)) != PSID_OK) {
		report_fail(report, rc, 0, NULL, "%s: %s", output_path,
		    rc == PSID_ERR_EXISTS ? "exists (and overwrite is off)" :
		    rc == PSID_ERR_NOMEM ? "out of memory" : strerror(errno));
		net_fail(conn, rc, "%s", report->message);
		return rc;
	}
	memset(&s, 0, sizeof(s));
	s.req = request;
	s.conn = conn;
	s.file = &file;
	if ((rc = join_run(&s, collab_id)) == PSID_OK &&
	    (rc = fileout_commit(&file)) != PSID_OK)
		net_fail(conn, rc, "%s: %s", output_path, rc == PSID_ERR_EXISTS ?
		    "appeared meanwhile (and overwrite is off)" :
		    strerror(errno));
	fileout_abort(&file);
	outbuf_release(&s.buf);
	if (rc != PSID_OK)
		return report_fail(report, rc, 0, NULL, "%s", conn->error);
	report->rows = s.rows;
	return PSID_OK;
}
