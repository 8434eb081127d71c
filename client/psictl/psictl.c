/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psictl.c: the command-line client of psid. This file holds main, the
 * diagnostics every command shares, and the table commands of C3R's CLI:
 * encrypt (with the settings from psid when given --server), decrypt,
 * schema --template, keygen. The commands that talk to psid are in
 * psictl_remote.c and psictl_transfer.c. Each command parses its
 * options, calls libpsid and turns the result into an exit status and
 * one line on stderr.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "psictl.h"

const char *progname = "psictl";

void
usage(FILE *f)
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
	    "       %s collab show --id UUID\n"
	    "       %s upload --id UUID --table NAME [--replace] [--schema FILE]\n"
	    "           [--rule aggregation[:MINROWS]|list[:COLUMN,...]] FILE\n"
	    "       %s tables --id UUID\n"
	    "       %s delete --id UUID --table NAME\n"
	    "       %s count --id UUID TABLE.COLUMN TABLE.COLUMN...\n"
	    "       %s join --id UUID --left TABLE.COLUMN --right TABLE.COLUMN\n"
	    "           [--left-columns A,B] [--right-columns C,D] -o FILE [--overwrite]\n"
	    "           [--decrypt [--secret-file FILE]]\n"
	    "       %s audit --id UUID [--after N]\n"
	    "       %s stats\n"
	    "The commands that talk to psid take CONNECTION: --server HOST:PORT --ca FILE\n"
	    "--cert FILE --key FILE, or --config FILE (default: $PSICTL_CONFIG).\n"
	    "The shared secret comes from C3R_SHARED_SECRET (Base64) or --secret-file.\n",
	    progname, progname, progname, progname, progname, progname,
	    progname, progname, progname, progname, progname, progname,
	    progname, progname);
}

int
fail_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see '%s --help')\n", progname);
	return EXIT_USAGE;
}

int
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILURE;
}

/* ------------------------------------------------------------ progress */

static double
seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
show_progress(void *arg, const char *pass, uint64_t rows)
{
	struct progress *p = arg;
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
	    progname, pass, rows, elapsed > 0 ? (double)rows / elapsed : 0.0);
	p->shown = true;
}

void
end_progress(struct progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r\033[K");
}

/* ------------------------------------------------------------- secrets */

/* Read the secret: --secret-file's first line, else the environment. */
int
load_keys(const char *secret_file, const char *id, struct psid_keys **keys)
{
	char line[1024], *secret;
	FILE *f;
	size_t n;
	int rc;

	if (secret_file != NULL) {
		if ((f = fopen(secret_file, "re")) == NULL) {
			fprintf(stderr, "%s: %s: %s\n", progname, secret_file,
			    strerror(errno));
			return -1;
		}
		if (fgets(line, sizeof(line), f) == NULL)
			line[0] = '\0';
		fclose(f);
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		secret = line;
	} else if ((secret = getenv("C3R_SHARED_SECRET")) == NULL) {
		fprintf(stderr, "%s: no shared secret: set C3R_SHARED_SECRET "
		    "or use --secret-file\n", progname);
		return -1;
	}
	rc = psid_keys_new(secret, id, keys);
	explicit_bzero(line, sizeof(line));
	if (rc == PSID_ERR_COLLABORATION_ID)
		fprintf(stderr, "%s: --id %s: not a UUID\n", progname, id);
	else if (rc == PSID_ERR_SECRET)
		fprintf(stderr, "%s: %s: the shared secret must be standard "
		    "Base64 of at least 32 bytes\n", progname,
		    secret_file != NULL ? secret_file : "C3R_SHARED_SECRET");
	else if (rc != PSID_OK)
		fprintf(stderr, "%s: %s\n", progname, psid_strerror(rc));
	return rc == PSID_OK ? 0 : -1;
}

/* ------------------------------------------------------- option parsing */

enum {
	OPT_SCHEMA = 's', OPT_OUTPUT = 'o', OPT_OVERWRITE = 'f',
	OPT_ID = 256, OPT_SECRET_FILE, OPT_ALLOW_CLEARTEXT,
	OPT_ALLOW_DUPLICATES, OPT_ALLOW_JOINS, OPT_PRESERVE_NULLS,
	OPT_INPUT_NULL, OPT_OUTPUT_NULL, OPT_THREADS, OPT_TEMP_DIR,
	OPT_FAIL_ON_FINGERPRINT, OPT_TEMPLATE, OPT_NO_HEADERS, OPT_HELP,
	OPT_SERVER, OPT_CA, OPT_CERT, OPT_KEY, OPT_CONFIG,
};

struct command_args {
	const char *input;
	const char *schema;
	const char *id;
	const char *output;
	const char *secret_file;
	bool template;
	bool no_headers;
	bool any_setting;	/* a setting flag was given */
	struct conn_args conn;	/* encrypt: the settings from psid */
	struct psid_csv_options opts;
};

static const struct option table_options[] = {
	{ "schema", required_argument, NULL, OPT_SCHEMA },
	{ "id", required_argument, NULL, OPT_ID },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
	{ "secret-file", required_argument, NULL, OPT_SECRET_FILE },
	{ "allow-cleartext", no_argument, NULL, OPT_ALLOW_CLEARTEXT },
	{ "allow-duplicates", no_argument, NULL, OPT_ALLOW_DUPLICATES },
	{ "allow-joins-on-columns-with-different-names", no_argument, NULL,
	    OPT_ALLOW_JOINS },
	{ "preserve-nulls", no_argument, NULL, OPT_PRESERVE_NULLS },
	{ "csv-input-null-value", required_argument, NULL, OPT_INPUT_NULL },
	{ "csv-output-null-value", required_argument, NULL, OPT_OUTPUT_NULL },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "temp-dir", required_argument, NULL, OPT_TEMP_DIR },
	{ "fail-on-fingerprint-columns", no_argument, NULL,
	    OPT_FAIL_ON_FINGERPRINT },
	{ "template", no_argument, NULL, OPT_TEMPLATE },
	{ "no-headers", no_argument, NULL, OPT_NO_HEADERS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ NULL, 0, NULL, 0 },
};

/*
 * Parse a command's options. allowed lists the option values the command
 * takes. Returns 0, or an exit status.
 */
static int
parse_args(int argc, char **argv, const int *allowed, struct command_args *a)
{
	char *end;
	long n;
	int c, i;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:o:f", table_options,
	    NULL)) != -1) {
		if (c == '?')
			return fail_usage("unknown option '%s'",
			    argv[optind - 1]);
		if (c == ':')
			return fail_usage("option '%s' needs a value",
			    argv[optind - 1]);
		for (i = 0; allowed[i] != 0 && allowed[i] != c; i++)
			;
		if (allowed[i] == 0 && c != OPT_HELP)
			return fail_usage("option '%s' does not apply to this "
			    "command", argv[optind - 1]);
		switch (c) {
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_SCHEMA:
			a->schema = optarg;
			break;
		case OPT_ID:
			a->id = optarg;
			break;
		case OPT_OUTPUT:
			a->output = optarg;
			break;
		case OPT_OVERWRITE:
			a->opts.overwrite = true;
			break;
		case OPT_SECRET_FILE:
			a->secret_file = optarg;
			break;
		case OPT_ALLOW_CLEARTEXT:
			a->opts.settings.allow_cleartext = true;
			a->any_setting = true;
			break;
		case OPT_ALLOW_DUPLICATES:
			a->opts.settings.allow_duplicates = true;
			a->any_setting = true;
			break;
		case OPT_ALLOW_JOINS:
			a->opts.settings.
			    allow_joins_on_columns_with_different_names = true;
			a->any_setting = true;
			break;
		case OPT_PRESERVE_NULLS:
			a->opts.settings.preserve_nulls = true;
			a->any_setting = true;
			break;
		case OPT_SERVER:
			a->conn.server = optarg;
			break;
		case OPT_CA:
			a->conn.ca = optarg;
			break;
		case OPT_CERT:
			a->conn.cert = optarg;
			break;
		case OPT_KEY:
			a->conn.key = optarg;
			break;
		case OPT_CONFIG:
			a->conn.config = optarg;
			break;
		case OPT_INPUT_NULL:
			a->opts.input_null_value = optarg;
			break;
		case OPT_OUTPUT_NULL:
			a->opts.output_null_value = optarg;
			break;
		case OPT_THREADS:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || n < 1 || n > 64)
				return fail_usage("--threads '%s': a number "
				    "from 1 to 64", optarg);
			a->opts.threads = (unsigned)n;
			break;
		case OPT_TEMP_DIR:
			a->opts.temp_dir = optarg;
			break;
		case OPT_FAIL_ON_FINGERPRINT:
			a->opts.fail_on_fingerprint_columns = true;
			break;
		case OPT_TEMPLATE:
			a->template = true;
			break;
		case OPT_NO_HEADERS:
			a->no_headers = true;
			break;
		}
	}
	if (optind + 1 != argc)
		return fail_usage("%s", optind >= argc ? "an INPUT file is "
		    "required" : "one INPUT file only");
	a->input = argv[optind];
	return 0;
}

/* C3R's default output: <input base name without .csv>.out.csv here. */
static char *
default_output(const char *input, const char *suffix)
{
	char *copy = strdup(input), *base, *out, *dot;
	size_t len;

	if (copy == NULL)
		return NULL;
	base = basename(copy);
	len = strlen(base);
	if ((dot = strrchr(base, '.')) != NULL && strcmp(dot, ".csv") == 0)
		len = (size_t)(dot - base);
	if ((out = malloc(len + strlen(suffix) + 1)) != NULL)
		sprintf(out, "%.*s%s", (int)len, base, suffix);
	free(copy);
	return out;
}

int
report_failure(const struct psid_report *report, int rc)
{
	fprintf(stderr, "%s: %s\n", progname, report->message[0] != '\0' ?
	    report->message : psid_strerror(rc));
	return EXIT_FAILURE;
}

/* ------------------------------------------------------------- commands */

/*
 * Whether encrypt takes the settings from psid: when the connection
 * options name it, or $PSICTL_CONFIG does and no setting flag is given.
 */
static bool
settings_from_psid(const struct command_args *a)
{
	const char *config = getenv("PSICTL_CONFIG");

	return conn_args_given(&a->conn) || (!a->any_setting &&
	    config != NULL && *config != '\0');
}

static int
cmd_encrypt_decrypt(int argc, char **argv, bool encrypt)
{
	static const int encrypt_opts[] = { OPT_SCHEMA, OPT_ID, OPT_OUTPUT,
	    OPT_OVERWRITE, OPT_SECRET_FILE, OPT_ALLOW_CLEARTEXT,
	    OPT_ALLOW_DUPLICATES, OPT_ALLOW_JOINS, OPT_PRESERVE_NULLS,
	    OPT_INPUT_NULL, OPT_OUTPUT_NULL, OPT_THREADS, OPT_TEMP_DIR,
	    OPT_SERVER, OPT_CA, OPT_CERT, OPT_KEY, OPT_CONFIG, 0 };
	static const int decrypt_opts[] = { OPT_ID, OPT_OUTPUT, OPT_OVERWRITE,
	    OPT_SECRET_FILE, OPT_INPUT_NULL, OPT_OUTPUT_NULL, OPT_THREADS,
	    OPT_FAIL_ON_FINGERPRINT, 0 };
	struct command_args a;
	struct psid_keys *keys = NULL;
	struct psid_report report;
	struct progress progress = { 0 };
	char *output = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, encrypt ? encrypt_opts : decrypt_opts,
	    &a)) != 0)
		return rc;
	if (encrypt && a.schema == NULL)
		return fail_usage("%s", "--schema FILE is required");
	if (a.id == NULL)
		return fail_usage("%s", "--id UUID is required");
	if (conn_args_given(&a.conn) && a.any_setting)
		return fail_usage("%s", "the setting flags do not go with the "
		    "connection options: the settings come from psid");
	if (a.output == NULL &&
	    (a.output = output = default_output(a.input, ".out.csv")) == NULL)
		return report_failure(&(struct psid_report){ 0 },
		    PSID_ERR_NOMEM);
	if (load_keys(a.secret_file, a.id, &keys) != 0) {
		free(output);
		return EXIT_FAILURE;
	}
	if (encrypt && settings_from_psid(&a) &&
	    (rc = remote_settings(&a.conn, a.id, &a.opts.settings)) != 0) {
		psid_keys_free(keys);
		free(output);
		return rc;
	}
	if (isatty(STDERR_FILENO)) {
		a.opts.progress = show_progress;
		a.opts.progress_arg = &progress;
	}
	if (encrypt)
		rc = psid_encrypt_csv(keys, a.schema, a.input, a.output,
		    &a.opts, &report);
	else
		rc = psid_decrypt_csv(keys, a.input, a.output, &a.opts,
		    &report);
	end_progress(&progress);
	psid_keys_free(keys);
	if (rc != PSID_OK) {
		free(output);
		return report_failure(&report, rc);
	}
	if (report.warnings > 0)
		fprintf(stderr, "%s: warning: %s: %" PRIu64 " fingerprint "
		    "cells copied unchanged (fingerprints cannot be "
		    "decrypted)\n", progname, a.input, report.warnings);
	free(output);
	return EXIT_SUCCESS;
}

static int
cmd_schema(int argc, char **argv)
{
	static const int schema_opts[] = { OPT_TEMPLATE, OPT_NO_HEADERS,
	    OPT_OUTPUT, OPT_OVERWRITE, 0 };
	struct command_args a;
	struct psid_report report;
	char *output = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, schema_opts, &a)) != 0)
		return rc;
	if (!a.template)
		return fail_usage("%s", "schema needs --template (the only "
		    "mode psictl has)");
	if (a.output == NULL) {
		if ((output = malloc(strlen(a.input) + 6)) == NULL)
			return report_failure(&(struct psid_report){ 0 },
			    PSID_ERR_NOMEM);
		sprintf(output, "%s.json", a.input);
		a.output = output;
	}
	rc = psid_schema_template(a.input, !a.no_headers, a.output,
	    a.opts.overwrite, &report);
	free(output);
	return rc == PSID_OK ? EXIT_SUCCESS : report_failure(&report, rc);
}

static int
cmd_keygen(int argc, char **argv)
{
	char secret[PSID_SECRET_B64_SIZE];
	int rc;

	if (argc != 1)
		return fail_usage("keygen takes no arguments: '%s'", argv[1]);
	if ((rc = psid_secret_generate(secret, sizeof(secret))) != PSID_OK) {
		fprintf(stderr, "%s: %s\n", progname, psid_strerror(rc));
		return EXIT_FAILURE;
	}
	printf("%s\n", secret);
	explicit_bzero(secret, sizeof(secret));
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("psictl %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "encrypt") == 0)
		return cmd_encrypt_decrypt(argc - 1, argv + 1, true);
	if (strcmp(cmd, "decrypt") == 0)
		return cmd_encrypt_decrypt(argc - 1, argv + 1, false);
	if (strcmp(cmd, "schema") == 0)
		return cmd_schema(argc - 1, argv + 1);
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(argc - 1, argv + 1);
	if (strcmp(cmd, "collab") == 0)
		return cmd_collab(argc - 1, argv + 1);
	if (strcmp(cmd, "upload") == 0)
		return cmd_upload(argc - 1, argv + 1);
	if (strcmp(cmd, "tables") == 0)
		return cmd_tables(argc - 1, argv + 1);
	if (strcmp(cmd, "delete") == 0)
		return cmd_delete(argc - 1, argv + 1);
	if (strcmp(cmd, "count") == 0)
		return cmd_count(argc - 1, argv + 1);
	if (strcmp(cmd, "join") == 0)
		return cmd_join(argc - 1, argv + 1);
	if (strcmp(cmd, "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(argc - 1, argv + 1);
	return fail_usage("unknown command '%s'", cmd);
}
