/*
 * test_profile.c - the profile parser on upstream-shaped headers:
 * continuous in both places, perf_mode disabled, empty perf_events,
 * base64 and plain HTML, truncated JSON, a huge header line; stack line
 * counting; key building and hostname sanitising.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pgarr.h"
#include "profile.h"

/* An upstream-like header (merge.py _make_profile_metadata) with parts swapped in. */
static char *
make(const char *run_args, const char *meta_extra, const char *html,
	const char *stacks)
{
	struct buf b = BUF_INIT(0);

	assert_int_equal(buf_addf(&b,
		"# {\"containers\": [], \"container_names_enabled\": false, "
		"\"metadata\": {\"hostname\": \"ip-10-0-1-5\", "
		"\"agent_version\": \"1.35.0\", %s\"run_arguments\": {%s}, "
		"\"cloud_info\": {\"instance_type\": \"m5.large\"}}, "
		"\"metrics\": {\"cpu_avg\": 8.8, \"mem_avg\": 39.8}, "
		"\"application_metadata\": [null], "
		"\"application_metadata_enabled\": true, "
		"\"profiling_mode\": \"cpu\", \"hwmetrics\": null, "
		"\"htmlblob\": null, \"flamegraph_html\": %s}\n%s",
		meta_extra, run_args, html, stacks), E_OK);
	return buf_detach(&b, NULL);
}

/* Parse a made profile, expecting success. */
static void
parse_ok(const char *text, struct prof *p)
{
	char err[128];

	assert_int_equal(prof_parse(text, strlen(text), 1 << 20, p, err,
		sizeof(err)), E_OK);
	assert_non_null(p->header);
}

static void
test_continuous_in_run_arguments(void **state)
{
	struct prof p;
	char *t;

	t = make("\"continuous\": true, \"duration\": 60", "", "\"<html/>\"",
		"0;;python3;main;foo 12\n");
	parse_ok(t, &p);
	assert_true(p.continuous);
	assert_int_equal(prof_kind(&p), PROF_CONTINUOUS);
	assert_string_equal(p.hostname, "ip-10-0-1-5");
	assert_true(p.has_duration);
	assert_int_equal(p.duration, 60);
	prof_release(&p);
	free(t);

	/* run_arguments wins over metadata.continuous */
	t = make("\"continuous\": false", "\"continuous\": true, ",
		"\"<html/>\"", "");
	parse_ok(t, &p);
	assert_int_equal(prof_kind(&p), PROF_ADHOC);
	assert_false(p.has_duration);
	prof_release(&p);
	free(t);
}

static void
test_continuous_fallback_and_default(void **state)
{
	struct prof p;
	char *t;

	/* upstream's place: metadata.continuous */
	t = make("\"duration\": 30", "\"continuous\": true, ", "\"<html/>\"", "");
	parse_ok(t, &p);
	assert_int_equal(prof_kind(&p), PROF_CONTINUOUS);
	prof_release(&p);
	free(t);
	t = make("\"duration\": 30", "\"continuous\": false, ", "\"<html/>\"", "");
	parse_ok(t, &p);
	assert_int_equal(prof_kind(&p), PROF_ADHOC);
	prof_release(&p);
	free(t);
	/* nowhere (or not a boolean): adhoc */
	t = make("\"continuous\": \"yes\"", "", "\"<html/>\"", "");
	parse_ok(t, &p);
	assert_int_equal(prof_kind(&p), PROF_ADHOC);
	assert_string_equal(prof_kind_name(prof_kind(&p)), "adhoc");
	assert_string_equal(prof_kind_name(PROF_CONTINUOUS), "continuous");
	prof_release(&p);
	free(t);
}

/* The perf events literal of a made profile, or NULL for E_NOTFOUND. */
static char *
events(const char *run_args)
{
	struct prof p;
	struct buf b = BUF_INIT(0);
	char *t = make(run_args, "", "null", "");
	const char **v = NULL;
	size_t n = 0, i;
	int rc;

	parse_ok(t, &p);
	rc = prof_perf_events(&p, &v, &n);
	prof_release(&p);
	free(t);
	if (rc == E_NOTFOUND) {
		assert_null(v);
		assert_int_equal(n, 0);
		return NULL;
	}
	assert_int_equal(rc, E_OK);
	assert_true(n > 0);
	/* As the text[] literal the row gets (pgarr.h). */
	pgarr_open(&b);
	for (i = 0; i < n; i++)
		pgarr_add(&b, v[i], strlen(v[i]));
	pgarr_close(&b);
	free(v);
	return buf_detach(&b, NULL);
}

static void
test_perf_events(void **state)
{
	char *s;

	s = events("\"perf_mode\": \"fp\", \"perf_events\": \"cycles,cache-misses\"");
	assert_string_equal(s, "{\"cycles\",\"cache-misses\"}");
	free(s);
	/* empty perf_mode counts as enabled; spaces and empties dropped */
	s = events("\"perf_mode\": \"\", \"perf_events\": \" cycles , ,instructions \"");
	assert_string_equal(s, "{\"cycles\",\"instructions\"}");
	free(s);
	s = events("\"perf_events\": [\"cycles\", 3, \"a\\\"b\"]");
	assert_string_equal(s, "{\"cycles\",\"a\\\"b\"}");
	free(s);
	assert_null(events("\"perf_mode\": \"disabled\", \"perf_events\": \"cycles\""));
	assert_null(events("\"perf_mode\": \"fp\", \"perf_events\": \"\""));
	assert_null(events("\"perf_mode\": \"fp\", \"perf_events\": \" , \""));
	assert_null(events("\"perf_mode\": \"fp\""));
	assert_null(events("\"perf_events\": null"));
}

/* The HTML bytes of a made profile. */
static char *
html_of(const char *html_json, size_t *len)
{
	struct prof p;
	struct buf b = BUF_INIT(0);
	char *t = make("", "", html_json, "");

	parse_ok(t, &p);
	assert_int_equal(prof_html(&p, &b), E_OK);
	prof_release(&p);
	free(t);
	return buf_detach(&b, len);
}

static void
test_html_plain_and_base64(void **state)
{
	struct prof p;
	struct buf b = BUF_INIT(0);
	size_t n;
	char *s, *t;

	s = html_of("\"<!DOCTYPE html>\\n<html lang=\\\"en\\\">\\u00e9\\ud83d\\ude00</html>\"", &n);
	assert_string_equal(s, "<!DOCTYPE html>\n<html lang=\"en\">\xc3\xa9\xf0\x9f\x98\x80</html>");
	free(s);
	s = html_of("\"PGh0bWw+aGVsbG8gd29ybGQ8L2h0bWw+\"", &n);
	assert_int_equal(n, 24);
	assert_string_equal(s, "<html>hello world</html>");
	free(s);
	/* not strictly base64 (no padding): taken as is */
	s = html_of("\"PGh0bWw+aGVsbG8gd29ybGQ8L2h0bWw\"", &n);
	assert_string_equal(s, "PGh0bWw+aGVsbG8gd29ybGQ8L2h0bWw");
	free(s);
	/* null / empty / missing: no HTML */
	t = make("", "", "null", "");
	parse_ok(t, &p);
	assert_null(p.html);
	assert_int_equal(prof_html(&p, &b), E_NOTFOUND);
	prof_release(&p);
	free(t);
	t = make("", "", "\"\"", "");
	parse_ok(t, &p);
	assert_null(p.html);
	prof_release(&p);
	free(t);
	/* a cap on the output buffer is honoured */
	t = make("", "", "\"<html>0123456789</html>\"", "");
	parse_ok(t, &p);
	b.max = 5;
	assert_int_equal(prof_html(&p, &b), E_TOOBIG);
	prof_release(&p);
	free(t);
	buf_release(&b);
}

static void
test_htmlblob(void **state)
{
	static const char t[] = "# {\"metadata\": {}, \"htmlblob\": "
		"\"PGh0bWw+aGVsbG8gd29ybGQ8L2h0bWw+\"}";
	struct prof p;

	parse_ok(t, &p);
	assert_non_null(p.htmlblob);
	assert_int_equal(p.htmlblob_len, 32);
	assert_null(p.html);
	assert_null(p.hostname);
	prof_release(&p);
}

static void
test_bad_headers(void **state)
{
	struct prof p;
	char err[128];
	static const char trunc[] = "# {\"metadata\": {\"hostname\": \"h\"";
	static const char arr[] = "# [1, 2]\nfoo 1\n";
	static const char nul[] = "# {\"a\": \"x\\u0000y\"}";
	char *t;
	size_t n;

	assert_int_equal(prof_parse(trunc, strlen(trunc), 0, &p, err,
		sizeof(err)), E_INVAL);
	assert_true(strlen(err) > 0);
	assert_null(p.header);
	assert_int_equal(prof_parse(arr, strlen(arr), 0, &p, err,
		sizeof(err)), E_INVAL);
	assert_string_equal(err, "header is not an object");
	assert_int_equal(prof_parse("#", 1, 0, &p, NULL, 0), E_INVAL);
	(void)nul;
	/* a header line over the cap is E_TOOBIG; exactly the cap parses */
	t = make("", "", "\"<html>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</html>\"",
		"a;b 1\n");
	n = (size_t)(strchr(t, '\n') - t);
	assert_int_equal(prof_parse(t, strlen(t), n - 1, &p, err,
		sizeof(err)), E_TOOBIG);
	assert_int_equal(prof_parse(t, strlen(t), n, &p, err, sizeof(err)),
		E_OK);
	assert_int_equal(p.stacks, 1);
	prof_release(&p);
	/* a header without newline and over the cap */
	t[n] = '\0';
	assert_int_equal(prof_parse(t, n, n - 1, &p, NULL, 0), E_TOOBIG);
	assert_int_equal(prof_parse(t, n, n, &p, NULL, 0), E_OK);
	prof_release(&p);
	free(t);
}

static void
test_huge_header_line(void **state)
{
	/* 8 MiB of escaped HTML in the header: parses with a big cap */
	size_t big = 8u << 20, i;
	struct buf b = BUF_INIT(0);
	struct prof p;
	struct buf h = BUF_INIT(0);
	char *t;

	assert_int_equal(buf_addstr(&b, "\"<html>"), E_OK);
	for (i = 0; i < big / 16; i++)
		assert_int_equal(buf_addstr(&b, "<p>\\\"x\\\"</p>\\n"), E_OK);
	assert_int_equal(buf_addstr(&b, "</html>\""), E_OK);
	t = make("\"continuous\": false", "", b.data, "x;y 3\nx;z 4");
	assert_int_equal(prof_parse(t, strlen(t), 64u << 20, &p, NULL, 0),
		E_OK);
	assert_int_equal(prof_html(&p, &h), E_OK);
	assert_int_equal(h.len, 13 + (big / 16) * 11);
	assert_int_equal(p.stacks, 2);
	assert_int_equal(p.samples, 7);
	prof_release(&p);
	assert_int_equal(prof_parse(t, strlen(t), 1u << 20, &p, NULL, 0),
		E_TOOBIG);
	free(t);
	buf_release(&b);
	buf_release(&h);
}

static void
test_stack_lines(void **state)
{
	static const char t[] =
		"# {\"metadata\": {\"hostname\": \"h\"}}\r\n"
		"0;;python3;main;foo 12\n"
		"1;web;java;a;b 3\r\n"
		"\n"
		"nospace\n"
		"frames notanumber\n"
		"frames 0\n"
		" 5\n"
		"frames \n"
		"frames 99999999999999999999999\n"
		"# a comment line\n"
		"last;line 30";
	struct prof p;

	parse_ok(t, &p);
	assert_int_equal(p.stacks, 3);
	assert_int_equal(p.samples, 45);
	assert_int_equal(p.bad, 6);
	prof_release(&p);
	/* no header at all: still counted, no HTML */
	assert_int_equal(prof_parse("a;b 2\nc 1\n", 10, 0, &p, NULL, 0), E_OK);
	assert_null(p.header);
	assert_null(p.html);
	assert_int_equal(p.stacks, 2);
	prof_release(&p);
	assert_int_equal(prof_parse("", 0, 0, &p, NULL, 0), E_OK);
	assert_int_equal(p.stacks + p.bad, 0);
	prof_release(&p);
}

/* Build a flamegraph key into a string (NULL on error). */
static char *
fkey(const char *svc, const char *file, const char *host, enum prof_kind k)
{
	struct buf b = BUF_INIT(0);

	if (prof_flamegraph_key(svc, file, host, k, &b) != E_OK) {
		assert_int_equal(b.len, 0);
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void
test_keys(void **state)
{
	static const char file[] = "2026-03-11T10:00:00_5f0c1a2b3c4d4e5f8a9b0c1d2e3f4a5b_9b1c1e7ad0a4c6c2f0b3e2a1d4c5b6a7.gz";
	struct buf b = BUF_INIT(0);
	char *k;

	k = fkey("checkout", file, "ip-10-0-1-5", PROF_ADHOC);
	assert_string_equal(k, "products/checkout/stacks/flamegraph/2026-03-11T10:00:00_5f0c1a2b3c4d4e5f8a9b0c1d2e3f4a5b_ip-10-0-1-5_adhoc_flamegraph.html");
	free(k);
	k = fkey("checkout", file, "ip-10-0-1-5", PROF_CONTINUOUS);
	assert_non_null(strstr(k, "_ip-10-0-1-5_continuous_flamegraph.html"));
	free(k);
	/* hostile hostnames are sanitised */
	k = fkey("s", file, "../../etc/pass wd_x\xc3\xa9", PROF_ADHOC);
	assert_string_equal(k, "products/s/stacks/flamegraph/2026-03-11T10:00:00_5f0c1a2b3c4d4e5f8a9b0c1d2e3f4a5b_..-..-etc-pass-wd-x--_adhoc_flamegraph.html");
	free(k);
	/* no hostname: the md5 stays */
	k = fkey("s", file, NULL, PROF_ADHOC);
	assert_non_null(strstr(k, "_9b1c1e7ad0a4c6c2f0b3e2a1d4c5b6a7_adhoc_flamegraph.html"));
	free(k);
	k = fkey("s", file, "", PROF_ADHOC);
	assert_non_null(strstr(k, "_9b1c1e7ad0a4c6c2f0b3e2a1d4c5b6a7_adhoc"));
	free(k);
	/* fewer than three fields: the base is kept as is */
	k = fkey("s", "a_b.gz", "h", PROF_ADHOC);
	assert_string_equal(k, "products/s/stacks/flamegraph/a_b_adhoc_flamegraph.html");
	free(k);
	k = fkey("s", "plain", "h", PROF_ADHOC);
	assert_string_equal(k, "products/s/stacks/flamegraph/plain_adhoc_flamegraph.html");
	free(k);
	/* long hostnames are cut at 128 */
	{
		char host[300];

		memset(host, 'h', sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		k = fkey("s", "a_b_c.gz", host, PROF_ADHOC);
		assert_int_equal(strlen(k), strlen("products/s/stacks/flamegraph/a_b__adhoc_flamegraph.html") + 128);
		free(k);
	}
	/* bad service or file name */
	assert_null(fkey("a/b", file, "h", PROF_ADHOC));
	assert_null(fkey("", file, "h", PROF_ADHOC));
	assert_null(fkey("..", file, "h", PROF_ADHOC));
	assert_null(fkey("s", "../x.gz", "h", PROF_ADHOC));
	assert_null(fkey("s", "x/y.gz", "h", PROF_ADHOC));
	assert_null(fkey("s", NULL, "h", PROF_ADHOC));
	assert_null(fkey("s", "a\nb", "h", PROF_ADHOC));
	/* raw and htmlblob keys */
	assert_int_equal(prof_raw_key("svc", file, &b), E_OK);
	assert_string_equal(b.data, "products/svc/stacks/2026-03-11T10:00:00_5f0c1a2b3c4d4e5f8a9b0c1d2e3f4a5b_9b1c1e7ad0a4c6c2f0b3e2a1d4c5b6a7.gz");
	buf_reset(&b);
	assert_int_equal(prof_htmlblob_key("svc", "a_b_c.gz", &b), E_OK);
	assert_string_equal(b.data, "products/svc/stacks/a_b_c.html");
	buf_reset(&b);
	assert_int_equal(prof_raw_key("svc", "..", &b), E_INVAL);
	assert_int_equal(prof_htmlblob_key("s v", "a", &b), E_INVAL);
	buf_release(&b);
}

static void
test_start_time(void **state)
{
	int64_t us = 0;

	assert_int_equal(prof_start_time("2026-03-11T10:00:00_ab_cd.gz", &us),
		E_OK);
	assert_true(us == INT64_C(1773223200) * 1000000);
	assert_int_equal(prof_start_time("2026-03-11T10:00:00.gz", &us),
		E_INVAL);
	assert_int_equal(prof_start_time("1773223200_ab_cd.gz", &us), E_INVAL);
	assert_int_equal(prof_start_time("garbage", &us), E_INVAL);
	assert_int_equal(prof_start_time("2026-13-11T10:00:00_a_b", &us),
		E_INVAL);
	assert_int_equal(prof_start_time("", &us), E_INVAL);
}

/* prof_check() over a header built here; returns the field or "ok". */
static const char *
check(const char *host, json_int_t duration, const char *html,
	int64_t start, size_t max_html)
{
	static char field[32];
	struct prof_problem why;
	struct prof p;
	json_t *h;
	int rc;

	h = json_pack("{s:{s:s,s:{s:I}},s:s}", "metadata", "hostname", host,
		"run_arguments", "duration", duration, "flamegraph_html", html);
	assert_non_null(h);
	prof_from_header(&p, h);
	json_decref(h);
	rc = prof_check(&p, start, max_html, NULL, &why);
	prof_release(&p);
	snprintf(field, sizeof(field), "%s", rc ? why.field : "ok");
	return field;
}

static void
test_check(void **state)
{
	char big[5001], a64[8001];
	int64_t t = INT64_C(1773223200000000);	/* 2026-03-11 */
	int64_t y9999 = INT64_C(253402300770000000);	/* 9999-12-31T23:59:30 */

	memset(big, 'h', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(a64, 'A', sizeof(a64) - 1);
	a64[sizeof(a64) - 1] = '\0';
	assert_string_equal(check("ip-10-0-1-5", 60, "<p>\xc3\xa9</p>", t, 0),
		"ok");
	assert_string_equal(check("host_with/odd chars", 60, "<p/>", t, 0), "ok");
	assert_string_equal(check(big, 60, "<p/>", t, 0), "hostname");
	assert_string_equal(check("evil\nhost", 60, "<p/>", t, 0), "hostname");
	assert_string_equal(check("h", 60, "<p/>", y9999, 0), "start_time");
	assert_string_equal(check("h", 1, "<p/>", y9999, 0), "ok");
	/* Valid base64 of NUL bytes is binary, not HTML. */
	assert_string_equal(check("h", 60, a64, t, 0), "flamegraph_html");
	assert_string_equal(check("h", 60, "<p>0123456789</p>", t, 8),
		"flamegraph_html");
	assert_string_equal(check("h", 60, "<p>0123456789</p>", t, 64), "ok");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_continuous_in_run_arguments),
		cmocka_unit_test(test_continuous_fallback_and_default),
		cmocka_unit_test(test_perf_events),
		cmocka_unit_test(test_html_plain_and_base64),
		cmocka_unit_test(test_htmlblob),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_huge_header_line),
		cmocka_unit_test(test_stack_lines),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_start_time),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
