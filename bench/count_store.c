/* SPDX-License-Identifier: Apache-2.0 */
/*
 * count_store.c: micro-benchmark of the storage layer's fingerprint sets.
 * It generates two sets of N random 32-byte fingerprints (default 10M)
 * sharing exactly half, writes each into a fresh LMDB store with
 * store_fpset_put (sort, deduplication, write and durable commit: the
 * time an upload spends in storage), then times store_count on the pair:
 * the median of several runs with one thread and with two. The count
 * must be N/2 exactly. The store lives in a new directory under -d DIR
 * (default $TMPDIR or /tmp), removed at the end. Results go to stdout as
 * a table, progress to stderr. Targets (issue 3, 2 cores): count of two
 * 10M sets under 0.25 s with two threads; put over 1M fingerprints/s.
 *
 *   bench/count_store [-n N] [-r RUNS] [-d DIR]
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "rng.h"

#define COLLAB	"00000000-1111-2222-3333-444444444444"
#define FP	32
#define MAX_RUNS 101

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
fill(uint8_t *p, size_t n)
{
	bench_rng_fill(p, n * FP);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: count_store [-n N] [-r RUNS] [-d DIR]\n");
	exit(2);
}

static void
remove_store(const char *dir, const char *db)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/data.mdb", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", db);
	unlink(path);
	rmdir(db);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	const char *parent = getenv("TMPDIR");
	char dir[4096], db[4200], err[256] = "";
	struct store *st = NULL;
	struct store_setref sets[2] = { { "a", 0 }, { "b", 0 } };
	size_t n = 10000000, half, runs = 5, i;
	uint8_t *a = NULL, *b = NULL;
	double t0, put[2], times[MAX_RUNS];
	unsigned threads;
	int c, status = 1;

	bench_rng_seed(1);
	while ((c = getopt(argc, argv, "n:r:d:h")) != -1) {
		switch (c) {
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			runs = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			parent = optarg;
			break;
		default:
			usage();
		}
	}
	if (n < 2 || runs < 1 || runs > MAX_RUNS)
		usage();
	if (parent == NULL || *parent == '\0')
		parent = "/tmp";
	snprintf(dir, sizeof(dir), "%s/psid-count-XXXXXX", parent);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "count_store: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(db, sizeof(db), "%s/db", dir);

	/* b = the first half of a (other order) + new fingerprints. */
	half = n / 2;
	a = malloc(n * FP);
	b = malloc(n * FP);
	if (a == NULL || b == NULL) {
		fprintf(stderr, "count_store: out of memory\n");
		goto out;
	}
	fprintf(stderr, "generating 2 x %zu fingerprints...\n", n);
	fill(a, n);
	for (i = 0; i < half; i++)
		memcpy(b + i * FP, a + (half - 1 - i) * FP, FP);
	fill(b + half * FP, n - half);

	if (store_open(db, 0, &st, err, sizeof(err)) != STORE_OK)
		goto fail;
	for (i = 0; i < 2; i++) {
		t0 = now();
		if (store_fpset_put(st, COLLAB, sets[i].table, 0,
		    i == 0 ? a : b, n, 0, err, sizeof(err)) != STORE_OK)
			goto fail;
		put[i] = now() - t0;
	}
	free(a);
	free(b);
	a = b = NULL;

	printf("%-10s %12s %8s %10s %14s\n", "op", "fps", "threads",
	    "seconds", "fps/s");
	for (i = 0; i < 2; i++)
		printf("%-10s %12zu %8s %10.3f %14.0f\n",
		    i == 0 ? "put a" : "put b", n, "-", put[i],
		    (double)n / put[i]);
	for (threads = 1; threads <= 2; threads++) {
		for (i = 0; i < runs; i++) {
			uint64_t count = 0;

			t0 = now();
			if (store_count(st, COLLAB, sets, 2, threads, &count,
			    err, sizeof(err)) != STORE_OK)
				goto fail;
			times[i] = now() - t0;
			if (count != half) {
				fprintf(stderr, "count_store: count %" PRIu64
				    ", want %zu\n", count, half);
				goto out;
			}
		}
		qsort(times, runs, sizeof(times[0]), cmp_double);
		printf("%-10s %12zu %8u %10.3f %14.0f   (min %.3f, max %.3f,"
		    " %zu runs)\n", "count", 2 * n, threads, times[runs / 2],
		    (double)(2 * n) / times[runs / 2], times[0],
		    times[runs - 1], runs);
	}
	printf("# count = %zu = N/2: ok\n", half);
	printf("# command:");
	for (c = 0; c < argc; c++)
		printf(" %s", argv[c]);
	printf("\n");
	status = 0;
	goto out;
fail:
	fprintf(stderr, "count_store: %s\n", err);
out:
	store_close(st);
	free(a);
	free(b);
	remove_store(dir, db);
	return status;
}
