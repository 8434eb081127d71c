/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.c: the loop side of psid's connections (see conn.h): accept,
 * handshake, frames in (copied whole out of the input, decoded by the
 * job), replies out, timeouts and close. Who owns what is in
 * conn_int.h; admission in conn_admit.c; the job in conn_job.c. A worker
 * wakes the loop with event_active on the connection's `wake` event
 * (libevent is set up for threads), and the loop frees a connection only
 * when no job of it runs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>

#include "conn.h"
#include "conn_admit.h"
#include "conn_int.h"
#include "frame.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "tls.h"
#include "worker.h"
#include "xmalloc.h"

static bool conn_flush(struct conn *c);

/* The first handshake failure of a minute is logged with its reason. */
static time_t handshake_failure_logged;

/* -------------------------------------------------------- loop side */

static void
conn_free(struct conn *c)
{
	TAILQ_REMOVE(&c->srv->conns, c, entry);
	conn_queue_clear(c);
	free(c->frame);
	if (c->request != NULL)
		psid__request__free_unpacked(c->request, NULL);
	rq_slot_clear(&c->slot);
	event_free(c->wake);
	pthread_cond_destroy(&c->drained);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void
frame_cleanup(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

/*
 * Answer with an error from the loop itself, queued behind any reply not
 * yet sent (so replies keep their order), without waiting.
 */
static void
conn_error_now(struct conn *c, uint64_t id, Psid__ErrorCode code,
    const char *message)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__Error error = PSID__ERROR__INIT;
	struct out_frame *f;

	error.code = code;
	error.message = (char *)message;
	resp.id = id;
	resp.error = &error;
	resp.done = true;
	if ((f = conn_frame_new(&resp)) == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	conn_queue_append(c, f);
	pthread_mutex_unlock(&c->lock);
	conn_flush(c);
}

/* Read no more; close once what is queued is sent and no job runs. */
static void
conn_close_when_flushed(struct conn *c)
{
	c->closing = true;
	if (c->bev == NULL)
		return;
	bufferevent_disable(c->bev, EV_READ);
	if (!c->busy && c->out_head == NULL &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_close(c, NULL);
}

void
conn_fail(struct conn *c, uint64_t id, Psid__ErrorCode code,
    const char *message)
{
	log_debug("%s (%s): %s; closing", c->peer,
	    c->ready ? c->identity : "-", message);
	conn_error_now(c, id, code, message);
	conn_close_when_flushed(c);
}

/* Shed c, quietly (counted, summarised once a minute). */
static void
conn_shed(struct conn *c, enum conn_refusal why)
{
	conn_admit_refused(c->srv, why);
	conn_close(c, NULL);
}

/* Shed an idle authenticated c, telling it msg. */
static void
conn_shed_idle(struct conn *c, const char *msg)
{
	conn_admit_refused(c->srv, REFUSED_IDLE_SHED);
	conn_admit_leave(c);	/* its budgets now, before the flush */
	conn_fail(c, 0, PSID__ERROR_CODE__UNAVAILABLE, msg);
}

/*
 * Count c's unfinished frame; while over max_unfinished, shed the
 * largest. Returns false when c itself was shed (c may be freed).
 */
static bool
conn_note_unfinished(struct conn *c, size_t buffered, size_t plen)
{
	struct conn *victim;

	conn_admit_unfinished(c, buffered, plen);
	while ((victim = conn_admit_unfinished_victim(c->srv)) != NULL) {
		conn_shed(victim, REFUSED_UNFINISHED_SHED);
		if (victim == c)
			return false;
	}
	return true;
}

/*
 * The next whole frame's payload, moved out of the input into c->frame;
 * false when none is whole yet (its bytes counted as unfinished) or c
 * was closed for it.
 */
static bool
conn_take_frame(struct conn *c, struct evbuffer *in)
{
	const struct psid_config *cfg = c->srv->config;
	uint8_t hdr[FRAME_HEADER_LEN];
	size_t len = evbuffer_get_length(in), plen;
	char msg[160];

	if (len < FRAME_HEADER_LEN) {
		(void)conn_note_unfinished(c, len, 0);
		return false;
	}
	evbuffer_copyout(in, hdr, FRAME_HEADER_LEN);
	if (frame_peek(hdr, FRAME_HEADER_LEN, cfg->max_frame,
	    &plen) == FRAME_TOO_LARGE) {
		snprintf(msg, sizeof(msg), "a frame of %zu bytes is over the "
		    "limit of %zu", plen, cfg->max_frame);
		conn_fail(c, 0, PSID__ERROR_CODE__TOO_LARGE, msg);
		return false;
	}
	if (len < FRAME_HEADER_LEN + plen) {
		(void)conn_note_unfinished(c, len, plen);
		return false;
	}
	c->frame = xmalloc(plen > 0 ? plen : 1);
	evbuffer_drain(in, FRAME_HEADER_LEN);
	evbuffer_remove(in, c->frame, plen);
	c->frame_len = plen;
	atomic_fetch_add(&c->srv->stats.bytes_in, FRAME_HEADER_LEN + plen);
	conn_admit_unfinished(c, 0, 0);
	return true;
}

/* Start a job for the next whole frame, if idle. */
static void
conn_process_input(struct conn *c)
{
	while (c->bev != NULL && c->ready && !c->busy && !c->closing) {
		if (!conn_take_frame(c, bufferevent_get_input(c->bev)))
			return;
		conn_admit_touch(c);
		c->busy = true;
		if (worker_submit(c->srv->pool, conn_job, c) != 0) {
			c->busy = false;
			free(c->frame);
			c->frame = NULL;
			conn_fail(c, 0, PSID__ERROR_CODE__UNAVAILABLE,
			    "psid is shutting down");
			return;
		}
	}
}

/*
 * Move queued replies into the socket's output (up to CONN_OUT_HIGH
 * there), note an ended job, and go on reading or close.
 */
static bool
conn_flush(struct conn *c)
{
	struct evbuffer *out = c->bev != NULL ?
	    bufferevent_get_output(c->bev) : NULL;
	struct out_frame *f;
	bool done;

	pthread_mutex_lock(&c->lock);
	while ((f = c->out_head) != NULL && (out == NULL ||
	    evbuffer_get_length(out) < CONN_OUT_HIGH)) {
		c->out_head = f->next;
		if (c->out_head == NULL)
			c->out_tail = NULL;
		c->out_bytes -= f->len;
		if (out == NULL || evbuffer_add_reference(out, f->data, f->len,
		    frame_cleanup, NULL) != 0)
			free(f->data);
		else
			atomic_fetch_add(&c->srv->stats.bytes_out, f->len);
		free(f);
	}
	pthread_cond_broadcast(&c->drained);
	done = c->job_done;
	c->job_done = false;
	pthread_mutex_unlock(&c->lock);
	return done;
}

static void
conn_pump(struct conn *c)
{
	bool done = conn_flush(c);

	if (done) {
		c->busy = false;
		if (c->request != NULL)
			psid__request__free_unpacked(c->request, NULL);
		c->request = NULL;
		if (c->job_failed && c->bev != NULL) {
			/* Closed below once the answer is flushed. */
			c->closing = true;
			bufferevent_disable(c->bev, EV_READ);
		}
	}
	if (c->bev == NULL) {
		if (!c->busy)
			conn_free(c);
		return;
	}
	if (c->closing) {
		if (!c->busy && c->out_head == NULL &&
		    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			conn_close(c, NULL);
		return;
	}
	if (done)
		conn_process_input(c);
}

static void
conn_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_pump(arg);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_process_input(arg);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_pump(arg);
}

static bool
srv_stopping_drained(const struct server *srv)
{
	return srv->stopping && srv->nconns == 0;
}

/* Close the socket; the conn itself goes once no job of it runs. */
void
conn_close(struct conn *c, const char *why)
{
	struct server *srv = c->srv;

	if (c->bev == NULL)
		return;
	if (why != NULL)
		log_info("%s (%s): %s", c->peer, c->ready ? c->identity : "-",
		    why);
	conn_admit_leave(c);
	bufferevent_free(c->bev);
	c->bev = NULL;
	srv->nconns--;
	atomic_fetch_sub(&srv->stats.connections, 1);
	pthread_mutex_lock(&c->lock);
	c->gone = true;
	conn_queue_clear(c);
	pthread_cond_broadcast(&c->drained);
	pthread_mutex_unlock(&c->lock);
	if (!c->busy)
		conn_free(c);
	if (srv_stopping_drained(srv) && srv->on_drained != NULL)
		srv->on_drained(srv);
}

/* The reason OpenSSL gave for a failed connection, or "". */
static void
conn_ssl_reason(struct bufferevent *bev, char *out, size_t size)
{
	unsigned long e;

	out[0] = '\0';
	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		if (out[0] == '\0')
			ERR_error_string_n(e, out, size);
}

/* The handshake is done: admit the identity, or refuse it. */
static void
conn_connected(struct conn *c, struct bufferevent *bev)
{
	const struct psid_config *cfg = c->srv->config;
	struct timeval idle = { (time_t)cfg->idle_timeout, 0 };
	struct timeval write = { (time_t)cfg->write_timeout, 0 };
	enum conn_admit_result admitted;
	struct conn *victim;
	char msg[256];

	if (tls_peer_identity(bufferevent_openssl_get_ssl(bev), c->identity,
	    sizeof(c->identity)) != 0) {
		conn_close(c, "refused: the certificate names no usable "
		    "identity");
		return;
	}
	c->ready = true;
	while ((admitted = conn_admit_authenticated(c, &victim, msg,
	    sizeof(msg))) == ADMIT_SHED)
		conn_shed_idle(victim, msg);
	if (admitted == ADMIT_REFUSED) {
		conn_fail(c, 0, PSID__ERROR_CODE__UNAVAILABLE, msg);
		return;
	}
	bufferevent_set_timeouts(bev, &idle, &write);
	log_info("%s: %s connected", c->peer, c->identity);
	conn_process_input(c);
}

/* A handshake that failed: counted, and the first of a minute logged. */
static void
conn_handshake_failed(struct conn *c, enum conn_refusal why,
    const char *reason)
{
	time_t now = conn_now();

	conn_admit_refused(c->srv, why);
	if (handshake_failure_logged == 0 || now - handshake_failure_logged >=
	    60) {
		handshake_failure_logged = now;
		log_info("%s: handshake failed: %s (further failures are "
		    "counted for a minute)", c->peer, reason);
	} else
		log_debug("%s: handshake failed: %s", c->peer, reason);
	conn_close(c, NULL);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char reason[256], why[300];

	if (what & BEV_EVENT_CONNECTED) {
		conn_connected(c, bev);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (!c->ready) {
			conn_handshake_failed(c, REFUSED_HANDSHAKE_TIMEOUT,
			    "timed out");
			return;
		}
		if ((what & BEV_EVENT_READING) && (c->busy || c->out_head !=
		    NULL)) {
			/* Waiting on psid, not on the peer: go on. */
			bufferevent_enable(bev, EV_READ);
			return;
		}
		if (what & BEV_EVENT_WRITING)
			conn_admit_refused(c->srv, REFUSED_SLOW_READER);
		conn_close(c, (what & BEV_EVENT_WRITING) ?
		    "the peer stopped reading; closing" :
		    "idle timeout; closing");
		return;
	}
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
		conn_ssl_reason(bev, reason, sizeof(reason));
		if (reason[0] == '\0')
			snprintf(reason, sizeof(reason), "%s", (what &
			    BEV_EVENT_EOF) ? "disconnected" :
			    evutil_socket_error_to_string(
			    EVUTIL_SOCKET_ERROR()));
		if (!c->ready) {
			conn_handshake_failed(c, REFUSED_HANDSHAKE_FAILED,
			    reason);
			return;
		}
		snprintf(why, sizeof(why), "%s", (what & BEV_EVENT_ERROR) ?
		    reason : "disconnected");
		if (what & BEV_EVENT_ERROR)
			snprintf(why, sizeof(why), "connection error: %s",
			    reason);
		conn_close(c, why);
	}
}

/* The printable address of a peer. */
static void
peer_host(const struct sockaddr *addr, char *host, size_t size)
{
	snprintf(host, size, "?");
	if (addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->
		    sin_addr, host, (socklen_t)size);
	else if (addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->
		    sin6_addr, host, (socklen_t)size);
}

/* A new conn for fd, its TLS started; NULL (fd closed) on failure. */
static struct conn *
conn_new(struct server *srv, int fd, const char *host)
{
	struct conn *c;
	SSL *ssl;

	c = xcalloc(1, sizeof(*c));
	snprintf(c->peer, sizeof(c->peer), "%s", host);
	c->srv = srv;
	c->stage = CONN_CLOSED;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->drained, NULL);
	c->wake = event_new(srv->base, -1, 0, conn_wake_cb, c);
	ssl = SSL_new(srv->ssl_ctx);
	if (c->wake != NULL && ssl != NULL)
		c->bev = bufferevent_openssl_socket_new(srv->base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_warnx("%s: refused: out of memory", host);
		SSL_free(ssl);
		evutil_closesocket(fd);
		if (c->wake != NULL)
			event_free(c->wake);
		pthread_cond_destroy(&c->drained);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return NULL;
	}
	/* Frames carry their length: a bare EOF truncates nothing unseen. */
	SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	return c;
}

void
conn_accept(struct server *srv, int fd, const struct sockaddr *addr,
    socklen_t addrlen)
{
	const struct psid_config *cfg = srv->config;
	struct timeval hs = { (time_t)cfg->handshake_timeout, 0 };
	struct conn *c, *victim;
	enum conn_refusal why;
	char host[INET6_ADDRSTRLEN];

	(void)addrlen;
	peer_host(addr, host, sizeof(host));
	if (srv->stopping) {
		conn_admit_refused(srv, REFUSED_STOPPING);
		evutil_closesocket(fd);
		return;
	}
	while ((victim = conn_admit_handshake_victim(srv, host, &why)) != NULL)
		conn_shed(victim, why);
	if ((c = conn_new(srv, fd, host)) == NULL)
		return;
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	/* At most one largest frame (and a TLS record) waits unread. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    FRAME_HEADER_LEN + cfg->max_frame + (64u << 10));
	bufferevent_setwatermark(c->bev, EV_WRITE, CONN_OUT_HIGH / 2, 0);
	bufferevent_set_timeouts(c->bev, &hs, &hs);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	conn_admit_handshaking(c);
	c->out_max = cfg->max_in_flight;
	srv->nconns++;
	atomic_fetch_add(&srv->stats.connections, 1);
	atomic_fetch_add(&srv->stats.connections_total, 1);
	log_debug("%s: accepted", host);
}

/* Once a second: frames too slow, then admission's own sweep. */
static void
conn_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct conn *c, *next;
	time_t now = conn_now();

	(void)fd;
	(void)what;
	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->bev != NULL && c->unfinished > 0 &&
		    now > c->frame_deadline)
			conn_shed(c, REFUSED_SLOW_FRAME);
	}
	conn_admit_sweep(srv, now);
}

int
conn_init(struct server *srv)
{
	struct timeval second = { 1, 0 };

	if (conn_admit_init(srv) != 0)
		return -1;
	srv->conn_sweep = event_new(srv->base, -1, EV_PERSIST, conn_sweep_cb,
	    srv);
	if (srv->conn_sweep == NULL ||
	    event_add(srv->conn_sweep, &second) != 0)
		return -1;
	return 0;
}

void
conn_close_all(struct server *srv)
{
	struct conn *c, *next;

	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_close(c, NULL);
	}
}

void
conn_shutdown(struct server *srv)
{
	struct conn *c, *next;

	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->bev != NULL)
			conn_close_when_flushed(c);
	}
}

void
conn_free_all(struct server *srv)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&srv->conns)) != NULL) {
		c->busy = false;
		conn_free(c);
	}
	if (srv->conn_sweep != NULL)
		event_free(srv->conn_sweep);
	srv->conn_sweep = NULL;
	conn_admit_free(srv);
}
