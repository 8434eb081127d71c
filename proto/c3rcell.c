/* SPDX-License-Identifier: Apache-2.0 */
/*
 * c3rcell.c: C3R cell text and strict Base64 (see c3rcell.h). The
 * alphabet is checked here; OpenSSL decodes and encodes.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "c3rcell.h"

/* The standard Base64 alphabet (RFC 4648 §4), '=' excluded. */
static const bool b64_alphabet[256] = {
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
	['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
	['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
	['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1,
	['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, ['+'] = 1, ['/'] = 1,
};

static bool
has_prefix(const void *cell, size_t len, const char *prefix, size_t plen)
{
	return len >= plen && memcmp(cell, prefix, plen) == 0;
}

enum c3rcell_kind
c3rcell_kind(const void *cell, size_t len)
{
	if (has_prefix(cell, len, C3RCELL_FP_PREFIX, C3RCELL_FP_PREFIX_LEN))
		return C3RCELL_FINGERPRINT;
	if (has_prefix(cell, len, C3RCELL_SEALED_PREFIX,
	    C3RCELL_SEALED_PREFIX_LEN))
		return C3RCELL_SEALED;
	return C3RCELL_CLEARTEXT;
}

enum c3rcell_kind
c3rcell_descriptor(const void *cell, size_t len)
{
	const char *p = cell;

	if (len >= C3RCELL_SEALED_PREFIX_LEN && memcmp(p + 3, "enc:", 4) == 0)
		return C3RCELL_SEALED;
	if (len >= C3RCELL_FP_PREFIX_LEN && memcmp(p + 3, "hmac:", 5) == 0)
		return C3RCELL_FINGERPRINT;
	return C3RCELL_CLEARTEXT;
}

const char *
c3rcell_strerror(int err)
{
	switch (err) {
	case C3RCELL_OK:
		return "a well-formed cell";
	case C3RCELL_ERR_PREFIX:
		return "not a cell of that kind";
	case C3RCELL_ERR_LENGTH:
		return "a cell of a bad length";
	case C3RCELL_ERR_BASE64:
		return "not strict Base64 (whitespace, a character outside "
		    "the alphabet, or bad '=' padding)";
	case C3RCELL_ERR_BYTES:
		return "Base64 of the wrong number of bytes";
	default:
		return "unknown cell error";
	}
}

long
c3rcell_b64_check(const char *in, size_t len, int padding_optional)
{
	size_t i, pad = 0, rest = len % 4;
	unsigned bad = 0;

	/* The '=' tail: at most two, only at the end. */
	while (pad < len && pad < 2 && in[len - 1 - pad] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		bad |= !b64_alphabet[(unsigned char)in[i]];
	if (bad)
		return -1;
	if (rest == 0)
		return (long)(len / 4 * 3 - pad);
	/* A short last quad: only where '=' may be left out, and not 1. */
	if (!padding_optional || pad != 0 || rest == 1)
		return -1;
	return (long)(len / 4 * 3 + rest - 1);
}

long
c3rcell_b64_decode(uint8_t *out, const char *in, size_t len,
    int padding_optional)
{
	char tail[4];
	size_t body, rest = len % 4;
	long n, m;

	if ((n = c3rcell_b64_check(in, len, padding_optional)) <= 0)
		return n;
	/* Checked: OpenSSL's leniencies (whitespace) cannot apply. */
	body = len - rest;
	if (body > 0 && EVP_DecodeBlock(out, (const unsigned char *)in,
	    (int)body) < 0)
		return -1;
	if (rest > 0) {
		/* Complete a short tail with '=' and decode it alone. */
		memcpy(tail, in + body, rest);
		memset(tail + rest, '=', 4 - rest);
		m = EVP_DecodeBlock(out + body / 4 * 3,
		    (const unsigned char *)tail, 4);
		if (m < 0)
			return -1;
	}
	return n;
}

size_t
c3rcell_b64_encode(char *out, const uint8_t *in, size_t n)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int
c3rcell_fp_decode(const void *cell, size_t len,
    uint8_t fp[C3RCELL_FP_BYTES])
{
	const char *b64 = (const char *)cell + C3RCELL_FP_PREFIX_LEN;
	uint8_t out[C3RCELL_FP_BYTES + 1];
	long n;

	if (c3rcell_kind(cell, len) != C3RCELL_FINGERPRINT)
		return C3RCELL_ERR_PREFIX;
	if (len != C3RCELL_FP_LEN)
		return C3RCELL_ERR_LENGTH;
	n = c3rcell_b64_check(b64, len - C3RCELL_FP_PREFIX_LEN, 0);
	if (n < 0)
		return C3RCELL_ERR_BASE64;
	if (n != C3RCELL_FP_BYTES)
		return C3RCELL_ERR_BYTES;
	if (c3rcell_b64_decode(out, b64, len - C3RCELL_FP_PREFIX_LEN, 0) !=
	    C3RCELL_FP_BYTES)
		return C3RCELL_ERR_BASE64;
	memcpy(fp, out, C3RCELL_FP_BYTES);
	return C3RCELL_OK;
}

void
c3rcell_fp_encode(const uint8_t fp[C3RCELL_FP_BYTES],
    char out[C3RCELL_FP_LEN + 1])
{
	memcpy(out, C3RCELL_FP_PREFIX, C3RCELL_FP_PREFIX_LEN);
	(void)c3rcell_b64_encode(out + C3RCELL_FP_PREFIX_LEN, fp,
	    C3RCELL_FP_BYTES);
}

int
c3rcell_sealed_check(const void *cell, size_t len)
{
	size_t blen = len - C3RCELL_SEALED_PREFIX_LEN;
	long n;

	if (c3rcell_kind(cell, len) != C3RCELL_SEALED)
		return C3RCELL_ERR_PREFIX;
	if (blen == 0 || blen % 4 != 0 || len > C3RCELL_MAX_LEN)
		return C3RCELL_ERR_LENGTH;
	n = c3rcell_b64_check((const char *)cell + C3RCELL_SEALED_PREFIX_LEN,
	    blen, 0);
	if (n < 0)
		return C3RCELL_ERR_BASE64;
	if (n < C3RCELL_SEALED_MIN_BYTES)
		return C3RCELL_ERR_BYTES;
	return C3RCELL_OK;
}
