/*
 * test_ctl.c - the control-loop handlers (heartbeat, command completion,
 * profile request, host status) after validation, over the fake data layer
 * (tests/fakes/fake_ctl.c): what they ask the database for and what they
 * answer for each thing it says.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_ctl.h"
#include "route.h"

static struct cfg cfg;
static struct app app;
static struct arena A;
static struct req_mem M;

static const char *HB = "{\"ip_address\":\"10.0.0.1\",\"hostname\":\"h1\","
	"\"service_name\":\"s\",\"last_command_id\":\"nope\","
	"\"received_command_ids\":[\"00000000-0000-4000-8000-0000000000AA\",\"x\"]}";
static const char *CID = "00000000-0000-4000-8000-000000000001";

static int
setup(void **state)
{
	cfg_defaults(&cfg);
	/* operator endpoints without a login, as the web server would pass */
	cfg.fcgi.require_remote_user = false;
	app_init(&app, &cfg);
	arena_init(&A, 0);
	req_mem_init(&M, NULL, 0);
	fake_ctl_reset();
	return 0;
}

static int
teardown(void **state)
{
	req_mem_release(&M);
	arena_release(&A);
	app_release(&app);
	cfg_release(&cfg);
	return 0;
}

/* The handler of a path (the route table would link every handler). */
static route_fn *
handler_of(const char *uri)
{
	if (strstr(uri, "/heartbeat"))
		return h_heartbeat;
	if (strstr(uri, "/command_completion"))
		return h_command_completion;
	if (strstr(uri, "/profile_request"))
		return h_profile_request;
	return h_host_status;
}

/* Run one request with a bearer key and a JSON body; the status. */
static int
run(const char *method, const char *uri, const char *body, const char **out)
{
	int err;

	char *env[8];
	struct req r;
	struct req_io io;
	size_t n = 0;

	env[n++] = arena_printf(&A, "REQUEST_METHOD=%s", method);
	env[n++] = arena_printf(&A, "REQUEST_URI=%s", uri);
	env[n++] = "HTTP_AUTHORIZATION=Bearer k1";
	env[n++] = "CONTENT_TYPE=application/json";
	if (body)
		env[n++] = arena_printf(&A, "CONTENT_LENGTH=%zu", strlen(body));
	env[n] = NULL;
	req_mem_release(&M);
	req_mem_init(&M, body, body ? strlen(body) : 0);
	io = req_mem_io(&M);
	req_init(&r, &A, env, &io);
	err = handler_of(uri)(&r, &app);
	if (err && !r.status && req_send_message(&r, err_http_status(err),
		err_str(err)))
		fail_msg("cannot answer");
	*out = req_mem_body(&M);
	return req_mem_status(&M);
}

static void
test_heartbeat_no_command(void **state)
{
	const char *b;

	assert_int_equal(run("POST", "/api/metrics/heartbeat", HB, &b), 200);
	assert_string_equal(b, "{\"success\":true,\"message\":\"Heartbeat "
		"received. No profiling commands.\",\"profiling_command\":null,"
		"\"command_id\":null}");
	assert_int_equal(fake_ctl.puts, 1);
	assert_string_equal(fake_ctl.last_hb.key, "k1");
	assert_string_equal(fake_ctl.last_hb.status, "active");
	assert_null(fake_ctl.last_hb.last_command_id);	/* dropped */
	assert_int_equal(fake_ctl.last_hb.n_received, 1);
	assert_string_equal(fake_ctl.last_hb.received[0],
		"00000000-0000-4000-8000-0000000000aa");
	assert_true(fake_ctl.last_hb.async_commit);	/* the default policy */
	assert_int_equal(fake_ctl.sent, 0);
	cfg.fcgi.heartbeat_sync = true;
	assert_int_equal(run("POST", "/api/metrics/heartbeat", HB, &b), 200);
	assert_false(fake_ctl.last_hb.async_commit);
}

static void
test_heartbeat_hands_command_out(void **state)
{
	const char *b;

	fake_ctl.has_cmd = true;
	fake_ctl.cmd_pending = true;
	memcpy(fake_ctl.cmd_id, CID, 37);
	fake_ctl.cmd_type = "start";
	fake_ctl.cmd_config = "{\"duration\":60,\"command_type\":\"start\"}";
	assert_int_equal(run("POST", "/api/metrics/heartbeat", HB, &b), 200);
	assert_string_equal(b, "{\"success\":true,\"message\":\"Heartbeat "
		"received. New profiling command available.\","
		"\"profiling_command\":{\"command_type\":\"start\","
		"\"combined_config\":{\"duration\":60,\"command_type\":\"start\"}},"
		"\"command_id\":\"00000000-0000-4000-8000-000000000001\"}");
	assert_int_equal(fake_ctl.sent, 1);
	assert_string_equal(fake_ctl.sent_id, CID);
	/* already handed out: answered again, not handed out twice */
	fake_ctl.cmd_pending = false;
	assert_int_equal(run("POST", "/api/metrics/heartbeat", HB, &b), 200);
	assert_non_null(strstr(b, CID));
	assert_int_equal(fake_ctl.sent, 1);
	/* the hand-out fails: no command answered, 503 */
	fake_ctl.cmd_pending = true;
	fake_ctl.fail_mark_sent = E_DB;
	assert_int_equal(run("POST", "/api/metrics/heartbeat", HB, &b), 503);
	assert_null(strstr(b, CID));
}

static void
test_heartbeat_refused_and_down(void **state)
{
	const char *b;

	fake_ctl.refused = true;
	fake_ctl.verdict = KEYS_OTHER_SERVICE;
	assert_int_equal(run("POST", "/api/metrics/heartbeat", HB, &b), 403);
	fake_ctl.verdict = KEYS_BAD;
	assert_int_equal(run("POST", "/api/metrics/heartbeat", HB, &b), 401);
	fake_ctl.refused = false;
	fake_ctl.fail = E_DB;
	assert_int_equal(run("POST", "/api/metrics/heartbeat", HB, &b), 503);
}

static void
test_completion(void **state)
{
	const char *body = "{\"command_id\":\"00000000-0000-4000-8000-000000000001\","
		"\"hostname\":\"h1\",\"status\":\"failed\",\"execution_time\":7,"
		"\"error_message\":\"boom\"}";
	const char *b;

	assert_int_equal(run("POST", "/api/metrics/command_completion", body,
		&b), 200);
	assert_string_equal(b, "{\"success\":false,\"message\":\"Command "
		"00000000-0000-4000-8000-000000000001 not found for host h1\"}");
	fake_ctl.state.found = true;
	fake_ctl.state.service = "s";
	fake_ctl.state.exec_status = "completed";
	assert_int_equal(run("POST", "/api/metrics/command_completion", body,
		&b), 200);
	assert_non_null(strstr(b, "is in status 'completed', expected "
		"'assigned'"));
	assert_int_equal(fake_ctl.completes, 0);
	fake_ctl.state.exec_status = "assigned";
	assert_int_equal(run("POST", "/api/metrics/command_completion", body,
		&b), 200);
	assert_string_equal(b, "{\"success\":true,\"message\":\"Command "
		"completion recorded for 00000000-0000-4000-8000-000000000001\"}");
	assert_int_equal(fake_ctl.completes, 1);
	assert_true(fake_ctl.completion.has_time);
	assert_int_equal(fake_ctl.completion.execution_time, 7);
	assert_string_equal(fake_ctl.completion.status, "failed");
	assert_string_equal(fake_ctl.completion.error_message, "boom");
	fake_ctl.verdict = KEYS_OTHER_SERVICE;
	assert_int_equal(run("POST", "/api/metrics/command_completion", body,
		&b), 403);
	assert_int_equal(fake_ctl.completes, 1);
}

static void
test_profile_request(void **state)
{
	const char *b;

	/* all_hosts: the active hosts, one command each */
	fake_ctl.active[0] = "a1";
	fake_ctl.active[1] = "a2";
	fake_ctl.nactive = 2;
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"start\","
		"\"all_hosts\":true,\"duration\":30}", &b), 200);
	assert_non_null(strstr(b, "across 2 hosts"));
	assert_true(fake_ctl.request_inserted);
	assert_int_equal(fake_ctl.nput, 2);
	assert_string_equal(fake_ctl.put[1].host, "a2");
	assert_string_equal(fake_ctl.put[0].config, "{\"command_type\":\"start\","
		"\"continuous\":false,\"duration\":30,\"frequency\":11,"
		"\"profiling_mode\":\"cpu\"}");
	assert_false(fake_ctl.put[0].append);
	/* a start on a pending start merges into it */
	fake_ctl_reset();
	fake_ctl.lock_found = true;
	fake_ctl.lock_type = "start";
	fake_ctl.lock_status = "pending";
	fake_ctl.lock_config = "{\"command_type\":\"start\",\"duration\":90,"
		"\"frequency\":11,\"pids\":[1]}";
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"start\","
		"\"duration\":30,\"target_hosts\":{\"h1\":[2]}}", &b), 200);
	assert_int_equal(fake_ctl.nput, 1);
	assert_true(fake_ctl.put[0].append);
	assert_non_null(strstr(fake_ctl.put[0].config, "\"duration\":90"));
	assert_non_null(strstr(fake_ctl.put[0].config, "\"pids\":[1,2]"));
	/* a process stop removes PIDs from a start */
	fake_ctl.nput = 0;
	fake_ctl.lock_status = "sent";
	fake_ctl.lock_config = "{\"command_type\":\"start\",\"pids\":[1,2]}";
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"stop\","
		"\"target_hosts\":{\"h1\":[2]}}", &b), 200);
	assert_string_equal(fake_ctl.put[0].type, "start");
	assert_string_equal(fake_ctl.put[0].config,
		"{\"command_type\":\"start\",\"pids\":[1]}");
	/* a failed transaction: upstream's 500 string */
	fake_ctl.fail = E_INTERNAL;
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"start\","
		"\"target_hosts\":{\"h1\":null}}", &b), 500);
	assert_string_equal(b, "\"Failed to save profiling request to database\"");
}

static void
test_host_status(void **state)
{
	static const int64_t pids[] = { 10, 11 };
	const char *b;

	fake_ctl.hosts[0] = (struct hosts_row){ .id = 3, .service = "s",
		.hostname = "h1", .ip = "10.0.0.1", .pids = pids, .npids = 2,
		.command_type = "start", .status = "sent",
		.heartbeat_usec = 1773223200123456, .active = true,
		.continuous = true, .duration = 3600,
		.started_usec = 1773223260000000 };
	fake_ctl.hosts[1] = (struct hosts_row){ .id = 4, .service = "s",
		.hostname = "h2", .ip = "::1", .heartbeat_usec = 0,
		.duration = -1, .started_usec = -1 };
	fake_ctl.nhosts = 2;
	assert_int_equal(run("GET", "/api/metrics/profiling/host_status", NULL,
		&b), 200);
	assert_string_equal(b, "[{\"id\":3,\"service_name\":\"s\",\"hostname\":"
		"\"h1\",\"ip_address\":\"10.0.0.1\",\"pids\":[10,11],"
		"\"command_type\":\"start\",\"profiling_status\":\"sent\","
		"\"heartbeat_timestamp\":\"2026-03-11T10:00:00.123456Z\","
		"\"continuous\":true,\"duration\":3600,"
		"\"command_started_at\":\"2026-03-11T10:01:00Z\"},"
		"{\"id\":4,\"service_name\":\"s\",\"hostname\":\"h2\","
		"\"ip_address\":\"::1\",\"pids\":[],\"command_type\":\"N/A\","
		"\"profiling_status\":\"stopped\",\"heartbeat_timestamp\":"
		"\"1970-01-01T00:00:00Z\",\"continuous\":false,"
		"\"duration\":null,\"command_started_at\":null}]");
	assert_int_equal(run("GET",
		"/api/metrics/profiling/host_status?format=object", NULL, &b), 200);
	assert_non_null(strstr(b, "],\"active_count\":1,\"total_count\":2}"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_heartbeat_no_command, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_heartbeat_hands_command_out,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_heartbeat_refused_and_down,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_request, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_host_status, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
