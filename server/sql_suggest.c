/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sql_suggest.c: "did you mean" for the messages about a query's names
 * (sql.h): the candidate nearest a misspelt word by edit distance, when
 * it is near enough to be the likely intent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sql.h"
#include "xmalloc.h"

#define SUGGEST_MAX 2

/*
 * Levenshtein distance of a[0..m) and b[0..n), or SUGGEST_MAX + 1 when it
 * is over SUGGEST_MAX. row has room for n + 1 entries.
 */
static size_t
suggest_distance(const char *a, size_t m, const char *b, size_t n,
    size_t *row)
{
	size_t i, j, diag, up, best;

	if ((m > n ? m - n : n - m) > SUGGEST_MAX)
		return SUGGEST_MAX + 1;
	for (j = 0; j <= n; j++)
		row[j] = j;
	for (i = 1; i <= m; i++) {
		diag = row[0];
		row[0] = i;
		best = row[0];
		for (j = 1; j <= n; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
			if (row[j] < best)
				best = row[j];
		}
		/* No later row is smaller than this one's least entry. */
		if (best > SUGGEST_MAX)
			return SUGGEST_MAX + 1;
	}
	return row[n];
}

const char *
sql_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t m = strlen(word), best_d = SUGGEST_MAX + 1, i, len, d;
	size_t *row = NULL, rowcap = 0;

	for (i = 0; i < n; i++) {
		len = strlen(candidates[i]);
		if (len + 1 > rowcap) {
			rowcap = len + 1;
			row = xrealloc(row, rowcap * sizeof(*row));
		}
		d = suggest_distance(word, m, candidates[i], len, row);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	free(row);
	return best;
}
