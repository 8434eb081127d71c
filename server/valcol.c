/* SPDX-License-Identifier: Apache-2.0 */
/*
 * valcol.c: which value columns a rule asks for, and a dictionary's blob
 * read back (see valcol.h).
 */
#include "config.h"

#include <string.h>

#include "valcol.h"

bool
valcol_wants_codes(const Psid__AnalysisRule *rule, const char *name)
{
	size_t i;

	if (rule == NULL || rule->kind != PSID__ANALYSIS_RULE__KIND__AGGREGATION)
		return false;
	for (i = 0; i < rule->n_dimension_columns; i++)
		if (strcmp(rule->dimension_columns[i], name) == 0)
			return true;
	for (i = 0; i < rule->n_output_constraints; i++)
		if (strcmp(rule->output_constraints[i]->column, name) == 0)
			return true;
	for (i = 0; i < rule->n_aggregate_columns; i++)
		if (strcmp(rule->aggregate_columns[i]->column, name) == 0 &&
		    (rule->aggregate_columns[i]->function ==
		    PSID__AGGREGATE_COLUMN__FUNCTION__COUNT ||
		    rule->aggregate_columns[i]->function ==
		    PSID__AGGREGATE_COLUMN__FUNCTION__COUNT_DISTINCT))
			return true;
	return false;
}

bool
valcol_wants_decimal(const Psid__AnalysisRule *rule, const char *name)
{
	size_t i;

	if (rule == NULL || rule->kind != PSID__ANALYSIS_RULE__KIND__AGGREGATION)
		return false;
	for (i = 0; i < rule->n_aggregate_columns; i++)
		if (strcmp(rule->aggregate_columns[i]->column, name) == 0 &&
		    (rule->aggregate_columns[i]->function ==
		    PSID__AGGREGATE_COLUMN__FUNCTION__SUM ||
		    rule->aggregate_columns[i]->function ==
		    PSID__AGGREGATE_COLUMN__FUNCTION__SUM_DISTINCT ||
		    rule->aggregate_columns[i]->function ==
		    PSID__AGGREGATE_COLUMN__FUNCTION__AVG))
			return true;
	return false;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

int
valcol_dict_open(struct valcol_dict *d, const void *blob, size_t len)
{
	const uint8_t *p = blob;
	uint32_t n, i, prev = 0, off;

	if (p == NULL || len < 8)
		return -1;
	n = le32(p);
	if (n > VALCOL_DICT_MAX_VALUES || len < 4 + 4 * ((size_t)n + 1))
		return -1;
	d->n = n;
	d->offsets = p + 4;
	d->bytes = p + 4 + 4 * ((size_t)n + 1);
	d->nbytes = len - (size_t)(d->bytes - p);
	for (i = 0; i <= n; i++) {
		off = le32(d->offsets + 4 * (size_t)i);
		if ((i == 0 && off != 0) || off < prev || off > d->nbytes)
			return -1;
		prev = off;
	}
	return prev == d->nbytes ? 0 : -1;
}

const uint8_t *
valcol_dict_value(const struct valcol_dict *d, uint32_t code, size_t *len)
{
	uint32_t a = le32(d->offsets + 4 * (size_t)code);
	uint32_t b = le32(d->offsets + 4 * ((size_t)code + 1));

	*len = b - a;
	return d->bytes + a;
}
