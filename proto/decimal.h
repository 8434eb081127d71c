/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decimal.h: exact decimal numbers for SUM and AVG of cleartext columns,
 * shared by psid (which sums) and libpsid (which prints the results):
 * pure integer arithmetic, no binary floating point anywhere, so 0.1 +
 * 0.2 is 0.3.
 *
 * A value is an integer and a scale: unscaled / 10^scale, at most
 * DECIMAL_MAX_DIGITS (18) digits in the integer (|unscaled| < 10^18, so
 * an int64_t holds it) and a scale of 0 to DECIMAL_MAX_SCALE (18), as
 * SQL's DECIMAL(18, s). Sums and averages are wide values: a 128-bit
 * integer and a scale (up to 18 + DECIMAL_AVG_EXTRA).
 *
 * The text (decimal_parse) is the plain form and nothing else:
 *
 *   [+-]digits[.digits]    "12", "-0.5", "+3.140", "007"
 *
 * at least one digit on each side of a point; no white space anywhere,
 * no exponent ("1e3"), no thousands separator ("1,000"), no lone sign or
 * point, no "NaN" or "inf". A C3R cleartext cell is the CSV's raw text,
 * which psid stores, compares and groups by byte for byte: " 5" and "5"
 * are two values of a dimension. Reading " 5" as 5 in a summed column
 * would make the same bytes a number there and a distinct text
 * elsewhere, and would hide what is most often a broken export (a
 * locale's separators, padding); a refusal naming the cell's row, column
 * and offset tells the uploader at once. The trailing zeros of the
 * fraction count: "1.50" has scale 2 and 3 digits, and the limit of 18
 * digits is on the integer unscaled (leading zeros do not count: "0.05"
 * is 5 at scale 2, one digit).
 *
 * The scale of a column is the largest scale of its values, found as the
 * upload goes ("widen as you go"): the upload checks each chunk's cells
 * as the chunk arrives and stages them, and a second pass over the
 * staged rows would move every error to the commit. Per summed column
 * the upload keeps a struct decimal_column and, for each non-NULL cell,
 * calls decimal_parse (an error names the row, the column and the
 * offset) then decimal_column_add (which refuses the cell that would let
 * the column, at its widened scale, no longer hold a value seen: 10^17
 * and 0.5 cannot share a DECIMAL(18, s)). At the commit every value is
 * decimal_rescale'd to the column's final scale, which then cannot fail,
 * and stored as an int64_t at that scale. A query sums them with
 * decimal_sum_add and prints decimal_sum_total or decimal_avg with
 * decimal_format_wide.
 *
 * Errors are negative enum decimal_err codes; decimal_strerror names
 * them. Nothing here allocates; every function is safe from any thread
 * on distinct values.
 */
#ifndef PSID_DECIMAL_H
#define PSID_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define DECIMAL_MAX_DIGITS	18
#define DECIMAL_MAX_SCALE	18
#define DECIMAL_MAX_UNSCALED	INT64_C(999999999999999999)	/* 10^18 - 1 */
/* Digits AVG keeps beyond the column's scale. */
#define DECIMAL_AVG_EXTRA	4
/* Room for any value's or wide value's text and its NUL. */
#define DECIMAL_TEXT_SIZE	48

enum decimal_err {
	DECIMAL_OK = 0,
	DECIMAL_ERR_EMPTY = -1,		/* no characters */
	DECIMAL_ERR_SYNTAX = -2,	/* not [+-]digits[.digits] */
	DECIMAL_ERR_NO_DIGITS = -3,	/* a sign or point without a digit */
	DECIMAL_ERR_SPACE = -4,		/* white space */
	DECIMAL_ERR_EXPONENT = -5,	/* an exponent ("1e3") */
	DECIMAL_ERR_DIGITS = -6,	/* more than 18 digits */
	DECIMAL_ERR_SCALE = -7,		/* more than 18 decimals, or a scale
					   not the sum's */
	DECIMAL_ERR_RANGE = -8,		/* over 18 digits at the new scale */
	DECIMAL_ERR_INEXACT = -9,	/* narrowing would drop digits */
	DECIMAL_ERR_OVERFLOW = -10,	/* past the 128-bit sum or its count */
	DECIMAL_ERR_NO_VALUES = -11,	/* AVG of no values (SQL's NULL) */
};

/* A value: unscaled / 10^scale, |unscaled| <= DECIMAL_MAX_UNSCALED. */
struct decimal {
	int64_t	unscaled;
	int	scale;		/* 0 .. DECIMAL_MAX_SCALE */
};

/* A sum or an average: unscaled / 10^scale, any 128-bit unscaled. */
struct decimal_wide {
	__int128 unscaled;
	int	scale;		/* 0 .. DECIMAL_MAX_SCALE + DECIMAL_AVG_EXTRA */
};

/*
 * The exact sum of values of one scale, and how many there are. Each
 * value is under 10^18 in magnitude, so the total stays under 2^64 *
 * 10^18 (about 1.8 * 10^37, a tenth of 2^127) until the count itself
 * would pass 2^64 - 1, about 1.8 * 10^19 values: effectively never, but
 * both are checked.
 */
struct decimal_sum {
	__int128 total;		/* unscaled, at scale */
	uint64_t count;		/* values added */
	int	scale;
};

/* What the upload keeps of a summed column (see the top of this file). */
struct decimal_column {
	int	scale;		/* the largest scale seen */
	int	int_digits;	/* the most digits before the point seen */
};

/*
 * Parse s[0..len) (any bytes, not NUL-terminated, any length) as the
 * plain form above into *out. Returns DECIMAL_OK, or an error with *at
 * (when at is not NULL) set to the byte offset of the first character
 * that cannot continue a number, or len when the text stops too soon:
 * DECIMAL_ERR_EMPTY (len 0: offset 0), _NO_DIGITS (a sign or point with
 * no digit: "-" at 1, ".5" at 0, "1." at 2), _SPACE (white space: " 1"
 * at 0), _EXPONENT ('e' or 'E' after a digit), _SYNTAX (any other
 * character: "1,5" at 1, "NaN" at 0), _DIGITS (the 19th digit of the
 * unscaled, leading zeros not counted), _SCALE (the 19th decimal). On an
 * error *out is untouched.
 */
int decimal_parse(const char *s, size_t len, struct decimal *out,
    size_t *at);

/* A one-line description of an enum decimal_err, for messages. */
const char *decimal_strerror(int err);

/*
 * *v at new_scale (0 .. DECIMAL_MAX_SCALE) into *out (which may be v):
 * exact when widening. Returns DECIMAL_OK, DECIMAL_ERR_SCALE (new_scale
 * out of range), _RANGE (widened past 18 digits) or _INEXACT (narrowed,
 * but a dropped digit is not 0: rounding is never implicit). On an
 * error *out is untouched.
 */
int decimal_rescale(const struct decimal *v, int new_scale,
    struct decimal *out);

/* A column with no value yet: scale 0, no digits. */
void decimal_column_init(struct decimal_column *c);

/*
 * Widen c by v: its scale becomes the larger of the two. Returns
 * DECIMAL_OK, or DECIMAL_ERR_RANGE when some value seen (v or an earlier
 * one) would need more than 18 digits at that scale; c is then
 * unchanged, so the upload can name v's cell. After any number of
 * successful calls every value added rescales to c->scale without error.
 */
int decimal_column_add(struct decimal_column *c, const struct decimal *v);

/* An empty sum of values of scale (0 .. DECIMAL_MAX_SCALE). */
void decimal_sum_init(struct decimal_sum *sum, int scale);

/*
 * Add v, exactly, to sum. Returns DECIMAL_OK, DECIMAL_ERR_SCALE (v's
 * scale is not the sum's: rescale it first) or _OVERFLOW (the total or
 * the count would overflow); on an error sum is unchanged.
 */
int decimal_sum_add(struct decimal_sum *sum, const struct decimal *v);

/*
 * Add the sum from into sum (partial sums of threads or groups).
 * Returns DECIMAL_OK, DECIMAL_ERR_SCALE (other scales) or _OVERFLOW; on
 * an error sum is unchanged.
 */
int decimal_sum_merge(struct decimal_sum *sum, const struct decimal_sum *from);

/* The total of sum as a wide value at the sum's scale (SQL's SUM). */
void decimal_sum_total(const struct decimal_sum *sum, struct decimal_wide *out);

/*
 * The average of sum (total / count) at the sum's scale +
 * DECIMAL_AVG_EXTRA into *out, rounded half to even (a tie goes to the
 * even last digit, a negative one too: 0.00015 is 0.0002, -0.00005 is
 * 0.0000, -0.00015 is -0.0002 at scale 4), with integers only.
 * Returns DECIMAL_OK, DECIMAL_ERR_NO_VALUES (count 0: SQL's AVG is
 * NULL) or _OVERFLOW (a total no count of 18-digit values reaches); on
 * an error *out is untouched.
 */
int decimal_avg(const struct decimal_sum *sum, struct decimal_wide *out);

/*
 * The text of *v into buf[0..size): the plain form with all of the
 * scale's digits ("-12.340" at scale 3, "0.05", "-0.5", "0" for zero at
 * scale 0, never "-0"), which decimal_parse reads back to the same
 * value. Returns its length (without the NUL), or -1 when size is too
 * small (buf is then "" if size > 0). DECIMAL_TEXT_SIZE is always
 * enough.
 */
int decimal_format(const struct decimal *v, char *buf, size_t size);

/*
 * As decimal_format, for a wide value (a sum or an average, exact to its
 * last digit; scale 0 .. DECIMAL_MAX_SCALE + DECIMAL_AVG_EXTRA, else -1).
 */
int decimal_format_wide(const struct decimal_wide *v, char *buf, size_t size);

#endif /* PSID_DECIMAL_H */
