/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net.c: frames over a connection to psid: requests sent, responses
 * received whole and shape-checked, psid's errors turned into codes, and
 * the waits and OpenSSL failures every socket call shares (see net.h).
 * Making the connection is net_connect.c's.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "net.h"

int
net_fail(struct psid_conn *conn, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(conn->error, sizeof(conn->error), fmt, ap);
	va_end(ap);
	conn->error_row = 0;
	conn->error_column[0] = '\0';
	if (code == PSID_ERR_NETWORK || code == PSID_ERR_TLS ||
	    code == PSID_ERR_PROTOCOL)
		conn->broken = code;
	return code;
}

int
net_usable(struct psid_conn *conn)
{
	return conn->broken;
}

const char *
psid_conn_error(const struct psid_conn *conn)
{
	return conn != NULL ? conn->error : "";
}

int
net_error_code(int wire_code)
{
	switch (wire_code) {
	case PSID__ERROR_CODE__OK:
		return PSID_OK;
	case PSID__ERROR_CODE__BAD_REQUEST:
		return PSID_ERR_BAD_REQUEST;
	case PSID__ERROR_CODE__NOT_FOUND:
		return PSID_ERR_NOT_FOUND;
	case PSID__ERROR_CODE__FORBIDDEN:
		return PSID_ERR_FORBIDDEN;
	case PSID__ERROR_CODE__CONFLICT:
		return PSID_ERR_CONFLICT;
	case PSID__ERROR_CODE__INVALID_TABLE:
		return PSID_ERR_REFUSED;
	case PSID__ERROR_CODE__TOO_LARGE:
		return PSID_ERR_LIMIT;
	case PSID__ERROR_CODE__UNAVAILABLE:
		return PSID_ERR_UNAVAILABLE;
	case PSID__ERROR_CODE__INTERNAL:
	default:
		return PSID_ERR_SERVER;
	}
}

bool
net_is_uuid(const char *s)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	size_t i;

	if (s == NULL || strlen(s) != PSID_COLLAB_ID_LEN)
		return false;
	for (i = 0; i < PSID_COLLAB_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (s[i] == '\0' || strchr(hex, s[i]) == NULL)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------ waiting */

/* Wait until fd is ready for events, at most the timeout. */
int
net_wait(struct psid_conn *conn, short events)
{
	struct pollfd pfd = { .fd = conn->fd, .events = events };
	int n;

	do
		n = poll(&pfd, 1, conn->timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return net_fail(conn, PSID_ERR_NETWORK, "%s: poll: %s",
		    conn->peer, strerror(errno));
	if (n == 0)
		return net_fail(conn, PSID_ERR_NETWORK, "%s: no %s within "
		    "%g s", conn->peer, events == POLLIN ? "answer from psid" :
		    "progress sending to psid", conn->timeout_ms / 1000.0);
	return PSID_OK;
}

/* The queued OpenSSL error's reason, then clear the queue. */
const char *
net_ssl_reason(char *buf, size_t size)
{
	unsigned long e = ERR_peek_error(), first = e;
	const char *r;

	/* A system error (a file that cannot be opened) says it best. */
	while (e != 0 && !ERR_SYSTEM_ERROR(e))
		e = ERR_get_error() != 0 ? ERR_peek_error() : 0;
	if (e != 0) {
		snprintf(buf, size, "%s", strerror(ERR_GET_REASON(e)));
		ERR_clear_error();
		return buf;
	}
	e = first;
	r = e != 0 ? ERR_reason_error_string(e) : NULL;
	if (r != NULL)
		snprintf(buf, size, "%s", r);
	else if (e != 0)
		ERR_error_string_n(e, buf, size);
	else
		snprintf(buf, size, "unknown TLS error");
	ERR_clear_error();
	return buf;
}

static bool
is_eof_error(void)
{
	unsigned long e = ERR_peek_last_error();

	return ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

/*
 * After an SSL call returned ret <= 0: wait when it wants to read or
 * write, else turn its failure into an error. Returns PSID_OK to retry.
 */
int
net_ssl_wait(struct psid_conn *conn, int ret, const char *doing)
{
	char why[256];

	switch (SSL_get_error(conn->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return net_wait(conn, POLLIN);
	case SSL_ERROR_WANT_WRITE:
		return net_wait(conn, POLLOUT);
	case SSL_ERROR_ZERO_RETURN:
		return net_fail(conn, PSID_ERR_NETWORK, "%s: psid closed the "
		    "connection", conn->peer);
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		/*
		 * In TLS 1.3 psid checks the client's certificate after the
		 * client's handshake is done: a refusal shows on the first
		 * request, as a closed or reset connection.
		 */
		if (conn->next_id <= 2 && (conn->last_errno == 0 ||
		    conn->last_errno == ECONNRESET ||
		    conn->last_errno == EPIPE))
			return net_fail(conn, PSID_ERR_TLS, "%s: psid closed "
			    "the connection after the TLS handshake: most "
			    "likely it refused this client's certificate (is "
			    "it signed by psid's CA?)", conn->peer);
		if (conn->last_errno == 0)
			return net_fail(conn, PSID_ERR_NETWORK, "%s: psid "
			    "closed the connection", conn->peer);
		return net_fail(conn, PSID_ERR_NETWORK, "%s: %s: %s",
		    conn->peer, doing, strerror(conn->last_errno));
	case SSL_ERROR_SSL:
	default:
		if (is_eof_error()) {
			ERR_clear_error();
			return net_fail(conn, PSID_ERR_NETWORK, "%s: psid "
			    "closed the connection", conn->peer);
		}
		return net_fail(conn, PSID_ERR_TLS, "%s: %s: %s", conn->peer,
		    doing, net_ssl_reason(why, sizeof(why)));
	}
}

/* ------------------------------------------------------------- frames */

static int
outbuf_write_all(struct psid_conn *conn, const uint8_t *buf, size_t len)
{
	size_t n;
	int rc;

	while (len > 0) {
		ERR_clear_error();
		conn->last_errno = 0;
		rc = SSL_write_ex(conn->ssl, buf, len, &n);
		if (rc == 1) {
			buf += n;
			len -= n;
		} else if ((rc = net_ssl_wait(conn, rc, "sending to psid")) !=
		    PSID_OK)
			return rc;
	}
	return PSID_OK;
}

/*
 * Read len bytes into buf. With wait false and nothing read yet, return
 * PSID_OK with *nothing set when no byte is there.
 */
static int
read_all(struct psid_conn *conn, uint8_t *buf, size_t len, bool wait,
    bool *nothing)
{
	size_t n;
	int rc, err;

	if (nothing != NULL)
		*nothing = false;
	while (len > 0) {
		ERR_clear_error();
		conn->last_errno = 0;
		rc = SSL_read_ex(conn->ssl, buf, len, &n);
		if (rc == 1) {
			buf += n;
			len -= n;
			wait = true;
			continue;
		}
		err = SSL_get_error(conn->ssl, rc);
		if (!wait && (err == SSL_ERROR_WANT_READ ||
		    err == SSL_ERROR_WANT_WRITE)) {
			*nothing = true;
			return PSID_OK;
		}
		if ((rc = net_ssl_wait(conn, rc, "receiving from psid")) !=
		    PSID_OK)
			return rc;
	}
	return PSID_OK;
}

int
net_send(struct psid_conn *conn, Psid__Request *request, uint64_t *id)
{
	char why[256];
	size_t size;
	uint8_t *p;

	if (conn->broken != 0)
		return conn->broken;
	/* What psid would refuse is refused here, with the same words. */
	if (request->body_case != PSID__REQUEST__BODY_UPLOAD_CHUNK &&
	    !frame_check_request(request, why, sizeof(why)))
		return net_fail(conn, PSID_ERR_INVALID, "%s", why);
	request->id = conn->next_id;
	size = psid__request__get_packed_size(request);
	if (size > FRAME_MAX_DEFAULT)
		return net_fail(conn, PSID_ERR_LIMIT, "a request of %zu bytes "
		    "is larger than a frame (%u bytes)", size,
		    FRAME_MAX_DEFAULT);
	if (conn->wcap < FRAME_HEADER_LEN + size) {
		if ((p = realloc(conn->wbuf, FRAME_HEADER_LEN + size)) == NULL)
			return net_fail(conn, PSID_ERR_NOMEM, "out of memory");
		conn->wbuf = p;
		conn->wcap = FRAME_HEADER_LEN + size;
	}
	frame_put_header(conn->wbuf, (uint32_t)size);
	psid__request__pack(request, conn->wbuf + FRAME_HEADER_LEN);
	conn->next_id++;
	if (id != NULL)
		*id = request->id;
	return outbuf_write_all(conn, conn->wbuf, FRAME_HEADER_LEN + size);
}

int
net_recv(struct psid_conn *conn, bool wait, Psid__Response **response)
{
	uint8_t header[FRAME_HEADER_LEN];
	char why[256];
	size_t len;
	uint8_t *p;
	bool nothing;
	int rc;

	*response = NULL;
	if (conn->broken != 0)
		return conn->broken;
	if ((rc = read_all(conn, header, sizeof(header), wait, &nothing)) !=
	    PSID_OK || nothing)
		return rc;
	if (frame_peek(header, sizeof(header), FRAME_MAX_DEFAULT, &len) ==
	    FRAME_TOO_LARGE)
		return net_fail(conn, PSID_ERR_PROTOCOL, "%s: psid sent a "
		    "frame of %zu bytes, more than %u", conn->peer, len,
		    FRAME_MAX_DEFAULT);
	if (conn->rcap < len || conn->rbuf == NULL) {
		if ((p = realloc(conn->rbuf, len > 0 ? len : 1)) == NULL)
			return net_fail(conn, PSID_ERR_NOMEM, "out of memory");
		conn->rbuf = p;
		conn->rcap = len > 0 ? len : 1;
	}
	if ((rc = read_all(conn, conn->rbuf, len, true, NULL)) != PSID_OK)
		return rc;
	switch (frame_unpack_response(conn->rbuf, len, response, why,
	    sizeof(why))) {
	case FRAME_OK:
		return PSID_OK;
	case FRAME_NOMEM:
		return net_fail(conn, PSID_ERR_NOMEM, "out of memory");
	default:
		return net_fail(conn, PSID_ERR_PROTOCOL, "%s: psid sent a "
		    "malformed response: %s", conn->peer, why);
	}
}

/* Copy psid's text, control characters replaced: it goes to terminals. */
static void
copy_text(char *out, size_t size, const char *in)
{
	size_t i;

	snprintf(out, size, "%s", in != NULL ? in : "");
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

int
net_reply_code(struct psid_conn *conn, const Psid__Response *r)
{
	int code;

	conn->error_row = 0;
	conn->error_column[0] = '\0';
	if (r->error == NULL || r->error->code == PSID__ERROR_CODE__OK)
		return PSID_OK;
	code = net_error_code(r->error->code);
	copy_text(conn->error, sizeof(conn->error), r->error->message);
	conn->error_row = r->error->row;
	copy_text(conn->error_column, sizeof(conn->error_column),
	    r->error->column);
	return code;
}

int
net_expect(struct psid_conn *conn, uint64_t id, Psid__Response **response)
{
	Psid__Response *r;
	char msg[sizeof(conn->error)];
	int rc;

	*response = NULL;
	if ((rc = net_recv(conn, true, &r)) != PSID_OK)
		return rc;
	if (r->id != id) {
		if (net_reply_code(conn, r) != PSID_OK) {
			snprintf(msg, sizeof(msg), "%s", conn->error);
			rc = net_fail(conn, PSID_ERR_PROTOCOL, "%s: psid "
			    "answered request %" PRIu64 ": %s", conn->peer,
			    r->id, msg);
		} else
			rc = net_fail(conn, PSID_ERR_PROTOCOL, "%s: psid "
			    "answered request %" PRIu64 ", expected %" PRIu64,
			    conn->peer, r->id, id);
		psid__response__free_unpacked(r, NULL);
		return rc;
	}
	if ((rc = net_reply_code(conn, r)) != PSID_OK) {
		psid__response__free_unpacked(r, NULL);
		return rc;
	}
	*response = r;
	return PSID_OK;
}

int
net_call(struct psid_conn *conn, Psid__Request *request,
    Psid__Response **response)
{
	uint64_t id;
	int rc;

	*response = NULL;
	if ((rc = net_send(conn, request, &id)) != PSID_OK)
		return rc;
	return net_expect(conn, id, response);
}

int
net_expect_body(struct psid_conn *conn, Psid__Response *r, int body_case,
    const char *what)
{
	if ((int)r->body_case == body_case)
		return PSID_OK;
	psid__response__free_unpacked(r, NULL);
	return net_fail(conn, PSID_ERR_PROTOCOL, "%s: psid's reply lacks %s",
	    conn->peer, what);
}
