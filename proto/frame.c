/* SPDX-License-Identifier: Apache-2.0 */
/*
 * frame.c: the wire codec shared by psid and its clients (see frame.h).
 */
#include "config.h"

#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "header.h"

/* Bounds of what a message may hold. */
#define MAX_IDENTITY 256
#define MAX_NAME 256
#define MAX_MEMBERS 1000
#define MAX_COLUMNS 1600
#define MAX_SETS 16
#define MAX_CELL 16383
#define MAX_MIN_ROWS 1000000000u

const char *
frame_strerror(int result)
{
	switch (result) {
	case FRAME_OK:
		return "ok";
	case FRAME_NEED_MORE:
		return "incomplete frame";
	case FRAME_TOO_LARGE:
		return "frame larger than the maximum";
	case FRAME_MALFORMED:
		return "malformed message";
	case FRAME_NOMEM:
		return "out of memory";
	}
	return "unknown frame error";
}

int
frame_peek(const uint8_t *buf, size_t len, size_t max, size_t *payload_len)
{
	uint32_t n;

	if (max > FRAME_MAX_LIMIT)
		max = FRAME_MAX_LIMIT;
	if (len < FRAME_HEADER_LEN)
		return FRAME_NEED_MORE;
	n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	    (uint32_t)buf[2] << 8 | buf[3];
	*payload_len = n;
	if (n > max)
		return FRAME_TOO_LARGE;
	return len - FRAME_HEADER_LEN >= n ? FRAME_OK : FRAME_NEED_MORE;
}

void
frame_put_header(uint8_t out[FRAME_HEADER_LEN], uint32_t n)
{
	out[0] = (uint8_t)(n >> 24);
	out[1] = (uint8_t)(n >> 16);
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
}

/* ---------------------------------------------------------- packed cells */

void
frame_cells_reader_init(struct cells_reader *r, const uint8_t *data, size_t len)
{
	r->p = data;
	r->end = data + len;
}

int
frame_cells_next(struct cells_reader *r, const uint8_t **cell, uint32_t *len)
{
	uint32_t n;

	if (r->p == r->end)
		return 0;
	if (r->end - r->p < 4)
		return -1;
	n = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	if (n == FRAME_CELL_NULL) {
		*cell = NULL;
		*len = 0;
		return 1;
	}
	if ((size_t)(r->end - r->p) < n)
		return -1;
	*cell = r->p;
	*len = n;
	r->p += n;
	return 1;
}

bool
frame_cells_well_formed(const uint8_t *data, size_t len, uint64_t rows,
    size_t columns, uint32_t max_cell)
{
	struct cells_reader r;
	const uint8_t *cell;
	uint64_t count = 0;
	uint32_t n;
	int rc;

	frame_cells_reader_init(&r, data, len);
	while ((rc = frame_cells_next(&r, &cell, &n)) == 1) {
		if (n > max_cell)
			return false;
		count++;
	}
	if (rc < 0)
		return false;
	if (columns == 0)
		return rows == 0 ? count == 0 : true;
	return count == rows * columns;
}

size_t
frame_cells_put(uint8_t *out, const void *value, uint32_t len)
{
	if (value == NULL)
		len = FRAME_CELL_NULL;
	frame_put_header(out, len);
	if (value == NULL)
		return 4;
	memcpy(out + 4, value, len);
	return 4 + (size_t)len;
}

/* ---------------------------------------------------------------- checks */

static bool __attribute__((format(printf, 3, 4)))
fail(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	return false;
}

#define FAIL(...) fail(err, err_size, __VA_ARGS__)

static bool
is_uuid(const char *s)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	size_t i;

	if (s == NULL || strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (strchr(hex, s[i]) == NULL || s[i] == '\0')
			return false;
	}
	return true;
}

/* A name that must be a valid, already normalised C3R header. */
static bool
is_header(const char *s)
{
	char norm[HEADER_MAX_LEN + 1];
	size_t len = s != NULL ? strlen(s) : 0;
	long n;

	if (len == 0 || len > HEADER_MAX_LEN)
		return false;
	n = header_normalize(s, len, norm);
	return n == (long)len && strcmp(norm, s) == 0 &&
	    header_is_valid(norm, (size_t)n);
}

static bool
check_text(const char *s, size_t max, const char *what, char *err,
    size_t err_size)
{
	if (s == NULL || *s == '\0')
		return FAIL("%s is empty", what);
	if (strlen(s) > max)
		return FAIL("%s is longer than %zu bytes", what, max);
	return true;
}

static bool
check_collaboration_id(const char *id, char *err, size_t err_size)
{
	return is_uuid(id) ? true : FAIL("collaboration_id is not a UUID");
}

static bool
check_columns(Psid__Column **cols, size_t n, char *err, size_t err_size)
{
	size_t i, j;

	if (n == 0 || n > MAX_COLUMNS)
		return FAIL("a table has 1 to %d columns, not %zu", MAX_COLUMNS,
		    n);
	for (i = 0; i < n; i++) {
		if (!is_header(cols[i]->name))
			return FAIL("column %zu: name is not a normalised C3R "
			    "header", i + 1);
		if (cols[i]->type != PSID__COLUMN_TYPE__COLUMN_CLEARTEXT &&
		    cols[i]->type != PSID__COLUMN_TYPE__COLUMN_SEALED &&
		    cols[i]->type != PSID__COLUMN_TYPE__COLUMN_FINGERPRINT)
			return FAIL("column %zu: unknown type", i + 1);
		for (j = 0; j < i; j++)
			if (strcmp(cols[i]->name, cols[j]->name) == 0)
				return FAIL("column \"%s\" appears twice",
				    cols[i]->name);
	}
	return true;
}

static bool
check_names(char **names, size_t n, const char *what, char *err,
    size_t err_size)
{
	size_t i;

	if (n > MAX_COLUMNS)
		return FAIL("%s: more than %d columns", what, MAX_COLUMNS);
	for (i = 0; i < n; i++)
		if (!is_header(names[i]))
			return FAIL("%s: entry %zu is not a column name", what,
			    i + 1);
	return true;
}

static bool
check_ref(const Psid__ColumnRef *ref, const char *what, char *err,
    size_t err_size)
{
	if (ref == NULL)
		return FAIL("%s is missing", what);
	if (!is_header(ref->table) || !is_header(ref->column))
		return FAIL("%s: table and column must be names", what);
	return true;
}

static bool
check_privacy(const Psid__PrivacyPolicy *p, char *err, size_t err_size)
{
	if (p->epsilon_milli < 1 || p->epsilon_milli > FRAME_EPSILON_MAX_MILLI)
		return FAIL("privacy: epsilon must be 0.001 to %u",
		    FRAME_EPSILON_MAX_MILLI / 1000);
	if (p->budget_milli < p->epsilon_milli)
		return FAIL("privacy: the budget is smaller than epsilon");
	if (p->budget_milli > FRAME_BUDGET_MAX_MILLI)
		return FAIL("privacy: the budget is over %llu",
		    (unsigned long long)FRAME_BUDGET_MAX_MILLI / 1000);
	if (p->contribution_limit > FRAME_CONTRIBUTION_MAX)
		return FAIL("privacy: contribution_limit is over %u",
		    FRAME_CONTRIBUTION_MAX);
	if (p->refresh != PSID__PRIVACY_POLICY__REFRESH__NEVER &&
	    p->refresh != PSID__PRIVACY_POLICY__REFRESH__MONTHLY)
		return FAIL("privacy: unknown refresh");
	if (p->mechanism != PSID__PRIVACY_POLICY__MECHANISM__LAPLACE &&
	    p->mechanism != PSID__PRIVACY_POLICY__MECHANISM__GAUSSIAN)
		return FAIL("privacy: unknown mechanism");
	return true;
}

/* The aggregate columns and output constraints of an aggregation rule. */
static bool
check_aggregates(const Psid__AnalysisRule *rule, char *err, size_t err_size)
{
	size_t i;

	if (rule->n_aggregate_columns > MAX_COLUMNS ||
	    rule->n_output_constraints > MAX_COLUMNS)
		return FAIL("a rule has at most %d aggregate columns and "
		    "output constraints", MAX_COLUMNS);
	for (i = 0; i < rule->n_aggregate_columns; i++) {
		const Psid__AggregateColumn *a = rule->aggregate_columns[i];

		if (!is_header(a->column))
			return FAIL("aggregate_columns: entry %zu is not a "
			    "column name", i + 1);
		if (a->function < PSID__AGGREGATE_COLUMN__FUNCTION__COUNT ||
		    a->function > PSID__AGGREGATE_COLUMN__FUNCTION__AVG)
			return FAIL("aggregate_columns: entry %zu: unknown "
			    "function", i + 1);
	}
	for (i = 0; i < rule->n_output_constraints; i++) {
		const Psid__OutputConstraint *c = rule->output_constraints[i];

		if (!is_header(c->column))
			return FAIL("output_constraints: entry %zu is not a "
			    "column name", i + 1);
		if (c->minimum > MAX_MIN_ROWS)
			return FAIL("output_constraints: entry %zu: minimum "
			    "is over %u", i + 1, MAX_MIN_ROWS);
	}
	return true;
}

static bool
check_rule(const Psid__AnalysisRule *rule, char *err, size_t err_size)
{
	if (rule == NULL)
		return FAIL("an analysis rule is required");
	if (rule->kind != PSID__ANALYSIS_RULE__KIND__AGGREGATION &&
	    rule->kind != PSID__ANALYSIS_RULE__KIND__LIST)
		return FAIL("unknown analysis rule");
	if (rule->min_rows > MAX_MIN_ROWS)
		return FAIL("min_rows is over %u", MAX_MIN_ROWS);
	if (rule->privacy != NULL) {
		if (rule->kind != PSID__ANALYSIS_RULE__KIND__AGGREGATION)
			return FAIL("privacy: only an aggregation rule takes a "
			    "privacy policy");
		if (!check_privacy(rule->privacy, err, err_size))
			return false;
	}
	if (rule->kind != PSID__ANALYSIS_RULE__KIND__AGGREGATION &&
	    (rule->n_join_columns > 0 || rule->n_dimension_columns > 0 ||
	    rule->n_aggregate_columns > 0 || rule->n_output_constraints > 0 ||
	    rule->allow_or || rule->join_required))
		return FAIL("only an aggregation rule names join, dimension "
		    "and aggregate columns");
	return check_names(rule->list_columns, rule->n_list_columns,
	    "list_columns", err, err_size) &&
	    check_names(rule->join_columns, rule->n_join_columns,
	    "join_columns", err, err_size) &&
	    check_names(rule->dimension_columns, rule->n_dimension_columns,
	    "dimension_columns", err, err_size) &&
	    check_aggregates(rule, err, err_size);
}

static bool
check_create(const Psid__CreateCollaboration *m, char *err, size_t err_size)
{
	size_t i, j;

	if (!check_text(m->name, MAX_NAME, "name", err, err_size))
		return false;
	if (m->settings == NULL)
		return FAIL("settings are required");
	if (m->n_members == 0 || m->n_members > MAX_MEMBERS)
		return FAIL("a collaboration has 1 to %d members", MAX_MEMBERS);
	for (i = 0; i < m->n_members; i++) {
		if (!check_text(m->members[i]->identity, MAX_IDENTITY,
		    "member identity", err, err_size))
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(m->members[i]->identity,
			    m->members[j]->identity) == 0)
				return FAIL("member \"%s\" appears twice",
				    m->members[i]->identity);
	}
	return true;
}

bool
frame_check_request(const Psid__Request *r, char *err, size_t err_size)
{
	switch (r->body_case) {
	case PSID__REQUEST__BODY_CREATE_COLLABORATION:
		return check_create(r->create_collaboration, err, err_size);
	case PSID__REQUEST__BODY_GET_COLLABORATION:
		return check_collaboration_id(
		    r->get_collaboration->collaboration_id, err, err_size);
	case PSID__REQUEST__BODY_UPLOAD_BEGIN:
		return check_collaboration_id(r->upload_begin->collaboration_id,
		    err, err_size) && (is_header(r->upload_begin->table) ||
		    FAIL("table is not a name")) &&
		    check_columns(r->upload_begin->columns,
		    r->upload_begin->n_columns, err, err_size) &&
		    check_rule(r->upload_begin->rule, err, err_size);
	case PSID__REQUEST__BODY_UPLOAD_CHUNK:
		return r->upload_chunk->rows > 0 ? (frame_cells_well_formed(
		    r->upload_chunk->cells.data, r->upload_chunk->cells.len,
		    r->upload_chunk->rows, 0, MAX_CELL) ? true :
		    FAIL("upload chunk: malformed cells")) :
		    FAIL("upload chunk: no rows");
	case PSID__REQUEST__BODY_UPLOAD_COMMIT:
	case PSID__REQUEST__BODY_UPLOAD_ABORT:
	case PSID__REQUEST__BODY_STATS:
		return true;
	case PSID__REQUEST__BODY_LIST_TABLES:
		return check_collaboration_id(r->list_tables->collaboration_id,
		    err, err_size);
	case PSID__REQUEST__BODY_READ_BUDGET:
		return check_collaboration_id(r->read_budget->collaboration_id,
		    err, err_size);
	case PSID__REQUEST__BODY_DELETE_TABLE:
		return check_collaboration_id(r->delete_table->collaboration_id,
		    err, err_size) && (is_header(r->delete_table->table) ||
		    FAIL("table is not a name"));
	case PSID__REQUEST__BODY_COUNT:
		if (!check_collaboration_id(r->count->collaboration_id, err,
		    err_size))
			return false;
		if (r->count->n_sets < 2 || r->count->n_sets > MAX_SETS)
			return FAIL("a count takes 2 to %d sets", MAX_SETS);
		for (size_t i = 0; i < r->count->n_sets; i++)
			if (!check_ref(r->count->sets[i], "set", err, err_size))
				return false;
		return true;
	case PSID__REQUEST__BODY_JOIN:
		return check_collaboration_id(r->join->collaboration_id, err,
		    err_size) && check_ref(r->join->left, "left", err,
		    err_size) && check_ref(r->join->right, "right", err,
		    err_size) && check_names(r->join->left_columns,
		    r->join->n_left_columns, "left_columns", err, err_size) &&
		    check_names(r->join->right_columns,
		    r->join->n_right_columns, "right_columns", err, err_size);
	case PSID__REQUEST__BODY_READ_AUDIT:
		return check_collaboration_id(r->read_audit->collaboration_id,
		    err, err_size);
	case PSID__REQUEST__BODY_QUERY:
		/* The text itself is psid's parser's to judge (sql.h). */
		return check_collaboration_id(r->query->collaboration_id, err,
		    err_size);
	case PSID__REQUEST__BODY__NOT_SET:
	default:
		return FAIL("request without a known body");
	}
}

bool
frame_check_response(const Psid__Response *r, char *err, size_t err_size)
{
	if (r->error != NULL && r->error->code != PSID__ERROR_CODE__OK)
		return check_text(r->error->message, 1024, "error message",
		    err, err_size);
	if (r->body_case == PSID__RESPONSE__BODY_JOIN_ROWS &&
	    !frame_cells_well_formed(r->join_rows->cells.data,
	    r->join_rows->cells.len, r->join_rows->rows, 0, MAX_CELL))
		return FAIL("join rows: malformed cells");
	if (r->body_case == PSID__RESPONSE__BODY_QUERY_ROWS &&
	    !frame_cells_well_formed(r->query_rows->cells.data,
	    r->query_rows->cells.len, r->query_rows->rows, 0, MAX_CELL))
		return FAIL("query rows: malformed cells");
	return true;
}

/* ------------------------------------------------------- pack, unpack */

int
frame_unpack_request(const uint8_t *payload, size_t len,
    Psid__Request **request, char *err, size_t err_size)
{
	Psid__Request *r;
	int rc;

	*request = NULL;
	if ((rc = frame_decode_request(payload, len, &r)) != FRAME_OK) {
		if (rc == FRAME_TOO_LARGE)
			FAIL("a request that takes too much memory to decode");
		else
			FAIL("not a psid request");
		return rc;
	}
	if (!frame_check_request(r, err, err_size)) {
		psid__request__free_unpacked(r, NULL);
		return FRAME_MALFORMED;
	}
	*request = r;
	return FRAME_OK;
}

int
frame_unpack_response(const uint8_t *payload, size_t len,
    Psid__Response **response, char *err, size_t err_size)
{
	Psid__Response *r;
	int rc;

	*response = NULL;
	if ((rc = frame_decode_response(payload, len, &r)) != FRAME_OK) {
		if (rc == FRAME_TOO_LARGE)
			FAIL("a response that takes too much memory to decode");
		else
			FAIL("not a psid response");
		return rc;
	}
	if (!frame_check_response(r, err, err_size)) {
		psid__response__free_unpacked(r, NULL);
		return FRAME_MALFORMED;
	}
	*response = r;
	return FRAME_OK;
}

static int
pack_frame(size_t size, size_t max, uint8_t **out, size_t *out_len)
{
	*out = NULL;
	if (size > max || size > FRAME_MAX_LIMIT)
		return FRAME_TOO_LARGE;
	if ((*out = malloc(FRAME_HEADER_LEN + size)) == NULL)
		return FRAME_NOMEM;
	frame_put_header(*out, (uint32_t)size);
	*out_len = FRAME_HEADER_LEN + size;
	return FRAME_OK;
}

int
frame_pack_request(const Psid__Request *request, size_t max, uint8_t **out,
    size_t *out_len)
{
	size_t size = psid__request__get_packed_size(request);
	int rc;

	if ((rc = pack_frame(size, max, out, out_len)) == FRAME_OK)
		psid__request__pack(request, *out + FRAME_HEADER_LEN);
	return rc;
}

int
frame_pack_response(const Psid__Response *response, size_t max,
    uint8_t **out, size_t *out_len)
{
	size_t size = psid__response__get_packed_size(response);
	int rc;

	if ((rc = pack_frame(size, max, out, out_len)) == FRAME_OK)
		psid__response__pack(response, *out + FRAME_HEADER_LEN);
	return rc;
}

/* ------------------------------------------------------------- numbers */

const char *
frame_milli_text(uint64_t milli, char *buf, size_t size)
{
	int n;

	n = snprintf(buf, size, "%" PRIu64 ".%03" PRIu64, milli / 1000,
	    milli % 1000);
	/* the fraction's trailing zeros go, and the point with them */
	while (n > 0 && (size_t)n < size && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && (size_t)n < size && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}
