/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.h: the inside of struct psid_keys and the per-column key
 * derivations of C3R (SPEC §2).
 */
#ifndef PSID_KEYS_H
#define PSID_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psid/client.h"

#define KEY_LEN 32

struct psid_keys {
	uint8_t *secret;	/* HKDF input keying material, wiped on free */
	size_t secret_len;
	char *salt;		/* collaboration ID (canonical) or raw salt */
	size_t salt_len;
	uint8_t root[KEY_LEN];	/* HKDF(secret, salt, HKDF_INFO) */
};

/*
 * The fingerprint (HMAC) key of a column: the root key when joins across
 * column names are allowed (shared), else HKDF with info
 * "c3r-hmac-sha256-col-" + label. Returns PSID_OK or PSID_ERR_CRYPTO.
 */
int keys_fingerprint_key(const struct psid_keys *keys, bool shared,
    const char *label, size_t label_len, uint8_t out[KEY_LEN]);

/*
 * Check a UUID in 8-4-4-4-12 hex form and write its lower-case form
 * (37 bytes with the NUL) to out. Returns 0, or -1 if it is not a UUID.
 */
int keys_uuid_canonical(const char *id, char out[37]);

#endif /* PSID_KEYS_H */
