/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rule_wire.c: analysis rules to and from the wire (see rule_wire.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "rule_wire.h"

int
rule_wire_encode(const struct psid_rule *r, struct rule_wire *w)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	psid__analysis_rule__init(&w->rule);
	w->rule.kind = r->kind == PSID_RULE_LIST ?
	    PSID__ANALYSIS_RULE__KIND__LIST :
	    PSID__ANALYSIS_RULE__KIND__AGGREGATION;
	w->rule.min_rows = r->min_rows;
	w->rule.n_list_columns = r->ncolumns;
	w->rule.list_columns = (char **)r->columns;
	w->rule.privacy = budget_policy_to_wire(&r->privacy, &w->privacy);
	w->rule.n_join_columns = r->njoin_columns;
	w->rule.join_columns = (char **)r->join_columns;
	w->rule.n_dimension_columns = r->ndimension_columns;
	w->rule.dimension_columns = (char **)r->dimension_columns;
	w->rule.allow_or = r->allow_or;
	w->rule.join_required = r->join_required;
	if ((r->naggregates > 0 && ((w->aggregates = calloc(r->naggregates,
	    sizeof(*w->aggregates))) == NULL || (w->aggregate_ptrs =
	    calloc(r->naggregates, sizeof(*w->aggregate_ptrs))) == NULL)) ||
	    (r->nconstraints > 0 && ((w->constraints = calloc(r->nconstraints,
	    sizeof(*w->constraints))) == NULL || (w->constraint_ptrs =
	    calloc(r->nconstraints, sizeof(*w->constraint_ptrs))) == NULL)))
		return PSID_ERR_NOMEM;
	for (i = 0; i < r->naggregates; i++) {
		psid__aggregate_column__init(&w->aggregates[i]);
		w->aggregates[i].column = (char *)r->aggregates[i].column;
		w->aggregates[i].function =
		    (Psid__AggregateColumn__Function)r->aggregates[i].function;
		w->aggregate_ptrs[i] = &w->aggregates[i];
	}
	w->rule.n_aggregate_columns = r->naggregates;
	w->rule.aggregate_columns = w->aggregate_ptrs;
	for (i = 0; i < r->nconstraints; i++) {
		psid__output_constraint__init(&w->constraints[i]);
		w->constraints[i].column = (char *)r->constraints[i].column;
		w->constraints[i].minimum = r->constraints[i].minimum;
		w->constraint_ptrs[i] = &w->constraints[i];
	}
	w->rule.n_output_constraints = r->nconstraints;
	w->rule.output_constraints = w->constraint_ptrs;
	return PSID_OK;
}

void
rule_wire_free(struct rule_wire *w)
{
	free(w->aggregates);
	free(w->aggregate_ptrs);
	free(w->constraints);
	free(w->constraint_ptrs);
	memset(w, 0, sizeof(*w));
}

int
rule_wire_decode(const Psid__AnalysisRule *wire, struct rule_wire_decoded *d)
{
	struct psid_rule *r = &d->rule;
	size_t i;

	memset(d, 0, sizeof(*d));
	if (wire == NULL)
		return PSID_OK;
	r->kind = wire->kind == PSID__ANALYSIS_RULE__KIND__LIST ?
	    PSID_RULE_LIST : PSID_RULE_AGGREGATION;
	r->min_rows = wire->min_rows;
	r->columns = (const char *const *)wire->list_columns;
	r->ncolumns = wire->n_list_columns;
	budget_policy_from_wire(wire->privacy, &r->privacy);
	r->join_columns = (const char *const *)wire->join_columns;
	r->njoin_columns = wire->n_join_columns;
	r->dimension_columns = (const char *const *)wire->dimension_columns;
	r->ndimension_columns = wire->n_dimension_columns;
	r->allow_or = wire->allow_or;
	r->join_required = wire->join_required;
	if ((wire->n_aggregate_columns > 0 && (d->aggregates = calloc(
	    wire->n_aggregate_columns, sizeof(*d->aggregates))) == NULL) ||
	    (wire->n_output_constraints > 0 && (d->constraints = calloc(
	    wire->n_output_constraints, sizeof(*d->constraints))) == NULL))
		return PSID_ERR_NOMEM;
	for (i = 0; i < wire->n_aggregate_columns; i++) {
		d->aggregates[i].column = wire->aggregate_columns[i]->column;
		d->aggregates[i].function =
		    (enum psid_aggregate)wire->aggregate_columns[i]->function;
	}
	r->aggregates = d->aggregates;
	r->naggregates = wire->n_aggregate_columns;
	for (i = 0; i < wire->n_output_constraints; i++) {
		d->constraints[i].column = wire->output_constraints[i]->column;
		d->constraints[i].minimum = wire->output_constraints[i]->minimum;
	}
	r->constraints = d->constraints;
	r->nconstraints = wire->n_output_constraints;
	return PSID_OK;
}

void
rule_wire_decoded_free(struct rule_wire_decoded *d)
{
	free(d->aggregates);
	free(d->constraints);
	memset(d, 0, sizeof(*d));
}
