/* SPDX-License-Identifier: Apache-2.0 */
/*
 * c3rcell.h: the one grammar of a C3R cell's text (../shared/c3r/SPEC.md
 * §4.5, §5, §9), shared by psid and libpsid: pure functions over bytes.
 *
 *   fingerprint  "02:hmac:" + Base64 of 32 bytes: 44 characters, so the
 *                cell is always 52 characters
 *   sealed       "02:enc:" + Base64(nonce32 ‖ iv12 ‖ ciphertext ‖ tag16),
 *                at least C3RCELL_SEALED_MIN_BYTES decoded
 *   cleartext    anything else
 *
 * Base64 is RFC 4648's standard alphabet with '=' padding, decoded
 * strictly as Java's Base64.getDecoder() does: no whitespace, no line
 * breaks, no character outside the alphabet, '=' only as the last one or
 * two characters of a whole quad. OpenSSL's EVP_DecodeBlock does the
 * decoding, after the text is checked (it skips leading and trailing
 * whitespace itself, which C3R does not).
 */
#ifndef PSID_C3RCELL_H
#define PSID_C3RCELL_H

#include <stddef.h>
#include <stdint.h>

#define C3RCELL_FP_PREFIX	"02:hmac:"
#define C3RCELL_FP_PREFIX_LEN	8
#define C3RCELL_FP_BYTES	32
#define C3RCELL_FP_LEN		52	/* prefix + 44 Base64 characters */
#define C3RCELL_SEALED_PREFIX	"02:enc:"
#define C3RCELL_SEALED_PREFIX_LEN 7
/* Nonce, IV, an info byte, the pad length (2) and the tag. */
#define C3RCELL_SEALED_MIN_BYTES (32 + 12 + 3 + 16)
#define C3RCELL_MAX_LEN		16383	/* C3R's longest cell */

/* Characters of the Base64 encoding of n bytes (with '=' padding). */
#define C3RCELL_B64_LEN(n)	(4 * (((n) + 2) / 3))

enum c3rcell_kind {
	C3RCELL_CLEARTEXT,
	C3RCELL_FINGERPRINT,
	C3RCELL_SEALED,
};

/* What is wrong with a cell of a kind (0: nothing). */
enum c3rcell_err {
	C3RCELL_OK = 0,
	C3RCELL_ERR_PREFIX = -1,	/* not that kind's prefix */
	C3RCELL_ERR_LENGTH = -2,	/* a length the kind never has */
	C3RCELL_ERR_BASE64 = -3,	/* not strict Base64 */
	C3RCELL_ERR_BYTES = -4,		/* decodes to too few/many bytes */
};

/*
 * The kind of cell[0..len) by its whole prefix ("02:hmac:", "02:enc:"),
 * as an upload infers a column's type and psid checks it. Says nothing
 * of the rest: see c3rcell_fp_decode and c3rcell_sealed_check.
 */
enum c3rcell_kind c3rcell_kind(const void *cell, size_t len);

/*
 * The kind by C3R's decryption test (SPEC §9): bytes 3.. are "enc:" or
 * "hmac:", whatever the version before them, so that "01:enc:" is taken
 * as sealed (and then refused for its version).
 */
enum c3rcell_kind c3rcell_descriptor(const void *cell, size_t len);

/* A one-line description of a c3rcell_err, for messages. */
const char *c3rcell_strerror(int err);

/*
 * Check in[0..len) as strict Base64 without decoding it. With
 * padding_optional, a missing '=' tail is accepted as Java's decoder
 * does for the shared secret; otherwise len must be a multiple of 4.
 * Returns the decoded length, or -1 when the text is not Base64.
 */
long c3rcell_b64_check(const char *in, size_t len, int padding_optional);

/*
 * Decode in[0..len) strictly (as c3rcell_b64_check) into out, which must
 * hold 3 * ceil(len / 4) bytes. Returns the decoded length, or -1 when
 * the text is not Base64 (out may then hold anything).
 */
long c3rcell_b64_decode(uint8_t *out, const char *in, size_t len,
    int padding_optional);

/*
 * Base64 of in[0..n) into out, which must hold C3RCELL_B64_LEN(n) + 1
 * bytes (NUL terminated). Returns the length written, without the NUL.
 */
size_t c3rcell_b64_encode(char *out, const uint8_t *in, size_t n);

/*
 * Decode the fingerprint cell cell[0..len) into its 32 bytes. Returns
 * C3RCELL_OK, or C3RCELL_ERR_PREFIX (not "02:hmac:"), _LENGTH (not 52
 * characters), _BASE64 or _BYTES (Base64 of other than 32 bytes).
 */
int c3rcell_fp_decode(const void *cell, size_t len,
    uint8_t fp[C3RCELL_FP_BYTES]);

/*
 * The text of the fingerprint cell of fp into out (C3RCELL_FP_LEN bytes
 * and a NUL).
 */
void c3rcell_fp_encode(const uint8_t fp[C3RCELL_FP_BYTES],
    char out[C3RCELL_FP_LEN + 1]);

/*
 * Whether cell[0..len) is a well-formed sealed cell (its ciphertext is
 * not authenticated here). Returns C3RCELL_OK, or C3RCELL_ERR_PREFIX
 * (not "02:enc:"), _LENGTH (no Base64, not whole quads, or over
 * C3RCELL_MAX_LEN), _BASE64 (not strict Base64: whitespace, say) or
 * _BYTES (under C3RCELL_SEALED_MIN_BYTES decoded).
 */
int c3rcell_sealed_check(const void *cell, size_t len);

#endif /* PSID_C3RCELL_H */
