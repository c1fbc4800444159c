/*
 * sqs.c - SQS JSON-protocol calls over http.c (see sqs.h).
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http.h"
#include "mem.h"
#include "sqs.h"

#define SQS_BODY_MAX (4u * 1024 * 1024)	/* 10 x 256 KiB messages + JSON */

struct sqs {
	struct http *http;
	char *url;		/* endpoint + "/" */
	char *token_hdr;	/* "x-amz-security-token: ..." or NULL */
	unsigned timeout_ms;	/* per request before any long-poll wait */
	bool (*cancelled)(void);	/* sqs_set_cancel() */
	char err[512];
};

/* Set the error text. */
static void
sqs_seterr(struct sqs *s, const char *fmt, ...) ATTR_PRINTF(2, 3);

static void
sqs_seterr(struct sqs *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

/* Create a client. */
int
sqs_new(const struct cfg_sqs *cfg, struct sqs **out, char *err, size_t errlen)
{
	struct sqs *s = NULL;
	struct http_opts ho;
	struct http_aws aws;
	struct buf b = BUF_INIT(0);
	const char *region = cfg->region && *cfg->region ? cfg->region : "us-east-1";
	int rc;

	*out = NULL;
	s = xcalloc(1, sizeof(*s));
	if (cfg->endpoint && *cfg->endpoint) {
		buf_puts(&b, cfg->endpoint);
	} else if (cfg->queue_url && (strncmp(cfg->queue_url, "http://", 7) == 0 ||
		strncmp(cfg->queue_url, "https://", 8) == 0)) {
		const char *host = strstr(cfg->queue_url, "://") + 3;
		const char *slash = strchr(host, '/');

		buf_put(&b, cfg->queue_url, slash ? (size_t)(slash -
			cfg->queue_url) : strlen(cfg->queue_url));
	} else {
		buf_putf(&b, "https://sqs.%s.amazonaws.com", region);
	}
	if (strncmp(b.data, "http://", 7) != 0 && strncmp(b.data, "https://", 8) != 0) {
		snprintf(err, errlen, "sqs: endpoint must start with http:// or "
			"https://: %s", b.data);
		rc = E_CONFIG;
		goto fail;
	}
	while (b.len && b.data[b.len - 1] == '/')
		buf_truncate(&b, b.len - 1);
	buf_putc(&b, '/');
	s->url = buf_detach(&b, NULL);
	s->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000;
	memset(&ho, 0, sizeof(ho));
	ho.timeout_ms = cfg->timeout_ms;
	ho.retries = cfg->retries;
	ho.parallel = 1;
	aws = (struct http_aws){ "sqs", "sqs", region, cfg->access_key,
		cfg->secret_key, cfg->session_token };
	rc = http_new_aws(&aws, &ho, &s->http, &s->token_hdr, err, errlen);
	if (rc != E_OK)
		goto fail;
	*out = s;
	return E_OK;
fail:
	buf_release(&b);
	sqs_free(s);
	return rc;
}

/* Free a client (NULL is a no-op). */
void
sqs_free(struct sqs *s)
{
	if (!s)
		return;
	http_free(s->http);
	free(s->url);
	free(s->token_hdr);
	free(s);
}

/* The last error text. */
const char *
sqs_errmsg(const struct sqs *s)
{
	return s->err;
}

/* Extract the error code and message of a failed answer. */
void
sqs_parse_error(const char *body, size_t len, const char *query_error,
	char *code, size_t codelen, char *msg, size_t msglen)
{
	json_t *j = NULL;
	const char *t;
	const char *m;

	code[0] = '\0';
	msg[0] = '\0';
	if (len)
		j = json_loadb(body, len, 0, NULL);
	if (j && json_is_object(j)) {
		t = json_string_value(json_object_get(j, "__type"));
		if (!t)
			t = json_string_value(json_object_get(j, "code"));
		if (t) {
			const char *hash = strrchr(t, '#');

			snprintf(code, codelen, "%s", hash ? hash + 1 : t);
		}
		m = json_string_value(json_object_get(j, "message"));
		if (!m)
			m = json_string_value(json_object_get(j, "Message"));
		if (m)
			snprintf(msg, msglen, "%s", m);
	}
	json_decref(j);
	/* "AWS.SimpleQueueService.NonExistentQueue;Sender" */
	if (!code[0] && query_error && *query_error) {
		const char *semi = strchr(query_error, ';');
		const char *dot;
		size_t n = semi ? (size_t)(semi - query_error) : strlen(query_error);

		dot = memrchr(query_error, '.', n);
		if (dot) {
			n -= (size_t)(dot + 1 - query_error);
			query_error = dot + 1;
		}
		snprintf(code, codelen, "%.*s", (int)n, query_error);
	}
}

/* Map status and code to an error. */
int
sqs_status_err(long status, const char *code)
{
	static const struct {
		const char *code;
		int err;
	} map[] = {
		{ "QueueDoesNotExist", E_NOTFOUND },
		{ "NonExistentQueue", E_NOTFOUND },
		{ "ReceiptHandleIsInvalid", E_NOTFOUND },
		{ "InvalidReceiptHandle", E_NOTFOUND },
		{ "MessageNotInflight", E_NOTFOUND },
		{ "InvalidSignatureException", E_AUTH },
		{ "SignatureDoesNotMatch", E_AUTH },
		{ "IncompleteSignature", E_AUTH },
		{ "UnrecognizedClientException", E_AUTH },
		{ "InvalidClientTokenId", E_AUTH },
		{ "MissingAuthenticationToken", E_AUTH },
		{ "ExpiredToken", E_AUTH },
		{ "RequestTimeTooSkewed", E_AUTH },
		{ "AccessDenied", E_FORBIDDEN },
		{ "AccessDeniedException", E_FORBIDDEN },
		{ "ThrottlingException", E_THROTTLED },
		{ "RequestThrottled", E_THROTTLED },
		{ "OverLimit", E_THROTTLED },
		{ "PurgeQueueInProgress", E_THROTTLED },
		{ "InvalidParameterValue", E_INVAL },
		{ "MissingParameter", E_INVAL },
		{ "InvalidMessageContents", E_INVAL },
		{ "TooManyEntriesInBatchRequest", E_INVAL },
		{ "BatchEntryIdsNotDistinct", E_INVAL },
		{ "EmptyBatchRequest", E_INVAL },
		{ "InternalError", E_HTTP },
		{ "InternalFailure", E_HTTP },
		{ "ServiceUnavailable", E_HTTP },
	};
	size_t i;

	if (status >= 200 && status < 300)
		return E_OK;
	for (i = 0; code && i < ARRAY_SIZE(map); i++)
		if (strcmp(code, map[i].code) == 0)
			return map[i].err;
	if (status == 401 || status == 403)
		return E_AUTH;
	if (status == 404)
		return E_NOTFOUND;
	if (status == 429)
		return E_THROTTLED;
	if (status == 413)
		return E_TOOBIG;
	if (status >= 400 && status < 500)
		return E_INVAL;
	return E_HTTP;
}

/* Install the long-poll cancel check. */
void
sqs_set_cancel(struct sqs *s, bool (*cancelled)(void))
{
	s->cancelled = cancelled;
}

/* Call an action. */
int
sqs_call(struct sqs *s, const char *action, json_t *req, unsigned extra_ms,
	json_t **resp, char *code_out)
{
	struct http_req hr;
	struct http_resp r;
	char target[96];
	const char *lines[4];
	char *body = NULL;
	char qerr[160];
	char code[64];
	char msg[256];
	json_error_t je;
	json_t *j = NULL;
	int rc;

	if (resp)
		*resp = NULL;
	if (code_out)
		code_out[0] = '\0';
	snprintf(target, sizeof(target), "X-Amz-Target: AmazonSQS.%s", action);
	lines[0] = target;
	lines[1] = "Content-Type: application/x-amz-json-1.0";
	lines[2] = s->token_hdr;
	lines[3] = NULL;
	body = json_dumps(req, JSON_COMPACT);
	if (!body) {
		sqs_seterr(s, "sqs: %s: cannot encode the request (bad UTF-8?)", action);
		return E_INVAL;
	}
	http_resp_init(&r, SQS_BODY_MAX);
	memset(&hr, 0, sizeof(hr));
	hr.method = "POST";
	hr.url = s->url;
	hr.headers = lines;
	hr.body = body;
	hr.body_len = strlen(body);
	if (extra_ms) {
		hr.timeout_ms = s->timeout_ms + extra_ms;
		hr.cancelled = s->cancelled;
	}
	rc = http_do(s->http, &hr, &r);
	if (rc != E_OK) {
		sqs_seterr(s, "sqs: %s: %s", action, http_errmsg(s->http));
		goto out;
	}
	if (r.status < 200 || r.status >= 300) {
		http_resp_header(&r, "x-amzn-query-error", qerr, sizeof(qerr));
		sqs_parse_error(r.body.data, r.body.len, qerr, code, sizeof(code),
			msg, sizeof(msg));
		rc = sqs_status_err(r.status, code);
		if (code_out)
			snprintf(code_out, 64, "%s", code);
		sqs_seterr(s, "sqs: %s: HTTP %ld %s%s%s (%u attempt%s)", action,
			r.status, code, *msg ? ": " : "", msg, r.attempts,
			r.attempts == 1 ? "" : "s");
		goto out;
	}
	if (r.body.len == 0) {
		j = json_object();
	} else {
		j = json_loadb(r.body.data, r.body.len, 0, &je);
		if (!j || !json_is_object(j)) {
			sqs_seterr(s, "sqs: %s: malformed answer: %s", action,
				j ? "not an object" : je.text);
			json_decref(j);
			j = NULL;
			rc = E_PROTO;
			goto out;
		}
	}
	if (resp) {
		*resp = j;
		j = NULL;
	}
out:
	json_decref(j);
	free(body);
	http_resp_release(&r);
	return rc;
}

/* A string attribute of an "Attributes" object as an unsigned number. */
static uint64_t
sqs_attr_u64(json_t *attrs, const char *name)
{
	const char *v = json_string_value(json_object_get(attrs, name));

	if (!v)
		return 0;
	return strtoull(v, NULL, 10);
}

/* Parse a ReceiveMessage answer. */
int
sqs_parse_messages(json_t *resp, struct arena *a, struct sqs_msg **msgs,
	size_t *n)
{
	json_t *arr = json_object_get(resp, "Messages");
	struct sqs_msg *m;
	size_t i;

	*msgs = NULL;
	*n = 0;
	if (!arr || json_is_null(arr))
		return E_OK;
	if (!json_is_array(arr))
		return E_PROTO;
	if (json_array_size(arr) == 0)
		return E_OK;
	m = arena_zalloc(a, json_array_size(arr) * sizeof(*m));
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i);
		json_t *attrs = json_object_get(e, "Attributes");
		const char *id = json_string_value(json_object_get(e, "MessageId"));
		const char *rh = json_string_value(json_object_get(e, "ReceiptHandle"));
		json_t *b = json_object_get(e, "Body");

		if (!rh || !json_is_string(b))
			return E_PROTO;
		m[i].id = arena_strdup(a, id ? id : "");
		m[i].receipt = arena_strdup(a, rh);
		m[i].body_len = json_string_length(b);
		m[i].body = arena_memdupz(a, json_string_value(b), m[i].body_len);
		m[i].receive_count = (unsigned)sqs_attr_u64(attrs,
			"ApproximateReceiveCount");
		m[i].sent_at = (int64_t)(sqs_attr_u64(attrs, "SentTimestamp") / 1000);
	}
	*msgs = m;
	*n = i;
	return E_OK;
}
