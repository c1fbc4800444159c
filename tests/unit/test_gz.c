/*
 * test_gz.c - gzip/zlib: round trips, concatenated members, caps hit
 * exactly, bombs, truncation, corruption and garbage.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zlib.h>

#include "gz.h"

/* Deterministic, poorly compressible bytes. */
static void
fill_noise(unsigned char *p, size_t n)
{
	uint32_t x = 2463534242u;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
}

static void
test_roundtrip(void **state)
{
	struct buf z = BUF_INIT(0);
	struct buf out = BUF_INIT(0);
	unsigned char *raw = malloc(300000);
	int level;

	fill_noise(raw, 300000);
	memset(raw + 100000, 'a', 100000);
	for (level = -1; level <= 9; level += 5) {
		buf_reset(&z);
		buf_reset(&out);
		assert_int_equal(gz_deflate(raw, 300000, level, &z), E_OK);
		assert_true(gz_is_gzip(z.data, z.len));
		assert_int_equal(gz_inflate(z.data, z.len, 300000, &out), E_OK);	/* cap exactly */
		assert_int_equal(out.len, 300000);
		assert_memory_equal(out.data, raw, 300000);
		assert_int_equal(out.data[out.len], '\0');
	}
	buf_reset(&z);
	assert_int_equal(gz_deflate(raw, 10, 10, &z), E_INVAL);
	assert_int_equal(gz_deflate(raw, 10, -2, &z), E_INVAL);
	/* Empty content is a valid gzip member. */
	assert_int_equal(gz_deflate("", 0, -1, &z), E_OK);
	buf_reset(&out);
	assert_int_equal(gz_inflate(z.data, z.len, 0, &out), E_OK);
	assert_int_equal(out.len, 0);
	free(raw);
	buf_release(&z);
	buf_release(&out);
}

static void
test_cap_exact_and_one_over(void **state)
{
	struct buf z = BUF_INIT(0);
	struct buf out = BUF_INIT(0);
	char raw[1000];

	memset(raw, 'x', sizeof(raw));
	assert_int_equal(gz_deflate(raw, sizeof(raw), 6, &z), E_OK);
	assert_int_equal(gz_inflate(z.data, z.len, 1000, &out), E_OK);
	assert_int_equal(out.len, 1000);
	buf_reset(&out);
	assert_int_equal(buf_addstr(&out, "prefix"), E_OK);
	assert_int_equal(gz_inflate(z.data, z.len, 999, &out), E_TOOBIG);
	assert_string_equal(out.data, "prefix");	/* unchanged */
	assert_int_equal(gz_inflate(z.data, z.len, 0, &out), E_TOOBIG);
	/* The buf's own cap counts too; appended after "prefix". */
	out.max = 6 + 1000;
	assert_int_equal(gz_inflate(z.data, z.len, 5000, &out), E_OK);
	assert_int_equal(out.len, 1006);
	buf_reset(&out);
	out.max = 999;
	assert_int_equal(gz_inflate(z.data, z.len, 5000, &out), E_TOOBIG);
	assert_int_equal(out.len, 0);
	buf_release(&z);
	buf_release(&out);
}

static void
test_bomb_stops_early(void **state)
{
	struct buf z = BUF_INIT(0);
	struct buf out = BUF_INIT(0);
	size_t n = 16u << 20;	/* 16 MiB of zeros: ~16 KiB compressed */
	char *zeros = calloc(1, n);

	assert_non_null(zeros);
	assert_int_equal(gz_deflate(zeros, n, 9, &z), E_OK);
	free(zeros);
	assert_true(z.len < 100000);
	assert_int_equal(gz_inflate(z.data, z.len, 1u << 20, &out), E_TOOBIG);
	assert_int_equal(out.len, 0);
	/* Never allocated much more than the cap. */
	assert_true(out.cap <= (1u << 20) + 2);
	buf_release(&z);
	buf_release(&out);
}

static void
test_concatenated_members(void **state)
{
	struct buf z = BUF_INIT(0);
	struct buf out = BUF_INIT(0);

	assert_int_equal(gz_deflate("hello ", 6, -1, &z), E_OK);
	assert_int_equal(gz_deflate("", 0, -1, &z), E_OK);
	assert_int_equal(gz_deflate("world", 5, 1, &z), E_OK);
	assert_int_equal(gz_inflate(z.data, z.len, 11, &out), E_OK);
	assert_string_equal(out.data, "hello world");
	buf_reset(&out);
	/* The cap spans all members. */
	assert_int_equal(gz_inflate(z.data, z.len, 10, &out), E_TOOBIG);
	assert_int_equal(out.len, 0);
	buf_release(&z);
	buf_release(&out);
}

static void
test_zlib_format(void **state)
{
	unsigned char comp[256];
	uLongf clen = sizeof(comp);
	struct buf out = BUF_INIT(0);

	assert_int_equal(compress(comp, &clen, (const Bytef *)"zlib data", 9), Z_OK);
	assert_false(gz_is_gzip(comp, clen));
	assert_int_equal(gz_inflate(comp, clen, 100, &out), E_OK);
	assert_string_equal(out.data, "zlib data");
	buf_reset(&out);
	/* A zlib stream must not be followed by anything. */
	comp[clen] = 0x1f;
	assert_int_equal(gz_inflate(comp, clen + 1, 100, &out), E_INVAL);
	buf_release(&out);
}

static void
test_bad_input(void **state)
{
	struct buf z = BUF_INIT(0);
	struct buf out = BUF_INIT(0);
	char *copy;
	size_t cut;

	assert_int_equal(gz_deflate("some text to compress, some text", 32, -1, &z), E_OK);
	/* Empty and non-compressed input. */
	assert_int_equal(gz_inflate("", 0, 100, &out), E_INVAL);
	assert_int_equal(gz_inflate("plain text", 10, 100, &out), E_INVAL);
	assert_int_equal(gz_inflate("\x1f", 1, 100, &out), E_INVAL);
	/* Every truncation fails. */
	for (cut = 1; cut < z.len; cut++) {
		assert_int_equal(gz_inflate(z.data, cut, 100, &out), E_INVAL);
		assert_int_equal(out.len, 0);
	}
	/* A flipped bit in the body or the CRC fails. */
	copy = malloc(z.len + 8);
	memcpy(copy, z.data, z.len);
	copy[z.len - 6] ^= 0x01;	/* CRC32 */
	assert_int_equal(gz_inflate(copy, z.len, 100, &out), E_INVAL);
	memcpy(copy, z.data, z.len);
	copy[z.len - 2] ^= 0x01;	/* ISIZE */
	assert_int_equal(gz_inflate(copy, z.len, 100, &out), E_INVAL);
	/* Trailing garbage after a complete member. */
	memcpy(copy, z.data, z.len);
	memcpy(copy + z.len, "junk", 4);
	assert_int_equal(gz_inflate(copy, z.len + 4, 100, &out), E_INVAL);
	memset(copy + z.len, 0, 4);
	assert_int_equal(gz_inflate(copy, z.len + 4, 100, &out), E_INVAL);
	/* A second member that starts with the magic but is cut short. */
	memcpy(copy + z.len, "\x1f\x8b\x08", 3);
	assert_int_equal(gz_inflate(copy, z.len + 3, 100, &out), E_INVAL);
	assert_int_equal(out.len, 0);
	free(copy);
	buf_release(&z);
	buf_release(&out);
}

static void
test_is_gzip(void **state)
{
	assert_true(gz_is_gzip("\x1f\x8b", 2));
	assert_false(gz_is_gzip("\x1f", 1));
	assert_false(gz_is_gzip("", 0));
	assert_false(gz_is_gzip("{\"a\":1}", 7));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_cap_exact_and_one_over),
		cmocka_unit_test(test_bomb_stops_early),
		cmocka_unit_test(test_concatenated_members),
		cmocka_unit_test(test_zlib_format),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_is_gzip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
