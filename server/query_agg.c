/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_agg.c: a query's tuples filtered (WHERE, in SQL's three-valued
 * logic), grouped and aggregated (query_plan.h), in columnar form: per tuple,
 * one load per column read, prefetched a few tuples ahead.
 *
 * A group's key is its GROUP BY codes in mixed radix (a NULL is code n
 * of an n-value dictionary); up to 2^20 possible keys index an array,
 * more go through a hash table. Counts and exact sums (128-bit, at the
 * column's scale) live per group and aggregate. A distinct count is a
 * bitmap of (group, value) where the possible keys times the values fit
 * 2^30 bits, else, as SUM DISTINCT, a hash set of (group, value).
 * Results are made in query_out.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "query_agg.h"
#include "xmalloc.h"

#define DIRECT_KEYS	(UINT64_C(1) << 20)
#define BITMAP_BITS	(UINT64_C(1) << 30)
#define PREFETCH_AHEAD	24

/* A column's record of row as a pointer into the map. */
static inline const uint8_t *
record(const struct store_run *r, uint32_t row)
{
	return r->chunks[row / r->chunk_recs] +
	    (size_t)(row % r->chunk_recs) * r->reclen;
}

static inline uint32_t
code_at(const struct qcol *c, uint32_t row)
{
	uint32_t v;

	memcpy(&v, record(&c->run, row), 4);
	return v;
}

static inline int64_t
decimal_at(const struct qcol *c, uint32_t row)
{
	int64_t v;

	memcpy(&v, record(&c->run, row), 8);
	return v;
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	return x ^ (x >> 33);
}

struct qagg_state *
query_agg_new(const struct qplan *plan)
{
	struct qagg_state *st = xcalloc(1, sizeof(*st));
	const struct qcol *c;
	uint64_t keys = 1, n;
	size_t i;

	st->plan = plan;
	st->stride = xcalloc(plan->ngroup + 1, sizeof(*st->stride));
	for (i = 0; i < plan->ngroup; i++) {
		n = (uint64_t)plan->cols[plan->group[i]].dict.n + 1;
		st->stride[i] = keys;
		if (keys > UINT64_MAX / n) {
			st->too_many_keys = true;
			break;
		}
		keys *= n;
	}
	st->nkeys = keys;
	if (st->too_many_keys) {
		query_agg_free(st);
		return NULL;
	}
	if (keys <= DIRECT_KEYS) {
		st->direct = xmalloc(keys * sizeof(*st->direct));
		memset(st->direct, 0xff, keys * sizeof(*st->direct));
	}
	st->dist = xcalloc(plan->naggs > 0 ? plan->naggs : 1,
	    sizeof(*st->dist));
	for (i = 0; i < plan->naggs; i++) {
		if (plan->aggs[i].fn != QAGG_COUNT_DISTINCT &&
		    plan->aggs[i].fn != QAGG_SUM_DISTINCT)
			continue;
		c = &plan->cols[plan->aggs[i].qcol];
		if (plan->aggs[i].fn == QAGG_COUNT_DISTINCT &&
		    c->kind != QCOL_DECIMAL && st->direct != NULL &&
		    c->space > 0 && keys <= BITMAP_BITS / c->space) {
			st->dist[i].space = c->space;
			st->dist[i].bits = xcalloc((keys * c->space + 63) / 64,
			    8);
		}
	}
	return st;
}

uint32_t
query_agg_group(struct qagg_state *st, uint64_t key)
{
	size_t s = 0, i;
	uint32_t g;

	if (st->direct != NULL && st->direct[key] != UINT32_MAX)
		return st->direct[key];
	if (st->direct == NULL) {
		if (st->nslots == 0 || st->ngroups * 2 >= st->nslots) {
			size_t n = st->nslots == 0 ? 1024 : st->nslots * 2;

			free(st->slots);
			st->slots = xmalloc(n * sizeof(*st->slots));
			memset(st->slots, 0xff, n * sizeof(*st->slots));
			st->nslots = n;
			for (i = 0; i < st->ngroups; i++) {
				for (s = mix64(st->keys[i]) & (n - 1);
				    st->slots[s] != UINT32_MAX; s = (s + 1) &
				    (n - 1))
					;
				st->slots[s] = (uint32_t)i;
			}
		}
		for (s = mix64(key) & (st->nslots - 1);
		    (g = st->slots[s]) != UINT32_MAX;
		    s = (s + 1) & (st->nslots - 1))
			if (st->keys[g] == key)
				return g;
	}
	if (st->ngroups == st->capgroups) {
		st->capgroups = st->capgroups == 0 ? 64 : st->capgroups * 2;
		st->keys = xrealloc(st->keys, st->capgroups *
		    sizeof(*st->keys));
		st->acc = xrealloc(st->acc, st->capgroups *
		    (st->plan->naggs + 1) * sizeof(*st->acc));
	}
	g = (uint32_t)st->ngroups++;
	st->keys[g] = key;
	memset(&st->acc[(size_t)g * (st->plan->naggs + 1)], 0,
	    (st->plan->naggs + 1) * sizeof(*st->acc));
	if (st->direct != NULL)
		st->direct[key] = g;
	else
		st->slots[s] = g;
	return g;
}

/* Add (group, value) to a distinct hash set. */
static void
distinct_add(struct qdistinct *d, uint32_t g, uint64_t v)
{
	size_t s, i, n;
	struct qdentry *old;

	if (d->nslots == 0 || d->n * 2 >= d->nslots) {
		n = d->nslots == 0 ? 4096 : d->nslots * 2;
		old = d->set;
		d->set = xcalloc(n, sizeof(*d->set));
		for (i = 0; i < d->nslots; i++) {
			if (!old[i].used)
				continue;
			for (s = mix64(old[i].value ^ (uint64_t)old[i].group <<
			    40) & (n - 1); d->set[s].used; s = (s + 1) &
			    (n - 1))
				;
			d->set[s] = old[i];
		}
		free(old);
		d->nslots = n;
	}
	for (s = mix64(v ^ (uint64_t)g << 40) & (d->nslots - 1); d->set[s].used;
	    s = (s + 1) & (d->nslots - 1))
		if (d->set[s].group == g && d->set[s].value == v)
			return;
	d->set[s].used = 1;
	d->set[s].group = g;
	d->set[s].value = v;
	d->n++;
}

/* WHERE on tuple: 1 true, 0 false, 2 unknown (a NULL compared). */
static int
eval(const struct qplan *plan, const struct qpred *p, const uint32_t *tup)
{
	const struct qcol *c;
	uint32_t code;
	int r, any_unknown = 0;
	size_t i;

	switch (p->kind) {
	case SQL_PRED_EQ:
	case SQL_PRED_NE:
	case SQL_PRED_IN:
		c = &plan->cols[p->qcol];
		code = code_at(c, tup[c->table]);
		return code == STORE_VALUE_NULL32 ? 2 : p->truth[code];
	case SQL_PRED_NOT:
		r = eval(plan, &p->args[0], tup);
		return r == 2 ? 2 : !r;
	default:
		for (i = 0; i < p->nargs; i++) {
			r = eval(plan, &p->args[i], tup);
			if (p->kind == SQL_PRED_AND && r == 0)
				return 0;
			if (p->kind == SQL_PRED_OR && r == 1)
				return 1;
			any_unknown |= r == 2;
		}
		return any_unknown ? 2 : p->kind == SQL_PRED_AND;
	}
}

/* Whether a column that repeats no fingerprint has one in row. */
static inline bool
row_has(const struct qcol *c, uint32_t row)
{
	return c->all_present || (c->present[row >> 6] >> (row & 63) & 1);
}

/* The value a distinct aggregate sees of c in tup, or false for NULL. */
static inline bool
value_of(const struct qcol *c, const uint32_t *tup, uint64_t *v)
{
	uint32_t row = tup[c->table], x;
	int64_t d;

	switch (c->kind) {
	case QCOL_FP:
		if (c->key0) {
			if ((x = tup[2]) != STORE_VALUE_NULL32 ||
			    (x = c->kid0[row]) != STORE_VALUE_NULL32) {
				*v = x;
				return true;
			}
			if (c->present != NULL || c->all_present) {
				*v = c->key0_offset + row;
				return row_has(c, row);
			}
			x = c->ord[row];
			*v = c->key0_offset + x;
			return x != STORE_VALUE_NULL32;
		}
		if ((c->present != NULL || c->all_present) && !c->use_key) {
			*v = row;
			return row_has(c, row);
		}
		x = c->use_key ? tup[2] : c->ord != NULL ? c->ord[row] : 0;
		*v = x;
		return x != STORE_VALUE_NULL32;
	case QCOL_CODES:
		x = code_at(c, row);
		*v = x;
		return x != STORE_VALUE_NULL32;
	case QCOL_DECIMAL:
		d = decimal_at(c, row);
		*v = (uint64_t)d;
		return d != STORE_VALUE_NULL64;
	default:
		*v = row;
		return true;
	}
}

/* One tuple into its group. */
static void
take(struct qagg_state *st, const uint32_t *tup)
{
	const struct qplan *plan = st->plan;
	const struct qcol *c;
	struct qacc *acc;
	uint64_t key = 0, v;
	uint32_t code, g;
	size_t i;

	for (i = 0; i < plan->ngroup; i++) {
		c = &plan->cols[plan->group[i]];
		code = code_at(c, tup[c->table]);
		key += (code == STORE_VALUE_NULL32 ? c->dict.n : code) *
		    st->stride[i];
	}
	g = query_agg_group(st, key);
	acc = &st->acc[(size_t)g * (plan->naggs + 1)];
	acc[plan->naggs].count++;		/* the group's tuples */
	for (i = 0; i < plan->naggs; i++) {
		if (plan->aggs[i].fn == QAGG_COUNT_STAR) {
			acc[i].count++;
			continue;
		}
		c = &plan->cols[plan->aggs[i].qcol];
		if (!value_of(c, tup, &v))
			continue;
		switch (plan->aggs[i].fn) {
		case QAGG_COUNT:
			acc[i].count++;
			break;
		case QAGG_SUM:
		case QAGG_AVG:
			acc[i].count++;
			acc[i].sum += (int64_t)v;
			break;
		default:
			if (st->dist[i].bits != NULL) {
				uint64_t bit = key * st->dist[i].space + v;

				st->dist[i].bits[bit >> 6] |= UINT64_C(1) <<
				    (bit & 63);
			} else
				distinct_add(&st->dist[i], g, v);
			break;
		}
	}
}

/* Prefetch the records tuple tup will read. */
static inline void
prefetch(const struct qplan *plan, const uint32_t *tup)
{
	const struct qcol *c;
	size_t i;

	for (i = 0; i < plan->ncols; i++) {
		c = &plan->cols[i];
		if (c->kind == QCOL_CODES || c->kind == QCOL_DECIMAL)
			__builtin_prefetch(record(&c->run, tup[c->table]));
		else if (c->key0 && tup[2] == STORE_VALUE_NULL32)
			__builtin_prefetch(&c->kid0[tup[c->table]]);
		else if (c->ord != NULL && !c->key0)
			__builtin_prefetch(&c->ord[tup[c->table]]);
		else if (c->present != NULL && !c->key0)
			__builtin_prefetch(&c->present[tup[c->table] >> 6]);
	}
}

/*
 * The second stage: the distinct bitmaps' words tuple tup will set, once
 * its values (prefetched by the first stage) are in the cache.
 */
static inline void
prefetch_bits(const struct qagg_state *st, const uint32_t *tup)
{
	const struct qplan *plan = st->plan;
	const struct qcol *c;
	uint64_t key = 0, v, bit;
	uint32_t code;
	size_t i;

	for (i = 0; i < plan->ngroup; i++) {
		c = &plan->cols[plan->group[i]];
		code = code_at(c, tup[c->table]);
		key += (code == STORE_VALUE_NULL32 ? c->dict.n : code) *
		    st->stride[i];
	}
	for (i = 0; i < plan->naggs; i++) {
		if (st->dist[i].bits == NULL ||
		    !value_of(&plan->cols[plan->aggs[i].qcol], tup, &v))
			continue;
		bit = key * st->dist[i].space + v;
		__builtin_prefetch(&st->dist[i].bits[bit >> 6], 1);
	}
}

void
query_agg_sink(void *arg, const uint32_t *tuples, size_t n)
{
	struct qagg_state *st = arg;
	const struct qplan *plan = st->plan;
	size_t w = plan->ntables + (plan->streamed ? 1 : 0), i;

	for (i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			prefetch(plan, tuples + (i + PREFETCH_AHEAD) * w);
		if (i + PREFETCH_AHEAD / 2 < n)
			prefetch_bits(st, tuples + (i + PREFETCH_AHEAD / 2) * w);
		if (plan->where != NULL && eval(plan, plan->where,
		    tuples + i * w) != 1)
			continue;
		take(st, tuples + i * w);
	}
}

void
query_agg_merge(struct qagg_state *dst, const struct qagg_state *src)
{
	const struct qplan *plan = dst->plan;
	size_t na = plan->naggs, g, a, i, words;
	const struct qacc *from;
	struct qacc *to;
	uint32_t *map, dg;

	map = xmalloc((src->ngroups + 1) * sizeof(*map));
	for (g = 0; g < src->ngroups; g++) {
		dg = query_agg_group(dst, src->keys[g]);
		map[g] = dg;
		from = &src->acc[g * (na + 1)];
		to = &dst->acc[(size_t)dg * (na + 1)];
		for (a = 0; a <= na; a++) {
			to[a].count += from[a].count;
			to[a].sum += from[a].sum;
		}
	}
	for (a = 0; a < na; a++) {
		if (src->dist[a].bits != NULL) {
			words = (dst->nkeys * dst->dist[a].space + 63) / 64;
			for (i = 0; i < words; i++)
				dst->dist[a].bits[i] |= src->dist[a].bits[i];
		}
		for (i = 0; src->dist[a].set != NULL &&
		    i < src->dist[a].nslots; i++)
			if (src->dist[a].set[i].used)
				distinct_add(&dst->dist[a],
				    map[src->dist[a].set[i].group],
				    src->dist[a].set[i].value);
	}
	free(map);
}

void
query_agg_free(struct qagg_state *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; st->dist != NULL && i < st->plan->naggs; i++) {
		free(st->dist[i].bits);
		free(st->dist[i].set);
	}
	free(st->dist);
	free(st->stride);
	free(st->direct);
	free(st->slots);
	free(st->keys);
	free(st->acc);
	free(st);
}
