/* SPDX-License-Identifier: Apache-2.0 */
/*
 * c3r.c: the verbs of C3R's own command line, done on this machine:
 * encrypt (with the collaboration's settings from psid when a connection
 * is given), decrypt, schema --template and keygen. Each takes one INPUT
 * file (keygen none) and writes its output whole or not at all.
 */
#include "config.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "psictl.h"

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

/* The one INPUT operand of the table verbs. */
static int
one_input(const struct args *a)
{
	if (a->nargs != 1)
		return cli_fail_usage("%s", a->nargs == 0 ? "an INPUT file is "
		    "required" : "one INPUT file only");
	return 0;
}

/* What encrypt and decrypt check before any work: the keys last. */
static int
table_parse(struct args *a, bool encrypt)
{
	int rc;

	if ((rc = one_input(a)) != 0)
		return rc;
	if (encrypt && a->schema == NULL)
		return cli_fail_usage("%s", "--schema FILE is required");
	if (a->id == NULL)
		return cli_fail_usage("%s", "--id UUID is required");
	if (endpoint_given(&a->conn) && a->any_setting)
		return cli_fail_usage("%s", "the setting flags do not go with "
		    "the connection options: the settings come from psid");
	if (a->output == NULL && (a->output = a->output_owned =
	    default_output(a->args[0], ".out.csv")) == NULL)
		return cli_report_failure(&(struct psid_report){ 0 },
		    PSID_ERR_NOMEM);
	if (cli_load_keys(a->secret_file, a->id, &a->keys) != 0)
		return EXIT_FAILURE;
	a->csv.overwrite = a->overwrite;
	a->csv.settings = a->settings;
	return 0;
}

/* Report progress on stderr when it is a terminal. */
static void
progress_on_tty(struct psid_csv_options *o, struct cli_progress *p)
{
	if (isatty(STDERR_FILENO)) {
		o->progress = cli_progress_show;
		o->progress_arg = p;
	}
}

int
c3r_encrypt_parse(struct args *a)
{
	return table_parse(a, true);
}

/*
 * Whether encrypt takes the settings from psid: when the connection
 * options name it, or $PSICTL_CONFIG does and no setting flag is given.
 */
static bool
settings_from_psid(const struct args *a)
{
	const char *config = getenv("PSICTL_CONFIG");

	return endpoint_given(&a->conn) || (!a->any_setting &&
	    config != NULL && *config != '\0');
}

int
c3r_encrypt_run(struct args *a, struct psid_conn *conn)
{
	struct cli_progress progress = { 0 };
	struct psid_report report;
	int rc;

	(void)conn;
	if (settings_from_psid(a) && (rc = remote_settings(&a->conn, a->id,
	    &a->csv.settings)) != 0)
		return rc;
	progress_on_tty(&a->csv, &progress);
	rc = psid_encrypt_csv(a->keys, a->schema, a->args[0], a->output,
	    &a->csv, &report);
	cli_progress_end(&progress);
	if (rc != PSID_OK)
		return cli_report_failure(&report, rc);
	cli_warn_fingerprints(a->args[0], report.warnings);
	return EXIT_SUCCESS;
}

int
c3r_decrypt_parse(struct args *a)
{
	return table_parse(a, false);
}

int
c3r_decrypt_run(struct args *a, struct psid_conn *conn)
{
	struct cli_progress progress = { 0 };
	struct psid_report report;
	int rc;

	(void)conn;
	progress_on_tty(&a->csv, &progress);
	rc = psid_decrypt_csv(a->keys, a->args[0], a->output, &a->csv,
	    &report);
	cli_progress_end(&progress);
	if (rc != PSID_OK)
		return cli_report_failure(&report, rc);
	cli_warn_fingerprints(a->args[0], report.warnings);
	return EXIT_SUCCESS;
}

int
c3r_schema_parse(struct args *a)
{
	int rc;

	if ((rc = one_input(a)) != 0)
		return rc;
	if (!a->template)
		return cli_fail_usage("%s", "schema needs --template (the only "
		    "mode psictl has)");
	if (a->output == NULL) {
		if ((a->output_owned = malloc(strlen(a->args[0]) + 6)) == NULL)
			return cli_report_failure(&(struct psid_report){ 0 },
			    PSID_ERR_NOMEM);
		sprintf(a->output_owned, "%s.json", a->args[0]);
		a->output = a->output_owned;
	}
	return 0;
}

int
c3r_schema_run(struct args *a, struct psid_conn *conn)
{
	struct psid_report report;
	int rc;

	(void)conn;
	rc = psid_schema_template(a->args[0], !a->no_headers, a->output,
	    a->overwrite, &report);
	return rc == PSID_OK ? EXIT_SUCCESS : cli_report_failure(&report, rc);
}

int
c3r_keygen_parse(struct args *a)
{
	if (a->nargs != 0)
		return cli_fail_usage("keygen takes no arguments: '%s'",
		    a->args[0]);
	return 0;
}

int
c3r_keygen_run(struct args *a, struct psid_conn *conn)
{
	char secret[PSID_SECRET_B64_SIZE];
	int rc;

	(void)a;
	(void)conn;
	if ((rc = psid_secret_generate(secret, sizeof(secret))) != PSID_OK)
		return cli_fail("%s", psid_strerror(rc));
	printf("%s\n", secret);
	explicit_bzero(secret, sizeof(secret));
	return cli_flush();
}
