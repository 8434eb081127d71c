/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmalloc.h: psid's one out-of-memory policy (shared/STYLE.md rule 12,
 * after OpenSMTPD's util.c): an allocation the daemon cannot make is
 * fatal. Each helper either returns the memory or logs "out of memory"
 * and exits through fatalx (log.h); none returns NULL. Only server/ uses
 * them: proto/ and storage/ are libraries and return their errors.
 */
#ifndef PSID_XMALLOC_H
#define PSID_XMALLOC_H

#include <stddef.h>

/*
 * malloc(size) (size 0 is taken as 1). The caller frees the result with
 * free(). Never returns NULL.
 */
void *xmalloc(size_t size);

/*
 * calloc(n, size), zeroed; n * size overflowing is fatal as well. The
 * caller frees the result. Never returns NULL.
 */
void *xcalloc(size_t n, size_t size);

/*
 * realloc(p, size) (p NULL: a new block). On return p is no longer
 * valid; the caller frees the result. Never returns NULL.
 */
void *xrealloc(void *p, size_t size);

/* A copy of the string s, which the caller frees. Never returns NULL. */
char *xstrdup(const char *s);

#endif /* PSID_XMALLOC_H */
