/*
 * test_hash.c - digests against known vectors, constant-time compare,
 * random tokens.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hash.h"

static void
test_md5_vectors(void **state)
{
	char out[33];

	hash_md5_hex("", 0, out);
	assert_string_equal(out, "d41d8cd98f00b204e9800998ecf8427e");
	hash_md5_hex("abc", 3, out);
	assert_string_equal(out, "900150983cd24fb0d6963f7d28e17f72");
	hash_md5_hex("The quick brown fox jumps over the lazy dog", 43, out);
	assert_string_equal(out, "9e107d9d372bb6826bd81d3542a419d6");
	/* Binary input with a NUL in it. */
	hash_md5_hex("a\0b", 3, out);
	assert_int_equal(strlen(out), 32);
	assert_string_not_equal(out, "187ef4436122d1cc2f40dc2b92f0eba0");	/* md5("ab") */
}

static void
test_sha256_vectors(void **state)
{
	char out[65];

	hash_sha256_hex("", 0, out);
	assert_string_equal(out,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash_sha256_hex("abc", 3, out);
	assert_string_equal(out,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
	assert_string_equal(out,
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_equal_ct(void **state)
{
	assert_true(hash_equal_ct("", ""));
	assert_true(hash_equal_ct("secret", "secret"));
	assert_false(hash_equal_ct("secret", "secreT"));
	assert_false(hash_equal_ct("Secret", "secret"));
	assert_false(hash_equal_ct("secret", "secret2"));
	assert_false(hash_equal_ct("secret2", "secret"));
	assert_false(hash_equal_ct("", "x"));
	assert_false(hash_equal_ct(NULL, "x"));
	assert_false(hash_equal_ct("x", NULL));
	assert_false(hash_equal_ct(NULL, NULL));
}

static void
test_random_token(void **state)
{
	char a[44];
	char b[64];
	char small[43];
	size_t i;
	int k;

	assert_int_equal(hash_random_token(small, sizeof(small)), E_TOOBIG);
	for (k = 0; k < 500; k++) {
		assert_int_equal(hash_random_token(a, sizeof(a)), E_OK);
		assert_int_equal(strlen(a), 43);
		assert_true(a[0] != '-');
		for (i = 0; i < 43; i++)
			assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"abcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
	}
	assert_int_equal(hash_random_token(b, sizeof(b)), E_OK);
	assert_int_equal(strlen(b), 43);
	assert_string_not_equal(a, b);
}

/* XXH64 against published vectors (short, long, seeded). */
static void
test_xxh64_vectors(void **state)
{
	const char *spam = "Nobody inspects the spammish repetition";

	(void)state;
	assert_true(hash_xxh64("", 0, 0) == UINT64_C(0xEF46DB3751D8E999));
	assert_true(hash_xxh64("a", 1, 0) == UINT64_C(0xD24EC4F1A98C6E5B));
	assert_true(hash_xxh64("abc", 3, 0) == UINT64_C(0x44BC2CF5AD770999));
	assert_true(hash_xxh64(spam, strlen(spam), 0) ==
		UINT64_C(0xFBCEA83C8A378BF1));
	assert_true(hash_xxh64("xxhash", 6, 20141025) ==
		UINT64_C(0xB559B98D844E0635));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_vectors),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_equal_ct),
		cmocka_unit_test(test_random_token),
		cmocka_unit_test(test_xxh64_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
