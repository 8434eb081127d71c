/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_int.h: what the storage files share and nothing else sees: the
 * store's LMDB handles, transactions and the error helper (store.c), key
 * building and checking (keys.c), chunked runs: their metas, the chunk
 * writer that lays out a sorted run of fixed-size records (a fingerprint
 * set, a join index) as chunks plus a meta value (runs.c, see store.h for
 * the layout), the collaboration check and a table's clearing
 * (tables.c), and the audit append inside a transaction (audit.c).
 */
#ifndef PSID_STORE_INT_H
#define PSID_STORE_INT_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "fpsort.h"
#include "store.h"

/* <collab>/<table>/<tag>/<u16>/<u32>, or <collab>/<table>/r/<u64>. */
#define SKEY_MAX	(STORE_COLLAB_LEN + 1 + STORE_TABLE_MAX + 3 + 2 + 1 + 8)

/* Record tags after <collab>/<table>/ (one byte each). */
#define TAG_SET		'f'	/* fingerprint set: 32-byte records */
#define TAG_JOIN	'j'	/* join index: 40-byte (fp, rowid) records */
#define TAG_ROW		'r'	/* rows, in blocks */
#define TAG_VALUES	'v'	/* a value column: 4- or 8-byte records */
#define TAG_BLOB	'd'	/* a value column's blob (its dictionary) */

/*
 * Rows are stored in blocks of ROWS_PER_BLOCK consecutive rows (the last
 * block may hold fewer), keyed by block number (rowid / ROWS_PER_BLOCK):
 * one LMDB entry per block rather than per row keeps the tree small and
 * the commit fast. A block is u32 n, u32 offsets[n + 1] (little-endian,
 * from the start of the data: offsets[0] = 0, offsets[n] = its length),
 * then the rows' bytes.
 */
#define ROWS_PER_BLOCK	256u
#define ROW_BLOCK_HDR(n)	(4u + 4u * ((n) + 1u))

/* A join index record: the fingerprint, then the row id big-endian. */
#define PAIR_LEN	FP_PAIR_LEN

struct store {
	MDB_env *env;
	MDB_dbi meta;		/* set and join index metas */
	MDB_dbi fpsets;		/* set and join index chunks */
	MDB_dbi collabs;	/* <collab> -> blob */
	MDB_dbi tables;		/* <collab>/<table> -> blob */
	MDB_dbi rows;		/* <collab>/<table>/r/<u64> -> blob */
	MDB_dbi audit;		/* <collab><u64> -> entry */
	MDB_dbi budget;		/* <collab>/<table> -> period, spend */
	size_t chunk_fps;
	size_t sort_run_recs;	/* pairs per sorted run of an upload */
};

struct store_read {
	struct store *store;
	MDB_txn *txn;
};

struct store_key {
	unsigned char buf[SKEY_MAX];
	size_t len;
};

/* A chunked run's meta value, decoded. */
struct store_runmeta {
	uint32_t chunk_recs;
	uint32_t nchunks;
	uint64_t count;
	uint32_t flags;		/* RUNMETA_* */
};

/*
 * A fingerprint set whose column has no repeated fingerprint (an upload
 * where duplicates are refused) is its join index read with 40-byte
 * records: the set's meta says so and no set chunk is written, which
 * saves a quarter of a table's bytes. Its chunk_recs, nchunks and count
 * are the join index's.
 */
#define RUNMETA_SET_IS_JOIN	1u

/* ----------------------------------------------------------- store.c */

/*
 * Write the printf-style message fmt into err (err_size bytes, NUL
 * terminated, truncated if need be); nothing if err is NULL or err_size 0.
 */
void store_set_err(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Begin a read-only transaction in *txn. Returns 0, or -1 with err set.
 */
int store_read_txn(struct store *store, MDB_txn **txn, char *err,
    size_t err_size);

/*
 * Begin a write transaction in *txn. Returns 0, or -1 with err set.
 */
int store_write_begin(struct store *store, MDB_txn **txn, char *err,
    size_t err_size);

/*
 * Commit *txn, which is consumed either way (*txn is set to NULL).
 * Returns 0, or -1 with err set.
 */
int store_write_commit(MDB_txn **txn, char *err, size_t err_size);

/*
 * Delete every key of dbi that starts with prefix[0..len), in txn.
 * Returns 0 or -1.
 */
int store_delete_prefix(MDB_txn *txn, MDB_dbi dbi, const void *prefix,
    size_t len, char *err, size_t err_size);

/* ------------------------------------------------------------ keys.c */

/* Check a collaboration ID / a table name. Return 0 or -1 (err set). */
int store_check_collab(const char *collab, char *err, size_t err_size);
int store_check_table(const char *table, char *err, size_t err_size);

/* key = <collab>, checked. Returns 0 or -1. */
int store_key_collab(struct store_key *key, const char *collab, char *err,
    size_t err_size);

/* key = <collab>/<table> (the tables key), checked. Returns 0 or -1. */
int store_key_table(struct store_key *key, const char *collab,
    const char *table, char *err, size_t err_size);

/*
 * key = <collab>/<table>/<tag>/<column u16 BE> (a run's meta key),
 * checked. Returns 0 or -1.
 */
int store_key_index(struct store_key *key, const char *collab,
    const char *table, char tag, unsigned column, char *err,
    size_t err_size);

/*
 * key = <collab>/<table>/r/<rowid u64 BE> (a row's key), checked.
 * Returns 0 or -1.
 */
int store_key_row(struct store_key *key, const char *collab,
    const char *table, uint64_t rowid, char *err, size_t err_size);

/* The key of chunk i of the run whose meta key is key (in key->buf). */
MDB_val store_chunk_key(struct store_key *key, uint32_t i);

/* The meta key of a run, key itself, as an MDB_val pointing into key. */
MDB_val store_meta_key(struct store_key *key);

/* A u64 as 8 big-endian bytes at p, and back (the numbers in keys). */
void store_put_be64(unsigned char *p, uint64_t v);
uint64_t store_get_be64(const unsigned char *p);

/* ------------------------------------------------------------ runs.c */

/*
 * Read the meta of run (tag, column) of table in txn. Returns STORE_OK,
 * STORE_NOTFOUND (err names it) or -1.
 */
int store_read_runmeta(struct store *store, MDB_txn *txn,
    struct store_key *key, char tag, const char *table, unsigned column,
    struct store_runmeta *m, char *err, size_t err_size);

/*
 * Point ptrs[0..m->nchunks) at the chunks of a run of reclen-byte
 * records, checking their sizes. Returns STORE_OK or -1.
 */
int store_load_run(struct store *store, MDB_txn *txn, struct store_key *key,
    const struct store_runmeta *m, size_t reclen, const uint8_t **ptrs,
    char *err, size_t err_size);

/*
 * Delete the chunks of the run whose meta key is key and meta m, in txn
 * (the meta stays). Returns 0 or -1.
 */
int store_run_delete_chunks(struct store *store, MDB_txn *txn,
    struct store_key *key, const struct store_runmeta *m, char *err,
    size_t err_size);

/*
 * Write the meta of set `key` as an alias of its column's join index,
 * whose meta is m, in txn. Returns 0 or -1.
 */
int store_put_alias_meta(struct store *store, MDB_txn *txn,
    struct store_key *key, const struct store_runmeta *m, char *err,
    size_t err_size);

/*
 * Chunk writer: the records of a sorted run go in, in order, and are put
 * as chunks of chunk_recs records under key, then its meta. Runs in the
 * caller's write transaction; one buffer of a chunk (allocated on first
 * use by store_chunkw_add; store_chunkw_put_chunk needs none).
 */
struct chunkw {
	struct store *store;
	MDB_txn *txn;
	struct store_key key;
	size_t reclen;
	uint32_t chunk_recs;
	unsigned flags;		/* for mdb_put: 0 or MDB_APPEND */
	uint8_t *buf;
	size_t fill;		/* records in buf */
	uint32_t nchunks;
	uint64_t count;
};

/*
 * Start w on the run whose meta key is key, of reclen-byte records, in
 * the store's current chunk size, putting with mdb_put flags (0 or
 * MDB_APPEND) in txn. Nothing is allocated yet.
 */
void store_chunkw_init(struct chunkw *w, struct store *store, MDB_txn *txn,
    const struct store_key *key, size_t reclen, unsigned flags);

/* Add one record (reclen bytes). Returns 0 or -1. */
int store_chunkw_add(struct chunkw *w, const uint8_t *rec, char *err,
    size_t err_size);

/*
 * Put n records (1..chunk_recs; fewer only for the last chunk) as one
 * chunk, without copying them first; nothing may be buffered. Returns 0
 * or -1.
 */
int store_chunkw_put_chunk(struct chunkw *w, const uint8_t *recs, size_t n,
    char *err, size_t err_size);

/* Put what is buffered, then the meta. Returns 0 or -1. */
int store_chunkw_finish(struct chunkw *w, char *err, size_t err_size);

/* The meta a finished writer wrote (valid after store_chunkw_finish). */
void store_chunkw_meta(const struct chunkw *w, struct store_runmeta *m);

/* Free the buffer (the writer may then be dropped). */
void store_chunkw_free(struct chunkw *w);

/* ---------------------------------------------------------- tables.c */

/*
 * Whether collaboration collab (checked) exists in txn: STORE_OK,
 * STORE_NOTFOUND or -1.
 */
int store_collab_exists(struct store *store, MDB_txn *txn,
    const char *collab, char *err, size_t err_size);

/*
 * Delete, in txn, every key of a table but its meta (tkey is its tables
 * key, <collab>/<table>): rows, sets, join indexes. Returns 0 or -1.
 */
int store_table_clear(struct store *store, MDB_txn *txn,
    const struct store_key *tkey, char *err, size_t err_size);

/* ----------------------------------------------------------- audit.c */

/*
 * Append entry[0..len) to collab's audit log in txn (the next sequence
 * number into *seq, may be NULL). The caller checked the collaboration.
 * Returns 0 or -1.
 */
int store_audit_put(struct store *store, MDB_txn *txn, const char *collab,
    const void *entry, size_t len, uint64_t *seq, char *err,
    size_t err_size);

#endif /* PSID_STORE_INT_H */
