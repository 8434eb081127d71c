/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rule.h: rule files inside libpsid: read from memory (the fuzz target's
 * entry; callers use psid_rule_load), and what rule.c and rule_agg.c (the
 * aggregation vocabulary) share. Every error is one line naming the file
 * and the key, through report_fail with PSID_ERR_RULE.
 */
#ifndef PSID_CLIENT_RULE_H
#define PSID_CLIENT_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "psid/client.h"
#include "report.h"

#define RULE_FAIL(rep, ...) \
	report_fail((rep), PSID_ERR_RULE, 0, NULL, __VA_ARGS__)

/* Room for an unknown key in a message: 64 bytes and "...". */
#define RULE_BAD_KEY_SIZE 72

/*
 * psid_rule_load() of the JSON text buf[0..len), named name in messages.
 * Returns as psid_rule_load().
 */
int rule_load_buffer(const char *buf, size_t len, const char *name,
    struct psid_rule *rule, struct psid_report *report);

/*
 * Whether every key of obj is one of keys[] (NULL ended); else bad holds
 * the first other, fit for a one-line message (control characters shown
 * as '?', cut at 64 bytes).
 */
bool rule_keys_known(json_t *obj, const char *const *keys,
    char bad[RULE_BAD_KEY_SIZE]);

/*
 * The array of column names v (key: its name in messages), normalised as
 * C3R headers, into *out (n of them, NULL ended, each malloc'd: free with
 * rule_names_free). Returns PSID_OK, PSID_ERR_RULE or PSID_ERR_NOMEM
 * (nothing allocated then).
 */
int rule_names(json_t *v, const char *file, const char *key,
    const char *const **out, size_t *n, struct psid_report *report);

/* Free names[0..n) and the array (NULL accepted). */
void rule_names_free(const char *const *names, size_t n);

/*
 * outputConstraints into rule->constraints (owned by the rule) and
 * rule->min_rows (the largest minimum). Returns as rule_names().
 */
int rule_constraints(json_t *v, const char *file, struct psid_rule *rule,
    struct psid_report *report);

/*
 * aggregateColumns ([{ "columnNames": [...], "function": "SUM" }, ...])
 * into rule->aggregates, one entry per column and function (owned by the
 * rule). Returns as rule_names().
 */
int rule_aggregates(json_t *v, const char *file, struct psid_rule *rule,
    struct psid_report *report);

/*
 * allowedJoinOperators (a non-empty array of "AND" and "OR"; AND is
 * always allowed) into *allow_or. Returns PSID_OK or PSID_ERR_RULE.
 */
int rule_operators(json_t *v, const char *file, bool *allow_or,
    struct psid_report *report);

#endif /* PSID_CLIENT_RULE_H */
