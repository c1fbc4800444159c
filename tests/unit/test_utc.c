/*
 * test_utc.c - ISO 8601 / Unix parsing, range checks, leap days,
 * formatting, and independence from TZ.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "utc.h"

#define SEC INT64_C(1000000)
/* 2026-03-11T10:00:00Z */
#define T0 (INT64_C(1773223200) * SEC)

/* Parse s and assert success; return the value. */
static int64_t
ok(const char *s)
{
	int64_t v = -1;

	assert_int_equal(utc_parse(s, &v), E_OK);
	return v;
}

static void
test_iso_forms(void **state)
{
	assert_int_equal(ok("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(ok("2026-03-11T10:00:00Z"), T0);
	assert_int_equal(ok("2026-03-11T10:00:00"), T0);	/* naive = UTC */
	assert_int_equal(ok("2026-03-11 10:00:00"), T0);
	assert_int_equal(ok("2026-03-11t10:00:00z"), T0);
	assert_int_equal(ok("2026-03-11T10:00Z"), T0);		/* no seconds */
	assert_int_equal(ok("2026-03-11"), T0 - 10 * 3600 * SEC);
	assert_int_equal(ok("2026-03-11T10:00:00.123456Z"), T0 + 123456);
	assert_int_equal(ok("2026-03-11T10:00:00.5"), T0 + 500000);
	assert_int_equal(ok("2026-03-11T10:00:00,25Z"), T0 + 250000);
	assert_int_equal(ok("2026-03-11T10:00:00.123456789Z"), T0 + 123456);	/* truncated */
	assert_int_equal(ok("1969-12-31T23:59:59Z"), -SEC);
	assert_int_equal(ok("1969-12-31T23:59:59.5Z"), -SEC / 2);
	assert_int_equal(ok("0001-01-01T00:00:00Z"), INT64_C(-62135596800) * SEC);
	assert_int_equal(ok("9999-12-31T23:59:59Z"), INT64_C(253402300799) * SEC);
}

static void
test_offsets(void **state)
{
	assert_int_equal(ok("2026-03-11T12:00:00+02:00"), T0);
	assert_int_equal(ok("2026-03-11T12:00:00+0200"), T0);
	assert_int_equal(ok("2026-03-11T12:00:00+02"), T0);
	assert_int_equal(ok("2026-03-11T04:30:00-05:30"), T0);
	assert_int_equal(ok("2026-03-11T10:00:00+00:00"), T0);
	assert_int_equal(ok("2026-03-11T10:00:00-00:00"), T0);
	assert_int_equal(ok("2026-03-11 10:00:00.25+00"), T0 + 250000);	/* PostgreSQL text */
	/* An offset that crosses midnight and a year boundary. */
	assert_int_equal(ok("2026-01-01T01:00:00+02:00"), ok("2025-12-31T23:00:00Z"));
}

static void
test_leap_days_and_ranges(void **state)
{
	int64_t v;
	static const char *const bad[] = {
		"2025-02-29T00:00:00Z",	/* not a leap year */
		"1900-02-29",		/* divisible by 100 */
		"2026-04-31",
		"2026-13-01",
		"2026-00-10",
		"2026-01-00",
		"2026-01-32",
		"2026-03-11T24:00:00Z",
		"2026-03-11T10:60:00Z",
		"2026-03-11T10:00:61Z",
		"2026-03-11T10:00:00+24:00",
		"2026-03-11T10:00:00+02:60",
		"2026-03-11T10:00:00+2",
		"2026-03-11T10:00:00+02:0",
		"2026-03-11T10:00:00.Z",
		"2026-03-11T10:00:00.1234567890Z",
		"2026-03-11T10:00:00ZZ",
		"2026-03-11T10:00:00 ",
		" 2026-03-11T10:00:00",
		"2026-3-11",
		"2026-03-11T1:00:00",
		"2026-03-11T10",
		"2026-03-11X10:00:00",
		"26-03-11",
		"",
		"abc",
		"-5",
		"12.",
		"12x",
		"1e9",
	};
	size_t i;

	assert_int_equal(ok("2024-02-29T12:00:00Z") - ok("2024-02-28T12:00:00Z"), 86400 * SEC);
	assert_int_equal(ok("2024-03-01") - ok("2024-02-28"), 2 * 86400 * SEC);
	assert_int_equal(ok("2000-02-29"), INT64_C(951782400) * SEC);	/* divisible by 400 */
	assert_int_equal(ok("2016-12-31T23:59:60Z"), ok("2017-01-01T00:00:00Z"));	/* leap second */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 42;
		assert_int_equal(utc_parse(bad[i], &v), E_INVAL);
		assert_int_equal(v, 42);
	}
	assert_int_equal(utc_parse(NULL, &v), E_INVAL);
}

static void
test_unix_numbers(void **state)
{
	int64_t v;

	assert_int_equal(ok("0"), 0);
	assert_int_equal(ok("1773223200"), T0);
	assert_int_equal(ok("1773223200.5"), T0 + 500000);
	assert_int_equal(ok("1773223200123"), T0 + 123000);	/* milliseconds */
	assert_int_equal(ok("1234"), 1234 * SEC);		/* 4 digits, no '-' */
	assert_int_equal(utc_parse("1773223200123.5", &v), E_INVAL);
	assert_int_equal(utc_parse("9999999999999999999999", &v), E_INVAL);
}

static void
test_format(void **state)
{
	char out[40];
	char tiny[20];

	assert_int_equal(utc_format(T0, UTC_FMT_Z, out, sizeof(out)), E_OK);
	assert_string_equal(out, "2026-03-11T10:00:00Z");
	assert_int_equal(utc_format(T0 + 123456, UTC_FMT_Z, out, sizeof(out)), E_OK);
	assert_string_equal(out, "2026-03-11T10:00:00.123456Z");
	assert_int_equal(utc_format(T0 + 1, UTC_FMT_Z, out, sizeof(out)), E_OK);
	assert_string_equal(out, "2026-03-11T10:00:00.000001Z");
	assert_int_equal(utc_format(T0 + 999999, UTC_FMT_NAIVE, out, sizeof(out)), E_OK);
	assert_string_equal(out, "2026-03-11T10:00:00");
	assert_int_equal(utc_format(T0 + 123456, UTC_FMT_SQL, out, sizeof(out)), E_OK);
	assert_string_equal(out, "2026-03-11 10:00:00.123456");
	assert_int_equal(utc_format(T0, UTC_FMT_SQL, out, sizeof(out)), E_OK);
	assert_string_equal(out, "2026-03-11 10:00:00.000000");
	assert_int_equal(utc_format(-1, UTC_FMT_Z, out, sizeof(out)), E_OK);
	assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
	assert_int_equal(utc_format(ok("2024-02-29T23:59:59Z"), UTC_FMT_Z, out, sizeof(out)), E_OK);
	assert_string_equal(out, "2024-02-29T23:59:59Z");
	assert_int_equal(utc_format(T0, UTC_FMT_Z, tiny, 20), E_TOOBIG);	/* needs 21 */
	assert_int_equal(utc_format(T0, UTC_FMT_Z, tiny, 0), E_TOOBIG);
	assert_int_equal(utc_format(INT64_C(253402300800) * SEC, UTC_FMT_Z, out, sizeof(out)),
		E_INVAL);	/* year 10000 */
	assert_int_equal(utc_format(INT64_MIN, UTC_FMT_Z, out, sizeof(out)), E_INVAL);
	assert_int_equal(utc_format(INT64_MAX, UTC_FMT_Z, out, sizeof(out)), E_INVAL);
}

static void
test_roundtrip_every_day(void **state)
{
	char out[40];
	int64_t t;
	int64_t day = 86400 * SEC;

	/* 1968..2032 day by day, with an odd time of day. */
	for (t = ok("1968-01-01T13:14:15.000016Z"); t < ok("2032-12-31"); t += day) {
		assert_int_equal(utc_format(t, UTC_FMT_Z, out, sizeof(out)), E_OK);
		assert_int_equal(ok(out), t);
		assert_int_equal(utc_format(t, UTC_FMT_SQL, out, sizeof(out)), E_OK);
		assert_int_equal(ok(out), t);
	}
}

static void
test_tz_independent(void **state)
{
	char out[40];

	setenv("TZ", "America/New_York", 1);
	tzset();
	assert_int_equal(ok("2026-03-11T10:00:00"), T0);
	assert_int_equal(utc_format(T0, UTC_FMT_NAIVE, out, sizeof(out)), E_OK);
	assert_string_equal(out, "2026-03-11T10:00:00");
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	assert_int_equal(ok("2026-03-11 10:00:00"), T0);
	unsetenv("TZ");
	tzset();
}

static void
test_clocks(void **state)
{
	int64_t now = utc_now_usec();
	int64_t m1 = utc_mono_ms();
	int64_t m2;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	assert_true(now > ok("2024-01-01"));
	assert_true(now < ok("2100-01-01"));
	nanosleep(&ts, NULL);
	m2 = utc_mono_ms();
	assert_true(m2 - m1 >= 19);
	assert_true(m2 - m1 < 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_forms),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_leap_days_and_ranges),
		cmocka_unit_test(test_unix_numbers),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_roundtrip_every_day),
		cmocka_unit_test(test_tz_independent),
		cmocka_unit_test(test_clocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
