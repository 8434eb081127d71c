/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload_cell.h: the check every cell of an upload passes before psid
 * stages it (h_upload.c), by its column's type and the collaboration's
 * settings, with the grammar of proto/c3rcell.h: a fingerprint is
 * "02:hmac:" and strict Base64 of 32 bytes, a sealed cell "02:enc:" and
 * strict Base64 of at least C3RCELL_SEALED_MIN_BYTES; NULL only where
 * NULLs are preserved or the column is cleartext.
 */
#ifndef PSID_UPLOAD_CELL_H
#define PSID_UPLOAD_CELL_H

#include <stdbool.h>
#include <stdint.h>

#include "c3rcell.h"
#include "psid.pb-c.h"

/*
 * Check one cell (cell NULL: a NULL cell; else len bytes) of a column of
 * type. Returns NULL when it is good (for a fingerprint, with its 32
 * bytes in fp and *has_fp true; *has_fp false otherwise), or a one-line
 * reason that names no cell value, which lives as long as the program.
 */
const char *upload_cell_check(Psid__ColumnType type, bool preserve_nulls,
    const uint8_t *cell, uint32_t len, uint8_t fp[C3RCELL_FP_BYTES],
    bool *has_fp);

#endif /* PSID_UPLOAD_CELL_H */
