/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.c: run a real psid for the integration tests, and a raw TLS
 * client for hand-made frames (see daemon.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "daemon.h"
#include "frame.h"
#include "testutil.h"

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : fallback;
}

const char *
daemon_pki(const struct daemon *d, const char *name)
{
	static char buf[4][512];
	static unsigned i;
	char *p = buf[i++ % 4];

	snprintf(p, 512, "%s/pki/%s", d->dir, name);
	return p;
}

static void
spawn(struct daemon *d, const char *const *extra)
{
	char portfile[512], state[512], logpath[512];
	const char *argv[40];
	size_t n = 0;
	char *port;
	int i, fd;

	snprintf(portfile, sizeof(portfile), "%s/port", d->dir);
	snprintf(state, sizeof(state), "%s/state", d->dir);
	snprintf(logpath, sizeof(logpath), "%s/psid.log", d->dir);
	unlink(portfile);
	argv[n++] = env_or("PSID", "./psid");
	argv[n++] = "-d";
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	argv[n++] = "--state";
	argv[n++] = state;
	argv[n++] = "--ca";
	argv[n++] = daemon_pki(d, "ca.pem");
	argv[n++] = "--cert";
	argv[n++] = daemon_pki(d, "server.pem");
	argv[n++] = "--key";
	argv[n++] = daemon_pki(d, "server.key");
	argv[n++] = "--map-size";
	argv[n++] = "1G";
	for (i = 0; extra != NULL && extra[i] != NULL && n < 39; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	d->pid = fork();
	ck_assert_int_ge(d->pid, 0);
	if (d->pid == 0) {
#ifdef __linux__
		/* Gone with the runner, even if it dies unexpectedly. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
		fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 1000; i++) {
		if ((port = read_file(portfile, NULL)) != NULL) {
			port[strcspn(port, "\n")] = '\0';
			snprintf(d->port, sizeof(d->port), "%s", port);
			free(port);
			return;
		}
		ck_assert_msg(daemon_alive(d), "psid exited at start (see %s)",
		    logpath);
		usleep(10000);
	}
	ck_abort_msg("psid did not listen within 10 s");
}

/* The run's PKI, shared by every daemon ("": each makes its own). */
static char pki_shared[256];

/* daemon_finish calls that failed. */
static int finish_failures;

/* Run tests/pki.sh into dir. Returns 0 or -1. */
static int
make_pki(const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "sh '%s/pki.sh' '%s' >/dev/null",
	    env_or("PSID_TESTS", "../tests"), dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
daemon_pki_init(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[sizeof(pki_shared)];

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/psid-pki.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (make_pki(dir) != 0) {
		fprintf(stderr, "tests/pki.sh %s failed\n", dir);
		scratch_remove(strdup(dir));
		return -1;
	}
	snprintf(pki_shared, sizeof(pki_shared), "%s", dir);
	return 0;
}

void
daemon_pki_cleanup(void)
{
	if (pki_shared[0] != '\0' && getenv("PSID_KEEP") == NULL)
		scratch_remove(strdup(pki_shared));
	pki_shared[0] = '\0';
}

void
daemon_start(struct daemon *d, const char *const *extra)
{
	char *dir = scratch_dir(), pki[512];

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	free(dir);
	snprintf(pki, sizeof(pki), "%s/pki", d->dir);
	if (pki_shared[0] != '\0')
		ck_assert_msg(symlink(pki_shared, pki) == 0, "symlink %s: %s",
		    pki, strerror(errno));
	else
		ck_assert_int_eq(make_pki(pki), 0);
	spawn(d, extra);
}

void
daemon_restart(struct daemon *d, const char *const *extra)
{
	spawn(d, extra);
}

bool
daemon_alive(struct daemon *d)
{
	char path[64], *stat, *p;
	bool alive;
	int status;
	pid_t w;

	if (d->pid <= 0)
		return false;
	w = waitpid(d->pid, &status, WNOHANG);
	if (w == d->pid) {
		d->pid = 0;
		return false;
	}
	if (w == 0 || errno != ECHILD)
		return true;
	/* Not our child: a forked test asks after the runner's psid. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)d->pid);
	if ((stat = read_file(path, NULL)) == NULL)
		return false;
	/* "pid (comm) S ...": the state follows the last ')'. */
	p = strrchr(stat, ')');
	alive = p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	free(stat);
	return alive;
}

static void check_log(const struct daemon *d);

void
daemon_stop(struct daemon *d)
{
	int status;

	ck_assert_msg(daemon_alive(d), "psid died (see %s/psid.log)",
	    d->dir);
	kill(d->pid, SIGTERM);
	ck_assert_int_eq(waitpid(d->pid, &status, 0), d->pid);
	d->pid = 0;
	check_log(d);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "psid did not exit cleanly on SIGTERM (status %d)", status);
}

void
daemon_kill(struct daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
}

/* psid's log if it holds a sanitizer's report (malloc'd), else NULL. */
static char *
sanitizer_report(const struct daemon *d)
{
	char path[512], *log;

	snprintf(path, sizeof(path), "%s/psid.log", d->dir);
	if ((log = read_file(path, NULL)) == NULL)
		return NULL;
	if (strstr(log, "AddressSanitizer") == NULL &&
	    strstr(log, "LeakSanitizer") == NULL &&
	    strstr(log, "ThreadSanitizer") == NULL &&
	    strstr(log, "runtime error:") == NULL) {
		free(log);
		return NULL;
	}
	return log;
}

/* The start of the line of the first sanitizer report in log. */
static const char *
report_start(const char *log)
{
	static const char *const marks[] = { "AddressSanitizer",
	    "LeakSanitizer", "ThreadSanitizer", "runtime error:" };
	const char *at = NULL, *p;
	size_t i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if ((p = strstr(log, marks[i])) != NULL && (at == NULL ||
		    p < at))
			at = p;
	if (at == NULL)
		return log;
	while (at > log && at[-1] != '\n')
		at--;
	return at;
}

/*
 * Fail the test if psid's log holds a sanitizer's report; the message
 * shows the report's start (check refuses a message of over 4 KiB).
 */
static void
check_log(const struct daemon *d)
{
	char *log = sanitizer_report(d);

	if (log != NULL)
		ck_abort_msg("psid's log reports a sanitizer error "
		    "(%s/psid.log):\n%.2048s", d->dir, report_start(log));
}

void
daemon_check(struct daemon *d)
{
	ck_assert_msg(daemon_alive(d), "psid died (see %s/psid.log)",
	    d->dir);
	check_log(d);
}

int
daemon_finish(struct daemon *d)
{
	const char *why = NULL;
	char *log = NULL;
	int status;

	if (d->dir[0] == '\0')
		return 0;
	if (!daemon_alive(d))
		why = "psid died";
	else {
		kill(d->pid, SIGTERM);
		if (waitpid(d->pid, &status, 0) != d->pid)
			why = "psid could not be waited for";
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			why = "psid did not exit cleanly on SIGTERM";
		d->pid = 0;
	}
	if (why == NULL && (log = sanitizer_report(d)) != NULL)
		why = "psid's log reports a sanitizer error";
	if (why != NULL) {
		/* The scratch directory stays, with the log. */
		fprintf(stderr, "%s (see %s/psid.log)\n%s", why, d->dir,
		    log != NULL ? report_start(log) : "");
		free(log);
		finish_failures++;
		d->dir[0] = '\0';
		return -1;
	}
	daemon_cleanup(d);
	return 0;
}

int
daemon_failures(void)
{
	return finish_failures;
}

void
daemon_cleanup(struct daemon *d)
{
	char *dir;

	/* A clean stop, so that a sanitized psid reports leaks at exit. */
	if (daemon_alive(d))
		daemon_stop(d);
	if (d->dir[0] != '\0' && getenv("PSID_KEEP") == NULL) {
		dir = strdup(d->dir);
		scratch_remove(dir);
	}
	d->dir[0] = '\0';
}

struct psid_conn_options
daemon_options(const struct daemon *d, const char *who)
{
	static char cert[512], key[512], ca[512];
	struct psid_conn_options o;

	snprintf(ca, sizeof(ca), "%s/pki/ca.pem", d->dir);
	snprintf(cert, sizeof(cert), "%s/pki/%s.pem", d->dir, who);
	snprintf(key, sizeof(key), "%s/pki/%s.key", d->dir, who);
	memset(&o, 0, sizeof(o));
	o.host = "127.0.0.1";
	o.port = d->port;
	o.ca_file = ca;
	o.cert_file = cert;
	o.key_file = key;
	o.timeout_ms = 20000;
	return o;
}

struct psid_conn *
daemon_connect(const struct daemon *d, const char *who)
{
	struct psid_conn_options o = daemon_options(d, who);
	struct psid_conn *c = NULL;
	int rc = psid_connect(&o, &c);

	ck_assert_msg(rc == PSID_OK, "connect as %s: %s: %s", who,
	    psid_strerror(rc), c != NULL ? psid_conn_error(c) : "");
	return c;
}

/* ----------------------------------------------------------- raw client */

static int raw_probe(struct raw *r);

int
raw_connect(struct raw *r, const struct daemon *d, const char *who,
    int max_version)
{
	struct sockaddr_in sin;
	struct timeval tv = { 10, 0 };
	char path[512];

	memset(r, 0, sizeof(*r));
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(r->fd, 0);
	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(d->port));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(r->fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	r->ctx = SSL_CTX_new(TLS_client_method());
	ck_assert_ptr_nonnull(r->ctx);
	if (max_version != 0) {
		SSL_CTX_set_min_proto_version(r->ctx, 0);
		SSL_CTX_set_max_proto_version(r->ctx, max_version);
	}
	ck_assert_int_eq(SSL_CTX_load_verify_locations(r->ctx,
	    daemon_pki(d, "ca.pem"), NULL), 1);
	SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER, NULL);
	if (who != NULL) {
		snprintf(path, sizeof(path), "%s/pki/%s.pem", d->dir, who);
		ck_assert_int_eq(SSL_CTX_use_certificate_chain_file(r->ctx,
		    path), 1);
		snprintf(path, sizeof(path), "%s/pki/%s.key", d->dir, who);
		ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(r->ctx, path,
		    SSL_FILETYPE_PEM), 1);
	}
	r->ssl = SSL_new(r->ctx);
	SSL_set_fd(r->ssl, r->fd);
	if (SSL_connect(r->ssl) != 1) {
		ERR_clear_error();
		return -1;
	}
	/*
	 * In TLS 1.3 the server refuses a client certificate after the
	 * client's handshake is done: a first request shows the alert, or
	 * its answer that psid took the certificate.
	 */
	if (raw_probe(r) != 0) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int
raw_write(struct raw *r, const void *data, size_t len)
{
	return SSL_write(r->ssl, data, (int)len) == (int)len ? 0 : -1;
}

int
raw_send(struct raw *r, const Psid__Request *req)
{
	uint8_t *buf;
	size_t len;
	int rc;

	ck_assert_int_eq(frame_pack_request(req, FRAME_MAX_LIMIT, &buf, &len),
	    FRAME_OK);
	rc = raw_write(r, buf, len);
	free(buf);
	return rc;
}

/* Read exactly len bytes. Returns 0, or -1 at EOF or an error. */
static int
raw_read_full(struct raw *r, uint8_t *buf, size_t len)
{
	size_t got = 0;
	int n;

	while (got < len) {
		n = SSL_read(r->ssl, buf + got, (int)(len - got));
		if (n <= 0) {
			ERR_clear_error();
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

Psid__Response *
raw_recv(struct raw *r)
{
	Psid__Response *resp = NULL;
	uint8_t hdr[FRAME_HEADER_LEN], *payload;
	size_t plen;
	char err[256];

	if (raw_read_full(r, hdr, sizeof(hdr)) != 0)
		return NULL;
	ck_assert_int_ne(frame_peek(hdr, sizeof(hdr), FRAME_MAX_LIMIT, &plen),
	    FRAME_TOO_LARGE);
	payload = malloc(plen + 1);
	ck_assert_ptr_nonnull(payload);
	if (raw_read_full(r, payload, plen) == 0)
		ck_assert_int_eq(frame_unpack_response(payload, plen, &resp,
		    err, sizeof(err)), FRAME_OK);
	free(payload);
	return resp;
}

/*
 * Ask for psid's stats (a request without effect) and read the answer.
 * Returns 0, or -1 when psid closed the connection instead.
 */
static int
raw_probe(struct raw *r)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__Stats st = PSID__STATS__INIT;
	Psid__Response *resp;

	req.id = RAW_PROBE_ID;
	req.body_case = PSID__REQUEST__BODY_STATS;
	req.stats = &st;
	if (raw_send(r, &req) != 0 || (resp = raw_recv(r)) == NULL)
		return -1;
	ck_assert_uint_eq(resp->id, RAW_PROBE_ID);
	ck_assert(resp->done);
	psid__response__free_unpacked(resp, NULL);
	return 0;
}

bool
raw_closed(struct raw *r)
{
	uint8_t b;
	int n, e;

	errno = 0;
	n = SSL_read(r->ssl, &b, 1);
	e = SSL_get_error(r->ssl, n);
	ERR_clear_error();
	if (n > 0)
		return false;
	/* A receive timeout is no close. */
	return !(e == SSL_ERROR_SYSCALL && (errno == EAGAIN ||
	    errno == EWOULDBLOCK));
}

void
raw_close(struct raw *r)
{
	if (r->ssl != NULL)
		SSL_free(r->ssl);
	if (r->ctx != NULL)
		SSL_CTX_free(r->ctx);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}
