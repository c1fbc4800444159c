/*
 * test_collapsed.c - stack line parsing: the agent's layouts, the drop
 * and bad-line rules, limits, normalisation, container names, and the
 * figures of the upstream indexer's own test file.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "collapsed.h"
#include "jsonx.h"

/* Parse text with a header given as JSON text (NULL = none). */
static void
parse(const char *text, const char *hdr, const struct coll_limits *lim,
	struct arena *a, struct coll_result *r)
{
	json_t *h = hdr ? json_loads(hdr, 0, NULL) : NULL;

	if (hdr)
		assert_non_null(h);
	coll_parse(text, strlen(text), h, lim, a, r);
	json_decref(h);
}

/* Frames of line i joined with ';' (in the arena). */
static const char *
joined(struct arena *a, const struct coll_result *r, size_t i)
{
	struct buf b = BUF_INIT(0);
	const char *s;
	size_t k;

	for (k = 0; k < r->lines[i].nframes; k++) {
		if (k)
			assert_int_equal(buf_add(&b, ";", 1), E_OK);
		assert_int_equal(buf_add(&b, r->lines[i].frames[k],
			strlen(r->lines[i].frames[k])), E_OK);
	}
	s = arena_memdupz(a, b.data, b.len);
	buf_release(&b);
	return s;
}

/* Container field present, no app metadata index: the default layout. */
static void
test_layout_default(void **state)
{
	struct arena a;
	struct coll_result r;

	(void)state;
	arena_init(&a, 0);
	parse("# {}\nweb;python;main; run ;leaf x 3\n;java;a 2\n", NULL, NULL,
		&a, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.bad, 0);
	assert_string_equal(r.lines[0].container, "web");
	assert_string_equal(joined(&a, &r, 0), "python;main;run;leaf x");
	assert_int_equal(r.lines[0].count, 3);
	assert_string_equal(r.lines[1].container, "");
	assert_int_equal(r.samples, 5);
	arena_release(&a);
}

/* application_metadata_enabled adds a leading index; v1 has no container. */
static void
test_layout_appmeta_v1(void **state)
{
	struct arena a;
	struct coll_result r;

	(void)state;
	arena_init(&a, 0);
	parse("0;c1;comm;appid: x;f 4\nnoidx 1\n",
		"{\"application_metadata_enabled\":true}", NULL, &a, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.bad, 1);	/* "noidx 1": fields missing, no panic */
	assert_string_equal(r.lines[0].container, "c1");
	assert_string_equal(joined(&a, &r, 0), "comm;appid: x;f");
	parse("comm;f 2\n", "{\"application_metadata_enabled\":true,"
		"\"metadata\":{\"run_arguments\":{\"profile_api_version\":"
		"\"v1\"}}}", NULL, &a, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.lines[0].container, "");
	assert_string_equal(joined(&a, &r, 0), "comm;f");
	arena_release(&a);
}

/* Swapper and count 0 are dropped; malformed lines are counted. */
static void
test_drop_and_bad(void **state)
{
	struct arena a;
	struct coll_result r;

	(void)state;
	arena_init(&a, 0);
	parse("c;swapper;idle 100\nc;comm;f 0\nc;comm;f x\nc;comm;f\n"
		"c;comm;f -3\n\n   \n# comment\nc; ; ; 5\nc;comm;f 99999999999999999999999\n"
		"c;comm;g 7\n", NULL, NULL, &a, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.dropped, 2);
	assert_int_equal(r.bad, 5);
	assert_int_equal(r.samples, 7);
	arena_release(&a);
}

/* Line length, depth and line count limits. */
static void
test_limits(void **state)
{
	struct arena a;
	struct coll_result r;
	struct coll_limits lim = { .max_line = 20, .max_frames = 3,
		.max_lines = 2 };

	(void)state;
	arena_init(&a, 0);
	parse("c;a;b;c 1\nc;a;b;c;d 1\nc;aaaaaaaaaaaaaaaaaaaa 1\nc;x 1\n"
		"c;y 1\n", NULL, &lim, &a, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.bad, 3);
	assert_true(r.truncated);
	arena_release(&a);
}

/* The normalisation rules. */
static void
test_normalize(void **state)
{
	static const char *const cases[][2] = {
		{ "sun.reflect.GeneratedMethodAccessor123.invoke_[j]",
		  "sun.reflect.GeneratedMethodAccessor[m].invoke_[j]" },
		{ "Foo$$Lambda$17/0x0000000800c0b040.run_[j]",
		  "Foo$$Lambda$[m]/[m].run_[j]" },
		{ "Foo$$Lambda/0x0000000800c0b040.run_[j]",
		  "Foo$$Lambda/[m].run_[j]" },
		{ "/tmp/perf-1234.map;x", "/tmp/perf-[m].map;x" },
		{ "com.sun.proxy.$Proxy42.get;$Proxy7.put",
		  "com.sun.proxy.$Proxy[m].get;$Proxy[m].put" },
		{ "/tmp/staticx-AbC123/lib.so", "/tmp/staticx-[m]/lib.so" },
		{ "/tmp/_MEIx9Y8z7/app.py", "/tmp/_MEI[m]/app.py" },
		{ "GeneratedClass$GeneratedIteratorForCodegenStage12.processNext_3",
		  "GeneratedClass$GeneratedIteratorForCodegenStage[m].processNext_[m]" },
		{ "plain;frames;only", "plain;frames;only" },
	};
	struct arena a;
	size_t i, n;

	(void)state;
	arena_init(&a, 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		assert_string_equal(coll_normalize(cases[i][0],
			strlen(cases[i][0]), &a, &n), cases[i][1]);
	arena_release(&a);
}

/* k8s and ECS container names. */
static void
test_container(void **state)
{
	static const char *const cases[][3] = {
		{ "k8s_web_checkout-7d9f8b6c4-x2k4p_prod_0f1e2d3c_0",
		  "web_checkout_prod", "checkout_prod" },
		{ "k8s_db_redis-0_cache_uid_1", "db_redis_cache", "redis_cache" },
		{ "k8s_a_my-app-facade_ns_u_0", "a_my-app_ns", "my-app_ns" },
		{ "k8s_jm_flink-jobmanager-1_ns_u_0", "jm_flink-jobmanager-1_ns",
		  "flink-jobmanager-1_ns" },
		{ "k8s_too_few_parts", "k8s_too_few_parts", "" },
		{ "ecs-fam-3-name-abcdef", "name_fam", "fam" },
		{ "ecs-fam", "ecs-fam", "fam" },
		{ "plain", "plain", "" },
		{ "", "", "" },
	};
	struct arena a;
	const char *name, *env;
	size_t i;

	(void)state;
	arena_init(&a, 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		coll_container(cases[i][0], &a, &name, &env);
		assert_string_equal(name, cases[i][1]);
		assert_string_equal(env, cases[i][2]);
	}
	arena_release(&a);
}

/* Compare two strings through pointers (qsort). */
static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Distinct strings of a sorted array. */
static size_t
distinct(const char **v, size_t n)
{
	size_t i, d = 0;

	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			d++;
	return d;
}

/*
 * The upstream indexer's test file: 73 stack lines, 4 of them swapper;
 * 79 samples kept, 651 (container, stack prefix) rows, 25 process names.
 */
static void
test_upstream_fixture(void **state)
{
	struct buf text = BUF_INIT(0);
	struct arena a;
	struct coll_result r;
	json_t *h;
	const char **prefixes, **roots;
	size_t np = 0, i, k;
	FILE *f;
	char chunk[4096];
	size_t got;

	(void)state;
	arena_init(&a, 0);
	f = fopen(EMBER_SRCDIR "/tests/data/collapsed/upstream_indexer_stackfile",
		"r");
	assert_non_null(f);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_add(&text, chunk, got), E_OK);
	fclose(f);
	h = json_loadb(text.data + 1, (size_t)((char *)memchr(text.data, '\n',
		text.len) - text.data - 1), 0, NULL);
	assert_non_null(h);
	coll_parse(text.data, text.len, h, NULL, &a, &r);
	assert_int_equal(r.n + r.dropped, 73);
	assert_int_equal(r.dropped, 4);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.samples, 79);
	prefixes = arena_alloc(&a, 100000 * sizeof(*prefixes));
	roots = arena_alloc(&a, r.n * sizeof(*roots));
	for (i = 0; i < r.n; i++) {
		struct buf p = BUF_INIT(0);

		assert_int_equal(buf_add(&p, r.lines[i].container,
			strlen(r.lines[i].container)), E_OK);
		roots[i] = r.lines[i].frames[0];
		for (k = 0; k < r.lines[i].nframes; k++) {
			assert_int_equal(buf_add(&p, "\x1f", 1), E_OK);
			assert_int_equal(buf_add(&p, r.lines[i].frames[k],
				strlen(r.lines[i].frames[k])), E_OK);
			prefixes[np++] = arena_memdupz(&a, p.data, p.len);
		}
		buf_release(&p);
	}
	assert_int_equal(distinct(prefixes, np), 651);
	assert_int_equal(distinct(roots, r.n), 25);
	json_decref(h);
	buf_release(&text);
	arena_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_default),
		cmocka_unit_test(test_layout_appmeta_v1),
		cmocka_unit_test(test_drop_and_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_container),
		cmocka_unit_test(test_upstream_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
