/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.h: one client connection of psid: TLS over a bufferevent, frames
 * in, a job per request on a worker, frames out.
 *
 * The event loop owns the socket. It reads frames (each bounded by
 * frame_peek before a byte of it is unpacked), hands one request at a
 * time to a worker, and writes the replies the worker queues. Input is
 * bounded by a read watermark (one largest frame), output by the reply
 * queue: a worker that answers faster than the peer reads waits in its
 * request's transport (request.h), so a slow reader never makes psid
 * buffer a whole result. Each request goes to srv->on_request, and the
 * connection's slot (request.h) is cleaned up when it closes.
 * Admission (conn_admit.h) keeps handshakes and authenticated
 * connections in budgets of their own. Handshake, idle and write
 * timeouts close a connection; a protocol violation
 * (a frame too large or not a request) is answered once, then closes
 * that connection only.
 */
#ifndef PSID_CONN_H
#define PSID_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "psid.pb-c.h"

struct conn;
struct server;

/* Bytes handed to the socket's output at a time. */
#define CONN_OUT_HIGH		(1u << 20)

/*
 * Set up what the connections of srv share (admission control, its
 * once-a-second sweep on srv->base). Returns 0, or -1 (no memory).
 * Undone by conn_free_all.
 */
int conn_init(struct server *srv);

/*
 * Take a freshly accepted socket fd (from addr) and start the TLS
 * handshake. On any failure the socket is closed and logged. Loop
 * thread only.
 */
void conn_accept(struct server *srv, int fd, const struct sockaddr *addr,
    socklen_t addrlen);

/*
 * Close every connection (shutdown): replies still queued are dropped;
 * running jobs see their connection gone. Loop thread only.
 */
void conn_close_all(struct server *srv);

/*
 * Begin a graceful stop: read no more requests; close each connection
 * once its request in flight is answered (idle ones at once); when the
 * last one closes, srv->on_drained is called. Loop thread only.
 */
void conn_shutdown(struct server *srv);

/*
 * Free every connection left once the workers are stopped (shutdown).
 */
void conn_free_all(struct server *srv);

#endif /* PSID_CONN_H */
