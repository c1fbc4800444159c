/*
 * test_num.c - the checked integer parser: syntax, bounds, overflow.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <cmocka.h>

#include "num.h"

static void
test_u64_syntax(void **state)
{
	uint64_t v = 7;

	assert_int_equal(num_u64("0", 10, &v), E_OK);
	assert_int_equal(v, 0);
	assert_int_equal(num_u64("0010", 10, &v), E_OK);
	assert_int_equal(v, 10);
	v = 7;
	assert_int_equal(num_u64("", 10, &v), E_INVAL);
	assert_int_equal(num_u64(NULL, 10, &v), E_INVAL);
	assert_int_equal(num_u64(" 1", 10, &v), E_INVAL);
	assert_int_equal(num_u64("1 ", 10, &v), E_INVAL);
	assert_int_equal(num_u64("+1", 10, &v), E_INVAL);
	assert_int_equal(num_u64("-1", 10, &v), E_INVAL);
	assert_int_equal(num_u64("1x", 10, &v), E_INVAL);
	assert_int_equal(num_u64("0x1", 10, &v), E_INVAL);
	assert_int_equal(v, 7);
}

static void
test_u64_range(void **state)
{
	uint64_t v = 7;

	assert_int_equal(num_u64("11", 10, &v), E_TOOBIG);
	assert_int_equal(num_u64("18446744073709551615", UINT64_MAX, &v),
		E_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(num_u64("18446744073709551616", UINT64_MAX, &v),
		E_TOOBIG);
	assert_int_equal(num_u64("99999999999999999999999", UINT64_MAX, &v),
		E_TOOBIG);
	assert_int_equal(num_u64("9999999999999999999999x", UINT64_MAX, &v),
		E_INVAL);
}

static void
test_i64(void **state)
{
	int64_t v = 7;

	assert_int_equal(num_i64("-42", -100, 100, &v), E_OK);
	assert_int_equal(v, -42);
	assert_int_equal(num_i64("9223372036854775807", INT64_MIN, INT64_MAX,
		&v), E_OK);
	assert_true(v == INT64_MAX);
	assert_int_equal(num_i64("9223372036854775808", INT64_MIN, INT64_MAX,
		&v), E_TOOBIG);
	assert_int_equal(num_i64("-9223372036854775808", INT64_MIN, INT64_MAX,
		&v), E_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(num_i64("-9223372036854775809", INT64_MIN, INT64_MAX,
		&v), E_TOOBIG);
	assert_int_equal(num_i64("-", INT64_MIN, INT64_MAX, &v), E_INVAL);
	assert_int_equal(num_i64("--1", INT64_MIN, INT64_MAX, &v), E_INVAL);
	assert_int_equal(num_i64("-1", 0, 5, &v), E_TOOBIG);
	assert_int_equal(num_i64("6", 0, 5, &v), E_TOOBIG);
}

static void
test_int_and_bounded(void **state)
{
	uint64_t u = 0;
	int i = 0;

	assert_int_equal(num_int("2147483647", 0, INT32_MAX, &i), E_OK);
	assert_int_equal(i, INT32_MAX);
	assert_int_equal(num_int("2147483648", 0, INT32_MAX, &i), E_TOOBIG);
	assert_int_equal(num_u64n("123abc", 3, 1000, &u), E_OK);
	assert_int_equal(u, 123);
	assert_int_equal(num_u64n("123abc", 4, 1000, &u), E_INVAL);
	assert_int_equal(num_u64n("", 0, 1000, &u), E_INVAL);
}

static void
test_dec_unit(void **state)
{
	const char *s = "64k";
	uint64_t v = 0;

	assert_int_equal(num_dec(&s, 100, &v), E_OK);
	assert_int_equal(v, 64);
	assert_string_equal(s, "k");
	s = "k";
	assert_int_equal(num_dec(&s, 100, &v), E_INVAL);
	s = "101s";
	assert_int_equal(num_dec(&s, 100, &v), E_TOOBIG);
	assert_string_equal(num_errmsg(E_INVAL), "not a decimal integer");
	assert_string_equal(num_errmsg(E_TOOBIG), "out of range");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_syntax),
		cmocka_unit_test(test_u64_range),
		cmocka_unit_test(test_i64),
		cmocka_unit_test(test_int_and_bounded),
		cmocka_unit_test(test_dec_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
