/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_tables.c: list a collaboration's tables and read its audit log
 * (members), delete a table (its owner), and psid's counters (any
 * authenticated identity; nothing of a collaboration is in them).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn_admit.h"
#include "handlers.h"
#include "log.h"
#include "policy.h"
#include "server.h"
#include "store.h"
#include "worker.h"
#include "xmalloc.h"

/* Audit entries per reply. */
#define AUDIT_BATCH 512

struct table_list {
	Psid__TableInfo **tables;
	size_t n, cap;
};

static int
collect_table(void *arg, const char *table, const void *meta, size_t len)
{
	struct table_list *l = arg;
	Psid__TableInfo *info;

	(void)table;
	if ((info = psid__table_info__unpack(NULL, len, meta)) == NULL)
		return 1;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->tables = xrealloc(l->tables, l->cap * sizeof(*l->tables));
	}
	l->tables[l->n++] = info;
	return 0;
}

void
handle_list_tables(const struct request *rq)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__TableList list = PSID__TABLE_LIST__INIT;
	struct table_list l = { NULL, 0, 0 };
	struct collab_view v;
	char err[256];
	size_t i;
	int rc;

	if (policy_collab(rq, rq->msg->list_tables->collaboration_id,
	    ABILITY_NONE, &v) != 0)
		return;
	rc = store_table_list(rq->srv->store, v.id, collect_table, &l, err,
	    sizeof(err));
	if (rc != STORE_OK) {
		log_warnx("%s: list tables: %s", v.id, rc == STORE_STOPPED ?
		    "a table's meta cannot be read" : err);
		rq_reply_error(rq, PSID__ERROR_CODE__INTERNAL,
		    "the tables cannot be listed");
	} else {
		list.tables = l.tables;
		list.n_tables = l.n;
		resp.body_case = PSID__RESPONSE__BODY_TABLES;
		resp.tables = &list;
		rq_reply(rq, &resp);
	}
	for (i = 0; i < l.n; i++)
		psid__table_info__free_unpacked(l.tables[i], NULL);
	free(l.tables);
	policy_collab_free(&v);
}

void
handle_delete_table(const struct request *rq)
{
	const Psid__DeleteTable *m = rq->msg->delete_table;
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__TableInfo *info = NULL;
	struct collab_view v;
	void *meta = NULL;
	size_t len;
	char err[256];
	int rc;

	if (policy_collab(rq, m->collaboration_id, ABILITY_NONE, &v) != 0)
		return;
	rc = store_table_get(rq->srv->store, v.id, m->table, &meta, &len, err,
	    sizeof(err));
	if (rc == STORE_OK)
		info = psid__table_info__unpack(NULL, len, meta);
	if (rc == STORE_NOTFOUND) {
		rq_reply_error(rq, PSID__ERROR_CODE__NOT_FOUND, "no table %s",
		    m->table);
		goto out;
	}
	if (info == NULL) {
		log_warnx("%s/%s: %s", v.id, m->table, rc == STORE_OK ?
		    "table meta is corrupt" : err);
		rq_reply_error(rq, PSID__ERROR_CODE__INTERNAL,
		    "table %s cannot be read", m->table);
		goto out;
	}
	if (strcmp(info->owner, rq->identity) != 0) {
		rq_reply_error(rq, PSID__ERROR_CODE__FORBIDDEN, "table %s "
		    "belongs to %s; only its owner may delete it", m->table,
		    info->owner);
		goto out;
	}
	rc = store_table_delete(rq->srv->store, v.id, m->table, err,
	    sizeof(err));
	if (rc == STORE_NOTFOUND) {
		rq_reply_error(rq, PSID__ERROR_CODE__NOT_FOUND, "no table %s",
		    m->table);
	} else if (rc != STORE_OK) {
		log_warnx("%s/%s: delete: %s", v.id, m->table, err);
		rq_reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "table %s could not be deleted", m->table);
	} else {
		rq_audit(rq, v.id, "delete", "table %s", m->table);
		rq_reply(rq, &resp);
	}
out:
	if (info != NULL)
		psid__table_info__free_unpacked(info, NULL);
	free(meta);
	policy_collab_free(&v);
}

struct audit_batch {
	const struct request *rq;
	Psid__AuditEntry *entries[AUDIT_BATCH];
	size_t n;
	bool gone;
};

static void
audit_batch_clear(struct audit_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		psid__audit_entry__free_unpacked(b->entries[i], NULL);
	b->n = 0;
}

/* Send the entries gathered: the last reply (done) or a part. */
static int
audit_batch_send(struct audit_batch *b, bool last)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__AuditLog log = PSID__AUDIT_LOG__INIT;
	int rc;

	log.entries = b->entries;
	log.n_entries = b->n;
	resp.body_case = PSID__RESPONSE__BODY_AUDIT;
	resp.audit = &log;
	rc = last ? rq_reply(b->rq, &resp) : rq_reply_part(b->rq, &resp);
	audit_batch_clear(b);
	return rc;
}

static int
collect_audit(void *arg, uint64_t seq, const void *entry, size_t len)
{
	struct audit_batch *b = arg;
	Psid__AuditEntry *e;

	if ((e = psid__audit_entry__unpack(NULL, len, entry)) == NULL)
		return 0;	/* skip an unreadable entry */
	e->sequence = seq;
	b->entries[b->n++] = e;
	if (b->n == AUDIT_BATCH && audit_batch_send(b, false) != 0) {
		b->gone = true;
		return 1;
	}
	return 0;
}

void
handle_read_audit(const struct request *rq)
{
	struct audit_batch *b;
	struct collab_view v;
	char err[256];
	int rc;

	if (policy_collab(rq, rq->msg->read_audit->collaboration_id,
	    ABILITY_NONE, &v) != 0)
		return;
	b = xcalloc(1, sizeof(*b));
	b->rq = rq;
	rc = store_audit_read(rq->srv->store, v.id,
	    rq->msg->read_audit->after, collect_audit, b, err, sizeof(err));
	if (rc == STORE_OK) {
		audit_batch_send(b, true);
	} else if (!b->gone) {
		log_warnx("%s: audit read: %s", v.id, err);
		audit_batch_clear(b);
		rq_reply_error(rq, PSID__ERROR_CODE__INTERNAL,
		    "the audit log cannot be read");
	}
	audit_batch_clear(b);
	free(b);
	policy_collab_free(&v);
}

/* The upper bound, in ms, of the bin holding quantile q of n. */
static double
quantile_ms(const uint64_t *bins, uint64_t n, double q)
{
	uint64_t seen = 0, rank = (uint64_t)(q * (double)n);
	unsigned b;

	for (b = 0; b < LATENCY_BINS; b++) {
		seen += bins[b];
		if (seen > rank)
			break;
	}
	return (double)(UINT64_C(1) << (b < 63 ? b + 1 : 63)) / 1000.0;
}

void
handle_stats(const struct request *rq)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__StatsReply st = PSID__STATS_REPLY__INIT;
	Psid__LatencySummary sums[LATENCY_OPS], *psums[LATENCY_OPS];
	uint64_t bins[LATENCY_OPS][LATENCY_BINS];
	const char *names[LATENCY_OPS];
	Psid__RefusalCount refusals[REFUSED_NREASONS];
	Psid__RefusalCount *prefusals[REFUSED_NREASONS];
	struct server *srv = rq->srv;
	unsigned op, b;
	int i;

	/* Per verb of dispatch.c's table, named by its first count. */
	pthread_mutex_lock(&srv->latency.lock);
	memcpy(bins, srv->latency.bins, sizeof(bins));
	memcpy(names, srv->latency.names, sizeof(names));
	pthread_mutex_unlock(&srv->latency.lock);
	for (op = 0; op < LATENCY_OPS; op++) {
		uint64_t n = 0;

		for (b = 0; b < LATENCY_BINS; b++)
			n += bins[op][b];
		if (n == 0 || names[op] == NULL)
			continue;
		psid__latency_summary__init(&sums[st.n_latency]);
		sums[st.n_latency].operation = (char *)names[op];
		sums[st.n_latency].count = n;
		sums[st.n_latency].p50_ms = quantile_ms(bins[op], n, 0.50);
		sums[st.n_latency].p90_ms = quantile_ms(bins[op], n, 0.90);
		sums[st.n_latency].p99_ms = quantile_ms(bins[op], n, 0.99);
		psums[st.n_latency] = &sums[st.n_latency];
		st.n_latency++;
	}
	st.latency = psums;
	st.connections = atomic_load(&srv->stats.connections);
	st.uptime_seconds = (uint64_t)(time(NULL) - srv->started);
	st.connections_total = atomic_load(&srv->stats.connections_total);
	st.uploads = atomic_load(&srv->stats.uploads);
	st.queries = atomic_load(&srv->stats.queries);
	st.bytes_in = atomic_load(&srv->stats.bytes_in);
	st.bytes_out = atomic_load(&srv->stats.bytes_out);
	st.handshakes = atomic_load(&srv->stats.handshakes);
	st.unfinished_bytes = atomic_load(&srv->stats.unfinished_bytes);
	st.parked = srv->pool != NULL ? worker_parked(srv->pool) : 0;
	for (i = 0; i < REFUSED_NREASONS; i++) {
		psid__refusal_count__init(&refusals[i]);
		refusals[i].reason = (char *)conn_refusal_name(i);
		refusals[i].count = atomic_load(&srv->stats.refused[i]);
		prefusals[st.n_refusals++] = &refusals[i];
	}
	st.refusals = prefusals;
	resp.body_case = PSID__RESPONSE__BODY_STATS;
	resp.stats = &st;
	rq_reply(rq, &resp);
}
