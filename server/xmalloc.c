/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xmalloc.c: allocations that never fail for the caller (see xmalloc.h):
 * out of memory, psid logs it and exits.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

static void __attribute__((noreturn))
xmalloc_fail(size_t size)
{
	fatalx("out of memory (%zu bytes)", size);
}

void *
xmalloc(size_t size)
{
	void *p;

	if ((p = malloc(size != 0 ? size : 1)) == NULL)
		xmalloc_fail(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		xmalloc_fail(n * size);
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	void *q;

	if ((q = realloc(p, size != 0 ? size : 1)) == NULL)
		xmalloc_fail(size);
	return q;
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		xmalloc_fail(strlen(s) + 1);
	return p;
}
