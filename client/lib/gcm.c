/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gcm.c: AES-256-GCM through the provider's dispatch table (see gcm.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "gcm.h"

/* The provider's AES-256-GCM functions, found once. */
static struct {
	EVP_CIPHER *cipher;
	void *provctx;
	OSSL_FUNC_cipher_newctx_fn *newctx;
	OSSL_FUNC_cipher_freectx_fn *freectx;
	OSSL_FUNC_cipher_encrypt_init_fn *einit;
	OSSL_FUNC_cipher_decrypt_init_fn *dinit;
	OSSL_FUNC_cipher_update_fn *update;
	OSSL_FUNC_cipher_final_fn *final;
	OSSL_FUNC_cipher_get_ctx_params_fn *get_params;
	OSSL_FUNC_cipher_set_ctx_params_fn *set_params;
	bool direct;
} gcm_impl;

static pthread_once_t gcm_once = PTHREAD_ONCE_INIT;

struct gcm {
	bool encrypt;
	void *ctx;		/* provider context, when direct */
	EVP_CIPHER_CTX *evp;	/* otherwise */
};

/* Whether name is one of the ':'-separated names of an algorithm. */
static bool
has_name(const char *names, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = names; p != NULL; p = strchr(p, ':')) {
		if (*p == ':')
			p++;
		if (strncmp(p, name, n) == 0 && (p[n] == ':' || p[n] == '\0'))
			return true;
	}
	return false;
}

static void
gcm_resolve(void)
{
	const OSSL_ALGORITHM *alg;
	const OSSL_DISPATCH *d = NULL;
	const OSSL_PROVIDER *prov;
	int no_cache;

	gcm_impl.cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	if (gcm_impl.cipher == NULL ||
	    (prov = EVP_CIPHER_get0_provider(gcm_impl.cipher)) == NULL ||
	    (alg = OSSL_PROVIDER_query_operation(prov, OSSL_OP_CIPHER,
	    &no_cache)) == NULL)
		return;
	for (; alg->algorithm_names != NULL; alg++)
		if (has_name(alg->algorithm_names, "AES-256-GCM")) {
			d = alg->implementation;
			break;
		}
	for (; d != NULL && d->function_id != 0; d++) {
		switch (d->function_id) {
		case OSSL_FUNC_CIPHER_NEWCTX:
			gcm_impl.newctx = OSSL_FUNC_cipher_newctx(d);
			break;
		case OSSL_FUNC_CIPHER_FREECTX:
			gcm_impl.freectx = OSSL_FUNC_cipher_freectx(d);
			break;
		case OSSL_FUNC_CIPHER_ENCRYPT_INIT:
			gcm_impl.einit = OSSL_FUNC_cipher_encrypt_init(d);
			break;
		case OSSL_FUNC_CIPHER_DECRYPT_INIT:
			gcm_impl.dinit = OSSL_FUNC_cipher_decrypt_init(d);
			break;
		case OSSL_FUNC_CIPHER_UPDATE:
			gcm_impl.update = OSSL_FUNC_cipher_update(d);
			break;
		case OSSL_FUNC_CIPHER_FINAL:
			gcm_impl.final = OSSL_FUNC_cipher_final(d);
			break;
		case OSSL_FUNC_CIPHER_GET_CTX_PARAMS:
			gcm_impl.get_params = OSSL_FUNC_cipher_get_ctx_params(d);
			break;
		case OSSL_FUNC_CIPHER_SET_CTX_PARAMS:
			gcm_impl.set_params = OSSL_FUNC_cipher_set_ctx_params(d);
			break;
		}
	}
	gcm_impl.provctx = OSSL_PROVIDER_get0_provider_ctx(prov);
	gcm_impl.direct = gcm_impl.newctx != NULL && gcm_impl.freectx != NULL &&
	    gcm_impl.einit != NULL && gcm_impl.dinit != NULL &&
	    gcm_impl.update != NULL && gcm_impl.final != NULL &&
	    gcm_impl.get_params != NULL && gcm_impl.set_params != NULL &&
	    getenv("PSID_GCM_EVP") == NULL;
}

int
gcm_new(struct gcm **gcmp, bool encrypt)
{
	struct gcm *g;

	pthread_once(&gcm_once, gcm_resolve);
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -1;
	g->encrypt = encrypt;
	if (gcm_impl.direct)
		g->ctx = gcm_impl.newctx(gcm_impl.provctx);
	else if ((g->evp = EVP_CIPHER_CTX_new()) != NULL &&
	    EVP_CipherInit_ex(g->evp, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    encrypt) != 1) {
		EVP_CIPHER_CTX_free(g->evp);
		g->evp = NULL;
	}
	if (g->ctx == NULL && g->evp == NULL) {
		free(g);
		return -1;
	}
	*gcmp = g;
	return 0;
}

void
gcm_free(struct gcm *g)
{
	if (g == NULL)
		return;
	if (g->ctx != NULL)
		gcm_impl.freectx(g->ctx);
	EVP_CIPHER_CTX_free(g->evp);
	free(g);
}

int
gcm_start(struct gcm *g, const uint8_t *key, const uint8_t *iv)
{
	size_t klen = key != NULL ? GCM_KEY_LEN : 0;

	if (g->ctx != NULL)
		return (g->encrypt ? gcm_impl.einit : gcm_impl.dinit)(g->ctx,
		    key, klen, iv, GCM_IV_LEN, NULL) == 1 ? 0 : -1;
	return EVP_CipherInit_ex(g->evp, NULL, NULL, key, iv, g->encrypt) == 1 ?
	    0 : -1;
}

int
gcm_aad(struct gcm *g, const uint8_t *aad, size_t len)
{
	size_t outl;
	int n;

	/* The provider wants room for len even with no output (AAD). */
	if (g->ctx != NULL)
		return gcm_impl.update(g->ctx, NULL, &outl, len, aad, len) ==
		    1 ? 0 : -1;
	return EVP_CipherUpdate(g->evp, NULL, &n, aad, (int)len) == 1 ? 0 : -1;
}

int
gcm_update(struct gcm *g, uint8_t *out, const uint8_t *in, size_t len)
{
	size_t outl;
	int n;

	if (g->ctx != NULL)
		return gcm_impl.update(g->ctx, out, &outl, len, in, len) == 1 &&
		    outl == len ? 0 : -1;
	return EVP_CipherUpdate(g->evp, out, &n, in, (int)len) == 1 &&
	    (size_t)n == len ? 0 : -1;
}

/* The tag as one parameter, every field set (valgrind-clean). */
static void
tag_param(OSSL_PARAM params[2], uint8_t *tag)
{
	params[0] = (OSSL_PARAM){ .key = OSSL_CIPHER_PARAM_AEAD_TAG,
	    .data_type = OSSL_PARAM_OCTET_STRING, .data = tag,
	    .data_size = GCM_TAG_LEN, .return_size = OSSL_PARAM_UNMODIFIED };
	params[1] = (OSSL_PARAM){ .key = NULL };
}

int
gcm_finish_tag(struct gcm *g, uint8_t tag[GCM_TAG_LEN])
{
	OSSL_PARAM params[2];
	uint8_t none[16];
	size_t outl;
	int n;

	tag_param(params, tag);
	if (g->ctx != NULL)
		return gcm_impl.final(g->ctx, none, &outl, sizeof(none)) == 1 &&
		    gcm_impl.get_params(g->ctx, params) == 1 ? 0 : -1;
	return EVP_CipherFinal_ex(g->evp, none, &n) == 1 &&
	    EVP_CIPHER_CTX_get_params(g->evp, params) == 1 ? 0 : -1;
}

int
gcm_finish_check(struct gcm *g, const uint8_t tag[GCM_TAG_LEN])
{
	OSSL_PARAM params[2];
	uint8_t copy[GCM_TAG_LEN], none[16];
	size_t outl;
	int n;

	memcpy(copy, tag, GCM_TAG_LEN);
	tag_param(params, copy);
	if (g->ctx != NULL) {
		if (gcm_impl.set_params(g->ctx, params) != 1)
			return -1;
		return gcm_impl.final(g->ctx, none, &outl, sizeof(none)) == 1 ?
		    0 : 1;
	}
	if (EVP_CIPHER_CTX_set_params(g->evp, params) != 1)
		return -1;
	return EVP_CipherFinal_ex(g->evp, none, &n) == 1 ? 0 : 1;
}
