/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psictl_transfer.c: the psictl commands that move tables: upload (a
 * C3R-encrypted CSV file to psid, as one table) and join (psid's inner
 * join of two tables to a CSV file, decrypted on the way with --decrypt).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "psictl.h"

/* ---------------------------------------------------------------- upload */

/* aggregation[:MINROWS] or list[:COLUMN,...]; NULL: aggregation. */
static int
parse_rule(const char *s, struct psid_rule *rule, struct name_list *cols)
{
	unsigned long n;
	char *end;

	memset(rule, 0, sizeof(*rule));
	memset(cols, 0, sizeof(*cols));
	rule->kind = PSID_RULE_AGGREGATION;
	if (s == NULL)
		return 0;
	if (strncmp(s, "aggregation", 11) == 0 &&
	    (s[11] == '\0' || s[11] == ':')) {
		if (s[11] == '\0')
			return 0;
		errno = 0;
		n = strtoul(s + 12, &end, 10);
		if (errno != 0 || end == s + 12 || *end != '\0' ||
		    s[12] == '-' || n > 1000000000ul)
			return fail_usage("--rule '%s': MINROWS is a number "
			    "from 0 to 1000000000", s);
		rule->min_rows = (uint32_t)n;
		return 0;
	}
	if (strncmp(s, "list", 4) == 0 && (s[4] == '\0' || s[4] == ':')) {
		rule->kind = PSID_RULE_LIST;
		if (s[4] == '\0')
			return 0;
		if (args_names("--rule list", s + 5, cols) != 0)
			return EXIT_USAGE;
		rule->columns = cols->ptrs;
		rule->ncolumns = cols->n;
		return 0;
	}
	return fail_usage("--rule '%s': aggregation[:MINROWS] or "
	    "list[:COLUMN,...]", s);
}

/* One line for a failed upload: file, line and column, psid's words. */
static int
upload_failed(const char *path, const struct psid_report *r, int rc,
    bool schema_given)
{
	const char *hint = rc == PSID_ERR_SCHEMA && !schema_given ?
	    " (--schema FILE)" : "";
	const char *msg = r->message[0] != '\0' ? r->message :
	    psid_strerror(rc);

	if (strncmp(msg, path, strlen(path)) == 0 ||
	    (r->line == 0 && r->column[0] == '\0'))
		return fail("%s%s", msg, hint);
	if (r->line > 0 && r->column[0] != '\0')
		return fail("%s: line %" PRIu64 ", column \"%s\": %s%s", path,
		    r->line, r->column, msg, hint);
	if (r->line > 0)
		return fail("%s: line %" PRIu64 ": %s%s", path, r->line, msg,
		    hint);
	return fail("%s: column \"%s\": %s%s", path, r->column, msg, hint);
}

int
cmd_upload(int argc, char **argv)
{
	static const int opts[] = { CONN_OPTS, R_ID, R_TABLE, R_REPLACE,
	    R_RULE, R_SCHEMA, 0 };
	char table[PSID_NAME_MAX + 1];
	struct psid_upload_options uo = { 0 };
	struct progress progress = { 0 };
	struct psid_report report;
	struct name_list cols = { 0 };
	struct remote_args a;
	struct psid_conn *conn = NULL;
	int rc;

	if ((rc = args_parse(argc, argv, opts, &a)) != 0)
		goto out;
	if (a.nargs != 1) {
		rc = fail_usage("%s", a.nargs == 0 ? "upload needs a FILE" :
		    "upload takes one FILE only");
		goto out;
	}
	if (a.id == NULL || a.table == NULL) {
		rc = fail_usage("upload needs --id UUID and --table NAME");
		goto out;
	}
	if ((rc = args_name("--table", a.table, strlen(a.table), table)) != 0 ||
	    (rc = parse_rule(a.rule, &uo.rule, &cols)) != 0)
		goto out;
	uo.replace = a.replace;
	uo.schema_path = a.schema;
	if ((rc = conn_open(&a.conn, &conn)) != 0)
		goto out;
	if (isatty(STDERR_FILENO)) {
		uo.progress = show_progress;
		uo.progress_arg = &progress;
	}
	rc = psid_upload_csv(conn, a.id, table, a.args[0], &uo, &report);
	end_progress(&progress);
	rc = rc == PSID_OK ? EXIT_SUCCESS :
	    upload_failed(a.args[0], &report, rc, a.schema != NULL);
out:
	args_names_free(&cols);
	psid_conn_free(conn);
	args_free(&a);
	return rc;
}

/* ------------------------------------------------------------------ join */

/*
 * Join into a temporary file beside the output, decrypt it into the
 * output, and remove it.
 */
static int
join_decrypt(struct psid_conn *conn, const struct remote_args *a,
    const struct psid_join_request *req, struct psid_keys *keys)
{
	struct psid_csv_options co = { 0 };
	struct psid_report report;
	char *tmp;
	int fd, rc;

	if ((tmp = malloc(strlen(a->output) + sizeof(".enc.XXXXXX"))) == NULL)
		return fail("out of memory");
	sprintf(tmp, "%s.enc.XXXXXX", a->output);
	if ((fd = mkstemp(tmp)) < 0) {
		rc = fail("%s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	close(fd);
	if ((rc = psid_join(conn, a->id, req, tmp, true, &report)) !=
	    PSID_OK) {
		rc = report_failure(&report, rc);
		goto out;
	}
	co.overwrite = a->overwrite;
	if ((rc = psid_decrypt_csv(keys, tmp, a->output, &co, &report)) !=
	    PSID_OK) {
		rc = report_failure(&report, rc);
		goto out;
	}
	if (report.warnings > 0)
		fprintf(stderr, "%s: warning: %s: %" PRIu64 " fingerprint "
		    "cells copied unchanged (fingerprints cannot be "
		    "decrypted)\n", progname, a->output, report.warnings);
	rc = EXIT_SUCCESS;
out:
	(void)unlink(tmp);
	free(tmp);
	return rc;
}

int
cmd_join(int argc, char **argv)
{
	static const int opts[] = { CONN_OPTS, R_ID, R_LEFT, R_RIGHT,
	    R_LEFT_COLUMNS, R_RIGHT_COLUMNS, R_OUTPUT, R_OVERWRITE, R_DECRYPT,
	    R_SECRET_FILE, 0 };
	struct colref_arg left, right;
	struct name_list lcols = { 0 }, rcols = { 0 };
	struct psid_join_request req = { 0 };
	struct psid_keys *keys = NULL;
	struct psid_report report;
	struct psid_conn *conn = NULL;
	struct remote_args a;
	struct stat st;
	int rc;

	if ((rc = args_parse(argc, argv, opts, &a)) != 0)
		goto out;
	if (a.nargs > 0) {
		rc = fail_usage("join takes no operand: '%s'", a.args[0]);
		goto out;
	}
	if (a.id == NULL || a.left == NULL || a.right == NULL ||
	    a.output == NULL || (a.left_columns == NULL &&
	    a.right_columns == NULL)) {
		rc = fail_usage("join needs --id, --left, --right, -o FILE and "
		    "--left-columns or --right-columns");
		goto out;
	}
	if (a.secret_file != NULL && !a.decrypt) {
		rc = fail_usage("--secret-file goes with --decrypt");
		goto out;
	}
	if ((rc = args_colref("--left", a.left, &left)) != 0 ||
	    (rc = args_colref("--right", a.right, &right)) != 0 ||
	    (a.left_columns != NULL && (rc = args_names("--left-columns",
	    a.left_columns, &lcols)) != 0) ||
	    (a.right_columns != NULL && (rc = args_names("--right-columns",
	    a.right_columns, &rcols)) != 0))
		goto out;
	req.left.table = left.table;
	req.left.column = left.column;
	req.right.table = right.table;
	req.right.column = right.column;
	req.left_columns = lcols.ptrs;
	req.nleft = lcols.n;
	req.right_columns = rcols.ptrs;
	req.nright = rcols.n;
	/* Fail before psid does the work, where that can be known. */
	if (!a.overwrite && lstat(a.output, &st) == 0) {
		rc = fail("%s: exists (use --overwrite to replace it)",
		    a.output);
		goto out;
	}
	if (a.decrypt && load_keys(a.secret_file, a.id, &keys) != 0) {
		rc = EXIT_FAILURE;
		goto out;
	}
	if ((rc = conn_open(&a.conn, &conn)) != 0)
		goto out;
	if (a.decrypt)
		rc = join_decrypt(conn, &a, &req, keys);
	else if ((rc = psid_join(conn, a.id, &req, a.output, a.overwrite,
	    &report)) != PSID_OK)
		rc = report_failure(&report, rc);
out:
	psid_keys_free(keys);
	args_names_free(&lcols);
	args_names_free(&rcols);
	psid_conn_free(conn);
	args_free(&a);
	return rc;
}
