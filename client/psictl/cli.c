/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.c: what every verb of psictl shares: the usage summary, the one
 * line on stderr of a failure (exit 1) or of a usage error (exit 2, with
 * a hint to --help), progress on a terminal, the shared secret read into
 * keys, and times and column types as text.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "psictl.h"

void
cli_usage(FILE *f)
{
	fprintf(f,
	    "usage: %s encrypt INPUT --schema FILE --id UUID [--output FILE]\n"
	    "           [--secret-file FILE] [--allow-cleartext] [--allow-duplicates]\n"
	    "           [--allow-joins-on-columns-with-different-names] [--preserve-nulls]\n"
	    "           [--csv-input-null-value V] [--csv-output-null-value V]\n"
	    "           [--overwrite] [--threads N] [--temp-dir DIR]\n"
	    "       %s encrypt INPUT --schema FILE --id UUID CONNECTION [--output FILE]\n"
	    "           [--secret-file FILE] [...] (the settings from psid)\n"
	    "       %s decrypt INPUT --id UUID [--output FILE] [--secret-file FILE]\n"
	    "           [--fail-on-fingerprint-columns] [--csv-input-null-value V]\n"
	    "           [--csv-output-null-value V] [--overwrite] [--threads N]\n"
	    "       %s schema INPUT --template [--no-headers] [--output FILE] [--overwrite]\n"
	    "       %s keygen\n"
	    "       %s collab create --name NAME --member IDENTITY[:upload,query,receive]...\n"
	    "           [--allow-cleartext] [--allow-duplicates]\n"
	    "           [--allow-joins-on-columns-with-different-names] [--preserve-nulls]\n"
	    "           [--require-dp]\n"
	    "       %s collab show --id UUID\n"
	    "       %s upload --id UUID --table NAME [--replace] [--schema FILE]\n"
	    "           [--rule aggregation[:MINROWS]|list[:COLUMN,...] | --rule-file F] FILE\n"
	    "       %s tables --id UUID\n"
	    "       %s delete --id UUID --table NAME\n"
	    "       %s count --id UUID TABLE.COLUMN TABLE.COLUMN...\n"
	    "       %s join --id UUID --left TABLE.COLUMN --right TABLE.COLUMN\n"
	    "           [--left-columns A,B] [--right-columns C,D] -o FILE [--overwrite]\n"
	    "           [--decrypt [--secret-file FILE]]\n"
	    "       %s query --id UUID [-o FILE [--overwrite]] [--format csv|table]\n"
	    "           SQL | --file FILE | - (stdin)\n"
	    "       %s audit --id UUID [--after N]\n"
	    "       %s budget --id UUID\n"
	    "       %s stats\n"
	    "The commands that talk to psid take CONNECTION: --server HOST:PORT --ca FILE\n"
	    "--cert FILE --key FILE, or --config FILE (default: $PSICTL_CONFIG).\n"
	    "The shared secret comes from C3R_SHARED_SECRET (Base64) or --secret-file.\n",
	    CLI_NAME, CLI_NAME, CLI_NAME, CLI_NAME, CLI_NAME, CLI_NAME,
	    CLI_NAME, CLI_NAME, CLI_NAME, CLI_NAME, CLI_NAME, CLI_NAME,
	    CLI_NAME, CLI_NAME, CLI_NAME, CLI_NAME);
}

int
cli_fail_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", CLI_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see '%s --help')\n", CLI_NAME);
	return EXIT_USAGE;
}

int
cli_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", CLI_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILURE;
}

int
cli_report_failure(const struct psid_report *report, int rc)
{
	return cli_fail("%s", report->message[0] != '\0' ? report->message :
	    psid_strerror(rc));
}

int
cli_call_failed(struct psid_conn *conn, int rc)
{
	const char *why = psid_conn_error(conn);

	return cli_fail("%s", *why != '\0' ? why : psid_strerror(rc));
}

int
cli_flush(void)
{
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void
cli_warn_fingerprints(const char *path, uint64_t n)
{
	if (n > 0)
		fprintf(stderr, "%s: warning: %s: %" PRIu64 " fingerprint "
		    "cells copied unchanged (fingerprints cannot be "
		    "decrypted)\n", CLI_NAME, path, n);
}

/* ------------------------------------------------------------ progress */

static double
seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
cli_progress_show(void *arg, const char *pass, uint64_t rows)
{
	struct cli_progress *p = arg;
	struct timespec now;
	double elapsed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->pass == NULL || strcmp(p->pass, pass) != 0) {
		p->pass = pass;
		p->start = now;
	} else if (seconds_between(&p->last, &now) < 0.25)
		return;
	p->last = now;
	elapsed = seconds_between(&p->start, &now);
	fprintf(stderr, "\r%s: %s: %" PRIu64 " rows, %.0f rows/s   ",
	    CLI_NAME, pass, rows, elapsed > 0 ? (double)rows / elapsed : 0.0);
	p->shown = true;
}

void
cli_progress_end(struct cli_progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r\033[K");
}

/* ------------------------------------------------------------- secrets */

/* Read the secret: --secret-file's first line, else the environment. */
int
cli_load_keys(const char *secret_file, const char *id,
    struct psid_keys **keys)
{
	char line[1024], *secret;
	FILE *f;
	size_t n;
	int rc;

	if (secret_file != NULL) {
		if ((f = fopen(secret_file, "re")) == NULL) {
			cli_fail("%s: %s", secret_file, strerror(errno));
			return -1;
		}
		if (fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		fclose(f);
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		secret = line;
	} else if ((secret = getenv("C3R_SHARED_SECRET")) == NULL) {
		cli_fail("no shared secret: set C3R_SHARED_SECRET or use "
		    "--secret-file");
		return -1;
	}
	rc = psid_keys_new(secret, id, keys);
	explicit_bzero(line, sizeof(line));
	if (rc == PSID_ERR_COLLABORATION_ID)
		cli_fail("--id %s: not a UUID", id);
	else if (rc == PSID_ERR_SECRET)
		cli_fail("%s: the shared secret must be standard Base64 of at "
		    "least 32 bytes", secret_file != NULL ? secret_file :
		    "C3R_SHARED_SECRET");
	else if (rc != PSID_OK)
		cli_fail("%s", psid_strerror(rc));
	return rc == PSID_OK ? 0 : -1;
}

/* ---------------------------------------------------------------- text */

const char *
cli_time(uint64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%" PRIu64, t);
	return buf;
}

const char *
cli_type(enum psid_column_type t)
{
	return t == PSID_COLUMN_FINGERPRINT ? "fingerprint" :
	    t == PSID_COLUMN_SEALED ? "sealed" : "cleartext";
}

const char *
cli_privacy(const struct psid_privacy *p, char *buf, size_t size)
{
	char e[32], b[32];

	snprintf(buf, size, "epsilon %s, budget %s, contribution limit %"
	    PRIu32 ", refresh %s, %s", psid_milli_text(p->epsilon_milli, e,
	    sizeof(e)), psid_milli_text(p->budget_milli, b, sizeof(b)),
	    p->contribution_limit, p->refresh == PSID_REFRESH_MONTHLY ?
	    "monthly" : "never", p->mechanism == PSID_NOISE_GAUSSIAN ?
	    "gaussian" : "laplace");
	return buf;
}

/* Append ", "-separated names[0..n) to buf at *off. */
static void
append_names(char *buf, size_t size, size_t *off, const char *what,
    const char *const *names, size_t n)
{
	size_t i;

	if (n == 0 || *off >= size)
		return;
	*off += (size_t)snprintf(buf + *off, size - *off, "%s%s ",
	    *off > 2 ? "; " : "", what);
	for (i = 0; i < n && *off < size; i++)
		*off += (size_t)snprintf(buf + *off, size - *off, "%s%s",
		    i > 0 ? "," : "", names[i]);
}

const char *
cli_rule_detail(const struct psid_rule *r, char *buf, size_t size)
{
	static const char *const fn[] = { "COUNT", "COUNT_DISTINCT", "SUM",
	    "SUM_DISTINCT", "AVG" };
	size_t i, off;

	buf[0] = '\0';
	if (r == NULL || (r->njoin_columns == 0 &&
	    r->ndimension_columns == 0 && r->naggregates == 0 &&
	    !r->allow_or && !r->join_required))
		return buf;
	off = (size_t)snprintf(buf, size, " [");
	append_names(buf, size, &off, "join", r->join_columns,
	    r->njoin_columns);
	append_names(buf, size, &off, "dimensions", r->dimension_columns,
	    r->ndimension_columns);
	for (i = 0; i < r->naggregates && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s(%s)",
		    i == 0 ? (off > 2 ? "; " : "") : " ",
		    fn[r->aggregates[i].function], r->aggregates[i].column);
	if (r->allow_or && off < size)
		off += (size_t)snprintf(buf + off, size - off, "%sOR joins",
		    off > 2 ? "; " : "");
	if (r->join_required && off < size)
		off += (size_t)snprintf(buf + off, size - off, "%sjoined with "
		    "the query runner's tables only", off > 2 ? "; " : "");
	if (off < size)
		snprintf(buf + off, size - off, "]");
	return buf;
}
