/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h: the state one psid process shares between its event loop
 * and its workers: the configuration, the TLS context, the store, the
 * worker pool, the open connections and the counters.
 */
#ifndef PSID_SERVER_H
#define PSID_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include <openssl/ssl.h>

#include <pthread.h>

#include "conf.h"
#include "log.h"
#include "psid.pb-c.h"

struct event;
struct event_base;
struct evconnlistener;
struct store;
struct worker_pool;
struct conn;
struct conn_admission;
struct request;
struct rq_slot;

/* Kinds of connections refused or shed (conn_admit.h's conn_refusal). */
#define SERVER_REFUSAL_KINDS	16

/* Counters, updated from any thread. */
struct server_stats {
	atomic_uint_fast64_t handshakes;	/* in progress now */
	atomic_uint_fast64_t unfinished_bytes;	/* of frames not yet whole */
	atomic_uint_fast64_t refused[SERVER_REFUSAL_KINDS];
	atomic_uint_fast64_t connections;	/* open now */
	atomic_uint_fast64_t connections_total;
	atomic_uint_fast64_t uploads;
	atomic_uint_fast64_t queries;
	atomic_uint_fast64_t bytes_in;
	atomic_uint_fast64_t bytes_out;
};

/*
 * Request latencies per verb (the index of dispatch.c's verb table), in
 * power-of-two microsecond bins; a verb's name is set with its first
 * count.
 */
#define LATENCY_OPS	16
#define LATENCY_BINS	40
struct latency {
	pthread_mutex_t lock;
	const char *names[LATENCY_OPS];
	uint64_t bins[LATENCY_OPS][LATENCY_BINS];
};

TAILQ_HEAD(conn_list, conn);

struct server {
	/*
	 * The configuration in force: the loop thread's only (a reload
	 * replaces it). Workers use the copies below, fixed at start.
	 */
	struct psid_config *config;
	const char *tmp_dir;		/* for workers: upload staging */
	unsigned count_threads;		/* for workers */
	struct event_base *base;
	SSL_CTX *ssl_ctx;		/* for new connections */
	struct store *store;
	struct worker_pool *pool;
	struct evconnlistener *listeners[CONF_MAX_LISTEN];
	size_t nlisteners;
	struct conn_list conns;		/* every conn not yet freed */
	unsigned nconns;		/* of them, those still open */
	struct conn_admission *admission;	/* conn_admit.c's */
	struct event *conn_sweep;	/* conn.c's, once a second */
	bool stopping;
	time_t started;
	struct server_stats stats;
	struct latency latency;

	/*
	 * What the connections call, set by main, so that conn.c names
	 * neither the dispatch nor main. on_request handles one checked
	 * request on a worker and returns when it is answered; on_refused
	 * is told (loop thread, no job running) of a request refused as
	 * malformed, with the connection's slot; on_drained (loop thread)
	 * runs when the last connection closes while stopping.
	 */
	void (*on_request)(const struct request *rq);
	void (*on_refused)(const Psid__Request *req, struct rq_slot *slot);
	void (*on_drained)(struct server *srv);
};

#endif /* PSID_SERVER_H */
