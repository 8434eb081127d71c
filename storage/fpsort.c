/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fpsort.c: MSD radix sort of 32-byte fingerprints and of 40-byte
 * (fingerprint, row id) pairs, one body (fpsort_impl.h) instantiated for
 * each length (see fpsort.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fpsort.h"

/* Buckets this small are finished by insertion sort. */
#define SMALL	32

#define MAX_THREADS	64

/* 32-byte fingerprints: fpsort. */
#define REC_LEN		FP_LEN
#define FN(name)	fp_##name
#include "fpsort_impl.h"

/* 40-byte (fingerprint, row id) pairs: fpsort_pairs. */
#define REC_LEN		FP_PAIR_LEN
#define FN(name)	pair_##name
#include "fpsort_impl.h"

int
fpsort(uint8_t *dst, const uint8_t *src, size_t n, unsigned threads)
{
	return fp_sort(dst, src, n, threads);
}

int
fpsort_pairs(uint8_t *dst, const uint8_t *src, size_t n, unsigned threads)
{
	return pair_sort(dst, src, n, threads);
}

size_t
fpsort_dedup(uint8_t *fps, size_t n)
{
	size_t i, out;

	if (n == 0)
		return 0;
	for (out = 1, i = 1; i < n; i++) {
		if (memcmp(fps + i * FP_LEN, fps + (out - 1) * FP_LEN,
		    FP_LEN) == 0)
			continue;
		if (out != i)
			memcpy(fps + out * FP_LEN, fps + i * FP_LEN, FP_LEN);
		out++;
	}
	return out;
}

int
fpsort_is_strict(const uint8_t *fps, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (memcmp(fps + (i - 1) * FP_LEN, fps + i * FP_LEN,
		    FP_LEN) >= 0)
			return 0;
	return 1;
}
