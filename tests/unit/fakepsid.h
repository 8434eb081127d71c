/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fakepsid.h: a scripted stand-in for psid, to test libpsid's network
 * calls on what the real daemon never does (early refusals at chosen
 * moments, replies out of turn, malformed or oversized frames, silence,
 * hang-ups) and its TLS checks: a throwaway PKI (a CA, psid's
 * certificate for 127.0.0.1, a member, another CA), and a thread that
 * accepts one connection on 127.0.0.1 with TLS 1.3 and runs a script.
 * Scripts never call ck_assert (they run on their own thread): they note
 * the first thing that went wrong with FAKE_CHECK, which fake_wait()
 * asserts.
 */
#ifndef PSID_TESTS_FAKEPSID_H
#define PSID_TESTS_FAKEPSID_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "frame.h"
#include "psid/client.h"

struct fake_pki {
	char *dir;
	X509 *ca_cert, *server_cert;
	EVP_PKEY *ca_key, *server_key;
	char ca[4096];		/* PEM files for the client */
	char other_ca[4096];
	char cert[4096];
	char key[4096];
};

void fake_pki_make(struct fake_pki *pki);
void fake_pki_free(struct fake_pki *pki);

struct fake;
typedef void fake_script(struct fake *f, SSL *ssl);

struct fake {
	struct fake_pki *pki;
	fake_script *script;
	void *arg;
	int max_version;	/* 0: TLS 1.3; else the highest offered */
	int lfd;
	char port[16];
	pthread_t thread;
	char failed[256];	/* the first check that failed, or "" */
};

/* Note the first failure of a script. */
#define FAKE_CHECK(f, cond) do {					\
	if (!(cond) && (f)->failed[0] == '\0')				\
		snprintf((f)->failed, sizeof((f)->failed), "%s:%d: %s",	\
		    __FILE__, __LINE__, #cond);				\
} while (0)

/* Listen on 127.0.0.1 (a free port) and serve one connection with script. */
void fake_start(struct fake *f, struct fake_pki *pki, fake_script *script,
    void *arg);
/* Wait for the script to end; assert that none of its checks failed. */
void fake_wait(struct fake *f);

/* Connect to the fake as the member, to host (NULL: "127.0.0.1"). */
int fake_connect(struct fake *f, const char *host, const char *ca,
    unsigned timeout_ms, struct psid_conn **conn);

/* The next request, or NULL at the end of the connection. */
Psid__Request *fake_read(SSL *ssl);
/* Send a response; raw bytes. */
void fake_send(SSL *ssl, Psid__Response *r);
void fake_write(SSL *ssl, const void *data, size_t len);
/* An empty reply (OK) to request id. */
void fake_ok(SSL *ssl, uint64_t id, bool done);
/* An error reply (done) to request id. */
void fake_error(SSL *ssl, uint64_t id, Psid__ErrorCode code,
    const char *message, uint64_t row, const char *column);

#endif
