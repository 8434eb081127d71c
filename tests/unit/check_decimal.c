/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_decimal.c: exact decimals (proto/decimal.h): the plain form and
 * every refusal with its offset, the 18-digit and 18-decimal limits on
 * both sides, a column's widened scale, rescaling, 128-bit sums (0.1 +
 * 0.2 is 0.3; overflow detected), AVG half to even at the scale + 4
 * (ties both ways, negative ties), printing; and three properties over
 * random input: sums equal plain __int128 arithmetic on the integers,
 * printing then parsing gives the value back, and decimal_parse is total
 * over any bytes of any length. PSID_DECIMAL_SEED overrides the seed;
 * failure messages name it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "decimal.h"
#include "suites.h"

#define DEFAULT_SEED UINT64_C(0xdec1a1c0ffee5eed)
#define I128_MAX ((__int128)(~(unsigned __int128)0 >> 1))
#define I128_MIN (-I128_MAX - 1)

/* splitmix64, seeded by seed(). */
static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t
seed(void)
{
	const char *e = getenv("PSID_DECIMAL_SEED");

	return e != NULL ? strtoull(e, NULL, 0) : DEFAULT_SEED;
}

static struct decimal
parse_ok(const char *s)
{
	struct decimal d;
	size_t at = 0;
	int err = decimal_parse(s, strlen(s), &d, &at);

	/* Checked without ck_assert in loops: check marks each one. */
	if (err != DECIMAL_OK)
		ck_abort_msg("\"%s\": %s at %zu", s, decimal_strerror(err),
		    at);
	return d;
}

/* The text of a wide value, for comparisons. */
static const char *
wide_text(__int128 u, int scale)
{
	static char buf[DECIMAL_TEXT_SIZE];
	struct decimal_wide w = { u, scale };

	if (decimal_format_wide(&w, buf, sizeof(buf)) <= 0)
		ck_abort_msg("no text at scale %d", scale);
	return buf;
}

/*
 * An independent printing of u / 10^scale: the magnitude in chunks of
 * 19 digits through printf, then the point put in.
 */
static void
oracle_text(__int128 u, int scale, char *out, size_t size)
{
	const uint64_t e19 = UINT64_C(10000000000000000000);
	unsigned __int128 m = u < 0 ? -(unsigned __int128)u :
	    (unsigned __int128)u;
	uint64_t c0 = (uint64_t)(m % e19), c1 = (uint64_t)(m / e19 % e19);
	uint64_t c2 = (uint64_t)(m / e19 / e19);
	char digits[64], *p;
	size_t n;

	if (c2 != 0)
		snprintf(digits, sizeof(digits), "%" PRIu64 "%019" PRIu64
		    "%019" PRIu64, c2, c1, c0);
	else if (c1 != 0)
		snprintf(digits, sizeof(digits), "%" PRIu64 "%019" PRIu64,
		    c1, c0);
	else
		snprintf(digits, sizeof(digits), "%" PRIu64, c0);
	p = digits;
	n = strlen(p);
	while (n < (size_t)scale + 1) {	/* zeros in front: 0.05 */
		memmove(p + 1, p, n + 1);
		p[0] = '0';
		n++;
	}
	snprintf(out, size, "%s%.*s%s%s", u < 0 ? "-" : "",
	    (int)(n - (size_t)scale), p, scale > 0 ? "." : "",
	    p + n - (size_t)scale);
}

static const struct {
	const char *in;
	int64_t unscaled;
	int scale;
} accepted[] = {
	{ "0", 0, 0 },
	{ "-0", 0, 0 },
	{ "+5", 5, 0 },
	{ "007", 7, 0 },
	{ "0.1", 1, 1 },
	{ "-12.340", -12340, 3 },
	{ "1.50", 150, 2 },
	{ "-0.00", 0, 2 },
	{ "0.05", 5, 2 },
	{ "0.000000000000000001", 1, 18 },
	{ "0.000000000000000000", 0, 18 },
	{ "999999999999999999", INT64_C(999999999999999999), 0 },
	{ "-999999999999999999", -INT64_C(999999999999999999), 0 },
	{ "0.999999999999999999", INT64_C(999999999999999999), 18 },
	{ "-9.99999999999999999", -INT64_C(999999999999999999), 17 },
	{ "+00000000000000000000000000000001.5", 15, 1 },
};

START_TEST(parse_accepts)
{
	struct decimal d = parse_ok(accepted[_i].in);
	char buf[DECIMAL_TEXT_SIZE];

	ck_assert_msg(d.unscaled == accepted[_i].unscaled,
	    "\"%s\": %" PRId64, accepted[_i].in, d.unscaled);
	ck_assert_int_eq(d.scale, accepted[_i].scale);
	/* Printed and read back: the same value. */
	ck_assert_int_gt(decimal_format(&d, buf, sizeof(buf)), 0);
	d = parse_ok(buf);
	ck_assert(d.unscaled == accepted[_i].unscaled);
	ck_assert_int_eq(d.scale, accepted[_i].scale);
}
END_TEST

static const struct {
	const char *in;
	long len;		/* -1: strlen */
	int err;
	size_t at;
} refused[] = {
	{ "", -1, DECIMAL_ERR_EMPTY, 0 },
	{ "+", -1, DECIMAL_ERR_NO_DIGITS, 1 },
	{ "-", -1, DECIMAL_ERR_NO_DIGITS, 1 },
	{ ".", -1, DECIMAL_ERR_NO_DIGITS, 0 },
	{ "-.", -1, DECIMAL_ERR_NO_DIGITS, 1 },
	{ ".5", -1, DECIMAL_ERR_NO_DIGITS, 0 },
	{ "-.5", -1, DECIMAL_ERR_NO_DIGITS, 1 },
	{ "1.", -1, DECIMAL_ERR_NO_DIGITS, 2 },
	{ "1..2", -1, DECIMAL_ERR_NO_DIGITS, 2 },
	{ "+-1", -1, DECIMAL_ERR_SYNTAX, 1 },
	{ " 1", -1, DECIMAL_ERR_SPACE, 0 },
	{ "1 ", -1, DECIMAL_ERR_SPACE, 1 },
	{ "1 000", -1, DECIMAL_ERR_SPACE, 1 },
	{ "- 1", -1, DECIMAL_ERR_SPACE, 1 },
	{ "\t1", -1, DECIMAL_ERR_SPACE, 0 },
	{ "1\r\n", -1, DECIMAL_ERR_SPACE, 1 },
	{ "1.5 ", -1, DECIMAL_ERR_SPACE, 3 },
	{ "1e3", -1, DECIMAL_ERR_EXPONENT, 1 },
	{ "1.5E-3", -1, DECIMAL_ERR_EXPONENT, 3 },
	{ "1e", -1, DECIMAL_ERR_EXPONENT, 1 },
	{ "1.e3", -1, DECIMAL_ERR_SYNTAX, 2 },
	{ "e5", -1, DECIMAL_ERR_SYNTAX, 0 },
	{ "1,5", -1, DECIMAL_ERR_SYNTAX, 1 },
	{ "1,000.5", -1, DECIMAL_ERR_SYNTAX, 1 },
	{ "1.2.3", -1, DECIMAL_ERR_SYNTAX, 3 },
	{ "5-", -1, DECIMAL_ERR_SYNTAX, 1 },
	{ "$5", -1, DECIMAL_ERR_SYNTAX, 0 },
	{ "0x10", -1, DECIMAL_ERR_SYNTAX, 1 },
	{ "NaN", -1, DECIMAL_ERR_SYNTAX, 0 },
	{ "nan", -1, DECIMAL_ERR_SYNTAX, 0 },
	{ "-nan", -1, DECIMAL_ERR_SYNTAX, 1 },
	{ "inf", -1, DECIMAL_ERR_SYNTAX, 0 },
	{ "-Infinity", -1, DECIMAL_ERR_SYNTAX, 1 },
	{ "\xef\xbc\x91", -1, DECIMAL_ERR_SYNTAX, 0 },	/* fullwidth 1 */
	{ "12\0" "3", 4, DECIMAL_ERR_SYNTAX, 2 },
	{ "1234567890123456789", -1, DECIMAL_ERR_DIGITS, 18 },
	{ "-1234567890123456789", -1, DECIMAL_ERR_DIGITS, 19 },
	{ "9999999999999999999", -1, DECIMAL_ERR_DIGITS, 18 },
	{ "-99999999999999999.99", -1, DECIMAL_ERR_DIGITS, 20 },
	{ "1.000000000000000000", -1, DECIMAL_ERR_DIGITS, 19 },
	{ "0.1234567890123456789", -1, DECIMAL_ERR_SCALE, 20 },
	{ "0.0000000000000000001", -1, DECIMAL_ERR_SCALE, 20 },
	{ "-0.0000000000000000000", -1, DECIMAL_ERR_SCALE, 21 },
};

START_TEST(parse_refuses)
{
	const char *in = refused[_i].in;
	size_t len = refused[_i].len < 0 ? strlen(in) :
	    (size_t)refused[_i].len;
	struct decimal d = { 42, 7 };
	size_t at = 999;
	int err = decimal_parse(in, len, &d, &at);

	ck_assert_msg(err == refused[_i].err && at == refused[_i].at,
	    "case %d: %s at %zu, not %s at %zu", _i, decimal_strerror(err),
	    at, decimal_strerror(refused[_i].err), refused[_i].at);
	ck_assert(d.unscaled == 42 && d.scale == 7);	/* untouched */
	ck_assert_int_eq(decimal_parse(in, len, &d, NULL), refused[_i].err);
}
END_TEST

START_TEST(strerror_names_all)
{
	int e;

	for (e = DECIMAL_OK; e >= DECIMAL_ERR_NO_VALUES; e--)
		ck_assert_str_ne(decimal_strerror(e), "unknown decimal error");
	ck_assert_str_eq(decimal_strerror(42), "unknown decimal error");
	ck_assert_ptr_nonnull(strstr(decimal_strerror(DECIMAL_ERR_DIGITS),
	    "18"));
}
END_TEST

START_TEST(long_input)
{
	size_t n = 1 << 20, at = 0;
	char *s = malloc(n);
	struct decimal d;

	ck_assert_ptr_nonnull(s);
	memset(s, '0', n);
	s[n - 1] = '7';
	ck_assert_int_eq(decimal_parse(s, n, &d, &at), DECIMAL_OK);
	ck_assert(d.unscaled == 7 && d.scale == 0);
	memset(s, '1', n);
	ck_assert_int_eq(decimal_parse(s, n, &d, &at), DECIMAL_ERR_DIGITS);
	ck_assert_uint_eq(at, 18);
	s[0] = '0';
	s[1] = '.';
	memset(s + 2, '0', n - 2);
	ck_assert_int_eq(decimal_parse(s, n, &d, &at), DECIMAL_ERR_SCALE);
	ck_assert_uint_eq(at, 20);
	free(s);
}
END_TEST

START_TEST(sum_exact)
{
	struct decimal a = parse_ok("0.1"), b = parse_ok("0.2"), c;
	struct decimal_sum sum;
	struct decimal_wide w;
	char buf[DECIMAL_TEXT_SIZE];

	decimal_sum_init(&sum, 1);
	ck_assert_int_eq(decimal_sum_add(&sum, &a), DECIMAL_OK);
	ck_assert_int_eq(decimal_sum_add(&sum, &b), DECIMAL_OK);
	decimal_sum_total(&sum, &w);
	ck_assert_int_eq(decimal_format_wide(&w, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "0.3");
	ck_assert(w.unscaled == 3 && w.scale == 1);
	ck_assert_uint_eq(sum.count, 2);
	/* Another scale is refused until rescaled; the sum is unchanged. */
	c = parse_ok("-0.30");
	ck_assert_int_eq(decimal_sum_add(&sum, &c), DECIMAL_ERR_SCALE);
	ck_assert(sum.total == 3 && sum.count == 2);
	ck_assert_int_eq(decimal_rescale(&c, 1, &c), DECIMAL_OK);
	ck_assert_int_eq(decimal_sum_add(&sum, &c), DECIMAL_OK);
	ck_assert_str_eq(wide_text(sum.total, sum.scale), "0.0");
}
END_TEST

START_TEST(mixed_scales)
{
	const char *cells[] = { "1", "2.5", "0.125", "-3.75", "-0.000" };
	struct decimal v[5];
	struct decimal_column col;
	struct decimal_sum sum;
	size_t i;

	decimal_column_init(&col);
	for (i = 0; i < 5; i++) {
		v[i] = parse_ok(cells[i]);
		ck_assert_int_eq(decimal_column_add(&col, &v[i]), DECIMAL_OK);
	}
	ck_assert_int_eq(col.scale, 3);
	decimal_sum_init(&sum, col.scale);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(decimal_rescale(&v[i], col.scale, &v[i]),
		    DECIMAL_OK);
		ck_assert_int_eq(decimal_sum_add(&sum, &v[i]), DECIMAL_OK);
	}
	ck_assert_str_eq(wide_text(sum.total, sum.scale), "-0.125");
}
END_TEST

START_TEST(column_limits)
{
	struct decimal big = parse_ok("100000000000000000");	/* 18 digits */
	struct decimal half = parse_ok("0.5"), small = parse_ok("0.05");
	struct decimal big17 = parse_ok("-10000000000000000");	/* 17 */
	struct decimal tiny = parse_ok("0.000000000000000001"), r;
	struct decimal_column col;

	/* 10^17 and 0.5 cannot share a DECIMAL(18, s), in either order. */
	decimal_column_init(&col);
	ck_assert_int_eq(decimal_column_add(&col, &big), DECIMAL_OK);
	ck_assert_int_eq(decimal_column_add(&col, &half), DECIMAL_ERR_RANGE);
	ck_assert(col.scale == 0 && col.int_digits == 18);	/* unchanged */
	decimal_column_init(&col);
	ck_assert_int_eq(decimal_column_add(&col, &half), DECIMAL_OK);
	ck_assert_int_eq(decimal_column_add(&col, &big), DECIMAL_ERR_RANGE);
	ck_assert(col.scale == 1 && col.int_digits == 0);
	/* 17 digits before the point leave one decimal, not two. */
	ck_assert_int_eq(decimal_column_add(&col, &big17), DECIMAL_OK);
	ck_assert_int_eq(decimal_column_add(&col, &small), DECIMAL_ERR_RANGE);
	ck_assert_int_eq(decimal_rescale(&big17, col.scale, &r), DECIMAL_OK);
	ck_assert_str_eq(wide_text(r.unscaled, r.scale),
	    "-10000000000000000.0");
	/* 18 decimals need a column of values under 1. */
	decimal_column_init(&col);
	ck_assert_int_eq(decimal_column_add(&col, &tiny), DECIMAL_OK);
	ck_assert_int_eq(decimal_column_add(&col, &small), DECIMAL_OK);
	ck_assert_int_eq(decimal_column_add(&col, &half), DECIMAL_OK);
	ck_assert_int_eq(col.scale, 18);
	ck_assert_int_eq(decimal_rescale(&half, 18, &r), DECIMAL_OK);
	ck_assert(r.unscaled == INT64_C(500000000000000000));
}
END_TEST

START_TEST(rescale)
{
	struct decimal v = parse_ok("-1.500"), r = { 1, 1 };
	struct decimal max = parse_ok("999999999999999999");

	ck_assert_int_eq(decimal_rescale(&v, 5, &r), DECIMAL_OK);
	ck_assert(r.unscaled == -150000 && r.scale == 5);
	ck_assert_int_eq(decimal_rescale(&v, 1, &r), DECIMAL_OK);
	ck_assert(r.unscaled == -15 && r.scale == 1);
	r.unscaled = 1;
	ck_assert_int_eq(decimal_rescale(&v, 0, &r), DECIMAL_ERR_INEXACT);
	ck_assert_int_eq(decimal_rescale(&v, -1, &r), DECIMAL_ERR_SCALE);
	ck_assert_int_eq(decimal_rescale(&v, 19, &r), DECIMAL_ERR_SCALE);
	ck_assert(r.unscaled == 1);	/* untouched */
	ck_assert_int_eq(decimal_rescale(&v, 18, &r), DECIMAL_ERR_RANGE);
	ck_assert_int_eq(decimal_rescale(&v, 17, &r), DECIMAL_OK);
	ck_assert(r.unscaled == -INT64_C(150000000000000000));
	ck_assert_int_eq(decimal_rescale(&max, 1, &r), DECIMAL_ERR_RANGE);
	ck_assert_int_eq(decimal_rescale(&max, 0, &r), DECIMAL_OK);
	/* Zero goes to any scale. */
	v = parse_ok("0");
	ck_assert_int_eq(decimal_rescale(&v, 18, &v), DECIMAL_OK);
	ck_assert(v.unscaled == 0 && v.scale == 18);
}
END_TEST

START_TEST(format)
{
	struct decimal v = { -12340, 3 };
	struct decimal_wide w = { I128_MAX, 0 };
	char buf[DECIMAL_TEXT_SIZE];

	ck_assert_int_eq(decimal_format(&v, buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "-12.340");
	ck_assert_int_eq(decimal_format(&v, buf, 8), 7);
	ck_assert_int_eq(decimal_format(&v, buf, 7), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(decimal_format(&v, buf, 0), -1);
	v.scale = 19;
	ck_assert_int_eq(decimal_format(&v, buf, sizeof(buf)), -1);
	ck_assert_str_eq(wide_text(0, 0), "0");
	ck_assert_str_eq(wide_text(0, 3), "0.000");
	ck_assert_str_eq(wide_text(-5, 2), "-0.05");
	ck_assert_str_eq(wide_text(-5, 1), "-0.5");
	ck_assert_str_eq(wide_text(1, 22), "0.0000000000000000000001");
	ck_assert_str_eq(wide_text(I128_MAX, 0),
	    "170141183460469231731687303715884105727");
	ck_assert_str_eq(wide_text(I128_MIN, 0),
	    "-170141183460469231731687303715884105728");
	ck_assert_str_eq(wide_text(I128_MIN, 22),
	    "-17014118346046923.1731687303715884105728");
	w.scale = 23;
	ck_assert_int_eq(decimal_format_wide(&w, buf, sizeof(buf)), -1);
	w.scale = -1;
	ck_assert_int_eq(decimal_format_wide(&w, buf, sizeof(buf)), -1);
}
END_TEST

/* The AVG text of count values of scale whose total is total. */
static const char *
avg_text(__int128 total, uint64_t count, int scale)
{
	struct decimal_sum sum;
	struct decimal_wide w;

	decimal_sum_init(&sum, scale);
	sum.total = total;
	sum.count = count;
	ck_assert_int_eq(decimal_avg(&sum, &w), DECIMAL_OK);
	ck_assert_int_eq(w.scale, scale + DECIMAL_AVG_EXTRA);
	return wide_text(w.unscaled, w.scale);
}

START_TEST(avg_half_even)
{
	struct decimal one = parse_ok("1"), two = parse_ok("2");
	struct decimal_sum sum;
	struct decimal_wide w = { 77, 1 };

	decimal_sum_init(&sum, 0);
	ck_assert_int_eq(decimal_avg(&sum, &w), DECIMAL_ERR_NO_VALUES);
	ck_assert(w.unscaled == 77);		/* untouched */
	decimal_sum_add(&sum, &one);
	decimal_sum_add(&sum, &two);
	ck_assert_int_eq(decimal_avg(&sum, &w), DECIMAL_OK);
	ck_assert_str_eq(wide_text(w.unscaled, w.scale), "1.5000");
	/* Exact halves of the last digit: 1/20000 is 0.00005. */
	ck_assert_str_eq(avg_text(1, 20000, 0), "0.0000");	/* to even */
	ck_assert_str_eq(avg_text(3, 20000, 0), "0.0002");	/* to even */
	ck_assert_str_eq(avg_text(5, 20000, 0), "0.0002");
	ck_assert_str_eq(avg_text(7, 20000, 0), "0.0004");
	ck_assert_str_eq(avg_text(-1, 20000, 0), "0.0000");
	ck_assert_str_eq(avg_text(-3, 20000, 0), "-0.0002");
	ck_assert_str_eq(avg_text(-5, 20000, 0), "-0.0002");
	ck_assert_str_eq(avg_text(1, 32, 0), "0.0312");		/* 0.03125 */
	ck_assert_str_eq(avg_text(3, 32, 0), "0.0938");		/* 0.09375 */
	ck_assert_str_eq(avg_text(-3, 32, 0), "-0.0938");
	ck_assert_str_eq(avg_text(1, 32, 1), "0.00312");	/* 0.003125 */
	ck_assert_str_eq(avg_text(25, 2, 0), "12.5000");
	/* Not halves: to the nearest. */
	ck_assert_str_eq(avg_text(2, 3, 0), "0.6667");
	ck_assert_str_eq(avg_text(1, 3, 0), "0.3333");
	ck_assert_str_eq(avg_text(-2, 3, 2), "-0.006667");
	ck_assert_str_eq(avg_text(20001, 40000, 0), "0.5000");
	ck_assert_str_eq(avg_text(20003, 40000, 0), "0.5001");	/* .500075 */
	/* The largest values, averaged over 2^40 of them. */
	ck_assert_str_eq(avg_text((__int128)DECIMAL_MAX_UNSCALED << 40,
	    UINT64_C(1) << 40, 18), "0.9999999999999999990000");
	ck_assert_str_eq(avg_text(-(__int128)DECIMAL_MAX_UNSCALED *
	    UINT64_MAX, UINT64_MAX, 0), "-999999999999999999.0000");
	/* A total no 18-digit values reach overflows, and is said to. */
	sum.total = I128_MAX;
	sum.count = 1;
	ck_assert_int_eq(decimal_avg(&sum, &w), DECIMAL_ERR_OVERFLOW);
}
END_TEST

START_TEST(sum_overflow)
{
	struct decimal max = { DECIMAL_MAX_UNSCALED, 0 }, neg = max;
	struct decimal_sum sum, other;

	neg.unscaled = -neg.unscaled;
	decimal_sum_init(&sum, 0);
	sum.total = I128_MAX - DECIMAL_MAX_UNSCALED;
	ck_assert_int_eq(decimal_sum_add(&sum, &max), DECIMAL_OK);
	ck_assert(sum.total == I128_MAX);
	ck_assert_int_eq(decimal_sum_add(&sum, &max), DECIMAL_ERR_OVERFLOW);
	ck_assert(sum.total == I128_MAX && sum.count == 1);
	sum.total = I128_MIN + DECIMAL_MAX_UNSCALED - 1;
	ck_assert_int_eq(decimal_sum_add(&sum, &neg), DECIMAL_ERR_OVERFLOW);
	/* The count would pass 2^64 - 1 first with real values. */
	sum.total = 0;
	sum.count = UINT64_MAX;
	ck_assert_int_eq(decimal_sum_add(&sum, &max), DECIMAL_ERR_OVERFLOW);
	ck_assert(sum.total == 0);
	/* Merges: scales, counts and totals checked. */
	decimal_sum_init(&sum, 2);
	decimal_sum_init(&other, 3);
	ck_assert_int_eq(decimal_sum_merge(&sum, &other), DECIMAL_ERR_SCALE);
	decimal_sum_init(&other, 2);
	sum.total = 5;
	sum.count = 2;
	other.total = -7;
	other.count = 3;
	ck_assert_int_eq(decimal_sum_merge(&sum, &other), DECIMAL_OK);
	ck_assert(sum.total == -2 && sum.count == 5);
	other.count = UINT64_MAX;
	ck_assert_int_eq(decimal_sum_merge(&sum, &other),
	    DECIMAL_ERR_OVERFLOW);
	other.count = 1;
	other.total = I128_MIN;
	ck_assert_int_eq(decimal_sum_merge(&sum, &other),
	    DECIMAL_ERR_OVERFLOW);
	ck_assert(sum.total == -2 && sum.count == 5);
}
END_TEST

/*
 * A random cell for a column of at most int_max digits before the point
 * and max_scale after: its text in out, its value in *want.
 */
static void
random_cell(uint64_t *rg, int int_max, int max_scale, char *out,
    struct decimal *want)
{
	int ni = (int)(next(rg) % (uint64_t)(int_max + 1));
	int ns = (int)(next(rg) % (uint64_t)(max_scale + 1));
	int zeros = next(rg) % 4 == 0 ? (int)(next(rg) % 30) : 0, i;
	uint64_t u = 0, r = next(rg) % 3;
	char *p = out;

	if (r != 0)
		*p++ = r == 1 ? '-' : '+';
	for (i = 0; i < zeros; i++)
		*p++ = '0';
	if (ni == 0 && zeros == 0)
		*p++ = '0';
	for (i = 0; i < ni + ns; i++) {
		unsigned d = (unsigned)(next(rg) % 10);

		if (i == ni)
			*p++ = '.';
		*p++ = (char)('0' + d);
		u = u * 10 + d;
	}
	*p = '\0';
	want->unscaled = r == 1 ? -(int64_t)u : (int64_t)u;
	want->scale = ns;
}

START_TEST(sum_property)
{
	uint64_t s0 = seed(), rg = s0 + (uint64_t)_i;
	struct decimal v[200], want;
	struct decimal_column col;
	struct decimal_sum sum;
	__int128 plain = 0;
	char cell[64], got[DECIMAL_TEXT_SIZE], expect[64];
	int n = 1 + (int)(next(&rg) % 200), k, i, j, top = 0;

	/* A column of DECIMAL(18, k): 18 - k digits before the point. */
	k = (int)(next(&rg) % (DECIMAL_MAX_SCALE + 1));
	decimal_column_init(&col);
	for (i = 0; i < n; i++) {
		random_cell(&rg, DECIMAL_MAX_DIGITS - k, k, cell, &want);
		v[i] = parse_ok(cell);
		if (v[i].unscaled != want.unscaled ||
		    v[i].scale != want.scale ||
		    decimal_column_add(&col, &v[i]) != DECIMAL_OK)
			ck_abort_msg("seed %#" PRIx64 " round %d: %s", s0, _i,
			    cell);
		/* Printed and parsed back: the same value. */
		if (decimal_format(&v[i], got, sizeof(got)) <= 0)
			ck_abort_msg("seed %#" PRIx64 ": %s unprinted", s0,
			    cell);
		want = parse_ok(got);
		if (want.unscaled != v[i].unscaled || want.scale != v[i].scale)
			ck_abort_msg("seed %#" PRIx64 ": %s printed %s", s0,
			    cell, got);
		if (v[i].scale > top)
			top = v[i].scale;
	}
	ck_assert_int_eq(col.scale, top);
	decimal_sum_init(&sum, col.scale);
	for (i = 0; i < n; i++) {
		__int128 p = v[i].unscaled;

		for (j = v[i].scale; j < col.scale; j++)
			p *= 10;
		plain += p;
		if (decimal_rescale(&v[i], col.scale, &want) != DECIMAL_OK ||
		    want.unscaled != p ||
		    decimal_sum_add(&sum, &want) != DECIMAL_OK)
			ck_abort_msg("seed %#" PRIx64 " round %d: value %d",
			    s0, _i, i);
	}
	ck_assert_msg(sum.total == plain && sum.count == (uint64_t)n,
	    "seed %#" PRIx64 " round %d", s0, _i);
	oracle_text(plain, col.scale, expect, sizeof(expect));
	ck_assert_str_eq(wide_text(sum.total, sum.scale), expect);
}
END_TEST

/* Wide values printed as the independent printing does. */
START_TEST(format_property)
{
	uint64_t s0 = seed(), rg = s0 ^ UINT64_C(0xf0);
	char expect[64];
	int i;

	for (i = 0; i < 20000; i++) {
		__int128 u = (__int128)(((unsigned __int128)next(&rg) << 64) |
		    next(&rg));
		int scale = (int)(next(&rg) % 23);

		if (i % 3 == 1)
			u >>= next(&rg) % 127;		/* shorter ones too */
		oracle_text(u, scale, expect, sizeof(expect));
		if (strcmp(wide_text(u, scale), expect) != 0)
			ck_abort_msg("seed %#" PRIx64 ": %s, not %s", s0,
			    wide_text(u, scale), expect);
	}
}
END_TEST

/* Any bytes, any length: an answer, an offset within the text. */
START_TEST(parse_total)
{
	static const char alphabet[] = "0123456789+-.eE \t,";
	uint64_t s0 = seed(), rg = s0 ^ UINT64_C(0x7a);
	char back[DECIMAL_TEXT_SIZE];
	struct decimal d, e;
	int i;

	for (i = 0; i < 100000; i++) {
		size_t len = (size_t)(next(&rg) % 48), at = 9999, j;
		char *s = malloc(len > 0 ? len : 1);	/* exact: valgrind */
		int err;

		if (s == NULL)
			ck_abort_msg("out of memory");
		for (j = 0; j < len; j++) {
			uint64_t r = next(&rg);

			s[j] = r % 4 == 0 ? (char)(r >> 8) :
			    alphabet[(r >> 8) % (sizeof(alphabet) - 1)];
		}
		err = decimal_parse(s, len, &d, &at);
		if (err == DECIMAL_OK) {
			if (d.scale < 0 || d.scale > DECIMAL_MAX_SCALE ||
			    d.unscaled > DECIMAL_MAX_UNSCALED ||
			    d.unscaled < -DECIMAL_MAX_UNSCALED ||
			    decimal_format(&d, back, sizeof(back)) <= 0 ||
			    decimal_parse(back, strlen(back), &e, NULL) !=
			    DECIMAL_OK || e.unscaled != d.unscaled ||
			    e.scale != d.scale)
				ck_abort_msg("seed %#" PRIx64 ": text %d", s0,
				    i);
		} else if (err >= 0 || err < DECIMAL_ERR_SCALE || at > len) {
			ck_abort_msg("seed %#" PRIx64 ": %d at %zu of %zu", s0,
			    err, at, len);
		}
		free(s);
	}
}
END_TEST

Suite *
make_decimal_suite(void)
{
	Suite *s = suite_create("decimal");
	TCase *tc = tcase_create("exact");

	tcase_add_loop_test(tc, parse_accepts, 0,
	    (int)(sizeof(accepted) / sizeof(accepted[0])));
	tcase_add_loop_test(tc, parse_refuses, 0,
	    (int)(sizeof(refused) / sizeof(refused[0])));
	tcase_add_test(tc, strerror_names_all);
	tcase_add_test(tc, long_input);
	tcase_add_test(tc, sum_exact);
	tcase_add_test(tc, mixed_scales);
	tcase_add_test(tc, column_limits);
	tcase_add_test(tc, rescale);
	tcase_add_test(tc, format);
	tcase_add_test(tc, avg_half_even);
	tcase_add_test(tc, sum_overflow);
	tcase_add_loop_test(tc, sum_property, 0, 300);
	tcase_add_test(tc, format_property);
	tcase_add_test(tc, parse_total);
	suite_add_tcase(s, tc);
	return s;
}
