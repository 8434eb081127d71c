/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_join.c: the joined tuples of a query (query_plan.h), as SQL's inner
 * join makes them (duplicates multiply; a pair of rows matching on two
 * keys of an OR counts once).
 *
 * Two tables on one equality or an OR of equalities, the common cases,
 * stream (query_stream.c), with nothing materialised. Otherwise the tuples are built table by table,
 * left to right: JOIN k's condition becomes the sorted list of (tuple,
 * row of k) it accepts, an equality by the pairs of its two join indexes
 * looked up by row (CSR: the pairs bucketed by the earlier table's row),
 * AND an intersection and OR a union of sorted lists (LSD radix sort on
 * 16-bit digits); the tuples are then extended by that list, and the
 * last table's go to the sink in batches.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_plan.h"
#include "xmalloc.h"

#define SINK_BATCH 4096
/* Joined pairs or tuples held in memory at once (a u64 each, or two u32). */
#define MAX_HELD	(UINT64_C(1) << 27)

/* A growable list of u64 (tuple << 32 | row). */
struct u64list {
	uint64_t *v;
	size_t n, cap;
};

static void
u64_push(struct u64list *l, uint64_t x)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 1024 : l->cap * 2;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = x;
}

/* LSD radix sort of l on 16-bit digits, skipping digits all equal. */
static void
u64_sort(struct u64list *l)
{
	uint64_t *tmp, *src = l->v, *dst, *swap;
	size_t (*cnt)[65536], i, sum, c;
	unsigned d;

	if (l->n < 2)
		return;
	cnt = xcalloc(4, sizeof(*cnt));
	for (i = 0; i < l->n; i++)
		for (d = 0; d < 4; d++)
			cnt[d][(src[i] >> (16 * d)) & 0xffff]++;
	tmp = xmalloc(l->n * sizeof(*tmp));
	dst = tmp;
	for (d = 0; d < 4; d++) {
		if (cnt[d][(src[0] >> (16 * d)) & 0xffff] == l->n)
			continue;
		for (i = 0, sum = 0; i < 65536; i++) {
			c = cnt[d][i];
			cnt[d][i] = sum;
			sum += c;
		}
		for (i = 0; i < l->n; i++)
			dst[cnt[d][(src[i] >> (16 * d)) & 0xffff]++] = src[i];
		swap = src, src = dst, dst = swap;
	}
	if (src != l->v)
		memcpy(l->v, src, l->n * sizeof(*src));
	free(tmp);
	free(cnt);
}

/* Pairs of one equality: (row of the earlier table, row of table k). */
struct pairs {
	uint32_t *a, *b;
	size_t n, cap;
};

static int
collect_pair(void *arg, uint64_t l, uint64_t r)
{
	struct pairs *p = arg;

	if (p->n >= MAX_HELD)
		return 1;	/* too large: the caller refuses the query */
	if (p->n == p->cap) {
		p->cap = p->cap == 0 ? 4096 : p->cap * 2;
		p->a = xrealloc(p->a, p->cap * sizeof(*p->a));
		p->b = xrealloc(p->b, p->cap * sizeof(*p->b));
	}
	p->a[p->n] = (uint32_t)l;
	p->b[p->n++] = (uint32_t)r;
	return 0;
}

/* The tuples built so far: n of width w (identity: tuple i is row i). */
struct tuples {
	uint32_t *v;
	size_t n, w;
	bool identity;
};

struct joiner {
	const struct qplan *plan;
	struct store_read *rd;
	const char *collab;
	struct qerror *err;
};

static int
join_fail(struct joiner *j, const char *e)
{
	j->err->code = PSID__ERROR_CODE__INTERNAL;
	snprintf(j->err->message, sizeof(j->err->message), "a join: %s", e);
	return -1;
}

/* Refuse a join that makes more rows than psid holds or streams. */
static int
join_too_large(struct joiner *j, uint64_t limit)
{
	j->err->code = PSID__ERROR_CODE__TOO_LARGE;
	snprintf(j->err->message, sizeof(j->err->message), "the join makes "
	    "over %llu rows; narrow it (a more selective key, AND, or fewer "
	    "tables)", (unsigned long long)limit);
	return -1;
}

/* The refs of an equality's two join indexes. */
static void
eq_refs(const struct qplan *plan, const struct qcond *c,
    struct store_setref *l, struct store_setref *r)
{
	const struct qcol *a = &plan->cols[c->left], *b = &plan->cols[c->right];

	l->table = plan->tables[a->table].name;
	l->column = a->fpno;
	r->table = plan->tables[b->table].name;
	r->column = b->fpno;
}

/* The sorted (tuple, row of k) list an equality accepts. */
static int
eval_eq(struct joiner *j, const struct qcond *c, const struct tuples *t,
    struct u64list *out)
{
	const struct qplan *plan = j->plan;
	unsigned ta = plan->cols[c->left].table;
	uint64_t rows = plan->tables[ta].rows, i, x;
	struct store_setref l, r;
	struct pairs p = { NULL, NULL, 0, 0 };
	uint32_t *start, *rowk;
	char e[256];
	int rc;

	eq_refs(plan, c, &l, &r);
	if ((rc = store_read_join(j->rd, j->collab, &l, &r, collect_pair, &p,
	    e, sizeof(e))) != STORE_OK) {
		free(p.a);
		free(p.b);
		return rc == STORE_STOPPED ? join_too_large(j, MAX_HELD) :
		    join_fail(j, e);
	}
	if (t->identity) {
		/* The first table's rows are the tuples: no lookup needed. */
		for (i = 0; i < p.n; i++)
			u64_push(out, (uint64_t)p.a[i] << 32 | p.b[i]);
		free(p.a);
		free(p.b);
		return 0;
	}
	start = xcalloc(rows + 1, sizeof(*start));
	rowk = xmalloc((p.n > 0 ? p.n : 1) * sizeof(*rowk));
	for (i = 0; i < p.n; i++)
		start[p.a[i] + 1]++;
	for (i = 0; i < rows; i++)
		start[i + 1] += start[i];
	for (i = 0; i < p.n; i++)
		rowk[start[p.a[i]]++] = p.b[i];
	for (i = rows; i > 0; i--)
		start[i] = start[i - 1];
	start[0] = 0;
	for (i = 0, rc = 0; i < t->n && rc == 0; i++) {
		uint32_t ra = t->v[i * t->w + ta];

		if (out->n + (start[ra + 1] - start[ra]) > MAX_HELD)
			rc = join_too_large(j, MAX_HELD);
		for (x = start[ra]; rc == 0 && x < start[ra + 1]; x++)
			u64_push(out, (uint64_t)i << 32 | rowk[x]);
	}
	free(start);
	free(rowk);
	free(p.a);
	free(p.b);
	return rc;
}

/* a := a AND b (intersection) or a OR b (union), both sorted. */
static void
combine(struct u64list *a, const struct u64list *b, bool or)
{
	struct u64list out = { NULL, 0, 0 };
	size_t i = 0, k = 0;

	while (i < a->n || k < b->n) {
		if (k == b->n || (i < a->n && a->v[i] < b->v[k])) {
			if (or)
				u64_push(&out, a->v[i]);
			i++;
		} else if (i == a->n || b->v[k] < a->v[i]) {
			if (or)
				u64_push(&out, b->v[k]);
			k++;
		} else {
			u64_push(&out, a->v[i]);
			i++, k++;
		}
	}
	free(a->v);
	*a = out;
}

static int
eval_cond(struct joiner *j, const struct qcond *c, const struct tuples *t,
    struct u64list *out)
{
	struct u64list sub;
	size_t i;

	if (c->kind == SQL_COND_EQ)
		return eval_eq(j, c, t, out);
	/* AND and OR merge sorted lists; an equality's is sorted by tuple
	 * only. */
	if (eval_cond(j, &c->args[0], t, out) != 0)
		return -1;
	if (c->args[0].kind == SQL_COND_EQ)
		u64_sort(out);
	for (i = 1; i < c->nargs; i++) {
		memset(&sub, 0, sizeof(sub));
		if (eval_cond(j, &c->args[i], t, &sub) != 0) {
			free(sub.v);
			return -1;
		}
		if (c->args[i].kind == SQL_COND_EQ)
			u64_sort(&sub);
		combine(out, &sub, c->kind == SQL_COND_OR);
		free(sub.v);
	}
	return 0;
}

/* Extend t by the accepted list: to sink when last, else into t. */
static void
extend(struct tuples *t, const struct u64list *l, bool last,
    query_sink_fn *sink, void *arg)
{
	size_t w = t->w + 1, i, fill = 0;
	uint32_t *nv = last ? xmalloc(SINK_BATCH * w * sizeof(*nv)) :
	    xmalloc((l->n > 0 ? l->n : 1) * w * sizeof(*nv)), *dst;

	for (i = 0; i < l->n; i++) {
		dst = nv + (last ? fill : i) * w;
		memcpy(dst, t->v + (l->v[i] >> 32) * t->w, t->w * sizeof(*dst));
		dst[t->w] = (uint32_t)l->v[i];
		if (last && ++fill == SINK_BATCH) {
			sink(arg, nv, fill);
			fill = 0;
		}
	}
	if (last && fill > 0)
		sink(arg, nv, fill);
	free(t->v);
	t->v = nv;
	t->n = last ? 0 : l->n;
	t->w = w;
	t->identity = false;
}

int
query_join(const struct qplan *plan, struct store_read *rd,
    const char *collab, query_sink_fn *sink, void *const *args,
    unsigned nargs, struct qerror *err)
{
	struct joiner j = { plan, rd, collab, err };
	void *arg = args[0];
	struct tuples t;
	struct u64list l;
	uint64_t i;
	unsigned k;

	if (plan->streamed)
		return query_stream(plan, rd, collab, sink, args, nargs, err);
	t.w = 1;
	t.identity = true;
	t.n = plan->tables[0].rows;
	t.v = xmalloc((t.n > 0 ? t.n : 1) * sizeof(*t.v));
	for (i = 0; i < t.n; i++)
		t.v[i] = (uint32_t)i;
	if (plan->ntables == 1) {
		for (i = 0; i < t.n; i += SINK_BATCH)
			sink(arg, t.v + i, t.n - i < SINK_BATCH ?
			    (size_t)(t.n - i) : SINK_BATCH);
		free(t.v);
		return 0;
	}
	for (k = 1; k < plan->ntables; k++) {
		memset(&l, 0, sizeof(l));
		if (t.n > UINT32_MAX || eval_cond(&j, plan->on[k], &t,
		    &l) != 0) {
			free(l.v);
			free(t.v);
			if (t.n > UINT32_MAX)
				return join_too_large(&j, UINT32_MAX);
			return -1;
		}
		extend(&t, &l, k + 1 == plan->ntables, sink, arg);
		free(l.v);
	}
	free(t.v);
	return 0;
}
