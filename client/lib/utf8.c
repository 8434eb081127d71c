/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8.c: strict UTF-8 validation with an ASCII fast path.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

bool
utf8_is_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, need;
	uint64_t word;
	unsigned char c;

	while (i < len) {
		/* Eight ASCII bytes at a time. */
		if (len - i >= 8) {
			memcpy(&word, s + i, 8);
			if ((word & 0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3;
		else
			return false;
		if (len - i <= need)
			return false;
		/* Second byte ranges exclude overlongs, surrogates, > 10FFFF. */
		if ((c == 0xe0 && s[i + 1] < 0xa0) ||
		    (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) ||
		    (c == 0xf4 && s[i + 1] > 0x8f))
			return false;
		for (size_t k = 1; k <= need; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += need + 1;
	}
	return true;
}
