/*
 * test_jsonx.c - parsing hostile JSON, dotted paths, typed getters,
 * dumping and escaping under caps.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jsonx.h"

/* Parse s, asserting success. */
static json_t *
parse_ok(const char *s)
{
	json_t *v = NULL;
	char err[128];

	assert_int_equal(jsonx_parse(s, strlen(s), &v, err, sizeof(err)), E_OK);
	assert_non_null(v);
	assert_string_equal(err, "");
	return v;
}

static void
test_parse_values(void **state)
{
	json_t *v;

	v = parse_ok("{\"a\":1}");
	assert_true(json_is_object(v));
	json_decref(v);
	v = parse_ok("  [1, 2, 3]\n");
	assert_int_equal(json_array_size(v), 3);
	json_decref(v);
	v = parse_ok("\"just a string\"");	/* any value at the top */
	assert_true(json_is_string(v));
	json_decref(v);
	v = parse_ok("42");
	assert_true(json_is_integer(v));
	json_decref(v);
	v = parse_ok("{\"s\":\"[[[[{{{{\\\"\"}");	/* brackets inside strings */
	assert_string_equal(jsonx_str(v, "s"), "[[[[{{{{\"");
	json_decref(v);
}

static void
test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"", " ", "{", "{\"a\":}", "[1,]", "{'a':1}", "nul", "{\"a\":1} x",
		"\"\\u0000\"", "\"unterminated", "[1 2]", "{\"a\" 1}",
		"123456789012345678901234567890",	/* integer overflow */
	};
	json_t *v = (json_t *)1;
	char err[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_equal(jsonx_parse(bad[i], strlen(bad[i]), &v, err, sizeof(err)),
			E_INVAL);
		assert_null(v);
		assert_true(strlen(err) > 0);
	}
	/* A raw NUL byte inside the length. */
	assert_int_equal(jsonx_parse("{\"a\":\"x\0y\"}", 11, &v, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "NUL"));
	/* err may be NULL. */
	assert_int_equal(jsonx_parse("{", 1, &v, NULL, 0), E_INVAL);
	/* A message names the place. */
	assert_int_equal(jsonx_parse("{\n\"a\": x}", 9, &v, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "line 2"));
}

static void
test_depth_limit(void **state)
{
	char *s = malloc(200001);
	json_t *v = NULL;
	char err[128];
	size_t i;
	size_t d;

	/* Exactly the limit parses. */
	d = JSONX_MAX_DEPTH;
	for (i = 0; i < d; i++)
		s[i] = '[';
	for (i = 0; i < d; i++)
		s[d + i] = ']';
	assert_int_equal(jsonx_parse(s, 2 * d, &v, err, sizeof(err)), E_OK);
	json_decref(v);
	/* One more level fails. */
	d = JSONX_MAX_DEPTH + 1;
	for (i = 0; i < d; i++)
		s[i] = '[';
	for (i = 0; i < d; i++)
		s[d + i] = ']';
	assert_int_equal(jsonx_parse(s, 2 * d, &v, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "deeper"));
	/* A hostile 100000-deep document (mixed) fails without crashing. */
	for (i = 0; i < 100000; i++)
		s[i] = i % 2 ? '[' : '{';
	assert_int_equal(jsonx_parse(s, 100000, &v, err, sizeof(err)), E_INVAL);
	for (i = 0; i < 100000; i++)
		s[i] = '[';
	assert_int_equal(jsonx_parse(s, 100000, &v, err, sizeof(err)), E_INVAL);
	/* Stray closing brackets do not buy extra depth. */
	for (i = 0; i < 1000; i++) {
		s[i] = ']';
		s[1000 + i] = '[';
	}
	assert_int_equal(jsonx_parse(s, 2000, &v, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "deeper"));
	/* Depth counts nesting, not total brackets: 20000 siblings. */
	d = 0;
	s[d++] = '[';
	for (i = 0; i < 20000; i++) {
		memcpy(s + d, "[],", 3);
		d += 3;
	}
	s[d - 1] = ']';
	assert_int_equal(jsonx_parse(s, d, &v, err, sizeof(err)), E_OK);
	assert_int_equal(json_array_size(v), 20000);
	json_decref(v);
	free(s);
}

static void
test_paths(void **state)
{
	json_t *v = parse_ok("{\"metadata\":{\"run_arguments\":{\"continuous\":true,"
		"\"n\":7,\"neg\":-3,\"f\":1.5,\"s\":\"x\",\"z\":null}},"
		"\"top\":\"t\",\"arr\":[1],\"\":\"empty\",\"big\":9223372036854775807}");
	int64_t n = 99;

	assert_true(jsonx_path(v, "metadata.run_arguments") != NULL);
	assert_ptr_equal(jsonx_path(v, ""), v);
	assert_null(jsonx_path(v, NULL));
	assert_null(jsonx_path(NULL, "a"));
	assert_null(jsonx_path(v, "metadata.nope"));
	assert_null(jsonx_path(v, "metadata..run_arguments"));
	assert_null(jsonx_path(v, "metadata.run_arguments."));
	assert_null(jsonx_path(v, ".top"));
	assert_null(jsonx_path(v, "top.x"));		/* through a string */
	assert_null(jsonx_path(v, "arr.0"));		/* arrays are not indexed */
	assert_true(jsonx_bool(v, "metadata.run_arguments.continuous", false));
	assert_false(jsonx_bool(v, "metadata.continuous", false));	/* absent */
	assert_true(jsonx_bool(v, "metadata.continuous", true));
	assert_true(jsonx_bool(v, "top", true));	/* not a boolean: default */
	assert_string_equal(jsonx_str(v, "top"), "t");
	assert_string_equal(jsonx_str(v, "metadata.run_arguments.s"), "x");
	assert_null(jsonx_str(v, "metadata.run_arguments.n"));
	assert_null(jsonx_str(v, "missing"));
	assert_int_equal(jsonx_int(v, "metadata.run_arguments.n", &n), E_OK);
	assert_int_equal(n, 7);
	assert_int_equal(jsonx_int(v, "metadata.run_arguments.neg", &n), E_OK);
	assert_int_equal(n, -3);
	assert_int_equal(jsonx_int(v, "big", &n), E_OK);
	assert_true(n == INT64_MAX);
	n = 99;
	assert_int_equal(jsonx_int(v, "metadata.run_arguments.f", &n), E_INVAL);
	assert_int_equal(jsonx_int(v, "metadata.run_arguments.s", &n), E_INVAL);
	assert_int_equal(jsonx_int(v, "metadata.run_arguments.z", &n), E_NOTFOUND);
	assert_int_equal(jsonx_int(v, "nope", &n), E_NOTFOUND);
	assert_int_equal(n, 99);
	json_decref(v);
}

static void
test_long_path(void **state)
{
	json_t *v = json_object();
	json_t *inner = json_object();
	char key[300];
	char path[400];

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	json_object_set_new(inner, "leaf", json_integer(5));
	json_object_set_new(v, key, inner);
	snprintf(path, sizeof(path), "%s.leaf", key);
	assert_non_null(jsonx_path(v, path));	/* longer than the stack copy */
	json_decref(v);
}

static void
test_dump(void **state)
{
	json_t *v = parse_ok("{ \"a\" : [1, 2, {\"b\": null}], \"c\": \"\\u00e9\" }");
	struct buf b = BUF_INIT(0);
	struct buf small;

	assert_int_equal(jsonx_dump(v, &b), E_OK);
	assert_string_equal(b.data, "{\"a\":[1,2,{\"b\":null}],\"c\":\"\xc3\xa9\"}");
	buf_init(&small, 10);
	assert_int_equal(buf_addstr(&small, "xy"), E_OK);
	assert_int_equal(jsonx_dump(v, &small), E_TOOBIG);
	assert_string_equal(small.data, "xy");	/* unchanged */
	buf_reset(&b);
	json_decref(v);
	v = json_integer(3);
	assert_int_equal(jsonx_dump(v, &b), E_OK);	/* any value at the top */
	assert_string_equal(b.data, "3");
	buf_release(&b);
	buf_release(&small);
	json_decref(v);
}

static void
test_escape(void **state)
{
	struct buf b = BUF_INIT(0);
	struct buf small;
	json_t *back = NULL;

	assert_int_equal(jsonx_escape(&b, "plain", 5), E_OK);
	assert_string_equal(b.data, "\"plain\"");
	buf_reset(&b);
	assert_int_equal(jsonx_escape(&b, "", 0), E_OK);
	assert_string_equal(b.data, "\"\"");
	buf_reset(&b);
	assert_int_equal(jsonx_escape(&b, "a\"b\\c\n\r\t\b\f\x01\x1f/", 13), E_OK);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/\"");
	buf_reset(&b);
	assert_int_equal(jsonx_escape(&b, "a\0b", 3), E_OK);
	assert_string_equal(b.data, "\"a\\u0000b\"");
	buf_reset(&b);
	/* Valid UTF-8 passes; U+2028 is escaped; invalid bytes become U+FFFD. */
	assert_int_equal(jsonx_escape(&b, "\xc3\xa9\xe2\x80\xa8\xf0\x9f\x94\xa5", 9), E_OK);
	assert_string_equal(b.data, "\"\xc3\xa9\\u2028\xf0\x9f\x94\xa5\"");
	buf_reset(&b);
	assert_int_equal(jsonx_escape(&b, "\xff" "a\xc3" "\xc0\xaf" "\xed\xa0\x80" "\xe2\x82", 10), E_OK);
	assert_string_equal(b.data,
		"\"\\ufffda\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* Whatever went in, the output parses back. */
	assert_int_equal(jsonx_parse(b.data, b.len, &back, NULL, 0), E_OK);
	assert_true(json_is_string(back));
	json_decref(back);
	/* Cap: all or nothing. */
	buf_init(&small, 8);
	assert_int_equal(buf_addstr(&small, "ab"), E_OK);
	assert_int_equal(jsonx_escape(&small, "abcd", 4), E_OK);	/* 6 more = 8 */
	assert_int_equal(jsonx_escape(&small, "", 0), E_TOOBIG);
	assert_string_equal(small.data, "ab\"abcd\"");
	buf_reset(&small);
	assert_int_equal(jsonx_escape(&small, "a\nbcdef", 7), E_TOOBIG);
	assert_int_equal(small.len, 0);
	buf_release(&small);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
