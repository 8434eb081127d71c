/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_int.h: what the binding files of a query share (query_bind.c,
 * query_items.c) and nothing else sees.
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
int qb_fail(struct qbind *b, Psid__ErrorCode code, const struct sql_pos *pos,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The table and column c names (qualified by an alias or a table name,
 * or unqualified and in exactly one table). Returns 0, or -1 after
 * qb_fail (unknown, with a hint; ambiguous).
 */
int qb_resolve(struct qbind *b, const struct sql_colref *c, unsigned *table,
    size_t *col);

/* The plan's qcol for (table, col, kind), added if new. */
unsigned qb_qcol(struct qbind *b, unsigned table, size_t col,
    enum qcol_kind kind);

/*
 * A dimension column of its table's rule (what: "filtered on", "grouped
 * by"): its CODES qcol into *qcol. Returns 0, or -1 after qb_fail.
 */
int qb_dimension(struct qbind *b, const struct sql_colref *c,
    const char *what, unsigned *qcol);

/* list[0..n) as "a, b, c" into buf[0..size). */
void qb_list(char *buf, size_t size, char *const *list, size_t n);

/* The plan's aggregate (fn, qcol), added if new. */
unsigned qb_aggregate(struct qbind *b, enum qagg fn, unsigned qcol);

/* Add table's threshold: COUNT DISTINCT of qcol at least minimum. */
void qb_threshold(struct qbind *b, unsigned table, unsigned qcol,
    uint64_t minimum);

/* Bind the select items; then ORDER BY. Return 0, or -1 after qb_fail. */
int qb_items(struct qbind *b);
int qb_order(struct qbind *b);

#endif /* PSID_QUERY_INT_H */
