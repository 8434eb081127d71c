/* SPDX-License-Identifier: Apache-2.0 */
/*
 * count.c: intersection count over sorted fingerprint sets (see count.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "count.h"
#include "fpsort.h"

/* Below this many fingerprints in all, threads = 0 means one thread. */
#define PARALLEL_MIN	(1u << 17)

struct count_job {
	const struct count_set *sets;
	size_t nsets;
	uint64_t lo[COUNT_MAX_SETS];
	uint64_t hi[COUNT_MAX_SETS];
	uint64_t result;
	pthread_t thread;
};

/* The first 8 bytes of a fingerprint as a big-endian number. */
static inline uint64_t
prefix64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* memcmp order over 32 bytes, prefix first. */
static inline int
fp_cmp(const uint8_t *a, const uint8_t *b)
{
	uint64_t ka = prefix64(a), kb = prefix64(b);

	if (ka != kb)
		return ka < kb ? -1 : 1;
	return memcmp(a + 8, b + 8, FP_LEN - 8);
}

static inline const uint8_t *
fp_at(const struct count_set *s, uint64_t i)
{
	uint64_t c = i / s->chunk_fps;

	return s->chunks[c] + (size_t)(i - c * s->chunk_fps) * s->rec;
}

int
count_set_check(const struct count_set *s)
{
	if (s->rec < FP_LEN)
		return -1;
	if (s->n == 0)
		return s->nchunks == 0 ? 0 : -1;
	if (s->chunk_fps == 0 || s->chunks == NULL)
		return -1;
	/* (n - 1) / chunk_fps is the index of the last chunk. */
	if ((s->n - 1) / s->chunk_fps + 1 != s->nchunks)
		return -1;
	return 0;
}

/*
 * Merge two runs of similar length, counting equal fingerprints, and
 * advance *pa and *pb to where either run ended. No branch depends on the
 * data but the rare one for equal prefixes with different rests.
 */
static uint64_t
merge_run(const uint8_t **pa, const uint8_t *ea, size_t ra,
    const uint8_t **pb, const uint8_t *eb, size_t rb)
{
	const uint8_t *a = *pa, *b = *pb;
	uint64_t n = 0;

	while (a < ea && b < eb) {
		uint64_t ka = prefix64(a), kb = prefix64(b);
		uint64_t rest = (load64(a + 8) ^ load64(b + 8)) |
		    (load64(a + 16) ^ load64(b + 16)) |
		    (load64(a + 24) ^ load64(b + 24));

		if (__builtin_expect((ka == kb) & (rest != 0), 0)) {
			if (memcmp(a + 8, b + 8, FP_LEN - 8) < 0)
				a += ra;
			else
				b += rb;
			continue;
		}
		n += ka == kb;
		a += (size_t)(ka <= kb) * ra;
		b += (size_t)(kb <= ka) * rb;
	}
	*pa = a;
	*pb = b;
	return n;
}

/* Linear merge of [i, ihi) of a with [j, jhi) of b, chunk by chunk. */
static uint64_t
merge2(const struct count_set *a, uint64_t i, uint64_t ihi,
    const struct count_set *b, uint64_t j, uint64_t jhi)
{
	uint64_t n = 0;

	while (i < ihi && j < jhi) {
		uint64_t ca = i / a->chunk_fps, cb = j / b->chunk_fps;
		uint64_t aend = (ca + 1) * a->chunk_fps;
		uint64_t bend = (cb + 1) * b->chunk_fps;
		const uint8_t *pa = fp_at(a, i), *pb = fp_at(b, j);
		const uint8_t *sa = pa, *sb = pb;

		if (aend > ihi)
			aend = ihi;
		if (bend > jhi)
			bend = jhi;
		n += merge_run(&pa, pa + (size_t)(aend - i) * a->rec, a->rec,
		    &pb, pb + (size_t)(bend - j) * b->rec, b->rec);
		i += (uint64_t)(pa - sa) / a->rec;
		j += (uint64_t)(pb - sb) / b->rec;
	}
	return n;
}

/*
 * The first index in [pos, hi) whose fingerprint is >= x, or hi: gallop
 * from pos, then binary search.
 */
static uint64_t
seek(const struct count_set *s, uint64_t pos, uint64_t hi, const uint8_t *x)
{
	uint64_t lo, step, top;

	if (pos >= hi || fp_cmp(fp_at(s, pos), x) >= 0)
		return pos;
	/* Invariant: fp(lo) < x. */
	lo = pos;
	step = 1;
	for (;;) {
		if (hi - lo <= step) {
			top = hi;
			break;
		}
		if (fp_cmp(fp_at(s, lo + step), x) >= 0) {
			top = lo + step;
			break;
		}
		lo += step;
		step *= 2;
	}
	/* fp(lo) < x; top == hi or fp(top) >= x. */
	while (top - lo > 1) {
		uint64_t mid = lo + (top - lo) / 2;

		if (fp_cmp(fp_at(s, mid), x) < 0)
			lo = mid;
		else
			top = mid;
	}
	return top;
}

/* Leapfrog intersection of the ranges [lo[k], hi[k]) of k sets. */
static uint64_t
leapfrog(const struct count_set *sets, size_t k, const uint64_t *lo,
    const uint64_t *hi)
{
	const struct count_set *s[COUNT_MAX_SETS];
	uint64_t pos[COUNT_MAX_SETS], end[COUNT_MAX_SETS], n = 0;
	size_t i, j;

	/* Smallest range first: it proposes the candidates. */
	for (i = 0; i < k; i++) {
		for (j = i; j > 0 && hi[i] - lo[i] < end[j - 1] - pos[j - 1];
		    j--) {
			s[j] = s[j - 1];
			pos[j] = pos[j - 1];
			end[j] = end[j - 1];
		}
		s[j] = &sets[i];
		pos[j] = lo[i];
		end[j] = hi[i];
	}
	if (pos[0] >= end[0])
		return 0;
	for (;;) {
		const uint8_t *x = fp_at(s[0], pos[0]);

		for (j = 1; j < k; j++) {
			const uint8_t *y;

			pos[j] = seek(s[j], pos[j], end[j], x);
			if (pos[j] == end[j])
				return n;
			y = fp_at(s[j], pos[j]);
			if (fp_cmp(y, x) > 0) {
				pos[0] = seek(s[0], pos[0], end[0], y);
				if (pos[0] == end[0])
					return n;
				break;
			}
		}
		if (j < k)
			continue;
		n++;
		if (++pos[0] == end[0])
			return n;
	}
}

static uint64_t
count_range(const struct count_job *job)
{
	const uint64_t *lo = job->lo, *hi = job->hi;

	if (job->nsets == 2) {
		uint64_t na = hi[0] - lo[0], nb = hi[1] - lo[1];

		if (na == 0 || nb == 0)
			return 0;
		if (na <= COUNT_GALLOP_RATIO * nb &&
		    nb <= COUNT_GALLOP_RATIO * na)
			return merge2(&job->sets[0], lo[0], hi[0],
			    &job->sets[1], lo[1], hi[1]);
	}
	return leapfrog(job->sets, job->nsets, lo, hi);
}

static void *
count_main(void *arg)
{
	struct count_job *job = arg;

	job->result = count_range(job);
	return NULL;
}

/* The first index of s whose prefix is >= key. */
static uint64_t
lower_bound_prefix(const struct count_set *s, uint64_t key)
{
	uint64_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (prefix64(fp_at(s, mid)) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Check count_intersection's arguments; into *largest the index of the
 * largest set and into *total the sum of their sizes. Returns 0 to count,
 * 1 when *count is known already (a set is empty, or there is one), or
 * -1 with errno EINVAL.
 */
static int
check_sets(const struct count_set *sets, size_t nsets, uint64_t *count,
    size_t *largest, uint64_t *total)
{
	size_t i;

	if (nsets < 1 || nsets > COUNT_MAX_SETS || count == NULL) {
		errno = EINVAL;
		return -1;
	}
	*largest = 0;
	*total = 0;
	for (i = 0; i < nsets; i++) {
		if (count_set_check(&sets[i]) != 0) {
			errno = EINVAL;
			return -1;
		}
		if (sets[i].n == 0) {
			*count = 0;
			return 1;
		}
		if (sets[i].n > sets[*largest].n)
			*largest = i;
		*total += sets[i].n;
	}
	if (nsets == 1) {
		*count = sets[0].n;
		return 1;
	}
	return 0;
}

/* The threads to count total fingerprints with, asked for threads. */
static unsigned
pick_threads(unsigned threads, uint64_t total, uint64_t largest_n)
{
	if (threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		threads = cpus > 0 ? (unsigned)cpus : 1;
		if (total < PARALLEL_MIN)
			threads = 1;
	}
	if (threads > COUNT_MAX_THREADS)
		threads = COUNT_MAX_THREADS;
	if (threads > largest_n)
		threads = (unsigned)largest_n;
	return threads;
}

/*
 * Cut the value space in ranges at quantiles of set `largest`, one per
 * job: range t holds prefixes in [bound(t), bound(t + 1)), and jobs[t]
 * each set's part of it.
 */
static void
plan_jobs(struct count_job *jobs, unsigned threads,
    const struct count_set *sets, size_t nsets, size_t largest)
{
	uint64_t next = 0;
	unsigned t;
	size_t i;

	for (t = 0; t < threads; t++) {
		struct count_job *job = &jobs[t];

		if (t + 1 < threads)
			next = prefix64(fp_at(&sets[largest],
			    sets[largest].n / threads * (t + 1)));
		job->sets = sets;
		job->nsets = nsets;
		for (i = 0; i < nsets; i++) {
			job->lo[i] = t == 0 ? 0 : jobs[t - 1].hi[i];
			job->hi[i] = t + 1 == threads ? sets[i].n :
			    lower_bound_prefix(&sets[i], next);
		}
	}
}

int
count_intersection(const struct count_set *sets, size_t nsets,
    unsigned threads, uint64_t *count)
{
	struct count_job *jobs = NULL;
	uint64_t total;
	size_t largest;
	unsigned t;
	int rc;
	bool *started = NULL;

	if ((rc = check_sets(sets, nsets, count, &largest, &total)) != 0)
		return rc < 0 ? -1 : 0;
	threads = pick_threads(threads, total, sets[largest].n);
	rc = -1;
	jobs = calloc(threads, sizeof(*jobs));
	started = calloc(threads, sizeof(*started));
	if (jobs == NULL || started == NULL) {
		errno = ENOMEM;
		goto out;
	}
	plan_jobs(jobs, threads, sets, nsets, largest);
	for (t = 1; t < threads; t++)
		started[t] = pthread_create(&jobs[t].thread, NULL, count_main,
		    &jobs[t]) == 0;
	jobs[0].result = count_range(&jobs[0]);
	for (t = 1; t < threads; t++) {
		if (started[t])
			pthread_join(jobs[t].thread, NULL);
		else
			jobs[t].result = count_range(&jobs[t]);
	}
	*count = 0;
	for (t = 0; t < threads; t++)
		*count += jobs[t].result;
	rc = 0;
out:
	free(started);
	free(jobs);
	return rc;
}
