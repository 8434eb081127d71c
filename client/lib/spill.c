/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spill.c: bucketed scratch storage in one temporary file (see spill.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "psid/client.h"
#include "crypto.h"
#include "spill.h"

int
spill_open(struct spill *spill, const char *dir, size_t nbuckets)
{
	char path[4096];

	memset(spill, 0, sizeof(*spill));
	spill->fd = -1;
	spill->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (spill->fd < 0) {
		/* No O_TMPFILE here: a named file, unlinked at once. */
		if (snprintf(path, sizeof(path), "%s/psid-spill.XXXXXX",
		    dir) >= (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			return PSID_ERR_IO;
		}
		if ((spill->fd = mkostemp(path, O_CLOEXEC)) < 0)
			return PSID_ERR_IO;
		(void)unlink(path);
	}
	spill->nbuckets = nbuckets;
	spill->buckets = calloc(nbuckets, sizeof(*spill->buckets));
	if (spill->buckets == NULL) {
		close(spill->fd);
		spill->fd = -1;
		return PSID_ERR_NOMEM;
	}
	pthread_mutex_init(&spill->lock, NULL);
	return PSID_OK;
}

static int
pwrite_all(int fd, const char *p, size_t len, off_t off)
{
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int
spill_append(struct spill *spill, size_t bucket, const void *data,
    size_t len)
{
	struct spill_bucket *b = &spill->buckets[bucket];
	struct spill_chunk *c;
	off_t off;
	size_t cap;

	if (len == 0)
		return 0;
	pthread_mutex_lock(&spill->lock);
	if (b->count == b->cap) {
		cap = b->cap ? b->cap * 2 : 16;
		if ((c = realloc(b->chunks, cap * sizeof(*c))) == NULL) {
			pthread_mutex_unlock(&spill->lock);
			return -1;
		}
		b->chunks = c;
		b->cap = cap;
	}
	off = spill->end;
	spill->end += (off_t)len;
	b->chunks[b->count].offset = off;
	b->chunks[b->count].len = len;
	b->count++;
	b->bytes += len;
	pthread_mutex_unlock(&spill->lock);
	return pwrite_all(spill->fd, data, len, off);
}

int
spill_read(struct spill *spill, size_t bucket, void *dst)
{
	struct spill_bucket *b = &spill->buckets[bucket];
	char *p = dst;
	ssize_t n;
	size_t i, done;

	for (i = 0; i < b->count; i++) {
		for (done = 0; done < b->chunks[i].len; done += (size_t)n) {
			n = pread(spill->fd, p + done, b->chunks[i].len - done,
			    b->chunks[i].offset + (off_t)done);
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0) {
				if (n == 0)
					errno = EIO;
				return -1;
			}
		}
		p += b->chunks[i].len;
	}
	return 0;
}

void
spill_close(struct spill *spill)
{
	size_t i;

	if (spill->buckets == NULL)
		return;
	for (i = 0; i < spill->nbuckets; i++)
		free(spill->buckets[i].chunks);
	free(spill->buckets);
	spill->buckets = NULL;
	if (spill->fd >= 0)
		close(spill->fd);
	spill->fd = -1;
	pthread_mutex_destroy(&spill->lock);
}

int
spill_writer_init(struct spill_writer *w, struct spill *spill,
    size_t flush_at)
{
	w->spill = spill;
	w->flush_at = flush_at;
	w->bufs = calloc(spill->nbuckets, sizeof(*w->bufs));
	return w->bufs == NULL ? -1 : 0;
}

/* Empty a bucket's buffer into the file if len more bytes will not fit. */
static int
make_room(struct spill_writer *w, size_t bucket, size_t len)
{
	struct outbuf *buf = &w->bufs[bucket];

	if (buf->len + len > w->flush_at && buf->len > 0) {
		if (spill_append(w->spill, bucket, buf->data, buf->len) != 0)
			return -1;
		buf->len = 0;
	}
	return 0;
}

void *
spill_writer_space(struct spill_writer *w, size_t bucket, size_t len)
{
	struct outbuf *buf = &w->bufs[bucket];
	void *space;

	if (len > w->flush_at) {
		errno = EINVAL;
		return NULL;
	}
	if (make_room(w, bucket, len) != 0 ||
	    (buf->cap == 0 && outbuf_reserve(buf, w->flush_at) != 0))
		return NULL;
	space = buf->data + buf->len;
	buf->len += len;
	return space;
}

int
spill_writer_put(struct spill_writer *w, size_t bucket, const void *data,
    size_t len)
{
	void *space;

	/* Larger than a buffer: straight to the file, after what is buffered. */
	if (len > w->flush_at)
		return make_room(w, bucket, len) != 0 ? -1 :
		    spill_append(w->spill, bucket, data, len);
	if ((space = spill_writer_space(w, bucket, len)) == NULL)
		return -1;
	memcpy(space, data, len);
	return 0;
}

int
spill_writer_flush(struct spill_writer *w)
{
	size_t i;

	for (i = 0; i < w->spill->nbuckets; i++) {
		if (spill_append(w->spill, i, w->bufs[i].data,
		    w->bufs[i].len) != 0)
			return -1;
		w->bufs[i].len = 0;
	}
	return 0;
}

void
spill_writer_release(struct spill_writer *w)
{
	size_t i;

	if (w->bufs == NULL)
		return;
	for (i = 0; i < w->spill->nbuckets; i++) {
		/* Spilled rows are plaintext values. */
		crypto_wipe(w->bufs[i].data, w->bufs[i].cap);
		outbuf_release(&w->bufs[i]);
	}
	free(w->bufs);
	w->bufs = NULL;
}
