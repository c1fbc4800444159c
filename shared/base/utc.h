/*
 * utc.h - timestamps as int64 microseconds since the Unix epoch, UTC.
 *
 * Nothing here depends on the process time zone.
 */
#ifndef EMBER_UTC_H
#define EMBER_UTC_H

#include "compat.h"

#include "err.h"

/*
 * Parse s into *usec.  Accepted: ISO 8601 "YYYY-MM-DD[Thh:mm[:ss[.f]]]"
 * with 'T' or ' ' between date and time, an optional fraction (up to 9
 * digits, truncated to microseconds), and an optional zone "Z",
 * "+HH:MM", "-HH:MM", "+HHMM" or "+HH" (no zone = UTC); a date alone
 * means midnight UTC.  Or a plain number: Unix seconds (optionally with
 * a ".fraction"), or Unix milliseconds when the integer has more than 11
 * digits.  Fields are range-checked (month, day of that month including
 * leap years, hour < 24, minute < 60, second <= 60).  E_INVAL otherwise.
 */
MUST_CHECK int utc_parse(const char *s, int64_t *usec);

enum utc_fmt {
	UTC_FMT_Z,	/* 2026-03-11T10:00:00Z or 2026-03-11T10:00:00.123456Z */
	UTC_FMT_NAIVE,	/* 2026-03-11T10:00:00 (seconds only; for file names) */
	UTC_FMT_SQL	/* 2026-03-11 10:00:00.123456, always 6 digits (SQL parameters) */
};

/*
 * Format usec into out.  E_TOOBIG if outlen is too small (32 bytes is
 * always enough), E_INVAL for years outside 0..9999.
 */
MUST_CHECK int utc_format(int64_t usec, enum utc_fmt fmt, char *out, size_t outlen);
/* Wall clock now, microseconds since the epoch. */
int64_t utc_now_usec(void);
/* Monotonic clock in milliseconds (for timeouts and intervals). */
int64_t utc_mono_ms(void);

#endif
