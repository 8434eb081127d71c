/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sql_int.h: what the SQL parser's files share and nothing else sees:
 * the arena that owns a tree (sql_ast.c) and the lexer (sql_lex.c) that
 * the recursive descent of sql_parse.c reads tokens from.
 */
#ifndef PSID_SQL_INT_H
#define PSID_SQL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sql.h"

/*
 * A new empty arena. Never returns NULL (out of memory is fatal); release
 * it with sql_arena_free().
 */
struct sql_arena *sql_arena_new(void);

/* Release a and every block it handed out; a may be NULL. */
void sql_arena_free(struct sql_arena *a);

/*
 * size bytes, zeroed and aligned for any type, that live as long as a.
 * Never returns NULL.
 */
void *sql_arena_alloc(struct sql_arena *a, size_t size);

/*
 * Grow the array arr of *n elements of size bytes, room for *cap, by one
 * zeroed element at the end (*n one more); when full, the elements move
 * to a new block of a, twice the room. Returns the array, moved or not.
 */
void *sql_arena_push(struct sql_arena *a, void *arr, size_t *n, size_t *cap,
    size_t size);

enum sql_tok {
	SQL_T_END,			/* end of the text */
	SQL_T_IDENT,
	SQL_T_STRING,
	SQL_T_INT,
	SQL_T_COMMA,
	SQL_T_DOT,
	SQL_T_LPAREN,
	SQL_T_RPAREN,
	SQL_T_STAR,
	SQL_T_EQ,
	SQL_T_NE,
	SQL_T_SEMI,
	/* Keywords, in the order of sql_lex_keyword_name(). */
	SQL_T_SELECT,
	SQL_T_FROM,
	SQL_T_INNER,
	SQL_T_JOIN,
	SQL_T_ON,
	SQL_T_WHERE,
	SQL_T_GROUP,
	SQL_T_ORDER,
	SQL_T_BY,
	SQL_T_ASC,
	SQL_T_DESC,
	SQL_T_LIMIT,
	SQL_T_AS,
	SQL_T_AND,
	SQL_T_OR,
	SQL_T_NOT,
	SQL_T_IN,
	SQL_T_DISTINCT,
	SQL_T_COUNT,
	SQL_T_SUM,
	SQL_T_AVG
};

/* One token and where it is. */
struct sql_token {
	enum sql_tok kind;
	struct sql_pos pos;
	const char *start;		/* its bytes in the text */
	size_t len;
	const char *text;		/* IDENT lower case, STRING decoded */
	size_t text_len;
	uint64_t value;			/* INT */
};

/* The lexer over one text; its strings go to arena. */
struct sql_lexer {
	const char *p, *end;
	struct sql_pos pos;		/* of *p */
	struct sql_arena *arena;
};

/* Start lex at text[0..len) with line 1, column 1. */
void sql_lex_init(struct sql_lexer *lex, const char *text, size_t len,
    struct sql_arena *arena);

/*
 * The next token into *tok, skipping white space and comments. Returns 0,
 * or -1 with err filled ("line L, column C: unterminated string literal",
 * an unexpected character, an identifier over SQL_IDENT_MAX bytes, an
 * integer over INT64_MAX). At the end it returns SQL_T_END for ever.
 */
int sql_lex_next(struct sql_lexer *lex, struct sql_token *tok,
    struct sql_error *err);

/* A keyword's name in upper case ("SELECT"), or NULL for other kinds. */
const char *sql_lex_keyword_name(enum sql_tok kind);

/*
 * Fill err at pos: "line L, column C: " then the printf-style message,
 * cut to one line of SQL_ERR_MAX - 1 bytes. Returns -1.
 */
int sql_error_at(struct sql_error *err, struct sql_pos pos, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

#endif /* PSID_SQL_INT_H */
