/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_property.c: the acceptance property of the table API. Random
 * tables (random UTF-8 with commas, quotes, line breaks and edge spaces,
 * empty strings, NULLs, long values, every pad type, mapped and
 * positional schemas, every NULL rule, all 16 combinations of the
 * collaboration settings) are encrypted with psid_encrypt_csv() and
 * decrypted with psid_decrypt_csv(), and must come back as the input:
 *  - cleartext and sealed cells equal the input, NULL stays NULL and ""
 *    stays "" (as far as the NULL rules in use let C3R tell them apart);
 *  - sealed cells have the exact length their pad type gives, and the
 *    sealed cells of one row share its nonce, fresh for every row;
 *  - fingerprint cells are 52-character "02:hmac:" cells copied unchanged
 *    by decryption (one warning each), NULL exactly when the input is
 *    NULL and NULLs are preserved; two non-NULL fingerprints are equal
 *    exactly when the values are equal and the columns are the same or
 *    joins across column names are allowed; a fingerprint of a NULL that
 *    is not preserved equals no other;
 *  - the encrypted header row is the normalised target headers in schema
 *    order, the reports count rows and warnings, no file is left over;
 *  - cleartext columns are refused (PSID_ERR_CLEARTEXT) unless allowed,
 *    and repeated fingerprints (PSID_ERR_DUPLICATE) unless allowed.
 *
 * Output rows are shuffled: every table carries a sealed "rowid" column
 * holding the row index, through which decrypted rows are matched. Most
 * tables have up to 60 rows; every 50th has a thousand or more and
 * several megabytes, so that reading, the shuffle buckets and the
 * decryption chunks cross their boundaries (inside quoted line breaks).
 *
 * PSID_PROPERTY_SEED (default below) seeds the generator; every failure
 * message starts with it and the table number. PSID_PROPERTY_ROUNDS
 * (default 200) is the number of tables over all 16 settings;
 * PSID_PROPERTY_ONLY=<n> runs table n alone, to reproduce a failure.
 */
#include "config.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "csv.h"
#include "psid/client.h"
#include "suites.h"
#include "testutil.h"

#define DEFAULT_SEED UINT64_C(0x5eed0c3a11c0ffee)
#define DEFAULT_ROUNDS 200
#define SETTINGS_COMBOS 16
#define MAX_INPUTS 8
#define MAX_ROWS 60
/* Tables n with n % BIG_EVERY == BIG_AT are big. */
#define BIG_EVERY 50
#define BIG_AT 21
#define BIG_MIN_ROWS 1000
#define BIG_MAX_ROWS 1800
#define LONG_MIN_BYTES 1000
#define LONG_MAX_BYTES 3000
#define NULL_TOKEN "\\N"
#define SEALED_PREFIX "02:enc:"
#define FP_PREFIX "02:hmac:"
/* Base64 characters fully determined by a cell's 32-byte nonce. */
#define NONCE_B64_CHARS 42

/* What the failing table was: every assertion message starts with it. */
static char ctx[256];

/*
 * Assertions that cost nothing when they hold: libcheck records every
 * ck_assert() it passes (a write per call), and this suite makes
 * millions of checks.
 */
#define PCHECK(cond, fmt, ...) do { \
	if (!(cond)) \
		ck_abort_msg("%s: " fmt, ctx, __VA_ARGS__); \
} while (0)
#define REQUIRE(cond) PCHECK(cond, "%s", "failed: " #cond)

/*
 * Every table's directory is made in base_dir, which the runner process
 * makes and removes with all it holds: a test that fails in a forked
 * process ends with _exit(), past any cleanup of its own.
 */
static char *base_dir;

/* ------------------------------------------------------------ helpers */

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

static void
buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap - b->len < n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		REQUIRE(b->p != NULL);
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	REQUIRE(n >= 0 && (size_t)n < sizeof(tmp));
	buf_add(b, tmp, (size_t)n);
}

/* splitmix64: small, fast, and the same everywhere. */
static uint64_t
rng_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (the bias of % is far below anything tested). */
static size_t
rnd(uint64_t *r, size_t n)
{
	return n == 0 ? 0 : (size_t)(rng_next(r) % n);
}

/* Uniform in [lo, hi]. */
static size_t
rnd_range(uint64_t *r, size_t lo, size_t hi)
{
	return lo + rnd(r, hi - lo + 1);
}

static uint64_t
env_u64(const char *name, uint64_t fallback)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return fallback;
	v = strtoull(s, &end, 0);
	ck_assert_msg(*end == '\0', "%s=%s is not a number", name, s);
	return (uint64_t)v;
}

static bool
env_has(const char *name)
{
	const char *s = getenv(name);

	return s != NULL && *s != '\0';
}

/* Encode one Unicode scalar value as UTF-8. */
static void
put_codepoint(struct buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		buf_addc(b, (char)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 2);
		return;
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(b, u, 3);
		return;
	}
	u[0] = (char)(0xf0 | (cp >> 18));
	u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	u[3] = (char)(0x80 | (cp & 0x3f));
	buf_add(b, u, 4);
}

/* One random character: ASCII, CSV specials, 2-, 3- and 4-byte UTF-8. */
static void
gen_char(uint64_t *r, struct buf *b)
{
	static const char *const specials[] = {
		",", "\"", "\n", "\r\n", "\r", " ", "\t", "\f", "\"\"",
		",\"", "\"\n", "#", "\\N",
	};
	uint32_t cp;
	size_t k = rnd(r, 20);

	if (k < 10)
		buf_addc(b, (char)(0x20 + rnd(r, 95)));
	else if (k < 12)
		buf_adds(b, specials[rnd(r, sizeof(specials) /
		    sizeof(specials[0]))]);
	else if (k < 15)
		put_codepoint(b, (uint32_t)rnd_range(r, 0x80, 0x7ff));
	else if (k < 18) {
		do
			cp = (uint32_t)rnd_range(r, 0x800, 0xffff);
		while (cp >= 0xd800 && cp <= 0xdfff);
		put_codepoint(b, cp);
	} else
		put_codepoint(b, (uint32_t)rnd_range(r, 0x10000, 0x10ffff));
}

enum value_kind { V_SHORT, V_MEDIUM, V_LONG, V_SPACED };

/* A random non-empty value of a kind. */
static void
gen_value(uint64_t *r, struct buf *b, enum value_kind kind)
{
	static const char *const edges[] = { " ", "  ", "\t", " \t ", "\n" };
	size_t n, i, target;

	b->len = 0;
	switch (kind) {
	case V_SHORT:
		n = rnd_range(r, 1, 12);
		for (i = 0; i < n; i++)
			gen_char(r, b);
		break;
	case V_MEDIUM:
		n = rnd_range(r, 13, 100);
		for (i = 0; i < n; i++)
			gen_char(r, b);
		break;
	case V_LONG:
		target = rnd_range(r, LONG_MIN_BYTES, LONG_MAX_BYTES);
		while (b->len < target)
			gen_char(r, b);
		break;
	case V_SPACED:
		buf_adds(b, edges[rnd(r, sizeof(edges) / sizeof(edges[0]))]);
		n = rnd_range(r, 0, 20);
		for (i = 0; i < n; i++)
			gen_char(r, b);
		buf_adds(b, edges[rnd(r, sizeof(edges) / sizeof(edges[0]))]);
		break;
	}
}

/* A header label: prefix, number, and maybe ' ', '_' or '-' joined words. */
static void
gen_label(uint64_t *r, char *out, size_t size, const char *prefix, size_t n)
{
	static const char seps[] = { '-', ' ', '_' };
	static const char word[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	size_t len, parts, i, k;

	len = (size_t)snprintf(out, size, "%s%zu", prefix, n);
	parts = rnd(r, 2) ? 0 : rnd_range(r, 1, 3);
	for (i = 0; i < parts; i++) {
		out[len++] = seps[rnd(r, sizeof(seps))];
		for (k = rnd_range(r, 1, 5); k > 0; k--)
			out[len++] = word[rnd(r, sizeof(word) - 1)];
	}
	out[len] = '\0';
	REQUIRE(len < size);
}

/* A header as a user may write it: any case, spaces at the ends. */
static void
decorate(uint64_t *r, const char *label, char *out, size_t size)
{
	size_t len = 0, i, n;

	for (n = rnd(r, 3) == 0 ? rnd_range(r, 1, 2) : 0; n > 0; n--)
		out[len++] = ' ';
	for (i = 0; label[i] != '\0'; i++)
		out[len++] = (label[i] >= 'a' && label[i] <= 'z' &&
		    rnd(r, 3) == 0) ? (char)(label[i] - 'a' + 'A') : label[i];
	for (n = rnd(r, 3) == 0 ? rnd_range(r, 1, 2) : 0; n > 0; n--)
		out[len++] = ' ';
	out[len] = '\0';
	REQUIRE(len < size);
}

/* ------------------------------------------------------------- tables */

enum null_mode { NM_DEFAULT, NM_BLANK, NM_TOKEN };

struct cell_in {
	char *s;		/* the value (not for a written NULL) */
	size_t len;
	bool null;		/* written as a NULL: blank, or the token */
	bool quoted;		/* written quoted (or the token, or "") */
	bool eff_null;		/* NULL as C3R reads it */
};

struct in_col {
	char name[48];		/* normalised source header */
	struct cell_in *v;	/* one per row */
	bool rowid;
	bool distinct;		/* a fingerprint's, without duplicates */
	bool fingerprinted;
	size_t nulls_p, empty_p, pool;
};

struct out_col {
	size_t src;
	enum psid_column_type type;
	enum psid_pad_type pad;
	unsigned pad_length;
	bool default_target;
	char label[48];		/* normalised target header */
	size_t longest;		/* longest non-NULL input value */
	bool has_value;		/* some input value is not NULL */
};

struct table {
	struct psid_settings set;
	bool mapped;
	enum null_mode enc_null;
	const char *enc_null_value;
	bool dec_default;	/* decrypt with the default NULL rule */
	const char *eol;
	bool final_eol;
	size_t nrows, nin, nout, rowid_in, rowid_out;
	size_t long_p;		/* percent of long values */
	struct in_col in[MAX_INPUTS + 1];
	struct out_col *out;
};

static void
table_free(struct table *t)
{
	size_t i, k;

	for (i = 0; i < t->nin; i++) {
		for (k = 0; k < t->nrows && t->in[i].v != NULL; k++)
			free(t->in[i].v[k].s);
		free(t->in[i].v);
	}
	free(t->out);
}

static bool
values_equal(const struct cell_in *a, const struct cell_in *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* Decide how C3R reads a cell under the table's NULL rule. */
static void
cell_settle(const struct table *t, struct cell_in *c)
{
	if (c->null)
		c->eff_null = true;
	else if (t->enc_null == NM_DEFAULT)
		c->eff_null = c->len == 0;
	else if (t->enc_null == NM_TOKEN)
		c->eff_null = c->len == strlen(NULL_TOKEN) &&
		    memcmp(c->s, NULL_TOKEN, c->len) == 0;
	else
		c->eff_null = false;
}

static void
cell_set(struct cell_in *c, const char *s, size_t len)
{
	free(c->s);
	c->s = malloc(len + 1);
	REQUIRE(c->s != NULL);
	memcpy(c->s, s, len);
	c->s[len] = '\0';
	c->len = len;
}

/* Whether a cell may join the cells before it in a distinct column. */
static bool
distinct_ok(const struct table *t, const struct in_col *col, size_t row)
{
	const struct cell_in *c = &col->v[row];
	size_t k;

	for (k = 0; k < row; k++) {
		const struct cell_in *o = &col->v[k];

		if (c->eff_null != o->eff_null)
			continue;
		if (c->eff_null) {
			if (!t->set.preserve_nulls)
				return false;
		} else if (values_equal(c, o))
			return false;
	}
	return true;
}

/* Whether row's cell may stand in a distinct column, against all rows. */
static bool
distinct_among_all(const struct table *t, const struct in_col *col,
    size_t row)
{
	const struct cell_in *c = &col->v[row];
	size_t k;

	for (k = 0; k < t->nrows; k++)
		if (k != row && !c->eff_null && !col->v[k].eff_null &&
		    values_equal(c, &col->v[k]))
			return false;
	return true;
}

/* Fill one input column with random cells. */
static void
gen_cells(uint64_t *r, struct table *t, struct in_col *col)
{
	struct buf b = { 0 }, *pool = NULL;
	size_t i, k, tries;

	col->v = calloc(t->nrows ? t->nrows : 1, sizeof(*col->v));
	REQUIRE(col->v != NULL);
	if (col->pool > 0) {
		pool = calloc(col->pool, sizeof(*pool));
		REQUIRE(pool != NULL);
		for (k = 0; k < col->pool; k++)
			gen_value(r, &pool[k], rnd(r, 4) == 0 ? V_SPACED :
			    V_SHORT);
	}
	for (i = 0; i < t->nrows; i++) {
		struct cell_in *c = &col->v[i];

		for (tries = 0;; tries++) {
			size_t u = rnd(r, 100);

			c->null = c->quoted = false;
			if (tries < 20 && u < col->nulls_p) {
				c->null = true;
				c->quoted = t->enc_null == NM_TOKEN &&
				    rnd(r, 3) == 0;
				cell_set(c, "", 0);
			} else if (tries < 20 && u < col->nulls_p +
			    col->empty_p) {
				/* An empty string; the token rule reads a
				 * blank field as one too. */
				c->quoted = !(t->enc_null == NM_TOKEN &&
				    rnd(r, 2) == 0);
				cell_set(c, "", 0);
			} else if (pool != NULL && tries < 20) {
				k = rnd(r, col->pool);
				cell_set(c, pool[k].p, pool[k].len);
				c->quoted = true;
			} else {
				u = rnd(r, 100);
				gen_value(r, &b, u < t->long_p ? V_LONG :
				    u < t->long_p + 12 ? V_SPACED : u < 65 ?
				    V_SHORT : V_MEDIUM);
				cell_set(c, b.p, b.len);
				c->quoted = true;
			}
			cell_settle(t, c);
			if (!col->distinct || distinct_ok(t, col, i))
				break;
			REQUIRE(tries < 1000);
		}
	}
	for (k = 0; k < col->pool; k++)
		free(pool[k].p);
	free(pool);
	free(b.p);
}

/* Column b becomes a permutation of column a's cells. */
static void
copy_permuted(uint64_t *r, struct table *t, const struct in_col *a,
    struct in_col *b)
{
	size_t *perm, i, j, tmp;

	perm = calloc(t->nrows ? t->nrows : 1, sizeof(*perm));
	b->v = calloc(t->nrows ? t->nrows : 1, sizeof(*b->v));
	REQUIRE(perm != NULL && b->v != NULL);
	for (i = 0; i < t->nrows; i++)
		perm[i] = i;
	for (i = t->nrows; i > 1; i--) {
		j = rnd(r, i);
		tmp = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = tmp;
	}
	for (i = 0; i < t->nrows; i++) {
		b->v[i] = a->v[perm[i]];
		b->v[i].s = NULL;
		cell_set(&b->v[i], a->v[perm[i]].s, a->v[perm[i]].len);
	}
	free(perm);
}

static void
add_out(struct table *t, size_t src, enum psid_column_type type)
{
	struct out_col *c;

	t->out = realloc(t->out, (t->nout + 1) * sizeof(*t->out));
	REQUIRE(t->out != NULL);
	c = &t->out[t->nout++];
	memset(c, 0, sizeof(*c));
	c->src = src;
	c->type = type;
	if (type == PSID_COLUMN_FINGERPRINT)
		t->in[src].fingerprinted = true;
}

static enum psid_column_type
random_type(uint64_t *r, const struct psid_settings *set)
{
	size_t k = rnd(r, set->allow_cleartext ? 10 : 8);

	return k < 4 ? PSID_COLUMN_SEALED : k < 8 ? PSID_COLUMN_FINGERPRINT :
	    PSID_COLUMN_CLEARTEXT;
}

/* Pads that fit the data, and labels; then the schema order. */
static void
finish_outputs(uint64_t *r, struct table *t)
{
	size_t i, j, k, next_label = 0;

	for (i = 0; i < t->nout; i++) {
		struct out_col *c = &t->out[i];
		const struct in_col *in = &t->in[c->src];
		bool enc_null = false;
		size_t need;

		for (k = 0; k < t->nrows; k++) {
			if (in->v[k].eff_null) {
				enc_null |= !t->set.preserve_nulls;
				continue;
			}
			if (!c->has_value || in->v[k].len > c->longest)
				c->longest = in->v[k].len;
			c->has_value = true;
		}
		if (in->rowid) {
			snprintf(c->label, sizeof(c->label), "rowid");
			continue;
		}
		if (c->type == PSID_COLUMN_SEALED) {
			/* The info byte counts toward the padded length. */
			need = c->has_value ? c->longest + 1 : enc_null ? 1 : 0;
			switch (rnd(r, 3)) {
			case 0:
				c->pad = PSID_PAD_NONE;
				break;
			case 1:
				c->pad = PSID_PAD_FIXED;
				c->pad_length = (unsigned)(rnd(r, 2) ? need :
				    need + rnd_range(r, 1, 200));
				break;
			default:
				c->pad = PSID_PAD_MAX;
				c->pad_length = (unsigned)(rnd(r, 4) == 0 ? 0 :
				    rnd(r, 65));
				/* An encrypted NULL needs room for its byte. */
				if (!c->has_value && enc_null &&
				    c->pad_length == 0)
					c->pad_length = 1;
				break;
			}
		}
		/* Mapped schemas may leave the target to its default. */
		c->default_target = t->mapped && rnd(r, 4) == 0;
		for (j = 0; j < i && c->default_target; j++)
			if (t->out[j].default_target &&
			    t->out[j].src == c->src &&
			    t->out[j].type == c->type)
				c->default_target = false;
		if (c->default_target)
			snprintf(c->label, sizeof(c->label), "%s%s", in->name,
			    c->type == PSID_COLUMN_SEALED ? "_sealed" :
			    c->type == PSID_COLUMN_FINGERPRINT ?
			    "_fingerprint" : "");
		else
			gen_label(r, c->label, sizeof(c->label), "t",
			    next_label++);
	}
	/* Schema order: shuffled for mapped, by input for positional. */
	for (i = t->nout; i > 1; i--) {
		struct out_col tmp;

		j = rnd(r, i);
		tmp = t->out[i - 1];
		t->out[i - 1] = t->out[j];
		t->out[j] = tmp;
	}
	if (!t->mapped)
		for (i = 1; i < t->nout; i++)
			for (j = i; j > 0 && t->out[j - 1].src >
			    t->out[j].src; j--) {
				struct out_col tmp = t->out[j];

				t->out[j] = t->out[j - 1];
				t->out[j - 1] = tmp;
			}
	for (i = 0; i < t->nout; i++)
		if (t->in[t->out[i].src].rowid)
			t->rowid_out = i;
}

/*
 * A random table for the settings. cross: two fingerprint columns with
 * different names over the same value set, with a non-NULL value. big:
 * thousands of rows, megabytes, so that reading and decryption work in
 * several blocks and chunks, and encryption in several buckets.
 */
static void
gen_table(uint64_t *r, struct table *t, const struct psid_settings *set,
    bool cross, bool big)
{
	size_t ndata, i, k, n, src, a = 0, fp_b = 0;
	struct buf b = { 0 };
	char num[32];

	memset(t, 0, sizeof(*t));
	t->set = *set;
	t->mapped = rnd(r, 4) != 0;
	k = rnd(r, 10);
	t->nrows = k == 0 ? 0 : k == 1 ? 1 : rnd_range(r, 2, MAX_ROWS);
	if (big)
		t->nrows = rnd_range(r, BIG_MIN_ROWS, BIG_MAX_ROWS);
	t->long_p = big ? 10 : 3;
	if ((!t->mapped || cross) && t->nrows == 0)
		t->nrows = 1;
	t->enc_null = (enum null_mode)rnd(r, 3);
	t->enc_null_value = t->enc_null == NM_DEFAULT ? NULL :
	    t->enc_null == NM_BLANK ? (rnd(r, 2) ? "" : " ") : NULL_TOKEN;
	t->dec_default = rnd(r, 2) == 0;
	t->eol = rnd(r, 4) == 0 ? "\r\n" : "\n";
	t->final_eol = rnd(r, 5) != 0;

	ndata = rnd_range(r, cross ? 2 : 1, MAX_INPUTS);
	t->nin = ndata + 1;
	t->rowid_in = rnd(r, t->nin);
	for (i = 0, n = 0; i < t->nin; i++) {
		struct in_col *in = &t->in[i];

		if (i == t->rowid_in) {
			in->rowid = true;
			snprintf(in->name, sizeof(in->name), "rid");
			continue;
		}
		gen_label(r, in->name, sizeof(in->name), "s", n++);
		k = rnd(r, 20);
		in->nulls_p = k == 0 ? 100 : k < 8 ? 0 : k < 12 ? 5 : k < 16 ?
		    20 : 50;
		in->empty_p = rnd(r, 3) == 0 ? 0 : rnd(r, 2) ? 5 : 20;
	}
	/* Outputs: rowid, then 0..3 random columns per input. */
	add_out(t, t->rowid_in, PSID_COLUMN_SEALED);
	for (i = 0; i < t->nin; i++) {
		if (i == t->rowid_in)
			continue;
		n = rnd(r, 10) == 0 ? 0 : rnd_range(r, 1, 3);
		for (k = 0; k < n; k++)
			add_out(t, i, random_type(r, set));
	}
	if (t->nout == 1) {
		src = t->rowid_in == 0 ? 1 : 0;
		add_out(t, src, random_type(r, set));
	}
	if (cross) {
		/* a: the first data column; b: another, or a itself. */
		a = t->rowid_in == 0 ? 1 : 0;
		fp_b = a + 1 == t->rowid_in ? a + 2 : a + 1;
		if (fp_b >= t->nin || rnd(r, 3) == 0)
			fp_b = a;
		add_out(t, a, PSID_COLUMN_FINGERPRINT);
		add_out(t, fp_b, PSID_COLUMN_FINGERPRINT);
		if (t->in[a].nulls_p == 100)
			t->in[a].nulls_p = 20;
	}
	for (i = 0; i < t->nin; i++) {
		struct in_col *in = &t->in[i];

		if (in->rowid) {
			in->v = calloc(t->nrows ? t->nrows : 1,
			    sizeof(*in->v));
			REQUIRE(in->v != NULL);
			for (k = 0; k < t->nrows; k++) {
				snprintf(num, sizeof(num), "%zu", k);
				cell_set(&in->v[k], num, strlen(num));
				in->v[k].quoted = rnd(r, 2);
			}
			continue;
		}
		in->distinct = in->fingerprinted && !set->allow_duplicates;
		if (!in->distinct && rnd(r, 3) == 0)
			in->pool = rnd_range(r, 1, 6);
		if (cross && i == fp_b && fp_b != a)
			continue;	/* a permutation of a, below */
		gen_cells(r, t, in);
	}
	if (cross) {
		struct in_col *in = &t->in[a];

		/* Column a gets a non-NULL value, for the pair to join. */
		for (k = 0; k < t->nrows && in->v[k].eff_null; k++)
			;
		while (k == t->nrows) {
			gen_value(r, &b, V_MEDIUM);
			cell_set(&in->v[0], b.p, b.len);
			in->v[0].null = false;
			in->v[0].quoted = true;
			cell_settle(t, &in->v[0]);
			if (!in->v[0].eff_null &&
			    distinct_among_all(t, in, 0))
				k = 0;
		}
		if (fp_b != a)
			copy_permuted(r, t, in, &t->in[fp_b]);
	}
	free(b.p);
	finish_outputs(r, t);
}

/* ------------------------------------------------------- files written */

static void
write_csv_field(struct buf *b, const struct cell_in *c)
{
	size_t i;

	if (c->null)
		return;		/* a blank field */
	if (!c->quoted) {
		buf_add(b, c->s, c->len);
		return;
	}
	buf_addc(b, '"');
	for (i = 0; i < c->len; i++) {
		if (c->s[i] == '"')
			buf_addc(b, '"');
		buf_addc(b, c->s[i]);
	}
	buf_addc(b, '"');
}

static void
write_input(uint64_t *r, const struct table *t, const char *path)
{
	struct buf b = { 0 };
	char name[64];
	size_t i, k;

	if (t->mapped) {
		for (i = 0; i < t->nin; i++) {
			if (i > 0)
				buf_addc(&b, ',');
			decorate(r, t->in[i].name, name, sizeof(name));
			if (rnd(r, 2))
				buf_printf(&b, "\"%s\"", name);
			else
				buf_adds(&b, name);
		}
		buf_adds(&b, t->eol);
	}
	for (k = 0; k < t->nrows; k++) {
		for (i = 0; i < t->nin; i++) {
			const struct cell_in *c = &t->in[i].v[k];

			if (i > 0)
				buf_addc(&b, ',');
			if (c->null && t->enc_null == NM_TOKEN) {
				buf_adds(&b, c->quoted ? "\"" NULL_TOKEN "\"" :
				    NULL_TOKEN);
				continue;
			}
			write_csv_field(&b, c);
		}
		if (k + 1 < t->nrows || t->final_eol)
			buf_adds(&b, t->eol);
	}
	if (b.p == NULL)
		buf_adds(&b, "");
	write_file(path, b.p);
	free(b.p);
}

static const char *
type_word(enum psid_column_type type)
{
	return type == PSID_COLUMN_SEALED ? "sealed" :
	    type == PSID_COLUMN_FINGERPRINT ? "fingerprint" : "cleartext";
}

static const char *
pad_word(enum psid_pad_type pad)
{
	return pad == PSID_PAD_NONE ? "none" : pad == PSID_PAD_FIXED ?
	    "fixed" : "max";
}

/* A keyword as C3R accepts it: any case, blanks around. */
static void
put_word(uint64_t *r, struct buf *b, const char *word)
{
	char out[64];

	decorate(r, word, out, sizeof(out));
	buf_printf(b, "\"%s\"", out);
}

static void
write_column(uint64_t *r, const struct table *t, const struct out_col *c,
    struct buf *b)
{
	char name[64];

	buf_adds(b, "{");
	if (t->mapped) {
		decorate(r, t->in[c->src].name, name, sizeof(name));
		buf_printf(b, "\"sourceHeader\": \"%s\", ", name);
	}
	if (!c->default_target) {
		decorate(r, c->label, name, sizeof(name));
		buf_printf(b, "\"targetHeader\": \"%s\", ", name);
	}
	buf_adds(b, "\"type\": ");
	put_word(r, b, type_word(c->type));
	if (c->type == PSID_COLUMN_SEALED) {
		buf_adds(b, ", \"pad\": {\"type\": ");
		put_word(r, b, pad_word(c->pad));
		if (c->pad != PSID_PAD_NONE)
			buf_printf(b, ", \"length\": %u", c->pad_length);
		buf_adds(b, "}");
	}
	buf_adds(b, "}");
}

/* The schema; extra_cleartext adds a cleartext column somewhere. */
static void
write_schema(uint64_t *r, const struct table *t, const char *path,
    bool extra_cleartext)
{
	struct out_col clear;
	struct buf b = { 0 };
	size_t i, k, at = t->nout + 1;
	bool first;

	if (extra_cleartext) {
		memset(&clear, 0, sizeof(clear));
		clear.src = rnd(r, t->nin);
		clear.type = PSID_COLUMN_CLEARTEXT;
		snprintf(clear.label, sizeof(clear.label), "c0");
		at = rnd(r, t->nout + 1);
	}
	buf_printf(&b, "{\"headerRow\": %s, \"columns\": [",
	    t->mapped ? "true" : "false");
	if (t->mapped) {
		for (i = 0, first = true; i <= t->nout; i++) {
			if (i == at) {
				buf_adds(&b, first ? "\n  " : ",\n  ");
				write_column(r, t, &clear, &b);
				first = false;
			}
			if (i == t->nout)
				break;
			buf_adds(&b, first ? "\n  " : ",\n  ");
			write_column(r, t, &t->out[i], &b);
			first = false;
		}
	} else {
		for (k = 0; k < t->nin; k++) {
			buf_adds(&b, k > 0 ? ",\n  [" : "\n  [");
			first = true;
			for (i = 0; i < t->nout; i++) {
				if (t->out[i].src != k)
					continue;
				buf_adds(&b, first ? "" : ", ");
				write_column(r, t, &t->out[i], &b);
				first = false;
			}
			if (extra_cleartext && clear.src == k) {
				buf_adds(&b, first ? "" : ", ");
				write_column(r, t, &clear, &b);
			}
			buf_adds(&b, "]");
		}
	}
	buf_adds(&b, "\n]}\n");
	write_file(path, b.p);
	free(b.p);
}

/* --------------------------------------------------------- files read */

struct parsed {
	char *data;
	size_t rows;		/* header included */
	size_t cols;
	struct csv_field *f;
};

static const struct csv_field *
cell_at(const struct parsed *p, size_t row, size_t col)
{
	return &p->f[row * p->cols + col];
}

static void
parse_csv(const char *path, size_t cols, struct parsed *p)
{
	struct csv_row row = { 0 };
	size_t len, pos = 0, consumed, cap = 0;
	uint64_t skipped;
	int rc;

	memset(p, 0, sizeof(*p));
	p->cols = cols;
	p->data = read_file(path, &len);
	PCHECK(p->data != NULL, "cannot read %s", path);
	while (pos < len) {
		rc = csv_parse_row(p->data + pos, len - pos, true, &row,
		    &consumed, &skipped);
		if (rc == CSV_NEED_MORE)
			break;
		PCHECK(rc == CSV_ROW, "%s: CSV error %d at byte %zu", path, rc,
		    pos);
		PCHECK(row.count == cols, "%s: row %zu has %zu fields, not %zu",
		    path, p->rows, row.count, cols);
		if ((p->rows + 1) * cols > cap) {
			cap = (p->rows + 1) * cols * 2;
			p->f = realloc(p->f, cap * sizeof(*p->f));
			REQUIRE(p->f != NULL);
		}
		memcpy(p->f + p->rows * cols, row.fields,
		    cols * sizeof(*p->f));
		p->rows++;
		pos += consumed;
	}
	csv_row_release(&row);
	PCHECK(p->rows >= 1, "%s has no header row", path);
}

static void
parsed_free(struct parsed *p)
{
	free(p->data);
	free(p->f);
}

static bool
is_null_field(const struct csv_field *f)
{
	return f->len == 0 && !f->quoted;
}

static bool
field_is(const struct csv_field *f, const char *s, size_t len)
{
	return f->len == len && memcmp(f->ptr, s, len) == 0;
}

/* The directory holds exactly the named files (no temporary files). */
static void
check_dir(const char *dir, const char *const *names, size_t n)
{
	char seen[1024] = "";
	struct dirent *e;
	size_t known = 0, unknown = 0, i;
	bool found;
	DIR *d;

	d = opendir(dir);
	REQUIRE(d != NULL);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		for (i = 0, found = false; i < n; i++)
			found |= strcmp(e->d_name, names[i]) == 0;
		known += found;
		unknown += !found;
		if (strlen(seen) + strlen(e->d_name) + 2 < sizeof(seen)) {
			strcat(seen, " ");
			strcat(seen, e->d_name);
		}
	}
	closedir(d);
	PCHECK(unknown == 0 && known == n, "expected %zu files, found:%s", n,
	    seen);
}

/* ------------------------------------------------------- expectations */

static size_t
b64_len(size_t n)
{
	return 4 * ((n + 2) / 3);
}

/* The exact length of a sealed cell (SPEC §4.1, §4.5). */
static size_t
sealed_cell_length(const struct out_col *c, const struct cell_in *x)
{
	size_t message = x->eff_null ? 1 : x->len + 1, target = 0;

	switch (c->pad) {
	case PSID_PAD_NONE:
		target = message;
		break;
	case PSID_PAD_FIXED:
		target = c->pad_length;
		break;
	case PSID_PAD_MAX:
		target = c->pad_length + (c->has_value ? c->longest + 1 : 0);
		break;
	}
	return strlen(SEALED_PREFIX) + b64_len(32 + 12 + target + 2 + 16);
}

static bool
is_b64(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '+' || s[i] == '/' || s[i] == '='))
			return false;
	return true;
}

static const char *
show_cell(const struct csv_field *f)
{
	static char out[96];

	if (is_null_field(f))
		return "NULL";
	snprintf(out, sizeof(out), "\"%.*s\"%s", (int)(f->len > 60 ? 60 :
	    f->len), f->ptr, f->len > 60 ? "..." : "");
	return out;
}

/* Check one decrypted (or cleartext) cell against the value expected. */
static void
check_value(const struct csv_field *f, const struct cell_in *x,
    bool expect_null, const char *what, const struct out_col *c, size_t row)
{
	if (expect_null) {
		PCHECK(is_null_field(f), "%s column \"%s\", input row %zu: "
		    "expected NULL, got %s", what, c->label, row, show_cell(f));
		return;
	}
	PCHECK(field_is(f, x->s, x->len) && (x->len > 0 || f->quoted),
	    "%s column \"%s\", input row %zu: expected %zu bytes \"%.*s\", "
	    "got %zu bytes %s", what, c->label, row, x->len,
	    (int)(x->len > 60 ? 60 : x->len), x->s, f->len, show_cell(f));
}

struct fp_cell {
	const char *fp;		/* the cell text, 52 bytes */
	size_t col;
	const struct cell_in *x;
};

static int
cmp_fp(const void *pa, const void *pb)
{
	const struct fp_cell *a = pa, *b = pb;

	return memcmp(a->fp, b->fp, PSID_FINGERPRINT_CELL_LEN);
}

/* By value (NULLs last), then column. */
static int
cmp_value(const void *pa, const void *pb)
{
	const struct fp_cell *a = pa, *b = pb;
	size_t n;
	int c;

	if (a->x->eff_null != b->x->eff_null)
		return a->x->eff_null ? 1 : -1;
	if (!a->x->eff_null) {
		n = a->x->len < b->x->len ? a->x->len : b->x->len;
		if ((c = memcmp(a->x->s, b->x->s, n)) != 0)
			return c;
		if (a->x->len != b->x->len)
			return a->x->len < b->x->len ? -1 : 1;
	}
	return a->col < b->col ? -1 : a->col > b->col;
}

static void
fp_mismatch(const struct table *t, const struct fp_cell *a,
    const struct fp_cell *b, bool eq)
{
	bool same = !a->x->eff_null && !b->x->eff_null &&
	    values_equal(a->x, b->x);

	ck_abort_msg("%s: fingerprints in \"%s\" and \"%s\" of %s \"%.*s\" "
	    "and %s \"%.*s\" (%s) are %s", ctx, t->out[a->col].label,
	    t->out[b->col].label, a->x->eff_null ? "NULL" : "value",
	    (int)(a->x->len > 40 ? 40 : a->x->len), a->x->s,
	    b->x->eff_null ? "NULL" : "value",
	    (int)(b->x->len > 40 ? 40 : b->x->len), b->x->s,
	    same ? "equal values" : "different values",
	    eq ? "equal" : "different");
}

/*
 * Non-NULL fingerprints (cells holds no preserved NULL) are equal exactly
 * when the values are equal and the columns are the same or joins across
 * names are allowed; a NULL's fingerprint equals no other. Sorts cells.
 * Returns the pairs of equal values in different columns seen.
 */
static size_t
check_fingerprint_pairs(const struct table *t, struct fp_cell *cells,
    size_t n)
{
	bool joins = t->set.allow_joins_on_columns_with_different_names;
	size_t i, cross = 0;
	bool eq;

	/* Equal fingerprints: equal non-NULL values, joinable columns. */
	qsort(cells, n, sizeof(*cells), cmp_fp);
	for (i = 1; i < n; i++) {
		const struct fp_cell *a = &cells[i - 1], *b = &cells[i];

		if (cmp_fp(a, b) != 0)
			continue;
		if (a->x->eff_null || b->x->eff_null ||
		    !values_equal(a->x, b->x) || (a->col != b->col && !joins))
			fp_mismatch(t, a, b, true);
	}
	/* Equal values: equal fingerprints in one column, or with joins. */
	qsort(cells, n, sizeof(*cells), cmp_value);
	for (i = 1; i < n; i++) {
		const struct fp_cell *a = &cells[i - 1], *b = &cells[i];

		if (a->x->eff_null || b->x->eff_null ||
		    !values_equal(a->x, b->x))
			continue;
		eq = cmp_fp(a, b) == 0;
		cross += a->col != b->col;
		if (eq != (a->col == b->col || joins))
			fp_mismatch(t, a, b, eq);
	}
	return cross;
}

static int
cmp_nonce(const void *pa, const void *pb)
{
	const char *const *a = pa, *const *b = pb;

	return memcmp(*a, *b, NONCE_B64_CHARS);
}

/* A fresh directory for one table, in base_dir. */
static char *
table_dir(void)
{
	char *path;

	REQUIRE(base_dir != NULL);
	REQUIRE(asprintf(&path, "%s/t.XXXXXX", base_dir) > 0);
	REQUIRE(mkdtemp(path) != NULL);
	return path;
}

/* ------------------------------------------------------------- a round */

static const char *
null_mode_name(const struct table *t)
{
	return t->enc_null == NM_DEFAULT ? "default" : t->enc_null ==
	    NM_BLANK ? "blank" : "token";
}

/* Encrypt, decrypt and check one table. Returns the cross pairs seen. */
static size_t
round_trip(const struct psid_keys *keys, uint64_t *r, struct table *t)
{
	static const char *const files[] = {
		"schema.json", "in.csv", "enc.csv", "dec.csv",
	};
	struct psid_csv_options enc_opts, dec_opts;
	struct psid_report report;
	struct parsed enc, dec;
	struct fp_cell *fps;
	size_t *perm, nfps = 0, warnings = 0, cross, k, row, c;
	const char *nonce, **nonces;
	char *dir, path[4096], schema[4096], input[4096], output[4096];
	char *end;
	bool *seen;
	int rc;

	dir = table_dir();
	snprintf(schema, sizeof(schema), "%s", scratch_path(dir,
	    "schema.json"));
	snprintf(input, sizeof(input), "%s", scratch_path(dir, "in.csv"));
	snprintf(output, sizeof(output), "%s", scratch_path(dir, "enc.csv"));
	write_schema(r, t, schema, false);
	write_input(r, t, input);

	memset(&enc_opts, 0, sizeof(enc_opts));
	enc_opts.settings = t->set;
	enc_opts.input_null_value = t->enc_null_value;
	enc_opts.threads = (unsigned)rnd_range(r, 1, 3);
	enc_opts.temp_dir = dir;
	memset(&dec_opts, 0, sizeof(dec_opts));
	dec_opts.input_null_value = t->dec_default ? NULL : "";
	dec_opts.threads = (unsigned)rnd_range(r, 1, 3);
	dec_opts.temp_dir = dir;
	{
		size_t len = strlen(ctx);

		snprintf(ctx + len, sizeof(ctx) - len, " (%s, %zu rows, %zu "
		    "inputs, %zu outputs, NULL rule %s, %u+%u threads)",
		    t->mapped ? "mapped" : "positional", t->nrows, t->nin,
		    t->nout, null_mode_name(t), enc_opts.threads,
		    dec_opts.threads);
	}

	/* Without allowCleartext, a cleartext column is refused up front. */
	if (!t->set.allow_cleartext && rnd(r, 2) == 0) {
		const char *const left[] = {
			"schema.json", "in.csv", "bad.json",
		};

		snprintf(path, sizeof(path), "%s", scratch_path(dir,
		    "bad.json"));
		write_schema(r, t, path, true);
		rc = psid_encrypt_csv(keys, path, input, scratch_path(dir,
		    "bad.csv"), &enc_opts, &report);
		PCHECK(rc == PSID_ERR_CLEARTEXT, "cleartext column accepted "
		    "without allowCleartext: %d (%s)", rc, report.message);
		PCHECK(report.rows == 0, "rows %" PRIu64 " on error",
		    report.rows);
		check_dir(dir, left, 3);
		REQUIRE(unlink(path) == 0);
	}

	rc = psid_encrypt_csv(keys, schema, input, output, &enc_opts, &report);
	PCHECK(rc == PSID_OK, "encrypt: %s: %s", psid_strerror(rc),
	    report.message);
	PCHECK(report.rows == t->nrows, "encrypt reported %" PRIu64 " rows",
	    report.rows);
	check_dir(dir, files, 3);

	snprintf(path, sizeof(path), "%s", scratch_path(dir, "dec.csv"));
	rc = psid_decrypt_csv(keys, output, path, &dec_opts, &report);
	PCHECK(rc == PSID_OK, "decrypt: %s: %s", psid_strerror(rc),
	    report.message);
	PCHECK(report.rows == t->nrows, "decrypt reported %" PRIu64 " rows",
	    report.rows);
	check_dir(dir, files, 4);
	for (c = 0; c < t->nout; c++)
		if (t->out[c].type == PSID_COLUMN_FINGERPRINT)
			for (k = 0; k < t->nrows; k++)
				warnings += !(t->in[t->out[c].src].v[k].eff_null
				    && t->set.preserve_nulls);
	PCHECK(report.warnings == warnings, "decrypt reported %" PRIu64
	    " warnings, expected %zu (fingerprint cells)", report.warnings,
	    warnings);
	parse_csv(output, t->nout, &enc);
	parse_csv(path, t->nout, &dec);

	/* Header rows: normalised target headers, in schema order. */
	for (c = 0; c < t->nout; c++) {
		PCHECK(field_is(cell_at(&enc, 0, c), t->out[c].label,
		    strlen(t->out[c].label)), "encrypted header %zu is %s, "
		    "expected \"%s\"", c, show_cell(cell_at(&enc, 0, c)),
		    t->out[c].label);
		PCHECK(field_is(cell_at(&dec, 0, c), t->out[c].label,
		    strlen(t->out[c].label)), "decrypted header %zu is %s, "
		    "expected \"%s\"", c, show_cell(cell_at(&dec, 0, c)),
		    t->out[c].label);
	}
	PCHECK(enc.rows == t->nrows + 1, "encrypted file has %zu rows",
	    enc.rows - 1);
	PCHECK(dec.rows == t->nrows + 1, "decrypted file has %zu rows",
	    dec.rows - 1);

	/* Output row k holds input row perm[k]. */
	perm = calloc(t->nrows + 1, sizeof(*perm));
	seen = calloc(t->nrows + 1, sizeof(*seen));
	fps = calloc(t->nrows * t->nout + 1, sizeof(*fps));
	nonces = calloc(t->nrows + 1, sizeof(*nonces));
	REQUIRE(perm != NULL && seen != NULL && fps != NULL && nonces != NULL);
	for (k = 0; k < t->nrows; k++) {
		const struct csv_field *f = cell_at(&dec, k + 1, t->rowid_out);
		char num[32];

		PCHECK(f->len > 0 && f->len < sizeof(num), "row %zu: rowid %s",
		    k, show_cell(f));
		memcpy(num, f->ptr, f->len);
		num[f->len] = '\0';
		row = (size_t)strtoul(num, &end, 10);
		PCHECK(*end == '\0' && row < t->nrows && !seen[row],
		    "row %zu: bad or repeated rowid \"%s\"", k, num);
		seen[row] = true;
		perm[k] = row;
	}
	/* Shuffled: 20 rows stay in order with probability 1/20!. */
	for (k = 0; k < t->nrows && perm[k] == k; k++)
		;
	PCHECK(t->nrows < 20 || k < t->nrows, "%zu rows not shuffled",
	    t->nrows);

	for (k = 0; k < t->nrows; k++) {
		row = perm[k];
		nonce = NULL;
		for (c = 0; c < t->nout; c++) {
			const struct out_col *oc = &t->out[c];
			const struct cell_in *x = &t->in[oc->src].v[row];
			const struct csv_field *e = cell_at(&enc, k + 1, c);
			const struct csv_field *d = cell_at(&dec, k + 1, c);
			bool preserved = x->eff_null && t->set.preserve_nulls;

			switch (oc->type) {
			case PSID_COLUMN_CLEARTEXT:
				check_value(e, x, x->eff_null, "encrypted "
				    "cleartext", oc, row);
				/* Decryption reads "" as NULL by default. */
				check_value(d, x, x->eff_null || (x->len == 0 &&
				    t->dec_default), "decrypted cleartext", oc,
				    row);
				break;
			case PSID_COLUMN_SEALED:
				if (preserved) {
					PCHECK(is_null_field(e), "sealed \"%s\""
					    " row %zu: preserved NULL is %s",
					    oc->label, row, show_cell(e));
				} else {
					PCHECK(e->len == sealed_cell_length(oc,
					    x) && !e->quoted && strncmp(e->ptr,
					    SEALED_PREFIX, 7) == 0 &&
					    is_b64(e->ptr + 7, e->len - 7),
					    "sealed \"%s\" (pad %s %u) row %zu:"
					    " cell of %zu bytes, expected %zu",
					    oc->label, pad_word(oc->pad),
					    oc->pad_length, row, e->len,
					    sealed_cell_length(oc, x));
					if (nonce == NULL)
						nonce = e->ptr + 7;
					PCHECK(memcmp(nonce, e->ptr + 7,
					    NONCE_B64_CHARS) == 0, "sealed "
					    "\"%s\" row %zu: not the row's "
					    "nonce", oc->label, row);
				}
				check_value(d, x, x->eff_null, "decrypted "
				    "sealed", oc, row);
				break;
			case PSID_COLUMN_FINGERPRINT:
				if (preserved) {
					PCHECK(is_null_field(e) &&
					    is_null_field(d), "fingerprint "
					    "\"%s\" row %zu: preserved NULL is "
					    "%s", oc->label, row, show_cell(e));
					break;
				}
				{
					PCHECK(e->len ==
					    PSID_FINGERPRINT_CELL_LEN &&
					    !e->quoted && strncmp(e->ptr,
					    FP_PREFIX, 8) == 0 &&
					    is_b64(e->ptr + 8, e->len - 8),
					    "fingerprint \"%s\" row %zu: bad "
					    "cell %s", oc->label, row,
					    show_cell(e));
					PCHECK(field_is(d, e->ptr, e->len),
					    "fingerprint \"%s\" row %zu: "
					    "decryption changed it to %s",
					    oc->label, row, show_cell(d));
					fps[nfps].fp = e->ptr;
					fps[nfps].col = c;
					fps[nfps].x = x;
					nfps++;
				}
				break;
			}
		}
	}
	/* Every row has a fresh nonce (the rowid cell is sealed). */
	for (k = 0; k < t->nrows; k++)
		nonces[k] = cell_at(&enc, k + 1, t->rowid_out)->ptr + 7;
	qsort(nonces, t->nrows, sizeof(*nonces), cmp_nonce);
	for (k = 1; k < t->nrows; k++)
		PCHECK(cmp_nonce(&nonces[k - 1], &nonces[k]) != 0, "two rows "
		    "share the nonce %.42s", nonces[k]);
	cross = check_fingerprint_pairs(t, fps, nfps);

	/* fail_on_fingerprint_columns refuses exactly fingerprint cells. */
	if (rnd(r, 4) == 0) {
		dec_opts.fail_on_fingerprint_columns = true;
		snprintf(path, sizeof(path), "%s", scratch_path(dir,
		    "dec2.csv"));
		rc = psid_decrypt_csv(keys, output, path, &dec_opts, &report);
		PCHECK(rc == (warnings > 0 ? PSID_ERR_FINGERPRINT : PSID_OK),
		    "decrypt failing on fingerprints: %d (%s)", rc,
		    report.message);
		PCHECK(file_exists(path) == (rc == PSID_OK), "%s",
		    "output of a failed decryption left behind");
		if (rc == PSID_OK)
			REQUIRE(unlink(path) == 0);
		check_dir(dir, files, 4);
	}

	free(perm);
	free(seen);
	free(fps);
	free(nonces);
	parsed_free(&enc);
	parsed_free(&dec);
	scratch_remove(dir);
	return cross;
}

static void
settings_of(int combo, struct psid_settings *set)
{
	set->allow_cleartext = (combo & 1) != 0;
	set->allow_duplicates = (combo & 2) != 0;
	set->allow_joins_on_columns_with_different_names = (combo & 4) != 0;
	set->preserve_nulls = (combo & 8) != 0;
}

static void
settings_ctx(uint64_t seed, const char *what, size_t n,
    const struct psid_settings *set)
{
	snprintf(ctx, sizeof(ctx), "PSID_PROPERTY_SEED=%" PRIu64 " %s%zu "
	    "[cleartext=%d duplicates=%d joins=%d preserveNulls=%d]", seed,
	    what, n, set->allow_cleartext, set->allow_duplicates,
	    set->allow_joins_on_columns_with_different_names,
	    set->preserve_nulls);
}

/* Per-table seed: the run's seed mixed with the table number. */
static uint64_t
table_seed(uint64_t seed, uint64_t n)
{
	uint64_t s = seed ^ (n * UINT64_C(0xd1b54a32d192ed03));

	return rng_next(&s);
}

static void
base_setup(void)
{
	base_dir = scratch_dir();
}

/* Remove base_dir and the directories failed tests left in it. */
static void
base_teardown(void)
{
	char sub[4096];
	struct dirent *e;
	bool again = true;
	int passes;
	DIR *d;

	/* Removing entries while reading: read again, a few times. */
	for (passes = 0; again && passes < 5 &&
	    (d = opendir(base_dir)) != NULL; passes++) {
		again = false;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", base_dir,
			    e->d_name);
			scratch_remove(strdup(sub));
			again = true;
		}
		closedir(d);
	}
	scratch_remove(base_dir);
	base_dir = NULL;
}

/*
 * Every table whose number is _i modulo 16 runs with settings _i: bit 0
 * allowCleartext, 1 allowDuplicates, 2 allowJoinsOnColumnsWithDifferent-
 * Names, 3 preserveNulls.
 */
START_TEST(test_round_trip)
{
	uint64_t seed = env_u64("PSID_PROPERTY_SEED", DEFAULT_SEED);
	uint64_t rounds = env_u64("PSID_PROPERTY_ROUNDS", DEFAULT_ROUNDS);
	uint64_t only = env_u64("PSID_PROPERTY_ONLY", 0), n, state;
	bool has_only = env_has("PSID_PROPERTY_ONLY");
	struct psid_settings set;
	struct psid_keys *keys;
	struct table t;
	size_t cross = 0, tables = 0, forced = 0;

	settings_of(_i, &set);
	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, FIXTURE_ID, &keys),
	    PSID_OK);
	if (has_only)
		rounds = only + 1;
	for (n = (uint64_t)_i; n < rounds; n += SETTINGS_COMBOS) {
		/* Every other table of each setting joins two columns. */
		bool want_cross = (n / SETTINGS_COMBOS) % 2 == 0;

		if (has_only && n != only)
			continue;
		settings_ctx(seed, "PSID_PROPERTY_ONLY=", (size_t)n, &set);
		state = table_seed(seed, n);
		gen_table(&state, &t, &set, want_cross,
		    n % BIG_EVERY == BIG_AT);
		cross += round_trip(keys, &state, &t);
		forced += want_cross;
		tables++;
		table_free(&t);
	}
	psid_keys_free(keys);
	/* The cross-column property was tested, not skipped. */
	settings_ctx(seed, "settings #", (size_t)_i, &set);
	PCHECK(forced == 0 || cross > 0, "no pair of equal values in two "
	    "fingerprint columns over %zu tables", tables);
}
END_TEST

/* ---------------------------------------------------------- duplicates */

/*
 * A table: sealed rid, fingerprint "Dup Col" (a), fingerprint b, sealed
 * c, all other columns free of duplicates. how = 0: a value repeats in
 * a; 1: a has two NULLs; 2: b holds a's values (in another order).
 * Column c, sealed, always repeats a value: never a duplicate.
 */
static int
encrypt_dup_table(const struct psid_keys *keys, uint64_t *r,
    const struct psid_settings *set, int how, const char *dir,
    struct psid_report *report, size_t *nrows)
{
	struct buf csv = { 0 }, b = { 0 }, *va, *vb;
	struct psid_csv_options opts;
	size_t rows = rnd_range(r, 3, 30), dup1, dup2, k;
	bool mapped = rnd(r, 2) == 0;
	char schema[4096], input[4096];
	int rc;

	*nrows = rows;
	va = calloc(rows, sizeof(*va));
	vb = calloc(rows, sizeof(*vb));
	REQUIRE(va != NULL && vb != NULL);
	/* Distinct values: each carries its column and row. */
	for (k = 0; k < rows; k++) {
		gen_value(r, &b, rnd(r, 4) == 0 ? V_SPACED : V_SHORT);
		buf_printf(&va[k], "a%zu:", k);
		buf_add(&va[k], b.p, b.len);
		gen_value(r, &b, rnd(r, 4) == 0 ? V_SPACED : V_SHORT);
		buf_printf(&vb[k], "b%zu:", k);
		buf_add(&vb[k], b.p, b.len);
	}
	dup1 = rnd(r, rows);
	do
		dup2 = rnd(r, rows);
	while (dup2 == dup1);
	if (how == 0) {
		va[dup2].len = 0;
		buf_add(&va[dup2], va[dup1].p, va[dup1].len);
	}
	if (mapped)
		buf_adds(&csv, "rid,a,b,c\n");
	for (k = 0; k < rows; k++) {
		struct cell_in cell = { .quoted = true };
		const struct buf *v;

		buf_printf(&csv, "%zu,", k);
		cell.s = va[k].p;
		cell.len = va[k].len;
		cell.null = how == 1 && (k == dup1 || k == dup2);
		write_csv_field(&csv, &cell);
		buf_addc(&csv, ',');
		v = how == 2 ? &va[(k + 1) % rows] : &vb[k];
		cell.s = v->p;
		cell.len = v->len;
		cell.null = false;
		write_csv_field(&csv, &cell);
		buf_addc(&csv, ',');
		v = &vb[k == dup2 ? dup1 : k];
		cell.s = v->p;
		cell.len = v->len;
		write_csv_field(&csv, &cell);
		buf_addc(&csv, '\n');
	}
	snprintf(schema, sizeof(schema), "%s", scratch_path(dir,
	    "schema.json"));
	snprintf(input, sizeof(input), "%s", scratch_path(dir, "in.csv"));
	write_file(input, csv.p);
	write_file(schema, mapped ?
	    "{\"headerRow\": true, \"columns\": [\n"
	    " {\"sourceHeader\": \"rid\", \"type\": \"sealed\", "
	    "\"pad\": {\"type\": \"none\"}},\n"
	    " {\"sourceHeader\": \"a\", \"targetHeader\": \" Dup Col \", "
	    "\"type\": \"fingerprint\"},\n"
	    " {\"sourceHeader\": \"b\", \"type\": \"fingerprint\"},\n"
	    " {\"sourceHeader\": \"c\", \"type\": \"sealed\", "
	    "\"pad\": {\"type\": \"max\", \"length\": 3}}]}\n" :
	    "{\"headerRow\": false, \"columns\": [\n"
	    " [{\"targetHeader\": \"rid\", \"type\": \"sealed\", "
	    "\"pad\": {\"type\": \"none\"}}],\n"
	    " [{\"targetHeader\": \" Dup Col \", \"type\": \"fingerprint\"}],\n"
	    " [{\"targetHeader\": \"b_fingerprint\", \"type\": "
	    "\"fingerprint\"}],\n"
	    " [{\"targetHeader\": \"c_sealed\", \"type\": \"sealed\", "
	    "\"pad\": {\"type\": \"max\", \"length\": 3}}]]}\n");
	memset(&opts, 0, sizeof(opts));
	opts.settings = *set;
	opts.threads = (unsigned)rnd_range(r, 1, 3);
	opts.temp_dir = dir;
	rc = psid_encrypt_csv(keys, schema, input, scratch_path(dir,
	    "enc.csv"), &opts, report);
	for (k = 0; k < rows; k++) {
		free(va[k].p);
		free(vb[k].p);
	}
	free(va);
	free(vb);
	free(csv.p);
	free(b.p);
	return rc;
}

/* Repeated fingerprints are refused, naming the column, unless allowed. */
START_TEST(test_duplicates)
{
	static const char *const ok_files[] = {
		"schema.json", "in.csv", "enc.csv",
	};
	static const char *const what[] = {
		"a repeated value", "two NULLs", "values shared by columns",
	};
	uint64_t seed = env_u64("PSID_PROPERTY_SEED", DEFAULT_SEED), state;
	struct psid_settings set;
	struct psid_report report;
	struct psid_keys *keys;
	size_t rows;
	int how, rc, expect;
	char *dir;

	settings_of(_i, &set);
	ck_assert_int_eq(psid_keys_new(FIXTURE_SECRET, FIXTURE_ID, &keys),
	    PSID_OK);
	state = table_seed(seed ^ UINT64_C(0xd0b1e5), (uint64_t)_i);
	for (how = 0; how < 3; how++) {
		settings_ctx(seed, "duplicates test #", (size_t)_i, &set);
		snprintf(ctx + strlen(ctx), sizeof(ctx) - strlen(ctx), " %s",
		    what[how]);
		dir = table_dir();
		rc = encrypt_dup_table(keys, &state, &set, how, dir, &report,
		    &rows);
		expect = PSID_OK;
		if (how == 0 && !set.allow_duplicates)
			expect = PSID_ERR_DUPLICATE;
		if (how == 1 && !set.allow_duplicates && !set.preserve_nulls)
			expect = PSID_ERR_DUPLICATE;
		PCHECK(rc == expect, "got %d (%s), expected %d", rc,
		    report.message, expect);
		if (rc == PSID_OK) {
			PCHECK(report.rows == rows, "%" PRIu64 " rows, not %zu",
			    report.rows, rows);
			check_dir(dir, ok_files, 3);
		} else {
			PCHECK(strcmp(report.column, "dup col") == 0,
			    "report.column is \"%s\", not \"dup col\" (%s)",
			    report.column, report.message);
			PCHECK(report.rows == 0, "%" PRIu64 " rows on error",
			    report.rows);
			check_dir(dir, ok_files, 2);
		}
		scratch_remove(dir);
	}
	psid_keys_free(keys);
}
END_TEST

Suite *
make_property_suite(void)
{
	Suite *s = suite_create("property");
	TCase *tc = tcase_create("round trip");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_round_trip, 0, SETTINGS_COMBOS);
	suite_add_tcase(s, tc);

	tc = tcase_create("duplicates");
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_duplicates, 0, SETTINGS_COMBOS);
	suite_add_tcase(s, tc);
	return s;
}
