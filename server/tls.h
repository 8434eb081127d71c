/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls.h: psid's TLS: version 1.3 only, mutual always. Every client
 * presents a certificate signed by the CA psid is configured with; the
 * certificate's subject common name is the member's identity.
 */
#ifndef PSID_TLS_H
#define PSID_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Longest identity (subject CN) psid accepts, in bytes. */
#define TLS_IDENTITY_MAX 256

/*
 * A server context: TLS 1.3 only, the certificate and key from files
 * (PEM; the key must match), client certificates required and verified
 * against the CA file (PEM, one or more certificates), no session
 * tickets, no renegotiation. Returns the context (free with SSL_CTX_free)
 * or NULL with err saying which file and what is wrong.
 */
SSL_CTX *tls_server_ctx(const char *ca_file, const char *cert_file,
    const char *key_file, char *err, size_t err_size);

/*
 * The verified peer's identity: its certificate's subject CN, as UTF-8,
 * into out (TLS_IDENTITY_MAX + 1 bytes). Returns 0, or -1 when there is
 * no verified certificate, no CN or more than one, or a CN that is empty,
 * too long, or holds control characters.
 */
int tls_peer_identity(SSL *ssl, char *out, size_t size);

#endif /* PSID_TLS_H */
