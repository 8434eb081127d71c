/* SPDX-License-Identifier: Apache-2.0 */
/*
 * args.c: the one option parser of psictl. Every option of every verb is
 * in one table, which says where its value goes in a struct args; a verb
 * lists the options it takes (psictl.c), and any other is refused as a
 * usage error. Also the helpers the verbs share to read names: names
 * normalised as C3R headers, TABLE.COLUMN references and name lists.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psictl.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* What an option does with its value. */
enum arg_kind {
	ARG_STRING,		/* a const char * field takes optarg */
	ARG_FLAG,		/* a bool field is set */
	ARG_SETTING,		/* a setting is set (and any_setting) */
	ARG_SPECIAL,		/* set_special() knows */
};

#define STRING(n, v, f) { n, required_argument, v, ARG_STRING, \
	offsetof(struct args, f) }
#define FLAG(n, v, f) { n, no_argument, v, ARG_FLAG, offsetof(struct args, f) }
#define SETTING(n, v, f) { n, no_argument, v, ARG_SETTING, \
	offsetof(struct args, settings.f) }

static const struct arg_def {
	const char *name;
	int has_arg;
	int val;
	enum arg_kind kind;
	size_t off;		/* of the field in struct args */
} arg_defs[] = {
	STRING("server", OPT_SERVER, conn.server),
	STRING("ca", OPT_CA, conn.ca),
	STRING("cert", OPT_CERT, conn.cert),
	STRING("key", OPT_KEY, conn.key),
	STRING("config", OPT_CONFIG, conn.config),
	STRING("id", OPT_ID, id),
	STRING("name", OPT_NAME, name),
	{ "member", required_argument, OPT_MEMBER, ARG_SPECIAL, 0 },
	SETTING("allow-cleartext", OPT_ALLOW_CLEARTEXT, allow_cleartext),
	SETTING("allow-duplicates", OPT_ALLOW_DUPLICATES, allow_duplicates),
	SETTING("allow-joins-on-columns-with-different-names",
	    OPT_ALLOW_JOINS, allow_joins_on_columns_with_different_names),
	SETTING("preserve-nulls", OPT_PRESERVE_NULLS, preserve_nulls),
	STRING("table", OPT_TABLE, table),
	FLAG("replace", OPT_REPLACE, replace),
	STRING("rule", OPT_RULE, rule),
	STRING("rule-file", OPT_RULE_FILE, rule_file),
	FLAG("require-dp", OPT_REQUIRE_DP, require_dp),
	STRING("schema", OPT_SCHEMA, schema),
	STRING("left", OPT_LEFT, left),
	STRING("right", OPT_RIGHT, right),
	STRING("left-columns", OPT_LEFT_COLUMNS, left_columns),
	STRING("right-columns", OPT_RIGHT_COLUMNS, right_columns),
	STRING("output", OPT_OUTPUT, output),
	FLAG("overwrite", OPT_OVERWRITE, overwrite),
	FLAG("decrypt", OPT_DECRYPT, decrypt),
	STRING("secret-file", OPT_SECRET_FILE, secret_file),
	STRING("after", OPT_AFTER, after),
	STRING("csv-input-null-value", OPT_INPUT_NULL, csv.input_null_value),
	STRING("csv-output-null-value", OPT_OUTPUT_NULL,
	    csv.output_null_value),
	{ "threads", required_argument, OPT_THREADS, ARG_SPECIAL, 0 },
	STRING("temp-dir", OPT_TEMP_DIR, csv.temp_dir),
	FLAG("fail-on-fingerprint-columns", OPT_FAIL_ON_FINGERPRINT,
	    csv.fail_on_fingerprint_columns),
	FLAG("template", OPT_TEMPLATE, template),
	FLAG("no-headers", OPT_NO_HEADERS, no_headers),
	STRING("format", OPT_FORMAT, format),
	STRING("file", OPT_FILE, file),
	{ "help", no_argument, OPT_HELP, ARG_SPECIAL, 0 },
};

/* The short options: -s FILE, -o FILE, -f (':' first: say which failed). */
static const char short_options[] = ":s:o:f";

/* The options that are not a field: --help, --member, --threads. */
static int
set_special(struct args *a, int c)
{
	char *end;
	long n;

	switch (c) {
	case OPT_HELP:
		cli_usage(stdout);
		exit(0);
	case OPT_MEMBER:
		a->members[a->nmembers++] = optarg;
		return 0;
	case OPT_THREADS:
		errno = 0;
		n = strtol(optarg, &end, 10);
		if (errno != 0 || *end != '\0' || n < 1 || n > 64)
			return cli_fail_usage("--threads '%s': a number from 1 "
			    "to 64", optarg);
		a->csv.threads = (unsigned)n;
		return 0;
	}
	return 0;
}

/* Record option c (optarg its value). Returns 0 or an exit status. */
static int
set_option(struct args *a, int c)
{
	const struct arg_def *d;
	char *field;

	for (d = arg_defs; d < arg_defs + nitems(arg_defs); d++)
		if (d->val == c)
			break;
	if (d == arg_defs + nitems(arg_defs))
		return 0;	/* getopt_long returns the table's values */
	field = (char *)a + d->off;
	switch (d->kind) {
	case ARG_STRING:
		*(const char **)(void *)field = optarg;
		return 0;
	case ARG_SETTING:
		a->any_setting = true;
		/* FALLTHROUGH */
	case ARG_FLAG:
		*(bool *)(void *)field = true;
		return 0;
	case ARG_SPECIAL:
		break;
	}
	return set_special(a, c);
}

static bool
is_uuid(const char *s)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	size_t i;

	if (strlen(s) != PSID_COLLAB_ID_LEN)
		return false;
	for (i = 0; i < PSID_COLLAB_ID_LEN; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' :
		    strchr(hex, s[i]) == NULL)
			return false;
	return true;
}

static bool
takes(const struct verb *v, int c)
{
	const int *o;

	for (o = v->options; *o != 0; o++)
		if (*o == c)
			return true;
	return c == OPT_HELP;
}

int
args_parse(int argc, char **argv, const struct verb *v, struct args *a)
{
	struct option lo[nitems(arg_defs) + 1];
	char given[64];
	size_t i;
	int c, rc, li;

	memset(a, 0, sizeof(*a));
	a->verb = v->name;
	if ((a->members = calloc((size_t)argc + 1, sizeof(*a->members))) ==
	    NULL)
		return cli_fail("out of memory");
	memset(lo, 0, sizeof(lo));
	for (i = 0; i < nitems(arg_defs); i++) {
		lo[i].name = arg_defs[i].name;
		lo[i].has_arg = arg_defs[i].has_arg;
		lo[i].val = arg_defs[i].val;
	}
	optind = 1;
	opterr = 0;
	/* li: the long option's index, -1 for a short one. */
	for (li = -1; (c = getopt_long(argc, argv, short_options, lo,
	    &li)) != -1; li = -1) {
		if (c == '?')
			return cli_fail_usage("unknown option '%s'",
			    argv[optind - 1]);
		if (c == ':')
			return cli_fail_usage("option '%s' needs a value",
			    argv[optind - 1]);
		if (!takes(v, c)) {
			/* As given: argv[optind - 1] may be its value. */
			if (li < 0)
				snprintf(given, sizeof(given), "-%c", c);
			else
				snprintf(given, sizeof(given), "--%s",
				    lo[li].name);
			return cli_fail_usage("option '%s' does not apply "
			    "to %s", given, v->name);
		}
		if ((rc = set_option(a, c)) != 0)
			return rc;
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	if ((v->flags & VERB_CONNECT) && a->id != NULL && !is_uuid(a->id))
		return cli_fail("--id %s: not a UUID", a->id);
	return 0;
}

void
args_free(struct args *a)
{
	size_t i;

	for (i = 0; a->member_list != NULL && i < a->nmembers; i++)
		free((char *)a->member_list[i].identity);
	free(a->member_list);
	free(a->members);
	for (i = 0; i < nitems(a->lists); i++)
		args_names_free(&a->lists[i]);
	psid_keys_free(a->keys);
	if (a->rule_loaded)
		psid_rule_clear(&a->rule_parsed);
	free(a->output_owned);
	free(a->sql_owned);
	memset(a, 0, sizeof(*a));
}

/* ---------------------------------------------------------------- names */

/* A name from the command line, normalised as a C3R header into out. */
int
args_name(const char *what, const char *in, size_t len,
    char out[PSID_NAME_MAX + 1])
{
	if (psid_header_normalize(in, len, out) < 0)
		return cli_fail_usage("%s '%.*s': not a valid name (letters, "
		    "digits, '_', ' ' and single '-')", what, (int)len, in);
	return 0;
}

int
args_colref(const char *what, const char *s, struct colref_arg *out)
{
	const char *dot = strchr(s, '.');
	int rc;

	if (dot == NULL)
		return cli_fail_usage("%s '%s': TABLE.COLUMN", what, s);
	if ((rc = args_name(what, s, (size_t)(dot - s), out->table)) != 0)
		return rc;
	return args_name(what, dot + 1, strlen(dot + 1), out->column);
}

int
args_names(const char *what, const char *s, struct name_list *l)
{
	const char *p, *end;
	size_t n = 1;
	int rc;

	memset(l, 0, sizeof(*l));
	for (p = s; *p != '\0'; p++)
		n += *p == ',';
	l->names = calloc(n, sizeof(*l->names));
	l->ptrs = calloc(n, sizeof(*l->ptrs));
	if (l->names == NULL || l->ptrs == NULL)
		return cli_fail("out of memory");
	for (p = s;; p = end + 1) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if ((rc = args_name(what, p, (size_t)(end - p),
		    l->names[l->n])) != 0)
			return rc;
		l->ptrs[l->n] = l->names[l->n];
		l->n++;
		if (*end == '\0')
			return 0;
	}
}

void
args_names_free(struct name_list *l)
{
	free(l->names);
	free(l->ptrs);
	memset(l, 0, sizeof(*l));
}
