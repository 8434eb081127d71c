/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query.c: the psictl verb query: an aggregate query in psid's SQL
 * subset, its text from the operand, from --file FILE or from standard
 * input ("-"), read whole before psictl connects (at most 1 MiB, psid's
 * limit, checked here so that no connection is made for nothing); the
 * result printed (result.c) as CSV or a table, to standard output or to
 * -o FILE, which appears only once whole (psid_file_write). Nothing is
 * printed before psid's whole result is in, so an error leaves no partial
 * output.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "psictl.h"

/*
 * Read f whole, at most PSID_QUERY_SQL_MAX bytes (one more is read to
 * tell a longer text), into a->sql. name: the source, for messages.
 */
static int
read_sql(struct args *a, FILE *f, const char *name)
{
	size_t n = 0, got;

	if ((a->sql_owned = malloc(PSID_QUERY_SQL_MAX + 1)) == NULL)
		return cli_fail("out of memory");
	do {
		got = fread(a->sql_owned + n, 1, PSID_QUERY_SQL_MAX + 1 - n, f);
		n += got;
	} while (got > 0 && n <= PSID_QUERY_SQL_MAX);
	if (ferror(f))
		return cli_fail("%s: %s", name, strerror(errno));
	if (n > PSID_QUERY_SQL_MAX)
		return cli_fail("%s: the SQL text is over 1 MiB, psid's limit",
		    name);
	a->sql = a->sql_owned;
	a->sql_len = n;
	return 0;
}

/* The text: the operand, --file FILE or "-" (standard input). */
static int
query_source(struct args *a)
{
	const char *name = "the SQL text";
	FILE *f;
	int rc;

	if (a->file != NULL) {
		if ((f = fopen(a->file, "re")) == NULL)
			return cli_fail("%s: %s", a->file, strerror(errno));
		rc = read_sql(a, f, a->file);
		fclose(f);
		name = a->file;
	} else if (strcmp(a->args[0], "-") == 0) {
		rc = read_sql(a, stdin, "standard input");
		name = "standard input";
	} else {
		a->sql = a->args[0];
		a->sql_len = strlen(a->sql);
		rc = a->sql_len > PSID_QUERY_SQL_MAX ? cli_fail("the SQL text "
		    "is over 1 MiB, psid's limit") : 0;
	}
	if (rc == 0 && memchr(a->sql, '\0', a->sql_len) != NULL)
		rc = cli_fail("%s: the SQL text holds a NUL byte", name);
	return rc;
}

int
query_parse(struct args *a)
{
	struct stat st;

	if (a->nargs > 1)
		return cli_fail_usage("query takes its SQL as one operand "
		    "(quote it): '%s' is another", a->args[1]);
	if (a->file != NULL && a->nargs > 0)
		return cli_fail_usage("query takes its SQL from one place: "
		    "--file %s or '%s'", a->file, a->args[0]);
	if (a->file == NULL && a->nargs == 0)
		return cli_fail_usage("query needs its SQL: as an operand, "
		    "--file FILE or - (standard input)");
	if (a->id == NULL)
		return cli_fail_usage("query needs --id UUID");
	if (a->format != NULL && strcmp(a->format, "csv") != 0 &&
	    strcmp(a->format, "table") != 0)
		return cli_fail_usage("--format '%s': csv or table", a->format);
	a->table_format = a->format != NULL && strcmp(a->format, "table") == 0;
	if (a->overwrite && a->output == NULL)
		return cli_fail_usage("--overwrite goes with -o FILE");
	/* Fail before psid does the work, where that can be known. */
	if (a->output != NULL && !a->overwrite && lstat(a->output, &st) == 0)
		return cli_fail("%s: exists (use --overwrite to replace it)",
		    a->output);
	return query_source(a);
}

/* Print r into -o FILE, all or nothing. */
static int
write_output(const struct args *a, const struct psid_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return cli_fail("%s", strerror(errno));
	rc = a->table_format ? result_write_table(f, r) :
	    result_write_csv(f, r);
	if (fclose(f) != 0 || rc != 0) {
		free(buf);
		return cli_fail("out of memory");
	}
	rc = psid_file_write(a->output, buf, len, a->overwrite);
	free(buf);
	if (rc == PSID_ERR_EXISTS)
		return cli_fail("%s: exists (use --overwrite to replace it)",
		    a->output);
	if (rc != PSID_OK)
		return cli_fail("%s: %s", a->output, rc == PSID_ERR_IO ?
		    strerror(errno) : psid_strerror(rc));
	return EXIT_SUCCESS;
}

int
query_run(struct args *a, struct psid_conn *conn)
{
	struct psid_result *r;
	int rc;

	if ((rc = psid_query(conn, a->id, a->sql, a->sql_len, &r)) !=
	    PSID_OK)
		return cli_call_failed(conn, rc);
	if (a->output != NULL)
		rc = write_output(a, r);
	else if ((a->table_format ? result_write_table(stdout, r) :
	    result_write_csv(stdout, r)) != 0 || cli_flush() != EXIT_SUCCESS)
		rc = cli_fail("standard output: %s", strerror(errno));
	else
		rc = EXIT_SUCCESS;
	if (rc == EXIT_SUCCESS && r->groups_suppressed > 0)
		fprintf(stderr, "%s: %" PRIu64 " group%s left out under the "
		    "tables' thresholds\n", CLI_NAME, r->groups_suppressed,
		    r->groups_suppressed == 1 ? "" : "s");
	psid_result_free(r);
	return rc;
}
