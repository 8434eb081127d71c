/* SPDX-License-Identifier: Apache-2.0 */
/*
 * result.c: a query's result (struct psid_result) printed by psictl, as
 * CSV for programs or as an aligned table for a terminal (psictl.h says
 * what each looks like). Both write through stdio and look at the
 * stream's error once, at the end.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psictl.h"

/* ------------------------------------------------------------------ CSV */

/* Whether a CSV field must be quoted to read back as it is. */
static bool
csv_needs_quotes(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return true;	/* "" is empty text, an empty field NULL */
	if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t')
		return true;	/* readers that trim would lose them */
	return strpbrk(s, ",\"\r\n") != NULL;
}

/* One field: NULL (a NULL) writes nothing. */
static void
csv_field(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	if (!csv_needs_quotes(s)) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

int
result_write_csv(FILE *f, const struct psid_result *r)
{
	size_t i, j;

	for (j = 0; j < r->ncolumns; j++) {
		if (j > 0)
			putc(',', f);
		csv_field(f, r->columns[j].name);
	}
	putc('\n', f);
	for (i = 0; i < r->nrows; i++) {
		for (j = 0; j < r->ncolumns; j++) {
			if (j > 0)
				putc(',', f);
			csv_field(f, r->cells[i * r->ncolumns + j]);
		}
		putc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}

/* ---------------------------------------------------------------- table */

/* The width of s as shown: its UTF-8 characters. */
static size_t
text_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A cell as the table shows it. */
static const char *
cell_text(const struct psid_result *r, size_t row, size_t col)
{
	const char *c = r->cells[row * r->ncolumns + col];

	return c != NULL ? c : "NULL";
}

/* s in a column width wide; control characters shown as '?'. */
static void
put_cell(FILE *f, const char *s, size_t width, bool right, bool last)
{
	size_t pad = width - text_width(s), i;

	for (i = 0; right && i < pad; i++)
		putc(' ', f);
	for (; *s != '\0'; s++)
		putc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
	for (i = 0; !right && !last && i < pad; i++)
		putc(' ', f);
}

/* One line of the table: the names (row SIZE_MAX) or a row. */
static void
put_line(FILE *f, const struct psid_result *r, const size_t *width,
    size_t row)
{
	size_t j;

	for (j = 0; j < r->ncolumns; j++) {
		if (j > 0)
			fputs(" | ", f);
		put_cell(f, row == SIZE_MAX ? r->columns[j].name :
		    cell_text(r, row, j), width[j],
		    r->columns[j].kind != PSID_VALUE_TEXT,
		    j + 1 == r->ncolumns);
	}
	putc('\n', f);
}

int
result_write_table(FILE *f, const struct psid_result *r)
{
	size_t *width, i, j, w;

	if ((width = calloc(r->ncolumns + 1, sizeof(*width))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (j = 0; j < r->ncolumns; j++) {
		width[j] = text_width(r->columns[j].name);
		for (i = 0; i < r->nrows; i++)
			if ((w = text_width(cell_text(r, i, j))) > width[j])
				width[j] = w;
	}
	put_line(f, r, width, SIZE_MAX);
	for (j = 0; j < r->ncolumns; j++) {
		if (j > 0)
			fputs("-+-", f);
		for (i = 0; i < width[j]; i++)
			putc('-', f);
	}
	putc('\n', f);
	for (i = 0; i < r->nrows; i++)
		put_line(f, r, width, i);
	free(width);
	return ferror(f) ? -1 : 0;
}
