/*
 * test_wstatus.c - the workers' status file: what the supervisor writes
 * is what ember-admin reads back, field by field, and a partial or older
 * document reads with its gaps marked.
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

#include "wstatus.h"

static void
test_round_trip(void **state)
{
	char path[] = "/tmp/test_wstatus.XXXXXX";
	struct wstatus_worker rows[2] = {
		{ 0, 101, "BUSY", 7, 2300, 0 },
		{ 1, 102, "IDLE", 0, 0, 3 },
	};
	struct wstatus in, out;
	json_error_t jerr;
	json_t *root;
	size_t i;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	memset(&in, 0, sizeof(in));
	in.pid = 42;
	in.state = "running";
	in.updated_at = "2026-11-25T09:16:33Z";
	in.uptime_s = 3600;
	in.generation = 2;
	in.rate_per_s = 1.5;
	in.in_flight = 1;
	in.pending = 4;
	in.workers = rows;
	in.nworkers = 2;
	in.receiver.pid = 103;
	in.receiver.state = "BUSY";
	in.acker.pid = 104;
	in.acker.state = "IDLE";
	in.acks_pending = 5;
	in.have_queue = true;
	in.q_visible = 0;
	in.q_lag_s = 0;
	for (i = 0; i < WSTATUS_NCOUNTERS; i++)
		in.counters[i] = 10 + i;
	assert_int_equal(wstatus_write(path, &in), E_OK);
	root = json_load_file(path, 0, &jerr);
	assert_non_null(root);
	/* the file's names, in order */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		root, "counters"), "dead_lettered")), 13);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
		root, "queue"), "lag_s")), 0);
	assert_int_equal(wstatus_from_json(root, &out), E_OK);
	assert_int_equal(out.pid, 42);
	assert_string_equal(out.state, "running");
	assert_string_equal(out.updated_at, "2026-11-25T09:16:33Z");
	assert_int_equal(out.generation, 2);
	assert_int_equal(out.nworkers, 2);
	assert_int_equal(out.workers[0].job_ms, 2300);
	assert_string_equal(out.workers[1].state, "IDLE");
	assert_int_equal(out.workers[1].quick_deaths, 3);
	assert_int_equal(out.receiver.pid, 103);
	assert_int_equal(out.acks_pending, 5);
	assert_true(out.have_queue);
	assert_int_equal(out.q_lag_s, 0);
	for (i = 0; i < WSTATUS_NCOUNTERS; i++) {
		assert_true(out.have_counter[i]);
		assert_int_equal(out.counters[i], 10 + i);
	}
	wstatus_release(&out);
	json_decref(root);
	unlink(path);
}

static void
test_partial(void **state)
{
	json_t *root = json_loads("{\"pid\": 9, \"queue\": null,"
		" \"counters\": {\"done\": 3}}", 0, NULL);
	struct wstatus st;

	(void)state;
	assert_int_equal(wstatus_from_json(root, &st), E_OK);
	assert_int_equal(st.pid, 9);
	assert_null(st.state);
	assert_false(st.have_queue);
	assert_int_equal(st.nworkers, 0);
	assert_true(st.have_counter[WSTATUS_DONE]);
	assert_false(st.have_counter[WSTATUS_RECEIVED]);
	assert_string_equal(wstatus_counter_name(WSTATUS_DONE), "done");
	wstatus_release(&st);
	json_decref(root);
	root = json_loads("[1]", 0, NULL);
	assert_int_equal(wstatus_from_json(root, &st), E_PROTO);
	json_decref(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
