/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.c: membership, abilities and analysis rules (see policy.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy.h"
#include "server.h"

static const char *
ability_name(enum ability a)
{
	switch (a) {
	case ABILITY_UPLOAD:
		return "upload";
	case ABILITY_QUERY:
		return "query";
	case ABILITY_RECEIVE:
		return "receive joined rows";
	default:
		return "do that";
	}
}

static bool
member_may(const Psid__Member *m, enum ability a)
{
	switch (a) {
	case ABILITY_UPLOAD:
		return m->may_upload;
	case ABILITY_QUERY:
		return m->may_query;
	case ABILITY_RECEIVE:
		return m->may_receive;
	default:
		return true;
	}
}

int
policy_collab(const struct request *rq, const char *id,
    enum ability ability, struct collab_view *view)
{
	void *blob = NULL;
	size_t len, i;
	char err[256];
	int rc;

	memset(view, 0, sizeof(*view));
	for (i = 0; i < STORE_COLLAB_LEN && id[i] != '\0'; i++)
		view->id[i] = (char)tolower((unsigned char)id[i]);
	view->id[i] = '\0';
	rc = store_collab_get(rq->srv->store, view->id, &blob, &len, err,
	    sizeof(err));
	if (rc == STORE_OK) {
		view->collab = psid__collaboration__unpack(NULL, len, blob);
		free(blob);
		if (view->collab == NULL) {
			log_warnx("%s: stored collaboration is corrupt",
			    view->id);
			rq_reply_error(rq, PSID__ERROR_CODE__INTERNAL,
			    "the collaboration cannot be read");
			return -1;
		}
		for (i = 0; i < view->collab->n_members; i++)
			if (strcmp(view->collab->members[i]->identity,
			    rq->identity) == 0)
				view->member = view->collab->members[i];
	} else if (rc != STORE_NOTFOUND) {
		log_warnx("%s: %s", view->id, err);
		rq_reply_error(rq, PSID__ERROR_CODE__INTERNAL,
		    "the collaboration cannot be read");
		return -1;
	}
	/* Unknown, or not a member: the same answer. */
	if (view->member == NULL) {
		policy_collab_free(view);
		rq_reply_error(rq, PSID__ERROR_CODE__NOT_FOUND,
		    "no collaboration %s", view->id);
		return -1;
	}
	if (!member_may(view->member, ability)) {
		rq_reply_error(rq, PSID__ERROR_CODE__FORBIDDEN,
		    "%s may not %s in collaboration %s", rq->identity,
		    ability_name(ability), view->id);
		policy_collab_free(view);
		return -1;
	}
	return 0;
}

void
policy_collab_free(struct collab_view *view)
{
	if (view->collab != NULL)
		psid__collaboration__free_unpacked(view->collab, NULL);
	view->collab = NULL;
	view->member = NULL;
}

int
policy_column(const Psid__TableInfo *info, const char *name,
    unsigned *fp_index)
{
	unsigned fp = 0;
	size_t i;

	for (i = 0; i < info->n_columns; i++) {
		if (strcmp(info->columns[i]->name, name) == 0) {
			if (fp_index != NULL)
				*fp_index = fp;
			return (int)i;
		}
		if (info->columns[i]->type ==
		    PSID__COLUMN_TYPE__COLUMN_FINGERPRINT)
			fp++;
	}
	return -1;
}

int
policy_fingerprint_column(const struct request *rq,
    const Psid__TableInfo *info, const Psid__ColumnRef *ref,
    unsigned *fp_index)
{
	int col = policy_column(info, ref->column, fp_index);

	if (col < 0) {
		rq_reply_error(rq, PSID__ERROR_CODE__NOT_FOUND,
		    "table %s has no column %s", ref->table, ref->column);
		return -1;
	}
	if (info->columns[col]->type != PSID__COLUMN_TYPE__COLUMN_FINGERPRINT) {
		rq_reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "column %s of table %s is not a fingerprint column",
		    ref->column, ref->table);
		return -1;
	}
	return 0;
}

bool
policy_may_list(const struct request *rq, const Psid__TableInfo *info,
    const char *name)
{
	size_t i;

	if (info->rule == NULL ||
	    info->rule->kind != PSID__ANALYSIS_RULE__KIND__LIST) {
		rq_reply_error(rq, PSID__ERROR_CODE__FORBIDDEN,
		    "table %s allows aggregation only: its rows may not "
		    "leave psid", info->name);
		return false;
	}
	if (info->rule->n_list_columns == 0)
		return true;
	for (i = 0; i < info->rule->n_list_columns; i++)
		if (strcmp(info->rule->list_columns[i], name) == 0)
			return true;
	rq_reply_error(rq, PSID__ERROR_CODE__FORBIDDEN,
	    "the rule of table %s does not list column %s", info->name, name);
	return false;
}

bool
policy_may_match(const struct request *rq, const struct collab_view *v,
    const char *a, const char *b)
{
	if (strcmp(a, b) == 0 || v->collab->settings == NULL ||
	    v->collab->settings->allow_joins_on_columns_with_different_names)
		return true;
	rq_reply_error(rq, PSID__ERROR_CODE__FORBIDDEN,
	    "columns %s and %s have different names, which collaboration %s "
	    "does not allow to match", a, b, v->id);
	return false;
}

bool
policy_runner_joined(const struct request *rq,
    Psid__TableInfo *const *tables, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tables[i]->owner, rq->identity) == 0)
			return true;
	for (i = 0; i < n; i++)
		if (tables[i]->rule != NULL && tables[i]->rule->join_required) {
			rq_reply_error(rq, PSID__ERROR_CODE__FORBIDDEN,
			    "table %s may only be queried joined with a table "
			    "of the member who asks (joinRequired)",
			    tables[i]->name);
			return false;
		}
	return true;
}
