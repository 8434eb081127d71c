/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_budget.c: each table's privacy budget (members): its policy, what
 * the collaboration's queries have spent of it in the current period.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers.h"
#include "log.h"
#include "policy.h"
#include "privacy.h"
#include "server.h"
#include "store.h"
#include "xmalloc.h"

struct budget_list {
	const struct request *rq;
	const char *collab;
	time_t now;
	Psid__TableBudget **tables;
	size_t n, cap;
	bool failed;
};

static int
collect_budget(void *arg, const char *table, const void *meta, size_t len)
{
	struct budget_list *l = arg;
	Psid__TableBudget *tb;
	Psid__TableInfo *info;
	uint32_t period;
	uint64_t spent;
	char err[256];

	if ((info = psid__table_info__unpack(NULL, len, meta)) == NULL)
		return 1;
	if (info->rule == NULL || info->rule->privacy == NULL) {
		psid__table_info__free_unpacked(info, NULL);
		return 0;
	}
	period = privacy_period(info->rule->privacy, l->now);
	if (store_budget_get(l->rq->srv->store, l->collab, table, period,
	    &spent, err, sizeof(err)) != STORE_OK) {
		log_warnx("%s/%s: budget: %s", l->collab, table, err);
		psid__table_info__free_unpacked(info, NULL);
		l->failed = true;
		return 1;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->tables = xrealloc(l->tables, l->cap * sizeof(*l->tables));
	}
	tb = xcalloc(1, sizeof(*tb));
	psid__table_budget__init(tb);
	tb->table = xstrdup(table);
	tb->policy = xcalloc(1, sizeof(*tb->policy));
	*tb->policy = *info->rule->privacy;
	tb->policy->base.unknown_fields = NULL;
	tb->policy->base.n_unknown_fields = 0;
	tb->spent_milli = spent;
	tb->period = xcalloc(1, 8);
	if (period != 0)
		snprintf(tb->period, 8, "%04u-%02u", period / 100,
		    period % 100);
	l->tables[l->n++] = tb;
	psid__table_info__free_unpacked(info, NULL);
	return 0;
}

void
handle_read_budget(const struct request *rq)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	Psid__BudgetList list = PSID__BUDGET_LIST__INIT;
	struct budget_list l;
	struct collab_view v;
	char err[256];
	size_t i;
	int rc;

	if (policy_collab(rq, rq->msg->read_budget->collaboration_id,
	    ABILITY_NONE, &v) != 0)
		return;
	memset(&l, 0, sizeof(l));
	l.rq = rq;
	l.collab = v.id;
	l.now = time(NULL);
	rc = store_table_list(rq->srv->store, v.id, collect_budget, &l, err,
	    sizeof(err));
	if (rc != STORE_OK) {
		if (!l.failed)
			log_warnx("%s: budgets: %s", v.id, rc == STORE_STOPPED ?
			    "a table's meta cannot be read" : err);
		rq_reply_error(rq, PSID__ERROR_CODE__INTERNAL,
		    "the budgets cannot be read");
	} else {
		list.tables = l.tables;
		list.n_tables = l.n;
		resp.body_case = PSID__RESPONSE__BODY_BUDGETS;
		resp.budgets = &list;
		rq_reply(rq, &resp);
	}
	for (i = 0; i < l.n; i++) {
		free(l.tables[i]->table);
		free(l.tables[i]->policy);
		free(l.tables[i]->period);
		free(l.tables[i]);
	}
	free(l.tables);
	policy_collab_free(&v);
}
