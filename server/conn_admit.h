/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_admit.h: admission control of psid's connections, on the loop
 * thread (conn_admit.c). Internal to the connection files, but for the
 * reasons of refusal and their names, which the stats reply uses.
 *
 * Connections in the TLS handshake and authenticated ones have budgets
 * of their own (max_handshakes, max_connections), so that sockets that
 * never finish a handshake cannot keep members out; each source address
 * has a handshake budget and each identity a connection budget. When a
 * budget is full, the newcomer is kept and the oldest connection of that
 * budget that is only waiting (a handshake, or an idle authenticated
 * connection) is shed; a newcomer is refused only when none is. Bytes of
 * frames not yet whole are capped across all connections
 * (max_unfinished), and each such frame must arrive at min_frame_rate.
 * Every refusal and shedding is counted in the stats and logged once a
 * minute at most, as a summary, not once per connection.
 */
#ifndef PSID_CONN_ADMIT_H
#define PSID_CONN_ADMIT_H

#include <stdbool.h>
#include <stddef.h>

struct conn;
struct server;

/* Why a connection was refused or shed (the summary's and stats' keys). */
enum conn_refusal {
	REFUSED_HANDSHAKE_SHED,		/* oldest handshake, budget full */
	REFUSED_ADDRESS_SHED,		/* oldest of an address, its budget */
	REFUSED_HANDSHAKE_TIMEOUT,	/* no handshake in handshake_timeout */
	REFUSED_HANDSHAKE_FAILED,	/* TLS refused it (no certificate...) */
	REFUSED_IDLE_SHED,		/* idle, shed for a newcomer */
	REFUSED_IDENTITY_FULL,		/* its identity's budget, none idle */
	REFUSED_SERVER_FULL,		/* max_connections, none idle */
	REFUSED_UNFINISHED_SHED,	/* largest unfinished frame, cap hit */
	REFUSED_SLOW_FRAME,		/* a frame under min_frame_rate */
	REFUSED_SLOW_READER,		/* replies unread for write_timeout */
	REFUSED_STOPPING,
	REFUSED_NREASONS
};

/* The stats' name of a reason ("handshake_shed", ...). */
const char *conn_refusal_name(enum conn_refusal why);

/* What admitting an authenticated connection came to. */
enum conn_admit_result {
	ADMIT_OK,	/* counted in its budgets */
	ADMIT_SHED,	/* first shed *victim (telling it msg), then retry */
	ADMIT_REFUSED,	/* a budget is full, nothing idle: msg says which */
};

/*
 * Set up admission for srv (its budgets read from srv->config each time,
 * so that a reload applies). Returns 0, or -1 (no memory).
 * conn_admit_free undoes it (and logs the last summary); NULL-safe.
 */
int conn_admit_init(struct server *srv);
void conn_admit_free(struct server *srv);

/*
 * Before a new handshake from host: the handshake to shed for room (the
 * oldest of host when its budget is full, else the oldest of all when
 * that is full), with *why; NULL when there is room. The caller sheds
 * it and asks again.
 */
struct conn *conn_admit_handshake_victim(struct server *srv,
    const char *host, enum conn_refusal *why);

/* Count a new connection c (c->peer set) as handshaking. */
void conn_admit_handshaking(struct conn *c);

/*
 * c finished its handshake as c->identity: count it as authenticated.
 * Returns ADMIT_OK; ADMIT_SHED with *victim, an idle connection of the
 * full budget, to close with the error msg before calling again; or
 * ADMIT_REFUSED (counted) with msg the one-line error for c.
 */
enum conn_admit_result conn_admit_authenticated(struct conn *c,
    struct conn **victim, char *msg, size_t size);

/* c sent a request: it is the newest active connection. */
void conn_admit_touch(struct conn *c);

/* c closes: it leaves its budgets (again: a no-op). */
void conn_admit_leave(struct conn *c);

/*
 * c's input holds buffered bytes of a frame of plen bytes not yet whole
 * (0: none): counted against max_unfinished; a new one must be whole by
 * c->frame_deadline (handshake_timeout + plen / min_frame_rate).
 */
void conn_admit_unfinished(struct conn *c, size_t buffered, size_t plen);

/*
 * While the bytes of unfinished frames are over max_unfinished: the
 * connection holding the largest, to shed (then ask again); else NULL.
 */
struct conn *conn_admit_unfinished_victim(struct server *srv);

/* Count a refusal (stats, and the next summary line). */
void conn_admit_refused(struct server *srv, enum conn_refusal why);

/*
 * The once-a-second part of admission (now: conn_now()): the summary
 * line when due, and freed buffers given back to the system.
 */
void conn_admit_sweep(struct server *srv, time_t now);

/* The monotonic clock in seconds. */
time_t conn_now(void);

/* Bytes now in unfinished frames, and handshakes in progress (stats). */
size_t conn_admit_unfinished_bytes(const struct server *srv);
unsigned conn_admit_handshakes(const struct server *srv);

/* The number of refusals of a reason since psid started (stats). */
unsigned long long conn_admit_refusals(const struct server *srv,
    enum conn_refusal why);

#endif /* PSID_CONN_ADMIT_H */
