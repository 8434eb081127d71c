/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_tables.c: the store's collaborations, tables, uploads, joins and
 * audit logs (storage/): collaboration put/get; uploads visible only
 * after commit (a reader begun before keeps its snapshot), abort and
 * failed commits leaving no key in the table's range, replace refused or
 * atomic, delete leaving no key; rows read back; sets and join indexes
 * against a brute force on random tables with repeated fingerprints on
 * both sides, over tiny chunks and many sorted runs (k-way merge); audit
 * sequence numbers across a reopen; unknown collaborations and tables;
 * two collaborations in separate key ranges; repeated fingerprints
 * refused (the first bad row and its column, nothing written, an old
 * table kept) or allowed, across columns and sorted runs, against a brute
 * force.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpsort.h"
#include "store.h"
#include "suites.h"
#include "testutil.h"

#define COLLAB	"00000000-1111-2222-3333-444444444444"
#define COLLAB2	"00000000-1111-2222-3333-555555555555"
#define NOCOLLAB "00000000-1111-2222-3333-666666666666"
/* Small enough for valgrind's address space. */
#define TEST_MAP_SIZE	(UINT64_C(256) << 20)
#define MAX_COLS	3

/* The fingerprint of value v. */
static void
value_fp(uint8_t *fp, uint64_t v)
{
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t w = splitmix64(v * 4 + (uint64_t)i);

		memcpy(fp + 8 * i, &w, 8);
	}
}

/* Row rowid of a table whose seed is seed: 0..40 bytes. */
static size_t
row_bytes(uint64_t seed, uint64_t rowid, uint8_t *out)
{
	size_t len = (size_t)(splitmix64(seed ^ (rowid * 31)) % 41), i;

	for (i = 0; i < len; i++)
		out[i] = (uint8_t)splitmix64(seed + rowid * 64 + i);
	return len;
}

/* A table to upload: rows from a seed, pairs (value, row id) per column. */
struct tdata {
	uint64_t seed;
	uint64_t nrows;
	unsigned ncols;
	size_t npairs[MAX_COLS];
	uint64_t *values[MAX_COLS];
	uint64_t *rowids[MAX_COLS];
};

/*
 * Random table: nrows rows; in each column each row has 0..2 pairs (so
 * NULLs and rows with several fingerprints) with values in 0..nvalues-1
 * (so repeats).
 */
static void
tdata_random(struct tdata *t, uint64_t *rng, uint64_t nrows, unsigned ncols,
    uint64_t nvalues)
{
	unsigned c;
	uint64_t r;

	memset(t, 0, sizeof(*t));
	t->seed = next_rand(rng);
	t->nrows = nrows;
	t->ncols = ncols;
	for (c = 0; c < ncols; c++) {
		t->values[c] = malloc((2 * nrows + 1) * sizeof(uint64_t));
		t->rowids[c] = malloc((2 * nrows + 1) * sizeof(uint64_t));
		ck_assert_ptr_nonnull(t->values[c]);
		ck_assert_ptr_nonnull(t->rowids[c]);
		for (r = 0; r < nrows; r++) {
			uint64_t k = next_rand(rng) % 4, j;

			k = k == 3 ? 2 : k == 0 ? 0 : 1;
			for (j = 0; j < k; j++) {
				t->values[c][t->npairs[c]] =
				    next_rand(rng) % nvalues;
				t->rowids[c][t->npairs[c]++] = r;
			}
		}
		/* Shuffle: pairs need not come in row order. */
		for (r = t->npairs[c]; r > 1; r--) {
			uint64_t j = next_rand(rng) % r, tmp;

			tmp = t->values[c][r - 1];
			t->values[c][r - 1] = t->values[c][j];
			t->values[c][j] = tmp;
			tmp = t->rowids[c][r - 1];
			t->rowids[c][r - 1] = t->rowids[c][j];
			t->rowids[c][j] = tmp;
		}
	}
}

static void
tdata_free(struct tdata *t)
{
	unsigned c;

	for (c = 0; c < t->ncols; c++) {
		free(t->values[c]);
		free(t->rowids[c]);
	}
}

static struct store *
open_store(const char *dir)
{
	struct store *st;
	char err[256] = "";

	ck_assert_msg(store_open(dir, TEST_MAP_SIZE, &st, err,
	    sizeof(err)) == STORE_OK, "store_open: %s", err);
	return st;
}

static void
make_collab(struct store *st, const char *collab)
{
	char err[256] = "";

	ck_assert_msg(store_collab_put(st, collab, collab, 10, err,
	    sizeof(err)) == STORE_OK, "collab_put: %s", err);
}

/* Begin an upload of t and send it all, in batches of `batch`. */
static struct store_upload *
upload_send(struct store *st, const char *collab, const char *table,
    const struct tdata *t, size_t batch, const char *tmpdir)
{
	struct store_upload *up;
	uint8_t *packed = malloc(batch * 45), (*fps)[32];
	uint64_t r = 0;
	char err[256] = "";
	unsigned c;
	size_t i, j;

	fps = malloc(batch * sizeof(*fps));
	ck_assert_ptr_nonnull(packed);
	ck_assert_ptr_nonnull(fps);
	ck_assert_msg(store_upload_begin(st, collab, table, t->ncols, tmpdir,
	    &up, err, sizeof(err)) == STORE_OK, "begin: %s", err);
	/* Some fingerprints first, to show the order does not matter. */
	while (r < t->nrows) {
		size_t len = 0, n = 0;

		for (; r < t->nrows && n < batch; r++, n++) {
			size_t rl = row_bytes(t->seed, r, packed + len + 4);

			packed[len] = 0;
			packed[len + 1] = 0;
			packed[len + 2] = 0;
			packed[len + 3] = (uint8_t)rl;
			len += 4 + rl;
		}
		ck_assert_msg(store_upload_rows(up, packed, len, n, err,
		    sizeof(err)) == STORE_OK, "rows: %s", err);
	}
	for (c = 0; c < t->ncols; c++) {
		for (i = 0; i < t->npairs[c]; i += batch) {
			size_t n = t->npairs[c] - i < batch ?
			    t->npairs[c] - i : batch;

			for (j = 0; j < n; j++)
				value_fp(fps[j], t->values[c][i + j]);
			ck_assert_msg(store_upload_fingerprints(up, c,
			    (const uint8_t (*)[32])fps, t->rowids[c] + i, n,
			    err, sizeof(err)) == STORE_OK, "fps: %s", err);
		}
	}
	free(packed);
	free(fps);
	return up;
}

/* Upload t as table and commit; returns the commit's result. */
static int
upload(struct store *st, const char *collab, const char *table,
    const struct tdata *t, int replace)
{
	struct store_upload *up = upload_send(st, collab, table, t, 7, NULL);
	char err[256] = "";
	int rc;

	rc = store_upload_commit(up, table, strlen(table), replace, err,
	    sizeof(err));
	ck_assert_msg(rc != -1, "commit: %s", err);
	store_upload_abort(up);
	return rc;
}

/* Keys under <collab>/<table>/ in all databases. */
static uint64_t
table_keys(struct store *st, const char *collab, const char *table)
{
	char prefix[STORE_COLLAB_LEN + STORE_TABLE_MAX + 3], err[256] = "";
	uint64_t n;

	snprintf(prefix, sizeof(prefix), "%s/%s/", collab, table);
	ck_assert_msg(store_count_keys(st, prefix, strlen(prefix), &n, err,
	    sizeof(err)) == STORE_OK, "count_keys: %s", err);
	return n;
}

/* Check every row of t in table. */
static void
check_rows(struct store *st, const char *collab, const char *table,
    const struct tdata *t)
{
	uint8_t want[64];
	char err[256] = "";
	uint64_t r;

	for (r = 0; r < t->nrows; r++) {
		void *row;
		size_t len, wlen = row_bytes(t->seed, r, want);

		ck_assert_msg(store_row_get(st, collab, table, r, &row, &len,
		    err, sizeof(err)) == STORE_OK, "row_get: %s", err);
		ck_assert_uint_eq(len, wlen);
		ck_assert(memcmp(row, want, len) == 0);
		free(row);
	}
	ck_assert_int_eq(store_row_get(st, collab, table, t->nrows,
	    &(void *){ NULL }, &(size_t){ 0 }, err, sizeof(err)),
	    STORE_NOTFOUND);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct values of column c of t, sorted, into *n. */
static uint64_t *
distinct(const struct tdata *t, unsigned c, size_t *n)
{
	uint64_t *v = malloc((t->npairs[c] + 1) * sizeof(*v));
	size_t i, out = 0;

	ck_assert_ptr_nonnull(v);
	memcpy(v, t->values[c], t->npairs[c] * sizeof(*v));
	qsort(v, t->npairs[c], sizeof(*v), cmp_u64);
	for (i = 0; i < t->npairs[c]; i++)
		if (out == 0 || v[out - 1] != v[i])
			v[out++] = v[i];
	*n = out;
	return v;
}

/* Joined pairs collected by the callback. */
struct joined {
	uint64_t *pairs;	/* left, right, left, right, ... */
	size_t n, cap;
	struct store_read *rd;	/* when set, each row is read too */
	const char *ltable, *rtable;
	uint64_t lseed, rseed;
	size_t stop_after;	/* 0: never */
};

static int
join_cb(void *arg, uint64_t l, uint64_t r)
{
	struct joined *j = arg;

	if (j->n == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 64;
		j->pairs = realloc(j->pairs, j->cap * 2 * sizeof(uint64_t));
		ck_assert_ptr_nonnull(j->pairs);
	}
	j->pairs[2 * j->n] = l;
	j->pairs[2 * j->n + 1] = r;
	j->n++;
	if (j->rd != NULL) {
		const void *row;
		uint8_t want[64];
		size_t len;

		ck_assert_int_eq(store_read_row_get(j->rd, COLLAB, j->ltable,
		    l, &row, &len, NULL, 0), STORE_OK);
		ck_assert_uint_eq(len, row_bytes(j->lseed, l, want));
		ck_assert(memcmp(row, want, len) == 0);
		ck_assert_int_eq(store_read_row_get(j->rd, COLLAB, j->rtable,
		    r, &row, &len, NULL, 0), STORE_OK);
		ck_assert_uint_eq(len, row_bytes(j->rseed, r, want));
		ck_assert(memcmp(row, want, len) == 0);
	}
	return j->stop_after != 0 && j->n >= j->stop_after;
}

static int
cmp_pair(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] != y[0] ? cmp_u64(&x[0], &y[0]) : cmp_u64(&x[1], &y[1]);
}

/* The join the slow way: every pair of pairs with equal values. */
static uint64_t *
brute_join(const struct tdata *l, unsigned lc, const struct tdata *r,
    unsigned rc, size_t *n)
{
	uint64_t *out = NULL;
	size_t i, j, cap = 0;

	*n = 0;
	for (i = 0; i < l->npairs[lc]; i++)
		for (j = 0; j < r->npairs[rc]; j++) {
			if (l->values[lc][i] != r->values[rc][j])
				continue;
			if (*n == cap) {
				cap = cap ? 2 * cap : 64;
				out = realloc(out, cap * 2 * sizeof(*out));
				ck_assert_ptr_nonnull(out);
			}
			out[2 * *n] = l->rowids[lc][i];
			out[2 * *n + 1] = r->rowids[rc][j];
			(*n)++;
		}
	return out;
}

/* Join (lt, lc) with (rt, rc) in COLLAB and compare with brute force. */
static void
check_join(struct store *st, const char *lt, const struct tdata *l,
    unsigned lc, const char *rt, const struct tdata *r, unsigned rc,
    int read_rows)
{
	struct store_setref left = { lt, lc }, right = { rt, rc };
	struct joined j;
	uint64_t *want;
	size_t nwant;
	char err[256] = "";

	memset(&j, 0, sizeof(j));
	j.ltable = lt;
	j.rtable = rt;
	j.lseed = l->seed;
	j.rseed = r->seed;
	if (read_rows) {
		ck_assert_int_eq(store_read_begin(st, &j.rd, err,
		    sizeof(err)), STORE_OK);
		ck_assert_msg(store_read_join(j.rd, COLLAB, &left, &right,
		    join_cb, &j, err, sizeof(err)) == STORE_OK, "join: %s",
		    err);
		store_read_end(j.rd);
	} else
		ck_assert_msg(store_join(st, COLLAB, &left, &right, join_cb,
		    &j, err, sizeof(err)) == STORE_OK, "join: %s", err);
	want = brute_join(l, lc, r, rc, &nwant);
	ck_assert_uint_eq(j.n, nwant);
	if (nwant > 0) {
		qsort(j.pairs, j.n, 2 * sizeof(uint64_t), cmp_pair);
		qsort(want, nwant, 2 * sizeof(uint64_t), cmp_pair);
		ck_assert(memcmp(j.pairs, want, nwant * 2 *
		    sizeof(uint64_t)) == 0);
	}
	free(want);
	free(j.pairs);
}

/* Sets and counts of t's columns against its distinct values. */
static void
check_sets(struct store *st, const char *table, const struct tdata *t)
{
	char err[256] = "";
	unsigned c;

	for (c = 0; c < t->ncols; c++) {
		uint64_t *v, n = 0;
		size_t nd;

		v = distinct(t, c, &nd);
		ck_assert_msg(store_fpset_size(st, COLLAB, table, c, &n, err,
		    sizeof(err)) == STORE_OK, "size: %s", err);
		ck_assert_uint_eq(n, nd);
		{
			struct store_setref two[2] = { { table, c },
			    { table, c } };

			ck_assert_msg(store_count(st, COLLAB, two, 2, 1, &n,
			    err, sizeof(err)) == STORE_OK, "count: %s", err);
			ck_assert_uint_eq(n, nd);
		}
		free(v);
	}
}

/* The intersection count of two columns the slow way. */
static uint64_t
brute_count(const struct tdata *a, unsigned ac, const struct tdata *b,
    unsigned bc)
{
	uint64_t *va, *vb, n = 0;
	size_t na, nb, i;

	va = distinct(a, ac, &na);
	vb = distinct(b, bc, &nb);
	for (i = 0; i < na; i++)
		n += bsearch(&va[i], vb, nb, sizeof(*vb), cmp_u64) != NULL;
	free(va);
	free(vb);
	return n;
}

START_TEST(collab_put_get)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	char err[256] = "";
	void *blob;
	size_t len;

	ck_assert_int_eq(store_collab_put(st, COLLAB, "hello", 5, err,
	    sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_collab_put(st, COLLAB, "other", 5, err,
	    sizeof(err)), STORE_EXISTS);
	ck_assert_ptr_nonnull(strstr(err, "exists"));
	ck_assert_int_eq(store_collab_put(st, COLLAB2, NULL, 0, err,
	    sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_collab_get(st, COLLAB, &blob, &len, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(len, 5);
	ck_assert(memcmp(blob, "hello", 5) == 0);
	free(blob);
	ck_assert_int_eq(store_collab_get(st, COLLAB2, &blob, &len, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_nonnull(blob);
	free(blob);
	ck_assert_int_eq(store_collab_get(st, NOCOLLAB, &blob, &len, err,
	    sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_collab_get(st, "nope", &blob, &len, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "UUID"));
	ck_assert_int_eq(store_collab_put(st, "nope", "x", 1, err,
	    sizeof(err)), -1);
	/* Survives a reopen. */
	store_close(st);
	st = open_store(dir);
	ck_assert_int_eq(store_collab_get(st, COLLAB, &blob, &len, NULL, 0),
	    STORE_OK);
	ck_assert_uint_eq(len, 5);
	free(blob);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

/* Table names and metas seen by store_table_list. */
struct listed {
	char names[8][16];
	size_t n;
	size_t stop_after;
};

static int
list_cb(void *arg, const char *table, const void *meta, size_t len)
{
	struct listed *l = arg;

	ck_assert_uint_lt(l->n, 8);
	ck_assert_uint_eq(len, strlen(table));
	ck_assert(memcmp(meta, table, len) == 0);
	snprintf(l->names[l->n++], sizeof(l->names[0]), "%s", table);
	return l->stop_after != 0 && l->n >= l->stop_after;
}

START_TEST(upload_visible_after_commit)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct store_read *rd;
	struct store_upload *up;
	struct tdata t;
	struct listed l;
	uint64_t rng = 42, n;
	const void *p;
	size_t len;
	char err[256] = "";
	void *blob;

	make_collab(st, COLLAB);
	tdata_random(&t, &rng, 50, 2, 30);
	up = upload_send(st, COLLAB, "t", &t, 7, dir);
	ck_assert_int_eq(store_read_begin(st, &rd, err, sizeof(err)),
	    STORE_OK);
	/* Nothing is in LMDB while the upload is staged. */
	ck_assert_uint_eq(table_keys(st, COLLAB, "t"), 0);
	ck_assert_msg(store_upload_commit(up, "t", 1, 0, err,
	    sizeof(err)) == STORE_OK, "commit: %s", err);
	/* One try only. */
	ck_assert_int_eq(store_upload_commit(up, "t", 1, 0, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(store_upload_rows(up, "", 0, 0, err, sizeof(err)),
	    -1);
	store_upload_abort(up);

	/* The reader begun before the commit sees nothing of it. */
	ck_assert_int_eq(store_read_table_get(rd, COLLAB, "t", &p, &len, err,
	    sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_read_row_get(rd, COLLAB, "t", 0, &p, &len, err,
	    sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_read_fpset_size(rd, COLLAB, "t", 0, &n, err,
	    sizeof(err)), STORE_NOTFOUND);
	store_read_end(rd);

	ck_assert_int_eq(store_table_get(st, COLLAB, "t", &blob, &len, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(len, 1);
	ck_assert(memcmp(blob, "t", 1) == 0);
	free(blob);
	check_rows(st, COLLAB, "t", &t);
	check_sets(st, "t", &t);
	check_join(st, "t", &t, 0, "t", &t, 1, 1);

	/* Listing is in name order ("a-b" < "a/" would be key order). */
	ck_assert_int_eq(upload(st, COLLAB, "b", &t, 0), STORE_OK);
	ck_assert_int_eq(upload(st, COLLAB, "a-b", &t, 0), STORE_OK);
	ck_assert_int_eq(upload(st, COLLAB, "a", &t, 0), STORE_OK);
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(store_table_list(st, COLLAB, list_cb, &l, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(l.names[0], "a");
	ck_assert_str_eq(l.names[1], "a-b");
	ck_assert_str_eq(l.names[2], "b");
	ck_assert_str_eq(l.names[3], "t");
	memset(&l, 0, sizeof(l));
	l.stop_after = 2;
	ck_assert_int_eq(store_table_list(st, COLLAB, list_cb, &l, err,
	    sizeof(err)), STORE_STOPPED);
	ck_assert_uint_eq(l.n, 2);
	tdata_free(&t);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(upload_abort_leaves_nothing)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct store_upload *up;
	struct tdata t;
	uint64_t rng = 7, rowid = 1000;
	uint8_t fp[1][32];
	char err[256] = "";
	unsigned char bad[6] = { 0, 0, 0, 9, 'x', 'y' };

	make_collab(st, COLLAB);
	tdata_random(&t, &rng, 40, 2, 10);

	/* Abort after sending everything. */
	up = upload_send(st, COLLAB, "t", &t, 5, NULL);
	store_upload_abort(up);
	ck_assert_uint_eq(table_keys(st, COLLAB, "t"), 0);
	ck_assert_int_eq(store_table_get(st, COLLAB, "t", &(void *){ NULL },
	    &(size_t){ 0 }, err, sizeof(err)), STORE_NOTFOUND);

	/* Bad input is refused and changes nothing. */
	up = upload_send(st, COLLAB, "t", &t, 5, NULL);
	ck_assert_int_eq(store_upload_rows(up, bad, sizeof(bad), 1, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(store_upload_rows(up, bad, 4, 2, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(store_upload_rows(up, bad, 4, 0, err, sizeof(err)),
	    -1);
	value_fp(fp[0], 1);
	ck_assert_int_eq(store_upload_fingerprints(up, 2,
	    (const uint8_t (*)[32])fp, &rowid, 1, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "column 2"));
	/* A row id past the last row fails the commit. */
	ck_assert_int_eq(store_upload_fingerprints(up, 1,
	    (const uint8_t (*)[32])fp, &rowid, 1, err, sizeof(err)),
	    STORE_OK);
	ck_assert_int_eq(store_upload_commit(up, "t", 1, 0, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "row 1000"));
	store_upload_abort(up);
	ck_assert_uint_eq(table_keys(st, COLLAB, "t"), 0);
	ck_assert_int_eq(store_table_get(st, COLLAB, "t", &(void *){ NULL },
	    &(size_t){ 0 }, err, sizeof(err)), STORE_NOTFOUND);

	/* An unknown collaboration or a bad name. */
	ck_assert_int_eq(store_upload_begin(st, NOCOLLAB, "t", 1, NULL, &up,
	    err, sizeof(err)), STORE_NOTFOUND);
	ck_assert_ptr_null(up);
	ck_assert_int_eq(store_upload_begin(st, COLLAB, "a/b", 1, NULL, &up,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(store_upload_begin(st, COLLAB, "t",
	    STORE_UPLOAD_MAX_FPCOLS + 1, NULL, &up, err, sizeof(err)), -1);
	ck_assert_int_eq(store_upload_begin(st, COLLAB, "t", 1,
	    "/nonexistent/dir", &up, err, sizeof(err)), -1);
	store_upload_abort(NULL);
	tdata_free(&t);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

/* The keys a committed upload of t makes with chunk_fps per chunk. */
static uint64_t expected_keys(const struct tdata *t, uint64_t chunk_fps);

/*
 * The same for an upload that refused repeats: each set is its join
 * index (a meta, no chunks of its own).
 */
static uint64_t
expected_keys_no_repeats(const struct tdata *t, uint64_t chunk_fps)
{
	uint64_t n = (t->nrows + 255) / 256;
	unsigned c;

	for (c = 0; c < t->ncols; c++)
		n += 2 + (t->npairs[c] + chunk_fps - 1) / chunk_fps;
	return n;
}

static uint64_t
expected_keys(const struct tdata *t, uint64_t chunk_fps)
{
	/* Rows are stored in blocks of 256, one key each. */
	uint64_t n = (t->nrows + 255) / 256;
	unsigned c;

	for (c = 0; c < t->ncols; c++) {
		size_t nd;
		uint64_t *v = distinct(t, c, &nd);

		free(v);
		n += 2 + (nd + chunk_fps - 1) / chunk_fps +
		    (t->npairs[c] + chunk_fps - 1) / chunk_fps;
	}
	return n;
}

START_TEST(upload_replace_is_atomic)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct store_read *rd;
	struct store_upload *up;
	struct tdata t1, t2, other;
	struct store_setref left = { "t", 0 }, right = { "o", 0 };
	struct joined j;
	uint64_t rng = 99, n;
	const void *p;
	size_t len;
	char err[256] = "";

	store_set_chunk_fps(st, 4);
	make_collab(st, COLLAB);
	tdata_random(&t1, &rng, 60, 2, 25);
	tdata_random(&t2, &rng, 35, 1, 25);
	tdata_random(&other, &rng, 30, 1, 25);
	ck_assert_int_eq(upload(st, COLLAB, "t", &t1, 0), STORE_OK);
	ck_assert_int_eq(upload(st, COLLAB, "o", &other, 0), STORE_OK);
	ck_assert_uint_eq(table_keys(st, COLLAB, "t"), expected_keys(&t1, 4));
	ck_assert_int_eq(store_read_begin(st, &rd, err, sizeof(err)),
	    STORE_OK);

	/* Without replace: refused, nothing changes. */
	up = upload_send(st, COLLAB, "t", &t2, 9, NULL);
	ck_assert_int_eq(store_upload_commit(up, "t2", 2, 0, err,
	    sizeof(err)), STORE_EXISTS);
	ck_assert_ptr_nonnull(strstr(err, "exists"));
	store_upload_abort(up);
	ck_assert_uint_eq(table_keys(st, COLLAB, "t"), expected_keys(&t1, 4));
	check_rows(st, COLLAB, "t", &t1);

	/* With replace: all new (fewer rows, one column), at once. */
	ck_assert_int_eq(upload(st, COLLAB, "t", &t2, 1), STORE_OK);
	ck_assert_uint_eq(table_keys(st, COLLAB, "t"), expected_keys(&t2, 4));
	check_rows(st, COLLAB, "t", &t2);
	check_sets(st, "t", &t2);
	check_join(st, "t", &t2, 0, "o", &other, 0, 0);
	ck_assert_int_eq(store_fpset_size(st, COLLAB, "t", 1, &n, err,
	    sizeof(err)), STORE_NOTFOUND);

	/* The reader begun before still sees t1 whole. */
	ck_assert_int_eq(store_read_table_get(rd, COLLAB, "t", &p, &len, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(store_read_row_get(rd, COLLAB, "t", 59, &p, &len,
	    err, sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_read_fpset_size(rd, COLLAB, "t", 1, &n, err,
	    sizeof(err)), STORE_OK);
	memset(&j, 0, sizeof(j));
	ck_assert_int_eq(store_read_join(rd, COLLAB, &left, &right, join_cb,
	    &j, err, sizeof(err)), STORE_OK);
	{
		size_t nwant;
		uint64_t *want = brute_join(&t1, 0, &other, 0, &nwant);

		ck_assert_uint_eq(j.n, nwant);
		free(want);
	}
	free(j.pairs);
	store_read_end(rd);
	tdata_free(&t1);
	tdata_free(&t2);
	tdata_free(&other);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(table_delete_removes_all)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct store_read *rd;
	struct tdata t, u;
	uint64_t rng = 5, n;
	const void *p;
	size_t len;
	char err[256] = "";

	store_set_chunk_fps(st, 3);
	make_collab(st, COLLAB);
	tdata_random(&t, &rng, 40, 3, 20);
	tdata_random(&u, &rng, 20, 1, 20);
	ck_assert_int_eq(upload(st, COLLAB, "t", &t, 0), STORE_OK);
	ck_assert_int_eq(upload(st, COLLAB, "tt", &u, 0), STORE_OK);
	/* A set written on its own under the table goes too. */
	ck_assert_int_eq(store_fpset_put(st, COLLAB, "t", 9, NULL, 0, 0, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_gt(table_keys(st, COLLAB, "t"), 40);
	ck_assert_int_eq(store_read_begin(st, &rd, err, sizeof(err)),
	    STORE_OK);
	ck_assert_int_eq(store_table_delete(st, COLLAB, "t", err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(table_keys(st, COLLAB, "t"), 0);
	ck_assert_int_eq(store_table_get(st, COLLAB, "t", &(void *){ NULL },
	    &(size_t){ 0 }, err, sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_fpset_size(st, COLLAB, "t", 0, &n, err,
	    sizeof(err)), STORE_NOTFOUND);
	/* The reader still sees it; the other table is untouched. */
	ck_assert_int_eq(store_read_row_get(rd, COLLAB, "t", 39, &p, &len,
	    err, sizeof(err)), STORE_OK);
	store_read_end(rd);
	ck_assert_uint_eq(table_keys(st, COLLAB, "tt"), expected_keys(&u, 3));
	check_rows(st, COLLAB, "tt", &u);
	ck_assert_int_eq(store_table_delete(st, COLLAB, "t", err,
	    sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_table_delete(st, COLLAB, "tt", err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(table_keys(st, COLLAB, "tt"), 0);
	/* Only the collaboration itself is left in its range. */
	ck_assert_int_eq(store_count_keys(st, COLLAB, STORE_COLLAB_LEN, &n,
	    err, sizeof(err)), STORE_OK);
	ck_assert_uint_eq(n, 1);
	/* Re-upload after delete. */
	ck_assert_int_eq(upload(st, COLLAB, "t", &t, 0), STORE_OK);
	check_rows(st, COLLAB, "t", &t);
	tdata_free(&t);
	tdata_free(&u);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(join_random_vs_brute)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	uint64_t rng = 2024;
	char err[256] = "";
	int round;

	make_collab(st, COLLAB);
	for (round = 0; round < 12; round++) {
		struct tdata a, b;
		/* Sizes from empty to skewed; few values: many repeats. */
		uint64_t na = round == 0 ? 0 : 1 + next_rand(&rng) % 300;
		uint64_t nb = round % 4 == 3 ? 3 : 1 + next_rand(&rng) % 300;
		uint64_t nv = 1 + next_rand(&rng) % (round < 6 ? 40 : 400);
		struct store_setref sets[2] = { { "a", 0 }, { "b", 1 } };
		uint64_t n;

		store_set_chunk_fps(st, 1 + round % 5 * 7);
		/* Runs of 1 to 301 pairs: up to hundreds of runs merged. */
		store_set_sort_run(st, (1 + next_rand(&rng) % 300) * 40);
		tdata_random(&a, &rng, na, 2, nv);
		tdata_random(&b, &rng, nb, 2, nv);
		ck_assert_int_eq(upload(st, COLLAB, "a", &a, 1), STORE_OK);
		ck_assert_int_eq(upload(st, COLLAB, "b", &b, 1), STORE_OK);
		check_sets(st, "a", &a);
		check_sets(st, "b", &b);
		check_join(st, "a", &a, 0, "b", &b, 1, round % 2);
		check_join(st, "b", &b, 0, "a", &a, 1, 0);
		check_join(st, "a", &a, 1, "a", &a, 1, 0);
		ck_assert_msg(store_count(st, COLLAB, sets, 2, 2, &n, err,
		    sizeof(err)) == STORE_OK, "count: %s", err);
		ck_assert_uint_eq(n, brute_count(&a, 0, &b, 1));
		if (round == 11)
			check_rows(st, COLLAB, "a", &a);
		tdata_free(&a);
		tdata_free(&b);
	}
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(join_stop_and_not_found)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct store_setref left = { "a", 0 }, right = { "a", 0 };
	struct joined j;
	struct tdata t;
	uint64_t rng = 3;
	char err[256] = "";

	make_collab(st, COLLAB);
	tdata_random(&t, &rng, 30, 1, 3);
	ck_assert_int_eq(upload(st, COLLAB, "a", &t, 0), STORE_OK);
	memset(&j, 0, sizeof(j));
	j.stop_after = 5;
	ck_assert_int_eq(store_join(st, COLLAB, &left, &right, join_cb, &j,
	    err, sizeof(err)), STORE_STOPPED);
	ck_assert_uint_eq(j.n, 5);
	free(j.pairs);
	memset(&j, 0, sizeof(j));
	right.column = 1;
	ck_assert_int_eq(store_join(st, COLLAB, &left, &right, join_cb, &j,
	    err, sizeof(err)), STORE_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err, "join index"));
	right.column = 0;
	right.table = "zz";
	ck_assert_int_eq(store_join(st, COLLAB, &left, &right, join_cb, &j,
	    err, sizeof(err)), STORE_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err, "\"zz\""));
	ck_assert_int_eq(store_join(st, COLLAB2, &left, &left, join_cb, &j,
	    err, sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_join(st, COLLAB, &left, NULL, join_cb, &j,
	    err, sizeof(err)), -1);
	ck_assert_uint_eq(j.n, 0);
	tdata_free(&t);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

/* Audit entries seen by store_audit_read. */
struct seen {
	uint64_t seqs[64];
	char entries[64][16];
	size_t n;
	size_t stop_after;
};

static int
audit_cb(void *arg, uint64_t seq, const void *entry, size_t len)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->n, 64);
	ck_assert_uint_lt(len, 16);
	s->seqs[s->n] = seq;
	memcpy(s->entries[s->n], entry, len);
	s->entries[s->n][len] = '\0';
	s->n++;
	return s->stop_after != 0 && s->n >= s->stop_after;
}

static void
append(struct store *st, const char *collab, const char *entry,
    uint64_t want_seq)
{
	char err[256] = "";
	uint64_t seq = 0;

	ck_assert_msg(store_audit_append(st, collab, entry, strlen(entry),
	    &seq, err, sizeof(err)) == STORE_OK, "append: %s", err);
	ck_assert_uint_eq(seq, want_seq);
}

START_TEST(audit_sequence_and_reopen)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct seen s;
	char err[256] = "", buf[16];
	size_t i;

	make_collab(st, COLLAB);
	make_collab(st, COLLAB2);
	/* Empty log. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_audit_read(st, COLLAB, 0, audit_cb, &s, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(s.n, 0);
	for (i = 1; i <= 10; i++) {
		snprintf(buf, sizeof(buf), "e%zu", i);
		append(st, COLLAB, buf, i);
		if (i % 3 == 0)
			append(st, COLLAB2, buf, i / 3);
	}
	append(st, COLLAB, "", 11);
	store_close(st);
	st = open_store(dir);
	append(st, COLLAB, "after", 12);
	append(st, COLLAB2, "after", 4);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_audit_read(st, COLLAB, 0, audit_cb, &s, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(s.n, 12);
	for (i = 0; i < 12; i++)
		ck_assert_uint_eq(s.seqs[i], i + 1);
	ck_assert_str_eq(s.entries[0], "e1");
	ck_assert_str_eq(s.entries[10], "");
	ck_assert_str_eq(s.entries[11], "after");
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_audit_read(st, COLLAB, 9, audit_cb, &s, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.seqs[0], 10);
	ck_assert_str_eq(s.entries[0], "e10");
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_audit_read(st, COLLAB2, 0, audit_cb, &s, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_str_eq(s.entries[2], "e9");
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	ck_assert_int_eq(store_audit_read(st, COLLAB, 0, audit_cb, &s, err,
	    sizeof(err)), STORE_STOPPED);
	ck_assert_uint_eq(s.n, 2);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(store_audit_read(st, COLLAB, UINT64_MAX, audit_cb,
	    &s, err, sizeof(err)), STORE_OK);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(store_audit_append(st, NOCOLLAB, "x", 1, NULL, err,
	    sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_audit_read(st, NOCOLLAB, 0, audit_cb, &s, err,
	    sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_audit_append(st, "bad", "x", 1, NULL, err,
	    sizeof(err)), -1);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(not_found_and_collab_ranges)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct tdata t, u;
	struct listed l;
	uint64_t rng = 11, n1, n2, n;
	char err[256] = "";

	tdata_random(&t, &rng, 25, 1, 10);
	tdata_random(&u, &rng, 15, 1, 10);
	/* Nothing exists yet. */
	ck_assert_int_eq(store_table_list(st, COLLAB, list_cb, &l, err,
	    sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_table_delete(st, COLLAB, "t", err,
	    sizeof(err)), STORE_NOTFOUND);
	make_collab(st, COLLAB);
	make_collab(st, COLLAB2);
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(store_table_list(st, COLLAB, list_cb, &l, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(store_table_get(st, COLLAB, "t", &(void *){ NULL },
	    &(size_t){ 0 }, err, sizeof(err)), STORE_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err, "\"t\""));
	ck_assert_int_eq(store_row_get(st, COLLAB, "t", 0, &(void *){ NULL },
	    &(size_t){ 0 }, err, sizeof(err)), STORE_NOTFOUND);

	/* The same table name in two collaborations. */
	ck_assert_int_eq(upload(st, COLLAB, "t", &t, 0), STORE_OK);
	ck_assert_int_eq(upload(st, COLLAB2, "t", &u, 0), STORE_OK);
	check_rows(st, COLLAB, "t", &t);
	check_rows(st, COLLAB2, "t", &u);
	ck_assert_int_eq(store_count_keys(st, COLLAB, STORE_COLLAB_LEN, &n1,
	    err, sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_count_keys(st, COLLAB2, STORE_COLLAB_LEN, &n2,
	    err, sizeof(err)), STORE_OK);
	/* The collaboration, the table's meta, and its range. */
	ck_assert_uint_eq(n1, 2 + expected_keys(&t, STORE_CHUNK_FPS_DEFAULT));
	ck_assert_uint_eq(n2, 2 + expected_keys(&u, STORE_CHUNK_FPS_DEFAULT));
	ck_assert_int_eq(store_count_keys(st, "", 0, &n, err, sizeof(err)),
	    STORE_OK);
	ck_assert_uint_eq(n, n1 + n2);
	/* Deleting in one leaves the other. */
	ck_assert_int_eq(store_table_delete(st, COLLAB2, "t", err,
	    sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_count_keys(st, COLLAB, STORE_COLLAB_LEN, &n,
	    err, sizeof(err)), STORE_OK);
	ck_assert_uint_eq(n, n1);
	check_rows(st, COLLAB, "t", &t);
	check_sets(st, "t", &t);
	ck_assert_int_eq(store_row_get(st, COLLAB2, "t", 0, &(void *){ NULL },
	    &(size_t){ 0 }, err, sizeof(err)), STORE_NOTFOUND);
	tdata_free(&t);
	tdata_free(&u);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

/*
 * A table of nrows rows, one pair per row and column: value r in row r
 * of columns 0 and 1 (repeats across columns, none within one), 100000 +
 * r in column 2.
 */
static void
tdata_plain(struct tdata *t, uint64_t nrows, unsigned ncols)
{
	unsigned c;
	uint64_t r;

	memset(t, 0, sizeof(*t));
	t->seed = nrows * 7 + ncols;
	t->nrows = nrows;
	t->ncols = ncols;
	for (c = 0; c < ncols; c++) {
		t->values[c] = malloc((nrows + 1) * sizeof(uint64_t));
		t->rowids[c] = malloc((nrows + 1) * sizeof(uint64_t));
		ck_assert_ptr_nonnull(t->values[c]);
		ck_assert_ptr_nonnull(t->rowids[c]);
		for (r = 0; r < nrows; r++) {
			/* Column 0 and 1 share their values. */
			t->values[c][r] = (c == 2 ? 100000 : 0) + r;
			t->rowids[c][r] = r;
		}
		t->npairs[c] = nrows;
	}
}

/* Put value v in rows rows[0..n) of column c of a tdata_plain table. */
static void
tdata_set(struct tdata *t, unsigned c, uint64_t v, const uint64_t *rows,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		t->values[c][rows[i]] = v;	/* pair i is row i */
}

/*
 * The first bad row of t the slow way: the smallest row id of a pair
 * with an equal value in another pair of its column at a row id no
 * greater, and its column. Returns 0 if there is none.
 */
static int
brute_dup(const struct tdata *t, struct store_dup *dup)
{
	int found = 0;
	unsigned c;
	size_t i, j;

	for (c = 0; c < t->ncols; c++)
		for (i = 0; i < t->npairs[c]; i++)
			for (j = 0; j < t->npairs[c]; j++) {
				uint64_t row = t->rowids[c][i];

				if (j == i ||
				    t->values[c][j] != t->values[c][i] ||
				    t->rowids[c][j] > row)
					continue;
				if (!found || row < dup->row) {
					dup->row = row;
					dup->column = c;
				}
				found = 1;
			}
	return found;
}

/*
 * Upload t as table with repeats refused or not and commit; the result,
 * with *dup filled on STORE_DUPLICATE.
 */
static int
upload_dups(struct store *st, const char *table, const struct tdata *t,
    int replace, int refuse, struct store_dup *dup, char *err,
    size_t err_size)
{
	struct store_upload *up = upload_send(st, COLLAB, table, t, 7, NULL);
	struct store_dup got = { 77, 77 };
	int rc;

	store_upload_refuse_duplicates(up, refuse);
	ck_assert_int_eq(store_upload_duplicate(up, &got), STORE_NOTFOUND);
	rc = store_upload_commit(up, table, strlen(table), replace, err,
	    err_size);
	ck_assert_msg(rc != -1, "commit: %s", err);
	if (rc == STORE_DUPLICATE) {
		ck_assert_int_eq(store_upload_duplicate(up, &got), STORE_OK);
		*dup = got;
	} else {
		ck_assert_int_eq(store_upload_duplicate(up, &got),
		    STORE_NOTFOUND);
		ck_assert_uint_eq(got.row, 77);
	}
	store_upload_abort(up);
	return rc;
}

static int
count_audit(void *arg, uint64_t seq, const void *entry, size_t len)
{
	(void)seq;
	(void)entry;
	(void)len;
	(*(uint64_t *)arg)++;
	return 0;
}

/* The audit entry of an upload is committed with it, or not at all. */
START_TEST(upload_audit_commits_with_the_table)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct store_upload *up;
	struct tdata t, d;
	const uint64_t a[] = { 3, 7 };
	uint64_t rng = 5, n = 0;
	char err[256] = "";

	make_collab(st, COLLAB);
	tdata_random(&t, &rng, 40, 1, 1000);
	up = upload_send(st, COLLAB, "t", &t, 9, NULL);
	ck_assert_int_eq(store_upload_audit(up, "entry 1", 7, err,
	    sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_upload_commit(up, "m", 1, 0, err, sizeof(err)),
	    STORE_OK);
	store_upload_abort(up);
	ck_assert_int_eq(store_audit_read(st, COLLAB, 0, count_audit, &n, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(n, 1);
	/* A commit refused (a repeat) writes no entry either. */
	tdata_plain(&d, 10, 1);
	tdata_set(&d, 0, 500, a, 2);
	up = upload_send(st, COLLAB, "d", &d, 4, NULL);
	store_upload_refuse_duplicates(up, 1);
	ck_assert_int_eq(store_upload_audit(up, "entry 2", 7, err,
	    sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_upload_commit(up, "m", 1, 0, err, sizeof(err)),
	    STORE_DUPLICATE);
	store_upload_abort(up);
	n = 0;
	ck_assert_int_eq(store_audit_read(st, COLLAB, 0, count_audit, &n, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(n, 1);
	tdata_free(&t);
	tdata_free(&d);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(upload_refuses_duplicates)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct store_read *rd;
	struct store_dup dup;
	struct tdata old, d, cross;
	/* Bad rows: 22 (col 1), 13 and 25 (col 1), 20 (col 2). */
	const uint64_t a[] = { 22, 4 }, b[] = { 25, 9, 13 }, e[] = { 20, 2 };
	uint64_t rng = 31, n;
	const void *p;
	size_t len;
	char err[256] = "";

	store_set_chunk_fps(st, 4);
	make_collab(st, COLLAB);
	tdata_random(&old, &rng, 50, 2, 20);
	tdata_plain(&d, 30, 3);
	tdata_set(&d, 1, 1000, a, 2);
	tdata_set(&d, 1, 2000, b, 3);
	tdata_set(&d, 2, 3000, e, 2);
	tdata_plain(&cross, 30, 3);
	ck_assert(brute_dup(&d, &dup));
	ck_assert_uint_eq(dup.row, 13);
	ck_assert_uint_eq(dup.column, 1);
	ck_assert(!brute_dup(&cross, &dup));

	/* An existing table, repeats allowed (the default). */
	ck_assert_int_eq(upload(st, COLLAB, "t", &old, 0), STORE_OK);
	ck_assert_uint_eq(table_keys(st, COLLAB, "t"), expected_keys(&old, 4));

	/* Replacing it with repeats refused: nothing changes. */
	memset(&dup, 0, sizeof(dup));
	ck_assert_int_eq(upload_dups(st, "t", &d, 1, 1, &dup, err,
	    sizeof(err)), STORE_DUPLICATE);
	ck_assert_uint_eq(dup.row, 13);
	ck_assert_uint_eq(dup.column, 1);
	ck_assert_msg(strstr(err, "row 13 ") != NULL &&
	    strstr(err, "column 1 ") != NULL, "err: %s", err);
	ck_assert_uint_eq(table_keys(st, COLLAB, "t"), expected_keys(&old, 4));
	check_rows(st, COLLAB, "t", &old);
	check_sets(st, "t", &old);
	ck_assert_int_eq(store_read_begin(st, &rd, err, sizeof(err)),
	    STORE_OK);
	ck_assert_int_eq(store_read_table_get(rd, COLLAB, "t", &p, &len, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(store_read_fpset_size(rd, COLLAB, "t", 1, &n, err,
	    sizeof(err)), STORE_OK);
	store_read_end(rd);

	/* A new table refused: no key at all. */
	ck_assert_int_eq(upload_dups(st, "d", &d, 0, 1, &dup, err,
	    sizeof(err)), STORE_DUPLICATE);
	ck_assert_uint_eq(dup.row, 13);
	ck_assert_uint_eq(dup.column, 1);
	ck_assert_uint_eq(table_keys(st, COLLAB, "d"), 0);
	ck_assert_int_eq(store_table_get(st, COLLAB, "d", &(void *){ NULL },
	    &(size_t){ 0 }, err, sizeof(err)), STORE_NOTFOUND);

	/* Repeats across columns only are no duplicates. */
	ck_assert_int_eq(upload_dups(st, "c", &cross, 0, 1, &dup, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(table_keys(st, COLLAB, "c"),
	    expected_keys_no_repeats(&cross, 4));
	check_sets(st, "c", &cross);
	/* Its sets (join indexes read as sets) count against plain ones. */
	ck_assert_int_eq(upload_dups(st, "p", &cross, 0, 0, &dup, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(table_keys(st, COLLAB, "p"),
	    expected_keys(&cross, 4));
	{
		struct store_setref sets[3] = { { "c", 0 }, { "p", 0 },
		    { "c", 1 } };
		uint64_t common = 0;

		ck_assert_int_eq(store_count(st, COLLAB, sets, 2, 2, &common,
		    err, sizeof(err)), STORE_OK);
		ck_assert_uint_eq(common, brute_count(&cross, 0, &cross, 0));
		ck_assert_int_eq(store_count(st, COLLAB, sets + 1, 2, 1,
		    &common, err, sizeof(err)), STORE_OK);
		ck_assert_uint_eq(common, brute_count(&cross, 0, &cross, 1));
	}

	/* Repeats split across runs of 3 pairs are found. */
	store_set_sort_run(st, 3 * 40);
	ck_assert_int_eq(upload_dups(st, "d", &d, 0, 1, &dup, err,
	    sizeof(err)), STORE_DUPLICATE);
	ck_assert_uint_eq(dup.row, 13);
	ck_assert_uint_eq(dup.column, 1);
	ck_assert_uint_eq(table_keys(st, COLLAB, "d"), 0);
	/* Column 2's repeat alone. */
	tdata_set(&d, 1, 5000, a, 1);
	tdata_set(&d, 1, 5001, b, 1);
	tdata_set(&d, 1, 5002, b + 2, 1);
	ck_assert_int_eq(upload_dups(st, "d", &d, 0, 1, &dup, err,
	    sizeof(err)), STORE_DUPLICATE);
	ck_assert_uint_eq(dup.row, 20);
	ck_assert_uint_eq(dup.column, 2);
	ck_assert_uint_eq(table_keys(st, COLLAB, "d"), 0);

	/* The same data with repeats allowed commits. */
	ck_assert_int_eq(upload_dups(st, "d", &d, 0, 0, &dup, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(table_keys(st, COLLAB, "d"), expected_keys(&d, 4));
	check_rows(st, COLLAB, "d", &d);
	check_sets(st, "d", &d);
	tdata_free(&old);
	tdata_free(&d);
	tdata_free(&cross);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(upload_duplicates_random_vs_brute)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	uint64_t rng = 4242;
	char err[256] = "";
	int round, refused = 0, passed = 0;

	make_collab(st, COLLAB);
	for (round = 0; round < 24; round++) {
		struct tdata t;
		struct store_dup want, got = { 0, 0 };
		uint64_t nrows = 1 + next_rand(&rng) % 60;
		/* Few values or many: repeats likely or rare. */
		uint64_t nv = round % 2 ? 4 * nrows * nrows : 3 * nrows;
		int has, rc;

		store_set_chunk_fps(st, 1 + round % 5 * 3);
		store_set_sort_run(st, (1 + next_rand(&rng) % 12) * 40);
		tdata_random(&t, &rng, nrows, 1 + round % MAX_COLS, nv);
		has = brute_dup(&t, &want);
		rc = upload_dups(st, "r", &t, 1, 1, &got, err, sizeof(err));
		if (has) {
			ck_assert_int_eq(rc, STORE_DUPLICATE);
			ck_assert_uint_eq(got.row, want.row);
			ck_assert_uint_eq(got.column, want.column);
			refused++;
		} else {
			ck_assert_int_eq(rc, STORE_OK);
			ck_assert_uint_eq(table_keys(st, COLLAB, "r"),
			    expected_keys_no_repeats(&t, 1 + round % 5 * 3));
			check_sets(st, "r", &t);
			passed++;
		}
		tdata_free(&t);
	}
	ck_assert_int_gt(refused, 0);
	ck_assert_int_gt(passed, 0);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

Suite *
make_tables_suite(void)
{
	Suite *s = suite_create("tables");
	TCase *tc;

	tc = tcase_create("store");
	tcase_add_test(tc, collab_put_get);
	tcase_add_test(tc, upload_visible_after_commit);
	tcase_add_test(tc, upload_abort_leaves_nothing);
	tcase_add_test(tc, upload_replace_is_atomic);
	tcase_add_test(tc, table_delete_removes_all);
	tcase_add_test(tc, join_random_vs_brute);
	tcase_add_test(tc, join_stop_and_not_found);
	tcase_add_test(tc, audit_sequence_and_reopen);
	tcase_add_test(tc, not_found_and_collab_ranges);
	tcase_add_test(tc, upload_refuses_duplicates);
	tcase_add_test(tc, upload_audit_commits_with_the_table);
	tcase_add_test(tc, upload_duplicates_random_vs_brute);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
