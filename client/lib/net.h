/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net.h: one connection to psid (struct psid_conn): a TCP socket, mutual
 * TLS 1.3 through OpenSSL, and frames of packed Requests and Responses
 * (proto/frame.h) over it.
 *
 * The calls block, as the public API promises, but the socket itself is
 * non-blocking: every wait is a poll() bounded by the connection's
 * timeout, and an upload can look for an early reply without waiting
 * (net_recv with wait false). Writes go through a small BIO of our own
 * that sends with MSG_NOSIGNAL, so a peer that hangs up gives an error,
 * never a SIGPIPE. The request ids of a connection increase from 1.
 *
 * Errors: every function returns PSID_OK or a PSID_ERR_* code and leaves
 * one line in conn->error. PSID_ERR_NETWORK, PSID_ERR_TLS and
 * PSID_ERR_PROTOCOL break the connection: later calls return the same
 * code at once.
 */
#ifndef PSID_NET_H
#define PSID_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "frame.h"
#include "header.h"
#include "psid/client.h"

struct psid_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	BIO_METHOD *bio_method;
	int timeout_ms;
	uint64_t next_id;
	int broken;		/* 0, or the code that broke it */
	uint8_t *rbuf;		/* the frame being received */
	size_t rcap;
	uint8_t *wbuf;		/* the frame being sent */
	size_t wcap;
	int last_errno;		/* of the last failed socket call */
	/* The last error reply's row and column (INVALID_TABLE). */
	uint64_t error_row;
	char error_column[HEADER_MAX_LEN + 4];
	char peer[300];		/* "host:port", for messages */
	char error[512];
};

/* Record an error on conn: code and a printf-style line. Returns code. */
int net_fail(struct psid_conn *conn, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The PSID_ERR_* code of a psid.ErrorCode (OK gives PSID_OK). */
int net_error_code(int wire_code);

/*
 * Send one request: its id is assigned here (request->id, also returned
 * in *id when id is not NULL). The request's shape is checked first as
 * psid checks it (frame_check_request; not for upload chunks). Returns
 * PSID_OK, PSID_ERR_INVALID (the shape check failed), PSID_ERR_LIMIT
 * (the request would not fit in a frame), PSID_ERR_NOMEM (these three
 * leave the connection usable) or a connection error.
 */
int net_send(struct psid_conn *conn, Psid__Request *request, uint64_t *id);

/*
 * Receive one response: its frame is read whole, unpacked and shape
 * checked. With wait false, return PSID_OK and *response NULL when no
 * byte of a response has arrived yet (once one has, the rest is waited
 * for). Free *response with psid__response__free_unpacked(r, NULL).
 * Returns PSID_OK, PSID_ERR_NOMEM or a connection error.
 */
int net_recv(struct psid_conn *conn, bool wait, Psid__Response **response);

/*
 * The code of a response: PSID_OK when it carries no error, else the
 * mapped code, with psid's message in conn->error and the row and column
 * in conn->error_row and conn->error_column.
 */
int net_reply_code(struct psid_conn *conn, const Psid__Response *response);

/*
 * Wait for the next response to request id: one with another id is a
 * protocol error. Then as net_reply_code(): on an error reply the
 * response is freed and *response is NULL; on success the caller frees
 * it. Returns PSID_OK, a mapped server code or a connection error.
 */
int net_expect(struct psid_conn *conn, uint64_t id,
    Psid__Response **response);

/* net_send() then net_expect(): one request, its first reply. */
int net_call(struct psid_conn *conn, Psid__Request *request,
    Psid__Response **response);

/*
 * Check that a successful reply has the body expected (body_case), else
 * a protocol error naming what. Frees response on error.
 */
int net_expect_body(struct psid_conn *conn, Psid__Response *response,
    int body_case, const char *what);

/*
 * Wait until the socket is ready for events (POLLIN, POLLOUT), at most
 * the connection's timeout. Returns PSID_OK or PSID_ERR_NETWORK.
 */
int net_wait(struct psid_conn *conn, short events);

/*
 * After an SSL call on conn returned ret <= 0: wait when it wants to
 * read or write (PSID_OK: call again), else turn its failure into an
 * error, doing saying what failed.
 */
int net_ssl_wait(struct psid_conn *conn, int ret, const char *doing);

/* OpenSSL's reason for the error queued first, into buf; clears it. */
const char *net_ssl_reason(char *buf, size_t size);

/* Whether the connection can still be used; else set its error again. */
int net_usable(struct psid_conn *conn);

/* Whether a string is a UUID (8-4-4-4-12 hex, any case). */
bool net_is_uuid(const char *s);

#endif /* PSID_NET_H */
