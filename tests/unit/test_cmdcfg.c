/*
 * test_cmdcfg.c - building a start command's config and merging it into
 * a pending one.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmdcfg.h"

/* Parse a JSON literal for the test (aborts on a typo in the test). */
static json_t *
J(const char *s)
{
	json_error_t e;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &e);

	assert_non_null(v);
	return v;
}

/* Assert that two JSON values are equal (order-insensitive for objects). */
static void
assert_json(json_t *got, const char *want)
{
	json_t *w = J(want);

	if (!json_equal(got, w)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);

		print_error("got  %s\nwant %s\n", g, want);
		free(g);
		fail();
	}
	json_decref(w);
}

static void
test_new_start(void **state)
{
	json_t *args = J("{\"enable_perfspect\":false,\"max_processes\":10,"
		"\"command_type\":\"stop\",\"duration\":1,"
		"\"profiler_configs\":{\"perf\":\"enabled_restricted\"}}");
	json_t *pids = J("[1,2]");
	json_t *empty = J("[]");
	struct cmdcfg_start s = { false, 120, 11, "cpu", NULL, args };
	json_t *c;

	c = cmdcfg_new_start(&s, NULL);
	/* additional_args are flat, but cannot override the five base keys */
	assert_json(c, "{\"command_type\":\"start\",\"continuous\":false,"
		"\"duration\":120,\"frequency\":11,\"profiling_mode\":\"cpu\","
		"\"enable_perfspect\":false,\"max_processes\":10,"
		"\"profiler_configs\":{\"perf\":\"enabled_restricted\"}}");
	json_decref(c);
	s.stop_level = "host";
	s.additional_args = NULL;
	s.continuous = true;
	c = cmdcfg_new_start(&s, pids);
	assert_json(c, "{\"command_type\":\"start\",\"continuous\":true,"
		"\"duration\":120,\"frequency\":11,\"profiling_mode\":\"cpu\","
		"\"stop_level\":\"host\",\"pids\":[1,2]}");
	json_decref(c);
	s.stop_level = NULL;
	c = cmdcfg_new_start(&s, empty);
	assert_null(json_object_get(c, "pids"));
	assert_null(json_object_get(c, "stop_level"));
	json_decref(c);
	json_decref(args);
	json_decref(pids);
	json_decref(empty);
}

static void
test_merge(void **state)
{
	json_t *old = J("{\"command_type\":\"start\",\"continuous\":true,"
		"\"duration\":300,\"frequency\":5,\"profiling_mode\":\"cpu\","
		"\"pids\":[1,2],\"max_processes\":3}");
	json_t *fresh = J("{\"command_type\":\"start\",\"continuous\":false,"
		"\"duration\":60,\"frequency\":99,\"profiling_mode\":\"allocation\","
		"\"pids\":[2,3],\"stop_level\":\"host\"}");
	json_t *whole = J("{\"command_type\":\"start\",\"continuous\":false,"
		"\"duration\":600,\"frequency\":11,\"profiling_mode\":\"cpu\"}");
	json_t *stop = J("{\"stop_level\":\"host\",\"command_type\":\"stop\"}");
	json_t *m;

	m = cmdcfg_merge(old, fresh);
	assert_json(m, "{\"command_type\":\"start\",\"continuous\":true,"
		"\"duration\":300,\"frequency\":99,"
		"\"profiling_mode\":\"allocation\",\"pids\":[1,2,3],"
		"\"stop_level\":\"host\"}");
	json_decref(m);
	/* Neither input changed. */
	assert_int_equal(json_array_size(json_object_get(old, "pids")), 2);
	assert_int_equal(json_array_size(json_object_get(fresh, "pids")), 2);
	/* One side covers the whole host: so does the result. */
	m = cmdcfg_merge(old, whole);
	assert_json(m, "{\"command_type\":\"start\",\"continuous\":true,"
		"\"duration\":600,\"frequency\":11,\"profiling_mode\":\"cpu\"}");
	json_decref(m);
	/* A pending stop is replaced, not merged. */
	m = cmdcfg_merge(stop, fresh);
	assert_true(json_equal(m, fresh));
	json_decref(m);
	/* Garbage in the old config is ignored. */
	m = cmdcfg_merge(json_null(), fresh);
	assert_true(json_equal(m, fresh));
	json_decref(m);
	json_decref(old);
	json_decref(fresh);
	json_decref(whole);
	json_decref(stop);
}

static void
test_pids(void **state)
{
	json_t *have = J("[5,6,7,\"x\"]");
	json_t *drop = J("[6,8]");
	json_t *m;
	size_t n;

	m = cmdcfg_pids_minus(have, drop);
	assert_json(m, "[5,7]");
	json_decref(m);
	m = cmdcfg_pids_minus(have, NULL);
	assert_json(m, "[5,6,7]");
	json_decref(m);
	json_decref(have);
	json_decref(drop);

	assert_true(cmdcfg_pids_valid(json_null(), &n));
	assert_int_equal(n, 0);
	m = J("[1,2,3]");
	assert_true(cmdcfg_pids_valid(m, &n));
	assert_int_equal(n, 3);
	json_decref(m);
	m = J("[]");
	assert_true(cmdcfg_pids_valid(m, &n));
	assert_int_equal(n, 0);
	json_decref(m);
	m = J("[1,-2]");
	assert_false(cmdcfg_pids_valid(m, &n));
	json_decref(m);
	m = J("[0]");
	assert_false(cmdcfg_pids_valid(m, &n));
	json_decref(m);
	m = J("[\"1\"]");
	assert_false(cmdcfg_pids_valid(m, &n));
	json_decref(m);
	m = J("[99999999999]");
	assert_false(cmdcfg_pids_valid(m, &n));
	json_decref(m);
	m = J("{}");
	assert_false(cmdcfg_pids_valid(m, &n));
	json_decref(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_start),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_pids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
