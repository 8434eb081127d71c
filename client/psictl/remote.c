/* SPDX-License-Identifier: Apache-2.0 */
/*
 * remote.c: the psictl verbs that ask psid one thing: collab create and
 * show, tables, delete, count, audit, stats; and the settings encrypt
 * fetches. psictl.c connects between a verb's parse and its run; run
 * makes one libpsid call and prints its result on stdout, or one line on
 * stderr. Table and column names are normalised as C3R headers (trimmed,
 * lower-cased) before they are sent.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psictl.h"

/* The --id a verb needs, checked last as before it connects. */
static int
need_id(const struct args *a)
{
	if (a->id == NULL)
		return cli_fail_usage("%s needs --id UUID", a->verb);
	return 0;
}

/* No operand: "VERB takes no operand: 'X'". */
static int
no_operand(const struct args *a)
{
	if (a->nargs > 0)
		return cli_fail_usage("%s takes no operand: '%s'", a->verb,
		    a->args[0]);
	return 0;
}

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
		return cli_fail_usage("--member '%s': no identity", s);
	if ((id = strndup(s, len)) == NULL)
		return cli_fail("out of memory");
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
			return cli_fail_usage("--member '%s': abilities are "
			    "upload, query and receive", s);
	}
	return 0;
}

int
remote_collab_create_parse(struct args *a)
{
	size_t i;
	int rc;

	if ((rc = no_operand(a)) != 0)
		return rc;
	if (a->name == NULL || a->nmembers == 0)
		return cli_fail_usage("collab create needs --name NAME and at "
		    "least one --member IDENTITY");
	if ((a->member_list = calloc(a->nmembers,
	    sizeof(*a->member_list))) == NULL)
		return cli_fail("out of memory");
	for (i = 0; i < a->nmembers; i++)
		if ((rc = parse_member(a->members[i], &a->member_list[i])) != 0)
			return rc;
	return 0;
}

int
remote_collab_create_run(struct args *a, struct psid_conn *conn)
{
	char id[PSID_COLLAB_ID_LEN + 1];
	int rc;

	struct psid_collab_options opts = { a->require_dp };

	if ((rc = psid_collab_create_ex(conn, a->name, a->member_list,
	    a->nmembers, &a->settings, &opts, id)) != PSID_OK)
		return cli_call_failed(conn, rc);
	printf("%s\n", id);
	return cli_flush();
}

int
remote_collab_show_parse(struct args *a)
{
	if (a->id == NULL || a->nargs > 0)
		return cli_fail_usage("collab show takes --id UUID and no "
		    "operand");
	return 0;
}

/* IDENTITY:upload,query,receive (the abilities it has). */
static void
print_member(const struct psid_member *m)
{
	printf("member: %s:%s%s%s%s%s\n", m->identity,
	    m->may_upload ? "upload" : "",
	    m->may_upload && (m->may_query || m->may_receive) ? "," : "",
	    m->may_query ? "query" : "",
	    m->may_query && m->may_receive ? "," : "",
	    m->may_receive ? "receive" : "");
}

int
remote_collab_show_run(struct args *a, struct psid_conn *conn)
{
	struct psid_collab c = { 0 };
	const struct psid_settings *s = &c.settings;
	char when[40];
	size_t i;
	int rc;

	if ((rc = psid_collab_get(conn, a->id, &c)) != PSID_OK) {
		rc = cli_call_failed(conn, rc);
		psid_collab_clear(&c);
		return rc;
	}
	printf("id: %s\nname: %s\ncreator: %s\ncreated: %s\n", c.id, c.name,
	    c.creator, cli_time(c.created_unix, when, sizeof(when)));
	printf("allow-cleartext: %s\nallow-duplicates: %s\n"
	    "allow-joins-on-columns-with-different-names: %s\n"
	    "preserve-nulls: %s\n", s->allow_cleartext ? "yes" : "no",
	    s->allow_duplicates ? "yes" : "no",
	    s->allow_joins_on_columns_with_different_names ? "yes" : "no",
	    s->preserve_nulls ? "yes" : "no");
	printf("require-dp: %s\n", c.require_privacy ? "yes" : "no");
	for (i = 0; i < c.nmembers; i++)
		print_member(&c.members[i]);
	psid_collab_clear(&c);
	return cli_flush();
}

int
remote_settings(const struct endpoint *e, const char *id,
    struct psid_settings *settings)
{
	struct psid_collab c;
	struct psid_conn *conn;
	int rc;

	if ((rc = endpoint_open(e, &conn)) != 0)
		return rc;
	if ((rc = psid_collab_get(conn, id, &c)) != PSID_OK)
		rc = cli_call_failed(conn, rc);
	else
		*settings = c.settings;
	psid_collab_clear(&c);
	psid_conn_free(conn);
	return rc;
}

/* ------------------------------------------------------- tables, delete */

int
remote_tables_parse(struct args *a)
{
	int rc;

	if ((rc = no_operand(a)) != 0)
		return rc;
	return need_id(a);
}

static int
print_table(void *arg, const struct psid_table_info *t)
{
	char when[40], dp[160], detail[1024];
	size_t i;

	(void)arg;
	printf("%s\t%s\t%" PRIu64 "\t", t->name, t->owner, t->rows);
	if (t->rule == PSID_RULE_LIST)
		printf("list");
	else
		printf("aggregation:%" PRIu32 "%s", t->min_rows,
		    cli_rule_detail(t->detail, detail, sizeof(detail)));
	if (t->privacy.enabled)
		printf(" (differential privacy: %s)", cli_privacy(&t->privacy,
		    dp, sizeof(dp)));
	printf("\t%s\t", cli_time(t->created_unix, when, sizeof(when)));
	for (i = 0; i < t->ncolumns; i++)
		printf("%s%s:%s", i > 0 ? "," : "", t->column_names[i],
		    cli_type(t->column_types[i]));
	printf("\n");
	return 0;
}

int
remote_tables_run(struct args *a, struct psid_conn *conn)
{
	int rc;

	printf("table\towner\trows\trule\tcreated\tcolumns\n");
	if ((rc = psid_tables_list(conn, a->id, print_table, NULL)) != PSID_OK)
		return cli_call_failed(conn, rc);
	return cli_flush();
}

int
remote_delete_parse(struct args *a)
{
	int rc;

	if (a->table == NULL || a->nargs > 0)
		return cli_fail_usage("delete takes --id UUID --table NAME and "
		    "no operand");
	if ((rc = args_name("--table", a->table, strlen(a->table),
	    a->table_name)) != 0)
		return rc;
	return need_id(a);
}

int
remote_delete_run(struct args *a, struct psid_conn *conn)
{
	int rc;

	if ((rc = psid_table_delete(conn, a->id, a->table_name)) != PSID_OK)
		return cli_call_failed(conn, rc);
	return EXIT_SUCCESS;
}

/* ---------------------------------------------------------------- count */

int
remote_count_parse(struct args *a)
{
	int i, rc;

	if (a->nargs < 2 || a->nargs > ARGS_MAX_SETS)
		return cli_fail_usage("count takes 2 to %d TABLE.COLUMN "
		    "operands", ARGS_MAX_SETS);
	for (i = 0; i < a->nargs; i++)
		if ((rc = args_colref("count", a->args[i], &a->refs[i])) != 0)
			return rc;
	return need_id(a);
}

int
remote_count_run(struct args *a, struct psid_conn *conn)
{
	struct psid_colref sets[ARGS_MAX_SETS];
	struct psid_noise noise;
	uint64_t count;
	char e[32];
	int i, rc;

	for (i = 0; i < a->nargs; i++) {
		sets[i].table = a->refs[i].table;
		sets[i].column = a->refs[i].column;
	}
	if ((rc = psid_count_noise(conn, a->id, sets, (size_t)a->nargs,
	    &count, &noise)) != PSID_OK)
		return cli_call_failed(conn, rc);
	if (noise.noisy)
		printf("%" PRIu64 " \u00b1%" PRIu64 " (95%%; differential "
		    "privacy, epsilon %s, %s)\n", count, noise.ci95,
		    psid_milli_text(noise.epsilon_milli, e, sizeof(e)),
		    noise.mechanism == PSID_NOISE_GAUSSIAN ? "gaussian" :
		    "laplace");
	else
		printf("%" PRIu64 "\n", count);
	return cli_flush();
}

/* --------------------------------------------------------------- budget */

int
remote_budget_parse(struct args *a)
{
	int rc;

	if ((rc = no_operand(a)) != 0)
		return rc;
	return need_id(a);
}

static int
print_budget(void *arg, const struct psid_budget *b)
{
	char e[32], s[32], t[32], r[32];
	uint64_t left = b->spent_milli < b->policy.budget_milli ?
	    b->policy.budget_milli - b->spent_milli : 0;

	(void)arg;
	printf("%s\t%s\t%s\t%s\t%s\t%s%s%s\t%s\n", b->table,
	    psid_milli_text(b->policy.epsilon_milli, e, sizeof(e)),
	    psid_milli_text(b->spent_milli, s, sizeof(s)),
	    psid_milli_text(b->policy.budget_milli, t, sizeof(t)),
	    psid_milli_text(left, r, sizeof(r)),
	    b->policy.refresh == PSID_REFRESH_MONTHLY ? "monthly" : "never",
	    b->period[0] != '\0' ? " " : "", b->period,
	    b->policy.mechanism == PSID_NOISE_GAUSSIAN ? "gaussian" :
	    "laplace");
	return 0;
}

int
remote_budget_run(struct args *a, struct psid_conn *conn)
{
	int rc;

	printf("table\tepsilon\tspent\tbudget\tremaining\trefresh\t"
	    "mechanism\n");
	if ((rc = psid_budget_list(conn, a->id, print_budget, NULL)) !=
	    PSID_OK)
		return cli_call_failed(conn, rc);
	return cli_flush();
}

/* ---------------------------------------------------------------- stats */

int
remote_stats_parse(struct args *a)
{
	if (a->nargs != 0)
		return cli_fail_usage("stats takes no operands");
	return 0;
}

int
remote_stats_run(struct args *a, struct psid_conn *conn)
{
	struct psid_stats st;
	size_t i;
	int rc;

	(void)a;
	if ((rc = psid_stats(conn, &st)) != PSID_OK)
		return cli_call_failed(conn, rc);
	printf("uptime_seconds\t%" PRIu64 "\nconnections\t%" PRIu64 "\n"
	    "connections_total\t%" PRIu64 "\nuploads\t%" PRIu64 "\n"
	    "queries\t%" PRIu64 "\nbytes_in\t%" PRIu64 "\nbytes_out\t%"
	    PRIu64 "\n", st.uptime_seconds, st.connections,
	    st.connections_total, st.uploads, st.queries, st.bytes_in,
	    st.bytes_out);
	printf("handshakes\t%" PRIu64 "\nparked\t%" PRIu64 "\n"
	    "unfinished_bytes\t%" PRIu64 "\n", st.handshakes, st.parked,
	    st.unfinished_bytes);
	for (i = 0; i < st.nrefusals; i++)
		printf("refused_%s\t%" PRIu64 "\n", st.refusals[i].reason,
		    st.refusals[i].count);
	if (st.nlatency > 0)
		printf("operation\tcount\tp50_ms\tp90_ms\tp99_ms\n");
	for (i = 0; i < st.nlatency; i++)
		printf("%s\t%" PRIu64 "\t%.3f\t%.3f\t%.3f\n",
		    st.latency[i].operation, st.latency[i].count,
		    st.latency[i].p50_ms, st.latency[i].p90_ms,
		    st.latency[i].p99_ms);
	return cli_flush();
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

	(void)arg;
	printf("%" PRIu64 "\t%s\t", e->sequence,
	    cli_time(e->time_unix, when, sizeof(when)));
	print_field(e->identity);
	putchar('\t');
	print_field(e->operation);
	putchar('\t');
	print_field(e->detail);
	putchar('\n');
	return 0;
}

int
remote_audit_parse(struct args *a)
{
	unsigned long long after;
	char *end;
	int rc;

	if ((rc = no_operand(a)) != 0)
		return rc;
	if (a->after != NULL) {
		errno = 0;
		after = strtoull(a->after, &end, 10);
		if (errno != 0 || *end != '\0' || end == a->after ||
		    a->after[0] == '-')
			return cli_fail_usage("--after '%s': a sequence "
			    "number", a->after);
		a->after_seq = after;
	}
	return need_id(a);
}

int
remote_audit_run(struct args *a, struct psid_conn *conn)
{
	int rc;

	if ((rc = psid_audit_read(conn, a->id, a->after_seq, print_audit,
	    NULL)) != PSID_OK)
		return cli_call_failed(conn, rc);
	return cli_flush();
}
