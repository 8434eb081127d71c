/* SPDX-License-Identifier: Apache-2.0 */
/*
 * template.c: psid_schema_template(), the schema template C3R's
 * "schema --template" writes (cli/io/schema/TemplateSchemaGenerator.java).
 *
 * Only the first CSV row is read. With a header row, each column becomes
 * a mapped entry whose source and target headers are the normalised
 * header; without one, each column becomes a one-element array holding
 * an entry with target header "_c<index>". Every entry carries the same
 * placeholders as C3R's: the list of column types and an example pad with
 * a COMMENT. The JSON is laid out as Gson's pretty printer lays it out
 * (2-space indentation, no final newline) so the file is byte for byte
 * what C3R writes for the same input.
 *
 * The output is written to a temporary file beside it and renamed into
 * place: on any error nothing is left behind and an existing file is kept.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "psid/client.h"
#include "csv.h"
#include "header.h"
#include "fileout.h"
#include "outbuf.h"
#include "report.h"
#include "utf8.h"

/* Most columns C3R's CSV reader accepts (CsvRowReader.MAX_COLUMN_COUNT). */
#define TEMPLATE_MAX_COLUMNS 1600

/* The placeholders, as C3R writes them (no collaboration settings given). */
#define TYPE_PLACEHOLDER "[sealed|fingerprint|cleartext]"
#define PAD_COMMENT "omit this pad entry unless column type is sealed"
#define PAD_TYPE_PLACEHOLDER "[none|fixed|max]"
#define PAD_LENGTH_PLACEHOLDER \
	"omit length property for type none, otherwise specify value in " \
	"[0, 10000]"

/* Gson's pretty printing: 2 spaces, keys in insertion order. */
#define TEMPLATE_JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* How much of a header an error message quotes. */
#define QUOTE_MAX 64

/*
 * Copy a (valid UTF-8) header into dst for a one-line message: control
 * characters become '?', and a long header is cut at a character
 * boundary and ends in "...".
 */
static void
quote_header(char *dst, size_t size, const char *s, size_t len)
{
	size_t max = size - 4, n = len, i;

	if (len > max) {
		n = max;
		/* Do not end inside a multi-byte character. */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	memcpy(dst + n, n < len ? "..." : "", n < len ? 4 : 1);
}

/* Add key: a copy of value[0..len) to obj. Returns 0 or -1 (no memory). */
static int
set_string(json_t *obj, const char *key, const char *value, size_t len)
{
	return json_object_set_new(obj, key, json_stringn(value, len));
}

/*
 * One template entry: [sourceHeader,] targetHeader, type and pad.
 * source may be NULL (positional schemas have no source header).
 */
static json_t *
template_entry(const char *source, const char *target, size_t target_len)
{
	json_t *entry, *pad;

	if ((entry = json_object()) == NULL)
		return NULL;
	if ((source != NULL &&
	    set_string(entry, "sourceHeader", source, strlen(source)) != 0) ||
	    set_string(entry, "targetHeader", target, target_len) != 0 ||
	    set_string(entry, "type", TYPE_PLACEHOLDER,
	    strlen(TYPE_PLACEHOLDER)) != 0)
		goto fail;
	if ((pad = json_object()) == NULL)
		goto fail;
	if (json_object_set_new(entry, "pad", pad) != 0)
		goto fail;
	if (set_string(pad, "COMMENT", PAD_COMMENT, strlen(PAD_COMMENT)) != 0 ||
	    set_string(pad, "type", PAD_TYPE_PLACEHOLDER,
	    strlen(PAD_TYPE_PLACEHOLDER)) != 0 ||
	    set_string(pad, "length", PAD_LENGTH_PLACEHOLDER,
	    strlen(PAD_LENGTH_PLACEHOLDER)) != 0)
		goto fail;
	return entry;
fail:
	json_decref(entry);
	return NULL;
}

/*
 * Check one header field and append its mapped entry to columns.
 * Returns PSID_OK, PSID_ERR_CSV (the header is not a valid C3R header)
 * or PSID_ERR_NOMEM.
 */
static int
add_mapped_column(json_t *columns, const struct csv_field *field,
    size_t index, const char *input_path, uint64_t line,
    struct psid_report *report)
{
	char norm[HEADER_MAX_LEN + 1], quoted[QUOTE_MAX + 4];
	long len;
	json_t *entry;

	len = header_normalize(field->ptr, field->len, norm);
	if (len < 0) {
		quote_header(quoted, sizeof(quoted), field->ptr, field->len);
		(void)report_fail(report, 0, line, "",
		    "%s: line %llu: header %zu (\"%s\") is longer than %d "
		    "characters", input_path, (unsigned long long)line,
		    index + 1, quoted, HEADER_MAX_LEN);
		return PSID_ERR_CSV;
	}
	if (len == 0) {
		(void)report_fail(report, 0, line, "",
		    "%s: line %llu: header %zu is empty; every column needs a "
		    "name", input_path, (unsigned long long)line, index + 1);
		return PSID_ERR_CSV;
	}
	if (!header_is_valid(norm, (size_t)len)) {
		quote_header(quoted, sizeof(quoted), norm, (size_t)len);
		(void)report_fail(report, 0, line, quoted,
		    "%s: line %llu: header %zu (\"%s\") is not a valid AWS Clean "
		    "Rooms column name: after trimming and lower-casing it must "
		    "match [a-z0-9_](([a-z0-9_ ]+-)*([a-z0-9_ ]+))?",
		    input_path, (unsigned long long)line, index + 1, quoted);
		return PSID_ERR_CSV;
	}
	if ((entry = template_entry(norm, norm, (size_t)len)) == NULL)
		return PSID_ERR_NOMEM;
	if (json_array_append_new(columns, entry) != 0)
		return PSID_ERR_NOMEM;
	return PSID_OK;
}

/* Append the positional entry of column index to columns. */
static int
add_positional_column(json_t *columns, size_t index)
{
	char name[32];
	int n;
	json_t *entry, *inner;

	n = snprintf(name, sizeof(name), "_c%zu", index);
	if ((entry = template_entry(NULL, name, (size_t)n)) == NULL)
		return PSID_ERR_NOMEM;
	if ((inner = json_array()) == NULL) {
		json_decref(entry);
		return PSID_ERR_NOMEM;
	}
	if (json_array_append_new(inner, entry) != 0 ||
	    json_array_append_new(columns, inner) != 0)
		return PSID_ERR_NOMEM;
	return PSID_OK;
}

/* Map a csv_reader_next() error to a code and a report. */
static int
csv_error(int result, const char *input_path, uint64_t line,
    struct psid_report *report)
{
	switch (result) {
	case CSV_ERR_IO:
		(void)report_fail(report, 0, line, "", "%s: cannot read: %s", input_path,
		    strerror(errno));
		return PSID_ERR_IO;
	case CSV_ERR_NOMEM:
		(void)report_fail(report, 0, line, "", "%s: out of memory reading line "
		    "%llu", input_path, (unsigned long long)line);
		return PSID_ERR_NOMEM;
	case CSV_ERR_ROW_TOO_LONG:
		(void)report_fail(report, 0, line, "", "%s: line %llu: row longer than "
		    "%u bytes", input_path, (unsigned long long)line,
		    CSV_MAX_ROW_BYTES);
		return PSID_ERR_CSV;
	default:
		(void)report_fail(report, 0, line, "", "%s: line %llu: %s", input_path,
		    (unsigned long long)line, csv_parse_strerror(result));
		return PSID_ERR_CSV;
	}
}

/*
 * Read the first row of input_path and build the template in *rootp.
 * Returns PSID_OK, PSID_ERR_CSV, PSID_ERR_ENCODING, PSID_ERR_IO or
 * PSID_ERR_NOMEM.
 */
static int
build_template(const char *input_path, bool has_header, json_t **rootp,
    struct psid_report *report)
{
	struct csv_reader *reader = NULL;
	struct csv_row row = { 0 };
	json_t *root = NULL, *columns;
	uint64_t line;
	size_t i;
	int rc, result;

	*rootp = NULL;
	rc = csv_reader_open(input_path, &reader);
	if (rc != PSID_OK) {
		if (rc == PSID_ERR_NOMEM)
			(void)report_fail(report, 0, 0, "", "%s: out of memory opening it",
			    input_path);
		else
			(void)report_fail(report, 0, 0, "", "%s: cannot open: %s",
			    input_path, strerror(errno));
		return rc == PSID_ERR_NOMEM ? PSID_ERR_NOMEM : PSID_ERR_IO;
	}
	result = csv_reader_next(reader, &row);
	line = csv_reader_line(reader);
	if (result == 0) {
		(void)report_fail(report, 0, 0, "", "%s is empty: a schema template needs "
		    "at least one row", input_path);
		rc = PSID_ERR_CSV;
		goto out;
	}
	if (result != CSV_ROW) {
		rc = csv_error(result, input_path, line, report);
		goto out;
	}
	if (row.count > TEMPLATE_MAX_COLUMNS) {
		(void)report_fail(report, 0, line, "", "%s: line %llu: %zu columns, more "
		    "than the %d C3R accepts", input_path,
		    (unsigned long long)line, row.count, TEMPLATE_MAX_COLUMNS);
		rc = PSID_ERR_CSV;
		goto out;
	}
	/* C3R decodes its input strictly: the first row must be UTF-8. */
	for (i = 0; i < row.count; i++) {
		if (!utf8_is_valid(row.fields[i].ptr, row.fields[i].len)) {
			(void)report_fail(report, 0, line, "", "%s: line %llu, column %zu: "
			    "not valid UTF-8", input_path,
			    (unsigned long long)line, i + 1);
			rc = PSID_ERR_ENCODING;
			goto out;
		}
	}

	rc = PSID_ERR_NOMEM;
	if ((root = json_object()) == NULL ||
	    json_object_set_new(root, "headerRow", json_boolean(has_header)) ||
	    (columns = json_array()) == NULL)
		goto out;
	if (json_object_set_new(root, "columns", columns) != 0)
		goto out;
	for (i = 0; i < row.count; i++) {
		if (has_header)
			rc = add_mapped_column(columns, &row.fields[i], i,
			    input_path, line, report);
		else
			rc = add_positional_column(columns, i);
		if (rc != PSID_OK)
			goto out;
	}
	rc = PSID_OK;
	*rootp = root;
	root = NULL;
out:
	if (rc == PSID_ERR_NOMEM && report != NULL &&
	    report->message[0] == '\0')
		(void)report_fail(report, 0, line, "", "%s: out of memory building the "
		    "schema template", input_path);
	json_decref(root);
	csv_row_release(&row);
	csv_reader_free(reader);
	return rc;
}

/*
 * Write data[0..len) to output, all or nothing (fileout.h).
 * Returns PSID_OK, PSID_ERR_EXISTS, PSID_ERR_IO or PSID_ERR_NOMEM.
 */
static int
write_output(const char *output, const char *data, size_t len,
    bool overwrite, struct psid_report *report)
{
	struct fileout out;
	int rc;

	if ((rc = fileout_open(&out, output, overwrite)) == PSID_OK) {
		if (outbuf_write_all(out.fd, data, len) != 0)
			rc = PSID_ERR_IO;
		else
			rc = fileout_commit(&out);
		fileout_abort(&out);
	}
	if (rc == PSID_ERR_EXISTS)
		(void)report_fail(report, 0, 0, "", "%s already exists; not "
		    "overwriting", output);
	else if (rc != PSID_OK)
		(void)report_fail(report, 0, 0, "", "%s: cannot write: %s",
		    output, rc == PSID_ERR_NOMEM ? "out of memory" :
		    strerror(errno));
	return rc;
}

int
psid_schema_template(const char *input_path, bool has_header,
    const char *output_path, bool overwrite, struct psid_report *report)
{
	struct stat st;
	json_t *root = NULL;
	char *text = NULL;
	size_t len;
	int rc;

	if (report != NULL)
		memset(report, 0, sizeof(*report));
	if (input_path == NULL || output_path == NULL) {
		(void)report_fail(report, 0, 0, "", "schema template: no %s file given",
		    input_path == NULL ? "input" : "output");
		return PSID_ERR_INVALID;
	}
	if (!overwrite) {
		if (lstat(output_path, &st) == 0) {
			(void)report_fail(report, 0, 0, "", "%s already exists; not "
			    "overwriting it", output_path);
			return PSID_ERR_EXISTS;
		}
		if (errno != ENOENT) {
			(void)report_fail(report, 0, 0, "", "%s: %s", output_path,
			    strerror(errno));
			return PSID_ERR_IO;
		}
	}

	if ((rc = build_template(input_path, has_header, &root, report)) != 0)
		return rc;

	/* Serialise into a buffer of our own (jansson may use its allocator). */
	rc = PSID_ERR_NOMEM;
	if ((len = json_dumpb(root, NULL, 0, TEMPLATE_JSON_FLAGS)) == 0 ||
	    (text = malloc(len)) == NULL ||
	    json_dumpb(root, text, len, TEMPLATE_JSON_FLAGS) != len) {
		(void)report_fail(report, 0, 0, "", "%s: out of memory writing the "
		    "schema template", output_path);
		goto out;
	}
	rc = write_output(output_path, text, len, overwrite, report);
out:
	free(text);
	json_decref(root);
	return rc;
}
