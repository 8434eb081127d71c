/* SPDX-License-Identifier: Apache-2.0 */
/*
 * table.c: helpers shared by table encryption and decryption (table.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "table.h"
#include "utf8.h"

int
table_csv_error(struct psid_report *report, const char *path, uint64_t line,
    int csv_result)
{
	if (csv_result == CSV_ERR_IO)
		return report_fail(report, PSID_ERR_IO, line, NULL, "%s: %s",
		    path, strerror(errno));
	if (csv_result == CSV_ERR_NOMEM)
		return report_fail(report, PSID_ERR_NOMEM, line, NULL,
		    "%s: out of memory", path);
	return report_fail(report, PSID_ERR_CSV, line, NULL,
	    "%s: line %" PRIu64 ": %s", path, line,
	    csv_parse_strerror(csv_result));
}

int
table_check_utf8(struct psid_report *report, const char *path,
    const struct csv_row *row, const struct csv_row *header, uint64_t line)
{
	char name[132];
	size_t i;

	for (i = 0; i < row->count; i++) {
		if (utf8_is_valid(row->fields[i].ptr, row->fields[i].len))
			continue;
		if (header != NULL && i < header->count &&
		    utf8_is_valid(header->fields[i].ptr, header->fields[i].len))
			snprintf(name, sizeof(name), "%.*s",
			    (int)(header->fields[i].len > 128 ? 128 :
			    header->fields[i].len), header->fields[i].ptr);
		else
			snprintf(name, sizeof(name), "_c%zu", i);
		return report_fail(report, PSID_ERR_ENCODING, line, name,
		    "%s: line %" PRIu64 ", column \"%s\": not valid UTF-8 "
		    "(C3R reads UTF-8 only)", path, line, name);
	}
	return PSID_OK;
}

int
table_copy_row(const struct csv_row *row, struct csv_row *copy,
    char **storage)
{
	size_t i, total = 0;
	char *p;

	for (i = 0; i < row->count; i++)
		total += row->fields[i].len + 1;
	copy->fields = calloc(row->count ? row->count : 1,
	    sizeof(*copy->fields));
	if (copy->fields == NULL || (p = malloc(total + 1)) == NULL) {
		free(copy->fields);
		copy->fields = NULL;
		return PSID_ERR_NOMEM;
	}
	*storage = p;
	copy->count = copy->cap = row->count;
	for (i = 0; i < row->count; i++) {
		memcpy(p, row->fields[i].ptr, row->fields[i].len);
		p[row->fields[i].len] = '\0';
		copy->fields[i] = row->fields[i];
		copy->fields[i].ptr = p;
		p += row->fields[i].len + 1;
	}
	return PSID_OK;
}

void
table_prefix_report(struct psid_report *report, const char *prefix)
{
	char msg[sizeof(report->message)];

	if (report == NULL)
		return;
	if (strncmp(report->message, prefix, strlen(prefix)) == 0)
		return;
	if (report->line > 0 && report->column[0] != '\0')
		snprintf(msg, sizeof(msg), "%s: line %" PRIu64 ", column "
		    "\"%s\": %s", prefix, report->line, report->column,
		    report->message);
	else if (report->line > 0)
		snprintf(msg, sizeof(msg), "%s: line %" PRIu64 ": %s", prefix,
		    report->line, report->message);
	else if (report->column[0] != '\0')
		snprintf(msg, sizeof(msg), "%s: column \"%s\": %s", prefix,
		    report->column, report->message);
	else
		snprintf(msg, sizeof(msg), "%s: %s", prefix, report->message);
	memcpy(report->message, msg, sizeof(msg));
}

size_t
table_thread_count(const struct psid_csv_options *opts)
{
	long n = opts->threads;

	if (n == 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > 64 ? 64 : (size_t)n;
}

const char *
table_temp_dir(const struct psid_csv_options *opts)
{
	const char *dir = opts->temp_dir;

	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	return dir != NULL && *dir != '\0' ? dir : "/tmp";
}
