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
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "rng.h"

#define FP		BENCH_FP
#define FIXED_ID	"00000000-1111-2222-3333-444444444444"
#define SECRET		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

/* Targets of the daemon issue (acceptance 5). */
#define TARGET_COUNT_S		0.25
#define TARGET_DUCKDB_RATIO	3.0
#define TARGET_UPLOAD_FPS	1000000.0

struct options {
	struct bench_options b;	/* -n -r -s --psid --keep --dbs-only ... */
	const char *psictl;	/* NULL: random fingerprints, no psictl */
	bool dp;		/* also count a table under a privacy policy */
};

/* One measured thing: a median of runs, or a skip with its reason. */
struct result {
	struct bench_timing t;
	double load;		/* seconds to load, databases only */
	uint64_t count;
	char note[256];		/* version, or why it was skipped */
};

/* ------------------------------------------------------------ the data */

static void
fill_random(uint8_t *p, uint64_t n)
{
	bench_rng_fill(p, (size_t)(n * FP));
}

/* Write fingerprints as a C3R table: "email", then one cell a line. */
static void
write_table(const char *path, const uint8_t *fps, uint64_t n)
{
	static char buf[1 << 20];
	const size_t line = BENCH_CELL_LEN + 1;
	size_t len = 0;
	uint64_t i;
	FILE *f = fopen(path, "w");

	if (f == NULL)
		bench_fatal("%s: %s", path, strerror(errno));
	len = (size_t)snprintf(buf, sizeof(buf), "email\n");
	for (i = 0; i < n; i++) {
		if (len + line > sizeof(buf)) {
			if (fwrite(buf, 1, len, f) != len)
				bench_fatal("%s: %s", path, strerror(errno));
			len = 0;
		}
		bench_fp_cell(fps + i * FP, buf + len);
		buf[len + line - 1] = '\n';
		len += line;
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		bench_fatal("%s: %s", path, strerror(errno));
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
		bench_fatal("%s: %s", path, strerror(errno));
	if ((len = getline(&line, &cap, f)) < 0 ||
	    strcspn(line, "\r\n") != 5 || strncmp(line, "email", 5) != 0)
		bench_fatal("%s: no \"email\" header", path);
	while ((len = getline(&line, &cap, f)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (row == n || (size_t)len != BENCH_CELL_LEN ||
		    strncmp(line, BENCH_CELL_PREFIX,
		    sizeof(BENCH_CELL_PREFIX) - 1) != 0 ||
		    bench_b64_decode32(line + sizeof(BENCH_CELL_PREFIX) - 1,
		    fps + row * FP) != 0)
			bench_fatal("%s: line %" PRIu64 " is not one "
			    "fingerprint cell of %" PRIu64, path, row + 2, n);
		row++;
	}
	free(line);
	fclose(f);
	if (row != n)
		bench_fatal("%s: %" PRIu64 " rows, want %" PRIu64, path, row,
		    n);
}

/* ---------------------------------------------------------------- psid */

/* Upload a fingerprint table under an aggregation rule (threshold 1). */
static double
upload(struct psid_conn *conn, const char *who, const char *id,
    const char *table, const char *path, uint64_t n, bool dp)
{
	struct psid_upload_options o = { 0 };

	o.rule.kind = PSID_RULE_AGGREGATION;
	o.rule.min_rows = 1;
	if (dp) {
		o.rule.privacy.enabled = true;
		o.rule.privacy.epsilon_milli = 1000;
		o.rule.privacy.budget_milli = 1000000000;
		o.rule.privacy.contribution_limit = 1;
	}
	return bench_upload(conn, who, id, table, path, n, "fingerprints", &o);
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
	double times[BENCH_MAX_RUNS], etimes[BENCH_MAX_RUNS], t0;
	uint64_t count;
	unsigned i;
	int rc;

	upload(alice, "alice", id, "adp", a_csv, opt->b.rows, true);
	bench_progress("alice counts the intersection %u times under a privacy "
	    "policy, each after an exact count", opt->b.runs);
	for (i = 0; i < opt->b.runs; i++) {
		t0 = bench_now();
		if ((rc = psid_count(alice, id, plain, 2, &count)) != PSID_OK)
			bench_fatal("psid_count: %s: %s", psid_strerror(rc),
			    psid_conn_error(alice));
		etimes[i] = bench_now() - t0;
		t0 = bench_now();
		if ((rc = psid_count_noise(alice, id, dp, 2, &count,
		    &noise)) != PSID_OK)
			bench_fatal("psid_count_noise: %s: %s",
			    psid_strerror(rc), psid_conn_error(alice));
		times[i] = bench_now() - t0;
		if (!noise.noisy || (count > opt->b.rows / 2 ?
		    count - opt->b.rows / 2 : opt->b.rows / 2 - count) > 100)
			bench_fatal("a noisy count of %" PRIu64 " (%s), want %"
			    PRIu64 " +- 100", count, noise.noisy ? "noised" : "exact",
			    opt->b.rows / 2);
	}
	bench_summarise(&r->t, times, opt->b.runs);
	bench_summarise(&exact->t, etimes, opt->b.runs);
	r->count = exact->count = opt->b.rows / 2;
}

/* A collaboration, two uploads, RUNS counts (and those under a policy). */
static void
bench_psid(const struct options *opt, const char *pki, const char *port,
    const char *id, const char *a_csv, const char *b_csv, double up[2],
    struct result *r, struct result *rdp, struct result *rex)
{
	struct psid_conn *alice, *bob;
	struct psid_colref sets[2] = { { "a", "email" }, { "b", "email" } };
	double times[BENCH_MAX_RUNS];
	unsigned i;
	int rc;

	alice = bench_connect(pki, "alice", port);
	bob = bench_connect(pki, "bob", port);
	up[0] = upload(alice, "alice", id, "a", a_csv, opt->b.rows, false);
	up[1] = upload(bob, "bob", id, "b", b_csv, opt->b.rows, false);
	bench_progress("alice counts the intersection %u times", opt->b.runs);
	for (i = 0; i < opt->b.runs; i++) {
		uint64_t count = 0;
		double t0 = bench_now();

		if ((rc = psid_count(alice, id, sets, 2, &count)) != PSID_OK)
			bench_fatal("psid_count: %s: %s", psid_strerror(rc),
			    psid_conn_error(alice));
		times[i] = bench_now() - t0;
		if (i > 0 && count != r->count)
			bench_fatal("psid counts differ: %" PRIu64 " then %"
			    PRIu64, r->count, count);
		r->count = count;
	}
	bench_summarise(&r->t, times, opt->b.runs);
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
sqlite_load(sqlite3 *db, const char *table, uint8_t *fps, uint64_t n)
{
	char sql[128];
	sqlite3_stmt *st;
	uint64_t i;

	/* Sorted input makes each insert an append to the B-tree. */
	qsort(fps, n, FP, cmp_fp);
	snprintf(sql, sizeof(sql),
	    "CREATE TABLE %s (fp BLOB PRIMARY KEY) WITHOUT ROWID", table);
	bench_sqlite_exec(db, sql);
	snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (?)", table);
	bench_sqlite_check(db, sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    sql);
	bench_sqlite_exec(db, "BEGIN");
	for (i = 0; i < n; i++) {
		bench_sqlite_check(db, sqlite3_bind_blob(st, 1, fps + i * FP,
		    FP, SQLITE_STATIC), "bind");
		bench_sqlite_check(db, sqlite3_step(st), sql);
		sqlite3_reset(st);
	}
	bench_sqlite_exec(db, "COMMIT");
	sqlite3_finalize(st);
}

static void
bench_sqlite(const struct options *opt, uint8_t *a, uint8_t *b,
    struct result *r)
{
	static const char query[] = "SELECT count(*) FROM a JOIN b USING (fp)";
	sqlite3 *db;
	sqlite3_stmt *st;
	double t0, times[BENCH_MAX_RUNS];
	unsigned i;

	snprintf(r->note, sizeof(r->note), "SQLite %s", sqlite3_libversion());
	bench_progress("loading %s (in memory, sorted inserts)", r->note);
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		bench_fatal("sqlite: cannot open an in-memory database");
	bench_sqlite_exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous"
	    " = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8000000");
	t0 = bench_now();
	sqlite_load(db, "a", a, opt->b.rows);
	sqlite_load(db, "b", b, opt->b.rows);
	r->load = bench_now() - t0;
	bench_sqlite_check(db, sqlite3_prepare_v2(db, query, -1, &st, NULL),
	    query);
	bench_progress("SQLite counts %u times", opt->b.runs);
	for (i = 0; i < opt->b.runs; i++) {
		t0 = bench_now();
		if (sqlite3_step(st) != SQLITE_ROW)
			bench_fatal("sqlite: %s: %s", query,
			    sqlite3_errmsg(db));
		r->count = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		times[i] = bench_now() - t0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	bench_summarise(&r->t, times, opt->b.runs);
}

/* -------------------------------------------------------------- DuckDB */

static void
bench_duckdb(const struct options *opt, const char *a_csv,
    const char *b_csv, struct result *r)
{
	char runs[16], line[512];
	double times[BENCH_MAX_RUNS];
	unsigned n = 0;
	int rc;
	FILE *f;

	if (!bench_duckdb_ready(r->note, sizeof(r->note)))
		return;
	snprintf(runs, sizeof(runs), "%u", opt->b.runs);

	char *args[] = { (char *)a_csv, (char *)b_csv, runs, NULL };

	bench_progress("DuckDB loads the CSV files and counts %u times",
	    opt->b.runs);
	rc = bench_node("count_duckdb.mjs", args, "duckdb.out", &f);
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
		    &secs) == 2 && n < BENCH_MAX_RUNS) {
			if (n > 0 && count != r->count)
				bench_fatal("DuckDB counts differ: %" PRIu64
				    " then %" PRIu64, r->count, count);
			r->count = count;
			times[n++] = secs;
		} else {
			line[strcspn(line, "\n")] = '\0';
			bench_progress("duckdb: %s", line);
		}
	}
	fclose(f);
	if (rc != 0 || n != opt->b.runs) {
		snprintf(r->note, sizeof(r->note), "skipped: node %s/%s exited"
		    " with status %d after %u counts", BENCH_SRCDIR,
		    "count_duckdb.mjs", rc, n);
		return;
	}
	bench_summarise(&r->t, times, opt->b.runs);
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

static void
print_db(const char *name, const struct result *r,
    const struct result *psid, bool target)
{
	char ratio[64] = "";

	if (!r->t.done) {
		printf("%-22s %s\n", name, r->note);
		return;
	}
	if (psid->t.done)
		snprintf(ratio, sizeof(ratio), "%.1fx psid's time",
		    r->t.median / psid->t.median);
	printf("%-22s %10.3f s   ", name, r->t.median);
	if (target && psid->t.done)
		printf("%-20spsid >= %.0fx faster: %s", ratio,
		    TARGET_DUCKDB_RATIO,
		    bench_verdict(r->t.median / psid->t.median >=
		    TARGET_DUCKDB_RATIO));
	else
		printf("%s", ratio);
	printf("\n%-22s %10s     min %.3f, max %.3f; load %.2f s; %s\n", "",
	    "", r->t.min, r->t.max, r->load, r->note);
}

static bool
check_count(const char *name, const struct result *r, uint64_t want)
{
	if (!r->t.done || r->count == want)
		return true;
	fprintf(stderr, "count: %s counted %" PRIu64 ", want %" PRIu64 "\n",
	    name, r->count, want);
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		BENCH_LONGOPTS,
		{ "psictl", required_argument, NULL, 'C' },
		{ "dp", no_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	struct options opt = { .b = BENCH_OPTIONS_DEFAULT };
	struct result rp = { 0 }, rs = { 0 }, rd = { 0 }, rdp = { 0 };
	struct result rex = { 0 };
	char a_csv[PATH_MAX], b_csv[PATH_MAX], pki[PATH_MAX], port[16] = "";
	char id[PSID_COLLAB_ID_LEN + 1] = FIXED_ID;
	uint8_t *a, *b;
	uint64_t half, i;
	double up[2] = { 0, 0 }, t0;
	bool ok = true;
	int c;

	bench_init("count");
	while ((c = getopt_long(argc, argv, BENCH_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (bench_option(c, optarg, &opt.b))
			continue;
		switch (c) {
		case 'C':
			opt.psictl = optarg;
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
	if (optind != argc || !bench_options_valid(&opt.b, 1ULL << 32))
		usage(2);
	half = opt.b.rows / 2;

	bench_workdir_init(opt.b.keep, "psid-count");
	bench_path(a_csv, bench_workdir, "a.csv");
	bench_path(b_csv, bench_workdir, "b.csv");
	bench_path(pki, bench_workdir, "pki");
	bench_progress("work directory %s", bench_workdir);

	/* psid first: the collaboration ID keys psictl's fingerprints. */
	if (!opt.b.dbs_only) {
		struct psid_settings settings = { 0 };

		bench_psid_start(opt.b.psid, pki, port, sizeof(port));
		bench_collab_create(pki, port, "bench count", &settings, id);
	}

	/* The fingerprints: B = half of A + new ones, in another order. */
	a = bench_xmalloc(opt.b.rows * FP);
	b = bench_xmalloc(opt.b.rows * FP);
	bench_rng_seed(opt.b.seed);
	t0 = bench_now();
	if (opt.psictl == NULL) {
		bench_progress("generating 2 x %" PRIu64 " random fingerprints "
		    "(%" PRIu64 " common)", opt.b.rows, half);
		fill_random(a, opt.b.rows);
		memcpy(b, a, half * FP);
		fill_random(b + half * FP, opt.b.rows - half);
		bench_shuffle(b, opt.b.rows, FP);
		write_table(a_csv, a, opt.b.rows);
		write_table(b_csv, b, opt.b.rows);
	} else {
		/* E-mail addresses from distinct 64-bit ids (splitmix64 is a
		 * bijection): A has ids 0..N-1, B ids 0..half-1 and N.. . */
		char schema[PATH_MAX], plain[PATH_MAX];
		uint64_t *ids = bench_xmalloc(opt.b.rows * sizeof(*ids));
		static const char schema_json[] = "{\"headerRow\": true, "
		    "\"columns\": [{\"sourceHeader\": \"email\", "
		    "\"targetHeader\": \"email\", \"type\": "
		    "\"fingerprint\"}]}\n";
		FILE *f;
		int t;

		bench_path(schema, bench_workdir, "schema.json");
		if ((f = fopen(schema, "w")) == NULL ||
		    fputs(schema_json, f) == EOF || fclose(f) != 0)
			bench_fatal("%s: %s", schema, strerror(errno));
		setenv("C3R_SHARED_SECRET", SECRET, 1);
		for (t = 0; t < 2; t++) {
			const char *out = t == 0 ? a_csv : b_csv;

			for (i = 0; i < opt.b.rows; i++) {
				uint64_t k = t == 0 || i < half ? i :
				    opt.b.rows + i;

				ids[i] = bench_splitmix64(&k) ^ opt.b.seed;
			}
			bench_shuffle(ids, opt.b.rows, sizeof(*ids));
			bench_path(plain, bench_workdir, t == 0 ?
			    "a-plain.csv" : "b-plain.csv");
			if ((f = fopen(plain, "w")) == NULL)
				bench_fatal("%s: %s", plain, strerror(errno));
			fputs("email\n", f);
			for (i = 0; i < opt.b.rows; i++)
				fprintf(f, "%016" PRIx64 "@example.com\n",
				    ids[i]);
			if (fclose(f) != 0)
				bench_fatal("%s: %s", plain, strerror(errno));

			char *enc[] = { (char *)opt.psictl, "encrypt", plain,
			    "--schema", schema, "--id", id, "--output",
			    (char *)out, "--overwrite", NULL };

			bench_progress("psictl encrypt %s (%" PRIu64
			    " e-mails)", plain, opt.b.rows);
			if (bench_run(enc) != 0)
				bench_fatal("psictl encrypt %s failed", plain);
			unlink(plain);
		}
		free(ids);
		read_table(a_csv, a, opt.b.rows);
		read_table(b_csv, b, opt.b.rows);
	}
	bench_progress("tables ready in %.1f s", bench_now() - t0);

	if (!opt.b.dbs_only) {
		bench_psid(&opt, pki, port, id, a_csv, b_csv, up, &rp, &rdp,
		    &rex);
		bench_psid_stop();
	} else
		snprintf(rp.note, sizeof(rp.note), "skipped (--dbs-only)");
	if (!opt.b.no_sqlite)
		bench_sqlite(&opt, a, b, &rs);
	else
		snprintf(rs.note, sizeof(rs.note), "skipped (--no-sqlite)");
	free(a);
	free(b);
	if (!opt.b.no_duckdb)
		bench_duckdb(&opt, a_csv, b_csv, &rd);
	else
		snprintf(rd.note, sizeof(rd.note), "skipped (--no-duckdb)");

	printf("# two tables of %" PRIu64 " fingerprints, %" PRIu64
	    " common (%s); medians of %u counts\n", opt.b.rows, half,
	    opt.psictl != NULL ? "HMACs by psictl" : "random", opt.b.runs);
	printf("%-22s %12s   %-20s%s\n", "measure", "value", "", "target");
	if (rp.t.done) {
		for (i = 0; i < 2; i++)
			printf("%-22s %10.0f/s   %-20s>= %.0f/s: %s\n",
			    i == 0 ? "upload a (alice)" : "upload b (bob)",
			    (double)opt.b.rows / up[i], "fingerprints",
			    TARGET_UPLOAD_FPS, bench_verdict((double)opt.b.rows /
			    up[i] >= TARGET_UPLOAD_FPS));
		printf("%-22s %10.3f s   %-20s< %.2f s: %s\n", "psid count",
		    rp.t.median, "", TARGET_COUNT_S,
		    bench_verdict(rp.t.median < TARGET_COUNT_S));
		printf("%-22s %10s     min %.3f, max %.3f; uploads %.2f s +"
		    " %.2f s\n", "", "", rp.t.min, rp.t.max, up[0], up[1]);
		if (rdp.t.done) {
			printf("%-22s %10.3f s   %-20s<= 5%%: %s\n",
			    "psid count, dp", rdp.t.median, "", bench_verdict(
			    rdp.t.median <= 1.05 * rex.t.median));
			printf("%-22s %10s     min %.3f, max %.3f; exact counts "
			    "between them %.3f s (min %.3f): noise costs %+.1f%%"
			    "\n", "", "", rdp.t.min, rdp.t.max, rex.t.median,
			    rex.t.min, 100.0 * (rdp.t.median - rex.t.median) /
			    rex.t.median);
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
	bench_print_command(argc, argv);
	if (bench_workdir_kept())
		bench_progress("kept %s", bench_workdir);
	return ok ? 0 : 1;
}
