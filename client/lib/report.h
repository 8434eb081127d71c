/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h: filling a struct psid_report (file, line, column, message)
 * from the table operations.
 */
#ifndef PSID_REPORT_H
#define PSID_REPORT_H

#include <stdint.h>

#include "psid/client.h"

/* Clear a report (NULL is allowed). */
void report_reset(struct psid_report *report);

/*
 * Record an error: line (0 if none) and column ("" or NULL if none), and
 * a printf-style message. Returns code, for "return report_fail(...)".
 */
int report_fail(struct psid_report *report, int code, uint64_t line,
    const char *column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif /* PSID_REPORT_H */
