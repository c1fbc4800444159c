/*
 * test_handlers.c - the real handlers behind route_dispatch(), through the
 * in-memory request I/O, on every path that answers before the database
 * is needed: validation (422/400/411/413), the content endpoint's name
 * checks, health.  The database is configured on a closed port, so a path
 * that does reach it shows up as a 503.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "route.h"

static struct cfg cfg;
static struct app app;
static struct arena A;
static struct req_mem M;

static int
setup(void **state)
{
	cfg_defaults(&cfg);
	/* operator endpoints without a login, as the web server would pass */
	cfg.fcgi.require_remote_user = false;
	free(cfg.db.host);
	cfg.db.host = strdup("127.0.0.1");
	cfg.db.port = 1;
	cfg.db.connect_timeout = 1;
	cfg.fcgi.max_json = 64;
	cfg.fcgi.max_body = 1000;
	app_init(&app, &cfg);
	arena_init(&A, 0);
	req_mem_init(&M, NULL, 0);
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

/* Run one request; returns the status, body in *body. */
static int
run(const char *method, const char *uri, const char *body, char **extra,
	const char **out)
{
	char *env[16];
	struct req r;
	struct req_io io;
	size_t n = 0, i;

	env[n++] = arena_printf(&A, "REQUEST_METHOD=%s", method);
	env[n++] = arena_printf(&A, "REQUEST_URI=%s", uri);
	if (body)
		env[n++] = arena_printf(&A, "CONTENT_LENGTH=%zu", strlen(body));
	for (i = 0; extra && extra[i] && n < 15; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	req_mem_release(&M);
	req_mem_init(&M, body, body ? strlen(body) : 0);
	io = req_mem_io(&M);
	req_init(&r, &A, env, &io);
	route_dispatch(&r, &app);
	*out = req_mem_body(&M);
	return req_mem_status(&M);
}

static void
test_health(void **state)
{
	const char *b;

	assert_int_equal(run("GET", "/api/health", NULL, NULL, &b), 200);
	assert_non_null(strstr(b, "\"status\":\"ok\""));
	assert_int_equal(run("GET", "/api/v2/health_check", NULL, NULL, &b), 200);
	assert_string_equal(b, "{\"message\":\"ok\"}");
}

static void
test_heartbeat_validation(void **state)
{
	char *bearer[] = { "HTTP_AUTHORIZATION=Bearer k", NULL };
	const char *b;

	assert_int_equal(run("POST", "/api/metrics/heartbeat",
		"{\"ip_address\":\"1.2.3.4\",\"service_name\":\"s\"}", NULL, &b),
		422);
	assert_string_equal(b, "{\"detail\":[{\"loc\":[\"body\",\"hostname\"],"
		"\"msg\":\"field required\",\"type\":\"value_error.missing\"}]}");
	assert_int_equal(run("POST", "/api/metrics/heartbeat", "{\"hostname\": ",
		NULL, &b), 422);
	assert_non_null(strstr(b, "value_error.jsondecode"));
	assert_int_equal(run("POST", "/api/metrics/heartbeat",
		"{\"ip_address\":1,\"hostname\":[],\"service_name\":\"s\"}", NULL,
		&b), 422);
	assert_non_null(strstr(b, "type_error.str"));
	/* Over fcgi.max_json (64 bytes here). */
	assert_int_equal(run("POST", "/api/metrics/heartbeat",
		"{\"ip_address\":\"1.2.3.4\",\"hostname\":\"h\",\"service_name\":"
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", NULL, &b), 413);
	/* Valid but no key: 401 without asking the database. */
	assert_int_equal(run("POST", "/api/metrics/heartbeat",
		"{\"ip_address\":\"1.2.3.4\",\"hostname\":\"h\",\"service_name\":"
		"\"s\"}", NULL, &b), 401);
	/* With a key, checking it needs the database: down here, 503. */
	assert_int_equal(run("POST", "/api/metrics/heartbeat",
		"{\"ip_address\":\"1.2.3.4\",\"hostname\":\"h\",\"service_name\":"
		"\"s\"}", bearer, &b), 503);
}

static void
test_completion_and_request_validation(void **state)
{
	char *json[] = { "CONTENT_TYPE=application/json", NULL };
	const char *b;

	cfg.fcgi.max_json = 4096;
	assert_int_equal(run("POST", "/api/metrics/command_completion",
		"{\"command_id\":\"00000000-0000-0000-0000-000000000000\","
		"\"hostname\":\"h\",\"status\":\"running\"}", NULL, &b), 422);
	assert_string_equal(b, "{\"detail\":[{\"loc\":[\"body\",\"status\"],"
		"\"msg\":\"invalid status: running. Must be 'completed' or "
		"'failed'.\",\"type\":\"value_error\"}]}");
	/* an empty or malformed command_id is a 422, each error listed */
	assert_int_equal(run("POST", "/api/metrics/command_completion",
		"{\"command_id\":\"x\",\"hostname\":\"h\",\"status\":\"running\"}",
		NULL, &b), 422);
	assert_string_equal(b, "{\"detail\":[{\"loc\":[\"body\",\"command_id\"],"
		"\"msg\":\"value is not a valid uuid\",\"type\":\"type_error.uuid\"},"
		"{\"loc\":[\"body\",\"status\"],"
		"\"msg\":\"invalid status: running. Must be 'completed' or "
		"'failed'.\",\"type\":\"value_error\"}]}");
	assert_int_equal(run("POST", "/api/metrics/command_completion",
		"{\"command_id\":\"\",\"hostname\":\"h\",\"status\":\"failed\"}",
		NULL, &b), 422);
	assert_non_null(strstr(b, "\"command_id\"],\"msg\":\"value is not a valid uuid"));
	cfg.fcgi.max_json = 4096;
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"stop\","
		"\"target_hosts\":{\"h\":null}}", json, &b), 422);
	assert_non_null(strstr(b, "__root__"));
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"stop\","
		"\"stop_level\":\"host\"}", json, &b), 400);
	assert_string_equal(b, "{\"message\":\"Stop commands require specific "
		"target hosts\"}");
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"start\","
		"\"frequency\":-5}", json, &b), 422);
	assert_non_null(strstr(b, "frequency"));
	cfg.fcgi.max_json = 64;
}

/*
 * A flamegraph's script in the sandboxed frame can only send "simple"
 * cross-origin requests: text/plain bodies, Origin "null".  Operator
 * POSTs refuse them before the handler (and the database) is reached.
 */
static void
test_profile_request_csrf(void **state)
{
	const char *body = "{\"service_name\":\"s\",\"request_type\":\"start\","
		"\"frequency\":-5}";
	char *plain[] = { "CONTENT_TYPE=text/plain;charset=UTF-8",
		"HTTP_ORIGIN=null", "HTTP_HOST=ui.example:8080", NULL };
	char *form[] = { "CONTENT_TYPE=application/x-www-form-urlencoded", NULL };
	char *jsonish[] = { "CONTENT_TYPE=application/jsonp", NULL };
	char *null_origin[] = { "CONTENT_TYPE=application/json",
		"HTTP_ORIGIN=null", "HTTP_HOST=ui.example:8080", NULL };
	char *other_origin[] = { "CONTENT_TYPE=application/json",
		"HTTP_ORIGIN=https://evil.example", "HTTP_HOST=ui.example:8080", NULL };
	char *cross_site[] = { "CONTENT_TYPE=application/json",
		"HTTP_SEC_FETCH_SITE=cross-site", "HTTP_HOST=ui.example:8080", NULL };
	char *same[] = { "CONTENT_TYPE=application/json; charset=utf-8",
		"HTTP_ORIGIN=http://UI.example:8080", "HTTP_HOST=ui.example:8080",
		"HTTP_SEC_FETCH_SITE=same-origin", NULL };
	const char *b;

	cfg.fcgi.max_json = 4096;
	assert_int_equal(run("POST", "/api/metrics/profile_request", body, plain,
		&b), 415);
	assert_string_equal(b,
		"{\"message\":\"Content-Type must be application/json\"}");
	assert_int_equal(run("POST", "/api/metrics/profile_request", body, form,
		&b), 415);
	assert_int_equal(run("POST", "/api/metrics/profile_request", body,
		jsonish, &b), 415);
	assert_int_equal(run("POST", "/api/metrics/profile_request", body,
		null_origin, &b), 403);
	assert_string_equal(b, "{\"message\":\"Cross-origin request refused\"}");
	assert_int_equal(run("POST", "/api/metrics/profile_request", body,
		other_origin, &b), 403);
	assert_int_equal(run("POST", "/api/metrics/profile_request", body,
		cross_site, &b), 403);
	/* our own page: reaches the handler, which validates (422) */
	assert_int_equal(run("POST", "/api/metrics/profile_request", body, same,
		&b), 422);
	/* the seed's /metrics spelling is the same endpoint */
	assert_int_equal(run("POST", "/metrics/profile_request", body, plain,
		&b), 415);
	cfg.fcgi.max_json = 64;
}

/*
 * Heartbeat values are checked before the database: an invalid address,
 * status or hostname is a 422 listing each (auth off here, so no key
 * check stands in front).  A valid heartbeat with the database down is a
 * 503, whatever the auth mode.
 */
static void
test_heartbeat_values(void **state)
{
	const char *b;

	cfg.fcgi.max_json = 4096;
	cfg.fcgi.agent_auth = CFG_AUTH_OFF;
	assert_int_equal(run("POST", "/api/metrics/heartbeat",
		"{\"ip_address\":\"not-an-ip\",\"hostname\":\"h\","
		"\"service_name\":\"s\"}", NULL, &b), 422);
	assert_string_equal(b, "{\"detail\":[{\"loc\":[\"body\",\"ip_address\"],"
		"\"msg\":\"value is not a valid IPv4 or IPv6 address\","
		"\"type\":\"value_error.ipvanyaddress\"}]}");
	assert_int_equal(run("POST", "/api/metrics/heartbeat",
		"{\"ip_address\":\"10.0.0.1/8\",\"hostname\":\"h\","
		"\"service_name\":\"s\"}", NULL, &b), 422);
	assert_int_equal(run("POST", "/api/metrics/heartbeat",
		"{\"ip_address\":\"::1\",\"hostname\":\"\","
		"\"service_name\":\"s\",\"status\":\"busy\"}", NULL, &b), 422);
	assert_string_equal(b, "{\"detail\":[{\"loc\":[\"body\",\"hostname\"],"
		"\"msg\":\"ensure this value has at least 1 characters\","
		"\"type\":\"value_error.any_str.min_length\"},"
		"{\"loc\":[\"body\",\"status\"],\"msg\":\"value is not a valid "
		"enumeration member; permitted: 'active', 'idle', 'error', "
		"'offline'\",\"type\":\"type_error.enum\"}]}");
	assert_int_equal(run("POST", "/api/metrics/heartbeat",
		"{\"ip_address\":\"1.2.3.4\",\"hostname\":\"a\\nb\","
		"\"service_name\":\"s\"}", NULL, &b), 422);
	assert_non_null(strstr(b, "control character"));
	/* valid, auth off, database down: 503, not 200 */
	assert_int_equal(run("POST", "/api/metrics/heartbeat",
		"{\"ip_address\":\"1.2.3.4\",\"hostname\":\"h\","
		"\"service_name\":\"s\",\"status\":\"idle\"}", NULL, &b), 503);
	cfg.fcgi.agent_auth = CFG_AUTH_REQUIRED;
	cfg.fcgi.max_json = 64;
}

/*
 * A start names its hosts, or says "all_hosts": true; unknown fields are
 * named in a 422.  All before the database.
 */
static void
test_profile_request_targets(void **state)
{
	char *json[] = { "CONTENT_TYPE=application/json", NULL };
	const char *b;

	cfg.fcgi.max_json = 4096;
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"start\"}", json,
		&b), 422);
	assert_non_null(strstr(b, "{\"loc\":[\"body\",\"target_hosts\"],"
		"\"msg\":\"field required: name the hosts, or send \\\"all_hosts"
		"\\\": true"));
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"start\","
		"\"target_hosts\":{}}", json, &b), 422);
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"start\","
		"\"target_hostnames\":[\"h\"],\"colour\":1}", json, &b), 422);
	assert_string_equal(b, "{\"detail\":[{\"loc\":[\"body\","
		"\"target_hostnames\"],\"msg\":\"extra fields not permitted\","
		"\"type\":\"value_error.extra\"},{\"loc\":[\"body\",\"colour\"],"
		"\"msg\":\"extra fields not permitted\","
		"\"type\":\"value_error.extra\"}]}");
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"start\","
		"\"all_hosts\":true,\"target_hosts\":{\"h\":null}}", json, &b),
		422);
	assert_non_null(strstr(b, "\"all_hosts\"]"));
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"stop\","
		"\"stop_level\":\"host\",\"all_hosts\":true}", json, &b), 422);
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"start\","
		"\"all_hosts\":\"yes\"}", json, &b), 422);
	/* well-formed: reaches the database, down here */
	assert_int_equal(run("POST", "/api/metrics/profile_request",
		"{\"service_name\":\"s\",\"request_type\":\"start\","
		"\"all_hosts\":true}", json, &b), 503);
	cfg.fcgi.max_json = 64;
}

static void
test_upload_checks(void **state)
{
	char *keys[] = { "HTTP_GPROFILER_API_KEY=k",
		"HTTP_GPROFILER_SERVICE_NAME=s", NULL };
	char *nokeys[] = { "CONTENT_TYPE=application/json", NULL };
	const char *b;
	char *big = calloc(1, 2000);

	/* No Content-Length at all. */
	assert_int_equal(run("POST", "/api/v2/profiles", NULL, keys, &b), 411);
	/* Over fcgi.max_body (1000 here): refused before reading. */
	memset(big, 'x', 1999);
	assert_int_equal(run("POST", "/api/v2/profiles", big, keys, &b), 413);
	free(big);
	assert_int_equal(run("POST", "/api/v2/profiles", "{}", nokeys, &b), 422);
	assert_non_null(strstr(b, "gprofiler-api-key"));
	assert_non_null(strstr(b, "gprofiler-service-name"));
}

static void
test_adhoc_checks(void **state)
{
	const char *b;

	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraphs?"
		"serviceName=s&endTime=2026-03-12T00:00:00Z", NULL, NULL, &b), 422);
	assert_string_equal(b, "{\"detail\":[{\"loc\":[\"query\",\"startTime\"],"
		"\"msg\":\"field required\",\"type\":\"value_error.missing\"}]}");
	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraphs?"
		"serviceName=s&startTime=x&endTime=y", NULL, NULL, &b), 422);
	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraphs?"
		"serviceName=s&startTime=0&endTime=1&filter=%7Bx", NULL, NULL, &b),
		422);
	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraphs?"
		"serviceName=s&startTime=0&endTime=1&filter=zz,is,h", NULL, NULL,
		&b), 400);
	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraphs?"
		"serviceName=s&startTime=0&endTime=1&limit=ten", NULL, NULL, &b),
		422);
	/* Names that can never be a flamegraph: 404 without the database. */
	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraph_content?"
		"serviceName=s&filename=..%2F..%2Fetc%2Fpasswd", NULL, NULL, &b),
		404);
	assert_string_equal(b, "\"Flamegraph file not found\"");
	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraph_content?"
		"serviceName=s%2F..&filename=a.html", NULL, NULL, &b), 404);
	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraph_content?"
		"serviceName=s&filename=..", NULL, NULL, &b), 404);
	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraph_content?"
		"serviceName=s&filename=", NULL, NULL, &b), 404);
	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraph_content?"
		"serviceName=s", NULL, NULL, &b), 422);
	/* A plausible name needs the database: down here. */
	assert_int_equal(run("GET", "/api/metrics/adhoc_flamegraph_content?"
		"serviceName=s&filename=a.html", NULL, NULL, &b), 503);
}

static void
test_host_status_checks(void **state)
{
	const char *b;

	assert_int_equal(run("GET", "/api/metrics/profiling/host_status?"
		"pids=1x", NULL, NULL, &b), 422);
	assert_int_equal(run("GET", "/api/metrics/profiling/host_status?"
		"exact_match=perhaps", NULL, NULL, &b), 422);
	assert_int_equal(run("GET", "/api/v1/filters/tags/HostName", NULL, NULL,
		&b), 422);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_heartbeat_validation),
		cmocka_unit_test(test_completion_and_request_validation),
		cmocka_unit_test(test_profile_request_csrf),
		cmocka_unit_test(test_heartbeat_values),
		cmocka_unit_test(test_profile_request_targets),
		cmocka_unit_test(test_upload_checks),
		cmocka_unit_test(test_adhoc_checks),
		cmocka_unit_test(test_host_status_checks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
