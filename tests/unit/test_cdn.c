/*
 * test_cdn.c - the agents' CDN URLs rewritten to the local copies: exactly
 * the known URLs, integrity and crossorigin dropped only where a URL was
 * rewritten.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cdn.h"

static void
test_rewrite(void **state)
{
	static const char in[] =
		"<link rel=\"stylesheet\" href=\"https://maxcdn.bootstrapcdn.com/bootstrap/3.3.7/css/bootstrap.min.css\" integrity=\"sha384-BVYiiSIFeK1dGmJRAkycuHAHRg32OmUcww7on3RYdg4Va+PmSTsz/K68vbdEjh4u\" crossorigin=\"anonymous\">\n"
		"<script CrossOrigin src=\"https://d3js.org/d3.v4.min.js\" crossoriginx=\"k\"></script>\n"
		"<!--[if lt IE 9]>\n<script src=\"https://oss.maxcdn.com/respond/1.4.2/respond.min.js\"></script>\n<![endif]-->\n"
		"<script type=\"text/javascript\" src=https://cdnjs.cloudflare.com/ajax/libs/d3-tip/0.9.1/d3-tip.min.js integrity=\"sha512-abc==\"></script>\n"
		"<script src=\"https://example.com/other.js\" integrity=\"sha384-keep\" crossorigin=\"anonymous\"></script>\n"
		"<p>see https://d3js.org/d3.v4.min.js</p>\n";
	static const char want[] =
		"<link rel=\"stylesheet\" href=\"/vendor/agent/bootstrap-3.3.7.min.css\">\n"
		"<script src=\"/vendor/agent/d3-4.13.0.min.js\" crossoriginx=\"k\"></script>\n"
		"<!--[if lt IE 9]>\n<script src=\"/vendor/agent/respond-1.4.2.min.js\"></script>\n<![endif]-->\n"
		"<script type=\"text/javascript\" src=/vendor/agent/d3-tip-0.9.1.js></script>\n"
		"<script src=\"https://example.com/other.js\" integrity=\"sha384-keep\" crossorigin=\"anonymous\"></script>\n"
		"<p>see /vendor/agent/d3-4.13.0.min.js</p>\n";
	struct buf out = BUF_INIT(0);
	size_t n;

	(void)state;
	assert_true(cdn_refers(in, strlen(in)));
	assert_int_equal(cdn_rewrite(in, strlen(in), "", &out, &n), E_OK);
	assert_string_equal(out.data, want);
	assert_int_equal(n, 5);
	buf_reset(&out);
	assert_int_equal(cdn_rewrite(in, 120, "http://h:1", &out, &n), E_OK);
	assert_non_null(strstr(out.data, "href=\"http://h:1/vendor/agent/bootstrap-3.3.7.min.css\""));
	buf_release(&out);
}

static void
test_untouched(void **state)
{
	static const char in[] =
		"<script src=\"https://d3js.org/d3.v5.min.js\" integrity=\"x\"></script>"
		"https://d3js.org/d3.v4.min.j";
	struct buf out = BUF_INIT(0), small = BUF_INIT(10);
	size_t n;

	(void)state;
	assert_false(cdn_refers(in, strlen(in)));
	assert_int_equal(cdn_rewrite(in, strlen(in), "", &out, &n), E_OK);
	assert_string_equal(out.data, in);
	assert_int_equal(n, 0);
	assert_int_equal(cdn_rewrite(in, strlen(in), "", &small, &n), E_TOOBIG);
	assert_int_equal(small.len, 0);
	buf_release(&out);
	buf_release(&small);
}

static void
test_table(void **state)
{
	const struct cdn_asset *a;
	size_t n = 0;

	(void)state;
	for (a = cdn_assets; a->url; a++, n++) {
		assert_non_null(strstr(a->url, "https://"));
		assert_null(strchr(a->local, '/'));
		assert_non_null(strchr(a->npm, '@'));
	}
	assert_int_equal(n, 7);
}

/* The toolbar's javascript: links become onclick ones; other scripts stay. */
static void
test_js_links(void **state)
{
	static const char in[] =
		"<script src=\"https://d3js.org/d3.v4.min.js\"></script>"
		"<a class=\"btn\" href=\"javascript: resetZoom();\">Reset zoom</a>"
		"<a href=\"javascript:search()\">S</a>"
		"<a href=\"javascript: alert(1);\">a</a><a href=\"javascript: 1x();\">b</a>"
		"<a href=\"javascript: x(); y();\">c</a><a href=\"javascript: f()";
	static const char want[] =
		"<script src=\"/vendor/agent/d3-4.13.0.min.js\"></script>"
		"<a class=\"btn\" href=\"#\" onclick=\"window.resetZoom();return false\">Reset zoom</a>"
		"<a href=\"#\" onclick=\"window.search();return false\">S</a>"
		"<a href=\"javascript: alert(1);\">a</a><a href=\"javascript: 1x();\">b</a>"
		"<a href=\"javascript: x(); y();\">c</a><a href=\"javascript: f()";
	struct buf out = BUF_INIT(0);
	size_t n;

	(void)state;
	assert_int_equal(cdn_rewrite(in, strlen(in), "", &out, &n), E_OK);
	assert_string_equal(out.data, want);
	assert_int_equal(n, 3);
	buf_release(&out);
}

/* The C table and static/vendor/assets.tsv (read by scripts/vendor) agree. */
static void
test_matches_assets_tsv(void **state)
{
	char path[4096], line[1024];
	const struct cdn_asset *a = cdn_assets;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/static/vendor/assets.tsv", EMBER_SRCDIR);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char want[1024];

		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_non_null(a->url);
		snprintf(want, sizeof(want), "%s\t%s\t%s\t%s\n", a->url, a->local,
			a->npm, a->path);
		assert_string_equal(line, want);
		a++;
	}
	fclose(f);
	assert_null(a->url);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_untouched),
		cmocka_unit_test(test_js_links),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_matches_assets_tsv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
