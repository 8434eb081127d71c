/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv.c: C3R's CSV dialect: row parser over buffers, chunk splitter,
 * NULL rule and field writer (see csv.h; the streaming file reader is
 * csv_reader.c).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "psid/client.h"

/* Whitespace an unquoted field is trimmed of (univocity: chars <= ' '). */
static inline bool
is_trim(unsigned char c)
{
	return c <= ' ' && c != '\n' && c != '\r';
}

/* Bytes of a word equal to c, as 0x80 bits (SWAR "has zero byte"). */
static inline uint64_t
swar_eq(uint64_t w, uint8_t c)
{
	uint64_t x = w ^ (0x0101010101010101ULL * c);

	return (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
}

/* Offset of the first ',', '\n' or '\r' in p[0..len), or len. */
static size_t
find_field_end(const char *p, size_t len)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		if ((swar_eq(w, ',') | swar_eq(w, '\n') | swar_eq(w, '\r')) != 0)
			break;
	}
	for (; i < len; i++)
		if (p[i] == ',' || p[i] == '\n' || p[i] == '\r')
			return i;
	return len;
}

void
csv_row_release(struct csv_row *row)
{
	free(row->fields);
	row->fields = NULL;
	row->count = row->cap = 0;
}

static int
row_add(struct csv_row *row, char *ptr, size_t len, bool quoted)
{
	struct csv_field *f;
	size_t cap;

	if (row->count == row->cap) {
		if (row->cap >= CSV_MAX_FIELDS)
			return CSV_ERR_TOO_MANY;
		cap = row->cap ? row->cap * 2 : 32;
		if (cap > CSV_MAX_FIELDS)
			cap = CSV_MAX_FIELDS;
		if ((f = realloc(row->fields, cap * sizeof(*f))) == NULL)
			return CSV_ERR_NOMEM;
		row->fields = f;
		row->cap = cap;
	}
	f = &row->fields[row->count++];
	f->ptr = ptr;
	f->len = len;
	f->quoted = quoted;
	f->escaped = false;
	return 0;
}

/* Collapse "" to " in a quoted field, in place. Returns the new length. */
static size_t
unescape(char *p, size_t len)
{
	size_t r = 0, w = 0;

	while (r < len) {
		p[w++] = p[r];
		r += (p[r] == '"') ? 2 : 1;
	}
	return w;
}

/*
 * Skip empty and whitespace-only lines from *pos, as univocity does.
 * Returns true with *pos at the row's first byte, or false (the buffer
 * needs more) with *pos where to go on from (len at the end of the
 * file); *skipped counts the lines skipped.
 */
static inline bool
skip_blank_lines(const char *buf, size_t len, bool at_eof, size_t *pos,
    uint64_t *skipped)
{
	size_t i = *pos, j;

	for (;;) {
		for (j = i; j < len && is_trim((unsigned char)buf[j]); j++)
			;
		if (j == len) {
			*pos = at_eof ? len : i;
			return false;
		}
		if (buf[j] != '\n' && buf[j] != '\r')
			break;
		if (buf[j] == '\r' && j + 1 == len && !at_eof) {
			*pos = i;
			return false;
		}
		if (buf[j] == '\r' && j + 1 < len && buf[j + 1] == '\n')
			j++;
		i = j + 1;
		(*skipped)++;
	}
	*pos = i;
	return true;
}

/*
 * The quoted field whose opening quote is buf[j]: up to the closing
 * quote ("" is a quote), then whitespace up to the separator. Adds it to
 * row, *pos after it; *lines counts the line ends within it. Returns
 * FIELD_DONE, CSV_NEED_MORE or a csv_parse_result error.
 */
#define FIELD_DONE 2
static inline int
parse_quoted(char *buf, size_t len, bool at_eof, size_t j, size_t *pos,
    struct csv_row *row, uint64_t *lines)
{
	size_t start = j + 1, i = start, end;
	uint64_t n = 0;
	bool escaped = false;
	char *q;
	int rc;

	for (;;) {
		q = memchr(buf + i, '"', len - i);
		if (q == NULL)
			return at_eof ? CSV_ERR_OPEN_QUOTE : CSV_NEED_MORE;
		for (char *p = buf + i; p < q; p++)
			n += *p == '\n' || (*p == '\r' && p[1] != '\n');
		i = (size_t)(q - buf);
		if (i + 1 == len && !at_eof)
			return CSV_NEED_MORE;
		if (i + 1 < len && buf[i + 1] == '"') {
			escaped = true;
			i += 2;
			continue;
		}
		break;
	}
	end = i++;
	while (i < len && is_trim((unsigned char)buf[i]))
		i++;
	if (i < len && buf[i] != ',' && buf[i] != '\n' && buf[i] != '\r')
		return CSV_ERR_QUOTE;
	if ((rc = row_add(row, buf + start, end - start, true)) != 0)
		return rc;
	/* Unescaped once the row is whole: the buffer must stay as it was
	 * if more bytes are needed. */
	row->fields[row->count - 1].escaped = escaped;
	*lines += n;
	*pos = i;
	return FIELD_DONE;
}

static int
parse_row(char *buf, size_t len, bool at_eof, bool trim, struct csv_row *row,
    size_t *consumed, uint64_t *skipped_lines)
{
	size_t i = 0, j, start, k;
	uint64_t lines = 1;
	bool found;
	int rc;

	*skipped_lines = 0;
	found = skip_blank_lines(buf, len, at_eof, &i, skipped_lines);
	*consumed = i;
	if (!found)
		return CSV_NEED_MORE;
	row->count = 0;
	row->start = i;
	for (;;) {
		j = i;
		while (j < len && is_trim((unsigned char)buf[j]))
			j++;
		if (!trim && (j == len || buf[j] != '"'))
			j = i;	/* verbatim: keep leading whitespace */
		if (j < len && buf[j] == '"') {
			if ((rc = parse_quoted(buf, len, at_eof, j, &i, row,
			    &lines)) != FIELD_DONE)
				return rc;
		} else {
			start = j;
			j += find_field_end(buf + j, len - j);
			i = j;
			while (trim && j > start &&
			    is_trim((unsigned char)buf[j - 1]))
				j--;
			if ((rc = row_add(row, buf + start, j - start, false)) != 0)
				return rc;
		}
		if (i == len) {
			if (!at_eof)
				return CSV_NEED_MORE;
			break;
		}
		if (buf[i] == ',') {
			i++;
			continue;
		}
		/* A line end: \n, \r\n or \r. */
		if (buf[i] == '\r') {
			if (i + 1 == len && !at_eof)
				return CSV_NEED_MORE;
			if (i + 1 < len && buf[i + 1] == '\n')
				i++;
		}
		i++;
		break;
	}
	for (k = 0; k < row->count; k++)
		if (row->fields[k].escaped)
			row->fields[k].len = unescape(row->fields[k].ptr,
			    row->fields[k].len);
	row->lines = lines;
	*consumed = i;
	return CSV_ROW;
}

int
csv_parse_row(char *buf, size_t len, bool at_eof, struct csv_row *row,
    size_t *consumed, uint64_t *skipped_lines)
{
	return parse_row(buf, len, at_eof, true, row, consumed, skipped_lines);
}

int
csv_parse_row_verbatim(char *buf, size_t len, bool at_eof,
    struct csv_row *row, size_t *consumed, uint64_t *skipped_lines)
{
	return parse_row(buf, len, at_eof, false, row, consumed,
	    skipped_lines);
}

const char *
csv_parse_strerror(int result)
{
	switch (result) {
	case CSV_ERR_QUOTE:
		return "unexpected text after a closing quote";
	case CSV_ERR_OPEN_QUOTE:
		return "quoted field not closed at end of file";
	case CSV_ERR_TOO_MANY:
		return "more than 10000 fields in a row";
	case CSV_ERR_NOMEM:
		return "out of memory";
	case CSV_ERR_IO:
		return "read error";
	case CSV_ERR_ROW_TOO_LONG:
		return "row longer than 64 MiB";
	}
	return "malformed CSV";
}

size_t
csv_last_row_end(const char *buf, size_t len)
{
	size_t i, last = 0;
	enum { FIELD_START, UNQUOTED, QUOTED, AFTER_QUOTE } state = FIELD_START;

	if (memchr(buf, '"', len) == NULL) {
		/*
		 * No quotes: the last line end is a row end. A '\r' ends a
		 * line only when the next byte is known and is not '\n'.
		 */
		for (i = len; i > 0; i--) {
			if (buf[i - 1] == '\n')
				return i;
			if (buf[i - 1] == '\r' && i < len)
				return i;
		}
		return 0;
	}
	for (i = 0; i < len; i++) {
		char c = buf[i];

		switch (state) {
		case QUOTED:
			if (c == '"')
				state = AFTER_QUOTE;
			break;
		case AFTER_QUOTE:
			if (c == '"') {
				state = QUOTED;
				break;
			}
			/* FALLTHROUGH */
		case FIELD_START:
		case UNQUOTED:
			if (c == '\n') {
				last = i + 1;
				state = FIELD_START;
			} else if (c == '\r') {
				if (i + 1 < len && buf[i + 1] != '\n')
					last = i + 1;
				state = FIELD_START;
			} else if (c == ',')
				state = FIELD_START;
			else if (c == '"' && state == FIELD_START)
				state = QUOTED;
			else if (!is_trim((unsigned char)c))
				state = state == FIELD_START ? UNQUOTED : state;
			break;
		}
	}
	return last;
}

uint64_t
csv_count_newlines(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	uint64_t n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	/* A '\r' not followed by '\n' ends a line too (old Mac files). */
	for (p = buf; p < end && (p = memchr(p, '\r',
	    (size_t)(end - p))) != NULL; p++)
		n += p + 1 == end || p[1] != '\n';
	return n;
}

/* ---------------------------------------------------------------- NULL */

void
csv_null_rule_init(struct csv_null_rule *rule, const char *token)
{
	size_t len, start, end;

	memset(rule, 0, sizeof(*rule));
	if (token == NULL) {
		rule->kind = CSV_NULL_DEFAULT;
		return;
	}
	len = strlen(token);
	for (start = 0; start < len && (unsigned char)token[start] <= ' ';
	    start++)
		;
	for (end = len; end > start && (unsigned char)token[end - 1] <= ' ';
	    end--)
		;
	if (start == end) {
		rule->kind = CSV_NULL_BLANK;
		return;
	}
	if (end - start == 2 && token[start] == '"' && token[start + 1] == '"') {
		rule->kind = CSV_NULL_QUOTED_EMPTY;
		return;
	}
	rule->kind = CSV_NULL_TOKEN;
	rule->token = token;
	rule->token_len = len;
}

bool
csv_field_is_null(const struct csv_null_rule *rule,
    const struct csv_field *f)
{
	switch (rule->kind) {
	case CSV_NULL_DEFAULT:
		return f->len == 0;
	case CSV_NULL_BLANK:
		return f->len == 0 && !f->quoted;
	case CSV_NULL_QUOTED_EMPTY:
		return f->len == 0 && f->quoted;
	case CSV_NULL_TOKEN:
		return f->len == rule->token_len &&
		    memcmp(f->ptr, rule->token, f->len) == 0;
	}
	return false;
}

/* ------------------------------------------------------------- writing */

/* Characters that make C3R's writer quote a field. */
static const bool needs_quote[256] = {
	[','] = true, ['"'] = true, [' '] = true, ['\t'] = true,
	['\n'] = true, ['\r'] = true, ['\f'] = true,
};

static bool
token_is_blank(const char *token)
{
	for (; *token != '\0'; token++)
		if ((unsigned char)*token > ' ')
			return false;
	return true;
}

int
csv_write_field(struct outbuf *out, const char *value, size_t len,
    const char *null_token)
{
	size_t i;
	bool quote = false;

	if (value == NULL)
		return null_token == NULL ? 0 :
		    outbuf_append(out, null_token, strlen(null_token));
	if (len == 0) {
		if (null_token == NULL || token_is_blank(null_token))
			return outbuf_append(out, "\"\"", 2);
		return 0;
	}
	for (i = 0; i < len && !quote; i++)
		quote = needs_quote[(unsigned char)value[i]];
	if (!quote)
		return outbuf_append(out, value, len);
	if (outbuf_reserve(out, 2 * len + 2) != 0)
		return -1;
	out->data[out->len++] = '"';
	for (i = 0; i < len; i++) {
		if (value[i] == '"')
			out->data[out->len++] = '"';
		out->data[out->len++] = value[i];
	}
	out->data[out->len++] = '"';
	return 0;
}
