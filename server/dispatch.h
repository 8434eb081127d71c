/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch.h: what psid does with one request, on a worker thread: find
 * the handler for its body, check who asks against the collaboration's
 * members and the tables' rules (policy.h), do it in storage, and reply.
 * One handler file per message family:
 *   h_collab.c  create and get a collaboration
 *   h_upload.c  upload begin, chunk, commit, abort
 *   h_tables.c  list and delete tables, read the audit log, stats
 *   h_query.c   intersection counts and joins
 */
#ifndef PSID_DISPATCH_H
#define PSID_DISPATCH_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "psid.pb-c.h"

struct conn;
struct server;
struct upload;

/* One request being handled. */
struct request {
	struct conn *conn;
	struct server *srv;
	const char *identity;		/* who asks: a verified CN */
	const Psid__Request *msg;	/* checked by frame_check_request */
};

/*
 * Handle req (shape already checked) for connection c and send its
 * replies. Runs on a worker thread; returns when the request is done.
 */
void dispatch_request(struct conn *c, const Psid__Request *req);

/*
 * Send resp as the final reply (id and done are set here). Returns 0,
 * or -1 when the connection is gone.
 */
int reply(const struct request *rq, Psid__Response *resp);

/*
 * Send a reply that is not the last (done false): join rows and audit
 * entries in several parts. Returns 0, or -1 when the connection is gone
 * (stop the work).
 */
int reply_part(const struct request *rq, Psid__Response *resp);

/*
 * Send an error reply with a printf-style one-line message that never
 * holds a cell value or a secret. Returns as reply().
 */
int reply_error(const struct request *rq, Psid__ErrorCode code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An INVALID_TABLE error naming the 1-based row and the column. */
int reply_invalid(const struct request *rq, uint64_t row,
    const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Send a prepared Error (code, message, row, column) as the reply. */
int reply_error_msg(const struct request *rq, const Psid__Error *error);

/* The largest packed audit entry. */
#define AUDIT_ENTRY_MAX 2048

/*
 * Pack an audit entry (now, rq's identity, operation, detail) into
 * buf[0..size). Returns its length, or 0 when it does not fit.
 */
size_t audit_pack(const struct request *rq, const char *operation,
    const char *detail, uint8_t *buf, size_t size);

/* psid's log line for an audited operation (names only, never a cell). */
void audit_log(const struct request *rq, const char *collab,
    const char *operation, const char *detail);

/* Append an entry to a collaboration's audit log; failures are logged. */
void audit(const struct request *rq, const char *collab,
    const char *operation, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The handlers (see the files above). */
void handle_create_collaboration(const struct request *rq);
void handle_get_collaboration(const struct request *rq);
void handle_upload_begin(const struct request *rq);
void handle_upload_chunk(const struct request *rq);
void handle_upload_commit(const struct request *rq);
void handle_upload_abort(const struct request *rq);
void handle_list_tables(const struct request *rq);
void handle_delete_table(const struct request *rq);
void handle_read_audit(const struct request *rq);
void handle_stats(const struct request *rq);
void handle_count(const struct request *rq);
void handle_join(const struct request *rq);

/* Free an upload in progress (NULL accepted): nothing of it is stored. */
void upload_free(struct upload *up);

#endif /* PSID_DISPATCH_H */
