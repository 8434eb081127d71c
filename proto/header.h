/* SPDX-License-Identifier: Apache-2.0 */
/*
 * header.h: C3R column headers (SPEC §10.3), shared by both ends:
 * normalisation (trim, lower-case) and the validity rule every target
 * header must meet.
 */
#ifndef PSID_HEADER_H
#define PSID_HEADER_H

#include <stddef.h>

/* Longest normalised header C3R accepts. */
#define HEADER_MAX_LEN 128

/*
 * Normalise in[0..len): trim characters <= ' ' at both ends (Java's
 * String.trim) and lower-case ASCII. Writes at most HEADER_MAX_LEN bytes
 * plus a NUL to out. Returns the normalised length, or -1 when it is
 * longer than HEADER_MAX_LEN.
 */
long header_normalize(const char *in, size_t len, char out[HEADER_MAX_LEN + 1]);

/*
 * Whether a normalised header is valid: non-empty and matching
 * [a-z0-9_](([a-z0-9_ ]+-)*([a-z0-9_ ]+))?
 */
int header_is_valid(const char *h, size_t len);

#endif /* PSID_HEADER_H */
