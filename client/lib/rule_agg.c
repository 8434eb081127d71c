/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rule_agg.c: the aggregation vocabulary of Clean Rooms' rule files
 * (see rule.h): lists of column names, output constraints, aggregate
 * columns and join operators, each error naming its key with its index
 * (aggregateColumns[2].function).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "rule.h"

bool
rule_keys_known(json_t *obj, const char *const *keys,
    char bad[RULE_BAD_KEY_SIZE])
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			for (i = 0; key[i] != '\0' && i < 64; i++)
				bad[i] = (unsigned char)key[i] < ' ' ||
				    key[i] == 0x7f ? '?' : key[i];
			snprintf(bad + i, RULE_BAD_KEY_SIZE - i, "%s",
			    key[i] != '\0' ? "..." : "");
			return false;
		}
	}
	return true;
}

/* A column name from a JSON string, normalised into out; -1 if none. */
static int
name_of(json_t *v, char out[HEADER_MAX_LEN + 1])
{
	if (!json_is_string(v) || header_normalize(json_string_value(v),
	    json_string_length(v), out) < 0 ||
	    !header_is_valid(out, strlen(out)))
		return -1;
	return 0;
}

void
rule_names_free(const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; names != NULL && i < n; i++)
		free((char *)names[i]);
	free((void *)names);
}

int
rule_names(json_t *v, const char *file, const char *key,
    const char *const **out, size_t *n, struct psid_report *report)
{
	char name[HEADER_MAX_LEN + 1], **names;
	json_t *e;
	size_t i;

	if (!json_is_array(v))
		return RULE_FAIL(report, "%s: key %s: must be an array of "
		    "column names", file, key);
	if ((names = calloc(json_array_size(v) + 1, sizeof(*names))) == NULL)
		return report_fail(report, PSID_ERR_NOMEM, 0, NULL, "%s: out of "
		    "memory", file);
	json_array_foreach(v, i, e) {
		if (name_of(e, name) != 0 || (names[i] = strdup(name)) == NULL) {
			rule_names_free((const char *const *)names, i);
			return RULE_FAIL(report, "%s: key %s[%zu]: must be a "
			    "column name", file, key, i + 1);
		}
	}
	*out = (const char *const *)names;
	*n = json_array_size(v);
	return PSID_OK;
}

/* One outputConstraints entry c (index i, 1-based) into *oc. */
static int
constraint_of(json_t *c, size_t i, const char *file,
    struct psid_output_constraint *oc, struct psid_report *report)
{
	static const char *const keys[] = { "columnName", "minimum", "type",
	    NULL };
	char name[HEADER_MAX_LEN + 1], bad[RULE_BAD_KEY_SIZE];
	json_t *v;

	if (!json_is_object(c))
		return RULE_FAIL(report, "%s: key outputConstraints[%zu]: must "
		    "be an object", file, i);
	if (!rule_keys_known(c, keys, bad))
		return RULE_FAIL(report, "%s: key outputConstraints[%zu].%s: "
		    "unknown key", file, i, bad);
	if (name_of(json_object_get(c, "columnName"), name) != 0)
		return RULE_FAIL(report, "%s: key outputConstraints[%zu]."
		    "columnName: must be a column name", file, i);
	v = json_object_get(c, "type");
	if (!json_is_string(v) ||
	    strcmp(json_string_value(v), "COUNT_DISTINCT") != 0)
		return RULE_FAIL(report, "%s: key outputConstraints[%zu].type: "
		    "must be \"COUNT_DISTINCT\"", file, i);
	v = json_object_get(c, "minimum");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 1000000000)
		return RULE_FAIL(report, "%s: key outputConstraints[%zu]."
		    "minimum: must be an integer, 0 to 1000000000", file, i);
	if ((oc->column = strdup(name)) == NULL)
		return report_fail(report, PSID_ERR_NOMEM, 0, NULL, "%s: out of "
		    "memory", file);
	oc->minimum = (uint32_t)json_integer_value(v);
	return PSID_OK;
}

int
rule_constraints(json_t *v, const char *file, struct psid_rule *rule,
    struct psid_report *report)
{
	struct psid_output_constraint *oc;
	json_t *c;
	size_t i;
	int rc;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return RULE_FAIL(report, "%s: key outputConstraints: must be a "
		    "non-empty array", file);
	if ((oc = calloc(json_array_size(v), sizeof(*oc))) == NULL)
		return report_fail(report, PSID_ERR_NOMEM, 0, NULL, "%s: out of "
		    "memory", file);
	rule->constraints = oc;
	rule->min_rows = 0;
	json_array_foreach(v, i, c) {
		if ((rc = constraint_of(c, i + 1, file, &oc[i],
		    report)) != PSID_OK)
			return rc;	/* the caller clears the rule */
		rule->nconstraints = i + 1;
		if (oc[i].minimum > rule->min_rows)
			rule->min_rows = oc[i].minimum;
	}
	return PSID_OK;
}

/* The function named by v, or -1. */
static int
function_of(json_t *v)
{
	static const char *const names[] = { "COUNT", "COUNT_DISTINCT", "SUM",
	    "SUM_DISTINCT", "AVG", NULL };
	static const enum psid_aggregate fns[] = { PSID_AGG_COUNT,
	    PSID_AGG_COUNT_DISTINCT, PSID_AGG_SUM, PSID_AGG_SUM_DISTINCT,
	    PSID_AGG_AVG };
	int i;

	if (!json_is_string(v))
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(json_string_value(v), names[i]) == 0)
			return (int)fns[i];
	return -1;
}

/* One aggregateColumns entry a (index i, 1-based), appended to rule. */
static int
aggregate_of(json_t *a, size_t i, const char *file, struct psid_rule *rule,
    struct psid_aggregate_column *out, struct psid_report *report)
{
	static const char *const keys[] = { "columnNames", "function", NULL };
	char name[HEADER_MAX_LEN + 1], bad[RULE_BAD_KEY_SIZE];
	json_t *cols, *c;
	size_t j;
	int fn;

	if (!json_is_object(a))
		return RULE_FAIL(report, "%s: key aggregateColumns[%zu]: must be "
		    "an object", file, i);
	if (!rule_keys_known(a, keys, bad))
		return RULE_FAIL(report, "%s: key aggregateColumns[%zu].%s: "
		    "unknown key", file, i, bad);
	if ((fn = function_of(json_object_get(a, "function"))) < 0)
		return RULE_FAIL(report, "%s: key aggregateColumns[%zu].function:"
		    " must be COUNT, COUNT_DISTINCT, SUM, SUM_DISTINCT or AVG",
		    file, i);
	cols = json_object_get(a, "columnNames");
	if (!json_is_array(cols) || json_array_size(cols) == 0)
		return RULE_FAIL(report, "%s: key aggregateColumns[%zu]."
		    "columnNames: must be a non-empty array of column names",
		    file, i);
	json_array_foreach(cols, j, c) {
		if (name_of(c, name) != 0)
			return RULE_FAIL(report, "%s: key aggregateColumns[%zu]."
			    "columnNames[%zu]: must be a column name", file, i,
			    j + 1);
		if ((out[rule->naggregates].column = strdup(name)) == NULL)
			return report_fail(report, PSID_ERR_NOMEM, 0, NULL,
			    "%s: out of memory", file);
		out[rule->naggregates++].function = (enum psid_aggregate)fn;
	}
	return PSID_OK;
}

int
rule_aggregates(json_t *v, const char *file, struct psid_rule *rule,
    struct psid_report *report)
{
	struct psid_aggregate_column *out;
	size_t i, total = 0;
	json_t *a, *cols;
	int rc;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return RULE_FAIL(report, "%s: key aggregateColumns: must be a "
		    "non-empty array", file);
	json_array_foreach(v, i, a) {
		cols = json_is_object(a) ? json_object_get(a, "columnNames") :
		    NULL;
		total += json_is_array(cols) ? json_array_size(cols) : 0;
	}
	if ((out = calloc(total + 1, sizeof(*out))) == NULL)
		return report_fail(report, PSID_ERR_NOMEM, 0, NULL, "%s: out of "
		    "memory", file);
	rule->aggregates = out;
	json_array_foreach(v, i, a)
		if ((rc = aggregate_of(a, i + 1, file, rule, out,
		    report)) != PSID_OK)
			return rc;	/* the caller clears the rule */
	return PSID_OK;
}

int
rule_operators(json_t *v, const char *file, bool *allow_or,
    struct psid_report *report)
{
	json_t *e;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return RULE_FAIL(report, "%s: key allowedJoinOperators: must be "
		    "a non-empty array of \"AND\" and \"OR\"", file);
	*allow_or = false;
	json_array_foreach(v, i, e) {
		if (json_is_string(e) && strcmp(json_string_value(e), "OR") == 0)
			*allow_or = true;
		else if (!json_is_string(e) ||
		    strcmp(json_string_value(e), "AND") != 0)
			return RULE_FAIL(report, "%s: key allowedJoinOperators"
			    "[%zu]: must be \"AND\" or \"OR\"", file, i + 1);
	}
	return PSID_OK;
}
