/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.c: psid's connections (see conn.h). The loop thread owns the
 * bufferevent and everything outside `lock`; a request's worker owns the
 * request and the upload while the job runs; the reply queue and the
 * flags under `lock` are shared. A worker wakes the loop with
 * event_active on the connection's `wake` event (libevent is set up for
 * threads), and the loop frees a connection only when no job of it runs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>

#include "conn.h"
#include "frame.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "tls.h"
#include "worker.h"
#include "xmalloc.h"

struct out_frame {
	struct out_frame *next;
	uint8_t *data;
	size_t len;
};

struct conn {
	TAILQ_ENTRY(conn) entry;
	struct server *srv;
	struct bufferevent *bev;	/* NULL once closed */
	struct event *wake;		/* a worker queued a reply or ended */
	char peer[INET6_ADDRSTRLEN + 8];
	char identity[TLS_IDENTITY_MAX + 1];
	bool ready;			/* handshake done, identity known */
	bool closing;			/* flush what is queued, then close */
	bool busy;			/* a job is queued or running */
	bool open;			/* counted in srv->nconns */
	size_t out_max;			/* max_in_flight when accepted */

	pthread_mutex_t lock;		/* guards the fields below */
	pthread_cond_t drained;		/* the queue shrank, or gone */
	struct out_frame *out_head, *out_tail;
	size_t out_bytes;
	bool job_done;			/* the job ended; the loop clears busy */
	bool gone;			/* closed: replies are dropped */

	/* The job's, while busy; the loop's otherwise. */
	Psid__Request *request;
	struct rq_slot slot;		/* what outlives a request */
};

static bool conn_flush(struct conn *c);
static void conn_close(struct conn *c, const char *why);

/* ------------------------------------------------------ worker side */

/* Pack a reply into a new queue entry, or NULL (over the frame limit). */
static struct out_frame *
frame_new(const Psid__Response *response)
{
	struct out_frame *f;

	f = xmalloc(sizeof(*f));
	f->next = NULL;
	if (frame_pack_response(response, FRAME_MAX_LIMIT, &f->data,
	    &f->len) != FRAME_OK) {
		free(f);
		return NULL;
	}
	return f;
}

/* Append f to the reply queue; the caller holds c->lock. */
static void
queue_append(struct conn *c, struct out_frame *f)
{
	if (c->out_tail != NULL)
		c->out_tail->next = f;
	else
		c->out_head = f;
	c->out_tail = f;
	c->out_bytes += f->len;
}

/*
 * The transport of the connection's requests (request.h's rq_send_fn):
 * queue a reply frame, waiting while out_max bytes are queued and the
 * peer has not read them.
 */
static int
conn_send(void *ctx, const Psid__Response *response)
{
	struct conn *c = ctx;
	struct out_frame *f;

	if ((f = frame_new(response)) == NULL)
		return -2;
	pthread_mutex_lock(&c->lock);
	while (!c->gone && c->out_bytes >= c->out_max)
		pthread_cond_wait(&c->drained, &c->lock);
	if (c->gone) {
		pthread_mutex_unlock(&c->lock);
		free(f->data);
		free(f);
		return -1;
	}
	queue_append(c, f);
	pthread_mutex_unlock(&c->lock);
	event_active(c->wake, 0, 0);
	return 0;
}

/* The job of one request, on a worker thread. */
static void
conn_job(void *arg)
{
	struct conn *c = arg;
	struct request rq = {
		.srv = c->srv,
		.identity = c->identity,
		.msg = c->request,
		.send = conn_send,
		.send_ctx = c,
		.slot = &c->slot,
	};

	c->srv->on_request(&rq);
	/*
	 * Under the lock: once it is released the loop may free c, so
	 * nothing of c is touched after.
	 */
	pthread_mutex_lock(&c->lock);
	c->job_done = true;
	event_active(c->wake, 0, 0);
	pthread_mutex_unlock(&c->lock);
}

/* -------------------------------------------------------- loop side */

static void
conn_free(struct conn *c)
{
	struct out_frame *f;

	TAILQ_REMOVE(&c->srv->conns, c, entry);
	while ((f = c->out_head) != NULL) {
		c->out_head = f->next;
		free(f->data);
		free(f);
	}
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
 * Answer with an error from the loop itself (a request refused before
 * any job): queued behind any reply not yet sent, without waiting (each
 * such reply answers a frame read, so the read watermark bounds them).
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
	if ((f = frame_new(&resp)) == NULL)
		return;
	/* Behind any reply still queued, so replies keep their order. */
	pthread_mutex_lock(&c->lock);
	queue_append(c, f);
	pthread_mutex_unlock(&c->lock);
	conn_flush(c);
}

/* A protocol violation: answer once, then close after the flush. */
static void
conn_fail(struct conn *c, uint64_t id, Psid__ErrorCode code,
    const char *message)
{
	log_info("%s (%s): %s; closing", c->peer,
	    c->ready ? c->identity : "-", message);
	conn_error_now(c, id, code, message);
	c->closing = true;
	if (c->bev != NULL) {
		bufferevent_disable(c->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			conn_close(c, NULL);
	}
}

/* Read whole frames and start a job for the next request, if idle. */
static void
conn_process_input(struct conn *c)
{
	const struct psid_config *cfg = c->srv->config;
	struct evbuffer *in;
	Psid__Request *req;
	uint8_t hdr[FRAME_HEADER_LEN], *p;
	size_t len, plen;
	char err[256], msg[320];

	while (c->bev != NULL && c->ready && !c->busy && !c->closing) {
		in = bufferevent_get_input(c->bev);
		len = evbuffer_get_length(in);
		if (len < FRAME_HEADER_LEN)
			return;
		evbuffer_copyout(in, hdr, FRAME_HEADER_LEN);
		if (frame_peek(hdr, FRAME_HEADER_LEN, cfg->max_frame,
		    &plen) == FRAME_TOO_LARGE) {
			snprintf(msg, sizeof(msg), "a frame of %zu bytes is "
			    "over the limit of %zu", plen, cfg->max_frame);
			conn_fail(c, 0, PSID__ERROR_CODE__TOO_LARGE, msg);
			return;
		}
		if (len < FRAME_HEADER_LEN + plen)
			return;
		p = evbuffer_pullup(in, (ssize_t)(FRAME_HEADER_LEN + plen));
		req = p == NULL ? NULL : psid__request__unpack(NULL, plen,
		    p + FRAME_HEADER_LEN);
		evbuffer_drain(in, FRAME_HEADER_LEN + plen);
		atomic_fetch_add(&c->srv->stats.bytes_in,
		    FRAME_HEADER_LEN + plen);
		if (req == NULL) {
			conn_fail(c, 0, PSID__ERROR_CODE__BAD_REQUEST,
			    "a frame is not a psid request");
			return;
		}
		if (!frame_check_request(req, err, sizeof(err))) {
			/* Well framed but malformed: answer, go on. */
			snprintf(msg, sizeof(msg), "bad request: %s", err);
			log_debug("%s (%s): %s", c->peer, c->identity, msg);
			conn_error_now(c, req->id,
			    PSID__ERROR_CODE__BAD_REQUEST, msg);
			/* Its verb may end the slot (a bad chunk). */
			c->srv->on_refused(req, &c->slot);
			psid__request__free_unpacked(req, NULL);
			continue;
		}
		c->request = req;
		c->busy = true;
		if (worker_submit(c->srv->pool, conn_job, c) != 0) {
			c->busy = false;
			c->request = NULL;
			psid__request__free_unpacked(req, NULL);
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
		psid__request__free_unpacked(c->request, NULL);
		c->request = NULL;
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

/* Close the socket; the conn itself goes once no job of it runs. */
static bool
srv_stopping_drained(const struct server *srv)
{
	return srv->stopping && srv->nconns == 0;
}

static void
conn_close(struct conn *c, const char *why)
{
	struct server *srv = c->srv;
	struct out_frame *f;

	if (c->bev == NULL)
		return;
	if (why != NULL)
		log_info("%s (%s): %s", c->peer, c->ready ? c->identity : "-",
		    why);
	bufferevent_free(c->bev);
	c->bev = NULL;
	if (c->open) {
		c->open = false;
		c->srv->nconns--;
		atomic_fetch_sub(&c->srv->stats.connections, 1);
	}
	pthread_mutex_lock(&c->lock);
	c->gone = true;
	while ((f = c->out_head) != NULL) {
		c->out_head = f->next;
		free(f->data);
		free(f);
	}
	c->out_tail = NULL;
	c->out_bytes = 0;
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

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	const struct psid_config *cfg = c->srv->config;
	struct timeval idle = { (time_t)cfg->idle_timeout, 0 };
	char reason[256], why[300];

	if (what & BEV_EVENT_CONNECTED) {
		if (tls_peer_identity(bufferevent_openssl_get_ssl(bev),
		    c->identity, sizeof(c->identity)) != 0) {
			conn_close(c, "refused: the certificate names no "
			    "usable identity");
			return;
		}
		c->ready = true;
		bufferevent_set_timeouts(bev, &idle, &idle);
		log_info("%s: %s connected", c->peer, c->identity);
		conn_process_input(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		if (!c->ready) {
			conn_close(c, "handshake timed out");
			return;
		}
		if ((what & BEV_EVENT_READING) && (c->busy || c->out_head !=
		    NULL)) {
			/* Waiting on psid, not on the peer: go on. */
			bufferevent_enable(bev, EV_READ);
			return;
		}
		conn_close(c, (what & BEV_EVENT_WRITING) ?
		    "the peer stopped reading; closing" :
		    "idle timeout; closing");
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		conn_ssl_reason(bev, reason, sizeof(reason));
		snprintf(why, sizeof(why), "%s: %s", c->ready ?
		    "connection error" : "handshake failed", reason[0] !=
		    '\0' ? reason : evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
		conn_close(c, why);
		return;
	}
	if (what & BEV_EVENT_EOF)
		conn_close(c, c->ready ? "disconnected" :
		    "disconnected during the handshake");
}

void
conn_accept(struct server *srv, int fd, const struct sockaddr *addr,
    socklen_t addrlen)
{
	const struct psid_config *cfg = srv->config;
	struct timeval hs = { (time_t)cfg->handshake_timeout, 0 };
	struct conn *c;
	SSL *ssl;
	char host[INET6_ADDRSTRLEN] = "?";

	(void)addrlen;
	if (addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->
		    sin_addr, host, sizeof(host));
	else if (addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->
		    sin6_addr, host, sizeof(host));
	if (srv->stopping || srv->nconns >= cfg->max_connections) {
		log_warnx("%s: refused: %u connections already", host,
		    srv->nconns);
		evutil_closesocket(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	snprintf(c->peer, sizeof(c->peer), "%s", host);
	c->srv = srv;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->drained, NULL);
	c->wake = event_new(srv->base, -1, 0, conn_wake_cb, c);
	ssl = SSL_new(srv->ssl_ctx);
	if (c->wake == NULL || ssl == NULL) {
		log_warnx("%s: refused: out of memory", host);
		SSL_free(ssl);
		goto fail;
	}
	c->bev = bufferevent_openssl_socket_new(srv->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_warnx("%s: refused: out of memory", host);
		SSL_free(ssl);
		goto fail;
	}
	/* Frames carry their length: a bare EOF truncates nothing unseen. */
	SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	/* At most one largest frame (and a TLS record) waits unread. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    FRAME_HEADER_LEN + cfg->max_frame + (64u << 10));
	bufferevent_setwatermark(c->bev, EV_WRITE, CONN_OUT_HIGH / 2, 0);
	bufferevent_set_timeouts(c->bev, &hs, &hs);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	c->open = true;
	c->out_max = cfg->max_in_flight;
	srv->nconns++;
	atomic_fetch_add(&srv->stats.connections, 1);
	atomic_fetch_add(&srv->stats.connections_total, 1);
	log_debug("%s: accepted", host);
	return;
fail:
	evutil_closesocket(fd);
	if (c->wake != NULL)
		event_free(c->wake);
	pthread_cond_destroy(&c->drained);
	pthread_mutex_destroy(&c->lock);
	free(c);
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
		if (c->bev == NULL)
			continue;
		c->closing = true;
		bufferevent_disable(c->bev, EV_READ);
		if (!c->busy && c->out_head == NULL && evbuffer_get_length(
		    bufferevent_get_output(c->bev)) == 0)
			conn_close(c, NULL);
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
}
