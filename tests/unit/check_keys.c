/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_keys.c: tests of libpsid's key material (SPEC §1, §2) and of the
 * primitives under it:
 *  - crypto_hkdf_sha256() against RFC 5869 test cases 1-3 (the SHA-256 vectors
 *    of C3R's HmacKeyDerivationFunctionTest);
 *  - psid_keys_new(): the root and column fingerprint keys of SPEC
 *    Appendix A, UUID canonicalisation, secret and ID validation;
 *  - psid_keys_new_raw() with C3R's 17-byte unit-test secret;
 *  - psid_secret_generate();
 *  - crypto_hmac_compute() against OpenSSL's one-shot HMAC();
 *  - crypto_b64_decode() strictness (Java's Base64.getDecoder() rules);
 *  - psid_strerror().
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "crypto.h"
#include "keys.h"
#include "psid/client.h"
#include "suites.h"
#include "testutil.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

/* SPEC Appendix A: HKDF(bytes 00..1f, FIXTURE_ID, HKDF_INFO, 32). */
#define APPENDIX_A_ROOT \
	"49516cef5f8016cbf106053563fa1cf31f2439be6f81244d639c02c84f6ad8f5"
/* SPEC Appendix A: HKDF(..., "c3r-hmac-sha256-col-state", 32). */
#define APPENDIX_A_STATE_KEY \
	"c342ed08bb12e2703c04f6e5d9e17fa6dddb1e05f17b90a7b139d5d05cbdca79"

/* Assert that len bytes at got equal the hex string want. */
static void
assert_hex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t buf[512];

	ck_assert_uint_eq(strlen(want), 2 * len);
	ck_assert_uint_le(len, sizeof(buf));
	ck_assert_uint_eq(hex_decode(want, buf), len);
	ck_assert_mem_eq(got, buf, len);
}

/* ------------------------------------------------------------- HKDF */

/*
 * RFC 5869 appendix A, test cases 1-3 (HMAC-SHA256). The same vectors are
 * the SHA-256 cases of aws/c3r
 * c3r-sdk-core/src/test/java/com/amazonaws/c3r/encryption/keys/
 * HmacKeyDerivationFunctionTest.java.
 */
static const struct {
	const char *ikm, *salt, *info, *okm;
} rfc5869[] = {
	{
		"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		"000102030405060708090a0b0c",
		"f0f1f2f3f4f5f6f7f8f9",
		"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4"
		"c5bf34007208d5b887185865",
	},
	{
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"
		"1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b"
		"3c3d3e3f404142434445464748494a4b4c4d4e4f",
		"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d"
		"7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b"
		"9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
		"b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccd"
		"cecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaeb"
		"ecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
		"b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19af"
		"a97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9"
		"aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
	},
	{
		"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		"",
		"",
		"8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c73"
		"8d2d9d201395faa4b61a96c8",
	},
};

START_TEST(test_hkdf_rfc5869)
{
	uint8_t ikm[128], salt[128], info[128], okm[128];
	size_t ikm_len, salt_len, info_len, okm_len;

	ikm_len = hex_decode(rfc5869[_i].ikm, ikm);
	salt_len = hex_decode(rfc5869[_i].salt, salt);
	info_len = hex_decode(rfc5869[_i].info, info);
	okm_len = strlen(rfc5869[_i].okm) / 2;
	memset(okm, 0xaa, sizeof(okm));
	ck_assert_int_eq(crypto_hkdf_sha256(ikm, ikm_len, salt, salt_len, info,
	    info_len, okm, okm_len), 0);
	assert_hex(okm, okm_len, rfc5869[_i].okm);
	/* Nothing written past L. */
	ck_assert_uint_eq(okm[okm_len], 0xaa);
}
END_TEST

/* HKDF output is a prefix of any longer output (T(1) ‖ T(2) ‖ ...). */
START_TEST(test_hkdf_prefix)
{
	uint8_t ikm[32], a[100], b[32];
	size_t i;

	for (i = 0; i < sizeof(ikm); i++)
		ikm[i] = (uint8_t)i;
	ck_assert_int_eq(crypto_hkdf_sha256(ikm, sizeof(ikm),
	    (const uint8_t *)"s", 1, "i", 1, a, sizeof(a)), 0);
	ck_assert_int_eq(crypto_hkdf_sha256(ikm, sizeof(ikm),
	    (const uint8_t *)"s", 1, "i", 1, b, sizeof(b)), 0);
	ck_assert_mem_eq(a, b, sizeof(b));
}
END_TEST

/* ------------------------------------------------------- root keys */

START_TEST(test_root_key_appendix_a)
{
	struct psid_keys *keys = NULL;
	uint8_t secret[32];
	size_t i;

	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, FIXTURE_ID, &keys),
	    PSID_OK);
	ck_assert_ptr_nonnull(keys);
	assert_hex(keys->root, KEY_LEN, APPENDIX_A_ROOT);
	/* The secret is bytes 00..1f, kept whole; the salt is the ID. */
	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)i;
	ck_assert_uint_eq(keys->secret_len, 32);
	ck_assert_mem_eq(keys->secret, secret, 32);
	ck_assert_uint_eq(keys->salt_len, 36);
	ck_assert_str_eq(keys->salt, FIXTURE_ID);
	psid_keys_free(keys);
}
END_TEST

START_TEST(test_fingerprint_key_appendix_a)
{
	struct psid_keys *keys = NULL;
	uint8_t key[KEY_LEN], other[KEY_LEN];

	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, FIXTURE_ID, &keys),
	    PSID_OK);
	/* allowJoinsOnColumnsWithDifferentNames = false: per-column key. */
	ck_assert_int_eq(keys_fingerprint_key(keys, false, "state", 5, key),
	    PSID_OK);
	assert_hex(key, KEY_LEN, APPENDIX_A_STATE_KEY);
	/* = HKDF with info "c3r-hmac-sha256-col-state" (SPEC §2.5). */
	ck_assert_int_eq(crypto_hkdf_sha256(keys->secret, keys->secret_len,
	    (const uint8_t *)keys->salt, keys->salt_len,
	    "c3r-hmac-sha256-col-state", 25, other, KEY_LEN), 0);
	ck_assert_mem_eq(key, other, KEY_LEN);
	/* Another label gives another key. */
	ck_assert_int_eq(keys_fingerprint_key(keys, false, "city", 4, other),
	    PSID_OK);
	ck_assert_mem_ne(key, other, KEY_LEN);
	/* allowJoins... = true: the root key itself, for any label. */
	ck_assert_int_eq(keys_fingerprint_key(keys, true, "state", 5, key),
	    PSID_OK);
	assert_hex(key, KEY_LEN, APPENDIX_A_ROOT);
	ck_assert_int_eq(keys_fingerprint_key(keys, true, "city", 4, other),
	    PSID_OK);
	ck_assert_mem_eq(key, other, KEY_LEN);
	/* The longest valid label (128 bytes) is accepted. */
	{
		char label[128];

		memset(label, 'a', sizeof(label));
		ck_assert_int_eq(keys_fingerprint_key(keys, false, label,
		    sizeof(label), key), PSID_OK);
	}
	psid_keys_free(keys);
}
END_TEST

/* ------------------------------------------------------------ UUIDs */

START_TEST(test_uuid_case)
{
	struct psid_keys *lower = NULL, *upper = NULL, *mixed = NULL;
	char canon[37];

	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET,
	    "abcdef01-2345-6789-abcd-ef0123456789", &lower), PSID_OK);
	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET,
	    "ABCDEF01-2345-6789-ABCD-EF0123456789", &upper), PSID_OK);
	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET,
	    "AbCdEf01-2345-6789-aBcD-eF0123456789", &mixed), PSID_OK);
	/* java.util.UUID.toString() is lower case: the salt is too. */
	ck_assert_str_eq(upper->salt, "abcdef01-2345-6789-abcd-ef0123456789");
	ck_assert_mem_eq(lower->root, upper->root, KEY_LEN);
	ck_assert_mem_eq(lower->root, mixed->root, KEY_LEN);
	psid_keys_free(lower);
	psid_keys_free(upper);
	psid_keys_free(mixed);

	ck_assert_int_eq(keys_uuid_canonical(
	    "00000000-1111-2222-3333-44444444444A", canon), 0);
	ck_assert_str_eq(canon, "00000000-1111-2222-3333-44444444444a");
}
END_TEST

static const char *const bad_ids[] = {
	"",
	"00000000-1111-2222-3333-44444444444",		/* 35 chars */
	"00000000-1111-2222-3333-4444444444444",	/* 37 chars */
	"00000000-1111-2222-3333-44444444444g",		/* bad hex */
	"0000000x-1111-2222-3333-444444444444",		/* bad hex */
	"00000000-1111-2222-3333-44444444444 ",		/* space */
	" 00000000-1111-2222-3333-44444444444",	/* leading space */
	"00000000111122223333444444444444",		/* no dashes */
	"000000001-111-2222-3333-444444444444",		/* dash moved */
	"00000000-1111-2222-3333_444444444444",	/* separator */
	"00000000-1111-2222-3333-4444-4444444",		/* extra dash */
	"{00000000-1111-2222-3333-444444444444}",	/* braces */
	"urn:uuid:00000000-1111-2222-3333-444444444444",
	"saltybytes",
};

START_TEST(test_bad_ids)
{
	struct psid_keys *keys = (struct psid_keys *)&keys;
	char canon[37];

	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, bad_ids[_i], &keys),
	    PSID_ERR_COLLABORATION_ID);
	ck_assert_ptr_null(keys);
	ck_assert_int_eq(keys_uuid_canonical(bad_ids[_i], canon), -1);
}
END_TEST

/* ---------------------------------------------------------- secrets */

static const char *const bad_secrets[] = {
	"",
	"not base64 at all!",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8*",	/* bad char */
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8-",	/* URL-safe */
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh_=",	/* URL-safe */
	/* 31 bytes: one short of C3R's minimum. */
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg",
	/* Whitespace anywhere (Java's basic decoder rejects it). */
	" AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= ",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
	"AAECAwQFBgcICQoLDA0ODxAREhMU\nFRYXGBkaGxwdHh8=",
	"AAECAwQFBgcICQoLDA0ODxAREhMU FRYXGBkaGxwdHh8=",
	"AAECAwQFBgcICQoLDA0ODxAREhMU\tFRYXGBkaGxwdHh8=",
	/* '=' in the middle, too much padding, a lone trailing char. */
	"AAECAwQFBgcICQoLDA0O=xAREhMUFRYXGBkaGxwdHh8=",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=A",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AA==",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AA",
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AA=",
};

START_TEST(test_bad_secrets)
{
	struct psid_keys *keys = (struct psid_keys *)&keys;

	ck_assert_int_eq(psid_keys_new(bad_secrets[_i], FIXTURE_ID, &keys),
	    PSID_ERR_SECRET);
	ck_assert_ptr_null(keys);
}
END_TEST

START_TEST(test_unpadded_secret)
{
	struct psid_keys *padded = NULL, *unpadded = NULL;

	/* Java's decoder accepts a missing '=' tail. */
	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, FIXTURE_ID, &padded),
	    PSID_OK);
	ck_assert_int_eq(psid_keys_new(
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", FIXTURE_ID,
	    &unpadded), PSID_OK);
	ck_assert_uint_eq(unpadded->secret_len, 32);
	ck_assert_mem_eq(padded->root, unpadded->root, KEY_LEN);
	assert_hex(unpadded->root, KEY_LEN, APPENDIX_A_ROOT);
	psid_keys_free(padded);
	psid_keys_free(unpadded);
}
END_TEST

START_TEST(test_long_secret)
{
	/* Bytes 00..2f: 48 bytes, used whole as the HKDF IKM. */
	static const char b64[] =
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v";
	struct psid_keys *keys = NULL, *short_keys = NULL;
	uint8_t secret[48], root[KEY_LEN];
	size_t i;

	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)i;
	ck_assert_int_eq(psid_keys_new(b64, FIXTURE_ID, &keys), PSID_OK);
	ck_assert_uint_eq(keys->secret_len, 48);
	ck_assert_mem_eq(keys->secret, secret, 48);
	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, FIXTURE_ID,
	    &short_keys), PSID_OK);
	/* Not truncated to 32 bytes: a different root. */
	ck_assert_mem_ne(keys->root, short_keys->root, KEY_LEN);
	ck_assert_int_eq(crypto_hkdf_sha256(secret, sizeof(secret),
	    (const uint8_t *)FIXTURE_ID, strlen(FIXTURE_ID),
	    "c3r-encryption-primary-aes-gcm-256", 34, root, KEY_LEN), 0);
	ck_assert_mem_eq(keys->root, root, KEY_LEN);
	psid_keys_free(keys);
	psid_keys_free(short_keys);
}
END_TEST

START_TEST(test_null_args)
{
	static const uint8_t secret[] = "SomeFakeSecretKey";
	struct psid_keys *keys = (struct psid_keys *)&keys;

	ck_assert_int_eq(psid_keys_new(NULL, FIXTURE_ID, &keys),
	    PSID_ERR_INVALID);
	ck_assert_ptr_null(keys);
	keys = (struct psid_keys *)&keys;
	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, NULL, &keys),
	    PSID_ERR_INVALID);
	ck_assert_ptr_null(keys);
	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, FIXTURE_ID, NULL),
	    PSID_ERR_INVALID);

	keys = (struct psid_keys *)&keys;
	ck_assert_int_eq(psid_keys_new_raw(NULL, 17, "saltybytes", &keys),
	    PSID_ERR_INVALID);
	ck_assert_ptr_null(keys);
	ck_assert_int_eq(psid_keys_new_raw(secret, 0, "saltybytes", &keys),
	    PSID_ERR_INVALID);
	ck_assert_int_eq(psid_keys_new_raw(secret, 17, NULL, &keys),
	    PSID_ERR_INVALID);
	/* SaltedHkdf forbids an empty salt. */
	ck_assert_int_eq(psid_keys_new_raw(secret, 17, "", &keys),
	    PSID_ERR_INVALID);
	ck_assert_ptr_null(keys);
	ck_assert_int_eq(psid_keys_new_raw(secret, 17, "saltybytes", NULL),
	    PSID_ERR_INVALID);

	/* Freeing NULL is a no-op. */
	psid_keys_free(NULL);
}
END_TEST

/*
 * The 17-byte secret "SomeFakeSecretKey" and salt "saltybytes" of C3R's
 * transformer unit tests (aws/c3r c3r-sdk-core/src/test/java/com/amazonaws/
 * c3r/SealedTransformerTest.java, FingerprintTransformerTest.java). The
 * hex values below were computed independently (Python hashlib HKDF); the
 * Java-produced cells of those tests are reproduced in check_cell.c from
 * these keys, which confirms them.
 */
START_TEST(test_keys_new_raw)
{
	static const char secret[] = "SomeFakeSecretKey";
	struct psid_keys *keys = NULL;
	uint8_t key[KEY_LEN];

	ck_assert_int_eq(psid_keys_new_raw((const uint8_t *)secret,
	    strlen(secret), "saltybytes", &keys), PSID_OK);
	ck_assert_uint_eq(keys->secret_len, 17);
	ck_assert_mem_eq(keys->secret, secret, 17);
	/* The salt is verbatim, not a UUID. */
	ck_assert_str_eq(keys->salt, "saltybytes");
	ck_assert_uint_eq(keys->salt_len, 10);
	assert_hex(keys->root, KEY_LEN, "85ff26ca0b0f49d6fdf81fe6a85307741e"
	    "69da4074fbf19696db78ec3e634e7b");
	ck_assert_int_eq(keys_fingerprint_key(keys, false, "label", 5, key),
	    PSID_OK);
	assert_hex(key, KEY_LEN, "919d8cf79b13683e8afd05dd28a48cf8f4bee387d9"
	    "a697e9692858ad3e681448");
	psid_keys_free(keys);

	/* The raw path also matches psid_keys_new() for the fixture. */
	{
		uint8_t fixture_secret[32];
		size_t i;

		for (i = 0; i < sizeof(fixture_secret); i++)
			fixture_secret[i] = (uint8_t)i;
		ck_assert_int_eq(psid_keys_new_raw(fixture_secret, 32,
		    FIXTURE_ID, &keys), PSID_OK);
		assert_hex(keys->root, KEY_LEN, APPENDIX_A_ROOT);
		psid_keys_free(keys);
	}
	/* The caller keeps its buffer: the secret was copied. */
	{
		uint8_t buf[17];

		memcpy(buf, secret, sizeof(buf));
		ck_assert_int_eq(psid_keys_new_raw(buf, sizeof(buf),
		    "saltybytes", &keys), PSID_OK);
		memset(buf, 0, sizeof(buf));
		ck_assert_mem_eq(keys->secret, secret, 17);
		psid_keys_free(keys);
	}
}
END_TEST

/* ------------------------------------------------- secret generation */

START_TEST(test_secret_generate)
{
	char a[PSID_SECRET_B64_SIZE], b[PSID_SECRET_B64_SIZE + 10];
	uint8_t raw[48];
	struct psid_keys *keys = NULL;
	size_t i;

	ck_assert_int_eq(psid_secret_generate(a, sizeof(a)), PSID_OK);
	ck_assert_int_eq(psid_secret_generate(b, sizeof(b)), PSID_OK);
	ck_assert_uint_eq(strlen(a), 44);
	ck_assert_uint_eq(strlen(b), 44);
	ck_assert_str_ne(a, b);
	for (i = 0; i < 43; i++)
		ck_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789+/", a[i]) != NULL && a[i] != '\0');
	ck_assert_int_eq(a[43], '=');
	ck_assert_int_eq(crypto_b64_decode(raw, a, strlen(a), 0), 32);
	/* Usable as a secret. */
	ck_assert_int_eq(psid_keys_new(a, FIXTURE_ID, &keys), PSID_OK);
	ck_assert_uint_eq(keys->secret_len, PSID_SECRET_BYTES);
	psid_keys_free(keys);

	/* Too small a buffer, or none. */
	memset(b, 'x', sizeof(b));
	ck_assert_int_eq(psid_secret_generate(b, PSID_SECRET_B64_SIZE - 1),
	    PSID_ERR_INVALID);
	ck_assert_int_eq(psid_secret_generate(b, 0), PSID_ERR_INVALID);
	ck_assert_int_eq(psid_secret_generate(NULL, 100), PSID_ERR_INVALID);
	ck_assert_int_eq(b[0], 'x');
}
END_TEST

/* -------------------------------------------------------------- HMAC */

START_TEST(test_hmac_matches_openssl)
{
	static const size_t key_lens[] = { 1, 32, 64, 65, 100 };
	uint64_t state = 0x9e3779b97f4a7c15ULL;
	uint8_t key[100], msg[200], want[EVP_MAX_MD_SIZE], got[SHA256_LEN];
	unsigned int want_len;
	struct hmac_key hk;
	size_t k, len, split;

	for (k = 0; k < sizeof(key_lens) / sizeof(key_lens[0]); k++) {
		fill_rand(&state, key, key_lens[k]);
		crypto_hmac_key_init(&hk, key, key_lens[k]);
		for (len = 0; len <= sizeof(msg); len++) {
			fill_rand(&state, msg, len);
			ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key,
			    (int)key_lens[k], msg, len, want, &want_len));
			ck_assert_uint_eq(want_len, SHA256_LEN);
			/* The whole message as a, then as b. */
			crypto_hmac_compute(&hk, msg, len, NULL, 0, got);
			ck_assert_mem_eq(got, want, SHA256_LEN);
			crypto_hmac_compute(&hk, NULL, 0, msg, len, got);
			ck_assert_mem_eq(got, want, SHA256_LEN);
			/* Every split point, for some lengths. */
			if (len % 17 != 0 && len != 1 && len != 63 &&
			    len != 64 && len != 65 && len != 200)
				continue;
			for (split = 0; split <= len; split++) {
				crypto_hmac_compute(&hk, msg, split,
				    msg + split, len - split, got);
				ck_assert_mem_eq(got, want, SHA256_LEN);
			}
		}
		/* The prepared key is reusable: same input, same MAC. */
		crypto_hmac_compute(&hk, "abc", 3, NULL, 0, got);
		ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key,
		    (int)key_lens[k], (const uint8_t *)"abc", 3, want,
		    &want_len));
		ck_assert_mem_eq(got, want, SHA256_LEN);
		crypto_hmac_key_wipe(&hk);
	}
}
END_TEST

/* RFC 4231 test case 2 ("Jefe"), a fixed point beside the comparison. */
START_TEST(test_hmac_rfc4231)
{
	static const char msg[] = "what do ya want for nothing?";
	struct hmac_key hk;
	uint8_t got[SHA256_LEN];

	crypto_hmac_key_init(&hk, (const uint8_t *)"Jefe", 4);
	crypto_hmac_compute(&hk, msg, 10, msg + 10, strlen(msg) - 10, got);
	assert_hex(got, SHA256_LEN, "5bdcc146bf60754e6a042426089575c75a003f0"
	    "89d2739839dec58b964ec3843");
	crypto_hmac_key_wipe(&hk);
}
END_TEST

/* ------------------------------------------------------------ Base64 */

static const struct {
	const char *in;
	int padding_optional;
	long want;		/* decoded length, or -1 */
	const char *bytes;	/* the decoded text when want > 0 */
} b64_cases[] = {
	{ "", 0, 0, "" },
	{ "", 1, 0, "" },
	{ "TWFu", 0, 3, "Man" },
	{ "TWE=", 0, 2, "Ma" },
	{ "TQ==", 0, 1, "M" },
	{ "TWFuTWE=", 0, 5, "ManMa" },
	{ "TWFuTQ==", 1, 4, "ManM" },
	/* Missing padding: only when allowed. */
	{ "TWE", 0, -1, NULL },
	{ "TWE", 1, 2, "Ma" },
	{ "TQ", 0, -1, NULL },
	{ "TQ", 1, 1, "M" },
	{ "TWFuTQ", 1, 4, "ManM" },
	/* One char left over is never Base64. */
	{ "T", 1, -1, NULL },
	{ "TWFuT", 1, -1, NULL },
	/* Partial padding is rejected as Java does ("TQ=" is bad). */
	{ "TQ=", 1, -1, NULL },
	{ "TQ=", 0, -1, NULL },
	{ "TWE==", 1, -1, NULL },
	{ "TQ===", 1, -1, NULL },
	{ "====", 0, -1, NULL },
	{ "A===", 0, -1, NULL },
	{ "=", 1, -1, NULL },
	/* '=' in the middle. */
	{ "TQ==TWFu", 0, -1, NULL },
	{ "TQ==TWFu", 1, -1, NULL },
	{ "T=Fu", 0, -1, NULL },
	{ "TW=u", 1, -1, NULL },
	/* Characters outside the standard alphabet. */
	{ "TW-u", 0, -1, NULL },
	{ "TW_u", 0, -1, NULL },
	{ "TW@u", 0, -1, NULL },
	{ "TW.u", 1, -1, NULL },
	{ "TW\x80u", 0, -1, NULL },
	/* Whitespace anywhere. */
	{ "TW u", 0, -1, NULL },
	{ " TWFu", 1, -1, NULL },
	{ "TWFu ", 1, -1, NULL },
	{ "TWFu\n", 1, -1, NULL },
	{ "TWFu\r\nTWFu", 0, -1, NULL },
	{ "TW\tu", 0, -1, NULL },
};

START_TEST(test_b64_decode_cases)
{
	uint8_t out[64];
	long n;

	memset(out, 0, sizeof(out));
	n = crypto_b64_decode(out, b64_cases[_i].in, strlen(b64_cases[_i].in),
	    b64_cases[_i].padding_optional);
	ck_assert_msg(n == b64_cases[_i].want, "\"%s\" (optional %d): %ld",
	    b64_cases[_i].in, b64_cases[_i].padding_optional, n);
	if (n > 0)
		ck_assert_mem_eq(out, b64_cases[_i].bytes, (size_t)n);
}
END_TEST

/* A NUL inside the given length is a bad character, not an end. */
START_TEST(test_b64_decode_embedded_nul)
{
	uint8_t out[16];

	ck_assert_int_eq(crypto_b64_decode(out, "TW\0u", 4, 0), -1);
	ck_assert_int_eq(crypto_b64_decode(out, "TWFu\0\0\0\0", 8, 1), -1);
	/* Only the given length is read. */
	ck_assert_int_eq(crypto_b64_decode(out, "TWFu!!!!", 4, 0), 3);
}
END_TEST

START_TEST(test_b64_round_trip)
{
	uint64_t state = 12345;
	uint8_t in[300], out[300];
	char text[B64_ENCODED_LEN(300) + 1];
	size_t n, len, stripped;

	for (n = 0; n <= sizeof(in); n++) {
		fill_rand(&state, in, n);
		len = crypto_b64_encode(text, in, n);
		ck_assert_uint_eq(len, B64_ENCODED_LEN(n));
		ck_assert_uint_eq(strlen(text), len);
		ck_assert_int_eq(crypto_b64_decode(out, text, len, 0), (long)n);
		ck_assert_mem_eq(out, in, n);
		ck_assert_int_eq(crypto_b64_decode(out, text, len, 1), (long)n);
		ck_assert_mem_eq(out, in, n);
		/* Without the '=' tail: only with padding optional. */
		stripped = len;
		while (stripped > 0 && text[stripped - 1] == '=')
			stripped--;
		if (stripped != len)
			ck_assert_int_eq(crypto_b64_decode(out, text,
			    stripped, 0), -1);
		ck_assert_int_eq(crypto_b64_decode(out, text, stripped, 1),
		    (long)n);
		ck_assert_mem_eq(out, in, n);
	}
}
END_TEST

/* ---------------------------------------------------------- strerror */

START_TEST(test_strerror)
{
	static const int unknown[] = {
		1, 2, -30, -31, -100, 1000, INT_MAX, INT_MIN,
	};
	const char *text[30];
	size_t i, j;

	for (i = 0; i < 30; i++) {
		text[i] = psid_strerror(-(int)i);
		ck_assert_ptr_nonnull(text[i]);
		ck_assert_uint_gt(strlen(text[i]), 0);
		ck_assert_str_ne(text[i], "unknown error");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(text[i], text[j]);
	}
	ck_assert_int_eq(PSID_ERR_UNSUPPORTED, -17);
	ck_assert_int_eq(PSID_ERR_BAD_REQUEST, -28);
	ck_assert_int_eq(PSID_ERR_RULE, -29);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ck_assert_str_eq(psid_strerror(unknown[i]), "unknown error");
}
END_TEST

Suite *
make_keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc;

	tc = tcase_create("hkdf");
	tcase_add_loop_test(tc, test_hkdf_rfc5869, 0,
	    (int)(sizeof(rfc5869) / sizeof(rfc5869[0])));
	tcase_add_test(tc, test_hkdf_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("derivation");
	tcase_add_test(tc, test_root_key_appendix_a);
	tcase_add_test(tc, test_fingerprint_key_appendix_a);
	tcase_add_test(tc, test_keys_new_raw);
	suite_add_tcase(s, tc);

	tc = tcase_create("validation");
	tcase_add_test(tc, test_uuid_case);
	tcase_add_loop_test(tc, test_bad_ids, 0,
	    (int)(sizeof(bad_ids) / sizeof(bad_ids[0])));
	tcase_add_loop_test(tc, test_bad_secrets, 0,
	    (int)(sizeof(bad_secrets) / sizeof(bad_secrets[0])));
	tcase_add_test(tc, test_unpadded_secret);
	tcase_add_test(tc, test_long_secret);
	tcase_add_test(tc, test_null_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("secret");
	tcase_add_test(tc, test_secret_generate);
	suite_add_tcase(s, tc);

	tc = tcase_create("hmac");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_hmac_matches_openssl);
	tcase_add_test(tc, test_hmac_rfc4231);
	suite_add_tcase(s, tc);

	tc = tcase_create("base64");
	tcase_add_loop_test(tc, test_b64_decode_cases, 0,
	    (int)(sizeof(b64_cases) / sizeof(b64_cases[0])));
	tcase_add_test(tc, test_b64_decode_embedded_nul);
	tcase_add_test(tc, test_b64_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("strerror");
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);
	return s;
}
