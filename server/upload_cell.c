/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload_cell.c: one uploaded cell checked against its column (see
 * upload_cell.h).
 */
#include "config.h"

#include "upload_cell.h"

/* Whether cell[0..len) holds white space (which strict Base64 refuses). */
static bool
has_space(const uint8_t *cell, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		if (cell[i] == ' ' || (cell[i] >= '\t' && cell[i] <= '\r'))
			return true;
	return false;
}

static const char *
fingerprint_check(const uint8_t *cell, uint32_t len,
    uint8_t fp[C3RCELL_FP_BYTES])
{
	int rc = c3rcell_fp_decode(cell, len, fp);

	if (rc != C3RCELL_OK && rc != C3RCELL_ERR_PREFIX &&
	    has_space(cell, len))
		return "a fingerprint with white space in its Base64";
	switch (rc) {
	case C3RCELL_OK:
		return NULL;
	case C3RCELL_ERR_PREFIX:
	case C3RCELL_ERR_LENGTH:
		return "not a fingerprint cell (02:hmac: and 44 Base64 "
		    "characters)";
	case C3RCELL_ERR_BYTES:
		return "a fingerprint that is not 32 bytes";
	default:
		return "a fingerprint with bad Base64 (whitespace, a "
		    "character outside the alphabet, or bad '=' padding)";
	}
}

static const char *
sealed_check(const uint8_t *cell, uint32_t len)
{
	int rc = c3rcell_sealed_check(cell, len);

	if (rc != C3RCELL_OK && rc != C3RCELL_ERR_PREFIX &&
	    has_space(cell, len))
		return "a sealed cell with white space in its Base64";
	switch (rc) {
	case C3RCELL_OK:
		return NULL;
	case C3RCELL_ERR_PREFIX:
		return "not a sealed cell (02:enc:)";
	case C3RCELL_ERR_LENGTH:
		return "a sealed cell of a bad length";
	case C3RCELL_ERR_BASE64:
		return "a sealed cell with bad Base64 (whitespace, a "
		    "character outside the alphabet, or bad '=' padding)";
	default:
		return "a sealed cell too short for nonce, IV, info, pad "
		    "length and tag";
	}
}

const char *
upload_cell_check(Psid__ColumnType type, bool preserve_nulls,
    const uint8_t *cell, uint32_t len, uint8_t fp[C3RCELL_FP_BYTES],
    bool *has_fp)
{
	const char *why;

	*has_fp = false;
	if (cell == NULL) {
		if (type == PSID__COLUMN_TYPE__COLUMN_CLEARTEXT ||
		    preserve_nulls)
			return NULL;
		return "a NULL cell in an encrypted column, where the "
		    "collaboration does not preserve NULLs";
	}
	switch (type) {
	case PSID__COLUMN_TYPE__COLUMN_FINGERPRINT:
		if ((why = fingerprint_check(cell, len, fp)) == NULL)
			*has_fp = true;
		return why;
	case PSID__COLUMN_TYPE__COLUMN_SEALED:
		return sealed_check(cell, len);
	default:
		return NULL;
	}
}
