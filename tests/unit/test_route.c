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
FAKE(h_filter_tags)
FAKE(h_filters_list)
FAKE(h_filters_add)
FAKE(h_filters_update)
FAKE(h_filters_delete)
FAKE(h_filters_query)
FAKE(h_overview)
FAKE(h_overview_services)
FAKE(h_m_summary)
FAKE(h_m_nodes_cores)
FAKE(h_m_instance_types)
FAKE(h_m_cpu_trend)
FAKE(h_m_html_metadata)
FAKE(h_m_function_cpu)
FAKE(h_m_samples)
FAKE(h_m_graph)
FAKE(h_m_graph_nodes)
FAKE(h_snapshot_add)
FAKE(h_snapshot_get)
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
	assert_ptr_equal(rt->fn, h_filter_tags);
	rt = route_find("GET", "/api/v1/filters/tags/Anything/", &known);
	assert_ptr_equal(rt->fn, h_filter_tags);
	/* A prefix route takes exactly one more segment. */
	rt = route_find("GET", "/api/v1/filters/tags/", &known);
	assert_null(rt);
	rt = route_find("GET", "/api/v1/filters/tags/a/b", &known);
	assert_null(rt);
	rt = route_find("DELETE", "/api/v1/filters/7", &known);
	assert_ptr_equal(rt->fn, h_filters_delete);
	rt = route_find("PUT", "/api/v1/filters", &known);
	assert_ptr_equal(rt->fn, h_filters_update);
	rt = route_find("GET", "/api/v1/filters/service/web%2Fx", &known);
	assert_ptr_equal(rt->fn, h_filters_list);
	rt = route_find("POST", "/api/v1/filters/service/web", &known);
	assert_ptr_equal(rt->fn, h_filters_add);
	rt = route_find("GET", "/api/metrics/graph/nodes_and_cores", &known);
	assert_ptr_equal(rt->fn, h_m_graph_nodes);
	rt = route_find("GET", "/api/snapshots/12", &known);
	assert_ptr_equal(rt->fn, h_snapshot_get);
	rt = route_find("POST", "/api/snapshots", &known);
	assert_ptr_equal(rt->fn, h_snapshot_add);
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

/* Operator writes: our origin, a listed origin, or none; JSON bodies. */
static void
test_origin(void **state)
{
	char *same[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/snapshots",
		"CONTENT_TYPE=application/json", "HTTP_HOST=ember:8080",
		"HTTP_ORIGIN=http://ember:8080", NULL };
	char *dev[] = { "REQUEST_METHOD=PUT", "REQUEST_URI=/api/v1/filters",
		"CONTENT_TYPE=application/json", "HTTP_HOST=ember:8080",
		"HTTP_ORIGIN=http://localhost:3000",
		"HTTP_SEC_FETCH_SITE=cross-site", NULL };
	char *del[] = { "REQUEST_METHOD=DELETE",
		"REQUEST_URI=/api/v1/filters/3", "HTTP_HOST=ember:8080",
		"HTTP_ORIGIN=http://evil.example", NULL };
	char *nul[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/snapshots",
		"CONTENT_TYPE=application/json", "HTTP_HOST=ember:8080",
		"HTTP_ORIGIN=null", NULL };
	char *text[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/snapshots",
		"CONTENT_TYPE=text/plain", "HTTP_HOST=ember:8080",
		"HTTP_ORIGIN=http://localhost:3000", NULL };
	struct cfg cfg;
	struct req_mem m;
	struct arena a;

	memset(&cfg, 0, sizeof(cfg));
	arena_init(&a, 0);
	fake_rc = 0;
	assert_int_equal(run(&cfg, same, &m, &a), 200);
	req_mem_release(&m);
	/* Not listed: refused. */
	assert_int_equal(run(&cfg, dev, &m, &a), 403);
	assert_null(called);
	req_mem_release(&m);
	assert_int_equal(run(&cfg, del, &m, &a), 403);
	req_mem_release(&m);
	cfg.fcgi.allowed_origins = "https://ui.example, http://LOCALHOST:3000/";
	assert_int_equal(run(&cfg, dev, &m, &a), 200);
	assert_string_equal(called, "h_filters_update");
	req_mem_release(&m);
	/* Still refused: other origins, "null", and non-JSON bodies. */
	assert_int_equal(run(&cfg, del, &m, &a), 403);
	req_mem_release(&m);
	assert_int_equal(run(&cfg, nul, &m, &a), 403);
	req_mem_release(&m);
	assert_int_equal(run(&cfg, text, &m, &a), 415);
	req_mem_release(&m);
	cfg.fcgi.allowed_origins = "http://evil.example";
	assert_int_equal(run(&cfg, del, &m, &a), 200);
	assert_string_equal(called, "h_filters_delete");
	req_mem_release(&m);
	assert_true(route_origin_listed("a  ,http://x:1", "http://x:1"));
	assert_false(route_origin_listed("http://x:1", "http://x:12"));
	assert_false(route_origin_listed("http://x:12", "http://x:1"));
	assert_false(route_origin_listed("", "http://x:1"));
	assert_false(route_origin_listed(NULL, "http://x:1"));
	arena_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_remote_user),
		cmocka_unit_test(test_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
