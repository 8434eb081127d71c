/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_template.c: tests of psid_schema_template(), the C3R
 * "schema --template" equivalent: JSON layout and placeholders as C3R
 * writes them, mapped and positional templates of the C3R sample CSVs,
 * header validation, and the all-or-nothing output file.
 *
 * Fixtures come from $PSID_FIXTURES (default ../shared/c3r/fixtures).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "psid/client.h"

Suite *make_template_suite(void);

#define TYPE_PLACEHOLDER "[sealed|fingerprint|cleartext]"
#define PAD_COMMENT "omit this pad entry unless column type is sealed"
#define PAD_TYPE_PLACEHOLDER "[none|fixed|max]"
#define PAD_LENGTH_PLACEHOLDER \
	"omit length property for type none, otherwise specify value in " \
	"[0, 10000]"

/* The 9 headers of the C3R sample data, normalised. */
static const char *const sample_headers[] = {
	"firstname", "lastname", "address", "city", "state", "phonenumber",
	"title", "level", "notes",
};
#define SAMPLE_COLUMNS (sizeof(sample_headers) / sizeof(sample_headers[0]))

/* The scratch directory of the running test (one per forked test). */
static char scratch[4096];

static const char *
fixtures_dir(void)
{
	const char *dir = getenv("PSID_FIXTURES");

	return dir != NULL && *dir != '\0' ? dir : "../shared/c3r/fixtures";
}

static void
fixture_path(char *buf, size_t size, const char *name)
{
	ck_assert_int_lt(snprintf(buf, size, "%s/%s", fixtures_dir(), name),
	    (int)size);
}

static void
scratch_path(char *buf, size_t size, const char *name)
{
	ck_assert_int_lt(snprintf(buf, size, "%s/%s", scratch, name),
	    (int)size);
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(scratch, sizeof(scratch), "%s/psid-template-XXXXXX", tmp);
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void
teardown(void)
{
	char path[8192];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(scratch)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", scratch,
			    de->d_name);
			(void)unlink(path);
		}
		closedir(d);
	}
	(void)rmdir(scratch);
}

/* Number of entries in the scratch directory (leftover temp files). */
static int
scratch_entries(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(scratch);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
}

/* The whole file, NUL terminated; free() it. */
static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long size;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	buf = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = '\0';
	fclose(f);
	return buf;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static json_t *
load_json(const char *path)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);

	ck_assert_msg(root != NULL, "%s: %s (line %d)", path, err.text,
	    err.line);
	ck_assert(json_is_object(root));
	return root;
}

/* Check obj has exactly the given keys, in this order. */
static void
check_keys(json_t *obj, const char *const *keys, size_t n)
{
	void *it;
	size_t i = 0;

	ck_assert(json_is_object(obj));
	ck_assert_uint_eq(json_object_size(obj), n);
	for (it = json_object_iter(obj); it != NULL;
	    it = json_object_iter_next(obj, it), i++)
		ck_assert_str_eq(json_object_iter_key(it), keys[i]);
}

static void
check_string(json_t *obj, const char *key, const char *want)
{
	json_t *v = json_object_get(obj, key);

	ck_assert_msg(json_is_string(v), "\"%s\" is not a string", key);
	ck_assert_str_eq(json_string_value(v), want);
}

/* Check the type and pad placeholders of one template entry. */
static void
check_placeholders(json_t *entry)
{
	static const char *const pad_keys[] = { "COMMENT", "type", "length" };
	json_t *pad;

	check_string(entry, "type", TYPE_PLACEHOLDER);
	pad = json_object_get(entry, "pad");
	check_keys(pad, pad_keys, 3);
	check_string(pad, "COMMENT", PAD_COMMENT);
	check_string(pad, "type", PAD_TYPE_PLACEHOLDER);
	check_string(pad, "length", PAD_LENGTH_PLACEHOLDER);
}

START_TEST(test_mapped_sample)
{
	static const char *const top_keys[] = { "headerRow", "columns" };
	static const char *const keys[] = {
		"sourceHeader", "targetHeader", "type", "pad",
	};
	struct psid_report report;
	char in[4096], out[4096];
	json_t *root, *columns, *entry;
	size_t i;

	fixture_path(in, sizeof(in), "data_sample_with_quotes.csv");
	scratch_path(out, sizeof(out), "schema.json");
	ck_assert_int_eq(psid_schema_template(in, true, out, false, &report),
	    PSID_OK);
	ck_assert_str_eq(report.message, "");
	ck_assert_int_eq(scratch_entries(), 1);

	root = load_json(out);
	check_keys(root, top_keys, 2);
	ck_assert(json_is_true(json_object_get(root, "headerRow")));
	columns = json_object_get(root, "columns");
	ck_assert(json_is_array(columns));
	ck_assert_uint_eq(json_array_size(columns), SAMPLE_COLUMNS);
	for (i = 0; i < SAMPLE_COLUMNS; i++) {
		entry = json_array_get(columns, i);
		check_keys(entry, keys, 4);
		check_string(entry, "sourceHeader", sample_headers[i]);
		check_string(entry, "targetHeader", sample_headers[i]);
		check_placeholders(entry);
	}
	json_decref(root);
}
END_TEST

START_TEST(test_positional_sample)
{
	static const char *const keys[] = { "targetHeader", "type", "pad" };
	struct psid_report report;
	char in[4096], out[4096], name[16];
	json_t *root, *columns, *inner, *entry;
	size_t i;

	fixture_path(in, sizeof(in), "data_sample_no_headers.csv");
	scratch_path(out, sizeof(out), "schema.json");
	ck_assert_int_eq(psid_schema_template(in, false, out, false, &report),
	    PSID_OK);
	ck_assert_int_eq(scratch_entries(), 1);

	root = load_json(out);
	ck_assert(json_is_false(json_object_get(root, "headerRow")));
	columns = json_object_get(root, "columns");
	ck_assert(json_is_array(columns));
	ck_assert_uint_eq(json_array_size(columns), SAMPLE_COLUMNS);
	for (i = 0; i < SAMPLE_COLUMNS; i++) {
		inner = json_array_get(columns, i);
		ck_assert(json_is_array(inner));
		ck_assert_uint_eq(json_array_size(inner), 1);
		entry = json_array_get(inner, 0);
		check_keys(entry, keys, 3);
		snprintf(name, sizeof(name), "_c%zu", i);
		check_string(entry, "targetHeader", name);
		ck_assert_ptr_null(json_object_get(entry, "sourceHeader"));
		check_placeholders(entry);
	}
	json_decref(root);
}
END_TEST

/* Byte for byte what C3R's Gson pretty printer writes: no final newline. */
START_TEST(test_mapped_exact_text)
{
	static const char want[] =
	    "{\n"
	    "  \"headerRow\": true,\n"
	    "  \"columns\": [\n"
	    "    {\n"
	    "      \"sourceHeader\": \"header1\",\n"
	    "      \"targetHeader\": \"header1\",\n"
	    "      \"type\": \"[sealed|fingerprint|cleartext]\",\n"
	    "      \"pad\": {\n"
	    "        \"COMMENT\": \"omit this pad entry unless column type is sealed\",\n"
	    "        \"type\": \"[none|fixed|max]\",\n"
	    "        \"length\": \"omit length property for type none, otherwise specify value in [0, 10000]\"\n"
	    "      }\n"
	    "    },\n"
	    "    {\n"
	    "      \"sourceHeader\": \"header 2\",\n"
	    "      \"targetHeader\": \"header 2\",\n"
	    "      \"type\": \"[sealed|fingerprint|cleartext]\",\n"
	    "      \"pad\": {\n"
	    "        \"COMMENT\": \"omit this pad entry unless column type is sealed\",\n"
	    "        \"type\": \"[none|fixed|max]\",\n"
	    "        \"length\": \"omit length property for type none, otherwise specify value in [0, 10000]\"\n"
	    "      }\n"
	    "    }\n"
	    "  ]\n"
	    "}";
	char in[4096], out[4096], *text;

	scratch_path(in, sizeof(in), "in.csv");
	scratch_path(out, sizeof(out), "schema.json");
	/* A quoted header keeps its spaces in CSV; C3R trims it anyway. */
	write_text(in, "\" Header1 \",HEADER 2\r\nx,y\r\n");
	ck_assert_int_eq(psid_schema_template(in, true, out, false, NULL),
	    PSID_OK);
	text = read_text(out);
	ck_assert_str_eq(text, want);
	free(text);
}
END_TEST

START_TEST(test_positional_exact_text)
{
	static const char want[] =
	    "{\n"
	    "  \"headerRow\": false,\n"
	    "  \"columns\": [\n"
	    "    [\n"
	    "      {\n"
	    "        \"targetHeader\": \"_c0\",\n"
	    "        \"type\": \"[sealed|fingerprint|cleartext]\",\n"
	    "        \"pad\": {\n"
	    "          \"COMMENT\": \"omit this pad entry unless column type is sealed\",\n"
	    "          \"type\": \"[none|fixed|max]\",\n"
	    "          \"length\": \"omit length property for type none, otherwise specify value in [0, 10000]\"\n"
	    "        }\n"
	    "      }\n"
	    "    ],\n"
	    "    [\n"
	    "      {\n"
	    "        \"targetHeader\": \"_c1\",\n"
	    "        \"type\": \"[sealed|fingerprint|cleartext]\",\n"
	    "        \"pad\": {\n"
	    "          \"COMMENT\": \"omit this pad entry unless column type is sealed\",\n"
	    "          \"type\": \"[none|fixed|max]\",\n"
	    "          \"length\": \"omit length property for type none, otherwise specify value in [0, 10000]\"\n"
	    "        }\n"
	    "      }\n"
	    "    ]\n"
	    "  ]\n"
	    "}";
	char in[4096], out[4096], *text;

	scratch_path(in, sizeof(in), "in.csv");
	scratch_path(out, sizeof(out), "schema.json");
	/* Values, not headers: no header rule applies to them. */
	write_text(in, "John.Smith,\n");
	ck_assert_int_eq(psid_schema_template(in, false, out, false, NULL),
	    PSID_OK);
	text = read_text(out);
	ck_assert_str_eq(text, want);
	free(text);
}
END_TEST

START_TEST(test_exists_without_overwrite)
{
	struct psid_report report;
	char in[4096], out[4096], *text;

	fixture_path(in, sizeof(in), "data_sample_with_quotes.csv");
	scratch_path(out, sizeof(out), "schema.json");
	write_text(out, "keep me\n");
	ck_assert_int_eq(psid_schema_template(in, true, out, false, &report),
	    PSID_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(report.message, out));
	text = read_text(out);
	ck_assert_str_eq(text, "keep me\n");
	free(text);
	ck_assert_int_eq(scratch_entries(), 1);
}
END_TEST

START_TEST(test_overwrite_replaces)
{
	char in[4096], out[4096];
	json_t *root;

	fixture_path(in, sizeof(in), "data_sample_with_quotes.csv");
	scratch_path(out, sizeof(out), "schema.json");
	write_text(out, "old\n");
	ck_assert_int_eq(psid_schema_template(in, true, out, true, NULL),
	    PSID_OK);
	root = load_json(out);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "columns")),
	    SAMPLE_COLUMNS);
	json_decref(root);
	ck_assert_int_eq(scratch_entries(), 1);
}
END_TEST

START_TEST(test_empty_input)
{
	static const char *const inputs[] = { "", "\n\n\r\n" };
	struct psid_report report;
	char in[4096], out[4096];

	scratch_path(in, sizeof(in), "empty.csv");
	scratch_path(out, sizeof(out), "schema.json");
	write_text(in, inputs[_i]);
	ck_assert_int_eq(psid_schema_template(in, true, out, false, &report),
	    PSID_ERR_CSV);
	ck_assert_ptr_nonnull(strstr(report.message, "empty"));
	ck_assert_ptr_nonnull(strstr(report.message, in));
	ck_assert(!exists(out));
	ck_assert_int_eq(psid_schema_template(in, false, out, true, NULL),
	    PSID_ERR_CSV);
	ck_assert(!exists(out));
	ck_assert_int_eq(scratch_entries(), 1);
}
END_TEST

START_TEST(test_missing_input)
{
	struct psid_report report;
	char in[4096], out[4096];

	scratch_path(in, sizeof(in), "no-such-file.csv");
	scratch_path(out, sizeof(out), "schema.json");
	ck_assert_int_eq(psid_schema_template(in, true, out, false, &report),
	    PSID_ERR_IO);
	ck_assert_ptr_nonnull(strstr(report.message, in));
	ck_assert(!exists(out));
	ck_assert_int_eq(scratch_entries(), 0);
}
END_TEST

START_TEST(test_missing_output_dir)
{
	char in[4096], out[4096];

	fixture_path(in, sizeof(in), "data_sample_with_quotes.csv");
	scratch_path(out, sizeof(out), "no-such-dir/schema.json");
	ck_assert_int_eq(psid_schema_template(in, true, out, true, NULL),
	    PSID_ERR_IO);
	ck_assert_int_eq(scratch_entries(), 0);
}
END_TEST

/* Headers C3R refuses: nothing is written, the message says why. */
static const struct {
	const char *csv;
	int rc;
	const char *says;
} bad_headers[] = {
	{ "a,,c\n1,2,3\n", PSID_ERR_CSV, "header 2 is empty" },
	{ "a,\"  \",c\n", PSID_ERR_CSV, "header 2 is empty" },
	{ "first.name\n", PSID_ERR_CSV, "first.name" },
	{ "ok,-dash\n", PSID_ERR_CSV, "header 2" },
	{ "a-b\n", PSID_ERR_CSV, "a-b" },
	{ "caf\xc3\xa9\n", PSID_ERR_CSV, "caf\xc3\xa9" },
	{ "caf\xe9\n", PSID_ERR_ENCODING, "UTF-8" },
	{ "x,\xed\xa0\x80\n", PSID_ERR_ENCODING, "column 2" },
	{ "\"open\n", PSID_ERR_CSV, "line 1" },
};

START_TEST(test_bad_headers)
{
	struct psid_report report;
	char in[4096], out[4096];

	scratch_path(in, sizeof(in), "in.csv");
	scratch_path(out, sizeof(out), "schema.json");
	write_text(in, bad_headers[_i].csv);
	ck_assert_int_eq(psid_schema_template(in, true, out, false, &report),
	    bad_headers[_i].rc);
	ck_assert_msg(strstr(report.message, bad_headers[_i].says) != NULL,
	    "message \"%s\" does not say \"%s\"", report.message,
	    bad_headers[_i].says);
	ck_assert_ptr_nonnull(strstr(report.message, in));
	ck_assert(!exists(out));
	ck_assert_int_eq(scratch_entries(), 1);
}
END_TEST

START_TEST(test_long_header)
{
	struct psid_report report;
	char in[4096], out[4096], csv[300];

	scratch_path(in, sizeof(in), "in.csv");
	scratch_path(out, sizeof(out), "schema.json");
	/* 128 characters are accepted, 129 are not. */
	memset(csv, 'a', 128);
	memcpy(csv + 128, "\n", 2);
	write_text(in, csv);
	ck_assert_int_eq(psid_schema_template(in, true, out, false, &report),
	    PSID_OK);
	memset(csv, 'a', 129);
	memcpy(csv + 129, "\n", 2);
	write_text(in, csv);
	ck_assert_int_eq(psid_schema_template(in, true, out, true, &report),
	    PSID_ERR_CSV);
	ck_assert_ptr_nonnull(strstr(report.message, "longer than 128"));
}
END_TEST

/* Without a header row the first row's values are not headers. */
START_TEST(test_positional_ignores_header_rules)
{
	char in[4096], out[4096];
	json_t *root;

	scratch_path(in, sizeof(in), "in.csv");
	scratch_path(out, sizeof(out), "schema.json");
	write_text(in, "a,,First.Name\n");
	ck_assert_int_eq(psid_schema_template(in, false, out, false, NULL),
	    PSID_OK);
	root = load_json(out);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "columns")),
	    3);
	json_decref(root);
}
END_TEST

Suite *
make_template_suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("template");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_mapped_sample);
	tcase_add_test(tc, test_positional_sample);
	tcase_add_test(tc, test_mapped_exact_text);
	tcase_add_test(tc, test_positional_exact_text);
	tcase_add_test(tc, test_exists_without_overwrite);
	tcase_add_test(tc, test_overwrite_replaces);
	tcase_add_loop_test(tc, test_empty_input, 0, 2);
	tcase_add_test(tc, test_missing_input);
	tcase_add_test(tc, test_missing_output_dir);
	tcase_add_loop_test(tc, test_bad_headers, 0,
	    (int)(sizeof(bad_headers) / sizeof(bad_headers[0])));
	tcase_add_test(tc, test_long_header);
	tcase_add_test(tc, test_positional_ignores_header_rules);
	suite_add_tcase(s, tc);
	return s;
}
