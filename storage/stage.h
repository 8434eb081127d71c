/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stage.h: staging files, where an upload's rows and fingerprint pairs
 * wait for the commit (upload.c) outside LMDB: a temporary file created
 * in a given directory and unlinked at once (it vanishes with its
 * descriptor, or the process), written through a buffer, and read back
 * through a buffer over a byte range (a reader), as the commit's merge
 * and row writing do (upload_merge.c, upload_commit.c). Plain POSIX I/O;
 * no LMDB.
 */
#ifndef PSID_STAGE_H
#define PSID_STAGE_H

#include <stddef.h>
#include <stdint.h>

/* A temporary file written through a buffer. */
struct stage {
	int fd;			/* -1: not created yet */
	uint8_t *buf;
	size_t cap, fill;
	uint64_t size;		/* bytes in the file, buffer included */
};

/* A byte range of a staged file read through a buffer. */
struct stage_reader {
	int fd;
	uint64_t off, end;	/* the part of the file still to read */
	uint8_t *buf;
	size_t cap, pos, fill;	/* buf[pos..fill) is read, not consumed */
};

/*
 * Write len bytes from p at offset off of fd, whole (retrying short
 * writes and EINTR). Returns 0, or -1 with errno set.
 */
int stage_pwrite(int fd, const uint8_t *p, size_t len, uint64_t off);

/*
 * Read len bytes at offset off of fd into p, whole. Returns 0, or -1
 * with errno set (EIO if the file is shorter).
 */
int stage_pread(int fd, uint8_t *p, size_t len, uint64_t off);

/*
 * Create s as an empty, already unlinked temporary file in directory
 * tmpdir, with a buffer of cap bytes (s owns both; stage_close frees
 * them). Returns 0, or -1 with err set and s->fd -1, s->buf NULL.
 */
int stage_open(struct stage *s, const char *tmpdir, size_t cap, char *err,
    size_t err_size);

/* Close s's file and free its buffer (s->fd -1 is accepted). */
void stage_close(struct stage *s);

/*
 * Append len bytes to s (through its buffer; a write larger than the
 * buffer goes straight to the file). Returns 0, or -1 with err set.
 */
int stage_write(struct stage *s, const void *data, size_t len, char *err,
    size_t err_size);

/*
 * Write what s buffers to its file (nothing if it has no file). Returns
 * 0, or -1 with err set.
 */
int stage_flush(struct stage *s, char *err, size_t err_size);

/*
 * Refill r's buffer from its range when all of it is consumed: returns
 * 0 (r->buf[r->pos..r->fill) holds bytes), 1 at the end of the range, or
 * -1 with errno set. stage_reader_fill is the fast path of callers.
 */
int stage_reader_refill(struct stage_reader *r);

/* Make bytes of r available: as stage_reader_refill, inline when some are. */
static inline int
stage_reader_fill(struct stage_reader *r)
{
	if (r->pos < r->fill)
		return 0;
	return stage_reader_refill(r);
}

/*
 * Read len bytes from r into dst. Returns 0, or -1 with errno set (EIO
 * when the range ends first).
 */
int stage_reader_read(struct stage_reader *r, uint8_t *dst, size_t len);

#endif /* PSID_STAGE_H */
