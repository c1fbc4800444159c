/*
 * test_sqs.c - SQS answer parsing (no network): error bodies from the JSON
 * protocol and the x-amzn-query-error header, status mapping, and
 * ReceiveMessage answers, including the empty body local emulators send.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arena.h"
#include "err.h"
#include "sqs.h"

static void
test_parse_error(void **state)
{
	static const char j1[] = "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\","
		"\"message\":\"The specified queue does not exist.\"}";
	static const char j2[] = "{\"__type\":\"ReceiptHandleIsInvalid\","
		"\"Message\":\"bad\"}";
	char code[64];
	char msg[128];

	sqs_parse_error(j1, strlen(j1), NULL, code, sizeof(code), msg, sizeof(msg));
	assert_string_equal(code, "QueueDoesNotExist");
	assert_string_equal(msg, "The specified queue does not exist.");
	sqs_parse_error(j2, strlen(j2), "", code, sizeof(code), msg, sizeof(msg));
	assert_string_equal(code, "ReceiptHandleIsInvalid");
	assert_string_equal(msg, "bad");
	/* no body: the query-error header names the code */
	sqs_parse_error("", 0, "AWS.SimpleQueueService.NonExistentQueue;Sender",
		code, sizeof(code), msg, sizeof(msg));
	assert_string_equal(code, "NonExistentQueue");
	assert_string_equal(msg, "");
	sqs_parse_error("<html>", 6, NULL, code, sizeof(code), msg, sizeof(msg));
	assert_string_equal(code, "");
}

static void
test_status_err(void **state)
{
	assert_int_equal(sqs_status_err(200, ""), E_OK);
	assert_int_equal(sqs_status_err(400, "QueueDoesNotExist"), E_NOTFOUND);
	assert_int_equal(sqs_status_err(400, "ReceiptHandleIsInvalid"), E_NOTFOUND);
	assert_int_equal(sqs_status_err(400, "ThrottlingException"), E_THROTTLED);
	assert_int_equal(sqs_status_err(400, "InvalidParameterValue"), E_INVAL);
	assert_int_equal(sqs_status_err(403, "SignatureDoesNotMatch"), E_AUTH);
	assert_int_equal(sqs_status_err(400, "UnrecognizedClientException"), E_AUTH);
	assert_int_equal(sqs_status_err(403, "AccessDenied"), E_FORBIDDEN);
	assert_int_equal(sqs_status_err(403, ""), E_AUTH);
	assert_int_equal(sqs_status_err(500, ""), E_HTTP);
	assert_int_equal(sqs_status_err(400, "SomethingNew"), E_INVAL);
}

static void
test_parse_messages(void **state)
{
	static const char j[] = "{\"Messages\":[{\"MessageId\":\"m1\","
		"\"ReceiptHandle\":\"rh1\",\"Body\":\"{\\\"filename\\\":\\\"a\\\"}\","
		"\"Attributes\":{\"ApproximateReceiveCount\":\"3\","
		"\"SentTimestamp\":\"1795597137298\"}},"
		"{\"MessageId\":\"m2\",\"ReceiptHandle\":\"rh2\",\"Body\":\"x\"}]}";
	struct arena a;
	struct sqs_msg *m;
	size_t n;
	json_t *root;

	arena_init(&a, 0);
	root = json_loads(j, 0, NULL);
	assert_non_null(root);
	assert_int_equal(sqs_parse_messages(root, &a, &m, &n), E_OK);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].id, "m1");
	assert_string_equal(m[0].receipt, "rh1");
	assert_string_equal(m[0].body, "{\"filename\":\"a\"}");
	assert_int_equal(m[0].body_len, 16);
	assert_int_equal(m[0].receive_count, 3);
	assert_int_equal(m[0].sent_at, 1795597137);
	assert_int_equal(m[1].receive_count, 0);
	json_decref(root);

	/* an empty answer (emulator) and {} (real SQS) both mean no messages */
	root = json_object();
	assert_int_equal(sqs_parse_messages(root, &a, &m, &n), E_OK);
	assert_int_equal(n, 0);
	json_decref(root);
	root = json_loads("{\"Messages\":[]}", 0, NULL);
	assert_int_equal(sqs_parse_messages(root, &a, &m, &n), E_OK);
	assert_int_equal(n, 0);
	json_decref(root);
	root = json_loads("{\"Messages\":[{\"MessageId\":\"x\",\"Body\":\"b\"}]}", 0, NULL);
	assert_int_equal(sqs_parse_messages(root, &a, &m, &n), E_PROTO);
	json_decref(root);
	root = json_loads("{\"Messages\":{}}", 0, NULL);
	assert_int_equal(sqs_parse_messages(root, &a, &m, &n), E_PROTO);
	json_decref(root);
	arena_release(&a);
}

static void
test_new(void **state)
{
	struct cfg_sqs c;
	struct sqs *s = NULL;
	char err[256];

	memset(&c, 0, sizeof(c));
	c.queue_url = (char *)"http://127.0.0.1:9/123/q";
	c.access_key = (char *)"";
	c.secret_key = (char *)"";
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(sqs_new(&c, &s, err, sizeof(err)), E_CONFIG);
	c.access_key = (char *)"k";
	c.secret_key = (char *)"s";
	assert_int_equal(sqs_new(&c, &s, err, sizeof(err)), E_OK);
	sqs_free(s);
	c.endpoint = (char *)"sqs.example";
	assert_int_equal(sqs_new(&c, &s, err, sizeof(err)), E_CONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_error),
		cmocka_unit_test(test_status_err),
		cmocka_unit_test(test_parse_messages),
		cmocka_unit_test(test_new),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
