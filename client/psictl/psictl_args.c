/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psictl_args.c: the options of the psictl commands that talk to psid,
 * parsed into a struct remote_args, and the helpers those commands
 * share: names normalised as C3R headers, TABLE.COLUMN references and
 * name lists, times and column types as text, the line of a failure.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "psictl.h"

static const struct option remote_options[] = {
	{ "server", required_argument, NULL, R_SERVER },
	{ "ca", required_argument, NULL, R_CA },
	{ "cert", required_argument, NULL, R_CERT },
	{ "key", required_argument, NULL, R_KEY },
	{ "config", required_argument, NULL, R_CONFIG },
	{ "id", required_argument, NULL, R_ID },
	{ "name", required_argument, NULL, R_NAME },
	{ "member", required_argument, NULL, R_MEMBER },
	{ "allow-cleartext", no_argument, NULL, R_ALLOW_CLEARTEXT },
	{ "allow-duplicates", no_argument, NULL, R_ALLOW_DUPLICATES },
	{ "allow-joins-on-columns-with-different-names", no_argument, NULL,
	    R_ALLOW_JOINS },
	{ "preserve-nulls", no_argument, NULL, R_PRESERVE_NULLS },
	{ "table", required_argument, NULL, R_TABLE },
	{ "replace", no_argument, NULL, R_REPLACE },
	{ "rule", required_argument, NULL, R_RULE },
	{ "schema", required_argument, NULL, R_SCHEMA },
	{ "left", required_argument, NULL, R_LEFT },
	{ "right", required_argument, NULL, R_RIGHT },
	{ "left-columns", required_argument, NULL, R_LEFT_COLUMNS },
	{ "right-columns", required_argument, NULL, R_RIGHT_COLUMNS },
	{ "output", required_argument, NULL, R_OUTPUT },
	{ "overwrite", no_argument, NULL, R_OVERWRITE },
	{ "decrypt", no_argument, NULL, R_DECRYPT },
	{ "secret-file", required_argument, NULL, R_SECRET_FILE },
	{ "after", required_argument, NULL, R_AFTER },
	{ "help", no_argument, NULL, R_HELP },
	{ NULL, 0, NULL, 0 },
};


/* Record option c (optarg its value). */
static void
set_option(struct remote_args *a, int c)
{
	switch (c) {
	case R_HELP:
		usage(stdout);
		exit(0);
	case R_SERVER:
		a->conn.server = optarg;
		break;
	case R_CA:
		a->conn.ca = optarg;
		break;
	case R_CERT:
		a->conn.cert = optarg;
		break;
	case R_KEY:
		a->conn.key = optarg;
		break;
	case R_CONFIG:
		a->conn.config = optarg;
		break;
	case R_ID:
		a->id = optarg;
		break;
	case R_NAME:
		a->name = optarg;
		break;
	case R_MEMBER:
		a->members[a->nmembers++] = optarg;
		break;
	case R_ALLOW_CLEARTEXT:
		a->settings.allow_cleartext = true;
		break;
	case R_ALLOW_DUPLICATES:
		a->settings.allow_duplicates = true;
		break;
	case R_ALLOW_JOINS:
		a->settings.allow_joins_on_columns_with_different_names = true;
		break;
	case R_PRESERVE_NULLS:
		a->settings.preserve_nulls = true;
		break;
	case R_TABLE:
		a->table = optarg;
		break;
	case R_REPLACE:
		a->replace = true;
		break;
	case R_RULE:
		a->rule = optarg;
		break;
	case R_SCHEMA:
		a->schema = optarg;
		break;
	case R_LEFT:
		a->left = optarg;
		break;
	case R_RIGHT:
		a->right = optarg;
		break;
	case R_LEFT_COLUMNS:
		a->left_columns = optarg;
		break;
	case R_RIGHT_COLUMNS:
		a->right_columns = optarg;
		break;
	case R_OUTPUT:
		a->output = optarg;
		break;
	case R_OVERWRITE:
		a->overwrite = true;
		break;
	case R_DECRYPT:
		a->decrypt = true;
		break;
	case R_SECRET_FILE:
		a->secret_file = optarg;
		break;
	case R_AFTER:
		a->after = optarg;
		break;
	}
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

/*
 * Parse a command's options (allowed: the option values it takes, 0
 * ended). Returns 0, or an exit status.
 */
int
args_parse(int argc, char **argv, const int *allowed, struct remote_args *a)
{
	int c, i;

	memset(a, 0, sizeof(*a));
	if ((a->members = calloc((size_t)argc + 1, sizeof(*a->members))) ==
	    NULL)
		return fail("out of memory");
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", remote_options,
	    NULL)) != -1) {
		if (c == '?')
			return fail_usage("unknown option '%s'",
			    argv[optind - 1]);
		if (c == ':')
			return fail_usage("option '%s' needs a value",
			    argv[optind - 1]);
		for (i = 0; allowed[i] != 0 && allowed[i] != c; i++)
			;
		if (allowed[i] == 0 && c != R_HELP)
			return fail_usage("option '%s' does not apply to %s",
			    argv[optind - 1], argv[0]);
		set_option(a, c);
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	if (a->id != NULL && !is_uuid(a->id))
		return fail("--id %s: not a UUID", a->id);
	return 0;
}

void
args_free(struct remote_args *a)
{
	free(a->members);
	a->members = NULL;
}

/* The one line for a failed call: psid's reason, or the code's text. */
int
args_failed(struct psid_conn *conn, int rc)
{
	const char *why = psid_conn_error(conn);

	return fail("%s", *why != '\0' ? why : psid_strerror(rc));
}

/* ---------------------------------------------------------------- names */

/* A name from the command line, normalised as a C3R header into out. */
int
args_name(const char *what, const char *in, size_t len,
    char out[PSID_NAME_MAX + 1])
{
	if (psid_header_normalize(in, len, out) < 0)
		return fail_usage("%s '%.*s': not a valid name (letters, "
		    "digits, '_', ' ' and single '-')", what, (int)len, in);
	return 0;
}


int
args_colref(const char *what, const char *s, struct colref_arg *out)
{
	const char *dot = strchr(s, '.');
	int rc;

	if (dot == NULL)
		return fail_usage("%s '%s': TABLE.COLUMN", what, s);
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
		return fail("out of memory");
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

const char *
args_time(uint64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%" PRIu64, t);
	return buf;
}

const char *
args_type(enum psid_column_type t)
{
	return t == PSID_COLUMN_FINGERPRINT ? "fingerprint" :
	    t == PSID_COLUMN_SEALED ? "sealed" : "cleartext";
}
