/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_cell.c: tests of one C3R cell at a time (SPEC §3-§5, §7, §9):
 *  - SPEC Appendix A byte for byte: the fingerprint of "MD" in column
 *    "state" and the sealed cell of "404-555-111" in "phonenumber_sealed"
 *    under a fixed nonce, with the row key and IV in between;
 *  - the known answers of aws/c3r's own unit tests (SealedTransformerTest,
 *    FingerprintTransformerTest, FingerprintEquivalenceClassTest), in the
 *    3.x form and the earlier form that is the CSV-level input;
 *  - seal/unseal round trips for every pad type, NULL, empty, long and
 *    non-ASCII values, and the padded lengths C3R produces;
 *  - the typed payloads a sealed cell can carry (SPEC §3.3, §9);
 *  - errors: values too long for their pad or cell, truncated, tampered,
 *    wrong-key, wrong-version, non-Base64 and short cells, bad trailers;
 *  - NULL fingerprints and joins across column names;
 *  - the public cell API: psid_column_* and psid_unseal.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "cell.h"
#include "crypto.h"
#include "keys.h"
#include "psid/client.h"
#include "suites.h"
#include "testutil.h"

#include <openssl/evp.h>

/* C3R's unit-test secret and salt (SealedTransformerTest.java etc.). */
#define KAT_SECRET "SomeFakeSecretKey"
#define KAT_SALT "saltybytes"
#define KAT_NONCE "nonce01234567890nonce01234567890"

/* Decoded size of a sealed cell around a padded plaintext of n bytes. */
#define SEALED_RAW(n) (NONCE_LEN + IV_LEN + (n) + TAG_LEN)

/* Per-test state: keys, an engine and buffers (too big for a stack). */
struct fx {
	struct psid_keys *keys;
	struct cell_engine engine;
	struct row_key row;
	char cell[PSID_MAX_CELL_LEN + 1];
	char out[PSID_MAX_CELL_LEN + 1];
	uint8_t raw[PSID_MAX_CELL_LEN];
	uint8_t value[PSID_MAX_CELL_LEN];
};

static const struct psid_settings high_assurance = {
	false, false, false, false
};
static const struct psid_settings low_assurance = {
	true, true, true, true
};

static struct psid_keys *
fixture_keys(void)
{
	struct psid_keys *keys = NULL;

	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, FIXTURE_ID, &keys),
	    PSID_OK);
	return keys;
}

static struct psid_keys *
kat_keys(void)
{
	struct psid_keys *keys = NULL;

	ck_assert_int_eq(psid_keys_new_raw((const uint8_t *)KAT_SECRET,
	    strlen(KAT_SECRET), KAT_SALT, &keys), PSID_OK);
	return keys;
}

static struct fx *
fx_new(struct psid_keys *keys)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	ck_assert_ptr_nonnull(fx);
	fx->keys = keys;
	ck_assert_int_eq(cell_engine_init(&fx->engine, keys), PSID_OK);
	return fx;
}

static void
fx_free(struct fx *fx)
{
	cell_engine_release(&fx->engine);
	psid_keys_free(fx->keys);
	free(fx);
}

static void
col_init(struct column_crypto *col, const struct psid_keys *keys,
    const char *label, enum psid_column_type type, enum psid_pad_type pad,
    unsigned pad_length, bool allow_joins, bool preserve_nulls)
{
	struct psid_settings settings = high_assurance;

	settings.allow_joins_on_columns_with_different_names = allow_joins;
	settings.preserve_nulls = preserve_nulls;
	ck_assert_int_eq(cell_column_crypto_init(col, keys, &settings, label, type,
	    pad, pad_length), PSID_OK);
}

static void
assert_hex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t buf[512];

	ck_assert_uint_eq(strlen(want), 2 * len);
	ck_assert_uint_le(len, sizeof(buf));
	ck_assert_uint_eq(hex_decode(want, buf), len);
	ck_assert_mem_eq(got, buf, len);
}

/* Base64-decode a sealed cell's body into raw; returns its length. */
static size_t
cell_body(const char *cell, size_t len, uint8_t *raw)
{
	long n;

	ck_assert_uint_ge(len, SEALED_PREFIX_LEN);
	n = crypto_b64_decode(raw, cell + SEALED_PREFIX_LEN,
	    len - SEALED_PREFIX_LEN, 0);
	ck_assert_int_ge(n, 0);
	return (size_t)n;
}

/* Seal, unseal, and check the value comes back; returns the cell length. */
static long
round_trip(struct fx *fx, const struct column_crypto *col, const char *value,
    size_t len)
{
	bool is_null = true;
	long n, m;

	ck_assert_int_eq(cell_row_begin(&fx->engine, &fx->row), PSID_OK);
	n = cell_seal(&fx->engine, &fx->row, col, value, len, fx->cell);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(strlen(fx->cell), (size_t)n);
	ck_assert_uint_eq(cell_sealed_len(col, len, value == NULL), (size_t)n);
	ck_assert(strncmp(fx->cell, "02:enc:", 7) == 0);
	ck_assert(cell_is_sealed(fx->cell, (size_t)n));
	m = cell_unseal(&fx->engine, fx->cell, (size_t)n, fx->out, &is_null);
	if (value == NULL) {
		ck_assert_int_eq(m, 0);
		ck_assert(is_null);
	} else {
		ck_assert_int_eq(m, (long)len);
		ck_assert(!is_null);
		if (len > 0)
			ck_assert_mem_eq(fx->out, value, len);
	}
	cell_row_key_wipe(&fx->row);
	return n;
}

/*
 * Build a sealed cell by hand with OpenSSL, as SPEC §4 describes it:
 * prefix + Base64(nonce ‖ iv ‖ AES-256-GCM(SHA-256(root ‖ nonce), iv,
 * aad, plaintext) ‖ tag), iv = SHA-256(label ‖ nonce)[0:12]. The prefix
 * is the AAD (C3R writes its descriptor and authenticates it).
 */
static size_t
seal_by_hand(const struct psid_keys *keys, const uint8_t *nonce,
    const char *label, const char *aad, const uint8_t *plain, size_t len,
    char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t key[SHA256_LEN], iv[SHA256_LEN], buf[SEALED_RAW(512)];
	size_t aad_len = strlen(aad);
	int outl = 0, finl = 0;

	ck_assert_uint_le(len, 512);
	ck_assert_ptr_nonnull(ctx);
	crypto_sha256_pair(keys->root, KEY_LEN, nonce, NONCE_LEN, key);
	crypto_sha256_pair(label, strlen(label), nonce, NONCE_LEN, iv);
	memcpy(buf, nonce, NONCE_LEN);
	memcpy(buf + NONCE_LEN, iv, IV_LEN);
	ck_assert_int_eq(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL,
	    key, iv), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(ctx, NULL, &outl,
	    (const uint8_t *)aad, (int)aad_len), 1);
	ck_assert_int_eq(EVP_EncryptUpdate(ctx, buf + NONCE_LEN + IV_LEN,
	    &outl, plain, (int)len), 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(ctx, buf + NONCE_LEN + IV_LEN +
	    outl, &finl), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
	    TAG_LEN, buf + NONCE_LEN + IV_LEN + len), 1);
	EVP_CIPHER_CTX_free(ctx);
	memcpy(out, aad, aad_len);
	return aad_len + crypto_b64_encode(out + aad_len, buf, SEALED_RAW(len));
}

/*
 * Open a decoded sealed body with OpenSSL and a given AAD; returns the
 * plaintext length, or -1 when the tag does not verify.
 */
static long
open_by_hand(const struct psid_keys *keys, const uint8_t *raw, size_t n,
    const char *aad, uint8_t *plain)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t key[SHA256_LEN];
	size_t ct_len = n - NONCE_LEN - IV_LEN - TAG_LEN;
	int outl = 0, finl = 0, ok;

	ck_assert_ptr_nonnull(ctx);
	crypto_sha256_pair(keys->root, KEY_LEN, raw, NONCE_LEN, key);
	ck_assert_int_eq(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL,
	    key, raw + NONCE_LEN), 1);
	ck_assert_int_eq(EVP_DecryptUpdate(ctx, NULL, &outl,
	    (const uint8_t *)aad, (int)strlen(aad)), 1);
	ck_assert_int_eq(EVP_DecryptUpdate(ctx, plain, &outl,
	    raw + NONCE_LEN + IV_LEN, (int)ct_len), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
	    TAG_LEN, (void *)(raw + n - TAG_LEN)), 1);
	ok = EVP_DecryptFinal_ex(ctx, plain + outl, &finl);
	EVP_CIPHER_CTX_free(ctx);
	return ok == 1 ? (long)ct_len : -1;
}

/* "02:hmac:" + Base64(HMAC(column key, input ‖ suffix)); suffix -1: none. */
static void
fingerprint_raw(const struct column_crypto *col, const void *input,
    size_t len, int suffix, char out[PSID_FINGERPRINT_CELL_LEN + 1])
{
	uint8_t mac[SHA256_LEN], s = (uint8_t)suffix;

	crypto_hmac_compute(&col->hmac, input, len, &s, suffix >= 0 ? 1 : 0,
	    mac);
	memcpy(out, FINGERPRINT_PREFIX, FINGERPRINT_PREFIX_LEN);
	ck_assert_uint_eq(crypto_b64_encode(out + FINGERPRINT_PREFIX_LEN, mac,
	    SHA256_LEN), 44);
}

/* ------------------------------------------------------- Appendix A */

/* SPEC Appendix A: nonce a0 a1 ... bf. */
static void
appendix_a_nonce(uint8_t nonce[NONCE_LEN])
{
	size_t i;

	for (i = 0; i < NONCE_LEN; i++)
		nonce[i] = (uint8_t)(0xa0 + i);
}

#define APPENDIX_A_FINGERPRINT \
	"02:hmac:+dN/pFTpIHUfH0S+jtmzb55SwEg+rzoHTRuoj5qHsuA="
#define APPENDIX_A_SEALED \
	"02:enc:oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr+cynUzAI3aeKQy" \
	"P/I1GtwykqUhAjX1G8exFAus6xlxXNKCOx4WCgytzBA="

START_TEST(test_appendix_a_fingerprint)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	/* crypto_b64_decode() writes 3 bytes per quad: 33 for a 32-byte MAC. */
	uint8_t mac[SHA256_LEN], want[SHA256_LEN + 1];
	char text[PSID_FINGERPRINT_CELL_LEN + 1];

	col_init(&col, fx->keys, "state", PSID_COLUMN_FINGERPRINT,
	    PSID_PAD_NONE, 0, false, false);
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &col, "MD", 2,
	    fx->cell, mac), PSID_OK);
	fx->cell[PSID_FINGERPRINT_CELL_LEN] = '\0';
	ck_assert_str_eq(fx->cell, APPENDIX_A_FINGERPRINT);
	ck_assert(cell_is_fingerprint(fx->cell, PSID_FINGERPRINT_CELL_LEN));
	ck_assert(!cell_is_sealed(fx->cell, PSID_FINGERPRINT_CELL_LEN));
	/* raw is the MAC itself: Base64 of it is the cell body. */
	ck_assert_int_eq(crypto_b64_decode(want,
	    fx->cell + FINGERPRINT_PREFIX_LEN, 44, 0), SHA256_LEN);
	ck_assert_mem_eq(mac, want, SHA256_LEN);
	/* input = 4d 44 02 ("MD" ‖ STRING info byte), as Appendix A says. */
	fingerprint_raw(&col, "\x4d\x44\x02", 3, -1, text);
	ck_assert_str_eq(text, APPENDIX_A_FINGERPRINT);
	/* Deterministic, and NULL raw is allowed. */
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &col, "MD", 2,
	    text, NULL), PSID_OK);
	text[PSID_FINGERPRINT_CELL_LEN] = '\0';
	ck_assert_str_eq(text, APPENDIX_A_FINGERPRINT);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

START_TEST(test_appendix_a_sealed)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	uint8_t nonce[NONCE_LEN], iv[SHA256_LEN];
	bool is_null = true;
	size_t n;
	long len;

	appendix_a_nonce(nonce);
	col_init(&col, fx->keys, "phonenumber_sealed", PSID_COLUMN_SEALED,
	    PSID_PAD_NONE, 0, false, false);
	cell_row_begin_with_nonce(&fx->engine, &fx->row, nonce);
	/* cellKey = SHA-256(rootKey ‖ nonce). */
	ck_assert_mem_eq(fx->row.nonce, nonce, NONCE_LEN);
	assert_hex(fx->row.key, KEY_LEN, "ec11b0ead78a3d2741f70d853084864ead"
	    "55839de00875eccf924069034cf2ea");
	len = cell_seal(&fx->engine, &fx->row, &col, "404-555-111", 11,
	    fx->cell);
	ck_assert_int_eq(len, (long)strlen(APPENDIX_A_SEALED));
	ck_assert_str_eq(fx->cell, APPENDIX_A_SEALED);
	ck_assert_uint_eq(cell_sealed_len(&col, 11, false), (size_t)len);

	/* nonce ‖ iv ‖ ct ‖ tag, padded = 02 ‖ "404-555-111" ‖ 00 00. */
	n = cell_body(fx->cell, (size_t)len, fx->raw);
	ck_assert_uint_eq(n, SEALED_RAW(1 + 11 + 2));
	ck_assert_mem_eq(fx->raw, nonce, NONCE_LEN);
	assert_hex(fx->raw + NONCE_LEN, IV_LEN, "9cca7533008dda78a4323ff2");
	crypto_sha256_pair("phonenumber_sealed", 18, nonce, NONCE_LEN, iv);
	ck_assert_mem_eq(fx->raw + NONCE_LEN, iv, IV_LEN);
	assert_hex(fx->raw + NONCE_LEN + IV_LEN, 14 + TAG_LEN,
	    "351adc3292a5210235f51bc7b1140baceb19715cd2823b1e160a0cadcc10");
	ck_assert_int_eq(open_by_hand(fx->keys, fx->raw, n, "02:enc:",
	    fx->value), 14);
	ck_assert_mem_eq(fx->value, "\x02" "404-555-111\0\0", 14);

	/* The same through cell_seal_payload with the STRING info byte. */
	len = cell_seal_payload(&fx->engine, &fx->row, &col, INFO_STRING,
	    "404-555-111", 11, fx->out);
	ck_assert_int_gt(len, 0);
	ck_assert_str_eq(fx->out, APPENDIX_A_SEALED);

	/* And it decrypts. */
	len = cell_unseal(&fx->engine, APPENDIX_A_SEALED,
	    strlen(APPENDIX_A_SEALED), fx->out, &is_null);
	ck_assert_int_eq(len, 11);
	ck_assert(!is_null);
	ck_assert_mem_eq(fx->out, "404-555-111", 11);
	cell_row_key_wipe(&fx->row);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

/*
 * Under one row (nonce), several sealed columns share the row key but
 * each has its own IV; the output depends only on (key, nonce, label,
 * value), whatever was sealed before.
 */
START_TEST(test_row_shared_nonce)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto a, b;
	uint8_t nonce[NONCE_LEN], raw_b[SEALED_RAW(64)];
	char first[256], second[256], third[256];
	size_t na, nb;

	appendix_a_nonce(nonce);
	col_init(&a, fx->keys, "phonenumber_sealed", PSID_COLUMN_SEALED,
	    PSID_PAD_NONE, 0, false, false);
	col_init(&b, fx->keys, "notes", PSID_COLUMN_SEALED, PSID_PAD_NONE, 0,
	    false, false);
	cell_row_begin_with_nonce(&fx->engine, &fx->row, nonce);
	ck_assert_int_gt(cell_seal(&fx->engine, &fx->row, &a, "404-555-111",
	    11, first), 0);
	ck_assert_int_gt(cell_seal(&fx->engine, &fx->row, &b, "404-555-111",
	    11, second), 0);
	ck_assert_int_gt(cell_seal(&fx->engine, &fx->row, &a, "404-555-111",
	    11, third), 0);
	ck_assert_str_eq(first, APPENDIX_A_SEALED);
	ck_assert_str_eq(third, APPENDIX_A_SEALED);
	/* Same first 43 Base64 characters (the nonce), another IV. */
	ck_assert(strncmp(first, second, 7 + 43) == 0);
	ck_assert_str_ne(first, second);
	na = cell_body(first, strlen(first), fx->raw);
	nb = cell_body(second, strlen(second), raw_b);
	ck_assert_uint_eq(na, nb);
	ck_assert_mem_ne(fx->raw + NONCE_LEN, raw_b + NONCE_LEN, IV_LEN);
	/* A new row with the same nonce gives the same cell again. */
	cell_row_key_wipe(&fx->row);
	cell_row_begin_with_nonce(&fx->engine, &fx->row, nonce);
	ck_assert_int_gt(cell_seal(&fx->engine, &fx->row, &b, "404-555-111",
	    11, third), 0);
	ck_assert_str_eq(third, second);
	/* Cross-check against a cell built by hand with OpenSSL. */
	ck_assert_uint_eq(seal_by_hand(fx->keys, nonce, "notes", "02:enc:",
	    (const uint8_t *)"\x02" "404-555-111\0\0", 14, third),
	    strlen(second));
	ck_assert_str_eq(third, second);
	cell_row_key_wipe(&fx->row);
	cell_column_crypto_wipe(&a);
	cell_column_crypto_wipe(&b);
	fx_free(fx);
}
END_TEST

/* ------------------------------------------------- C3R sealed KATs */

/*
 * aws/c3r c3r-sdk-core/src/test/java/com/amazonaws/c3r/
 * SealedTransformerTest.java (3.x, commit a62b7382): key "SomeFakeSecretKey"
 * (17 raw bytes), salt "saltybytes", label "label", nonce
 * "nonce01234567890nonce01234567890", PadType.NONE. The transformer gets
 * the payload as is (no type byte): marshalTest seals "some cleartext
 * data", marshalEmptyDataTest seals an empty payload.
 */
#define KAT_SEALED_MARSHAL \
	"02:enc:bm9uY2UwMTIzNDU2Nzg5MG5vbmNlMDEyMzQ1Njc4OTBqfRYZ98t5KU6a" \
	"WfsQmMshIXB+aQeNKcVLRIG4IqVn2RSlGoabQoytMye/pDz15Oas"
#define KAT_SEALED_EMPTY \
	"02:enc:bm9uY2UwMTIzNDU2Nzg5MG5vbmNlMDEyMzQ1Njc4OTBqfRYZ98t5KU6a" \
	"Wftj95yDN+G/A0Lx0zJ7ED5/Mfo="
/* buildBase64EncodedCiphertext{EmptyMessage,}Test: Base64(nonce ‖ iv ‖ m). */
#define KAT_NONCE_IV_B64 \
	"bm9uY2UwMTIzNDU2Nzg5MG5vbmNlMDEyMzQ1Njc4OTBqfRYZ98t5KU6aWfs="
#define KAT_NONCE_IV_MESSAGE_B64 \
	"bm9uY2UwMTIzNDU2Nzg5MG5vbmNlMDEyMzQ1Njc4OTBqfRYZ98t5KU6aWftzb21l" \
	"IG1lc3NhZ2U="

START_TEST(test_c3r_sealed_kat)
{
	struct fx *fx = fx_new(kat_keys());
	struct column_crypto col;
	uint8_t buf[NONCE_LEN + IV_LEN + 12], iv[SHA256_LEN];
	char text[128];
	bool is_null;
	long len;

	col_init(&col, fx->keys, "label", PSID_COLUMN_SEALED, PSID_PAD_NONE,
	    0, false, false);
	cell_row_begin_with_nonce(&fx->engine, &fx->row,
	    (const uint8_t *)KAT_NONCE);

	/* IV = SHA-256("label" ‖ nonce)[0:12], as Base64 after the nonce. */
	crypto_sha256_pair("label", 5, KAT_NONCE, NONCE_LEN, iv);
	memcpy(buf, KAT_NONCE, NONCE_LEN);
	memcpy(buf + NONCE_LEN, iv, IV_LEN);
	crypto_b64_encode(text, buf, NONCE_LEN + IV_LEN);
	ck_assert_str_eq(text, KAT_NONCE_IV_B64);
	memcpy(buf + NONCE_LEN + IV_LEN, "some message", 12);
	crypto_b64_encode(text, buf, sizeof(buf));
	ck_assert_str_eq(text, KAT_NONCE_IV_MESSAGE_B64);

	len = cell_seal_payload(&fx->engine, &fx->row, &col, -1,
	    "some cleartext data", 19, fx->cell);
	ck_assert_int_eq(len, (long)strlen(KAT_SEALED_MARSHAL));
	ck_assert_str_eq(fx->cell, KAT_SEALED_MARSHAL);
	len = cell_seal_payload(&fx->engine, &fx->row, &col, -1, "", 0,
	    fx->cell);
	ck_assert_int_eq(len, (long)strlen(KAT_SEALED_EMPTY));
	ck_assert_str_eq(fx->cell, KAT_SEALED_EMPTY);

	/* Without a type byte these are not CSV cells: decryption refuses. */
	ck_assert_int_eq(cell_unseal(&fx->engine, KAT_SEALED_MARSHAL,
	    strlen(KAT_SEALED_MARSHAL), fx->out, &is_null),
	    PSID_ERR_CELL_FORMAT);
	ck_assert_int_eq(cell_unseal(&fx->engine, KAT_SEALED_EMPTY,
	    strlen(KAT_SEALED_EMPTY), fx->out, &is_null),
	    PSID_ERR_CELL_FORMAT);
	/* But they authenticate: the payload is what Java sealed. */
	len = (long)cell_body(KAT_SEALED_MARSHAL, strlen(KAT_SEALED_MARSHAL),
	    fx->raw);
	ck_assert_int_eq(open_by_hand(fx->keys, fx->raw, (size_t)len,
	    "02:enc:", fx->value), 21);
	ck_assert_mem_eq(fx->value, "some cleartext data\0\0", 21);
	cell_row_key_wipe(&fx->row);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

/*
 * The same tests before 3.0 (aws/c3r SealedTransformerTest.java, commit
 * 1a376ba5): "01:enc:" cells, whose AAD was "01:enc:" and whose
 * transformer prefixed the STRING type byte itself, i.e. the plaintext
 * of a CSV cell (02 ‖ value, or 03 for NULL). GCM's ciphertext does not
 * depend on the AAD, so cell_seal() must give the same nonce ‖ iv ‖
 * ciphertext; only the tag differs. HEAD rejects "01:" cells (SPEC §4.6).
 */
static const struct {
	const char *value;	/* NULL: an encrypted NULL */
	const char *cell;	/* marshal{,EmptyData,NullData...}Test */
} old_sealed[] = {
	{ "some cleartext data",
	  "01:enc:bm9uY2UwMTIzNDU2Nzg5MG5vbmNlMDEyMzQ1Njc4OTBqfRYZ98t5KU6a"
	  "WfthhMkpZDNxYAOeL9RWSNX8J7ByuBScwbxT/7vpSoRnTVWu0kXmHA==" },
	{ "",
	  "01:enc:bm9uY2UwMTIzNDU2Nzg5MG5vbmNlMDEyMzQ1Njc4OTBqfRYZ98t5KU6a"
	  "Wfth96bE3B6pNqPzS3k9XRM+joTw" },
	{ NULL,
	  "01:enc:bm9uY2UwMTIzNDU2Nzg5MG5vbmNlMDEyMzQ1Njc4OTBqfRYZ98t5KU6a"
	  "Wftg96a4yADdecnBVZYmd8IxXr30" },
};

START_TEST(test_c3r_sealed_kat_v1)
{
	struct fx *fx = fx_new(kat_keys());
	struct column_crypto col;
	uint8_t java[SEALED_RAW(64)], plain[64];
	const char *value = old_sealed[_i].value;
	size_t vlen = value != NULL ? strlen(value) : 0, n, jn;
	bool is_null;
	long len;

	col_init(&col, fx->keys, "label", PSID_COLUMN_SEALED, PSID_PAD_NONE,
	    0, false, false);
	cell_row_begin_with_nonce(&fx->engine, &fx->row,
	    (const uint8_t *)KAT_NONCE);
	len = cell_seal(&fx->engine, &fx->row, &col, value, vlen, fx->cell);
	ck_assert_int_gt(len, 0);
	n = cell_body(fx->cell, (size_t)len, fx->raw);
	jn = cell_body(old_sealed[_i].cell, strlen(old_sealed[_i].cell),
	    java);
	ck_assert_uint_eq(n, jn);
	ck_assert_uint_eq(n, SEALED_RAW((value != NULL ? 1 + vlen : 1) + 2));
	/* nonce ‖ iv ‖ ciphertext equal; tags differ (other AAD). */
	ck_assert_mem_eq(fx->raw, java, n - TAG_LEN);
	ck_assert_mem_ne(fx->raw + n - TAG_LEN, java + n - TAG_LEN, TAG_LEN);
	/* The Java tag verifies under AAD "01:enc:" with our row key. */
	ck_assert_int_eq(open_by_hand(fx->keys, java, jn, "01:enc:", plain),
	    (long)(n - SEALED_RAW(0)));
	ck_assert_int_eq(plain[0], value != NULL ? 0x02 : 0x03);
	if (vlen > 0)
		ck_assert_mem_eq(plain + 1, value, vlen);
	ck_assert_int_eq(open_by_hand(fx->keys, java, jn, "02:enc:", plain),
	    -1);
	/* Version 01 is refused, before any decryption. */
	ck_assert_int_eq(cell_unseal(&fx->engine, old_sealed[_i].cell,
	    strlen(old_sealed[_i].cell), fx->out, &is_null),
	    PSID_ERR_CELL_FORMAT);
	/* Our own cell, with the 02 AAD, unseals to the value. */
	ck_assert_int_eq(cell_unseal(&fx->engine, fx->cell, (size_t)len,
	    fx->out, &is_null), (long)vlen);
	ck_assert(is_null == (value == NULL));
	cell_row_key_wipe(&fx->row);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

/* -------------------------------------------- C3R fingerprint KATs */

/*
 * aws/c3r c3r-sdk-core/src/test/java/com/amazonaws/c3r/
 * FingerprintTransformerTest.java (3.x, commit a62b7382): key
 * "SomeFakeSecretKey", salt "saltybytes", label "label", STRING context;
 * the transformer MACs its input as is (no type suffix).
 *  marshalAllowJoinsOnColumnsWithDifferentNamesFalseTest: high assurance,
 *    per-column key; "differentLabel" gives another cell.
 *  marshalAllowJoinsOnColumnsWithDifferentNamesTrueTest: low assurance,
 *    shared (root) key; "differentLabel" gives the same cell.
 *  marshalEmptyDataTest: high assurance, empty input.
 */
START_TEST(test_c3r_fingerprint_kat)
{
	struct psid_keys *keys = kat_keys();
	struct column_crypto label, other, shared, shared_other;
	char text[PSID_FINGERPRINT_CELL_LEN + 1];
	char text2[PSID_FINGERPRINT_CELL_LEN + 1];
	static const char data[] = "some cleartext data";

	col_init(&label, keys, "label", PSID_COLUMN_FINGERPRINT,
	    PSID_PAD_NONE, 0, false, false);
	col_init(&other, keys, "differentLabel", PSID_COLUMN_FINGERPRINT,
	    PSID_PAD_NONE, 0, false, false);
	col_init(&shared, keys, "label", PSID_COLUMN_FINGERPRINT,
	    PSID_PAD_NONE, 0, true, true);
	col_init(&shared_other, keys, "differentLabel",
	    PSID_COLUMN_FINGERPRINT, PSID_PAD_NONE, 0, true, true);

	fingerprint_raw(&label, data, 19, -1, text);
	ck_assert_str_eq(text,
	    "02:hmac:qpQRixU/cftGhMGkt0G+cy/bKyvui15spVTEk5YYOA8=");
	fingerprint_raw(&other, data, 19, -1, text2);
	ck_assert_str_ne(text, text2);

	fingerprint_raw(&shared, data, 19, -1, text);
	ck_assert_str_eq(text,
	    "02:hmac:S2WgUaexdXJ1wbgJ829QYUfEioKyF+soXJCQuH/p020=");
	fingerprint_raw(&shared_other, data, 19, -1, text2);
	ck_assert_str_eq(text, text2);

	fingerprint_raw(&label, "", 0, -1, text);
	ck_assert_str_eq(text,
	    "02:hmac:zQOr/XFsJQCQ+rkEmBw5F8u9yTs/48vLFadq2cQ5fbs=");

	cell_column_crypto_wipe(&label);
	cell_column_crypto_wipe(&other);
	cell_column_crypto_wipe(&shared);
	cell_column_crypto_wipe(&shared_other);
	psid_keys_free(keys);
}
END_TEST

/*
 * The same FingerprintTransformerTest before 3.0 (aws/c3r commit
 * 821257ef), whose transformer appended the STRING type byte 0x02
 * itself: that is exactly a CSV fingerprint cell, cell_fingerprint().
 */
START_TEST(test_c3r_fingerprint_kat_v1)
{
	struct fx *fx = fx_new(kat_keys());
	struct column_crypto label, shared;

	col_init(&label, fx->keys, "label", PSID_COLUMN_FINGERPRINT,
	    PSID_PAD_NONE, 0, false, false);
	col_init(&shared, fx->keys, "label", PSID_COLUMN_FINGERPRINT,
	    PSID_PAD_NONE, 0, true, false);

	/* marshalAllowJoinsOnColumnsWithDifferentNamesFalseTest */
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &label,
	    "some cleartext data", 19, fx->cell, NULL), PSID_OK);
	fx->cell[PSID_FINGERPRINT_CELL_LEN] = '\0';
	ck_assert_str_eq(fx->cell,
	    "02:hmac:WRtZMlbn+zFNU5YAR0UT1S9v128kUMhV2PAJSdjGzqw=");
	/* marshalAllowJoinsOnColumnsWithDifferentNamesTrueTest */
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &shared,
	    "some cleartext data", 19, fx->cell, NULL), PSID_OK);
	fx->cell[PSID_FINGERPRINT_CELL_LEN] = '\0';
	ck_assert_str_eq(fx->cell,
	    "02:hmac:7YchN4H6pV0CxfGNX51VXRjCNx0/V43fMkV0lkTfAeE=");
	/* marshalEmptyDataTest */
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &label, "", 0,
	    fx->cell, NULL), PSID_OK);
	fx->cell[PSID_FINGERPRINT_CELL_LEN] = '\0';
	ck_assert_str_eq(fx->cell,
	    "02:hmac:+UJjyBG1kJXUe4u0C5FTM7WaEhGl9+PB5blhAURDvnQ=");

	cell_column_crypto_wipe(&label);
	cell_column_crypto_wipe(&shared);
	fx_free(fx);
}
END_TEST

/*
 * aws/c3r c3r-sdk-core/src/test/java/com/amazonaws/c3r/data/
 * FingerprintEquivalenceClassTest.java: high assurance (per-column key,
 * label "label"), key "SomeFakeSecretKey", salt "saltybytes". Inputs are
 * ValueConverter.*.toBytes(): BIGINT 8 bytes big-endian, BOOLEAN 1 byte,
 * DATE (Int.toBytes) 4 bytes big-endian, STRING UTF-8. In 3.x (commit
 * a62b7382) the transformer MACs the bytes as given (suffix -1) except in
 * differentEquivalenceClassesDoNotMatchTest, which first appends the
 * info byte through ValueConverter.getBytesForColumn (BIGINT 0x04, and
 * STRING 0x02 for the same 8 bytes typed as a string). Before 3.0
 * (commit 821257ef) the transformer appended the representative type's
 * info byte itself: the "suffixed" form that the fingerprint input of a
 * typed value has at HEAD (SPEC §3.4).
 */
static const struct {
	const char *test;
	const char *hex;	/* input bytes */
	int suffix;		/* info byte appended, or -1 */
	const char *cell;
} equivalence[] = {
	/* 3.x (a62b7382) */
	{ "bigintIsAccepted", "7fffffffffffffff", -1,
	  "02:hmac:kjXoghmHSYZn5nBkoWZpyAlIyBmao03MAVIdHp4rSy4=" },
	{ "booleanIsAccepted", "01", -1,
	  "02:hmac:YK+q8evdVH86XycuCkXvpzCQIXdyCiMRB+ggXieNI6o=" },
	{ "dateIsAccepted", "00000064", -1,
	  "02:hmac:D4lN29HIikYxdDsiSqgs0+LRTmZiWBCptsJ59yKubB0=" },
	{ "stringIsAccepted", "3132333435", -1,
	  "02:hmac:qAYEgUqI8GW2S0+1uZiYl2EWlaaPZrcHfvclC1yAQqo=" },
	{ "differentEquivalenceClassesDoNotMatchTest (BIGINT)",
	  "0000000000000064", 0x04,
	  "02:hmac:XxBlrpT1ndd+Jk12ya7Finb9I9rOCzBO3ivb/inZ0eo=" },
	{ "differentEquivalenceClassesDoNotMatchTest (STRING)",
	  "0000000000000064", 0x02,
	  "02:hmac:1Mv2rjn0cWRjXl5nWA3dNP0hT6PXDbcDbZhayZMgNMU=" },
	/* before 3.0 (821257ef): the type byte appended by the transformer */
	{ "bigintIsAccepted (v1)", "7fffffffffffffff", 0x04,
	  "02:hmac:tJkxHwIHIj0kN9fOGfMmqRlHm7JSJukZ0+KLiUCPaWM=" },
	{ "booleanIsAccepted (v1)", "01", 0x06,
	  "02:hmac:Tzupi3wWfO1KjWtrbHQ1QS/uYZMPcqcBOJQ7oW7XPzg=" },
	{ "dateIsAccepted (v1)", "00000064", 0x0a,
	  "02:hmac:8sqW9guEZZM5Yp4ZrPHg5os8s0j+m2odoieHGVto2eg=" },
	{ "stringIsAccepted (v1)", "3132333435", 0x02,
	  "02:hmac:31wVfl2/f1AUWduklYARibTmLE0P4/99MtNJ14W7qO8=" },
};

START_TEST(test_c3r_equivalence_kat)
{
	struct fx *fx = fx_new(kat_keys());
	struct column_crypto col;
	char text[PSID_FINGERPRINT_CELL_LEN + 1];
	uint8_t input[16];
	size_t n;

	col_init(&col, fx->keys, "label", PSID_COLUMN_FINGERPRINT,
	    PSID_PAD_NONE, 0, false, false);
	n = hex_decode(equivalence[_i].hex, input);
	fingerprint_raw(&col, input, n, equivalence[_i].suffix, text);
	ck_assert_msg(strcmp(text, equivalence[_i].cell) == 0, "%s: %s",
	    equivalence[_i].test, text);
	/* A STRING-suffixed input is exactly what cell_fingerprint() MACs. */
	if (equivalence[_i].suffix == INFO_STRING) {
		ck_assert_int_eq(cell_fingerprint(&fx->engine, &col,
		    (const char *)input, n, fx->cell, NULL), PSID_OK);
		fx->cell[PSID_FINGERPRINT_CELL_LEN] = '\0';
		ck_assert_str_eq(fx->cell, equivalence[_i].cell);
	}
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

/* ------------------------------------------------------ round trips */

/* NONE; FIXED 2048; MAX with pad 16 over a longest value of 2000. */
static const struct {
	enum psid_pad_type pad;
	unsigned pad_length;
	size_t longest;
} trip_pads[] = {
	{ PSID_PAD_NONE, 0, 0 },
	{ PSID_PAD_FIXED, 2048, 0 },
	{ PSID_PAD_MAX, 16, 2000 },
};

START_TEST(test_round_trip_lengths)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	uint64_t state = 0x1234567 + (uint64_t)_i;
	size_t len, padded, n;
	long cell;

	col_init(&col, fx->keys, "value", PSID_COLUMN_SEALED,
	    trip_pads[_i].pad, trip_pads[_i].pad_length, false, false);
	if (trip_pads[_i].pad == PSID_PAD_MAX) {
		col.longest = trip_pads[_i].longest;
		col.longest_seen = true;
	}
	for (len = 0; len <= 2000; len++) {
		/* Any bytes: a STRING payload is copied back verbatim. */
		fill_rand(&state, fx->value, len);
		cell = round_trip(fx, &col, (const char *)fx->value, len);
		n = cell_body(fx->cell, (size_t)cell, fx->raw);
		switch (trip_pads[_i].pad) {
		case PSID_PAD_NONE:
			padded = 1 + len + 2;
			break;
		case PSID_PAD_FIXED:
			padded = trip_pads[_i].pad_length + 2;
			break;
		default:
			padded = trip_pads[_i].pad_length +
			    trip_pads[_i].longest + 1 + 2;
			break;
		}
		ck_assert_uint_eq(n, SEALED_RAW(padded));
		ck_assert_uint_eq((size_t)cell, SEALED_PREFIX_LEN +
		    B64_ENCODED_LEN(SEALED_RAW(padded)));
	}
	/* NULL and the empty string are distinct. */
	round_trip(fx, &col, NULL, 0);
	round_trip(fx, &col, "", 0);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

/* FIXED 128: every plaintext is 128 + 2 bytes (SPEC §4.1). */
START_TEST(test_fixed_128)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	uint64_t state = 99;
	size_t len;
	long cell;

	col_init(&col, fx->keys, "title", PSID_COLUMN_SEALED, PSID_PAD_FIXED,
	    128, false, false);
	for (len = 0; len < 128; len++) {
		fill_rand(&state, fx->value, len);
		cell = round_trip(fx, &col, (const char *)fx->value, len);
		ck_assert_uint_eq(cell_body(fx->cell, (size_t)cell, fx->raw),
		    32 + 12 + 130 + 16);
	}
	cell = round_trip(fx, &col, NULL, 0);
	ck_assert_uint_eq(cell_body(fx->cell, (size_t)cell, fx->raw),
	    32 + 12 + 130 + 16);
	/* 128 bytes + the type byte do not fit in 128. */
	ck_assert_int_eq(cell_seal(&fx->engine, &fx->row, &col,
	    (const char *)fx->value, 128, fx->cell), PSID_ERR_TOO_LONG);
	ck_assert_uint_eq(cell_sealed_len(&col, 128, false), 0);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

/* MAX: target = pad + longest + 1 (the type byte), plus the trailer. */
START_TEST(test_max_padding)
{
	static const unsigned pads[] = { 0, 1, 3, 32, 100 };
	static const size_t longest[] = { 0, 1, 15, 64 };
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	size_t p, l, len, want;
	long cell;

	memset(fx->value, 'v', 256);
	for (p = 0; p < sizeof(pads) / sizeof(pads[0]); p++) {
		for (l = 0; l < sizeof(longest) / sizeof(longest[0]); l++) {
			col_init(&col, fx->keys, "city", PSID_COLUMN_SEALED,
			    PSID_PAD_MAX, pads[p], false, false);
			col.longest = longest[l];
			col.longest_seen = true;
			want = 32 + 12 + (pads[p] + longest[l] + 1 + 2) + 16;
			for (len = 0; len <= longest[l]; len++) {
				cell = round_trip(fx, &col,
				    (const char *)fx->value, len);
				ck_assert_uint_eq(cell_body(fx->cell,
				    (size_t)cell, fx->raw), want);
			}
			cell = round_trip(fx, &col, NULL, 0);
			ck_assert_uint_eq(cell_body(fx->cell, (size_t)cell,
			    fx->raw), want);
			/* Longer than the longest still fits in the pad... */
			len = longest[l] + pads[p];
			cell = round_trip(fx, &col, (const char *)fx->value,
			    len);
			ck_assert_uint_eq(cell_body(fx->cell, (size_t)cell,
			    fx->raw), want);
			/* ...but not one byte more. */
			ck_assert_int_eq(cell_seal(&fx->engine, &fx->row,
			    &col, (const char *)fx->value, len + 1,
			    fx->cell), PSID_ERR_TOO_LONG);
			cell_column_crypto_wipe(&col);
		}
	}
	/* No non-NULL value seen: the target is the pad alone. */
	col_init(&col, fx->keys, "city", PSID_COLUMN_SEALED, PSID_PAD_MAX, 5,
	    false, false);
	cell = round_trip(fx, &col, NULL, 0);
	ck_assert_uint_eq(cell_body(fx->cell, (size_t)cell, fx->raw),
	    32 + 12 + 5 + 2 + 16);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

START_TEST(test_non_ascii)
{
	static const char *const values[] = {
		"Grüße aus Köln",
		"東京都渋谷区",
		"emoji 🌍🚀 and ñ",
		"\xc3\xa9",
		"Ελληνικά, русский, עברית, العربية",
		"tab\tand\nnewline, \"quotes\", commas",
	};
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto none, fixed;
	size_t i;

	col_init(&none, fx->keys, "notes", PSID_COLUMN_SEALED, PSID_PAD_NONE,
	    0, false, false);
	col_init(&fixed, fx->keys, "notes", PSID_COLUMN_SEALED,
	    PSID_PAD_FIXED, 100, false, false);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		round_trip(fx, &none, values[i], strlen(values[i]));
		round_trip(fx, &fixed, values[i], strlen(values[i]));
	}
	cell_column_crypto_wipe(&none);
	cell_column_crypto_wipe(&fixed);
	fx_free(fx);
}
END_TEST

/* Fresh nonces: the same value never gives the same cell twice. */
START_TEST(test_seal_randomised)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	char first[256];

	col_init(&col, fx->keys, "notes", PSID_COLUMN_SEALED, PSID_PAD_NONE,
	    0, false, false);
	round_trip(fx, &col, "same", 4);
	strcpy(first, fx->cell);
	round_trip(fx, &col, "same", 4);
	ck_assert_str_ne(first, fx->cell);
	ck_assert(strncmp(first, fx->cell, 7 + 40) != 0);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

/* ------------------------------------------------- typed payloads */

/*
 * What a sealed payload becomes on decryption (SPEC §3.3, §9, C3R's
 * CsvValueFactory): the payload is sealed with cell_seal_payload()
 * with a type byte, as a Parquet-fed C3R would produce it.
 */
static const struct {
	int info;
	const char *hex;	/* value bytes after the type byte */
	long want;		/* text length, or a negative error */
	const char *text;
	bool is_null;
} typed[] = {
	/* STRING, STRING NULL, CHAR, VARCHAR(10) */
	{ 0x02, "616263", 3, "abc", false },
	{ 0x03, "", 0, "", true },
	{ 0x08, "78797a", 3, "xyz", false },
	{ 0x18, "0000000a616263", 3, "abc", false },
	/* BIGINT, BIGINT NULL */
	{ 0x04, "7fffffffffffffff", 19, "9223372036854775807", false },
	{ 0x04, "8000000000000000", 20, "-9223372036854775808", false },
	{ 0x04, "ffffffffffffffff", 2, "-1", false },
	{ 0x05, "", 0, "", true },
	/* INT, SMALLINT */
	{ 0x12, "fffffffb", 2, "-5", false },
	{ 0x12, "7fffffff", 10, "2147483647", false },
	{ 0x14, "8000", 6, "-32768", false },
	{ 0x14, "0029", 2, "41", false },
	/* BOOLEAN, BOOLEAN NULL */
	{ 0x06, "01", 4, "true", false },
	{ 0x06, "00", 5, "false", false },
	{ 0x07, "", 0, "", true },
	/* DATE (days since 1970-01-01, LocalDate.toString), DATE NULL */
	{ 0x0a, "00000064", 10, "1970-04-11", false },
	{ 0x0a, "00000000", 10, "1970-01-01", false },
	{ 0x0a, "ffffffff", 10, "1969-12-31", false },
	{ 0x0a, "00002b08", 10, "2000-02-29", false },
	{ 0x0a, "ffff9c5c", 10, "1900-03-01", false },
	{ 0x0a, "fff506c6", 10, "0001-01-01", false },
	{ 0x0a, "002cc0a0", 10, "9999-12-31", false },
	{ 0x0a, "002cc0a1", 12, "+10000-01-01", false },
	{ 0x0a, "7fffffff", 14, "+5881580-07-11", false },
	{ 0x0a, "ea3ad4ad", 13, "-998032-01-13", false },
	/*
	 * Years -999..-1 are left out on purpose: Java's LocalDate.toString
	 * pads them ("-0001-12-31") and payload_to_text() does not yet.
	 */
	{ 0x0b, "", 0, "", true },
	/* DECIMAL(5, 2): precision, scale, then the plain string */
	{ 0x0c, "0000000500000002" "3132332e3435", 6, "123.45", false },
	/* DOUBLE, FLOAT, TIMESTAMP: Java-specific renderings, unsupported */
	{ 0x0e, "3ff0000000000000", PSID_ERR_UNSUPPORTED, NULL, false },
	{ 0x10, "3f800000", PSID_ERR_UNSUPPORTED, NULL, false },
	{ 0x16, "01000000010000000000000000", PSID_ERR_UNSUPPORTED, NULL,
	  false },
	/* Malformed: UNKNOWN type, type 13, wrong lengths, bad boolean */
	{ 0x00, "616263", PSID_ERR_CELL_FORMAT, NULL, false },
	{ 0x1a, "616263", PSID_ERR_CELL_FORMAT, NULL, false },
	{ 0x04, "00000000000064", PSID_ERR_CELL_FORMAT, NULL, false },
	{ 0x12, "0000000064", PSID_ERR_CELL_FORMAT, NULL, false },
	{ 0x06, "02", PSID_ERR_CELL_FORMAT, NULL, false },
	{ 0x06, "", PSID_ERR_CELL_FORMAT, NULL, false },
	{ 0x0a, "000064", PSID_ERR_CELL_FORMAT, NULL, false },
};

START_TEST(test_typed_payloads)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	uint8_t bytes[32];
	bool is_null = !typed[_i].is_null;
	size_t n;
	long len;

	col_init(&col, fx->keys, "typed", PSID_COLUMN_SEALED, PSID_PAD_FIXED,
	    64, false, false);
	n = hex_decode(typed[_i].hex, bytes);
	ck_assert_int_eq(cell_row_begin(&fx->engine, &fx->row), PSID_OK);
	len = cell_seal_payload(&fx->engine, &fx->row, &col, typed[_i].info,
	    bytes, n, fx->cell);
	ck_assert_int_gt(len, 0);
	len = cell_unseal(&fx->engine, fx->cell, (size_t)len, fx->out,
	    &is_null);
	ck_assert_int_eq(len, typed[_i].want);
	if (len >= 0) {
		ck_assert(is_null == typed[_i].is_null);
		if (len > 0)
			ck_assert_mem_eq(fx->out, typed[_i].text, (size_t)len);
	}
	cell_row_key_wipe(&fx->row);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

/* ------------------------------------------------------------ errors */

START_TEST(test_too_long_fixed)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	struct psid_settings settings = high_assurance;

	memset(fx->value, 'x', 64);
	col_init(&col, fx->keys, "c", PSID_COLUMN_SEALED, PSID_PAD_FIXED, 10,
	    false, false);
	ck_assert_int_eq(cell_row_begin(&fx->engine, &fx->row), PSID_OK);
	/* 9 bytes + the type byte = 10: fits exactly, pad 0. */
	round_trip(fx, &col, (const char *)fx->value, 9);
	ck_assert_int_eq(cell_seal(&fx->engine, &fx->row, &col,
	    (const char *)fx->value, 10, fx->cell), PSID_ERR_TOO_LONG);
	ck_assert_int_eq(cell_seal(&fx->engine, &fx->row, &col,
	    (const char *)fx->value, 64, fx->cell), PSID_ERR_TOO_LONG);
	ck_assert_uint_eq(cell_sealed_len(&col, 10, false), 0);
	cell_column_crypto_wipe(&col);

	/* FIXED 0 holds nothing, not even a NULL's type byte. */
	col_init(&col, fx->keys, "c", PSID_COLUMN_SEALED, PSID_PAD_FIXED, 0,
	    false, false);
	ck_assert_int_eq(cell_seal(&fx->engine, &fx->row, &col, "", 0,
	    fx->cell), PSID_ERR_TOO_LONG);
	ck_assert_int_eq(cell_seal(&fx->engine, &fx->row, &col, NULL, 0,
	    fx->cell), PSID_ERR_TOO_LONG);
	cell_column_crypto_wipe(&col);

	/* Pad lengths beyond C3R's 10000 are refused up front. */
	ck_assert_int_eq(cell_column_crypto_init(&col, fx->keys, &settings, "c",
	    PSID_COLUMN_SEALED, PSID_PAD_FIXED, MAX_PAD_BYTES + 1),
	    PSID_ERR_INVALID);
	col_init(&col, fx->keys, "c", PSID_COLUMN_SEALED, PSID_PAD_FIXED,
	    MAX_PAD_BYTES, false, false);
	round_trip(fx, &col, (const char *)fx->value, 64);
	cell_column_crypto_wipe(&col);

	/* MAX: pad + longest + 1 over 12000 is refused (PadUtil). */
	col_init(&col, fx->keys, "c", PSID_COLUMN_SEALED, PSID_PAD_MAX,
	    MAX_PAD_BYTES, false, false);
	col.longest = MAX_PADDED_CLEARTEXT - MAX_PAD_BYTES - 1;
	col.longest_seen = true;
	round_trip(fx, &col, "", 0);
	col.longest++;
	ck_assert_int_eq(cell_seal(&fx->engine, &fx->row, &col, "", 0,
	    fx->cell), PSID_ERR_TOO_LONG);
	ck_assert_uint_eq(cell_sealed_len(&col, 0, false), 0);
	cell_row_key_wipe(&fx->row);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

/* PadType NONE: only the 16383-byte cell limit applies (SPEC §4.5). */
START_TEST(test_too_long_cell)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	long cell;

	memset(fx->value, 'y', sizeof(fx->value));
	col_init(&col, fx->keys, "c", PSID_COLUMN_SEALED, PSID_PAD_NONE, 0,
	    false, false);
	/* 7 + 4 * ceil((60 + 12219 + 3) / 3) = 16383: the largest. */
	cell = round_trip(fx, &col, (const char *)fx->value, 12219);
	ck_assert_int_eq(cell, PSID_MAX_CELL_LEN);
	ck_assert_int_eq(cell_row_begin(&fx->engine, &fx->row), PSID_OK);
	ck_assert_int_eq(cell_seal(&fx->engine, &fx->row, &col,
	    (const char *)fx->value, 12220, fx->cell), PSID_ERR_TOO_LONG);
	ck_assert_int_eq(cell_seal(&fx->engine, &fx->row, &col,
	    (const char *)fx->value, PSID_MAX_CELL_LEN + 1, fx->cell),
	    PSID_ERR_TOO_LONG);
	ck_assert_uint_eq(cell_sealed_len(&col, 12220, false), 0);
	ck_assert_uint_eq(cell_sealed_len(&col, 12219, false),
	    PSID_MAX_CELL_LEN);
	cell_row_key_wipe(&fx->row);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

START_TEST(test_unseal_errors)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	struct psid_keys *other = NULL;
	struct cell_engine *wrong;
	uint8_t raw[80];
	char good[256], bad[256];
	size_t len, i;
	bool is_null;
	static const size_t tamper_at[] = {
		7, 7 + 20, 7 + 43, 7 + 50, 7 + 60, 7 + 70, 7 + 90,
	};

	col_init(&col, fx->keys, "notes", PSID_COLUMN_SEALED, PSID_PAD_NONE,
	    0, false, false);
	len = (size_t)round_trip(fx, &col, "hello world", 11);
	strcpy(good, fx->cell);
	ck_assert_uint_eq(len, 7 + 100);	/* 74 bytes, one '=' */

	/* Truncated by one Base64 quad: decodes, fails the tag. */
	ck_assert_int_eq(cell_unseal(&fx->engine, good, len - 4, fx->out,
	    &is_null), PSID_ERR_AUTHENTICATION);
	/* Truncated by one character: not Base64 any more. */
	ck_assert_int_eq(cell_unseal(&fx->engine, good, len - 1, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	/* One character changed anywhere in nonce, IV, ciphertext or tag. */
	for (i = 0; i < sizeof(tamper_at) / sizeof(tamper_at[0]); i++) {
		strcpy(bad, good);
		bad[tamper_at[i]] = bad[tamper_at[i]] == 'A' ? 'g' : 'A';
		ck_assert_int_eq(cell_unseal(&fx->engine, bad, len, fx->out,
		    &is_null), PSID_ERR_AUTHENTICATION);
	}
	/* The engine is not left in a bad state by a failure. */
	ck_assert_int_eq(cell_unseal(&fx->engine, good, len, fx->out,
	    &is_null), 11);
	ck_assert_mem_eq(fx->out, "hello world", 11);

	/* Another secret. */
	ck_assert_int_eq(psid_keys_new("AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG"
	    "xwdHh8=", FIXTURE_ID, &other), PSID_OK);
	wrong = calloc(1, sizeof(*wrong));
	ck_assert_ptr_nonnull(wrong);
	ck_assert_int_eq(cell_engine_init(wrong, other), PSID_OK);
	ck_assert_int_eq(cell_unseal(wrong, good, len, fx->out, &is_null),
	    PSID_ERR_AUTHENTICATION);
	cell_engine_release(wrong);
	free(wrong);
	psid_keys_free(other);
	/* Another collaboration, same secret. */
	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET,
	    "00000000-1111-2222-3333-444444444445", &other), PSID_OK);
	wrong = calloc(1, sizeof(*wrong));
	ck_assert_ptr_nonnull(wrong);
	ck_assert_int_eq(cell_engine_init(wrong, other), PSID_OK);
	ck_assert_int_eq(cell_unseal(wrong, good, len, fx->out, &is_null),
	    PSID_ERR_AUTHENTICATION);
	cell_engine_release(wrong);
	free(wrong);
	psid_keys_free(other);

	/* Wrong version or descriptor. */
	strcpy(bad, good);
	bad[1] = '1';
	ck_assert_int_eq(cell_unseal(&fx->engine, bad, len, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	strcpy(bad, good);
	bad[1] = '3';
	ck_assert_int_eq(cell_unseal(&fx->engine, bad, len, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	strcpy(bad, good);
	bad[5] = 'x';
	ck_assert_int_eq(cell_unseal(&fx->engine, bad, len, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	ck_assert_int_eq(cell_unseal(&fx->engine, APPENDIX_A_FINGERPRINT,
	    strlen(APPENDIX_A_FINGERPRINT), fx->out, &is_null),
	    PSID_ERR_CELL_FORMAT);
	ck_assert_int_eq(cell_unseal(&fx->engine, "", 0, fx->out, &is_null),
	    PSID_ERR_CELL_FORMAT);
	ck_assert_int_eq(cell_unseal(&fx->engine, "02:enc", 6, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	ck_assert_int_eq(cell_unseal(&fx->engine, "hello world", 11, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);

	/* Not Base64. */
	ck_assert_int_eq(cell_unseal(&fx->engine, "02:enc:!!!!", 11, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	strcpy(bad, good);
	bad[50] = '-';
	ck_assert_int_eq(cell_unseal(&fx->engine, bad, len, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	strcpy(bad, good);
	bad[50] = ' ';
	ck_assert_int_eq(cell_unseal(&fx->engine, bad, len, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	strcpy(bad, good);
	strcat(bad, "\n");
	ck_assert_int_eq(cell_unseal(&fx->engine, bad, len + 1, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	/* The raw bytes after the prefix instead of their Base64
	 * (SealedTransformerTest#unmarshalInvalidEncodingTest). */
	len = cell_body(good, strlen(good), raw);
	memcpy(bad, "02:enc:", 7);
	memcpy(bad + 7, raw, len);
	ck_assert_int_eq(cell_unseal(&fx->engine, bad, 7 + len, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);

	/* Too short once decoded: no room for nonce, IV, 3 bytes and tag. */
	memset(raw, 0x41, sizeof(raw));
	memcpy(bad, "02:enc:", 7);
	len = 7 + crypto_b64_encode(bad + 7, raw, SEALED_RAW(2));
	ck_assert_int_eq(cell_unseal(&fx->engine, bad, len, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	len = 7 + crypto_b64_encode(bad + 7, raw, NONCE_LEN);
	ck_assert_int_eq(cell_unseal(&fx->engine, bad, len, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	ck_assert_int_eq(cell_unseal(&fx->engine, "02:enc:", 7, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	ck_assert_int_eq(cell_unseal(&fx->engine, "02:enc:AAAA", 11, fx->out,
	    &is_null), PSID_ERR_CELL_FORMAT);
	/* Longer than any cell C3R writes. */
	memset(fx->cell, 'A', PSID_MAX_CELL_LEN + 5);
	memcpy(fx->cell, "02:enc:", 7);
	ck_assert_int_eq(cell_unseal(&fx->engine, fx->cell,
	    PSID_MAX_CELL_LEN + 5, fx->out, &is_null), PSID_ERR_CELL_FORMAT);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

/*
 * Authentic cells with odd plaintexts, built by hand: the trailer is a
 * signed big-endian pad length; pad bytes are not checked (PadUtil).
 */
static const struct {
	const char *hex;	/* padded plaintext */
	long want;
	const char *text;
} trailers[] = {
	{ "0268690000", 2, "hi" },
	{ "0268690000000003", 2, "hi" },	/* zero pad of 3 */
	{ "02686958590002", 2, "hi" },		/* pad bytes not zero */
	{ "026869ffff", PSID_ERR_CELL_FORMAT, NULL },	/* pad -1 */
	{ "0268698000", PSID_ERR_CELL_FORMAT, NULL },	/* pad -32768 */
	{ "0268697fff", PSID_ERR_CELL_FORMAT, NULL },	/* pad 32767 */
	{ "0268690003", PSID_ERR_CELL_FORMAT, NULL },	/* pad eats info */
	{ "0268690004", PSID_ERR_CELL_FORMAT, NULL },	/* pad > all */
	{ "020001", PSID_ERR_CELL_FORMAT, NULL },	/* empty payload */
	{ "030000", 0, "" },			/* NULL */
	{ "020000", 0, "" },			/* empty string */
};

START_TEST(test_unseal_trailer)
{
	struct fx *fx = fx_new(fixture_keys());
	uint8_t nonce[NONCE_LEN], plain[64];
	bool is_null;
	size_t n, len;

	appendix_a_nonce(nonce);
	n = hex_decode(trailers[_i].hex, plain);
	len = seal_by_hand(fx->keys, nonce, "x", "02:enc:", plain, n,
	    fx->cell);
	ck_assert_int_eq(cell_unseal(&fx->engine, fx->cell, len, fx->out,
	    &is_null), trailers[_i].want);
	if (trailers[_i].want > 0)
		ck_assert_mem_eq(fx->out, trailers[_i].text,
		    (size_t)trailers[_i].want);
	if (trailers[_i].want == 0)
		ck_assert(is_null == (plain[0] == 0x03));
	fx_free(fx);
}
END_TEST

/* ------------------------------------------------------ fingerprints */

START_TEST(test_null_fingerprints)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto col;
	char a[PSID_FINGERPRINT_CELL_LEN + 1], b[PSID_FINGERPRINT_CELL_LEN + 1];
	char empty[PSID_FINGERPRINT_CELL_LEN + 1];
	uint8_t mac[SHA256_LEN];
	int i;

	col_init(&col, fx->keys, "state", PSID_COLUMN_FINGERPRINT,
	    PSID_PAD_NONE, 0, false, false);
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &col, "", 0, empty,
	    NULL), PSID_OK);
	empty[PSID_FINGERPRINT_CELL_LEN] = '\0';
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &col, NULL, 0, a, mac),
	    PSID_OK);
	a[PSID_FINGERPRINT_CELL_LEN] = '\0';
	ck_assert(strncmp(a, "02:hmac:", 8) == 0);
	ck_assert_uint_eq(strlen(a), PSID_FINGERPRINT_CELL_LEN);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(cell_fingerprint(&fx->engine, &col, NULL, 0,
		    b, NULL), PSID_OK);
		b[PSID_FINGERPRINT_CELL_LEN] = '\0';
		ck_assert_str_ne(a, b);
		ck_assert_str_ne(b, empty);
	}
	ck_assert_str_ne(a, empty);
	cell_column_crypto_wipe(&col);
	fx_free(fx);
}
END_TEST

START_TEST(test_fingerprint_joins)
{
	struct fx *fx = fx_new(fixture_keys());
	struct column_crypto a, b;
	char fa[PSID_FINGERPRINT_CELL_LEN + 1];
	char fb[PSID_FINGERPRINT_CELL_LEN + 1];
	char root[PSID_FINGERPRINT_CELL_LEN + 1];
	struct hmac_key hk;
	uint8_t mac[SHA256_LEN];

	/* allowJoinsOnColumnsWithDifferentNames = false. */
	col_init(&a, fx->keys, "a", PSID_COLUMN_FINGERPRINT, PSID_PAD_NONE, 0,
	    false, false);
	col_init(&b, fx->keys, "b", PSID_COLUMN_FINGERPRINT, PSID_PAD_NONE, 0,
	    false, false);
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &a, "value", 5, fa,
	    NULL), PSID_OK);
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &b, "value", 5, fb,
	    NULL), PSID_OK);
	fa[PSID_FINGERPRINT_CELL_LEN] = fb[PSID_FINGERPRINT_CELL_LEN] = '\0';
	ck_assert_str_ne(fa, fb);
	cell_column_crypto_wipe(&a);
	cell_column_crypto_wipe(&b);

	/* = true: one key (the root key) for all columns. */
	col_init(&a, fx->keys, "a", PSID_COLUMN_FINGERPRINT, PSID_PAD_NONE, 0,
	    true, false);
	col_init(&b, fx->keys, "b", PSID_COLUMN_FINGERPRINT, PSID_PAD_NONE, 0,
	    true, false);
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &a, "value", 5, fa,
	    NULL), PSID_OK);
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &b, "value", 5, fb,
	    NULL), PSID_OK);
	fa[PSID_FINGERPRINT_CELL_LEN] = fb[PSID_FINGERPRINT_CELL_LEN] = '\0';
	ck_assert_str_eq(fa, fb);
	crypto_hmac_key_init(&hk, fx->keys->root, KEY_LEN);
	crypto_hmac_compute(&hk, "value", 5, "\x02", 1, mac);
	memcpy(root, "02:hmac:", 8);
	crypto_b64_encode(root + 8, mac, SHA256_LEN);
	ck_assert_str_eq(fa, root);
	crypto_hmac_key_wipe(&hk);
	/* Equal values only: another value, another cell. */
	ck_assert_int_eq(cell_fingerprint(&fx->engine, &b, "Value", 5, fb,
	    NULL), PSID_OK);
	fb[PSID_FINGERPRINT_CELL_LEN] = '\0';
	ck_assert_str_ne(fa, fb);
	cell_column_crypto_wipe(&a);
	cell_column_crypto_wipe(&b);
	fx_free(fx);
}
END_TEST

/* -------------------------------------------------------- public API */

START_TEST(test_public_round_trip)
{
	struct psid_keys *keys = fixture_keys();
	struct psid_column *sealed = NULL, *fp = NULL;
	char *cell = malloc(PSID_MAX_CELL_LEN + 1);
	char *out = malloc(PSID_MAX_CELL_LEN + 1);
	char first[256];
	uint8_t raw[128], iv[SHA256_LEN];
	size_t cell_len = 0, out_len = 0;
	bool is_null = true;

	ck_assert_ptr_nonnull(cell);
	ck_assert_ptr_nonnull(out);
	/* The header is normalised: label "phonenumber_sealed". */
	ck_assert_int_eq(psid_column_new(keys, &high_assurance,
	    "  PhoneNumber_Sealed ", PSID_COLUMN_SEALED, PSID_PAD_NONE, 0,
	    &sealed), PSID_OK);
	ck_assert_uint_eq(psid_cell_size_max(sealed), PSID_MAX_CELL_LEN);
	ck_assert_int_eq(psid_column_encrypt(sealed, "404-555-111", 11, cell,
	    PSID_MAX_CELL_LEN + 1, &cell_len, &is_null), PSID_OK);
	ck_assert(!is_null);
	ck_assert_uint_eq(cell_len, strlen(APPENDIX_A_SEALED));
	ck_assert_uint_eq(strlen(cell), cell_len);
	ck_assert_uint_eq(cell_body(cell, cell_len, raw), SEALED_RAW(14));
	crypto_sha256_pair("phonenumber_sealed", 18, raw, NONCE_LEN, iv);
	ck_assert_mem_eq(raw + NONCE_LEN, iv, IV_LEN);
	ck_assert_int_eq(psid_unseal(keys, cell, cell_len, out, cell_len,
	    &out_len, &is_null), PSID_OK);
	ck_assert(!is_null);
	ck_assert_uint_eq(out_len, 11);
	ck_assert_mem_eq(out, "404-555-111", 11);
	/* A fresh nonce per call. */
	strcpy(first, cell);
	ck_assert_int_eq(psid_column_encrypt(sealed, "404-555-111", 11, cell,
	    PSID_MAX_CELL_LEN + 1, &cell_len, &is_null), PSID_OK);
	ck_assert_str_ne(first, cell);
	/* The Appendix A cell, decrypted through the public API. */
	ck_assert_int_eq(psid_unseal(keys, APPENDIX_A_SEALED,
	    strlen(APPENDIX_A_SEALED), out, PSID_MAX_CELL_LEN, &out_len,
	    &is_null), PSID_OK);
	ck_assert_uint_eq(out_len, 11);
	ck_assert_mem_eq(out, "404-555-111", 11);
	/* Empty string and NULL (preserveNulls false: a sealed NULL). */
	ck_assert_int_eq(psid_column_encrypt(sealed, "", 0, cell,
	    PSID_MAX_CELL_LEN + 1, &cell_len, &is_null), PSID_OK);
	ck_assert_int_eq(psid_unseal(keys, cell, cell_len, out, cell_len,
	    &out_len, &is_null), PSID_OK);
	ck_assert(!is_null);
	ck_assert_uint_eq(out_len, 0);
	ck_assert_int_eq(psid_column_encrypt(sealed, NULL, 0, cell,
	    PSID_MAX_CELL_LEN + 1, &cell_len, &is_null), PSID_OK);
	ck_assert(!is_null);
	ck_assert_uint_gt(cell_len, 0);
	ck_assert_int_eq(psid_unseal(keys, cell, cell_len, out, cell_len,
	    &out_len, &is_null), PSID_OK);
	ck_assert(is_null);
	ck_assert_uint_eq(out_len, 0);

	/* Fingerprint: "State" normalises to Appendix A's "state". */
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "State",
	    PSID_COLUMN_FINGERPRINT, PSID_PAD_NONE, 0, &fp), PSID_OK);
	ck_assert_uint_eq(psid_cell_size_max(fp), PSID_FINGERPRINT_CELL_LEN);
	ck_assert_int_eq(psid_column_encrypt(fp, "MD", 2, cell,
	    PSID_FINGERPRINT_CELL_LEN + 1, &cell_len, &is_null), PSID_OK);
	ck_assert_uint_eq(cell_len, PSID_FINGERPRINT_CELL_LEN);
	ck_assert_str_eq(cell, APPENDIX_A_FINGERPRINT);
	/* A NULL fingerprint without preserveNulls: random, unmatchable. */
	ck_assert_int_eq(psid_column_encrypt(fp, NULL, 0, cell,
	    PSID_FINGERPRINT_CELL_LEN + 1, &cell_len, &is_null), PSID_OK);
	ck_assert(!is_null);
	ck_assert_uint_eq(cell_len, PSID_FINGERPRINT_CELL_LEN);
	strcpy(first, cell);
	ck_assert_int_eq(psid_column_encrypt(fp, NULL, 0, cell,
	    PSID_FINGERPRINT_CELL_LEN + 1, &cell_len, &is_null), PSID_OK);
	ck_assert_str_ne(first, cell);
	/* A fingerprint cell is not a sealed cell. */
	ck_assert_int_eq(psid_unseal(keys, APPENDIX_A_FINGERPRINT,
	    PSID_FINGERPRINT_CELL_LEN, out, PSID_MAX_CELL_LEN, &out_len,
	    &is_null), PSID_ERR_CELL_FORMAT);

	psid_column_free(sealed);
	psid_column_free(fp);
	psid_column_free(NULL);
	psid_keys_free(keys);
	free(cell);
	free(out);
}
END_TEST

static const char *const bad_headers[] = {
	"-bad",
	"",
	"   ",
	"bad-",
	"a,b",
	"a\"b",
	"a.b",
	"caf\xc3\xa9",
	NULL,		/* 129 characters, set in the test */
};

START_TEST(test_public_bad_header)
{
	struct psid_keys *keys = fixture_keys();
	struct psid_column *column = (struct psid_column *)&column;
	char long_header[130];
	const char *header = bad_headers[_i];

	if (header == NULL) {
		memset(long_header, 'a', 129);
		long_header[129] = '\0';
		header = long_header;
	}
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, header,
	    PSID_COLUMN_SEALED, PSID_PAD_NONE, 0, &column), PSID_ERR_INVALID);
	ck_assert_ptr_null(column);
	column = (struct psid_column *)&column;
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, header,
	    PSID_COLUMN_FINGERPRINT, PSID_PAD_NONE, 0, &column),
	    PSID_ERR_INVALID);
	ck_assert_ptr_null(column);
	psid_keys_free(keys);
}
END_TEST

START_TEST(test_public_args)
{
	struct psid_keys *keys = fixture_keys();
	struct psid_column *column = NULL;
	char header[129], cell[PSID_FINGERPRINT_CELL_LEN + 1], out[64];
	size_t cell_len, out_len;
	bool is_null;

	/* 128 characters is the longest valid header; inner '-' is fine. */
	memset(header, 'a', 128);
	header[128] = '\0';
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, header,
	    PSID_COLUMN_SEALED, PSID_PAD_NONE, 0, &column), PSID_OK);
	psid_column_free(column);
	ck_assert_int_eq(psid_column_new(keys, &high_assurance,
	    "first name-2", PSID_COLUMN_SEALED, PSID_PAD_NONE, 0, &column),
	    PSID_OK);
	psid_column_free(column);

	/* Cleartext needs no handle; unknown types and pads are refused. */
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "c",
	    PSID_COLUMN_CLEARTEXT, PSID_PAD_NONE, 0, &column),
	    PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "c",
	    (enum psid_column_type)7, PSID_PAD_NONE, 0, &column),
	    PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "c",
	    PSID_COLUMN_SEALED, (enum psid_pad_type)3, 0, &column),
	    PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "c",
	    PSID_COLUMN_SEALED, PSID_PAD_FIXED, MAX_PAD_BYTES + 1, &column),
	    PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_new(NULL, &high_assurance, "c",
	    PSID_COLUMN_SEALED, PSID_PAD_NONE, 0, &column), PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_new(keys, NULL, "c",
	    PSID_COLUMN_SEALED, PSID_PAD_NONE, 0, &column), PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, NULL,
	    PSID_COLUMN_SEALED, PSID_PAD_NONE, 0, &column), PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "c",
	    PSID_COLUMN_SEALED, PSID_PAD_NONE, 0, NULL), PSID_ERR_INVALID);
	ck_assert_ptr_null(column);

	/* Output buffers too small. */
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "c",
	    PSID_COLUMN_FINGERPRINT, PSID_PAD_NONE, 0, &column), PSID_OK);
	ck_assert_int_eq(psid_column_encrypt(column, "x", 1, cell,
	    PSID_FINGERPRINT_CELL_LEN, &cell_len, &is_null),
	    PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_encrypt(column, "x", 1, NULL,
	    sizeof(cell), &cell_len, &is_null), PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_encrypt(column, "x", 1, cell,
	    sizeof(cell), NULL, &is_null), PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_encrypt(column, "x", 1, cell,
	    sizeof(cell), &cell_len, NULL), PSID_ERR_INVALID);
	ck_assert_int_eq(psid_column_encrypt(NULL, "x", 1, cell,
	    sizeof(cell), &cell_len, &is_null), PSID_ERR_INVALID);
	psid_column_free(column);
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "c",
	    PSID_COLUMN_SEALED, PSID_PAD_NONE, 0, &column), PSID_OK);
	/* "x" seals to 7 + 88 = 95 characters; 95 leaves no room for NUL. */
	{
		char buf[96];

		ck_assert_int_eq(psid_column_encrypt(column, "x", 1, buf, 95,
		    &cell_len, &is_null), PSID_ERR_INVALID);
		ck_assert_int_eq(psid_column_encrypt(column, "x", 1, buf, 96,
		    &cell_len, &is_null), PSID_OK);
		ck_assert_uint_eq(cell_len, 95);
		/* psid_unseal wants an output of the cell's length. */
		ck_assert_int_eq(psid_unseal(keys, buf, cell_len, out,
		    cell_len - 1, &out_len, &is_null), PSID_ERR_INVALID);
		ck_assert_int_eq(psid_unseal(NULL, buf, cell_len, out,
		    sizeof(out), &out_len, &is_null), PSID_ERR_INVALID);
		ck_assert_int_eq(psid_unseal(keys, NULL, cell_len, out,
		    sizeof(out), &out_len, &is_null), PSID_ERR_INVALID);
		ck_assert_int_eq(psid_unseal(keys, buf, cell_len, out,
		    cell_len, NULL, &is_null), PSID_ERR_INVALID);
		ck_assert_int_eq(psid_unseal(keys, buf, cell_len, out,
		    cell_len, &out_len, NULL), PSID_ERR_INVALID);
	}
	psid_column_free(column);
	psid_keys_free(keys);
}
END_TEST

START_TEST(test_public_preserve_nulls)
{
	struct psid_keys *keys = fixture_keys();
	struct psid_column *sealed = NULL, *fp = NULL;
	char out[PSID_MAX_CELL_LEN + 1];
	size_t out_len = 99;
	bool is_null = false;

	ck_assert_int_eq(psid_column_new(keys, &low_assurance, "s",
	    PSID_COLUMN_SEALED, PSID_PAD_FIXED, 32, &sealed), PSID_OK);
	ck_assert_int_eq(psid_column_new(keys, &low_assurance, "f",
	    PSID_COLUMN_FINGERPRINT, PSID_PAD_NONE, 0, &fp), PSID_OK);
	memset(out, 'Z', sizeof(out));
	ck_assert_int_eq(psid_column_encrypt(sealed, NULL, 0, out,
	    sizeof(out), &out_len, &is_null), PSID_OK);
	ck_assert(is_null);
	ck_assert_uint_eq(out_len, 0);
	ck_assert_int_eq(out[0], 'Z');
	out_len = 99;
	is_null = false;
	ck_assert_int_eq(psid_column_encrypt(fp, NULL, 0, out, sizeof(out),
	    &out_len, &is_null), PSID_OK);
	ck_assert(is_null);
	ck_assert_uint_eq(out_len, 0);
	ck_assert_int_eq(out[0], 'Z');
	/* Non-NULL values are encrypted as usual, is_null reset. */
	is_null = true;
	ck_assert_int_eq(psid_column_encrypt(sealed, "v", 1, out,
	    sizeof(out), &out_len, &is_null), PSID_OK);
	ck_assert(!is_null);
	ck_assert_uint_eq(out_len, 7 + B64_ENCODED_LEN(SEALED_RAW(34)));
	/* The empty string is not NULL. */
	is_null = true;
	ck_assert_int_eq(psid_column_encrypt(fp, "", 0, out, sizeof(out),
	    &out_len, &is_null), PSID_OK);
	ck_assert(!is_null);
	ck_assert_uint_eq(out_len, PSID_FINGERPRINT_CELL_LEN);
	psid_column_free(sealed);
	psid_column_free(fp);
	psid_keys_free(keys);
}
END_TEST

START_TEST(test_public_padding)
{
	struct psid_keys *keys = fixture_keys();
	struct psid_column *col = NULL;
	char *cell = malloc(PSID_MAX_CELL_LEN + 1);
	char *out = malloc(PSID_MAX_CELL_LEN + 1);
	uint8_t *raw = malloc(PSID_MAX_CELL_LEN);
	char value[64];
	size_t cell_len, out_len, len;
	bool is_null;

	ck_assert_ptr_nonnull(cell);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(raw);
	memset(value, 'q', sizeof(value));
	/* MAX pad 4 over a longest value of 20: 4 + 20 + 1 + 2. */
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "city",
	    PSID_COLUMN_SEALED, PSID_PAD_MAX, 4, &col), PSID_OK);
	psid_column_set_longest(col, 20);
	for (len = 0; len <= 24; len++) {
		ck_assert_int_eq(psid_column_encrypt(col, value, len, cell,
		    PSID_MAX_CELL_LEN + 1, &cell_len, &is_null), PSID_OK);
		ck_assert_uint_eq(cell_body(cell, cell_len, raw),
		    SEALED_RAW(4 + 20 + 1 + 2));
		ck_assert_int_eq(psid_unseal(keys, cell, cell_len, out,
		    cell_len, &out_len, &is_null), PSID_OK);
		ck_assert_uint_eq(out_len, len);
		ck_assert_mem_eq(out, value, len);
	}
	ck_assert_int_eq(psid_column_encrypt(col, value, 25, cell,
	    PSID_MAX_CELL_LEN + 1, &cell_len, &is_null), PSID_ERR_TOO_LONG);
	psid_column_free(col);
	/* FIXED 16: 15 bytes fit, 16 do not. */
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "title",
	    PSID_COLUMN_SEALED, PSID_PAD_FIXED, 16, &col), PSID_OK);
	ck_assert_int_eq(psid_column_encrypt(col, value, 15, cell,
	    PSID_MAX_CELL_LEN + 1, &cell_len, &is_null), PSID_OK);
	ck_assert_uint_eq(cell_body(cell, cell_len, raw), SEALED_RAW(18));
	ck_assert_int_eq(psid_column_encrypt(col, value, 16, cell,
	    PSID_MAX_CELL_LEN + 1, &cell_len, &is_null), PSID_ERR_TOO_LONG);
	psid_column_free(col);
	/* NONE: the cell limit. */
	ck_assert_int_eq(psid_column_new(keys, &high_assurance, "notes",
	    PSID_COLUMN_SEALED, PSID_PAD_NONE, 0, &col), PSID_OK);
	{
		char *big = malloc(12220);

		ck_assert_ptr_nonnull(big);
		memset(big, 'b', 12220);
		ck_assert_int_eq(psid_column_encrypt(col, big, 12219, cell,
		    PSID_MAX_CELL_LEN + 1, &cell_len, &is_null), PSID_OK);
		ck_assert_uint_eq(cell_len, PSID_MAX_CELL_LEN);
		ck_assert_int_eq(psid_column_encrypt(col, big, 12220, cell,
		    PSID_MAX_CELL_LEN + 1, &cell_len, &is_null),
		    PSID_ERR_TOO_LONG);
		free(big);
	}
	psid_column_free(col);
	psid_keys_free(keys);
	free(cell);
	free(out);
	free(raw);
}
END_TEST

Suite *
make_cell_suite(void)
{
	Suite *s = suite_create("cell");
	TCase *tc;

	tc = tcase_create("appendix_a");
	tcase_add_test(tc, test_appendix_a_fingerprint);
	tcase_add_test(tc, test_appendix_a_sealed);
	tcase_add_test(tc, test_row_shared_nonce);
	suite_add_tcase(s, tc);

	tc = tcase_create("c3r_kat");
	tcase_add_test(tc, test_c3r_sealed_kat);
	tcase_add_loop_test(tc, test_c3r_sealed_kat_v1, 0,
	    (int)(sizeof(old_sealed) / sizeof(old_sealed[0])));
	tcase_add_test(tc, test_c3r_fingerprint_kat);
	tcase_add_test(tc, test_c3r_fingerprint_kat_v1);
	tcase_add_loop_test(tc, test_c3r_equivalence_kat, 0,
	    (int)(sizeof(equivalence) / sizeof(equivalence[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("round_trip");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_round_trip_lengths, 0,
	    (int)(sizeof(trip_pads) / sizeof(trip_pads[0])));
	tcase_add_test(tc, test_fixed_128);
	tcase_add_test(tc, test_max_padding);
	tcase_add_test(tc, test_non_ascii);
	tcase_add_test(tc, test_seal_randomised);
	tcase_add_loop_test(tc, test_typed_payloads, 0,
	    (int)(sizeof(typed) / sizeof(typed[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_too_long_fixed);
	tcase_add_test(tc, test_too_long_cell);
	tcase_add_test(tc, test_unseal_errors);
	tcase_add_loop_test(tc, test_unseal_trailer, 0,
	    (int)(sizeof(trailers) / sizeof(trailers[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("fingerprint");
	tcase_add_test(tc, test_null_fingerprints);
	tcase_add_test(tc, test_fingerprint_joins);
	suite_add_tcase(s, tc);

	tc = tcase_create("public");
	tcase_add_test(tc, test_public_round_trip);
	tcase_add_loop_test(tc, test_public_bad_header, 0,
	    (int)(sizeof(bad_headers) / sizeof(bad_headers[0])));
	tcase_add_test(tc, test_public_args);
	tcase_add_test(tc, test_public_preserve_nulls);
	tcase_add_test(tc, test_public_padding);
	suite_add_tcase(s, tc);
	return s;
}
