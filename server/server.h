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

#include "log.h"

struct event_base;
struct evconnlistener;
struct store;
struct worker_pool;
struct conn;

/* What psid is told on its command line (and, later, its config file). */
struct psid_config {
	const char *listen;		/* HOST:PORT; port 0: any free one */
	const char *state_dir;		/* the LMDB environment */
	const char *ca_file;		/* PEM: the members' CA */
	const char *cert_file;		/* PEM: psid's certificate */
	const char *key_file;		/* PEM: its key */
	const char *tmp_dir;		/* upload staging; NULL: $TMPDIR */
	const char *port_file;		/* write the bound port here */
	unsigned max_connections;
	size_t max_frame;		/* largest request payload */
	unsigned handshake_timeout;	/* seconds */
	unsigned idle_timeout;		/* seconds */
	unsigned workers;		/* worker threads */
	unsigned count_threads;		/* threads per count; 0: CPUs */
	uint64_t map_size;		/* bytes; 0: the store's default */
	bool foreground;
	enum log_level log_level;
};

/* The defaults, as psid(8) documents them. */
#define CONFIG_MAX_CONNECTIONS	256
#define CONFIG_HANDSHAKE_TIMEOUT 10
#define CONFIG_IDLE_TIMEOUT	300
#define CONFIG_WORKERS		4

/* Counters, updated from any thread. */
struct server_stats {
	atomic_uint_fast64_t connections_total;
	atomic_uint_fast64_t uploads;
	atomic_uint_fast64_t queries;
	atomic_uint_fast64_t bytes_in;
	atomic_uint_fast64_t bytes_out;
};

TAILQ_HEAD(conn_list, conn);

struct server {
	const struct psid_config *config;
	struct event_base *base;
	SSL_CTX *ssl_ctx;
	struct store *store;
	struct worker_pool *pool;
	struct evconnlistener *listener;
	struct conn_list conns;		/* every conn not yet freed */
	unsigned nconns;		/* of them, those still open */
	bool stopping;
	time_t started;
	struct server_stats stats;
};

#endif /* PSID_SERVER_H */
