/*
 * test_req.c - request parsing (path, query, headers, body caps) and the
 * response writer, through the in-memory I/O.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "req.h"

struct fixture {
	struct arena a;
	struct req_mem m;
	struct req r;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	arena_init(&f->a, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	req_mem_release(&f->m);
	arena_release(&f->a);
	free(f);
	return 0;
}

/* Build f->r from env and an in-memory body. */
static void
mk(struct fixture *f, char **env, const char *body, size_t len)
{
	struct req_io io;

	req_mem_release(&f->m);
	req_mem_init(&f->m, body, len);
	io = req_mem_io(&f->m);
	req_init(&f->r, &f->a, env, &io);
}

static void
test_path_and_query(void **state)
{
	struct fixture *f = *state;
	char *env[] = {
		"REQUEST_METHOD=GET",
		"REQUEST_URI=/api/metrics/a%20b?x=1&y=h%2Fq+r&x=2&flag&=skip&z=%zz",
		"QUERY_STRING=ignored=1",
		NULL,
	};
	const char **xs;
	size_t n;

	mk(f, env, NULL, 0);
	assert_string_equal(f->r.method, "GET");
	assert_string_equal(f->r.path, "/api/metrics/a b");
	assert_false(f->r.bad_path);
	assert_string_equal(req_arg(&f->r, "x"), "1");
	assert_string_equal(req_arg(&f->r, "y"), "h/q r");
	assert_string_equal(req_arg(&f->r, "flag"), "");
	assert_null(req_arg(&f->r, "z"));	/* bad escape dropped */
	assert_null(req_arg(&f->r, "ignored"));
	assert_null(req_arg(&f->r, "missing"));
	xs = req_args(&f->r, "x", &n);
	assert_int_equal(n, 2);
	assert_string_equal(xs[0], "1");
	assert_string_equal(xs[1], "2");
	assert_null(xs[2]);
	xs = req_args(&f->r, "none", &n);
	assert_int_equal(n, 0);
	assert_null(xs[0]);
}

static void
test_path_fallback_and_bad(void **state)
{
	struct fixture *f = *state;
	char *env1[] = { "SCRIPT_NAME=/api", "PATH_INFO=/health",
		"QUERY_STRING=a=b", NULL };
	char *env2[] = { "REQUEST_URI=/api/x%00y", NULL };
	char *env3[] = { "REQUEST_URI=/api/%2e%2e%2fetc?q=%00", NULL };
	char *env4[] = { "REQUEST_URI=/api/x%4", NULL };

	mk(f, env1, NULL, 0);
	assert_string_equal(f->r.method, "GET");
	assert_string_equal(f->r.path, "/api/health");
	assert_string_equal(req_arg(&f->r, "a"), "b");
	mk(f, env2, NULL, 0);
	assert_true(f->r.bad_path);
	assert_string_equal(f->r.path, "");
	mk(f, env3, NULL, 0);
	assert_false(f->r.bad_path);
	assert_string_equal(f->r.path, "/api/../etc");
	assert_null(req_arg(&f->r, "q"));	/* NUL in a value is dropped */
	mk(f, env4, NULL, 0);
	assert_true(f->r.bad_path);
}

static void
test_headers(void **state)
{
	struct fixture *f = *state;
	char *env[] = {
		"HTTP_GPROFILER_API_KEY=k1",
		"CONTENT_TYPE=application/json",
		"CONTENT_LENGTH=12",
		"HTTP_AUTHORIZATION=Bearer t",
		NULL,
	};
	size_t n = 0;

	mk(f, env, NULL, 0);
	assert_string_equal(req_header(&f->r, "GPROFILER-API-KEY"), "k1");
	assert_string_equal(req_header(&f->r, "gprofiler-api-key"), "k1");
	assert_string_equal(req_header(&f->r, "Content-type"), "application/json");
	assert_string_equal(req_header(&f->r, "content-length"), "12");
	assert_string_equal(req_header(&f->r, "Authorization"), "Bearer t");
	assert_null(req_header(&f->r, "GPROFILER-SERVICE-NAME"));
	assert_null(req_header(&f->r, "API_KEY"));
	assert_int_equal(req_content_length(&f->r, &n), E_OK);
	assert_int_equal(n, 12);
	assert_null(req_env(&f->r, "HTTP_GPROFILER"));	/* prefix only */
}

static void
test_content_length_forms(void **state)
{
	struct fixture *f = *state;
	char *none[] = { NULL };
	char *neg[] = { "CONTENT_LENGTH=-1", NULL };
	char *junk[] = { "CONTENT_LENGTH=12x", NULL };
	char *empty[] = { "CONTENT_LENGTH=", NULL };
	char *huge[] = { "CONTENT_LENGTH=999999999999999999999999", NULL };
	size_t n;

	mk(f, none, NULL, 0);
	assert_int_equal(req_content_length(&f->r, &n), E_NOTFOUND);
	mk(f, neg, NULL, 0);
	assert_int_equal(req_content_length(&f->r, &n), E_INVAL);
	mk(f, junk, NULL, 0);
	assert_int_equal(req_content_length(&f->r, &n), E_INVAL);
	mk(f, empty, NULL, 0);
	assert_int_equal(req_content_length(&f->r, &n), E_INVAL);
	mk(f, huge, NULL, 0);
	assert_int_equal(req_content_length(&f->r, &n), E_INVAL);
}

static void
test_body_caps(void **state)
{
	struct fixture *f = *state;
	char *cl5[] = { "CONTENT_LENGTH=5", NULL };
	char *cl9[] = { "CONTENT_LENGTH=9", NULL };
	char *none[] = { NULL };
	struct buf b = BUF_INIT(0);

	mk(f, cl5, "hello world", 11);
	assert_int_equal(req_read_body(&f->r, 5, &b), E_OK);
	assert_string_equal(b.data, "hello");	/* stops at the length */
	buf_reset(&b);
	mk(f, cl5, "hello", 5);
	assert_int_equal(req_read_body(&f->r, 4, &b), E_TOOBIG);
	assert_int_equal(b.len, 0);		/* refused before reading */
	mk(f, cl9, "short", 5);
	assert_int_equal(req_read_body(&f->r, 100, &b), E_IO);
	buf_reset(&b);
	mk(f, none, "abcdef", 6);
	assert_int_equal(req_read_body(&f->r, 6, &b), E_OK);
	assert_string_equal(b.data, "abcdef");
	buf_reset(&b);
	mk(f, none, "abcdefg", 7);
	assert_int_equal(req_read_body(&f->r, 6, &b), E_TOOBIG);
	buf_release(&b);
}

static void
test_send(void **state)
{
	struct fixture *f = *state;
	char *env[] = { NULL };

	mk(f, env, NULL, 0);
	req_add_header(&f->r, "X-Test", "1");
	assert_int_equal(req_send_message(&f->r, 400,
		"bad \"x\"\n\x01"), E_OK);
	assert_int_equal(req_mem_status(&f->m), 400);
	assert_string_equal(req_mem_body(&f->m),
		"{\"message\":\"bad \\\"x\\\"\\n\\u0001\"}");
	assert_string_equal(req_mem_header(&f->m, &f->a, "content-type"),
		"application/json");
	assert_string_equal(req_mem_header(&f->m, &f->a, "Content-Length"),
		"31");
	assert_string_equal(req_mem_header(&f->m, &f->a, "X-Test"), "1");
	assert_true(strncmp(f->m.out.data, "Status: 400 Bad Request\r\n",
		25) == 0);
	/* A second answer is refused and changes nothing. */
	assert_int_equal(req_send_string(&f->r, 200, "x"), E_INTERNAL);
	assert_int_equal(req_mem_status(&f->m), 400);
}

static void
test_send_422_and_string(void **state)
{
	struct fixture *f = *state;
	char *env[] = { NULL };

	mk(f, env, NULL, 0);
	assert_int_equal(req_send_422(&f->r, "body", "hostname",
		"field required", "value_error.missing"), E_OK);
	assert_int_equal(req_mem_status(&f->m), 422);
	assert_string_equal(req_mem_body(&f->m),
		"{\"detail\":[{\"loc\":[\"body\",\"hostname\"],"
		"\"msg\":\"field required\",\"type\":\"value_error.missing\"}]}");
	mk(f, env, NULL, 0);
	assert_int_equal(req_send_string(&f->r, 500, "Failed"), E_OK);
	assert_string_equal(req_mem_body(&f->m), "\"Failed\"");
	mk(f, env, NULL, 0);
	assert_int_equal(req_send(&f->r, 204, NULL, "ignored", 7), E_OK);
	assert_int_equal(req_mem_status(&f->m), 204);
	assert_string_equal(req_mem_body(&f->m), "");
	assert_null(req_mem_header(&f->m, &f->a, "Content-Length"));
}

static void
test_decode(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(req_decode(&f->a, "a%2Fb+c", 7, true), "a/b c");
	assert_string_equal(req_decode(&f->a, "a%2fb+c", 7, false), "a/b+c");
	assert_null(req_decode(&f->a, "%", 1, false));
	assert_null(req_decode(&f->a, "%4", 2, false));
	assert_null(req_decode(&f->a, "%g0", 3, false));
	assert_null(req_decode(&f->a, "a%00", 4, false));
	assert_string_equal(req_decode(&f->a, "", 0, false), "");
	assert_string_equal(req_decode(&f->a, "%e2%82%ac", 9, false),
		"\xe2\x82\xac");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path_and_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_fallback_and_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_length_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_422_and_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
