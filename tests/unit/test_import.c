/*
 * test_import.c - profiles from files: perf script (kernel, inlined and
 * unknown frames, other events), pprof (several sample types, inlined
 * lines, gzip, bad indexes), flamegraph pages, detection and limits.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "gz.h"
#include "import.h"
#include "pprof.pb-c.h"

/* The stacks a parser gave, as folded lines "a;b;c N\n" in call order. */
static int
collect(void *ctx, const char *const *frames, size_t n, uint64_t count)
{
	struct buf *out = ctx;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ';');
		buf_puts(out, frames[i]);
	}
	buf_putf(out, " %llu\n", (unsigned long long)count);
	return E_OK;
}

static const struct imp_limits lim = { 1 << 20, 128, 1000, 256 };

static const char perf_text[] =
	"# ========\n"
	"# captured on: Sun Dec  6 10:00:00 2026\n"
	"# ========\n"
	"java 4242/4250 [001] 12345.678901:   10101010 cycles: \n"
	"\tffffffffa1234567 native_safe_halt+0x6 ([kernel.kallsyms])\n"
	"\t    7f0011223344 inner_loop (inlined)\n"
	"\t    7f0011223344 Compute::run+0x1f (/opt/app/libcompute.so)\n"
	"\t    7f00aabbccdd [unknown] (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
	"\t               0 [unknown] ([unknown])\n"
	"\n"
	"java 4242/4250 [001] 12345.688901:   10101010 cycles: \n"
	"\tffffffffa1234567 native_safe_halt+0x6 ([kernel.kallsyms])\n"
	"\n"
	"my app 77 [000] 12345.700000: 1 cache-misses: \n"
	"\t    55550000 main (/usr/bin/myapp)\n"
	"\n"
	"my app 77 [000] 12345.700001:   10101010 cycles: \n"
	"\t    55550000 a;b (/usr/bin/myapp)\n"
	"\t    55550001 main (/usr/bin/myapp)\n";

static void
test_perf(void **state)
{
	struct buf out = BUF_INIT(0);
	struct imp_result res;
	struct arena a;
	char err[256];

	(void)state;
	arena_init(&a, 0);
	assert_int_equal(imp_detect(perf_text, strlen(perf_text)), IMP_PERF);
	assert_int_equal(imp_perf(perf_text, strlen(perf_text), &lim, &a,
		collect, &out, &res, err, sizeof(err)), E_OK);
	assert_string_equal(out.data,
		"java;[unknown];[libc.so.6];Compute::run;inner_loop;native_safe_halt_[k] 1\n"
		"java;native_safe_halt_[k] 1\n"
		"my_app;main;a:b 1\n");
	assert_int_equal(res.stacks, 3);
	assert_int_equal(res.samples, 3);
	assert_int_equal(res.skipped, 1);	/* the cache-misses sample */
	assert_string_equal(res.detail, "event cycles");
	arena_release(&a);
	buf_release(&out);
}

static void
test_perf_rejects(void **state)
{
	static const char orphan[] = "\tffff0000 foo (bar)\n";
	static const char nopid[] = "justaword\n\tffff0000 foo (bar)\n";
	struct imp_limits tight = lim;
	struct buf out = BUF_INIT(0);
	struct imp_result res;
	struct arena a;
	char err[256];

	(void)state;
	arena_init(&a, 0);
	assert_int_equal(imp_perf(orphan, strlen(orphan), &lim, &a, collect,
		&out, &res, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "line 1"));
	assert_int_equal(imp_perf(nopid, strlen(nopid), &lim, &a, collect,
		&out, &res, err, sizeof(err)), E_INVAL);
	assert_int_equal(imp_perf("", 0, &lim, &a, collect, &out, &res, err,
		sizeof(err)), E_INVAL);
	/* the deepest stack has 6 frames (process name included): exactly
	 * the limit is fine, one less is not */
	tight.max_frames = 6;
	buf_reset(&out);
	assert_int_equal(imp_perf(perf_text, strlen(perf_text), &tight, &a,
		collect, &out, &res, err, sizeof(err)), E_OK);
	tight.max_frames = 5;
	assert_int_equal(imp_perf(perf_text, strlen(perf_text), &tight, &a,
		collect, &out, &res, err, sizeof(err)), E_TOOBIG);
	tight = lim;
	tight.max_stacks = 1;
	assert_int_equal(imp_perf(perf_text, strlen(perf_text), &tight, &a,
		collect, &out, &res, err, sizeof(err)), E_TOOBIG);
	tight = lim;
	tight.max_input = 10;
	assert_int_equal(imp_perf(perf_text, strlen(perf_text), &tight, &a,
		collect, &out, &res, err, sizeof(err)), E_TOOBIG);
	arena_release(&a);
	buf_release(&out);
}

/* ------------------------------------------------------------------ pprof */

typedef Perftools__Profiles__Profile pb_profile;

/*
 * A profile with two sample types (samples/count, cpu/nanoseconds),
 * functions main, work, inl (inlined into work) and a location without
 * lines; packed into out (gzip'd when gzip).
 */
static void
make_pprof(struct buf *out, bool gzip, uint64_t bad_location)
{
	static char *strings[] = { "", "samples", "count", "cpu", "nanoseconds",
		"main", "work", "inl", "a;b\n" };
	Perftools__Profiles__ValueType vt[2] = {
		PERFTOOLS__PROFILES__VALUE_TYPE__INIT,
		PERFTOOLS__PROFILES__VALUE_TYPE__INIT };
	Perftools__Profiles__ValueType *vtp[2] = { &vt[0], &vt[1] };
	Perftools__Profiles__Function fn[4] = {
		PERFTOOLS__PROFILES__FUNCTION__INIT, PERFTOOLS__PROFILES__FUNCTION__INIT,
		PERFTOOLS__PROFILES__FUNCTION__INIT, PERFTOOLS__PROFILES__FUNCTION__INIT };
	Perftools__Profiles__Function *fnp[4] = { &fn[0], &fn[1], &fn[2], &fn[3] };
	Perftools__Profiles__Line ln[4] = {
		PERFTOOLS__PROFILES__LINE__INIT, PERFTOOLS__PROFILES__LINE__INIT,
		PERFTOOLS__PROFILES__LINE__INIT, PERFTOOLS__PROFILES__LINE__INIT };
	Perftools__Profiles__Line *l_main[1] = { &ln[0] };
	Perftools__Profiles__Line *l_work[2] = { &ln[2], &ln[1] };	/* inl inlined into work */
	Perftools__Profiles__Line *l_odd[1] = { &ln[3] };
	Perftools__Profiles__Location loc[4] = {
		PERFTOOLS__PROFILES__LOCATION__INIT, PERFTOOLS__PROFILES__LOCATION__INIT,
		PERFTOOLS__PROFILES__LOCATION__INIT, PERFTOOLS__PROFILES__LOCATION__INIT };
	Perftools__Profiles__Location *locp[4] = { &loc[0], &loc[1], &loc[2], &loc[3] };
	uint64_t ids1[2] = { 20, 10 };		/* work(+inl) <- main */
	uint64_t ids2[1] = { 10 };		/* main only */
	uint64_t ids3[2] = { 30, 10 };		/* no lines <- main */
	uint64_t ids4[2] = { 40, 10 };		/* odd name <- main */
	int64_t v1[2] = { 3, 3000 }, v2[2] = { 1, 7000 }, v3[2] = { 2, 0 }, v4[2] = { 1, 10 };
	Perftools__Profiles__Sample s[4] = {
		PERFTOOLS__PROFILES__SAMPLE__INIT, PERFTOOLS__PROFILES__SAMPLE__INIT,
		PERFTOOLS__PROFILES__SAMPLE__INIT, PERFTOOLS__PROFILES__SAMPLE__INIT };
	Perftools__Profiles__Sample *sp[4] = { &s[0], &s[1], &s[2], &s[3] };
	pb_profile p = PERFTOOLS__PROFILES__PROFILE__INIT;
	size_t n;
	uint8_t *bytes;
	int i;

	vt[0].type = 1, vt[0].unit = 2, vt[1].type = 3, vt[1].unit = 4;
	for (i = 0; i < 4; i++)
		fn[i].id = 100 + i;
	fn[0].name = 5, fn[1].name = 6, fn[2].name = 7, fn[3].name = 8;
	ln[0].function_id = 100, ln[1].function_id = 101, ln[2].function_id = 102;
	ln[3].function_id = 103;
	loc[0].id = 10, loc[0].n_line = 1, loc[0].line = l_main;
	loc[1].id = 20, loc[1].n_line = 2, loc[1].line = l_work;
	loc[2].id = 30, loc[2].address = 0xbeef;
	loc[3].id = 40, loc[3].n_line = 1, loc[3].line = l_odd;
	s[0].n_location_id = 2, s[0].location_id = ids1, s[0].n_value = 2, s[0].value = v1;
	s[1].n_location_id = 1, s[1].location_id = ids2, s[1].n_value = 2, s[1].value = v2;
	s[2].n_location_id = 2, s[2].location_id = ids3, s[2].n_value = 2, s[2].value = v3;
	s[3].n_location_id = 2, s[3].location_id = ids4, s[3].n_value = 2, s[3].value = v4;
	if (bad_location)
		ids2[0] = bad_location;
	p.n_sample_type = 2, p.sample_type = vtp;
	p.n_function = 4, p.function = fnp;
	p.n_location = 4, p.location = locp;
	p.n_sample = 4, p.sample = sp;
	p.n_string_table = ARRAY_SIZE(strings), p.string_table = strings;
	n = perftools__profiles__profile__get_packed_size(&p);
	bytes = malloc(n);
	assert_non_null(bytes);
	perftools__profiles__profile__pack(&p, bytes);
	buf_reset(out);
	if (gzip)
		assert_int_equal(gz_deflate(bytes, n, -1, out), E_OK);
	else
		buf_put(out, bytes, n);
	free(bytes);
}

static void
test_pprof(void **state)
{
	struct buf in = BUF_INIT(0), out = BUF_INIT(0);
	struct imp_result res;
	struct arena a;
	char err[256];

	(void)state;
	arena_init(&a, 0);
	make_pprof(&in, true, 0);
	assert_int_equal(imp_detect(in.data, in.len), IMP_PPROF);
	/* cpu is preferred to samples; a zero value is skipped */
	assert_int_equal(imp_pprof(in.data, in.len, NULL, &lim, &a, collect,
		&out, &res, err, sizeof(err)), E_OK);
	assert_string_equal(out.data,
		"main;work;inl 3000\n"
		"main 7000\n"
		"main;a:b? 10\n");
	assert_int_equal(res.samples, 10010);
	assert_int_equal(res.skipped, 1);
	assert_string_equal(res.detail, "sample type cpu/nanoseconds");
	/* a named type; plain (not gzip'd) protobuf is read too */
	make_pprof(&in, false, 0);
	assert_int_equal(imp_detect(in.data, in.len), IMP_PPROF);
	buf_reset(&out);
	assert_int_equal(imp_pprof(in.data, in.len, "samples", &lim, &a, collect,
		&out, &res, err, sizeof(err)), E_OK);
	assert_string_equal(out.data,
		"main;work;inl 3\n"
		"main 1\n"
		"main;0xbeef 2\n"
		"main;a:b? 1\n");
	assert_int_equal(imp_pprof(in.data, in.len, "alloc_space", &lim, &a,
		collect, &out, &res, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "alloc_space"));
	arena_release(&a);
	buf_release(&in);
	buf_release(&out);
}

static void
test_pprof_rejects(void **state)
{
	struct buf in = BUF_INIT(0), out = BUF_INIT(0), bomb = BUF_INIT(0);
	struct imp_limits tight = lim;
	struct imp_result res;
	struct arena a;
	char err[256], *zeros;

	(void)state;
	arena_init(&a, 0);
	make_pprof(&in, true, 999);
	assert_int_equal(imp_pprof(in.data, in.len, NULL, &lim, &a, collect,
		&out, &res, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "location 999"));
	assert_int_equal(imp_pprof("\x0a\xff\xff", 3, NULL, &lim, &a, collect,
		&out, &res, err, sizeof(err)), E_INVAL);
	make_pprof(&in, false, 0);
	tight.max_frames = 2;
	assert_int_equal(imp_pprof(in.data, in.len, NULL, &tight, &a, collect,
		&out, &res, err, sizeof(err)), E_TOOBIG);
	/* a gzip bomb stops at max_input */
	zeros = calloc(1, 4 << 20);
	assert_non_null(zeros);
	assert_int_equal(gz_deflate(zeros, 4 << 20, 9, &bomb), E_OK);
	free(zeros);
	assert_int_equal(imp_pprof(bomb.data, bomb.len, NULL, &lim, &a, collect,
		&out, &res, err, sizeof(err)), E_TOOBIG);
	arena_release(&a);
	buf_release(&in);
	buf_release(&out);
	buf_release(&bomb);
}

/* ------------------------------------------------------------------- html */

static const char page[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><title>gProfiler</title></head><body>\n"
	"<script>\n d3.select(\"#chart\")\n          .datum("
	"{\"name\": \"root\", \"value\": 10, \"children\": ["
	"{\"name\": \"python3\", \"value\": 7, \"children\": ["
	"  {\"name\": \"main\", \"value\": 6, \"children\": ["
	"    {\"name\": \"foo\", \"value\": 4, \"children\": []},"
	"    {\"name\": \"b}a\\\"r\", \"value\": 1, \"children\": []}]}]},"
	"{\"name\": \"java\", \"value\": 3, \"children\": []}]})\n"
	"          .call(flameGraph);\n function f() { return {a: [1, 2]}; }\n</script></body></html>\n";

static void
test_html(void **state)
{
	struct buf out = BUF_INIT(0);
	struct imp_limits tight = lim;
	struct imp_result res;
	struct arena a;
	char err[256];

	(void)state;
	arena_init(&a, 0);
	assert_int_equal(imp_detect(page, strlen(page)), IMP_HTML);
	assert_int_equal(imp_html(page, strlen(page), &lim, &a, collect, &out,
		&res, err, sizeof(err)), E_OK);
	/* own samples: python3 1, main 1, foo 4, b}a"r 1, java 3 */
	assert_string_equal(out.data,
		"python3 1\n"
		"python3;main 1\n"
		"python3;main;foo 4\n"
		"python3;main;b}a\"r 1\n"
		"java 3\n");
	assert_int_equal(res.samples, 10);
	assert_int_equal(imp_html("<html>nothing</html>", 20, &lim, &a, collect,
		&out, &res, err, sizeof(err)), E_INVAL);
	assert_non_null(strstr(err, "no flamegraph data"));
	tight.max_frames = 2;
	assert_int_equal(imp_html(page, strlen(page), &tight, &a, collect, &out,
		&res, err, sizeof(err)), E_TOOBIG);
	arena_release(&a);
	buf_release(&out);
}

static void
test_detect(void **state)
{
	(void)state;
	assert_int_equal(imp_detect("a;b;c 12\na;d 3\n", 15), IMP_FOLDED);
	assert_int_equal(imp_detect("# {\"metadata\": {}}\n0;;a;b 1\n", 28), IMP_COLLAPSED);
	assert_int_equal(imp_detect("<html><body></body></html>", 26), IMP_HTML);
	assert_int_equal(imp_detect("hello world\n", 12), IMP_UNKNOWN);
	assert_int_equal(imp_detect("\x01\x02\x03", 3), IMP_UNKNOWN);
	assert_int_equal(imp_detect("", 0), IMP_UNKNOWN);
	assert_int_equal(imp_format_parse("perf"), IMP_PERF);
	assert_int_equal(imp_format_parse("nope"), IMP_UNKNOWN);
	assert_string_equal(imp_format_name(IMP_PPROF), "pprof");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf),
		cmocka_unit_test(test_perf_rejects),
		cmocka_unit_test(test_pprof),
		cmocka_unit_test(test_pprof_rejects),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_detect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
