/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h: psid's state in one LMDB environment: collaborations, tables
 * (meta, rows, and per fingerprint column a fingerprint set and a join
 * index), intersection counts, joins, and each collaboration's audit log.
 *
 * The storage modules are the only code that includes <lmdb.h>; no LMDB
 * type crosses this header. Every key starts with the 36-character
 * collaboration ID, and every key of a table with <collab>/<table>/
 * (a table name holds no '/'), so one collaboration (and within it one
 * table) is one key range in each database:
 *
 *   db "collabs" <collab>                                   opaque blob
 *   db "tables"  <collab>/<table>                           opaque blob
 *   db "rows"    <collab>/<table>/r/<block u64 BE>          256 rows
 *                (rowid / 256; each row an opaque blob)
 *   db "meta"    <collab>/<table>/f/<column u16 BE>         set meta
 *                <collab>/<table>/j/<column u16 BE>         join meta
 *   db "fpsets"  <collab>/<table>/f/<column>/<chunk u32 BE> set chunk
 *                <collab>/<table>/j/<column>/<chunk u32 BE> join chunk
 *   db "audit"   <collab><seq u64 BE>                       opaque entry
 *
 * A (table, fingerprint column) set is stored sorted and without repeats
 * (where an upload refused repeats, it is the column's join index read
 * with 40-byte records: its meta says so and it has no chunks of its own)
 * as contiguous 32-byte fingerprints in chunks of up to
 * STORE_CHUNK_FPS_DEFAULT fingerprints (4 MiB): LMDB keeps such values
 * contiguous in overflow pages, so a reader gets a pointer into the map
 * and counts without copying. A join index is laid out the same way with
 * 40-byte records, the fingerprint then the row id (u64 BE), sorted by
 * both (repeated fingerprints kept), up to STORE_CHUNK_FPS_DEFAULT
 * records (5 MiB) per chunk. A meta value holds the format version, the
 * chunk size, the number of chunks and of records (fixed width,
 * little-endian).
 *
 * Every change is one write transaction, committed once (one fsync), so
 * readers see the state before it or after it, never a mix, and a crash
 * at any point leaves the last committed state. Readers never block the
 * writer nor each other (MVCC). A store may be used from several threads
 * (MDB_NOTLS): writes are serialised by LMDB (a write waits for the one
 * running); a reader (struct store_read) belongs to one thread at a time.
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
#define STORE_EXISTS	2	/* it exists and replace was not asked */
#define STORE_STOPPED	3	/* a callback returned non-zero */
#define STORE_DUPLICATE	4	/* an upload repeats a fingerprint */
#define STORE_EXHAUSTED	5	/* a privacy budget cannot pay */

#define STORE_COLLAB_LEN	36	/* a UUID in text */
#define STORE_TABLE_MAX		255	/* bytes of a table name */
#define STORE_MAP_SIZE_DEFAULT	(UINT64_C(64) << 30)
#define STORE_CHUNK_FPS_DEFAULT	131072	/* x 32 bytes = 4 MiB values */
#define STORE_MAX_SETS		16	/* per count */
#define STORE_ROW_MAX		(UINT32_C(16) << 20)	/* bytes of a row */
#define STORE_UPLOAD_MAX_FPCOLS	1024	/* fingerprint columns per table */
#define STORE_SORT_RUN_BYTES	(64u << 20)	/* see store_upload_commit */

struct store;
struct store_read;
struct store_upload;

/* Where an upload refused for repeats first repeats a fingerprint. */
struct store_dup {
	uint64_t row;		/* the smallest row id repeating one */
	unsigned column;	/* its fingerprint column */
};

/* One (table, fingerprint column) set or join index of a collaboration. */
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


/* ------------------------------------------------------ collaborations */

/*
 * Store collaboration collab with its blob (len bytes, opaque: the server
 * keeps a packed message there), in one committed transaction. Returns
 * STORE_OK, STORE_EXISTS (nothing changes) or -1.
 */
int store_collab_put(struct store *store, const char *collab,
    const void *blob, size_t len, char *err, size_t err_size);

/*
 * A copy of collaboration collab's blob into *blob (malloc'd, the caller
 * frees it; never NULL on success, even for 0 bytes) and *len. Returns
 * STORE_OK, STORE_NOTFOUND or -1.
 */
int store_collab_get(struct store *store, const char *collab, void **blob,
    size_t *len, char *err, size_t err_size);

/* -------------------------------------------------------------- tables */

/*
 * Called for each table: its name (NUL-terminated) and meta blob, valid
 * during the call only. Return 0 to go on, non-zero to stop (the list
 * then returns STORE_STOPPED).
 */
typedef int (*store_table_cb)(void *arg, const char *table,
    const void *meta, size_t len);

/*
 * Call cb for each table of collaboration collab in name order (bytewise),
 * in one read transaction. Returns STORE_OK, STORE_NOTFOUND (no such
 * collaboration), STORE_STOPPED or -1.
 */
int store_table_list(struct store *store, const char *collab,
    store_table_cb cb, void *arg, char *err, size_t err_size);

/*
 * A copy of a table's meta blob (malloc'd, never NULL on success; the
 * caller frees it). Returns STORE_OK, STORE_NOTFOUND or -1.
 */
int store_table_get(struct store *store, const char *collab,
    const char *table, void **blob, size_t *len, char *err,
    size_t err_size);

/*
 * The same within a reader: *blob points into the map, valid until
 * store_read_end (zero copy).
 */
int store_read_table_get(struct store_read *rd, const char *collab,
    const char *table, const void **blob, size_t *len, char *err,
    size_t err_size);

/*
 * Delete a table: its meta, its rows, its fingerprint sets and join
 * indexes (every key under <collab>/<table>/), in one committed
 * transaction. Returns STORE_OK, STORE_NOTFOUND (no table meta; nothing
 * changes) or -1.
 */
int store_table_delete(struct store *store, const char *collab,
    const char *table, char *err, size_t err_size);

/*
 * Row rowid of a table within a reader: *row points into the map, valid
 * until store_read_end (zero copy). Returns STORE_OK, STORE_NOTFOUND or
 * -1.
 */
int store_read_row_get(struct store_read *rd, const char *collab,
    const char *table, uint64_t rowid, const void **row, size_t *len,
    char *err, size_t err_size);

/* The same in a read of its own: *row is a malloc'd copy to free. */
int store_row_get(struct store *store, const char *collab,
    const char *table, uint64_t rowid, void **row, size_t *len, char *err,
    size_t err_size);

/* ------------------------------------------------------------- uploads */

/*
 * Begin an upload of table `table` into collaboration collab (which must
 * exist: else STORE_NOTFOUND), with nfpcols (0..STORE_UPLOAD_MAX_FPCOLS)
 * fingerprint columns numbered 0..nfpcols-1 (the column numbers of the
 * sets and join indexes it writes; the caller maps its schema's
 * fingerprint columns onto them). Rows and fingerprints are staged in
 * unlinked temporary files in tmpdir (NULL: $TMPDIR, else /tmp), never in
 * LMDB, so no write transaction is held while they arrive, and a crash
 * or an abort leaves nothing behind. On success *out is the upload, to
 * end with store_upload_abort whatever happens. Returns STORE_OK,
 * STORE_NOTFOUND or -1. An upload belongs to one thread at a time.
 */
int store_upload_begin(struct store *store, const char *collab,
    const char *table, unsigned nfpcols, const char *tmpdir,
    struct store_upload **out, char *err, size_t err_size);

/*
 * Append nrows rows, packed in rows[0..len) each as a 4-byte big-endian
 * length (at most STORE_ROW_MAX) then that many opaque bytes; len must be
 * exactly their sum. Rows are numbered 0, 1, ... in arrival order over the
 * whole upload. Returns STORE_OK or -1: on malformed input nothing is
 * appended and the upload goes on; after an I/O error (or no memory) it
 * can only be aborted.
 */
int store_upload_rows(struct store_upload *up, const void *rows,
    size_t len, uint64_t nrows, char *err, size_t err_size);

/*
 * Append n (fingerprint, row id) pairs to fingerprint column `column`
 * (0..nfpcols-1), in any order; a row may have several pairs or none (a
 * NULL cell), a fingerprint several rows. Every row id must name a row of
 * the upload by commit time. Returns STORE_OK or -1 (as above).
 */
int store_upload_fingerprints(struct store_upload *up, unsigned column,
    const uint8_t (*fps)[32], const uint64_t *rowids, size_t n, char *err,
    size_t err_size);

/*
 * Refuse (refuse non-zero) or allow (zero, the default) repeated
 * fingerprints within a fingerprint column of the upload; set it before
 * the commit. When refused, a fingerprint given twice in one column
 * (for two rows, or twice for one row) makes the commit return
 * STORE_DUPLICATE and write nothing; repeats across columns are allowed.
 */
void store_upload_refuse_duplicates(struct store_upload *up, int refuse);

/*
 * After a commit that returned STORE_DUPLICATE: into *dup the first bad
 * row and its column. Of each pair of equal fingerprints in a column,
 * the bad row is the later row id; dup->row is the smallest bad row over
 * all columns, dup->column the lowest column where it is bad. Returns
 * STORE_OK, or STORE_NOTFOUND (*dup untouched) if the commit found no
 * repeat, was not tried, or did not get that far.
 */
int store_upload_duplicate(const struct store_upload *up,
    struct store_dup *dup);

/*
 * Commit: first, with no transaction open, sort each column's staged
 * pairs in runs of at most STORE_SORT_RUN_BYTES (the run and the sort's
 * scratch: twice that in memory, freed before the write); then, in ONE
 * write transaction: check the collaboration and whether the table exists
 * (if it does and replace is zero: STORE_EXISTS, nothing changes), delete
 * everything of the old table, k-way merge each column's runs (buffers of
 * STORE_SORT_RUN_BYTES in all, at least 64 KiB per run) into its join
 * index and, dropping repeats, its fingerprint set (one chunk buffered of
 * each), write the rows, write meta[0..len) as the table's meta, and
 * commit once. Readers see the old table (or none) until then, the new
 * one after. If repeats are refused (store_upload_refuse_duplicates) and
 * the merge meets one, every column is still merged (to find the first
 * bad row) but nothing more is written, the transaction is aborted (the
 * old table, or none, stays as it was), err names the row and column,
 * and store_upload_duplicate tells them. A commit is tried once:
 * whatever it returns, end the upload with store_upload_abort. Returns
 * STORE_OK, STORE_EXISTS, STORE_DUPLICATE, STORE_NOTFOUND (the
 * collaboration is gone) or -1.
 */
int store_upload_commit(struct store_upload *up, const void *meta,
    size_t len, int replace, char *err, size_t err_size);

/*
 * Give the commit an audit entry (entry[0..len), opaque, copied) to
 * append to the collaboration's audit log in the commit's own
 * transaction, so that the table and its record appear together or not
 * at all. Set it before the commit. Returns STORE_OK or -1 (no memory).
 */
int store_upload_audit(struct store_upload *up, const void *entry,
    size_t len, char *err, size_t err_size);

/*
 * End an upload (NULL accepted): unless committed, nothing of it is
 * stored; its temporary files are closed (they were unlinked at once).
 */
void store_upload_abort(struct store_upload *up);

/* ---------------------------------------------------------------- join */

/*
 * Called for each joined pair of rows. Return 0 to go on, non-zero to
 * stop (the join then returns STORE_STOPPED).
 */
typedef int (*store_join_cb)(void *arg, uint64_t left_rowid,
    uint64_t right_rowid);

/*
 * Inner join of left and right (tables of collaboration collab, each with
 * a fingerprint column, possibly the same) on equal fingerprints: cb is
 * called once per pair of rows whose fingerprints are equal, as SQL's
 * inner join (a fingerprint on a rows on the left and b on the right
 * gives a x b calls), in fingerprint order, then left row id, then right
 * row id. A merge of the two join indexes (sorted by fingerprint, then
 * row id) straight from the map, galloping through the longer side past
 * fingerprints the other lacks; nothing is copied. Within rd's snapshot,
 * so cb may call store_read_row_get with rd. Returns STORE_OK,
 * STORE_NOTFOUND (err names the missing join index), STORE_STOPPED or -1.
 */
int store_read_join(struct store_read *rd, const char *collab,
    const struct store_setref *left, const struct store_setref *right,
    store_join_cb cb, void *arg, char *err, size_t err_size);

/*
 * Called for each joined pair with key, the index in the left join index
 * of the first record of the fingerprint they share: pairs of one
 * fingerprint share it, pairs of two differ, and it is below the left
 * index's number of records. Return 0 to go on.
 */
typedef int (*store_join_key_cb)(void *arg, uint64_t key,
    uint64_t left_rowid, uint64_t right_rowid);

/* store_read_join, each pair given with its key (for distinct counts). */
int store_read_join_keyed(struct store_read *rd, const char *collab,
    const struct store_setref *left, const struct store_setref *right,
    store_join_key_cb cb, void *arg, char *err, size_t err_size);

/* store_read_join in a read transaction of its own. */
int store_join(struct store *store, const char *collab,
    const struct store_setref *left, const struct store_setref *right,
    store_join_cb cb, void *arg, char *err, size_t err_size);

/* ------------------------------------------------------- value columns */

/*
 * A table may carry value columns beside its rows: one fixed-size record
 * per row, in row order, for the aggregate queries of issue 11 (what a
 * record means is the caller's: psid keeps a dimension's dictionary
 * codes as u32 and an exact decimal column as int64 at one scale), and
 * per value column an optional blob (the dictionary). Numbered 0..65535
 * by the caller; stored as chunked runs like the sets:
 *   db "meta"   <collab>/<table>/v/<vcol u16 BE>              run meta
 *               <collab>/<table>/d/<vcol u16 BE>              the blob
 *   db "fpsets" <collab>/<table>/v/<vcol u16 BE>/<chunk u32 BE>
 * Records are native-endian (the store is not portable across byte
 * orders anyway: LMDB's is not). They are written with the commit, in
 * its transaction, and deleted with the table.
 */

/* The NULL of a 4-byte and of an 8-byte value column, by convention. */
#define STORE_VALUE_NULL32	UINT32_MAX
#define STORE_VALUE_NULL64	INT64_MIN

/* A scaled integer as staged: unscaled / 10^scale (see below). */
struct store_scaled {
	int64_t unscaled;	/* STORE_VALUE_NULL64: NULL */
	int64_t scale;		/* 0..18 */
};

/*
 * Append n records of reclen bytes (4 or 8) at recs to value column vcol
 * of the upload, in row order (the column's record i is row i's); by the
 * commit every value column must hold exactly one record per row.
 * A column's record size is fixed by its first call. Returns STORE_OK or
 * -1 (a bad column or size, an I/O error: the upload can then only be
 * aborted).
 */
int store_upload_values(struct store_upload *up, unsigned vcol,
    const void *recs, size_t reclen, size_t n, char *err, size_t err_size);

/*
 * Append n scaled integers to value column vcol, stored as 8-byte
 * records: each becomes unscaled * 10^(S - scale), S the column's scale
 * as set by store_upload_values_scale before the commit (the caller
 * ensures every value fits at S: at most 18 digits); a NULL stays
 * STORE_VALUE_NULL64. Returns STORE_OK or -1, as above.
 */
int store_upload_scaled(struct store_upload *up, unsigned vcol,
    const struct store_scaled *vals, size_t n, char *err, size_t err_size);

/* Set the scale (0..18) of scaled value column vcol. Returns 0 or -1. */
int store_upload_values_scale(struct store_upload *up, unsigned vcol,
    unsigned scale, char *err, size_t err_size);

/*
 * Give value column vcol (which must have records) a blob[0..len) to
 * store with it (copied; a second call replaces the first). Returns
 * STORE_OK or -1.
 */
int store_upload_values_blob(struct store_upload *up, unsigned vcol,
    const void *blob, size_t len, char *err, size_t err_size);

/*
 * A run read from the map within a reader: n records of reclen bytes in
 * nchunks chunks of chunk_recs records (the last may hold fewer); record
 * i is at chunks[i / chunk_recs] + (i % chunk_recs) * reclen. The chunks
 * point into the map, valid until store_read_end; free the array with
 * store_run_free.
 */
struct store_run {
	const uint8_t **chunks;
	uint32_t nchunks;
	uint32_t chunk_recs;
	uint64_t n;
	size_t reclen;
};

/*
 * Value column vcol of a table within rd, into *out; its blob (or NULL,
 * 0 when it has none) into *blob and *blob_len (both may be NULL), into
 * the map. Returns STORE_OK, STORE_NOTFOUND (the table has no such value
 * column) or -1.
 */
int store_read_values(struct store_read *rd, const char *collab,
    const char *table, unsigned vcol, struct store_run *out,
    const void **blob, size_t *blob_len, char *err, size_t err_size);

/*
 * The join index of (table, column) within rd, into *out: 40-byte
 * records (the fingerprint, then the row id u64 big-endian), sorted by
 * both. Returns STORE_OK, STORE_NOTFOUND or -1.
 */
int store_read_join_index(struct store_read *rd, const char *collab,
    const struct store_setref *ref, struct store_run *out, char *err,
    size_t err_size);

/*
 * Part `part` (0..nparts-1) of the keyed inner join of two join indexes
 * read with store_read_join_index: the fingerprints from the left
 * index's record n * part / nparts on (from its fingerprint's first
 * record) up to the next part's, so the nparts parts together are the
 * whole join, each pair once, with the keys store_read_join_keyed gives.
 * Touches only the map, never LMDB: parts of one reader's runs may run
 * on threads of their own at once. Returns STORE_OK, STORE_STOPPED (cb
 * returned non-zero) or -1 (bad arguments).
 */
int store_join_runs(const struct store_run *left, const struct store_run *right,
    unsigned part, unsigned nparts, store_join_key_cb cb, void *arg);

/* Free a run's chunk array (the records stay in the map); NULL accepted. */
void store_run_free(struct store_run *run);

/* ----------------------------------------------------------- audit log */

/*
 * Append entry[0..len) (opaque) to collaboration collab's audit log, with
 * the next sequence number (1, 2, ...; assigned in the same write
 * transaction, so numbers never repeat nor skip) into *seq (may be NULL).
 * Returns STORE_OK, STORE_NOTFOUND (no such collaboration) or -1.
 */
int store_audit_append(struct store *store, const char *collab,
    const void *entry, size_t len, uint64_t *seq, char *err,
    size_t err_size);

/*
 * Called for each audit entry; entry is valid during the call only.
 * Return 0 to go on, non-zero to stop (the read returns STORE_STOPPED).
 */
typedef int (*store_audit_cb)(void *arg, uint64_t seq, const void *entry,
    size_t len);

/*
 * Call cb for each entry of collab's audit log with a sequence number
 * above after_seq (0: all), in order, in one read transaction. Returns
 * STORE_OK, STORE_NOTFOUND (no such collaboration), STORE_STOPPED or -1.
 */
int store_audit_read(struct store *store, const char *collab,
    uint64_t after_seq, store_audit_cb cb, void *arg, char *err,
    size_t err_size);

/* ---------------------------------------------------------- test hooks */

/* ------------------------------------------------------ privacy budgets */

/* What one table of a query spends of its privacy budget. */
struct store_spend {
	const char *table;
	uint64_t epsilon_milli;	/* this query's spend, thousandths */
	uint64_t budget_milli;	/* the table's total */
	uint32_t period;	/* 0: never refreshed; else yyyymm of now */
};

/*
 * In one write transaction: check that each of spends[0..n) fits its
 * table's budget (what was spent in spends[i].period, plus its epsilon,
 * at most its budget); if all do, add the spends and append the audit
 * entry[0..len) to collab's log, and commit. spent_before[0..n) receives
 * what each had spent before. A spend of another period counts as 0
 * (the budget refreshed). The spend is kept when the table is deleted or
 * replaced. Returns STORE_OK, STORE_EXHAUSTED (nothing written; *refused
 * is the index of the first table that cannot pay), STORE_NOTFOUND (no
 * such collaboration) or -1.
 */
int store_budget_spend(struct store *store, const char *collab,
    const struct store_spend *spends, size_t n, const void *entry,
    size_t len, size_t *refused, uint64_t *spent_before, char *err,
    size_t err_size);

/*
 * What table of collab has spent in period into *spent (0 if nothing, or
 * only in another period). Returns STORE_OK or -1.
 */
int store_budget_get(struct store *store, const char *collab,
    const char *table, uint32_t period, uint64_t *spent, char *err,
    size_t err_size);

#ifdef PSID_TEST_HOOKS
/*
 * Test hooks (hooks.c), declared only where PSID_TEST_HOOKS is defined
 * (the tests' CPPFLAGS), so that production code cannot call them, as
 * OpenSSH's sshbuf.h hides its internals behind SSHBUF_INTERNAL.
 */

/*
 * Set the number of records per chunk for sets and join indexes written
 * from now on (1..STORE_CHUNK_FPS_DEFAULT; other values are clamped), so
 * that small sets span many chunks. Those already written keep their own
 * chunk size.
 */
void store_set_chunk_fps(struct store *store, size_t chunk_fps);

/*
 * Set the bytes of a sorted run of an upload's pairs for commits from now
 * on (40..STORE_SORT_RUN_BYTES; other values are clamped), so that small
 * uploads merge many runs.
 */
void store_set_sort_run(struct store *store, size_t bytes);

/*
 * Count into *n the keys, in all databases, that start with
 * prefix[0..len) (0: every key), in one read transaction; tests check
 * that a range is empty. Returns STORE_OK or -1.
 */
int store_count_keys(struct store *store, const void *prefix, size_t len,
    uint64_t *n, char *err, size_t err_size);
#endif /* PSID_TEST_HOOKS */

#endif /* PSID_STORE_H */
