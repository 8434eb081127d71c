/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls.c: TLS 1.3 contexts with mutual authentication (see tls.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* The first queued OpenSSL error as text, then clear the queue. */
static const char *
ssl_reason(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, size, "unknown error");
	else
		ERR_error_string_n(e, buf, size);
	ERR_clear_error();
	return buf;
}

SSL_CTX *
tls_server_ctx(const char *ca_file, const char *cert_file,
    const char *key_file, char *err, size_t err_size)
{
	STACK_OF(X509_NAME) *names;
	SSL_CTX *ctx;
	char why[256];

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, err_size, "TLS context: %s",
		    ssl_reason(why, sizeof(why)));
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		snprintf(err, err_size, "TLS 1.3: %s",
		    ssl_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		snprintf(err, err_size, "%s: cannot load the certificate: %s",
		    cert_file, ssl_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) ==
		    X509_R_KEY_VALUES_MISMATCH) {
			snprintf(err, err_size, "%s does not match %s",
			    key_file, cert_file);
			ERR_clear_error();
		} else
			snprintf(err, err_size, "%s: cannot load the key: %s",
			    key_file, ssl_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, err_size, "%s does not match %s", key_file,
		    cert_file);
		ERR_clear_error();
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(ca_file)) == NULL) {
		snprintf(err, err_size, "%s: cannot load the CA: %s", ca_file,
		    ssl_reason(why, sizeof(why)));
		goto fail;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	/* Mutual, always: no certificate or another CA fails the handshake. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE, NULL);
	SSL_CTX_set_verify_depth(ctx, 4);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int
tls_peer_identity(SSL *ssl, char *out, size_t size)
{
	X509 *peer;
	X509_NAME *name;
	ASN1_STRING *data;
	unsigned char *utf8 = NULL;
	int i, len, rc = -1;

	if (size < TLS_IDENTITY_MAX + 1 ||
	    SSL_get_verify_result(ssl) != X509_V_OK ||
	    (peer = SSL_get1_peer_certificate(ssl)) == NULL)
		return -1;
	name = X509_get_subject_name(peer);
	i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
		goto out;
	data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	if ((len = ASN1_STRING_to_UTF8(&utf8, data)) <= 0 ||
	    len > TLS_IDENTITY_MAX)
		goto out;
	for (i = 0; i < len; i++)
		if (utf8[i] < 0x20 || utf8[i] == 0x7f)
			goto out;
	memcpy(out, utf8, (size_t)len);
	out[len] = '\0';
	rc = 0;
out:
	OPENSSL_free(utf8);
	X509_free(peer);
	return rc;
}
