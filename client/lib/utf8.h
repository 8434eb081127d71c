/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8.h: strict UTF-8 validation, as Java's reporting decoder does it
 * (no overlong forms, no surrogates, nothing above U+10FFFF).
 */
#ifndef PSID_UTF8_H
#define PSID_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Whether s[0..len) is valid UTF-8. */
bool utf8_is_valid(const char *s, size_t len);

#endif /* PSID_UTF8_H */
