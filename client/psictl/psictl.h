/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psictl.h: what the files of psictl share: diagnostics and exit codes
 * (psictl.c), the connection to psid from the command line or a config
 * file (psictl_conn.c), and the commands that talk to psid
 * (psictl_remote.c).
 */
#ifndef PSID_PSICTL_H
#define PSID_PSICTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "psid/client.h"

#define EXIT_USAGE 2

extern const char *progname;

/* Print "psictl: <message>" and a hint to --help; return EXIT_USAGE. */
int fail_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "psictl: <message>"; return EXIT_FAILURE. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the report's message (or rc's text); return EXIT_FAILURE. */
int report_failure(const struct psid_report *report, int rc);

/* Progress on stderr, when it is a terminal (psid_progress_fn). */
struct progress {
	struct timespec start;
	struct timespec last;
	const char *pass;
	bool shown;
};

void show_progress(void *arg, const char *pass, uint64_t rows);
void end_progress(struct progress *p);

/*
 * Derive the keys of collaboration id from --secret-file's first line or
 * C3R_SHARED_SECRET. Returns 0, or -1 after printing why.
 */
int load_keys(const char *secret_file, const char *id,
    struct psid_keys **keys);

/* ----------------------------------------------------- psictl_conn.c */

/* The connection options: --server, --ca, --cert, --key, --config. */
struct conn_args {
	const char *server;	/* HOST:PORT or [ADDRESS]:PORT */
	const char *ca;
	const char *cert;
	const char *key;
	const char *config;	/* NULL: $PSICTL_CONFIG, if set */
};

/* Whether any connection option was given on the command line. */
bool conn_args_given(const struct conn_args *a);

/*
 * Connect as the options say: the config file's settings first, the
 * command line's over them. Returns 0 with *conn set, or an exit status
 * after printing why (EXIT_USAGE when a setting is missing or malformed).
 */
int conn_open(const struct conn_args *a, struct psid_conn **conn);

/* ------------------------------------------------------ psictl_args.c */

/* The options of the commands that talk to psid. */
enum remote_option {
	R_OUTPUT = 'o', R_SERVER = 256, R_CA, R_CERT, R_KEY, R_CONFIG, R_ID,
	R_NAME, R_MEMBER, R_ALLOW_CLEARTEXT, R_ALLOW_DUPLICATES,
	R_ALLOW_JOINS, R_PRESERVE_NULLS, R_TABLE, R_REPLACE, R_RULE,
	R_SCHEMA, R_LEFT, R_RIGHT, R_LEFT_COLUMNS, R_RIGHT_COLUMNS,
	R_OVERWRITE, R_DECRYPT, R_SECRET_FILE, R_AFTER, R_HELP,
};

struct remote_args {
	struct conn_args conn;
	const char *id, *name, *table, *rule, *schema, *left, *right;
	const char *left_columns, *right_columns, *output, *secret_file;
	const char *after;
	const char **members;
	size_t nmembers;
	struct psid_settings settings;
	bool replace, overwrite, decrypt;
	int nargs;
	char **args;		/* the operands */
};

/* TABLE.COLUMN, normalised. */
struct colref_arg {
	char table[PSID_NAME_MAX + 1];
	char column[PSID_NAME_MAX + 1];
};

/* A comma-separated list of names, normalised. */
struct name_list {
	char (*names)[PSID_NAME_MAX + 1];
	const char **ptrs;
	size_t n;
};

/* The connection options, which every command takes. */
#define CONN_OPTS R_SERVER, R_CA, R_CERT, R_KEY, R_CONFIG

/*
 * Parse a command's options into a (argv[0]: the command's name; allowed:
 * the options it takes, 0 ended). --help prints the usage and exits.
 * Returns 0, or an exit status after printing why; free a with
 * args_free() either way.
 */
int args_parse(int argc, char **argv, const int *allowed,
    struct remote_args *a);
void args_free(struct remote_args *a);

/* The one line for a failed call: psid's reason, or rc's text. */
int args_failed(struct psid_conn *conn, int rc);

/*
 * A name given as in[0..len), normalised as a C3R header into out.
 * Returns 0, or EXIT_USAGE after printing why (what: the option).
 */
int args_name(const char *what, const char *in, size_t len,
    char out[PSID_NAME_MAX + 1]);
/* TABLE.COLUMN, normalised. Returns 0 or EXIT_USAGE. */
int args_colref(const char *what, const char *s, struct colref_arg *out);
/* A comma-separated list, normalised. Returns 0 or an exit status. */
int args_names(const char *what, const char *s, struct name_list *l);
void args_names_free(struct name_list *l);

/* A Unix time as ISO 8601 UTC, into buf. */
const char *args_time(uint64_t t, char *buf, size_t size);
/* "cleartext", "sealed" or "fingerprint". */
const char *args_type(enum psid_column_type t);

/* Print the usage summary (psictl.c). */
void usage(FILE *f);

/* ---------------------------------------------------- psictl_remote.c */

/* The commands that talk to psid: argv[0] is the command's name. */
int cmd_collab(int argc, char **argv);
int cmd_upload(int argc, char **argv);
int cmd_tables(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_count(int argc, char **argv);
int cmd_join(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_stats(int argc, char **argv);

/*
 * encrypt --server: fetch the settings of collaboration id from psid.
 * Returns 0, or an exit status after printing why.
 */
int remote_settings(const struct conn_args *a, const char *id,
    struct psid_settings *settings);

#endif /* PSID_PSICTL_H */
