/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outbuf.c: growable byte buffers and full writes (see outbuf.h).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "outbuf.h"

int
outbuf_reserve(struct outbuf *buf, size_t extra)
{
	size_t want, cap;
	char *data;

	if (buf->cap - buf->len >= extra)
		return 0;
	if (extra > SIZE_MAX / 2 - buf->len) {
		errno = ENOMEM;
		return -1;
	}
	want = buf->len + extra;
	cap = buf->cap ? buf->cap : 4096;
	while (cap < want)
		cap *= 2;
	if ((data = realloc(buf->data, cap)) == NULL)
		return -1;
	buf->data = data;
	buf->cap = cap;
	return 0;
}

int
outbuf_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
outbuf_flush(struct outbuf *buf, int fd)
{
	if (buf->len == 0)
		return 0;
	if (outbuf_write_all(fd, buf->data, buf->len) != 0)
		return -1;
	buf->len = 0;
	return 0;
}

void
outbuf_release(struct outbuf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = buf->cap = 0;
}
