/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fpset.c: fingerprint sets (see store.h): a set put (sorted and
 * deduplicated before the transaction, written as one run, committed
 * once), replaced, deleted, its size, and the intersection count of
 * several sets within one snapshot, straight from the map (count.h).
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "count.h"
#include "fpsort.h"
#include "store_int.h"

#define SORT_THREADS	2

/*
 * Whether every chunk key of the run sorts after the last key of the
 * chunk database, so that they may be written with MDB_APPEND.
 */
static int
may_append(struct store *store, MDB_txn *txn, struct store_key *key)
{
	MDB_cursor *cur;
	MDB_val k, v, first = store_chunk_key(key, 0);
	int rc, ok;

	if (mdb_cursor_open(txn, store->fpsets, &cur) != 0)
		return 0;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	ok = rc == MDB_NOTFOUND ||
	    (rc == 0 && mdb_cmp(txn, store->fpsets, &k, &first) < 0);
	mdb_cursor_close(cur);
	return ok;
}

/*
 * Write the n sorted, distinct fingerprints of sorted as the set whose
 * meta key is key, in the caller's write transaction txn (no set may be
 * there). Returns 0 or -1.
 */
static int
fpset_write(struct store *store, MDB_txn *txn, const struct store_key *key,
    const uint8_t *sorted, size_t n, char *err, size_t err_size)
{
	struct chunkw w;
	size_t first;
	int ret = -1;

	store_chunkw_init(&w, store, txn, key, FP_LEN, 0);
	if (may_append(store, txn, &w.key))
		w.flags = MDB_APPEND;
	for (first = 0; first < n; first += w.chunk_recs) {
		size_t len = n - first < w.chunk_recs ? n - first :
		    w.chunk_recs;

		if (store_chunkw_put_chunk(&w, sorted + first * FP_LEN, len,
		    err, err_size) != 0)
			goto out;
	}
	ret = store_chunkw_finish(&w, err, err_size);
out:
	store_chunkw_free(&w);
	return ret;
}

int
store_fpset_put(struct store *store, const char *collab,
    const char *table, unsigned column, const uint8_t *fps, size_t n,
    int replace, char *err, size_t err_size)
{
	struct store_key key;
	struct store_runmeta old;
	uint8_t *sorted = NULL;
	MDB_txn *txn = NULL;
	int rc, ret = -1;

	if (store_key_index(&key, collab, table, TAG_SET, column, err,
	    err_size) != 0)
		return -1;
	if (n > 0 && fps == NULL) {
		store_set_err(err, err_size, "no fingerprints given");
		return -1;
	}
	if (n > SIZE_MAX / FP_LEN || (n > 0 &&
	    (n - 1) / store->chunk_fps + 1 > UINT32_MAX)) {
		store_set_err(err, err_size, "too many fingerprints");
		return -1;
	}
	if (n > 0) {
		sorted = malloc(n * FP_LEN);
		if (sorted == NULL || fpsort(sorted, fps, n,
		    SORT_THREADS) != 0) {
			store_set_err(err, err_size, "out of memory sorting "
			    "%zu fingerprints", n);
			goto out;
		}
		n = fpsort_dedup(sorted, n);
	}

	if (store_write_begin(store, &txn, err, err_size) != 0)
		goto out;
	rc = store_read_runmeta(store, txn, &key, TAG_SET, table, column,
	    &old, err, err_size);
	if (rc == STORE_OK) {
		if (!replace) {
			store_set_err(err, err_size, "table \"%s\" column %u "
			    "already has a fingerprint set", table, column);
			ret = STORE_EXISTS;
			goto out;
		}
		if (store_run_delete_chunks(store, txn, &key, &old, err,
		    err_size) != 0)
			goto out;
	} else if (rc != STORE_NOTFOUND)
		goto out;
	if (fpset_write(store, txn, &key, sorted, n, err, err_size) != 0)
		goto out;
	if (store_write_commit(&txn, err, err_size) != 0)
		goto out;
	ret = STORE_OK;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	free(sorted);
	return ret;
}

int
store_fpset_delete(struct store *store, const char *collab,
    const char *table, unsigned column, char *err, size_t err_size)
{
	struct store_key key;
	struct store_runmeta old;
	MDB_txn *txn = NULL;
	MDB_val k;
	int rc, ret = -1;

	if (store_key_index(&key, collab, table, TAG_SET, column, err,
	    err_size) != 0)
		return -1;
	if (store_write_begin(store, &txn, err, err_size) != 0)
		goto out;
	rc = store_read_runmeta(store, txn, &key, TAG_SET, table, column,
	    &old, err, err_size);
	if (rc != STORE_OK) {
		ret = rc;
		goto out;
	}
	if (store_run_delete_chunks(store, txn, &key, &old, err,
	    err_size) != 0)
		goto out;
	k = store_meta_key(&key);
	if ((rc = mdb_del(txn, store->meta, &k, NULL)) != 0) {
		store_set_err(err, err_size, "deleting the set of table "
		    "\"%s\": %s", table, mdb_strerror(rc));
		goto out;
	}
	if (store_write_commit(&txn, err, err_size) != 0)
		goto out;
	ret = STORE_OK;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return ret;
}

int
store_read_fpset_size(struct store_read *rd, const char *collab,
    const char *table, unsigned column, uint64_t *n, char *err,
    size_t err_size)
{
	struct store_key key;
	struct store_runmeta m;
	int rc;

	if (store_key_index(&key, collab, table, TAG_SET, column, err,
	    err_size) != 0)
		return -1;
	rc = store_read_runmeta(rd->store, rd->txn, &key, TAG_SET, table,
	    column, &m, err, err_size);
	if (rc == STORE_OK)
		*n = m.count;
	return rc;
}

int
store_read_count(struct store_read *rd, const char *collab,
    const struct store_setref *sets, size_t nsets, unsigned threads,
    uint64_t *count, char *err, size_t err_size)
{
	struct store_key keys[STORE_MAX_SETS];
	struct store_runmeta metas[STORE_MAX_SETS];
	struct count_set views[STORE_MAX_SETS];
	const uint8_t **ptrs = NULL;
	size_t i, total = 0;
	int rc, ret = -1;

	if (nsets < 2 || nsets > STORE_MAX_SETS) {
		store_set_err(err, err_size, "a count takes 2 to %d sets",
		    STORE_MAX_SETS);
		return -1;
	}
	for (i = 0; i < nsets; i++) {
		if (store_key_index(&keys[i], collab, sets[i].table, TAG_SET,
		    sets[i].column, err, err_size) != 0)
			return -1;
		rc = store_read_runmeta(rd->store, rd->txn, &keys[i], TAG_SET,
		    sets[i].table, sets[i].column, &metas[i], err, err_size);
		if (rc != STORE_OK)
			return rc;
		total += metas[i].nchunks;
	}
	ptrs = calloc(total > 0 ? total : 1, sizeof(*ptrs));
	if (ptrs == NULL) {
		store_set_err(err, err_size, "out of memory");
		goto out;
	}
	for (total = 0, i = 0; i < nsets; i++) {
		size_t rec = FP_LEN;

		/* A set without repeats may be its join index (store_int.h). */
		if (metas[i].flags & RUNMETA_SET_IS_JOIN) {
			if (store_key_index(&keys[i], collab, sets[i].table,
			    TAG_JOIN, sets[i].column, err, err_size) != 0)
				goto out;
			rec = PAIR_LEN;
		}
		if (store_load_run(rd->store, rd->txn, &keys[i], &metas[i],
		    rec, ptrs + total, err, err_size) != 0)
			goto out;
		views[i].rec = rec;
		views[i].chunks = ptrs + total;
		views[i].nchunks = metas[i].nchunks;
		views[i].chunk_fps = metas[i].chunk_recs;
		views[i].n = metas[i].count;
		total += metas[i].nchunks;
	}
	if (count_intersection(views, nsets, threads, count) != 0) {
		store_set_err(err, err_size, "counting: %s", strerror(errno));
		goto out;
	}
	ret = STORE_OK;
out:
	free(ptrs);
	return ret;
}

int
store_count(struct store *store, const char *collab,
    const struct store_setref *sets, size_t nsets, unsigned threads,
    uint64_t *count, char *err, size_t err_size)
{
	struct store_read *rd;
	int rc;

	if (store_read_begin(store, &rd, err, err_size) != 0)
		return -1;
	rc = store_read_count(rd, collab, sets, nsets, threads, count, err,
	    err_size);
	store_read_end(rd);
	return rc;
}

int
store_fpset_size(struct store *store, const char *collab,
    const char *table, unsigned column, uint64_t *n, char *err,
    size_t err_size)
{
	struct store_read *rd;
	int rc;

	if (store_read_begin(store, &rd, err, err_size) != 0)
		return -1;
	rc = store_read_fpset_size(rd, collab, table, column, n, err,
	    err_size);
	store_read_end(rd);
	return rc;
}
