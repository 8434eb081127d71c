/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psictl.h: what the files of psictl share. psictl.c holds main and the
 * table of verbs; a verb's options are parsed by the one option parser
 * (args.c) into a struct args, its parse function checks them and
 * prepares the call, the connection is opened for the verbs that talk
 * to psid (endpoint.c), and its run function makes the call and prints
 * the result. cli.c holds the diagnostics and the helpers every verb
 * shares; c3r.c, remote.c, transfer.c and query.c the verbs themselves
 * (result.c prints a query's result). psictl
 * sees only <psid/client.h>, as any program linking libpsid would.
 */
#ifndef PSID_PSICTL_H
#define PSID_PSICTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <psid/client.h>

#define CLI_NAME	"psictl"	/* the prefix of every message */
#define EXIT_USAGE	2		/* the command line is wrong */

/* -------------------------------------------------------------- cli.c */

/* Print the usage summary to f. */
void cli_usage(FILE *f);

/* Print "psictl: <message>" and a hint to --help; return EXIT_USAGE. */
int cli_fail_usage(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Print "psictl: <message>"; return EXIT_FAILURE. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the report's message (or rc's text); return EXIT_FAILURE. */
int cli_report_failure(const struct psid_report *report, int rc);

/* Print the line of a failed call: psid's reason, or rc's text; return
 * EXIT_FAILURE. */
int cli_call_failed(struct psid_conn *conn, int rc);

/* Flush stdout: EXIT_SUCCESS, or EXIT_FAILURE when it cannot be
 * written. */
int cli_flush(void);

/* Warn that n fingerprint cells of path were copied unchanged. */
void cli_warn_fingerprints(const char *path, uint64_t n);

/* Progress on stderr, when it is a terminal (a psid_progress_fn). */
struct cli_progress {
	struct timespec start;
	struct timespec last;
	const char *pass;
	bool shown;
};

/* The psid_progress_fn: arg is a zeroed struct cli_progress. */
void cli_progress_show(void *arg, const char *pass, uint64_t rows);
/* Erase the progress line, if one was shown. */
void cli_progress_end(struct cli_progress *p);

/*
 * Derive the keys of collaboration id from secret_file's first line or,
 * when it is NULL, C3R_SHARED_SECRET. Returns 0 with *keys set (free it
 * with psid_keys_free()), or -1 after printing why.
 */
int cli_load_keys(const char *secret_file, const char *id,
    struct psid_keys **keys);

/* A Unix time as ISO 8601 UTC, into buf; returns buf. */
const char *cli_time(uint64_t t, char *buf, size_t size);
/* "cleartext", "sealed" or "fingerprint" (static strings). */
const char *cli_type(enum psid_column_type t);
/*
 * An aggregation rule's columns in one line, " [join email; dimensions
 * campaign; SUM(amount); OR joins]", or "" when it names none.
 */
const char *cli_rule_detail(const struct psid_rule *r, char *buf,
    size_t size);
/* A privacy policy in one line ("epsilon 0.5, budget 10, ..."). */
const char *cli_privacy(const struct psid_privacy *p, char *buf,
    size_t size);

/* --------------------------------------------------------- endpoint.c */

/* The connection options: --server, --ca, --cert, --key, --config. */
struct endpoint {
	const char *server;	/* HOST:PORT or [ADDRESS]:PORT */
	const char *ca;
	const char *cert;
	const char *key;
	const char *config;	/* NULL: $PSICTL_CONFIG, if set */
};

/* Whether any connection option was given on the command line. */
bool endpoint_given(const struct endpoint *e);

/*
 * Connect as the options say: the config file's settings first, the
 * command line's over them. Returns 0 with *conn set (free it with
 * psid_conn_free()), or an exit status after printing why (EXIT_USAGE
 * when a setting is missing or malformed), *conn NULL.
 */
int endpoint_open(const struct endpoint *e, struct psid_conn **conn);

/* ------------------------------------------------------------- args.c */

/* Every option of psictl; a verb takes some of them. */
enum args_option {
	OPT_SCHEMA = 's', OPT_OUTPUT = 'o', OPT_OVERWRITE = 'f',
	OPT_SERVER = 256, OPT_CA, OPT_CERT, OPT_KEY, OPT_CONFIG, OPT_ID,
	OPT_NAME, OPT_MEMBER, OPT_ALLOW_CLEARTEXT, OPT_ALLOW_DUPLICATES,
	OPT_ALLOW_JOINS, OPT_PRESERVE_NULLS, OPT_TABLE, OPT_REPLACE,
	OPT_RULE, OPT_LEFT, OPT_RIGHT, OPT_LEFT_COLUMNS, OPT_RIGHT_COLUMNS,
	OPT_DECRYPT, OPT_SECRET_FILE, OPT_AFTER, OPT_INPUT_NULL,
	OPT_OUTPUT_NULL, OPT_THREADS, OPT_TEMP_DIR, OPT_FAIL_ON_FINGERPRINT,
	OPT_TEMPLATE, OPT_NO_HEADERS, OPT_RULE_FILE, OPT_REQUIRE_DP,
	OPT_FORMAT, OPT_FILE, OPT_HELP,
};

/* The connection options, which every verb that talks to psid takes. */
#define CONN_OPTS OPT_SERVER, OPT_CA, OPT_CERT, OPT_KEY, OPT_CONFIG

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

#define ARGS_MAX_SETS 16	/* count's operands */

/* A command line, and what its verb's parse made of it. */
struct args {
	const char *verb;	/* its name, as "collab create" */
	struct endpoint conn;
	const char *id, *name, *table, *rule, *schema, *left, *right;
	const char *left_columns, *right_columns, *output, *secret_file;
	const char *after, *rule_file, *format, *file;
	const char **members;	/* the --member values */
	size_t nmembers;
	struct psid_settings settings;
	bool any_setting;	/* a setting flag was given */
	struct psid_csv_options csv;	/* encrypt and decrypt's options */
	bool replace, overwrite, decrypt, template, no_headers, require_dp;
	int nargs;
	char **args;		/* the operands */

	/* Made by the verb's parse; args_free() frees them. */
	char table_name[PSID_NAME_MAX + 1];	/* --table, normalised */
	struct psid_member *member_list;	/* nmembers, identities owned */
	struct colref_arg refs[ARGS_MAX_SETS];
	struct name_list lists[2];		/* --rule list, --*-columns */
	struct psid_rule rule_parsed;		/* --rule or --rule-file */
	bool rule_loaded;			/* from --rule-file: clear */
	struct psid_keys *keys;
	char *output_owned;	/* a default --output, when allocated */
	uint64_t after_seq;
	const char *sql;	/* query: the text, sql_len bytes */
	size_t sql_len;
	char *sql_owned;	/* when read from a file or stdin */
	bool table_format;	/* query --format table */
};

/* A verb: psictl.c's table pairs its name with its options and steps. */
struct verb {
	const char *name;	/* "collab create": a group and a verb */
	const int *options;	/* the options it takes, 0 ended */
	int flags;
#define VERB_CONNECT	0x1	/* connect between parse and run; --id is
				 * checked as a UUID with the options */
	/* Check the options and operands and prepare the call: 0, or an
	 * exit status after printing why. */
	int (*parse)(struct args *a);
	/* Make the call (conn: NULL without VERB_CONNECT) and print its
	 * result: an exit status. */
	int (*run)(struct args *a, struct psid_conn *conn);
};

/*
 * Parse v's options from argv (argv[0]: the verb's last word) into a,
 * which the operands are left in. --help prints the usage and exits.
 * Returns 0, or an exit status after printing why; free a with
 * args_free() either way.
 */
int args_parse(int argc, char **argv, const struct verb *v,
    struct args *a);
/* Free what a holds (not the strings of argv); a may be half parsed. */
void args_free(struct args *a);

/*
 * A name given as in[0..len), normalised as a C3R header into out.
 * Returns 0, or EXIT_USAGE after printing why (what: the option).
 */
int args_name(const char *what, const char *in, size_t len,
    char out[PSID_NAME_MAX + 1]);
/* TABLE.COLUMN, normalised. Returns 0 or EXIT_USAGE. */
int args_colref(const char *what, const char *s, struct colref_arg *out);
/* A comma-separated list, normalised. Returns 0 or an exit status;
 * free l with args_names_free() either way. */
int args_names(const char *what, const char *s, struct name_list *l);
void args_names_free(struct name_list *l);

/* -------------------------------------------------------------- c3r.c */

/* The table verbs of C3R's command line, done here. */
int c3r_encrypt_parse(struct args *a);
int c3r_encrypt_run(struct args *a, struct psid_conn *conn);
int c3r_decrypt_parse(struct args *a);
int c3r_decrypt_run(struct args *a, struct psid_conn *conn);
int c3r_schema_parse(struct args *a);
int c3r_schema_run(struct args *a, struct psid_conn *conn);
int c3r_keygen_parse(struct args *a);
int c3r_keygen_run(struct args *a, struct psid_conn *conn);

/* ----------------------------------------------------------- remote.c */

/* The verbs that ask psid one thing (VERB_CONNECT). */
int remote_collab_create_parse(struct args *a);
int remote_collab_create_run(struct args *a, struct psid_conn *conn);
int remote_collab_show_parse(struct args *a);
int remote_collab_show_run(struct args *a, struct psid_conn *conn);
int remote_tables_parse(struct args *a);
int remote_tables_run(struct args *a, struct psid_conn *conn);
int remote_delete_parse(struct args *a);
int remote_delete_run(struct args *a, struct psid_conn *conn);
int remote_count_parse(struct args *a);
int remote_count_run(struct args *a, struct psid_conn *conn);
int remote_audit_parse(struct args *a);
int remote_audit_run(struct args *a, struct psid_conn *conn);
int remote_stats_parse(struct args *a);
int remote_stats_run(struct args *a, struct psid_conn *conn);
int remote_budget_parse(struct args *a);
int remote_budget_run(struct args *a, struct psid_conn *conn);

/*
 * encrypt with a connection: fetch the settings of collaboration id
 * from psid. Returns 0, or an exit status after printing why.
 */
int remote_settings(const struct endpoint *e, const char *id,
    struct psid_settings *settings);

/* --------------------------------------------------------- transfer.c */

/* The verbs that move a table (VERB_CONNECT). */
int transfer_upload_parse(struct args *a);
int transfer_upload_run(struct args *a, struct psid_conn *conn);
int transfer_join_parse(struct args *a);
int transfer_join_run(struct args *a, struct psid_conn *conn);

/* ------------------------------------------------------------ query.c */

/* The query verb (VERB_CONNECT): SQL to psid, its result printed. */
int query_parse(struct args *a);
int query_run(struct args *a, struct psid_conn *conn);

/* ----------------------------------------------------------- result.c */

/*
 * Write a query's result to f as CSV: a header row of the column names,
 * then a row per result row; a field quoted (RFC 4180: in double quotes,
 * a quote doubled) when it holds a comma, a quote or a line end, starts
 * or ends with a space or a tab, or is empty text; a NULL an empty
 * field; lines end in a newline. Returns 0, or -1 when f fails (errno).
 */
int result_write_csv(FILE *f, const struct psid_result *r);

/*
 * Write a query's result to f as a table for a terminal: the column
 * names, a rule line, the rows; columns apart by " | ", integers and
 * decimals right-aligned, text left-aligned, NULL written NULL, control
 * characters as '?', widths counted in UTF-8 characters. Returns 0, or
 * -1 when f fails (errno).
 */
int result_write_table(FILE *f, const struct psid_result *r);

#endif /* PSID_PSICTL_H */
