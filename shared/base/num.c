/*
 * num.c - checked decimal integer parsing.
 *
 * Note that overflow is tested before each multiply-add, so no value
 * ever wraps; the magnitude of a negative number is parsed as unsigned
 * and compared with -(INT64_MIN) without forming it as a signed value.
 */
#include "compat.h"

#include "num.h"

/* Digits at *sp into *out (no range check beyond uint64). */
static int
num_digits(const char **sp, const char *end, uint64_t *out)
{
	const char *p = *sp;
	uint64_t v = 0;
	bool big = false;

	if (p == end || *p < '0' || *p > '9')
		return E_INVAL;
	for (; p != end && *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			big = true;
		else
			v = v * 10 + d;
	}
	*sp = p;
	if (big)
		return E_TOOBIG;
	*out = v;
	return E_OK;
}

/* Digits with a following unit. */
int
num_dec(const char **sp, uint64_t max, uint64_t *out)
{
	const char *p = *sp;
	uint64_t v;
	int err = num_digits(&p, NULL, &v);

	if (err == E_INVAL)
		return err;
	*sp = p;
	if (err || v > max)
		return E_TOOBIG;
	*out = v;
	return E_OK;
}

/* Bounded bytes as unsigned. */
int
num_u64n(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	const char *p = s, *end = s + n;
	uint64_t v;
	int err;

	if (!s)
		return E_INVAL;
	err = num_digits(&p, end, &v);
	if (err == E_INVAL || p != end)
		return E_INVAL;
	if (err || v > max)
		return E_TOOBIG;
	*out = v;
	return E_OK;
}

/* A whole string as unsigned. */
int
num_u64(const char *s, uint64_t max, uint64_t *out)
{
	const char *p = s;
	uint64_t v;
	int err;

	if (!s)
		return E_INVAL;
	err = num_digits(&p, NULL, &v);
	if (err == E_INVAL || *p)
		return E_INVAL;
	if (err || v > max)
		return E_TOOBIG;
	*out = v;
	return E_OK;
}

/* A whole string as signed. */
int
num_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	uint64_t mag;
	int64_t v;
	bool neg;
	int err;

	if (!s)
		return E_INVAL;
	neg = *s == '-';
	err = num_u64(s + neg, UINT64_MAX, &mag);
	if (err)
		return err;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return E_TOOBIG;
		v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return E_TOOBIG;
		v = (int64_t)mag;
	}
	if (v < min || v > max)
		return E_TOOBIG;
	*out = v;
	return E_OK;
}

/* A whole string as int. */
int
num_int(const char *s, int min, int max, int *out)
{
	int64_t v;
	int err = num_i64(s, min, max, &v);

	if (!err)
		*out = (int)v;
	return err;
}

/* Error text. */
const char *
num_errmsg(int err)
{
	switch (err) {
	case E_INVAL:
		return "not a decimal integer";
	case E_TOOBIG:
		return "out of range";
	default:
		return err_str(err);
	}
}
