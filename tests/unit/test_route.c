/*
 * test_route.c - the route table and dispatcher, with every handler
 * replaced by a recording fake (link substitution: fcgi/h_*.c are not
 * linked into this program).
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "route.h"

static const char *called;
static int fake_rc;

/* Define a fake handler that records its name and answers or fails. */
#define FAKE(name) \
	int name(struct req *r, struct app *app) \
	{ \
		(void)app; \
		called = #name; \
		if (fake_rc) \
			return fake_rc; \
		return req_send_message(r, 200, #name); \
	}

FAKE(h_health)
FAKE(h_health_check)
FAKE(h_heartbeat)
FAKE(h_command_completion)
FAKE(h_profile_request)
FAKE(h_host_status)
FAKE(h_services)
FAKE(h_tags_hostname)
FAKE(h_profiles_v2)
FAKE(h_logs)
FAKE(h_adhoc_list)
FAKE(h_adhoc_content)
FAKE(h_flamegraph)
FAKE(h_flamegraph_svg)
FAKE(h_flamegraph_datetime)
FAKE(h_flamegraph_functions)
FAKE(h_flamegraph_diff)
FAKE(h_import)
FAKE(h_adhoc_delete)
FAKE(h_adhoc_pin)
FAKE(h_adhoc_note)
FAKE(h_audit)
FAKE(h_request_flamegraphs)

static void
test_find(void **state)
{
	const struct route *rt;
	bool known;

	rt = route_find("GET", "/api/health", &known);
	assert_non_null(rt);
	assert_ptr_equal(rt->fn, h_health);
	rt = route_find("GET", "/api/health/", &known);
	assert_non_null(rt);
	rt = route_find("HEAD", "/api/health", &known);
	assert_non_null(rt);
	rt = route_find("POST", "/api/health", &known);
	assert_null(rt);
	assert_true(known);
	rt = route_find("GET", "/api/healthz", &known);
	assert_null(rt);
	assert_false(known);
	rt = route_find("GET", "/api/health//", &known);
	assert_null(rt);
	rt = route_find("GET", "/", &known);
	assert_null(rt);
	rt = route_find("GET", "", &known);
	assert_null(rt);
	rt = route_find("POST", "/api/metrics/heartbeat", &known);
	assert_ptr_equal(rt->fn, h_heartbeat);
	/* The seed's spelling of every /api/metrics route. */
	rt = route_find("POST", "/metrics/heartbeat", &known);
	assert_ptr_equal(rt->fn, h_heartbeat);
	rt = route_find("GET", "/metrics/adhoc_flamegraphs", &known);
	assert_ptr_equal(rt->fn, h_adhoc_list);
	rt = route_find("GET", "/metrics/profiling/host_status", &known);
	assert_ptr_equal(rt->fn, h_host_status);
	/* ...but not of other /api routes. */
	rt = route_find("GET", "/metrics/../api/health", &known);
	assert_null(rt);
	rt = route_find("GET", "/v2/health_check", &known);
	assert_null(rt);
	rt = route_find("GET", "/api/v2/health_check", &known);
	assert_ptr_equal(rt->fn, h_health_check);
	rt = route_find("GET", "/api/v1/filters/tags/HostName", &known);
	assert_ptr_equal(rt->fn, h_tags_hostname);
	rt = route_find("POST", "/api/v2/profiles", &known);
	assert_ptr_equal(rt->fn, h_profiles_v2);
}

/* Run a request with the given env through route_dispatch. */
static int
run(struct cfg *cfg, char **env, struct req_mem *m, struct arena *a)
{
	struct app app;
	struct req r;
	struct req_io io;

	memset(&app, 0, sizeof(app));
	app.cfg = cfg;
	req_mem_init(m, NULL, 0);
	io = req_mem_io(m);
	req_init(&r, a, env, &io);
	called = NULL;
	route_dispatch(&r, &app);
	return req_mem_status(m);
}

static void
test_dispatch(void **state)
{
	char *ok[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/metrics/adhoc_flamegraphs?x=1", NULL };
	char *nf[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/api/nope", NULL };
	char *bad[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/api/he%00alth", NULL };
	char *meth[] = { "REQUEST_METHOD=DELETE", "REQUEST_URI=/api/health", NULL };
	struct cfg cfg;
	struct req_mem m;
	struct arena a;

	memset(&cfg, 0, sizeof(cfg));
	arena_init(&a, 0);
	fake_rc = 0;
	assert_int_equal(run(&cfg, ok, &m, &a), 200);
	assert_string_equal(called, "h_adhoc_list");
	req_mem_release(&m);
	assert_int_equal(run(&cfg, nf, &m, &a), 404);
	assert_null(called);
	assert_string_equal(req_mem_body(&m), "{\"message\":\"Not Found\"}");
	req_mem_release(&m);
	assert_int_equal(run(&cfg, bad, &m, &a), 400);
	assert_null(called);
	req_mem_release(&m);
	assert_int_equal(run(&cfg, meth, &m, &a), 405);
	assert_string_equal(req_mem_header(&m, &a, "Allow"), "GET, HEAD");
	req_mem_release(&m);
	/* A handler that fails without answering gets a JSON error. */
	fake_rc = E_DB;
	assert_int_equal(run(&cfg, ok, &m, &a), err_http_status(E_DB));
	assert_string_equal(called, "h_adhoc_list");
	assert_non_null(strstr(req_mem_body(&m), "\"message\""));
	req_mem_release(&m);
	fake_rc = E_INVAL;
	assert_int_equal(run(&cfg, ok, &m, &a), 400);
	req_mem_release(&m);
	arena_release(&a);
}

static void
test_remote_user(void **state)
{
	char *anon[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/api/metrics/adhoc_flamegraphs", NULL };
	char *empty[] = { "REQUEST_METHOD=GET", "REMOTE_USER=", "REQUEST_URI=/api/services", NULL };
	char *user[] = { "REQUEST_METHOD=GET", "REMOTE_USER=alice", "REQUEST_URI=/api/metrics/adhoc_flamegraphs", NULL };
	char *agent[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/metrics/heartbeat", NULL };
	struct cfg cfg;
	struct req_mem m;
	struct arena a;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fcgi.require_remote_user = true;
	arena_init(&a, 0);
	fake_rc = 0;
	assert_int_equal(run(&cfg, anon, &m, &a), 401);
	assert_null(called);
	assert_non_null(req_mem_header(&m, &a, "WWW-Authenticate"));
	req_mem_release(&m);
	assert_int_equal(run(&cfg, empty, &m, &a), 401);
	assert_null(called);
	req_mem_release(&m);
	assert_int_equal(run(&cfg, user, &m, &a), 200);
	assert_string_equal(called, "h_adhoc_list");
	req_mem_release(&m);
	/* Agent endpoints are not operator endpoints. */
	assert_int_equal(run(&cfg, agent, &m, &a), 200);
	assert_string_equal(called, "h_heartbeat");
	req_mem_release(&m);
	arena_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_remote_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
