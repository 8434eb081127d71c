/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch.c: route a request to its handler, and the reply helpers the
 * handlers share (see dispatch.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "dispatch.h"
#include "log.h"
#include "server.h"
#include "store.h"

/* Note one request's latency in its operation's histogram. */
static void
latency_note(struct server *srv, int body_case, const struct timespec *t0)
{
	struct timespec t1;
	uint64_t us;
	unsigned bin = 0;
	int op = body_case - PSID__REQUEST__BODY_CREATE_COLLABORATION;

	if (op < 0 || op >= LATENCY_OPS)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (uint64_t)(t1.tv_sec - t0->tv_sec) * 1000000u +
	    (uint64_t)((t1.tv_nsec - t0->tv_nsec) / 1000);
	while (bin + 1 < LATENCY_BINS && (us >> bin) > 1)
		bin++;
	pthread_mutex_lock(&srv->latency.lock);
	srv->latency.bins[op][bin]++;
	pthread_mutex_unlock(&srv->latency.lock);
}

void
dispatch_request(struct conn *c, const Psid__Request *req)
{
	struct request rq = {
		.conn = c,
		.srv = conn_server(c),
		.identity = conn_identity(c),
		.msg = req,
	};
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	switch (req->body_case) {
	case PSID__REQUEST__BODY_CREATE_COLLABORATION:
		handle_create_collaboration(&rq);
		break;
	case PSID__REQUEST__BODY_GET_COLLABORATION:
		handle_get_collaboration(&rq);
		break;
	case PSID__REQUEST__BODY_UPLOAD_BEGIN:
		handle_upload_begin(&rq);
		break;
	case PSID__REQUEST__BODY_UPLOAD_CHUNK:
		handle_upload_chunk(&rq);
		break;
	case PSID__REQUEST__BODY_UPLOAD_COMMIT:
		handle_upload_commit(&rq);
		break;
	case PSID__REQUEST__BODY_UPLOAD_ABORT:
		handle_upload_abort(&rq);
		break;
	case PSID__REQUEST__BODY_LIST_TABLES:
		handle_list_tables(&rq);
		break;
	case PSID__REQUEST__BODY_DELETE_TABLE:
		handle_delete_table(&rq);
		break;
	case PSID__REQUEST__BODY_COUNT:
		handle_count(&rq);
		break;
	case PSID__REQUEST__BODY_JOIN:
		handle_join(&rq);
		break;
	case PSID__REQUEST__BODY_READ_AUDIT:
		handle_read_audit(&rq);
		break;
	case PSID__REQUEST__BODY_STATS:
		handle_stats(&rq);
		break;
	default:
		reply_error(&rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "request without a known body");
		break;
	}
	latency_note(rq.srv, req->body_case, &t0);
}

static int
send_reply(const struct request *rq, Psid__Response *resp, bool done)
{
	Psid__Error error = PSID__ERROR__INIT;
	int rc;

	resp->id = rq->msg->id;
	resp->done = done;
	rc = conn_send(rq->conn, resp);
	if (rc == -2) {
		/* Too large to pack, or no memory: say so instead. */
		log_warnx("%s: a reply could not be packed", rq->identity);
		error.code = PSID__ERROR_CODE__TOO_LARGE;
		error.message = (char *)"the reply is over the frame limit";
		resp->body_case = PSID__RESPONSE__BODY__NOT_SET;
		resp->error = &error;
		resp->done = true;
		(void)conn_send(rq->conn, resp);
		rc = -1;	/* the request is over either way */
	}
	return rc;
}

int
reply(const struct request *rq, Psid__Response *resp)
{
	return send_reply(rq, resp, true);
}

int
reply_part(const struct request *rq, Psid__Response *resp)
{
	return send_reply(rq, resp, false);
}

int
reply_error_msg(const struct request *rq, const Psid__Error *error)
{
	Psid__Response resp = PSID__RESPONSE__INIT;

	resp.error = (Psid__Error *)error;
	log_debug("%s: request %llu refused: %s", rq->identity,
	    (unsigned long long)rq->msg->id, error->message);
	return reply(rq, &resp);
}

static int
reply_errorv(const struct request *rq, Psid__ErrorCode code, uint64_t row,
    const char *column, const char *fmt, va_list ap)
{
	Psid__Error error = PSID__ERROR__INIT;
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	error.code = code;
	error.message = msg;
	error.row = row;
	error.column = (char *)(column != NULL ? column : "");
	return reply_error_msg(rq, &error);
}

int
reply_error(const struct request *rq, Psid__ErrorCode code,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = reply_errorv(rq, code, 0, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int
reply_invalid(const struct request *rq, uint64_t row, const char *column,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = reply_errorv(rq, PSID__ERROR_CODE__INVALID_TABLE, row, column,
	    fmt, ap);
	va_end(ap);
	return rc;
}

size_t
audit_pack(const struct request *rq, const char *operation,
    const char *detail, uint8_t *buf, size_t size)
{
	Psid__AuditEntry entry = PSID__AUDIT_ENTRY__INIT;
	size_t len;

	entry.time_unix = (uint64_t)time(NULL);
	entry.identity = (char *)rq->identity;
	entry.operation = (char *)operation;
	entry.detail = (char *)detail;
	len = psid__audit_entry__get_packed_size(&entry);
	if (len > size)
		return 0;
	return psid__audit_entry__pack(&entry, buf);
}

void
audit_log(const struct request *rq, const char *collab,
    const char *operation, const char *detail)
{
	log_info("%s: %s %s %s", collab, rq->identity, operation, detail);
}

void
audit(const struct request *rq, const char *collab, const char *operation,
    const char *fmt, ...)
{
	uint8_t buf[AUDIT_ENTRY_MAX];
	char detail[1024], err[256];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if ((len = audit_pack(rq, operation, detail, buf, sizeof(buf))) == 0)
		log_warnx("%s: audit entry too long", collab);
	else if (store_audit_append(rq->srv->store, collab, buf, len, NULL,
	    err, sizeof(err)) != STORE_OK)
		log_warnx("%s: audit log: %s", collab, err);
	audit_log(rq, collab, operation, detail);
}
