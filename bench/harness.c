/* SPDX-License-Identifier: Apache-2.0 */
/*
 * harness.c: what bench/count and bench/aggregate share (harness.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"

char bench_workdir[PATH_MAX];

static const char *prog = "bench";
static bool remove_workdir;
static pid_t psid_pid = -1;

void
bench_init(const char *name)
{
	prog = name;
}

static void
message(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

void
bench_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message(fmt, ap);
	va_end(ap);
	exit(1);
}

void
bench_progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message(fmt, ap);
	va_end(ap);
}

void *
bench_xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		bench_fatal("out of memory (%zu bytes)", n);
	return p;
}

void
bench_path(char *out, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		bench_fatal("path too long: %s/%s", dir, name);
}

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------- options */

bool
bench_option(int c, const char *arg, struct bench_options *o)
{
	switch (c) {
	case 'n':
		o->rows = strtoull(arg, NULL, 10);
		break;
	case 'r':
		o->runs = (unsigned)strtoul(arg, NULL, 10);
		break;
	case 's':
		o->seed = strtoull(arg, NULL, 0);
		break;
	case 'P':
		o->psid = arg;
		break;
	case 'k':
		o->keep = arg;
		break;
	case 'D':
		o->dbs_only = true;
		break;
	case 'U':
		o->no_duckdb = true;
		break;
	case 'S':
		o->no_sqlite = true;
		break;
	default:
		return false;
	}
	return true;
}

bool
bench_options_valid(const struct bench_options *o, uint64_t max_rows)
{
	return o->rows >= 2 && o->rows <= max_rows && o->runs >= 1 &&
	    o->runs <= BENCH_MAX_RUNS;
}

/* ------------------------------------------------------- work directory */

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
	bench_psid_stop();
	if (remove_workdir && bench_workdir[0] != '\0')
		nftw(bench_workdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
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
	if (remove_workdir && bench_workdir[0] != '\0' &&
	    (pid = fork()) >= 0) {
		if (pid == 0) {
			char *argv[] = { "rm", "-rf", bench_workdir, NULL };
			char *envp[] = { NULL };

			execve("/bin/rm", argv, envp);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void
bench_workdir_init(const char *keep, const char *prefix)
{
	if (keep != NULL) {
		if (mkdir(keep, 0700) != 0 && errno != EEXIST)
			bench_fatal("%s: %s", keep, strerror(errno));
		if (realpath(keep, bench_workdir) == NULL)
			bench_fatal("%s: %s", keep, strerror(errno));
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(bench_workdir, sizeof(bench_workdir), "%s/%s-XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", prefix);
		if (mkdtemp(bench_workdir) == NULL)
			bench_fatal("%s: %s", bench_workdir, strerror(errno));
		remove_workdir = true;
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
}

bool
bench_workdir_kept(void)
{
	return !remove_workdir;
}

/* ------------------------------------------------------------ children */

pid_t
bench_spawn(char *const argv[], int out_fd, bool die_with_parent)
{
	pid_t pid = fork();

	if (pid < 0)
		bench_fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (die_with_parent)
			prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (null >= 0)
			dup2(null, 0);
		dup2(out_fd >= 0 ? out_fd : 2, 1);
		dup2(out_fd >= 0 ? out_fd : 2, 2);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s: %s\n", prog, argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

int
bench_reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int
bench_run(char *const argv[])
{
	return bench_reap(bench_spawn(argv, -1, true));
}

bool
bench_file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---------------------------------------------------------------- psid */

void
bench_psid_stop(void)
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

pid_t
bench_psid_pid(void)
{
	return psid_pid;
}

static void
show_log(const char *log)
{
	char line[1024];
	FILE *f = fopen(log, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "%s: --- %s ---\n", prog, log);
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

	bench_path(state, bench_workdir, "state");
	bench_path(tmp, bench_workdir, "tmp");
	bench_path(portfile, bench_workdir, "psid.port");
	bench_path(log, bench_workdir, "psid.log");
	bench_path(ca, pki, "ca.pem");
	bench_path(cert, pki, "server.pem");
	bench_path(key, pki, "server.key");
	if ((mkdir(state, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(tmp, 0700) != 0 && errno != EEXIST))
		bench_fatal("%s: %s", bench_workdir, strerror(errno));
	unlink(portfile);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		bench_fatal("%s: %s", log, strerror(errno));

	char *argv[] = { (char *)psid, "--listen", "127.0.0.1:0",
	    "--port-file", portfile, "--state", state, "--ca", ca,
	    "--cert", cert, "--key", key, "--tmp-dir", tmp, "-d", NULL };

	psid_pid = bench_spawn(argv, fd, true);
	close(fd);
	for (i = 0; i < 3000; i++) {	/* 30 s */
		FILE *f;
		char *p, *end;
		unsigned long v;

		if (waitpid(psid_pid, &status, WNOHANG) == psid_pid) {
			psid_pid = -1;
			show_log(log);
			bench_fatal("%s exited before listening", psid);
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
	bench_fatal("psid wrote no port to %s in 30 s", portfile);
}

void
bench_psid_start(const char *psid, const char *pki, char *port,
    size_t port_size)
{
	char script[PATH_MAX];

	bench_path(script, BENCH_SRCDIR, "../tests/pki.sh");
	char *pki_argv[] = { "sh", script, (char *)pki, NULL };

	if (bench_run(pki_argv) != 0)
		bench_fatal("%s %s failed", script, pki);
	start_psid(psid, pki, port, port_size);
	bench_progress("psid (pid %ld) listens on 127.0.0.1:%s",
	    (long)psid_pid, port);
}

struct psid_conn *
bench_connect(const char *pki, const char *name, const char *port)
{
	char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], file[64];
	struct psid_conn *conn = NULL;
	struct psid_conn_options o = { 0 };
	int rc;

	bench_path(ca, pki, "ca.pem");
	snprintf(file, sizeof(file), "%s.pem", name);
	bench_path(cert, pki, file);
	snprintf(file, sizeof(file), "%s.key", name);
	bench_path(key, pki, file);
	o.host = "127.0.0.1";
	o.port = port;
	o.ca_file = ca;
	o.cert_file = cert;
	o.key_file = key;
	o.timeout_ms = 600000;
	if ((rc = psid_connect(&o, &conn)) != PSID_OK)
		bench_fatal("%s connecting to psid: %s: %s", name,
		    psid_strerror(rc),
		    conn != NULL ? psid_conn_error(conn) : "");
	return conn;
}

void
bench_collab_create(const char *pki, const char *port, const char *name,
    const struct psid_settings *settings, char id[PSID_COLLAB_ID_LEN + 1])
{
	struct psid_member bob = { "bob", true, true, true };
	struct psid_conn *alice = bench_connect(pki, "alice", port);
	int rc;

	if ((rc = psid_collab_create(alice, name, &bob, 1, settings,
	    id)) != PSID_OK)
		bench_fatal("psid_collab_create: %s: %s", psid_strerror(rc),
		    psid_conn_error(alice));
	psid_conn_free(alice);
	bench_progress("collaboration %s", id);
}

double
bench_upload(struct psid_conn *conn, const char *who, const char *id,
    const char *table, const char *path, uint64_t n, const char *what,
    const struct psid_upload_options *options)
{
	struct psid_report report = { 0 };
	double t0, secs;
	int rc;

	bench_progress("%s uploads table %s (%" PRIu64 " %s)", who, table, n,
	    what);
	t0 = bench_now();
	rc = psid_upload_csv(conn, id, table, path, options, &report);
	secs = bench_now() - t0;
	if (rc != PSID_OK)
		bench_fatal("%s uploading %s: %s: %s (line %" PRIu64
		    ", column \"%s\": %s)", who, path, psid_strerror(rc),
		    psid_conn_error(conn), report.line, report.column,
		    report.message);
	if (report.rows != n)
		bench_fatal("upload of %s: psid took %" PRIu64 " rows, want %"
		    PRIu64, table, report.rows, n);
	return secs;
}

/* -------------------------------------------------------------- timing */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
bench_summarise(struct bench_timing *t, double *times, unsigned runs)
{
	qsort(times, runs, sizeof(times[0]), cmp_double);
	t->median = runs % 2 ? times[runs / 2] :
	    (times[runs / 2 - 1] + times[runs / 2]) / 2;
	t->min = times[0];
	t->max = times[runs - 1];
	t->done = true;
}

/* -------------------------------------------------------------- DuckDB */

static bool
have_node(void)
{
	char *argv[] = { "node", "--version", NULL };
	int fd = open("/dev/null", O_WRONLY);
	int rc = bench_reap(bench_spawn(argv, fd, true));

	close(fd);
	return rc == 0;
}

bool
bench_duckdb_ready(char *note, size_t note_size)
{
	char module[PATH_MAX];
	int rc;

	bench_path(module, BENCH_SRCDIR, "node_modules/@duckdb/node-api/"
	    "package.json");
	if (!have_node()) {
		snprintf(note, note_size, "skipped: no node in PATH");
		return false;
	}
	if (!bench_file_exists(module)) {
		char *npm[] = { "npm", "install", "--prefix", BENCH_SRCDIR,
		    "--no-package-lock", "--no-audit", "--no-fund",
		    "--loglevel=error", NULL };

		bench_progress("installing @duckdb/node-api into "
		    "%s/node_modules", BENCH_SRCDIR);
		if ((rc = bench_run(npm)) != 0 || !bench_file_exists(module)) {
			snprintf(note, note_size, "skipped: npm install of "
			    "@duckdb/node-api failed (status %d)", rc);
			return false;
		}
	}
	return true;
}

int
bench_node(const char *script, char *const args[], const char *out_name,
    FILE **out)
{
	char path[PATH_MAX], out_path[PATH_MAX];
	char *argv[16];
	size_t n = 0;
	int fd, rc;

	bench_path(path, BENCH_SRCDIR, script);
	bench_path(out_path, bench_workdir, out_name);
	argv[n++] = "node";
	argv[n++] = path;
	while (*args != NULL && n < sizeof(argv) / sizeof(argv[0]) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	if ((fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		bench_fatal("%s: %s", out_path, strerror(errno));
	rc = bench_reap(bench_spawn(argv, fd, true));
	close(fd);
	if ((*out = fopen(out_path, "r")) == NULL)
		bench_fatal("%s: %s", out_path, strerror(errno));
	return rc;
}

/* ---------------------------------------------------- fingerprint cells */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
bench_b64_encode32(const uint8_t *in, char *out)
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

int
bench_b64_decode32(const char *in, uint8_t *out)
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
	memcpy(out, buf, BENCH_FP);
	return 0;
}

void
bench_fp_cell(const uint8_t *fp, char *out)
{
	memcpy(out, BENCH_CELL_PREFIX, sizeof(BENCH_CELL_PREFIX) - 1);
	bench_b64_encode32(fp, out + sizeof(BENCH_CELL_PREFIX) - 1);
}

/* -------------------------------------------------------------- SQLite */

void
bench_sqlite_check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		bench_fatal("sqlite: %s: %s", what, sqlite3_errmsg(db));
}

void
bench_sqlite_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		bench_fatal("sqlite: %s: %s", sql, err != NULL ? err : "?");
}

/* ---------------------------------------------------------- the report */

/* The first line of `sh -c cmd`'s stdout into out, or false. */
static bool
first_line(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	bool ok;

	if (p == NULL)
		return false;
	ok = fgets(out, (int)size, p) != NULL;
	if (pclose(p) != 0)
		ok = false;
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok && out[0] != '\0';
}

void
bench_commit(char *out, size_t size)
{
	char cmd[PATH_MAX + 128], dirty[8];

	snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse --short HEAD "
	    "2>/dev/null", BENCH_SRCDIR);
	if (!first_line(cmd, out, size)) {
		snprintf(out, size, "unknown");
		return;
	}
	snprintf(cmd, sizeof(cmd), "git -C '%s' status --porcelain "
	    "--untracked-files=no 2>/dev/null", BENCH_SRCDIR);
	if (first_line(cmd, dirty, sizeof(dirty)) &&
	    strlen(out) + 2 <= size)
		strcat(out, "+");
}

void
bench_cpu_model(char *out, size_t size)
{
	char line[512], *p;
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(out, size, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) != 0 ||
		    (p = strchr(line, ':')) == NULL)
			continue;
		p += 1 + strspn(p + 1, " \t");
		p[strcspn(p, "\n")] = '\0';
		snprintf(out, size, "%s", p);
		break;
	}
	fclose(f);
}

const char *
bench_verdict(bool ok)
{
	return ok ? "met" : "MISSED";
}

void
bench_print_command(int argc, char **argv)
{
	int c;

	printf("# command:");
	for (c = 0; c < argc; c++)
		printf(" %s", argv[c]);
	printf("\n");
}
