/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psictl.c: main of psictl, the command-line client of psid, and its
 * table of verbs (OpenSMTPD's smtp_session.c commands[] is the model):
 * each verb names the options it takes, a parse step that checks the
 * command line and prepares the call, and a run step that makes it. A
 * command goes one way for every verb: options (args.c), parse, the
 * connection to psid for the verbs that talk to it (endpoint.c), run,
 * then everything freed. The verbs are in c3r.c (encrypt, decrypt,
 * schema, keygen), remote.c, transfer.c and query.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psictl.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#define OPTIONS(...) ((const int[]){ __VA_ARGS__, 0 })

/* The options of encrypt and decrypt both. */
#define TABLE_OPTS OPT_ID, OPT_OUTPUT, OPT_OVERWRITE, OPT_SECRET_FILE, \
	OPT_INPUT_NULL, OPT_OUTPUT_NULL, OPT_THREADS
/* The settings of a collaboration. */
#define SETTING_OPTS OPT_ALLOW_CLEARTEXT, OPT_ALLOW_DUPLICATES, \
	OPT_ALLOW_JOINS, OPT_PRESERVE_NULLS

static const struct verb verbs[] = {
	{ "encrypt", OPTIONS(TABLE_OPTS, OPT_SCHEMA, SETTING_OPTS,
	    OPT_TEMP_DIR, CONN_OPTS), 0, c3r_encrypt_parse, c3r_encrypt_run },
	{ "decrypt", OPTIONS(TABLE_OPTS, OPT_FAIL_ON_FINGERPRINT), 0,
	    c3r_decrypt_parse, c3r_decrypt_run },
	{ "schema", OPTIONS(OPT_TEMPLATE, OPT_NO_HEADERS, OPT_OUTPUT,
	    OPT_OVERWRITE), 0, c3r_schema_parse, c3r_schema_run },
	{ "keygen", OPTIONS(0), 0, c3r_keygen_parse, c3r_keygen_run },
	{ "collab create", OPTIONS(CONN_OPTS, OPT_NAME, OPT_MEMBER,
	    SETTING_OPTS, OPT_REQUIRE_DP), VERB_CONNECT, remote_collab_create_parse,
	    remote_collab_create_run },
	{ "collab show", OPTIONS(CONN_OPTS, OPT_ID), VERB_CONNECT,
	    remote_collab_show_parse, remote_collab_show_run },
	{ "upload", OPTIONS(CONN_OPTS, OPT_ID, OPT_TABLE, OPT_REPLACE,
	    OPT_RULE, OPT_RULE_FILE, OPT_SCHEMA), VERB_CONNECT,
	    transfer_upload_parse,
	    transfer_upload_run },
	{ "tables", OPTIONS(CONN_OPTS, OPT_ID), VERB_CONNECT,
	    remote_tables_parse, remote_tables_run },
	{ "delete", OPTIONS(CONN_OPTS, OPT_ID, OPT_TABLE), VERB_CONNECT,
	    remote_delete_parse, remote_delete_run },
	{ "count", OPTIONS(CONN_OPTS, OPT_ID), VERB_CONNECT,
	    remote_count_parse, remote_count_run },
	{ "join", OPTIONS(CONN_OPTS, OPT_ID, OPT_LEFT, OPT_RIGHT,
	    OPT_LEFT_COLUMNS, OPT_RIGHT_COLUMNS, OPT_OUTPUT, OPT_OVERWRITE,
	    OPT_DECRYPT, OPT_SECRET_FILE), VERB_CONNECT, transfer_join_parse,
	    transfer_join_run },
	{ "query", OPTIONS(CONN_OPTS, OPT_ID, OPT_OUTPUT, OPT_OVERWRITE,
	    OPT_FORMAT, OPT_FILE), VERB_CONNECT, query_parse, query_run },
	{ "audit", OPTIONS(CONN_OPTS, OPT_ID, OPT_AFTER), VERB_CONNECT,
	    remote_audit_parse, remote_audit_run },
	{ "stats", OPTIONS(CONN_OPTS), VERB_CONNECT, remote_stats_parse,
	    remote_stats_run },
	{ "budget", OPTIONS(CONN_OPTS, OPT_ID), VERB_CONNECT,
	    remote_budget_parse, remote_budget_run },
};

/* Whether word is name's first word (its group's name for "a b"). */
static bool
is_word(const char *name, size_t len, const char *word)
{
	return strncmp(name, word, len) == 0 && word[len] == '\0';
}

/* "create or show": the second words of group's verbs, into buf. */
static const char *
group_verbs(const char *group, size_t len, char *buf, size_t size)
{
	const struct verb *v;
	size_t n = 0, k = 0, at;

	for (v = verbs; v < verbs + nitems(verbs); v++)
		n += strncmp(v->name, group, len) == 0 && v->name[len] == ' ';
	buf[0] = '\0';
	for (v = verbs; v < verbs + nitems(verbs); v++) {
		if (strncmp(v->name, group, len) != 0 || v->name[len] != ' ')
			continue;
		at = strlen(buf);
		snprintf(buf + at, size - at, "%s%s", k == 0 ? "" :
		    k + 1 == n ? " or " : ", ", v->name + len + 1);
		k++;
	}
	return buf;
}

/*
 * The verb argv[1] (and argv[2], for a group) names; *words: how many
 * words it took. Returns NULL after printing why.
 */
static const struct verb *
verb_find(int argc, char **argv, int *words)
{
	const struct verb *v;
	const char *space;
	char subs[128];
	size_t len;

	for (v = verbs; v < verbs + nitems(verbs); v++) {
		space = strchr(v->name, ' ');
		len = space != NULL ? (size_t)(space - v->name) :
		    strlen(v->name);
		if (!is_word(v->name, len, argv[1]))
			continue;
		*words = 1;
		if (space == NULL)
			return v;
		if (argc < 3) {
			cli_fail_usage("%s needs a subcommand: %s", argv[1],
			    group_verbs(argv[1], len, subs, sizeof(subs)));
			return NULL;
		}
		for (; v < verbs + nitems(verbs); v++)
			if (strncmp(v->name, argv[1], len) == 0 &&
			    v->name[len] == ' ' &&
			    strcmp(v->name + len + 1, argv[2]) == 0) {
				*words = 2;
				return v;
			}
		cli_fail_usage("unknown %s subcommand '%s' (%s)", argv[1],
		    argv[2], group_verbs(argv[1], len, subs, sizeof(subs)));
		return NULL;
	}
	cli_fail_usage("unknown command '%s'", argv[1]);
	return NULL;
}

/* The one way of every verb: options, parse, connect, run, free. */
static int
verb_run(const struct verb *v, int argc, char **argv)
{
	struct args a;
	struct psid_conn *conn = NULL;
	int rc;

	if ((rc = args_parse(argc, argv, v, &a)) == 0 &&
	    (rc = v->parse(&a)) == 0 && ((v->flags & VERB_CONNECT) == 0 ||
	    (rc = endpoint_open(&a.conn, &conn)) == 0))
		rc = v->run(&a, conn);
	psid_conn_free(conn);
	args_free(&a);
	return rc;
}

int
main(int argc, char **argv)
{
	const struct verb *v;
	int words;

	if (argc < 2) {
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cli_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", CLI_NAME, PACKAGE_VERSION);
		return 0;
	}
	if ((v = verb_find(argc, argv, &words)) == NULL)
		return EXIT_USAGE;
	return verb_run(v, argc - words, argv + words);
}
