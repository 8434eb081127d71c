/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.c: the text of libpsid's error codes (psid_strerror), and the
 * public form of two rules of the wire: C3R's header rules
 * (psid_header_normalize) and thousandths as decimals (psid_milli_text).
 */
#include "config.h"

#include "frame.h"
#include "header.h"
#include "psid/client.h"

_Static_assert(PSID_NAME_MAX == HEADER_MAX_LEN, "one name limit");

const char *
psid_milli_text(uint64_t milli, char *buf, size_t size)
{
	return frame_milli_text(milli, buf, size);
}

long
psid_header_normalize(const char *in, size_t len, char out[PSID_NAME_MAX + 1])
{
	long n = header_normalize(in, len, out);

	if (n < 0 || !header_is_valid(out, (size_t)n))
		return -1;
	return n;
}

const char *
psid_strerror(int error)
{
	switch (error) {
	case PSID_OK:
		return "success";
	case PSID_ERR_NOMEM:
		return "out of memory";
	case PSID_ERR_INVALID:
		return "invalid argument";
	case PSID_ERR_SECRET:
		return "shared secret is not Base64 of at least 32 bytes";
	case PSID_ERR_COLLABORATION_ID:
		return "collaboration ID is not a UUID";
	case PSID_ERR_CELL_FORMAT:
		return "malformed C3R cell";
	case PSID_ERR_AUTHENTICATION:
		return "cell does not authenticate: wrong key or tampered cell";
	case PSID_ERR_TOO_LONG:
		return "value too long for its cell";
	case PSID_ERR_SCHEMA:
		return "invalid schema";
	case PSID_ERR_CSV:
		return "malformed CSV";
	case PSID_ERR_ENCODING:
		return "input is not valid UTF-8";
	case PSID_ERR_DUPLICATE:
		return "repeated fingerprint value where duplicates are not allowed";
	case PSID_ERR_CLEARTEXT:
		return "cleartext column where cleartext is not allowed";
	case PSID_ERR_FINGERPRINT:
		return "fingerprint column cannot be decrypted";
	case PSID_ERR_IO:
		return "input/output error";
	case PSID_ERR_EXISTS:
		return "output file exists";
	case PSID_ERR_CRYPTO:
		return "cryptographic library failure";
	case PSID_ERR_UNSUPPORTED:
		return "unsupported value";
	case PSID_ERR_NETWORK:
		return "cannot reach psid, or the connection failed";
	case PSID_ERR_TLS:
		return "TLS set-up or handshake with psid failed";
	case PSID_ERR_PROTOCOL:
		return "psid broke the protocol";
	case PSID_ERR_NOT_FOUND:
		return "no such collaboration or table";
	case PSID_ERR_FORBIDDEN:
		return "not allowed to this member";
	case PSID_ERR_CONFLICT:
		return "the table exists";
	case PSID_ERR_REFUSED:
		return "psid refused the table's cells";
	case PSID_ERR_LIMIT:
		return "a limit of psid is exceeded";
	case PSID_ERR_UNAVAILABLE:
		return "psid is unavailable (shutting down or full)";
	case PSID_ERR_SERVER:
		return "psid failed internally";
	case PSID_ERR_BAD_REQUEST:
		return "psid found the request malformed";
	case PSID_ERR_RULE:
		return "invalid rule file";
	}
	return "unknown error";
}
