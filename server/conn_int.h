/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_int.h: what conn.c (the loop side), conn_job.c (the worker side)
 * and conn_admit.c (admission) share of a connection. Not for other
 * files: they see conn.h.
 *
 * The loop thread owns the bufferevent and everything outside `lock`; a
 * request's worker owns the request, its frame and the slot while the
 * job runs; the reply queue and the flags under `lock` are shared.
 */
#ifndef PSID_CONN_INT_H
#define PSID_CONN_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include <arpa/inet.h>

#include "psid.pb-c.h"
#include "request.h"
#include "tls.h"

struct server;
struct admit_count;

struct out_frame {
	struct out_frame *next;
	uint8_t *data;
	size_t len;
};

/* Where a connection stands in admission (conn_admit.c). */
enum conn_stage {
	CONN_HANDSHAKING,	/* counted in the handshake budget */
	CONN_AUTHENTICATED,	/* counted against max_connections */
	CONN_CLOSED,		/* in neither */
};

struct conn {
	TAILQ_ENTRY(conn) entry;	/* srv->conns */
	TAILQ_ENTRY(conn) stage_entry;	/* its stage's list, oldest first */
	struct server *srv;
	struct bufferevent *bev;	/* NULL once closed */
	struct event *wake;		/* a worker queued a reply or ended */
	char peer[INET6_ADDRSTRLEN + 8];
	char identity[TLS_IDENTITY_MAX + 1];
	enum conn_stage stage;
	struct admit_count *by_address;	/* while handshaking */
	struct admit_count *by_identity; /* while authenticated */
	bool ready;			/* handshake done, identity known */
	bool closing;			/* flush what is queued, then close */
	bool busy;			/* a job is queued or running */
	size_t out_max;			/* max_in_flight when accepted */
	time_t last_active;		/* monotonic s: accepted, or a request */

	/* An unfinished frame: its bytes counted in the server's total. */
	size_t unfinished;		/* bytes of it buffered (0: none) */
	time_t frame_deadline;		/* monotonic s it must be whole by */

	pthread_mutex_t lock;		/* guards the fields below */
	pthread_cond_t drained;		/* the queue shrank, or gone */
	struct out_frame *out_head, *out_tail;
	size_t out_bytes;
	bool job_done;			/* the job ended; the loop clears busy */
	bool job_failed;		/* ...on a frame not a request: close */
	bool gone;			/* closed: replies are dropped */

	/* The job's, while busy; the loop's otherwise. */
	uint8_t *frame;			/* the payload the job decodes */
	size_t frame_len;
	Psid__Request *request;
	struct rq_slot slot;		/* what outlives a request */
};

/* conn_job.c: the job of a connection's request, on a worker thread. */
void conn_job(void *arg);

/*
 * conn_job.c: pack a reply into a new queue entry, or NULL (over the
 * frame limit, or no memory).
 */
struct out_frame *conn_frame_new(const Psid__Response *response);

/* conn_job.c: append f to the reply queue; the caller holds c->lock. */
void conn_queue_append(struct conn *c, struct out_frame *f);

/* conn_job.c: free every queued reply; the caller holds c->lock. */
void conn_queue_clear(struct conn *c);

/*
 * conn.c: answer a protocol violation (id, code, message) once, then
 * close when it is flushed. Loop thread.
 */
void conn_fail(struct conn *c, uint64_t id, Psid__ErrorCode code,
    const char *message);

/* conn.c: close the socket now, logging why (NULL: quietly). Loop. */
void conn_close(struct conn *c, const char *why);

#endif /* PSID_CONN_INT_H */
