/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decimal.c: exact decimals (see decimal.h): the plain form parsed,
 * rescaled, summed in 128 bits, averaged half to even and printed, with
 * integers only.
 */
#include "config.h"

#include "decimal.h"

#define U128_MAX	(~(unsigned __int128)0)
#define I128_MAX	((__int128)(U128_MAX >> 1))

static const int64_t tens[DECIMAL_MAX_SCALE + 1] = {
	INT64_C(1), INT64_C(10), INT64_C(100), INT64_C(1000),
	INT64_C(10000), INT64_C(100000), INT64_C(1000000),
	INT64_C(10000000), INT64_C(100000000), INT64_C(1000000000),
	INT64_C(10000000000), INT64_C(100000000000),
	INT64_C(1000000000000), INT64_C(10000000000000),
	INT64_C(100000000000000), INT64_C(1000000000000000),
	INT64_C(10000000000000000), INT64_C(100000000000000000),
	INT64_C(1000000000000000000),
};

/* What parse_digits has read so far. */
struct digits {
	uint64_t u;		/* the unscaled magnitude */
	int	n;		/* its digits, leading zeros not counted */
	int	scale;
};

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static uint64_t
mag64(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static unsigned __int128
mag128(__int128 v)
{
	return v < 0 ? (unsigned __int128)0 - (unsigned __int128)v :
	    (unsigned __int128)v;
}

static int
ndigits(uint64_t m)
{
	int n = 0;

	for (; m != 0; m /= 10)
		n++;
	return n;
}

/*
 * The error of s[i], where a digit (after_digit 0) or a digit, a point
 * or the end (after_digit 1) was expected.
 */
static int
bad_char(const char *s, size_t len, size_t i, int after_digit)
{
	unsigned char c;

	if (i == len)
		return DECIMAL_ERR_NO_DIGITS;
	c = (unsigned char)s[i];
	if (is_space(c))
		return DECIMAL_ERR_SPACE;
	if (c == '.' && !after_digit)
		return DECIMAL_ERR_NO_DIGITS;
	if ((c == 'e' || c == 'E') && after_digit)
		return DECIMAL_ERR_EXPONENT;
	return DECIMAL_ERR_SYNTAX;
}

/* Read the run of digits at s[*i], as decimals when fraction is set. */
static int
parse_digits(const char *s, size_t len, size_t *i, struct digits *d,
    int fraction)
{
	for (; *i < len && is_digit((unsigned char)s[*i]); (*i)++) {
		unsigned d1 = (unsigned)(s[*i] - '0');

		if (fraction && ++d->scale > DECIMAL_MAX_SCALE)
			return DECIMAL_ERR_SCALE;
		if ((d->u != 0 || d1 != 0) && ++d->n > DECIMAL_MAX_DIGITS)
			return DECIMAL_ERR_DIGITS;
		d->u = d->u * 10 + d1;
	}
	return DECIMAL_OK;
}

int
decimal_parse(const char *s, size_t len, struct decimal *out, size_t *at)
{
	struct digits d = { 0, 0, 0 };
	size_t i = 0;
	int neg = 0, err;

	if (len == 0) {
		err = DECIMAL_ERR_EMPTY;
		goto fail;
	}
	if (s[0] == '+' || s[0] == '-')
		neg = s[i++] == '-';
	if (i == len || !is_digit((unsigned char)s[i])) {
		err = bad_char(s, len, i, 0);
		goto fail;
	}
	if ((err = parse_digits(s, len, &i, &d, 0)) != DECIMAL_OK)
		goto fail;
	if (i < len && s[i] == '.') {
		i++;
		if (i == len || !is_digit((unsigned char)s[i])) {
			err = bad_char(s, len, i, 0);
			goto fail;
		}
		if ((err = parse_digits(s, len, &i, &d, 1)) != DECIMAL_OK)
			goto fail;
	}
	if (i < len) {
		err = bad_char(s, len, i, 1);
		goto fail;
	}
	out->unscaled = neg ? -(int64_t)d.u : (int64_t)d.u;
	out->scale = d.scale;
	return DECIMAL_OK;
fail:
	if (at != NULL)
		*at = i;
	return err;
}

const char *
decimal_strerror(int err)
{
	switch (err) {
	case DECIMAL_OK:
		return "no error";
	case DECIMAL_ERR_EMPTY:
		return "an empty cell is not a number";
	case DECIMAL_ERR_SYNTAX:
		return "not a number (only [+-]digits[.digits])";
	case DECIMAL_ERR_NO_DIGITS:
		return "a sign or point without a digit";
	case DECIMAL_ERR_SPACE:
		return "white space in or around a number";
	case DECIMAL_ERR_EXPONENT:
		return "an exponent (write the number out)";
	case DECIMAL_ERR_DIGITS:
		return "more than 18 digits";
	case DECIMAL_ERR_SCALE:
		return "more than 18 decimals";
	case DECIMAL_ERR_RANGE:
		return "more than 18 digits at the column's scale";
	case DECIMAL_ERR_INEXACT:
		return "digits would be lost at the smaller scale";
	case DECIMAL_ERR_OVERFLOW:
		return "the sum overflows 128 bits";
	case DECIMAL_ERR_NO_VALUES:
		return "an average of no values";
	default:
		return "unknown decimal error";
	}
}

int
decimal_rescale(const struct decimal *v, int new_scale, struct decimal *out)
{
	int64_t u = v->unscaled, p;

	if (new_scale < 0 || new_scale > DECIMAL_MAX_SCALE ||
	    v->scale < 0 || v->scale > DECIMAL_MAX_SCALE)
		return DECIMAL_ERR_SCALE;
	if (new_scale >= v->scale) {
		p = tens[new_scale - v->scale];
		if (mag64(u) > (uint64_t)(DECIMAL_MAX_UNSCALED / p))
			return DECIMAL_ERR_RANGE;
		u *= p;
	} else {
		p = tens[v->scale - new_scale];
		if (u % p != 0)
			return DECIMAL_ERR_INEXACT;
		u /= p;
	}
	out->unscaled = u;
	out->scale = new_scale;
	return DECIMAL_OK;
}

void
decimal_column_init(struct decimal_column *c)
{
	c->scale = 0;
	c->int_digits = 0;
}

int
decimal_column_add(struct decimal_column *c, const struct decimal *v)
{
	int digits = ndigits(mag64(v->unscaled)) - v->scale;
	int scale = v->scale > c->scale ? v->scale : c->scale;

	if (digits < c->int_digits)
		digits = c->int_digits;
	if (v->scale < 0 || digits + scale > DECIMAL_MAX_DIGITS)
		return DECIMAL_ERR_RANGE;
	c->scale = scale;
	c->int_digits = digits;
	return DECIMAL_OK;
}

void
decimal_sum_init(struct decimal_sum *sum, int scale)
{
	sum->total = 0;
	sum->count = 0;
	sum->scale = scale;
}

int
decimal_sum_add(struct decimal_sum *sum, const struct decimal *v)
{
	__int128 t;

	if (v->scale != sum->scale)
		return DECIMAL_ERR_SCALE;
	if (sum->count == UINT64_MAX ||
	    __builtin_add_overflow(sum->total, (__int128)v->unscaled, &t))
		return DECIMAL_ERR_OVERFLOW;
	sum->total = t;
	sum->count++;
	return DECIMAL_OK;
}

int
decimal_sum_merge(struct decimal_sum *sum, const struct decimal_sum *from)
{
	__int128 t;
	uint64_t n;

	if (from->scale != sum->scale)
		return DECIMAL_ERR_SCALE;
	if (__builtin_add_overflow(sum->count, from->count, &n) ||
	    __builtin_add_overflow(sum->total, from->total, &t))
		return DECIMAL_ERR_OVERFLOW;
	sum->total = t;
	sum->count = n;
	return DECIMAL_OK;
}

void
decimal_sum_total(const struct decimal_sum *sum, struct decimal_wide *out)
{
	out->unscaled = sum->total;
	out->scale = sum->scale;
}

int
decimal_avg(const struct decimal_sum *sum, struct decimal_wide *out)
{
	const unsigned __int128 k = (unsigned __int128)tens[DECIMAL_AVG_EXTRA];
	unsigned __int128 m = mag128(sum->total), n = sum->count, q, f, r;

	if (sum->count == 0)
		return DECIMAL_ERR_NO_VALUES;
	/*
	 * |total| * 10^4 / count, without the product (which could pass
	 * 128 bits): the quotient's part and the remainder's part apart.
	 * The remainder is under count < 2^64, so r * 10^4 fits.
	 */
	q = m / n;
	f = (m % n) * k;
	if (q > U128_MAX / k)
		return DECIMAL_ERR_OVERFLOW;
	q = q * k + f / n;
	r = f % n;
	/* Half to even: up past the half, and at the half when q is odd. */
	if (2 * r > n || (2 * r == n && (q & 1) != 0))
		q++;
	if (q > (unsigned __int128)I128_MAX)
		return DECIMAL_ERR_OVERFLOW;
	out->unscaled = sum->total < 0 ? -(__int128)q : (__int128)q;
	out->scale = sum->scale + DECIMAL_AVG_EXTRA;
	return DECIMAL_OK;
}

/* The text of (neg ? -m : m) / 10^scale into buf[0..size). */
static int
format_mag(int neg, unsigned __int128 m, int scale, char *buf, size_t size)
{
	char digits[DECIMAL_TEXT_SIZE];
	int n = 0, len, i;
	char *p = buf;

	/* Least significant first, at least one before the point. */
	do {
		digits[n++] = (char)('0' + (int)(m % 10));
		m /= 10;
	} while (m != 0 || n <= scale);
	len = (neg ? 1 : 0) + n + (scale > 0 ? 1 : 0);
	if ((size_t)len >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	if (neg)
		*p++ = '-';
	for (i = n - 1; i >= 0; i--) {
		*p++ = digits[i];
		if (i == scale && scale > 0)
			*p++ = '.';
	}
	*p = '\0';
	return len;
}

int
decimal_format(const struct decimal *v, char *buf, size_t size)
{
	if (v->scale < 0 || v->scale > DECIMAL_MAX_SCALE) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return format_mag(v->unscaled < 0, mag64(v->unscaled), v->scale, buf,
	    size);
}

int
decimal_format_wide(const struct decimal_wide *v, char *buf, size_t size)
{
	if (v->scale < 0 || v->scale > DECIMAL_MAX_SCALE + DECIMAL_AVG_EXTRA) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return format_mag(v->unscaled < 0, mag128(v->unscaled), v->scale, buf,
	    size);
}
