/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c: each collaboration's audit log: opaque entries under
 * <collab><seq u64 BE> in db "audit", numbered from 1 in the write
 * transaction that appends them (the next number is one more than the
 * collaboration's last key), so the log reads back in order.
 */
#include "config.h"

#include <lmdb.h>
#include <string.h>

#include "store_int.h"

int
store_audit_put(struct store *store, MDB_txn *txn, const char *collab,
    const void *entry, size_t len, uint64_t *seq, char *err,
    size_t err_size)
{
	struct store_key key;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint64_t next = 1;
	int rc;

	if (store_key_collab(&key, collab, err, err_size) != 0)
		return -1;
	if ((rc = mdb_cursor_open(txn, store->audit, &cur)) != 0)
		goto lmdb_fail;
	/* The last key of the collaboration: the one before <collab>+1. */
	store_put_be64(key.buf + STORE_COLLAB_LEN, UINT64_MAX);
	k.mv_data = key.buf;
	k.mv_size = STORE_COLLAB_LEN + 8;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == STORE_COLLAB_LEN + 8 &&
	    memcmp(k.mv_data, collab, STORE_COLLAB_LEN) == 0) {
		next = store_get_be64((const unsigned char *)k.mv_data +
		    STORE_COLLAB_LEN) + 1;
		if (next == UINT64_MAX) {
			mdb_cursor_close(cur);
			store_set_err(err, err_size, "the audit log of %s is "
			    "full", collab);
			return -1;
		}
	} else if (rc != 0 && rc != MDB_NOTFOUND)
		goto lmdb_fail;
	mdb_cursor_close(cur);
	cur = NULL;
	store_put_be64(key.buf + STORE_COLLAB_LEN, next);
	k.mv_data = key.buf;
	k.mv_size = STORE_COLLAB_LEN + 8;
	v.mv_data = (void *)entry;
	v.mv_size = len;
	if ((rc = mdb_put(txn, store->audit, &k, &v, MDB_NOOVERWRITE)) != 0)
		goto lmdb_fail;
	if (seq != NULL)
		*seq = next;
	return 0;
lmdb_fail:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_set_err(err, err_size, "appending to the audit log of %s: %s",
	    collab, mdb_strerror(rc));
	return -1;
}

int
store_audit_append(struct store *store, const char *collab,
    const void *entry, size_t len, uint64_t *seq, char *err,
    size_t err_size)
{
	struct store_key key;
	MDB_txn *txn = NULL;
	int rc;

	if (store_key_collab(&key, collab, err, err_size) != 0)
		return -1;
	if (len > 0 && entry == NULL) {
		store_set_err(err, err_size, "no audit entry given");
		return -1;
	}
	if (store_write_begin(store, &txn, err, err_size) != 0)
		return -1;
	if ((rc = store_collab_exists(store, txn, collab, err,
	    err_size)) != STORE_OK ||
	    (rc = store_audit_put(store, txn, collab, entry, len, seq, err,
	    err_size)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store_write_commit(&txn, err, err_size) == 0 ? STORE_OK : -1;
}

int
store_audit_read(struct store *store, const char *collab, uint64_t after_seq,
    store_audit_cb cb, void *arg, char *err, size_t err_size)
{
	struct store_key key;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, ret = -1;

	if (store_key_collab(&key, collab, err, err_size) != 0)
		return -1;
	if (store_read_txn(store, &txn, err, err_size) != 0)
		return -1;
	if ((rc = store_collab_exists(store, txn, collab, err,
	    err_size)) != STORE_OK) {
		ret = rc;
		goto out;
	}
	if (after_seq == UINT64_MAX) {
		ret = STORE_OK;
		goto out;
	}
	if ((rc = mdb_cursor_open(txn, store->audit, &cur)) != 0)
		goto lmdb_fail;
	store_put_be64(key.buf + STORE_COLLAB_LEN, after_seq + 1);
	k.mv_data = key.buf;
	k.mv_size = STORE_COLLAB_LEN + 8;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const unsigned char *kp = k.mv_data;

		if (k.mv_size != STORE_COLLAB_LEN + 8 ||
		    memcmp(kp, collab, STORE_COLLAB_LEN) != 0)
			break;
		if (cb(arg, store_get_be64(kp + STORE_COLLAB_LEN), v.mv_data,
		    v.mv_size) != 0) {
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
	store_set_err(err, err_size, "reading the audit log of %s: %s",
	    collab, mdb_strerror(rc));
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return ret;
}
