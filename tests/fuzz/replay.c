/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay.c: runs a libFuzzer target's entry point over every file of its
 * corpus without libFuzzer, so that make check (and valgrind, ASan)
 * replays what fuzzing found. The corpus directory is the argument, or
 * $PSID_FUZZ_CORPUS/FUZZ_CORPUS (the target's name, from its CPPFLAGS).
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_CORPUS
#define FUZZ_CORPUS "frame"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			if ((data = realloc(data, cap)) == NULL)
				abort();
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	char dir[4096], path[8192];
	const char *base = getenv("PSID_FUZZ_CORPUS");
	struct dirent *e;
	unsigned count = 0;
	DIR *d;

	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/%s",
		    base != NULL ? base : "tests/fuzz/corpus", FUZZ_CORPUS);
	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (replay_file(path) != 0)
			return 1;
		count++;
	}
	closedir(d);
	printf("%u passed, 0 failed\n", count);
	return count > 0 ? 0 : 1;
}
