/* SPDX-License-Identifier: Apache-2.0 */
/*
 * join.c: the inner join of two join indexes (see store.h). Each index is
 * a sorted run of (fingerprint, row id) records cut in equal chunks, so
 * record i lies at chunk i / chunk_recs, and the merge addresses both
 * sides by index straight in the map. Where one side is behind, it
 * gallops (doubling steps, then a binary search) to the other side's
 * fingerprint, so a small index against a huge one costs O(small x log
 * huge); equal fingerprints form a group on each side, and every pair of
 * the two groups is reported. The merge steps through the chunks with
 * cursors and compares 64-bit prefixes first.
 */
#include "config.h"

#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct pairrun {
	const uint8_t **chunks;
	uint32_t chunk_recs;
	uint64_t n;
};

static inline const uint8_t *
rec_at(const struct pairrun *r, uint64_t i)
{
	return r->chunks[i / r->chunk_recs] + (size_t)(i % r->chunk_recs) *
	    PAIR_LEN;
}

/* The first index >= from whose fingerprint is >= fp (n if none). */
static uint64_t
seek(const struct pairrun *r, uint64_t from, const uint8_t *fp)
{
	uint64_t lo = from, hi, step = 1;

	if (lo >= r->n || memcmp(rec_at(r, lo), fp, FP_LEN) >= 0)
		return lo;
	/* Invariant: rec(lo) < fp; find hi with rec(hi) >= fp or hi = n. */
	for (;;) {
		hi = r->n - lo > step ? lo + step : r->n;
		if (hi == r->n || memcmp(rec_at(r, hi), fp, FP_LEN) >= 0)
			break;
		lo = hi;
		step *= 2;
	}
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (memcmp(rec_at(r, mid), fp, FP_LEN) < 0)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/*
 * Map the join index of ref into run (run->chunks malloc'd, to free).
 * Returns STORE_OK, STORE_NOTFOUND or -1.
 */
static int
open_run(struct store_read *rd, const char *collab,
    const struct store_setref *ref, struct pairrun *run, char *err,
    size_t err_size)
{
	struct store_key key;
	struct store_runmeta m;
	int rc;

	run->chunks = NULL;
	if (ref == NULL) {
		store_set_err(err, err_size, "no join side given");
		return -1;
	}
	if (store_key_index(&key, collab, ref->table, TAG_JOIN, ref->column,
	    err, err_size) != 0)
		return -1;
	rc = store_read_runmeta(rd->store, rd->txn, &key, TAG_JOIN,
	    ref->table, ref->column, &m, err, err_size);
	if (rc != STORE_OK)
		return rc;
	run->chunks = calloc(m.nchunks > 0 ? m.nchunks : 1,
	    sizeof(*run->chunks));
	if (run->chunks == NULL) {
		store_set_err(err, err_size, "out of memory");
		return -1;
	}
	run->chunk_recs = m.chunk_recs;
	run->n = m.count;
	return store_load_run(rd->store, rd->txn, &key, &m, PAIR_LEN,
	    run->chunks, err, err_size);
}

/*
 * A cursor over a run: record i at p, within chunk c (clen records, the
 * k-th of them), so stepping costs an add, not a division.
 */
struct cursor {
	const struct pairrun *r;
	uint64_t i;
	uint64_t c, k, clen;
	const uint8_t *p;
};

static void
cursor_set(struct cursor *u, uint64_t i)
{
	const struct pairrun *r = u->r;

	u->i = i;
	if (i >= r->n) {
		u->p = NULL;
		return;
	}
	u->c = i / r->chunk_recs;
	u->k = i % r->chunk_recs;
	u->clen = r->n - u->c * r->chunk_recs < r->chunk_recs ?
	    r->n - u->c * r->chunk_recs : r->chunk_recs;
	u->p = r->chunks[u->c] + (size_t)u->k * PAIR_LEN;
}

static inline void
cursor_next(struct cursor *u)
{
	u->i++;
	if (++u->k == u->clen)
		cursor_set(u, u->i);
	else
		u->p += PAIR_LEN;
}

/* The first 8 bytes of a fingerprint as a number in its sort order. */
static inline uint64_t
prefix(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

static inline int
fp_cmp(const uint8_t *a, const uint8_t *b)
{
	uint64_t x = prefix(a), y = prefix(b);

	if (x != y)
		return x < y ? -1 : 1;
	return memcmp(a + 8, b + 8, FP_LEN - 8);
}

static inline int
fp_eq(const uint8_t *a, const uint8_t *b)
{
	return prefix(a) == prefix(b) && memcmp(a + 8, b + 8, FP_LEN - 8) == 0;
}

/* Step u past fingerprints below fp: a few steps, then a gallop. */
static inline void
cursor_advance(struct cursor *u, const uint8_t *fp, unsigned *misses)
{
	if (++*misses < 8) {
		cursor_next(u);
		return;
	}
	*misses = 0;
	cursor_set(u, seek(u->r, u->i + 1, fp));
}

/* Every pair of the groups at l and r (equal fingerprints); see below. */
static int
join_groups(struct cursor *l, struct cursor *r, store_join_cb cb,
    store_join_key_cb kcb, void *arg)
{
	struct cursor rstart = *r, rr;
	const uint8_t *fp = l->p;
	uint64_t key = l->i, lrow;

	while (l->p != NULL && fp_eq(l->p, fp)) {
		lrow = store_get_be64(l->p + FP_LEN);
		for (rr = rstart; rr.p != NULL && fp_eq(rr.p, fp);
		    cursor_next(&rr))
			if (kcb != NULL ? kcb(arg, key, lrow,
			    store_get_be64(rr.p + FP_LEN)) != 0 : cb(arg, lrow,
			    store_get_be64(rr.p + FP_LEN)) != 0)
				return -1;
		*r = rr;
		cursor_next(l);
	}
	return 0;
}

/*
 * The merge of part `part` of nparts of two runs: the fingerprints from
 * the left run's record n * part / nparts (its group's first) to the next
 * part's, both sides stepped by cursors, compared on 64-bit prefixes
 * first; a side that misses eight times in a row gallops. With kcb, each
 * pair with its key. Returns STORE_OK or STORE_STOPPED.
 */
static int
merge_part(const struct pairrun *lr, const struct pairrun *rr, unsigned part,
    unsigned nparts, store_join_cb cb, store_join_key_cb kcb, void *arg)
{
	const uint8_t *lo = NULL, *hi = NULL;
	struct cursor l, r;
	unsigned lmiss = 0, rmiss = 0;
	uint64_t lend, rend;
	int c;

	if (lr->n == 0 || rr->n == 0)
		return STORE_OK;
	if (part > 0)
		lo = rec_at(lr, lr->n * part / nparts);
	if (part + 1 < nparts)
		hi = rec_at(lr, lr->n * (part + 1) / nparts);
	l.r = lr;
	r.r = rr;
	cursor_set(&l, lo != NULL ? seek(lr, 0, lo) : 0);
	cursor_set(&r, lo != NULL ? seek(rr, 0, lo) : 0);
	lend = hi != NULL ? seek(lr, l.i, hi) : lr->n;
	rend = hi != NULL ? seek(rr, r.i, hi) : rr->n;
	while (l.i < lend && r.i < rend) {
		c = fp_cmp(l.p, r.p);
		if (c < 0) {
			cursor_advance(&l, r.p, &lmiss);
			continue;
		}
		if (c > 0) {
			cursor_advance(&r, l.p, &rmiss);
			continue;
		}
		lmiss = rmiss = 0;
		if (join_groups(&l, &r, cb, kcb, arg) != 0)
			return STORE_STOPPED;
	}
	return STORE_OK;
}

/* store_read_join and store_read_join_keyed: the runs opened, merged. */
static int
join_merge(struct store_read *rd, const char *collab,
    const struct store_setref *left, const struct store_setref *right,
    store_join_cb cb, store_join_key_cb kcb, void *arg, char *err,
    size_t err_size)
{
	struct pairrun lr = { NULL, 0, 0 }, rr = { NULL, 0, 0 };
	int rc, ret = -1;

	if ((rc = open_run(rd, collab, left, &lr, err, err_size)) != 0 ||
	    (rc = open_run(rd, collab, right, &rr, err, err_size)) != 0) {
		ret = rc;
		goto out;
	}
	ret = merge_part(&lr, &rr, 0, 1, cb, kcb, arg);
	if (ret == STORE_STOPPED)
		store_set_err(err, err_size, "stopped by the caller");
out:
	free(lr.chunks);
	free(rr.chunks);
	return ret;
}

int
store_join_runs(const struct store_run *left, const struct store_run *right,
    unsigned part, unsigned nparts, store_join_key_cb cb, void *arg)
{
	struct pairrun lr = { left->chunks, left->chunk_recs, left->n };
	struct pairrun rr = { right->chunks, right->chunk_recs, right->n };

	if (nparts == 0 || part >= nparts || left->reclen != PAIR_LEN ||
	    right->reclen != PAIR_LEN)
		return -1;
	return merge_part(&lr, &rr, part, nparts, NULL, cb, arg);
}

int
store_read_join(struct store_read *rd, const char *collab,
    const struct store_setref *left, const struct store_setref *right,
    store_join_cb cb, void *arg, char *err, size_t err_size)
{
	return join_merge(rd, collab, left, right, cb, NULL, arg, err,
	    err_size);
}

int
store_read_join_keyed(struct store_read *rd, const char *collab,
    const struct store_setref *left, const struct store_setref *right,
    store_join_key_cb cb, void *arg, char *err, size_t err_size)
{
	return join_merge(rd, collab, left, right, NULL, cb, arg, err,
	    err_size);
}

int
store_join(struct store *store, const char *collab,
    const struct store_setref *left, const struct store_setref *right,
    store_join_cb cb, void *arg, char *err, size_t err_size)
{
	struct store_read *rd;
	int rc;

	if (store_read_begin(store, &rd, err, err_size) != 0)
		return -1;
	rc = store_read_join(rd, collab, left, right, cb, arg, err,
	    err_size);
	store_read_end(rd);
	return rc;
}
