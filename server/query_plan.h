/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_plan.h: an aggregate query (issue 11) from its parsed text (sql.h) to
 * its result: query_bind.c binds the tree to the collaboration's tables
 * and checks every table's rule (the errors name line and column);
 * query_load.c reads the columns it needs from one store snapshot;
 * query_join.c makes the joined row tuples (AND and OR of equal
 * fingerprints, 2 to 16 tables); query_agg.c filters, groups, aggregates
 * and applies the thresholds; query_out.c orders, limits and formats the
 * result. h_sql.c is the handler that runs them.
 *
 * Values are read columnar, never through the row text: a fingerprint
 * column through its join index (and, when counted, a per-row ordinal of
 * its fingerprint), a dimension as u32 dictionary codes, a summed column
 * as int64 at its scale (valcol.h).
 */
#ifndef PSID_QUERY_PLAN_H
#define PSID_QUERY_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psid.pb-c.h"
#include "sql.h"
#include "store.h"
#include "valcol.h"

/* A table of the query, as bound. */
struct qtable {
	const char *name;		/* the table's name */
	const char *alias;		/* as written, or the name */
	Psid__TableInfo *info;		/* its meta (owned by the caller) */
	uint64_t rows;
};

enum qcol_kind {
	QCOL_FP,		/* a fingerprint column: join index, ordinals */
	QCOL_CODES,		/* a dictionary column */
	QCOL_DECIMAL,		/* a decimal column */
	QCOL_ROWID		/* the row itself (a min_rows threshold) */
};

/* A column the query reads, loaded by query_load. */
struct qcol {
	unsigned table;		/* index in the query's tables */
	size_t col;		/* index in the table's columns */
	enum qcol_kind kind;
	unsigned fpno;		/* QCOL_FP: its set and join index column */
	bool need_ord;		/* QCOL_FP: per-row ordinals wanted */
	bool use_key;		/* QCOL_FP: the tuple's join key stands in */
	/* QCOL_FP, a column of an OR's first equality: its value is the
	 * tuple's key when the tuple has one (that equality matched it),
	 * else the key that equality gave the row (kid0), else its ordinal
	 * past key0_offset, so the values of one fingerprint agree. */
	bool key0;
	const uint32_t *kid0;
	uint64_t key0_offset;
	/* Loaded: */
	struct store_run run;	/* values (CODES, DECIMAL) */
	struct valcol_dict dict;	/* CODES */
	int scale;			/* DECIMAL */
	uint32_t *ord;		/* FP with need_ord: per row, NULL32 if none */
	/* FP with need_ord whose column repeats no fingerprint: rows with
	 * one, a bit each, and a row's value is the row (no ordinals). */
	uint64_t *present;
	/* ...and every row has one: no bits either (present stays NULL). */
	bool all_present;
	uint64_t space;		/* distinct values a record can take */
};

/* A join condition of one JOIN, as a tree over equalities. */
struct qcond {
	enum sql_cond_kind kind;
	unsigned left, right;	/* EQ: qcols; left of an earlier table */
	struct qcond *args;	/* AND, OR */
	size_t nargs;
};

/* A WHERE predicate, over dictionary columns. */
struct qpred {
	enum sql_pred_kind kind;
	unsigned qcol;		/* EQ, NE, IN */
	const struct sql_lit *lits;	/* EQ, NE, IN: in the query's tree */
	size_t nlits;
	uint8_t *truth;		/* per code: 1 true, 0 false (NULL: unknown) */
	struct qpred *args;	/* NOT, AND, OR */
	size_t nargs;
};

enum qagg {
	QAGG_COUNT_STAR, QAGG_COUNT, QAGG_COUNT_DISTINCT, QAGG_SUM,
	QAGG_SUM_DISTINCT, QAGG_AVG
};

/* An aggregate computed per group (a select item's or a threshold's). */
struct qaggregate {
	enum qagg fn;
	unsigned qcol;		/* unused for COUNT(*) */
};

/* A threshold: at least minimum of aggregate agg (a distinct count). */
struct qthreshold {
	unsigned agg;
	uint64_t minimum;
	unsigned table;		/* whose rule it is */
};

/* A select item: a grouped column, or an aggregate. */
struct qitem {
	char *name;		/* the result column's name */
	Psid__ValueKind kind;
	int group;		/* index in group[], or -1 */
	int agg;		/* index in aggs[], or -1 */
	int scale;		/* DECIMAL: digits after the point */
};

struct qorder {
	unsigned item;
	bool desc;
};

/* A bound query: what to read and compute. */
struct qplan {
	struct qtable tables[SQL_MAX_TABLES];
	size_t ntables;
	struct qcol *cols;
	size_t ncols;
	struct qcond *on[SQL_MAX_TABLES];	/* on[k]: JOIN k (k >= 1) */
	struct qpred *where;			/* or NULL */
	unsigned *group;			/* qcols (CODES) */
	size_t ngroup;
	struct qaggregate *aggs;
	size_t naggs;
	struct qthreshold *thresholds;
	size_t nthresholds;
	struct qitem *items;
	size_t nitems;
	struct qorder *order;
	size_t norder;
	bool has_limit;
	uint64_t limit;
	/* Set by query_load: two tables on one equality or an OR of
	 * equalities stream (query_stream.c); on one equality the tuples
	 * carry the key of their shared fingerprint after the row ids. */
	bool streamed;
	bool keyed;
	/* A streamed OR: the key its first equality gives each row of
	 * either table (query_stream.c fills them; STORE_VALUE_NULL32: none). */
	uint32_t *kid0_l, *kid0_r;
};

/* Threads a query's streamed join may use. */
#define QUERY_MAX_THREADS	4
/* Equalities of an OR that stream (more: the general join). */
#define SQL_MAX_STREAMED_KEYS	16

/* What a query needs of the collaboration to be bound. */
struct qcatalog {
	Psid__TableInfo **tables;	/* every table of the collaboration */
	size_t ntables;
	bool different_names_ok;	/* allowJoinsOnColumnsWithDifferentNames */
};

/* Why a query is refused: the reply's code and one line. */
struct qerror {
	Psid__ErrorCode code;
	char message[SQL_ERR_MAX + 128];
};

/*
 * Bind q against cat into *plan (zeroed first; free with query_free):
 * tables, aliases and columns resolved, every table's rule checked (an
 * aggregation rule, no privacy policy, join columns, OR allowed,
 * dimensions for WHERE and GROUP BY, each aggregate allowed on its
 * column, plain columns grouped), the thresholds of every table
 * collected. Returns 0, or -1 with err filled (BAD_REQUEST for what the
 * text gets wrong, FORBIDDEN for what a rule refuses; the message names
 * line and column where there is one).
 */
int query_bind(const struct sql_query *q, const struct qcatalog *cat,
    struct qplan *plan, struct qerror *err);

/*
 * Load every column of plan within rd (join indexes are read during the
 * join). Returns 0, or -1 with err set (a table changed under the query:
 * a value column missing or corrupt).
 */
int query_load(struct qplan *plan, struct store_read *rd, const char *collab,
    struct qerror *err);

/* The result of a query: rows of text cells, and its counts. */
struct qresult {
	Psid__ResultColumn *columns;	/* nitems, names owned by the plan */
	size_t ncolumns;
	char **cells;			/* nrows x ncolumns; NULL: SQL NULL */
	size_t nrows;
	uint64_t groups;		/* met every threshold */
	uint64_t suppressed;		/* left out under a threshold */
};

/*
 * A tuple sink: n joined tuples, row-major, each a row id per table then,
 * when plan->streamed, the key of the fingerprint the two rows share (on
 * an OR: only when its first equality matched them, else NULL32).
 */
typedef void query_sink_fn(void *arg, const uint32_t *tuples, size_t n);

/*
 * Join the tables of plan within rd and give every joined tuple (one row
 * id per table, in table order) to sink, in batches, with one of
 * args[0..nargs) (1..QUERY_MAX_THREADS; a streamed join runs nargs
 * threads, sink(args[i]) on thread i only; otherwise args[0] takes
 * all). Returns 0, or -1 with err set (a join index missing, a result
 * too large to hold or stream: TOO_LARGE).
 */
int query_join(const struct qplan *plan, struct store_read *rd,
    const char *collab, query_sink_fn *sink, void *const *args,
    unsigned nargs, struct qerror *err);

/* query_join's streamed case (plan->streamed), in query_stream.c. */
int query_stream(const struct qplan *plan, struct store_read *rd,
    const char *collab, query_sink_fn *sink, void *const *args,
    unsigned nargs, struct qerror *err);

struct qagg_state;

/*
 * A grouping state for plan (free with query_agg_free), or NULL when its
 * GROUP BY columns have more than 2^64 combinations (refuse the query).
 */
struct qagg_state *query_agg_new(const struct qplan *plan);

/* The sink that filters, groups and aggregates tuples (query_join's). */
query_sink_fn query_agg_sink;

/*
 * The groups of st as a result: thresholds applied, ordered, limited,
 * formatted into *res (free with query_result_free). Returns 0, or -1
 * with err set (a sum overflowed).
 */
int query_agg_result(struct qagg_state *st, const struct qplan *plan,
    struct qresult *res, struct qerror *err);

/*
 * Add src's groups, counts, sums and distinct values into dst (states of
 * one plan, filled by parts of one join).
 */
void query_agg_merge(struct qagg_state *dst, const struct qagg_state *src);

void query_agg_free(struct qagg_state *st);
void query_result_free(struct qresult *res);

/* Free what plan holds (not the tables' meta); NULL-safe on a zeroed plan. */
void query_free(struct qplan *plan);

/* Free what query_bind made of plan, when nothing was loaded (fuzzing). */
void query_items_free(struct qplan *plan);

#endif /* PSID_QUERY_PLAN_H */
