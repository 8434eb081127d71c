/* SPDX-License-Identifier: Apache-2.0 */
/*
 * outbuf.h: a growable byte buffer, flushed to a file descriptor in large
 * writes. Every writer on the client's hot paths (CSV output, shuffle
 * buckets) appends here so that no value costs a system call.
 */
#ifndef PSID_OUTBUF_H
#define PSID_OUTBUF_H

#include <stddef.h>
#include <string.h>

struct outbuf {
	char *data;
	size_t len;
	size_t cap;
};

/* Make room for at least extra more bytes. Returns 0 or -1 (ENOMEM). */
int outbuf_reserve(struct outbuf *buf, size_t extra);

/* Append n bytes. Returns 0 or -1 (ENOMEM). */
static inline int
outbuf_append(struct outbuf *buf, const void *src, size_t n)
{
	if (n == 0)
		return 0;
	if (buf->cap - buf->len < n && outbuf_reserve(buf, n) != 0)
		return -1;
	memcpy(buf->data + buf->len, src, n);
	buf->len += n;
	return 0;
}

/* Append one byte. Returns 0 or -1 (ENOMEM). */
static inline int
outbuf_putc(struct outbuf *buf, char c)
{
	if (buf->len == buf->cap && outbuf_reserve(buf, 1) != 0)
		return -1;
	buf->data[buf->len++] = c;
	return 0;
}

/*
 * Write the whole buffer to fd (retrying short writes and EINTR) and
 * empty it. Returns 0 or -1 with errno set.
 */
int outbuf_flush(struct outbuf *buf, int fd);

/* Write all of data[0..len) to fd. Returns 0 or -1 with errno set. */
int outbuf_write_all(int fd, const void *data, size_t len);

/* Free the buffer's memory; the struct may be reused after. */
void outbuf_release(struct outbuf *buf);

#endif /* PSID_OUTBUF_H */
