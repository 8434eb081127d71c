/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sql_ast.c: the memory of a parsed query (sql.h) and its printed form.
 * A tree's nodes and strings come from one arena, a list of blocks freed
 * together by sql_free(), so that no error path of the parser has
 * anything of its own to release. sql_print() writes the canonical text
 * of a tree, which tests compare and the fuzz target parses again.
 */
#include "config.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_int.h"
#include "xmalloc.h"

#define ARENA_BLOCK 4096

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

struct sql_arena {
	struct arena_block *head;
};

struct sql_arena *
sql_arena_new(void)
{
	return xcalloc(1, sizeof(struct sql_arena));
}

void
sql_arena_free(struct sql_arena *a)
{
	struct arena_block *b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void *
sql_arena_alloc(struct sql_arena *a, size_t size)
{
	struct arena_block *b = a->head;
	size_t al = alignof(max_align_t);
	void *p;

	size = (size + al - 1) / al * al;
	if (b == NULL || b->size - b->used < size) {
		size_t bsize = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;

		b = xmalloc(sizeof(*b) + bsize);
		b->size = bsize;
		b->used = 0;
		/* A large block goes behind the current one, which stays in
		 * use for small requests. */
		if (bsize > ARENA_BLOCK && a->head != NULL) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

void *
sql_arena_push(struct sql_arena *a, void *arr, size_t *n, size_t *cap,
    size_t size)
{
	unsigned char *p = arr;

	if (*n == *cap) {
		size_t ncap = *cap != 0 ? *cap * 2 : 4;

		p = sql_arena_alloc(a, ncap * size);
		if (*n != 0)
			memcpy(p, arr, *n * size);
		*cap = ncap;
	}
	memset(p + (*n)++ * size, 0, size);
	return p;
}

void
sql_free(struct sql_query *q)
{
	if (q != NULL)
		sql_arena_free(q->arena);
}

/* ------------------------------------------------------------- printing */

struct buf {
	char *s;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->cap - b->len <= n) {
		while (b->cap - b->len <= n)
			b->cap = b->cap != 0 ? b->cap * 2 : 256;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
print_colref(struct buf *b, const struct sql_colref *c)
{
	if (c->qualifier != NULL) {
		buf_str(b, c->qualifier);
		buf_str(b, ".");
	}
	buf_str(b, c->column);
}

static void
print_lit(struct buf *b, const struct sql_lit *l)
{
	size_t i;

	buf_str(b, "'");
	for (i = 0; i < l->len; i++)
		buf_add(b, l->text[i] == '\'' ? "''" : l->text + i,
		    l->text[i] == '\'' ? 2 : 1);
	buf_str(b, "'");
}

static void
print_item(struct buf *b, const struct sql_item *it)
{
	static const char *const fn[] = {
		[SQL_AGG_COUNT] = "COUNT(", [SQL_AGG_COUNT_DISTINCT] =
		    "COUNT(DISTINCT ", [SQL_AGG_SUM] = "SUM(",
		[SQL_AGG_SUM_DISTINCT] = "SUM(DISTINCT ", [SQL_AGG_AVG] = "AVG("
	};

	if (it->agg == SQL_AGG_COUNT_STAR)
		buf_str(b, "COUNT(*)");
	else if (it->agg == SQL_AGG_NONE)
		print_colref(b, &it->col);
	else {
		buf_str(b, fn[it->agg]);
		print_colref(b, &it->col);
		buf_str(b, ")");
	}
	if (it->name != NULL) {
		buf_str(b, " AS ");
		buf_str(b, it->name);
	}
}

/*
 * A condition under a parent of rank outer (OR 1, AND 2, the top 0):
 * parentheses where the parent binds at least as tightly, so that the
 * text parses back to the same tree.
 */
static void
print_cond(struct buf *b, const struct sql_cond *c, int outer)
{
	int rank = c->kind == SQL_COND_OR ? 1 : 2, paren;
	size_t i;

	if (c->kind == SQL_COND_EQ) {
		print_colref(b, &c->left);
		buf_str(b, " = ");
		print_colref(b, &c->right);
		return;
	}
	paren = rank <= outer;
	if (paren)
		buf_str(b, "(");
	for (i = 0; i < c->nargs; i++) {
		if (i > 0)
			buf_str(b, c->kind == SQL_COND_AND ? " AND " : " OR ");
		print_cond(b, c->args[i], rank);
	}
	if (paren)
		buf_str(b, ")");
}

/* Binding strength: OR 1, AND 2, NOT 3, a comparison 4. */
static int
pred_rank(enum sql_pred_kind k)
{
	return k == SQL_PRED_OR ? 1 : k == SQL_PRED_AND ? 2 :
	    k == SQL_PRED_NOT ? 3 : 4;
}

static void
print_pred_leaf(struct buf *b, const struct sql_pred *p)
{
	size_t i;

	print_colref(b, &p->col);
	if (p->kind != SQL_PRED_IN) {
		buf_str(b, p->kind == SQL_PRED_EQ ? " = " : " <> ");
		print_lit(b, &p->lits[0]);
		return;
	}
	buf_str(b, " IN (");
	for (i = 0; i < p->nlits; i++) {
		if (i > 0)
			buf_str(b, ", ");
		print_lit(b, &p->lits[i]);
	}
	buf_str(b, ")");
}

/* A predicate under a parent of rank outer (0 at the top). */
static void
print_pred(struct buf *b, const struct sql_pred *p, int outer)
{
	int rank = pred_rank(p->kind), paren;
	size_t i;

	if (rank == 4) {
		print_pred_leaf(b, p);
		return;
	}
	/* An AND under an AND is one the text grouped: keep its parens. */
	paren = rank < outer || (rank == outer && rank != 3);
	if (paren)
		buf_str(b, "(");
	if (p->kind == SQL_PRED_NOT) {
		buf_str(b, "NOT ");
		print_pred(b, p->args[0], rank);
	} else
		for (i = 0; i < p->nargs; i++) {
			if (i > 0)
				buf_str(b, p->kind == SQL_PRED_AND ? " AND " :
				    " OR ");
			print_pred(b, p->args[i], rank);
		}
	if (paren)
		buf_str(b, ")");
}

static void
print_tables(struct buf *b, const struct sql_query *q)
{
	size_t i;

	for (i = 0; i < q->ntables; i++) {
		buf_str(b, i == 0 ? " FROM " : " JOIN ");
		buf_str(b, q->tables[i].name);
		if (q->tables[i].alias != NULL) {
			buf_str(b, " ");
			buf_str(b, q->tables[i].alias);
		}
		if (q->tables[i].on != NULL) {
			buf_str(b, " ON ");
			print_cond(b, q->tables[i].on, 0);
		}
	}
}

static void
print_tail(struct buf *b, const struct sql_query *q)
{
	char num[32];
	size_t i;

	for (i = 0; i < q->ngroup; i++) {
		buf_str(b, i == 0 ? " GROUP BY " : ", ");
		print_colref(b, &q->group[i]);
	}
	for (i = 0; i < q->norder; i++) {
		buf_str(b, i == 0 ? " ORDER BY " : ", ");
		if (q->order[i].position != 0) {
			snprintf(num, sizeof(num), "%u", q->order[i].position);
			buf_str(b, num);
		} else
			print_colref(b, &q->order[i].col);
		if (q->order[i].desc)
			buf_str(b, " DESC");
	}
	if (q->has_limit) {
		snprintf(num, sizeof(num), " LIMIT %llu",
		    (unsigned long long)q->limit);
		buf_str(b, num);
	}
}

char *
sql_print(const struct sql_query *q)
{
	struct buf b = { NULL, 0, 0 };
	size_t i;

	buf_str(&b, "SELECT ");
	for (i = 0; i < q->nitems; i++) {
		if (i > 0)
			buf_str(&b, ", ");
		print_item(&b, &q->items[i]);
	}
	print_tables(&b, q);
	if (q->where != NULL) {
		buf_str(&b, " WHERE ");
		print_pred(&b, q->where, 0);
	}
	print_tail(&b, q);
	return b.s;
}
