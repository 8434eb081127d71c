/* SPDX-License-Identifier: Apache-2.0 */
/*
 * remote.c: the small calls of the network API, one request and its
 * replies each: collaborations (create, get), tables (list, delete),
 * intersection counts and the audit log. Uploads are in upload.c, joins
 * in join.c; the connection itself in net.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "rule_wire.h"

/* A collaboration ID the caller gave: a UUID, or PSID_ERR_COLLABORATION_ID. */
static int
check_id(struct psid_conn *conn, const char *collab_id)
{
	if (!net_is_uuid(collab_id))
		return net_fail(conn, PSID_ERR_COLLABORATION_ID, "collaboration "
		    "ID \"%s\" is not a UUID", collab_id != NULL ? collab_id :
		    "");
	return PSID_OK;
}

/* Common entry checks: a usable connection and a UUID. */
static int
begin(struct psid_conn *conn, const char *collab_id)
{
	int rc;

	if (conn == NULL)
		return PSID_ERR_INVALID;
	if ((rc = net_usable(conn)) != PSID_OK)
		return rc;
	conn->error[0] = '\0';
	return collab_id != NULL ? check_id(conn, collab_id) : PSID_OK;
}

static enum psid_column_type
column_type(Psid__ColumnType t)
{
	switch (t) {
	case PSID__COLUMN_TYPE__COLUMN_SEALED:
		return PSID_COLUMN_SEALED;
	case PSID__COLUMN_TYPE__COLUMN_FINGERPRINT:
		return PSID_COLUMN_FINGERPRINT;
	case PSID__COLUMN_TYPE__COLUMN_CLEARTEXT:
	default:
		return PSID_COLUMN_CLEARTEXT;
	}
}

/* ------------------------------------------------------- collaborations */

int
psid_collab_create(struct psid_conn *conn, const char *name,
    const struct psid_member *members, size_t nmembers,
    const struct psid_settings *settings,
    char id_out[PSID_COLLAB_ID_LEN + 1])
{
	return psid_collab_create_ex(conn, name, members, nmembers, settings,
	    NULL, id_out);
}

int
psid_collab_create_ex(struct psid_conn *conn, const char *name,
    const struct psid_member *members, size_t nmembers,
    const struct psid_settings *settings,
    const struct psid_collab_options *options,
    char id_out[PSID_COLLAB_ID_LEN + 1])
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__CreateCollaboration create = PSID__CREATE_COLLABORATION__INIT;
	Psid__Settings set = PSID__SETTINGS__INIT;
	Psid__Member *m = NULL, **mp = NULL;
	Psid__Response *r;
	size_t i;
	int rc;

	if ((rc = begin(conn, NULL)) != PSID_OK)
		return rc;
	if (name == NULL || settings == NULL || id_out == NULL ||
	    (nmembers > 0 && members == NULL))
		return net_fail(conn, PSID_ERR_INVALID, "a collaboration "
		    "needs a name and settings");
	if (nmembers > 0 && ((m = calloc(nmembers, sizeof(*m))) == NULL ||
	    (mp = calloc(nmembers, sizeof(*mp))) == NULL)) {
		free(m);
		return net_fail(conn, PSID_ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < nmembers; i++) {
		psid__member__init(&m[i]);
		if (members[i].identity == NULL) {
			rc = net_fail(conn, PSID_ERR_INVALID, "member %zu has "
			    "no identity", i + 1);
			goto out;
		}
		m[i].identity = (char *)members[i].identity;
		m[i].may_upload = members[i].may_upload;
		m[i].may_query = members[i].may_query;
		m[i].may_receive = members[i].may_receive;
		mp[i] = &m[i];
	}
	set.allow_cleartext = settings->allow_cleartext;
	set.allow_duplicates = settings->allow_duplicates;
	set.allow_joins_on_columns_with_different_names =
	    settings->allow_joins_on_columns_with_different_names;
	set.preserve_nulls = settings->preserve_nulls;
	create.name = (char *)name;
	create.n_members = nmembers;
	create.members = mp;
	create.settings = &set;
	create.require_privacy = options != NULL && options->require_privacy;
	req.body_case = PSID__REQUEST__BODY_CREATE_COLLABORATION;
	req.create_collaboration = &create;
	if ((rc = net_call(conn, &req, &r)) != PSID_OK ||
	    (rc = net_expect_body(conn, r, PSID__RESPONSE__BODY_COLLABORATION,
	    "the new collaboration")) != PSID_OK)
		goto out;
	if (!net_is_uuid(r->collaboration->id))
		rc = net_fail(conn, PSID_ERR_PROTOCOL, "%s: psid's new "
		    "collaboration ID is not a UUID", conn->peer);
	else
		memcpy(id_out, r->collaboration->id, PSID_COLLAB_ID_LEN + 1);
	psid__response__free_unpacked(r, NULL);
out:
	free(mp);
	free(m);
	return rc;
}

void
psid_collab_clear(struct psid_collab *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nmembers; i++)
		free((char *)c->members[i].identity);
	free(c->members);
	free(c->name);
	free(c->creator);
	memset(c, 0, sizeof(*c));
}

/* Copy a Collaboration into the caller's struct. */
static int
collab_copy(const Psid__Collaboration *in, struct psid_collab *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", in->id);
	if ((out->name = strdup(in->name)) == NULL ||
	    (out->creator = strdup(in->creator)) == NULL)
		goto nomem;
	if (in->settings != NULL) {
		out->settings.allow_cleartext = in->settings->allow_cleartext;
		out->settings.allow_duplicates =
		    in->settings->allow_duplicates;
		out->settings.allow_joins_on_columns_with_different_names =
		    in->settings->allow_joins_on_columns_with_different_names;
		out->settings.preserve_nulls = in->settings->preserve_nulls;
	}
	out->created_unix = in->created_unix;
	out->require_privacy = in->require_privacy;
	if (in->n_members > 0 && (out->members = calloc(in->n_members,
	    sizeof(*out->members))) == NULL)
		goto nomem;
	for (i = 0; i < in->n_members; i++) {
		struct psid_member *m = &out->members[i];

		if ((m->identity = strdup(in->members[i]->identity)) == NULL)
			goto nomem;
		out->nmembers = i + 1;
		m->may_upload = in->members[i]->may_upload;
		m->may_query = in->members[i]->may_query;
		m->may_receive = in->members[i]->may_receive;
	}
	return PSID_OK;
nomem:
	psid_collab_clear(out);
	return PSID_ERR_NOMEM;
}

int
psid_collab_get(struct psid_conn *conn, const char *collab_id,
    struct psid_collab *out)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__GetCollaboration get = PSID__GET_COLLABORATION__INIT;
	Psid__Response *r;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((rc = begin(conn, collab_id)) != PSID_OK)
		return rc;
	if (out == NULL)
		return net_fail(conn, PSID_ERR_INVALID, "no collaboration "
		    "to fill");
	get.collaboration_id = (char *)collab_id;
	req.body_case = PSID__REQUEST__BODY_GET_COLLABORATION;
	req.get_collaboration = &get;
	if ((rc = net_call(conn, &req, &r)) != PSID_OK ||
	    (rc = net_expect_body(conn, r, PSID__RESPONSE__BODY_COLLABORATION,
	    "the collaboration")) != PSID_OK)
		return rc;
	if ((rc = collab_copy(r->collaboration, out)) != PSID_OK)
		net_fail(conn, rc, "out of memory");
	psid__response__free_unpacked(r, NULL);
	return rc;
}

/* --------------------------------------------------------------- tables */

/* Call fn for each table of one TableList reply; *stop once fn says so. */
static int
tables_each(struct psid_conn *conn, const Psid__TableList *list,
    psid_table_fn *fn, void *arg, bool *stop)
{
	const char **names = NULL;
	enum psid_column_type *types = NULL;
	struct psid_table_info info;
	struct rule_wire_decoded detail;
	size_t i, j;
	int rc = PSID_OK;

	for (i = 0; i < list->n_tables && !*stop; i++) {
		const Psid__TableInfo *t = list->tables[i];
		size_t n = t->n_columns > 0 ? t->n_columns : 1;

		free(names);
		free(types);
		names = calloc(n, sizeof(*names));
		types = calloc(n, sizeof(*types));
		if (names == NULL || types == NULL) {
			rc = net_fail(conn, PSID_ERR_NOMEM, "out of memory");
			break;
		}
		for (j = 0; j < t->n_columns; j++) {
			names[j] = t->columns[j]->name;
			types[j] = column_type(t->columns[j]->type);
		}
		memset(&info, 0, sizeof(info));
		info.name = t->name;
		info.owner = t->owner;
		info.rows = t->rows;
		info.created_unix = t->created_unix;
		info.ncolumns = t->n_columns;
		info.column_names = names;
		info.column_types = types;
		info.rule = t->rule != NULL && t->rule->kind ==
		    PSID__ANALYSIS_RULE__KIND__LIST ? PSID_RULE_LIST :
		    PSID_RULE_AGGREGATION;
		info.min_rows = t->rule != NULL ? t->rule->min_rows : 0;
		if (rule_wire_decode(t->rule, &detail) != PSID_OK) {
			rule_wire_decoded_free(&detail);
			rc = net_fail(conn, PSID_ERR_NOMEM, "out of memory");
			break;
		}
		info.privacy = detail.rule.privacy;
		info.detail = &detail.rule;
		if (fn(arg, &info) != 0)
			*stop = true;
		rule_wire_decoded_free(&detail);
	}
	free(names);
	free(types);
	return rc;
}

int
psid_tables_list(struct psid_conn *conn, const char *collab_id,
    psid_table_fn *fn, void *arg)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__ListTables list = PSID__LIST_TABLES__INIT;
	Psid__Response *r;
	uint64_t id;
	bool stop = false, done;
	int rc, first = PSID_OK;

	if ((rc = begin(conn, collab_id)) != PSID_OK)
		return rc;
	if (fn == NULL)
		return net_fail(conn, PSID_ERR_INVALID, "no callback");
	list.collaboration_id = (char *)collab_id;
	req.body_case = PSID__REQUEST__BODY_LIST_TABLES;
	req.list_tables = &list;
	if ((rc = net_send(conn, &req, &id)) != PSID_OK)
		return rc;
	/* Read every reply, also after fn stops, to stay in step. */
	do {
		if ((rc = net_expect(conn, id, &r)) != PSID_OK)
			return rc;
		if (r->body_case == PSID__RESPONSE__BODY_TABLES) {
			rc = tables_each(conn, r->tables, fn, arg, &stop);
			if (first == PSID_OK)
				first = rc;
			stop = stop || rc != PSID_OK;
		} else if (!r->done) {
			psid__response__free_unpacked(r, NULL);
			return net_fail(conn, PSID_ERR_PROTOCOL, "%s: psid's "
			    "reply lacks the table list", conn->peer);
		}
		done = r->done;
		psid__response__free_unpacked(r, NULL);
	} while (!done);
	return first;
}

int
psid_table_delete(struct psid_conn *conn, const char *collab_id,
    const char *table)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__DeleteTable del = PSID__DELETE_TABLE__INIT;
	Psid__Response *r;
	int rc;

	if ((rc = begin(conn, collab_id)) != PSID_OK)
		return rc;
	del.collaboration_id = (char *)collab_id;
	del.table = (char *)table;
	req.body_case = PSID__REQUEST__BODY_DELETE_TABLE;
	req.delete_table = &del;
	if ((rc = net_call(conn, &req, &r)) != PSID_OK)
		return rc;
	psid__response__free_unpacked(r, NULL);
	return PSID_OK;
}

/* ---------------------------------------------------------------- count */

int
psid_count(struct psid_conn *conn, const char *collab_id,
    const struct psid_colref *sets, size_t nsets, uint64_t *count)
{
	return psid_count_noise(conn, collab_id, sets, nsets, count, NULL);
}

int
psid_count_noise(struct psid_conn *conn, const char *collab_id,
    const struct psid_colref *sets, size_t nsets, uint64_t *count,
    struct psid_noise *noise)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__Count c = PSID__COUNT__INIT;
	Psid__ColumnRef refs[16], *rp[16];
	Psid__Response *r;
	size_t i;
	int rc;

	if ((rc = begin(conn, collab_id)) != PSID_OK)
		return rc;
	if (count == NULL || sets == NULL || nsets < 2 || nsets > 16)
		return net_fail(conn, PSID_ERR_INVALID, "a count takes 2 to 16 "
		    "(table, column) sets");
	*count = 0;
	if (noise != NULL)
		memset(noise, 0, sizeof(*noise));
	for (i = 0; i < nsets; i++) {
		psid__column_ref__init(&refs[i]);
		refs[i].table = (char *)sets[i].table;
		refs[i].column = (char *)sets[i].column;
		rp[i] = &refs[i];
	}
	c.collaboration_id = (char *)collab_id;
	c.n_sets = nsets;
	c.sets = rp;
	req.body_case = PSID__REQUEST__BODY_COUNT;
	req.count = &c;
	if ((rc = net_call(conn, &req, &r)) != PSID_OK ||
	    (rc = net_expect_body(conn, r, PSID__RESPONSE__BODY_COUNT,
	    "the count")) != PSID_OK)
		return rc;
	*count = r->count;
	if (noise != NULL && r->noise != NULL) {
		noise->noisy = true;
		noise->mechanism = r->noise->mechanism ==
		    PSID__PRIVACY_POLICY__MECHANISM__GAUSSIAN ?
		    PSID_NOISE_GAUSSIAN : PSID_NOISE_LAPLACE;
		noise->epsilon_milli = r->noise->epsilon_milli;
		noise->ci95 = r->noise->ci95;
	}
	psid__response__free_unpacked(r, NULL);
	return PSID_OK;
}

/* ---------------------------------------------------------------- audit */

int
psid_audit_read(struct psid_conn *conn, const char *collab_id,
    uint64_t after, psid_audit_fn *fn, void *arg)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__ReadAudit ra = PSID__READ_AUDIT__INIT;
	struct psid_audit_entry e;
	Psid__Response *r;
	uint64_t id;
	size_t i;
	bool stop = false, done;
	int rc;

	if ((rc = begin(conn, collab_id)) != PSID_OK)
		return rc;
	if (fn == NULL)
		return net_fail(conn, PSID_ERR_INVALID, "no callback");
	ra.collaboration_id = (char *)collab_id;
	ra.after = after;
	req.body_case = PSID__REQUEST__BODY_READ_AUDIT;
	req.read_audit = &ra;
	if ((rc = net_send(conn, &req, &id)) != PSID_OK)
		return rc;
	/* Read every reply, also after fn stops, to stay in step. */
	do {
		if ((rc = net_expect(conn, id, &r)) != PSID_OK)
			return rc;
		if (r->body_case == PSID__RESPONSE__BODY_AUDIT) {
			for (i = 0; i < r->audit->n_entries && !stop; i++) {
				const Psid__AuditEntry *a = r->audit->entries[i];

				e.sequence = a->sequence;
				e.time_unix = a->time_unix;
				e.identity = a->identity;
				e.operation = a->operation;
				e.detail = a->detail;
				stop = fn(arg, &e) != 0;
			}
		} else if (!r->done) {
			psid__response__free_unpacked(r, NULL);
			return net_fail(conn, PSID_ERR_PROTOCOL, "%s: psid's "
			    "reply lacks the audit log", conn->peer);
		}
		done = r->done;
		psid__response__free_unpacked(r, NULL);
	} while (!done);
	return PSID_OK;
}

/* ---------------------------------------------------------------- stats */

int
psid_stats(struct psid_conn *conn, struct psid_stats *out)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__Stats st = PSID__STATS__INIT;
	Psid__Response *r;
	const Psid__StatsReply *s;
	size_t i;
	int rc;

	if ((rc = begin(conn, NULL)) != PSID_OK)
		return rc;
	if (out == NULL)
		return net_fail(conn, PSID_ERR_INVALID, "no stats to fill");
	memset(out, 0, sizeof(*out));
	req.body_case = PSID__REQUEST__BODY_STATS;
	req.stats = &st;
	if ((rc = net_call(conn, &req, &r)) != PSID_OK ||
	    (rc = net_expect_body(conn, r, PSID__RESPONSE__BODY_STATS,
	    "the stats")) != PSID_OK)
		return rc;
	s = r->stats;
	out->uptime_seconds = s->uptime_seconds;
	out->connections = s->connections;
	out->connections_total = s->connections_total;
	out->uploads = s->uploads;
	out->queries = s->queries;
	out->bytes_in = s->bytes_in;
	out->bytes_out = s->bytes_out;
	for (i = 0; i < s->n_latency && i < PSID_STATS_MAX_OPS; i++) {
		struct psid_op_latency *l = &out->latency[i];

		snprintf(l->operation, sizeof(l->operation), "%s",
		    s->latency[i]->operation != NULL ?
		    s->latency[i]->operation : "");
		l->count = s->latency[i]->count;
		l->p50_ms = s->latency[i]->p50_ms;
		l->p90_ms = s->latency[i]->p90_ms;
		l->p99_ms = s->latency[i]->p99_ms;
	}
	out->nlatency = i;
	out->handshakes = s->handshakes;
	out->parked = s->parked;
	out->unfinished_bytes = s->unfinished_bytes;
	for (i = 0; i < s->n_refusals && i < PSID_STATS_MAX_REFUSALS; i++) {
		snprintf(out->refusals[i].reason,
		    sizeof(out->refusals[i].reason), "%s",
		    s->refusals[i]->reason != NULL ?
		    s->refusals[i]->reason : "");
		out->refusals[i].count = s->refusals[i]->count;
	}
	out->nrefusals = i;
	psid__response__free_unpacked(r, NULL);
	return PSID_OK;
}
