/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload_values.h: an upload's value columns (valcol.h) made as its
 * chunks arrive: each cleartext cell a rule groups, filters, counts or
 * constrains gets its dictionary code, each cell it sums is parsed as an
 * exact decimal (decimal.h; the column's scale widened as the upload
 * goes), and the chunk's records are staged with the rows (store.h); the
 * commit gets the scales and the dictionaries. Memory: a dictionary's
 * distinct values (at most VALCOL_DICT_MAX_VALUES, VALCOL_DICT_MAX_BYTES
 * of them) and one chunk's records; out of memory is fatal (xmalloc.h).
 */
#ifndef PSID_UPLOAD_VALUES_H
#define PSID_UPLOAD_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "psid.pb-c.h"
#include "store.h"

struct upload_values;

/*
 * The value columns of a table about to be uploaded with info's columns
 * and rule, or NULL when its rule asks for none (then nothing else here
 * needs calling). The caller frees it with upload_values_free.
 */
struct upload_values *upload_values_new(const Psid__TableInfo *info);

/* Free uv (NULL accepted). */
void upload_values_free(struct upload_values *uv);

/*
 * Take the cell of column col (0-based in info's columns) of the next
 * row: cell[0..len), cell NULL for a NULL. Cells come row by row, every
 * column in order (a column without a value column costs one test).
 * Returns NULL, or a one-line reason the cell is refused (a summed cell
 * that is not a number, a dictionary full), valid until the next call;
 * the upload is then to be refused at this cell.
 */
const char *upload_values_cell(struct upload_values *uv, size_t col,
    const uint8_t *cell, uint32_t len);

/*
 * Stage what the cells since the last flush made into st. Returns
 * STORE_OK or -1 (err set: the staging failed).
 */
int upload_values_flush(struct upload_values *uv, struct store_upload *st,
    char *err, size_t err_size);

/*
 * Before the commit: give st each decimal column's scale and each
 * column's blob. Returns STORE_OK or -1 (err set).
 */
int upload_values_finish(struct upload_values *uv, struct store_upload *st,
    char *err, size_t err_size);

#endif /* PSID_UPLOAD_VALUES_H */
