/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fpsort.h: sorting and deduplicating 32-byte fingerprints in memory.
 *
 * A fingerprint set is stored as one sorted run of 32-byte values with no
 * repeats (storage/store.c), so an intersection is a merge (count.c). The
 * sort is an MSD radix sort on bytes: one pass over the whole array
 * scatters it into 256 buckets by the first byte, then each bucket is
 * sorted on its own (recursively by the next byte, insertion sort for
 * small buckets), in cache, on up to `threads` threads. Fingerprints are
 * HMAC outputs, so two or three byte levels usually suffice; crafted
 * input with long common prefixes only costs more passes (at most 32),
 * never quadratic time. Order is that of memcmp over the 32 bytes.
 */
#ifndef PSID_FPSORT_H
#define PSID_FPSORT_H

#include <stddef.h>
#include <stdint.h>

#define FP_LEN 32
#define FP_PAIR_LEN 40	/* a fingerprint and a row id (fpsort_pairs) */

/*
 * Sort the n fingerprints of src into dst (n * FP_LEN bytes each; the two
 * must not overlap; src is not modified). threads is the number of
 * threads to use (0 or 1: the calling thread only; when a thread cannot
 * be started, the others do its share). Returns 0, or -1 with errno set
 * to ENOMEM (dst is then unspecified).
 */
int fpsort(uint8_t *dst, const uint8_t *src, size_t n, unsigned threads);

/*
 * fpsort on records of FP_PAIR_LEN bytes (a join index's fingerprint and
 * big-endian row id), ordered by memcmp over all 40 bytes.
 */
int fpsort_pairs(uint8_t *dst, const uint8_t *src, size_t n,
    unsigned threads);

/*
 * Remove repeats from the n sorted fingerprints of fps, in place, keeping
 * the order. Returns the number left.
 */
size_t fpsort_dedup(uint8_t *fps, size_t n);

/* Whether the n fingerprints of fps are sorted with no repeats. */
int fpsort_is_strict(const uint8_t *fps, size_t n);

#endif /* PSID_FPSORT_H */
