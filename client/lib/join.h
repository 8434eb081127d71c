/* SPDX-License-Identifier: Apache-2.0 */
/*
 * join.h: writing a join's rows as CSV (join.c), the parts tested
 * without a server: the header row, and packed cells turned into rows.
 */
#ifndef PSID_JOIN_H
#define PSID_JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"

/*
 * Append the header row (with its line end) of a join's output: the
 * columns[0..nleft) of the left table, then the rest of the right one,
 * each quoted as the CSV writer quotes. A name that is on both sides is
 * written "<table>_<name>" on each side. Returns 0, or -1 when out
 * cannot grow.
 */
int join_write_header(struct outbuf *out, const char *left_table,
    const char *right_table, char *const *columns, size_t ncolumns,
    size_t nleft);

/*
 * Append rows x ncolumns packed cells (frame.h) as CSV rows: NULL cells
 * as empty fields, the others quoted as the CSV writer quotes (an empty
 * cell is ""). Returns PSID_OK, PSID_ERR_PROTOCOL (the cells are not
 * exactly rows x ncolumns) or PSID_ERR_NOMEM.
 */
int join_write_rows(struct outbuf *out, const uint8_t *cells, size_t len,
    uint64_t rows, size_t ncolumns);

#endif /* PSID_JOIN_H */
