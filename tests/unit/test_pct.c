/*
 * test_pct.c - the percent-encoder: unreserved bytes kept, '/' kept only
 * when asked, upper-case hex, '%' itself encoded.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pct.h"

static void
test_encode(void **state)
{
	struct buf b = BUF_INIT(0);

	(void)state;
	assert_int_equal(pct_encode(&b, "a b+c/d~e_f-g.h", 15, true), E_OK);
	assert_string_equal(b.data, "a%20b%2Bc/d~e_f-g.h");
	buf_reset(&b);
	assert_int_equal(pct_encode(&b, "dir/", 4, false), E_OK);
	assert_string_equal(b.data, "dir%2F");
	buf_reset(&b);
	/* UTF-8 bytes, upper-case hex; '%' itself is encoded (no double decode) */
	assert_int_equal(pct_encode(&b, "\xc3\xa9%2f=", 6, true), E_OK);
	assert_string_equal(b.data, "%C3%A9%252f%3D");
	buf_reset(&b);
	/* control bytes (a newline would end an HTTP header) */
	assert_int_equal(pct_encode(&b, "/a\nb\x7f", 5, true), E_OK);
	assert_string_equal(b.data, "/a%0Ab%7F");
	buf_release(&b);
}

static void
test_cap(void **state)
{
	struct buf b = BUF_INIT(4);

	(void)state;
	assert_int_not_equal(pct_encode(&b, "\x01\x02", 2, false), E_OK);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
