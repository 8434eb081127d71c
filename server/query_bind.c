/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_bind.c: a parsed query bound to the collaboration's tables and
 * checked against their rules (query_plan.h): names resolved (with "did you
 * mean" hints), the tables' rules applied to every join, filter,
 * grouping and aggregate, the thresholds collected. Select items and
 * ORDER BY are bound in query_items.c, the names in scope in
 * query_scope.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_int.h"
#include "xmalloc.h"

/* The table of the catalog named name, or NULL. */
static Psid__TableInfo *
catalog_table(const struct qcatalog *cat, const char *name)
{
	size_t i;

	for (i = 0; i < cat->ntables; i++)
		if (strcmp(cat->tables[i]->name, name) == 0)
			return cat->tables[i];
	return NULL;
}

/* Whether table info's rule lets SQL aggregate it; else the reason. */
static int
table_allowed(struct qbind *b, const struct sql_table *t,
    const Psid__TableInfo *info)
{
	const Psid__AnalysisRule *r = info->rule;

	if (r == NULL || r->kind != PSID__ANALYSIS_RULE__KIND__AGGREGATION)
		return query_scope_fail(b, PSID__ERROR_CODE__FORBIDDEN, &t->pos,
		    "table %s has a list rule: its rows may be joined "
		    "(psictl join), not aggregated", info->name);
	if (r->privacy != NULL)
		return query_scope_fail(b, PSID__ERROR_CODE__FORBIDDEN, &t->pos,
		    "table %s is under a differential privacy policy, which "
		    "SQL queries do not support yet (use a count)", info->name);
	return 0;
}

/* Bind FROM and JOIN's tables. */
static int
bind_tables(struct qbind *b)
{
	const char *names[256];
	const struct sql_table *t;
	const char *hint;
	size_t i, j, n;

	for (i = 0; i < b->q->ntables; i++) {
		t = &b->q->tables[i];
		b->plan->tables[i].info = catalog_table(b->cat, t->name);
		if (b->plan->tables[i].info == NULL) {
			for (n = 0; n < b->cat->ntables && n < 256; n++)
				names[n] = b->cat->tables[n]->name;
			hint = sql_suggest(t->name, names, n);
			return query_scope_fail(b, PSID__ERROR_CODE__NOT_FOUND, &t->pos,
			    "no table %s in this collaboration%s%s%s", t->name,
			    hint ? " (did you mean " : "", hint ? hint : "",
			    hint ? "?)" : "");
		}
		if (table_allowed(b, t, b->plan->tables[i].info) != 0)
			return -1;
		b->plan->tables[i].name = t->name;
		b->plan->tables[i].alias = t->alias ? t->alias : t->name;
		b->plan->tables[i].rows = b->plan->tables[i].info->rows;
		for (j = 0; j < i; j++)
			if (strcmp(b->plan->tables[j].alias,
			    b->plan->tables[i].alias) == 0)
				return query_scope_fail(b,
				    PSID__ERROR_CODE__BAD_REQUEST, t->alias ?
				    &t->alias_pos : &t->pos, "%s names two "
				    "tables of the query: give each an alias",
				    b->plan->tables[i].alias);
	}
	b->plan->ntables = b->q->ntables;
	return 0;
}

/* Whether name is in list[0..n). */
static bool
listed(char *const *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* One side of a join equality: a join column of its table. */
static int
bind_join_side(struct qbind *b, const struct sql_colref *c, unsigned *table,
    unsigned *qcol)
{
	const Psid__TableInfo *info;
	const Psid__AnalysisRule *r;
	char cols[256];
	size_t col;

	if (query_scope_resolve(b, c, table, &col) != 0)
		return -1;
	info = b->plan->tables[*table].info;
	r = info->rule;
	if (info->columns[col]->type != PSID__COLUMN_TYPE__COLUMN_FINGERPRINT)
		return query_scope_fail(b, PSID__ERROR_CODE__FORBIDDEN, &c->pos,
		    "column %s.%s is not a fingerprint column: joins are on "
		    "fingerprints only", b->plan->tables[*table].alias,
		    c->column);
	if (r->n_join_columns > 0 && !listed(r->join_columns,
	    r->n_join_columns, info->columns[col]->name)) {
		query_scope_list(cols, sizeof(cols), r->join_columns, r->n_join_columns);
		return query_scope_fail(b, PSID__ERROR_CODE__FORBIDDEN, &c->pos,
		    "column %s.%s may not be joined on: table %s allows joins "
		    "on %s only", b->plan->tables[*table].alias, c->column,
		    info->name, cols);
	}
	*qcol = query_scope_qcol(b, *table, col, QCOL_FP);
	return 0;
}

/* An equality of JOIN k: one side of table k, the other earlier. */
static int
bind_eq(struct qbind *b, const struct sql_cond *c, unsigned k,
    struct qcond *out, unsigned *tables_seen)
{
	unsigned tl, tr, ql, qr, tmp;
	const char *nl, *nr;

	if (bind_join_side(b, &c->left, &tl, &ql) != 0 ||
	    bind_join_side(b, &c->right, &tr, &qr) != 0)
		return -1;
	if (tl == k) {
		tmp = tl, tl = tr, tr = tmp;
		tmp = ql, ql = qr, qr = tmp;
	}
	if (tr != k || tl >= k)
		return query_scope_fail(b, PSID__ERROR_CODE__BAD_REQUEST, &c->pos,
		    "each equality of JOIN %s must compare a column of %s with "
		    "one of a table joined before it", b->plan->tables[k].alias,
		    b->plan->tables[k].alias);
	nl = b->plan->tables[tl].info->columns[b->plan->cols[ql].col]->name;
	nr = b->plan->tables[tr].info->columns[b->plan->cols[qr].col]->name;
	if (!b->cat->different_names_ok && strcmp(nl, nr) != 0)
		return query_scope_fail(b, PSID__ERROR_CODE__FORBIDDEN, &c->pos,
		    "%s.%s and %s.%s have different names, and the "
		    "collaboration does not allow joins on columns with "
		    "different names", b->plan->tables[tl].alias, nl,
		    b->plan->tables[tr].alias, nr);
	out->kind = SQL_COND_EQ;
	out->left = ql;
	out->right = qr;
	*tables_seen |= 1u << tl | 1u << tr;
	return 0;
}

/* A join condition of JOIN k; OR only where every table under it allows. */
static int
bind_cond(struct qbind *b, const struct sql_cond *c, unsigned k,
    struct qcond *out, unsigned *tables_seen)
{
	unsigned seen = 0, t;
	size_t i;

	if (c->kind == SQL_COND_EQ)
		return bind_eq(b, c, k, out, tables_seen);
	out->kind = c->kind;
	out->nargs = c->nargs;
	out->args = xcalloc(c->nargs, sizeof(*out->args));
	for (i = 0; i < c->nargs; i++)
		if (bind_cond(b, c->args[i], k, &out->args[i], &seen) != 0)
			return -1;
	for (t = 0; c->kind == SQL_COND_OR && t < b->plan->ntables; t++)
		if ((seen & 1u << t) &&
		    !b->plan->tables[t].info->rule->allow_or)
			return query_scope_fail(b, PSID__ERROR_CODE__FORBIDDEN, &c->pos,
			    "OR joins table %s, whose rule allows AND only "
			    "(allowedJoinOperators)", b->plan->tables[t].info->name);
	*tables_seen |= seen;
	return 0;
}

/* A dimension column (WHERE, GROUP BY): its CODES qcol into *qcol. */
static int
bind_dimension(struct qbind *b, const struct sql_colref *c, const char *what,
    unsigned *qcol)
{
	const Psid__TableInfo *info;
	const Psid__AnalysisRule *r;
	char cols[256];
	unsigned t;
	size_t col;

	if (query_scope_resolve(b, c, &t, &col) != 0)
		return -1;
	info = b->plan->tables[t].info;
	r = info->rule;
	if (!listed(r->dimension_columns, r->n_dimension_columns,
	    info->columns[col]->name)) {
		query_scope_list(cols, sizeof(cols), r->dimension_columns,
		    r->n_dimension_columns);
		return query_scope_fail(b, PSID__ERROR_CODE__FORBIDDEN, &c->pos,
		    "column %s.%s may not be %s: table %s %s%s%s",
		    b->plan->tables[t].alias, c->column, what, info->name,
		    r->n_dimension_columns > 0 ? "allows dimension columns " :
		    "has no dimension columns", cols,
		    r->n_dimension_columns > 0 ? " only" : "");
	}
	*qcol = query_scope_qcol(b, t, col, QCOL_CODES);
	return 0;
}

/* A WHERE predicate. */
static int
bind_pred(struct qbind *b, const struct sql_pred *p, struct qpred *out)
{
	size_t i;

	out->kind = p->kind;
	switch (p->kind) {
	case SQL_PRED_EQ:
	case SQL_PRED_NE:
	case SQL_PRED_IN:
		out->lits = p->lits;
		out->nlits = p->nlits;
		return bind_dimension(b, &p->col, "filtered on", &out->qcol);
	default:
		out->nargs = p->nargs;
		out->args = xcalloc(p->nargs, sizeof(*out->args));
		for (i = 0; i < p->nargs; i++)
			if (bind_pred(b, p->args[i], &out->args[i]) != 0)
				return -1;
		return 0;
	}
}

/* Every table's thresholds: its output constraints, or its min_rows. */
static void
bind_thresholds(struct qbind *b)
{
	struct qplan *p = b->plan;
	const Psid__AnalysisRule *r;
	const Psid__TableInfo *info;
	size_t i, t;
	int col;
	unsigned q;

	for (t = 0; t < p->ntables; t++) {
		info = p->tables[t].info;
		r = info->rule;
		for (i = 0; i < r->n_output_constraints; i++) {
			col = query_scope_column(info, r->output_constraints[i]->column);
			if (col < 0)
				continue;	/* checked at upload */
			q = query_scope_qcol(b, (unsigned)t, (size_t)col,
			    info->columns[col]->type ==
			    PSID__COLUMN_TYPE__COLUMN_FINGERPRINT ? QCOL_FP :
			    QCOL_CODES);
			query_items_threshold(b, (unsigned)t, q,
			    r->output_constraints[i]->minimum);
		}
		if (r->n_output_constraints == 0 && r->min_rows > 0)
			query_items_threshold(b, (unsigned)t, query_scope_qcol(b, (unsigned)t, 0,
			    QCOL_ROWID), r->min_rows);
	}
}

int
query_bind(const struct sql_query *q, const struct qcatalog *cat,
    struct qplan *plan, struct qerror *err)
{
	struct qbind b = { q, cat, plan, err };
	unsigned seen, k;
	size_t i;

	memset(plan, 0, sizeof(*plan));
	if (bind_tables(&b) != 0)
		return -1;
	for (k = 1; k < plan->ntables; k++) {
		seen = 0;
		plan->on[k] = xcalloc(1, sizeof(*plan->on[k]));
		if (bind_cond(&b, q->tables[k].on, k, plan->on[k], &seen) != 0)
			return -1;
	}
	if (q->where != NULL) {
		plan->where = xcalloc(1, sizeof(*plan->where));
		if (bind_pred(&b, q->where, plan->where) != 0)
			return -1;
	}
	plan->group = xcalloc(q->ngroup > 0 ? q->ngroup : 1,
	    sizeof(*plan->group));
	for (i = 0; i < q->ngroup; i++) {
		if (bind_dimension(&b, &q->group[i], "grouped by",
		    &plan->group[plan->ngroup]) != 0)
			return -1;
		plan->ngroup++;
	}
	if (query_items_bind(&b) != 0 || query_items_order(&b) != 0)
		return -1;
	bind_thresholds(&b);
	plan->has_limit = q->has_limit;
	plan->limit = q->limit;
	return 0;
}
