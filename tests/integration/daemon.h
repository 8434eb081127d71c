/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.h: what the integration tests need to run a real psid: a
 * throwaway PKI (tests/pki.sh), psid started on 127.0.0.1 at a free port
 * with its state in a scratch directory, stopped or killed; and a raw
 * TLS client that sends hand-made (or hostile) frames and reads replies.
 */
#ifndef PSID_TESTS_DAEMON_H
#define PSID_TESTS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "psid.pb-c.h"
#include "psid/client.h"

struct daemon {
	pid_t pid;
	char dir[256];		/* scratch: pki/, state/, log */
	char port[16];
};

/*
 * Make a scratch directory with a PKI in dir/pki and start psid there
 * with extra arguments (NULL-terminated list, may be empty). Aborts the
 * test if psid does not listen within 10 s.
 */
void daemon_start(struct daemon *d, const char *const *extra);

/* Start psid again on the same state and PKI (a new port). */
void daemon_restart(struct daemon *d, const char *const *extra);

/* SIGTERM psid and check it exits 0; the scratch stays. */
void daemon_stop(struct daemon *d);

/* SIGKILL psid (a crash). */
void daemon_kill(struct daemon *d);

/* Whether psid is still running. */
bool daemon_alive(struct daemon *d);

/* Stop psid if running and remove the scratch directory. */
void daemon_cleanup(struct daemon *d);

/* dir/pki/<name> (one of four static buffers, in turn). */
const char *daemon_pki(const struct daemon *d, const char *name);

/*
 * Connection options for member `who` (its NAME.pem and NAME.key);
 * the strings live in static buffers until the next call.
 */
struct psid_conn_options daemon_options(const struct daemon *d,
    const char *who);

/* psid_connect as `who`; aborts the test on failure. */
struct psid_conn *daemon_connect(const struct daemon *d, const char *who);

/* ----------------------------------------------------------- raw client */

struct raw {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

/*
 * TLS-connect to psid as `who` (NULL: no certificate), with TLS at most
 * max_version (0: any). Returns 0, or -1 when the handshake fails.
 */
int raw_connect(struct raw *r, const struct daemon *d, const char *who,
    int max_version);

/* Write bytes as they are. Returns 0 or -1. */
int raw_write(struct raw *r, const void *data, size_t len);

/* Pack and send one request frame. Returns 0 or -1. */
int raw_send(struct raw *r, const Psid__Request *req);

/*
 * Read one reply frame; NULL when the connection is closed (or within
 * 10 s nothing came). Free with psid__response__free_unpacked.
 */
Psid__Response *raw_recv(struct raw *r);

/* Whether psid closed the connection (EOF within 10 s). */
bool raw_closed(struct raw *r);

void raw_close(struct raw *r);

#endif
