/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_rule.c: libFuzzer target for the rule-file reader of libpsid
 * (client/lib/rule.c): any bytes either make a rule whose values are in
 * their documented ranges, or one error that names the file; nothing
 * leaks either way. Built by `make fuzz` (clang, -fsanitize=fuzzer); its
 * corpus is replayed by tests/fuzz_rule_replay in make check.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct psid_report report;
	struct psid_rule rule;
	size_t i;
	int rc;

	rc = rule_load_buffer((const char *)data, size, "fuzz.json", &rule,
	    &report);
	if (rc != PSID_OK) {
		/* One line that says which file. */
		if (strncmp(report.message, "fuzz.json: ", 11) != 0 ||
		    strchr(report.message, '\n') != NULL)
			abort();
		return 0;
	}
	if (rule.kind != PSID_RULE_AGGREGATION && rule.kind != PSID_RULE_LIST)
		abort();
	if (rule.min_rows > 1000000000u)
		abort();
	for (i = 0; i < rule.ncolumns; i++)
		if (rule.columns[i] == NULL || rule.columns[i][0] == '\0')
			abort();
	if (rule.privacy.enabled && (rule.kind != PSID_RULE_AGGREGATION ||
	    rule.privacy.epsilon_milli < 1 ||
	    rule.privacy.epsilon_milli > 10000 ||
	    rule.privacy.budget_milli < rule.privacy.epsilon_milli ||
	    rule.privacy.budget_milli > 1000000000u ||
	    rule.privacy.contribution_limit < 1 ||
	    rule.privacy.contribution_limit > 1000))
		abort();
	psid_rule_clear(&rule);
	return 0;
}
