/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_c3rcell.c: the one C3R cell grammar (proto/c3rcell.h) both ends
 * use: kinds by prefix and by C3R's decryption test, strict Base64 (what
 * OpenSSL's EVP_DecodeBlock would let through is refused), fingerprint
 * decode and encode, the sealed-cell check; and that libpsid's decoder
 * is the same one, so psid and psictl refuse the same cells.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include <openssl/evp.h>

#include "c3rcell.h"
#include "crypto.h"
#include "suites.h"

/* SPEC §13's known answers: a fingerprint and a sealed cell. */
#define FP_CELL "02:hmac:+dN/pFTpIHUfH0S+jtmzb55SwEg+rzoHTRuoj5qHsuA="
#define SEALED_B64 "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr+cynUzAI3aeKQy" \
	"P/I1GtwykqUhAjX1G8exFAus6xlxXNKCOx4WCgytzBA="
#define SEALED_CELL "02:enc:" SEALED_B64

START_TEST(kinds)
{
	ck_assert_int_eq(c3rcell_kind(FP_CELL, strlen(FP_CELL)),
	    C3RCELL_FINGERPRINT);
	ck_assert_int_eq(c3rcell_kind(SEALED_CELL, strlen(SEALED_CELL)),
	    C3RCELL_SEALED);
	ck_assert_int_eq(c3rcell_kind("02:enc", 6), C3RCELL_CLEARTEXT);
	ck_assert_int_eq(c3rcell_kind("hello", 5), C3RCELL_CLEARTEXT);
	ck_assert_int_eq(c3rcell_kind("", 0), C3RCELL_CLEARTEXT);
	/* Another version is cleartext by prefix, sealed by C3R's test. */
	ck_assert_int_eq(c3rcell_kind("01:enc:AAAA", 11), C3RCELL_CLEARTEXT);
	ck_assert_int_eq(c3rcell_descriptor("01:enc:AAAA", 11),
	    C3RCELL_SEALED);
	ck_assert_int_eq(c3rcell_descriptor("01:hmac:", 8),
	    C3RCELL_FINGERPRINT);
	ck_assert_int_eq(c3rcell_descriptor("01:hma", 6), C3RCELL_CLEARTEXT);
	ck_assert_int_eq(c3rcell_descriptor("x", 1), C3RCELL_CLEARTEXT);
}
END_TEST

static const struct {
	const char *in;
	int optional;
	long want;
} b64_cases[] = {
	{ "", 0, 0 },
	{ "TWFu", 0, 3 },
	{ "TWE=", 0, 2 },
	{ "TQ==", 0, 1 },
	{ "TWE", 0, -1 },
	{ "TWE", 1, 2 },
	{ "TQ", 1, 1 },
	{ "T", 1, -1 },
	{ "TWE=", 1, 2 },
	{ "TQ=", 1, -1 },		/* padding, but not a whole quad */
	{ " TWFu", 0, -1 },		/* whitespace anywhere */
	{ "TWFu ", 0, -1 },
	{ "    TWFu", 0, -1 },
	{ "TWFu    ", 0, -1 },
	{ "TW Fu", 0, -1 },
	{ "TWFu\n", 0, -1 },
	{ "TWFu\r\n", 0, -1 },
	{ "\tTWFu", 0, -1 },
	{ "TW=u", 0, -1 },		/* '=' only at the end */
	{ "T===", 0, -1 },
	{ "====", 0, -1 },
	{ "TWF-", 0, -1 },		/* URL-safe alphabet: no */
	{ "TWF_", 0, -1 },
};

START_TEST(b64_strict)
{
	uint8_t out[16];
	const char *in = b64_cases[_i].in;
	size_t len = strlen(in);
	long n;

	ck_assert_int_eq(c3rcell_b64_check(in, len, b64_cases[_i].optional),
	    b64_cases[_i].want);
	n = c3rcell_b64_decode(out, in, len, b64_cases[_i].optional);
	ck_assert_msg(n == b64_cases[_i].want, "\"%s\": %ld", in, n);
	/* libpsid's decoder is the same one. */
	ck_assert_int_eq(crypto_b64_decode(out, in, len, b64_cases[_i].optional),
	    b64_cases[_i].want);
}
END_TEST

START_TEST(b64_values_and_openssl_leniency)
{
	uint8_t out[64], ossl[64];
	char text[64];
	size_t n;

	ck_assert_int_eq(c3rcell_b64_decode(out, "TWFu", 4, 0), 3);
	ck_assert(memcmp(out, "Man", 3) == 0);
	ck_assert_int_eq(c3rcell_b64_decode(out, "TWE", 3, 1), 2);
	ck_assert(memcmp(out, "Ma", 2) == 0);
	n = c3rcell_b64_encode(text, (const uint8_t *)"Ma", 2);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(text, "TWE=");
	ck_assert_uint_eq(C3RCELL_B64_LEN(32), 44);
	/* What OpenSSL accepts and the grammar refuses: edge whitespace. */
	ck_assert_int_ge(EVP_DecodeBlock(ossl,
	    (const unsigned char *)"  TWFu", 6), 0);
	ck_assert_int_eq(c3rcell_b64_decode(out, "  TWFu", 6, 0), -1);
	ck_assert_int_eq(c3rcell_b64_decode(out, "TWFu\0\0\0\0", 8, 0), -1);
}
END_TEST

START_TEST(fingerprint_decode_encode)
{
	uint8_t fp[C3RCELL_FP_BYTES], again[C3RCELL_FP_BYTES];
	char text[C3RCELL_FP_LEN + 1], bad[C3RCELL_FP_LEN + 1];

	ck_assert_int_eq(c3rcell_fp_decode(FP_CELL, C3RCELL_FP_LEN, fp),
	    C3RCELL_OK);
	c3rcell_fp_encode(fp, text);
	ck_assert_str_eq(text, FP_CELL);
	ck_assert_int_eq(c3rcell_fp_decode(text, strlen(text), again),
	    C3RCELL_OK);
	ck_assert(memcmp(fp, again, sizeof(fp)) == 0);

	ck_assert_int_eq(c3rcell_fp_decode(SEALED_CELL, strlen(SEALED_CELL),
	    fp), C3RCELL_ERR_PREFIX);
	ck_assert_int_eq(c3rcell_fp_decode(FP_CELL, C3RCELL_FP_LEN - 1, fp),
	    C3RCELL_ERR_LENGTH);
	/* A leading space where the first character was. */
	memcpy(bad, FP_CELL, sizeof(bad));
	bad[C3RCELL_FP_PREFIX_LEN] = ' ';
	ck_assert_int_eq(c3rcell_fp_decode(bad, C3RCELL_FP_LEN, fp),
	    C3RCELL_ERR_BASE64);
	/* A trailing space where the '=' was. */
	memcpy(bad, FP_CELL, sizeof(bad));
	bad[C3RCELL_FP_LEN - 1] = ' ';
	ck_assert_int_eq(c3rcell_fp_decode(bad, C3RCELL_FP_LEN, fp),
	    C3RCELL_ERR_BASE64);
	/* "==": Base64 of 31 bytes. */
	memcpy(bad, FP_CELL, sizeof(bad));
	bad[C3RCELL_FP_LEN - 2] = '=';
	ck_assert_int_eq(c3rcell_fp_decode(bad, C3RCELL_FP_LEN, fp),
	    C3RCELL_ERR_BYTES);
	/* No padding: 44 characters of 33 bytes. */
	memcpy(bad, FP_CELL, sizeof(bad));
	bad[C3RCELL_FP_LEN - 1] = 'A';
	ck_assert_int_eq(c3rcell_fp_decode(bad, C3RCELL_FP_LEN, fp),
	    C3RCELL_ERR_BYTES);
}
END_TEST

START_TEST(sealed_check)
{
	char cell[256];

	ck_assert_int_eq(c3rcell_sealed_check(SEALED_CELL,
	    strlen(SEALED_CELL)), C3RCELL_OK);
	ck_assert_int_eq(c3rcell_sealed_check(FP_CELL, strlen(FP_CELL)),
	    C3RCELL_ERR_PREFIX);
	ck_assert_int_eq(c3rcell_sealed_check("02:enc:", 7),
	    C3RCELL_ERR_LENGTH);
	ck_assert_int_eq(c3rcell_sealed_check(SEALED_CELL,
	    strlen(SEALED_CELL) - 1), C3RCELL_ERR_LENGTH);
	ck_assert_int_eq(c3rcell_sealed_check("02:enc:AAAA", 11),
	    C3RCELL_ERR_BYTES);
	/* Four spaces before or after keep whole quads: still refused. */
	snprintf(cell, sizeof(cell), "02:enc:    %s", SEALED_B64);
	ck_assert_int_eq(c3rcell_sealed_check(cell, strlen(cell)),
	    C3RCELL_ERR_BASE64);
	snprintf(cell, sizeof(cell), "02:enc:%s    ", SEALED_B64);
	ck_assert_int_eq(c3rcell_sealed_check(cell, strlen(cell)),
	    C3RCELL_ERR_BASE64);
	snprintf(cell, sizeof(cell), "02:enc:%.4s\n%s", SEALED_B64,
	    SEALED_B64 + 5);
	ck_assert_int_eq(c3rcell_sealed_check(cell, strlen(cell)),
	    C3RCELL_ERR_BASE64);
	ck_assert_ptr_nonnull(strstr(c3rcell_strerror(C3RCELL_ERR_BASE64),
	    "whitespace"));
	ck_assert_str_eq(c3rcell_strerror(42), "unknown cell error");
}
END_TEST

Suite *
make_c3rcell_suite(void)
{
	Suite *s = suite_create("c3rcell");
	TCase *tc = tcase_create("grammar");

	tcase_add_test(tc, kinds);
	tcase_add_loop_test(tc, b64_strict, 0,
	    (int)(sizeof(b64_cases) / sizeof(b64_cases[0])));
	tcase_add_test(tc, b64_values_and_openssl_leniency);
	tcase_add_test(tc, fingerprint_decode_encode);
	tcase_add_test(tc, sealed_check);
	suite_add_tcase(s, tc);
	return s;
}
