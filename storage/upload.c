/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload.c: staged, atomic table uploads (see store.h).
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
 * (MDB_APPEND when the table's keys come after every key of the database;
 * each row read straight into the space LMDB reserves for it). The merge
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

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fpsort.h"
#include "store_int.h"

#define ROWS_BUF	(1u << 20)
#define PAIRS_BUF	(64u << 10)
#define MERGE_MIN_BUF	(64u << 10)
#define SORT_THREADS	2

enum { UP_OPEN, UP_FAILED, UP_DONE };

/* A temporary file written through a buffer. */
struct stage {
	int fd;			/* -1: not created yet */
	uint8_t *buf;
	size_t cap, fill;
	uint64_t size;		/* bytes in the file, buffer included */
};

struct store_upload {
	struct store *store;
	char collab[STORE_COLLAB_LEN + 1];
	char table[STORE_TABLE_MAX + 1];
	char *tmpdir;
	unsigned nfpcols;
	int state;
	struct stage rows;
	struct stage *cols;
	uint64_t nrows;
	uint64_t max_rowid;
	int have_pairs;
	int refuse_dups;	/* refuse repeated fingerprints */
	int have_dup;		/* the commit met one: dup is set */
	struct store_dup dup;
	void *audit;		/* an entry for the commit to append */
	size_t audit_len;
};

/* A run of a staged file read through a buffer. */
struct reader {
	int fd;
	uint64_t off, end;	/* the part of the file still to read */
	uint8_t *buf;
	size_t cap, pos, fill;
};

static int
write_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int
read_all(int fd, uint8_t *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;	/* the file is short */
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int
stage_open(struct store_upload *up, struct stage *s, size_t cap, char *err,
    size_t err_size)
{
	size_t dlen = strlen(up->tmpdir);
	char *path = malloc(dlen + sizeof("/psid-upload-XXXXXX"));

	s->buf = malloc(cap);
	if (path == NULL || s->buf == NULL) {
		store_set_err(err, err_size, "out of memory");
		goto fail;
	}
	memcpy(path, up->tmpdir, dlen);
	memcpy(path + dlen, "/psid-upload-XXXXXX",
	    sizeof("/psid-upload-XXXXXX"));
	if ((s->fd = mkstemp(path)) < 0) {
		store_set_err(err, err_size, "%s: %s", path, strerror(errno));
		goto fail;
	}
	(void)unlink(path);
	free(path);
	s->cap = cap;
	s->fill = 0;
	s->size = 0;
	return 0;
fail:
	free(path);
	free(s->buf);
	s->buf = NULL;
	s->fd = -1;
	return -1;
}

static void
stage_close(struct stage *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->buf);
	s->buf = NULL;
}

static int
stage_flush(struct stage *s, char *err, size_t err_size)
{
	if (s->fd < 0 || s->fill == 0)
		return 0;
	if (write_all(s->fd, s->buf, s->fill, s->size - s->fill) != 0) {
		store_set_err(err, err_size, "writing a staging file: %s",
		    strerror(errno));
		return -1;
	}
	s->fill = 0;
	return 0;
}

static int
stage_write(struct stage *s, const void *data, size_t len, char *err,
    size_t err_size)
{
	if (s->fill + len > s->cap) {
		if (stage_flush(s, err, err_size) != 0)
			return -1;
		if (len > s->cap) {
			if (write_all(s->fd, data, len, s->size) != 0) {
				store_set_err(err, err_size, "writing a "
				    "staging file: %s", strerror(errno));
				return -1;
			}
			s->size += len;
			return 0;
		}
	}
	memcpy(s->buf + s->fill, data, len);
	s->fill += len;
	s->size += len;
	return 0;
}

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
	if (stage_open(up, &up->rows, ROWS_BUF, err, err_size) != 0)
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

static int
check_open(struct store_upload *up, char *err, size_t err_size)
{
	if (up->state == UP_OPEN)
		return 0;
	store_set_err(err, err_size, "the upload of table \"%s\" %s",
	    up->table, up->state == UP_DONE ? "was committed or tried" :
	    "failed earlier");
	return -1;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
store_upload_rows(struct store_upload *up, const void *rows, size_t len,
    uint64_t nrows, char *err, size_t err_size)
{
	const uint8_t *p = rows;
	size_t left = len;
	uint64_t i;

	if (check_open(up, err, err_size) != 0)
		return -1;
	if (len > 0 && rows == NULL) {
		store_set_err(err, err_size, "no rows given");
		return -1;
	}
	for (i = 0; i < nrows; i++) {
		uint32_t rlen;

		if (left < 4)
			goto malformed;
		rlen = get_be32(p);
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

	if (check_open(up, err, err_size) != 0)
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
	if (s->fd < 0 && stage_open(up, s, PAIRS_BUF, err, err_size) != 0)
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

/*
 * Sort the runs of a column's file in place, with buf and scratch of
 * run_recs pairs each. Returns 0 or -1.
 */
static int
sort_runs(struct stage *s, uint8_t *buf, uint8_t *scratch, size_t run_recs,
    char *err, size_t err_size)
{
	uint64_t npairs = s->size / PAIR_LEN, first;

	for (first = 0; first < npairs; first += run_recs) {
		size_t n = npairs - first < run_recs ?
		    (size_t)(npairs - first) : run_recs;
		uint64_t off = first * PAIR_LEN;

		if (read_all(s->fd, buf, n * PAIR_LEN, off) != 0 ||
		    fpsort_pairs(scratch, buf, n, SORT_THREADS) != 0 ||
		    write_all(s->fd, scratch, n * PAIR_LEN, off) != 0) {
			store_set_err(err, err_size, "sorting staged "
			    "fingerprints: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Make r's current record available; 0, 1 at the end, or -1. */
static int
reader_fill(struct reader *r)
{
	size_t n;

	if (r->pos < r->fill)
		return 0;
	if (r->off >= r->end)
		return 1;
	n = r->end - r->off < r->cap ? (size_t)(r->end - r->off) : r->cap;
	if (read_all(r->fd, r->buf, n, r->off) != 0)
		return -1;
	r->off += n;
	r->pos = 0;
	r->fill = n;
	return 0;
}

/* Read len bytes from r into dst. Returns 0 or -1 (short, I/O). */
static int
reader_read(struct reader *r, uint8_t *dst, size_t len)
{
	while (len > 0) {
		size_t n;
		int rc = reader_fill(r);

		if (rc != 0) {
			if (rc > 0)
				errno = EIO;
			return -1;
		}
		n = r->fill - r->pos < len ? r->fill - r->pos : len;
		memcpy(dst, r->buf + r->pos, n);
		r->pos += n;
		dst += n;
		len -= n;
	}
	return 0;
}

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
 * Put the staged rows, numbered from 0, in txn, in blocks of
 * ROWS_PER_BLOCK (store_int.h). Returns 0 or -1.
 */
static int
write_rows(struct store_upload *up, MDB_txn *txn, char *err,
    size_t err_size)
{
	struct store *store = up->store;
	struct store_key key;
	struct reader r;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned flags, n, j;
	uint64_t i, block;
	uint8_t hdr[4], *blk = NULL, *p;
	size_t cap = 0, len, need;
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
	for (i = 0, block = 0; i < up->nrows; block++) {
		n = up->nrows - i < ROWS_PER_BLOCK ?
		    (unsigned)(up->nrows - i) : ROWS_PER_BLOCK;
		len = ROW_BLOCK_HDR(n);
		for (j = 0; j < n; j++, i++) {
			if (reader_read(&r, hdr, 4) != 0)
				goto io_fail;
			need = len + get_be32(hdr);
			if (need > cap) {
				cap = need * 2 > (1u << 16) ? need * 2 :
				    (1u << 16);
				if ((p = realloc(blk, cap)) == NULL) {
					store_set_err(err, err_size,
					    "out of memory");
					goto out;
				}
				blk = p;
			}
			put_le32(blk + 4 + 4 * j, (uint32_t)(len -
			    ROW_BLOCK_HDR(n)));
			if (reader_read(&r, blk + len, get_be32(hdr)) != 0)
				goto io_fail;
			len = need;
		}
		put_le32(blk, n);
		put_le32(blk + 4 + 4 * n, (uint32_t)(len - ROW_BLOCK_HDR(n)));
		store_put_be64(key.buf + key.len - 8, block);
		k.mv_data = key.buf;
		k.mv_size = key.len;
		v.mv_data = blk;
		v.mv_size = len;
		if ((rc = mdb_cursor_put(cur, &k, &v, flags)) != 0)
			goto lmdb_fail;
	}
	ret = 0;
	goto out;
io_fail:
	store_set_err(err, err_size, "reading the staged rows: %s",
	    strerror(errno));
	goto out;
lmdb_fail:
	store_set_err(err, err_size, "writing the rows of \"%s\": %s",
	    up->table, mdb_strerror(rc));
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	free(blk);
	free(r.buf);
	return ret;
}

static const uint8_t *
reader_rec(const struct reader *r)
{
	return r->buf + r->pos;
}

/* Whether run a's current record sorts after run b's. */
static int
heap_gt(struct reader *runs, size_t a, size_t b)
{
	return memcmp(reader_rec(&runs[a]), reader_rec(&runs[b]),
	    PAIR_LEN) > 0;
}

static void
sift_down(struct reader *runs, size_t *heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i, t;

		if (l < n && heap_gt(runs, heap[m], heap[l]))
			m = l;
		if (l + 1 < n && heap_gt(runs, heap[m], heap[l + 1]))
			m = l + 1;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

/*
 * Merge the sorted runs of column c's file into its join index and
 * fingerprint set, in txn. Where repeats are refused, note in up->dup the
 * smallest bad row of the column if it comes before the one noted; once
 * a repeat is known (in this column or an earlier one), write nothing.
 * Returns 0 or -1.
 */
static int
write_column(struct store_upload *up, MDB_txn *txn, unsigned c,
    char *err, size_t err_size)
{
	const size_t run_recs = up->store->sort_run_recs;
	struct stage *s = &up->cols[c];
	struct chunkw jw, sw;
	struct store_key jkey, skey;
	struct reader *runs = NULL;
	size_t *heap = NULL, nruns = 0, nheap = 0, i, cap;
	uint64_t npairs = s->fd < 0 ? 0 : s->size / PAIR_LEN;
	uint8_t last[FP_LEN];
	uint64_t bad = 0;
	int have_last = 0, have_bad = 0, ret = -1, rc;

	if (store_key_index(&jkey, up->collab, up->table, TAG_JOIN, c, err,
	    err_size) != 0 ||
	    store_key_index(&skey, up->collab, up->table, TAG_SET, c, err,
	    err_size) != 0)
		return -1;
	store_chunkw_init(&jw, up->store, txn, &jkey, PAIR_LEN, 0);
	store_chunkw_init(&sw, up->store, txn, &skey, FP_LEN, 0);
	if (npairs > 0) {
		nruns = (size_t)((npairs - 1) / run_recs + 1);
		/* The budget of a run, no more than it holds. */
		cap = run_recs * PAIR_LEN / nruns;
		if (cap < MERGE_MIN_BUF)
			cap = MERGE_MIN_BUF;
		cap -= cap % PAIR_LEN;
		if (cap > run_recs * PAIR_LEN)
			cap = run_recs * PAIR_LEN;
		if (cap > npairs * PAIR_LEN)
			cap = (size_t)(npairs * PAIR_LEN);
		runs = calloc(nruns, sizeof(*runs));
		heap = calloc(nruns, sizeof(*heap));
		if (runs == NULL || heap == NULL)
			goto nomem;
		for (i = 0; i < nruns; i++) {
			uint64_t first = (uint64_t)i * run_recs;
			uint64_t n = npairs - first < run_recs ?
			    npairs - first : run_recs;

			runs[i].fd = s->fd;
			runs[i].off = first * PAIR_LEN;
			runs[i].end = (first + n) * PAIR_LEN;
			runs[i].cap = cap;
			if ((runs[i].buf = malloc(cap)) == NULL)
				goto nomem;
			if (reader_fill(&runs[i]) != 0)
				goto io_fail;
			heap[nheap++] = i;
		}
		for (i = nheap / 2; i-- > 0;)
			sift_down(runs, heap, nheap, i);
	}
	while (nheap > 0) {
		struct reader *r = &runs[heap[0]];
		const uint8_t *rec = reader_rec(r);
		int repeat = have_last && memcmp(last, rec, FP_LEN) == 0;

		if (repeat && up->refuse_dups) {
			/* Equal fingerprints come in row id order. */
			uint64_t row = store_get_be64(rec + FP_LEN);

			if (!have_bad || row < bad)
				bad = row;
			have_bad = 1;
		}
		if (!up->have_dup && !have_bad &&
		    store_chunkw_add(&jw, rec, err, err_size) != 0)
			goto out;
		if (!repeat) {
			/* Without repeats the set is the join index. */
			if (!up->refuse_dups && !up->have_dup && !have_bad &&
			    store_chunkw_add(&sw, rec, err, err_size) != 0)
				goto out;
			memcpy(last, rec, FP_LEN);
			have_last = 1;
		}
		r->pos += PAIR_LEN;
		if ((rc = reader_fill(r)) < 0)
			goto io_fail;
		if (rc > 0)
			heap[0] = heap[--nheap];
		sift_down(runs, heap, nheap, 0);
	}
	if (have_bad && (!up->have_dup || bad < up->dup.row)) {
		up->dup.row = bad;
		up->dup.column = c;
		up->have_dup = 1;
	}
	if (!up->have_dup) {
		struct store_runmeta jm;

		if (store_chunkw_finish(&jw, err, err_size) != 0)
			goto out;
		store_chunkw_meta(&jw, &jm);
		if (up->refuse_dups ? store_put_alias_meta(up->store, txn,
		    &skey, &jm, err, err_size) != 0 :
		    store_chunkw_finish(&sw, err, err_size) != 0)
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	store_set_err(err, err_size, "out of memory merging fingerprints");
	goto out;
io_fail:
	store_set_err(err, err_size, "reading staged fingerprints: %s",
	    strerror(errno));
out:
	for (i = 0; runs != NULL && i < nruns; i++)
		free(runs[i].buf);
	free(runs);
	free(heap);
	store_chunkw_free(&jw);
	store_chunkw_free(&sw);
	return ret;
}

/* Sort every column's runs in place, before the transaction. */
static int
sort_columns(struct store_upload *up, char *err, size_t err_size)
{
	const size_t run_recs = up->store->sort_run_recs;
	uint8_t *buf = NULL, *scratch = NULL;
	size_t have = 0;
	unsigned c;
	int ret = -1;

	for (c = 0; c < up->nfpcols; c++) {
		struct stage *s = &up->cols[c];
		uint64_t npairs;
		size_t want;

		if (s->fd < 0)
			continue;
		if (stage_flush(s, err, err_size) != 0)
			goto out;
		npairs = s->size / PAIR_LEN;
		want = npairs < run_recs ? (size_t)npairs : run_recs;
		if (want > have) {
			free(buf);
			free(scratch);
			buf = malloc(want * PAIR_LEN);
			scratch = malloc(want * PAIR_LEN);
			have = want;
			if (buf == NULL || scratch == NULL) {
				store_set_err(err, err_size, "out of memory "
				    "sorting fingerprints");
				goto out;
			}
		}
		if (sort_runs(s, buf, scratch, run_recs, err, err_size) != 0)
			goto out;
	}
	ret = 0;
out:
	free(buf);
	free(scratch);
	return ret;
}

int
store_upload_commit(struct store_upload *up, const void *meta, size_t len,
    int replace, char *err, size_t err_size)
{
	struct store *store = up->store;
	struct store_key tkey;
	MDB_txn *txn = NULL;
	MDB_val k, v;
	unsigned c;
	int rc, ret = -1;

	if (check_open(up, err, err_size) != 0)
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
	if (store_key_table(&tkey, up->collab, up->table, err,
	    err_size) != 0 ||
	    stage_flush(&up->rows, err, err_size) != 0 ||
	    sort_columns(up, err, err_size) != 0)
		return -1;

	if (store_write_begin(store, &txn, err, err_size) != 0)
		return -1;
	if ((rc = store_collab_exists(store, txn, up->collab, err,
	    err_size)) != STORE_OK) {
		ret = rc;
		goto out;
	}
	k.mv_data = tkey.buf;
	k.mv_size = tkey.len;
	rc = mdb_get(txn, store->tables, &k, &v);
	if (rc == 0 && !replace) {
		store_set_err(err, err_size, "table \"%s\" already exists",
		    up->table);
		ret = STORE_EXISTS;
		goto out;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		store_set_err(err, err_size, "reading table \"%s\": %s",
		    up->table, mdb_strerror(rc));
		goto out;
	}
	/* Whatever is there under <collab>/<table>/ goes. */
	if (store_table_clear(store, txn, &tkey, err, err_size) != 0)
		goto out;
	/* The columns first: a repeat refused spares writing the rows. */
	for (c = 0; c < up->nfpcols; c++)
		if (write_column(up, txn, c, err, err_size) != 0)
			goto out;
	if (up->have_dup) {
		store_set_err(err, err_size, "table \"%s\": row %" PRIu64
		    " repeats a fingerprint in fingerprint column %u "
		    "(duplicates are not allowed)", up->table,
		    up->dup.row, up->dup.column);
		ret = STORE_DUPLICATE;
		goto out;
	}
	if (write_rows(up, txn, err, err_size) != 0)
		goto out;
	k.mv_data = tkey.buf;
	k.mv_size = tkey.len;
	v.mv_data = (void *)meta;
	v.mv_size = len;
	if ((rc = mdb_put(txn, store->tables, &k, &v, 0)) != 0) {
		store_set_err(err, err_size, "writing table \"%s\": %s",
		    up->table, mdb_strerror(rc));
		goto out;
	}
	if (up->audit != NULL && store_audit_put(store, txn, up->collab,
	    up->audit, up->audit_len, NULL, err, err_size) != 0)
		goto out;
	if (store_write_commit(&txn, err, err_size) != 0)
		goto out;
	ret = STORE_OK;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return ret;
}
