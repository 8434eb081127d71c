/* SPDX-License-Identifier: Apache-2.0 */
/*
 * join.c: the inner join of two join indexes (see store.h). Each index is
 * a sorted run of (fingerprint, row id) records cut in equal chunks, so
 * record i lies at chunk i / chunk_recs, and the merge addresses both
 * sides by index straight in the map. Where one side is behind, it
 * gallops (doubling steps, then a binary search) to the other side's
 * fingerprint, so a small index against a huge one costs O(small x log
 * huge); equal fingerprints form a group on each side, and every pair of
 * the two groups is reported.
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

/* The end of the group of equal fingerprints that starts at i. */
static uint64_t
group_end(const struct pairrun *r, uint64_t i)
{
	const uint8_t *fp = rec_at(r, i);
	uint64_t j = i + 1;

	while (j < r->n && memcmp(rec_at(r, j), fp, FP_LEN) == 0)
		j++;
	return j;
}

static uint64_t
rowid_at(const struct pairrun *r, uint64_t i)
{
	return store_get_be64(rec_at(r, i) + FP_LEN);
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

/* The merge of store_read_join; with kcb, each pair with its key. */
static int
join_merge(struct store_read *rd, const char *collab,
    const struct store_setref *left, const struct store_setref *right,
    store_join_cb cb, store_join_key_cb kcb, void *arg, char *err,
    size_t err_size)
{
	struct pairrun l = { NULL, 0, 0 }, r = { NULL, 0, 0 };
	uint64_t i = 0, j = 0, i2, j2, a, b, key = 0;
	int rc, ret = -1;

	if ((rc = open_run(rd, collab, left, &l, err, err_size)) != 0 ||
	    (rc = open_run(rd, collab, right, &r, err, err_size)) != 0) {
		ret = rc;
		goto out;
	}
	while (i < l.n && j < r.n) {
		int c = memcmp(rec_at(&l, i), rec_at(&r, j), FP_LEN);

		if (c < 0) {
			i = seek(&l, i + 1, rec_at(&r, j));
			continue;
		}
		if (c > 0) {
			j = seek(&r, j + 1, rec_at(&l, i));
			continue;
		}
		i2 = group_end(&l, i);
		j2 = group_end(&r, j);
		for (a = i; a < i2; a++) {
			uint64_t lrow = rowid_at(&l, a);

			for (b = j; b < j2; b++) {
				if (kcb != NULL ? kcb(arg, key, lrow,
				    rowid_at(&r, b)) != 0 : cb(arg, lrow,
				    rowid_at(&r, b)) != 0) {
					store_set_err(err, err_size,
					    "stopped by the caller");
					ret = STORE_STOPPED;
					goto out;
				}
			}
		}
		i = i2;
		j = j2;
		key++;
	}
	ret = STORE_OK;
out:
	free(l.chunks);
	free(r.chunks);
	return ret;
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
