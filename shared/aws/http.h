/*
 * http.h - the only module that calls libcurl.
 *
 * One struct http owns one easy handle (reused, so connections are kept
 * alive between requests) and one multi handle with a small pool of easy
 * handles for parallel HEADs.  A request is described by a plain struct;
 * http_do() runs it with the configured timeout and retries:
 *
 *   - retried (capped exponential back-off with jitter): connection
 *     failures, timeouts, 5xx, 429, and any answer whose body names a
 *     throttling code (SlowDown, Throttling*, RequestThrottled);
 *   - never retried: every other 4xx, which is returned to the caller.
 *
 * AWS requests are signed by libcurl (CURLOPT_AWS_SIGV4).  libcurl 7.88
 * neither canonicalises the query string nor adds x-amz-content-sha256,
 * so callers (s3.c, sqs.c) send canonical queries and add that header.
 *
 * http_do() returns E_OK whenever a final HTTP answer arrived, whatever its
 * status; transport failures give E_HTTP or E_TIMEOUT (and E_TOOBIG when
 * the answer passes the caller's cap), with the detail in http_errmsg().
 */
#ifndef EMBER_HTTP_H
#define EMBER_HTTP_H

#include "compat.h"

#include <stdio.h>

#include "buf.h"

struct http;

/* Settings of one client; copied by http_new(). */
struct http_opts {
	unsigned timeout_ms;	/* whole request; 0 = 30000 */
	unsigned connect_timeout_ms;	/* 0 = min(timeout, 5000) */
	unsigned retries;	/* extra attempts after the first */
	unsigned backoff_base_ms;	/* first back-off; 0 = 100 */
	unsigned backoff_max_ms;	/* cap on one back-off; 0 = 5000 */
	unsigned parallel;	/* easy handles for http_head_many; 0 = 8 */
	const char *sigv4;	/* "aws:amz:REGION:SERVICE" or NULL: no signing */
	const char *userpwd;	/* "KEY:SECRET" for SigV4 */
};

struct http_req {
	const char *method;	/* "GET", "PUT", "POST", "HEAD", "DELETE" */
	const char *url;	/* full URL, query already canonical */
	const char *const *headers;	/* NULL-terminated "Name: value" lines */
	const void *body;	/* request body in memory, or */
	size_t body_len;
	FILE *body_file;	/* body read from here (rewound on retry; must be seekable) */
	uint64_t body_file_len;
	FILE *sink;		/* a 2xx answer's body goes here instead of resp->body */
	/*
	 * Or NULL, or: a 2xx answer's body is handed here piece by piece as
	 * it arrives (pieces split anywhere, even inside a line); false stops
	 * the transfer with E_PROTO (the reader said why).  Like a sink, a
	 * request whose body was partly handed over is never retried.
	 */
	bool (*on_body)(void *ctx, const char *p, size_t n);
	void *on_body_ctx;
	unsigned timeout_ms;	/* 0 = the client's */
	bool no_retry;		/* a single attempt */
	/*
	 * NULL, or asked about once a second during the transfer (and when
	 * a caught signal interrupts it): true ends the request at once with
	 * E_STOP, without retries (a long poll that is no longer wanted).
	 */
	bool (*cancelled)(void);
};

struct http_resp {
	long status;		/* final HTTP status, 0 if none */
	struct buf body;	/* answer body (capped by body.max; error bodies always kept) */
	struct buf headers;	/* raw header lines of the final answer */
	unsigned attempts;	/* attempts made */
	uint64_t sunk;		/* bytes written to req->sink */
};

/* Create a client (curl_global_init is done once, on first use). */
MUST_CHECK int http_new(const struct http_opts *opts, struct http **out,
	char *err, size_t errlen);

/* An AWS client's identity: where SigV4 credentials come from. */
struct http_aws {
	const char *who;	/* "s3", "sqs": prefixes error texts and names the keys */
	const char *service;	/* SigV4 service name: "s3", "sqs" */
	const char *region;
	const char *access_key;	/* required */
	const char *secret_key;	/* required */
	const char *session_token;	/* "" or NULL = none */
};

/*
 * http_new() for an AWS API: signs with the credentials in aws, exactly
 * as given.  Note that the environment is not read here: cfg_load() fills
 * empty keys from AWS_* with its pairing rule (a token only with the
 * key it belongs to), and a second fallback here would undo that rule.
 * Signs with SigV4 for aws->service in
 * aws->region, and sets *token_hdr to a heap "x-amz-security-token: ..."
 * header line when there is a session token (else NULL; the caller frees
 * it).  E_CONFIG with a message naming the keys when credentials are
 * missing; otherwise as http_new().  opts->sigv4/userpwd are ignored.
 */
MUST_CHECK int http_new_aws(const struct http_aws *aws,
	const struct http_opts *opts, struct http **out, char **token_hdr,
	char *err, size_t errlen);
void http_free(struct http *h);
const char *http_errmsg(const struct http *h);

/* Initialise a response; body_max caps resp->body (0 = no cap). */
void http_resp_init(struct http_resp *r, size_t body_max);
void http_resp_release(struct http_resp *r);
/*
 * Copy the value of the first header `name` (case-insensitive) of the
 * final answer into out, trimmed; false if absent (out is then "").
 */
bool http_resp_header(const struct http_resp *r, const char *name,
	char *out, size_t outlen);

/* Run one request with retries; see the top comment for the result. */
MUST_CHECK int http_do(struct http *h, const struct http_req *req,
	struct http_resp *resp);

/*
 * HEAD each of n URLs (extra request headers in `headers`, the same for
 * all), up to opts.parallel at a time on the multi interface, and store
 * each final status in status[i].  Answers worth retrying are retried
 * one by one with http_do().  Fails (E_HTTP/E_TIMEOUT) only when some URL
 * still has no answer after the retries.
 */
MUST_CHECK int http_head_many(struct http *h, const char *const *urls,
	size_t n, const char *const *headers, long *status);

/* Whether an answer with this status and body should be retried. */
bool http_status_retryable(long status, const char *body, size_t len);
/* The back-off before attempt `attempt` (1 = first retry), jitter included. */
unsigned http_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms,
	uint32_t rnd);

#endif
