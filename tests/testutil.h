/* SPDX-License-Identifier: Apache-2.0 */
/*
 * testutil.h: small helpers the unit tests share: fixture paths, scratch
 * directories, whole-file reads and writes, hex decoding.
 */
#ifndef PSID_TESTS_TESTUTIL_H
#define PSID_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Path of a fixture file (one of four static buffers, in turn). */
const char *fixture(const char *name);

/* Make a fresh scratch directory; returns its path (malloc'd). */
char *scratch_dir(void);

/*
 * Remove a scratch directory and everything below it (symbolic links are
 * removed, not followed), then free path.
 */
void scratch_remove(char *path);

/* path = dir + "/" + name (one of four static buffers, in turn). */
const char *scratch_path(const char *dir, const char *name);

/* Read a whole file (NUL terminated, malloc'd); NULL if it cannot. */
char *read_file(const char *path, size_t *len);

/* Write a whole file; aborts the test on failure. */
void write_file(const char *path, const char *data);

/* Whether a file exists. */
int file_exists(const char *path);

/* Decode hex into out; returns the byte count. */
size_t hex_decode(const char *hex, uint8_t *out);

/* A small deterministic generator (xorshift64), so failures reproduce. */
uint64_t next_rand(uint64_t *state);

/* SplitMix64: a well-mixed 64-bit value from x (a stateless hash). */
uint64_t splitmix64(uint64_t x);

/* Fill out[0..n) from the generator. */
void fill_rand(uint64_t *state, uint8_t *out, size_t n);

/* The fixtures' shared secret and collaboration ID. */
#define FIXTURE_SECRET "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define FIXTURE_ID "00000000-1111-2222-3333-444444444444"

#endif
