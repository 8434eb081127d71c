/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_storage.c: the storage layer (storage/): fingerprint sorting
 * (fpsort) against qsort, intersection counts (count) against a brute
 * force count on hundreds of random cases (repeats, shared 64-bit
 * prefixes, skewed sizes that gallop, 2..5 sets, tiny chunks, 1..4
 * threads), and the LMDB store: put and count with known overlaps, empty
 * sets, sets over many chunks, replace refused or atomic (a reader begun
 * before a replace keeps the old set), delete, unknown sets, bad names,
 * and close/reopen.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count.h"
#include "fpsort.h"
#include "store.h"
#include "suites.h"
#include "testutil.h"

#define COLLAB	"00000000-1111-2222-3333-444444444444"
#define COLLAB2	"00000000-1111-2222-3333-555555555555"
/* Small enough for valgrind's address space. */
#define TEST_MAP_SIZE	(UINT64_C(256) << 20)

/*
 * The fingerprint of value id: pseudo-random bytes, or, when few_prefixes,
 * one of three 8-byte prefixes followed by pseudo-random bytes (so that
 * comparisons often go past the prefix).
 */
static void
make_fp(uint8_t *fp, uint64_t id, int few_prefixes)
{
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t w = splitmix64(id * 4 + (uint64_t)i);

		memcpy(fp + 8 * i, &w, 8);
	}
	if (few_prefixes) {
		memset(fp, 0x5a, 8);
		fp[7] = (uint8_t)(id % 3);
	}
}

/* n fingerprints of the values in ids. */
static uint8_t *
make_fps(const uint64_t *ids, size_t n, int few_prefixes)
{
	uint8_t *fps = malloc(n * FP_LEN + 1);
	size_t i;

	ck_assert_ptr_nonnull(fps);
	for (i = 0; i < n; i++)
		make_fp(fps + i * FP_LEN, ids[i], few_prefixes);
	return fps;
}

static int
cmp_fp(const void *a, const void *b)
{
	return memcmp(a, b, FP_LEN);
}

/* Sorted copy without repeats, by qsort; *m gets its length. */
static uint8_t *
sorted_set(const uint8_t *fps, size_t n, size_t *m)
{
	uint8_t *s = malloc(n * FP_LEN + 1);
	size_t i, out = 0;

	ck_assert_ptr_nonnull(s);
	memcpy(s, fps, n * FP_LEN);
	qsort(s, n, FP_LEN, cmp_fp);
	for (i = 0; i < n; i++)
		if (out == 0 || memcmp(s + (out - 1) * FP_LEN, s + i * FP_LEN,
		    FP_LEN) != 0)
			memmove(s + out++ * FP_LEN, s + i * FP_LEN, FP_LEN);
	*m = out;
	return s;
}

/* The intersection count the slow way. */
static uint64_t
brute_count(uint8_t *const *fps, const size_t *n, size_t k)
{
	uint8_t *sets[8];
	size_t m[8], i, j;
	uint64_t count = 0;

	for (j = 0; j < k; j++)
		sets[j] = sorted_set(fps[j], n[j], &m[j]);
	for (i = 0; i < m[0]; i++) {
		for (j = 1; j < k; j++)
			if (bsearch(sets[0] + i * FP_LEN, sets[j], m[j], FP_LEN,
			    cmp_fp) == NULL)
				break;
		count += j == k;
	}
	for (j = 0; j < k; j++)
		free(sets[j]);
	return count;
}

/*
 * A count_set over a sorted array, cut in chunks of chunk_fps, in records
 * of rec bytes (32; or 40, a join index's: the fingerprint then 8 bytes
 * of row id, here junk).
 */
struct chunked {
	const uint8_t **ptrs;
	struct count_set set;
};

static void
chunk_up(struct chunked *c, const uint8_t *fps, size_t n, size_t chunk_fps,
    size_t rec)
{
	size_t i, nchunks = n == 0 ? 0 : (n - 1) / chunk_fps + 1;

	/* Each chunk a separate allocation, as in LMDB's map. */
	c->ptrs = calloc(nchunks + 1, sizeof(*c->ptrs));
	ck_assert_ptr_nonnull(c->ptrs);
	for (i = 0; i < nchunks; i++) {
		size_t len = n - i * chunk_fps;
		uint8_t *p;

		if (len > chunk_fps)
			len = chunk_fps;
		p = malloc(len * rec);
		ck_assert_ptr_nonnull(p);
		for (size_t r = 0; r < len; r++) {
			memcpy(p + r * rec, fps + (i * chunk_fps + r) * FP_LEN,
			    FP_LEN);
			memset(p + r * rec + FP_LEN, 0xa5 ^ (int)r,
			    rec - FP_LEN);
		}
		c->ptrs[i] = p;
	}
	c->set.rec = rec;
	c->set.chunks = c->ptrs;
	c->set.nchunks = nchunks;
	c->set.chunk_fps = chunk_fps;
	c->set.n = n;
	ck_assert_int_eq(count_set_check(&c->set), 0);
}

static void
chunk_free(struct chunked *c)
{
	size_t i;

	for (i = 0; i < c->set.nchunks; i++)
		free((void *)c->ptrs[i]);
	free(c->ptrs);
}

static struct store *
open_store(const char *dir)
{
	struct store *st;
	char err[256] = "";

	/* The scratch directory itself: scratch_remove deletes its files. */
	ck_assert_msg(store_open(dir, TEST_MAP_SIZE, &st, err,
	    sizeof(err)) == STORE_OK, "store_open: %s", err);
	return st;
}

/* Put the fingerprints of ids[0..n) as (table, column). */
static void
put_ids(struct store *st, const char *table, unsigned column,
    const uint64_t *ids, size_t n, int replace)
{
	uint8_t *fps = make_fps(ids, n, 0);
	char err[256] = "";

	ck_assert_msg(store_fpset_put(st, COLLAB, table, column, fps, n,
	    replace, err, sizeof(err)) == STORE_OK, "put: %s", err);
	free(fps);
}

/* Put the fingerprints of the values lo..hi-1. */
static void
put_range(struct store *st, const char *table, unsigned column, uint64_t lo,
    uint64_t hi, int replace)
{
	uint64_t *ids = malloc((hi - lo + 1) * sizeof(*ids));
	uint64_t i;

	ck_assert_ptr_nonnull(ids);
	for (i = lo; i < hi; i++)
		ids[i - lo] = i;
	put_ids(st, table, column, ids, hi - lo, replace);
	free(ids);
}

static uint64_t
count2(struct store *st, const char *t1, unsigned c1, const char *t2,
    unsigned c2, unsigned threads)
{
	struct store_setref sets[2] = { { t1, c1 }, { t2, c2 } };
	char err[256] = "";
	uint64_t n = UINT64_MAX;

	ck_assert_msg(store_count(st, COLLAB, sets, 2, threads, &n, err,
	    sizeof(err)) == STORE_OK, "count: %s", err);
	return n;
}

START_TEST(fpsort_matches_qsort)
{
	static const size_t sizes[] = { 0, 1, 2, 31, 32, 33, 100, 1000,
	    70000 };
	uint64_t state = 0x1234567;
	size_t s, i;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		int mode;

		for (mode = 0; mode < 3; mode++) {
			size_t n = sizes[s], m, d;
			uint64_t *ids = malloc((n + 1) * sizeof(*ids));
			uint8_t *fps, *out, *ref;

			/* mode 1: many repeats; mode 2: shared prefixes. */
			for (i = 0; i < n; i++)
				ids[i] = mode == 1 ? next_rand(&state) % 50 :
				    next_rand(&state);
			fps = make_fps(ids, n, mode == 2);
			out = malloc(n * FP_LEN + 1);
			ck_assert_int_eq(fpsort(out, fps, n, 1 + mode % 2), 0);
			ref = sorted_set(fps, n, &m);
			d = fpsort_dedup(out, n);
			ck_assert_uint_eq(d, m);
			ck_assert(memcmp(out, ref, m * FP_LEN) == 0);
			ck_assert(fpsort_is_strict(out, d));
			free(ids);
			free(fps);
			free(out);
			free(ref);
		}
	}
}
END_TEST

START_TEST(fpsort_long_common_prefix)
{
	/* Equal but for the last byte: every level of the radix sort. */
	uint8_t fps[300 * FP_LEN], out[300 * FP_LEN];
	size_t i;

	for (i = 0; i < 300; i++) {
		memset(fps + i * FP_LEN, 0xee, FP_LEN);
		fps[i * FP_LEN + 31] = (uint8_t)(i * 7);
	}
	ck_assert_int_eq(fpsort(out, fps, 300, 1), 0);
	for (i = 1; i < 300; i++)
		ck_assert(memcmp(out + (i - 1) * FP_LEN, out + i * FP_LEN,
		    FP_LEN) <= 0);
	ck_assert_uint_eq(fpsort_dedup(out, 300), 256);
}
END_TEST

START_TEST(count_random_vs_brute)
{
	uint64_t state = 0xfeedbeef;
	int round;

	for (round = 0; round < 400; round++) {
		uint8_t *raw[5];
		size_t n[5], k = 2 + next_rand(&state) % 4, j, i;
		struct chunked ch[5];
		struct count_set sets[5];
		uint64_t universe = 1 + next_rand(&state) % 3000;
		int few = next_rand(&state) % 4 == 0;
		uint64_t want, got;

		if (round % 3 == 0)
			k = 2;
		for (j = 0; j < k; j++) {
			uint64_t *ids;
			uint8_t *sorted;
			size_t m;

			/* Skewed sizes: tiny against large gallops. */
			switch (next_rand(&state) % 4) {
			case 0:
				n[j] = next_rand(&state) % 8;
				break;
			case 1:
				n[j] = next_rand(&state) % 100;
				break;
			default:
				n[j] = next_rand(&state) % 4000;
				break;
			}
			ids = malloc((n[j] + 1) * sizeof(*ids));
			for (i = 0; i < n[j]; i++)
				ids[i] = next_rand(&state) % universe;
			raw[j] = make_fps(ids, n[j], few);
			free(ids);
			sorted = malloc(n[j] * FP_LEN + 1);
			ck_assert_int_eq(fpsort(sorted, raw[j], n[j], 1), 0);
			m = fpsort_dedup(sorted, n[j]);
			/* Sets and join indexes mixed in one count. */
			chunk_up(&ch[j], sorted, m,
			    1 + next_rand(&state) % (round % 2 ? 40 : 5000),
			    next_rand(&state) % 2 ? 40 : FP_LEN);
			sets[j] = ch[j].set;
			free(sorted);
		}
		want = brute_count(raw, n, k);
		for (i = 0; i <= 4; i++) {
			got = UINT64_MAX;
			ck_assert_int_eq(count_intersection(sets, k,
			    (unsigned)i, &got), 0);
			ck_assert_msg(got == want, "round %d, %zu sets, "
			    "threads %zu: %llu, want %llu", round, k, i,
			    (unsigned long long)got, (unsigned long long)want);
		}
		for (j = 0; j < k; j++) {
			chunk_free(&ch[j]);
			free(raw[j]);
		}
	}
}
END_TEST

START_TEST(count_bad_arguments)
{
	struct count_set s = { NULL, 0, 0, 0, FP_LEN },
	    bad = { NULL, 3, 4, 5, FP_LEN }, norec = { NULL, 0, 0, 0, 0 };
	struct count_set two[2];
	uint64_t n = 7;

	ck_assert_int_eq(count_intersection(&s, 0, 1, &n), -1);
	ck_assert_int_eq(count_intersection(&s, COUNT_MAX_SETS + 1, 1, &n),
	    -1);
	ck_assert_int_eq(count_intersection(&bad, 1, 1, &n), -1);
	ck_assert_int_eq(count_set_check(&norec), -1);
	two[0] = s;
	two[1] = s;
	ck_assert_int_eq(count_intersection(two, 2, 1, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(store_known_overlap)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	uint64_t ids[300], n;
	size_t i;
	char err[256];

	/* a: 0..199, each twice; b: 150..299; c: 0..9 and 160..169. */
	for (i = 0; i < 300; i++)
		ids[i] = i % 200;
	put_ids(st, "a", 0, ids, 300, 0);
	put_range(st, "b", 3, 150, 300, 0);
	for (i = 0; i < 20; i++)
		ids[i] = i < 10 ? i : 150 + i;
	put_ids(st, "c", 0, ids, 20, 0);

	ck_assert_int_eq(store_fpset_size(st, COLLAB, "a", 0, &n, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(n, 200);
	ck_assert_uint_eq(count2(st, "a", 0, "b", 3, 1), 50);
	ck_assert_uint_eq(count2(st, "b", 3, "a", 0, 2), 50);
	ck_assert_uint_eq(count2(st, "a", 0, "a", 0, 1), 200);
	ck_assert_uint_eq(count2(st, "a", 0, "c", 0, 1), 20);
	{
		struct store_setref three[3] = { { "a", 0 }, { "b", 3 },
		    { "c", 0 } };

		ck_assert_int_eq(store_count(st, COLLAB, three, 3, 2, &n, err,
		    sizeof(err)), STORE_OK);
		ck_assert_uint_eq(n, 10);
	}
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(store_empty_sets)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	char err[256];
	uint64_t n = 1;

	ck_assert_int_eq(store_fpset_put(st, COLLAB, "e", 0, NULL, 0, 0, err,
	    sizeof(err)), STORE_OK);
	put_range(st, "x", 0, 0, 100, 0);
	ck_assert_int_eq(store_fpset_size(st, COLLAB, "e", 0, &n, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(count2(st, "e", 0, "x", 0, 1), 0);
	ck_assert_uint_eq(count2(st, "x", 0, "e", 0, 2), 0);
	ck_assert_uint_eq(count2(st, "e", 0, "e", 0, 1), 0);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(store_many_chunks)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	unsigned t;

	/* 5000 and 3000 values over chunks of 7 and 64 fingerprints. */
	store_set_chunk_fps(st, 7);
	put_range(st, "a", 1, 0, 5000, 0);
	store_set_chunk_fps(st, 64);
	put_range(st, "b", 2, 3500, 6500, 0);
	store_set_chunk_fps(st, 1);
	put_range(st, "c", 0, 4990, 4995, 0);
	for (t = 1; t <= 4; t++) {
		ck_assert_uint_eq(count2(st, "a", 1, "b", 2, t), 1500);
		ck_assert_uint_eq(count2(st, "c", 0, "a", 1, t), 5);
	}
	ck_assert_uint_eq(count2(st, "a", 1, "b", 2, 0), 1500);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(store_random_vs_brute)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	uint64_t state = 42;
	int round;

	for (round = 0; round < 30; round++) {
		uint8_t *raw[3];
		size_t n[3], j, i, k = 2 + (size_t)round % 2;
		struct store_setref refs[3];
		char names[3][16], err[256] = "";
		uint64_t universe = 1 + next_rand(&state) % 2000, want, got;

		store_set_chunk_fps(st, 1 + next_rand(&state) % 100);
		for (j = 0; j < k; j++) {
			uint64_t *ids;

			n[j] = next_rand(&state) % (j == 0 ? 3000 : 300);
			ids = malloc((n[j] + 1) * sizeof(*ids));
			for (i = 0; i < n[j]; i++)
				ids[i] = next_rand(&state) % universe;
			raw[j] = make_fps(ids, n[j], round % 5 == 0);
			free(ids);
			snprintf(names[j], sizeof(names[j]), "t%zu", j);
			ck_assert_msg(store_fpset_put(st, COLLAB, names[j],
			    (unsigned)j, raw[j], n[j], 1, err,
			    sizeof(err)) == STORE_OK, "put: %s", err);
			refs[j].table = names[j];
			refs[j].column = (unsigned)j;
		}
		want = brute_count(raw, n, k);
		for (i = 1; i <= 3; i++) {
			ck_assert_int_eq(store_count(st, COLLAB, refs, k,
			    (unsigned)i, &got, err, sizeof(err)), STORE_OK);
			ck_assert_uint_eq(got, want);
		}
		for (j = 0; j < k; j++)
			free(raw[j]);
	}
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(store_replace_is_atomic)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct store_read *rd;
	struct store_setref sets[2] = { { "a", 0 }, { "b", 0 } };
	char err[256] = "";
	uint64_t n, ids[1] = { 0 };

	store_set_chunk_fps(st, 10);
	put_range(st, "a", 0, 0, 1000, 0);
	put_range(st, "b", 0, 500, 1500, 0);
	ck_assert_int_eq(store_read_begin(st, &rd, err, sizeof(err)),
	    STORE_OK);

	/* Without replace: refused, nothing changes. */
	{
		uint8_t fp[FP_LEN];

		make_fp(fp, 7, 0);
		ck_assert_int_eq(store_fpset_put(st, COLLAB, "a", 0, fp, 1, 0,
		    err, sizeof(err)), STORE_EXISTS);
		ck_assert_ptr_nonnull(strstr(err, "already"));
	}
	ck_assert_uint_eq(count2(st, "a", 0, "b", 0, 1), 500);

	/* Replace a with 0..599 (other chunk count) while rd is open. */
	store_set_chunk_fps(st, 33);
	put_range(st, "a", 0, 0, 600, 1);
	ck_assert_uint_eq(count2(st, "a", 0, "b", 0, 2), 100);
	ck_assert_int_eq(store_read_count(rd, COLLAB, sets, 2, 2, &n, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(n, 500);
	ck_assert_int_eq(store_read_fpset_size(rd, COLLAB, "a", 0, &n, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(n, 1000);
	store_read_end(rd);

	/* Replace with a single fingerprint, then delete. */
	put_ids(st, "a", 0, ids, 1, 1);
	ck_assert_int_eq(store_fpset_size(st, COLLAB, "a", 0, &n, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(store_read_begin(st, &rd, err, sizeof(err)),
	    STORE_OK);
	ck_assert_int_eq(store_fpset_delete(st, COLLAB, "a", 0, err,
	    sizeof(err)), STORE_OK);
	ck_assert_int_eq(store_read_fpset_size(rd, COLLAB, "a", 0, &n, err,
	    sizeof(err)), STORE_OK);
	store_read_end(rd);
	ck_assert_int_eq(store_fpset_size(st, COLLAB, "a", 0, &n, err,
	    sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_fpset_delete(st, COLLAB, "a", 0, err,
	    sizeof(err)), STORE_NOTFOUND);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(store_not_found_and_bad_names)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	struct store_setref sets[2] = { { "a", 0 }, { "nope", 0 } };
	char err[256] = "", long_name[STORE_TABLE_MAX + 2];
	uint64_t n;

	put_range(st, "a", 0, 0, 10, 0);
	ck_assert_int_eq(store_count(st, COLLAB, sets, 2, 1, &n, err,
	    sizeof(err)), STORE_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err, "\"nope\""));
	sets[1].table = "a";
	sets[1].column = 1;
	ck_assert_int_eq(store_count(st, COLLAB, sets, 2, 1, &n, err,
	    sizeof(err)), STORE_NOTFOUND);
	/* Another collaboration sees nothing of this one. */
	sets[1].column = 0;
	ck_assert_int_eq(store_count(st, COLLAB2, sets, 2, 1, &n, err,
	    sizeof(err)), STORE_NOTFOUND);
	ck_assert_int_eq(store_count(st, COLLAB, sets, 1, 1, &n, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(store_count(st, "not-a-uuid", sets, 2, 1, &n, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "UUID"));
	ck_assert_int_eq(store_fpset_put(st, COLLAB, "a/b", 0, NULL, 0, 0,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "'/'"));
	ck_assert_int_eq(store_fpset_put(st, COLLAB, "", 0, NULL, 0, 0, err,
	    sizeof(err)), -1);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	ck_assert_int_eq(store_fpset_put(st, COLLAB, long_name, 0, NULL, 0, 0,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(store_fpset_put(st, COLLAB, "a", 70000, NULL, 0, 0,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(store_fpset_put(st, COLLAB, "a", 0, NULL, 5, 1, err,
	    sizeof(err)), -1);
	/* NULL error buffers are allowed. */
	ck_assert_int_eq(store_fpset_size(st, COLLAB, "zz", 0, &n, NULL, 0),
	    STORE_NOTFOUND);
	store_close(st);
	scratch_remove(dir);
}
END_TEST

START_TEST(store_survives_reopen)
{
	char *dir = scratch_dir();
	struct store *st = open_store(dir);
	char err[256] = "";
	uint64_t n;

	store_set_chunk_fps(st, 16);
	put_range(st, "a", 0, 0, 1000, 0);
	put_range(st, "b", 0, 900, 1200, 0);
	store_close(st);
	st = open_store(dir);
	ck_assert_uint_eq(count2(st, "a", 0, "b", 0, 2), 100);
	ck_assert_int_eq(store_fpset_size(st, COLLAB, "b", 0, &n, err,
	    sizeof(err)), STORE_OK);
	ck_assert_uint_eq(n, 300);
	store_close(st);
	/* A path that cannot be a directory. */
	write_file(scratch_path(dir, "file"), "x");
	ck_assert_int_eq(store_open(scratch_path(dir, "file"), TEST_MAP_SIZE,
	    &st, err, sizeof(err)), -1);
	ck_assert_ptr_null(st);
	scratch_remove(dir);
}
END_TEST

Suite *
make_storage_suite(void)
{
	Suite *s = suite_create("storage");
	TCase *tc;

	tc = tcase_create("fpsort");
	tcase_add_test(tc, fpsort_matches_qsort);
	tcase_add_test(tc, fpsort_long_common_prefix);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("count");
	tcase_add_test(tc, count_random_vs_brute);
	tcase_add_test(tc, count_bad_arguments);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);

	tc = tcase_create("store");
	tcase_add_test(tc, store_known_overlap);
	tcase_add_test(tc, store_empty_sets);
	tcase_add_test(tc, store_many_chunks);
	tcase_add_test(tc, store_random_vs_brute);
	tcase_add_test(tc, store_replace_is_atomic);
	tcase_add_test(tc, store_not_found_and_bad_names);
	tcase_add_test(tc, store_survives_reopen);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
