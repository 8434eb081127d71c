/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_agg.h: the grouping state a query's tuples fill (query_agg.c)
 * and its result is made from (query_out.c); nothing else sees it.
 */
#ifndef PSID_QUERY_AGG_H
#define PSID_QUERY_AGG_H

#include "query_plan.h"

/* An aggregate's accumulator in one group. */
struct qacc {
	__int128 sum;		/* SUM, AVG: unscaled at the column's scale */
	uint64_t count;		/* values counted (or, last, the tuples) */
};

struct qdentry {
	uint64_t value;
	uint32_t group;
	uint32_t used;
};

/* A distinct aggregate's values: a bitmap, or a hash set. */
struct qdistinct {
	uint64_t *bits;		/* (key * space + value), or NULL */
	uint64_t space;
	struct qdentry *set;
	size_t n, nslots;
};

struct qagg_state {
	const struct qplan *plan;
	uint64_t *stride;	/* per GROUP BY column */
	uint64_t nkeys;		/* possible keys */
	bool too_many_keys;	/* past 2^64: the query is refused */
	uint32_t *direct;	/* key -> group, for nkeys <= 2^20 */
	uint32_t *slots;	/* else a hash table of groups */
	size_t nslots;
	uint64_t *keys;		/* per group */
	struct qacc *acc;	/* per group: naggs + 1 */
	size_t ngroups, capgroups;
	struct qdistinct *dist;	/* per aggregate */
};

/* The index of the group of key in st, made if new. */
uint32_t query_agg_group(struct qagg_state *st, uint64_t key);

#endif /* PSID_QUERY_AGG_H */
