/* SPDX-License-Identifier: Apache-2.0 */
/*
 * count.c: the whole-path benchmark of psid's intersection count, against
 * what a user would reach for instead.
 *
 * It makes two C3R-encrypted CSV tables of one fingerprint column
 * ("email", cells "02:hmac:" + Base64 of 32 bytes), N rows each, half of
 * B's fingerprints also in A, deterministic from a seed; by default the
 * fingerprints are random 32-byte values drawn directly (what an HMAC
 * looks like to anyone without the key), with --psictl they are real
 * HMACs that `psictl encrypt` makes of generated e-mail addresses. Then:
 *
 *  1. psid: a throwaway PKI (tests/pki.sh), a real psid on 127.0.0.1 with
 *     its state in the work directory; alice creates a collaboration with
 *     bob, uploads A, bob uploads B, through libpsid (psid_upload_csv,
 *     timed end to end: CSV read, TLS, checks, LMDB commit); alice then
 *     runs psid_count RUNS times. psid is stopped before the databases run.
 *  2. SQLite (in memory, one thread): the same fingerprints as 32-byte
 *     BLOB primary keys of two WITHOUT ROWID tables, loaded in sorted
 *     order in one transaction; SELECT count(*) FROM a JOIN b USING (fp)
 *     timed RUNS times.
 *  3. DuckDB (@duckdb/node-api, in memory, every core): count_duckdb.mjs
 *     reads the very CSV files psid got, as BLOB tables, and times the
 *     same join RUNS times. Skipped, with the reason, when node or the
 *     package is missing (npm installs it into bench/node_modules first).
 *
 * Every count must equal N/2 (exit status 1 if one does not, or if a step
 * fails). The table of results goes to stdout, progress to stderr.
 *
 * With --dp, alice also uploads A again as a table under a differential
 * privacy policy (epsilon 1, a budget for every run) and counts it with
 * B RUNS times, each right after an exact count of A and B: what the
 * noise costs a count (its payment in LMDB with the audit entry, and the
 * sampling), against exact counts made at the same moments.
 *
 *   bench/count [-n ROWS] [-r RUNS] [-s SEED] [--psid PATH] [--psictl PATH]
 *       [--keep DIR] [--dbs-only] [--no-duckdb] [--no-sqlite] [--dp]
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "psid/client.h"
#include "rng.h"

#ifndef BENCH_SRCDIR
#define BENCH_SRCDIR	"bench"
#endif
#ifndef BENCH_BUILDDIR
#define BENCH_BUILDDIR	"."
#endif

#define FP		32	/* bytes of a fingerprint */
#define B64		44	/* its Base64 */
#define CELL_PREFIX	"02:hmac:"
#define MAX_RUNS	101
#define FIXED_ID	"00000000-1111-2222-3333-444444444444"
#define SECRET		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

/* Targets of the daemon issue (acceptance 5). */
#define TARGET_COUNT_S		0.25
#define TARGET_DUCKDB_RATIO	3.0
#define TARGET_UPLOAD_FPS	1000000.0

struct options {
	uint64_t rows;
	unsigned runs;
	uint64_t seed;
	const char *psid;
	const char *psictl;	/* NULL: random fingerprints, no psictl */
	const char *keep;	/* NULL: a temporary work directory */
	bool dbs_only;
	bool no_duckdb;
	bool no_sqlite;
	bool dp;		/* also count a table under a privacy policy */
};

/* One measured thing: a median of runs, or a skip with its reason. */
struct result {
	bool done;
	double median, min, max;
	double load;		/* seconds to load, databases only */
	uint64_t count;
	char note[256];		/* version, or why it was skipped */
};

static char workdir[PATH_MAX];
static bool remove_workdir;
static pid_t psid_pid = -1;

static void stop_psid(void);

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* atexit: stop psid and remove the work directory, on every exit. */
static void
cleanup(void)
{
	stop_psid();
	if (remove_workdir && workdir[0] != '\0')
		nftw(workdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* SIGINT and the like: the same, with async-signal-safe calls only. */
static void
on_signal(int sig)
{
	pid_t pid;

	if (psid_pid > 0) {
		kill(psid_pid, SIGTERM);
		waitpid(psid_pid, NULL, 0);
	}
	if (remove_workdir && workdir[0] != '\0' && (pid = fork()) >= 0) {
		if (pid == 0) {
			char *argv[] = { "rm", "-rf", workdir, NULL };
			char *envp[] = { NULL };

			execve("/bin/rm", argv, envp);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void __attribute__((format(printf, 1, 2), noreturn))
fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "count: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void __attribute__((format(printf, 1, 2)))
progress(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "count: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

static void
path_join(char *out, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		fatal("path too long: %s/%s", dir, name);
}

/* ------------------------------------------------------------ the data */

/* A uniform index below n (n > 0), bias negligible for n << 2^64. */
static uint64_t
below(uint64_t n)
{
	return (uint64_t)(((unsigned __int128)bench_rng_next() * n) >> 64);
}

static void
fill_random(uint8_t *p, uint64_t n)
{
	bench_rng_fill(p, (size_t)(n * FP));
}

/* Fisher-Yates over records of size bytes. */
static void
shuffle(void *base, uint64_t n, size_t size)
{
	uint8_t *p = base, tmp[64];
	uint64_t i, j;

	for (i = n - 1; i > 0; i--) {
		j = below(i + 1);
		memcpy(tmp, p + i * size, size);
		memcpy(p + i * size, p + j * size, size);
		memcpy(p + j * size, tmp, size);
	}
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 32 bytes into 44 Base64 characters (one '=' of padding). */
static void
b64_encode32(const uint8_t *in, char *out)
{
	int i;

	for (i = 0; i < 30; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];

		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = b64_alphabet[(v >> 6) & 63];
		*out++ = b64_alphabet[v & 63];
	}
	uint32_t v = (uint32_t)in[30] << 16 | (uint32_t)in[31] << 8;

	*out++ = b64_alphabet[v >> 18];
	*out++ = b64_alphabet[(v >> 12) & 63];
	*out++ = b64_alphabet[(v >> 6) & 63];
	*out = '=';
}

static int
b64_value(char c)
{
	const char *p = c != '\0' ? strchr(b64_alphabet, c) : NULL;

	return p == NULL ? -1 : (int)(p - b64_alphabet);
}

/* 44 Base64 characters into 32 bytes; -1 if they are not that. */
static int
b64_decode32(const char *in, uint8_t *out)
{
	uint8_t buf[33];
	int i, j = 0;

	if (in[43] != '=')
		return -1;
	for (i = 0; i < 44; i += 4) {
		int c[4], k;

		for (k = 0; k < 4; k++) {
			c[k] = i + k == 43 ? 0 : b64_value(in[i + k]);
			if (c[k] < 0)
				return -1;
		}
		uint32_t v = (uint32_t)c[0] << 18 | (uint32_t)c[1] << 12 |
		    (uint32_t)c[2] << 6 | (uint32_t)c[3];

		buf[j++] = v >> 16;
		buf[j++] = (v >> 8) & 0xff;
		if (j < 33)
			buf[j++] = v & 0xff;
	}
	memcpy(out, buf, FP);
	return 0;
}

/* Write fingerprints as a C3R table: "email", then one cell a line. */
static void
write_table(const char *path, const uint8_t *fps, uint64_t n)
{
	static char buf[1 << 20];
	const size_t line = sizeof(CELL_PREFIX) - 1 + B64 + 1;
	size_t len = 0;
	uint64_t i;
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fatal("%s: %s", path, strerror(errno));
	len = (size_t)snprintf(buf, sizeof(buf), "email\n");
	for (i = 0; i < n; i++) {
		if (len + line > sizeof(buf)) {
			if (fwrite(buf, 1, len, f) != len)
				fatal("%s: %s", path, strerror(errno));
			len = 0;
		}
		memcpy(buf + len, CELL_PREFIX, sizeof(CELL_PREFIX) - 1);
		b64_encode32(fps + i * FP, buf + len + sizeof(CELL_PREFIX) - 1);
		buf[len + line - 1] = '\n';
		len += line;
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		fatal("%s: %s", path, strerror(errno));
}

/* Read back a one-column fingerprint table that psictl wrote. */
static void
read_table(const char *path, uint8_t *fps, uint64_t n)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t row = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		fatal("%s: %s", path, strerror(errno));
	if ((len = getline(&line, &cap, f)) < 0 ||
	    strcspn(line, "\r\n") != 5 || strncmp(line, "email", 5) != 0)
		fatal("%s: no \"email\" header", path);
	while ((len = getline(&line, &cap, f)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (row == n || (size_t)len != sizeof(CELL_PREFIX) - 1 + B64 ||
		    strncmp(line, CELL_PREFIX, sizeof(CELL_PREFIX) - 1) != 0 ||
		    b64_decode32(line + sizeof(CELL_PREFIX) - 1,
		    fps + row * FP) != 0)
			fatal("%s: line %" PRIu64 " is not one fingerprint cell"
			    " of %" PRIu64, path, row + 2, n);
		row++;
	}
	free(line);
	fclose(f);
	if (row != n)
		fatal("%s: %" PRIu64 " rows, want %" PRIu64, path, row, n);
}

/* ------------------------------------------------------------ children */

/*
 * Run argv (argv[0] looked up in PATH if it has no '/') with stdin from
 * /dev/null and stdout and stderr to out_fd (-1: this process's stderr).
 * Returns the pid.
 */
static pid_t
spawn(char *const argv[], int out_fd, bool die_with_parent)
{
	pid_t pid = fork();

	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (die_with_parent)
			prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (null >= 0)
			dup2(null, 0);
		dup2(out_fd >= 0 ? out_fd : 2, 1);
		dup2(out_fd >= 0 ? out_fd : 2, 2);
		execvp(argv[0], argv);
		fprintf(stderr, "count: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Wait for pid; its exit status, or 128 + signal. */
static int
reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static int
run(char *const argv[])
{
	return reap(spawn(argv, -1, true));
}

static bool
file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---------------------------------------------------------------- psid */

static void
stop_psid(void)
{
	int i, status;

	if (psid_pid <= 0)
		return;
	kill(psid_pid, SIGTERM);
	for (i = 0; i < 1000; i++) {	/* 10 s */
		if (waitpid(psid_pid, &status, WNOHANG) == psid_pid)
			break;
		usleep(10000);
	}
	if (i == 1000) {
		kill(psid_pid, SIGKILL);
		waitpid(psid_pid, &status, 0);
	}
	psid_pid = -1;
}

static void
show_log(const char *log)
{
	char line[1024];
	FILE *f = fopen(log, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "count: --- %s ---\n", log);
	while (fgets(line, sizeof(line), f) != NULL)
		fputs(line, stderr);
	fclose(f);
}

/* Start psid and return the port it listens on, as text. */
static void
start_psid(const char *psid, const char *pki, char *port, size_t port_size)
{
	char state[PATH_MAX], portfile[PATH_MAX], log[PATH_MAX], tmp[PATH_MAX];
	char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
	char buf[128];
	int fd, i, status;

	path_join(state, workdir, "state");
	path_join(tmp, workdir, "tmp");
	path_join(portfile, workdir, "psid.port");
	path_join(log, workdir, "psid.log");
	path_join(ca, pki, "ca.pem");
	path_join(cert, pki, "server.pem");
	path_join(key, pki, "server.key");
	if ((mkdir(state, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(tmp, 0700) != 0 && errno != EEXIST))
		fatal("%s: %s", workdir, strerror(errno));
	unlink(portfile);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		fatal("%s: %s", log, strerror(errno));

	char *argv[] = { (char *)psid, "--listen", "127.0.0.1:0",
	    "--port-file", portfile, "--state", state, "--ca", ca,
	    "--cert", cert, "--key", key, "--tmp-dir", tmp, "-d", NULL };

	psid_pid = spawn(argv, fd, true);
	close(fd);
	for (i = 0; i < 3000; i++) {	/* 30 s */
		FILE *f;
		char *p, *end;
		unsigned long v;

		if (waitpid(psid_pid, &status, WNOHANG) == psid_pid) {
			psid_pid = -1;
			show_log(log);
			fatal("%s exited before listening", psid);
		}
		if ((f = fopen(portfile, "r")) != NULL) {
			size_t len = fread(buf, 1, sizeof(buf) - 1, f);

			fclose(f);
			buf[len] = '\0';
			/* "PORT" or "HOST:PORT", then a newline. */
			p = strrchr(buf, ':');
			p = p != NULL ? p + 1 : buf;
			errno = 0;
			v = strtoul(p, &end, 10);
			if (errno == 0 && end != p && v > 0 && v < 65536 &&
			    (*end == '\n' || *end == '\0')) {
				snprintf(port, port_size, "%lu", v);
				return;
			}
		}
		usleep(10000);
	}
	show_log(log);
	fatal("psid wrote no port to %s in 30 s", portfile);
}

static struct psid_conn *
member_connect(const char *pki, const char *name, const char *port)
{
	char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], file[64];
	struct psid_conn *conn = NULL;
	struct psid_conn_options o = { 0 };
	int rc;

	path_join(ca, pki, "ca.pem");
	snprintf(file, sizeof(file), "%s.pem", name);
	path_join(cert, pki, file);
	snprintf(file, sizeof(file), "%s.key", name);
	path_join(key, pki, file);
	o.host = "127.0.0.1";
	o.port = port;
	o.ca_file = ca;
	o.cert_file = cert;
	o.key_file = key;
	o.timeout_ms = 600000;
	if ((rc = psid_connect(&o, &conn)) != PSID_OK)
		fatal("%s connecting to psid: %s: %s", name, psid_strerror(rc),
		    conn != NULL ? psid_conn_error(conn) : "");
	return conn;
}

static double
upload(struct psid_conn *conn, const char *who, const char *id,
    const char *table, const char *path, uint64_t n, bool dp)
{
	struct psid_upload_options o = { 0 };
	struct psid_report report = { 0 };
	double t0, secs;
	int rc;

	o.rule.kind = PSID_RULE_AGGREGATION;
	o.rule.min_rows = 1;
	if (dp) {
		o.rule.privacy.enabled = true;
		o.rule.privacy.epsilon_milli = 1000;
		o.rule.privacy.budget_milli = 1000000000;
		o.rule.privacy.contribution_limit = 1;
	}
	progress("%s uploads table %s (%" PRIu64 " fingerprints)", who, table,
	    n);
	t0 = now();
	rc = psid_upload_csv(conn, id, table, path, &o, &report);
	secs = now() - t0;
	if (rc != PSID_OK)
		fatal("%s uploading %s: %s: %s (line %" PRIu64 ", column \"%s\""
		    ": %s)", who, path, psid_strerror(rc),
		    psid_conn_error(conn), report.line, report.column,
		    report.message);
	if (report.rows != n)
		fatal("upload of %s: psid took %" PRIu64 " rows, want %" PRIu64,
		    table, report.rows, n);
	return secs;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
summarise(struct result *r, double *times, unsigned runs)
{
	qsort(times, runs, sizeof(times[0]), cmp_double);
	r->median = runs % 2 ? times[runs / 2] :
	    (times[runs / 2 - 1] + times[runs / 2]) / 2;
	r->min = times[0];
	r->max = times[runs - 1];
	r->done = true;
}

/*
 * RUNS counts of A under a privacy policy (the table adp) and B, each
 * right after an exact count of A and B, so that both series see the
 * same machine: r gets the noisy counts' times, exact the exact ones'.
 * Noisy counts are only checked to be near N/2.
 */
static void
bench_psid_dp(const struct options *opt, struct psid_conn *alice,
    const char *id, const char *a_csv, struct result *r,
    struct result *exact)
{
	struct psid_colref dp[2] = { { "adp", "email" }, { "b", "email" } };
	struct psid_colref plain[2] = { { "a", "email" }, { "b", "email" } };
	struct psid_noise noise;
	double times[MAX_RUNS], etimes[MAX_RUNS], t0;
	uint64_t count;
	unsigned i;
	int rc;

	upload(alice, "alice", id, "adp", a_csv, opt->rows, true);
	progress("alice counts the intersection %u times under a privacy "
	    "policy, each after an exact count", opt->runs);
	for (i = 0; i < opt->runs; i++) {
		t0 = now();
		if ((rc = psid_count(alice, id, plain, 2, &count)) != PSID_OK)
			fatal("psid_count: %s: %s", psid_strerror(rc),
			    psid_conn_error(alice));
		etimes[i] = now() - t0;
		t0 = now();
		if ((rc = psid_count_noise(alice, id, dp, 2, &count,
		    &noise)) != PSID_OK)
			fatal("psid_count_noise: %s: %s", psid_strerror(rc),
			    psid_conn_error(alice));
		times[i] = now() - t0;
		if (!noise.noisy || (count > opt->rows / 2 ?
		    count - opt->rows / 2 : opt->rows / 2 - count) > 100)
			fatal("a noisy count of %" PRIu64 " (%s), want %" PRIu64
			    " +- 100", count, noise.noisy ? "noised" : "exact",
			    opt->rows / 2);
	}
	summarise(r, times, opt->runs);
	summarise(exact, etimes, opt->runs);
	r->count = exact->count = opt->rows / 2;
}

/* A collaboration, two uploads, RUNS counts (and those under a policy). */
static void
bench_psid(const struct options *opt, const char *pki, const char *port,
    const char *id, const char *a_csv, const char *b_csv, double up[2],
    struct result *r, struct result *rdp, struct result *rex)
{
	struct psid_conn *alice, *bob;
	struct psid_colref sets[2] = { { "a", "email" }, { "b", "email" } };
	double times[MAX_RUNS];
	unsigned i;
	int rc;

	alice = member_connect(pki, "alice", port);
	bob = member_connect(pki, "bob", port);
	up[0] = upload(alice, "alice", id, "a", a_csv, opt->rows, false);
	up[1] = upload(bob, "bob", id, "b", b_csv, opt->rows, false);
	progress("alice counts the intersection %u times", opt->runs);
	for (i = 0; i < opt->runs; i++) {
		uint64_t count = 0;
		double t0 = now();

		if ((rc = psid_count(alice, id, sets, 2, &count)) != PSID_OK)
			fatal("psid_count: %s: %s", psid_strerror(rc),
			    psid_conn_error(alice));
		times[i] = now() - t0;
		if (i > 0 && count != r->count)
			fatal("psid counts differ: %" PRIu64 " then %" PRIu64,
			    r->count, count);
		r->count = count;
	}
	summarise(r, times, opt->runs);
	if (opt->dp)
		bench_psid_dp(opt, alice, id, a_csv, rdp, rex);
	psid_conn_free(alice);
	psid_conn_free(bob);
}

/* -------------------------------------------------------------- SQLite */

static int
cmp_fp(const void *a, const void *b)
{
	return memcmp(a, b, FP);
}

static void
sqlite_check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		fatal("sqlite: %s: %s", what, sqlite3_errmsg(db));
}

static void
sqlite_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fatal("sqlite: %s: %s", sql, err != NULL ? err : "?");
}

static void
sqlite_load(sqlite3 *db, const char *table, uint8_t *fps, uint64_t n)
{
	char sql[128];
	sqlite3_stmt *st;
	uint64_t i;

	/* Sorted input makes each insert an append to the B-tree. */
	qsort(fps, n, FP, cmp_fp);
	snprintf(sql, sizeof(sql),
	    "CREATE TABLE %s (fp BLOB PRIMARY KEY) WITHOUT ROWID", table);
	sqlite_exec(db, sql);
	snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (?)", table);
	sqlite_check(db, sqlite3_prepare_v2(db, sql, -1, &st, NULL), sql);
	sqlite_exec(db, "BEGIN");
	for (i = 0; i < n; i++) {
		sqlite_check(db, sqlite3_bind_blob(st, 1, fps + i * FP, FP,
		    SQLITE_STATIC), "bind");
		sqlite_check(db, sqlite3_step(st), sql);
		sqlite3_reset(st);
	}
	sqlite_exec(db, "COMMIT");
	sqlite3_finalize(st);
}

static void
bench_sqlite(const struct options *opt, uint8_t *a, uint8_t *b,
    struct result *r)
{
	static const char query[] = "SELECT count(*) FROM a JOIN b USING (fp)";
	sqlite3 *db;
	sqlite3_stmt *st;
	double t0, times[MAX_RUNS];
	unsigned i;

	snprintf(r->note, sizeof(r->note), "SQLite %s", sqlite3_libversion());
	progress("loading %s (in memory, sorted inserts)", r->note);
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		fatal("sqlite: cannot open an in-memory database");
	sqlite_exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
	    " PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8000000");
	t0 = now();
	sqlite_load(db, "a", a, opt->rows);
	sqlite_load(db, "b", b, opt->rows);
	r->load = now() - t0;
	sqlite_check(db, sqlite3_prepare_v2(db, query, -1, &st, NULL), query);
	progress("SQLite counts %u times", opt->runs);
	for (i = 0; i < opt->runs; i++) {
		t0 = now();
		if (sqlite3_step(st) != SQLITE_ROW)
			fatal("sqlite: %s: %s", query, sqlite3_errmsg(db));
		r->count = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		times[i] = now() - t0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	summarise(r, times, opt->runs);
}

/* -------------------------------------------------------------- DuckDB */

static bool
have_node(void)
{
	char *argv[] = { "node", "--version", NULL };
	int fd = open("/dev/null", O_WRONLY);
	int rc = reap(spawn(argv, fd, true));

	close(fd);
	return rc == 0;
}

static void
bench_duckdb(const struct options *opt, const char *a_csv,
    const char *b_csv, struct result *r)
{
	char script[PATH_MAX], module[PATH_MAX], runs[16], out[PATH_MAX];
	char line[512];
	double times[MAX_RUNS];
	unsigned n = 0;
	int fd, rc;
	FILE *f;

	path_join(script, BENCH_SRCDIR, "count_duckdb.mjs");
	path_join(module, BENCH_SRCDIR, "node_modules/@duckdb/node-api/"
	    "package.json");
	if (!have_node()) {
		snprintf(r->note, sizeof(r->note), "skipped: no node in PATH");
		return;
	}
	if (!file_exists(module)) {
		char *npm[] = { "npm", "install", "--prefix", BENCH_SRCDIR,
		    "--no-package-lock", "--no-audit", "--no-fund",
		    "--loglevel=error", NULL };

		progress("installing @duckdb/node-api into %s/node_modules",
		    BENCH_SRCDIR);
		if ((rc = run(npm)) != 0 || !file_exists(module)) {
			snprintf(r->note, sizeof(r->note), "skipped: npm "
			    "install of @duckdb/node-api failed (status %d)",
			    rc);
			return;
		}
	}
	snprintf(runs, sizeof(runs), "%u", opt->runs);
	path_join(out, workdir, "duckdb.out");
	if ((fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		fatal("%s: %s", out, strerror(errno));

	char *argv[] = { "node", script, (char *)a_csv, (char *)b_csv, runs,
	    NULL };

	progress("DuckDB loads the CSV files and counts %u times", opt->runs);
	rc = reap(spawn(argv, fd, true));
	close(fd);
	if ((f = fopen(out, "r")) == NULL)
		fatal("%s: %s", out, strerror(errno));
	r->note[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		char version[64];
		double secs;
		uint64_t count;

		if (sscanf(line, "version %63s", version) == 1)
			snprintf(r->note, sizeof(r->note), "DuckDB %s",
			    version);
		else if (sscanf(line, "load %lf", &secs) == 1)
			r->load = secs;
		else if (sscanf(line, "count %" SCNu64 " %lf", &count,
		    &secs) == 2 && n < MAX_RUNS) {
			if (n > 0 && count != r->count)
				fatal("DuckDB counts differ: %" PRIu64
				    " then %" PRIu64, r->count, count);
			r->count = count;
			times[n++] = secs;
		} else {
			line[strcspn(line, "\n")] = '\0';
			progress("duckdb: %s", line);
		}
	}
	fclose(f);
	if (rc != 0 || n != opt->runs) {
		snprintf(r->note, sizeof(r->note), "skipped: node %s exited "
		    "with status %d after %u counts", script, rc, n);
		return;
	}
	summarise(r, times, opt->runs);
}

/* -------------------------------------------------------------- report */

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: count [-n ROWS] [-r RUNS] [-s SEED] [--psid PATH]"
	    " [--psictl PATH]\n"
	    "             [--keep DIR] [--dbs-only] [--no-duckdb]"
	    " [--no-sqlite] [--dp]\n");
	exit(status);
}

static const char *
verdict(bool ok)
{
	return ok ? "met" : "MISSED";
}

static void
print_db(const char *name, const struct result *r,
    const struct result *psid, bool target)
{
	char ratio[64] = "";

	if (!r->done) {
		printf("%-22s %s\n", name, r->note);
		return;
	}
	if (psid->done)
		snprintf(ratio, sizeof(ratio), "%.1fx psid's time",
		    r->median / psid->median);
	printf("%-22s %10.3f s   ", name, r->median);
	if (target && psid->done)
		printf("%-20spsid >= %.0fx faster: %s", ratio,
		    TARGET_DUCKDB_RATIO,
		    verdict(r->median / psid->median >= TARGET_DUCKDB_RATIO));
	else
		printf("%s", ratio);
	printf("\n%-22s %10s     min %.3f, max %.3f; load %.2f s; %s\n", "",
	    "", r->min, r->max, r->load, r->note);
}

static bool
check_count(const char *name, const struct result *r, uint64_t want)
{
	if (!r->done || r->count == want)
		return true;
	fprintf(stderr, "count: %s counted %" PRIu64 ", want %" PRIu64 "\n",
	    name, r->count, want);
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "psid", required_argument, NULL, 'P' },
		{ "psictl", required_argument, NULL, 'C' },
		{ "keep", required_argument, NULL, 'k' },
		{ "dbs-only", no_argument, NULL, 'D' },
		{ "no-duckdb", no_argument, NULL, 'U' },
		{ "no-sqlite", no_argument, NULL, 'S' },
		{ "dp", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct options opt = { .rows = 10000000, .runs = 5, .seed = 1,
	    .psid = BENCH_BUILDDIR "/psid" };
	struct result rp = { 0 }, rs = { 0 }, rd = { 0 }, rdp = { 0 };
	struct result rex = { 0 };
	char a_csv[PATH_MAX], b_csv[PATH_MAX], pki[PATH_MAX], port[16] = "";
	char id[PSID_COLLAB_ID_LEN + 1] = FIXED_ID;
	uint8_t *a, *b;
	uint64_t half, i;
	double up[2] = { 0, 0 }, t0;
	bool ok = true;
	int c;

	while ((c = getopt_long(argc, argv, "n:r:s:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'n':
			opt.rows = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			opt.runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			opt.seed = strtoull(optarg, NULL, 0);
			break;
		case 'P':
			opt.psid = optarg;
			break;
		case 'C':
			opt.psictl = optarg;
			break;
		case 'k':
			opt.keep = optarg;
			break;
		case 'D':
			opt.dbs_only = true;
			break;
		case 'U':
			opt.no_duckdb = true;
			break;
		case 'S':
			opt.no_sqlite = true;
			break;
		case 'E':
			opt.dp = true;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc || opt.rows < 2 || opt.rows > (1ULL << 32) ||
	    opt.runs < 1 || opt.runs > MAX_RUNS)
		usage(2);
	half = opt.rows / 2;

	if (opt.keep != NULL) {
		if (mkdir(opt.keep, 0700) != 0 && errno != EEXIST)
			fatal("%s: %s", opt.keep, strerror(errno));
		if (realpath(opt.keep, workdir) == NULL)
			fatal("%s: %s", opt.keep, strerror(errno));
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(workdir, sizeof(workdir), "%s/psid-count-XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(workdir) == NULL)
			fatal("%s: %s", workdir, strerror(errno));
		remove_workdir = true;
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
	path_join(a_csv, workdir, "a.csv");
	path_join(b_csv, workdir, "b.csv");
	path_join(pki, workdir, "pki");
	progress("work directory %s", workdir);

	/* psid first: the collaboration ID keys psictl's fingerprints. */
	struct psid_conn *alice = NULL;

	if (!opt.dbs_only) {
		char script[PATH_MAX];
		struct psid_member bob = { "bob", true, true, true };
		struct psid_settings settings = { 0 };
		int rc;

		path_join(script, BENCH_SRCDIR, "../tests/pki.sh");
		char *pki_argv[] = { "sh", script, pki, NULL };

		if (run(pki_argv) != 0)
			fatal("%s %s failed", script, pki);
		start_psid(opt.psid, pki, port, sizeof(port));
		progress("psid (pid %ld) listens on 127.0.0.1:%s",
		    (long)psid_pid, port);
		alice = member_connect(pki, "alice", port);
		if ((rc = psid_collab_create(alice, "bench count", &bob, 1,
		    &settings, id)) != PSID_OK)
			fatal("psid_collab_create: %s: %s", psid_strerror(rc),
			    psid_conn_error(alice));
		psid_conn_free(alice);
		progress("collaboration %s", id);
	}

	/* The fingerprints: B = half of A + new ones, in another order. */
	a = xmalloc(opt.rows * FP);
	b = xmalloc(opt.rows * FP);
	bench_rng_seed(opt.seed);
	t0 = now();
	if (opt.psictl == NULL) {
		progress("generating 2 x %" PRIu64 " random fingerprints "
		    "(%" PRIu64 " common)", opt.rows, half);
		fill_random(a, opt.rows);
		memcpy(b, a, half * FP);
		fill_random(b + half * FP, opt.rows - half);
		shuffle(b, opt.rows, FP);
		write_table(a_csv, a, opt.rows);
		write_table(b_csv, b, opt.rows);
	} else {
		/* E-mail addresses from distinct 64-bit ids (splitmix64 is a
		 * bijection): A has ids 0..N-1, B ids 0..half-1 and N.. . */
		char schema[PATH_MAX], plain[PATH_MAX];
		uint64_t *ids = xmalloc(opt.rows * sizeof(*ids));
		static const char schema_json[] = "{\"headerRow\": true, "
		    "\"columns\": [{\"sourceHeader\": \"email\", "
		    "\"targetHeader\": \"email\", \"type\": "
		    "\"fingerprint\"}]}\n";
		FILE *f;
		int t;

		path_join(schema, workdir, "schema.json");
		if ((f = fopen(schema, "w")) == NULL ||
		    fputs(schema_json, f) == EOF || fclose(f) != 0)
			fatal("%s: %s", schema, strerror(errno));
		setenv("C3R_SHARED_SECRET", SECRET, 1);
		for (t = 0; t < 2; t++) {
			const char *out = t == 0 ? a_csv : b_csv;

			for (i = 0; i < opt.rows; i++) {
				uint64_t k = t == 0 || i < half ? i :
				    opt.rows + i;

				ids[i] = bench_splitmix64(&k) ^ opt.seed;
			}
			shuffle(ids, opt.rows, sizeof(*ids));
			path_join(plain, workdir, t == 0 ? "a-plain.csv" :
			    "b-plain.csv");
			if ((f = fopen(plain, "w")) == NULL)
				fatal("%s: %s", plain, strerror(errno));
			fputs("email\n", f);
			for (i = 0; i < opt.rows; i++)
				fprintf(f, "%016" PRIx64 "@example.com\n",
				    ids[i]);
			if (fclose(f) != 0)
				fatal("%s: %s", plain, strerror(errno));

			char *enc[] = { (char *)opt.psictl, "encrypt", plain,
			    "--schema", schema, "--id", id, "--output",
			    (char *)out, "--overwrite", NULL };

			progress("psictl encrypt %s (%" PRIu64 " e-mails)",
			    plain, opt.rows);
			if (run(enc) != 0)
				fatal("psictl encrypt %s failed", plain);
			unlink(plain);
		}
		free(ids);
		read_table(a_csv, a, opt.rows);
		read_table(b_csv, b, opt.rows);
	}
	progress("tables ready in %.1f s", now() - t0);

	if (!opt.dbs_only) {
		bench_psid(&opt, pki, port, id, a_csv, b_csv, up, &rp, &rdp,
		    &rex);
		stop_psid();
	} else
		snprintf(rp.note, sizeof(rp.note), "skipped (--dbs-only)");
	if (!opt.no_sqlite)
		bench_sqlite(&opt, a, b, &rs);
	else
		snprintf(rs.note, sizeof(rs.note), "skipped (--no-sqlite)");
	free(a);
	free(b);
	if (!opt.no_duckdb)
		bench_duckdb(&opt, a_csv, b_csv, &rd);
	else
		snprintf(rd.note, sizeof(rd.note), "skipped (--no-duckdb)");

	printf("# two tables of %" PRIu64 " fingerprints, %" PRIu64
	    " common (%s); medians of %u counts\n", opt.rows, half,
	    opt.psictl != NULL ? "HMACs by psictl" : "random", opt.runs);
	printf("%-22s %12s   %-20s%s\n", "measure", "value", "", "target");
	if (rp.done) {
		for (i = 0; i < 2; i++)
			printf("%-22s %10.0f/s   %-20s>= %.0f/s: %s\n",
			    i == 0 ? "upload a (alice)" : "upload b (bob)",
			    (double)opt.rows / up[i], "fingerprints",
			    TARGET_UPLOAD_FPS, verdict((double)opt.rows /
			    up[i] >= TARGET_UPLOAD_FPS));
		printf("%-22s %10.3f s   %-20s< %.2f s: %s\n", "psid count",
		    rp.median, "", TARGET_COUNT_S,
		    verdict(rp.median < TARGET_COUNT_S));
		printf("%-22s %10s     min %.3f, max %.3f; uploads %.2f s +"
		    " %.2f s\n", "", "", rp.min, rp.max, up[0], up[1]);
		if (rdp.done) {
			printf("%-22s %10.3f s   %-20s<= 5%%: %s\n",
			    "psid count, dp", rdp.median, "", verdict(
			    rdp.median <= 1.05 * rex.median));
			printf("%-22s %10s     min %.3f, max %.3f; exact counts "
			    "between them %.3f s (min %.3f): noise costs %+.1f%%"
			    "\n", "", "", rdp.min, rdp.max, rex.median, rex.min,
			    100.0 * (rdp.median - rex.median) / rex.median);
		}
	} else
		printf("%-22s %s\n", "psid count", rp.note);
	print_db("DuckDB count", &rd, &rp, true);
	print_db("SQLite count", &rs, &rp, false);
	ok &= check_count("psid", &rp, half);
	ok &= check_count("DuckDB", &rd, half);
	ok &= check_count("SQLite", &rs, half);
	if (ok)
		printf("# every count = %" PRIu64 " = N/2: ok\n", half);
	printf("# command:");
	for (c = 0; c < argc; c++)
		printf(" %s", argv[c]);
	printf("\n");
	if (!remove_workdir)
		progress("kept %s", workdir);
	return ok ? 0 : 1;
}
