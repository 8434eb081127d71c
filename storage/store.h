/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h: psid's state in one LMDB environment; for now the fingerprint
 * sets of tables and their intersection counts.
 *
 * This module is the only code that includes <lmdb.h>; no LMDB type
 * crosses this header. Every key starts with the 36-character
 * collaboration ID and the table name, so one collaboration (and within
 * it one table) is one key range:
 *
 *   db "meta"    <collab>/<table>/f/<column u16 BE>                set meta
 *   db "fpsets"  <collab>/<table>/f/<column u16 BE>/<chunk u32 BE> chunk
 *
 * A (table, fingerprint column) set is stored sorted and without repeats
 * as contiguous 32-byte fingerprints in chunks of up to
 * STORE_CHUNK_FPS_DEFAULT fingerprints (4 MiB): LMDB keeps such values
 * contiguous in overflow pages, so a reader gets a pointer into the map
 * and counts without copying. The meta value holds the format version,
 * the chunk size, the number of chunks and of fingerprints (fixed width,
 * little-endian).
 *
 * A set is written in one write transaction, committed once (one fsync);
 * replacing a set deletes the old chunks in the same transaction, so
 * readers see the old set or the new one, never a mix. Readers never
 * block the writer nor each other (MVCC). A store may be used from
 * several threads (MDB_NOTLS): writes are serialised by LMDB; a reader
 * (struct store_read) belongs to one thread at a time.
 *
 * Functions return STORE_OK (0), -1 on an error described in err (a
 * buffer of err_size bytes, which may be NULL/0), or a positive outcome
 * named below. A store is opened once per process, after any fork.
 */
#ifndef PSID_STORE_H
#define PSID_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_OK	0
#define STORE_ERROR	(-1)
#define STORE_NOTFOUND	1	/* no such collaboration, table or column */
#define STORE_EXISTS	2	/* the set exists and replace was not asked */

#define STORE_COLLAB_LEN	36	/* a UUID in text */
#define STORE_TABLE_MAX		255	/* bytes of a table name */
#define STORE_MAP_SIZE_DEFAULT	(UINT64_C(64) << 30)
#define STORE_CHUNK_FPS_DEFAULT	131072	/* x 32 bytes = 4 MiB values */
#define STORE_MAX_SETS		16	/* per count */

struct store;
struct store_read;

/* One (table, fingerprint column) set of a collaboration. */
struct store_setref {
	const char *table;
	unsigned column;	/* 0..65535 */
};

/*
 * Open (creating it if needed) the store in directory dir, which is
 * created with mode 0700 if missing. map_size bounds the store's size in
 * bytes (0: STORE_MAP_SIZE_DEFAULT; the file is sparse). On success *out
 * is a store to close with store_close. Returns STORE_OK or -1.
 */
int store_open(const char *dir, uint64_t map_size, struct store **out,
    char *err, size_t err_size);

/*
 * Close a store (NULL is accepted). Every reader must have ended; no
 * write may be running.
 */
void store_close(struct store *store);

/*
 * Set the number of fingerprints per chunk for sets written from now on
 * (1..STORE_CHUNK_FPS_DEFAULT; other values are clamped). Internal: tests
 * shrink it so that small sets span many chunks. Sets already written
 * keep their own chunk size.
 */
void store_set_chunk_fps(struct store *store, size_t chunk_fps);

/*
 * Write the set of fingerprint column `column` of table `table` in
 * collaboration `collab`: n fingerprints of 32 bytes each at fps (n may
 * be 0; fps is only read and may hold repeats, in any order). The set
 * stored is sorted (fpsort, on up to 2 threads) with repeats removed. If
 * the set exists, it is replaced atomically when replace is non-zero,
 * else STORE_EXISTS is returned and nothing changes. Everything is one
 * write transaction, committed (durable) before the return. Returns
 * STORE_OK, STORE_EXISTS, or -1 (a bad name, no memory, the map full, an
 * I/O error).
 */
int store_fpset_put(struct store *store, const char *collab,
    const char *table, unsigned column, const uint8_t *fps, size_t n,
    int replace, char *err, size_t err_size);

/*
 * Delete a set, in one committed transaction. Returns STORE_OK,
 * STORE_NOTFOUND or -1.
 */
int store_fpset_delete(struct store *store, const char *collab,
    const char *table, unsigned column, char *err, size_t err_size);

/*
 * Count into *count the distinct fingerprints present in all nsets sets
 * (2..STORE_MAX_SETS) of collaboration collab, in one read transaction,
 * on `threads` threads (0: as many as there are processors; see
 * count_intersection). A set may appear twice. Returns STORE_OK,
 * STORE_NOTFOUND (err names the first missing set) or -1.
 */
int store_count(struct store *store, const char *collab,
    const struct store_setref *sets, size_t nsets, unsigned threads,
    uint64_t *count, char *err, size_t err_size);

/*
 * The number of distinct fingerprints in a set, into *n. Returns
 * STORE_OK, STORE_NOTFOUND or -1.
 */
int store_fpset_size(struct store *store, const char *collab,
    const char *table, unsigned column, uint64_t *n, char *err,
    size_t err_size);

/*
 * Begin a reader: a snapshot of the store as last committed, unaffected
 * by later writes, until store_read_end. Keep readers short: the space of
 * data they can see is not reused while they last. On success *out is
 * the reader. Returns STORE_OK or -1.
 */
int store_read_begin(struct store *store, struct store_read **out,
    char *err, size_t err_size);

/* End a reader (NULL is accepted). */
void store_read_end(struct store_read *rd);

/* store_count within a reader's snapshot. */
int store_read_count(struct store_read *rd, const char *collab,
    const struct store_setref *sets, size_t nsets, unsigned threads,
    uint64_t *count, char *err, size_t err_size);

/* store_fpset_size within a reader's snapshot. */
int store_read_fpset_size(struct store_read *rd, const char *collab,
    const char *table, unsigned column, uint64_t *n, char *err,
    size_t err_size);

#endif /* PSID_STORE_H */
