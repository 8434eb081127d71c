/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rng.h: the benchmarks' random data: xoshiro256** seeded through
 * splitmix64, deterministic from a seed so that runs compare. Not for
 * anything secret (libpsid takes its randomness from OpenSSL).
 */
#ifndef PSID_BENCH_RNG_H
#define PSID_BENCH_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static uint64_t bench_rng_state[4];

static inline uint64_t
bench_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* SplitMix64's finaliser: a bijection that mixes every bit of z. */
static inline uint64_t
bench_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

/* SplitMix64: advance *x and return a well-mixed value of it. */
static inline uint64_t
bench_splitmix64(uint64_t *x)
{
	return bench_mix64(*x += 0x9e3779b97f4a7c15);
}

/* Seed the generator (every seed gives a different stream). */
static inline void
bench_rng_seed(uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		bench_rng_state[i] = bench_splitmix64(&seed);
}

/* The next 64 random bits. */
static inline uint64_t
bench_rng_next(void)
{
	uint64_t *s = bench_rng_state;
	uint64_t r = bench_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = bench_rotl(s[3], 45);
	return r;
}

/* Fill p[0..n) (n a multiple of 8) with random bytes. */
static inline void
bench_rng_fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t v = bench_rng_next();

		memcpy(p + i, &v, 8);
	}
}

/* A uniform index below n (n > 0), bias negligible for n << 2^64. */
static inline uint64_t
bench_rng_below(uint64_t n)
{
	return (uint64_t)(((unsigned __int128)bench_rng_next() * n) >> 64);
}

/* Fisher-Yates over n records of size (at most 64) bytes. */
static inline void
bench_shuffle(void *base, uint64_t n, size_t size)
{
	uint8_t *p = base, tmp[64];
	uint64_t i, j;

	for (i = n - 1; i > 0; i--) {
		j = bench_rng_below(i + 1);
		memcpy(tmp, p + i * size, size);
		memcpy(p + i * size, p + j * size, size);
		memcpy(p + j * size, tmp, size);
	}
}

#endif
