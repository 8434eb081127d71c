/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spill.h: bucketed scratch storage in one unlinked temporary file.
 *
 * Encryption shuffles rows and checks fingerprints for repeats without
 * holding the table in memory: rows (or fingerprints) are appended to one
 * of N buckets, each bucket is later read back whole. Writers buffer per
 * bucket and append their buffers as chunks of the one file; a bucket is
 * the concatenation of its chunks. Appends are thread-safe.
 */
#ifndef PSID_SPILL_H
#define PSID_SPILL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "outbuf.h"

struct spill_chunk {
	off_t offset;
	size_t len;
};

struct spill_bucket {
	struct spill_chunk *chunks;
	size_t count;
	size_t cap;
	uint64_t bytes;
};

struct spill {
	int fd;
	pthread_mutex_t lock;
	off_t end;
	size_t nbuckets;
	struct spill_bucket *buckets;
};

/*
 * Create an unlinked temporary file in dir with nbuckets buckets.
 * Returns PSID_OK, PSID_ERR_IO (errno set) or PSID_ERR_NOMEM.
 */
int spill_open(struct spill *spill, const char *dir, size_t nbuckets);

/* Append data[0..len) to a bucket. Returns 0 or -1 (errno set). */
int spill_append(struct spill *spill, size_t bucket, const void *data,
    size_t len);

/* Read a bucket whole into dst (spill->buckets[b].bytes). 0 or -1. */
int spill_read(struct spill *spill, size_t bucket, void *dst);

/* Close and free (the file disappears with its last descriptor). */
void spill_close(struct spill *spill);

/* A writer's per-bucket buffers, flushed as chunks when full. */
struct spill_writer {
	struct spill *spill;
	size_t flush_at;
	struct outbuf *bufs;
};

/* Returns 0 or -1 (ENOMEM). */
int spill_writer_init(struct spill_writer *w, struct spill *spill,
    size_t flush_at);

/*
 * Room for one record of len bytes (at most w->flush_at) in a bucket's
 * buffer, for the caller to fill before the writer's next call: no copy
 * through a staging buffer. Returns the space, or NULL with errno set:
 * EINVAL when len is over flush_at (use spill_writer_put), ENOMEM, or the
 * error of a flush that failed.
 */
void *spill_writer_space(struct spill_writer *w, size_t bucket, size_t len);

/*
 * Buffer one record for a bucket; one larger than flush_at is written to
 * the file at once, so buffers never grow past flush_at. Returns 0 or -1
 * (errno set).
 */
int spill_writer_put(struct spill_writer *w, size_t bucket,
    const void *data, size_t len);

/* Flush every buffer. Returns 0 or -1 (errno set). */
int spill_writer_flush(struct spill_writer *w);

void spill_writer_release(struct spill_writer *w);

#endif /* PSID_SPILL_H */
