/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload_rule.h: an upload's analysis rule checked against its columns
 * before anything is staged: every column a rule names exists, join
 * columns are fingerprint columns, dimension columns cleartext, SUM,
 * SUM_DISTINCT and AVG only on cleartext columns, and no sealed column is
 * ever aggregated, grouped by or constrained.
 */
#ifndef PSID_UPLOAD_RULE_H
#define PSID_UPLOAD_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "psid.pb-c.h"

/*
 * Whether b's rule fits b's columns. Returns true, or false with a
 * one-line reason in why[0..size) that names the rule's key and the
 * column (never a cell).
 */
bool upload_rule_check(const Psid__UploadBegin *b, char *why, size_t size);

#endif /* PSID_UPLOAD_RULE_H */
