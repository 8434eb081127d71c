/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stage.c: staging files (see stage.h): unlinked temporary files written
 * through a buffer, and readers that read a byte range of one back
 * through a buffer, for an upload's rows and fingerprint pairs.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stage.h"
#include "store_int.h"

#define STAGE_TEMPLATE	"/psid-upload-XXXXXX"

int
stage_pwrite(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int
stage_pread(int fd, uint8_t *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;	/* the file is short */
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int
stage_open(struct stage *s, const char *tmpdir, size_t cap, char *err,
    size_t err_size)
{
	size_t dlen = strlen(tmpdir);
	char *path = malloc(dlen + sizeof(STAGE_TEMPLATE));

	s->buf = malloc(cap);
	if (path == NULL || s->buf == NULL) {
		store_set_err(err, err_size, "out of memory");
		goto fail;
	}
	memcpy(path, tmpdir, dlen);
	memcpy(path + dlen, STAGE_TEMPLATE, sizeof(STAGE_TEMPLATE));
	if ((s->fd = mkstemp(path)) < 0) {
		store_set_err(err, err_size, "%s: %s", path, strerror(errno));
		goto fail;
	}
	(void)unlink(path);
	free(path);
	s->cap = cap;
	s->fill = 0;
	s->size = 0;
	return 0;
fail:
	free(path);
	free(s->buf);
	s->buf = NULL;
	s->fd = -1;
	return -1;
}

void
stage_close(struct stage *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->buf);
	s->buf = NULL;
}

int
stage_flush(struct stage *s, char *err, size_t err_size)
{
	if (s->fd < 0 || s->fill == 0)
		return 0;
	if (stage_pwrite(s->fd, s->buf, s->fill, s->size - s->fill) != 0) {
		store_set_err(err, err_size, "writing a staging file: %s",
		    strerror(errno));
		return -1;
	}
	s->fill = 0;
	return 0;
}

int
stage_write(struct stage *s, const void *data, size_t len, char *err,
    size_t err_size)
{
	if (s->fill + len > s->cap) {
		if (stage_flush(s, err, err_size) != 0)
			return -1;
		if (len > s->cap) {
			if (stage_pwrite(s->fd, data, len, s->size) != 0) {
				store_set_err(err, err_size, "writing a "
				    "staging file: %s", strerror(errno));
				return -1;
			}
			s->size += len;
			return 0;
		}
	}
	memcpy(s->buf + s->fill, data, len);
	s->fill += len;
	s->size += len;
	return 0;
}

int
stage_reader_refill(struct stage_reader *r)
{
	size_t n;

	if (r->pos < r->fill)
		return 0;
	if (r->off >= r->end)
		return 1;
	n = r->end - r->off < r->cap ? (size_t)(r->end - r->off) : r->cap;
	if (stage_pread(r->fd, r->buf, n, r->off) != 0)
		return -1;
	r->off += n;
	r->pos = 0;
	r->fill = n;
	return 0;
}

int
stage_reader_read(struct stage_reader *r, uint8_t *dst, size_t len)
{
	while (len > 0) {
		size_t n;
		int rc = stage_reader_fill(r);

		if (rc != 0) {
			if (rc > 0)
				errno = EIO;
			return -1;
		}
		n = r->fill - r->pos < len ? r->fill - r->pos : len;
		memcpy(dst, r->buf + r->pos, n);
		r->pos += n;
		dst += n;
		len -= n;
	}
	return 0;
}
