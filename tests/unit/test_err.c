/*
 * test_err.c - error texts, retry classes and HTTP statuses.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"

static void
test_every_code_has_text(void **state)
{
	int e;

	for (e = 0; e < E__COUNT; e++) {
		assert_non_null(err_str(e));
		assert_true(strlen(err_str(e)) > 0);
		assert_true(err_http_status(e) >= 200);
	}
	assert_string_equal(err_str(-1), "unknown error");
	assert_string_equal(err_str(E__COUNT), "unknown error");
}

static void
test_retry_classes(void **state)
{
	assert_true(err_retryable(E_DB));
	assert_true(err_retryable(E_HTTP));
	assert_true(err_retryable(E_THROTTLED));
	assert_true(err_retryable(E_TIMEOUT));
	assert_false(err_retryable(E_OK));
	assert_false(err_retryable(E_INVAL));
	assert_false(err_retryable(E_TOOBIG));
	assert_false(err_retryable(E_PROTO));
	assert_false(err_retryable(E__COUNT));
}

static void
test_http_statuses(void **state)
{
	assert_int_equal(err_http_status(E_INVAL), 400);
	assert_int_equal(err_http_status(E_TOOBIG), 413);
	assert_int_equal(err_http_status(E_NOTFOUND), 404);
	assert_int_equal(err_http_status(E_AUTH), 401);
	assert_int_equal(err_http_status(E_FORBIDDEN), 403);
	assert_int_equal(err_http_status(E_DB), 503);
	assert_int_equal(err_http_status(99), 500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_text),
		cmocka_unit_test(test_retry_classes),
		cmocka_unit_test(test_http_statuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
