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
#include <stdint.h>
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
 * Make the throwaway PKI (tests/pki.sh) that every daemon of this run
 * shares, in a scratch directory of its own. Call once, before the tests
 * (in the process that forks them); without it each daemon makes its
 * own. Returns 0, or -1 with a message on stderr.
 */
int daemon_pki_init(void);

/* Remove the shared PKI (nothing if there is none). */
void daemon_pki_cleanup(void);

/*
 * Make a scratch directory with a PKI in dir/pki (a link to the shared
 * one, or made there) and start psid there with extra arguments
 * (NULL-terminated list, may be empty). Aborts the test if psid does not
 * listen within 10 s.
 */
void daemon_start(struct daemon *d, const char *const *extra);

/* Start psid again on the same state and PKI (a new port). */
void daemon_restart(struct daemon *d, const char *const *extra);

/* SIGTERM psid and check it exits 0; the scratch stays. */
void daemon_stop(struct daemon *d);

/* SIGKILL psid (a crash). */
void daemon_kill(struct daemon *d);

/*
 * Whether psid is still running; also from a forked test, for a psid
 * that the test runner started (its parent).
 */
bool daemon_alive(struct daemon *d);

/*
 * Fail the test if psid died or its log holds a sanitizer's report: the
 * check after each test that shares a running psid.
 */
void daemon_check(struct daemon *d);

/*
 * Stop psid (SIGTERM, so that a sanitized psid reports leaks) and
 * remove the scratch directory, as daemon_cleanup, but without failing
 * a test: for check's unchecked teardown, which runs outside any test.
 * Returns 0, or -1 (psid died, did not exit 0, or its log reports a
 * sanitizer error) with the reason on stderr; daemon_failures() counts
 * these for the runner's exit status.
 */
int daemon_finish(struct daemon *d);

/* How many daemon_finish calls failed in this process. */
int daemon_failures(void);

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

/* The id of the stats request raw_connect sends to see psid accept it. */
#define RAW_PROBE_ID UINT64_MAX

/*
 * TLS-connect to psid as `who` (NULL: no certificate), with TLS at most
 * max_version (0: any), and see psid answer a stats request on it.
 * Returns 0, or -1 when the handshake fails or psid closes instead.
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
