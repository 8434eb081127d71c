/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query_stream.c: two tables joined without materialising a tuple
 * (query_plan.h): on one equality, or on an OR of equalities (multi-key
 * matching: email, or else phone). Each equality is a merge of its two
 * join indexes, split by fingerprint into as many parts as the query has
 * threads (store_join_runs touches only the map), each part feeding its
 * own grouping state; the states are merged afterwards (query_agg_merge).
 *
 * An OR streams its equalities one after the other. While equality j
 * streams, every row it matches gets the key of its fingerprint (per
 * table, kid[j]); a pair that a later equality i finds is dropped when an
 * earlier one matched it too (the same key on both rows for some j < i),
 * so a pair of rows counts once whatever number of keys it matches on,
 * as SQL's OR does.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_plan.h"
#include "xmalloc.h"

#define BATCH		4096
#define NO_KEY		UINT32_MAX
/* Tuples one part may stream: past it, the query is refused. */
#define MAX_STREAMED	(UINT64_C(1) << 32)

/* One part of one equality, on one thread. */
struct part {
	const struct store_run *l, *r;
	unsigned part, nparts;
	query_sink_fn *sink;
	void *arg;
	bool keyed;			/* every tuple carries its key */
	bool first;			/* an OR's first equality: keys too */
	uint32_t *const *kid_l;		/* earlier equalities' keys per row */
	uint32_t *const *kid_r;
	unsigned nearlier;
	uint32_t *rec_l, *rec_r;	/* this equality's, or NULL */
	uint32_t buf[BATCH * 3];	/* (left, right, key) as they come */
	uint32_t out[BATCH * 3];	/* the tuples kept, for the sink */
	size_t fill;
	uint64_t total;
	int rc;
};

#define PREFETCH_AHEAD	16

/*
 * A batch through the OR's bookkeeping, with the rows' keys prefetched
 * ahead (they are random accesses): pairs an earlier equality matched
 * are dropped, this equality's keys recorded; then to the sink.
 */
static void
part_flush(struct part *p)
{
	const uint32_t *t;
	size_t i, n = 0;
	unsigned j;
	bool dup;

	if (p->nearlier == 0 && p->rec_l == NULL && p->keyed) {
		p->sink(p->arg, p->buf, p->fill);	/* nothing to check */
		p->fill = 0;
		return;
	}
	for (i = 0; i < p->fill; i++) {
		if (i + PREFETCH_AHEAD < p->fill) {
			t = &p->buf[3 * (i + PREFETCH_AHEAD)];
			for (j = 0; j < p->nearlier; j++) {
				__builtin_prefetch(&p->kid_l[j][t[0]]);
				__builtin_prefetch(&p->kid_r[j][t[1]]);
			}
			if (p->rec_l != NULL) {
				__builtin_prefetch(&p->rec_l[t[0]], 1);
				__builtin_prefetch(&p->rec_r[t[1]], 1);
			}
		}
		t = &p->buf[3 * i];
		for (j = 0, dup = false; j < p->nearlier && !dup; j++)
			dup = p->kid_l[j][t[0]] != NO_KEY &&
			    p->kid_l[j][t[0]] == p->kid_r[j][t[1]];
		if (p->rec_l != NULL) {
			p->rec_l[t[0]] = t[2];
			p->rec_r[t[1]] = t[2];
		}
		if (dup)
			continue;	/* an earlier key matched this pair */
		p->out[3 * n] = t[0];
		p->out[3 * n + 1] = t[1];
		p->out[3 * n + 2] = p->first ? t[2] : NO_KEY;
		n++;
	}
	if (n > 0)
		p->sink(p->arg, p->out, n);
	p->fill = 0;
}

static int
part_pair(void *arg, uint64_t key, uint64_t l, uint64_t r)
{
	struct part *p = arg;

	if (++p->total > MAX_STREAMED)
		return 1;
	p->buf[3 * p->fill] = (uint32_t)l;
	p->buf[3 * p->fill + 1] = (uint32_t)r;
	p->buf[3 * p->fill + 2] = (uint32_t)key;
	if (++p->fill == BATCH)
		part_flush(p);
	return 0;
}

static void *
part_run(void *arg)
{
	struct part *p = arg;

	p->rc = store_join_runs(p->l, p->r, p->part, p->nparts, part_pair, p);
	if (p->rc == STORE_OK && p->fill > 0)
		part_flush(p);
	p->fill = 0;
	return NULL;
}

/* Run nparts parts of one equality, the first on this thread. */
static int
run_parts(struct part *parts, unsigned nparts)
{
	pthread_t th[QUERY_MAX_THREADS];
	bool started[QUERY_MAX_THREADS] = { false };
	unsigned i;
	int rc = STORE_OK;

	for (i = 1; i < nparts; i++)
		started[i] = pthread_create(&th[i], NULL, part_run,
		    &parts[i]) == 0;
	part_run(&parts[0]);
	for (i = 1; i < nparts; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		else
			part_run(&parts[i]);	/* no thread: run it here */
	}
	for (i = 0; i < nparts; i++)
		if (parts[i].rc != STORE_OK)
			rc = parts[i].rc;
	return rc;
}

/* The equalities streamed: on[1] itself, or its OR's arguments. */
static void
equalities(const struct qplan *plan, const struct qcond **eqs, size_t *n)
{
	size_t i;

	if (plan->on[1]->kind == SQL_COND_EQ) {
		eqs[0] = plan->on[1];
		*n = 1;
		return;
	}
	for (i = 0; i < plan->on[1]->nargs && i < SQL_MAX_STREAMED_KEYS; i++)
		eqs[i] = &plan->on[1]->args[i];
	*n = i;
}

static int
stream_fail(struct qerror *err, Psid__ErrorCode code, const char *msg)
{
	err->code = code;
	snprintf(err->message, sizeof(err->message), "%s", msg);
	return -1;
}

int
query_stream(const struct qplan *plan, struct store_read *rd,
    const char *collab, query_sink_fn *sink, void *const *args,
    unsigned nargs, struct qerror *err)
{
	const struct qcond *eqs[SQL_MAX_STREAMED_KEYS];
	uint32_t *kid_l[SQL_MAX_STREAMED_KEYS] = { NULL };
	uint32_t *kid_r[SQL_MAX_STREAMED_KEYS] = { NULL };
	struct store_run l, r;
	struct store_setref lref, rref;
	const struct qcol *a, *b;
	struct part *parts;
	size_t neq, e, rows0 = plan->tables[0].rows,
	    rows1 = plan->tables[1].rows;
	char msg[256];
	unsigned i;
	int rc = 0;

	equalities(plan, eqs, &neq);
	parts = xcalloc(nargs, sizeof(*parts));
	for (e = 0; e < neq && rc == 0; e++) {
		a = &plan->cols[eqs[e]->left];
		b = &plan->cols[eqs[e]->right];
		lref.table = plan->tables[a->table].name;
		lref.column = a->fpno;
		rref.table = plan->tables[b->table].name;
		rref.column = b->fpno;
		if (store_read_join_index(rd, collab, &lref, &l, msg,
		    sizeof(msg)) != STORE_OK)
			return stream_fail(err, PSID__ERROR_CODE__INTERNAL, msg);
		if (store_read_join_index(rd, collab, &rref, &r, msg,
		    sizeof(msg)) != STORE_OK) {
			store_run_free(&l);
			return stream_fail(err, PSID__ERROR_CODE__INTERNAL, msg);
		}
		if (e == 0 && neq > 1) {
			/* The first keys stay for the sink (query_load's). */
			kid_l[0] = plan->kid0_l;
			kid_r[0] = plan->kid0_r;
		} else if (e + 1 < neq) {
			kid_l[e] = xmalloc((rows0 + 1) * sizeof(uint32_t));
			kid_r[e] = xmalloc((rows1 + 1) * sizeof(uint32_t));
			memset(kid_l[e], 0xff, (rows0 + 1) * sizeof(uint32_t));
			memset(kid_r[e], 0xff, (rows1 + 1) * sizeof(uint32_t));
		}
		for (i = 0; i < nargs; i++) {
			parts[i].l = &l;
			parts[i].r = &r;
			parts[i].part = i;
			parts[i].nparts = nargs;
			parts[i].sink = sink;
			parts[i].arg = args[i];
			parts[i].keyed = plan->keyed;
			parts[i].first = e == 0;
			parts[i].kid_l = kid_l;
			parts[i].kid_r = kid_r;
			parts[i].nearlier = (unsigned)e;
			parts[i].rec_l = kid_l[e];
			parts[i].rec_r = kid_r[e];
			parts[i].total = 0;
		}
		if (run_parts(parts, nargs) != STORE_OK)
			rc = stream_fail(err, PSID__ERROR_CODE__TOO_LARGE,
			    "the join makes over 2^32 rows; narrow it (a more "
			    "selective key, AND, or fewer tables)");
		store_run_free(&l);
		store_run_free(&r);
	}
	for (e = 1; e < neq; e++) {
		free(kid_l[e]);
		free(kid_r[e]);
	}
	free(parts);
	return rc;
}
