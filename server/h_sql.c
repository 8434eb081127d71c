/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_sql.c: an aggregate query (Query): the member checked, the text
 * parsed (sql.h), bound to the collaboration's tables and their rules,
 * joinRequired checked, then in one read snapshot the columns loaded,
 * the tables joined, the tuples grouped and aggregated and the
 * thresholds applied (query_plan.h); the result goes back as QueryRows in
 * ~1 MiB parts, and the query is one audit entry (its text, its tables,
 * the groups returned and left out). psid's own log names the tables and
 * counts only: the text may hold literals, which are cell values.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "handlers.h"
#include "log.h"
#include "policy.h"
#include "query_plan.h"
#include "server.h"
#include "store.h"
#include "xmalloc.h"

#define QUERY_PART_BYTES (1u << 20)
/* Of the text, what the audit entry keeps. */
#define AUDIT_SQL_MAX 1200

struct catalog_load {
	Psid__TableInfo **tables;
	size_t n;
};

static int
catalog_add(void *arg, const char *table, const void *meta, size_t len)
{
	struct catalog_load *c = arg;
	Psid__TableInfo *info;

	(void)table;
	if ((info = psid__table_info__unpack(NULL, len, meta)) == NULL)
		return 0;	/* a corrupt meta: as if absent */
	c->tables = xrealloc(c->tables, (c->n + 1) * sizeof(*c->tables));
	c->tables[c->n++] = info;
	return 0;
}

static void
catalog_free(struct catalog_load *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		psid__table_info__free_unpacked(c->tables[i], NULL);
	free(c->tables);
}

/* The bound tables unchanged in rd's snapshot (not replaced since). */
static bool
tables_unchanged(const struct qplan *plan, struct store_read *rd,
    const char *collab)
{
	Psid__TableInfo *now;
	const void *meta;
	size_t len, i;
	char err[256];
	bool same;

	for (i = 0; i < plan->ntables; i++) {
		if (store_read_table_get(rd, collab, plan->tables[i].name,
		    &meta, &len, err, sizeof(err)) != STORE_OK ||
		    (now = psid__table_info__unpack(NULL, len, meta)) == NULL)
			return false;
		same = now->created_unix == plan->tables[i].info->created_unix &&
		    now->rows == plan->tables[i].info->rows;
		psid__table_info__free_unpacked(now, NULL);
		if (!same)
			return false;
	}
	return true;
}

/* Send res in parts of about QUERY_PART_BYTES; the last says done. */
static void
reply_rows(const struct request *rq, const struct qresult *res)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__QueryRows qr = PSID__QUERY_ROWS__INIT;
	size_t r = 0, c, need, ncols = res->ncolumns, cap = QUERY_PART_BYTES;
	Psid__ResultColumn **cols = xcalloc(ncols + 1, sizeof(*cols));
	uint8_t *buf = xmalloc(cap), *w;
	const char *v;
	bool first = true;

	for (c = 0; c < ncols; c++)
		cols[c] = &res->columns[c];
	resp.body_case = PSID__RESPONSE__BODY_QUERY_ROWS;
	resp.query_rows = &qr;
	do {
		w = buf;
		qr.rows = 0;
		while (r < res->nrows) {
			for (need = 0, c = 0; c < ncols; c++) {
				v = res->cells[r * ncols + c];
				need += 4 + (v != NULL ? strlen(v) : 0);
			}
			if (qr.rows > 0 && (size_t)(w - buf) + need >
			    QUERY_PART_BYTES)
				break;
			if (need > cap) {	/* a row alone over a part */
				cap = need;
				buf = xrealloc(buf, cap);
				w = buf;
			}
			for (c = 0; c < ncols; c++) {
				v = res->cells[r * ncols + c];
				w += frame_cells_put(w, v,
				    v != NULL ? (uint32_t)strlen(v) : 0);
			}
			qr.rows++;
			r++;
		}
		qr.cells.data = buf;
		qr.cells.len = (size_t)(w - buf);
		qr.columns = first ? cols : NULL;
		qr.n_columns = first ? ncols : 0;
		first = false;
		if (r == res->nrows) {
			qr.groups = res->groups;
			qr.groups_suppressed = res->suppressed;
			rq_reply(rq, &resp);
			break;
		}
		if (rq_reply_part(rq, &resp) != 0)
			break;
	} while (1);
	free(buf);
	free(cols);
}

/* The audit entry (with the text) and psid's log line (without it). */
static void
audit_query(const struct request *rq, const char *collab,
    const struct qplan *plan, const struct qresult *res, const char *sql,
    size_t len)
{
	uint8_t buf[RQ_AUDIT_ENTRY_MAX];
	char detail[1800], tables[512] = "", err[256];
	size_t i, n = 0, alen;

	for (i = 0; i < plan->ntables && n + 1 < sizeof(tables); i++)
		n += (size_t)snprintf(tables + n, sizeof(tables) - n, "%s%s",
		    i > 0 ? ", " : "", plan->tables[i].name);
	snprintf(detail, sizeof(detail), "tables %s: %llu groups returned, "
	    "%llu left out under thresholds", tables,
	    (unsigned long long)res->nrows,
	    (unsigned long long)res->suppressed);
	rq_audit_log(rq, collab, "query", detail);
	n = strlen(detail);
	snprintf(detail + n, sizeof(detail) - n, "; sql: %.*s%s",
	    (int)(len > AUDIT_SQL_MAX ? AUDIT_SQL_MAX : len), sql,
	    len > AUDIT_SQL_MAX ? "..." : "");
	if ((alen = rq_audit_pack(rq, "query", detail, buf, sizeof(buf))) == 0)
		log_warnx("%s: audit entry too long", collab);
	else if (store_audit_append(rq->srv->store, collab, buf, alen, NULL,
	    err, sizeof(err)) != STORE_OK)
		log_warnx("%s: audit log: %s", collab, err);
}

/* Threads for a streamed join: the processors, at most the cap. */
static unsigned
query_threads(const struct qplan *plan)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (!plan->streamed || n < 2)
		return 1;
	return n > QUERY_MAX_THREADS ? QUERY_MAX_THREADS : (unsigned)n;
}

/* Run a bound plan in one snapshot into *res. Returns 0 or -1 (err). */
static int
run_plan(const struct request *rq, const char *collab, struct qplan *plan,
    struct qresult *res, struct qerror *err)
{
	struct qagg_state *st[QUERY_MAX_THREADS] = { NULL };
	struct store_read *rd;
	unsigned i, n = 1;
	char e[256];
	int rc = -1;

	err->code = PSID__ERROR_CODE__UNAVAILABLE;
	if (store_read_begin(rq->srv->store, &rd, e, sizeof(e)) != STORE_OK) {
		snprintf(err->message, sizeof(err->message), "the store cannot "
		    "be read");
		return -1;
	}
	if (!tables_unchanged(plan, rd, collab)) {
		snprintf(err->message, sizeof(err->message), "a table of the "
		    "query changed while it ran; try again");
		goto out;
	}
	if (query_load(plan, rd, collab, err) != 0)
		goto out;
	n = query_threads(plan);
	for (i = 0; i < n; i++)
		if ((st[i] = query_agg_new(plan)) == NULL) {
			err->code = PSID__ERROR_CODE__BAD_REQUEST;
			snprintf(err->message, sizeof(err->message), "GROUP BY "
			    "has more combinations of values than psid can "
			    "count");
			goto out;
		}
	if (query_join(plan, rd, collab, query_agg_sink, (void *const *)st,
	    n, err) != 0)
		goto out;
	for (i = 1; i < n; i++)
		query_agg_merge(st[0], st[i]);
	if (query_agg_result(st[0], plan, res, err) != 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		query_agg_free(st[i]);
	store_read_end(rd);
	return rc;
}

void
handle_query(const struct request *rq)
{
	const Psid__Query *m = rq->msg->query;
	struct catalog_load cat = { NULL, 0 };
	struct qcatalog qc;
	Psid__TableInfo *infos[SQL_MAX_TABLES];
	struct sql_query *q = NULL;
	struct sql_error serr;
	struct qerror qerr;
	struct qplan plan;
	struct qresult res;
	struct collab_view v;
	char err[256];
	size_t i, len = strlen(m->sql);

	memset(&plan, 0, sizeof(plan));
	memset(&res, 0, sizeof(res));
	if (policy_collab(rq, m->collaboration_id, ABILITY_QUERY, &v) != 0)
		return;
	if (sql_parse(m->sql, len, &q, &serr) != 0) {
		rq_reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST, "%s",
		    serr.message);
		goto out;
	}
	if (store_table_list(rq->srv->store, v.id, catalog_add, &cat, err,
	    sizeof(err)) != STORE_OK) {
		log_warnx("%s: query: %s", v.id, err);
		rq_reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "the tables cannot be read");
		goto out;
	}
	qc.tables = cat.tables;
	qc.ntables = cat.n;
	qc.different_names_ok = v.collab->settings != NULL &&
	    v.collab->settings->allow_joins_on_columns_with_different_names;
	if (query_bind(q, &qc, &plan, &qerr) != 0) {
		rq_reply_error(rq, qerr.code, "%s", qerr.message);
		goto out;
	}
	for (i = 0; i < plan.ntables; i++)
		infos[i] = plan.tables[i].info;
	if (!policy_runner_joined(rq, infos, plan.ntables))
		goto out;
	if (run_plan(rq, v.id, &plan, &res, &qerr) != 0) {
		log_warnx("%s: query: %s", v.id, qerr.message);
		rq_reply_error(rq, qerr.code, "%s", qerr.code ==
		    PSID__ERROR_CODE__INTERNAL ? "the query failed" :
		    qerr.message);
		goto out;
	}
	atomic_fetch_add(&rq->srv->stats.queries, 1);
	audit_query(rq, v.id, &plan, &res, m->sql, len);
	reply_rows(rq, &res);
out:
	query_result_free(&res);
	query_free(&plan);
	sql_free(q);
	catalog_free(&cat);
	policy_collab_free(&v);
}
