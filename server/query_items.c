/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_items.c: a query's select items, aggregates, thresholds and
 * ORDER BY bound and checked against the tables' rules (query_int.h),
 * and a plan freed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_int.h"
#include "xmalloc.h"

static const char *
rule_function_name(Psid__AggregateColumn__Function f)
{
	static const char *const names[] = { "COUNT", "COUNT_DISTINCT", "SUM",
	    "SUM_DISTINCT", "AVG" };

	return (unsigned)f < 5 ? names[f] : "?";
}

static Psid__AggregateColumn__Function
rule_function(enum sql_agg a)
{
	switch (a) {
	case SQL_AGG_COUNT_DISTINCT:
		return PSID__AGGREGATE_COLUMN__FUNCTION__COUNT_DISTINCT;
	case SQL_AGG_SUM:
		return PSID__AGGREGATE_COLUMN__FUNCTION__SUM;
	case SQL_AGG_SUM_DISTINCT:
		return PSID__AGGREGATE_COLUMN__FUNCTION__SUM_DISTINCT;
	case SQL_AGG_AVG:
		return PSID__AGGREGATE_COLUMN__FUNCTION__AVG;
	default:
		return PSID__AGGREGATE_COLUMN__FUNCTION__COUNT;
	}
}

static enum qagg
plan_function(enum sql_agg a)
{
	switch (a) {
	case SQL_AGG_COUNT_STAR:
		return QAGG_COUNT_STAR;
	case SQL_AGG_COUNT_DISTINCT:
		return QAGG_COUNT_DISTINCT;
	case SQL_AGG_SUM:
		return QAGG_SUM;
	case SQL_AGG_SUM_DISTINCT:
		return QAGG_SUM_DISTINCT;
	case SQL_AGG_AVG:
		return QAGG_AVG;
	default:
		return QAGG_COUNT;
	}
}

unsigned
query_items_aggregate(struct qbind *b, enum qagg fn, unsigned qcol)
{
	struct qplan *p = b->plan;
	size_t i;

	for (i = 0; i < p->naggs; i++)
		if (p->aggs[i].fn == fn && (fn == QAGG_COUNT_STAR ||
		    p->aggs[i].qcol == qcol))
			return (unsigned)i;
	p->aggs = xrealloc(p->aggs, (p->naggs + 1) * sizeof(*p->aggs));
	p->aggs[p->naggs].fn = fn;
	p->aggs[p->naggs].qcol = qcol;
	if (fn != QAGG_COUNT_STAR && p->cols[qcol].kind == QCOL_FP)
		p->cols[qcol].need_ord = true;
	return (unsigned)p->naggs++;
}

void
query_items_threshold(struct qbind *b, unsigned table, unsigned qcol,
    uint64_t minimum)
{
	struct qplan *p = b->plan;

	p->thresholds = xrealloc(p->thresholds, (p->nthresholds + 1) *
	    sizeof(*p->thresholds));
	p->thresholds[p->nthresholds].agg = query_items_aggregate(b,
	    QAGG_COUNT_DISTINCT, qcol);
	p->thresholds[p->nthresholds].minimum = minimum;
	p->thresholds[p->nthresholds].table = table;
	p->nthresholds++;
}

/* What the rule of table t allows, as "SUM on amount, AVG on amount". */
static void
allowed_list(const Psid__AnalysisRule *r, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < r->n_aggregate_columns && len + 1 < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s on %s",
		    i > 0 ? ", " : "",
		    rule_function_name(r->aggregate_columns[i]->function),
		    r->aggregate_columns[i]->column);
}

/* An aggregate item: allowed by its table's rule; its aggregate index. */
static int
bind_aggregate(struct qbind *b, const struct sql_item *it, int *agg)
{
	const Psid__TableInfo *info;
	const Psid__AnalysisRule *r;
	Psid__AggregateColumn__Function f = rule_function(it->agg);
	char allowed[256];
	enum qcol_kind kind;
	unsigned t;
	size_t col, i;

	if (it->agg == SQL_AGG_COUNT_STAR) {
		*agg = (int)query_items_aggregate(b, QAGG_COUNT_STAR, 0);
		return 0;
	}
	if (query_scope_resolve(b, &it->col, &t, &col) != 0)
		return -1;
	info = b->plan->tables[t].info;
	r = info->rule;
	for (i = 0; i < r->n_aggregate_columns; i++)
		if (r->aggregate_columns[i]->function == f &&
		    strcmp(r->aggregate_columns[i]->column,
		    info->columns[col]->name) == 0)
			break;
	if (i == r->n_aggregate_columns) {
		allowed_list(r, allowed, sizeof(allowed));
		return query_scope_fail(b, PSID__ERROR_CODE__FORBIDDEN, &it->col.pos,
		    "column %s.%s may not be aggregated with %s: table %s "
		    "%s%s%s", b->plan->tables[t].alias, it->col.column,
		    rule_function_name(f), info->name,
		    allowed[0] ? "allows " : "allows no aggregate", allowed,
		    allowed[0] ? " only" : "");
	}
	if (info->columns[col]->type == PSID__COLUMN_TYPE__COLUMN_FINGERPRINT)
		kind = QCOL_FP;
	else if (f == PSID__AGGREGATE_COLUMN__FUNCTION__COUNT ||
	    f == PSID__AGGREGATE_COLUMN__FUNCTION__COUNT_DISTINCT)
		kind = QCOL_CODES;
	else
		kind = QCOL_DECIMAL;
	*agg = (int)query_items_aggregate(b, plan_function(it->agg),
	    query_scope_qcol(b, t, col, kind));
	return 0;
}

/* The result column's name of an item without AS: "sum(p.amount)". */
static char *
item_name(const struct sql_item *it)
{
	static const char *const fn[] = { "", "count", "count", "count",
	    "sum", "sum", "avg" };
	char buf[2 * SQL_IDENT_MAX + 32];

	if (it->name != NULL)
		return xstrdup(it->name);
	if (it->agg == SQL_AGG_NONE)
		return xstrdup(it->col.column);
	if (it->agg == SQL_AGG_COUNT_STAR)
		return xstrdup("count(*)");
	snprintf(buf, sizeof(buf), "%s(%s%s%s%s)", fn[it->agg],
	    it->agg == SQL_AGG_COUNT_DISTINCT ||
	    it->agg == SQL_AGG_SUM_DISTINCT ? "distinct " : "",
	    it->col.qualifier ? it->col.qualifier : "",
	    it->col.qualifier ? "." : "", it->col.column);
	return xstrdup(buf);
}

/* A plain item: one of GROUP BY's columns. */
static int
bind_plain(struct qbind *b, const struct sql_item *it, int *group)
{
	struct qplan *p = b->plan;
	unsigned t;
	size_t col, i;

	if (query_scope_resolve(b, &it->col, &t, &col) != 0)
		return -1;
	for (i = 0; i < p->ngroup; i++)
		if (p->cols[p->group[i]].table == t &&
		    p->cols[p->group[i]].col == col) {
			*group = (int)i;
			return 0;
		}
	return query_scope_fail(b, PSID__ERROR_CODE__BAD_REQUEST, &it->col.pos,
	    "%s%s%s must be in GROUP BY or inside an aggregate",
	    it->col.qualifier ? it->col.qualifier : "",
	    it->col.qualifier ? "." : "", it->col.column);
}

int
query_items_bind(struct qbind *b)
{
	struct qplan *p = b->plan;
	const struct sql_item *it;
	struct qitem *qi;
	size_t i;

	p->items = xcalloc(b->q->nitems, sizeof(*p->items));
	for (i = 0; i < b->q->nitems; i++) {
		it = &b->q->items[i];
		qi = &p->items[i];
		qi->group = qi->agg = -1;
		qi->name = item_name(it);
		p->nitems++;
		if (it->agg == SQL_AGG_NONE) {
			qi->kind = PSID__VALUE_KIND__VALUE_TEXT;
			if (bind_plain(b, it, &qi->group) != 0)
				return -1;
			continue;
		}
		qi->kind = it->agg == SQL_AGG_SUM || it->agg ==
		    SQL_AGG_SUM_DISTINCT || it->agg == SQL_AGG_AVG ?
		    PSID__VALUE_KIND__VALUE_DECIMAL :
		    PSID__VALUE_KIND__VALUE_INTEGER;
		if (bind_aggregate(b, it, &qi->agg) != 0)
			return -1;
	}
	return 0;
}

/* The item ORDER BY key o names, or -1 after query_scope_fail. */
static int
order_item(struct qbind *b, const struct sql_order *o)
{
	const struct qplan *p = b->plan;
	const struct sql_item *it;
	unsigned t, ti;
	size_t col, i, ci;

	if (o->position > 0)
		return (int)o->position - 1;
	for (i = 0; o->col.qualifier == NULL && i < b->q->nitems; i++)
		if (b->q->items[i].name != NULL &&
		    strcmp(b->q->items[i].name, o->col.column) == 0)
			return (int)i;
	if (query_scope_resolve(b, &o->col, &t, &col) != 0)
		goto not_in_result;
	for (i = 0; i < b->q->nitems; i++) {
		it = &b->q->items[i];
		if (it->agg != SQL_AGG_NONE || p->items[i].group < 0)
			continue;
		ti = p->cols[p->group[p->items[i].group]].table;
		ci = p->cols[p->group[p->items[i].group]].col;
		if (ti == t && ci == col)
			return (int)i;
	}
not_in_result:
	return query_scope_fail(b, PSID__ERROR_CODE__BAD_REQUEST, &o->pos,
	    "ORDER BY %s%s%s is not a column of the result",
	    o->col.qualifier ? o->col.qualifier : "",
	    o->col.qualifier ? "." : "", o->col.column);
}

int
query_items_order(struct qbind *b)
{
	struct qplan *p = b->plan;
	size_t i;
	int item;

	p->order = xcalloc(b->q->norder > 0 ? b->q->norder : 1,
	    sizeof(*p->order));
	for (i = 0; i < b->q->norder; i++) {
		if ((item = order_item(b, &b->q->order[i])) < 0)
			return -1;
		p->order[i].item = (unsigned)item;
		p->order[i].desc = b->q->order[i].desc;
		p->norder++;
	}
	return 0;
}

static void
cond_free(struct qcond *c)
{
	size_t i;

	for (i = 0; c != NULL && i < c->nargs; i++)
		cond_free(&c->args[i]);
	if (c != NULL)
		free(c->args);
}

static void
pred_free(struct qpred *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nargs; i++)
		pred_free(&p->args[i]);
	free(p->args);
	free(p->truth);
}

void
query_items_free(struct qplan *plan)
{
	size_t i;

	free(plan->cols);
	for (i = 1; i < SQL_MAX_TABLES; i++) {
		cond_free(plan->on[i]);
		free(plan->on[i]);
	}
	pred_free(plan->where);
	free(plan->where);
	free(plan->group);
	free(plan->aggs);
	free(plan->thresholds);
	for (i = 0; i < plan->nitems; i++)
		free(plan->items[i].name);
	free(plan->items);
	free(plan->order);
	memset(plan, 0, sizeof(*plan));
}
