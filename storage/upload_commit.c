/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload_commit.c: the commit of an upload (see store.h, and upload.c
 * for the whole way): the checks before any transaction, the sort of the
 * staged pairs (upload_merge.c), then ONE write transaction that checks
 * the collaboration and the table, clears the old table, merges each
 * fingerprint column, puts the staged rows in blocks of ROWS_PER_BLOCK
 * (MDB_APPEND when the table's keys come after every key of the
 * database), the table's meta and the upload's audit entry, and commits
 * once. A repeat refused aborts it before the rows are written.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "upload_int.h"

/* A row block being assembled (store_int.h). */
struct rowblk {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

/* Whether every key of dbi sorts before k (MDB_APPEND may follow). */
static int
after_last(MDB_txn *txn, MDB_dbi dbi, MDB_val *k)
{
	MDB_cursor *cur;
	MDB_val lk, lv;
	int rc, ok;

	if (mdb_cursor_open(txn, dbi, &cur) != 0)
		return 0;
	rc = mdb_cursor_get(cur, &lk, &lv, MDB_LAST);
	ok = rc == MDB_NOTFOUND || (rc == 0 && mdb_cmp(txn, dbi, &lk, k) < 0);
	mdb_cursor_close(cur);
	return ok;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}


/*
 * Read the next n rows (1..ROWS_PER_BLOCK) from r into b as one row
 * block: u32 n, u32 offsets[n + 1], the rows' bytes (b->buf grows as
 * needed). Returns 0, or -1 with err set.
 */
static int
read_block(struct stage_reader *r, unsigned n, struct rowblk *b, char *err,
    size_t err_size)
{
	uint8_t hdr[4], *p;
	size_t len = ROW_BLOCK_HDR(n), need;
	unsigned j;

	for (j = 0; j < n; j++) {
		if (stage_reader_read(r, hdr, 4) != 0)
			goto io_fail;
		need = len + store_get_be32(hdr);
		if (need > b->cap) {
			size_t cap = need * 2 > (1u << 16) ? need * 2 :
			    (1u << 16);

			if ((p = realloc(b->buf, cap)) == NULL) {
				store_set_err(err, err_size, "out of memory");
				return -1;
			}
			b->buf = p;
			b->cap = cap;
		}
		put_le32(b->buf + 4 + 4 * j, (uint32_t)(len -
		    ROW_BLOCK_HDR(n)));
		if (stage_reader_read(r, b->buf + len,
		    store_get_be32(hdr)) != 0)
			goto io_fail;
		len = need;
	}
	put_le32(b->buf, n);
	put_le32(b->buf + 4 + 4 * n, (uint32_t)(len - ROW_BLOCK_HDR(n)));
	b->len = len;
	return 0;
io_fail:
	store_set_err(err, err_size, "reading the staged rows: %s",
	    strerror(errno));
	return -1;
}

/*
 * Put the staged rows, numbered from 0, in txn, in blocks of
 * ROWS_PER_BLOCK (store_int.h). Returns 0 or -1.
 */
static int
write_rows(struct store_upload *up, MDB_txn *txn, char *err,
    size_t err_size)
{
	struct store *store = up->store;
	struct store_key key;
	struct stage_reader r;
	struct rowblk b = { NULL, 0, 0 };
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned flags, n;
	uint64_t i, block;
	int rc, ret = -1;

	memset(&r, 0, sizeof(r));
	if (store_key_row(&key, up->collab, up->table, 0, err,
	    err_size) != 0)
		return -1;
	if (up->nrows == 0)
		return 0;
	r.fd = up->rows.fd;
	r.end = up->rows.size;
	r.cap = ROWS_BUF;
	if ((r.buf = malloc(r.cap)) == NULL) {
		store_set_err(err, err_size, "out of memory");
		return -1;
	}
	k.mv_data = key.buf;
	k.mv_size = key.len;
	flags = after_last(txn, store->rows, &k) ? MDB_APPEND : 0;
	if ((rc = mdb_cursor_open(txn, store->rows, &cur)) != 0)
		goto lmdb_fail;
	for (i = 0, block = 0; i < up->nrows; block++, i += n) {
		n = up->nrows - i < ROWS_PER_BLOCK ?
		    (unsigned)(up->nrows - i) : ROWS_PER_BLOCK;
		if (read_block(&r, n, &b, err, err_size) != 0)
			goto out;
		store_put_be64(key.buf + key.len - 8, block);
		k.mv_data = key.buf;
		k.mv_size = key.len;
		v.mv_data = b.buf;
		v.mv_size = b.len;
		if ((rc = mdb_cursor_put(cur, &k, &v, flags)) != 0)
			goto lmdb_fail;
	}
	ret = 0;
	goto out;
lmdb_fail:
	store_set_err(err, err_size, "writing the rows of \"%s\": %s",
	    up->table, mdb_strerror(rc));
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	free(b.buf);
	free(r.buf);
	return ret;
}

/*
 * What the commit checks and does before its transaction: the upload is
 * open (it is then done, whatever follows), the meta is given, every
 * pair names a row; the rows flushed, the pairs sorted; tkey is the
 * table's key. Returns 0, or -1 with err set.
 */
static int
commit_prepare(struct store_upload *up, const void *meta, size_t len,
    struct store_key *tkey, char *err, size_t err_size)
{
	if (store_upload_check_open(up, err, err_size) != 0)
		return -1;
	up->state = UP_DONE;
	if (len > 0 && meta == NULL) {
		store_set_err(err, err_size, "no table meta given");
		return -1;
	}
	if (up->have_pairs && up->max_rowid >= up->nrows) {
		store_set_err(err, err_size, "a fingerprint names row %" PRIu64
		    " but the upload has %" PRIu64 " rows", up->max_rowid,
		    up->nrows);
		return -1;
	}
	if (store_key_table(tkey, up->collab, up->table, err,
	    err_size) != 0 ||
	    stage_flush(&up->rows, err, err_size) != 0 ||
	    store_upload_sort_columns(up, err, err_size) != 0)
		return -1;
	return 0;
}

/*
 * In txn: whether the table may be written: the collaboration exists,
 * and the table does not or replace is asked. Returns STORE_OK,
 * STORE_NOTFOUND, STORE_EXISTS or -1.
 */
static int
commit_may_write(struct store_upload *up, MDB_txn *txn,
    const struct store_key *tkey, int replace, char *err, size_t err_size)
{
	struct store *store = up->store;
	MDB_val k, v;
	int rc;

	if ((rc = store_collab_exists(store, txn, up->collab, err,
	    err_size)) != STORE_OK)
		return rc;
	k.mv_data = (void *)tkey->buf;
	k.mv_size = tkey->len;
	rc = mdb_get(txn, store->tables, &k, &v);
	if (rc == 0 && !replace) {
		store_set_err(err, err_size, "table \"%s\" already exists",
		    up->table);
		return STORE_EXISTS;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		store_set_err(err, err_size, "reading table \"%s\": %s",
		    up->table, mdb_strerror(rc));
		return -1;
	}
	return STORE_OK;
}

/*
 * In txn: the old table cleared, every column merged, then (unless a
 * repeat was refused) the rows, the meta and the audit entry put.
 * Returns STORE_OK, STORE_DUPLICATE or -1.
 */
static int
commit_write(struct store_upload *up, MDB_txn *txn,
    const struct store_key *tkey, const void *meta, size_t len, char *err,
    size_t err_size)
{
	struct store *store = up->store;
	MDB_val k, v;
	unsigned c;
	int rc;

	/* Whatever is there under <collab>/<table>/ goes. */
	if (store_table_clear(store, txn, tkey, err, err_size) != 0)
		return -1;
	/* The columns first: a repeat refused spares writing the rows. */
	for (c = 0; c < up->nfpcols; c++)
		if (store_upload_merge_column(up, txn, c, err, err_size) != 0)
			return -1;
	if (up->have_dup) {
		store_set_err(err, err_size, "table \"%s\": row %" PRIu64
		    " repeats a fingerprint in fingerprint column %u "
		    "(duplicates are not allowed)", up->table,
		    up->dup.row, up->dup.column);
		return STORE_DUPLICATE;
	}
	if (write_rows(up, txn, err, err_size) != 0 ||
	    store_upload_write_values(up, txn, err, err_size) != 0)
		return -1;
	k.mv_data = (void *)tkey->buf;
	k.mv_size = tkey->len;
	v.mv_data = (void *)meta;
	v.mv_size = len;
	if ((rc = mdb_put(txn, store->tables, &k, &v, 0)) != 0) {
		store_set_err(err, err_size, "writing table \"%s\": %s",
		    up->table, mdb_strerror(rc));
		return -1;
	}
	if (up->audit != NULL && store_audit_put(store, txn, up->collab,
	    up->audit, up->audit_len, NULL, err, err_size) != 0)
		return -1;
	return STORE_OK;
}

int
store_upload_commit(struct store_upload *up, const void *meta, size_t len,
    int replace, char *err, size_t err_size)
{
	struct store_key tkey;
	MDB_txn *txn = NULL;
	int rc;

	if (commit_prepare(up, meta, len, &tkey, err, err_size) != 0)
		return -1;
	if (store_write_begin(up->store, &txn, err, err_size) != 0)
		return -1;
	if ((rc = commit_may_write(up, txn, &tkey, replace, err,
	    err_size)) == STORE_OK &&
	    (rc = commit_write(up, txn, &tkey, meta, len, err,
	    err_size)) == STORE_OK &&
	    store_write_commit(&txn, err, err_size) != 0)
		rc = -1;
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}
