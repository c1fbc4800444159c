/*
 * test_arena.c - bump allocation: alignment, big blocks, reset.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <cmocka.h>

#include "arena.h"

static void
test_alignment_and_copies(void **state)
{
	struct arena a;
	char *s;
	void *p;
	int i;

	arena_init(&a, 256);
	for (i = 1; i < 100; i++) {
		p = arena_alloc(&a, (size_t)i);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, 0xaa, (size_t)i);
	}
	s = arena_strdup(&a, "hello");
	assert_string_equal(s, "hello");
	s = arena_memdupz(&a, "abcdef", 3);
	assert_string_equal(s, "abc");
	s = arena_printf(&a, "%s-%d", "x", 7);
	assert_string_equal(s, "x-7");
	arena_release(&a);
}

static void
test_big_block_keeps_small_chunk(void **state)
{
	struct arena a;
	char *small1;
	char *big;
	char *small2;

	arena_init(&a, 1024);
	small1 = arena_alloc(&a, 16);
	big = arena_alloc(&a, 100000);
	memset(big, 1, 100000);
	small2 = arena_alloc(&a, 16);
	/* the small allocations still come from the same chunk */
	assert_int_equal(small2 - small1, 16);
	assert_true(a.used >= 100032);
	arena_reset(&a);
	assert_int_equal(a.used, 0);
	assert_null(a.head);
	arena_release(&a);
}

static void
test_zalloc_and_zero_size(void **state)
{
	struct arena a;
	unsigned char *p;
	size_t i;

	arena_init(&a, 0);
	p = arena_zalloc(&a, 64);
	for (i = 0; i < 64; i++)
		assert_int_equal(p[i], 0);
	assert_non_null(arena_alloc(&a, 0));
	arena_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_copies),
		cmocka_unit_test(test_big_block_keeps_small_chunk),
		cmocka_unit_test(test_zalloc_and_zero_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
