/*
 * test_uuidx.c - UUID generation, validation and normalisation.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "uuidx.h"

static void
test_new(void **state)
{
	char a[37];
	char b[37];
	char h[33];
	size_t i;

	uuidx_new(a);
	uuidx_new(b);
	assert_int_equal(strlen(a), 36);
	assert_true(uuidx_valid(a));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '4');		/* version 4 */
	assert_non_null(strchr("89ab", a[19]));	/* RFC 4122 variant */
	for (i = 0; i < 36; i++)
		assert_false(a[i] >= 'A' && a[i] <= 'F');
	uuidx_new_hex(h);
	assert_int_equal(strlen(h), 32);
	assert_int_equal(strspn(h, "0123456789abcdef"), 32);
}

static void
test_valid(void **state)
{
	static const char *const bad[] = {
		"",
		"123e4567-e89b-12d3-a456-42661417400",		/* short */
		"123e4567-e89b-12d3-a456-4266141740000",	/* long */
		"123e4567e89b-12d3-a456-4266141740000",		/* hyphen missing */
		"123e4567-e89b-12d3-a456_426614174000",		/* wrong separator */
		"123e4567-e89b-12d3-a456-42661417400g",		/* not hex */
		"{123e4567-e89b-12d3-a456-426614174000}",
		" 123e4567-e89b-12d3-a456-426614174000",
		"123e4567-e89b-12d3-a456-426614174000 ",
		"123e4567e89b12d3a456426614174000",		/* bare: not "valid" */
	};
	size_t i;

	assert_true(uuidx_valid("123e4567-e89b-12d3-a456-426614174000"));
	assert_true(uuidx_valid("123E4567-E89B-12D3-A456-426614174000"));
	assert_false(uuidx_valid(NULL));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(uuidx_valid(bad[i]));
}

static void
test_normalize(void **state)
{
	char out[37];

	assert_int_equal(uuidx_normalize("123E4567-E89B-12D3-A456-426614174000", out), E_OK);
	assert_string_equal(out, "123e4567-e89b-12d3-a456-426614174000");
	assert_int_equal(uuidx_normalize("123e4567e89b12d3A456426614174000", out), E_OK);
	assert_string_equal(out, "123e4567-e89b-12d3-a456-426614174000");
	assert_int_equal(uuidx_normalize("123e4567e89b12d3a45642661417400", out), E_INVAL);
	assert_int_equal(uuidx_normalize("123e4567e89b12d3a4564266141740000", out), E_INVAL);
	assert_int_equal(uuidx_normalize("123e4567e89b12d3a45642661417400z", out), E_INVAL);
	assert_int_equal(uuidx_normalize("123e4567-e89b12d3-a456-426614174000", out), E_INVAL);
	assert_int_equal(uuidx_normalize("", out), E_INVAL);
	assert_int_equal(uuidx_normalize(NULL, out), E_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_normalize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
