/* SPDX-License-Identifier: Apache-2.0 */
/*
 * budget.h: privacy policies between libpsid's struct psid_privacy and
 * the wire's PrivacyPolicy (budget.c also lists the budgets).
 */
#ifndef PSID_CLIENT_BUDGET_H
#define PSID_CLIENT_BUDGET_H

#include "psid.pb-c.h"
#include "psid/client.h"

/*
 * The wire form of p into *wire (initialised here); returns wire, or NULL
 * when p is not enabled (the rule then carries no policy).
 */
Psid__PrivacyPolicy *budget_policy_to_wire(const struct psid_privacy *p,
    Psid__PrivacyPolicy *wire);

/* The policy of wire (NULL: none, enabled false) into *out. */
void budget_policy_from_wire(const Psid__PrivacyPolicy *wire,
    struct psid_privacy *out);

#endif /* PSID_CLIENT_BUDGET_H */
