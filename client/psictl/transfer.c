/* SPDX-License-Identifier: Apache-2.0 */
/*
 * transfer.c: the psictl verbs that move tables: upload (a C3R-encrypted
 * CSV file to psid, as one table) and join (psid's inner join of two
 * tables to a CSV file, decrypted on the way with --decrypt). psictl.c
 * connects between a verb's parse and its run.
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
			return cli_fail_usage("--rule '%s': MINROWS is a "
			    "number from 0 to 1000000000", s);
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
	return cli_fail_usage("--rule '%s': aggregation[:MINROWS] or "
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
		return cli_fail("%s%s", msg, hint);
	if (r->line > 0 && r->column[0] != '\0')
		return cli_fail("%s: line %" PRIu64 ", column \"%s\": %s%s",
		    path, r->line, r->column, msg, hint);
	if (r->line > 0)
		return cli_fail("%s: line %" PRIu64 ": %s%s", path, r->line,
		    msg, hint);
	return cli_fail("%s: column \"%s\": %s%s", path, r->column, msg,
	    hint);
}

int
transfer_upload_parse(struct args *a)
{
	struct psid_report report;
	int rc;

	if (a->nargs != 1)
		return cli_fail_usage("%s", a->nargs == 0 ? "upload needs a "
		    "FILE" : "upload takes one FILE only");
	if (a->id == NULL || a->table == NULL)
		return cli_fail_usage("upload needs --id UUID and --table "
		    "NAME");
	if ((rc = args_name("--table", a->table, strlen(a->table),
	    a->table_name)) != 0)
		return rc;
	if (a->rule_file == NULL)
		return parse_rule(a->rule, &a->rule_parsed, &a->lists[0]);
	if (a->rule != NULL)
		return cli_fail_usage("--rule and --rule-file exclude each "
		    "other");
	if ((rc = psid_rule_load(a->rule_file, &a->rule_parsed,
	    &report)) != PSID_OK)
		return cli_report_failure(&report, rc);
	a->rule_loaded = true;
	return 0;
}

int
transfer_upload_run(struct args *a, struct psid_conn *conn)
{
	struct psid_upload_options uo = { 0 };
	struct cli_progress progress = { 0 };
	struct psid_report report;
	int rc;

	uo.rule = a->rule_parsed;
	uo.replace = a->replace;
	uo.schema_path = a->schema;
	if (isatty(STDERR_FILENO)) {
		uo.progress = cli_progress_show;
		uo.progress_arg = &progress;
	}
	rc = psid_upload_csv(conn, a->id, a->table_name, a->args[0], &uo,
	    &report);
	cli_progress_end(&progress);
	return rc == PSID_OK ? EXIT_SUCCESS :
	    upload_failed(a->args[0], &report, rc, a->schema != NULL);
}

/* ------------------------------------------------------------------ join */

/*
 * Join into a temporary file beside the output, decrypt it into the
 * output, and remove it.
 */
static int
join_decrypt(struct psid_conn *conn, const struct args *a,
    const struct psid_join_request *req, struct psid_keys *keys)
{
	struct psid_csv_options co = { 0 };
	struct psid_report report;
	char *tmp;
	int fd, rc;

	if ((tmp = malloc(strlen(a->output) + sizeof(".enc.XXXXXX"))) == NULL)
		return cli_fail("out of memory");
	sprintf(tmp, "%s.enc.XXXXXX", a->output);
	if ((fd = mkstemp(tmp)) < 0) {
		rc = cli_fail("%s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	close(fd);
	if ((rc = psid_join(conn, a->id, req, tmp, true, &report)) !=
	    PSID_OK) {
		rc = cli_report_failure(&report, rc);
		goto out;
	}
	co.overwrite = a->overwrite;
	if ((rc = psid_decrypt_csv(keys, tmp, a->output, &co, &report)) !=
	    PSID_OK) {
		rc = cli_report_failure(&report, rc);
		goto out;
	}
	cli_warn_fingerprints(a->output, report.warnings);
	rc = EXIT_SUCCESS;
out:
	(void)unlink(tmp);
	free(tmp);
	return rc;
}

int
transfer_join_parse(struct args *a)
{
	struct stat st;
	int rc;

	if (a->nargs > 0)
		return cli_fail_usage("join takes no operand: '%s'",
		    a->args[0]);
	if (a->id == NULL || a->left == NULL || a->right == NULL ||
	    a->output == NULL || (a->left_columns == NULL &&
	    a->right_columns == NULL))
		return cli_fail_usage("join needs --id, --left, --right, -o "
		    "FILE and --left-columns or --right-columns");
	if (a->secret_file != NULL && !a->decrypt)
		return cli_fail_usage("--secret-file goes with --decrypt");
	if ((rc = args_colref("--left", a->left, &a->refs[0])) != 0 ||
	    (rc = args_colref("--right", a->right, &a->refs[1])) != 0 ||
	    (a->left_columns != NULL && (rc = args_names("--left-columns",
	    a->left_columns, &a->lists[0])) != 0) ||
	    (a->right_columns != NULL && (rc = args_names("--right-columns",
	    a->right_columns, &a->lists[1])) != 0))
		return rc;
	/* Fail before psid does the work, where that can be known. */
	if (!a->overwrite && lstat(a->output, &st) == 0)
		return cli_fail("%s: exists (use --overwrite to replace it)",
		    a->output);
	if (a->decrypt && cli_load_keys(a->secret_file, a->id, &a->keys) != 0)
		return EXIT_FAILURE;
	return 0;
}

int
transfer_join_run(struct args *a, struct psid_conn *conn)
{
	struct psid_join_request req = { 0 };
	struct psid_report report;
	int rc;

	req.left.table = a->refs[0].table;
	req.left.column = a->refs[0].column;
	req.right.table = a->refs[1].table;
	req.right.column = a->refs[1].column;
	req.left_columns = a->lists[0].ptrs;
	req.nleft = a->lists[0].n;
	req.right_columns = a->lists[1].ptrs;
	req.nright = a->lists[1].n;
	if (a->decrypt)
		return join_decrypt(conn, a, &req, a->keys);
	if ((rc = psid_join(conn, a->id, &req, a->output, a->overwrite,
	    &report)) != PSID_OK)
		return cli_report_failure(&report, rc);
	return EXIT_SUCCESS;
}
