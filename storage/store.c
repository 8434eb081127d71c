/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c: the LMDB environment (see store.h for the key layout and the
 * guarantees): opened once with its seven databases, closed; the
 * transactions every storage file begins and commits through, readers
 * (snapshots), the range deletion and the error helper they share.
 * Fingerprint sets are in fpset.c, keys in keys.c, chunked runs in
 * runs.c, collaborations and tables in tables.c, uploads in upload.c.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_int.h"

#define MAX_DBS		8

void
store_set_err(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

int
store_open(const char *dir, uint64_t map_size, struct store **out,
    char *err, size_t err_size)
{
	struct store *store;
	MDB_txn *txn = NULL;
	int rc;

	*out = NULL;
	store = calloc(1, sizeof(*store));
	if (store == NULL) {
		store_set_err(err, err_size, "out of memory");
		return -1;
	}
	store->chunk_fps = STORE_CHUNK_FPS_DEFAULT;
	store->sort_run_recs = STORE_SORT_RUN_BYTES / PAIR_LEN;
	if (map_size == 0)
		map_size = STORE_MAP_SIZE_DEFAULT;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		store_set_err(err, err_size, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((rc = mdb_env_create(&store->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(store->env, MAX_DBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(store->env, (size_t)map_size)) != 0) {
		store_set_err(err, err_size, "creating the environment: %s",
		    mdb_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_env_open(store->env, dir, MDB_NOTLS, 0600)) != 0) {
		store_set_err(err, err_size, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_txn_begin(store->env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &store->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "fpsets", MDB_CREATE,
	    &store->fpsets)) != 0 ||
	    (rc = mdb_dbi_open(txn, "collabs", MDB_CREATE,
	    &store->collabs)) != 0 ||
	    (rc = mdb_dbi_open(txn, "tables", MDB_CREATE,
	    &store->tables)) != 0 ||
	    (rc = mdb_dbi_open(txn, "rows", MDB_CREATE, &store->rows)) != 0 ||
	    (rc = mdb_dbi_open(txn, "audit", MDB_CREATE,
	    &store->audit)) != 0 ||
	    (rc = mdb_dbi_open(txn, "budget", MDB_CREATE,
	    &store->budget)) != 0) {
		store_set_err(err, err_size, "%s: opening the databases: %s",
		    dir, mdb_strerror(rc));
		goto fail;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		store_set_err(err, err_size, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	*out = store;
	return STORE_OK;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	store_close(store);
	return -1;
}

void
store_close(struct store *store)
{
	if (store == NULL)
		return;
	if (store->env != NULL)
		mdb_env_close(store->env);
	free(store);
}

int
store_read_txn(struct store *store, MDB_txn **txn, char *err,
    size_t err_size)
{
	int rc;

	if ((rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, txn)) != 0) {
		*txn = NULL;
		store_set_err(err, err_size, "beginning a read: %s",
		    mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
store_write_begin(struct store *store, MDB_txn **txn, char *err,
    size_t err_size)
{
	int rc;

	if ((rc = mdb_txn_begin(store->env, NULL, 0, txn)) != 0) {
		*txn = NULL;
		store_set_err(err, err_size, "beginning a write: %s",
		    mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
store_write_commit(MDB_txn **txn, char *err, size_t err_size)
{
	int rc = mdb_txn_commit(*txn);

	*txn = NULL;
	if (rc != 0) {
		store_set_err(err, err_size, "committing: %s",
		    mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
store_read_begin(struct store *store, struct store_read **out, char *err,
    size_t err_size)
{
	struct store_read *rd;

	*out = NULL;
	rd = calloc(1, sizeof(*rd));
	if (rd == NULL) {
		store_set_err(err, err_size, "out of memory");
		return -1;
	}
	rd->store = store;
	if (store_read_txn(store, &rd->txn, err, err_size) != 0) {
		free(rd);
		return -1;
	}
	*out = rd;
	return STORE_OK;
}

void
store_read_end(struct store_read *rd)
{
	if (rd == NULL)
		return;
	mdb_txn_abort(rd->txn);
	free(rd);
}

int
store_delete_prefix(MDB_txn *txn, MDB_dbi dbi, const void *prefix,
    size_t len, char *err, size_t err_size)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	if (len == 0) {
		store_set_err(err, err_size, "deleting: no prefix");
		return -1;
	}
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		goto fail;
	k.mv_data = (void *)prefix;
	k.mv_size = len;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0) {
		if (k.mv_size < len || memcmp(k.mv_data, prefix, len) != 0)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			goto fail;
		/* After a delete, MDB_NEXT gives the key that followed. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
	mdb_cursor_close(cur);
	return 0;
fail:
	store_set_err(err, err_size, "deleting: %s", mdb_strerror(rc));
	if (cur != NULL)
		mdb_cursor_close(cur);
	return -1;
}
