/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sql_parse.c: the recursive descent of psid's SQL subset (grammar in
 * sql.h) over the tokens of sql_lex.c, one token of lookahead. Each rule
 * is a function returning 0, or -1 with the error filled at the token
 * that does not fit; everything it builds is in the query's arena, so an
 * error anywhere frees the whole tree at once. Recursion happens only
 * through a parenthesis or a NOT, each counted against SQL_MAX_DEPTH, and
 * AND and OR gather their operands in a loop.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sql_int.h"

struct parser {
	struct sql_lexer lex;
	struct sql_token tok;		/* the current token */
	struct sql_arena *arena;
	struct sql_error *err;
	unsigned depth;
};

static int
advance(struct parser *p)
{
	return sql_lex_next(&p->lex, &p->tok, p->err);
}

/* "expected WHAT, found ..." at the current token. Returns -1. */
static int
expected(struct parser *p, const char *what)
{
	const struct sql_token *t = &p->tok;
	int n = t->len > 40 ? 40 : (int)t->len;

	if (t->kind == SQL_T_END)
		return sql_error_at(p->err, t->pos,
		    "expected %s, found end of query", what);
	if (t->kind == SQL_T_STRING)
		return sql_error_at(p->err, t->pos,
		    "expected %s, found a string literal", what);
	return sql_error_at(p->err, t->pos, "expected %s, found '%.*s'%s",
	    what, n, t->start, (size_t)n < t->len ? "..." : "");
}

/* The current token must be kind (described as what): step over it. */
static int
expect(struct parser *p, enum sql_tok kind, const char *what)
{
	if (p->tok.kind != kind)
		return expected(p, what);
	return advance(p);
}

/* An identifier into *name and *pos. */
static int
parse_name(struct parser *p, const char **name, struct sql_pos *pos,
    const char *what)
{
	if (p->tok.kind != SQL_T_IDENT)
		return expected(p, what);
	*name = p->tok.text;
	*pos = p->tok.pos;
	return advance(p);
}

/* [qualifier.]column */
static int
parse_colref(struct parser *p, struct sql_colref *c)
{
	const char *name = NULL;
	struct sql_pos pos = p->tok.pos;

	c->pos = p->tok.pos;
	if (parse_name(p, &name, &pos, "a column") != 0)
		return -1;
	if (p->tok.kind != SQL_T_DOT) {
		c->column = name;
		c->column_pos = pos;
		return 0;
	}
	c->qualifier = name;
	if (advance(p) != 0)
		return -1;
	return parse_name(p, &c->column, &c->column_pos, "a column name");
}

/* One more level of parentheses or NOT, at the current token. */
static int
deeper(struct parser *p)
{
	if (++p->depth > SQL_MAX_DEPTH)
		return sql_error_at(p->err, p->tok.pos,
		    "parentheses and NOTs nested over %d deep", SQL_MAX_DEPTH);
	return 0;
}

/* ------------------------------------------------------------ the join */

static int parse_cond_or(struct parser *, struct sql_cond **);

/* colref = colref | (cond) */
static int
parse_cond_primary(struct parser *p, struct sql_cond **out)
{
	struct sql_cond *c;

	if (p->tok.kind == SQL_T_LPAREN) {
		if (deeper(p) != 0 || advance(p) != 0 ||
		    parse_cond_or(p, out) != 0 ||
		    expect(p, SQL_T_RPAREN, "')'") != 0)
			return -1;
		p->depth--;
		return 0;
	}
	c = sql_arena_alloc(p->arena, sizeof(*c));
	c->kind = SQL_COND_EQ;
	c->pos = p->tok.pos;
	if (parse_colref(p, &c->left) != 0 ||
	    expect(p, SQL_T_EQ, "'='") != 0 ||
	    parse_colref(p, &c->right) != 0)
		return -1;
	*out = c;
	return 0;
}

/* operand [op operand]...: AND over primaries, OR over ANDs. */
static int
parse_cond_list(struct parser *p, enum sql_cond_kind kind,
    struct sql_cond **out)
{
	enum sql_tok op = kind == SQL_COND_AND ? SQL_T_AND : SQL_T_OR;
	struct sql_cond *c, *arg, **args = NULL;
	size_t n = 0, cap = 0;
	int rc;

	for (;;) {
		rc = kind == SQL_COND_AND ? parse_cond_primary(p, &arg) :
		    parse_cond_list(p, SQL_COND_AND, &arg);
		if (rc != 0)
			return -1;
		args = sql_arena_push(p->arena, args, &n, &cap, sizeof(*args));
		args[n - 1] = arg;
		if (p->tok.kind != op)
			break;
		if (advance(p) != 0)
			return -1;
	}
	if (n == 1) {
		*out = args[0];
		return 0;
	}
	c = sql_arena_alloc(p->arena, sizeof(*c));
	c->kind = kind;
	c->pos = args[0]->pos;
	c->args = args;
	c->nargs = n;
	*out = c;
	return 0;
}

static int
parse_cond_or(struct parser *p, struct sql_cond **out)
{
	return parse_cond_list(p, SQL_COND_OR, out);
}

/* table [[AS] alias] */
static int
parse_table(struct parser *p, struct sql_table *t)
{
	if (parse_name(p, &t->name, &t->pos, "a table") != 0)
		return -1;
	if (p->tok.kind == SQL_T_AS) {
		if (advance(p) != 0)
			return -1;
		return parse_name(p, &t->alias, &t->alias_pos, "an alias");
	}
	if (p->tok.kind == SQL_T_IDENT)
		return parse_name(p, &t->alias, &t->alias_pos, "an alias");
	return 0;
}

/* FROM table [alias] [[INNER] JOIN table [alias] ON cond]... */
static int
parse_from(struct parser *p, struct sql_query *q)
{
	struct sql_table *t;
	size_t cap = 0;

	if (expect(p, SQL_T_FROM, "FROM") != 0)
		return -1;
	for (;;) {
		if (q->ntables == SQL_MAX_TABLES)
			return sql_error_at(p->err, p->tok.pos,
			    "more than %d tables in a query", SQL_MAX_TABLES);
		q->tables = sql_arena_push(p->arena, q->tables, &q->ntables,
		    &cap, sizeof(*t));
		t = &q->tables[q->ntables - 1];
		if (parse_table(p, t) != 0)
			return -1;
		if (q->ntables > 1 && (expect(p, SQL_T_ON, "ON") != 0 ||
		    parse_cond_or(p, &t->on) != 0))
			return -1;
		if (p->tok.kind == SQL_T_INNER) {
			if (advance(p) != 0)
				return -1;
			if (p->tok.kind != SQL_T_JOIN)
				return expected(p, "JOIN");
		}
		if (p->tok.kind != SQL_T_JOIN)
			return 0;
		if (advance(p) != 0)
			return -1;
	}
}

/* ------------------------------------------------------ the select list */

/* COUNT(*) | COUNT([DISTINCT] c) | SUM([DISTINCT] c) | AVG(c) */
static int
parse_agg(struct parser *p, struct sql_item *it)
{
	enum sql_tok fn = p->tok.kind;
	int distinct = 0;

	if (advance(p) != 0 || expect(p, SQL_T_LPAREN, "'('") != 0)
		return -1;
	if (fn == SQL_T_COUNT && p->tok.kind == SQL_T_STAR) {
		it->agg = SQL_AGG_COUNT_STAR;
		if (advance(p) != 0)
			return -1;
		return expect(p, SQL_T_RPAREN, "')'");
	}
	if (fn != SQL_T_AVG && p->tok.kind == SQL_T_DISTINCT) {
		distinct = 1;
		if (advance(p) != 0)
			return -1;
	}
	if (fn == SQL_T_COUNT)
		it->agg = distinct ? SQL_AGG_COUNT_DISTINCT : SQL_AGG_COUNT;
	else if (fn == SQL_T_SUM)
		it->agg = distinct ? SQL_AGG_SUM_DISTINCT : SQL_AGG_SUM;
	else
		it->agg = SQL_AGG_AVG;
	if (parse_colref(p, &it->col) != 0)
		return -1;
	return expect(p, SQL_T_RPAREN, "')'");
}

/* item [, item]... */
static int
parse_items(struct parser *p, struct sql_query *q)
{
	struct sql_item *it;
	size_t cap = 0;
	int rc;

	for (;;) {
		q->items = sql_arena_push(p->arena, q->items, &q->nitems, &cap,
		    sizeof(*it));
		it = &q->items[q->nitems - 1];
		it->pos = p->tok.pos;
		switch (p->tok.kind) {
		case SQL_T_IDENT:
			rc = parse_colref(p, &it->col);
			break;
		case SQL_T_COUNT:
		case SQL_T_SUM:
		case SQL_T_AVG:
			rc = parse_agg(p, it);
			break;
		default:
			return expected(p, "a column, COUNT, SUM or AVG");
		}
		if (rc != 0)
			return -1;
		if (p->tok.kind == SQL_T_AS && (advance(p) != 0 ||
		    parse_name(p, &it->name, &it->name_pos, "a name") != 0))
			return -1;
		if (p->tok.kind != SQL_T_COMMA)
			return 0;
		if (advance(p) != 0)
			return -1;
	}
}

/* ---------------------------------------------------------- the filter */

static int parse_pred_or(struct parser *, struct sql_pred **);

/* A string literal, pushed onto pr's. */
static int
parse_lit(struct parser *p, struct sql_pred *pr, size_t *cap)
{
	struct sql_lit *l;

	if (p->tok.kind != SQL_T_STRING)
		return expected(p, "a string literal");
	pr->lits = sql_arena_push(p->arena, pr->lits, &pr->nlits, cap,
	    sizeof(*l));
	l = &pr->lits[pr->nlits - 1];
	l->pos = p->tok.pos;
	l->text = p->tok.text;
	l->len = p->tok.text_len;
	return advance(p);
}

/* colref = 'lit' | colref <> 'lit' | colref IN ('lit', ...) */
static int
parse_compare(struct parser *p, struct sql_pred *pr)
{
	size_t cap = 0;

	if (parse_colref(p, &pr->col) != 0)
		return -1;
	switch (p->tok.kind) {
	case SQL_T_EQ:
	case SQL_T_NE:
		pr->kind = p->tok.kind == SQL_T_EQ ? SQL_PRED_EQ : SQL_PRED_NE;
		if (advance(p) != 0)
			return -1;
		return parse_lit(p, pr, &cap);
	case SQL_T_IN:
		pr->kind = SQL_PRED_IN;
		if (advance(p) != 0 || expect(p, SQL_T_LPAREN, "'('") != 0)
			return -1;
		for (;;) {
			if (parse_lit(p, pr, &cap) != 0)
				return -1;
			if (p->tok.kind != SQL_T_COMMA)
				return expect(p, SQL_T_RPAREN, "',' or ')'");
			if (advance(p) != 0)
				return -1;
		}
	default:
		return expected(p, "'=', '<>' or IN");
	}
}

/* NOT pred | (pred) | a comparison */
static int
parse_pred_not(struct parser *p, struct sql_pred **out)
{
	struct sql_pred *pr;

	if (p->tok.kind == SQL_T_LPAREN) {
		if (deeper(p) != 0 || advance(p) != 0 ||
		    parse_pred_or(p, out) != 0 ||
		    expect(p, SQL_T_RPAREN, "')'") != 0)
			return -1;
		p->depth--;
		return 0;
	}
	pr = sql_arena_alloc(p->arena, sizeof(*pr));
	pr->pos = p->tok.pos;
	*out = pr;
	if (p->tok.kind != SQL_T_NOT)
		return parse_compare(p, pr);
	pr->kind = SQL_PRED_NOT;
	pr->args = sql_arena_alloc(p->arena, sizeof(*pr->args));
	pr->nargs = 1;
	if (deeper(p) != 0 || advance(p) != 0 ||
	    parse_pred_not(p, &pr->args[0]) != 0)
		return -1;
	p->depth--;
	return 0;
}

/* operand [op operand]...: AND over NOTs, OR over ANDs. */
static int
parse_pred_list(struct parser *p, enum sql_pred_kind kind,
    struct sql_pred **out)
{
	enum sql_tok op = kind == SQL_PRED_AND ? SQL_T_AND : SQL_T_OR;
	struct sql_pred *pr, *arg, **args = NULL;
	size_t n = 0, cap = 0;
	int rc;

	for (;;) {
		rc = kind == SQL_PRED_AND ? parse_pred_not(p, &arg) :
		    parse_pred_list(p, SQL_PRED_AND, &arg);
		if (rc != 0)
			return -1;
		args = sql_arena_push(p->arena, args, &n, &cap, sizeof(*args));
		args[n - 1] = arg;
		if (p->tok.kind != op)
			break;
		if (advance(p) != 0)
			return -1;
	}
	if (n == 1) {
		*out = args[0];
		return 0;
	}
	pr = sql_arena_alloc(p->arena, sizeof(*pr));
	pr->kind = kind;
	pr->pos = args[0]->pos;
	pr->args = args;
	pr->nargs = n;
	*out = pr;
	return 0;
}

static int
parse_pred_or(struct parser *p, struct sql_pred **out)
{
	return parse_pred_list(p, SQL_PRED_OR, out);
}

/* ------------------------------------------------------------ the tail */

/* GROUP BY colref [, colref]... */
static int
parse_group(struct parser *p, struct sql_query *q)
{
	size_t cap = 0;

	if (advance(p) != 0 || expect(p, SQL_T_BY, "BY") != 0)
		return -1;
	for (;;) {
		q->group = sql_arena_push(p->arena, q->group, &q->ngroup, &cap,
		    sizeof(*q->group));
		if (parse_colref(p, &q->group[q->ngroup - 1]) != 0)
			return -1;
		if (p->tok.kind != SQL_T_COMMA)
			return 0;
		if (advance(p) != 0)
			return -1;
	}
}

/* One ORDER BY key: a position in the select list or a name. */
static int
parse_order_key(struct parser *p, struct sql_query *q, struct sql_order *o)
{
	o->pos = p->tok.pos;
	if (p->tok.kind == SQL_T_INT) {
		if (p->tok.value < 1 || p->tok.value > q->nitems)
			return sql_error_at(p->err, p->tok.pos,
			    "ORDER BY %llu: the select list has %zu item%s",
			    (unsigned long long)p->tok.value, q->nitems,
			    q->nitems == 1 ? "" : "s");
		o->position = (unsigned)p->tok.value;
		if (advance(p) != 0)
			return -1;
	} else if (p->tok.kind != SQL_T_IDENT)
		return expected(p, "a column, a name or a position");
	else if (parse_colref(p, &o->col) != 0)
		return -1;
	if (p->tok.kind == SQL_T_ASC || p->tok.kind == SQL_T_DESC) {
		o->desc = p->tok.kind == SQL_T_DESC;
		return advance(p);
	}
	return 0;
}

/* ORDER BY key [ASC|DESC] [, key [ASC|DESC]]... */
static int
parse_order(struct parser *p, struct sql_query *q)
{
	size_t cap = 0;

	if (advance(p) != 0 || expect(p, SQL_T_BY, "BY") != 0)
		return -1;
	for (;;) {
		q->order = sql_arena_push(p->arena, q->order, &q->norder, &cap,
		    sizeof(*q->order));
		if (parse_order_key(p, q, &q->order[q->norder - 1]) != 0)
			return -1;
		if (p->tok.kind != SQL_T_COMMA)
			return 0;
		if (advance(p) != 0)
			return -1;
	}
}

/* [WHERE pred] [GROUP BY ...] [ORDER BY ...] [LIMIT n] [;] and the end. */
static int
parse_tail(struct parser *p, struct sql_query *q)
{
	if (p->tok.kind == SQL_T_WHERE && (advance(p) != 0 ||
	    parse_pred_or(p, &q->where) != 0))
		return -1;
	if (p->tok.kind == SQL_T_GROUP && parse_group(p, q) != 0)
		return -1;
	if (p->tok.kind == SQL_T_ORDER && parse_order(p, q) != 0)
		return -1;
	if (p->tok.kind == SQL_T_LIMIT) {
		if (advance(p) != 0)
			return -1;
		if (p->tok.kind != SQL_T_INT)
			return expected(p, "an integer");
		q->has_limit = 1;
		q->limit = p->tok.value;
		q->limit_pos = p->tok.pos;
		if (advance(p) != 0)
			return -1;
	}
	if (p->tok.kind == SQL_T_SEMI && advance(p) != 0)
		return -1;
	if (p->tok.kind != SQL_T_END)
		return expected(p, "end of query");
	return 0;
}

int
sql_parse(const char *text, size_t len, struct sql_query **out,
    struct sql_error *err)
{
	struct parser p;
	struct sql_query *q;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (len > SQL_MAX_TEXT) {
		snprintf(err->message, sizeof(err->message),
		    "the query is over %d MiB", SQL_MAX_TEXT / (1024 * 1024));
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.arena = sql_arena_new();
	p.err = err;
	q = sql_arena_alloc(p.arena, sizeof(*q));
	q->arena = p.arena;
	sql_lex_init(&p.lex, text, len, p.arena);
	if (advance(&p) != 0 || expect(&p, SQL_T_SELECT, "SELECT") != 0 ||
	    parse_items(&p, q) != 0 || parse_from(&p, q) != 0 ||
	    parse_tail(&p, q) != 0) {
		sql_arena_free(p.arena);
		return -1;
	}
	*out = q;
	return 0;
}
