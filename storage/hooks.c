/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hooks.c: the storage layer's test hooks, declared in store.h only under
 * PSID_TEST_HOOKS (which the tests define; production code does not see
 * them): the chunk size of runs and the sort run of uploads shrunk so
 * that small data spans many chunks and runs, and a key count by prefix
 * to check that a range is empty.
 */
#define PSID_TEST_HOOKS	1

#include "config.h"

#include <lmdb.h>
#include <string.h>

#include "store_int.h"

void
store_set_chunk_fps(struct store *store, size_t chunk_fps)
{
	if (chunk_fps < 1)
		chunk_fps = 1;
	if (chunk_fps > STORE_CHUNK_FPS_DEFAULT)
		chunk_fps = STORE_CHUNK_FPS_DEFAULT;
	store->chunk_fps = chunk_fps;
}

void
store_set_sort_run(struct store *store, size_t bytes)
{
	if (bytes < PAIR_LEN)
		bytes = PAIR_LEN;
	if (bytes > STORE_SORT_RUN_BYTES)
		bytes = STORE_SORT_RUN_BYTES;
	store->sort_run_recs = bytes / PAIR_LEN;
}

/* Count the keys of dbi starting with prefix into *n. */
static int
count_prefix(MDB_txn *txn, MDB_dbi dbi, const void *prefix, size_t len,
    uint64_t *n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	k.mv_data = (void *)prefix;
	k.mv_size = len;
	for (rc = mdb_cursor_get(cur, &k, &v, len > 0 ? MDB_SET_RANGE :
	    MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < len || memcmp(k.mv_data, prefix, len) != 0)
			break;
		(*n)++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
store_count_keys(struct store *store, const void *prefix, size_t len,
    uint64_t *n, char *err, size_t err_size)
{
	MDB_dbi dbis[6];
	MDB_txn *txn;
	size_t i;
	int rc = 0;

	dbis[0] = store->meta;
	dbis[1] = store->fpsets;
	dbis[2] = store->collabs;
	dbis[3] = store->tables;
	dbis[4] = store->rows;
	dbis[5] = store->audit;
	*n = 0;
	if (store_read_txn(store, &txn, err, err_size) != 0)
		return -1;
	for (i = 0; i < 6 && rc == 0; i++)
		rc = count_prefix(txn, dbis[i], prefix, len, n);
	mdb_txn_abort(txn);
	if (rc != 0) {
		store_set_err(err, err_size, "counting keys: %s",
		    mdb_strerror(rc));
		return -1;
	}
	return STORE_OK;
}
