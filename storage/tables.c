/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tables.c: collaborations, table metas, rows and the deletion of a
 * table (see store.h for the key layout and the guarantees).
 */
#include "config.h"

#include <inttypes.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* A malloc'd copy of v into *blob, *len (never NULL). Returns 0 or -1. */
static int
copy_out(const MDB_val *v, void **blob, size_t *len, char *err,
    size_t err_size)
{
	void *p = malloc(v->mv_size > 0 ? v->mv_size : 1);

	if (p == NULL) {
		store_set_err(err, err_size, "out of memory");
		return -1;
	}
	if (v->mv_size > 0)
		memcpy(p, v->mv_data, v->mv_size);
	*blob = p;
	*len = v->mv_size;
	return 0;
}

int
store_collab_put(struct store *store, const char *collab, const void *blob,
    size_t len, char *err, size_t err_size)
{
	struct store_key key;
	MDB_txn *txn = NULL;
	MDB_val k, v;
	int rc, ret = -1;

	if (store_key_collab(&key, collab, err, err_size) != 0)
		return -1;
	if (len > 0 && blob == NULL) {
		store_set_err(err, err_size, "no collaboration blob given");
		return -1;
	}
	if (store_write_begin(store, &txn, err, err_size) != 0)
		goto out;
	k.mv_data = key.buf;
	k.mv_size = key.len;
	v.mv_data = (void *)blob;
	v.mv_size = len;
	rc = mdb_put(txn, store->collabs, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		store_set_err(err, err_size, "collaboration %s already exists",
		    collab);
		ret = STORE_EXISTS;
		goto out;
	}
	if (rc != 0) {
		store_set_err(err, err_size, "writing collaboration %s: %s",
		    collab, mdb_strerror(rc));
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
store_collab_get(struct store *store, const char *collab, void **blob,
    size_t *len, char *err, size_t err_size)
{
	struct store_key key;
	MDB_txn *txn = NULL;
	MDB_val k, v;
	int rc, ret = -1;

	if (store_key_collab(&key, collab, err, err_size) != 0)
		return -1;
	if (store_read_txn(store, &txn, err, err_size) != 0)
		return -1;
	k.mv_data = key.buf;
	k.mv_size = key.len;
	rc = mdb_get(txn, store->collabs, &k, &v);
	if (rc == MDB_NOTFOUND) {
		store_set_err(err, err_size, "no collaboration %s", collab);
		ret = STORE_NOTFOUND;
		goto out;
	}
	if (rc != 0) {
		store_set_err(err, err_size, "reading collaboration %s: %s",
		    collab, mdb_strerror(rc));
		goto out;
	}
	if (copy_out(&v, blob, len, err, err_size) != 0)
		goto out;
	ret = STORE_OK;
out:
	mdb_txn_abort(txn);
	return ret;
}

int
store_collab_exists(struct store *store, MDB_txn *txn, const char *collab,
    char *err, size_t err_size)
{
	struct store_key key;
	MDB_val k, v;
	int rc;

	if (store_key_collab(&key, collab, err, err_size) != 0)
		return -1;
	k.mv_data = key.buf;
	k.mv_size = key.len;
	rc = mdb_get(txn, store->collabs, &k, &v);
	if (rc == MDB_NOTFOUND) {
		store_set_err(err, err_size, "no collaboration %s", collab);
		return STORE_NOTFOUND;
	}
	if (rc != 0) {
		store_set_err(err, err_size, "reading collaboration %s: %s",
		    collab, mdb_strerror(rc));
		return -1;
	}
	return STORE_OK;
}

int
store_table_list(struct store *store, const char *collab,
    store_table_cb cb, void *arg, char *err, size_t err_size)
{
	struct store_key key;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	char name[STORE_TABLE_MAX + 1];
	int rc, ret = -1;

	if (store_key_collab(&key, collab, err, err_size) != 0)
		return -1;
	key.buf[key.len++] = '/';
	if (store_read_txn(store, &txn, err, err_size) != 0)
		return -1;
	if ((rc = store_collab_exists(store, txn, collab, err,
	    err_size)) != STORE_OK) {
		ret = rc;
		goto out;
	}
	if ((rc = mdb_cursor_open(txn, store->tables, &cur)) != 0)
		goto lmdb_fail;
	k.mv_data = key.buf;
	k.mv_size = key.len;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t nlen = k.mv_size - key.len;

		if (k.mv_size <= key.len ||
		    memcmp(k.mv_data, key.buf, key.len) != 0)
			break;
		if (nlen > STORE_TABLE_MAX) {
			store_set_err(err, err_size, "a table key of "
			    "collaboration %s is too long", collab);
			goto out;
		}
		memcpy(name, (const char *)k.mv_data + key.len, nlen);
		name[nlen] = '\0';
		if (cb(arg, name, v.mv_data, v.mv_size) != 0) {
			store_set_err(err, err_size, "stopped by the caller");
			ret = STORE_STOPPED;
			goto out;
		}
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto lmdb_fail;
	ret = STORE_OK;
	goto out;
lmdb_fail:
	store_set_err(err, err_size, "listing the tables of %s: %s", collab,
	    mdb_strerror(rc));
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return ret;
}

int
store_read_table_get(struct store_read *rd, const char *collab,
    const char *table, const void **blob, size_t *len, char *err,
    size_t err_size)
{
	struct store_key key;
	MDB_val k, v;
	int rc;

	if (store_key_table(&key, collab, table, err, err_size) != 0)
		return -1;
	k.mv_data = key.buf;
	k.mv_size = key.len;
	rc = mdb_get(rd->txn, rd->store->tables, &k, &v);
	if (rc == MDB_NOTFOUND) {
		store_set_err(err, err_size, "no table \"%s\"", table);
		return STORE_NOTFOUND;
	}
	if (rc != 0) {
		store_set_err(err, err_size, "reading table \"%s\": %s", table,
		    mdb_strerror(rc));
		return -1;
	}
	*blob = v.mv_data;
	*len = v.mv_size;
	return STORE_OK;
}

int
store_table_get(struct store *store, const char *collab, const char *table,
    void **blob, size_t *len, char *err, size_t err_size)
{
	struct store_read *rd;
	const void *p;
	MDB_val v;
	int rc;

	if (store_read_begin(store, &rd, err, err_size) != 0)
		return -1;
	rc = store_read_table_get(rd, collab, table, &p, &v.mv_size, err,
	    err_size);
	if (rc == STORE_OK) {
		v.mv_data = (void *)p;
		if (copy_out(&v, blob, len, err, err_size) != 0)
			rc = -1;
	}
	store_read_end(rd);
	return rc;
}

int
store_table_delete(struct store *store, const char *collab,
    const char *table, char *err, size_t err_size)
{
	struct store_key key;
	MDB_txn *txn = NULL;
	MDB_val k;
	int rc, ret = -1;

	if (store_key_table(&key, collab, table, err, err_size) != 0)
		return -1;
	if (store_write_begin(store, &txn, err, err_size) != 0)
		return -1;
	k.mv_data = key.buf;
	k.mv_size = key.len;
	rc = mdb_del(txn, store->tables, &k, NULL);
	if (rc == MDB_NOTFOUND) {
		store_set_err(err, err_size, "no table \"%s\"", table);
		ret = STORE_NOTFOUND;
		goto out;
	}
	if (rc != 0) {
		store_set_err(err, err_size, "deleting table \"%s\": %s", table,
		    mdb_strerror(rc));
		goto out;
	}
	if (store_table_clear(store, txn, &key, err, err_size) != 0)
		goto out;
	if (store_write_commit(&txn, err, err_size) != 0)
		goto out;
	ret = STORE_OK;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return ret;
}

int
store_table_clear(struct store *store, MDB_txn *txn,
    const struct store_key *tkey, char *err, size_t err_size)
{
	unsigned char prefix[SKEY_MAX];
	size_t len = tkey->len + 1;

	memcpy(prefix, tkey->buf, tkey->len);
	prefix[tkey->len] = '/';
	if (store_delete_prefix(txn, store->rows, prefix, len, err,
	    err_size) != 0 ||
	    store_delete_prefix(txn, store->meta, prefix, len, err,
	    err_size) != 0 ||
	    store_delete_prefix(txn, store->fpsets, prefix, len, err,
	    err_size) != 0)
		return -1;
	return 0;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

int
store_read_row_get(struct store_read *rd, const char *collab,
    const char *table, uint64_t rowid, const void **row, size_t *len,
    char *err, size_t err_size)
{
	struct store_key key;
	const uint8_t *b;
	uint32_t n, idx = (uint32_t)(rowid % ROWS_PER_BLOCK), from, to;
	MDB_val k, v;
	int rc;

	if (store_key_row(&key, collab, table, rowid / ROWS_PER_BLOCK, err,
	    err_size) != 0)
		return -1;
	k.mv_data = key.buf;
	k.mv_size = key.len;
	rc = mdb_get(rd->txn, rd->store->rows, &k, &v);
	if (rc == 0) {
		/* Find the row in its block (store_int.h). */
		b = v.mv_data;
		n = v.mv_size >= 4 ? le32(b) : 0;
		if (n > ROWS_PER_BLOCK || v.mv_size < ROW_BLOCK_HDR(n)) {
			store_set_err(err, err_size, "a row block of \"%s\" "
			    "is corrupt", table);
			return -1;
		}
		if (idx >= n)
			rc = MDB_NOTFOUND;
		else {
			from = le32(b + 4 + 4 * idx);
			to = le32(b + 8 + 4 * idx);
			if (from > to || to > v.mv_size - ROW_BLOCK_HDR(n)) {
				store_set_err(err, err_size, "a row block of "
				    "\"%s\" is corrupt", table);
				return -1;
			}
			v.mv_data = (uint8_t *)v.mv_data + ROW_BLOCK_HDR(n) +
			    from;
			v.mv_size = to - from;
		}
	}
	if (rc == MDB_NOTFOUND) {
		store_set_err(err, err_size, "table \"%s\" has no row %"
		    PRIu64, table, rowid);
		return STORE_NOTFOUND;
	}
	if (rc != 0) {
		store_set_err(err, err_size, "reading a row of \"%s\": %s",
		    table, mdb_strerror(rc));
		return -1;
	}
	*row = v.mv_data;
	*len = v.mv_size;
	return STORE_OK;
}

int
store_row_get(struct store *store, const char *collab, const char *table,
    uint64_t rowid, void **row, size_t *len, char *err, size_t err_size)
{
	struct store_read *rd;
	const void *p;
	MDB_val v;
	int rc;

	if (store_read_begin(store, &rd, err, err_size) != 0)
		return -1;
	rc = store_read_row_get(rd, collab, table, rowid, &p, &v.mv_size,
	    err, err_size);
	if (rc == STORE_OK) {
		v.mv_data = (void *)p;
		if (copy_out(&v, row, len, err, err_size) != 0)
			rc = -1;
	}
	store_read_end(rd);
	return rc;
}
