/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload.h: the parts of an upload that need no server (upload_rows.c),
 * used by psid_upload_csv (upload.c) and tested on their own:
 *  - column names from the CSV header row, normalised as C3R target
 *    headers, and their types from a C3R schema or inferred from the
 *    cells;
 *  - rows packed into UploadChunk cells (frame.h's format), ~1 MiB a
 *    chunk, in one reused buffer;
 *  - the map from a data row of the upload to its line in the file, for
 *    psid's errors, which name rows.
 * A NULL cell is an empty unquoted field; "" is an empty string.
 */
#ifndef PSID_UPLOAD_H
#define PSID_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "frame.h"
#include "header.h"
#include "psid/client.h"
#include "schema.h"

/* A chunk is sent once its cells reach this size. */
#define UPLOAD_CHUNK_TARGET (1u << 20)
/* The largest packed row: a frame, less room for the message around it. */
#define UPLOAD_ROW_MAX (FRAME_MAX_DEFAULT - 4096)

/* A column name: a normalised, valid C3R header. */
typedef char upload_name[HEADER_MAX_LEN + 1];

/* Whether a field is a NULL cell: empty and not quoted. */
static inline bool
upload_field_is_null(const struct csv_field *f)
{
	return !f->quoted && f->len == 0;
}

/*
 * Normalise the header row's fields into names[0..header->count): each
 * must be a valid C3R header once normalised, and appear once. Returns
 * PSID_OK, or PSID_ERR_CSV with err naming the column (1-based) and why.
 */
int upload_names(const struct csv_row *header, upload_name *names,
    char *err, size_t err_size);

/*
 * The types of the columns names[0..n) from a loaded schema: each name
 * must be one of the schema's target headers, and each target header a
 * name. Returns PSID_OK or PSID_ERR_SCHEMA with err saying which.
 */
int upload_schema_types(const struct schema *schema, const upload_name *names,
    size_t n, enum psid_column_type *types, char *err, size_t err_size);

/* Type inference: what each column's non-NULL cells looked like. */
struct upload_infer {
	size_t n;
	uint8_t *seen;		/* per column: INFER_* bits */
};

int upload_infer_init(struct upload_infer *inf, size_t ncolumns);
/* Look at one row (of exactly inf->n fields). */
void upload_infer_row(struct upload_infer *inf, const struct csv_row *row);
/*
 * The inferred types: a column whose non-NULL cells all start "02:hmac:"
 * is a fingerprint column, all "02:enc:" sealed, anything else cleartext.
 * Returns inf->n when every column had a non-NULL cell, else the index of
 * the first column with none (its type cannot be inferred).
 */
size_t upload_infer_types(const struct upload_infer *inf,
    enum psid_column_type *types);
void upload_infer_free(struct upload_infer *inf);

/* Packed rows of one UploadChunk, in a buffer reused chunk after chunk. */
struct upload_chunk {
	uint8_t *data;
	size_t len;
	size_t cap;
	uint32_t rows;
};

/*
 * Append one row's cells (frame.h's packing: length, bytes; NULL cells
 * as FRAME_CELL_NULL). Returns PSID_OK, UPLOAD_SEND_FIRST (the row does
 * not fit beside the rows already there: send them, then add it again),
 * PSID_ERR_NOMEM, PSID_ERR_TOO_LONG (a cell is longer than
 * PSID_MAX_CELL_LEN: *bad is its field index) or PSID_ERR_LIMIT (the
 * row alone does not fit in a frame). Unless PSID_OK, the chunk is as it
 * was.
 */
#define UPLOAD_SEND_FIRST 1
int upload_chunk_add(struct upload_chunk *c, const struct csv_row *row,
    size_t *bad);

/* Whether the chunk is due to be sent. */
static inline bool
upload_chunk_full(const struct upload_chunk *c)
{
	return c->len >= UPLOAD_CHUNK_TARGET;
}

/* Empty the chunk, keeping its buffer. */
void upload_chunk_clear(struct upload_chunk *c);
void upload_chunk_free(struct upload_chunk *c);

/*
 * Data row -> line of the file. Most rows sit on the line after the one
 * before; only the rows where that fails (after a row spanning several
 * lines, or empty lines) are kept, at most max_points of them. Rows
 * after the last point that could be kept are unknown (0): the caller
 * finds them by reading the file again.
 */
struct upload_point {
	uint64_t row;
	uint64_t line;
};

struct upload_lines {
	struct upload_point *points;
	size_t n;
	size_t cap;
	size_t max_points;
	uint64_t lost_from;	/* first row not mapped; 0: none */
};

/* Start the map: the header row (row 0) is on header_line. */
void upload_lines_init(struct upload_lines *m, uint64_t header_line,
    size_t max_points);
/* Record row's line; rows come in order 1, 2, 3, ... */
void upload_lines_add(struct upload_lines *m, uint64_t row, uint64_t line);
/* The line of data row row (1-based), or 0 when not known. */
uint64_t upload_lines_find(const struct upload_lines *m, uint64_t row);
void upload_lines_free(struct upload_lines *m);

#endif /* PSID_UPLOAD_H */
