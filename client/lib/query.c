/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query.c: psid_query, an aggregate query in psid's SQL subset, and its
 * result in memory (<psid/remote.h>).
 *
 * psid answers a Query with one or more QueryRows replies (rows in ~1
 * MiB parts), the last with done set: the first names the columns and
 * their kinds, the last says how many groups met the thresholds and how
 * many were left out. Each part is checked whole before anything of it is
 * kept (its cells exactly rows x columns, numbers in their plain forms,
 * no NUL in a value, the result within its limits), then its text copied
 * into one block of its own, which the part's cell pointers point into:
 * one allocation a part, and the pointer array grown by doubling. The
 * blocks hang off a struct result_owned, whose first member is the
 * struct psid_result the caller sees, so psid_result_free finds them.
 * After a local error (memory, the limits) the rest of psid's reply is
 * read and dropped, so the connection stays in step.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PSID_TEST_HOOKS		/* query_limits_set, defined here */
#include "net.h"
#include "query.h"

static uint32_t max_rows = PSID_RESULT_MAX_ROWS;
static size_t max_bytes = PSID_RESULT_MAX_BYTES;

void
query_limits_set(uint32_t rows, size_t bytes)
{
	max_rows = rows != 0 ? rows : PSID_RESULT_MAX_ROWS;
	max_bytes = bytes != 0 ? bytes : PSID_RESULT_MAX_BYTES;
}

/* A result as psid_query makes it. */
struct result_owned {
	struct psid_result r;	/* first: what the caller is given */
	char **blocks;		/* the text of each part, cells point in */
	size_t nblocks;
	size_t cap;		/* cells allocated */
};

/* What the replies have told so far. */
struct query_state {
	struct psid_conn *conn;
	struct result_owned *res;
	size_t bytes;		/* held, toward max_bytes */
};

void
psid_result_free(struct psid_result *r)
{
	struct result_owned *o = (struct result_owned *)r;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncolumns; i++)
		free(r->columns[i].name);
	free(r->columns);
	free(r->cells);
	for (i = 0; i < o->nblocks; i++)
		free(o->blocks[i]);
	free(o->blocks);
	free(o);
}

static enum psid_value_kind
value_kind(Psid__ValueKind kind)
{
	switch (kind) {
	case PSID__VALUE_KIND__VALUE_INTEGER:
		return PSID_VALUE_INTEGER;
	case PSID__VALUE_KIND__VALUE_DECIMAL:
		return PSID_VALUE_DECIMAL;
	case PSID__VALUE_KIND__VALUE_TEXT:
	default:		/* a kind of a newer psid: its text */
		return PSID_VALUE_TEXT;
	}
}

/* Whether v[0..n) is [+-]digits, or with decimal [+-]digits[.digits]. */
static bool
is_number(const uint8_t *v, size_t n, bool decimal)
{
	size_t i = 0, start;

	if (i < n && (v[i] == '-' || v[i] == '+'))
		i++;
	for (start = i; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	if (i == start)
		return false;
	if (i == n)
		return true;
	if (!decimal || v[i] != '.')
		return false;
	for (start = ++i; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	return i > start && i == n;
}

/* A limit in words: "1 GiB", "64 MiB", "100 bytes". */
static const char *
size_text(size_t n, char *buf, size_t size)
{
	if (n >= ((size_t)1 << 30) && n % ((size_t)1 << 30) == 0)
		snprintf(buf, size, "%zu GiB", n >> 30);
	else if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
		snprintf(buf, size, "%zu MiB", n >> 20);
	else
		snprintf(buf, size, "%zu bytes", n);
	return buf;
}

/* The first part's columns, copied. */
static int
take_columns(struct query_state *s, const Psid__QueryRows *q)
{
	struct psid_result *r = &s->res->r;
	size_t i;

	if (q->n_columns == 0)
		return net_fail(s->conn, PSID_ERR_PROTOCOL, "%s: psid's "
		    "result names no columns", s->conn->peer);
	if ((r->columns = calloc(q->n_columns, sizeof(*r->columns))) == NULL)
		return net_fail(s->conn, PSID_ERR_NOMEM, "out of memory");
	r->ncolumns = q->n_columns;
	s->bytes += q->n_columns * sizeof(*r->columns);
	for (i = 0; i < q->n_columns; i++) {
		if ((r->columns[i].name = strdup(q->columns[i]->name)) == NULL)
			return net_fail(s->conn, PSID_ERR_NOMEM, "out of "
			    "memory");
		r->columns[i].kind = value_kind(q->columns[i]->kind);
		s->bytes += strlen(r->columns[i].name) + 1;
	}
	return PSID_OK;
}

/* A part's cells are not what it says: a protocol error. */
static int
bad_cells(struct query_state *s, const Psid__QueryRows *q)
{
	return net_fail(s->conn, PSID_ERR_PROTOCOL, "%s: psid's result "
	    "part does not hold %" PRIu32 " rows of %zu cells", s->conn->peer,
	    q->rows, s->res->r.ncolumns);
}

/*
 * Check a part's cells: exactly rows x columns, each value with no NUL
 * and, in a column of numbers, a number. *text: the bytes their text
 * takes with a NUL each.
 */
static int
cells_check(struct query_state *s, const Psid__QueryRows *q, size_t *text)
{
	const struct psid_result *r = &s->res->r;
	struct cells_reader rd;
	const uint8_t *cell;
	enum psid_value_kind kind;
	uint64_t i, n = (uint64_t)q->rows * r->ncolumns;
	uint32_t len;

	*text = 0;
	frame_cells_reader_init(&rd, q->cells.data, q->cells.len);
	for (i = 0; i < n; i++) {
		if (frame_cells_next(&rd, &cell, &len) != 1)
			return bad_cells(s, q);
		if (cell == NULL)
			continue;
		kind = r->columns[i % r->ncolumns].kind;
		if (memchr(cell, '\0', len) != NULL ||
		    (kind != PSID_VALUE_TEXT && !is_number(cell, len,
		    kind == PSID_VALUE_DECIMAL)))
			return net_fail(s->conn, PSID_ERR_PROTOCOL, "%s: "
			    "psid's value in row %zu of column \"%s\" is not "
			    "%s", s->conn->peer, r->nrows +
			    (size_t)(i / r->ncolumns) + 1,
			    r->columns[i % r->ncolumns].name,
			    kind == PSID_VALUE_INTEGER ? "an integer" :
			    kind == PSID_VALUE_DECIMAL ? "a decimal number" :
			    "text (it holds a NUL)");
		*text += (size_t)len + 1;
	}
	if (frame_cells_next(&rd, &cell, &len) != 0)
		return bad_cells(s, q);
	return PSID_OK;
}

/* Room for n more cell pointers, doubling (within the bytes limit). */
static int
cells_reserve(struct query_state *s, size_t n)
{
	struct result_owned *o = s->res;
	size_t need = o->r.nrows * o->r.ncolumns + n, cap;
	char **p;

	if (need <= o->cap)
		return PSID_OK;
	cap = o->cap * 2 < max_bytes / sizeof(char *) ? o->cap * 2 :
	    max_bytes / sizeof(char *);
	if (cap < need)
		cap = need;
	if ((p = realloc(o->r.cells, cap * sizeof(*p))) == NULL)
		return net_fail(s->conn, PSID_ERR_NOMEM, "out of memory");
	o->r.cells = p;
	o->cap = cap;
	return PSID_OK;
}

/* Keep a checked part: its text in a block of its own, its cells. */
static int
cells_copy(struct query_state *s, const Psid__QueryRows *q, size_t text)
{
	struct result_owned *o = s->res;
	struct psid_result *r = &o->r;
	size_t i, n = (size_t)q->rows * r->ncolumns;
	char **cells, *p = NULL, **blocks;
	struct cells_reader rd;
	const uint8_t *cell;
	uint32_t len;
	int rc;

	if (n == 0)
		return PSID_OK;
	if ((rc = cells_reserve(s, n)) != PSID_OK)
		return rc;
	if (text > 0) {
		blocks = realloc(o->blocks, (o->nblocks + 1) * sizeof(*blocks));
		if (blocks != NULL)
			o->blocks = blocks;
		if (blocks == NULL || (p = malloc(text)) == NULL)
			return net_fail(s->conn, PSID_ERR_NOMEM, "out of "
			    "memory");
		o->blocks[o->nblocks++] = p;
	}
	cells = r->cells + r->nrows * r->ncolumns;
	frame_cells_reader_init(&rd, q->cells.data, q->cells.len);
	for (i = 0; i < n; i++) {
		(void)frame_cells_next(&rd, &cell, &len);	/* checked */
		if (cell == NULL) {
			cells[i] = NULL;
			continue;
		}
		memcpy(p, cell, len);
		p[len] = '\0';
		cells[i] = p;
		p += len + 1;
	}
	r->nrows += q->rows;
	s->bytes += text + n * sizeof(char *);
	return PSID_OK;
}

/* One QueryRows part: checked, then kept. */
static int
query_part(struct query_state *s, const Psid__QueryRows *q)
{
	struct psid_result *r = &s->res->r;
	char limit[32];
	size_t text;
	int rc;

	if (r->ncolumns == 0) {
		if ((rc = take_columns(s, q)) != PSID_OK)
			return rc;
	} else if (q->n_columns != 0)
		return net_fail(s->conn, PSID_ERR_PROTOCOL, "%s: psid named "
		    "the result's columns twice", s->conn->peer);
	if (q->rows > max_rows - r->nrows)
		return net_fail(s->conn, PSID_ERR_LIMIT, "the result has "
		    "more than %" PRIu32 " rows, the most libpsid takes "
		    "(narrow the query, or add a LIMIT)", max_rows);
	if ((rc = cells_check(s, q, &text)) != PSID_OK)
		return rc;
	if (s->bytes > max_bytes || text > max_bytes - s->bytes ||
	    (uint64_t)q->rows * r->ncolumns > (max_bytes - s->bytes - text) /
	    sizeof(char *))
		return net_fail(s->conn, PSID_ERR_LIMIT, "the result is over "
		    "%s, the most libpsid takes (narrow the query, or add a "
		    "LIMIT)", size_text(max_bytes, limit, sizeof(limit)));
	return cells_copy(s, q, text);
}

/* Send the Query and keep its replies. */
static int
query_run(struct query_state *s, const char *collab_id, const char *sql)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__Query q = PSID__QUERY__INIT;
	Psid__Response *r;
	uint64_t id;
	bool done;
	int rc, local = PSID_OK;

	q.collaboration_id = (char *)collab_id;
	q.sql = (char *)sql;
	req.body_case = PSID__REQUEST__BODY_QUERY;
	req.query = &q;
	if ((rc = net_send(s->conn, &req, &id)) != PSID_OK)
		return rc;
	/* After a local error, read on to psid's last reply, keeping none. */
	do {
		if ((rc = net_expect(s->conn, id, &r)) != PSID_OK)
			return rc;
		done = r->done;
		if (r->body_case != PSID__RESPONSE__BODY_QUERY_ROWS)
			local = net_fail(s->conn, PSID_ERR_PROTOCOL, "%s: "
			    "psid's reply lacks the query's rows",
			    s->conn->peer);
		else if (local == PSID_OK &&
		    (local = query_part(s, r->query_rows)) == PSID_OK &&
		    done) {
			s->res->r.groups = r->query_rows->groups;
			s->res->r.groups_suppressed =
			    r->query_rows->groups_suppressed;
		}
		psid__response__free_unpacked(r, NULL);
		if (local == PSID_ERR_PROTOCOL)
			return local;
	} while (!done);
	return local;
}

int
psid_query(struct psid_conn *conn, const char *collab_id, const char *sql,
    size_t sql_len, struct psid_result **out)
{
	struct query_state s;
	char *text;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (conn == NULL)
		return PSID_ERR_INVALID;
	if ((rc = net_usable(conn)) != PSID_OK)
		return rc;
	conn->error[0] = '\0';
	if (!net_is_uuid(collab_id))
		return net_fail(conn, PSID_ERR_COLLABORATION_ID,
		    "collaboration ID \"%s\" is not a UUID",
		    collab_id != NULL ? collab_id : "");
	if (sql == NULL || out == NULL)
		return net_fail(conn, PSID_ERR_INVALID, "a query needs its "
		    "SQL text and a place for its result");
	if (memchr(sql, '\0', sql_len) != NULL)
		return net_fail(conn, PSID_ERR_INVALID, "the SQL text holds a "
		    "NUL byte");
	memset(&s, 0, sizeof(s));
	s.conn = conn;
	if (sql_len == SIZE_MAX || (text = malloc(sql_len + 1)) == NULL)
		return net_fail(conn, PSID_ERR_NOMEM, "out of memory");
	memcpy(text, sql, sql_len);
	text[sql_len] = '\0';
	if ((s.res = calloc(1, sizeof(*s.res))) == NULL) {
		free(text);
		return net_fail(conn, PSID_ERR_NOMEM, "out of memory");
	}
	rc = query_run(&s, collab_id, text);
	free(text);
	if (rc != PSID_OK) {
		psid_result_free(&s.res->r);
		return rc;
	}
	*out = &s.res->r;
	return PSID_OK;
}
