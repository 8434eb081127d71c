/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_tls.c: psid's TLS context (server/tls.c) in real handshakes over
 * a socket pair, with a throwaway CA made here: a member's certificate is
 * accepted and its CN is its identity; no certificate, a certificate of
 * another CA, and TLS 1.2 are refused at the handshake; config errors
 * name the file.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "suites.h"
#include "testutil.h"
#include "tls.h"

struct identity {
	X509 *cert;
	EVP_PKEY *key;
};

/* A P-256 key and a certificate for cn, signed by ca (self if NULL). */
static struct identity
make_identity(const char *cn, const struct identity *ca, bool is_ca)
{
	struct identity id;
	X509_NAME *name;
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	id.key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(id.key);
	id.cert = X509_new();
	X509_set_version(id.cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(id.cert),
	    (long)(random() & 0x7fffffff));
	X509_gmtime_adj(X509_getm_notBefore(id.cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(id.cert), 86400);
	X509_set_pubkey(id.cert, id.key);
	name = X509_get_subject_name(id.cert);
	if (cn != NULL)
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
		    (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"psid tests", -1, -1, 0);
	X509_set_issuer_name(id.cert, ca != NULL ?
	    X509_get_subject_name(ca->cert) : name);
	X509V3_set_ctx(&v3, ca != NULL ? ca->cert : id.cert, id.cert, NULL,
	    NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    is_ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(id.cert, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(id.cert, ca != NULL ? ca->key : id.key,
	    EVP_sha256()), 0);
	return id;
}

static void
identity_free(struct identity *id)
{
	X509_free(id->cert);
	EVP_PKEY_free(id->key);
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
	fclose(f);
}

struct pki {
	char *dir;
	struct identity ca, other_ca, server, alice, mallory, nocn;
	char ca_file[4096], cert_file[4096], key_file[4096];
};

static void
pki_make(struct pki *p)
{
	p->dir = scratch_dir();
	p->ca = make_identity("psid test CA", NULL, true);
	p->other_ca = make_identity("another CA", NULL, true);
	p->server = make_identity("psid", &p->ca, false);
	p->alice = make_identity("alice", &p->ca, false);
	p->mallory = make_identity("mallory", &p->other_ca, false);
	p->nocn = make_identity(NULL, &p->ca, false);
	snprintf(p->ca_file, sizeof(p->ca_file), "%s", scratch_path(p->dir,
	    "ca.pem"));
	snprintf(p->cert_file, sizeof(p->cert_file), "%s",
	    scratch_path(p->dir, "server.pem"));
	snprintf(p->key_file, sizeof(p->key_file), "%s", scratch_path(p->dir,
	    "server.key"));
	write_pem(p->ca_file, p->ca.cert, NULL);
	write_pem(p->cert_file, p->server.cert, NULL);
	write_pem(p->key_file, NULL, p->server.key);
}

static void
pki_free(struct pki *p)
{
	identity_free(&p->ca);
	identity_free(&p->other_ca);
	identity_free(&p->server);
	identity_free(&p->alice);
	identity_free(&p->mallory);
	identity_free(&p->nocn);
	scratch_remove(p->dir);
}

/*
 * Handshake a client (with id's certificate, or none) against the
 * server context over a socket pair. Returns the server's SSL after a
 * successful handshake (caller frees), or NULL when it failed.
 */
static SSL *
handshake(SSL_CTX *server_ctx, const struct pki *p,
    const struct identity *id, int max_version)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	SSL *c, *s;
	int sv[2], rc_c = 0, rc_s = 0, i;

	ck_assert_ptr_nonnull(cctx);
	SSL_CTX_set_max_proto_version(cctx, max_version);
	ck_assert_int_eq(SSL_CTX_load_verify_locations(cctx, p->ca_file, NULL),
	    1);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	if (id != NULL) {
		ck_assert_int_eq(SSL_CTX_use_certificate(cctx, id->cert), 1);
		ck_assert_int_eq(SSL_CTX_use_PrivateKey(cctx, id->key), 1);
	}
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	c = SSL_new(cctx);
	s = SSL_new(server_ctx);
	SSL_set_fd(c, sv[0]);
	SSL_set_fd(s, sv[1]);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	/* Step both ends until both are done or one fails for good. */
	for (i = 0; i < 200 && (rc_c != 1 || rc_s != 1); i++) {
		if (rc_c != 1 && (rc_c = SSL_do_handshake(c)) <= 0 &&
		    SSL_get_error(c, rc_c) != SSL_ERROR_WANT_READ &&
		    SSL_get_error(c, rc_c) != SSL_ERROR_WANT_WRITE)
			break;
		if (rc_s != 1 && (rc_s = SSL_do_handshake(s)) <= 0 &&
		    SSL_get_error(s, rc_s) != SSL_ERROR_WANT_READ &&
		    SSL_get_error(s, rc_s) != SSL_ERROR_WANT_WRITE)
			break;
	}
	/* TLS 1.3: the server sees the client's certificate on read. */
	if (rc_c == 1 && rc_s == 1) {
		char byte = 'x', got;

		ck_assert_int_eq(SSL_write(c, &byte, 1), 1);
		for (i = 0; i < 50 && SSL_read(s, &got, 1) != 1; i++)
			(void)SSL_read(c, &got, 0);
		if (i == 50)
			rc_s = 0;
	}
	SSL_free(c);
	SSL_CTX_free(cctx);
	close(sv[0]);
	ERR_clear_error();
	if (rc_c == 1 && rc_s == 1)
		return s;
	SSL_free(s);
	close(sv[1]);
	return NULL;
}

static void
server_ssl_free(SSL *s)
{
	int fd = SSL_get_fd(s);

	SSL_free(s);
	close(fd);
}

START_TEST(member_accepted)
{
	struct pki p;
	SSL_CTX *ctx;
	SSL *s;
	char err[512], who[TLS_IDENTITY_MAX + 1];

	pki_make(&p);
	ctx = tls_server_ctx(p.ca_file, p.cert_file, p.key_file, err,
	    sizeof(err));
	ck_assert_msg(ctx != NULL, "%s", err);
	s = handshake(ctx, &p, &p.alice, TLS1_3_VERSION);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(SSL_version(s), TLS1_3_VERSION);
	ck_assert_int_eq(tls_peer_identity(s, who, sizeof(who)), 0);
	ck_assert_str_eq(who, "alice");
	server_ssl_free(s);
	/* A certificate without a CN gets through TLS but has no identity. */
	s = handshake(ctx, &p, &p.nocn, TLS1_3_VERSION);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(tls_peer_identity(s, who, sizeof(who)), -1);
	server_ssl_free(s);
	SSL_CTX_free(ctx);
	pki_free(&p);
}
END_TEST

START_TEST(refused_at_handshake)
{
	struct pki p;
	SSL_CTX *ctx;
	char err[512];

	pki_make(&p);
	ctx = tls_server_ctx(p.ca_file, p.cert_file, p.key_file, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(ctx);
	ck_assert_ptr_null(handshake(ctx, &p, NULL, TLS1_3_VERSION));
	ck_assert_ptr_null(handshake(ctx, &p, &p.mallory, TLS1_3_VERSION));
	ck_assert_ptr_null(handshake(ctx, &p, &p.alice, TLS1_2_VERSION));
	SSL_CTX_free(ctx);
	pki_free(&p);
}
END_TEST

START_TEST(config_errors_name_the_file)
{
	struct pki p;
	char err[512], other_key[4096];

	pki_make(&p);
	ck_assert_ptr_null(tls_server_ctx(p.ca_file, "/nonexistent.pem",
	    p.key_file, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent.pem: cannot load the "
	    "certificate"));
	/* A key that is not the certificate's. */
	snprintf(other_key, sizeof(other_key), "%s", scratch_path(p.dir,
	    "alice.key"));
	write_pem(other_key, NULL, p.alice.key);
	ck_assert_ptr_null(tls_server_ctx(p.ca_file, p.cert_file, other_key,
	    err, sizeof(err)));
	ck_assert_msg(strstr(err, "alice.key does not match") != NULL, "%s",
	    err);
	ck_assert_ptr_null(tls_server_ctx(p.cert_file + 1, p.cert_file,
	    p.key_file, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "cannot load the CA"));
	pki_free(&p);
}
END_TEST

Suite *
make_tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("tls");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, member_accepted);
	tcase_add_test(tc, refused_at_handshake);
	tcase_add_test(tc, config_errors_name_the_file);
	suite_add_tcase(s, tc);
	return s;
}
