/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload.c: staged, atomic table uploads (see store.h): the upload
 * handle, and the rows and pairs checked and staged as they arrive. The
 * staging files are stage.c, the sort and merge of the pairs
 * upload_merge.c, the commit's transaction upload_commit.c; what they
 * share is upload_int.h. The whole way of an upload:
 *
 * While an upload arrives nothing touches LMDB: the rows (as given,
 * length-prefixed) go to one temporary file and each fingerprint column's
 * (fingerprint, row id BE) pairs to a file of its own, all created in
 * tmpdir and unlinked at once, so they vanish with the upload or the
 * process. Memory while staging: a 1 MiB buffer for the rows and 64 KiB
 * per fingerprint column that has received pairs.
 *
 * At commit, before any transaction, each column's file is cut in runs
 * of at most STORE_SORT_RUN_BYTES, each read, radix-sorted (fpsort_pairs)
 * and written back in place. Then one write transaction clears the old
 * table, k-way merges each column's runs through a binary heap, each run
 * read through a buffer of STORE_SORT_RUN_BYTES / k (at least 64 KiB),
 * into two chunk writers: the join index (every pair) and the fingerprint
 * set (the first pair of each fingerprint), then puts the rows in order
 * in blocks of ROWS_PER_BLOCK (MDB_APPEND when the table's keys come
 * after every key of the database). The merge
 * sees equal fingerprints next to each other, ordered by row id: where
 * repeats are refused, the later row of two equal fingerprints is a bad
 * row; once one is seen the merge only looks for smaller bad rows, writing
 * nothing, and the rows are never written. Memory at
 * commit is thus bounded by 2 x STORE_SORT_RUN_BYTES while sorting, then
 * max(STORE_SORT_RUN_BYTES, k x 64 KiB) plus one 5 MiB and one 4 MiB
 * chunk buffer while merging, whatever the upload's size (k x 64 KiB is
 * 0.1% of the staged pairs).
 */
#include "config.h"

#include <inttypes.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "upload_int.h"

int
store_upload_begin(struct store *store, const char *collab,
    const char *table, unsigned nfpcols, const char *tmpdir,
    struct store_upload **out, char *err, size_t err_size)
{
	struct store_upload *up = NULL;
	struct store_key key;
	MDB_txn *txn;
	unsigned i;
	int rc;

	*out = NULL;
	if (store_key_table(&key, collab, table, err, err_size) != 0)
		return -1;
	if (nfpcols > STORE_UPLOAD_MAX_FPCOLS) {
		store_set_err(err, err_size, "%u fingerprint columns (at most "
		    "%d)", nfpcols, STORE_UPLOAD_MAX_FPCOLS);
		return -1;
	}
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = getenv("TMPDIR");
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	/* A quick look now; the commit checks again. */
	if (store_read_txn(store, &txn, err, err_size) != 0)
		return -1;
	rc = store_collab_exists(store, txn, collab, err, err_size);
	mdb_txn_abort(txn);
	if (rc != STORE_OK)
		return rc;

	up = calloc(1, sizeof(*up));
	if (up == NULL)
		goto nomem;
	up->rows.fd = -1;
	up->store = store;
	memcpy(up->collab, collab, STORE_COLLAB_LEN + 1);
	memcpy(up->table, table, strlen(table) + 1);
	up->nfpcols = nfpcols;
	up->state = UP_OPEN;
	if ((up->tmpdir = strdup(tmpdir)) == NULL)
		goto nomem;
	up->cols = calloc(nfpcols > 0 ? nfpcols : 1, sizeof(*up->cols));
	if (up->cols == NULL)
		goto nomem;
	for (i = 0; i < nfpcols; i++)
		up->cols[i].fd = -1;
	if (stage_open(&up->rows, up->tmpdir, ROWS_BUF, err,
	    err_size) != 0)
		goto fail;
	*out = up;
	return STORE_OK;
nomem:
	store_set_err(err, err_size, "out of memory");
fail:
	store_upload_abort(up);
	return -1;
}

void
store_upload_abort(struct store_upload *up)
{
	unsigned i;

	if (up == NULL)
		return;
	stage_close(&up->rows);
	for (i = 0; up->cols != NULL && i < up->nfpcols; i++)
		stage_close(&up->cols[i]);
	free(up->cols);
	store_upload_free_values(up);
	free(up->tmpdir);
	free(up->audit);
	free(up);
}

int
store_upload_audit(struct store_upload *up, const void *entry, size_t len,
    char *err, size_t err_size)
{
	void *copy = malloc(len > 0 ? len : 1);

	if (copy == NULL) {
		store_set_err(err, err_size, "out of memory");
		return -1;
	}
	memcpy(copy, entry, len);
	free(up->audit);
	up->audit = copy;
	up->audit_len = len;
	return STORE_OK;
}

void
store_upload_refuse_duplicates(struct store_upload *up, int refuse)
{
	up->refuse_dups = refuse != 0;
}

int
store_upload_duplicate(const struct store_upload *up, struct store_dup *dup)
{
	if (!up->have_dup)
		return STORE_NOTFOUND;
	*dup = up->dup;
	return STORE_OK;
}

int
store_upload_check_open(struct store_upload *up, char *err, size_t err_size)
{
	if (up->state == UP_OPEN)
		return 0;
	store_set_err(err, err_size, "the upload of table \"%s\" %s",
	    up->table, up->state == UP_DONE ? "was committed or tried" :
	    "failed earlier");
	return -1;
}

int
store_upload_rows(struct store_upload *up, const void *rows, size_t len,
    uint64_t nrows, char *err, size_t err_size)
{
	const uint8_t *p = rows;
	size_t left = len;
	uint64_t i;

	if (store_upload_check_open(up, err, err_size) != 0)
		return -1;
	if (len > 0 && rows == NULL) {
		store_set_err(err, err_size, "no rows given");
		return -1;
	}
	for (i = 0; i < nrows; i++) {
		uint32_t rlen;

		if (left < 4)
			goto malformed;
		rlen = store_get_be32(p);
		if (rlen > STORE_ROW_MAX) {
			store_set_err(err, err_size, "row %" PRIu64 " is %"
			    PRIu32 " bytes (at most %" PRIu32 ")",
			    up->nrows + i, rlen, STORE_ROW_MAX);
			return -1;
		}
		if (left - 4 < rlen)
			goto malformed;
		p += 4 + (size_t)rlen;
		left -= 4 + (size_t)rlen;
	}
	if (left != 0)
		goto malformed;
	if (stage_write(&up->rows, rows, len, err, err_size) != 0) {
		up->state = UP_FAILED;
		return -1;
	}
	up->nrows += nrows;
	return STORE_OK;
malformed:
	store_set_err(err, err_size, "%zu bytes do not hold %" PRIu64
	    " length-prefixed rows", len, nrows);
	return -1;
}

int
store_upload_fingerprints(struct store_upload *up, unsigned column,
    const uint8_t (*fps)[32], const uint64_t *rowids, size_t n, char *err,
    size_t err_size)
{
	struct stage *s;
	uint8_t rec[PAIR_LEN];
	size_t i;

	if (store_upload_check_open(up, err, err_size) != 0)
		return -1;
	if (column >= up->nfpcols) {
		store_set_err(err, err_size, "fingerprint column %u out of "
		    "range (the upload has %u)", column, up->nfpcols);
		return -1;
	}
	if (n == 0)
		return STORE_OK;
	if (fps == NULL || rowids == NULL) {
		store_set_err(err, err_size, "no fingerprints given");
		return -1;
	}
	s = &up->cols[column];
	if (s->fd < 0 && stage_open(s, up->tmpdir, PAIRS_BUF, err,
	    err_size) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		memcpy(rec, fps[i], FP_LEN);
		store_put_be64(rec + FP_LEN, rowids[i]);
		if (stage_write(s, rec, PAIR_LEN, err, err_size) != 0)
			goto fail;
		if (!up->have_pairs || rowids[i] > up->max_rowid)
			up->max_rowid = rowids[i];
		up->have_pairs = 1;
	}
	return STORE_OK;
fail:
	up->state = UP_FAILED;
	return -1;
}
