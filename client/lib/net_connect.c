/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_connect.c: making a connection to psid: TCP with a timeout over
 * every address of the host, a socket BIO that never raises SIGPIPE, and
 * the TLS 1.3 handshake with this member's certificate, psid's verified
 * against the CA and its name or address against the host (see net.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "net.h"

#define DEFAULT_TIMEOUT_MS 60000
/* Any type number will do: it only names the BIO in OpenSSL's errors. */
#define NET_BIO_TYPE (0x7e | BIO_TYPE_SOURCE_SINK)

/* ------------------------------------------------------------ the BIO */

/*
 * A socket BIO that sends with MSG_NOSIGNAL (OpenSSL's own uses write(),
 * and a library must not leave SIGPIPE to its caller) and keeps errno.
 */
static int
bio_write(BIO *b, const char *data, size_t len, size_t *written)
{
	struct psid_conn *conn = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = send(conn->fd, data, len, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_write(b);
		else
			conn->last_errno = errno;
		return 0;
	}
	*written = (size_t)n;
	return 1;
}

static int
bio_read(BIO *b, char *data, size_t len, size_t *done)
{
	struct psid_conn *conn = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = recv(conn->fd, data, len, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_read(b);
		else
			conn->last_errno = errno;
		return 0;
	}
	if (n == 0) {
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);
		conn->last_errno = 0;
		return 0;
	}
	*done = (size_t)n;
	return 1;
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	default:
		return 0;
	}
}

static int
bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static BIO_METHOD *
bio_method_new(void)
{
	BIO_METHOD *m;

	if ((m = BIO_meth_new(NET_BIO_TYPE, "psid socket")) == NULL)
		return NULL;
	if (BIO_meth_set_write_ex(m, bio_write) != 1 ||
	    BIO_meth_set_read_ex(m, bio_read) != 1 ||
	    BIO_meth_set_ctrl(m, bio_ctrl) != 1 ||
	    BIO_meth_set_create(m, bio_create) != 1) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}

/* ----------------------------------------------------------- connecting */

static int
tcp_connect(struct psid_conn *conn, const char *host, const char *port)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	socklen_t len;
	int fd, gai, err = 0, one = 1;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((gai = getaddrinfo(host, port, &hints, &res)) != 0)
		return net_fail(conn, PSID_ERR_NETWORK, "%s: %s", conn->peer,
		    gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		conn->fd = fd;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			len = sizeof(err);
			if (net_wait(conn, POLLOUT) != PSID_OK) {
				/* A timeout: try the next address. */
				conn->broken = 0;
				err = ETIMEDOUT;
			} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == 0 && err == 0)
				break;
		} else
			err = errno;
		close(fd);
		conn->fd = -1;
	}
	freeaddrinfo(res);
	if (conn->fd < 0)
		return net_fail(conn, PSID_ERR_NETWORK, "%s: connect: %s",
		    conn->peer, strerror(err != 0 ? err : EHOSTUNREACH));
	(void)setsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one));
	return PSID_OK;
}

/* The client context: TLS 1.3 only, our certificate, psid's CA. */
static int
tls_context(struct psid_conn *conn, const struct psid_conn_options *o)
{
	char why[256];

	ERR_clear_error();
	if ((conn->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return net_fail(conn, PSID_ERR_TLS, "TLS context: %s",
		    net_ssl_reason(why, sizeof(why)));
	if (SSL_CTX_set_min_proto_version(conn->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(conn->ctx, TLS1_3_VERSION) != 1)
		return net_fail(conn, PSID_ERR_TLS, "TLS 1.3: %s",
		    net_ssl_reason(why, sizeof(why)));
	if (SSL_CTX_load_verify_locations(conn->ctx, o->ca_file, NULL) != 1)
		return net_fail(conn, PSID_ERR_TLS, "%s: cannot load the CA: "
		    "%s", o->ca_file, net_ssl_reason(why, sizeof(why)));
	if (SSL_CTX_use_certificate_chain_file(conn->ctx, o->cert_file) != 1)
		return net_fail(conn, PSID_ERR_TLS, "%s: cannot load the "
		    "certificate: %s", o->cert_file,
		    net_ssl_reason(why, sizeof(why)));
	if (SSL_CTX_use_PrivateKey_file(conn->ctx, o->key_file,
	    SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) ==
		    X509_R_KEY_VALUES_MISMATCH) {
			ERR_clear_error();
			return net_fail(conn, PSID_ERR_TLS, "%s does not match "
			    "%s", o->key_file, o->cert_file);
		}
		return net_fail(conn, PSID_ERR_TLS, "%s: cannot load the key: "
		    "%s", o->key_file, net_ssl_reason(why, sizeof(why)));
	}
	if (SSL_CTX_check_private_key(conn->ctx) != 1) {
		ERR_clear_error();
		return net_fail(conn, PSID_ERR_TLS, "%s does not match %s",
		    o->key_file, o->cert_file);
	}
	SSL_CTX_set_verify(conn->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(conn->ctx, SSL_SESS_CACHE_OFF);
	return PSID_OK;
}

static bool
is_ip_literal(const char *host)
{
	unsigned char addr[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;
}

static int
tls_handshake(struct psid_conn *conn, const char *host)
{
	char why[256];
	BIO *bio;
	long verify;
	int ret, rc;

	if ((conn->bio_method = bio_method_new()) == NULL ||
	    (conn->ssl = SSL_new(conn->ctx)) == NULL ||
	    (bio = BIO_new(conn->bio_method)) == NULL)
		return net_fail(conn, PSID_ERR_TLS, "TLS session: %s",
		    net_ssl_reason(why, sizeof(why)));
	BIO_set_data(bio, conn);
	SSL_set_bio(conn->ssl, bio, bio);
	if (is_ip_literal(host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(conn->ssl),
		    host) != 1)
			return net_fail(conn, PSID_ERR_TLS, "%s: %s", host,
			    net_ssl_reason(why, sizeof(why)));
	} else {
		SSL_set_hostflags(conn->ssl,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(conn->ssl, host) != 1 ||
		    SSL_set_tlsext_host_name(conn->ssl, host) != 1)
			return net_fail(conn, PSID_ERR_TLS, "%s: %s", host,
			    net_ssl_reason(why, sizeof(why)));
	}
	for (;;) {
		ERR_clear_error();
		conn->last_errno = 0;
		if ((ret = SSL_connect(conn->ssl)) == 1)
			return PSID_OK;
		verify = SSL_get_verify_result(conn->ssl);
		if (SSL_get_error(conn->ssl, ret) == SSL_ERROR_SSL &&
		    verify != X509_V_OK) {
			ERR_clear_error();
			return net_fail(conn, PSID_ERR_TLS, "%s: TLS handshake "
			    "failed: certificate verify failed (%s)",
			    conn->peer, X509_verify_cert_error_string(verify));
		}
		if ((rc = net_ssl_wait(conn, ret, "TLS handshake failed")) !=
		    PSID_OK)
			return rc;
	}
}

int
psid_connect(const struct psid_conn_options *o, struct psid_conn **connp)
{
	struct psid_conn *conn;
	int rc;

	if (connp == NULL)
		return PSID_ERR_INVALID;
	*connp = NULL;
	if (o == NULL || o->host == NULL || *o->host == '\0' ||
	    o->port == NULL || *o->port == '\0' || o->ca_file == NULL ||
	    o->cert_file == NULL || o->key_file == NULL)
		return PSID_ERR_INVALID;
	if ((conn = calloc(1, sizeof(*conn))) == NULL)
		return PSID_ERR_NOMEM;
	conn->fd = -1;
	conn->next_id = 1;
	conn->timeout_ms = o->timeout_ms == 0 ? DEFAULT_TIMEOUT_MS :
	    o->timeout_ms > INT32_MAX ? INT32_MAX : (int)o->timeout_ms;
	snprintf(conn->peer, sizeof(conn->peer),
	    strchr(o->host, ':') != NULL ? "[%s]:%s" : "%s:%s", o->host,
	    o->port);
	*connp = conn;
	if ((rc = tls_context(conn, o)) != PSID_OK ||
	    (rc = tcp_connect(conn, o->host, o->port)) != PSID_OK ||
	    (rc = tls_handshake(conn, o->host)) != PSID_OK)
		return rc;
	return PSID_OK;
}

void
psid_conn_free(struct psid_conn *conn)
{
	if (conn == NULL)
		return;
	if (conn->ssl != NULL) {
		/* One try at close_notify; do not wait for psid's. */
		if (conn->broken == 0 && SSL_is_init_finished(conn->ssl))
			(void)SSL_shutdown(conn->ssl);
		SSL_free(conn->ssl);
	}
	ERR_clear_error();
	BIO_meth_free(conn->bio_method);
	SSL_CTX_free(conn->ctx);
	if (conn->fd >= 0)
		close(conn->fd);
	free(conn->rbuf);
	free(conn->wbuf);
	free(conn);
}
