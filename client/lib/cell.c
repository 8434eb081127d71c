/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell.c: C3R fingerprint, seal and unseal of one cell (SPEC §3-7, §9).
 *
 * Sealed cell:  "02:enc:" + Base64(nonce32 ‖ iv12 ‖ AES-256-GCM(ct) ‖ tag16)
 *   key = SHA-256(root ‖ nonce), iv = SHA-256(label ‖ nonce)[0:12],
 *   aad = "02:enc:", plaintext = info ‖ value ‖ 0x00*n ‖ uint16_be(n).
 * Fingerprint:  "02:hmac:" + Base64(HMAC-SHA256(column key, value ‖ 0x02)).
 */
#include "config.h"

#define PSID_TEST_HOOKS		/* cell_row_begin_with_nonce, defined here */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>


#include "cell.h"
#include "gcm.h"

static const uint8_t zeros[MAX_PADDED_CLEARTEXT];

int
cell_column_crypto_init(struct column_crypto *col, const struct psid_keys *keys,
    const struct psid_settings *settings, const char *label,
    enum psid_column_type type, enum psid_pad_type pad, unsigned pad_length)
{
	uint8_t key[KEY_LEN];
	int rc;

	memset(col, 0, sizeof(*col));
	col->label_len = strlen(label);
	if (col->label_len > HEADER_MAX_LEN || pad_length > MAX_PAD_BYTES)
		return PSID_ERR_INVALID;
	memcpy(col->label, label, col->label_len + 1);
	col->type = type;
	col->pad = pad;
	col->pad_length = pad_length;
	col->preserve_nulls = settings->preserve_nulls;
	if (type == PSID_COLUMN_FINGERPRINT) {
		rc = keys_fingerprint_key(keys,
		    settings->allow_joins_on_columns_with_different_names,
		    col->label, col->label_len, key);
		if (rc != PSID_OK)
			return rc;
		crypto_hmac_key_init(&col->hmac, key, KEY_LEN);
		crypto_wipe(key, sizeof(key));
	}
	return PSID_OK;
}

void
cell_column_crypto_wipe(struct column_crypto *col)
{
	crypto_hmac_key_wipe(&col->hmac);
}

/* Padded plaintext length (trailer included), or 0 if it cannot be. */
static size_t
sealed_padded_len(const struct column_crypto *col, size_t message)
{
	size_t target;

	switch (col->pad) {
	case PSID_PAD_NONE:
		return message + 2;
	case PSID_PAD_FIXED:
		target = col->pad_length;
		break;
	case PSID_PAD_MAX:
		/* C3R's maxValueLength counts the info byte (SPEC §4.1). */
		target = col->pad_length + (col->longest_seen ?
		    col->longest + 1 : 0);
		break;
	default:
		return 0;
	}
	if (target > MAX_PADDED_CLEARTEXT || message > target)
		return 0;
	return target + 2;
}

size_t
cell_sealed_len(const struct column_crypto *col, size_t len, bool is_null)
{
	size_t padded, cell;

	if (len > PSID_MAX_CELL_LEN)
		return 0;
	padded = sealed_padded_len(col, is_null ? 1 : len + 1);
	if (padded == 0)
		return 0;
	cell = SEALED_PREFIX_LEN + B64_ENCODED_LEN(NONCE_LEN + IV_LEN +
	    padded + TAG_LEN);
	return cell > PSID_MAX_CELL_LEN ? 0 : cell;
}

int
cell_engine_init(struct cell_engine *engine, const struct psid_keys *keys)
{
	memset(engine, 0, sizeof(*engine));
	engine->keys = keys;
	engine->next_row = 1;
	crypto_rand_pool_init(&engine->pool);
	if (gcm_new(&engine->enc, true) != 0 ||
	    gcm_new(&engine->dec, false) != 0) {
		cell_engine_release(engine);
		return PSID_ERR_CRYPTO;
	}
	return PSID_OK;
}

void
cell_engine_release(struct cell_engine *engine)
{
	gcm_free(engine->enc);
	gcm_free(engine->dec);
	engine->enc = engine->dec = NULL;
	crypto_rand_pool_wipe(&engine->pool);
	crypto_wipe(engine->scratch, sizeof(engine->scratch));
	crypto_wipe(engine->plain, sizeof(engine->plain));
}

void
cell_row_begin_with_nonce(struct cell_engine *engine, struct row_key *row,
    const uint8_t nonce[NONCE_LEN])
{
	row->serial = engine->next_row++;
	memcpy(row->nonce, nonce, NONCE_LEN);
	crypto_sha256_pair(engine->keys->root, KEY_LEN, row->nonce, NONCE_LEN,
	    row->key);
}

int
cell_row_begin(struct cell_engine *engine, struct row_key *row)
{
	uint8_t nonce[NONCE_LEN];

	if (crypto_rand_pool_take(&engine->pool, nonce, NONCE_LEN) != 0)
		return PSID_ERR_CRYPTO;
	cell_row_begin_with_nonce(engine, row, nonce);
	return PSID_OK;
}

void
cell_row_key_wipe(struct row_key *row)
{
	crypto_wipe(row, sizeof(*row));
}

long
cell_seal_payload(struct cell_engine *engine, const struct row_key *row,
    const struct column_crypto *col, int info, const void *value, size_t len,
    char *out)
{
	struct gcm *ctx = engine->enc;
	uint8_t iv_full[SHA256_LEN];
	uint8_t *msg = engine->plain, *ct;
	size_t head = info >= 0 ? 1 : 0, message = head + len, padded, pad, cell;

	if (len > PSID_MAX_CELL_LEN || (padded = sealed_padded_len(col,
	    message)) == 0)
		return PSID_ERR_TOO_LONG;
	cell = SEALED_PREFIX_LEN + B64_ENCODED_LEN(NONCE_LEN + IV_LEN +
	    padded + TAG_LEN);
	if (cell > PSID_MAX_CELL_LEN)
		return PSID_ERR_TOO_LONG;
	pad = padded - 2 - message;
	if (head)
		msg[0] = (uint8_t)info;
	if (len > 0)
		memcpy(msg + head, value, len);
	memcpy(msg + message, zeros, pad);
	msg[padded - 2] = (uint8_t)(pad >> 8);
	msg[padded - 1] = (uint8_t)pad;

	crypto_sha256_pair(col->label, col->label_len, row->nonce, NONCE_LEN,
	    iv_full);
	memcpy(engine->scratch, row->nonce, NONCE_LEN);
	memcpy(engine->scratch + NONCE_LEN, iv_full, IV_LEN);
	ct = engine->scratch + NONCE_LEN + IV_LEN;
	/* The row's key is set once for all its cells; then the IV only. */
	if (gcm_start(ctx, engine->enc_row != row->serial ? row->key : NULL,
	    iv_full) != 0)
		return PSID_ERR_CRYPTO;
	engine->enc_row = row->serial;
	if (gcm_aad(ctx, (const uint8_t *)SEALED_PREFIX,
	    SEALED_PREFIX_LEN) != 0 || gcm_update(ctx, ct, msg, padded) != 0 ||
	    gcm_finish_tag(ctx, ct + padded) != 0)
		return PSID_ERR_CRYPTO;
	memcpy(out, SEALED_PREFIX, SEALED_PREFIX_LEN);
	return (long)(SEALED_PREFIX_LEN + crypto_b64_encode(out +
	    SEALED_PREFIX_LEN, engine->scratch, NONCE_LEN + IV_LEN + padded +
	    TAG_LEN));
}

long
cell_seal(struct cell_engine *engine, const struct row_key *row,
    const struct column_crypto *col, const char *value, size_t len,
    char *out)
{
	if (value == NULL)
		return cell_seal_payload(engine, row, col, INFO_STRING_NULL,
		    NULL, 0, out);
	return cell_seal_payload(engine, row, col, INFO_STRING, value, len, out);
}

int
cell_fingerprint(struct cell_engine *engine, const struct column_crypto *col,
    const char *value, size_t len, char *out, uint8_t raw[SHA256_LEN])
{
	static const uint8_t info = INFO_STRING, info_null = INFO_STRING_NULL;
	uint8_t mac[SHA256_LEN], random[NONCE_LEN];

	if (value == NULL) {
		/* A NULL matches nothing: HMAC of fresh random bytes. */
		if (crypto_rand_pool_take(&engine->pool, random,
		    sizeof(random)) != 0)
			return PSID_ERR_CRYPTO;
		crypto_hmac_compute(&col->hmac, random, sizeof(random),
		    &info_null, 1, mac);
	} else if (len < 256) {
		/* One contiguous input: one SHA-256 update instead of two. */
		uint8_t input[256];

		memcpy(input, value, len);
		input[len] = info;
		crypto_hmac_compute(&col->hmac, input, len + 1, NULL, 0, mac);
		crypto_wipe(input, len + 1);
	} else
		crypto_hmac_compute(&col->hmac, value, len, &info, 1, mac);
	memcpy(out, FINGERPRINT_PREFIX, FINGERPRINT_PREFIX_LEN);
	crypto_b64_encode(out + FINGERPRINT_PREFIX_LEN, mac, SHA256_LEN);
	if (raw != NULL)
		memcpy(raw, mac, SHA256_LEN);
	return PSID_OK;
}

bool
cell_is_sealed(const char *cell, size_t len)
{
	return c3rcell_descriptor(cell, len) == C3RCELL_SEALED;
}

bool
cell_is_fingerprint(const char *cell, size_t len)
{
	return c3rcell_descriptor(cell, len) == C3RCELL_FINGERPRINT;
}

static uint64_t
load_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (civil calendar). */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/*
 * Render a decrypted C3R payload (SPEC §3.3) as CSV text, as C3R's
 * CsvValueFactory does. out holds at least 24 + len bytes.
 */
static long
payload_to_text(const uint8_t *p, size_t len, char *out, bool *is_null)
{
	unsigned type = p[0] >> 1, month, day;
	int64_t v, year;
	int n;

	*is_null = (p[0] & 1) != 0;
	p++;
	len--;
	if (type == 0 || type > 12)
		return PSID_ERR_CELL_FORMAT;
	if (*is_null) {
		/* Only DECIMAL, TIMESTAMP, VARCHAR carry metadata when NULL. */
		if (len == 0 || (type == 6 && len == 8) ||
		    (type == 11 && len == 5) || (type == 12 && len == 4))
			return 0;
		return PSID_ERR_CELL_FORMAT;
	}
	switch (type) {
	case 1:		/* STRING */
	case 4:		/* CHAR */
		memcpy(out, p, len);
		return (long)len;
	case 12:	/* VARCHAR: int32 maxLength, then the string */
	case 6:		/* DECIMAL: int32 precision, int32 scale, string */
		n = type == 12 ? 4 : 8;
		if (len < (size_t)n)
			return PSID_ERR_CELL_FORMAT;
		memcpy(out, p + n, len - (size_t)n);
		return (long)(len - (size_t)n);
	case 2:		/* BIGINT */
	case 9:		/* INT */
	case 10:	/* SMALLINT */
		n = type == 2 ? 8 : type == 9 ? 4 : 2;
		if (len != (size_t)n)
			return PSID_ERR_CELL_FORMAT;
		v = (int64_t)load_be(p, len);
		if (n == 4)
			v = (int32_t)v;
		else if (n == 2)
			v = (int16_t)v;
		return sprintf(out, "%" PRId64, v);
	case 3:		/* BOOLEAN */
		if (len != 1 || p[0] > 1)
			return PSID_ERR_CELL_FORMAT;
		return sprintf(out, "%s", p[0] ? "true" : "false");
	case 5:		/* DATE: int32 days since the epoch */
		if (len != 4)
			return PSID_ERR_CELL_FORMAT;
		civil_from_days((int32_t)load_be(p, 4), &year, &month, &day);
		/* As Java's LocalDate.toString: 4 digits, sign if needed. */
		if (year >= 0 && year <= 9999)
			return sprintf(out, "%04" PRId64 "-%02u-%02u", year,
			    month, day);
		if (year < 0 && year > -10000)
			return sprintf(out, "-%04" PRId64 "-%02u-%02u", -year,
			    month, day);
		return sprintf(out, "%+" PRId64 "-%02u-%02u", year, month, day);
	default:	/* DOUBLE, FLOAT, TIMESTAMP: Java-specific text */
		return PSID_ERR_UNSUPPORTED;
	}
}

long
cell_unseal(struct cell_engine *engine, const char *cell, size_t len,
    char *out, bool *is_null)
{
	struct gcm *ctx = engine->dec;
	uint8_t *raw = engine->scratch, *nonce, *iv, *ct, *tag;
	uint8_t key[KEY_LEN];
	size_t ct_len, payload;
	long n;
	int pad;

	*is_null = false;
	if (c3rcell_kind(cell, len) != C3RCELL_SEALED ||
	    len > PSID_MAX_CELL_LEN)
		return PSID_ERR_CELL_FORMAT;
	n = crypto_b64_decode(raw, cell + SEALED_PREFIX_LEN,
	    len - SEALED_PREFIX_LEN, 0);
	if (n < C3RCELL_SEALED_MIN_BYTES)
		return PSID_ERR_CELL_FORMAT;
	nonce = raw;
	iv = raw + NONCE_LEN;
	ct = iv + IV_LEN;
	ct_len = (size_t)n - NONCE_LEN - IV_LEN - TAG_LEN;
	tag = ct + ct_len;
	if (!engine->dec_keyed || memcmp(engine->dec_nonce, nonce,
	    NONCE_LEN) != 0) {
		/* A new row: its key (cells of a row share the nonce). */
		crypto_sha256_pair(engine->keys->root, KEY_LEN, nonce,
		    NONCE_LEN, key);
		n = gcm_start(ctx, key, iv);
		crypto_wipe(key, sizeof(key));
		if (n != 0)
			return PSID_ERR_CRYPTO;
		memcpy(engine->dec_nonce, nonce, NONCE_LEN);
		engine->dec_keyed = true;
	} else if (gcm_start(ctx, NULL, iv) != 0)
		return PSID_ERR_CRYPTO;
	if (gcm_aad(ctx, (const uint8_t *)SEALED_PREFIX,
	    SEALED_PREFIX_LEN) != 0 || gcm_update(ctx, engine->plain, ct,
	    ct_len) != 0)
		return PSID_ERR_CRYPTO;
	if ((n = gcm_finish_check(ctx, tag)) != 0)
		return n > 0 ? PSID_ERR_AUTHENTICATION : PSID_ERR_CRYPTO;
	/* Trailer: a signed big-endian pad length (SPEC §4.1). */
	pad = (int16_t)(engine->plain[ct_len - 2] << 8 |
	    engine->plain[ct_len - 1]);
	if (pad < 0 || (size_t)pad > ct_len - 3)
		return PSID_ERR_CELL_FORMAT;
	payload = ct_len - 2 - (size_t)pad;
	return payload_to_text(engine->plain, payload, out, is_null);
}
