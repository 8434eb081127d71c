/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_table.c: whole-table encryption and decryption against the C3R
 * fixtures (acceptance points 1, 2 and 4 of the foundation issue): the
 * Java client's output decrypts cell for cell, our fingerprints equal its
 * fingerprints row for row, and every kind of bad input is refused with a
 * clear report and no output file.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "psid/client.h"
#include "suites.h"
#include "testutil.h"

/* A CSV file parsed whole: rows of NUL-terminated fields. */
struct table {
	size_t nrows;
	size_t ncols;
	char ***cells;		/* cells[row][col], NULL when NULL */
};

static void
table_free(struct table *t)
{
	size_t r, c;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			free(t->cells[r][c]);
		free(t->cells[r]);
	}
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* Read a CSV; an empty unquoted field becomes NULL. */
static void
table_load(const char *path, struct table *t)
{
	struct csv_reader *reader;
	struct csv_row row = { 0 };
	size_t c;

	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(csv_reader_open(path, &reader), PSID_OK);
	while (csv_reader_next(reader, &row) == CSV_ROW) {
		if (t->nrows == 0)
			t->ncols = row.count;
		ck_assert_uint_eq(row.count, t->ncols);
		t->cells = realloc(t->cells, (t->nrows + 1) * sizeof(*t->cells));
		t->cells[t->nrows] = calloc(t->ncols, sizeof(char *));
		for (c = 0; c < row.count; c++)
			if (row.fields[c].len > 0 || row.fields[c].quoted)
				t->cells[t->nrows][c] = strndup(row.fields[c].ptr,
				    row.fields[c].len);
		t->nrows++;
	}
	csv_row_release(&row);
	csv_reader_free(reader);
}

static int
col_index(const struct table *t, const char *name)
{
	size_t c;

	for (c = 0; c < t->ncols; c++)
		if (strcasecmp(t->cells[0][c], name) == 0)
			return (int)c;
	ck_abort_msg("no column %s", name);
	return -1;
}

/* The row whose first two columns are first, last. */
static size_t
row_by_name(const struct table *t, const char *first, const char *last)
{
	size_t r;

	for (r = 1; r < t->nrows; r++)
		if (strcmp(t->cells[r][0], first) == 0 &&
		    strcmp(t->cells[r][1], last) == 0)
			return r;
	ck_abort_msg("no row %s %s", first, last);
	return 0;
}

static int
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0);
}

static struct psid_keys *
fixture_keys(void)
{
	struct psid_keys *keys;

	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, FIXTURE_ID, &keys),
	    PSID_OK);
	return keys;
}

static const struct psid_settings fixture_settings = {
	.allow_cleartext = true, .allow_duplicates = true,
	.allow_joins_on_columns_with_different_names = false,
	.preserve_nulls = false,
};

/* Acceptance 1: the Java client's output decrypts to the source. */
START_TEST(decrypt_java_fixture)
{
	struct psid_csv_options opts = { .threads = 2 };
	struct psid_report report;
	struct psid_keys *keys = fixture_keys();
	struct table src, dec, enc;
	char *dir = scratch_dir();
	const char *out = scratch_path(dir, "dec.csv");
	static const char *sealed[][2] = {
		{ "address", "address" }, { "city", "city" },
		{ "phonenumber_sealed", "phonenumber" }, { "title", "title" },
		{ "notes", "notes" },
	};
	size_t r, i;

	ck_assert_int_eq(psid_decrypt_csv(keys,
	    fixture("marshalled_data_sample.csv"), out, &opts, &report),
	    PSID_OK);
	ck_assert_uint_eq(report.rows, 7);
	ck_assert_uint_eq(report.warnings, 14);
	table_load(fixture("data_sample_with_quotes.csv"), &src);
	table_load(out, &dec);
	table_load(fixture("marshalled_data_sample.csv"), &enc);
	ck_assert_uint_eq(dec.nrows, 8);
	for (r = 1; r < src.nrows; r++) {
		size_t d = row_by_name(&dec, src.cells[r][0], src.cells[r][1]);
		size_t e = row_by_name(&enc, src.cells[r][0], src.cells[r][1]);

		for (i = 0; i < sizeof(sealed) / sizeof(sealed[0]); i++)
			ck_assert_msg(str_eq(dec.cells[d][col_index(&dec,
			    sealed[i][0])], src.cells[r][col_index(&src,
			    sealed[i][1])]), "row %zu column %s", r,
			    sealed[i][0]);
		/* Cleartext and fingerprint cells pass through unchanged. */
		for (i = 0; i < dec.ncols; i++) {
			const char *cell = enc.cells[e][i];

			if (cell != NULL && strncmp(cell, "02:enc:", 7) == 0)
				continue;
			ck_assert_msg(str_eq(dec.cells[d][i], cell),
			    "row %zu column %zu", r, i);
		}
	}
	table_free(&src);
	table_free(&dec);
	table_free(&enc);
	psid_keys_free(keys);
	scratch_remove(dir);
}
END_TEST

/* Acceptance 2: our fingerprints equal Java's; sealed cells round-trip. */
static void
encrypt_matches_java(const char *input, const char *schema)
{
	struct psid_csv_options opts = { .settings = fixture_settings };
	struct psid_report report;
	struct psid_keys *keys = fixture_keys();
	struct table ours, java, dec, src;
	char *dir = scratch_dir();
	char enc_path[4096], dec_path[4096];
	size_t r, c, j, d;

	snprintf(enc_path, sizeof(enc_path), "%s", scratch_path(dir, "e.csv"));
	snprintf(dec_path, sizeof(dec_path), "%s", scratch_path(dir, "d.csv"));
	ck_assert_int_eq(psid_encrypt_csv(keys, fixture(schema), fixture(input),
	    enc_path, &opts, &report), PSID_OK);
	ck_assert_uint_eq(report.rows, 7);
	table_load(enc_path, &ours);
	table_load(fixture("marshalled_data_sample.csv"), &java);
	ck_assert_uint_eq(ours.nrows, 8);
	ck_assert_uint_eq(ours.ncols, java.ncols);
	for (c = 0; c < ours.ncols; c++)
		ck_assert_str_eq(ours.cells[0][c], java.cells[0][c]);
	for (r = 1; r < ours.nrows; r++) {
		j = row_by_name(&java, ours.cells[r][0], ours.cells[r][1]);
		for (c = 0; c < ours.ncols; c++) {
			const char *a = ours.cells[r][c], *b = java.cells[j][c];

			if (b != NULL && strncmp(b, "02:hmac:", 8) == 0)
				ck_assert_str_eq(a, b);
			else if (b != NULL && strncmp(b, "02:enc:", 7) == 0) {
				ck_assert_ptr_nonnull(a);
				ck_assert_msg(strncmp(a, "02:enc:", 7) == 0,
				    "column %zu not sealed", c);
				/* MAX padding gives Java's lengths (SPEC §13.3). */
				if (strcmp(ours.cells[0][c], "address") == 0 ||
				    strcmp(ours.cells[0][c], "city") == 0)
					ck_assert_uint_eq(strlen(a), strlen(b));
			} else
				ck_assert_msg(str_eq(a, b), "cleartext %zu", c);
		}
	}
	ck_assert_int_eq(psid_decrypt_csv(keys, enc_path, dec_path,
	    &(struct psid_csv_options){ 0 }, &report), PSID_OK);
	table_load(dec_path, &dec);
	table_load(fixture("data_sample_with_quotes.csv"), &src);
	for (r = 1; r < src.nrows; r++) {
		d = row_by_name(&dec, src.cells[r][0], src.cells[r][1]);
		ck_assert_msg(str_eq(dec.cells[d][col_index(&dec, "notes")],
		    src.cells[r][col_index(&src, "notes")]), "notes %zu", r);
		ck_assert_str_eq(dec.cells[d][col_index(&dec, "title")],
		    src.cells[r][col_index(&src, "title")]);
		ck_assert_str_eq(dec.cells[d][col_index(&dec, "address")],
		    src.cells[r][col_index(&src, "address")]);
		ck_assert_str_eq(dec.cells[d][col_index(&dec,
		    "phonenumber_sealed")], src.cells[r][col_index(&src,
		    "phonenumber")]);
	}
	table_free(&ours);
	table_free(&java);
	table_free(&dec);
	table_free(&src);
	psid_keys_free(keys);
	scratch_remove(dir);
}

START_TEST(encrypt_mapped_matches_java)
{
	encrypt_matches_java("data_sample_with_quotes.csv", "config_sample.json");
	encrypt_matches_java("data_sample_without_quotes.csv",
	    "config_sample.json");
}
END_TEST

START_TEST(encrypt_positional_matches_java)
{
	encrypt_matches_java("data_sample_no_headers.csv",
	    "config_sample_no_headers.json");
}
END_TEST

/* Run an encryption expected to fail; check the report, no output. */
static struct psid_report
encrypt_fails(const char *input, const char *schema,
    const struct psid_settings *settings, int expected)
{
	struct psid_csv_options opts = { .settings = *settings };
	struct psid_report report;
	struct psid_keys *keys = fixture_keys();
	char *dir = scratch_dir();
	char out[4096];

	snprintf(out, sizeof(out), "%s", scratch_path(dir, "out.csv"));
	ck_assert_int_eq(psid_encrypt_csv(keys, schema, input, out, &opts,
	    &report), expected);
	ck_assert_msg(report.message[0] != '\0', "no message");
	ck_assert_msg(!file_exists(out), "output left behind");
	/* Nothing else either: the scratch dir must be empty. */
	ck_assert_int_eq(rmdir(dir), 0);
	free(dir);
	psid_keys_free(keys);
	return report;
}

START_TEST(refuse_bad_input)
{
	struct psid_report r;
	char *dir = scratch_dir();
	char schema[4096];

	r = encrypt_fails(fixture("nonUtf8Encoding.csv"),
	    fixture("config_sample.json"), &fixture_settings,
	    PSID_ERR_ENCODING);
	ck_assert_uint_eq(r.line, 2);
	ck_assert_str_eq(r.column, "Notes");
	ck_assert_ptr_nonnull(strstr(r.message, "nonUtf8Encoding.csv"));

	r = encrypt_fails(fixture("one_row_too_few_columns.csv"),
	    fixture("config_sample.json"), &fixture_settings, PSID_ERR_CSV);
	ck_assert_uint_eq(r.line, 2);
	ck_assert_ptr_nonnull(strstr(r.message, "6 columns"));

	r = encrypt_fails(fixture("one_row_too_many_columns.csv"),
	    fixture("config_sample.json"), &fixture_settings, PSID_ERR_CSV);
	ck_assert_uint_eq(r.line, 2);

	/* The fixture repeats state VA four times: three repeats. */
	r = encrypt_fails(fixture("data_sample_with_quotes.csv"),
	    fixture("config_sample.json"), &(struct psid_settings){
	    .allow_cleartext = true }, PSID_ERR_DUPLICATE);
	ck_assert_str_eq(r.column, "state");
	ck_assert_ptr_nonnull(strstr(r.message, "3 repeated"));

	r = encrypt_fails(fixture("data_sample_with_quotes.csv"),
	    fixture("config_sample.json"), &(struct psid_settings){
	    .allow_duplicates = true }, PSID_ERR_CLEARTEXT);
	ck_assert_ptr_nonnull(strstr(r.message, "firstname"));

	snprintf(schema, sizeof(schema), "%s", scratch_path(dir, "s.json"));
	write_file(schema, "{\"headerRow\": true, \"columns\": [");
	r = encrypt_fails(fixture("data_sample_with_quotes.csv"), schema,
	    &fixture_settings, PSID_ERR_SCHEMA);
	ck_assert_ptr_nonnull(strstr(r.message, "s.json"));

	write_file(schema, "{\"headerRow\": true, \"columns\": [{"
	    "\"sourceHeader\": \"nosuch\", \"type\": \"fingerprint\"}]}");
	r = encrypt_fails(fixture("data_sample_with_quotes.csv"), schema,
	    &fixture_settings, PSID_ERR_SCHEMA);
	ck_assert_ptr_nonnull(strstr(r.message, "nosuch"));

	/* A value longer than its FIXED pad, on line 3. */
	write_file(schema, "{\"headerRow\": true, \"columns\": [{"
	    "\"sourceHeader\": \"notes\", \"type\": \"sealed\", \"pad\": "
	    "{\"type\": \"fixed\", \"length\": 20}}]}");
	r = encrypt_fails(fixture("data_sample_with_quotes.csv"), schema,
	    &fixture_settings, PSID_ERR_TOO_LONG);
	ck_assert_uint_eq(r.line, 3);
	ck_assert_str_eq(r.column, "notes_sealed");

	encrypt_fails(scratch_path(dir, "missing.csv"),
	    fixture("config_sample.json"), &fixture_settings, PSID_ERR_IO);
	unlink(schema);
	scratch_remove(dir);
}
END_TEST

/* Decrypt a copy of the fixture with one cell changed; expect code. */
static void
decrypt_fails(const char *secret, const char *from, const char *to,
    int expected)
{
	struct psid_csv_options opts = { 0 };
	struct psid_report report;
	struct psid_keys *keys;
	char *dir = scratch_dir(), *data, *p, in[4096], out[4096];

	ck_assert_int_eq(psid_keys_new(secret, FIXTURE_ID, &keys), PSID_OK);
	data = read_file(fixture("marshalled_data_sample.csv"), NULL);
	ck_assert_ptr_nonnull(data);
	if (from != NULL) {
		p = strstr(data, from);
		ck_assert_ptr_nonnull(p);
		memcpy(p, to, strlen(to));
		if (strlen(to) < strlen(from))
			memmove(p + strlen(to), p + strlen(from),
			    strlen(p + strlen(from)) + 1);
	}
	snprintf(in, sizeof(in), "%s", scratch_path(dir, "in.csv"));
	snprintf(out, sizeof(out), "%s", scratch_path(dir, "out.csv"));
	write_file(in, data);
	free(data);
	ck_assert_int_eq(psid_decrypt_csv(keys, in, out, &opts, &report),
	    expected);
	ck_assert_msg(!file_exists(out), "output left behind");
	ck_assert_uint_gt(report.line, 1);
	ck_assert_msg(report.column[0] != '\0', "no column");
	ck_assert_ptr_nonnull(strstr(report.message, "in.csv"));
	psid_keys_free(keys);
	scratch_remove(dir);
}

START_TEST(refuse_bad_cells)
{
	/* A wrong key. */
	decrypt_fails("AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", NULL,
	    NULL, PSID_ERR_AUTHENTICATION);
	/* A tampered cell: one Base64 character of Carl's address. */
	decrypt_fails(FIXTURE_SECRET, "BbDHfZbGZO1", "BbDHfZbGZO2",
	    PSID_ERR_AUTHENTICATION);
	/* A truncated cell: Jake's notes cut short. */
	decrypt_fails(FIXTURE_SECRET, "zVAHNc2dh0lEiA9biBTQ+VLphDmNCwYX4E32",
	    "zVA", PSID_ERR_CELL_FORMAT);
	/* An old-format cell. */
	decrypt_fails(FIXTURE_SECRET, "02:enc:DBas6J3ZvHGNHQeUteD5FEQUvW5Ry4N0",
	    "01:enc:DBas6J3ZvHGNHQeUteD5FEQUvW5Ry4N0", PSID_ERR_CELL_FORMAT);
}
END_TEST

START_TEST(fail_on_fingerprint_columns)
{
	struct psid_csv_options opts = { .fail_on_fingerprint_columns = true };
	struct psid_report report;
	struct psid_keys *keys = fixture_keys();
	char *dir = scratch_dir();

	ck_assert_int_eq(psid_decrypt_csv(keys,
	    fixture("marshalled_data_sample.csv"), scratch_path(dir, "o.csv"),
	    &opts, &report), PSID_ERR_FINGERPRINT);
	ck_assert_str_eq(report.column, "state");
	ck_assert_uint_eq(report.line, 2);
	ck_assert(!file_exists(scratch_path(dir, "o.csv")));
	psid_keys_free(keys);
	scratch_remove(dir);
}
END_TEST

START_TEST(existing_output_kept)
{
	struct psid_csv_options opts = { .settings = fixture_settings };
	struct psid_report report;
	struct psid_keys *keys = fixture_keys();
	char *dir = scratch_dir(), out[4096], *data;

	snprintf(out, sizeof(out), "%s", scratch_path(dir, "o.csv"));
	write_file(out, "precious\n");
	ck_assert_int_eq(psid_encrypt_csv(keys, fixture("config_sample.json"),
	    fixture("data_sample_with_quotes.csv"), out, &opts, &report),
	    PSID_ERR_EXISTS);
	ck_assert_int_eq(psid_decrypt_csv(keys,
	    fixture("marshalled_data_sample.csv"), out, &opts, &report),
	    PSID_ERR_EXISTS);
	data = read_file(out, NULL);
	ck_assert_str_eq(data, "precious\n");
	free(data);
	opts.overwrite = true;
	ck_assert_int_eq(psid_encrypt_csv(keys, fixture("config_sample.json"),
	    fixture("data_sample_with_quotes.csv"), out, &opts, &report),
	    PSID_OK);
	data = read_file(out, NULL);
	ck_assert(strncmp(data, "firstname,", 10) == 0);
	free(data);
	psid_keys_free(keys);
	scratch_remove(dir);
}
END_TEST

/* NULLs and empty strings of the 5x6 fixtures, under both settings. */
START_TEST(nulls_and_empties)
{
	struct psid_csv_options opts = { 0 };
	struct psid_report report;
	struct psid_keys *keys = fixture_keys();
	struct table enc, dec;
	char *dir = scratch_dir(), e[4096], d[4096];
	size_t r, c;

	snprintf(e, sizeof(e), "%s", scratch_path(dir, "e.csv"));
	snprintf(d, sizeof(d), "%s", scratch_path(dir, "d.csv"));
	opts.overwrite = true;
	opts.settings = (struct psid_settings){ .allow_cleartext = true,
	    .preserve_nulls = true };
	/* preserveNulls: NULL stays NULL in every column. */
	ck_assert_int_eq(psid_encrypt_csv(keys, fixture("6column.json"),
	    fixture("null5by6.csv"), e, &opts, &report), PSID_OK);
	table_load(e, &enc);
	ck_assert_str_eq(enc.cells[0][1], "sealed_none_sealed");
	ck_assert_str_eq(enc.cells[0][4], "fingerprint_1_fingerprint");
	for (r = 1; r < enc.nrows; r++)
		for (c = 0; c < enc.ncols; c++)
			ck_assert_ptr_null(enc.cells[r][c]);
	table_free(&enc);
	/* Without it, NULL fingerprints repeat: refused (C3R does too). */
	opts.settings.preserve_nulls = false;
	ck_assert_int_eq(psid_encrypt_csv(keys, fixture("6column.json"),
	    fixture("null5by6.csv"), e, &opts, &report), PSID_ERR_DUPLICATE);
	ck_assert_ptr_nonnull(strstr(report.message, "NULL"));
	/* Allowed duplicates: sealed NULLs encrypted, fingerprints random. */
	opts.settings.allow_duplicates = true;
	ck_assert_int_eq(psid_encrypt_csv(keys, fixture("6column.json"),
	    fixture("null5by6.csv"), e, &opts, &report), PSID_OK);
	table_load(e, &enc);
	for (r = 1; r < enc.nrows; r++) {
		ck_assert_ptr_null(enc.cells[r][0]);
		for (c = 1; c < 4; c++)
			ck_assert(strncmp(enc.cells[r][c], "02:enc:", 7) == 0);
		ck_assert(strncmp(enc.cells[r][4], "02:hmac:", 8) == 0);
		if (r > 1)
			ck_assert_str_ne(enc.cells[r][4], enc.cells[r - 1][4]);
	}
	table_free(&enc);
	ck_assert_int_eq(psid_decrypt_csv(keys, e, d, &opts, &report),
	    PSID_OK);
	table_load(d, &dec);
	for (r = 1; r < dec.nrows; r++)
		for (c = 0; c < 4; c++)
			ck_assert_ptr_null(dec.cells[r][c]);
	table_free(&dec);
	/* Quoted empties are NULL by default; with token "null" they stay "". */
	opts.input_null_value = "null";
	ck_assert_int_eq(psid_encrypt_csv(keys, fixture("6column.json"),
	    fixture("empty5by6.csv"), e, &opts, &report), PSID_OK);
	opts.input_null_value = NULL;
	ck_assert_int_eq(psid_decrypt_csv(keys, e, d, &opts, &report),
	    PSID_OK);
	{
		char *text = read_file(d, NULL);

		ck_assert_ptr_nonnull(strstr(text, "\n,\"\",\"\",\"\",02:hmac:"));
		free(text);
	}
	/* customNull5by6 with token "null": NULLs, written as NULL token. */
	opts.input_null_value = "null";
	ck_assert_int_eq(psid_encrypt_csv(keys, fixture("6column.json"),
	    fixture("customNull5by6.csv"), e, &opts, &report), PSID_OK);
	opts.input_null_value = NULL;
	opts.output_null_value = "NULL";
	ck_assert_int_eq(psid_decrypt_csv(keys, e, d, &opts, &report),
	    PSID_OK);
	{
		char *text = read_file(d, NULL);

		ck_assert_ptr_nonnull(strstr(text, "\nNULL,NULL,NULL,NULL,"));
		free(text);
	}
	psid_keys_free(keys);
	scratch_remove(dir);
}
END_TEST

/* Many rows, several buckets and threads: the output is a permutation. */
START_TEST(shuffle_is_a_permutation)
{
	struct psid_csv_options opts = { .overwrite = true,
	    .settings = { .allow_cleartext = true } };
	struct psid_report report;
	struct psid_keys *keys = fixture_keys();
	char *dir = scratch_dir(), in[4096], e[4096], d[4096], schema[4096];
	struct table dec;
	unsigned char *seen;
	size_t n = 60000, r, moved = 0;
	FILE *f;

	snprintf(in, sizeof(in), "%s", scratch_path(dir, "in.csv"));
	snprintf(e, sizeof(e), "%s", scratch_path(dir, "e.csv"));
	snprintf(d, sizeof(d), "%s", scratch_path(dir, "d.csv"));
	snprintf(schema, sizeof(schema), "%s", scratch_path(dir, "s.json"));
	write_file(schema, "{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"id\", \"type\": \"cleartext\"},"
	    "{\"sourceHeader\": \"id\", \"type\": \"fingerprint\"},"
	    "{\"sourceHeader\": \"pad\", \"type\": \"sealed\", \"pad\": "
	    "{\"type\": \"max\", \"length\": 4}}]}");
	f = fopen(in, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "id,pad\n");
	for (r = 0; r < n; r++)
		fprintf(f, "%zu,%0*zu\n", r, (int)(r % 97), r);
	fclose(f);
	opts.threads = (unsigned)(_i + 1);
	ck_assert_int_eq(psid_encrypt_csv(keys, schema, in, e, &opts, &report),
	    PSID_OK);
	ck_assert_uint_eq(report.rows, n);
	ck_assert_int_eq(psid_decrypt_csv(keys, e, d, &opts, &report),
	    PSID_OK);
	table_load(d, &dec);
	ck_assert_uint_eq(dec.nrows, n + 1);
	seen = calloc(n, 1);
	for (r = 1; r <= n; r++) {
		size_t id = strtoul(dec.cells[r][0], NULL, 10);
		char want[128];

		ck_assert_uint_lt(id, n);
		ck_assert(!seen[id]);
		seen[id] = 1;
		moved += id != r - 1;
		snprintf(want, sizeof(want), "%0*zu", (int)(id % 97), id);
		ck_assert_str_eq(dec.cells[r][2], want);
	}
	ck_assert_uint_gt(moved, n / 2);
	free(seen);
	table_free(&dec);
	psid_keys_free(keys);
	scratch_remove(dir);
}
END_TEST

/* The value of column col (0 sealed, 1 cleartext) of row r in spill_sized. */
static void
spill_sized_value(size_t r, int col, char *buf, size_t size)
{
	size_t len = r % 3 == 0 ? (col == 0 ? 11000 : 8000) : r % 50;

	ck_assert_uint_lt(len, size);
	memset(buf, 'a' + (int)((r + (size_t)col) % 26), len);
	buf[len] = '\0';
}

/*
 * Rows larger than a spill buffer (every third one, ~19 KB against at
 * most 16 KB) go straight to the spill file between buffered ones: every
 * row comes back whole, in one piece, on any number of threads.
 */
START_TEST(rows_larger_than_spill_buffers)
{
	struct psid_csv_options opts = { .overwrite = true, .threads = 2,
	    .settings = { .allow_cleartext = true } };
	struct psid_report report;
	struct psid_keys *keys = fixture_keys();
	char *dir = scratch_dir(), in[4096], e[4096], d[4096], schema[4096];
	static char sealed[12000], clear[12000];
	struct table dec;
	size_t n = 1500, r;
	FILE *f;

	snprintf(in, sizeof(in), "%s", scratch_path(dir, "in.csv"));
	snprintf(e, sizeof(e), "%s", scratch_path(dir, "e.csv"));
	snprintf(d, sizeof(d), "%s", scratch_path(dir, "d.csv"));
	snprintf(schema, sizeof(schema), "%s", scratch_path(dir, "s.json"));
	write_file(schema, "{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"id\", \"type\": \"fingerprint\"},"
	    "{\"sourceHeader\": \"id\", \"type\": \"cleartext\"},"
	    "{\"sourceHeader\": \"s\", \"type\": \"sealed\", \"pad\": "
	    "{\"type\": \"none\"}},"
	    "{\"sourceHeader\": \"c\", \"type\": \"cleartext\"}]}");
	f = fopen(in, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "id,s,c\n");
	for (r = 0; r < n; r++) {
		spill_sized_value(r, 0, sealed, sizeof(sealed));
		spill_sized_value(r, 1, clear, sizeof(clear));
		fprintf(f, "%zu,%s,%s\n", r, sealed, clear);
	}
	fclose(f);
	ck_assert_int_eq(psid_encrypt_csv(keys, schema, in, e, &opts, &report),
	    PSID_OK);
	ck_assert_uint_eq(report.rows, n);
	ck_assert_int_eq(psid_decrypt_csv(keys, e, d, &opts, &report),
	    PSID_OK);
	table_load(d, &dec);
	ck_assert_uint_eq(dec.nrows, n + 1);
	for (r = 1; r <= n; r++) {
		size_t id = strtoul(dec.cells[r][1], NULL, 10);

		ck_assert_uint_lt(id, n);
		spill_sized_value(id, 0, sealed, sizeof(sealed));
		spill_sized_value(id, 1, clear, sizeof(clear));
		ck_assert_str_eq(dec.cells[r][2] ? dec.cells[r][2] : "", sealed);
		ck_assert_str_eq(dec.cells[r][3] ? dec.cells[r][3] : "", clear);
	}
	table_free(&dec);
	psid_keys_free(keys);
	scratch_remove(dir);
}
END_TEST

/* A NULL report is allowed; the error still comes back, nothing left. */
START_TEST(null_report)
{
	struct psid_csv_options opts = { .settings = fixture_settings };
	struct psid_keys *keys = fixture_keys();
	char *dir = scratch_dir(), out[4096];

	snprintf(out, sizeof(out), "%s", scratch_path(dir, "o.csv"));
	ck_assert_int_eq(psid_encrypt_csv(keys, fixture("config_sample.json"),
	    fixture("one_row_too_few_columns.csv"), out, &opts, NULL),
	    PSID_ERR_CSV);
	ck_assert_int_eq(psid_decrypt_csv(keys, fixture("nonUtf8Encoding.csv"),
	    out, &opts, NULL), PSID_ERR_ENCODING);
	ck_assert_int_eq(rmdir(dir), 0);
	free(dir);
	psid_keys_free(keys);
}
END_TEST

/* Old Mac line ends ("\r" only) over many chunks: exact line numbers. */
START_TEST(cr_line_ends_across_chunks)
{
	struct psid_csv_options opts = { .threads = 2, .overwrite = true,
	    .settings = { .allow_duplicates = true } };
	struct psid_report report;
	struct psid_keys *keys = fixture_keys();
	char *dir = scratch_dir(), in[4096], out[4096], schema[4096];
	size_t r, n = 200000;
	FILE *f;

	snprintf(in, sizeof(in), "%s", scratch_path(dir, "cr.csv"));
	snprintf(out, sizeof(out), "%s", scratch_path(dir, "o.csv"));
	snprintf(schema, sizeof(schema), "%s", scratch_path(dir, "s.json"));
	write_file(schema, "{\"headerRow\": true, \"columns\": ["
	    "{\"sourceHeader\": \"a\", \"type\": \"fingerprint\"}]}");
	for (int bad = 0; bad < 2; bad++) {
		f = fopen(in, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "a,b\r");
		for (r = 0; r < n; r++)
			fprintf(f, r == 150000 && bad ? "oops\r" :
			    "value-%zu,\"x\ry\"\r", r);
		fclose(f);
		/* Each good row spans two lines (a "\r" inside quotes). */
		if (bad) {
			ck_assert_int_eq(psid_encrypt_csv(keys, schema, in, out,
			    &opts, &report), PSID_ERR_CSV);
			ck_assert_uint_eq(report.line, 2 + 2 * 150000);
		} else {
			ck_assert_int_eq(psid_encrypt_csv(keys, schema, in, out,
			    &opts, &report), PSID_OK);
			ck_assert_uint_eq(report.rows, n);
		}
	}
	psid_keys_free(keys);
	scratch_remove(dir);
}
END_TEST

Suite *
make_table_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("table");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, decrypt_java_fixture);
	tcase_add_test(tc, encrypt_mapped_matches_java);
	tcase_add_test(tc, encrypt_positional_matches_java);
	tcase_add_test(tc, refuse_bad_input);
	tcase_add_test(tc, refuse_bad_cells);
	tcase_add_test(tc, fail_on_fingerprint_columns);
	tcase_add_test(tc, existing_output_kept);
	tcase_add_test(tc, nulls_and_empties);
	tcase_add_loop_test(tc, shuffle_is_a_permutation, 0, 3);
	tcase_add_test(tc, null_report);
	tcase_add_test(tc, rows_larger_than_spill_buffers);
	tcase_add_test(tc, cr_line_ends_across_chunks);
	suite_add_tcase(s, tc);
	return s;
}
