/* SPDX-License-Identifier: Apache-2.0 */
/*
 * encrypt.c: throughput and memory benchmark for `psictl encrypt` and
 * `psictl decrypt`. For each row count it generates a synthetic CSV file
 * (two unique identifier columns that get fingerprinted, two sealed
 * columns, one cleartext column) and a C3R mapped schema, then runs psictl
 * as a child process once per thread count, timing each run with a
 * monotonic clock and taking the child's peak RSS from wait4(). Results go
 * to stdout as one table line per run; progress and psictl's own output go
 * to stderr. Only libc is used, so the benchmark builds without the
 * library it measures. See bench/README.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* wait4() */
#endif

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

#define COLLAB_ID	"00000000-1111-2222-3333-444444444444"
#define SHARED_SECRET	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

/* Largest row count accepted by -n (about 75 GB of input). */
#define MAX_ROWS	1000000000ull
/* Most runs of each measurement accepted by -r. */
#define MAX_RUNS	99u
/* Largest thread count accepted by -t. */
#define MAX_THREADS	4096u
/* Rough bytes per row over input, encrypted and decrypted files. */
#define DISK_BYTES_PER_ROW	500ull

/* Generation: rows are formatted into BLOCK_SIZE chunks handed to fwrite. */
#define BLOCK_SIZE	(1u << 20)
#define MAX_ROW_LEN	160u
#define STDIO_BUF_SIZE	(4u << 20)
#define GEN_SEED	0x9e3779b97f4a7c15ull

static const char *const products[] = {
	"widget", "gadget", "gizmo", "sprocket", "doohickey", "bracket",
	"flange", "gasket", "valve", "bearing", "spindle", "coupler",
	"lever", "pulley", "ratchet", "toggle",
};
#define N_PRODUCTS	(sizeof(products) / sizeof(products[0]))

static const char countries[][3] = {
	"US", "CA", "MX", "GB", "IE", "FR", "DE", "NL", "BE", "ES",
	"IT", "PT", "SE", "NO", "DK", "FI", "PL", "JP", "KR", "IN",
	"AU", "NZ", "BR", "AR", "ZA",
};
#define N_COUNTRIES	(sizeof(countries) / sizeof(countries[0]))

static const char schema_json[] =
	"{\n"
	"  \"headerRow\": true,\n"
	"  \"columns\": [\n"
	"    {\"sourceHeader\": \"email\", \"type\": \"fingerprint\"},\n"
	"    {\"sourceHeader\": \"phone\", \"type\": \"fingerprint\"},\n"
	"    {\"sourceHeader\": \"amount\", \"type\": \"sealed\",\n"
	"     \"pad\": {\"type\": \"max\", \"length\": 0}},\n"
	"    {\"sourceHeader\": \"product\", \"type\": \"sealed\",\n"
	"     \"pad\": {\"type\": \"fixed\", \"length\": 32}},\n"
	"    {\"sourceHeader\": \"country\", \"type\": \"cleartext\"}\n"
	"  ]\n"
	"}\n";

static const char csv_header[] = "email,phone,amount,product,country\n";

struct options {
	uint64_t *rows;
	size_t n_rows;
	unsigned *threads;
	size_t n_threads;
	const char *psictl;
	const char *workdir;
	unsigned runs;		/* runs per measurement; the median is shown */
	bool keep;
	bool verify;
};

/* State the cleanup paths need. */
static char workdir[PATH_MAX];
static bool workdir_created;	/* we made it: remove it whole at the end */
static bool keep_files;
static volatile sig_atomic_t interrupted;

static const char *progname = "encrypt";

/* ---- small utilities ---------------------------------------------- */

static void
on_signal(int sig)
{
	interrupted = sig;
}

static void
install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: let wait4() see EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
path_join(char *dst, const char *dir, const char *name)
{
	int n = snprintf(dst, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX) {
		fprintf(stderr, "%s: path too long: %s/%s\n", progname, dir,
		    name);
		exit(1);
	}
}

static void
run_file_path(char *dst, const char *prefix, uint64_t rows)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-%" PRIu64 ".csv", prefix, rows);
	path_join(dst, workdir, name);
}

/* Print s for a POSIX shell, quoting it when it needs quoting. */
static void
print_shell_word(FILE *f, const char *s)
{
	const char *p;

	if (*s != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_-+./,:=@%") == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

static void
print_command(FILE *f, const char *const *argv)
{
	size_t i;

	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			fputc(' ', f);
		print_shell_word(f, argv[i]);
	}
	fputc('\n', f);
}

/* ---- cleanup ------------------------------------------------------ */

static void
unlink_quiet(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		fprintf(stderr, "%s: cannot remove %s: %s\n", progname, path,
		    strerror(errno));
}

static void
remove_run_files(uint64_t rows)
{
	char path[PATH_MAX];

	run_file_path(path, "input", rows);
	unlink_quiet(path);
	run_file_path(path, "enc", rows);
	unlink_quiet(path);
	run_file_path(path, "dec", rows);
	unlink_quiet(path);
}

static int
remove_entry(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0)
		fprintf(stderr, "%s: cannot remove %s: %s\n", progname, path,
		    strerror(errno));
	return 0;
}

/*
 * Remove what this run created, unless -k. A directory we made with
 * mkdtemp() goes whole; in a directory given with -d only our own files
 * are removed (current_rows is the row count whose files may still exist,
 * or 0).
 */
static void
cleanup(uint64_t current_rows)
{
	char path[PATH_MAX];

	if (keep_files || workdir[0] == '\0')
		return;
	if (workdir_created) {
		nftw(workdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		return;
	}
	if (current_rows > 0)
		remove_run_files(current_rows);
	path_join(path, workdir, "schema.json");
	unlink_quiet(path);
}

static void
check_interrupted(uint64_t current_rows)
{
	if (!interrupted)
		return;
	fprintf(stderr, "%s: interrupted\n", progname);
	cleanup(current_rows);
	exit(128 + interrupted);
}

/* ---- data generation ---------------------------------------------- */

/*
 * A keyed pseudo-random permutation of [0, a * b): a four-round Feistel
 * network over the mixed-radix halves (x / b, x % b). Each round maps
 * (l in Z_a, r in Z_b) to (r, (l + F(r)) mod a), which is invertible, and
 * swaps the radixes; after an even number of rounds they are back in
 * place. Row index i becomes a unique but unsorted value.
 */
static inline uint64_t
permute(uint64_t x, uint64_t a, uint64_t b, uint64_t key)
{
	uint64_t l = x / b, r = x % b, t;
	int round;

	for (round = 0; round < 4; round++) {
		uint64_t f = bench_mix64(r ^ key ^ ((uint64_t)round << 56));

		t = (l + f % a) % a;
		l = r;
		r = t;
		t = a;
		a = b;
		b = t;
	}
	return l * b + r;
}

/* Write v as exactly width decimal digits (zero padded). */
static inline char *
put_fixed(char *p, uint64_t v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* Write v in decimal, no padding. */
static inline char *
put_dec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static inline char *
put_str(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

#define PUT_LIT(p, lit)	put_str((p), (lit), sizeof(lit) - 1)

/*
 * Format row i (0-based) at p; returns the end. At most MAX_ROW_LEN bytes.
 *
 * email:   user<10 digits>@example-<1..64>.com, the digits a permutation
 *          of i over [0, 10^10), so unique for every accepted row count.
 * phone:   +1-<area>-XXX-XXXX, XXX-XXXX a permutation of i mod 10^7 and
 *          area 555 for the first 10^7 rows, 556 for the next 10^7, ...
 * amount:  0.00 to 99999.99 with varying magnitude.
 * product: <word>-<0..999>.
 * country: a two-letter code.
 */
static char *
format_row(char *p, uint64_t i)
{
	uint64_t r1 = bench_rng_next(), r2 = bench_rng_next();
	uint64_t email = permute(i, 100000, 100000, 0x243f6a8885a308d3ull);
	uint64_t phone = permute(i % 10000000, 1000, 10000,
	    0x13198a2e03707344ull);
	uint64_t area = 555 + i / 10000000;
	static const uint64_t magnitude[] = {
		1000, 10000, 100000, 1000000, 10000000,
	};
	uint64_t cents = (r1 >> 8) % magnitude[(r1 & 0xff) % 5];
	const char *word = products[(r2 >> 8) % N_PRODUCTS];

	p = PUT_LIT(p, "user");
	p = put_fixed(p, email, 10);
	p = PUT_LIT(p, "@example-");
	p = put_dec(p, 1 + (r2 & 0x3f));
	p = PUT_LIT(p, ".com,+1-");
	p = put_fixed(p, area, 3);
	*p++ = '-';
	p = put_fixed(p, phone / 10000, 3);
	*p++ = '-';
	p = put_fixed(p, phone % 10000, 4);
	*p++ = ',';
	p = put_dec(p, cents / 100);
	*p++ = '.';
	p = put_fixed(p, cents % 100, 2);
	*p++ = ',';
	p = put_str(p, word, strlen(word));
	*p++ = '-';
	p = put_dec(p, (r2 >> 24) % 1000);
	*p++ = ',';
	p = put_str(p, countries[(r2 >> 40) % N_COUNTRIES], 2);
	*p++ = '\n';
	return p;
}

static void
write_or_die(FILE *f, const void *data, size_t len, const char *path,
    uint64_t rows)
{
	if (len > 0 && fwrite(data, 1, len, f) != len) {
		fprintf(stderr, "%s: write %s: %s\n", progname, path,
		    strerror(errno));
		fclose(f);
		cleanup(rows);
		exit(1);
	}
}

/* Write input-<rows>.csv; returns its size in bytes. */
static uint64_t
generate_csv(const char *path, uint64_t rows)
{
	FILE *f;
	char *stdio_buf, *block, *p;
	uint64_t i, total = 0;

	bench_rng_seed(GEN_SEED);	/* the same rows every run */
	f = fopen(path, "w");
	stdio_buf = malloc(STDIO_BUF_SIZE);
	block = malloc(BLOCK_SIZE);
	if (f == NULL || stdio_buf == NULL || block == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		cleanup(rows);
		exit(1);
	}
	setvbuf(f, stdio_buf, _IOFBF, STDIO_BUF_SIZE);

	p = block;
	p = PUT_LIT(p, csv_header);
	for (i = 0; i < rows; i++) {
		if ((size_t)(block + BLOCK_SIZE - p) < MAX_ROW_LEN) {
			write_or_die(f, block, (size_t)(p - block), path,
			    rows);
			total += (uint64_t)(p - block);
			p = block;
			check_interrupted(rows);
		}
		p = format_row(p, i);
	}
	write_or_die(f, block, (size_t)(p - block), path, rows);
	total += (uint64_t)(p - block);

	if (fclose(f) != 0) {
		fprintf(stderr, "%s: write %s: %s\n", progname, path,
		    strerror(errno));
		cleanup(rows);
		exit(1);
	}
	free(stdio_buf);
	free(block);
	return total;
}

static void
write_schema(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(schema_json, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		cleanup(0);
		exit(1);
	}
}

static void
warn_disk_space(uint64_t rows)
{
	struct statvfs sv;
	uint64_t avail, need = rows * DISK_BYTES_PER_ROW;

	if (statvfs(workdir, &sv) != 0)
		return;
	avail = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	if (avail < need)
		fprintf(stderr, "%s: warning: %" PRIu64 " rows need about "
		    "%" PRIu64 " MiB in %s, only %" PRIu64 " MiB free\n",
		    progname, rows, need >> 20, workdir, avail >> 20);
}

/* ---- running psictl ----------------------------------------------- */

struct run_result {
	double seconds;
	long maxrss_kib;
};

/*
 * Run argv (argv[0] is the program path) with stdin from /dev/null, stdout
 * sent to our stderr so the result table stays clean, stderr inherited.
 * Exits, after cleanup, if the command cannot be run or does not exit 0.
 */
static struct run_result
run_command(const char *const *argv, uint64_t rows)
{
	struct run_result res = { 0, 0 };
	struct rusage ru;
	double start;
	pid_t pid, w;
	int status = 0;
	bool killed = false;

	fflush(stdout);
	fflush(stderr);
	start = now_seconds();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", progname, strerror(errno));
		cleanup(rows);
		exit(1);
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0 || dup2(fd, STDIN_FILENO) < 0 ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
			perror("child: redirect");
			_exit(127);
		}
		if (fd != STDIN_FILENO)
			close(fd);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "%s: cannot run %s: %s\n", progname, argv[0],
		    strerror(errno));
		_exit(127);
	}

	for (;;) {
		memset(&ru, 0, sizeof(ru));
		w = wait4(pid, &status, 0, &ru);
		if (w == pid)
			break;
		if (w < 0 && errno == EINTR) {
			/* Ctrl-C reaches the child too; SIGTERM may not. */
			if (interrupted && !killed) {
				kill(pid, SIGTERM);
				killed = true;
			}
			continue;
		}
		fprintf(stderr, "%s: wait4: %s\n", progname, strerror(errno));
		cleanup(rows);
		exit(1);
	}
	res.seconds = now_seconds() - start;
	res.maxrss_kib = ru.ru_maxrss;	/* KiB on Linux */

	check_interrupted(rows);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			fprintf(stderr, "%s: command killed by signal %d:\n",
			    progname, WTERMSIG(status));
		else
			fprintf(stderr, "%s: command failed with exit "
			    "status %d:\n", progname, WEXITSTATUS(status));
		fputs("  ", stderr);
		print_command(stderr, argv);
		cleanup(rows);
		exit(1);
	}
	return res;
}

/* Count lines in path (a final line without '\n' counts too). */
static uint64_t
count_lines(const char *path, uint64_t rows)
{
	static char buf[1u << 20];
	uint64_t lines = 0;
	char last = '\n';
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		cleanup(rows);
		exit(1);
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		const char *p, *end;

		if (n < 0) {
			if (errno == EINTR) {
				check_interrupted(rows);
				continue;
			}
			fprintf(stderr, "%s: read %s: %s\n", progname, path,
			    strerror(errno));
			close(fd);
			cleanup(rows);
			exit(1);
		}
		end = buf + n;
		for (p = buf; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
		    p++)
			lines++;
		last = buf[n - 1];
	}
	close(fd);
	if (last != '\n')
		lines++;
	return lines;
}

static void
print_table_header(void)
{
	printf("%-8s %12s %7s %10s %12s %8s %8s %12s\n", "op", "rows",
	    "threads", "seconds", "rows/s", "min_s", "max_s", "peak_rss_MiB");
	fflush(stdout);
}

static int
compare_seconds(const void *a, const void *b)
{
	double x = ((const struct run_result *)a)->seconds;
	double y = ((const struct run_result *)b)->seconds;

	return (x > y) - (x < y);
}

/*
 * Run argv runs times, each time from the same state: the output file is
 * removed first (untimed), so no run pays for deleting the last one's
 * output. Prints the median time (and its rate), the fastest and the
 * slowest run, and the largest peak RSS.
 */
static void
bench_op(const char *op, const char *const *argv, const char *output,
    unsigned runs, uint64_t rows, unsigned threads)
{
	struct run_result res[MAX_RUNS];
	double median, rate;
	long maxrss = 0;
	unsigned i;

	for (i = 0; i < runs; i++) {
		unlink_quiet(output);
		res[i] = run_command(argv, rows);
		if (res[i].maxrss_kib > maxrss)
			maxrss = res[i].maxrss_kib;
	}
	qsort(res, runs, sizeof(res[0]), compare_seconds);
	median = runs % 2 ? res[runs / 2].seconds :
	    (res[runs / 2 - 1].seconds + res[runs / 2].seconds) / 2;
	rate = median > 0 ? (double)rows / median : 0;
	printf("%-8s %12" PRIu64 " %7u %10.3f %12.0f %8.3f %8.3f %12.1f\n",
	    op, rows, threads, median, rate, res[0].seconds,
	    res[runs - 1].seconds, (double)maxrss / 1024.0);
	fflush(stdout);
}

static void
bench_rows(const struct options *opt, uint64_t rows, const char *schema)
{
	char input[PATH_MAX], enc[PATH_MAX], dec[PATH_MAX], tbuf[16];
	const char *encrypt_argv[] = {
		opt->psictl, "encrypt", input, "--schema", schema,
		"--id", COLLAB_ID, "--output", enc, "--overwrite",
		"--allow-cleartext", "--threads", tbuf, NULL,
	};
	const char *decrypt_argv[] = {
		opt->psictl, "decrypt", enc, "--id", COLLAB_ID,
		"--output", dec, "--overwrite", "--threads", tbuf, NULL,
	};
	uint64_t size, lines;
	double start, secs;
	size_t t;

	run_file_path(input, "input", rows);
	run_file_path(enc, "enc", rows);
	run_file_path(dec, "dec", rows);

	warn_disk_space(rows);
	start = now_seconds();
	size = generate_csv(input, rows);
	secs = now_seconds() - start;
	fprintf(stderr, "%s: generated %s: %" PRIu64 " rows, %.1f MiB in "
	    "%.2f s\n", progname, input, rows, (double)size / 1048576.0,
	    secs);

	for (t = 0; t < opt->n_threads; t++) {
		snprintf(tbuf, sizeof(tbuf), "%u", opt->threads[t]);

		bench_op("encrypt", encrypt_argv, enc, opt->runs, rows,
		    opt->threads[t]);
		bench_op("decrypt", decrypt_argv, dec, opt->runs, rows,
		    opt->threads[t]);

		if (opt->verify) {
			lines = count_lines(dec, rows);
			if (lines != rows + 1) {
				fprintf(stderr, "%s: verify failed: %s has "
				    "%" PRIu64 " lines, expected %" PRIu64
				    "\n", progname, dec, lines, rows + 1);
				cleanup(rows);
				exit(1);
			}
		}
	}

	if (!opt->keep)
		remove_run_files(rows);
}

/* ---- options ------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [-hkv] [-n ROWS]... [-p PSICTL] [-d WORKDIR] "
	    "[-r RUNS] [-t THREADS,...]\n"
	    "\n"
	    "Benchmark `psictl encrypt` and `psictl decrypt` on generated CSV "
	    "data.\n"
	    "\n"
	    "  -n ROWS     rows to generate; repeat for several sizes\n"
	    "              (default: -n 1000000 -n 10000000)\n"
	    "  -p PSICTL   psictl binary to run (default: ./psictl)\n"
	    "  -d WORKDIR  directory for generated files (default: a fresh\n"
	    "              directory under $TMPDIR or /tmp, removed at the "
	    "end)\n"
	    "  -t LIST     comma-separated thread counts (default: 1,2)\n"
	    "  -r RUNS     runs of each measurement; the median is shown\n"
	    "              (default: 3)\n"
	    "  -k          keep the generated files and the work directory\n"
	    "  -v          check that each decrypted file has ROWS+1 lines\n"
	    "  -h          show this help\n"
	    "\n"
	    "Prints one line per measurement: op rows threads, the median\n"
	    "seconds and its rows/s, the fastest and slowest run, and the\n"
	    "largest peak RSS.\n",
	    progname);
}

static bool
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		exit(1);
	}
	return p;
}

static void
add_rows(struct options *opt, const char *arg)
{
	uint64_t v;

	if (!parse_u64(arg, 1, MAX_ROWS, &v)) {
		fprintf(stderr, "%s: -n: expected a row count from 1 to %llu, "
		    "got '%s'\n", progname, MAX_ROWS, arg);
		exit(2);
	}
	opt->rows = xrealloc(opt->rows, (opt->n_rows + 1) * sizeof(*opt->rows));
	opt->rows[opt->n_rows++] = v;
}

static void
parse_threads(struct options *opt, const char *arg)
{
	char *copy, *tok, *save = NULL;
	uint64_t v;

	free(opt->threads);
	opt->threads = NULL;
	opt->n_threads = 0;
	copy = strdup(arg);
	if (copy == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		exit(1);
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (!parse_u64(tok, 1, MAX_THREADS, &v)) {
			fprintf(stderr, "%s: -t: expected thread counts from "
			    "1 to %u, got '%s'\n", progname, MAX_THREADS,
			    arg);
			exit(2);
		}
		opt->threads = xrealloc(opt->threads,
		    (opt->n_threads + 1) * sizeof(*opt->threads));
		opt->threads[opt->n_threads++] = (unsigned)v;
	}
	free(copy);
	if (opt->n_threads == 0) {
		fprintf(stderr, "%s: -t: empty thread list\n", progname);
		exit(2);
	}
}

static void
setup_workdir(const struct options *opt)
{
	const char *tmp;
	int n;

	if (opt->workdir != NULL) {
		n = snprintf(workdir, sizeof(workdir), "%s", opt->workdir);
		if (n < 0 || (size_t)n >= sizeof(workdir)) {
			fprintf(stderr, "%s: -d: path too long\n", progname);
			exit(2);
		}
		if (mkdir(workdir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "%s: mkdir %s: %s\n", progname,
			    workdir, strerror(errno));
			exit(1);
		}
		return;
	}

	tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = snprintf(workdir, sizeof(workdir), "%s/psid-bench-XXXXXX", tmp);
	if (n < 0 || (size_t)n >= sizeof(workdir)) {
		fprintf(stderr, "%s: $TMPDIR too long\n", progname);
		exit(1);
	}
	if (mkdtemp(workdir) == NULL) {
		fprintf(stderr, "%s: mkdtemp %s: %s\n", progname, workdir,
		    strerror(errno));
		exit(1);
	}
	workdir_created = true;
}

int
main(int argc, char **argv)
{
	struct options opt = { 0 };
	char schema[PATH_MAX];
	uint64_t runs;
	size_t i;
	int c;

	if (argc > 0 && argv[0] != NULL && argv[0][0] != '\0')
		progname = argv[0];
	opt.psictl = "./psictl";
	opt.runs = 3;

	while ((c = getopt(argc, argv, "n:p:d:r:t:kvh")) != -1) {
		switch (c) {
		case 'n':
			add_rows(&opt, optarg);
			break;
		case 'p':
			opt.psictl = optarg;
			break;
		case 'd':
			opt.workdir = optarg;
			break;
		case 't':
			parse_threads(&opt, optarg);
			break;
		case 'r':
			if (!parse_u64(optarg, 1, MAX_RUNS, &runs)) {
				fprintf(stderr, "%s: -r: expected a run count "
				    "from 1 to %u, got '%s'\n", progname,
				    MAX_RUNS, optarg);
				return 2;
			}
			opt.runs = (unsigned)runs;
			break;
		case 'k':
			opt.keep = true;
			break;
		case 'v':
			opt.verify = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", progname,
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	if (opt.n_rows == 0) {
		add_rows(&opt, "1000000");
		add_rows(&opt, "10000000");
	}
	if (opt.threads == NULL)
		parse_threads(&opt, "1,2");

	/* Fail before spending minutes on data generation. */
	if (access(opt.psictl, X_OK) != 0) {
		fprintf(stderr, "%s: %s: %s (use -p PATH_TO_PSICTL)\n",
		    progname, opt.psictl, strerror(errno));
		return 1;
	}
	if (setenv("C3R_SHARED_SECRET", SHARED_SECRET, 1) != 0) {
		fprintf(stderr, "%s: setenv: %s\n", progname, strerror(errno));
		return 1;
	}

	keep_files = opt.keep;
	install_signal_handlers();
	setup_workdir(&opt);
	fprintf(stderr, "%s: work directory %s\n", progname, workdir);

	path_join(schema, workdir, "schema.json");
	write_schema(schema);

	print_table_header();
	for (i = 0; i < opt.n_rows; i++) {
		check_interrupted(0);
		bench_rows(&opt, opt.rows[i], schema);
	}

	fputs("# command:", stdout);
	for (c = 0; c < argc; c++) {
		fputc(' ', stdout);
		print_shell_word(stdout, argv[c]);
	}
	fputc('\n', stdout);

	if (opt.keep)
		fprintf(stderr, "%s: files kept in %s\n", progname, workdir);
	cleanup(0);
	free(opt.rows);
	free(opt.threads);
	return 0;
}
