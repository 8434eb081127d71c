/* SPDX-License-Identifier: Apache-2.0 */
/*
 * request.c: the reply and audit helpers of a request, and its slot
 * (see request.h). Replies leave through the request's transport only.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "request.h"
#include "server.h"
#include "store.h"

static int
send_reply(const struct request *rq, Psid__Response *resp, bool done)
{
	Psid__Error error = PSID__ERROR__INIT;
	int rc;

	resp->id = rq->msg->id;
	resp->done = done;
	rc = rq->send(rq->send_ctx, resp);
	if (rc == -2) {
		/* Too large to pack, or no memory: say so instead. */
		log_warnx("%s: a reply could not be packed", rq->identity);
		error.code = PSID__ERROR_CODE__TOO_LARGE;
		error.message = (char *)"the reply is over the frame limit";
		resp->body_case = PSID__RESPONSE__BODY__NOT_SET;
		resp->error = &error;
		resp->done = true;
		(void)rq->send(rq->send_ctx, resp);
		rc = -1;	/* the request is over either way */
	}
	return rc;
}

int
rq_reply(const struct request *rq, Psid__Response *resp)
{
	return send_reply(rq, resp, true);
}

int
rq_reply_part(const struct request *rq, Psid__Response *resp)
{
	return send_reply(rq, resp, false);
}

int
rq_reply_error_msg(const struct request *rq, const Psid__Error *error)
{
	Psid__Response resp = PSID__RESPONSE__INIT;

	resp.error = (Psid__Error *)error;
	log_debug("%s: request %llu refused: %s", rq->identity,
	    (unsigned long long)rq->msg->id, error->message);
	return rq_reply(rq, &resp);
}

static int
rq_reply_errorv(const struct request *rq, Psid__ErrorCode code, uint64_t row,
    const char *column, const char *fmt, va_list ap)
{
	Psid__Error error = PSID__ERROR__INIT;
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	error.code = code;
	error.message = msg;
	error.row = row;
	error.column = (char *)(column != NULL ? column : "");
	return rq_reply_error_msg(rq, &error);
}

int
rq_reply_error(const struct request *rq, Psid__ErrorCode code,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = rq_reply_errorv(rq, code, 0, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int
rq_reply_invalid(const struct request *rq, uint64_t row, const char *column,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = rq_reply_errorv(rq, PSID__ERROR_CODE__INVALID_TABLE, row, column,
	    fmt, ap);
	va_end(ap);
	return rc;
}

size_t
rq_audit_pack(const struct request *rq, const char *operation,
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
rq_audit_log(const struct request *rq, const char *collab,
    const char *operation, const char *detail)
{
	log_info("%s: %s %s %s", collab, rq->identity, operation, detail);
}

void
rq_audit(const struct request *rq, const char *collab, const char *operation,
    const char *fmt, ...)
{
	uint8_t buf[RQ_AUDIT_ENTRY_MAX];
	char detail[1024], err[256];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if ((len = rq_audit_pack(rq, operation, detail, buf, sizeof(buf))) == 0)
		log_warnx("%s: audit entry too long", collab);
	else if (store_audit_append(rq->srv->store, collab, buf, len, NULL,
	    err, sizeof(err)) != STORE_OK)
		log_warnx("%s: audit log: %s", collab, err);
	rq_audit_log(rq, collab, operation, detail);
}

void *
rq_slot_get(const struct request *rq)
{
	return rq->slot != NULL ? rq->slot->data : NULL;
}

void
rq_slot_set(const struct request *rq, void *data, rq_cleanup_fn *cleanup)
{
	rq->slot->data = data;
	rq->slot->cleanup = cleanup;
}

void *
rq_slot_take(const struct request *rq)
{
	void *data;

	if (rq->slot == NULL)
		return NULL;
	data = rq->slot->data;
	rq->slot->data = NULL;
	rq->slot->cleanup = NULL;
	return data;
}

void
rq_slot_clear(struct rq_slot *slot)
{
	if (slot == NULL)
		return;
	if (slot->data != NULL && slot->cleanup != NULL)
		slot->cleanup(slot->data);
	slot->data = NULL;
	slot->cleanup = NULL;
}
