/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_load.c: the columns a bound query reads, from one store
 * snapshot (query_plan.h): dictionary and decimal columns pointed at in the
 * map, per-row fingerprint ordinals made by one walk of a join index,
 * and each WHERE leaf's truth per dictionary code (so that a row's test
 * is one load).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_plan.h"
#include "xmalloc.h"

/* Fingerprint columns a query may count (each walked for ordinals). */
#define QUERY_ORD_COLUMNS 16

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The query fails on table: why (for psid's log; the member gets less). */
static int
load_fail(struct qerror *err, const char *table, const char *why)
{
	err->code = PSID__ERROR_CODE__INTERNAL;
	snprintf(err->message, sizeof(err->message), "table %s: %s", table,
	    why);
	return -1;
}

/* One half of a join index's walk for per-row ordinals (on a thread). */
struct ord_job {
	const struct store_run *run;
	uint64_t from, to;
	uint32_t *ord;
	uint64_t *present;		/* instead of ord: a bit per row */
	uint64_t rows;
};

static inline const uint8_t *
index_rec(const struct store_run *r, uint64_t i)
{
	return r->chunks[i / r->chunk_recs] + (size_t)(i % r->chunk_recs) * 40;
}

/*
 * Records [from, to) of a join index: each row's ordinal is the index of
 * its fingerprint's first record, which needs no count of what came
 * before, so halves run at once and write distinct rows.
 */
static void *
ord_walk(void *arg)
{
	struct ord_job *j = arg;
	const uint8_t *rec, *prev;
	uint64_t i = j->from, start, rowid;

	if (i >= j->to)
		return NULL;
	if (j->present != NULL) {
		for (; i < j->to; i++) {
			rowid = be64(index_rec(j->run, i) + 32);
			if (rowid < j->rows)
				j->present[rowid >> 6] |= UINT64_C(1) <<
				    (rowid & 63);
		}
		return NULL;
	}
	start = i;
	while (start > 0 && memcmp(index_rec(j->run, start - 1),
	    index_rec(j->run, i), 32) == 0)
		start--;
	prev = index_rec(j->run, i);
	for (; i < j->to; i++) {
		rec = index_rec(j->run, i);
		if (memcmp(prev, rec, 32) != 0)
			start = i;
		prev = rec;
		rowid = be64(rec + 32);
		if (rowid < j->rows)
			j->ord[rowid] = (uint32_t)start;
	}
	return NULL;
}

/*
 * The two walk jobs of column c over its index run (rows in the table,
 * distinct fingerprints): none for a column with one fingerprint per row
 * and no repeats, one setting bits for a column without repeats, else two
 * halves of ordinals.
 */
static void
ord_jobs_set(struct qcol *c, struct ord_job *jobs, struct store_run *run,
    uint64_t rows, uint64_t distinct)
{
	size_t k;

	memset(jobs, 0, 2 * sizeof(jobs[0]));
	if (distinct == run->n && distinct == rows) {
		/* No repeats, and no row without one: nothing to walk. */
		c->all_present = true;
		c->space = rows;
	} else if (distinct == run->n) {
		/* No repeats: a row is its own value; one walk sets the
		 * bits (two would share words). */
		c->present = xcalloc(rows / 64 + 1, sizeof(uint64_t));
		c->space = rows;
		jobs[0].present = c->present;
		jobs[0].to = run->n;
	} else {
		c->ord = xmalloc((size_t)(rows + 1) * sizeof(*c->ord));
		memset(c->ord, 0xff, (size_t)(rows + 1) * sizeof(*c->ord));
		c->space = run->n;
		for (k = 0; k < 2; k++) {
			jobs[k].from = run->n * k / 2;
			jobs[k].to = run->n * (k + 1) / 2;
			jobs[k].ord = c->ord;
		}
	}
	for (k = 0; k < 2; k++) {
		jobs[k].run = run;
		jobs[k].rows = rows;
	}
}

/*
 * Per row of each fingerprint column that needs them, the ordinal of its
 * fingerprint (NULL32 for none), two halves of each index on threads.
 */
static int
load_ordinals(struct qplan *plan, struct store_read *rd, const char *collab,
    char *e, size_t esize, const char **failed)
{
	struct store_run runs[QUERY_ORD_COLUMNS];
	struct ord_job jobs[2 * QUERY_ORD_COLUMNS];
	pthread_t th[2 * QUERY_ORD_COLUMNS];
	bool started[2 * QUERY_ORD_COLUMNS] = { false };
	struct store_setref ref;
	struct qcol *c;
	uint64_t rows, distinct;
	size_t i, n = 0, k;
	int rc = 0;

	for (i = 0; i < plan->ncols && rc == 0; i++) {
		c = &plan->cols[i];
		if (c->kind != QCOL_FP || !c->need_ord)
			continue;
		if (n == QUERY_ORD_COLUMNS) {
			snprintf(e, esize, "over %d counted fingerprint "
			    "columns", QUERY_ORD_COLUMNS);
			*failed = plan->tables[c->table].name;
			rc = -1;
			break;
		}
		ref.table = plan->tables[c->table].name;
		ref.column = c->fpno;
		if (store_read_join_index(rd, collab, &ref, &runs[n], e,
		    esize) != STORE_OK) {
			*failed = ref.table;
			rc = -1;
			break;
		}
		rows = plan->tables[c->table].rows;
		if (store_read_fpset_size(rd, collab, ref.table, ref.column,
		    &distinct, e, esize) != STORE_OK) {
			store_run_free(&runs[n]);
			*failed = ref.table;
			rc = -1;
			break;
		}
		ord_jobs_set(c, &jobs[2 * n], &runs[n], rows, distinct);
		n++;
	}
	for (k = 1; rc == 0 && k < 2 * n; k++)
		started[k] = pthread_create(&th[k], NULL, ord_walk,
		    &jobs[k]) == 0;
	if (rc == 0 && n > 0)
		ord_walk(&jobs[0]);
	for (k = 1; rc == 0 && k < 2 * n; k++) {
		if (started[k])
			pthread_join(th[k], NULL);
		else
			ord_walk(&jobs[k]);
	}
	for (k = 0; k < n; k++)
		store_run_free(&runs[k]);
	return rc;
}

/*
 * A streamed OR: the arrays of its first equality's keys per row, and
 * the counted fingerprint columns of that equality told to use them.
 */
static void
or_keys(struct qplan *plan)
{
	const struct qcond *eq0 = &plan->on[1]->args[0];
	size_t n0 = (size_t)plan->tables[0].rows + 1;
	size_t n1 = (size_t)plan->tables[1].rows + 1;
	struct qcol *c;
	size_t i;

	plan->kid0_l = xmalloc(n0 * sizeof(uint32_t));
	plan->kid0_r = xmalloc(n1 * sizeof(uint32_t));
	memset(plan->kid0_l, 0xff, n0 * sizeof(uint32_t));
	memset(plan->kid0_r, 0xff, n1 * sizeof(uint32_t));
	for (i = 0; i < plan->ncols; i++) {
		c = &plan->cols[i];
		if (c->kind != QCOL_FP || !c->need_ord ||
		    (i != eq0->left && i != eq0->right))
			continue;
		c->key0 = true;
		c->kid0 = i == eq0->left ? plan->kid0_l : plan->kid0_r;
		/* Keys are records of the left index: below its rows. */
		c->key0_offset = plan->tables[0].rows;
	}
}

/* Column c's records and blob. */
static int
load_values(struct qplan *plan, struct qcol *c, struct store_read *rd,
    const char *collab, char *e, size_t esize)
{
	const struct qtable *t = &plan->tables[c->table];
	unsigned vcol = c->kind == QCOL_CODES ? VALCOL_CODES(c->col) :
	    VALCOL_DECIMAL(c->col);
	const uint8_t *blob;
	size_t len;

	int rc;

	rc = store_read_values(rd, collab, t->name, vcol, &c->run,
	    (const void **)&blob, &len, e, esize);
	if (rc == STORE_NOTFOUND)
		snprintf(e, esize, "no value column for column %s (uploaded by "
		    "an older psid? upload it again)",
		    t->info->columns[c->col]->name);
	if (rc != STORE_OK)
		return rc == STORE_NOTFOUND ? 1 : -1;
	if (c->run.n != t->rows || c->run.reclen != (c->kind == QCOL_CODES ?
	    4u : 8u)) {
		snprintf(e, esize, "has %llu records of %zu bytes",
		    (unsigned long long)c->run.n, c->run.reclen);
		return -1;
	}
	if (c->kind == QCOL_CODES) {
		if (valcol_dict_open(&c->dict, blob, len) != 0) {
			snprintf(e, esize, "has a corrupt dictionary");
			return -1;
		}
		c->space = c->dict.n;
		return 0;
	}
	if (blob == NULL || len != 4 || blob[0] > 18) {
		snprintf(e, esize, "has no scale");
		return -1;
	}
	c->scale = blob[0];
	return 0;
}

/* Truth per code of a WHERE leaf over dictionary column c. */
static void
leaf_truth(struct qpred *p, const struct qcol *c)
{
	const uint8_t *v;
	size_t len, i;
	uint32_t code;
	uint8_t hit;

	p->truth = xcalloc(c->dict.n > 0 ? c->dict.n : 1, 1);
	for (code = 0; code < c->dict.n; code++) {
		v = valcol_dict_value(&c->dict, code, &len);
		hit = 0;
		for (i = 0; i < p->nlits && !hit; i++)
			hit = p->lits[i].len == len &&
			    memcmp(p->lits[i].text, v, len) == 0;
		p->truth[code] = p->kind == SQL_PRED_NE ? !hit : hit;
	}
}

static void
pred_truths(struct qplan *plan, struct qpred *p)
{
	size_t i;

	if (p->kind == SQL_PRED_EQ || p->kind == SQL_PRED_NE ||
	    p->kind == SQL_PRED_IN) {
		leaf_truth(p, &plan->cols[p->qcol]);
		return;
	}
	for (i = 0; i < p->nargs; i++)
		pred_truths(plan, &p->args[i]);
}

int
query_load(struct qplan *plan, struct store_read *rd, const char *collab,
    struct qerror *err)
{
	char e[256] = "";
	const char *failed = "";
	struct qcol *c;
	size_t i;
	int rc;

	for (i = 0; i < plan->ntables; i++)
		if (plan->tables[i].rows > UINT32_MAX - 1)
			return load_fail(err, plan->tables[i].name, "more rows "
			    "than a query can join");
	plan->keyed = plan->ntables == 2 && plan->on[1]->kind == SQL_COND_EQ;
	plan->streamed = plan->keyed;
	if (plan->ntables == 2 && plan->on[1]->kind == SQL_COND_OR &&
	    plan->on[1]->nargs <= SQL_MAX_STREAMED_KEYS) {
		plan->streamed = true;
		for (i = 0; i < plan->on[1]->nargs; i++)
			if (plan->on[1]->args[i].kind != SQL_COND_EQ)
				plan->streamed = false;
	}
	if (plan->streamed && !plan->keyed)
		or_keys(plan);
	for (i = 0; i < plan->ncols; i++) {
		c = &plan->cols[i];
		/* A distinct count of the joined key: the join numbers it. */
		if (plan->keyed && c->kind == QCOL_FP && c->need_ord &&
		    (i == plan->on[1]->left || i == plan->on[1]->right)) {
			c->need_ord = false;
			c->use_key = true;
			/* The key: a record index of the left join index. */
			c->space = plan->tables[0].rows;
			continue;
		}
		switch (c->kind) {
		case QCOL_FP:
			break;		/* below, all at once */
		case QCOL_ROWID:
			c->space = plan->tables[c->table].rows;
			break;
		default:
			if ((rc = load_values(plan, c, rd, collab, e,
			    sizeof(e))) != 0) {
				load_fail(err, plan->tables[c->table].name, e);
				if (rc > 0)
					err->code =
					    PSID__ERROR_CODE__UNAVAILABLE;
				return -1;
			}
			break;
		}
	}
	if (load_ordinals(plan, rd, collab, e, sizeof(e), &failed) != 0)
		return load_fail(err, failed, e);
	for (i = 0; i < plan->ncols; i++)
		if (plan->cols[i].key0)
			plan->cols[i].space += plan->cols[i].key0_offset;
	if (plan->where != NULL)
		pred_truths(plan, plan->where);
	return 0;
}

void
query_free(struct qplan *plan)
{
	size_t i;

	for (i = 0; i < plan->ncols; i++) {
		store_run_free(&plan->cols[i].run);
		free(plan->cols[i].ord);
		free(plan->cols[i].present);
	}
	free(plan->kid0_l);
	free(plan->kid0_r);
	query_items_free(plan);
}
