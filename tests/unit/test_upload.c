/*
 * test_upload.c - the raw object name and the profile header line.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "upload.h"

static void
test_file_name(void **state)
{
	struct buf b = BUF_INIT(0);
	/* 2026-03-11T10:00:00.5Z: the fraction is dropped (seconds only) */
	int64_t t = 1773223200LL * 1000000 + 500000;

	assert_int_equal(upload_file_name(t, "5f0c1a2b3c4d4e5f8a9b0c1d2e3f4a5b",
		"ip-10-0-1-5", &b), E_OK);
	/* md5("ip-10-0-1-5") */
	assert_string_equal(b.data, "2026-03-11T10:00:00_"
		"5f0c1a2b3c4d4e5f8a9b0c1d2e3f4a5b_"
		"3d4811ebbf917e8fd4ddff9236361dee.gz");
	buf_reset(&b);
	/* An empty host name still hashes (md5 of ""). */
	assert_int_equal(upload_file_name(0, "00000000000000000000000000000000",
		"", &b), E_OK);
	assert_string_equal(b.data, "1970-01-01T00:00:00_"
		"00000000000000000000000000000000_"
		"d41d8cd98f00b204e9800998ecf8427e.gz");
	buf_reset(&b);
	assert_int_equal(upload_file_name(0, "short", "h", &b), E_INVAL);
	assert_int_equal(upload_file_name(0, "0000000000000000000000000000000G",
		"h", &b), E_INVAL);
	assert_int_equal(upload_file_name(0, "../00000000000000000000000000000",
		"h", &b), E_INVAL);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void
test_header(void **state)
{
	const char *ok = "# {\"metadata\":{\"hostname\":\"h1\"},\"flamegraph_html\":\"<p>\"}\n"
		"0;;python3;main 12\n";
	json_t *h = NULL, *body;

	assert_int_equal(upload_parse_header(ok, strlen(ok), &h), UPLOAD_HDR_OK);
	assert_non_null(h);
	assert_string_equal(json_string_value(json_object_get(h,
		"flamegraph_html")), "<p>");
	body = json_pack("{s:s}", "hostname", "fallback");
	assert_string_equal(upload_hostname(h, body), "h1");
	json_decref(h);
	/* The header alone, no newline. */
	assert_int_equal(upload_parse_header("#{\"metadata\":{}}", 16, &h),
		UPLOAD_HDR_OK);
	assert_string_equal(upload_hostname(h, body), "fallback");
	assert_string_equal(upload_hostname(h, NULL), "");
	json_decref(h);
	json_decref(body);
	assert_int_equal(upload_parse_header("", 0, &h), UPLOAD_HDR_BAD);
	assert_null(h);
	assert_int_equal(upload_parse_header("0;a 1\n", 6, &h), UPLOAD_HDR_BAD);
	assert_int_equal(upload_parse_header("# not json\n", 11, &h),
		UPLOAD_HDR_BAD);
	assert_int_equal(upload_parse_header("# [1]\n", 6, &h), UPLOAD_HDR_BAD);
	assert_int_equal(upload_parse_header("# {\"a\":1}\n", 10, &h),
		UPLOAD_HDR_NO_META);
	assert_int_equal(upload_parse_header("# {\"metadata\":1}\n", 17, &h),
		UPLOAD_HDR_NO_META);
	/* JSON on the second line does not count. */
	assert_int_equal(upload_parse_header("#\n{\"metadata\":{}}", 17, &h),
		UPLOAD_HDR_BAD);
	/* Length is respected: the text after len is not read. */
	assert_int_equal(upload_parse_header("# {\"metadata\":{}}", 5, &h),
		UPLOAD_HDR_BAD);
	assert_null(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_name),
		cmocka_unit_test(test_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
