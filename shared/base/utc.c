/*
 * utc.c - parse and format UTC timestamps without the C library's time
 * zone machinery.
 *
 * Calendar arithmetic uses the days-from-civil / civil-from-days
 * algorithms (proleptic Gregorian calendar, era of 400 years), so the
 * result never depends on TZ, setlocale() or a zoneinfo file, and works
 * for times before 1970 too.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "utc.h"

#define USEC_PER_SEC INT64_C(1000000)
#define SEC_PER_DAY INT64_C(86400)

/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31). */
static int64_t
utc_days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	int64_t yoe;
	int64_t doy;
	int64_t doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil date of day z counted from 1970-01-01. */
static void
utc_civil_from_days(int64_t z, int64_t *yp, int *mp, int *dp)
{
	int64_t era;
	int64_t doe;
	int64_t yoe;
	int64_t doy;
	int64_t mp0;
	int64_t y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp0 = (5 * doy + 2) / 153;
	*dp = (int)(doy - (153 * mp0 + 2) / 5 + 1);
	*mp = (int)(mp0 < 10 ? mp0 + 3 : mp0 - 9);
	*yp = y + (*mp <= 2);
}

/* True for Gregorian leap years. */
static bool
utc_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Number of days in month m of year y. */
static int
utc_month_days(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && utc_is_leap(y))
		return 29;
	return days[m - 1];
}

/*
 * Read exactly n decimal digits at *sp into *out and advance; false if
 * any of them is not a digit.
 */
static bool
utc_digits(const char **sp, int n, int *out)
{
	const char *s = *sp;
	int v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	*sp = s + n;
	return true;
}

/*
 * Parse a plain number: Unix seconds (optionally with a fraction), or
 * Unix milliseconds when the integer has more than 11 digits.
 */
static int
utc_parse_number(const char *s, int64_t *usec)
{
	int64_t v = 0;
	int64_t frac = 0;
	int64_t scale = USEC_PER_SEC / 10;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '9'; n++) {
		if (n >= 18)
			return E_INVAL;
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0)
		return E_INVAL;
	s += n;
	if (n > 11) {
		if (*s != '\0')
			return E_INVAL;
		if (v > INT64_MAX / 1000)
			return E_INVAL;
		*usec = v * 1000;
		return E_OK;
	}
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return E_INVAL;
		for (; *s >= '0' && *s <= '9'; s++) {
			frac += (*s - '0') * scale;
			scale /= 10;
		}
	}
	if (*s != '\0')
		return E_INVAL;
	*usec = v * USEC_PER_SEC + frac;
	return E_OK;
}

/* Parse ISO 8601 or a Unix number; see utc.h for the accepted forms. */
int
utc_parse(const char *s, int64_t *usec)
{
	int year;
	int mon;
	int day;
	int hour = 0;
	int min = 0;
	int sec = 0;
	int oh = 0;
	int om = 0;
	int sign;
	int64_t frac = 0;
	int64_t scale = USEC_PER_SEC / 10;
	int64_t secs;
	int ndig;

	if (s == NULL || *s == '\0')
		return E_INVAL;
	if (strlen(s) > 64)
		return E_INVAL;
	if (s[strspn(s, "0123456789")] != '-')
		return utc_parse_number(s, usec);
	if (!utc_digits(&s, 4, &year) || *s++ != '-')
		return E_INVAL;
	if (!utc_digits(&s, 2, &mon) || *s++ != '-')
		return E_INVAL;
	if (!utc_digits(&s, 2, &day))
		return E_INVAL;
	if (mon < 1 || mon > 12 || day < 1 || day > utc_month_days(year, mon))
		return E_INVAL;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (!utc_digits(&s, 2, &hour) || *s++ != ':')
			return E_INVAL;
		if (!utc_digits(&s, 2, &min))
			return E_INVAL;
		if (*s == ':') {
			s++;
			if (!utc_digits(&s, 2, &sec))
				return E_INVAL;
			if (*s == '.' || *s == ',') {
				s++;
				for (ndig = 0; *s >= '0' && *s <= '9'; ndig++, s++) {
					frac += (*s - '0') * scale;
					scale /= 10;
				}
				if (ndig == 0 || ndig > 9)
					return E_INVAL;
			}
		}
		if (hour > 23 || min > 59 || sec > 60)
			return E_INVAL;
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			sign = *s++ == '-' ? -1 : 1;
			if (!utc_digits(&s, 2, &oh))
				return E_INVAL;
			if (*s == ':') {
				s++;
				if (!utc_digits(&s, 2, &om))
					return E_INVAL;
			} else if (*s >= '0' && *s <= '9') {
				if (!utc_digits(&s, 2, &om))
					return E_INVAL;
			}
			if (oh > 23 || om > 59)
				return E_INVAL;
			oh *= sign;
			om *= sign;
		}
	}
	if (*s != '\0')
		return E_INVAL;
	secs = utc_days_from_civil(year, mon, day) * SEC_PER_DAY +
		hour * 3600 + min * 60 + sec - (oh * 3600 + om * 60);
	*usec = secs * USEC_PER_SEC + frac;
	return E_OK;
}

/* Format usec in one of the three layouts. */
int
utc_format(int64_t usec, enum utc_fmt fmt, char *out, size_t outlen)
{
	int64_t secs;
	int64_t frac;
	int64_t days;
	int64_t rem;
	int64_t year;
	int mon;
	int day;
	int hh;
	int mm;
	int ss;
	int n;

	secs = usec / USEC_PER_SEC;
	frac = usec % USEC_PER_SEC;
	if (frac < 0) {
		frac += USEC_PER_SEC;
		secs--;
	}
	days = secs / SEC_PER_DAY;
	rem = secs % SEC_PER_DAY;
	if (rem < 0) {
		rem += SEC_PER_DAY;
		days--;
	}
	utc_civil_from_days(days, &year, &mon, &day);
	if (year < 0 || year > 9999)
		return E_INVAL;
	hh = (int)(rem / 3600);
	mm = (int)(rem / 60 % 60);
	ss = (int)(rem % 60);
	switch (fmt) {
	case UTC_FMT_Z:
		if (frac)
			n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
				(int)year, mon, day, hh, mm, ss, (int)frac);
		else
			n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ",
				(int)year, mon, day, hh, mm, ss);
		break;
	case UTC_FMT_NAIVE:
		n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d",
			(int)year, mon, day, hh, mm, ss);
		break;
	case UTC_FMT_SQL:
		n = snprintf(out, outlen, "%04d-%02d-%02d %02d:%02d:%02d.%06d",
			(int)year, mon, day, hh, mm, ss, (int)frac);
		break;
	default:
		return E_INVAL;
	}
	if (n < 0 || (size_t)n >= outlen)
		return E_TOOBIG;
	return E_OK;
}

/* The wall clock in microseconds. */
int64_t
utc_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* The monotonic clock in milliseconds. */
int64_t
utc_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
