/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_csv.c: tests of the CSV dialect C3R reads and writes (SPEC §11):
 * csv_parse_row() (quoting, "" escapes, trimming, line ends, empty lines,
 * NEED_MORE and re-parsing after more bytes arrive, errors),
 * csv_last_row_end() (with a randomised split-and-reparse property),
 * the --csvInputNULLValue rule of the SPEC §11.1 table, csv_write_field()
 * quoting (SPEC §11.2), the streaming csv_reader (fixtures, rows larger
 * than its read block, line numbers), plus utf8_is_valid() and the header
 * rules of SPEC §10.3 (header_normalize(), header_is_valid(), checked
 * against the C3R regular expression with POSIX regcomp()).
 *
 * Fixtures come from $PSID_FIXTURES (default tests/fixtures).
 */
#include "config.h"

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "csv.h"
#include "header.h"
#include "outbuf.h"
#include "psid/client.h"
#include "suites.h"
#include "testutil.h"
#include "utf8.h"

/* ------------------------------------------------------------ helpers */

/* A small deterministic PRNG (xorshift64*), so failures reproduce. */
struct rng {
	uint64_t s;
};

static uint64_t
rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static unsigned
rng_below(struct rng *r, unsigned n)
{
	return (unsigned)((rng_next(r) >> 33) % n);
}

/* One parse of a NUL-terminated string; the row points into buf. */
struct parsed {
	char buf[512];
	struct csv_row row;
	size_t consumed;
	uint64_t skipped;
	int rc;
};

static void
parse_str(struct parsed *p, const char *text, bool at_eof)
{
	size_t len = strlen(text);

	ck_assert_uint_lt(len, sizeof(p->buf));
	memcpy(p->buf, text, len + 1);
	p->rc = csv_parse_row(p->buf, len, at_eof, &p->row, &p->consumed,
	    &p->skipped);
}

#define ASSERT_FIELD(row, i, str, q) do {				\
	const struct csv_field *f_ = &(row)->fields[(i)];		\
	ck_assert_msg(f_->len == strlen(str) &&				\
	    memcmp(f_->ptr, (str), f_->len) == 0,			\
	    "field %d: got \"%.*s\", want \"%s\"", (int)(i),		\
	    (int)f_->len, f_->ptr, (str));				\
	ck_assert_msg(f_->quoted == (q), "field %d: quoted is %d",	\
	    (int)(i), (int)f_->quoted);					\
} while (0)

/* Append one row to out in an unambiguous form: q|u, length, bytes. */
static void
ser_row(struct outbuf *out, const struct csv_row *row)
{
	char tmp[64];
	size_t i;
	int n;

	for (i = 0; i < row->count; i++) {
		n = snprintf(tmp, sizeof(tmp), "%c%zu:",
		    row->fields[i].quoted ? 'q' : 'u', row->fields[i].len);
		ck_assert_int_eq(outbuf_append(out, tmp, (size_t)n), 0);
		ck_assert_int_eq(outbuf_append(out, row->fields[i].ptr,
		    row->fields[i].len), 0);
	}
	ck_assert_int_eq(outbuf_putc(out, '\n'), 0);
}

/*
 * Parse all of text[0..len) in one buffer (a private copy), appending the
 * rows to out. Returns 0 when the input ends cleanly, or the error.
 */
static int
parse_all(const char *text, size_t len, struct outbuf *out)
{
	struct csv_row row = { 0 };
	size_t pos = 0, consumed;
	uint64_t skipped;
	char *buf;
	int rc;

	buf = malloc(len + 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, text, len);
	for (;;) {
		rc = csv_parse_row(buf + pos, len - pos, true, &row, &consumed,
		    &skipped);
		if (rc != CSV_ROW)
			break;
		ck_assert_uint_gt(consumed, 0);
		ser_row(out, &row);
		pos += consumed;
	}
	if (rc == CSV_NEED_MORE) {
		/* Only empty lines may remain at the end. */
		ck_assert_uint_eq(pos + consumed, len);
		rc = 0;
	}
	csv_row_release(&row);
	free(buf);
	return rc;
}

/*
 * Parse text[0..len) as the streaming reader does: the buffer receives
 * step more bytes each time the parser returns CSV_NEED_MORE. The parser
 * must leave the unparsed bytes intact when it asks for more.
 */
static int
parse_chunked(const char *text, size_t len, size_t step, struct outbuf *out)
{
	struct csv_row row = { 0 };
	size_t pos = 0, avail = 0, consumed, n;
	uint64_t skipped;
	char *buf;
	int rc;

	buf = malloc(len + 1);
	ck_assert_ptr_nonnull(buf);
	for (;;) {
		bool eof = avail == len;

		rc = csv_parse_row(buf + pos, avail - pos, eof, &row,
		    &consumed, &skipped);
		if (rc == CSV_ROW) {
			ser_row(out, &row);
			pos += consumed;
			continue;
		}
		if (rc != CSV_NEED_MORE)
			break;
		ck_assert_msg(memcmp(buf + pos, text + pos, avail - pos) == 0,
		    "CSV_NEED_MORE at offset %zu (of %zu available) but the "
		    "parser modified the unparsed bytes", pos, avail);
		pos += consumed;
		if (eof) {
			rc = 0;
			break;
		}
		n = len - avail < step ? len - avail : step;
		memcpy(buf + avail, text + avail, n);
		avail += n;
	}
	csv_row_release(&row);
	free(buf);
	return rc;
}

/* A random field, as CSV text, appended to out. */
static void
gen_field(struct rng *r, struct outbuf *out)
{
	static const char first[] = "abxy12";
	static const char rest[] = "abxy12 \t\"";
	static const char inq[] = "ab ,\n\"\r";
	unsigned i, n;

	if (rng_below(r, 4) == 0)
		outbuf_append(out, "  ", rng_below(r, 3));
	switch (rng_below(r, 4)) {
	case 0:		/* empty */
		break;
	case 1:		/* unquoted; quotes only after the first char */
		outbuf_putc(out, first[rng_below(r, sizeof(first) - 1)]);
		n = rng_below(r, 6);
		for (i = 0; i < n; i++)
			outbuf_putc(out, rest[rng_below(r, sizeof(rest) - 1)]);
		break;
	default:	/* quoted, with "" escapes and line ends inside */
		outbuf_putc(out, '"');
		n = rng_below(r, 8);
		for (i = 0; i < n; i++) {
			char c = inq[rng_below(r, sizeof(inq) - 1)];

			if (c == '"')
				outbuf_putc(out, '"');
			if (c == '\r' && rng_below(r, 2) == 0)
				outbuf_append(out, "\r\n", 2);
			else
				outbuf_putc(out, c);
		}
		outbuf_putc(out, '"');
		break;
	}
	if (rng_below(r, 4) == 0)
		outbuf_append(out, " \t", rng_below(r, 3));
}

/* Random CSV text: rows of random fields, random line ends, blank lines. */
static void
gen_csv(struct rng *r, struct outbuf *out, bool cr_ends)
{
	unsigned rows = 1 + rng_below(r, 8), i, k, fields;

	for (i = 0; i < rows; i++) {
		fields = 1 + rng_below(r, 4);
		for (k = 0; k < fields; k++) {
			if (k > 0)
				outbuf_putc(out, ',');
			gen_field(r, out);
		}
		if (i + 1 == rows && rng_below(r, 3) == 0)
			break;	/* last row without a line end */
		do {
			switch (rng_below(r, cr_ends ? 3 : 2)) {
			case 0:
				outbuf_putc(out, '\n');
				break;
			case 1:
				outbuf_append(out, "\r\n", 2);
				break;
			default:
				outbuf_putc(out, '\r');
				break;
			}
		} while (rng_below(r, 5) == 0);	/* sometimes empty lines */
	}
}

/* ------------------------------------------------------- csv_parse_row */

START_TEST(test_parse_simple)
{
	struct parsed p = { .row = { 0 } };
	char *rest;

	parse_str(&p, "a,b,c\nd,e,f\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 3);
	ASSERT_FIELD(&p.row, 0, "a", false);
	ASSERT_FIELD(&p.row, 1, "b", false);
	ASSERT_FIELD(&p.row, 2, "c", false);
	ck_assert_uint_eq(p.consumed, 6);
	ck_assert_uint_eq(p.skipped, 0);
	ck_assert_uint_eq(p.row.lines, 1);
	ck_assert_uint_eq(p.row.start, 0);

	rest = p.buf + p.consumed;
	ck_assert_int_eq(csv_parse_row(rest, 6, true, &p.row, &p.consumed,
	    &p.skipped), CSV_ROW);
	ck_assert_uint_eq(p.row.count, 3);
	ASSERT_FIELD(&p.row, 0, "d", false);
	ASSERT_FIELD(&p.row, 2, "f", false);
	ck_assert_uint_eq(p.consumed, 6);

	/* Nothing left: CSV_NEED_MORE, nothing consumed. */
	ck_assert_int_eq(csv_parse_row(rest + 6, 0, true, &p.row, &p.consumed,
	    &p.skipped), CSV_NEED_MORE);
	ck_assert_uint_eq(p.consumed, 0);
	ck_assert_uint_eq(p.skipped, 0);

	/* One field, one byte. */
	parse_str(&p, "x", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 1);
	ASSERT_FIELD(&p.row, 0, "x", false);
	ck_assert_uint_eq(p.consumed, 1);

	/* UTF-8 passes through untouched. */
	parse_str(&p, "not\xc3\xa9,\xe2\x82\xac\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ASSERT_FIELD(&p.row, 0, "not\xc3\xa9", false);
	ASSERT_FIELD(&p.row, 1, "\xe2\x82\xac", false);
	csv_row_release(&p.row);
	ck_assert_ptr_null(p.row.fields);
	ck_assert_uint_eq(p.row.cap, 0);
}
END_TEST

START_TEST(test_parse_quoted)
{
	struct parsed p = { .row = { 0 } };
	const char *text = "\"a,b\",\"c\"\"d\",\"e\nf\",g,\"\"\"\",\"\"\n";

	parse_str(&p, text, true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 6);
	ASSERT_FIELD(&p.row, 0, "a,b", true);
	ASSERT_FIELD(&p.row, 1, "c\"d", true);
	ASSERT_FIELD(&p.row, 2, "e\nf", true);
	ASSERT_FIELD(&p.row, 3, "g", false);
	ASSERT_FIELD(&p.row, 4, "\"", true);
	ASSERT_FIELD(&p.row, 5, "", true);
	ck_assert_uint_eq(p.consumed, strlen(text));
	ck_assert_uint_eq(p.row.lines, 2);

	/* Several embedded line ends: \r\n counts once, \n once each. */
	text = "\"x\r\ny\nz\n\",1\nnext\n";
	parse_str(&p, text, true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 0, "x\r\ny\nz\n", true);
	ASSERT_FIELD(&p.row, 1, "1", false);
	ck_assert_uint_eq(p.row.lines, 4);
	ck_assert_uint_eq(p.consumed, strlen(text) - strlen("next\n"));

	/* Many escapes in one field. */
	parse_str(&p, "\"\"\"a\"\"\"\"b\"\"\",c\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ASSERT_FIELD(&p.row, 0, "\"a\"\"b\"", true);
	ASSERT_FIELD(&p.row, 1, "c", false);

	/* A quote inside an unquoted field is an ordinary character. */
	parse_str(&p, "a\"b,c\"\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 0, "a\"b", false);
	ASSERT_FIELD(&p.row, 1, "c\"", false);
	csv_row_release(&p.row);
}
END_TEST

START_TEST(test_parse_trimming)
{
	struct parsed p = { .row = { 0 } };

	/* CsvRowReaderTest: " \N " -> \N, "\" \\N \"" -> " \N ". */
	parse_str(&p, " \\N ,\" \\N \"\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 0, "\\N", false);
	ASSERT_FIELD(&p.row, 1, " \\N ", true);

	/* Spaces and tabs around unquoted values go; inner ones stay. */
	parse_str(&p, "\t a b \t,  x,y  , \t \n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 4);
	ASSERT_FIELD(&p.row, 0, "a b", false);
	ASSERT_FIELD(&p.row, 1, "x", false);
	ASSERT_FIELD(&p.row, 2, "y", false);
	ASSERT_FIELD(&p.row, 3, "", false);

	/* Whitespace around a quoted field is dropped, inside kept. */
	parse_str(&p, "  \" q \"  ,\t\"\t\"\t,\" \" \r\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 3);
	ASSERT_FIELD(&p.row, 0, " q ", true);
	ASSERT_FIELD(&p.row, 1, "\t", true);
	ASSERT_FIELD(&p.row, 2, " ", true);
	ck_assert_uint_eq(p.consumed, strlen(p.buf));

	/* Unquoted blank and empty fields are both empty. */
	parse_str(&p, ",  ,\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 3);
	ASSERT_FIELD(&p.row, 0, "", false);
	ASSERT_FIELD(&p.row, 1, "", false);
	ASSERT_FIELD(&p.row, 2, "", false);
	csv_row_release(&p.row);
}
END_TEST

START_TEST(test_parse_line_ends)
{
	struct parsed p = { .row = { 0 } };
	const char *text = "a\r\nb\rc\nd";
	size_t off;

	parse_str(&p, text, true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ASSERT_FIELD(&p.row, 0, "a", false);
	ck_assert_uint_eq(p.consumed, 3);
	off = p.consumed;
	ck_assert_int_eq(csv_parse_row(p.buf + off, strlen(text) - off, true,
	    &p.row, &p.consumed, &p.skipped), CSV_ROW);
	ck_assert_uint_eq(p.row.count, 1);
	ASSERT_FIELD(&p.row, 0, "b", false);
	ck_assert_uint_eq(p.consumed, 2);
	off += p.consumed;
	ck_assert_int_eq(csv_parse_row(p.buf + off, strlen(text) - off, true,
	    &p.row, &p.consumed, &p.skipped), CSV_ROW);
	ASSERT_FIELD(&p.row, 0, "c", false);
	ck_assert_uint_eq(p.consumed, 2);
	off += p.consumed;
	ck_assert_int_eq(csv_parse_row(p.buf + off, strlen(text) - off, true,
	    &p.row, &p.consumed, &p.skipped), CSV_ROW);
	ASSERT_FIELD(&p.row, 0, "d", false);
	ck_assert_uint_eq(p.consumed, 1);
	ck_assert_uint_eq(p.skipped, 0);

	/* A trailing \r may be the first half of \r\n: wait for more. */
	parse_str(&p, "a,b\r", false);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	parse_str(&p, "a,b\r", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ck_assert_uint_eq(p.consumed, 4);
	parse_str(&p, "a,b\r\n", false);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.consumed, 5);
	parse_str(&p, "a,b\rc", false);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.consumed, 4);

	/* After a closing quote too. */
	parse_str(&p, "\"a\"\r", false);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	parse_str(&p, "\"a\"\r\n", false);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ASSERT_FIELD(&p.row, 0, "a", true);
	ck_assert_uint_eq(p.consumed, 5);

	/* csv_count_newlines counts line ends as the parser does. */
	ck_assert_uint_eq(csv_count_newlines("a\nb\r\nc\r\"\n\"", 10), 4);
	ck_assert_uint_eq(csv_count_newlines("", 0), 0);
	ck_assert_uint_eq(csv_count_newlines("\r\r", 2), 2);
	ck_assert_uint_eq(csv_count_newlines("\r\n\r\n", 4), 2);
	csv_row_release(&p.row);
}
END_TEST

START_TEST(test_parse_empty_lines)
{
	struct parsed p = { .row = { 0 } };

	parse_str(&p, "\n\r\n\r\na,b\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.skipped, 3);
	ck_assert_uint_eq(p.row.start, 5);
	ck_assert_uint_eq(p.consumed, 9);
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 0, "a", false);
	ASSERT_FIELD(&p.row, 1, "b", false);
	ck_assert_uint_eq(p.row.lines, 1);

	/* Only empty lines left: NEED_MORE, but they are consumed. */
	parse_str(&p, "\n\r\n\n", true);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	ck_assert_uint_eq(p.consumed, 4);
	ck_assert_uint_eq(p.skipped, 3);

	/* Not at EOF, a lone trailing \r is not consumed yet. */
	parse_str(&p, "\n\r", false);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	ck_assert_uint_eq(p.consumed, 1);
	ck_assert_uint_eq(p.skipped, 1);
	parse_str(&p, "\n\r", true);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	ck_assert_uint_eq(p.consumed, 2);
	ck_assert_uint_eq(p.skipped, 2);

	/* Empty lines before a row that is still incomplete. */
	parse_str(&p, "\n\nab", false);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	ck_assert_uint_le(p.consumed, 2);
	csv_row_release(&p.row);
}
END_TEST

/*
 * univocity (ignoreLeadingWhitespaces, skipEmptyLines: the defaults C3R
 * keeps) skips a line holding only whitespace: parseSingleDelimiterRecord
 * skips the leading whitespace, meets the line end and parses no value,
 * and ParserOutput.rowParsed() drops the empty record.
 */
START_TEST(test_parse_blank_lines)
{
	struct parsed p = { .row = { 0 } };

	parse_str(&p, "  \n\t\na,b\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 0, "a", false);
	ASSERT_FIELD(&p.row, 1, "b", false);
	ck_assert_uint_eq(p.skipped, 2);
	ck_assert_uint_eq(p.row.start, 5);
	ck_assert_uint_eq(p.consumed, 9);

	/* \r\n and lone \r after the blanks; other control bytes too. */
	parse_str(&p, " \r\n\t \r\x01\x0b\nx\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.skipped, 3);
	ck_assert_uint_eq(p.row.count, 1);
	ASSERT_FIELD(&p.row, 0, "x", false);

	/* Only blank lines left. */
	parse_str(&p, " \r\n\n \t ", true);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	ck_assert_uint_eq(p.consumed, 7);
	ck_assert_uint_eq(p.skipped, 2);

	/* Not at EOF, blanks may still become a row: keep them. */
	parse_str(&p, "  ", false);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	ck_assert_uint_eq(p.consumed, 0);
	parse_str(&p, "\n \t", false);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	ck_assert_uint_eq(p.consumed, 1);
	ck_assert_uint_eq(p.skipped, 1);
	parse_str(&p, " \r", false);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	ck_assert_uint_eq(p.consumed, 0);

	/* Not blank: a delimiter, a quoted blank, text after blanks. */
	parse_str(&p, "   ,\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ck_assert_uint_eq(p.skipped, 0);
	ASSERT_FIELD(&p.row, 0, "", false);
	ASSERT_FIELD(&p.row, 1, "", false);
	parse_str(&p, "  \" \"  \n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 1);
	ASSERT_FIELD(&p.row, 0, " ", true);
	parse_str(&p, "  \"\"\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 1);
	ASSERT_FIELD(&p.row, 0, "", true);
	parse_str(&p, "  \t y", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ASSERT_FIELD(&p.row, 0, "y", false);
	ck_assert_uint_eq(p.skipped, 0);
	csv_row_release(&p.row);
}
END_TEST

/*
 * Unquoted fields of every length up to 40 ended by ',', '\n' or '\r' at
 * every offset, with filler bytes that differ from the delimiters in one
 * bit (the field end may be found a word at a time).
 */
START_TEST(test_parse_long_unquoted)
{
	static const char ends[] = ",\n\r";
	static const unsigned char fill[] = {
		'a', 0xac, 0x8a, 0x8d, '.', 0x0c, 0x0b, 0xff, 0x80,
		0x2c ^ 0x01, 0x0a ^ 0x40, 0x0d ^ 0x10, 0x2c ^ 0x20,
	};
	struct csv_row row = { 0 };
	char buf[64], want[48];
	size_t len, e, f, k, consumed;
	uint64_t skipped;

	for (f = 0; f < sizeof(fill); f++)
		for (e = 0; e < sizeof(ends) - 1; e++)
			/* (An empty field alone on its line is an empty line.) */
			for (len = e == 0 ? 0 : 1; len <= 40; len++) {
				for (k = 0; k < len; k++)
					want[k] = (char)((k & 1) ? fill[f] :
					    fill[(f + k) % sizeof(fill)]);
				if (len > 0) {
					want[0] = 'x';
					want[len - 1] = 'z';
				}
				memcpy(buf, want, len);
				buf[len] = ends[e];
				memcpy(buf + len + 1, "tail,2\n", 7);
				ck_assert_int_eq(csv_parse_row(buf, len + 8,
				    false, &row, &consumed, &skipped), CSV_ROW);
				ck_assert_msg(row.fields[0].len == len &&
				    memcmp(row.fields[0].ptr, want, len) == 0,
				    "fill %zu, end %zu, length %zu: got %zu",
				    f, e, len, row.fields[0].len);
				ck_assert(!row.fields[0].quoted);
				if (ends[e] == ',') {
					ck_assert_uint_eq(row.count, 3);
					ck_assert_uint_eq(consumed, len + 8);
				} else {
					ck_assert_uint_eq(row.count, 1);
					ck_assert_uint_eq(consumed, len + 1);
				}
			}
	csv_row_release(&row);
}
END_TEST

START_TEST(test_parse_trailing_comma)
{
	struct parsed p = { .row = { 0 } };

	parse_str(&p, "a,\nb\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 0, "a", false);
	ASSERT_FIELD(&p.row, 1, "", false);
	ck_assert_uint_eq(p.consumed, 3);

	parse_str(&p, "a,", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 1, "", false);
	ck_assert_uint_eq(p.consumed, 2);

	parse_str(&p, "\"a\",\r\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 0, "a", true);
	ASSERT_FIELD(&p.row, 1, "", false);

	parse_str(&p, ",\n", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 0, "", false);
	ASSERT_FIELD(&p.row, 1, "", false);

	parse_str(&p, "a,", false);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	csv_row_release(&p.row);
}
END_TEST

START_TEST(test_parse_eof_without_line_end)
{
	struct parsed p = { .row = { 0 } };

	parse_str(&p, "a,\"b\"", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 0, "a", false);
	ASSERT_FIELD(&p.row, 1, "b", true);
	ck_assert_uint_eq(p.consumed, 5);

	parse_str(&p, "a,\"b\"  ", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ASSERT_FIELD(&p.row, 1, "b", true);
	ck_assert_uint_eq(p.consumed, 7);

	parse_str(&p, "a,\"b\"\"\"", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ASSERT_FIELD(&p.row, 1, "b\"", true);

	parse_str(&p, "a,b  ", true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ASSERT_FIELD(&p.row, 1, "b", false);
	ck_assert_uint_eq(p.consumed, 5);

	/* The same bytes with more to come: wait. */
	parse_str(&p, "a,\"b\"", false);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	parse_str(&p, "a,b", false);
	ck_assert_int_eq(p.rc, CSV_NEED_MORE);
	csv_row_release(&p.row);
}
END_TEST

START_TEST(test_parse_need_more)
{
	static const char *const partial[] = {
		"a", "a,b", "\"", "\"ab", "\"a\nb", "a,\"b", "\"a\"",
		"\"a\"\"", "\"a\" ", "a,\"b\"\"c", "\n\"x",
	};
	struct parsed p = { .row = { 0 } };
	size_t i;

	for (i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
		parse_str(&p, partial[i], false);
		ck_assert_msg(p.rc == CSV_NEED_MORE, "\"%s\": got %d",
		    partial[i], p.rc);
		ck_assert_msg(strcmp(p.buf, partial[i]) == 0,
		    "\"%s\" was modified", partial[i]);
	}

	/* An escaped quote split at the buffer end: "a" | "b" */
	memcpy(p.buf, "\"a\"", 3);
	ck_assert_int_eq(csv_parse_row(p.buf, 3, false, &p.row, &p.consumed,
	    &p.skipped), CSV_NEED_MORE);
	memcpy(p.buf + 3, "\"b\"\n", 5);
	ck_assert_int_eq(csv_parse_row(p.buf, 7, false, &p.row, &p.consumed,
	    &p.skipped), CSV_ROW);
	ck_assert_uint_eq(p.row.count, 1);
	ASSERT_FIELD(&p.row, 0, "a\"b", true);
	ck_assert_uint_eq(p.consumed, 7);

	/* Ends mid-quote with a line end inside, then completes. */
	memcpy(p.buf, "x,\"1\n2", 6);
	ck_assert_int_eq(csv_parse_row(p.buf, 6, false, &p.row, &p.consumed,
	    &p.skipped), CSV_NEED_MORE);
	memcpy(p.buf + 6, "\",y\n", 5);
	ck_assert_int_eq(csv_parse_row(p.buf, 10, false, &p.row, &p.consumed,
	    &p.skipped), CSV_ROW);
	ck_assert_uint_eq(p.row.count, 3);
	ASSERT_FIELD(&p.row, 0, "x", false);
	ASSERT_FIELD(&p.row, 1, "1\n2", true);
	ASSERT_FIELD(&p.row, 2, "y", false);
	ck_assert_uint_eq(p.row.lines, 2);
	csv_row_release(&p.row);
}
END_TEST

/*
 * The reader parses the same bytes again after CSV_NEED_MORE, so the
 * parser must not unescape a quoted field in place before it knows the
 * row is complete: here the first field holds an escaped quote and the
 * buffer ends in the second field.
 */
START_TEST(test_parse_need_more_keeps_buffer)
{
	struct parsed p = { .row = { 0 } };
	const char *first = "\"a\"\"b\",cd";
	int rc;

	memcpy(p.buf, first, strlen(first) + 1);
	rc = csv_parse_row(p.buf, strlen(first), false, &p.row, &p.consumed,
	    &p.skipped);
	ck_assert_int_eq(rc, CSV_NEED_MORE);
	ck_assert_msg(memcmp(p.buf, first, strlen(first)) == 0,
	    "CSV_NEED_MORE but the buffer now reads \"%.*s\"",
	    (int)strlen(first), p.buf);
	memcpy(p.buf + strlen(first), "e\n", 3);
	rc = csv_parse_row(p.buf, strlen(p.buf), false, &p.row, &p.consumed,
	    &p.skipped);
	ck_assert_msg(rc == CSV_ROW, "re-parse after more bytes: %d (%s)",
	    rc, csv_parse_strerror(rc));
	ck_assert_uint_eq(p.row.count, 2);
	ASSERT_FIELD(&p.row, 0, "a\"b", true);
	ASSERT_FIELD(&p.row, 1, "cde", false);
	ck_assert_uint_eq(p.consumed, strlen(first) + 2);
	csv_row_release(&p.row);
}
END_TEST

START_TEST(test_parse_errors)
{
	struct parsed p = { .row = { 0 } };

	parse_str(&p, "\"a\"b,c\n", true);
	ck_assert_int_eq(p.rc, CSV_ERR_QUOTE);
	parse_str(&p, "x,\"a\" b\n", true);
	ck_assert_int_eq(p.rc, CSV_ERR_QUOTE);
	parse_str(&p, "\"a\"\"\"b\n", true);
	ck_assert_int_eq(p.rc, CSV_ERR_QUOTE);
	parse_str(&p, "\"a\"b", false);
	ck_assert_int_eq(p.rc, CSV_ERR_QUOTE);

	parse_str(&p, "\"abc", true);
	ck_assert_int_eq(p.rc, CSV_ERR_OPEN_QUOTE);
	parse_str(&p, "a,\"b\nc\n", true);
	ck_assert_int_eq(p.rc, CSV_ERR_OPEN_QUOTE);
	parse_str(&p, "\"a\"\"", true);
	ck_assert_int_eq(p.rc, CSV_ERR_OPEN_QUOTE);

	ck_assert_str_eq(csv_parse_strerror(CSV_ERR_QUOTE),
	    "unexpected text after a closing quote");
	ck_assert_ptr_nonnull(strstr(csv_parse_strerror(CSV_ERR_OPEN_QUOTE),
	    "not closed"));
	ck_assert_ptr_nonnull(strstr(csv_parse_strerror(CSV_ERR_TOO_MANY),
	    "10000"));
	ck_assert_ptr_nonnull(csv_parse_strerror(12345));
	csv_row_release(&p.row);
}
END_TEST

START_TEST(test_parse_too_many_fields)
{
	struct csv_row row = { 0 };
	size_t len, consumed, i;
	uint64_t skipped;
	char *buf;

	/* Exactly CSV_MAX_FIELDS is fine... */
	buf = malloc(2 * (CSV_MAX_FIELDS + 1) + 2);
	ck_assert_ptr_nonnull(buf);
	for (len = 0, i = 0; i < CSV_MAX_FIELDS; i++) {
		buf[len++] = 'a';
		buf[len++] = i + 1 < CSV_MAX_FIELDS ? ',' : '\n';
	}
	ck_assert_int_eq(csv_parse_row(buf, len, true, &row, &consumed,
	    &skipped), CSV_ROW);
	ck_assert_uint_eq(row.count, CSV_MAX_FIELDS);
	ck_assert_uint_eq(consumed, len);
	ASSERT_FIELD(&row, CSV_MAX_FIELDS - 1, "a", false);

	/* ... one more is an error. */
	for (len = 0, i = 0; i <= CSV_MAX_FIELDS; i++) {
		buf[len++] = 'a';
		buf[len++] = i < CSV_MAX_FIELDS ? ',' : '\n';
	}
	ck_assert_int_eq(csv_parse_row(buf, len, true, &row, &consumed,
	    &skipped), CSV_ERR_TOO_MANY);
	/* Trailing comma: 10000 'a' fields and an empty one. */
	for (len = 0, i = 0; i < CSV_MAX_FIELDS; i++) {
		buf[len++] = 'a';
		buf[len++] = ',';
	}
	ck_assert_int_eq(csv_parse_row(buf, len, true, &row, &consumed,
	    &skipped), CSV_ERR_TOO_MANY);
	csv_row_release(&row);
	free(buf);
}
END_TEST

/* Random CSV parsed in small pieces gives the rows of a one-shot parse. */
START_TEST(test_parse_chunked_random)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64 };
	struct outbuf text = { 0 }, whole = { 0 }, pieces = { 0 };
	struct rng r = { 0x5eed0001 };
	size_t k;
	int t;

	for (t = 0; t < 200; t++) {
		text.len = 0;
		gen_csv(&r, &text, true);
		whole.len = 0;
		ck_assert_int_eq(parse_all(text.data, text.len, &whole), 0);
		for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			pieces.len = 0;
			ck_assert_int_eq(parse_chunked(text.data, text.len,
			    steps[k], &pieces), 0);
			ck_assert_msg(pieces.len == whole.len &&
			    memcmp(pieces.data, whole.data, whole.len) == 0,
			    "text %d, step %zu: rows differ", t, steps[k]);
		}
	}
	outbuf_release(&text);
	outbuf_release(&whole);
	outbuf_release(&pieces);
}
END_TEST

/* ---------------------------------------------------- csv_last_row_end */

#define LRE(s) csv_last_row_end((s), strlen(s))

START_TEST(test_last_row_end)
{
	/* No quotes: after the last '\n'. */
	ck_assert_uint_eq(LRE("a,b\nc,d\ne"), 8);
	ck_assert_uint_eq(LRE("a,b\nc,d\n"), 8);
	ck_assert_uint_eq(LRE("a,b\r\nc"), 5);
	ck_assert_uint_eq(LRE("a\n"), 2);
	ck_assert_uint_eq(LRE("a,b"), 0);
	ck_assert_uint_eq(csv_last_row_end("", 0), 0);

	/* Quoted line ends are not row ends. */
	ck_assert_uint_eq(LRE("a,\"x\ny\"\nb"), 8);
	ck_assert_uint_eq(LRE("a,\"x\ny\"\n"), 8);
	ck_assert_uint_eq(LRE("a,\"x\n"), 0);
	ck_assert_uint_eq(LRE("a\nb,\"x\ny\nz"), 2);
	ck_assert_uint_eq(LRE("\"x\r\ny\"\r\n"), 8);
	ck_assert_uint_eq(LRE("  \"x\ny\"  \nz"), 10);

	/* "" inside quotes does not close them. */
	ck_assert_uint_eq(LRE("\"a\"\"\nb\"\nc"), 8);
	ck_assert_uint_eq(LRE("\"a\"\"\nb"), 0);
	ck_assert_uint_eq(LRE("\"a\"\"\"\nb"), 6);
	ck_assert_uint_eq(LRE("\"\"\n\"\"\"\n"), 3);

	/* A quote inside an unquoted field does not open a quote. */
	ck_assert_uint_eq(LRE("a\"b\nc\n"), 6);
	ck_assert_uint_eq(LRE("a\"b\nc\"\nd"), 7);
}
END_TEST

/*
 * With "\r" line ends, a quote that opens the next row's first field must
 * still be seen: "a\r\"b\nc\"" is the row a and the row "b\nc", so the
 * '\n' (inside quotes) is no place to cut.
 */
START_TEST(test_last_row_end_cr)
{
	const char *text = "a\r\"b\nc\"";
	size_t r = LRE(text);

	ck_assert_msg(r == 0 || r == 2, "csv_last_row_end(\"a\\r\\\"b\\nc\\\"\")"
	    " = %zu, inside the quoted field", r);
	ck_assert_uint_eq(LRE("a\r\"b\nc\"\r\nd"), 9);
}
END_TEST

/* Split random CSV at csv_last_row_end() of every prefix and reparse. */
static void
last_row_end_property(bool cr_ends, uint64_t seed, int texts)
{
	struct outbuf text = { 0 }, whole = { 0 }, split = { 0 };
	struct rng rg = { seed };
	size_t p, r, prev;
	int t;

	for (t = 0; t < texts; t++) {
		text.len = 0;
		gen_csv(&rg, &text, cr_ends);
		whole.len = 0;
		ck_assert_int_eq(parse_all(text.data, text.len, &whole), 0);
		for (prev = SIZE_MAX, p = 0; p <= text.len; p++) {
			r = csv_last_row_end(text.data, p);
			ck_assert_uint_le(r, p);
			ck_assert(r == 0 || text.data[r - 1] == '\n' ||
			    text.data[r - 1] == '\r');
			if (r == prev)
				continue;	/* this split was checked */
			prev = r;
			split.len = 0;
			ck_assert_int_eq(parse_all(text.data, r, &split), 0);
			ck_assert_int_eq(parse_all(text.data + r, text.len - r,
			    &split), 0);
			ck_assert_msg(split.len == whole.len &&
			    memcmp(split.data, whole.data, whole.len) == 0,
			    "text %d: split at %zu (prefix %zu of %zu) changes "
			    "the rows", t, r, p, text.len);
		}
		if (!cr_ends && text.len > 0 && text.data[text.len - 1] == '\n')
			ck_assert_uint_eq(csv_last_row_end(text.data, text.len),
			    text.len);
	}
	outbuf_release(&text);
	outbuf_release(&whole);
	outbuf_release(&split);
}

START_TEST(test_last_row_end_random)
{
	last_row_end_property(false, 0x1badcafe, 60);
}
END_TEST

START_TEST(test_last_row_end_random_cr)
{
	last_row_end_property(true, 0xfeedf00d, 60);
}
END_TEST

/* ----------------------------------------------------------- NULL rule */

/*
 * The fields of one line, covering the columns of the SPEC §11.1 table:
 * unquoted empty, unquoted blank, quoted empty, quoted blank, text,
 * null (unquoted, quoted), \N (unquoted, quoted, quoted with spaces).
 */
#define NULL_LINE "," " ," "\"\"," "\" \"," "x," " null ," "\"null\"," \
	" \\N ," "\"\\N\"," "\" \\N \"," "NULL\n"
enum {
	F_EMPTY, F_BLANK, F_QEMPTY, F_QBLANK, F_TEXT, F_NULL, F_QNULL,
	F_BSN, F_QBSN, F_QBSN_SPACED, F_UPPER, F_COUNT
};

static void
check_null_rule(const char *token, int kind, const bool expect[F_COUNT])
{
	struct parsed p = { .row = { 0 } };
	struct csv_null_rule rule;
	int i;

	parse_str(&p, NULL_LINE, true);
	ck_assert_int_eq(p.rc, CSV_ROW);
	ck_assert_uint_eq(p.row.count, F_COUNT);
	ASSERT_FIELD(&p.row, F_BLANK, "", false);
	ASSERT_FIELD(&p.row, F_QBLANK, " ", true);
	ASSERT_FIELD(&p.row, F_NULL, "null", false);
	ASSERT_FIELD(&p.row, F_BSN, "\\N", false);
	ASSERT_FIELD(&p.row, F_QBSN_SPACED, " \\N ", true);
	csv_null_rule_init(&rule, token);
	ck_assert_int_eq(rule.kind, kind);
	for (i = 0; i < F_COUNT; i++)
		ck_assert_msg(csv_field_is_null(&rule, &p.row.fields[i]) ==
		    expect[i], "token %s%s%s, field %d (\"%.*s\", %s): want %s",
		    token ? "\"" : "", token ? token : "(none)",
		    token ? "\"" : "", i, (int)p.row.fields[i].len,
		    p.row.fields[i].ptr,
		    p.row.fields[i].quoted ? "quoted" : "unquoted",
		    expect[i] ? "NULL" : "not NULL");
	csv_row_release(&p.row);
}

START_TEST(test_null_rule_default)
{
	/* Option absent: unquoted blank and quoted empty are NULL. */
	static const bool expect[F_COUNT] = {
		[F_EMPTY] = true, [F_BLANK] = true, [F_QEMPTY] = true,
	};

	check_null_rule(NULL, CSV_NULL_DEFAULT, expect);
}
END_TEST

START_TEST(test_null_rule_blank)
{
	/* Empty or whitespace-only token: unquoted blank only. */
	static const bool expect[F_COUNT] = {
		[F_EMPTY] = true, [F_BLANK] = true,
	};

	check_null_rule("", CSV_NULL_BLANK, expect);
	check_null_rule(" ", CSV_NULL_BLANK, expect);
	check_null_rule(" \t ", CSV_NULL_BLANK, expect);
}
END_TEST

START_TEST(test_null_rule_quoted_empty)
{
	/* The 2-character token "" (after trim): quoted empty only. */
	static const bool expect[F_COUNT] = {
		[F_QEMPTY] = true,
	};

	check_null_rule("\"\"", CSV_NULL_QUOTED_EMPTY, expect);
	check_null_rule("  \"\" ", CSV_NULL_QUOTED_EMPTY, expect);
}
END_TEST

START_TEST(test_null_rule_token)
{
	/* Any other token: fields equal to it, quoted or not. */
	static const bool expect_null[F_COUNT] = {
		[F_NULL] = true, [F_QNULL] = true,
	};
	static const bool expect_bsn[F_COUNT] = {
		[F_BSN] = true, [F_QBSN] = true,
	};
	static const bool expect_upper[F_COUNT] = {
		[F_UPPER] = true,
	};
	static const bool expect_x[F_COUNT] = {
		[F_TEXT] = true,
	};
	struct csv_null_rule rule;

	check_null_rule("null", CSV_NULL_TOKEN, expect_null);
	check_null_rule("\\N", CSV_NULL_TOKEN, expect_bsn);
	check_null_rule("NULL", CSV_NULL_TOKEN, expect_upper);
	check_null_rule("x", CSV_NULL_TOKEN, expect_x);
	/* A three-character token with a quote is an ordinary token. */
	csv_null_rule_init(&rule, "\"\"\"");
	ck_assert_int_eq(rule.kind, CSV_NULL_TOKEN);
	ck_assert_uint_eq(rule.token_len, 3);
}
END_TEST

/* ------------------------------------------------------ csv_write_field */

/* Write one field to a fresh buffer; return it as a malloc'd string. */
static char *
write_one(const char *value, const char *null_token)
{
	struct outbuf out = { 0 };
	char *s;

	ck_assert_int_eq(csv_write_field(&out, value, value != NULL ?
	    strlen(value) : 0, null_token), 0);
	s = malloc(out.len + 1);
	ck_assert_ptr_nonnull(s);
	if (out.len > 0)
		memcpy(s, out.data, out.len);
	s[out.len] = '\0';
	outbuf_release(&out);
	return s;
}

#define ASSERT_WRITE(value, token, want) do {				\
	char *got_ = write_one((value), (token));			\
	ck_assert_str_eq(got_, (want));					\
	free(got_);							\
} while (0)

START_TEST(test_write_field)
{
	static const char *const tokens[] = { NULL, "", " ", "null", "\\N" };
	size_t i;

	ASSERT_WRITE("abc", NULL, "abc");
	ASSERT_WRITE("02:enc:AbC+/=", NULL, "02:enc:AbC+/=");
	ASSERT_WRITE("a,b", NULL, "\"a,b\"");
	ASSERT_WRITE("a\"b", NULL, "\"a\"\"b\"");
	ASSERT_WRITE("\"", NULL, "\"\"\"\"");
	ASSERT_WRITE("a b", NULL, "\"a b\"");
	ASSERT_WRITE(" ", NULL, "\" \"");
	ASSERT_WRITE("a\tb", NULL, "\"a\tb\"");
	ASSERT_WRITE("a\nb", NULL, "\"a\nb\"");
	ASSERT_WRITE("a\rb", NULL, "\"a\rb\"");
	ASSERT_WRITE("a\fb", NULL, "\"a\fb\"");
	ASSERT_WRITE("\"x\", \"y\"", "null", "\"\"\"x\"\", \"\"y\"\"\"");
	ASSERT_WRITE("caf\xc3\xa9", NULL, "caf\xc3\xa9");
	/* A value equal to the NULL token is written as is. */
	ASSERT_WRITE("null", "null", "null");

	/* NULL: the output NULL token, or nothing. */
	ASSERT_WRITE(NULL, NULL, "");
	ASSERT_WRITE(NULL, "null", "null");
	ASSERT_WRITE(NULL, "\\N", "\\N");
	ASSERT_WRITE(NULL, "", "");

	/* Empty string: "" unless the NULL token is a non-blank word. */
	ASSERT_WRITE("", NULL, "\"\"");
	ASSERT_WRITE("", "", "\"\"");
	ASSERT_WRITE("", " ", "\"\"");
	ASSERT_WRITE("", "\t", "\"\"");
	ASSERT_WRITE("", "null", "");
	ASSERT_WRITE("", "\\N", "");

	/* Appends to what is already in the buffer. */
	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		struct outbuf out = { 0 };

		ck_assert_int_eq(outbuf_append(&out, "x,", 2), 0);
		ck_assert_int_eq(csv_write_field(&out, "a b", 3, tokens[i]),
		    0);
		ck_assert_int_eq(outbuf_putc(&out, ','), 0);
		ck_assert_int_eq(csv_write_field(&out, "q\"", 2, tokens[i]), 0);
		ck_assert_uint_eq(out.len, 13);
		ck_assert(memcmp(out.data, "x,\"a b\",\"q\"\"\"", 13) == 0);
		outbuf_release(&out);
	}
}
END_TEST

/* Whatever the writer writes, the reader reads back. */
START_TEST(test_write_read_roundtrip)
{
	static const char alphabet[] = "ab ,\"\t\n\r\f1\xc3\xa9";
	struct outbuf out = { 0 };
	struct csv_row row = { 0 };
	struct rng r = { 42 };
	char value[16];
	size_t len, consumed, i;
	uint64_t skipped;
	int t;

	for (t = 0; t < 5000; t++) {
		len = rng_below(&r, sizeof(value));
		for (i = 0; i < len; i++)
			value[i] = alphabet[rng_below(&r, sizeof(alphabet) - 1)];
		/* Unquoted values lose surrounding whitespace: the writer
		 * quotes every value with a space, \t or \f, so they do not. */
		out.len = 0;
		ck_assert_int_eq(csv_write_field(&out, value, len, NULL), 0);
		ck_assert_int_eq(outbuf_append(&out, ",z\n", 3), 0);
		ck_assert_int_eq(csv_parse_row(out.data, out.len, false, &row,
		    &consumed, &skipped), CSV_ROW);
		ck_assert_uint_eq(consumed, out.len);
		ck_assert_uint_eq(row.count, 2);
		ck_assert_uint_eq(row.fields[0].len, len);
		ck_assert(len == 0 || memcmp(row.fields[0].ptr, value, len) == 0);
		ASSERT_FIELD(&row, 1, "z", false);
	}
	csv_row_release(&row);
	outbuf_release(&out);
}
END_TEST

/* ---------------------------------------------------------- csv_reader */

START_TEST(test_reader_fixture)
{
	static const char *const header[] = {
		"FirstName", "LastName", "Address", "City", "State",
		"PhoneNumber", "Title", "Level", "Notes",
	};
	struct csv_reader *reader;
	struct csv_row row = { 0 };
	size_t len;
	char *data;
	off_t offset = 0;
	int n = 0;

	data = read_file(fixture("data_sample_with_quotes.csv"), &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(csv_reader_open(fixture("data_sample_with_quotes.csv"),
	    &reader), PSID_OK);
	ck_assert_int_eq(csv_reader_size(reader), (off_t)len);
	while (csv_reader_next(reader, &row) == CSV_ROW) {
		n++;
		ck_assert_uint_eq(row.count, 9);
		ck_assert_uint_eq(csv_reader_line(reader), (uint64_t)n);
		ck_assert_int_eq(csv_reader_row_offset(reader), offset);
		/* The next row starts after this line's '\n'. */
		if (n < 8) {
			const char *nl = memchr(data + offset, '\n',
			    len - (size_t)offset);

			ck_assert_ptr_nonnull(nl);
			offset = nl - data + 1;
		}
		if (n == 1)
			for (size_t i = 0; i < 9; i++)
				ASSERT_FIELD(&row, i, header[i], false);
		if (n == 2) {
			ASSERT_FIELD(&row, 0, "John", false);
			ASSERT_FIELD(&row, 2, "12345 Mills Rd", true);
			ASSERT_FIELD(&row, 5, "703-555-1234", false);
			ASSERT_FIELD(&row, 8, "", false);
		}
		if (n == 3) {
			ASSERT_FIELD(&row, 8, "This is a really long not\xc3\xa9"
			    " that could really be a paragraph", true);
			ck_assert(utf8_is_valid(row.fields[8].ptr,
			    row.fields[8].len));
		}
		if (n == 4)
			ASSERT_FIELD(&row, 3, "New York", true);
		if (n == 6) {
			ASSERT_FIELD(&row, 6, "SDE I", true);
			ASSERT_FIELD(&row, 8, "null", false);
		}
		if (n == 8) {
			ASSERT_FIELD(&row, 0, "Shana", false);
			ASSERT_FIELD(&row, 6, "SDE II", true);
			ASSERT_FIELD(&row, 8, "Sean's older sister", true);
		}
	}
	ck_assert_int_eq(n, 8);
	/* End of file stays the end. */
	ck_assert_int_eq(csv_reader_next(reader, &row), 0);
	csv_reader_free(reader);
	csv_row_release(&row);
	free(data);

	/* The unquoted twin reads the same, without the quoted flags. */
	ck_assert_int_eq(csv_reader_open(
	    fixture("data_sample_without_quotes.csv"), &reader), PSID_OK);
	n = 0;
	while (csv_reader_next(reader, &row) == CSV_ROW) {
		n++;
		ck_assert_uint_eq(row.count, 9);
		if (n == 4)
			ASSERT_FIELD(&row, 3, "New York", false);
	}
	ck_assert_int_eq(n, 8);
	csv_reader_free(reader);
	csv_row_release(&row);
}
END_TEST

START_TEST(test_reader_big_row)
{
	const size_t big = 3u << 20;
	struct csv_reader *reader;
	struct csv_row row = { 0 };
	char *dir = scratch_dir(), *data, *p;
	size_t i, len, newlines = 0;

	/* h1,h2 / a,"<3 MiB with "" and \n>" / c,d */
	data = malloc(big + 256);
	ck_assert_ptr_nonnull(data);
	p = data;
	p += sprintf(p, "h1,h2\na,\"");
	for (i = 0; i < big; i++) {
		if (i % 100000 == 99999) {
			*p++ = '\n';
			newlines++;
		} else if (i % 70000 == 69999) {
			*p++ = '"';
			*p++ = '"';
		} else
			*p++ = (char)('a' + i % 26);
	}
	p += sprintf(p, "\"\nc,d\n");
	len = (size_t)(p - data);
	write_file(scratch_path(dir, "big.csv"), data);

	ck_assert_int_eq(csv_reader_open(scratch_path(dir, "big.csv"),
	    &reader), PSID_OK);
	ck_assert_int_eq(csv_reader_size(reader), (off_t)len);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ASSERT_FIELD(&row, 0, "h1", false);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ck_assert_uint_eq(csv_reader_line(reader), 2);
	ck_assert_int_eq(csv_reader_row_offset(reader), 6);
	ck_assert_uint_eq(row.count, 2);
	ASSERT_FIELD(&row, 0, "a", false);
	ck_assert(row.fields[1].quoted);
	ck_assert_uint_eq(row.fields[1].len, big);
	ck_assert_uint_eq(row.lines, newlines + 1);
	for (i = 0; i < big; i++) {
		char want = i % 100000 == 99999 ? '\n' :
		    i % 70000 == 69999 ? '"' : (char)('a' + i % 26);

		if (row.fields[1].ptr[i] != want)
			ck_abort_msg("byte %zu of the big field: %02x, want %02x",
			    i, (unsigned char)row.fields[1].ptr[i],
			    (unsigned char)want);
	}
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ck_assert_uint_eq(csv_reader_line(reader), 3 + newlines);
	ck_assert_int_eq(csv_reader_row_offset(reader), (off_t)(len - 4));
	ASSERT_FIELD(&row, 0, "c", false);
	ASSERT_FIELD(&row, 1, "d", false);
	ck_assert_int_eq(csv_reader_next(reader, &row), 0);
	csv_reader_free(reader);
	csv_row_release(&row);
	free(data);
	scratch_remove(dir);
}
END_TEST

/*
 * A row whose first field has an escaped quote and whose second field
 * runs past the reader's first 1 MiB block: the reader re-parses the row
 * once it has read more, which needs the bytes unchanged.
 */
START_TEST(test_reader_escape_before_block_end)
{
	const size_t big = 2u << 20;
	struct csv_reader *reader;
	struct csv_row row = { 0 };
	char *dir = scratch_dir(), *data, *p;
	int rc;

	data = malloc(big + 64);
	ck_assert_ptr_nonnull(data);
	p = data;
	p += sprintf(p, "\"a\"\"b\",");
	memset(p, 'y', big);
	p += big;
	p += sprintf(p, "\nz,w\n");
	write_file(scratch_path(dir, "esc.csv"), data);

	ck_assert_int_eq(csv_reader_open(scratch_path(dir, "esc.csv"),
	    &reader), PSID_OK);
	rc = csv_reader_next(reader, &row);
	ck_assert_msg(rc == CSV_ROW, "first row: %d (%s)", rc,
	    csv_parse_strerror(rc));
	ck_assert_uint_eq(row.count, 2);
	ASSERT_FIELD(&row, 0, "a\"b", true);
	ck_assert_uint_eq(row.fields[1].len, big);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ASSERT_FIELD(&row, 0, "z", false);
	ck_assert_uint_eq(csv_reader_line(reader), 2);
	ck_assert_int_eq(csv_reader_next(reader, &row), 0);
	csv_reader_free(reader);
	csv_row_release(&row);
	free(data);
	scratch_remove(dir);
}
END_TEST

START_TEST(test_reader_empty_and_missing)
{
	struct csv_reader *reader = (struct csv_reader *)&reader;
	struct csv_row row = { 0 };
	char *dir = scratch_dir();

	write_file(scratch_path(dir, "empty.csv"), "");
	ck_assert_int_eq(csv_reader_open(scratch_path(dir, "empty.csv"),
	    &reader), PSID_OK);
	ck_assert_int_eq(csv_reader_size(reader), 0);
	ck_assert_int_eq(csv_reader_next(reader, &row), 0);
	ck_assert_int_eq(csv_reader_next(reader, &row), 0);
	csv_reader_free(reader);

	/* Only empty lines: no rows either. */
	write_file(scratch_path(dir, "blank.csv"), "\n\r\n\r");
	ck_assert_int_eq(csv_reader_open(scratch_path(dir, "blank.csv"),
	    &reader), PSID_OK);
	ck_assert_int_eq(csv_reader_next(reader, &row), 0);
	csv_reader_free(reader);

	ck_assert_int_eq(csv_reader_open(scratch_path(dir, "missing.csv"),
	    &reader), PSID_ERR_IO);
	ck_assert_ptr_null(reader);
	reader = (struct csv_reader *)&reader;
	ck_assert_int_eq(csv_reader_open(dir, &reader), PSID_ERR_IO);
	ck_assert_ptr_null(reader);
	csv_reader_free(NULL);
	csv_row_release(&row);
	scratch_remove(dir);
}
END_TEST

START_TEST(test_reader_lines)
{
	static const char text[] =
	    "a,b\n"			/* line 1 */
	    "\n"			/* 2 */
	    "\"x\ny\",z\n"		/* 3-4 */
	    "\r\n"			/* 5 */
	    "\n"			/* 6 */
	    "c,d\r\n"			/* 7 */
	    "\"p\r\nq\r\n\",r\n"	/* 8-10 */
	    "\n"			/* 11 */
	    "e,\"f\"";			/* 12 */
	static const uint64_t lines[] = { 1, 3, 7, 8, 12 };
	static const char *const first[] = { "a", "x\ny", "c", "p\r\nq\r\n",
	    "e" };
	struct csv_reader *reader;
	struct csv_row row = { 0 };
	char *dir = scratch_dir();
	int n = 0, rc;

	write_file(scratch_path(dir, "lines.csv"), text);
	ck_assert_int_eq(csv_reader_open(scratch_path(dir, "lines.csv"),
	    &reader), PSID_OK);
	while ((rc = csv_reader_next(reader, &row)) == CSV_ROW) {
		ck_assert_int_lt(n, 5);
		ck_assert_uint_eq(row.count, 2);
		ASSERT_FIELD(&row, 0, first[n], n == 1 || n == 3);
		ck_assert_msg(csv_reader_line(reader) == lines[n],
		    "row %d: line %llu, want %llu", n,
		    (unsigned long long)csv_reader_line(reader),
		    (unsigned long long)lines[n]);
		ck_assert_int_eq(csv_reader_row_offset(reader),
		    (off_t)(strstr(text, n == 1 ? "\"x" : n == 3 ? "\"p" :
		    n == 0 ? "a," : n == 2 ? "c," : "e,") - text));
		n++;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(n, 5);
	csv_reader_free(reader);

	/* Errors say where the bad row starts. */
	write_file(scratch_path(dir, "bad.csv"), "a,b\n\n\"c\nd\"x,e\n");
	ck_assert_int_eq(csv_reader_open(scratch_path(dir, "bad.csv"),
	    &reader), PSID_OK);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ERR_QUOTE);
	ck_assert_uint_eq(csv_reader_line(reader), 3);
	csv_reader_free(reader);

	/* Whitespace-only lines are skipped but counted. */
	write_file(scratch_path(dir, "blank.csv"), "a\n  \n\t\r\n \rb\n \n");
	ck_assert_int_eq(csv_reader_open(scratch_path(dir, "blank.csv"),
	    &reader), PSID_OK);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ck_assert_uint_eq(csv_reader_line(reader), 1);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ck_assert_uint_eq(row.count, 1);
	ASSERT_FIELD(&row, 0, "b", false);
	ck_assert_uint_eq(csv_reader_line(reader), 5);
	ck_assert_int_eq(csv_reader_row_offset(reader), 10);
	ck_assert_int_eq(csv_reader_next(reader, &row), 0);
	csv_reader_free(reader);

	write_file(scratch_path(dir, "open.csv"), "a,b\nc,\"d\n\ne\n");
	ck_assert_int_eq(csv_reader_open(scratch_path(dir, "open.csv"),
	    &reader), PSID_OK);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ERR_OPEN_QUOTE);
	ck_assert_uint_eq(csv_reader_line(reader), 2);
	csv_reader_free(reader);
	csv_row_release(&row);
	scratch_remove(dir);
}
END_TEST

/* -------------------------------------------------------------- UTF-8 */

#define VALID(s) ck_assert_msg(utf8_is_valid((s), sizeof(s) - 1),	\
	"%s should be valid", #s)
#define INVALID(s) ck_assert_msg(!utf8_is_valid((s), sizeof(s) - 1),	\
	"%s should be invalid", #s)

START_TEST(test_utf8)
{
	char buf[40];
	size_t len, pos;
	char *data;

	VALID("");
	VALID("a");
	VALID("plain ASCII text, longer than one 8-byte word\n\x7f");
	VALID("\xc2\x80");			/* U+0080 */
	VALID("\xc3\xa9t\xc3\xa9");		/* été */
	VALID("\xdf\xbf");			/* U+07FF */
	VALID("\xe0\xa0\x80");			/* U+0800 */
	VALID("\xe2\x82\xac");			/* € */
	VALID("\xed\x9f\xbf");			/* U+D7FF */
	VALID("\xee\x80\x80");			/* U+E000 */
	VALID("\xef\xbf\xbf");			/* U+FFFF */
	VALID("\xf0\x90\x80\x80");		/* U+10000 */
	VALID("\xf0\x9f\x98\x80");		/* 😀 */
	VALID("\xf4\x8f\xbf\xbf");		/* U+10FFFF */
	VALID("a\x00" "b");			/* NUL is a character */

	/* Overlong forms. */
	INVALID("\xc0\x80");
	INVALID("\xc1\xbf");
	INVALID("\xe0\x80\x80");
	INVALID("\xe0\x9f\xbf");
	INVALID("\xf0\x80\x80\x80");
	INVALID("\xf0\x8f\xbf\xbf");
	/* Surrogates. */
	INVALID("\xed\xa0\x80");
	INVALID("\xed\xbf\xbf");
	/* Above U+10FFFF, and bytes that never occur. */
	INVALID("\xf4\x90\x80\x80");
	INVALID("\xf5\x80\x80\x80");
	INVALID("\xf8\x88\x80\x80\x80");
	INVALID("\xfe");
	INVALID("\xff");
	/* Lone continuation bytes. */
	INVALID("\x80");
	INVALID("a\xbf");
	INVALID("\xc3\xa9\xa9");
	/* Truncated sequences, at the end and before ASCII. */
	INVALID("\xc3");
	INVALID("\xe2\x82");
	INVALID("\xf0\x9f\x98");
	INVALID("abc\xc3");
	INVALID("\xe2\x82" "a");
	INVALID("\xc3(");
	INVALID("\xf0\x9f\x98" "abcdefgh");

	/* The length bounds the check. */
	ck_assert(utf8_is_valid("abc\xff", 3));
	ck_assert(!utf8_is_valid("abc\xff", 4));
	ck_assert(!utf8_is_valid("\xe2\x82\xac", 2));

	/* Every alignment around the 8-byte ASCII fast path. */
	for (pos = 0; pos + 3 <= 24; pos++) {
		memset(buf, 'a', sizeof(buf));
		memcpy(buf + pos, "\xe2\x82\xac", 3);
		ck_assert_msg(utf8_is_valid(buf, 24), "euro at %zu", pos);
		buf[pos + 2] = 'x';
		ck_assert_msg(!utf8_is_valid(buf, 24), "cut euro at %zu", pos);
		memset(buf, 'a', sizeof(buf));
		buf[pos] = (char)0x80;
		ck_assert_msg(!utf8_is_valid(buf, 24), "0x80 at %zu", pos);
		ck_assert(utf8_is_valid(buf, pos));
	}

	/* The fixture's bad byte: 0x89 after the header and "1,...,8,". */
	data = read_file(fixture("nonUtf8Encoding.csv"), &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(len, 0x57);
	ck_assert_uint_eq((unsigned char)data[0x54], 0x89);
	ck_assert(utf8_is_valid(data, 0x54));
	ck_assert(!utf8_is_valid(data, 0x55));
	ck_assert(!utf8_is_valid(data, len));
	ck_assert(!utf8_is_valid(data + 0x54, 1));
	ck_assert(utf8_is_valid(data + 0x55, 2));
	free(data);
}
END_TEST

START_TEST(test_utf8_fixture_rows)
{
	struct csv_reader *reader;
	struct csv_row row = { 0 };
	size_t i;
	int bad = -1;

	ck_assert_int_eq(csv_reader_open(fixture("nonUtf8Encoding.csv"),
	    &reader), PSID_OK);
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ck_assert_uint_eq(row.count, 9);
	for (i = 0; i < row.count; i++)
		ck_assert(utf8_is_valid(row.fields[i].ptr, row.fields[i].len));
	ck_assert_int_eq(csv_reader_next(reader, &row), CSV_ROW);
	ck_assert_uint_eq(row.count, 9);
	for (i = 0; i < row.count; i++)
		if (!utf8_is_valid(row.fields[i].ptr, row.fields[i].len)) {
			ck_assert_int_eq(bad, -1);
			bad = (int)i;
		}
	ck_assert_int_eq(bad, 8);
	ck_assert_uint_eq(csv_reader_line(reader), 2);
	ck_assert_int_eq(csv_reader_next(reader, &row), 0);
	csv_reader_free(reader);
	csv_row_release(&row);
}
END_TEST

/* ------------------------------------------------------------- headers */

static long
norm(const char *in, char out[HEADER_MAX_LEN + 1])
{
	return header_normalize(in, strlen(in), out);
}

#define HV(s) header_is_valid((s), strlen(s))

START_TEST(test_header_normalize)
{
	char out[HEADER_MAX_LEN + 1], in[HEADER_MAX_LEN + 16];

	ck_assert_int_eq(norm("  FirstName \t", out), 9);
	ck_assert_str_eq(out, "firstname");
	ck_assert_int_eq(norm("PhoneNumber_Sealed", out), 18);
	ck_assert_str_eq(out, "phonenumber_sealed");
	ck_assert_int_eq(norm("\r\n A b-C \n", out), 5);
	ck_assert_str_eq(out, "a b-c");
	ck_assert_int_eq(norm("", out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(norm(" \t ", out), 0);
	ck_assert_str_eq(out, "");
	/* Only ASCII is lower-cased; other bytes pass through. */
	ck_assert_int_eq(norm("\xc3\x89T\xc3\x89", out), 5);
	ck_assert_str_eq(out, "\xc3\x89t\xc3\x89");
	ck_assert_int_eq(norm("[]@Z^`{", out), 7);
	ck_assert_str_eq(out, "[]@z^`{");

	/* 128 characters fit, even with whitespace around them. */
	memset(in, 'A', HEADER_MAX_LEN);
	in[HEADER_MAX_LEN] = '\0';
	ck_assert_int_eq(norm(in, out), HEADER_MAX_LEN);
	ck_assert_uint_eq(strlen(out), HEADER_MAX_LEN);
	ck_assert_int_eq(out[0], 'a');
	ck_assert(HV(out));
	in[0] = ' ';
	memset(in + 1, 'b', HEADER_MAX_LEN);
	memcpy(in + 1 + HEADER_MAX_LEN, " \t", 3);
	ck_assert_int_eq(norm(in, out), HEADER_MAX_LEN);
	/* 129 do not. */
	memset(in, 'c', HEADER_MAX_LEN + 1);
	in[HEADER_MAX_LEN + 1] = '\0';
	ck_assert_int_eq(norm(in, out), -1);
	ck_assert(!header_is_valid(in, HEADER_MAX_LEN + 1));
}
END_TEST

START_TEST(test_header_is_valid)
{
	static const char *const valid[] = {
		"a", "z", "0", "_", "a b", "ab-c", "first_name", "a1-b2-c3",
		"abc", "a a-b b", "a -b", "a b c-d e", "a ", "__-__",
		"9lives", "sealed_none_sealed", "phonenumber_fingerprint",
	};
	static const char *const invalid[] = {
		"", "-", "-a", "a-", "a--b", "a-b", "ab--c", "ab-", " a",
		"A", "aB", "a.b", "a/b", "a\tb", "caf\xc3\xa9", "ab-c-",
		"ab c--d", "a- b",
	};
	char h[HEADER_MAX_LEN + 2];
	size_t i;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		ck_assert_msg(HV(valid[i]), "\"%s\" should be valid", valid[i]);
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		ck_assert_msg(!HV(invalid[i]), "\"%s\" should be invalid",
		    invalid[i]);

	memset(h, 'x', sizeof(h));
	ck_assert(header_is_valid(h, HEADER_MAX_LEN));
	ck_assert(!header_is_valid(h, HEADER_MAX_LEN + 1));

	/* Upper case is valid once normalised. */
	ck_assert(!HV("FirstName"));
	ck_assert_int_eq(norm(" FirstName ", h), 9);
	ck_assert(HV(h));
}
END_TEST

/* Compare header_is_valid() with C3R's regex on many short strings. */
START_TEST(test_header_regex)
{
	static const char alphabet[] = "ab_ -1A.";
	char s[32];
	struct rng r = { 777 };
	regex_t re;
	size_t len, i, n, total;
	int t;

	ck_assert_int_eq(regcomp(&re,
	    "^[a-z0-9_](([a-z0-9_ ]+-)*([a-z0-9_ ]+))?$",
	    REG_EXTENDED | REG_NOSUB), 0);

	/*
	 * Every string of up to 5 characters over "ab_ -1", and of up to 3
	 * over "ab_ -1A." (k: how many alphabet characters are used).
	 */
	for (len = 0; len <= 5; len++) {
		size_t k = len <= 3 ? sizeof(alphabet) - 1 : 6;

		for (total = 1, i = 0; i < len; i++)
			total *= k;
		for (n = 0; n < total; n++) {
			size_t v = n;

			for (i = 0; i < len; i++, v /= k)
				s[i] = alphabet[v % k];
			s[len] = '\0';
			ck_assert_msg(header_is_valid(s, len) ==
			    (regexec(&re, s, 0, NULL, 0) == 0),
			    "\"%s\": header_is_valid %d, regex %d", s,
			    header_is_valid(s, len),
			    regexec(&re, s, 0, NULL, 0) == 0);
		}
	}
	/* Random longer ones, mostly from the valid characters. */
	for (t = 0; t < 20000; t++) {
		len = 4 + rng_below(&r, 22);
		for (i = 0; i < len; i++)
			s[i] = alphabet[rng_below(&r, rng_below(&r, 8) ? 6 :
			    sizeof(alphabet) - 1)];
		s[len] = '\0';
		ck_assert_msg(header_is_valid(s, len) ==
		    (regexec(&re, s, 0, NULL, 0) == 0),
		    "\"%s\": header_is_valid %d, regex %d", s,
		    header_is_valid(s, len), regexec(&re, s, 0, NULL, 0) == 0);
	}
	regfree(&re);
}
END_TEST

Suite *
make_csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_parse_simple);
	tcase_add_test(tc, test_parse_quoted);
	tcase_add_test(tc, test_parse_trimming);
	tcase_add_test(tc, test_parse_line_ends);
	tcase_add_test(tc, test_parse_empty_lines);
	tcase_add_test(tc, test_parse_blank_lines);
	tcase_add_test(tc, test_parse_long_unquoted);
	tcase_add_test(tc, test_parse_trailing_comma);
	tcase_add_test(tc, test_parse_eof_without_line_end);
	tcase_add_test(tc, test_parse_need_more);
	tcase_add_test(tc, test_parse_need_more_keeps_buffer);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_parse_too_many_fields);
	tcase_add_test(tc, test_parse_chunked_random);
	suite_add_tcase(s, tc);

	tc = tcase_create("last_row_end");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_last_row_end);
	tcase_add_test(tc, test_last_row_end_cr);
	tcase_add_test(tc, test_last_row_end_random);
	tcase_add_test(tc, test_last_row_end_random_cr);
	suite_add_tcase(s, tc);

	tc = tcase_create("null_rule");
	tcase_add_test(tc, test_null_rule_default);
	tcase_add_test(tc, test_null_rule_blank);
	tcase_add_test(tc, test_null_rule_quoted_empty);
	tcase_add_test(tc, test_null_rule_token);
	suite_add_tcase(s, tc);

	tc = tcase_create("write");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_write_field);
	tcase_add_test(tc, test_write_read_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("reader");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_reader_fixture);
	tcase_add_test(tc, test_reader_big_row);
	tcase_add_test(tc, test_reader_escape_before_block_end);
	tcase_add_test(tc, test_reader_empty_and_missing);
	tcase_add_test(tc, test_reader_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_utf8_fixture_rows);
	suite_add_tcase(s, tc);

	tc = tcase_create("header");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_header_normalize);
	tcase_add_test(tc, test_header_is_valid);
	tcase_add_test(tc, test_header_regex);
	suite_add_tcase(s, tc);
	return s;
}
