/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cell.h: one C3R cell at a time, on the hot path (SPEC §3-7).
 *
 * A struct column_crypto holds what one output column needs (its label,
 * pad, keyed HMAC state); a struct cell_engine holds per-thread working
 * state (AES-GCM contexts, a random pool, scratch buffers). A row starts
 * with cell_row_begin(), which draws the row's 32-byte nonce and derives
 * the row key SHA-256(root ‖ nonce) once for all its sealed cells.
 */
#ifndef PSID_CELL_H
#define PSID_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "c3rcell.h"
#include "crypto.h"
#include "header.h"
#include "keys.h"
#include "psid/client.h"

#define NONCE_LEN 32
#define IV_LEN 12
#define TAG_LEN 16
#define MAX_PAD_BYTES 10000
#define MAX_PADDED_CLEARTEXT 12000
/* The cell grammar is proto/c3rcell.h's. */
#define SEALED_PREFIX C3RCELL_SEALED_PREFIX
#define SEALED_PREFIX_LEN C3RCELL_SEALED_PREFIX_LEN
#define FINGERPRINT_PREFIX C3RCELL_FP_PREFIX
#define FINGERPRINT_PREFIX_LEN C3RCELL_FP_PREFIX_LEN
/* Info bytes of C3R's STRING type (SPEC §3.1). */
#define INFO_STRING 0x02
#define INFO_STRING_NULL 0x03

struct gcm;

struct column_crypto {
	enum psid_column_type type;
	enum psid_pad_type pad;
	unsigned pad_length;
	size_t longest;		/* MAX: longest non-NULL value, bytes */
	bool longest_seen;	/* MAX: some non-NULL value was seen */
	bool preserve_nulls;
	size_t label_len;
	char label[HEADER_MAX_LEN + 1];
	struct hmac_key hmac;	/* fingerprint columns */
};

/*
 * Set up a column. label must already be normalised and valid.
 * Returns PSID_OK, PSID_ERR_INVALID (pad length out of range) or
 * PSID_ERR_CRYPTO.
 */
int cell_column_crypto_init(struct column_crypto *col, const struct psid_keys *keys,
    const struct psid_settings *settings, const char *label,
    enum psid_column_type type, enum psid_pad_type pad, unsigned pad_length);

/* Wipe a column's key material. */
void cell_column_crypto_wipe(struct column_crypto *col);

/*
 * Length of the cell a sealed column writes for a value of len bytes
 * (is_null for an encrypted NULL), or 0 when it does not fit (padding
 * too small, pad target over 12000 bytes, cell over 16383 bytes).
 */
size_t cell_sealed_len(const struct column_crypto *col, size_t len,
    bool is_null);

/* Per-thread working state. */
struct cell_engine {
	const struct psid_keys *keys;
	struct gcm *enc;
	struct gcm *dec;
	uint64_t enc_row;	/* row whose key enc holds; 0 = none */
	uint64_t next_row;
	uint8_t dec_nonce[NONCE_LEN];	/* nonce whose key dec holds */
	bool dec_keyed;
	struct rand_pool pool;
	uint8_t scratch[PSID_MAX_CELL_LEN + 64];
	uint8_t plain[PSID_MAX_CELL_LEN + 64];
};

/* A row's nonce and key. */
struct row_key {
	uint64_t serial;
	uint8_t nonce[NONCE_LEN];
	uint8_t key[KEY_LEN];
};

/* Returns PSID_OK, PSID_ERR_NOMEM or PSID_ERR_CRYPTO. */
int cell_engine_init(struct cell_engine *engine, const struct psid_keys *keys);
void cell_engine_release(struct cell_engine *engine);

/* Draw a fresh nonce and derive the row key. Returns 0 or PSID_ERR_CRYPTO. */
int cell_row_begin(struct cell_engine *engine, struct row_key *row);

#ifdef PSID_TEST_HOOKS
/*
 * Test hook (the tests' CPPFLAGS define PSID_TEST_HOOKS, as cell.c does):
 * begin a row with a given nonce, never a user option.
 */
void cell_row_begin_with_nonce(struct cell_engine *engine,
    struct row_key *row, const uint8_t nonce[NONCE_LEN]);
#endif /* PSID_TEST_HOOKS */

/* Wipe a row key. */
void cell_row_key_wipe(struct row_key *row);

/*
 * Seal value[0..len) (value NULL: an encrypted NULL) for col into out,
 * which must hold cell_sealed_len() + 1 bytes. Returns the cell length,
 * or a negative PSID_ERR_TOO_LONG / PSID_ERR_CRYPTO.
 */
long cell_seal(struct cell_engine *engine, const struct row_key *row,
    const struct column_crypto *col, const char *value, size_t len,
    char *out);

/*
 * Seal a payload as C3R's SealedTransformer does: info (a type byte, or
 * -1 for none, as C3R's transformer-level tests use) ‖ value[0..len),
 * padded per the column. Returns the cell length or a negative error.
 */
long cell_seal_payload(struct cell_engine *engine, const struct row_key *row,
    const struct column_crypto *col, int info, const void *value, size_t len,
    char *out);

/*
 * Fingerprint value[0..len) (value NULL: a random, unmatchable NULL) into
 * out (PSID_FINGERPRINT_CELL_LEN + 1 bytes). raw, if not NULL, receives
 * the 32-byte HMAC. Returns PSID_OK or PSID_ERR_CRYPTO.
 */
int cell_fingerprint(struct cell_engine *engine,
    const struct column_crypto *col, const char *value, size_t len,
    char *out, uint8_t raw[SHA256_LEN]);

/*
 * Decrypt a sealed cell. out must hold len bytes. Returns the value
 * length (*is_null tells NULL), or a negative PSID_ERR_CELL_FORMAT,
 * PSID_ERR_AUTHENTICATION, PSID_ERR_UNSUPPORTED or PSID_ERR_CRYPTO.
 */
long cell_unseal(struct cell_engine *engine, const char *cell, size_t len,
    char *out, bool *is_null);

/* Whether a cell carries C3R's sealed / fingerprint descriptor (§9). */
bool cell_is_sealed(const char *cell, size_t len);
bool cell_is_fingerprint(const char *cell, size_t len);

#endif /* PSID_CELL_H */
