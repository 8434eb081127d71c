/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto.c: fast call patterns over OpenSSL primitives (see crypto.h).
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "c3rcell.h"
#include "crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define HMAC_BLOCK 64

void
crypto_hmac_key_init(struct hmac_key *hk, const uint8_t *key, size_t len)
{
	uint8_t block[HMAC_BLOCK], pad[HMAC_BLOCK];
	size_t i;

	memset(block, 0, sizeof(block));
	if (len > HMAC_BLOCK)
		SHA256(key, len, block);
	else
		memcpy(block, key, len);
	for (i = 0; i < HMAC_BLOCK; i++)
		pad[i] = block[i] ^ 0x36;
	SHA256_Init(&hk->inner);
	SHA256_Update(&hk->inner, pad, HMAC_BLOCK);
	for (i = 0; i < HMAC_BLOCK; i++)
		pad[i] = block[i] ^ 0x5c;
	SHA256_Init(&hk->outer);
	SHA256_Update(&hk->outer, pad, HMAC_BLOCK);
	crypto_wipe(block, sizeof(block));
	crypto_wipe(pad, sizeof(pad));
}

void
crypto_hmac_compute(const struct hmac_key *hk, const void *a, size_t alen,
    const void *b, size_t blen, uint8_t out[SHA256_LEN])
{
	SHA256_CTX ctx;
	uint8_t inner[SHA256_LEN];

	ctx = hk->inner;
	SHA256_Update(&ctx, a, alen);
	if (blen > 0)
		SHA256_Update(&ctx, b, blen);
	SHA256_Final(inner, &ctx);
	ctx = hk->outer;
	SHA256_Update(&ctx, inner, SHA256_LEN);
	SHA256_Final(out, &ctx);
}

void
crypto_hmac_key_wipe(struct hmac_key *hk)
{
	crypto_wipe(hk, sizeof(*hk));
}

void
crypto_sha256_pair(const void *a, size_t alen, const void *b, size_t blen,
    uint8_t out[SHA256_LEN])
{
	SHA256_CTX ctx;

	SHA256_Init(&ctx);
	SHA256_Update(&ctx, a, alen);
	SHA256_Update(&ctx, b, blen);
	SHA256_Final(out, &ctx);
}

int
crypto_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
    size_t salt_len, const void *info, size_t info_len, uint8_t *out,
    size_t out_len)
{
	EVP_KDF *kdf;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[5], *p = params;
	int rc = -1;

	if ((kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL)) == NULL)
		return -1;
	if ((kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)ikm, ikm_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, salt_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)info, info_len);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, out_len, params) == 1)
		rc = 0;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

void
crypto_rand_pool_init(struct rand_pool *pool)
{
	pool->pos = RAND_POOL_BYTES;
}

int
crypto_rand_pool_take(struct rand_pool *pool, void *out, size_t n)
{
	if (n > RAND_POOL_BYTES)
		return -1;
	if (RAND_POOL_BYTES - pool->pos < n) {
		if (RAND_bytes(pool->bytes, RAND_POOL_BYTES) != 1)
			return -1;
		pool->pos = 0;
	}
	memcpy(out, pool->bytes + pool->pos, n);
	/* Bytes handed out are never handed out again. */
	memset(pool->bytes + pool->pos, 0, n);
	pool->pos += n;
	return 0;
}

void
crypto_rand_pool_wipe(struct rand_pool *pool)
{
	crypto_wipe(pool->bytes, sizeof(pool->bytes));
	pool->pos = RAND_POOL_BYTES;
}

size_t
crypto_b64_encode(char *out, const uint8_t *in, size_t n)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* The one strict decoder, shared with psid (c3rcell.h). */
long
crypto_b64_decode(uint8_t *out, const char *in, size_t len,
    int padding_optional)
{
	return c3rcell_b64_decode(out, in, len, padding_optional);
}

void
crypto_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}
