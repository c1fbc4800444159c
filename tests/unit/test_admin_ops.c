/*
 * test_admin_ops.c - the pure parts of ember-admin's operations commands
 * (workers/admin/admin_{out,queue,workers}.c): duration and time
 * formatting, one-line cutting, dead-letter lookup, option parsing and
 * the `workers status` table.  The commands themselves run against
 * real servers in tests/integration/t_admin_ops.sh.
 *
 * The test includes admin_queue.c and admin_workers.c (their helpers are
 * static) and stands in for admin.c, whose main() it cannot link.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "admin_queue.c"
#include "admin_workers.c"

static char last_msg[512];

/* admin.c stand-ins: record the message, return the code. */
const struct cfg *
admin_cfg(struct admin_ctx *ctx)
{
	return &ctx->cfg;
}

struct db *
admin_db(struct admin_ctx *ctx)
{
	return ctx->db;
}

int
admin_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	return ADMIN_FAIL;
}

int
admin_usage(const struct admin_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	return ADMIN_USAGE;
}

int
admin_db_fail(struct admin_ctx *ctx, const char *what, int err)
{
	(void)ctx;
	(void)err;
	return admin_fail("%s", what);
}

bool
admin_parse_ulong(const char *s, unsigned long min, unsigned long max,
	unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int
admin_one_arg(struct admin_ctx *ctx, int argc, char **argv, const char *what,
	const char **arg)
{
	if (argc != 2)
		return admin_usage(ctx, "missing %s", what);
	*arg = argv[1];
	return ADMIN_OK;
}

/* Durations pick the two largest units, with a zero-padded second one. */
static void
test_fmt_age(void **state)
{
	static const struct {
		int64_t s;
		const char *want;
	} cases[] = {
		{ -1, "-" }, { 0, "0s" }, { 59, "59s" }, { 60, "1m00s" },
		{ 61, "1m01s" }, { 3599, "59m59s" }, { 3600, "1h00m" },
		{ 3725, "1h02m" }, { 86399, "23h59m" }, { 86400, "1d00h" },
		{ 90061, "1d01h" }, { 400 * 86400LL, "400d00h" },
	};
	volatile size_t small = 4;
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		admin_fmt_age(cases[i].s, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
	/* volatile: a constant size would make gcc warn about the truncation */
	admin_fmt_age(3725, out, small);
	assert_string_equal(out, "1h0");
}

/* Unix seconds print as UTC with Z; 0 and negatives as "-". */
static void
test_fmt_secs(void **state)
{
	char out[40];

	(void)state;
	admin_fmt_secs(1773223200, out, sizeof(out));
	assert_string_equal(out, "2026-03-11T10:00:00Z");
	admin_fmt_secs(0, out, sizeof(out));
	assert_string_equal(out, "-");
	admin_fmt_secs(-5, out, sizeof(out));
	assert_string_equal(out, "-");
}

/* Control bytes become '?', long text is cut with "...", buffers hold. */
static void
test_short(void **state)
{
	char out[16];
	char big[80];

	(void)state;
	admin_short(big, sizeof(big), "a\nb\tc\x7f" "d", 60);
	assert_string_equal(big, "a?b?c?d");
	admin_short(big, sizeof(big), "abcdef", 6);
	assert_string_equal(big, "abcdef");
	admin_short(big, sizeof(big), "abcdefg", 6);
	assert_string_equal(big, "abcdef...");
	admin_short(big, sizeof(big), "", 6);
	assert_string_equal(big, "");
	/* The output buffer is the limit even when cut is larger. */
	admin_short(out, sizeof(out), "0123456789abcdefghij", 60);
	assert_true(strlen(out) < sizeof(out));
	assert_string_equal(out, "0123456789ab...");
}

/* Dead letters are found by id, case-insensitively. */
static void
test_dead_find(void **state)
{
	struct queue_dead items[2];

	(void)state;
	memset(items, 0, sizeof(items));
	items[0].id = "11111111-1111-4111-8111-aaaaaaaaaaaa";
	items[1].id = "22222222-2222-4222-8222-bbbbbbbbbbbb";
	assert_ptr_equal(admin_dead_find(items, 2,
		"22222222-2222-4222-8222-BBBBBBBBBBBB"), &items[1]);
	assert_ptr_equal(admin_dead_find(items, 2, items[0].id), &items[0]);
	assert_null(admin_dead_find(items, 2, "22222222"));
	assert_null(admin_dead_find(items, 0, items[0].id));
}

/* Dead letters as JSON: every field, and bodies that are not UTF-8. */
static void
test_dead_json(void **state)
{
	struct queue_dead d;
	json_t *v;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.id = "11111111-1111-4111-8111-aaaaaaaaaaaa";
	d.body = "{\"a\":\"\xff\xfe\"}";
	d.reason = NULL;
	d.receive_count = 5;
	d.failed_at = 1773223200;
	v = admin_dead_json(&d);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "body")), "{\"a\":\"??\"}");
	assert_string_equal(json_string_value(json_object_get(v, "reason")), "");
	assert_string_equal(json_string_value(json_object_get(v, "failed_at")),
		"2026-03-11T10:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(v, "receive_count")), 5);
	json_decref(v);
	d.body = "caf\xc3\xa9";
	v = admin_dead_json(&d);
	assert_string_equal(json_string_value(json_object_get(v, "body")), "caf\xc3\xa9");
	json_decref(v);
}

/* Run admin_opts_json on a NULL-terminated argument list. */
static int
opts(const char **args, bool *json, unsigned long *limit, int npos,
	const char **pos)
{
	struct admin_ctx ctx;
	char *argv[8];
	int argc = 0;

	memset(&ctx, 0, sizeof(ctx));
	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	optind = 0;
	opterr = 0;
	return admin_opts_json(&ctx, argc, argv, json, limit, npos, pos);
}

/* --json, --limit and positional arguments, with every usage error. */
static void
test_opts_json(void **state)
{
	const char *a1[] = { "list", "--json", "--limit", "5", NULL };
	const char *a2[] = { "list", "--limit", "0", NULL };
	const char *a3[] = { "list", "--limit", NULL };
	const char *a4[] = { "status", "extra", NULL };
	const char *a5[] = { "show", "ID1", "--json", NULL };
	const char *a6[] = { "show", NULL };
	const char *a7[] = { "status", "--limit", "3", NULL };
	const char *a8[] = { "status", "--bogus", NULL };
	const char *pos[1] = { NULL };
	unsigned long limit = 100;
	bool json = false;

	(void)state;
	assert_int_equal(opts(a1, &json, &limit, 0, NULL), ADMIN_OK);
	assert_true(json);
	assert_int_equal(limit, 5);
	assert_int_equal(opts(a2, &json, &limit, 0, NULL), ADMIN_USAGE);
	assert_non_null(strstr(last_msg, "--limit must be"));
	assert_int_equal(opts(a3, &json, &limit, 0, NULL), ADMIN_USAGE);
	assert_non_null(strstr(last_msg, "needs a value"));
	assert_int_equal(opts(a4, &json, NULL, 0, NULL), ADMIN_USAGE);
	assert_non_null(strstr(last_msg, "'extra'"));
	json = false;
	assert_int_equal(opts(a5, &json, NULL, 1, pos), ADMIN_OK);
	assert_string_equal(pos[0], "ID1");
	assert_true(json);
	assert_int_equal(opts(a6, &json, NULL, 1, pos), ADMIN_USAGE);
	assert_non_null(strstr(last_msg, "missing"));
	assert_int_equal(opts(a7, &json, NULL, 0, NULL), ADMIN_USAGE);
	assert_int_equal(opts(a8, &json, NULL, 0, NULL), ADMIN_USAGE);
	assert_non_null(strstr(last_msg, "--bogus"));
}

/* Capture what admin_workers_print() writes for one document. */
static char *
print_status(const char *text)
{
	json_error_t jerr;
	json_t *root = json_loads(text, 0, &jerr);
	char path[] = "/tmp/test_admin_ops.XXXXXX";
	char *out = calloc(1, 8192);
	int saved;
	int fd;
	FILE *f;

	assert_non_null(root);
	assert_non_null(out);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(1);
	assert_true(dup2(fd, 1) >= 0);
	admin_workers_print(root, "/run/x.json", 3);
	fflush(stdout);
	assert_true(dup2(saved, 1) >= 0);
	close(saved);
	f = fdopen(fd, "r");
	assert_non_null(f);
	rewind(f);
	assert_true(fread(out, 1, 8191, f) > 0);
	fclose(f);
	unlink(path);
	json_decref(root);
	return out;
}

/* The table: every section, worker rows, and tolerance of missing parts. */
static void
test_workers_print(void **state)
{
	char *out;

	(void)state;
	out = print_status("{\"pid\": 812, \"state\": \"running\","
		" \"updated_at\": \"2026-11-25T09:16:33Z\", \"uptime_s\": 3600,"
		" \"generation\": 1, \"rate_per_s\": 41.0, \"in_flight\": 4,"
		" \"pending\": 0, \"workers\": [{\"slot\": 0, \"pid\": 815,"
		" \"state\": \"BUSY\", \"job\": 5125, \"job_ms\": 2340,"
		" \"quick_deaths\": 0}], \"queue\": {\"visible\": 17,"
		" \"in_flight\": 4, \"dead\": 1, \"lag_s\": 2},"
		" \"counters\": {\"received\": 5125, \"done\": 5120}}");
	assert_non_null(strstr(out, "status file:  /run/x.json\n"));
	assert_non_null(strstr(out, "supervisor:   pid 812, running, updated "
		"2026-11-25T09:16:33Z (3s ago)\n"));
	assert_non_null(strstr(out, "uptime:       1h00m, generation 1\n"));
	assert_non_null(strstr(out, "jobs:         4 in flight, 0 pending, 41.0/s\n"));
	assert_non_null(strstr(out, "queue:        17 waiting, 4 in flight, 1 dead, lag 2s\n"));
	assert_non_null(strstr(out, "counters:  received=5125  done=5120\n"));
	assert_non_null(strstr(out, "\n0      815       BUSY        5125      2.3s        0\n"));
	free(out);

	/* Before the receiver reports, queue is null; unknown state strings pass. */
	out = print_status("{\"pid\": 9, \"state\": \"starting\", \"queue\": null,"
		" \"workers\": []}");
	assert_non_null(strstr(out, "supervisor:   pid 9, starting, updated ?"));
	assert_non_null(strstr(out, "queue:        (no counters yet)\n"));
	assert_null(strstr(out, "counters:"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_age),
		cmocka_unit_test(test_fmt_secs),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_dead_find),
		cmocka_unit_test(test_dead_json),
		cmocka_unit_test(test_opts_json),
		cmocka_unit_test(test_workers_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
