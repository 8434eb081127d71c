/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_int.h: what the binding files of a query share (query_bind.c,
 * query_items.c, query_scope.c) and nothing else sees.
 */
#ifndef PSID_QUERY_INT_H
#define PSID_QUERY_INT_H

#include "query_plan.h"

/* A binding in progress. */
struct qbind {
	const struct sql_query *q;
	const struct qcatalog *cat;
	struct qplan *plan;
	struct qerror *err;
};

/*
 * Refuse the query: err gets code and "line L, column C: " (when pos has
 * a line) then the message. Returns -1.
 */
int query_scope_fail(struct qbind *b, Psid__ErrorCode code, const struct sql_pos *pos,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The table and column c names (qualified by an alias or a table name,
 * or unqualified and in exactly one table). Returns 0, or -1 after
 * query_scope_fail (unknown, with a hint; ambiguous).
 */
int query_scope_resolve(struct qbind *b, const struct sql_colref *c, unsigned *table,
    size_t *col);

/* The column named name of info, or -1. */
int query_scope_column(const Psid__TableInfo *info, const char *name);

/* The plan's qcol for (table, col, kind), added if new. */
unsigned query_scope_qcol(struct qbind *b, unsigned table, size_t col,
    enum qcol_kind kind);

/* list[0..n) as "a, b, c" into buf[0..size). */
void query_scope_list(char *buf, size_t size, char *const *list, size_t n);

/* The plan's aggregate (fn, qcol), added if new. */
unsigned query_items_aggregate(struct qbind *b, enum qagg fn, unsigned qcol);

/* Add table's threshold: COUNT DISTINCT of qcol at least minimum. */
void query_items_threshold(struct qbind *b, unsigned table, unsigned qcol,
    uint64_t minimum);

/* Bind the select items; then ORDER BY. Return 0, or -1 after query_scope_fail. */
int query_items_bind(struct qbind *b);
int query_items_order(struct qbind *b);

#endif /* PSID_QUERY_INT_H */
