/*
 * test_http.c - retry policy and header parsing, and http_do() against a
 * scripted HTTP server forked on 127.0.0.1: 5xx retried until success,
 * 4xx returned at once, body caps, streaming to a FILE, parallel HEADs.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "http.h"

static void
test_retryable(void **state)
{
	assert_true(http_status_retryable(500, NULL, 0));
	assert_true(http_status_retryable(503, "", 0));
	assert_true(http_status_retryable(429, NULL, 0));
	assert_true(http_status_retryable(0, NULL, 0));
	assert_false(http_status_retryable(200, NULL, 0));
	assert_false(http_status_retryable(404, NULL, 0));
	assert_false(http_status_retryable(403, "SlowDown", 8));
	assert_false(http_status_retryable(400, "{\"__type\":\"InvalidParameterValue\"}", 34));
	assert_true(http_status_retryable(400, "{\"__type\":\"ThrottlingException\"}", 32));
}

static void
test_backoff(void **state)
{
	unsigned i;
	uint32_t r;

	assert_int_equal(http_backoff_ms(0, 100, 5000, 7), 0);
	for (r = 0; r < 1000; r += 37) {
		/* attempt 1: 50..100, attempt 2: 100..200, capped at 2500..5000 */
		i = http_backoff_ms(1, 100, 5000, r);
		assert_true(i >= 50 && i <= 100);
		i = http_backoff_ms(2, 100, 5000, r);
		assert_true(i >= 100 && i <= 200);
		i = http_backoff_ms(30, 100, 5000, r);
		assert_true(i >= 2500 && i <= 5000);
	}
}

static void
test_resp_header(void **state)
{
	struct http_resp r;
	char v[64];

	http_resp_init(&r, 0);
	assert_int_equal(buf_addstr(&r.headers, "HTTP/1.1 200 OK\r\n"
		"Content-Type:  text/html \r\nETag: \"abc\"\r\nX-Long: "
		"0123456789012345678901234567890123456789\r\n\r\n"), E_OK);
	assert_true(http_resp_header(&r, "content-type", v, sizeof(v)));
	assert_string_equal(v, "text/html");
	assert_true(http_resp_header(&r, "ETAG", v, sizeof(v)));
	assert_string_equal(v, "\"abc\"");
	assert_true(http_resp_header(&r, "X-Long", v, 11));
	assert_string_equal(v, "0123456789");
	assert_false(http_resp_header(&r, "Content", v, sizeof(v)));
	assert_string_equal(v, "");
	http_resp_release(&r);
}

/*
 * A server that answers connection i with script[i] (a status code), then
 * closes; -1 in the script means "close without answering".
 */
static pid_t
serve(const int *script, size_t n, int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	pid_t pid;

	assert_true(ls >= 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 16), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		size_t i;

		alarm(20);
		for (i = 0; i < n; i++) {
			char req[8192];
			char resp[256];
			int c = accept(ls, NULL, NULL);
			int len;

			if (c < 0)
				_exit(1);
			/* read the request head (bodies in these tests are tiny) */
			if (read(c, req, sizeof(req)) <= 0) {
				close(c);
				continue;
			}
			if (script[i] >= 0) {
				len = snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\n"
					"Content-Type: text/plain\r\nContent-Length: 12\r\n"
					"Connection: close\r\n\r\nhello world\n", script[i]);
				if (write(c, resp, (size_t)len) != len)
					_exit(1);
			}
			close(c);
		}
		_exit(0);
	}
	close(ls);
	return pid;
}

static struct http *
client(unsigned retries)
{
	struct http_opts o;
	struct http *h = NULL;
	char err[128];

	memset(&o, 0, sizeof(o));
	o.timeout_ms = 5000;
	o.retries = retries;
	o.backoff_base_ms = 5;
	o.backoff_max_ms = 20;
	o.parallel = 4;
	assert_int_equal(http_new(&o, &h, err, sizeof(err)), E_OK);
	return h;
}

static void
test_retries_then_success(void **state)
{
	static const int script[] = { 500, -1, 503, 200 };
	struct http *h = client(4);
	struct http_req req;
	struct http_resp r;
	char url[64];
	int port;
	int st;
	pid_t pid = serve(script, 4, &port);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	http_resp_init(&r, 100);
	assert_int_equal(http_do(h, &req, &r), E_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 4);
	assert_string_equal(r.body.data, "hello world\n");
	http_resp_release(&r);
	waitpid(pid, &st, 0);
	http_free(h);
}

static void
test_4xx_not_retried_and_caps(void **state)
{
	static const int script[] = { 404, 200, 200 };
	struct http *h = client(4);
	struct http_req req;
	struct http_resp r;
	FILE *sink = tmpfile();
	char url[64];
	char back[32] = "";
	int port;
	int st;
	pid_t pid = serve(script, 3, &port);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	http_resp_init(&r, 100);
	assert_int_equal(http_do(h, &req, &r), E_OK);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.attempts, 1);
	http_resp_release(&r);
	/* a 12-byte body over a 5-byte cap */
	http_resp_init(&r, 5);
	assert_int_equal(http_do(h, &req, &r), E_TOOBIG);
	http_resp_release(&r);
	/* the body streamed to a FILE */
	req.sink = sink;
	http_resp_init(&r, 1);
	assert_int_equal(http_do(h, &req, &r), E_OK);
	assert_int_equal(r.sunk, 12);
	rewind(sink);
	assert_non_null(fgets(back, sizeof(back), sink));
	assert_string_equal(back, "hello world\n");
	http_resp_release(&r);
	fclose(sink);
	waitpid(pid, &st, 0);
	http_free(h);
}

static void
test_connection_refused(void **state)
{
	struct http *h = client(1);
	struct http_req req;
	struct http_resp r;
	char url[64];
	int port;
	int st;
	static const int script[] = { 200 };
	pid_t pid = serve(script, 1, &port);

	/* consume the one answer, then the port is closed */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	http_resp_init(&r, 0);
	assert_int_equal(http_do(h, &req, &r), E_OK);
	waitpid(pid, &st, 0);
	assert_int_equal(http_do(h, &req, &r), E_HTTP);
	assert_int_equal(r.attempts, 2);
	assert_non_null(strstr(http_errmsg(h), "after 2 attempt(s)"));
	http_resp_release(&r);
	http_free(h);
}

static void
test_head_many(void **state)
{
	static const int script[] = { 200, 404, 200, 404, 200, 404, 200, 500, 404 };
	struct http *h = client(2);
	const char *urls[8];
	char buf[8][64];
	long status[8];
	int port;
	int st;
	size_t i;
	int n200 = 0;
	int n404 = 0;
	pid_t pid = serve(script, 9, &port);

	for (i = 0; i < 8; i++) {
		snprintf(buf[i], sizeof(buf[i]), "http://127.0.0.1:%d/k%zu", port, i);
		urls[i] = buf[i];
	}
	assert_int_equal(http_head_many(h, urls, 8, NULL, status), E_OK);
	/* order of answers is the server's; the 500 was retried into a 404 */
	for (i = 0; i < 8; i++) {
		n200 += status[i] == 200;
		n404 += status[i] == 404;
	}
	assert_int_equal(n200, 4);
	assert_int_equal(n404, 4);
	waitpid(pid, &st, 0);
	http_free(h);
}

/*
 * http_new_aws signs with exactly the credentials it is given: an
 * AWS_SESSION_TOKEN in the environment must not be paired with a key
 * from the config file (cfg_load() owns the AWS_* fallback and its rule).
 */
static void
test_new_aws_credentials(void **state)
{
	struct http_opts ho;
	struct http_aws aws = { "s3", "s3", "us-east-1", "AKIDFILE",
		"secretfile", "" };
	struct http *h = NULL;
	char *tok = NULL;
	char err[256];

	memset(&ho, 0, sizeof(ho));
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SESSION_TOKEN", "tokenenv", 1);
	assert_int_equal(http_new_aws(&aws, &ho, &h, &tok, err, sizeof(err)), E_OK);
	assert_null(tok);	/* not the environment's token */
	http_free(h);
	aws.session_token = "tokenfile";
	assert_int_equal(http_new_aws(&aws, &ho, &h, &tok, err, sizeof(err)), E_OK);
	assert_string_equal(tok, "x-amz-security-token: tokenfile");
	free(tok);
	http_free(h);
	aws.access_key = "";	/* no fallback to AWS_ACCESS_KEY_ID */
	assert_int_equal(http_new_aws(&aws, &ho, &h, &tok, err, sizeof(err)),
		E_CONFIG);
	assert_null(h);
	assert_non_null(strstr(err, "s3.access_key"));
	aws.access_key = "a:b";	/* a colon would split userpwd */
	assert_int_equal(http_new_aws(&aws, &ho, &h, &tok, err, sizeof(err)),
		E_CONFIG);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
}

int
main(void)
{
	struct sigaction sa;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retryable),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_resp_header),
		cmocka_unit_test(test_retries_then_success),
		cmocka_unit_test(test_4xx_not_retried_and_caps),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_head_many),
		cmocka_unit_test(test_new_aws_credentials),
	};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
