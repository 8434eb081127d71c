/* SPDX-License-Identifier: Apache-2.0 */
/*
 * harness.h: what the whole-path benchmarks (bench/count, bench/aggregate)
 * share: messages, a work directory removed on every exit, children, a
 * throwaway PKI and a real psid on 127.0.0.1, members' connections,
 * collaborations and timed uploads through libpsid, medians, DuckDB run
 * through node, SQLite's checked calls, and what a result names of the
 * machine (commit, CPU).
 *
 * A program calls bench_init() first, then bench_workdir_init(); from
 * then on fatal() and any signal stop psid and remove the work directory
 * (unless it was kept).
 */
#ifndef PSID_BENCH_HARNESS_H
#define PSID_BENCH_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "psid/client.h"

#ifndef BENCH_SRCDIR
#define BENCH_SRCDIR	"bench"
#endif
#ifndef BENCH_BUILDDIR
#define BENCH_BUILDDIR	"."
#endif

#define BENCH_MAX_RUNS		101
#define BENCH_FP		32	/* bytes of a fingerprint */
#define BENCH_B64		44	/* its Base64 */
#define BENCH_CELL_PREFIX	"02:hmac:"
/* Characters of a fingerprint cell: the prefix and the Base64. */
#define BENCH_CELL_LEN	(sizeof(BENCH_CELL_PREFIX) - 1 + BENCH_B64)

/* What every whole-path benchmark takes on its command line. */
struct bench_options {
	uint64_t rows;		/* -n: rows of each table */
	unsigned runs;		/* -r: runs of each query */
	uint64_t seed;		/* -s: of the generated data */
	const char *psid;	/* --psid: the psid to start */
	const char *keep;	/* --keep: NULL, a temporary work directory */
	bool dbs_only;		/* --dbs-only: no psid */
	bool no_duckdb;
	bool no_sqlite;
};

/* The short options and the long options' entries of bench_options. */
#define BENCH_SHORTOPTS	"n:r:s:h"
#define BENCH_LONGOPTS \
	{ "psid", required_argument, NULL, 'P' }, \
	{ "keep", required_argument, NULL, 'k' }, \
	{ "dbs-only", no_argument, NULL, 'D' }, \
	{ "no-duckdb", no_argument, NULL, 'U' }, \
	{ "no-sqlite", no_argument, NULL, 'S' }, \
	{ "help", no_argument, NULL, 'h' }

/* The defaults: 10M rows, 5 runs, seed 1, the build tree's psid. */
#define BENCH_OPTIONS_DEFAULT { .rows = 10000000, .runs = 5, .seed = 1, \
	.psid = BENCH_BUILDDIR "/psid" }

/*
 * Take getopt_long's option c (its argument arg) into *o if it is one of
 * bench_options'; false if it is not.
 */
bool bench_option(int c, const char *arg, struct bench_options *o);

/* Whether *o is in range: 2 to max_rows rows, 1 to BENCH_MAX_RUNS runs. */
bool bench_options_valid(const struct bench_options *o, uint64_t max_rows);

/* The work directory (absolute), set by bench_workdir_init(). */
extern char bench_workdir[PATH_MAX];

/* The program's name, for every message ("count: ..."). */
void bench_init(const char *prog);

void bench_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void bench_progress(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
void *bench_xmalloc(size_t n);
/* out = dir/name (PATH_MAX bytes), fatal if too long. */
void bench_path(char *out, const char *dir, const char *name);
/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);

/*
 * Work in keep (created if missing, kept at the end) or, keep NULL, in a
 * new directory $TMPDIR/<prefix>-XXXXXX removed at exit and on SIGINT,
 * SIGTERM and SIGHUP. Also ignores SIGPIPE and stops psid on every exit.
 */
void bench_workdir_init(const char *keep, const char *prefix);
/* Whether the work directory stays (keep was given). */
bool bench_workdir_kept(void);

/*
 * Run argv (argv[0] looked up in PATH if it has no '/') with stdin from
 * /dev/null and stdout and stderr to out_fd (-1: this process's stderr).
 * Returns the pid.
 */
pid_t bench_spawn(char *const argv[], int out_fd, bool die_with_parent);
/* Wait for pid; its exit status, or 128 + signal (-1 if none). */
int bench_reap(pid_t pid);
/* bench_spawn() to stderr and bench_reap(). */
int bench_run(char *const argv[]);
bool bench_file_exists(const char *path);

/*
 * A throwaway PKI in pki (tests/pki.sh: ca, server, alice, bob, ...),
 * then psid on 127.0.0.1 with its state, scratch, port file and log
 * (psid.log) in the work directory. The port it listens on goes to port,
 * as text. Fatal (with psid's log) if it does not start.
 */
void bench_psid_start(const char *psid, const char *pki, char *port,
    size_t port_size);
/* SIGTERM psid and wait for it (SIGKILL after 10 s). No-op if stopped. */
void bench_psid_stop(void);
/* The running psid's pid, or -1. */
pid_t bench_psid_pid(void);

/* A TLS connection to psid as name (its certificate in pki). */
struct psid_conn *bench_connect(const char *pki, const char *name,
    const char *port);

/*
 * alice creates a collaboration named name with bob a member with every
 * ability, under settings; its ID into id.
 */
void bench_collab_create(const char *pki, const char *port, const char *name,
    const struct psid_settings *settings, char id[PSID_COLLAB_ID_LEN + 1]);

/*
 * Upload the CSV file path as table (n rows of what) and return the
 * seconds psid_upload_csv took. Fatal on a refusal or another row count.
 */
double bench_upload(struct psid_conn *conn, const char *who, const char *id,
    const char *table, const char *path, uint64_t n, const char *what,
    const struct psid_upload_options *options);

/* The spread of runs: their median, fastest and slowest. */
struct bench_timing {
	bool done;
	double median, min, max;
};

/* times[0..runs) (sorted in place) into *t, which is then done. */
void bench_summarise(struct bench_timing *t, double *times, unsigned runs);

/*
 * Whether DuckDB can run: node in PATH and @duckdb/node-api in
 * bench/node_modules (installed with npm if missing). If not, why into
 * note.
 */
bool bench_duckdb_ready(char *note, size_t note_size);

/*
 * Run `node BENCH_SRCDIR/script args...` (args NULL-terminated) with its
 * stdout and stderr into the work directory's out_name; returns its
 * status and *out, that file opened for reading from its start.
 */
int bench_node(const char *script, char *const args[], const char *out_name,
    FILE **out);

/* 32 bytes into 44 Base64 characters (one '=' of padding). */
void bench_b64_encode32(const uint8_t *in, char *out);
/* 44 Base64 characters into 32 bytes; -1 if they are not that. */
int bench_b64_decode32(const char *in, uint8_t *out);
/* A fingerprint cell of fp: BENCH_CELL_LEN characters, no terminator. */
void bench_fp_cell(const uint8_t *fp, char *out);

/* SQLite: fatal with the statement and the error unless rc is a success. */
struct sqlite3;
void bench_sqlite_check(struct sqlite3 *db, int rc, const char *what);
/* sqlite3_exec, fatal on an error. */
void bench_sqlite_exec(struct sqlite3 *db, const char *sql);

/* The source tree's commit (git rev-parse --short HEAD, "+" if modified),
 * or "unknown". */
void bench_commit(char *out, size_t size);
/* The CPU's model name from /proc/cpuinfo, or "unknown". */
void bench_cpu_model(char *out, size_t size);
/* "met" or "MISSED". */
const char *bench_verdict(bool ok);
/* "# command: argv..." on stdout. */
void bench_print_command(int argc, char **argv);

#endif /* PSID_BENCH_HARNESS_H */
