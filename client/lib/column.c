/* SPDX-License-Identifier: Apache-2.0 */
/*
 * column.c: the public cell-at-a-time API (psid_column_*, psid_unseal)
 * over the hot-path cell engine of cell.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cell.h"

struct psid_column {
	struct column_crypto crypto;
	struct cell_engine engine;
};

int
psid_column_new(const struct psid_keys *keys,
    const struct psid_settings *settings, const char *target_header,
    enum psid_column_type type, enum psid_pad_type pad, unsigned pad_length,
    struct psid_column **columnp)
{
	struct psid_column *column;
	char label[HEADER_MAX_LEN + 1];
	long len;
	int rc;

	if (columnp == NULL)
		return PSID_ERR_INVALID;
	*columnp = NULL;
	if (keys == NULL || settings == NULL || target_header == NULL ||
	    (type != PSID_COLUMN_SEALED && type != PSID_COLUMN_FINGERPRINT) ||
	    (type == PSID_COLUMN_SEALED && (unsigned)pad > PSID_PAD_MAX))
		return PSID_ERR_INVALID;
	len = header_normalize(target_header, strlen(target_header), label);
	if (len < 0 || !header_is_valid(label, (size_t)len))
		return PSID_ERR_INVALID;
	if (type == PSID_COLUMN_FINGERPRINT) {
		/* Fingerprints are not padded: the pad is ignored. */
		pad = PSID_PAD_NONE;
		pad_length = 0;
	}
	if ((column = calloc(1, sizeof(*column))) == NULL)
		return PSID_ERR_NOMEM;
	rc = cell_column_crypto_init(&column->crypto, keys, settings, label, type,
	    pad, pad_length);
	if (rc == PSID_OK)
		rc = cell_engine_init(&column->engine, keys);
	if (rc != PSID_OK) {
		psid_column_free(column);
		return rc;
	}
	*columnp = column;
	return PSID_OK;
}

void
psid_column_set_longest(struct psid_column *column, size_t longest)
{
	column->crypto.longest = longest;
	column->crypto.longest_seen = true;
}

void
psid_column_free(struct psid_column *column)
{
	if (column == NULL)
		return;
	cell_column_crypto_wipe(&column->crypto);
	cell_engine_release(&column->engine);
	free(column);
}

size_t
psid_cell_size_max(const struct psid_column *column)
{
	if (column->crypto.type == PSID_COLUMN_FINGERPRINT)
		return PSID_FINGERPRINT_CELL_LEN;
	return PSID_MAX_CELL_LEN;
}

int
psid_column_encrypt(struct psid_column *column, const char *value,
    size_t len, char *out, size_t out_size, size_t *out_len, bool *is_null)
{
	struct row_key row;
	long n;
	int rc;

	if (column == NULL || out == NULL || out_len == NULL ||
	    is_null == NULL)
		return PSID_ERR_INVALID;
	*out_len = 0;
	*is_null = false;
	if (value == NULL && column->crypto.preserve_nulls) {
		*is_null = true;
		return PSID_OK;
	}
	if (column->crypto.type == PSID_COLUMN_FINGERPRINT) {
		if (out_size < PSID_FINGERPRINT_CELL_LEN + 1)
			return PSID_ERR_INVALID;
		rc = cell_fingerprint(&column->engine, &column->crypto, value,
		    len, out, NULL);
		if (rc != PSID_OK)
			return rc;
		out[PSID_FINGERPRINT_CELL_LEN] = '\0';
		*out_len = PSID_FINGERPRINT_CELL_LEN;
		return PSID_OK;
	}
	n = (long)cell_sealed_len(&column->crypto, len, value == NULL);
	if (n == 0)
		return PSID_ERR_TOO_LONG;
	if (out_size < (size_t)n + 1)
		return PSID_ERR_INVALID;
	if ((rc = cell_row_begin(&column->engine, &row)) != PSID_OK)
		return rc;
	n = cell_seal(&column->engine, &row, &column->crypto, value, len, out);
	cell_row_key_wipe(&row);
	if (n < 0)
		return (int)n;
	out[n] = '\0';
	*out_len = (size_t)n;
	return PSID_OK;
}

int
psid_unseal(const struct psid_keys *keys, const char *cell, size_t len,
    char *out, size_t out_size, size_t *out_len, bool *is_null)
{
	struct cell_engine *engine;
	long n;
	int rc;

	if (keys == NULL || cell == NULL || out == NULL || out_len == NULL ||
	    is_null == NULL || out_size < len)
		return PSID_ERR_INVALID;
	if ((engine = malloc(sizeof(*engine))) == NULL)
		return PSID_ERR_NOMEM;
	if ((rc = cell_engine_init(engine, keys)) != PSID_OK) {
		free(engine);
		return rc;
	}
	n = cell_unseal(engine, cell, len, out, is_null);
	cell_engine_release(engine);
	free(engine);
	if (n < 0)
		return (int)n;
	*out_len = (size_t)n;
	return PSID_OK;
}
