/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_scope.c: the names of a query in scope while it is bound
 * (query_int.h): refusals with their position, columns resolved to their
 * tables (with "did you mean" hints), the plan's columns, name lists for
 * messages.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_int.h"
#include "xmalloc.h"

int
query_scope_fail(struct qbind *b, Psid__ErrorCode code, const struct sql_pos *pos,
    const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;

	b->err->code = code;
	if (pos != NULL && pos->line > 0)
		n = (size_t)snprintf(b->err->message, sizeof(b->err->message),
		    "line %u, column %u: ", pos->line, pos->column);
	va_start(ap, fmt);
	vsnprintf(b->err->message + n, sizeof(b->err->message) - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* The column named name of info, or -1. */
int
query_scope_column(const Psid__TableInfo *info, const char *name)
{
	size_t i;

	for (i = 0; i < info->n_columns; i++)
		if (strcmp(info->columns[i]->name, name) == 0)
			return (int)i;
	return -1;
}

/* "unknown column" with the closest column of table ti as a hint. */
static int
unknown_column(struct qbind *b, const struct sql_colref *c, int ti)
{
	const char *names[512], *hint = NULL;
	const Psid__TableInfo *info;
	size_t i, n = 0;
	unsigned t;

	for (t = 0; t < b->plan->ntables; t++) {
		if (ti >= 0 && (int)t != ti)
			continue;
		info = b->plan->tables[t].info;
		for (i = 0; i < info->n_columns && n < 512; i++)
			names[n++] = info->columns[i]->name;
	}
	hint = sql_suggest(c->column, names, n);
	if (c->qualifier != NULL)
		return query_scope_fail(b, PSID__ERROR_CODE__BAD_REQUEST, &c->pos,
		    "unknown column %s.%s%s%s%s%s%s", c->qualifier, c->column,
		    hint ? " (did you mean " : "", hint ? c->qualifier : "",
		    hint ? "." : "", hint ? hint : "", hint ? "?)" : "");
	return query_scope_fail(b, PSID__ERROR_CODE__BAD_REQUEST, &c->pos,
	    "unknown column %s%s%s%s", c->column, hint ? " (did you mean " :
	    "", hint ? hint : "", hint ? "?)" : "");
}

int
query_scope_resolve(struct qbind *b, const struct sql_colref *c, unsigned *table,
    size_t *col)
{
	const char *aliases[SQL_MAX_TABLES], *hint;
	int found = -1, ci;
	unsigned t;

	for (t = 0; c->qualifier != NULL && t < b->plan->ntables; t++)
		if (strcmp(b->plan->tables[t].alias, c->qualifier) == 0)
			found = (int)t;
	for (t = 0; c->qualifier != NULL && found < 0 &&
	    t < b->plan->ntables; t++)
		if (strcmp(b->plan->tables[t].name, c->qualifier) == 0)
			found = (int)t;
	if (c->qualifier != NULL && found < 0) {
		for (t = 0; t < b->plan->ntables; t++)
			aliases[t] = b->plan->tables[t].alias;
		hint = sql_suggest(c->qualifier, aliases, b->plan->ntables);
		return query_scope_fail(b, PSID__ERROR_CODE__BAD_REQUEST, &c->pos,
		    "no table or alias %s in the query%s%s%s", c->qualifier,
		    hint ? " (did you mean " : "", hint ? hint : "",
		    hint ? "?)" : "");
	}
	if (found >= 0) {
		if ((ci = query_scope_column(b->plan->tables[found].info,
		    c->column)) < 0)
			return unknown_column(b, c, found);
		*table = (unsigned)found;
		*col = (size_t)ci;
		return 0;
	}
	for (t = 0; t < b->plan->ntables; t++) {
		if ((ci = query_scope_column(b->plan->tables[t].info, c->column)) < 0)
			continue;
		if (found >= 0)
			return query_scope_fail(b, PSID__ERROR_CODE__BAD_REQUEST,
			    &c->pos, "column %s is ambiguous: %s.%s or %s.%s",
			    c->column, b->plan->tables[found].alias, c->column,
			    b->plan->tables[t].alias, c->column);
		found = (int)t;
		*table = t;
		*col = (size_t)ci;
	}
	return found >= 0 ? 0 : unknown_column(b, c, -1);
}

unsigned
query_scope_qcol(struct qbind *b, unsigned table, size_t col, enum qcol_kind kind)
{
	struct qplan *p = b->plan;
	const Psid__TableInfo *info = p->tables[table].info;
	struct qcol *c;
	size_t i;
	unsigned fpno = 0;

	for (i = 0; i < p->ncols; i++)
		if (p->cols[i].table == table && p->cols[i].col == col &&
		    p->cols[i].kind == kind)
			return (unsigned)i;
	p->cols = xrealloc(p->cols, (p->ncols + 1) * sizeof(*p->cols));
	c = &p->cols[p->ncols];
	memset(c, 0, sizeof(*c));
	c->table = table;
	c->col = col;
	c->kind = kind;
	for (i = 0; kind == QCOL_FP && i < col; i++)
		if (info->columns[i]->type ==
		    PSID__COLUMN_TYPE__COLUMN_FINGERPRINT)
			fpno++;
	c->fpno = fpno;
	return (unsigned)p->ncols++;
}

void
query_scope_list(char *buf, size_t size, char *const *list, size_t n)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n && len + 1 < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i > 0 ? ", " : "", list[i]);
}

