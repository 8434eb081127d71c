/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv.h: the CSV dialect C3R reads and writes (univocity-parsers defaults,
 * SPEC §11), as pure functions over buffers plus a streaming file reader.
 *
 * Reading: ',' delimiter, '"' quote, '""' escape inside quotes, "\n",
 * "\r\n" or "\r" line ends, empty lines skipped. Unquoted fields are
 * trimmed of surrounding whitespace; quoted fields are kept verbatim (the
 * parser unescapes them in place). Each field remembers whether it was
 * quoted: NULL detection depends on it (csv_null_rule).
 *
 * Writing: a field is quoted when it contains ',', '"', space, \t, \n,
 * \r or \f; an empty string is written "" unless an output NULL token is
 * set; NULL is written as the output NULL token (default: empty field).
 */
#ifndef PSID_CSV_H
#define PSID_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "outbuf.h"

/* Most columns C3R reads in one row. */
#define CSV_MAX_FIELDS 10000
/* Longest row the reader accepts, in bytes. */
#define CSV_MAX_ROW_BYTES (64u << 20)

struct csv_field {
	char *ptr;	/* points into the parse buffer; unescaped */
	size_t len;
	bool quoted;
	bool escaped;	/* internal: held "" escapes while parsing */
};

/* One parsed row: fields point into the caller's buffer. */
struct csv_row {
	struct csv_field *fields;
	size_t count;
	size_t cap;
	uint64_t lines;	/* physical lines the row spans (>= 1) */
	size_t start;	/* offset in the buffer where the row starts */
};

/* Free the field array of a row (not the buffer it points into). */
void csv_row_release(struct csv_row *row);

enum csv_parse_result {
	CSV_ROW = 1,		/* a row was parsed */
	CSV_NEED_MORE = 0,	/* the buffer ends inside a row */
	CSV_ERR_QUOTE = -1,	/* text after a closing quote */
	CSV_ERR_OPEN_QUOTE = -2,	/* end of input inside quotes */
	CSV_ERR_TOO_MANY = -3,	/* more than CSV_MAX_FIELDS fields */
	CSV_ERR_NOMEM = -4,
};

/*
 * Parse one row from buf[0..len). Empty lines before the row are skipped.
 *  at_eof     true when no more bytes follow buf: a row may then end
 *             without a line end.
 *  row        receives the fields (its array grows as needed); the field
 *             pointers point into buf, which is modified in place.
 *  consumed   receives the bytes used, line end included.
 *  skipped_lines  receives the empty lines skipped before the row.
 * Returns CSV_ROW, CSV_NEED_MORE (also at end of input when only empty
 * lines remain: then *consumed says how much to drop), or an error.
 */
int csv_parse_row(char *buf, size_t len, bool at_eof, struct csv_row *row,
    size_t *consumed, uint64_t *skipped_lines);

/*
 * csv_parse_row() without trimming unquoted fields, as C3R reads the
 * header row on decryption (SPEC §9: trimValues(false)).
 */
int csv_parse_row_verbatim(char *buf, size_t len, bool at_eof,
    struct csv_row *row, size_t *consumed, uint64_t *skipped_lines);

/* What a human reads for a csv_parse_row() error. */
const char *csv_parse_strerror(int result);

/*
 * Offset just past the last complete row in buf[0..len), or 0 if there is
 * none; rows are cut only at a line end outside quotes ("\n", or a "\r"
 * whose next byte is in buf and is not "\n"). Used to split a file into
 * chunks that parse independently.
 */
size_t csv_last_row_end(const char *buf, size_t len);

/*
 * Line ends in buf[0..len): each "\n", and each "\r" not followed by
 * "\n" (as the parser counts lines, for line numbers of chunks).
 */
uint64_t csv_count_newlines(const char *buf, size_t len);

/* ------------------------------------------------------------ NULL rule */

/* How C3R's --csvInputNULLValue decides which fields are NULL (§11.1). */
struct csv_null_rule {
	enum {
		CSV_NULL_DEFAULT,	/* option absent: blank or "" is NULL */
		CSV_NULL_BLANK,		/* blank token: unquoted blank is NULL */
		CSV_NULL_QUOTED_EMPTY,	/* token is "": only "" is NULL */
		CSV_NULL_TOKEN,		/* a field equal to token is NULL */
	} kind;
	const char *token;
	size_t token_len;
};

/* Build the rule for a --csvInputNULLValue argument (NULL = not given). */
void csv_null_rule_init(struct csv_null_rule *rule, const char *token);

/* Whether a parsed field is NULL under the rule. */
bool csv_field_is_null(const struct csv_null_rule *rule,
    const struct csv_field *field);

/* ------------------------------------------------------------- writing */

/*
 * Append one field to out, quoted as C3R's writer quotes. value == NULL
 * writes the NULL token (null_token, or nothing when null_token is NULL).
 * An empty value is written as "" when null_token is NULL or blank.
 * Returns 0, or -1 when out cannot grow.
 */
int csv_write_field(struct outbuf *out, const char *value, size_t len,
    const char *null_token);

/* ---------------------------------------------------------- file reader */

struct csv_reader;

/*
 * Open path for streaming reads. Returns a PSID_ERR_* code: PSID_OK,
 * PSID_ERR_IO (errno set) or PSID_ERR_NOMEM.
 */
int csv_reader_open(const char *path, struct csv_reader **readerp);

/*
 * Read the next row. Returns CSV_ROW, 0 at end of file, a csv_parse_result
 * error, or CSV_ERR_IO (-100, errno set). The row's fields stay valid
 * until the next call.
 */
#define CSV_ERR_IO (-100)
#define CSV_ERR_ROW_TOO_LONG (-101)
int csv_reader_next(struct csv_reader *reader, struct csv_row *row);

/* 1-based line where the row last returned (or the error) starts. */
uint64_t csv_reader_line(const struct csv_reader *reader);

#ifdef PSID_TEST_HOOKS
/*
 * For the tests only (their CPPFLAGS define PSID_TEST_HOOKS, as csv.c
 * does; OpenSSH's SSHBUF_INTERNAL): what the reader has seen.
 */

/* Byte offset in the file where the row last returned starts. */
off_t csv_reader_row_offset(const struct csv_reader *reader);

/* Total bytes of the file, as seen at open. */
off_t csv_reader_size(const struct csv_reader *reader);
#endif /* PSID_TEST_HOOKS */

void csv_reader_free(struct csv_reader *reader);

#endif /* PSID_CSV_H */
