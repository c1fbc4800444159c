/*
 * test_handlers_data.c - the handlers' logic after validation, over the
 * fake data layer (tests/fakes/fake_db.c) and an fs store in a temporary
 * directory: what the list, content, services and host-tag handlers make
 * of the rows they get back (JSON shape and field order, removed/exists,
 * paging parameters passed down, 204, 404, data-layer failures), and the
 * streamed JSON variant of the content endpoint with multi-byte text
 * across its slice boundaries.  tests/unit/test_handlers.c covers the
 * answers given before the data layer is reached.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "fake_db.h"

/* The library's fields of an agent's row without notes or lineage. */
#define LIBF "\"source\":\"agent\",\"importer\":null,\"pinned\":false," \
	"\"title\":\"\",\"note\":\"\",\"command_id\":null," \
	"\"request_id\":null,\"requester\":null,\"lineage\":null"
#include "jsonx.h"
#include "route.h"
#include "store.h"

#define FG "products/checkout/stacks/flamegraph/"
#define F1 "2026-03-11T10:00:00_aa_h1_adhoc_flamegraph.html"
#define F2 "2026-03-11T11:00:00_bb_h2_adhoc_flamegraph.html"
#define T10 INT64_C(1773223200000000)	/* 2026-03-11T10:00:00Z */

static struct cfg cfg;
static struct app app;
static struct arena A;
static struct req_mem M;
static char root[] = "/tmp/ember-test-hd.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(root));
	fake_app_store_root = root;
	cfg_defaults(&cfg);
	/* operator endpoints without a login, as the web server would pass */
	cfg.fcgi.require_remote_user = false;
	cfg.fcgi.list_limit = 2;
	cfg.fcgi.list_max = 3;
	app_init(&app, &cfg);
	arena_init(&A, 0);
	req_mem_init(&M, NULL, 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	req_mem_release(&M);
	arena_release(&A);
	app_release(&app);
	cfg_release(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Two rows of "checkout", newest first; F1's object exists. */
static int
rows(void **state)
{
	static const char *ev[] = { "cycles", "cache-misses" };
	struct store *st;
	struct adhoc_row *r;

	(void)state;
	fake_db_reset();
	r = &fake_db.adhoc[0];
	r->id = 2;
	r->s3_key = FG F2;
	r->hostname = "h2";
	r->start_usec = r->end_usec = T10 + INT64_C(3600000000);
	r->file_size = -1;
	fake_db.adhoc_service[0] = "checkout";
	r = &fake_db.adhoc[1];
	r->id = 1;
	r->s3_key = FG F1;
	r->hostname = "h1";
	r->perf_events = ev;
	r->nperf_events = 2;
	r->start_usec = T10;
	r->end_usec = T10 + 60000000;
	r->file_size = 138;
	fake_db.adhoc_service[1] = "checkout";
	fake_db.nadhoc = 2;
	assert_int_equal(app_store(&app, &st), E_OK);
	assert_int_equal(store_put(st, FG F1, "<p>x</p>", 8, NULL), E_OK);
	return 0;
}

/* Run one GET; returns the status, body in *body. */
static int
get(const char *uri, const char **out)
{
	char *env[4];
	struct req r;
	struct req_io io;

	arena_reset(&A);
	env[0] = "REQUEST_METHOD=GET";
	env[1] = arena_printf(&A, "REQUEST_URI=%s", uri);
	env[2] = NULL;
	req_mem_release(&M);
	req_mem_init(&M, NULL, 0);
	io = req_mem_io(&M);
	req_init(&r, &A, env, &io);
	route_dispatch(&r, &app);
	*out = req_mem_body(&M);
	return req_mem_status(&M);
}

#define LIST "/api/metrics/adhoc_flamegraphs?serviceName=checkout" \
	"&startTime=2026-03-11T00:00:00&endTime=2026-03-12T00:00:00"

static void
test_list_items(void **state)
{
	const char *b;
	json_t *list;

	(void)state;
	assert_int_equal(get(LIST, &b), 200);
	assert_string_equal(b, "["
		"{\"filename\":\"" F2 "\",\"timestamp\":\"2026-03-11T11:00:00Z\","
		"\"hostname\":\"h2\",\"size\":null,\"s3_path\":\"" FG F2 "\","
		"\"perf_events\":[],\"removed\":true,\"s3_key\":\"" FG F2 "\","
		"\"start_time\":\"2026-03-11T11:00:00Z\","
		"\"end_time\":\"2026-03-11T11:00:00Z\",\"exists\":false,"
		LIBF "},"
		"{\"filename\":\"" F1 "\",\"timestamp\":\"2026-03-11T10:00:00Z\","
		"\"hostname\":\"h1\",\"size\":138,\"s3_path\":\"" FG F1 "\","
		"\"perf_events\":[\"cycles\",\"cache-misses\"],\"removed\":false,"
		"\"s3_key\":\"" FG F1 "\",\"start_time\":\"2026-03-11T10:00:00Z\","
		"\"end_time\":\"2026-03-11T10:01:00Z\",\"exists\":true,"
		LIBF "}]");
	/* Defaults and caps reach the data layer. */
	assert_int_equal(fake_db.last_query.limit, 2);
	assert_int_equal(fake_db.last_query.offset, 0);
	assert_null(fake_db.last_query.hosts);
	assert_int_equal(get(LIST "&limit=99&offset=1&_=1", &b), 200);
	assert_int_equal(fake_db.last_query.limit, 3);
	assert_int_equal(fake_db.last_query.offset, 1);
	list = json_loads(b, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		list, 0), "hostname")), "h1");
	json_decref(list);
}

static void
test_list_filter_and_service(void **state)
{
	const char *b;

	(void)state;
	assert_int_equal(get(LIST "&filter=hn,is,h1", &b), 200);
	assert_int_equal(fake_db.last_query.nhosts, 1);
	assert_string_equal(fake_db.last_query.hosts[0], "h1");
	assert_string_equal(fake_db.last_query.service, "checkout");
	assert_int_equal(get("/api/metrics/adhoc_flamegraphs?serviceName=_checkout"
		"&startTime=2026-03-11T00:00:00&endTime=2026-03-12T00:00:00", &b),
		200);
	assert_string_equal(fake_db.last_query.service, "checkout");
	assert_true(fake_db.last_query.from_usec < T10);
}

static void
test_list_db_failure(void **state)
{
	const char *b;

	(void)state;
	fake_db.fail = E_DB;
	assert_int_equal(get(LIST, &b), 500);
	assert_string_equal(b, "\"Failed to fetch adhoc flamegraph files\"");
}

static void
test_content(void **state)
{
	const char *b;

	(void)state;
	assert_int_equal(get("/api/metrics/adhoc_flamegraph_content?"
		"serviceName=checkout&filename=" F1, &b), 200);
	assert_string_equal(b, "{\"content\":\"<p>x</p>\",\"filename\":\"" F1
		"\"}");
	/* A row whose object is gone, and no row at all. */
	assert_int_equal(get("/api/metrics/adhoc_flamegraph_content?"
		"serviceName=checkout&filename=" F2, &b), 404);
	assert_int_equal(get("/api/metrics/adhoc_flamegraph_content?"
		"serviceName=billing&filename=" F1, &b), 404);
	assert_string_equal(b, "\"Flamegraph file not found\"");
}

/* The streamed JSON variant equals jansson's own encoding of the HTML. */
static void
test_content_streamed(void **state)
{
	struct buf html = BUF_INIT(0);
	struct store *st;
	json_t *got;
	const char *b;
	size_t i;

	(void)state;
	/* 3-byte characters and escapes straddling every 64 KiB slice. */
	for (i = 0; html.len < 3 * JSONX_SLICE + 100; i++)
		buf_puts(&html, i % 7 ? "\xe2\x98\x83" : "\"\\\n<a>");
	assert_int_equal(app_store(&app, &st), E_OK);
	assert_int_equal(store_put(st, FG F1, html.data, html.len, NULL), E_OK);
	assert_int_equal(get("/api/metrics/adhoc_flamegraph_content?"
		"serviceName=checkout&filename=" F1, &b), 200);
	got = json_loads(b, 0, NULL);
	assert_non_null(got);
	assert_int_equal(json_string_length(json_object_get(got, "content")),
		html.len);
	assert_memory_equal(json_string_value(json_object_get(got, "content")),
		html.data, html.len);
	json_decref(got);
	buf_release(&html);
}

static void
test_content_over_max_html(void **state)
{
	const char *b;

	(void)state;
	cfg.fcgi.max_html = 4;
	assert_int_equal(get("/api/metrics/adhoc_flamegraph_content?"
		"serviceName=checkout&filename=" F1, &b), 500);
	cfg.fcgi.max_html = 16 << 20;
}

static void
test_services(void **state)
{
	const char *b;

	(void)state;
	assert_int_equal(get("/api/services", &b), 204);
	fake_db.services[0] = (struct service_row){ 7, "checkout", T10, "k8s",
		true };
	fake_db.services[1] = (struct service_row){ 8, "x\"y", INT64_MIN, "",
		false };
	fake_db.nservices = 2;
	assert_int_equal(get("/api/services", &b), 200);
	assert_string_equal(b, "[{\"createDate\":\"2026-03-11T10:00:00Z\","
		"\"hasData\":true,\"name\":\"checkout\",\"envType\":\"k8s\","
		"\"serviceId\":7},{\"createDate\":null,\"hasData\":false,"
		"\"name\":\"x\\\"y\",\"envType\":\"\",\"serviceId\":8}]");
}

static void
test_tags(void **state)
{
	const char *b;

	(void)state;
	/* the options come from the sample store (t_api_ui has their values) */
	assert_int_equal(get("/api/v1/filters/tags/HostName?serviceName=checkout",
		&b), 422);
	assert_non_null(strstr(b, "startTime"));
	/* (services are looked up in the real database from here on, so the
	 * rest is t_api_ui's) */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_list_items, rows),
		cmocka_unit_test_setup(test_list_filter_and_service, rows),
		cmocka_unit_test_setup(test_list_db_failure, rows),
		cmocka_unit_test_setup(test_content, rows),
		cmocka_unit_test_setup(test_content_streamed, rows),
		cmocka_unit_test_setup(test_content_over_max_html, rows),
		cmocka_unit_test_setup(test_services, rows),
		cmocka_unit_test_setup(test_tags, rows),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
