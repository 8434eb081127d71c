/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload_merge.c: the commit's fingerprint columns (see upload.c for the
 * whole way of an upload). Before any transaction, each column's staged
 * (fingerprint, row id) pairs are cut in runs of at most the store's
 * sort run, each read, radix-sorted (fpsort_pairs) and written back in
 * place. Then, in the commit's write transaction, the runs are k-way
 * merged through a binary heap, each read through a buffer of a k-th of
 * the sort run (at least MERGE_MIN_BUF), into two chunk writers: the
 * join index (every pair) and the fingerprint set (the first pair of
 * each fingerprint; none where repeats are refused: the set is then an
 * alias of the join index). Equal fingerprints meet in row id order, so
 * where repeats are refused the later row of two is a bad row; once one
 * is known the merge only looks for smaller bad rows, writing nothing.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "fpsort.h"
#include "upload_int.h"

#define MERGE_MIN_BUF	(64u << 10)
#define SORT_THREADS	2

/* The runs of a column's file being merged: a reader each, a heap. */
struct merge {
	struct stage_reader *runs;
	size_t *heap;		/* run numbers, least current record first */
	size_t nruns, nheap;
};

/* Repeats met by a merge, where they are refused. */
struct merge_dups {
	uint64_t bad;		/* the smallest bad row met */
	int have_bad;
};

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

		if (stage_pread(s->fd, buf, n * PAIR_LEN, off) != 0 ||
		    fpsort_pairs(scratch, buf, n, SORT_THREADS) != 0 ||
		    stage_pwrite(s->fd, scratch, n * PAIR_LEN, off) != 0) {
			store_set_err(err, err_size, "sorting staged "
			    "fingerprints: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
store_upload_sort_columns(struct store_upload *up, char *err, size_t err_size)
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

static const uint8_t *
reader_rec(const struct stage_reader *r)
{
	return r->buf + r->pos;
}

/* Whether run a's current record sorts after run b's. */
static int
heap_gt(struct stage_reader *runs, size_t a, size_t b)
{
	return memcmp(reader_rec(&runs[a]), reader_rec(&runs[b]),
	    PAIR_LEN) > 0;
}

static void
sift_down(struct stage_reader *runs, size_t *heap, size_t n, size_t i)
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
 * Open a reader over each run of npairs pairs of s (runs of run_recs
 * pairs) with its share of the budget as a buffer, read each's first
 * records and heap them. Returns 0, or -1 with err set (m is then to be
 * closed all the same).
 */
static int
merge_open(struct merge *m, const struct stage *s, uint64_t npairs,
    size_t run_recs, char *err, size_t err_size)
{
	size_t i, cap;

	m->nruns = (size_t)((npairs - 1) / run_recs + 1);
	/* The budget of a run, no more than it holds. */
	cap = run_recs * PAIR_LEN / m->nruns;
	if (cap < MERGE_MIN_BUF)
		cap = MERGE_MIN_BUF;
	cap -= cap % PAIR_LEN;
	if (cap > run_recs * PAIR_LEN)
		cap = run_recs * PAIR_LEN;
	if (cap > npairs * PAIR_LEN)
		cap = (size_t)(npairs * PAIR_LEN);
	m->runs = calloc(m->nruns, sizeof(*m->runs));
	m->heap = calloc(m->nruns, sizeof(*m->heap));
	if (m->runs == NULL || m->heap == NULL)
		goto nomem;
	for (i = 0; i < m->nruns; i++) {
		struct stage_reader *r = &m->runs[i];
		uint64_t first = (uint64_t)i * run_recs;
		uint64_t n = npairs - first < run_recs ?
		    npairs - first : run_recs;

		r->fd = s->fd;
		r->off = first * PAIR_LEN;
		r->end = (first + n) * PAIR_LEN;
		r->cap = cap;
		if ((r->buf = malloc(cap)) == NULL)
			goto nomem;
		if (stage_reader_fill(r) != 0) {
			store_set_err(err, err_size, "reading staged "
			    "fingerprints: %s", strerror(errno));
			return -1;
		}
		m->heap[m->nheap++] = i;
	}
	for (i = m->nheap / 2; i-- > 0;)
		sift_down(m->runs, m->heap, m->nheap, i);
	return 0;
nomem:
	store_set_err(err, err_size, "out of memory merging fingerprints");
	return -1;
}

static void
merge_close(struct merge *m)
{
	size_t i;

	for (i = 0; m->runs != NULL && i < m->nruns; i++)
		free(m->runs[i].buf);
	free(m->runs);
	free(m->heap);
}

/*
 * Take m's pairs in order into jw (every pair) and, unless repeats are
 * refused (the set is then the join index), the first pair of each
 * fingerprint into sw. Where repeats are refused, the smallest later row
 * of two equal fingerprints goes to d; once a repeat is known (here or
 * in up->dup), nothing more is written. Returns 0, or -1 with err set.
 */
static int
merge_pairs(struct store_upload *up, struct merge *m, struct chunkw *jw,
    struct chunkw *sw, struct merge_dups *d, char *err, size_t err_size)
{
	struct stage_reader *runs = m->runs;
	size_t *heap = m->heap, nheap = m->nheap;
	uint8_t last[FP_LEN];
	uint64_t bad = 0;
	int have_last = 0, have_bad = 0, ret = -1, rc;

	while (nheap > 0) {
		struct stage_reader *r = &runs[heap[0]];
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
		    store_chunkw_add(jw, rec, err, err_size) != 0)
			goto out;
		if (!repeat) {
			/* Without repeats the set is the join index. */
			if (!up->refuse_dups && !up->have_dup && !have_bad &&
			    store_chunkw_add(sw, rec, err, err_size) != 0)
				goto out;
			memcpy(last, rec, FP_LEN);
			have_last = 1;
		}
		r->pos += PAIR_LEN;
		if ((rc = stage_reader_fill(r)) < 0) {
			store_set_err(err, err_size, "reading staged "
			    "fingerprints: %s", strerror(errno));
			goto out;
		}
		if (rc > 0)
			heap[0] = heap[--nheap];
		sift_down(runs, heap, nheap, 0);
	}
	ret = 0;
out:
	m->nheap = nheap;
	d->bad = bad;
	d->have_bad = have_bad;
	return ret;
}

int
store_upload_merge_column(struct store_upload *up, MDB_txn *txn,
    unsigned c, char *err, size_t err_size)
{
	const struct stage *s = &up->cols[c];
	struct chunkw jw, sw;
	struct store_key jkey, skey;
	struct merge m;
	struct merge_dups d = { 0, 0 };
	uint64_t npairs = s->fd < 0 ? 0 : s->size / PAIR_LEN;
	int ret = -1;

	if (store_key_index(&jkey, up->collab, up->table, TAG_JOIN, c, err,
	    err_size) != 0 ||
	    store_key_index(&skey, up->collab, up->table, TAG_SET, c, err,
	    err_size) != 0)
		return -1;
	memset(&m, 0, sizeof(m));
	store_chunkw_init(&jw, up->store, txn, &jkey, PAIR_LEN, 0);
	store_chunkw_init(&sw, up->store, txn, &skey, FP_LEN, 0);
	if (npairs > 0 && (merge_open(&m, s, npairs, up->store->sort_run_recs,
	    err, err_size) != 0 ||
	    merge_pairs(up, &m, &jw, &sw, &d, err, err_size) != 0))
		goto out;
	if (d.have_bad && (!up->have_dup || d.bad < up->dup.row)) {
		up->dup.row = d.bad;
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
out:
	merge_close(&m);
	store_chunkw_free(&jw);
	store_chunkw_free(&sw);
	return ret;
}
