/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c: error reports of the table operations (see report.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

void
report_reset(struct psid_report *report)
{
	if (report != NULL)
		memset(report, 0, sizeof(*report));
}

int
report_fail(struct psid_report *report, int code, uint64_t line,
    const char *column, const char *fmt, ...)
{
	va_list ap;

	if (report == NULL)
		return code;
	report->rows = 0;
	report->line = line;
	snprintf(report->column, sizeof(report->column), "%s",
	    column != NULL ? column : "");
	va_start(ap, fmt);
	vsnprintf(report->message, sizeof(report->message), fmt, ap);
	va_end(ap);
	return code;
}
