/* SPDX-License-Identifier: Apache-2.0 */
/*
 * count.h: the size of the intersection of sorted fingerprint sets.
 *
 * A set is a sorted run of distinct 32-byte fingerprints (fpsort.h) held
 * in chunks: equal-sized arrays, the last one possibly shorter, such as
 * the values LMDB hands out as pointers into its map (store.c). Nothing
 * is copied. Two sets of similar size are merged linearly without
 * branches on the data, comparing a big-endian 64-bit prefix and the rest
 * only for equality; three or more sets, or two whose sizes differ by more
 * than COUNT_GALLOP_RATIO, are intersected by leapfrogging: each set seeks
 * the current candidate by galloping (exponential, then binary search).
 * With several threads the value space is cut into ranges at quantiles of
 * the largest set; each set's start in each range is found by binary
 * search and the ranges are counted in parallel.
 */
#ifndef PSID_COUNT_H
#define PSID_COUNT_H

#include <stddef.h>
#include <stdint.h>

#define COUNT_MAX_SETS		16
#define COUNT_MAX_THREADS	64
#define COUNT_GALLOP_RATIO	32

struct count_set {
	const uint8_t *const *chunks;	/* nchunks arrays of fingerprints */
	size_t nchunks;
	size_t chunk_fps;	/* fingerprints in each chunk but the last */
	uint64_t n;		/* fingerprints in all */
	size_t rec;		/* bytes per record (>= 32), the fingerprint
				   first: 32 for a set, 40 for a join index */
};

/*
 * Check that a set's shape is consistent: records of at least 32 bytes,
 * n fits in nchunks chunks of chunk_fps records with the last one
 * non-empty (no chunks when n is 0). Returns 0 or -1.
 */
int count_set_check(const struct count_set *set);

/*
 * Count the fingerprints present in all nsets sets (1..COUNT_MAX_SETS;
 * each sorted with no repeats and of a consistent shape, as checked by
 * count_set_check) into *count. threads: 0 picks one per online processor
 * (one for small inputs), otherwise that many (at most COUNT_MAX_THREADS);
 * when a thread cannot be started its range is counted by the calling
 * thread. The sets are only read. Returns 0, or -1 with errno EINVAL (a
 * bad argument) or ENOMEM.
 */
int count_intersection(const struct count_set *sets, size_t nsets,
    unsigned threads, uint64_t *count);

#endif /* PSID_COUNT_H */
