/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload_rows.c: what an upload does with its rows before the network:
 * column names and types, chunks of packed cells, the row-to-line map
 * (see upload.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c3rcell.h"
#include "upload.h"

#define INFER_HMAC 1		/* a non-NULL cell starting 02:hmac: */
#define INFER_ENC 2		/* one starting 02:enc: */
#define INFER_OTHER 4		/* any other non-NULL cell */

#define ERR(...) snprintf(err, err_size, __VA_ARGS__)

/* --------------------------------------------------------------- names */

int
upload_names(const struct csv_row *header, upload_name *names, char *err,
    size_t err_size)
{
	const struct csv_field *f;
	size_t i, j;
	long len;

	for (i = 0; i < header->count; i++) {
		f = &header->fields[i];
		len = header_normalize(f->ptr, f->len, names[i]);
		if (len < 0) {
			ERR("column %zu: the header is longer than %d "
			    "characters", i + 1, HEADER_MAX_LEN);
			return PSID_ERR_CSV;
		}
		if (!header_is_valid(names[i], (size_t)len)) {
			ERR("column %zu: \"%.*s\" is not a valid C3R header "
			    "(letters, digits, '_', ' ' and single '-' only)",
			    i + 1, (int)(f->len > 128 ? 128 : f->len), f->ptr);
			return PSID_ERR_CSV;
		}
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0) {
				ERR("column %zu: \"%s\" is also column %zu",
				    i + 1, names[i], j + 1);
				return PSID_ERR_CSV;
			}
	}
	return PSID_OK;
}

int
upload_schema_types(const struct schema *schema, const upload_name *names,
    size_t n, enum psid_column_type *types, char *err, size_t err_size)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < schema->count; k++)
			if (strcmp(schema->columns[k].target, names[i]) == 0)
				break;
		if (k == schema->count) {
			ERR("column \"%s\" is not a targetHeader of the schema",
			    names[i]);
			return PSID_ERR_SCHEMA;
		}
		types[i] = schema->columns[k].type;
	}
	for (k = 0; k < schema->count; k++) {
		for (i = 0; i < n; i++)
			if (strcmp(schema->columns[k].target, names[i]) == 0)
				break;
		if (i == n) {
			ERR("the schema's column \"%s\" is not in the file",
			    schema->columns[k].target);
			return PSID_ERR_SCHEMA;
		}
	}
	return PSID_OK;
}

/* ----------------------------------------------------------- inference */

int
upload_infer_init(struct upload_infer *inf, size_t ncolumns)
{
	inf->n = ncolumns;
	inf->seen = calloc(ncolumns > 0 ? ncolumns : 1, 1);
	return inf->seen != NULL ? PSID_OK : PSID_ERR_NOMEM;
}

void
upload_infer_row(struct upload_infer *inf, const struct csv_row *row)
{
	const struct csv_field *f;
	size_t i;

	for (i = 0; i < inf->n && i < row->count; i++) {
		f = &row->fields[i];
		if (upload_field_is_null(f))
			continue;
		switch (c3rcell_kind(f->ptr, f->len)) {
		case C3RCELL_FINGERPRINT:
			inf->seen[i] |= INFER_HMAC;
			break;
		case C3RCELL_SEALED:
			inf->seen[i] |= INFER_ENC;
			break;
		default:
			inf->seen[i] |= INFER_OTHER;
			break;
		}
	}
}

size_t
upload_infer_types(const struct upload_infer *inf,
    enum psid_column_type *types)
{
	size_t i;

	for (i = 0; i < inf->n; i++)
		switch (inf->seen[i]) {
		case 0:
			return i;
		case INFER_HMAC:
			types[i] = PSID_COLUMN_FINGERPRINT;
			break;
		case INFER_ENC:
			types[i] = PSID_COLUMN_SEALED;
			break;
		default:
			types[i] = PSID_COLUMN_CLEARTEXT;
			break;
		}
	return inf->n;
}

void
upload_infer_free(struct upload_infer *inf)
{
	free(inf->seen);
	inf->seen = NULL;
	inf->n = 0;
}

/* -------------------------------------------------------------- chunks */

int
upload_chunk_add(struct upload_chunk *c, const struct csv_row *row,
    size_t *bad)
{
	const struct csv_field *f;
	size_t i, need = 0, cap;
	uint8_t *p;

	for (i = 0; i < row->count; i++) {
		f = &row->fields[i];
		if (f->len > PSID_MAX_CELL_LEN) {
			*bad = i;
			return PSID_ERR_TOO_LONG;
		}
		need += 4 + (upload_field_is_null(f) ? 0 : f->len);
	}
	if (need > UPLOAD_ROW_MAX)
		return PSID_ERR_LIMIT;
	if (c->rows > 0 && c->len + need > UPLOAD_ROW_MAX)
		return UPLOAD_SEND_FIRST;
	if (c->cap - c->len < need) {
		cap = c->cap > 0 ? c->cap : UPLOAD_CHUNK_TARGET + 64 * 1024;
		while (cap - c->len < need)
			cap *= 2;
		if ((p = realloc(c->data, cap)) == NULL)
			return PSID_ERR_NOMEM;
		c->data = p;
		c->cap = cap;
	}
	p = c->data + c->len;
	for (i = 0; i < row->count; i++) {
		f = &row->fields[i];
		p += frame_cells_put(p, upload_field_is_null(f) ? NULL : f->ptr,
		    (uint32_t)f->len);
	}
	c->len += need;
	c->rows++;
	return PSID_OK;
}

void
upload_chunk_clear(struct upload_chunk *c)
{
	c->len = 0;
	c->rows = 0;
}

void
upload_chunk_free(struct upload_chunk *c)
{
	free(c->data);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ line map */

void
upload_lines_init(struct upload_lines *m, uint64_t header_line,
    size_t max_points)
{
	size_t cap = max_points < 16 ? max_points : 16;

	memset(m, 0, sizeof(*m));
	m->max_points = max_points;
	/* The header's point is the first. */
	if (cap > 0 && (m->points = malloc(cap * sizeof(*m->points))) != NULL) {
		m->cap = cap;
		m->points[0].row = 0;
		m->points[0].line = header_line;
		m->n = 1;
	} else
		m->lost_from = 1;
}

void
upload_lines_add(struct upload_lines *m, uint64_t row, uint64_t line)
{
	const struct upload_point *last;
	struct upload_point *p;
	size_t cap;

	if (m->lost_from != 0)
		return;
	last = &m->points[m->n - 1];
	if (line == last->line + (row - last->row))
		return;
	if (m->n == m->cap) {
		cap = m->cap * 2;
		if (cap > m->max_points)
			cap = m->max_points;
		if (m->n == cap || (p = realloc(m->points,
		    cap * sizeof(*p))) == NULL) {
			m->lost_from = row;
			return;
		}
		m->points = p;
		m->cap = cap;
	}
	m->points[m->n].row = row;
	m->points[m->n].line = line;
	m->n++;
}

uint64_t
upload_lines_find(const struct upload_lines *m, uint64_t row)
{
	size_t lo = 0, hi = m->n, mid;

	if (row == 0 || m->n == 0 || (m->lost_from != 0 && row >= m->lost_from))
		return 0;
	/* The last point at or before row. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (m->points[mid].row <= row)
			lo = mid;
		else
			hi = mid;
	}
	return m->points[lo].line + (row - m->points[lo].row);
}

void
upload_lines_free(struct upload_lines *m)
{
	free(m->points);
	memset(m, 0, sizeof(*m));
}
