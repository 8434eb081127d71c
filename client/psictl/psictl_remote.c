/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psictl_remote.c: the psictl commands that talk to psid: collab create
 * and show, upload, tables, delete, count, join (with --decrypt), audit.
 * Each parses its options, connects (psictl_conn.c), makes one libpsid
 * call and prints its result on stdout, or one line on stderr.
 * Table and column names are normalised as C3R headers (trimmed,
 * lower-cased) before they are sent.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "psictl.h"

/* ------------------------------------------------------------- collab */

/* IDENTITY[:ABILITY,...], abilities upload, query, receive; none: all. */
static int
parse_member(const char *s, struct psid_member *m)
{
	const char *colon = strrchr(s, ':'), *p, *end;
	size_t len;
	char *id;

	memset(m, 0, sizeof(*m));
	len = colon != NULL ? (size_t)(colon - s) : strlen(s);
	if (len == 0)
		return fail_usage("--member '%s': no identity", s);
	if ((id = strndup(s, len)) == NULL)
		return fail("out of memory");
	m->identity = id;
	if (colon == NULL) {
		m->may_upload = m->may_query = m->may_receive = true;
		return 0;
	}
	for (p = colon + 1; *p != '\0'; p = *end == '\0' ? end : end + 1) {
		end = p + strcspn(p, ",");
		len = (size_t)(end - p);
		if (len == 6 && strncmp(p, "upload", len) == 0)
			m->may_upload = true;
		else if (len == 5 && strncmp(p, "query", len) == 0)
			m->may_query = true;
		else if (len == 7 && strncmp(p, "receive", len) == 0)
			m->may_receive = true;
		else
			return fail_usage("--member '%s': abilities are upload, "
			    "query and receive", s);
	}
	return 0;
}

static int
collab_create(int argc, char **argv)
{
	static const int opts[] = { CONN_OPTS, R_NAME, R_MEMBER,
	    R_ALLOW_CLEARTEXT, R_ALLOW_DUPLICATES, R_ALLOW_JOINS,
	    R_PRESERVE_NULLS, 0 };
	struct remote_args a;
	struct psid_member *members = NULL;
	struct psid_conn *conn = NULL;
	char id[PSID_COLLAB_ID_LEN + 1];
	size_t i;
	int rc;

	if ((rc = args_parse(argc, argv, opts, &a)) != 0)
		goto out;
	if (a.nargs > 0) {
		rc = fail_usage("collab create takes no operand: '%s'",
		    a.args[0]);
		goto out;
	}
	if (a.name == NULL || a.nmembers == 0) {
		rc = fail_usage("collab create needs --name NAME and at least "
		    "one --member IDENTITY");
		goto out;
	}
	if ((members = calloc(a.nmembers, sizeof(*members))) == NULL) {
		rc = fail("out of memory");
		goto out;
	}
	for (i = 0; i < a.nmembers; i++)
		if ((rc = parse_member(a.members[i], &members[i])) != 0)
			goto out;
	if ((rc = conn_open(&a.conn, &conn)) != 0)
		goto out;
	if ((rc = psid_collab_create(conn, a.name, members, a.nmembers,
	    &a.settings, id)) != PSID_OK) {
		rc = args_failed(conn, rc);
		goto out;
	}
	printf("%s\n", id);
	rc = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
	for (i = 0; members != NULL && i < a.nmembers; i++)
		free((char *)members[i].identity);
	free(members);
	psid_conn_free(conn);
	args_free(&a);
	return rc;
}

static int
collab_show(int argc, char **argv)
{
	static const int opts[] = { CONN_OPTS, R_ID, 0 };
	struct remote_args a;
	struct psid_collab c = { 0 };
	struct psid_conn *conn = NULL;
	const struct psid_settings *s = &c.settings;
	char when[40];
	size_t i;
	int rc;

	if ((rc = args_parse(argc, argv, opts, &a)) != 0)
		goto out;
	if (a.id == NULL || a.nargs > 0) {
		rc = fail_usage("collab show takes --id UUID and no operand");
		goto out;
	}
	if ((rc = conn_open(&a.conn, &conn)) != 0)
		goto out;
	if ((rc = psid_collab_get(conn, a.id, &c)) != PSID_OK) {
		rc = args_failed(conn, rc);
		goto out;
	}
	printf("id: %s\nname: %s\ncreator: %s\ncreated: %s\n", c.id, c.name,
	    c.creator, args_time(c.created_unix, when, sizeof(when)));
	printf("allow-cleartext: %s\nallow-duplicates: %s\n"
	    "allow-joins-on-columns-with-different-names: %s\n"
	    "preserve-nulls: %s\n", s->allow_cleartext ? "yes" : "no",
	    s->allow_duplicates ? "yes" : "no",
	    s->allow_joins_on_columns_with_different_names ? "yes" : "no",
	    s->preserve_nulls ? "yes" : "no");
	for (i = 0; i < c.nmembers; i++) {
		const struct psid_member *m = &c.members[i];

		printf("member: %s:%s%s%s%s%s\n", m->identity,
		    m->may_upload ? "upload" : "",
		    m->may_upload && (m->may_query || m->may_receive) ? "," :
		    "", m->may_query ? "query" : "",
		    m->may_query && m->may_receive ? "," : "",
		    m->may_receive ? "receive" : "");
	}
	rc = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
	psid_collab_clear(&c);
	psid_conn_free(conn);
	args_free(&a);
	return rc;
}

int
cmd_collab(int argc, char **argv)
{
	if (argc < 2)
		return fail_usage("collab needs a subcommand: create or show");
	if (strcmp(argv[1], "create") == 0)
		return collab_create(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return collab_show(argc - 1, argv + 1);
	return fail_usage("unknown collab subcommand '%s' (create or show)",
	    argv[1]);
}

int
remote_settings(const struct conn_args *ca, const char *id,
    struct psid_settings *settings)
{
	struct psid_collab c;
	struct psid_conn *conn;
	int rc;

	if ((rc = conn_open(ca, &conn)) != 0)
		return rc;
	if ((rc = psid_collab_get(conn, id, &c)) != PSID_OK)
		rc = args_failed(conn, rc);
	else
		*settings = c.settings;
	psid_collab_clear(&c);
	psid_conn_free(conn);
	return rc;
}

/* ------------------------------------------------------- tables, delete */

/* Connect for a command that takes --id and no more than its options. */
static int
open_for(struct remote_args *a, const char *cmd, struct psid_conn **conn)
{
	if (a->id == NULL)
		return fail_usage("%s needs --id UUID", cmd);
	return conn_open(&a->conn, conn);
}

static int
print_table(void *arg, const struct psid_table_info *t)
{
	char when[40];
	size_t i;

	printf("%s\t%s\t%" PRIu64 "\t", t->name, t->owner, t->rows);
	if (t->rule == PSID_RULE_LIST)
		printf("list");
	else
		printf("aggregation:%" PRIu32, t->min_rows);
	printf("\t%s\t", args_time(t->created_unix, when, sizeof(when)));
	for (i = 0; i < t->ncolumns; i++)
		printf("%s%s:%s", i > 0 ? "," : "", t->column_names[i],
		    args_type(t->column_types[i]));
	printf("\n");
	return 0;
}

int
cmd_tables(int argc, char **argv)
{
	static const int opts[] = { CONN_OPTS, R_ID, 0 };
	struct remote_args a;
	struct psid_conn *conn = NULL;
	int rc;

	if ((rc = args_parse(argc, argv, opts, &a)) != 0)
		goto out;
	if (a.nargs > 0) {
		rc = fail_usage("tables takes no operand: '%s'", a.args[0]);
		goto out;
	}
	if ((rc = open_for(&a, "tables", &conn)) != 0)
		goto out;
	printf("table\towner\trows\trule\tcreated\tcolumns\n");
	if ((rc = psid_tables_list(conn, a.id, print_table, NULL)) != PSID_OK)
		rc = args_failed(conn, rc);
	else
		rc = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
	psid_conn_free(conn);
	args_free(&a);
	return rc;
}

int
cmd_delete(int argc, char **argv)
{
	static const int opts[] = { CONN_OPTS, R_ID, R_TABLE, 0 };
	char table[PSID_NAME_MAX + 1];
	struct remote_args a;
	struct psid_conn *conn = NULL;
	int rc;

	if ((rc = args_parse(argc, argv, opts, &a)) != 0)
		goto out;
	if (a.table == NULL || a.nargs > 0) {
		rc = fail_usage("delete takes --id UUID --table NAME and no "
		    "operand");
		goto out;
	}
	if ((rc = args_name("--table", a.table, strlen(a.table), table)) != 0 ||
	    (rc = open_for(&a, "delete", &conn)) != 0)
		goto out;
	if ((rc = psid_table_delete(conn, a.id, table)) != PSID_OK)
		rc = args_failed(conn, rc);
out:
	psid_conn_free(conn);
	args_free(&a);
	return rc;
}

/* ---------------------------------------------------------------- count */

int
cmd_count(int argc, char **argv)
{
	static const int opts[] = { CONN_OPTS, R_ID, 0 };
	struct colref_arg refs[16];
	struct psid_colref sets[16];
	struct remote_args a;
	struct psid_conn *conn = NULL;
	uint64_t count;
	int i, rc;

	if ((rc = args_parse(argc, argv, opts, &a)) != 0)
		goto out;
	if (a.nargs < 2 || a.nargs > 16) {
		rc = fail_usage("count takes 2 to 16 TABLE.COLUMN operands");
		goto out;
	}
	for (i = 0; i < a.nargs; i++) {
		if ((rc = args_colref("count", a.args[i], &refs[i])) != 0)
			goto out;
		sets[i].table = refs[i].table;
		sets[i].column = refs[i].column;
	}
	if ((rc = open_for(&a, "count", &conn)) != 0)
		goto out;
	if ((rc = psid_count(conn, a.id, sets, (size_t)a.nargs, &count)) !=
	    PSID_OK) {
		rc = args_failed(conn, rc);
		goto out;
	}
	printf("%" PRIu64 "\n", count);
	rc = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
	psid_conn_free(conn);
	args_free(&a);
	return rc;
}

/* ---------------------------------------------------------------- stats */

int
cmd_stats(int argc, char **argv)
{
	static const int opts[] = { CONN_OPTS, 0 };
	struct remote_args a;
	struct psid_conn *conn = NULL;
	struct psid_stats st;
	size_t i;
	int rc;

	if ((rc = args_parse(argc, argv, opts, &a)) != 0)
		goto out;
	if (a.nargs != 0) {
		rc = fail_usage("stats takes no operands");
		goto out;
	}
	if ((rc = conn_open(&a.conn, &conn)) != 0)
		goto out;
	if ((rc = psid_stats(conn, &st)) != PSID_OK) {
		rc = args_failed(conn, rc);
		goto out;
	}
	printf("uptime_seconds\t%" PRIu64 "\nconnections\t%" PRIu64 "\n"
	    "connections_total\t%" PRIu64 "\nuploads\t%" PRIu64 "\n"
	    "queries\t%" PRIu64 "\nbytes_in\t%" PRIu64 "\nbytes_out\t%"
	    PRIu64 "\n", st.uptime_seconds, st.connections,
	    st.connections_total, st.uploads, st.queries, st.bytes_in,
	    st.bytes_out);
	if (st.nlatency > 0)
		printf("operation\tcount\tp50_ms\tp90_ms\tp99_ms\n");
	for (i = 0; i < st.nlatency; i++)
		printf("%s\t%" PRIu64 "\t%.3f\t%.3f\t%.3f\n",
		    st.latency[i].operation, st.latency[i].count,
		    st.latency[i].p50_ms, st.latency[i].p90_ms,
		    st.latency[i].p99_ms);
	rc = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
	psid_conn_free(conn);
	args_free(&a);
	return rc;
}

/* ---------------------------------------------------------------- audit */

/* Print one field of an audit line: tabs and line ends would break it. */
static void
print_field(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 ? ' ' : *s);
}

static int
print_audit(void *arg, const struct psid_audit_entry *e)
{
	char when[40];

	printf("%" PRIu64 "\t%s\t", e->sequence,
	    args_time(e->time_unix, when, sizeof(when)));
	print_field(e->identity);
	putchar('\t');
	print_field(e->operation);
	putchar('\t');
	print_field(e->detail);
	putchar('\n');
	return 0;
}

int
cmd_audit(int argc, char **argv)
{
	static const int opts[] = { CONN_OPTS, R_ID, R_AFTER, 0 };
	struct remote_args a;
	struct psid_conn *conn = NULL;
	unsigned long long after = 0;
	char *end;
	int rc;

	if ((rc = args_parse(argc, argv, opts, &a)) != 0)
		goto out;
	if (a.nargs > 0) {
		rc = fail_usage("audit takes no operand: '%s'", a.args[0]);
		goto out;
	}
	if (a.after != NULL) {
		errno = 0;
		after = strtoull(a.after, &end, 10);
		if (errno != 0 || *end != '\0' || end == a.after ||
		    a.after[0] == '-') {
			rc = fail_usage("--after '%s': a sequence number",
			    a.after);
			goto out;
		}
	}
	if ((rc = open_for(&a, "audit", &conn)) != 0)
		goto out;
	if ((rc = psid_audit_read(conn, a.id, after, print_audit, NULL)) !=
	    PSID_OK)
		rc = args_failed(conn, rc);
	else
		rc = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
	psid_conn_free(conn);
	args_free(&a);
	return rc;
}
