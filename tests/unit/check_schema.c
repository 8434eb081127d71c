/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_schema.c: tests of the C3R schema JSON (SPEC §10): loading the
 * C3R sample schemas (mapped and positional: types, pads, normalised and
 * default target headers, synthesized _cN sources), schema_bind() against
 * a CSV header row or first data row, schema_check_settings() for
 * cleartext columns, and every way a schema file can be wrong, each
 * reported as PSID_ERR_SCHEMA with a message naming the problem.
 *
 * Fixtures come from $PSID_FIXTURES (default tests/fixtures); schemas
 * written by the tests go to a scratch directory.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "csv.h"
#include "psid/client.h"
#include "schema.h"
#include "suites.h"
#include "testutil.h"

/* The scratch directory of the running test. */
static char *scratch;

static void
setup(void)
{
	scratch = scratch_dir();
}

static void
teardown(void)
{
	scratch_remove(scratch);
	scratch = NULL;
}

/* Write json to a scratch file and load it. */
static int
load_json(const char *json, struct schema **schemap, char *err,
    size_t err_size)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s", scratch_path(scratch,
	    "schema.json"));
	write_file(path, json);
	err[0] = '\0';
	return schema_load(path, schemap, err, err_size);
}

/*
 * Load json, expect PSID_ERR_SCHEMA, no schema, and an error message
 * holding every one of the given substrings (NULL-terminated list).
 */
static void
expect_schema_error(const char *json, ...)
{
	struct schema *schema = (struct schema *)&schema;
	char err[2048];
	const char *want;
	va_list ap;
	int rc;

	rc = load_json(json, &schema, err, sizeof(err));
	ck_assert_msg(rc == PSID_ERR_SCHEMA, "want PSID_ERR_SCHEMA, got %d "
	    "(%s) for:\n%s", rc, err, json);
	ck_assert_ptr_null(schema);
	va_start(ap, json);
	while ((want = va_arg(ap, const char *)) != NULL)
		ck_assert_msg(strstr(err, want) != NULL,
		    "error \"%s\" does not mention \"%s\"", err, want);
	va_end(ap);
}

/* A one-column mapped schema around the given column object. */
static char *
mapped1(const char *column)
{
	char *json;

	ck_assert_int_gt(asprintf(&json, "{\"headerRow\": true, "
	    "\"columns\": [%s]}", column), 0);
	return json;
}

#define EXPECT_COLUMN_ERROR(column, ...) do {				\
	char *json_ = mapped1(column);					\
	expect_schema_error(json_, __VA_ARGS__, (const char *)NULL);	\
	free(json_);							\
} while (0)

#define EXPECT_ERROR(json, ...)						\
	expect_schema_error((json), __VA_ARGS__, (const char *)NULL)

/* Load json that must be fine. */
static struct schema *
load_ok(const char *json)
{
	struct schema *schema = NULL;
	char err[2048];
	int rc;

	rc = load_json(json, &schema, err, sizeof(err));
	ck_assert_msg(rc == PSID_OK, "load failed (%d): %s\n%s", rc, err,
	    json);
	ck_assert_ptr_nonnull(schema);
	return schema;
}

static struct schema *
load_fixture(const char *name)
{
	struct schema *schema = NULL;
	char err[2048];
	int rc;

	rc = schema_load(fixture(name), &schema, err, sizeof(err));
	ck_assert_msg(rc == PSID_OK, "%s: %d: %s", name, rc, err);
	ck_assert_ptr_nonnull(schema);
	return schema;
}

static void
assert_column(const struct schema *s, size_t i, const char *source,
    const char *target, enum psid_column_type type, enum psid_pad_type pad,
    unsigned pad_length)
{
	const struct schema_column *c;

	ck_assert_uint_lt(i, s->count);
	c = &s->columns[i];
	ck_assert_msg(strcmp(c->source, source) == 0,
	    "column %zu: source \"%s\", want \"%s\"", i, c->source, source);
	ck_assert_msg(strcmp(c->target, target) == 0,
	    "column %zu: target \"%s\", want \"%s\"", i, c->target, target);
	ck_assert_msg(c->type == type, "column %zu: type %d, want %d", i,
	    (int)c->type, (int)type);
	if (type == PSID_COLUMN_SEALED) {
		ck_assert_msg(c->pad == pad, "column %zu: pad %d, want %d", i,
		    (int)c->pad, (int)pad);
		ck_assert_msg(c->pad_length == pad_length,
		    "column %zu: pad length %u, want %u", i, c->pad_length,
		    pad_length);
	}
}

/* Parse one CSV line into row; the fields point into buf. */
static void
parse_line(char *buf, struct csv_row *row)
{
	size_t consumed;
	uint64_t skipped;

	ck_assert_int_eq(csv_parse_row(buf, strlen(buf), true, row, &consumed,
	    &skipped), CSV_ROW);
}

/* ------------------------------------------------------------ fixtures */

START_TEST(test_config_sample)
{
	struct schema *s = load_fixture("config_sample.json");

	ck_assert(s->header_row);
	ck_assert_uint_eq(s->count, 11);
	assert_column(s, 0, "firstname", "firstname", PSID_COLUMN_CLEARTEXT,
	    0, 0);
	assert_column(s, 1, "lastname", "lastname", PSID_COLUMN_CLEARTEXT,
	    0, 0);
	assert_column(s, 2, "address", "address", PSID_COLUMN_SEALED,
	    PSID_PAD_MAX, 32);
	assert_column(s, 3, "city", "city", PSID_COLUMN_SEALED, PSID_PAD_MAX,
	    16);
	assert_column(s, 4, "state", "state", PSID_COLUMN_FINGERPRINT, 0, 0);
	assert_column(s, 5, "phonenumber", "phonenumber_cleartext",
	    PSID_COLUMN_CLEARTEXT, 0, 0);
	assert_column(s, 6, "phonenumber", "phonenumber_sealed",
	    PSID_COLUMN_SEALED, PSID_PAD_NONE, 0);
	assert_column(s, 7, "phonenumber", "phonenumber_fingerprint",
	    PSID_COLUMN_FINGERPRINT, 0, 0);
	assert_column(s, 8, "title", "title", PSID_COLUMN_SEALED,
	    PSID_PAD_FIXED, 128);
	assert_column(s, 9, "level", "level", PSID_COLUMN_CLEARTEXT, 0, 0);
	assert_column(s, 10, "notes", "notes", PSID_COLUMN_SEALED,
	    PSID_PAD_NONE, 0);
	schema_free(s);
}
END_TEST

START_TEST(test_6column)
{
	struct schema *s = load_fixture("6column.json");

	ck_assert(s->header_row);
	ck_assert_uint_eq(s->count, 6);
	/* Default targets: + "_sealed" / "_fingerprint", cleartext as is. */
	assert_column(s, 0, "cleartext", "cleartext", PSID_COLUMN_CLEARTEXT,
	    0, 0);
	assert_column(s, 1, "sealed_none", "sealed_none_sealed",
	    PSID_COLUMN_SEALED, PSID_PAD_NONE, 0);
	assert_column(s, 2, "sealed_max", "sealed_max_sealed",
	    PSID_COLUMN_SEALED, PSID_PAD_MAX, 42);
	assert_column(s, 3, "sealed_fixed", "sealed_fixed_sealed",
	    PSID_COLUMN_SEALED, PSID_PAD_FIXED, 42);
	assert_column(s, 4, "fingerprint_1", "fingerprint_1_fingerprint",
	    PSID_COLUMN_FINGERPRINT, 0, 0);
	assert_column(s, 5, "fingerprint_2", "fingerprint_2_fingerprint",
	    PSID_COLUMN_FINGERPRINT, 0, 0);
	schema_free(s);
}
END_TEST

START_TEST(test_config_sample_no_headers)
{
	static const size_t index[] = { 0, 1, 2, 3, 4, 5, 5, 5, 6, 7, 8 };
	struct schema *s = load_fixture("config_sample_no_headers.json");
	struct csv_row row = { 0 };
	char line[256], err[512];
	size_t i;

	ck_assert(!s->header_row);
	ck_assert_uint_eq(s->input_columns, 9);
	ck_assert_uint_eq(s->count, 11);
	for (i = 0; i < s->count; i++)
		ck_assert_msg(s->columns[i].source_index == index[i],
		    "column %zu: source_index %zu, want %zu", i,
		    s->columns[i].source_index, index[i]);
	assert_column(s, 0, "_c0", "firstname", PSID_COLUMN_CLEARTEXT, 0, 0);
	assert_column(s, 2, "_c2", "address", PSID_COLUMN_SEALED,
	    PSID_PAD_MAX, 32);
	assert_column(s, 3, "_c3", "city", PSID_COLUMN_SEALED, PSID_PAD_MAX,
	    16);
	assert_column(s, 4, "_c4", "state", PSID_COLUMN_FINGERPRINT, 0, 0);
	assert_column(s, 5, "_c5", "phonenumber_cleartext",
	    PSID_COLUMN_CLEARTEXT, 0, 0);
	assert_column(s, 6, "_c5", "phonenumber_sealed", PSID_COLUMN_SEALED,
	    PSID_PAD_NONE, 0);
	assert_column(s, 7, "_c5", "phonenumber_fingerprint",
	    PSID_COLUMN_FINGERPRINT, 0, 0);
	assert_column(s, 8, "_c6", "title", PSID_COLUMN_SEALED,
	    PSID_PAD_FIXED, 128);
	assert_column(s, 10, "_c8", "notes", PSID_COLUMN_SEALED,
	    PSID_PAD_NONE, 0);

	/* Binding checks the first row's field count only. */
	snprintf(line, sizeof(line), "John,Smith,\"12345 Mills Rd\","
	    "Charleston,SC,703-555-1234,CEO,10,\n");
	parse_line(line, &row);
	ck_assert_uint_eq(row.count, 9);
	ck_assert_int_eq(schema_bind(s, &row, err, sizeof(err)), PSID_OK);
	for (i = 0; i < s->count; i++)
		ck_assert_uint_eq(s->columns[i].source_index, index[i]);

	snprintf(line, sizeof(line), "a,b,c,d,e,f,g,h\n");
	parse_line(line, &row);
	err[0] = '\0';
	ck_assert_int_eq(schema_bind(s, &row, err, sizeof(err)),
	    PSID_ERR_SCHEMA);
	ck_assert_msg(strstr(err, "8") != NULL && strstr(err, "9") != NULL,
	    "error \"%s\" should give both column counts", err);

	snprintf(line, sizeof(line), "a,b,c,d,e,f,g,h,i,j\n");
	parse_line(line, &row);
	err[0] = '\0';
	ck_assert_int_eq(schema_bind(s, &row, err, sizeof(err)),
	    PSID_ERR_SCHEMA);
	ck_assert_ptr_nonnull(strstr(err, "10"));
	csv_row_release(&row);
	schema_free(s);
}
END_TEST

START_TEST(test_config_sample_x3)
{
	struct schema *s = load_fixture("config_sample_x3.json");

	ck_assert(s->header_row);
	ck_assert_uint_eq(s->count, 27);
	assert_column(s, 1, "firstname", "firstname_sealed",
	    PSID_COLUMN_SEALED, PSID_PAD_MAX, 32);
	assert_column(s, 4, "lastname", "lastname_sealed", PSID_COLUMN_SEALED,
	    PSID_PAD_MAX, 2);
	assert_column(s, 19, "title", "title_sealed", PSID_COLUMN_SEALED,
	    PSID_PAD_FIXED, 1024);
	assert_column(s, 26, "notes", "notes_fingerprint",
	    PSID_COLUMN_FINGERPRINT, 0, 0);
	schema_free(s);
}
END_TEST

/* ---------------------------------------------------------------- bind */

START_TEST(test_bind_mapped)
{
	static const size_t index[] = { 0, 1, 2, 3, 4, 5, 5, 5, 6, 7, 8 };
	struct schema *s = load_fixture("config_sample.json");
	struct csv_reader *reader;
	struct csv_row row = { 0 };
	char line[256], err[512];
	size_t i;

	/* The header row of the sample data. */
	ck_assert_int_eq(csv_reader_open(fixture("data_sample_with_quotes.csv"),
	    &reader), PSID_OK);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ck_assert_int_eq(schema_bind(s, &row, err, sizeof(err)), PSID_OK);
	for (i = 0; i < s->count; i++)
		ck_assert_msg(s->columns[i].source_index == index[i],
		    "column %zu: source_index %zu, want %zu", i,
		    s->columns[i].source_index, index[i]);
	csv_reader_free(reader);

	/* Case and whitespace do not matter; order does. */
	snprintf(line, sizeof(line), "NOTES,\"  level \",title , PhoneNumber,"
	    "STATE,\"City\",aDDress,\tlastname,FirstName,extra\n");
	parse_line(line, &row);
	ck_assert_int_eq(schema_bind(s, &row, err, sizeof(err)), PSID_OK);
	ck_assert_uint_eq(s->columns[0].source_index, 8);	/* firstname */
	ck_assert_uint_eq(s->columns[1].source_index, 7);	/* lastname */
	ck_assert_uint_eq(s->columns[2].source_index, 6);	/* address */
	ck_assert_uint_eq(s->columns[3].source_index, 5);	/* city */
	ck_assert_uint_eq(s->columns[4].source_index, 4);	/* state */
	ck_assert_uint_eq(s->columns[5].source_index, 3);
	ck_assert_uint_eq(s->columns[6].source_index, 3);
	ck_assert_uint_eq(s->columns[7].source_index, 3);
	ck_assert_uint_eq(s->columns[8].source_index, 2);	/* title */
	ck_assert_uint_eq(s->columns[9].source_index, 1);	/* level */
	ck_assert_uint_eq(s->columns[10].source_index, 0);	/* notes */

	/* A source missing from the input is named in the error. */
	snprintf(line, sizeof(line), "FirstName,LastName,Address,City,State,"
	    "PhoneNumber,Title,Level,Note\n");
	parse_line(line, &row);
	err[0] = '\0';
	ck_assert_int_eq(schema_bind(s, &row, err, sizeof(err)),
	    PSID_ERR_SCHEMA);
	ck_assert_msg(strstr(err, "\"notes\"") != NULL, "error: %s", err);

	snprintf(line, sizeof(line), "x\n");
	parse_line(line, &row);
	err[0] = '\0';
	ck_assert_int_eq(schema_bind(s, &row, err, sizeof(err)),
	    PSID_ERR_SCHEMA);
	ck_assert_msg(strstr(err, "\"firstname\"") != NULL, "error: %s", err);
	csv_row_release(&row);
	schema_free(s);
}
END_TEST

START_TEST(test_bind_6column)
{
	struct schema *s = load_fixture("6column.json");
	struct csv_reader *reader;
	struct csv_row row = { 0 };
	char err[512];
	size_t i;

	ck_assert_int_eq(csv_reader_open(fixture("null5by6.csv"), &reader),
	    PSID_OK);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ck_assert_int_eq(schema_bind(s, &row, err, sizeof(err)), PSID_OK);
	for (i = 0; i < s->count; i++)
		ck_assert_uint_eq(s->columns[i].source_index, i);
	csv_reader_free(reader);
	csv_row_release(&row);
	schema_free(s);
}
END_TEST

/* ------------------------------------------------------------ settings */

START_TEST(test_check_settings)
{
	struct psid_settings settings = { .allow_cleartext = false };
	struct schema *s = load_fixture("config_sample.json");
	char err[512] = "";

	ck_assert_int_eq(schema_check_settings(s, &settings, err, sizeof(err)),
	    PSID_ERR_CLEARTEXT);
	ck_assert_msg(strstr(err, "\"firstname\"") != NULL, "error: %s", err);
	ck_assert_ptr_nonnull(strstr(err, "cleartext"));
	settings.allow_cleartext = true;
	ck_assert_int_eq(schema_check_settings(s, &settings, err, sizeof(err)),
	    PSID_OK);
	schema_free(s);

	/* The first cleartext column is the one named. */
	s = load_ok("{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"a\", \"type\": \"fingerprint\"},"
	    "{\"sourceHeader\": \"b\", \"targetHeader\": \"Plain B\","
	    " \"type\": \"cleartext\"}]}");
	settings.allow_cleartext = false;
	ck_assert_int_eq(schema_check_settings(s, &settings, err, sizeof(err)),
	    PSID_ERR_CLEARTEXT);
	ck_assert_msg(strstr(err, "\"plain b\"") != NULL, "error: %s", err);
	schema_free(s);

	s = load_fixture("config_sample_no_cleartext.json");
	ck_assert_int_eq(schema_check_settings(s, &settings, err, sizeof(err)),
	    PSID_OK);
	schema_free(s);
}
END_TEST

/* ---------------------------------------------------------- JSON forms */

START_TEST(test_type_words)
{
	struct schema *s;

	/* Trimmed, case-insensitive types and pad types. */
	s = load_ok("{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"a\", \"type\": \"  SEALED \","
	    " \"pad\": {\"type\": \"Max\", \"length\": 7}},"
	    "{\"sourceHeader\": \"b\", \"type\": \"\\tFingerPrint\"},"
	    "{\"sourceHeader\": \"c\", \"type\": \"CLEARTEXT\"},"
	    "{\"sourceHeader\": \"d\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \" fIxEd \", \"length\": 0}},"
	    "{\"sourceHeader\": \"e\", \"type\": \"Sealed\","
	    " \"pad\": {\"type\": \"NONE\"}},"
	    "{\"sourceHeader\": \"f\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"max\", \"length\": 10000}}]}");
	ck_assert_uint_eq(s->count, 6);
	assert_column(s, 0, "a", "a_sealed", PSID_COLUMN_SEALED, PSID_PAD_MAX,
	    7);
	assert_column(s, 1, "b", "b_fingerprint", PSID_COLUMN_FINGERPRINT, 0,
	    0);
	assert_column(s, 2, "c", "c", PSID_COLUMN_CLEARTEXT, 0, 0);
	assert_column(s, 3, "d", "d_sealed", PSID_COLUMN_SEALED,
	    PSID_PAD_FIXED, 0);
	assert_column(s, 4, "e", "e_sealed", PSID_COLUMN_SEALED, PSID_PAD_NONE,
	    0);
	assert_column(s, 5, "f", "f_sealed", PSID_COLUMN_SEALED, PSID_PAD_MAX,
	    10000);
	schema_free(s);
}
END_TEST

START_TEST(test_unknown_properties)
{
	struct schema *s;

	/* The CLI template's "COMMENT" in pad, and anything else. */
	s = load_ok("{\"headerRow\": true, \"version\": 2, \"extra\": {},"
	    " \"columns\": [{\"sourceHeader\": \" First Name \","
	    " \"targetHeader\": \"FIRST-Name\", \"type\": \"sealed\","
	    " \"note\": [1, 2], \"pad\": {\"COMMENT\": \"omit this pad entry"
	    " unless column type is sealed\", \"type\": \"fixed\","
	    " \"length\": 32, \"unit\": \"bytes\"}}]}");
	ck_assert_uint_eq(s->count, 1);
	assert_column(s, 0, "first name", "first-name", PSID_COLUMN_SEALED,
	    PSID_PAD_FIXED, 32);
	schema_free(s);
}
END_TEST

START_TEST(test_positional)
{
	struct schema *s;
	struct csv_row row = { 0 };
	char line[64], err[512];

	/* Empty entries drop input columns; sources are _c<index>. */
	s = load_ok("{\"headerRow\": false, \"columns\": [[],"
	    " [{\"targetHeader\": \"B\", \"type\": \"fingerprint\"},"
	    "  {\"targetHeader\": \"b sealed\", \"type\": \"sealed\","
	    "   \"pad\": {\"type\": \"none\"}}], [],"
	    " [{\"targetHeader\": \"d\", \"type\": \"cleartext\"}]]}");
	ck_assert(!s->header_row);
	ck_assert_uint_eq(s->input_columns, 4);
	ck_assert_uint_eq(s->count, 3);
	assert_column(s, 0, "_c1", "b", PSID_COLUMN_FINGERPRINT, 0, 0);
	assert_column(s, 1, "_c1", "b sealed", PSID_COLUMN_SEALED,
	    PSID_PAD_NONE, 0);
	assert_column(s, 2, "_c3", "d", PSID_COLUMN_CLEARTEXT, 0, 0);
	ck_assert_uint_eq(s->columns[0].source_index, 1);
	ck_assert_uint_eq(s->columns[1].source_index, 1);
	ck_assert_uint_eq(s->columns[2].source_index, 3);

	snprintf(line, sizeof(line), "1,2,3,4\n");
	parse_line(line, &row);
	ck_assert_int_eq(schema_bind(s, &row, err, sizeof(err)), PSID_OK);
	ck_assert_uint_eq(s->columns[2].source_index, 3);
	snprintf(line, sizeof(line), "1,2,3\n");
	parse_line(line, &row);
	ck_assert_int_eq(schema_bind(s, &row, err, sizeof(err)),
	    PSID_ERR_SCHEMA);
	csv_row_release(&row);
	schema_free(s);
}
END_TEST

START_TEST(test_limits_accepted)
{
	struct schema *s;
	char *json, *p, h[HEADER_MAX_LEN + 1];
	size_t i;

	/* 1600 columns and a 128-character header are fine. */
	json = malloc(1600 * 80 + 256);
	ck_assert_ptr_nonnull(json);
	p = json + sprintf(json, "{\"headerRow\": true, \"columns\": [");
	for (i = 0; i < 1600; i++)
		p += sprintf(p, "%s{\"sourceHeader\": \"s\", \"targetHeader\":"
		    " \"t%zu\", \"type\": \"fingerprint\"}", i ? "," : "", i);
	sprintf(p, "]}");
	s = load_ok(json);
	ck_assert_uint_eq(s->count, 1600);
	ck_assert_str_eq(s->columns[1599].target, "t1599");
	schema_free(s);

	memset(h, 'h', HEADER_MAX_LEN);
	h[HEADER_MAX_LEN] = '\0';
	sprintf(json, "{\"headerRow\": true, \"columns\": [{\"sourceHeader\":"
	    " \"%s\", \"targetHeader\": \" %s \", \"type\": \"cleartext\"}]}",
	    h, h);
	s = load_ok(json);
	ck_assert_str_eq(s->columns[0].source, h);
	ck_assert_str_eq(s->columns[0].target, h);
	schema_free(s);

	/* Default target "<121 chars>_sealed" is exactly 128. */
	h[HEADER_MAX_LEN - strlen("_sealed")] = '\0';
	sprintf(json, "{\"headerRow\": true, \"columns\": [{\"sourceHeader\":"
	    " \"%s\", \"type\": \"sealed\", \"pad\": {\"type\": \"none\"}}]}",
	    h);
	s = load_ok(json);
	ck_assert_uint_eq(strlen(s->columns[0].target), HEADER_MAX_LEN);
	schema_free(s);
	free(json);
}
END_TEST

/* -------------------------------------------------------------- errors */

START_TEST(test_error_not_json)
{
	EXPECT_ERROR("{\n\"headerRow\": true,\n\"columns\": [}\n", "line 3");
	EXPECT_ERROR("headerRow: true\n", "line 1");
	EXPECT_ERROR("", "line");
	EXPECT_ERROR("{\"headerRow\": true, \"columns\": [{\"type\": "
	    "\"cleartext\", \"sourceHeader\": \"a\"}]}\n}", "line 2");
}
END_TEST

START_TEST(test_error_structure)
{
	EXPECT_ERROR("[1, 2]", "not a JSON object");
	/* jansson wants an object or array at the top. */
	EXPECT_ERROR("\"schema\"", "line 1");
	EXPECT_ERROR("[]", "not a JSON object");
	EXPECT_ERROR("{\"columns\": [{\"sourceHeader\": \"a\","
	    " \"type\": \"cleartext\"}]}", "headerRow");
	EXPECT_ERROR("{\"headerRow\": \"true\", \"columns\": [{\"sourceHeader\":"
	    " \"a\", \"type\": \"cleartext\"}]}", "headerRow");
	EXPECT_ERROR("{\"headerRow\": 1, \"columns\": []}", "headerRow");
	EXPECT_ERROR("{\"headerRow\": null, \"columns\": []}", "headerRow");
	EXPECT_ERROR("{\"headerRow\": true}", "columns");
	EXPECT_ERROR("{\"headerRow\": true, \"columns\": {}}", "columns");
	EXPECT_ERROR("{\"headerRow\": true, \"columns\": []}",
	    "no output columns");
	EXPECT_ERROR("{\"headerRow\": false, \"columns\": []}",
	    "no output columns");
	EXPECT_ERROR("{\"headerRow\": false, \"columns\": [[], []]}",
	    "no output columns");
	EXPECT_ERROR("{\"headerRow\": true, \"columns\": [42]}",
	    "column 1", "not an object");
	EXPECT_ERROR("{\"headerRow\": false, \"columns\": [[\"x\"]]}",
	    "column 1", "not an object");
	/* Duplicate JSON keys, at the top and inside a column. */
	EXPECT_ERROR("{\"headerRow\": true, \"headerRow\": false, \"columns\":"
	    " [{\"sourceHeader\": \"a\", \"type\": \"cleartext\"}]}",
	    "duplicate");
	EXPECT_ERROR("{\"headerRow\": true, \"columns\": [{\"sourceHeader\":"
	    " \"a\", \"type\": \"cleartext\", \"type\": \"fingerprint\"}]}",
	    "duplicate");
}
END_TEST

START_TEST(test_error_types)
{
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"encrypted\"}",
	    "column 1", "unknown type \"encrypted\"");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"seal ed\"}",
	    "unknown type");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"\"}",
	    "unknown type");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\"}", "column 1",
	    "type is missing");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": 1}",
	    "type is missing");
	/* The column number counts output columns from 1. */
	expect_schema_error("{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"a\", \"type\": \"cleartext\"},"
	    "{\"sourceHeader\": \"b\", \"type\": \"cleartext\"},"
	    "{\"sourceHeader\": \"c\", \"type\": \"sealedd\"}]}",
	    "column 3", "unknown type \"sealedd\"", (const char *)NULL);
}
END_TEST

START_TEST(test_error_pads)
{
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\"}",
	    "needs a pad");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": \"none\"}", "needs a pad");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"fingerprint\","
	    " \"pad\": {\"type\": \"none\"}}", "pad is only allowed on sealed");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"cleartext\","
	    " \"pad\": {\"type\": \"max\", \"length\": 3}}",
	    "pad is only allowed on sealed");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"min\", \"length\": 3}}",
	    "unknown pad type \"min\"");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"length\": 3}}", "pad needs a type");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"fixed\"}}", "fixed needs an integer length");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"max\"}}", "max needs an integer length");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"none\", \"length\": 0}}",
	    "none takes no length");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"fixed\", \"length\": -1}}",
	    "-1", "outside [0, 10000]");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"max\", \"length\": 10001}}",
	    "10001", "outside [0, 10000]");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"max\", \"length\": 99999999999999}}",
	    "outside [0, 10000]");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"fixed\", \"length\": 1.5}}",
	    "integer length");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"fixed\", \"length\": true}}",
	    "integer length");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"type\": \"sealed\","
	    " \"pad\": {\"type\": \"fixed\", \"length\": null}}",
	    "integer length");
}
END_TEST

START_TEST(test_error_headers)
{
	char *json, *p, h[HEADER_MAX_LEN + 2];
	size_t i;

	/* Mapped: sourceHeader required; positional: forbidden. */
	EXPECT_COLUMN_ERROR("{\"targetHeader\": \"a\", \"type\": \"cleartext\"}",
	    "sourceHeader is required");
	EXPECT_ERROR("{\"headerRow\": false, \"columns\": [[{\"sourceHeader\":"
	    " \"a\", \"targetHeader\": \"a\", \"type\": \"cleartext\"}]]}",
	    "sourceHeader is not allowed");
	EXPECT_ERROR("{\"headerRow\": false, \"columns\": [[{\"type\":"
	    " \"cleartext\"}]]}", "targetHeader is required");
	EXPECT_ERROR("{\"headerRow\": false, \"columns\": [[{\"targetHeader\":"
	    " \"a\", \"type\": \"cleartext\"}], {\"targetHeader\": \"b\","
	    " \"type\": \"cleartext\"}]}", "input column 2",
	    "each entry of columns is an array");
	EXPECT_ERROR("{\"headerRow\": false, \"columns\": [\"a\"]}",
	    "each entry of columns is an array");

	/* Header strings must be valid after normalisation. */
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"-x\", \"type\": \"cleartext\"}",
	    "sourceHeader \"-x\"", "not a valid header");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"targetHeader\": \"-x\","
	    " \"type\": \"cleartext\"}", "targetHeader \"-x\"",
	    "not a valid header");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"targetHeader\": \"a-b\","
	    " \"type\": \"cleartext\"}", "not a valid header");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"targetHeader\": \"a--bc\","
	    " \"type\": \"cleartext\"}", "not a valid header");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a.b\", \"type\": \"cleartext\"}",
	    "not a valid header");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"  \", \"type\": \"cleartext\"}",
	    "not a valid header");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"\", \"type\": \"cleartext\"}",
	    "not a valid header");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": 7, \"type\": \"cleartext\"}",
	    "sourceHeader must be a string");
	EXPECT_COLUMN_ERROR("{\"sourceHeader\": \"a\", \"targetHeader\": [],"
	    " \"type\": \"cleartext\"}", "targetHeader must be a string");

	/* 129 characters: too long, for a given or a default target. */
	json = malloc(1601 * 80 + 512);
	ck_assert_ptr_nonnull(json);
	memset(h, 'h', HEADER_MAX_LEN + 1);
	h[HEADER_MAX_LEN + 1] = '\0';
	sprintf(json, "{\"headerRow\": true, \"columns\": [{\"sourceHeader\":"
	    " \"a\", \"targetHeader\": \"%s\", \"type\": \"cleartext\"}]}", h);
	EXPECT_ERROR(json, "longer than 128");
	sprintf(json, "{\"headerRow\": true, \"columns\": [{\"sourceHeader\":"
	    " \"%s\", \"type\": \"cleartext\"}]}", h);
	EXPECT_ERROR(json, "longer than 128");
	h[HEADER_MAX_LEN - strlen("_sealed") + 1] = '\0';
	sprintf(json, "{\"headerRow\": true, \"columns\": [{\"sourceHeader\":"
	    " \"%s\", \"type\": \"sealed\", \"pad\": {\"type\": \"none\"}}]}",
	    h);
	EXPECT_ERROR(json, "_sealed", "longer than 128");

	/* 1601 output columns. */
	p = json + sprintf(json, "{\"headerRow\": true, \"columns\": [");
	for (i = 0; i < 1601; i++)
		p += sprintf(p, "%s{\"sourceHeader\": \"s\", \"targetHeader\":"
		    " \"t%zu\", \"type\": \"fingerprint\"}", i ? "," : "", i);
	sprintf(p, "]}");
	EXPECT_ERROR(json, "1601", "more than 1600");
	/* Also when counted over positional entries. */
	p = json + sprintf(json, "{\"headerRow\": false, \"columns\": [[");
	for (i = 0; i < 1601; i++)
		p += sprintf(p, "%s{\"targetHeader\": \"t%zu\", \"type\":"
		    " \"cleartext\"}", i ? "," : "", i);
	sprintf(p, "]]}");
	EXPECT_ERROR(json, "1601", "more than 1600");
	free(json);
}
END_TEST

START_TEST(test_error_duplicate_targets)
{
	EXPECT_ERROR("{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"x\", \"targetHeader\": \"A\","
	    " \"type\": \"cleartext\"},"
	    "{\"sourceHeader\": \"y\", \"targetHeader\": \"a \","
	    " \"type\": \"fingerprint\"}]}",
	    "targetHeader \"a\"", "more than once");
	/* A default target colliding with a given one. */
	EXPECT_ERROR("{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"x\", \"type\": \"fingerprint\"},"
	    "{\"sourceHeader\": \"y\", \"targetHeader\": \"X_Fingerprint\","
	    " \"type\": \"cleartext\"}]}",
	    "\"x_fingerprint\"", "more than once");
	/* The same source twice with the same type and no targets. */
	EXPECT_ERROR("{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"x\", \"type\": \"cleartext\"},"
	    "{\"sourceHeader\": \"X\", \"type\": \"cleartext\"}]}",
	    "\"x\"", "more than once");
	EXPECT_ERROR("{\"headerRow\": false, \"columns\": ["
	    "[{\"targetHeader\": \"t\", \"type\": \"cleartext\"}],"
	    "[{\"targetHeader\": \"T\", \"type\": \"cleartext\"}]]}",
	    "\"t\"", "more than once");
}
END_TEST

START_TEST(test_error_missing_file)
{
	struct schema *s = (struct schema *)&s;
	char err[512] = "";

	ck_assert_int_eq(schema_load(scratch_path(scratch, "nope.json"), &s,
	    err, sizeof(err)), PSID_ERR_IO);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err, "nope.json"));
	schema_free(NULL);
}
END_TEST

Suite *
make_schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc;

	tc = tcase_create("fixtures");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_sample);
	tcase_add_test(tc, test_6column);
	tcase_add_test(tc, test_config_sample_no_headers);
	tcase_add_test(tc, test_config_sample_x3);
	suite_add_tcase(s, tc);

	tc = tcase_create("bind");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bind_mapped);
	tcase_add_test(tc, test_bind_6column);
	tcase_add_test(tc, test_check_settings);
	suite_add_tcase(s, tc);

	tc = tcase_create("forms");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_type_words);
	tcase_add_test(tc, test_unknown_properties);
	tcase_add_test(tc, test_positional);
	tcase_add_test(tc, test_limits_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_error_not_json);
	tcase_add_test(tc, test_error_structure);
	tcase_add_test(tc, test_error_types);
	tcase_add_test(tc, test_error_pads);
	tcase_add_test(tc, test_error_headers);
	tcase_add_test(tc, test_error_duplicate_targets);
	tcase_add_test(tc, test_error_missing_file);
	suite_add_tcase(s, tc);
	return s;
}
