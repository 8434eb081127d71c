/* SPDX-License-Identifier: Apache-2.0 */
/*
 * header.c: C3R header normalisation and validity (see header.h).
 */
#include "config.h"

#include "header.h"

long
header_normalize(const char *in, size_t len, char out[HEADER_MAX_LEN + 1])
{
	size_t start = 0, end = len, i;

	while (start < end && (unsigned char)in[start] <= ' ')
		start++;
	while (end > start && (unsigned char)in[end - 1] <= ' ')
		end--;
	if (end - start > HEADER_MAX_LEN)
		return -1;
	for (i = start; i < end; i++) {
		char c = in[i];

		out[i - start] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[end - start] = '\0';
	return (long)(end - start);
}

static int
is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int
header_is_valid(const char *h, size_t len)
{
	size_t i;

	if (len == 0 || len > HEADER_MAX_LEN || !is_word(h[0]))
		return 0;
	if (len == 1)
		return 1;
	/* The rest: runs of [a-z0-9_ ]+ joined by single '-'. */
	if (h[1] == '-' || h[len - 1] == '-')
		return 0;
	for (i = 1; i < len; i++) {
		if (h[i] == '-') {
			if (h[i - 1] == '-')
				return 0;
		} else if (!is_word(h[i]) && h[i] != ' ')
			return 0;
	}
	return 1;
}
