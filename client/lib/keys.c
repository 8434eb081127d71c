/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.c: key derivation from the shared secret and the collaboration ID,
 * exactly as C3R derives its keys (SPEC §2): HKDF-SHA256 with the ID as
 * salt, info "c3r-encryption-primary-aes-gcm-256" for the root key and
 * "c3r-hmac-sha256-col-<target header>" for per-column fingerprint keys.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "keys.h"

#include <openssl/rand.h>

static const char HKDF_INFO[] = "c3r-encryption-primary-aes-gcm-256";
static const char HKDF_COLUMN_INFO[] = "c3r-hmac-sha256-col-";

/* The longest column label C3R allows, plus its info prefix. */
#define COLUMN_INFO_MAX (sizeof(HKDF_COLUMN_INFO) + 128)

int
keys_uuid_canonical(const char *id, char out[37])
{
	size_t i;

	if (strlen(id) != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (id[i] != '-')
				return -1;
			out[i] = '-';
		} else if (isxdigit((unsigned char)id[i]))
			out[i] = (char)tolower((unsigned char)id[i]);
		else
			return -1;
	}
	out[36] = '\0';
	return 0;
}

int
psid_keys_new_raw(const uint8_t *secret, size_t secret_len,
    const char *salt, struct psid_keys **keysp)
{
	struct psid_keys *keys;

	if (keysp == NULL)
		return PSID_ERR_INVALID;
	*keysp = NULL;
	if (secret == NULL || secret_len == 0 || salt == NULL || *salt == '\0')
		return PSID_ERR_INVALID;
	if ((keys = calloc(1, sizeof(*keys))) == NULL)
		return PSID_ERR_NOMEM;
	keys->secret_len = secret_len;
	keys->salt_len = strlen(salt);
	keys->secret = malloc(secret_len);
	keys->salt = strdup(salt);
	if (keys->secret == NULL || keys->salt == NULL) {
		psid_keys_free(keys);
		return PSID_ERR_NOMEM;
	}
	memcpy(keys->secret, secret, secret_len);
	if (crypto_hkdf_sha256(keys->secret, secret_len,
	    (const uint8_t *)keys->salt, keys->salt_len, HKDF_INFO,
	    strlen(HKDF_INFO), keys->root, KEY_LEN) != 0) {
		psid_keys_free(keys);
		return PSID_ERR_CRYPTO;
	}
	*keysp = keys;
	return PSID_OK;
}

int
psid_keys_new(const char *secret_b64, const char *collaboration_id,
    struct psid_keys **keysp)
{
	char salt[37];
	uint8_t *secret;
	size_t len;
	long n;
	int rc;

	if (keysp == NULL)
		return PSID_ERR_INVALID;
	*keysp = NULL;
	if (secret_b64 == NULL || collaboration_id == NULL)
		return PSID_ERR_INVALID;
	if (keys_uuid_canonical(collaboration_id, salt) != 0)
		return PSID_ERR_COLLABORATION_ID;
	len = strlen(secret_b64);
	if ((secret = malloc(len / 4 * 3 + 3)) == NULL)
		return PSID_ERR_NOMEM;
	n = crypto_b64_decode(secret, secret_b64, len, 1);
	if (n < PSID_SECRET_BYTES)
		rc = PSID_ERR_SECRET;
	else
		rc = psid_keys_new_raw(secret, (size_t)n, salt, keysp);
	crypto_wipe(secret, len / 4 * 3 + 3);
	free(secret);
	return rc;
}

void
psid_keys_free(struct psid_keys *keys)
{
	if (keys == NULL)
		return;
	if (keys->secret != NULL) {
		crypto_wipe(keys->secret, keys->secret_len);
		free(keys->secret);
	}
	free(keys->salt);
	crypto_wipe(keys, sizeof(*keys));
	free(keys);
}

int
keys_fingerprint_key(const struct psid_keys *keys, bool shared,
    const char *label, size_t label_len, uint8_t out[KEY_LEN])
{
	char info[COLUMN_INFO_MAX];
	size_t prefix = sizeof(HKDF_COLUMN_INFO) - 1;

	if (shared) {
		memcpy(out, keys->root, KEY_LEN);
		return PSID_OK;
	}
	if (label_len > sizeof(info) - prefix)
		return PSID_ERR_INVALID;
	memcpy(info, HKDF_COLUMN_INFO, prefix);
	memcpy(info + prefix, label, label_len);
	if (crypto_hkdf_sha256(keys->secret, keys->secret_len,
	    (const uint8_t *)keys->salt, keys->salt_len, info,
	    prefix + label_len, out, KEY_LEN) != 0)
		return PSID_ERR_CRYPTO;
	return PSID_OK;
}

int
psid_secret_generate(char *out, size_t out_size)
{
	uint8_t secret[PSID_SECRET_BYTES];

	if (out == NULL || out_size < PSID_SECRET_B64_SIZE)
		return PSID_ERR_INVALID;
	if (RAND_priv_bytes(secret, sizeof(secret)) != 1)
		return PSID_ERR_CRYPTO;
	crypto_b64_encode(out, secret, sizeof(secret));
	crypto_wipe(secret, sizeof(secret));
	return PSID_OK;
}
