/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload_rule.c: an upload's rule against its columns (see
 * upload_rule.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "upload_rule.h"

/* The type of column name in b, or -1 when b has no such column. */
static int
column_type(const Psid__UploadBegin *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->n_columns; i++)
		if (strcmp(b->columns[i]->name, name) == 0)
			return (int)b->columns[i]->type;
	return -1;
}

static const char *
type_name(int t)
{
	return t == PSID__COLUMN_TYPE__COLUMN_FINGERPRINT ? "a fingerprint" :
	    t == PSID__COLUMN_TYPE__COLUMN_SEALED ? "a sealed" : "a cleartext";
}

static const char *
function_name(Psid__AggregateColumn__Function f)
{
	switch (f) {
	case PSID__AGGREGATE_COLUMN__FUNCTION__COUNT:
		return "COUNT";
	case PSID__AGGREGATE_COLUMN__FUNCTION__COUNT_DISTINCT:
		return "COUNT_DISTINCT";
	case PSID__AGGREGATE_COLUMN__FUNCTION__SUM:
		return "SUM";
	case PSID__AGGREGATE_COLUMN__FUNCTION__SUM_DISTINCT:
		return "SUM_DISTINCT";
	default:
		return "AVG";
	}
}

/* Each of names[0..n) is a column of b of type want ("key": the rule's). */
static bool
names_typed(const Psid__UploadBegin *b, char **names, size_t n, int want,
    const char *key, char *why, size_t size)
{
	size_t i;
	int t;

	for (i = 0; i < n; i++) {
		if ((t = column_type(b, names[i])) < 0) {
			snprintf(why, size, "rule: %s names column %s, which "
			    "the table lacks", key, names[i]);
			return false;
		}
		if (t != want) {
			snprintf(why, size, "rule: %s: %s is %s column; %s "
			    "must be %s columns", key, names[i], type_name(t),
			    key, want == PSID__COLUMN_TYPE__COLUMN_FINGERPRINT ?
			    "fingerprint" : "cleartext");
			return false;
		}
	}
	return true;
}

static bool
aggregates_typed(const Psid__UploadBegin *b, char *why, size_t size)
{
	const Psid__AnalysisRule *r = b->rule;
	const Psid__AggregateColumn *a;
	size_t i;
	int t;

	for (i = 0; i < r->n_aggregate_columns; i++) {
		a = r->aggregate_columns[i];
		if ((t = column_type(b, a->column)) < 0) {
			snprintf(why, size, "rule: aggregateColumns names column "
			    "%s, which the table lacks", a->column);
			return false;
		}
		if (t == PSID__COLUMN_TYPE__COLUMN_SEALED) {
			snprintf(why, size, "rule: aggregateColumns: %s is a "
			    "sealed column, which can never be aggregated",
			    a->column);
			return false;
		}
		if (t == PSID__COLUMN_TYPE__COLUMN_FINGERPRINT &&
		    a->function != PSID__AGGREGATE_COLUMN__FUNCTION__COUNT &&
		    a->function !=
		    PSID__AGGREGATE_COLUMN__FUNCTION__COUNT_DISTINCT) {
			snprintf(why, size, "rule: aggregateColumns: %s on %s, "
			    "a fingerprint column: only COUNT and "
			    "COUNT_DISTINCT apply to fingerprints",
			    function_name(a->function), a->column);
			return false;
		}
	}
	for (i = 0; i < r->n_output_constraints; i++) {
		t = column_type(b, r->output_constraints[i]->column);
		if (t < 0 || t == PSID__COLUMN_TYPE__COLUMN_SEALED) {
			snprintf(why, size, "rule: outputConstraints: column %s "
			    "%s", r->output_constraints[i]->column, t < 0 ?
			    "is not in the table" : "is sealed, which cannot "
			    "be counted");
			return false;
		}
	}
	return true;
}

bool
upload_rule_check(const Psid__UploadBegin *b, char *why, size_t size)
{
	const Psid__AnalysisRule *r = b->rule;
	size_t i;

	for (i = 0; i < r->n_list_columns; i++)
		if (column_type(b, r->list_columns[i]) < 0) {
			snprintf(why, size, "the rule lists column %s, which the "
			    "table lacks", r->list_columns[i]);
			return false;
		}
	return names_typed(b, r->join_columns, r->n_join_columns,
	    PSID__COLUMN_TYPE__COLUMN_FINGERPRINT, "joinColumns", why, size) &&
	    names_typed(b, r->dimension_columns, r->n_dimension_columns,
	    PSID__COLUMN_TYPE__COLUMN_CLEARTEXT, "dimensionColumns", why,
	    size) && aggregates_typed(b, why, size);
}
