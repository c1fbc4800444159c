/*
 * test_b64.c - base64: RFC 4648 vectors, strict rejection, caps.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "b64.h"

/* Decode s and return the code; on success the bytes are in out. */
static int
dec(const char *s, struct buf *out)
{
	buf_reset(out);
	return b64_decode_strict(s, strlen(s), out);
}

static void
test_rfc4648_vectors(void **state)
{
	static const char *const pairs[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	struct buf b = BUF_INIT(0);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		buf_reset(&b);
		assert_int_equal(b64_encode(pairs[i][0], strlen(pairs[i][0]), &b), E_OK);
		assert_string_equal(b.data, pairs[i][1]);
		assert_int_equal(dec(pairs[i][1], &b), E_OK);
		assert_int_equal(b.len, strlen(pairs[i][0]));
		assert_string_equal(b.data, pairs[i][0]);
	}
	buf_release(&b);
}

static void
test_binary_roundtrip(void **state)
{
	struct buf enc = BUF_INIT(0);
	struct buf dcd = BUF_INIT(0);
	unsigned char raw[256];
	size_t n;
	size_t i;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(255 - i);
	for (n = 0; n <= sizeof(raw); n++) {
		buf_reset(&enc);
		buf_reset(&dcd);
		assert_int_equal(b64_encode(raw, n, &enc), E_OK);
		assert_int_equal(enc.len % 4, 0);
		assert_int_equal(b64_decode_strict(enc.data, enc.len, &dcd), E_OK);
		assert_int_equal(dcd.len, n);
		assert_memory_equal(dcd.data, raw, n);
	}
	/* '+' and '/' both appear for these bytes. */
	buf_reset(&enc);
	assert_int_equal(b64_encode("\xfb\xff\xbf", 3, &enc), E_OK);
	assert_string_equal(enc.data, "+/+/");
	buf_release(&enc);
	buf_release(&dcd);
}

static void
test_rejects(void **state)
{
	static const char *const bad[] = {
		"Zg",		/* missing padding */
		"Zg=",		/* bad length */
		"Zm9vY",	/* bad length */
		"Zg==Zg==",	/* padding in the middle */
		"Z===",		/* too much padding */
		"====",
		"Zm=v",		/* '=' before data */
		"Zh==",		/* non-zero unused bits */
		"Zm9=",		/* non-zero unused bits */
		"Zm9v\n",	/* whitespace */
		"Zm 9v",
		" Zm9v",
		"Zm9-",		/* URL-safe alphabet is not accepted */
		"Zm9_",
		"Zm9*",
		"Zm\x80v",
	};
	struct buf b = BUF_INIT(0);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(buf_addstr(&b, "keep"), E_OK);
		assert_int_equal(b64_decode_strict(bad[i], strlen(bad[i]), &b), E_INVAL);
		/* The buf is unchanged on failure. */
		assert_int_equal(b.len, 4);
		assert_string_equal(b.data, "keep");
		buf_reset(&b);
	}
	/* A NUL inside the length is a bad character too. */
	assert_int_equal(b64_decode_strict("Zm\0v", 4, &b), E_INVAL);
	buf_release(&b);
}

static void
test_appends_and_caps(void **state)
{
	struct buf b;

	buf_init(&b, 5);
	assert_int_equal(buf_addstr(&b, "ab"), E_OK);
	assert_int_equal(dec("Zm9v", &b), E_OK);	/* reset, then 3 bytes */
	assert_int_equal(b64_decode_strict("YmE=", 4, &b), E_OK);	/* exactly 5 */
	assert_string_equal(b.data, "fooba");
	assert_int_equal(b64_decode_strict("Zg==", 4, &b), E_TOOBIG);
	assert_string_equal(b.data, "fooba");
	buf_reset(&b);
	assert_int_equal(b64_encode("ab", 2, &b), E_OK);	/* 4 chars */
	assert_int_equal(b64_encode("a", 1, &b), E_TOOBIG);
	assert_string_equal(b.data, "YWI=");
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_binary_roundtrip),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_appends_and_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
