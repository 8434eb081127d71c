/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_job.c: the worker side of a connection (see conn.h): the job of
 * one request (decode its frame within a budget, check it, hand it to
 * srv->on_request) and the transport its replies leave by, the reply
 * queue. A job whose replies fill the queue while the peer does not
 * read parks (worker.h) for the wait, so it holds no worker, and the
 * loop closes a peer that reads nothing for write_timeout.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "conn_int.h"
#include "frame.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "worker.h"
#include "xmalloc.h"

struct out_frame *
conn_frame_new(const Psid__Response *response)
{
	struct out_frame *f;

	if ((f = malloc(sizeof(*f))) == NULL)
		return NULL;
	f->next = NULL;
	if (frame_pack_response(response, FRAME_MAX_LIMIT, &f->data,
	    &f->len) != FRAME_OK) {
		free(f);
		return NULL;
	}
	return f;
}

void
conn_queue_append(struct conn *c, struct out_frame *f)
{
	if (c->out_tail != NULL)
		c->out_tail->next = f;
	else
		c->out_head = f;
	c->out_tail = f;
	c->out_bytes += f->len;
}

void
conn_queue_clear(struct conn *c)
{
	struct out_frame *f;

	while ((f = c->out_head) != NULL) {
		c->out_head = f->next;
		free(f->data);
		free(f);
	}
	c->out_tail = NULL;
	c->out_bytes = 0;
}

/*
 * The transport of the connection's requests (request.h's rq_send_fn):
 * queue a reply frame; while out_max bytes are queued and the peer has
 * not read them, wait parked.
 */
static int
conn_send(void *ctx, const Psid__Response *response)
{
	struct conn *c = ctx;
	struct out_frame *f;
	int parked = 0;

	if ((f = conn_frame_new(response)) == NULL)
		return -2;
	pthread_mutex_lock(&c->lock);
	if (!c->gone && c->out_bytes >= c->out_max) {
		pthread_mutex_unlock(&c->lock);
		parked = worker_park();
		pthread_mutex_lock(&c->lock);
		while (!c->gone && c->out_bytes >= c->out_max)
			pthread_cond_wait(&c->drained, &c->lock);
	}
	if (c->gone) {
		pthread_mutex_unlock(&c->lock);
		free(f->data);
		free(f);
		if (parked)
			worker_unpark();
		return -1;
	}
	conn_queue_append(c, f);
	pthread_mutex_unlock(&c->lock);
	event_active(c->wake, 0, 0);
	if (parked)
		worker_unpark();
	return 0;
}

/* Answer a request that never reached a handler. */
static void
job_refuse(struct conn *c, uint64_t id, Psid__ErrorCode code,
    const char *message)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__Error error = PSID__ERROR__INIT;

	error.code = code;
	error.message = (char *)message;
	resp.id = id;
	resp.error = &error;
	resp.done = true;
	(void)conn_send(c, &resp);
}

/*
 * Decode and check the job's frame into c->request. Returns true when
 * it is a request for a handler; false when it was answered here (and
 * c->job_failed set when the connection must close).
 */
static bool
job_decode(struct conn *c)
{
	char err[256], msg[320];
	int rc;

	rc = frame_decode_request(c->frame, c->frame_len, &c->request);
	free(c->frame);
	c->frame = NULL;
	if (rc != FRAME_OK) {
		job_refuse(c, 0, rc == FRAME_TOO_LARGE ?
		    PSID__ERROR_CODE__TOO_LARGE : PSID__ERROR_CODE__BAD_REQUEST,
		    rc == FRAME_TOO_LARGE ? "a frame takes too much memory "
		    "to decode; closing" : "a frame is not a psid request; "
		    "closing");
		c->job_failed = true;
		return false;
	}
	if (!frame_check_request(c->request, err, sizeof(err))) {
		/* Well framed but malformed: answer, go on. */
		snprintf(msg, sizeof(msg), "bad request: %s", err);
		log_debug("%s (%s): %s", c->peer, c->identity, msg);
		job_refuse(c, c->request->id, PSID__ERROR_CODE__BAD_REQUEST,
		    msg);
		/* Its verb may end the slot (a bad chunk). */
		c->srv->on_refused(c->request, &c->slot);
		return false;
	}
	return true;
}

void
conn_job(void *arg)
{
	struct conn *c = arg;
	struct request rq = {
		.srv = c->srv,
		.identity = c->identity,
		.send = conn_send,
		.send_ctx = c,
		.slot = &c->slot,
	};

	if (job_decode(c)) {
		rq.msg = c->request;
		c->srv->on_request(&rq);
	}
	/*
	 * Under the lock: once it is released the loop may free c, so
	 * nothing of c is touched after.
	 */
	pthread_mutex_lock(&c->lock);
	c->job_done = true;
	event_active(c->wake, 0, 0);
	pthread_mutex_unlock(&c->lock);
}
