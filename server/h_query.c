/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_query.c: intersection counts and joins, each in one read snapshot of
 * the store, so an upload committing meanwhile is seen whole or not at
 * all. A count is a merge of the stored sorted sets (storage/count.c);
 * a join merges two join indexes and streams the chosen cells of each
 * pair of rows back in parts of about JOIN_PART_BYTES, waiting whenever
 * the peer reads slower than psid joins.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers.h"
#include "frame.h"
#include "log.h"
#include "policy.h"
#include "privacy.h"
#include "rowfmt.h"
#include "server.h"
#include "store.h"
#include "xmalloc.h"

#define JOIN_PART_BYTES (1u << 20)

/* The meta of table `table` within rd, unpacked; NULL after a reply. */
static Psid__TableInfo *
load_table(const struct request *rq, struct store_read *rd,
    const char *collab, const char *table)
{
	Psid__TableInfo *info;
	const void *meta;
	size_t len;
	char err[256];
	int rc;

	rc = store_read_table_get(rd, collab, table, &meta, &len, err,
	    sizeof(err));
	if (rc == STORE_NOTFOUND) {
		rq_reply_error(rq, PSID__ERROR_CODE__NOT_FOUND, "no table %s",
		    table);
		return NULL;
	}
	if (rc != STORE_OK ||
	    (info = psid__table_info__unpack(NULL, len, meta)) == NULL) {
		log_warnx("%s/%s: %s", collab, table, rc != STORE_OK ? err :
		    "table meta is corrupt");
		rq_reply_error(rq, PSID__ERROR_CODE__INTERNAL,
		    "table %s cannot be read", table);
		return NULL;
	}
	return info;
}

static struct store_read *
begin_read(const struct request *rq)
{
	struct store_read *rd;
	char err[256];

	if (store_read_begin(rq->srv->store, &rd, err, sizeof(err)) !=
	    STORE_OK) {
		log_warnx("read: %s", err);
		rq_reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "the store cannot be read");
		return NULL;
	}
	return rd;
}

/*
 * Reply to a count with count, exact, or noised as plan says (after the
 * query paid for it); the threshold applies to the number released.
 */
static void
reply_count(const struct request *rq, const char *collab,
    Psid__TableInfo *const *info, size_t n, const struct privacy_plan *plan,
    uint64_t count, const char *detail)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__Noise noise;
	size_t i;

	if (plan->n > 0 && privacy_noise_count(plan, count, &count,
	    &noise) != 0) {
		log_warnx("%s: count: no noise could be drawn", collab);
		rq_reply_error(rq, PSID__ERROR_CODE__INTERNAL,
		    "the count failed");
		return;
	}
	/* Aggregation rules: the strictest threshold wins. */
	for (i = 0; i < n; i++)
		if (info[i]->rule != NULL && info[i]->rule->kind ==
		    PSID__ANALYSIS_RULE__KIND__AGGREGATION &&
		    count < info[i]->rule->min_rows) {
			if (plan->n == 0)
				rq_audit(rq, collab, "count", "%s: refused, "
				    "under a threshold", detail);
			rq_reply_error(rq, PSID__ERROR_CODE__FORBIDDEN,
			    "the count is under table %s's threshold of %u "
			    "rows", info[i]->name, info[i]->rule->min_rows);
			return;
		}
	atomic_fetch_add(&rq->srv->stats.queries, 1);
	if (plan->n == 0)
		rq_audit(rq, collab, "count", "%s", detail);
	else
		resp.noise = &noise;
	resp.body_case = PSID__RESPONSE__BODY_COUNT;
	resp.count = count;
	rq_reply(rq, &resp);
}

void
handle_count(const struct request *rq)
{
	const Psid__Count *m = rq->msg->count;
	struct store_setref sets[STORE_MAX_SETS];
	Psid__TableInfo *info[STORE_MAX_SETS] = { 0 };
	struct store_read *rd = NULL;
	struct privacy_plan plan;
	struct collab_view v;
	uint64_t count = 0;
	char err[256], detail[1024];
	size_t i, off = 0;
	int rc;

	if (policy_collab(rq, m->collaboration_id, ABILITY_QUERY, &v) != 0)
		return;
	if ((rd = begin_read(rq)) == NULL)
		goto out;
	for (i = 0; i < m->n_sets; i++) {
		if ((info[i] = load_table(rq, rd, v.id,
		    m->sets[i]->table)) == NULL ||
		    policy_fingerprint_column(rq, info[i], m->sets[i],
		    &sets[i].column) != 0 ||
		    !policy_may_match(rq, &v, m->sets[0]->column,
		    m->sets[i]->column))
			goto out;
		sets[i].table = m->sets[i]->table;
		off += (size_t)snprintf(detail + off, sizeof(detail) - off,
		    "%s%s.%s", i ? ", " : "", m->sets[i]->table,
		    m->sets[i]->column);
		if (off >= sizeof(detail))
			off = sizeof(detail) - 1;
	}
	if (!policy_runner_joined(rq, info, m->n_sets))
		goto out;
	/* Tables with a privacy policy are paid for before the query runs. */
	if (privacy_plan((const Psid__TableInfo *const *)info, m->n_sets,
	    time(NULL), &plan) && privacy_spend(rq, v.id, &plan, "count",
	    detail) != 0)
		goto out;
	rc = store_read_count(rd, v.id, sets, m->n_sets,
	    rq->srv->count_threads, &count, err, sizeof(err));
	store_read_end(rd);
	rd = NULL;
	if (rc != STORE_OK) {
		log_warnx("%s: count: %s", v.id, err);
		rq_reply_error(rq, rc == STORE_NOTFOUND ?
		    PSID__ERROR_CODE__NOT_FOUND : PSID__ERROR_CODE__INTERNAL,
		    "the count failed");
		goto out;
	}
	reply_count(rq, v.id, info, m->n_sets, &plan, count, detail);
out:
	store_read_end(rd);
	for (i = 0; i < m->n_sets; i++)
		if (info[i] != NULL)
			psid__table_info__free_unpacked(info[i], NULL);
	policy_collab_free(&v);
}

/* One side of a join: its table, and the columns it returns. */
struct join_side {
	const char *table;
	Psid__TableInfo *info;
	size_t *cols;			/* indexes of the chosen columns */
	size_t ncols;
	const uint8_t **cell;		/* per table column: its stored cell */
	size_t *cell_len;		/* its stored bytes */
	size_t *wire_len;		/* its bytes on the wire */
};

struct join_ctx {
	const struct request *rq;
	struct store_read *rd;
	const char *collab;
	struct join_side side[2];
	char **names;			/* the column names, left then right */
	size_t nnames;
	uint8_t *buf;			/* packed cells of the part */
	size_t len, cap;
	uint32_t rows;			/* in the part */
	uint64_t total;
	bool sent_names;
	bool failed;			/* replied already, or gone */
};

/* Point side->cell[] at each cell of a stored row (rowfmt.h). */
static bool
split_row(struct join_side *side, const uint8_t *row, size_t len)
{
	const uint8_t *p = row, *end = row + len;
	size_t i;

	for (i = 0; i < side->info->n_columns; i++) {
		if (rowfmt_cell_size(p, end, &side->cell_len[i],
		    &side->wire_len[i]) != 0)
			return false;
		side->cell[i] = p;
		p += side->cell_len[i];
	}
	return p == end;
}

static int
join_send(struct join_ctx *j, bool last)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__JoinRows rows = PSID__JOIN_ROWS__INIT;
	int rc;

	if (!j->sent_names) {
		rows.columns = j->names;
		rows.n_columns = j->nnames;
		j->sent_names = true;
	}
	rows.rows = j->rows;
	rows.cells.data = j->buf;
	rows.cells.len = j->len;
	resp.body_case = PSID__RESPONSE__BODY_JOIN_ROWS;
	resp.join_rows = &rows;
	rc = last ? rq_reply(j->rq, &resp) : rq_reply_part(j->rq, &resp);
	j->len = 0;
	j->rows = 0;
	return rc;
}

static int
join_pair(void *arg, uint64_t left_rowid, uint64_t right_rowid)
{
	struct join_ctx *j = arg;
	uint64_t rowid[2] = { left_rowid, right_rowid };
	const void *row;
	size_t len, need = 0, i, s;
	char err[256];

	for (s = 0; s < 2; s++) {
		struct join_side *side = &j->side[s];

		if (store_read_row_get(j->rd, j->collab, side->table,
		    rowid[s], &row, &len, err, sizeof(err)) != STORE_OK ||
		    !split_row(side, row, len)) {
			log_warnx("%s/%s: row %llu: %s", j->collab, side->table,
			    (unsigned long long)rowid[s], "unreadable");
			rq_reply_error(j->rq, PSID__ERROR_CODE__INTERNAL,
			    "a row of table %s cannot be read", side->table);
			j->failed = true;
			return 1;
		}
		for (i = 0; i < side->ncols; i++)
			need += side->wire_len[side->cols[i]];
	}
	if (j->len + need > j->cap) {
		j->buf = xrealloc(j->buf, j->len + need);
		j->cap = j->len + need;
	}
	for (s = 0; s < 2; s++)
		for (i = 0; i < j->side[s].ncols; i++) {
			size_t c = j->side[s].cols[i];

			j->len += rowfmt_cell_to_wire(j->side[s].cell[c],
			    j->side[s].cell_len[c], j->buf + j->len);
		}
	j->rows++;
	j->total++;
	if (j->len >= JOIN_PART_BYTES && join_send(j, false) != 0) {
		j->failed = true;
		return 1;
	}
	return 0;
}

/* Load one side's table and check its columns against its rule. */
static bool
join_side_load(struct join_ctx *j, struct join_side *side,
    const Psid__ColumnRef *ref, char **cols, size_t ncols, unsigned *fp)
{
	size_t i;
	int c;

	side->table = ref->table;
	if ((side->info = load_table(j->rq, j->rd, j->collab,
	    ref->table)) == NULL ||
	    policy_fingerprint_column(j->rq, side->info, ref, fp) != 0)
		return false;
	side->cols = xcalloc(ncols + 1, sizeof(size_t));
	side->cell = xcalloc(side->info->n_columns, sizeof(*side->cell));
	side->cell_len = xcalloc(side->info->n_columns, sizeof(size_t));
	side->wire_len = xcalloc(side->info->n_columns, sizeof(size_t));
	/* Even with no column chosen, the rule must allow rows out. */
	if (!policy_may_list(j->rq, side->info, ref->column))
		return false;
	for (i = 0; i < ncols; i++) {
		if ((c = policy_column(side->info, cols[i], NULL)) < 0) {
			rq_reply_error(j->rq, PSID__ERROR_CODE__NOT_FOUND,
			    "table %s has no column %s", ref->table, cols[i]);
			return false;
		}
		if (!policy_may_list(j->rq, side->info, cols[i]))
			return false;
		side->cols[side->ncols++] = (size_t)c;
		j->names[j->nnames++] = cols[i];
	}
	return true;
}

void
handle_join(const struct request *rq)
{
	const Psid__Join *m = rq->msg->join;
	struct join_ctx j;
	struct store_setref left, right;
	struct collab_view v;
	char err[256];
	size_t s;
	int rc;

	memset(&j, 0, sizeof(j));
	if (policy_collab(rq, m->collaboration_id, ABILITY_RECEIVE, &v) != 0)
		return;
	j.rq = rq;
	j.collab = v.id;
	if (m->n_left_columns + m->n_right_columns == 0) {
		rq_reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "a join returns at least one column");
		goto out;
	}
	if ((j.rd = begin_read(rq)) == NULL)
		goto out;
	j.names = xcalloc(m->n_left_columns + m->n_right_columns,
	    sizeof(char *));
	if (!join_side_load(&j, &j.side[0], m->left, m->left_columns,
	    m->n_left_columns, &left.column) ||
	    !join_side_load(&j, &j.side[1], m->right, m->right_columns,
	    m->n_right_columns, &right.column) ||
	    !policy_may_match(rq, &v, m->left->column, m->right->column))
		goto out;
	left.table = m->left->table;
	right.table = m->right->table;
	rc = store_read_join(j.rd, v.id, &left, &right, join_pair, &j, err,
	    sizeof(err));
	if (rc == STORE_STOPPED)
		goto out;	/* replied already, or the peer is gone */
	if (rc != STORE_OK) {
		log_warnx("%s: join: %s", v.id, err);
		rq_reply_error(rq, rc == STORE_NOTFOUND ?
		    PSID__ERROR_CODE__NOT_FOUND : PSID__ERROR_CODE__INTERNAL,
		    "the join failed");
		goto out;
	}
	store_read_end(j.rd);
	j.rd = NULL;
	atomic_fetch_add(&rq->srv->stats.queries, 1);
	rq_audit(rq, v.id, "join", "%s.%s with %s.%s: %llu rows",
	    m->left->table, m->left->column, m->right->table,
	    m->right->column, (unsigned long long)j.total);
	join_send(&j, true);
out:
	store_read_end(j.rd);
	for (s = 0; s < 2; s++) {
		if (j.side[s].info != NULL)
			psid__table_info__free_unpacked(j.side[s].info, NULL);
		free(j.side[s].cols);
		free(j.side[s].cell);
		free(j.side[s].cell_len);
		free(j.side[s].wire_len);
	}
	free(j.names);
	free(j.buf);
	policy_collab_free(&v);
}
