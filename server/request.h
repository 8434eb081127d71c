/* SPDX-License-Identifier: Apache-2.0 */
/*
 * request.h: one request as a handler sees it, on a worker thread: who
 * asks, the checked message, the server's state, how its replies leave
 * and the connection's slot; and the reply and audit helpers every
 * handler and the policy share.
 *
 * A request never names the connection: its replies go through a
 * transport (a send function and its context, conn.c's conn_send in
 * psid, a fake in the unit tests). The slot is the connection's
 * per-connection state that outlives one request (the upload in
 * progress): the connection owns it and runs its cleanup callback when
 * it closes, without knowing what it holds (nginx's pool cleanups are
 * the model).
 */
#ifndef PSID_REQUEST_H
#define PSID_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psid.pb-c.h"

struct server;

/*
 * Send one reply frame: returns 0, -1 when the peer is gone (stop the
 * work), or -2 when the reply cannot be packed (over the frame limit).
 * May block while the peer reads slowly.
 */
typedef int rq_send_fn(void *ctx, const Psid__Response *response);

/* Frees what a slot holds. */
typedef void rq_cleanup_fn(void *data);

/* A connection's slot: data (NULL: empty) and how to free it. */
struct rq_slot {
	void *data;
	rq_cleanup_fn *cleanup;
};

/* One request being handled. */
struct request {
	struct server *srv;
	const char *identity;		/* who asks: a verified CN */
	const Psid__Request *msg;	/* checked by frame_check_request */
	rq_send_fn *send;		/* the transport */
	void *send_ctx;
	struct rq_slot *slot;		/* the connection's; may be NULL */
};

/*
 * Send resp as the final reply (id and done are set here). A reply that
 * cannot be packed is replaced by a TOO_LARGE error. Returns 0, or -1
 * when the connection is gone or the reply was replaced.
 */
int rq_reply(const struct request *rq, Psid__Response *resp);

/*
 * Send a reply that is not the last (done false): join rows and audit
 * entries in several parts. Returns as rq_reply (-1: stop the work).
 */
int rq_reply_part(const struct request *rq, Psid__Response *resp);

/*
 * Send an error reply with a printf-style one-line message that never
 * holds a cell value or a secret. Returns as rq_reply().
 */
int rq_reply_error(const struct request *rq, Psid__ErrorCode code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An INVALID_TABLE error naming the 1-based row and the column. */
int rq_reply_invalid(const struct request *rq, uint64_t row,
    const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Send a prepared Error (code, message, row, column) as the reply. */
int rq_reply_error_msg(const struct request *rq, const Psid__Error *error);

/* The largest packed audit entry. */
#define RQ_AUDIT_ENTRY_MAX 2048

/*
 * Pack an audit entry (now, rq's identity, operation, detail) into
 * buf[0..size). Returns its length, or 0 when it does not fit.
 */
size_t rq_audit_pack(const struct request *rq, const char *operation,
    const char *detail, uint8_t *buf, size_t size);

/* psid's log line for an audited operation (names only, never a cell). */
void rq_audit_log(const struct request *rq, const char *collab,
    const char *operation, const char *detail);

/*
 * Append an entry to a collaboration's audit log in rq->srv's store and
 * log it; a failure to append is logged, not returned.
 */
void rq_audit(const struct request *rq, const char *collab,
    const char *operation, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* What the request's connection slot holds, or NULL (no slot, empty). */
void *rq_slot_get(const struct request *rq);

/*
 * Put data in the slot, freed by cleanup when the connection closes or
 * the slot is cleared. The slot must be empty and present.
 */
void rq_slot_set(const struct request *rq, void *data,
    rq_cleanup_fn *cleanup);

/*
 * Empty the slot without freeing: returns what it held (NULL if none),
 * which the caller now owns.
 */
void *rq_slot_take(const struct request *rq);

/* Free what slot holds (its cleanup) and empty it. NULL is accepted. */
void rq_slot_clear(struct rq_slot *slot);

#endif /* PSID_REQUEST_H */
