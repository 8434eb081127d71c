/* SPDX-License-Identifier: Apache-2.0 */
/*
 * budget.c: privacy policies to and from the wire, and the budgets of a
 * collaboration's tables (psid_budget_list).
 */
#include "config.h"

#include <string.h>

#include "budget.h"
#include "net.h"

Psid__PrivacyPolicy *
budget_policy_to_wire(const struct psid_privacy *p, Psid__PrivacyPolicy *wire)
{
	psid__privacy_policy__init(wire);
	if (!p->enabled)
		return NULL;
	wire->epsilon_milli = p->epsilon_milli;
	wire->budget_milli = p->budget_milli;
	wire->contribution_limit = p->contribution_limit;
	wire->refresh = p->refresh == PSID_REFRESH_MONTHLY ?
	    PSID__PRIVACY_POLICY__REFRESH__MONTHLY :
	    PSID__PRIVACY_POLICY__REFRESH__NEVER;
	wire->mechanism = p->mechanism == PSID_NOISE_GAUSSIAN ?
	    PSID__PRIVACY_POLICY__MECHANISM__GAUSSIAN :
	    PSID__PRIVACY_POLICY__MECHANISM__LAPLACE;
	return wire;
}

void
budget_policy_from_wire(const Psid__PrivacyPolicy *wire,
    struct psid_privacy *out)
{
	memset(out, 0, sizeof(*out));
	if (wire == NULL)
		return;
	out->enabled = true;
	out->epsilon_milli = wire->epsilon_milli;
	out->budget_milli = wire->budget_milli;
	out->contribution_limit = wire->contribution_limit != 0 ?
	    wire->contribution_limit : 1;
	out->refresh = wire->refresh == PSID__PRIVACY_POLICY__REFRESH__MONTHLY ?
	    PSID_REFRESH_MONTHLY : PSID_REFRESH_NEVER;
	out->mechanism = wire->mechanism ==
	    PSID__PRIVACY_POLICY__MECHANISM__GAUSSIAN ? PSID_NOISE_GAUSSIAN :
	    PSID_NOISE_LAPLACE;
}

int
psid_budget_list(struct psid_conn *conn, const char *collab_id,
    psid_budget_fn *fn, void *arg)
{
	Psid__Request req = PSID__REQUEST__INIT;
	Psid__ReadBudget rb = PSID__READ_BUDGET__INIT;
	struct psid_budget b;
	Psid__TableBudget *t;
	Psid__Response *r;
	size_t i;
	int rc;

	if (conn == NULL || fn == NULL)
		return PSID_ERR_INVALID;
	if ((rc = net_usable(conn)) != PSID_OK)
		return rc;
	conn->error[0] = '\0';
	if (!net_is_uuid(collab_id))
		return net_fail(conn, PSID_ERR_COLLABORATION_ID, "collaboration "
		    "ID \"%s\" is not a UUID", collab_id != NULL ? collab_id :
		    "");
	rb.collaboration_id = (char *)collab_id;
	req.body_case = PSID__REQUEST__BODY_READ_BUDGET;
	req.read_budget = &rb;
	if ((rc = net_call(conn, &req, &r)) != PSID_OK ||
	    (rc = net_expect_body(conn, r, PSID__RESPONSE__BODY_BUDGETS,
	    "the budgets")) != PSID_OK)
		return rc;
	for (i = 0; i < r->budgets->n_tables; i++) {
		t = r->budgets->tables[i];
		memset(&b, 0, sizeof(b));
		b.table = t->table;
		budget_policy_from_wire(t->policy, &b.policy);
		b.spent_milli = t->spent_milli;
		b.period = t->period != NULL ? t->period : "";
		if (fn(arg, &b) != 0)
			break;
	}
	psid__response__free_unpacked(r, NULL);
	return PSID_OK;
}
