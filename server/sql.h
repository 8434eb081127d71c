/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sql.h: the SQL subset psid answers aggregate queries in (issue 11),
 * parsed into a tree; nothing here knows tables, columns or rules, which
 * a later binding step checks against the collaboration.
 *
 *   query  := SELECT item [, item]... FROM table [[AS] alias]
 *             [[INNER] JOIN table [[AS] alias] ON cond]...
 *             [WHERE pred] [GROUP BY colref [, colref]...]
 *             [ORDER BY key [ASC|DESC] [, key [ASC|DESC]]...]
 *             [LIMIT integer] [;]
 *   item   := colref [AS name] | agg [AS name]
 *   agg    := COUNT(*) | COUNT([DISTINCT] colref)
 *           | SUM([DISTINCT] colref) | AVG(colref)
 *   colref := [qualifier.]column
 *   key    := colref (a column or an item's name) | position (from 1)
 *   cond   := colref = colref | cond AND cond | cond OR cond | (cond)
 *   pred   := colref = 'lit' | colref <> 'lit'
 *           | colref IN ('lit' [, 'lit']...) | NOT pred
 *           | pred AND pred | pred OR pred | (pred)
 *
 * NOT binds tighter than AND, AND tighter than OR. Keywords and
 * identifiers ([A-Za-z_][A-Za-z0-9_]*, at most SQL_IDENT_MAX bytes) are
 * case-insensitive; identifiers are kept in lower case, and keywords are
 * reserved. A literal is in single quotes, '' standing for one quote; it
 * may hold any byte but NUL. "--" starts a comment to the end of the
 * line. A query joins 1 to SQL_MAX_TABLES tables, and nests parentheses
 * and NOTs at most SQL_MAX_DEPTH deep, so that no input can exhaust the
 * stack of the parser or of a walk over its tree.
 *
 * Every node keeps where it starts in the text (line and column from 1;
 * a column counts characters, so a UTF-8 sequence is one), for the
 * binding step's messages. AND and OR nodes hold their operands in one
 * array, so a long chain of them is flat, not deep.
 *
 * One struct sql_query owns every node and string of its tree (an arena):
 * sql_free() releases them all at once.
 */
#ifndef PSID_SQL_H
#define PSID_SQL_H

#include <stddef.h>
#include <stdint.h>

/* Longest query text, in bytes; longer is refused before lexing. */
#define SQL_MAX_TEXT (1024 * 1024)
/* Most tables a query may join. */
#define SQL_MAX_TABLES 16
/* Deepest nesting of parentheses and NOTs in a condition or predicate. */
#define SQL_MAX_DEPTH 64
/* Longest identifier, in bytes. */
#define SQL_IDENT_MAX 128
/* Room for any error message, its NUL included. */
#define SQL_ERR_MAX 256

/* Where a node starts in the query text; line and column count from 1. */
struct sql_pos {
	unsigned line;
	unsigned column;
};

/* [qualifier.]column; qualifier is NULL when absent. */
struct sql_colref {
	struct sql_pos pos;
	const char *qualifier;
	const char *column;
	struct sql_pos column_pos;	/* where column itself starts */
};

enum sql_agg {
	SQL_AGG_NONE,			/* a plain column */
	SQL_AGG_COUNT_STAR,		/* COUNT(*): col unused */
	SQL_AGG_COUNT,
	SQL_AGG_COUNT_DISTINCT,
	SQL_AGG_SUM,
	SQL_AGG_SUM_DISTINCT,
	SQL_AGG_AVG
};

/* One select item: a column or an aggregate of one, maybe named. */
struct sql_item {
	struct sql_pos pos;
	enum sql_agg agg;
	struct sql_colref col;
	const char *name;		/* AS name, or NULL */
	struct sql_pos name_pos;
};

enum sql_cond_kind {
	SQL_COND_EQ,			/* left = right */
	SQL_COND_AND,			/* every one of args */
	SQL_COND_OR			/* any one of args */
};

/* A join condition. */
struct sql_cond {
	enum sql_cond_kind kind;
	struct sql_pos pos;
	struct sql_colref left, right;	/* SQL_COND_EQ */
	struct sql_cond **args;		/* AND, OR: nargs >= 2 */
	size_t nargs;
};

/* A table of FROM or JOIN. */
struct sql_table {
	struct sql_pos pos;
	const char *name;
	const char *alias;		/* or NULL */
	struct sql_pos alias_pos;
	struct sql_cond *on;		/* NULL for the first table only */
};

/* A string literal: len bytes at text (NUL-terminated, no NUL inside). */
struct sql_lit {
	struct sql_pos pos;
	const char *text;
	size_t len;
};

enum sql_pred_kind {
	SQL_PRED_EQ,			/* col = lits[0] */
	SQL_PRED_NE,			/* col <> lits[0] */
	SQL_PRED_IN,			/* col IN (lits[0], ...) */
	SQL_PRED_NOT,			/* NOT args[0] */
	SQL_PRED_AND,			/* every one of args, nargs >= 2 */
	SQL_PRED_OR			/* any one of args, nargs >= 2 */
};

/* A WHERE predicate. */
struct sql_pred {
	enum sql_pred_kind kind;
	struct sql_pos pos;
	struct sql_colref col;
	struct sql_lit *lits;
	size_t nlits;
	struct sql_pred **args;
	size_t nargs;
};

/* An ORDER BY key: a name (position 0) or a select list position. */
struct sql_order {
	struct sql_pos pos;
	struct sql_colref col;		/* when position is 0 */
	unsigned position;		/* 1 to nitems, or 0 */
	int desc;
};

struct sql_arena;

/* A parsed query. Everything it points to lives until sql_free(). */
struct sql_query {
	struct sql_item *items;
	size_t nitems;			/* >= 1 */
	struct sql_table *tables;
	size_t ntables;			/* 1 to SQL_MAX_TABLES */
	struct sql_pred *where;		/* or NULL */
	struct sql_colref *group;
	size_t ngroup;
	struct sql_order *order;
	size_t norder;
	int has_limit;
	uint64_t limit;			/* at most INT64_MAX */
	struct sql_pos limit_pos;
	struct sql_arena *arena;	/* owns all of the above */
};

/* Why a query was refused. */
struct sql_error {
	/* Where, or line 0 when the text as a whole is refused. */
	struct sql_pos pos;
	/* One line, no newline: "line 1, column 41: expected FROM, found
	 * 'FORM'", or "the query is over 1 MiB". */
	char message[SQL_ERR_MAX];
};

/*
 * Parse the query text[0..len) (not NUL-terminated; a NUL byte in it is
 * an error). Returns 0 and sets *out to a tree the caller releases with
 * sql_free(), or -1 with *out NULL and err filled: text over
 * SQL_MAX_TEXT bytes (refused before any lexing), a character no token
 * starts with, an unterminated string literal, an identifier over
 * SQL_IDENT_MAX bytes, an integer over INT64_MAX, a token the grammar
 * does not allow where it is ("expected FROM, found 'FORM'"), nesting
 * over SQL_MAX_DEPTH, a table past SQL_MAX_TABLES (at its name), or an
 * ORDER BY position outside the select list. Nothing is left allocated
 * on error. Out of memory is fatal (xmalloc.h).
 */
int sql_parse(const char *text, size_t len, struct sql_query **out,
    struct sql_error *err);

/* Release q and everything in its tree; q may be NULL. */
void sql_free(struct sql_query *q);

/*
 * The query q as canonical SQL text on one line: keywords in upper case,
 * identifiers as parsed, literals quoted again, each optional clause only
 * when present, parentheses only where the tree needs them, so that
 * parsing the result gives a tree that prints the same. Used by tests and
 * debugging to compare trees. The caller frees the result with free().
 */
char *sql_print(const struct sql_query *q);

/*
 * The candidate of candidates[0..n) closest to word by edit distance
 * (Levenshtein: one insertion, deletion or substitution of a byte each),
 * when that distance is at most 2; the first of equally close ones.
 * Returns that pointer (one of candidates), or NULL when none is within
 * 2 or n is 0. For "did you mean" hints: sql_suggest("amout", cols, n).
 */
const char *sql_suggest(const char *word, const char *const *candidates,
    size_t n);

#endif /* PSID_SQL_H */
