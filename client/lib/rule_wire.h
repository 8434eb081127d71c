/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rule_wire.h: a struct psid_rule to and from the wire's AnalysisRule
 * (the upload sends one, the table list brings them back).
 */
#ifndef PSID_CLIENT_RULE_WIRE_H
#define PSID_CLIENT_RULE_WIRE_H

#include "psid.pb-c.h"
#include "psid/client.h"

/* An AnalysisRule and the arrays it points to. */
struct rule_wire {
	Psid__AnalysisRule rule;
	Psid__PrivacyPolicy privacy;
	Psid__AggregateColumn *aggregates, **aggregate_ptrs;
	Psid__OutputConstraint *constraints, **constraint_ptrs;
};

/*
 * w->rule made from r (strings borrowed from r, which must outlive it).
 * Returns PSID_OK or PSID_ERR_NOMEM; free with rule_wire_free either way.
 */
int rule_wire_encode(const struct psid_rule *r, struct rule_wire *w);
void rule_wire_free(struct rule_wire *w);

/* A psid_rule read from the wire, and the arrays it points to. */
struct rule_wire_decoded {
	struct psid_rule rule;
	struct psid_aggregate_column *aggregates;
	struct psid_output_constraint *constraints;
};

/*
 * d->rule made from wire (strings borrowed from wire, which must outlive
 * it). Returns PSID_OK or PSID_ERR_NOMEM; free with
 * rule_wire_decoded_free either way.
 */
int rule_wire_decode(const Psid__AnalysisRule *wire,
    struct rule_wire_decoded *d);
void rule_wire_decoded_free(struct rule_wire_decoded *d);

#endif /* PSID_CLIENT_RULE_WIRE_H */
