/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rule.h: rule files read from memory (the fuzz target's entry; libpsid
 * callers use psid_rule_load).
 */
#ifndef PSID_CLIENT_RULE_H
#define PSID_CLIENT_RULE_H

#include <stddef.h>

#include "psid/client.h"

/*
 * psid_rule_load() of the JSON text buf[0..len), named name in messages.
 * Returns as psid_rule_load().
 */
int rule_load_buffer(const char *buf, size_t len, const char *name,
    struct psid_rule *rule, struct psid_report *report);

#endif /* PSID_CLIENT_RULE_H */
