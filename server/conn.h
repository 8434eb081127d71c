/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.h: one client connection of psid: TLS over a bufferevent, frames
 * in, a job per request on a worker, frames out.
 *
 * The event loop owns the socket. It reads frames (each bounded by
 * frame_peek before a byte of it is unpacked), hands one request at a
 * time to a worker, and writes the replies the worker queues. Input is
 * bounded by a read watermark (one largest frame), output by the reply
 * queue: a worker that answers faster than the peer reads waits in
 * conn_send, so a slow reader never makes psid buffer a whole result.
 * Handshake and idle timeouts close a connection; a protocol violation
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
struct upload;

/* Bytes handed to the socket's output at a time. */
#define CONN_OUT_HIGH		(1u << 20)

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
 * last one closes, server_drained is called. Loop thread only.
 */
void conn_shutdown(struct server *srv);

/*
 * Free every connection left once the workers are stopped (shutdown).
 */
void conn_free_all(struct server *srv);

/* ---------------------------------------------- for a request's worker */

/* The server the connection belongs to. */
struct server *conn_server(const struct conn *c);

/* The member's identity: its certificate's CN. */
const char *conn_identity(const struct conn *c);

/*
 * Queue a reply frame, waiting while CONN_OUT_QUEUE_MAX bytes are
 * queued and the peer has not read them. Returns 0, -1 when the
 * connection is gone (the reply is dropped: stop the work), or -2 when
 * the reply cannot be packed (over the frame limit, or no memory).
 */
int conn_send(struct conn *c, const Psid__Response *response);

/* After this request, close the connection (a protocol violation). */
void conn_close_after_reply(struct conn *c);

/*
 * The connection's upload in progress (NULL if none). Only the request's
 * worker touches it; the connection frees it (upload_free) when it
 * closes.
 */
struct upload **conn_upload(struct conn *c);

#endif /* PSID_CONN_H */
