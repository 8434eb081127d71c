/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sql_lex.c: the tokens of psid's SQL subset (sql.h), each with its line
 * and column: keywords and identifiers (case-insensitive, identifiers
 * kept in lower case), string literals in single quotes ('' for a
 * quote), integers, punctuation; white space and "--" comments between
 * them. Columns count characters: a UTF-8 continuation byte takes none.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sql_int.h"

/* From SQL_T_SELECT on, in enum order. */
static const char *const keywords[] = {
	"SELECT", "FROM", "INNER", "JOIN", "ON", "WHERE", "GROUP", "ORDER",
	"BY", "ASC", "DESC", "LIMIT", "AS", "AND", "OR", "NOT", "IN",
	"DISTINCT", "COUNT", "SUM", "AVG"
};
#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

int
sql_error_at(struct sql_error *err, struct sql_pos pos, const char *fmt, ...)
{
	va_list ap;
	size_t off;
	char *nl;

	err->pos = pos;
	snprintf(err->message, sizeof(err->message), "line %u, column %u: ",
	    pos.line, pos.column);
	off = strlen(err->message);
	va_start(ap, fmt);
	vsnprintf(err->message + off, sizeof(err->message) - off, fmt, ap);
	va_end(ap);
	/* Whatever a caller passed, the message stays one line. */
	while ((nl = strpbrk(err->message, "\r\n")) != NULL)
		*nl = ' ';
	return -1;
}

const char *
sql_lex_keyword_name(enum sql_tok kind)
{
	if (kind < SQL_T_SELECT || kind >= SQL_T_SELECT + NKEYWORDS)
		return NULL;
	return keywords[kind - SQL_T_SELECT];
}

void
sql_lex_init(struct sql_lexer *lex, const char *text, size_t len,
    struct sql_arena *arena)
{
	lex->p = text;
	lex->end = text + len;
	lex->pos.line = 1;
	lex->pos.column = 1;
	lex->arena = arena;
}

/* Step over one byte, keeping the position. */
static void
lex_advance(struct sql_lexer *lex)
{
	unsigned char c = (unsigned char)*lex->p++;

	if (c == '\n') {
		lex->pos.line++;
		lex->pos.column = 1;
	} else if ((c & 0xc0) != 0x80)
		lex->pos.column++;
}

static int
lex_is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
lex_is_ident(int c)
{
	return lex_is_ident_start(c) || (c >= '0' && c <= '9');
}

/* White space and comments. */
static void
lex_skip(struct sql_lexer *lex)
{
	while (lex->p < lex->end) {
		char c = *lex->p;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v')
			lex_advance(lex);
		else if (c == '-' && lex->end - lex->p >= 2 &&
		    lex->p[1] == '-') {
			while (lex->p < lex->end && *lex->p != '\n')
				lex_advance(lex);
		} else
			break;
	}
}

/* Whether s[0..len) is the upper-case keyword kw in any case. */
static int
lex_is_keyword(const char *kw, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (kw[i] != c)
			return 0;
	}
	return kw[len] == '\0';
}

static int
lex_ident(struct sql_lexer *lex, struct sql_token *tok,
    struct sql_error *err)
{
	char *s;
	size_t i;

	while (lex->p < lex->end && lex_is_ident((unsigned char)*lex->p))
		lex_advance(lex);
	tok->len = (size_t)(lex->p - tok->start);
	for (i = 0; i < NKEYWORDS; i++)
		if (lex_is_keyword(keywords[i], tok->start, tok->len)) {
			tok->kind = (enum sql_tok)(SQL_T_SELECT + i);
			return 0;
		}
	if (tok->len > SQL_IDENT_MAX)
		return sql_error_at(err, tok->pos,
		    "identifier over %d bytes", SQL_IDENT_MAX);
	s = sql_arena_alloc(lex->arena, tok->len + 1);
	for (i = 0; i < tok->len; i++) {
		char c = tok->start[i];

		s[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	tok->kind = SQL_T_IDENT;
	tok->text = s;
	tok->text_len = tok->len;
	return 0;
}

static int
lex_string(struct sql_lexer *lex, struct sql_token *tok,
    struct sql_error *err)
{
	const char *q = lex->p + 1;
	char *s;
	size_t n = 0;

	/* Measure first, so that the text gets just what it needs. */
	for (;; q++, n++) {
		if (q == lex->end)
			return sql_error_at(err, tok->pos,
			    "unterminated string literal");
		if (*q == '\0')
			return sql_error_at(err, tok->pos,
			    "NUL byte in a string literal");
		if (*q == '\'') {
			if (q + 1 == lex->end || q[1] != '\'')
				break;
			q++;
		}
	}
	s = sql_arena_alloc(lex->arena, n + 1);
	tok->kind = SQL_T_STRING;
	tok->text = s;
	tok->text_len = n;
	lex_advance(lex);
	while (n-- > 0) {
		if (*lex->p == '\'')
			lex_advance(lex);
		*s++ = *lex->p;
		lex_advance(lex);
	}
	lex_advance(lex);
	tok->len = (size_t)(lex->p - tok->start);
	return 0;
}

static int
lex_int(struct sql_lexer *lex, struct sql_token *tok, struct sql_error *err)
{
	uint64_t v = 0;
	int over = 0;

	while (lex->p < lex->end && *lex->p >= '0' && *lex->p <= '9') {
		unsigned d = (unsigned)(*lex->p - '0');

		if (v > ((uint64_t)INT64_MAX - d) / 10)
			over = 1;
		else
			v = v * 10 + d;
		lex_advance(lex);
	}
	if (lex->p < lex->end && lex_is_ident_start((unsigned char)*lex->p))
		return sql_error_at(err, lex->pos,
		    "unexpected character '%c' after a number", *lex->p);
	if (over)
		return sql_error_at(err, tok->pos, "integer over %lld",
		    (long long)INT64_MAX);
	tok->kind = SQL_T_INT;
	tok->len = (size_t)(lex->p - tok->start);
	tok->value = v;
	return 0;
}

/* One of the punctuation tokens, or -1. */
static int
lex_punct(struct sql_lexer *lex, struct sql_token *tok)
{
	static const struct {
		char c;
		enum sql_tok kind;
	} one[] = {
		{ ',', SQL_T_COMMA }, { '.', SQL_T_DOT }, { '(', SQL_T_LPAREN },
		{ ')', SQL_T_RPAREN }, { '*', SQL_T_STAR }, { '=', SQL_T_EQ },
		{ ';', SQL_T_SEMI }
	};
	size_t i;

	if (*lex->p == '<' && lex->end - lex->p >= 2 && lex->p[1] == '>') {
		lex_advance(lex);
		lex_advance(lex);
		tok->kind = SQL_T_NE;
		tok->len = 2;
		return 0;
	}
	for (i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		if (*lex->p == one[i].c) {
			lex_advance(lex);
			tok->kind = one[i].kind;
			tok->len = 1;
			return 0;
		}
	return -1;
}

int
sql_lex_next(struct sql_lexer *lex, struct sql_token *tok,
    struct sql_error *err)
{
	unsigned char c;

	lex_skip(lex);
	memset(tok, 0, sizeof(*tok));
	tok->pos = lex->pos;
	tok->start = lex->p;
	if (lex->p == lex->end) {
		tok->kind = SQL_T_END;
		return 0;
	}
	c = (unsigned char)*lex->p;
	if (lex_is_ident_start(c))
		return lex_ident(lex, tok, err);
	if (c >= '0' && c <= '9')
		return lex_int(lex, tok, err);
	if (c == '\'')
		return lex_string(lex, tok, err);
	if (lex_punct(lex, tok) == 0)
		return 0;
	if (c == '"')
		return sql_error_at(err, tok->pos,
		    "unexpected '\"': string literals take single quotes");
	if (c > ' ' && c < 0x7f)
		return sql_error_at(err, tok->pos, "unexpected character '%c'",
		    c);
	return sql_error_at(err, tok->pos, "unexpected byte 0x%02x", c);
}
