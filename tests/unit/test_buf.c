/*
 * test_buf.c - growable capped buffers: caps hit exactly, detach, formats.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

static void
test_empty_is_terminated(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	buf_release(&b);
	assert_string_equal(b.data, "");
}

static void
test_append_and_format(void **state)
{
	struct buf b = BUF_INIT(0);

	assert_int_equal(buf_addstr(&b, "abc"), E_OK);
	assert_int_equal(buf_addch(&b, '-'), E_OK);
	assert_int_equal(buf_addf(&b, "%d/%s", 42, "x"), E_OK);
	assert_string_equal(b.data, "abc-42/x");
	assert_int_equal(b.len, 8);
	buf_truncate(&b, 3);
	assert_string_equal(b.data, "abc");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_release(&b);
}

static void
test_cap_exact(void **state)
{
	struct buf b;

	buf_init(&b, 4);
	assert_int_equal(buf_add(&b, "abcd", 4), E_OK);	/* exactly the cap */
	assert_int_equal(buf_addch(&b, 'e'), E_TOOBIG);	/* one past it */
	assert_string_equal(b.data, "abcd");		/* unchanged */
	buf_reset(&b);
	assert_int_equal(buf_addf(&b, "%s", "abcde"), E_TOOBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_addf(&b, "%s", "abc"), E_OK);
	buf_release(&b);
}

static void
test_grow_large(void **state)
{
	struct buf b = BUF_INIT(0);
	char chunk[1000];
	size_t i;

	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_add(&b, chunk, sizeof(chunk)), E_OK);
	assert_int_equal(b.len, 1000000);
	assert_int_equal(b.data[b.len], '\0');
	buf_release(&b);
}

static void
test_detach(void **state)
{
	struct buf b = BUF_INIT(0);
	size_t len;
	char *p;

	p = buf_detach(&b, &len);	/* empty buffer still gives a heap string */
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
	assert_int_equal(buf_addstr(&b, "hello"), E_OK);
	p = buf_detach(&b, &len);
	assert_string_equal(p, "hello");
	assert_int_equal(len, 5);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	free(p);
}

static void
test_overflow_length(void **state)
{
	struct buf b = BUF_INIT(0);

	assert_int_equal(buf_addch(&b, 'a'), E_OK);
	assert_int_equal(buf_grow(&b, SIZE_MAX), E_TOOBIG);
	buf_release(&b);
}

/* The uncapped API appends without a return value. */
static void
test_put_uncapped(void **state)
{
	struct buf b = BUF_INIT(0);
	int i;

	buf_puts(&b, "ab");
	buf_putc(&b, '-');
	buf_putf(&b, "%d", 7);
	buf_put(&b, "xyz", 2);
	assert_string_equal(b.data, "ab-7xy");
	for (i = 0; i < 1000; i++)
		buf_putc(&b, 'z');
	assert_int_equal(b.len, 1006);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_terminated),
		cmocka_unit_test(test_append_and_format),
		cmocka_unit_test(test_cap_exact),
		cmocka_unit_test(test_grow_large),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_overflow_length),
		cmocka_unit_test(test_put_uncapped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
