/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto.h: the OpenSSL calls on libpsid's hot paths, shaped for speed.
 *
 * Every primitive is OpenSSL's; this file only chooses call patterns that
 * cost no allocation or key setup per value (PERFORMANCE.md):
 *  - HMAC-SHA256 from keyed inner and outer SHA-256 states prepared once
 *    per key and copied per value (RFC 2104 over OpenSSL's SHA-256);
 *  - SHA-256 of short inputs with a stack context;
 *  - random bytes drawn from OpenSSL's DRBG 12 KiB at a time;
 *  - Base64 with EVP_EncodeBlock / EVP_DecodeBlock, decoding strictly.
 */
#ifndef PSID_CRYPTO_H
#define PSID_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

#define SHA256_LEN 32

/* A key ready for HMAC-SHA256: SHA-256 states after key^ipad, key^opad. */
struct hmac_key {
	SHA256_CTX inner;
	SHA256_CTX outer;
};

/* Prepare an HMAC key from key[0..len). */
void crypto_hmac_key_init(struct hmac_key *hk, const uint8_t *key, size_t len);

/* HMAC-SHA256 of a ‖ b. */
void crypto_hmac_compute(const struct hmac_key *hk, const void *a, size_t alen,
    const void *b, size_t blen, uint8_t out[SHA256_LEN]);

/* Wipe a prepared key. */
void crypto_hmac_key_wipe(struct hmac_key *hk);

/* SHA-256 of a ‖ b. */
void crypto_sha256_pair(const void *a, size_t alen, const void *b, size_t blen,
    uint8_t out[SHA256_LEN]);

/*
 * HKDF-SHA256 (RFC 5869) through EVP_KDF. Returns 0 or -1 on an OpenSSL
 * failure.
 */
int crypto_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
    size_t salt_len, const void *info, size_t info_len, uint8_t *out,
    size_t out_len);

/* Random bytes from OpenSSL's DRBG, drawn in large batches. */
#define RAND_POOL_BYTES 12288
struct rand_pool {
	size_t pos;
	uint8_t bytes[RAND_POOL_BYTES];
};

/* Start with an empty pool (the first draw refills it). */
void crypto_rand_pool_init(struct rand_pool *pool);

/* Copy n <= RAND_POOL_BYTES fresh bytes to out. Returns 0 or -1. */
int crypto_rand_pool_take(struct rand_pool *pool, void *out, size_t n);

/* Wipe the unused bytes. */
void crypto_rand_pool_wipe(struct rand_pool *pool);

/* Characters of the Base64 encoding of n bytes (with '=' padding). */
#define B64_ENCODED_LEN(n) (4 * (((n) + 2) / 3))

/* Base64 of in[0..n) into out (NUL terminated). Returns its length. */
size_t crypto_b64_encode(char *out, const uint8_t *in, size_t n);

/*
 * Strict standard Base64 decoding (RFC 4648 alphabet, no whitespace), by
 * the one decoder psid shares (c3rcell_b64_decode, proto/c3rcell.h).
 * With padding_optional, a missing '=' tail is accepted (as Java's
 * decoder does for the secret); otherwise len must be a multiple of 4.
 * out must hold 3 * ceil(len / 4) bytes. Returns the decoded length, or
 * -1 when the text is not Base64.
 */
long crypto_b64_decode(uint8_t *out, const char *in, size_t len,
    int padding_optional);

/* Wipe memory so the compiler cannot elide it (OPENSSL_cleanse). */
void crypto_wipe(void *p, size_t n);

#endif /* PSID_CRYPTO_H */
