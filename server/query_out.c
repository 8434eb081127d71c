/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_out.c: a query's result from its groups (query_plan.h): distinct
 * counts and sums finished, every table's thresholds applied (a group
 * under one is left out and only counted), the values typed, ordered
 * (ORDER BY, then every column ascending, so that the result does not
 * depend on the order tuples came in; NULLs first as SQLite), limited,
 * and formatted (decimals exact, through decimal.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "query_agg.h"
#include "xmalloc.h"

/* One value of the result, typed for ordering. */
struct oval {
	bool null;
	uint64_t u;			/* INTEGER */
	__int128 d;			/* DECIMAL, at the item's scale */
	const uint8_t *text;		/* TEXT */
	size_t len;
};

struct outctx {
	const struct qplan *plan;
	struct oval *vals;		/* per kept group: nitems */
};

/* Distinct counts and sums per group and aggregate. */
static void
finish_distinct(struct qagg_state *st, uint64_t *dcount, __int128 *dsum)
{
	const struct qplan *plan = st->plan;
	const struct qdistinct *d;
	uint64_t from, to, b;
	size_t a, g, i;

	for (a = 0; a < plan->naggs; a++) {
		d = &st->dist[a];
		for (g = 0; d->bits != NULL && g < st->ngroups; g++) {
			from = st->keys[g] * d->space;
			to = from + d->space;
			for (b = from; b < to && (b & 63) != 0; b++)
				dcount[g * plan->naggs + a] +=
				    d->bits[b >> 6] >> (b & 63) & 1;
			for (; b + 64 <= to; b += 64)
				dcount[g * plan->naggs + a] += (uint64_t)
				    __builtin_popcountll(d->bits[b >> 6]);
			for (; b < to; b++)
				dcount[g * plan->naggs + a] +=
				    d->bits[b >> 6] >> (b & 63) & 1;
		}
		for (i = 0; d->set != NULL && i < d->nslots; i++) {
			if (!d->set[i].used)
				continue;
			dcount[d->set[i].group * plan->naggs + a]++;
			dsum[d->set[i].group * plan->naggs + a] +=
			    (int64_t)d->set[i].value;
		}
	}
}

/* Whether group g meets every threshold. */
static bool
meets_thresholds(const struct qplan *plan, size_t g, const uint64_t *dcount)
{
	size_t i;

	for (i = 0; i < plan->nthresholds; i++)
		if (dcount[g * plan->naggs + plan->thresholds[i].agg] <
		    plan->thresholds[i].minimum)
			return false;
	return true;
}

/* The value of item it in group g. */
static void
item_value(struct qagg_state *st, const struct qitem *it, size_t g,
    const uint64_t *dcount, const __int128 *dsum, struct oval *v)
{
	const struct qplan *plan = st->plan;
	const struct qcol *c;
	const struct qacc *acc;
	uint64_t code;
	size_t a;

	memset(v, 0, sizeof(*v));
	if (it->group >= 0) {
		c = &plan->cols[plan->group[it->group]];
		code = st->keys[g] / st->stride[it->group] %
		    ((uint64_t)c->dict.n + 1);
		if (code == c->dict.n)
			v->null = true;
		else
			v->text = valcol_dict_value(&c->dict, (uint32_t)code,
			    &v->len);
		return;
	}
	a = (size_t)it->agg;
	acc = &st->acc[g * (plan->naggs + 1) + a];
	switch (plan->aggs[a].fn) {
	case QAGG_COUNT_STAR:
	case QAGG_COUNT:
		v->u = acc->count;
		break;
	case QAGG_COUNT_DISTINCT:
		v->u = dcount[g * plan->naggs + a];
		break;
	case QAGG_SUM_DISTINCT:
		v->null = dcount[g * plan->naggs + a] == 0;
		v->d = dsum[g * plan->naggs + a];
		break;
	case QAGG_SUM:
		v->null = acc->count == 0;
		v->d = acc->sum;
		break;
	case QAGG_AVG: {
		struct decimal_sum s = { acc->sum, acc->count,
		    plan->cols[plan->aggs[a].qcol].scale };
		struct decimal_wide w;

		v->null = decimal_avg(&s, &w) != DECIMAL_OK;
		v->d = w.unscaled;
		break;
	}
	}
}

static int
compare_value(const struct qitem *it, const struct oval *a,
    const struct oval *b)
{
	int c;

	if (a->null || b->null)
		return (int)b->null - (int)a->null;
	switch (it->kind) {
	case PSID__VALUE_KIND__VALUE_INTEGER:
		return (a->u > b->u) - (a->u < b->u);
	case PSID__VALUE_KIND__VALUE_DECIMAL:
		return (a->d > b->d) - (a->d < b->d);
	default:
		c = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len);
		return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
	}
}

static int
compare_groups(const void *x, const void *y, void *arg)
{
	const struct outctx *o = arg;
	const struct qplan *p = o->plan;
	const struct oval *a = &o->vals[*(const size_t *)x * p->nitems];
	const struct oval *b = &o->vals[*(const size_t *)y * p->nitems];
	size_t i;
	int c;

	for (i = 0; i < p->norder; i++) {
		c = compare_value(&p->items[p->order[i].item],
		    &a[p->order[i].item], &b[p->order[i].item]);
		if (c != 0)
			return p->order[i].desc ? -c : c;
	}
	for (i = 0; i < p->nitems; i++)
		if ((c = compare_value(&p->items[i], &a[i], &b[i])) != 0)
			return c;
	return 0;
}

/* The text of v for item it (with its scale), malloc'd; NULL for NULL. */
static char *
format_value(const struct qitem *it, const struct oval *v)
{
	char buf[DECIMAL_TEXT_SIZE];
	struct decimal_wide w;
	char *s;

	if (v->null)
		return NULL;
	switch (it->kind) {
	case PSID__VALUE_KIND__VALUE_INTEGER:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->u);
		return xstrdup(buf);
	case PSID__VALUE_KIND__VALUE_DECIMAL:
		w.unscaled = v->d;
		w.scale = it->scale;
		if (decimal_format_wide(&w, buf, sizeof(buf)) < 0)
			return xstrdup("?");
		return xstrdup(buf);
	default:
		s = xmalloc(v->len + 1);
		memcpy(s, v->text, v->len);
		s[v->len] = '\0';
		return s;
	}
}

/* Each item's scale and the result's columns. */
static void
result_columns(struct qplan *plan, struct qresult *res)
{
	struct qitem *it;
	size_t i;

	res->ncolumns = plan->nitems;
	res->columns = xcalloc(plan->nitems, sizeof(*res->columns));
	for (i = 0; i < plan->nitems; i++) {
		it = &plan->items[i];
		if (it->kind == PSID__VALUE_KIND__VALUE_DECIMAL) {
			it->scale = plan->cols[plan->aggs[it->agg].qcol].scale;
			if (plan->aggs[it->agg].fn == QAGG_AVG)
				it->scale += DECIMAL_AVG_EXTRA;
		}
		psid__result_column__init(&res->columns[i]);
		res->columns[i].name = it->name;
		res->columns[i].kind = it->kind;
	}
}

int
query_agg_result(struct qagg_state *st, const struct qplan *plan,
    struct qresult *res, struct qerror *err)
{
	struct outctx o = { plan, NULL };
	size_t na = plan->naggs > 0 ? plan->naggs : 1, g, i, nkept = 0, n;
	uint64_t *dcount;
	__int128 *dsum;
	size_t *kept;

	(void)err;
	memset(res, 0, sizeof(*res));
	if (plan->ngroup == 0 && st->ngroups == 0)
		(void)query_agg_group(st, 0);	/* SQL: one row, even empty */
	result_columns((struct qplan *)plan, res);
	dcount = xcalloc(st->ngroups * na + 1, sizeof(*dcount));
	dsum = xcalloc(st->ngroups * na + 1, sizeof(*dsum));
	finish_distinct(st, dcount, dsum);
	kept = xmalloc((st->ngroups + 1) * sizeof(*kept));
	o.vals = xcalloc((st->ngroups + 1) * plan->nitems, sizeof(*o.vals));
	for (g = 0; g < st->ngroups; g++) {
		if (!meets_thresholds(plan, g, dcount)) {
			res->suppressed++;
			continue;
		}
		for (i = 0; i < plan->nitems; i++)
			item_value(st, &plan->items[i], g, dcount, dsum,
			    &o.vals[nkept * plan->nitems + i]);
		kept[nkept] = nkept;
		nkept++;
	}
	res->groups = nkept;
	qsort_r(kept, nkept, sizeof(*kept), compare_groups, &o);
	n = plan->has_limit && plan->limit < nkept ? (size_t)plan->limit :
	    nkept;
	res->nrows = n;
	res->cells = xcalloc(n * plan->nitems + 1, sizeof(*res->cells));
	for (g = 0; g < n; g++)
		for (i = 0; i < plan->nitems; i++)
			res->cells[g * plan->nitems + i] = format_value(
			    &plan->items[i], &o.vals[kept[g] * plan->nitems + i]);
	free(o.vals);
	free(kept);
	free(dcount);
	free(dsum);
	return 0;
}

void
query_result_free(struct qresult *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; res->cells != NULL && i < res->nrows * res->ncolumns; i++)
		free(res->cells[i]);
	free(res->cells);
	free(res->columns);
	memset(res, 0, sizeof(*res));
}
