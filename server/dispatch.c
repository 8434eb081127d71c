/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch.c: the verb table, and a request routed through it (see
 * dispatch.h).
 */
#include "config.h"

#include <time.h>

#include "dispatch.h"
#include "handlers.h"
#include "request.h"
#include "server.h"

/* In body case order: the order of psid's stats reply. */
static const struct dispatch_verb verbs[] = {
	{ PSID__REQUEST__BODY_CREATE_COLLABORATION, "create_collaboration",
	    handle_create_collaboration, 0 },
	{ PSID__REQUEST__BODY_GET_COLLABORATION, "get_collaboration",
	    handle_get_collaboration, 0 },
	{ PSID__REQUEST__BODY_UPLOAD_BEGIN, "upload_begin",
	    handle_upload_begin, 0 },
	{ PSID__REQUEST__BODY_UPLOAD_CHUNK, "upload_chunk",
	    handle_upload_chunk, VERB_REFUSAL_CLEARS_SLOT },
	{ PSID__REQUEST__BODY_UPLOAD_COMMIT, "upload_commit",
	    handle_upload_commit, VERB_REFUSAL_CLEARS_SLOT },
	{ PSID__REQUEST__BODY_UPLOAD_ABORT, "upload_abort",
	    handle_upload_abort, 0 },
	{ PSID__REQUEST__BODY_LIST_TABLES, "list_tables",
	    handle_list_tables, 0 },
	{ PSID__REQUEST__BODY_DELETE_TABLE, "delete_table",
	    handle_delete_table, 0 },
	{ PSID__REQUEST__BODY_COUNT, "count", handle_count, 0 },
	{ PSID__REQUEST__BODY_JOIN, "join", handle_join, 0 },
	{ PSID__REQUEST__BODY_READ_AUDIT, "read_audit", handle_read_audit, 0 },
	{ PSID__REQUEST__BODY_STATS, "stats", handle_stats, 0 },
	{ PSID__REQUEST__BODY_READ_BUDGET, "read_budget", handle_read_budget,
	    0 },
	{ PSID__REQUEST__BODY_QUERY, "query", handle_query, 0 },
};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

_Static_assert(NVERBS <= LATENCY_OPS, "a verb without a histogram");

const struct dispatch_verb *
dispatch_find(int body_case, size_t *index)
{
	size_t i;

	for (i = 0; i < NVERBS; i++)
		if ((int)verbs[i].body == body_case) {
			if (index != NULL)
				*index = i;
			return &verbs[i];
		}
	return NULL;
}

/* Note one request's latency in its verb's histogram. */
static void
latency_note(struct server *srv, size_t op, const char *name,
    const struct timespec *t0)
{
	struct timespec t1;
	uint64_t us;
	unsigned bin = 0;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (uint64_t)(t1.tv_sec - t0->tv_sec) * 1000000u +
	    (uint64_t)((t1.tv_nsec - t0->tv_nsec) / 1000);
	while (bin + 1 < LATENCY_BINS && (us >> bin) > 1)
		bin++;
	pthread_mutex_lock(&srv->latency.lock);
	srv->latency.names[op] = name;
	srv->latency.bins[op][bin]++;
	pthread_mutex_unlock(&srv->latency.lock);
}

void
dispatch_request(const struct request *rq)
{
	const struct dispatch_verb *v;
	struct timespec t0;
	size_t op;

	if ((v = dispatch_find(rq->msg->body_case, &op)) == NULL) {
		rq_reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "request without a known body");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	v->handler(rq);
	latency_note(rq->srv, op, v->name, &t0);
}

void
dispatch_refused(const Psid__Request *req, struct rq_slot *slot)
{
	const struct dispatch_verb *v = dispatch_find(req->body_case, NULL);

	if (v != NULL && (v->flags & VERB_REFUSAL_CLEARS_SLOT))
		rq_slot_clear(slot);
}
