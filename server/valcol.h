/* SPDX-License-Identifier: Apache-2.0 */
/*
 * valcol.h: the value columns psid keeps beside a table's rows for
 * aggregate queries (store.h "value columns"), shared by the upload
 * (upload_values.c, which makes them) and the query (query_*.c, which
 * reads them):
 *
 *   - a dictionary column (vcol 2 * i for the table's column i): for a
 *     cleartext column the rule names as a dimension, in an output
 *     constraint, or under COUNT or COUNT_DISTINCT: one u32 code per row
 *     (STORE_VALUE_NULL32 for NULL), codes given in order of first
 *     appearance, and as its blob the dictionary: u32 n, u32 offsets[n +
 *     1] (little-endian, offsets[0] = 0), then the values' bytes, code c
 *     being bytes[offsets[c]..offsets[c + 1]) exactly as uploaded;
 *   - a decimal column (vcol 2 * i + 1): for a cleartext column under
 *     SUM, SUM_DISTINCT or AVG: one int64 per row at the column's scale
 *     (STORE_VALUE_NULL64 for NULL), and as its blob that scale (u32
 *     little-endian).
 *
 * Fingerprint columns need none: their join index (fingerprint, row)
 * is what a query reads.
 */
#ifndef PSID_VALCOL_H
#define PSID_VALCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psid.pb-c.h"

#define VALCOL_CODES(col)	(2u * (unsigned)(col))
#define VALCOL_DECIMAL(col)	(2u * (unsigned)(col) + 1u)
/* A table has value columns for its columns 0..VALCOL_MAX_COLUMNS-1. */
#define VALCOL_MAX_COLUMNS	32768u
/* A dictionary's limits: distinct values and bytes of them. */
#define VALCOL_DICT_MAX_VALUES	(1u << 20)
#define VALCOL_DICT_MAX_BYTES	(256u << 20)

/* Whether the rule asks for a dictionary column of cleartext column name. */
bool valcol_wants_codes(const Psid__AnalysisRule *rule, const char *name);

/* Whether the rule asks for a decimal column of cleartext column name. */
bool valcol_wants_decimal(const Psid__AnalysisRule *rule, const char *name);

/* A dictionary as stored (pointers into its blob). */
struct valcol_dict {
	uint32_t n;
	const uint8_t *offsets;	/* n + 1 little-endian u32 */
	const uint8_t *bytes;
	size_t nbytes;
};

/*
 * Read the dictionary blob[0..len) into *d (which points into it).
 * Returns 0, or -1 if the blob is not a well-formed dictionary.
 */
int valcol_dict_open(struct valcol_dict *d, const void *blob, size_t len);

/* Value code (< d->n) of d: *len bytes at the return. */
const uint8_t *valcol_dict_value(const struct valcol_dict *d, uint32_t code,
    size_t *len);

#endif /* PSID_VALCOL_H */
