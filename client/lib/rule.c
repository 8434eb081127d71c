/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rule.c: a table's analysis rule from a JSON rule file, in AWS Clean
 * Rooms' vocabulary (psid_rule_load):
 *
 *   { "type": "aggregation",
 *     "outputConstraints": [ { "columnName": "email", "minimum": 100,
 *                              "type": "COUNT_DISTINCT" } ],
 *     "differentialPrivacy": { "epsilon": 0.5, "budget": 10,
 *                              "contributionLimit": 1, "refresh": "never",
 *                              "mechanism": "laplace" } }
 *   { "type": "list", "listColumns": ["email", "amount"] }
 *
 * and the aggregation keys of rule_agg.c (joinColumns, dimensionColumns,
 * aggregateColumns, allowedJoinOperators, joinRequired).
 *
 * Every error is one line naming the key (outputConstraints[2].minimum,
 * differentialPrivacy.epsilon, ...); nothing is half-read: *rule is only
 * set when the whole file is good. Decimals (epsilon, budget) are exact
 * to the thousandth, the unit psid counts them in.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "header.h"
#include "psid/client.h"
#include "report.h"
#include "rule.h"

/* Clean Rooms' keys that this psid does not take yet. */
static const char *const later_keys[] = {
	"scalarFunctions", "allowedSelectColumns", NULL
};

/*
 * A JSON number with at most three decimals, above 0 and at most max,
 * in thousandths. Returns 0, or -1 with the reason in why.
 */
static int
milli_of(json_t *v, double max, uint64_t *out, const char **why)
{
	double x, scaled;

	if (!json_is_number(v)) {
		*why = "must be a number";
		return -1;
	}
	x = json_number_value(v);
	if (!(x > 0)) {
		*why = "must be above 0";
		return -1;
	}
	if (x > max) {
		*why = "is too large";
		return -1;
	}
	scaled = x * 1000.0;
	if (fabs(scaled - nearbyint(scaled)) > 1e-6 * fmax(1.0, scaled)) {
		*why = "has more than 3 decimal places";
		return -1;
	}
	*out = (uint64_t)nearbyint(scaled);
	return *out > 0 ? 0 : (*why = "must be at least 0.001", -1);
}

/* A string member that must be one of words[] (index into *out). */
static int
word_of(json_t *v, const char *const *words, int *out)
{
	int i;

	if (!json_is_string(v))
		return -1;
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(json_string_value(v), words[i]) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

static int
parse_privacy(json_t *dp, const char *file, struct psid_privacy *p,
    struct psid_report *report)
{
	static const char *const keys[] = { "epsilon", "budget",
	    "contributionLimit", "refresh", "mechanism", NULL };
	static const char *const refresh[] = { "never", "monthly", NULL };
	static const char *const mech[] = { "laplace", "gaussian", NULL };
	char bad[RULE_BAD_KEY_SIZE];
	const char *why;
	json_t *v;
	uint64_t m;
	int w;

	if (!json_is_object(dp))
		return RULE_FAIL(report, "%s: key differentialPrivacy: must be "
		    "an object", file);
	if (!rule_keys_known(dp, keys, bad))
		return RULE_FAIL(report, "%s: key differentialPrivacy.%s: "
		    "unknown key", file, bad);
	memset(p, 0, sizeof(*p));
	p->enabled = true;
	if ((v = json_object_get(dp, "epsilon")) == NULL)
		return RULE_FAIL(report, "%s: key differentialPrivacy.epsilon: "
		    "required", file);
	if (milli_of(v, 10.0, &m, &why) != 0)
		return RULE_FAIL(report, "%s: key differentialPrivacy.epsilon: "
		    "%s (0.001 to 10)", file, why);
	p->epsilon_milli = (uint32_t)m;
	if ((v = json_object_get(dp, "budget")) == NULL)
		return RULE_FAIL(report, "%s: key differentialPrivacy.budget: "
		    "required", file);
	if (milli_of(v, 1e6, &m, &why) != 0)
		return RULE_FAIL(report, "%s: key differentialPrivacy.budget: "
		    "%s (up to 1000000)", file, why);
	if (m < p->epsilon_milli)
		return RULE_FAIL(report, "%s: key differentialPrivacy.budget: "
		    "smaller than epsilon", file);
	p->budget_milli = m;
	p->contribution_limit = 1;
	if ((v = json_object_get(dp, "contributionLimit")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 1000)
			return RULE_FAIL(report, "%s: key differentialPrivacy."
			    "contributionLimit: must be an integer, 1 to 1000",
			    file);
		p->contribution_limit = (uint32_t)json_integer_value(v);
	}
	if ((v = json_object_get(dp, "refresh")) != NULL) {
		if (word_of(v, refresh, &w) != 0)
			return RULE_FAIL(report, "%s: key differentialPrivacy."
			    "refresh: must be \"never\" or \"monthly\"", file);
		p->refresh = w == 0 ? PSID_REFRESH_NEVER : PSID_REFRESH_MONTHLY;
	}
	if ((v = json_object_get(dp, "mechanism")) != NULL) {
		if (word_of(v, mech, &w) != 0)
			return RULE_FAIL(report, "%s: key differentialPrivacy."
			    "mechanism: must be \"laplace\" or \"gaussian\"",
			    file);
		p->mechanism = w == 0 ? PSID_NOISE_LAPLACE :
		    PSID_NOISE_GAUSSIAN;
	}
	return PSID_OK;
}

/* The keys of a list rule; the aggregation keys are refused. */
static int
parse_list_rule(json_t *root, const char *file, struct psid_rule *rule,
    struct psid_report *report)
{
	static const char *const agg_only[] = { "outputConstraints",
	    "differentialPrivacy", "joinColumns", "dimensionColumns",
	    "aggregateColumns", "allowedJoinOperators", "joinRequired", NULL };
	json_t *v;
	size_t i;

	for (i = 0; agg_only[i] != NULL; i++)
		if (json_object_get(root, agg_only[i]) != NULL)
			return RULE_FAIL(report, "%s: key %s: only for an "
			    "aggregation rule", file, agg_only[i]);
	if ((v = json_object_get(root, "listColumns")) != NULL)
		return rule_names(v, file, "listColumns", &rule->columns,
		    &rule->ncolumns, report);
	return PSID_OK;
}

/* The keys of an aggregation rule. */
static int
parse_aggregation_rule(json_t *root, const char *file,
    struct psid_rule *rule, struct psid_report *report)
{
	json_t *v;
	int rc;

	if (json_object_get(root, "listColumns") != NULL)
		return RULE_FAIL(report, "%s: key listColumns: only for a list "
		    "rule", file);
	if ((v = json_object_get(root, "outputConstraints")) != NULL &&
	    (rc = rule_constraints(v, file, rule, report)) != PSID_OK)
		return rc;
	if ((v = json_object_get(root, "joinColumns")) != NULL &&
	    (rc = rule_names(v, file, "joinColumns", &rule->join_columns,
	    &rule->njoin_columns, report)) != PSID_OK)
		return rc;
	if ((v = json_object_get(root, "dimensionColumns")) != NULL &&
	    (rc = rule_names(v, file, "dimensionColumns",
	    &rule->dimension_columns, &rule->ndimension_columns,
	    report)) != PSID_OK)
		return rc;
	if ((v = json_object_get(root, "aggregateColumns")) != NULL &&
	    (rc = rule_aggregates(v, file, rule, report)) != PSID_OK)
		return rc;
	if ((v = json_object_get(root, "allowedJoinOperators")) != NULL &&
	    (rc = rule_operators(v, file, &rule->allow_or, report)) != PSID_OK)
		return rc;
	if ((v = json_object_get(root, "joinRequired")) != NULL) {
		if (!json_is_string(v) ||
		    strcmp(json_string_value(v), "QUERY_RUNNER") != 0)
			return RULE_FAIL(report, "%s: key joinRequired: must be "
			    "\"QUERY_RUNNER\"", file);
		rule->join_required = true;
	}
	if ((v = json_object_get(root, "differentialPrivacy")) != NULL)
		return parse_privacy(v, file, &rule->privacy, report);
	return PSID_OK;
}

static int
parse_rule(json_t *root, const char *file, struct psid_rule *rule,
    struct psid_report *report)
{
	static const char *const keys[] = { "type", "outputConstraints",
	    "listColumns", "differentialPrivacy", "joinColumns",
	    "dimensionColumns", "aggregateColumns", "allowedJoinOperators",
	    "joinRequired", NULL };
	static const char *const types[] = { "aggregation", "list", NULL };
	char bad[RULE_BAD_KEY_SIZE];
	size_t i;
	int t;

	if (!json_is_object(root))
		return RULE_FAIL(report, "%s: not a JSON object", file);
	if (!rule_keys_known(root, keys, bad)) {
		for (i = 0; later_keys[i] != NULL; i++)
			if (strcmp(bad, later_keys[i]) == 0)
				return RULE_FAIL(report, "%s: key %s: not "
				    "supported by this psid yet", file, bad);
		return RULE_FAIL(report, "%s: key %s: unknown key", file, bad);
	}
	if (word_of(json_object_get(root, "type"), types, &t) != 0)
		return RULE_FAIL(report, "%s: key type: must be \"aggregation\" "
		    "or \"list\"", file);
	rule->kind = t == 0 ? PSID_RULE_AGGREGATION : PSID_RULE_LIST;
	if (rule->kind == PSID_RULE_LIST)
		return parse_list_rule(root, file, rule, report);
	return parse_aggregation_rule(root, file, rule, report);
}

/* *rule from root (consumed), named name in messages. */
static int
rule_from_json(json_t *root, const char *name, struct psid_rule *rule,
    struct psid_report *report)
{
	struct psid_rule r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = parse_rule(root, name, &r, report);
	json_decref(root);
	if (rc != PSID_OK) {
		psid_rule_clear(&r);
		return rc;
	}
	*rule = r;
	return PSID_OK;
}

/*
 * The error of a JSON text that does not parse, on one line (jansson
 * quotes the text near the error, which may hold any byte).
 */
static int
json_failed(const json_error_t *jerr, const char *name,
    struct psid_report *report)
{
	char text[sizeof(jerr->text)];
	size_t i;

	for (i = 0; jerr->text[i] != '\0' && i < sizeof(text) - 1; i++)
		text[i] = (unsigned char)jerr->text[i] < ' ' ||
		    jerr->text[i] == 0x7f ? '?' : jerr->text[i];
	text[i] = '\0';
	if (jerr->line < 0)
		return report_fail(report, PSID_ERR_IO, 0, NULL, "%s: %s",
		    name, text);
	return report_fail(report, PSID_ERR_RULE, (uint64_t)jerr->line,
	    NULL, "%s: line %d, column %d: %s", name, jerr->line,
	    jerr->column, text);
}

int
psid_rule_load(const char *path, struct psid_rule *rule,
    struct psid_report *report)
{
	json_error_t jerr;
	json_t *root;

	report_reset(report);
	if (path == NULL || rule == NULL)
		return PSID_ERR_INVALID;
	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return json_failed(&jerr, path, report);
	return rule_from_json(root, path, rule, report);
}

int
rule_load_buffer(const char *buf, size_t len, const char *name,
    struct psid_rule *rule, struct psid_report *report)
{
	json_error_t jerr;
	json_t *root;

	report_reset(report);
	if (buf == NULL || rule == NULL)
		return PSID_ERR_INVALID;
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return json_failed(&jerr, name, report);
	return rule_from_json(root, name, rule, report);
}

void
psid_rule_clear(struct psid_rule *rule)
{
	size_t i;

	if (rule == NULL)
		return;
	rule_names_free(rule->columns, rule->ncolumns);
	rule_names_free(rule->join_columns, rule->njoin_columns);
	rule_names_free(rule->dimension_columns, rule->ndimension_columns);
	for (i = 0; rule->aggregates != NULL && i < rule->naggregates; i++)
		free((char *)rule->aggregates[i].column);
	free((void *)rule->aggregates);
	for (i = 0; rule->constraints != NULL && i < rule->nconstraints; i++)
		free((char *)rule->constraints[i].column);
	free((void *)rule->constraints);
	memset(rule, 0, sizeof(*rule));
}
