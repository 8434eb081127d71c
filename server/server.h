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

struct event_base;
struct evconnlistener;
struct store;
struct worker_pool;
struct conn;

/* Counters, updated from any thread. */
struct server_stats {
	atomic_uint_fast64_t connections;	/* open now */
	atomic_uint_fast64_t connections_total;
	atomic_uint_fast64_t uploads;
	atomic_uint_fast64_t queries;
	atomic_uint_fast64_t bytes_in;
	atomic_uint_fast64_t bytes_out;
};

/* Request latencies per operation, in power-of-two microsecond bins. */
#define LATENCY_OPS	16		/* Request body cases 10..25 */
#define LATENCY_BINS	40
struct latency {
	pthread_mutex_t lock;
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
	bool stopping;
	time_t started;
	struct server_stats stats;
	struct latency latency;
};

/* Called by conn.c when the last connection closes while stopping. */
void server_drained(struct server *srv);

#endif /* PSID_SERVER_H */
