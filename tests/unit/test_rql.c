/*
 * test_rql.c - the UI filter in both spellings, upstream's eq-values
 * semantics, and hostile input (never a crash, always a status).
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rql.h"

static struct arena A;
static char err[256];

static int
setup(void **state)
{
	arena_init(&A, 0);
	return 0;
}

static int
teardown(void **state)
{
	arena_release(&A);
	return 0;
}

/* The HostName eq values joined with '|', or "-" for none. */
static const char *
hosts(const char *text, enum rql_status want)
{
	struct rql q;
	const char **v;
	size_t n, i;
	char *out;

	assert_int_equal(rql_parse(text, &A, &q, err, sizeof(err)), want);
	v = rql_eq_values(&q, &A, "HostName", &n);
	if (!v) {
		assert_int_equal(n, 0);
		return "-";
	}
	out = arena_strdup(&A, "");
	for (i = 0; i < n; i++)
		out = arena_printf(&A, "%s%s%s", out, i ? "|" : "", v[i]);
	assert_null(v[n]);
	return out;
}

static void
test_json_form(void **state)
{
	assert_string_equal(hosts("{\"id\":\"\",\"filter\":{\"$and\":"
		"[{\"HostName\":{\"$eq\":\"ip-10-0-1-5\"}}]}}", RQL_OK),
		"ip-10-0-1-5");
	/* $and and $or both count; $neq is ignored; other types ignored */
	assert_string_equal(hosts("{\"filter\":{\"$and\":["
		"{\"HostName\":{\"$eq\":\"a\"}},{\"HostName\":{\"$neq\":\"b\"}},"
		"{\"ContainerName\":{\"$eq\":\"c\"}}],"
		"\"$or\":[{\"HostName\":{\"$eq\":\"d\"}}]}}", RQL_OK), "a|d");
	/* The UI's initial state: ContainerName $eq "" -> no host filter */
	assert_string_equal(hosts("{\"id\":\"\",\"filter\":{\"$and\":"
		"[{\"ContainerName\":{\"$eq\":\"\"}}]}}", RQL_OK), "-");
	/* HostName $eq "" is kept (matches nothing, as upstream) */
	assert_string_equal(hosts("{\"filter\":{\"$and\":"
		"[{\"HostName\":{\"$eq\":\"\"}}]}}", RQL_OK), "");
	assert_string_equal(hosts("{\"filter\":{}}", RQL_OK), "-");
	assert_string_equal(hosts("", RQL_OK), "-");
	assert_string_equal(hosts("   ", RQL_OK), "-");
	assert_string_equal(hosts(NULL, RQL_OK), "-");
	/* SQL metacharacters are just values */
	assert_string_equal(hosts("{\"filter\":{\"$or\":[{\"HostName\":"
		"{\"$eq\":\"x' OR '1'='1\"}}]}}", RQL_OK), "x' OR '1'='1");
}

static void
test_json_errors(void **state)
{
	assert_string_equal(hosts("{\"filter\":", RQL_BAD_JSON), "-");
	assert_string_equal(hosts("{bad json}", RQL_BAD_JSON), "-");
	assert_string_equal(hosts("[1,2]", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("\"str\"", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("{}", RQL_BAD_SHAPE), "-");
	assert_non_null(strstr(err, "filter"));
	assert_string_equal(hosts("{\"filter\":[]}", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("{\"filter\":{\"$xor\":[]}}", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("{\"filter\":{\"$and\":{}}}", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("{\"filter\":{\"$and\":[1]}}", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("{\"filter\":{\"$and\":[{\"Pod\":{\"$eq\":\"x\"}}]}}",
		RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("{\"filter\":{\"$and\":[{\"HostName\":{\"$lt\":\"x\"}}]}}",
		RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("{\"filter\":{\"$and\":[{\"HostName\":{\"$eq\":1}}]}}",
		RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("{\"filter\":{\"$and\":[{\"HostName\":{\"$eq\":\"a\","
		"\"$neq\":\"b\"}}]}}", RQL_BAD_SHAPE), "-");
	/* An escaped NUL is refused by the parser. */
	assert_string_equal(hosts("{\"filter\":{\"$and\":[{\"HostName\":{\"$eq\":"
		"\"a\\u0000b\"}}]}}", RQL_BAD_JSON), "-");
}

static void
test_compact_form(void **state)
{
	assert_string_equal(hosts("hn,is,h1", RQL_OK), "h1");
	assert_string_equal(hosts("hn,is,h1,o,hn,is,h2", RQL_OK), "h1|h2");
	assert_string_equal(hosts("hn,is,h1,a,cn,is,c1,a,hn,not,h3", RQL_OK), "h1");
	assert_string_equal(hosts("cen,is,e", RQL_OK), "-");
	assert_string_equal(hosts("hn,is,", RQL_OK), "");
	assert_string_equal(hosts("hn,is", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("hn,is,h1,o", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("hn,is,h1,x,hn,is,h2", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("zz,is,h1", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts("hn,eq,h1", RQL_BAD_SHAPE), "-");
	assert_string_equal(hosts(",,,,", RQL_BAD_SHAPE), "-");
}

static void
test_limits(void **state)
{
	struct rql q;
	size_t i, len = 4 * 20000;
	char *big = malloc(len + 1);

	/* Too many compact rules. */
	for (i = 0; i + 9 < len; i += 9)
		memcpy(big + i, "hn,is,h,o", 9);
	big[i - 2] = '\0';
	assert_int_equal(rql_parse(big, &A, &q, err, sizeof(err)),
		RQL_BAD_SHAPE);
	/* Too long. */
	memset(big, 'a', len);
	big[len] = '\0';
	assert_int_equal(rql_parse(big, &A, &q, err, sizeof(err)),
		RQL_BAD_SHAPE);
	/* Deep nesting is refused by the JSON parser, not the stack. */
	for (i = 0; i < 5000; i++)
		big[i] = '[';
	big[i] = '\0';
	assert_int_equal(rql_parse(big, &A, &q, err, sizeof(err)),
		RQL_BAD_JSON);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_form),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_compact_form),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
