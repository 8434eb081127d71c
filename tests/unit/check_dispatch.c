/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_dispatch.c: the verb table (server/dispatch.h) and the request's
 * reply helpers (request.h) through a fake transport: every body case
 * has its verb, an unknown body is refused, latencies are counted under
 * the verb's name, a refused chunk or commit ends the slot and nothing
 * else does, a reply that cannot be packed becomes an error.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "dispatch.h"
#include "fakeconn.h"
#include "suites.h"

static const struct {
	int body;
	const char *name;
	unsigned flags;
} want_verbs[] = {
	{ PSID__REQUEST__BODY_CREATE_COLLABORATION, "create_collaboration",
	    0 },
	{ PSID__REQUEST__BODY_GET_COLLABORATION, "get_collaboration", 0 },
	{ PSID__REQUEST__BODY_UPLOAD_BEGIN, "upload_begin", 0 },
	{ PSID__REQUEST__BODY_UPLOAD_CHUNK, "upload_chunk",
	    VERB_REFUSAL_CLEARS_SLOT },
	{ PSID__REQUEST__BODY_UPLOAD_COMMIT, "upload_commit",
	    VERB_REFUSAL_CLEARS_SLOT },
	{ PSID__REQUEST__BODY_UPLOAD_ABORT, "upload_abort", 0 },
	{ PSID__REQUEST__BODY_LIST_TABLES, "list_tables", 0 },
	{ PSID__REQUEST__BODY_DELETE_TABLE, "delete_table", 0 },
	{ PSID__REQUEST__BODY_COUNT, "count", 0 },
	{ PSID__REQUEST__BODY_JOIN, "join", 0 },
	{ PSID__REQUEST__BODY_READ_AUDIT, "read_audit", 0 },
	{ PSID__REQUEST__BODY_STATS, "stats", 0 },
	{ PSID__REQUEST__BODY_READ_BUDGET, "read_budget", 0 },
	{ PSID__REQUEST__BODY_QUERY, "query", 0 },
};

START_TEST(every_body_has_its_verb)
{
	const struct dispatch_verb *v;
	size_t i, idx;

	for (i = 0; i < sizeof(want_verbs) / sizeof(want_verbs[0]); i++) {
		v = dispatch_find(want_verbs[i].body, &idx);
		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v->name, want_verbs[i].name);
		ck_assert_uint_eq(v->flags, want_verbs[i].flags);
		ck_assert_ptr_nonnull(v->handler);
		ck_assert_uint_eq(idx, i);	/* body order: stats order */
		ck_assert_uint_lt(idx, LATENCY_OPS);
	}
	ck_assert_ptr_null(dispatch_find(PSID__REQUEST__BODY__NOT_SET, NULL));
	ck_assert_ptr_null(dispatch_find(9, NULL));
	ck_assert_ptr_null(dispatch_find(24, NULL));
	ck_assert_ptr_null(dispatch_find(-1, NULL));
}
END_TEST

START_TEST(unknown_body_is_refused)
{
	struct fake_conn fc;
	Psid__Request req = PSID__REQUEST__INIT;
	size_t op, b;

	fake_conn_init(&fc, "alice", false);
	req.id = 42;
	req.body_case = 99;
	dispatch_request(fake_request(&fc, &req));
	ck_assert_uint_eq(fc.n, 1);
	ck_assert_uint_eq(fc.replies[0]->id, 42);
	ck_assert(fc.replies[0]->done);
	ck_assert_int_eq(fake_last_error(&fc), PSID__ERROR_CODE__BAD_REQUEST);
	ck_assert_str_eq(fake_last_message(&fc),
	    "request without a known body");
	/* Counted under no verb. */
	for (op = 0; op < LATENCY_OPS; op++)
		for (b = 0; b < LATENCY_BINS; b++)
			ck_assert_uint_eq(fc.srv.latency.bins[op][b], 0);
	fake_conn_free(&fc);
}
END_TEST

START_TEST(stats_counted_under_their_verb)
{
	struct fake_conn fc;
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__Stats stats = PSID__STATS__INIT;
	const Psid__StatsReply *st;
	size_t op, b;
	uint64_t n = 0;

	fake_conn_init(&fc, "alice", false);
	req.id = 5;
	req.body_case = PSID__REQUEST__BODY_STATS;
	req.stats = &stats;
	dispatch_request(fake_request(&fc, &req));
	dispatch_request(&fc.rq);
	ck_assert_uint_eq(fc.n, 2);
	ck_assert_int_eq(fc.replies[1]->body_case,
	    PSID__RESPONSE__BODY_STATS);
	st = fc.replies[1]->stats;
	/* The second reply sees the first request, named by its verb. */
	ck_assert_uint_eq(st->n_latency, 1);
	ck_assert_str_eq(st->latency[0]->operation, "stats");
	ck_assert_uint_eq(st->latency[0]->count, 1);
	(void)dispatch_find(PSID__REQUEST__BODY_STATS, &op);
	for (b = 0; b < LATENCY_BINS; b++)
		n += fc.srv.latency.bins[op][b];
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(fc.srv.latency.names[op], "stats");
	fake_conn_free(&fc);
}
END_TEST

static int cleanups;

static void
count_cleanup(void *data)
{
	(void)data;
	cleanups++;
}

START_TEST(refusal_clears_the_slot_where_the_verb_says)
{
	struct rq_slot slot = { NULL, NULL };
	Psid__Request req = PSID__REQUEST__INIT;
	static int data;
	size_t i;

	cleanups = 0;
	for (i = 0; i < sizeof(want_verbs) / sizeof(want_verbs[0]); i++) {
		slot.data = &data;
		slot.cleanup = count_cleanup;
		req.body_case = want_verbs[i].body;
		dispatch_refused(&req, &slot);
		if (want_verbs[i].flags & VERB_REFUSAL_CLEARS_SLOT)
			ck_assert_ptr_null(slot.data);
		else
			ck_assert_ptr_eq(slot.data, &data);
	}
	ck_assert_int_eq(cleanups, 2);
	/* An unknown body, and an empty slot: nothing happens. */
	req.body_case = 99;
	dispatch_refused(&req, &slot);
	ck_assert_int_eq(cleanups, 2);
	slot.data = NULL;
	req.body_case = PSID__REQUEST__BODY_UPLOAD_CHUNK;
	dispatch_refused(&req, &slot);
	ck_assert_int_eq(cleanups, 2);
	rq_slot_clear(NULL);
}
END_TEST

START_TEST(slot_helpers)
{
	struct fake_conn fc;
	static int data;

	cleanups = 0;
	fake_conn_init(&fc, "alice", false);
	(void)fake_request(&fc, NULL);
	ck_assert_ptr_null(rq_slot_get(&fc.rq));
	rq_slot_set(&fc.rq, &data, count_cleanup);
	ck_assert_ptr_eq(rq_slot_get(&fc.rq), &data);
	ck_assert_ptr_eq(rq_slot_take(&fc.rq), &data);
	ck_assert_ptr_null(rq_slot_get(&fc.rq));
	ck_assert_int_eq(cleanups, 0);		/* taken, not freed */
	rq_slot_set(&fc.rq, &data, count_cleanup);
	fake_conn_free(&fc);			/* the connection closes */
	ck_assert_int_eq(cleanups, 1);
	/* A request without a slot. */
	fake_conn_init(&fc, "alice", false);
	fc.rq.slot = NULL;
	ck_assert_ptr_null(rq_slot_get(&fc.rq));
	ck_assert_ptr_null(rq_slot_take(&fc.rq));
	fake_conn_free(&fc);
}
END_TEST

START_TEST(replies_when_the_transport_fails)
{
	struct fake_conn fc;
	Psid__Response resp = PSID__RESPONSE__INIT;

	fake_conn_init(&fc, "alice", false);
	(void)fake_request(&fc, NULL);
	ck_assert_int_eq(rq_reply_part(&fc.rq, &resp), 0);
	ck_assert(!fc.replies[0]->done);
	ck_assert_uint_eq(fc.replies[0]->id, 7);
	ck_assert_int_eq(rq_reply(&fc.rq, &resp), 0);
	ck_assert(fc.replies[1]->done);
	ck_assert_int_eq(rq_reply_invalid(&fc.rq, 3, "c", "bad %s", "cell"),
	    0);
	ck_assert_int_eq(fake_last_error(&fc),
	    PSID__ERROR_CODE__INVALID_TABLE);
	ck_assert_uint_eq(fc.replies[2]->error->row, 3);
	ck_assert_str_eq(fc.replies[2]->error->column, "c");
	ck_assert_str_eq(fake_last_message(&fc), "bad cell");
	/* The peer is gone: the work stops. */
	fc.send_rc = -1;
	ck_assert_int_eq(rq_reply(&fc.rq, &resp), -1);
	/* Cannot be packed: an error is tried instead, the request ends. */
	fc.send_rc = -2;
	ck_assert_int_eq(rq_reply_error(&fc.rq, PSID__ERROR_CODE__INTERNAL,
	    "x"), -1);
	ck_assert_uint_eq(fc.n, 3);
	fake_conn_free(&fc);
}
END_TEST

Suite *
make_dispatch_suite(void)
{
	Suite *s = suite_create("dispatch");
	TCase *tc = tcase_create("verbs");

	tcase_add_test(tc, every_body_has_its_verb);
	tcase_add_test(tc, unknown_body_is_refused);
	tcase_add_test(tc, stats_counted_under_their_verb);
	tcase_add_test(tc, refusal_clears_the_slot_where_the_verb_says);
	tcase_add_test(tc, slot_helpers);
	tcase_add_test(tc, replies_when_the_transport_fails);
	suite_add_tcase(s, tc);
	return s;
}
