/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fakepsid.c: a scripted stand-in for psid over TLS (see fakepsid.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "fakepsid.h"
#include "testutil.h"

/* ------------------------------------------------------------------ PKI */

static void
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	ck_assert_ptr_nonnull(ext);
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
}

/* A P-256 key and a certificate for cn, signed by ca_cert (self if NULL). */
static X509 *
make_cert(const char *cn, X509 *ca_cert, EVP_PKEY *ca_key, const char *san,
    EVP_PKEY **keyp)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	X509_NAME *name;
	static long serial = 1;

	ck_assert_ptr_nonnull(key);
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(cert, ca_cert != NULL ?
	    X509_get_subject_name(ca_cert) : name);
	add_ext(cert, ca_cert != NULL ? ca_cert : cert, NID_basic_constraints,
	    ca_cert == NULL ? "critical,CA:TRUE" : "CA:FALSE");
	if (san != NULL)
		add_ext(cert, ca_cert, NID_subject_alt_name, san);
	ck_assert_int_gt(X509_sign(cert, ca_key != NULL ? ca_key : key,
	    EVP_sha256()), 0);
	*keyp = key;
	return cert;
}

static void
write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	if (cert != NULL)
		ck_assert_int_eq(PEM_write_X509(f, cert), 1);
	if (key != NULL)
		ck_assert_int_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0,
		    NULL, NULL), 1);
	ck_assert_int_eq(fclose(f), 0);
}

void
fake_pki_make(struct fake_pki *p)
{
	EVP_PKEY *key, *other_key;
	X509 *cert, *other;

	memset(p, 0, sizeof(*p));
	p->dir = scratch_dir();
	p->ca_cert = make_cert("fake CA", NULL, NULL, NULL, &p->ca_key);
	p->server_cert = make_cert("psid", p->ca_cert, p->ca_key,
	    "IP:127.0.0.1", &p->server_key);
	cert = make_cert("alice", p->ca_cert, p->ca_key, NULL, &key);
	other = make_cert("another CA", NULL, NULL, NULL, &other_key);
	snprintf(p->ca, sizeof(p->ca), "%s", scratch_path(p->dir, "ca.pem"));
	snprintf(p->other_ca, sizeof(p->other_ca), "%s",
	    scratch_path(p->dir, "other.pem"));
	snprintf(p->cert, sizeof(p->cert), "%s",
	    scratch_path(p->dir, "alice.pem"));
	snprintf(p->key, sizeof(p->key), "%s",
	    scratch_path(p->dir, "alice.key"));
	write_pem(p->ca, p->ca_cert, NULL);
	write_pem(p->other_ca, other, NULL);
	write_pem(p->cert, cert, NULL);
	write_pem(p->key, NULL, key);
	X509_free(cert);
	X509_free(other);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other_key);
}

void
fake_pki_free(struct fake_pki *p)
{
	X509_free(p->ca_cert);
	X509_free(p->server_cert);
	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->server_key);
	scratch_remove(p->dir);
}

/* --------------------------------------------------------------- server */

static SSL_CTX *
server_ctx(const struct fake *f)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	ck_assert_ptr_nonnull(ctx);
	if (f->max_version != 0)
		SSL_CTX_set_max_proto_version(ctx, f->max_version);
	else
		SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	ck_assert_int_eq(SSL_CTX_use_certificate(ctx, f->pki->server_cert), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey(ctx, f->pki->server_key), 1);
	ck_assert_int_eq(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx),
	    f->pki->ca_cert), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
}

static void *
serve(void *arg)
{
	struct fake *f = arg;
	struct pollfd pfd = { .fd = f->lfd, .events = POLLIN };
	SSL_CTX *ctx = server_ctx(f);
	SSL *ssl;
	int fd;

	if (poll(&pfd, 1, 20000) != 1 || (fd = accept(f->lfd, NULL,
	    NULL)) < 0) {
		FAKE_CHECK(f, !"a client connected");
		SSL_CTX_free(ctx);
		return NULL;
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1) {
		if (f->script != NULL)
			f->script(f, ssl);
		else
			FAKE_CHECK(f, !"the handshake succeeded");
		SSL_shutdown(ssl);
	} else if (f->script != NULL)
		FAKE_CHECK(f, !"the handshake failed");
	SSL_free(ssl);
	ERR_clear_error();
	close(fd);
	SSL_CTX_free(ctx);
	return NULL;
}

void
fake_start(struct fake *f, struct fake_pki *pki, fake_script *script,
    void *arg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int max_version = f->max_version;

	memset(f, 0, sizeof(*f));
	f->pki = pki;
	f->script = script;
	f->arg = arg;
	f->max_version = max_version;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(f->lfd, 0);
	ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(f->lfd, 4), 0);
	ck_assert_int_eq(getsockname(f->lfd, (struct sockaddr *)&sin, &len),
	    0);
	snprintf(f->port, sizeof(f->port), "%u", ntohs(sin.sin_port));
	ck_assert_int_eq(pthread_create(&f->thread, NULL, serve, f), 0);
}

void
fake_wait(struct fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->lfd);
	ck_assert_msg(f->failed[0] == '\0', "fake psid: %s", f->failed);
}

int
fake_connect(struct fake *f, const char *host, const char *ca,
    unsigned timeout_ms, struct psid_conn **conn)
{
	struct psid_conn_options o;

	memset(&o, 0, sizeof(o));
	o.host = host != NULL ? host : "127.0.0.1";
	o.port = f->port;
	o.ca_file = ca != NULL ? ca : f->pki->ca;
	o.cert_file = f->pki->cert;
	o.key_file = f->pki->key;
	o.timeout_ms = timeout_ms;
	return psid_connect(&o, conn);
}

/* ---------------------------------------------------------------- frames */

static bool
read_all(SSL *ssl, uint8_t *buf, size_t len)
{
	size_t n;

	while (len > 0) {
		if (SSL_read_ex(ssl, buf, len, &n) != 1)
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

Psid__Request *
fake_read(SSL *ssl)
{
	uint8_t header[FRAME_HEADER_LEN], *payload;
	Psid__Request *r = NULL;
	size_t len;
	char err[256];

	if (!read_all(ssl, header, sizeof(header)) ||
	    frame_peek(header, sizeof(header), FRAME_MAX_DEFAULT, &len) ==
	    FRAME_TOO_LARGE)
		return NULL;
	payload = malloc(len + 1);
	if (payload != NULL && read_all(ssl, payload, len))
		(void)frame_unpack_request(payload, len, &r, err, sizeof(err));
	free(payload);
	return r;
}

void
fake_write(SSL *ssl, const void *data, size_t len)
{
	size_t n;

	(void)SSL_write_ex(ssl, data, len, &n);
}

void
fake_send(SSL *ssl, Psid__Response *r)
{
	uint8_t *buf;
	size_t len;

	if (frame_pack_response(r, FRAME_MAX_DEFAULT, &buf, &len) == FRAME_OK)
		fake_write(ssl, buf, len);
	free(buf);
}

void
fake_ok(SSL *ssl, uint64_t id, bool done)
{
	Psid__Response r = PSID__RESPONSE__INIT;

	r.id = id;
	r.done = done;
	fake_send(ssl, &r);
}

void
fake_error(SSL *ssl, uint64_t id, Psid__ErrorCode code, const char *message,
    uint64_t row, const char *column)
{
	Psid__Response r = PSID__RESPONSE__INIT;
	Psid__Error e = PSID__ERROR__INIT;

	e.code = code;
	e.message = (char *)message;
	e.row = row;
	e.column = (char *)(column != NULL ? column : "");
	r.id = id;
	r.done = true;
	r.error = &e;
	fake_send(ssl, &r);
}
