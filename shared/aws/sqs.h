/*
 * sqs.h - SQS over its JSON protocol (X-Amz-Target: AmazonSQS.<Action>,
 * Content-Type: application/x-amz-json-1.0), signed by libcurl (SigV4,
 * service "sqs").
 *
 * Requests go to the endpoint: sqs.endpoint, else the scheme and host of
 * sqs.queue_url, else https://sqs.{region}.amazonaws.com.  Answers with
 * nothing to say may have an empty body (local emulators) or "{}" (real
 * SQS); both parse to an empty object.  Credentials come from the config,
 * else from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
 *
 * Errors: the AWS error code of a failed call ("QueueDoesNotExist",
 * "ReceiptHandleIsInvalid", ...) is mapped by sqs_status_err(); its text
 * is in sqs_errmsg().
 */
#ifndef EMBER_SQS_H
#define EMBER_SQS_H

#include "compat.h"

#include <jansson.h>

#include "arena.h"
#include "cfg.h"

struct sqs;

/* One received message (strings from the caller's arena). */
struct sqs_msg {
	char *id;		/* MessageId ("" if absent) */
	char *receipt;		/* ReceiptHandle */
	char *body;		/* NUL-terminated */
	size_t body_len;
	unsigned receive_count;	/* ApproximateReceiveCount */
	int64_t sent_at;	/* SentTimestamp in unix seconds (0 if absent) */
};

MUST_CHECK int sqs_new(const struct cfg_sqs *cfg, struct sqs **out, char *err,
	size_t errlen);
void sqs_free(struct sqs *s);
const char *sqs_errmsg(const struct sqs *s);

/*
 * Call `action` with the JSON object `req` (not stolen).  On success
 * *resp (if not NULL) is the answer object, which the caller
 * json_decref()s.  extra_ms is added to the request timeout (long polls).
 * *code (if not NULL, 64 bytes) receives the AWS error code on failure.
 */
MUST_CHECK int sqs_call(struct sqs *s, const char *action, json_t *req,
	unsigned extra_ms, json_t **resp, char *code);

/*
 * Let long polls (calls with extra_ms > 0) end early with E_STOP once
 * cancelled() returns true (see http_req.cancelled).  NULL = never.
 */
void sqs_set_cancel(struct sqs *s, bool (*cancelled)(void));

/* --- pure helpers --- */

/* The AWS error code and message of a failed answer ("" when unknown). */
void sqs_parse_error(const char *body, size_t len, const char *query_error,
	char *code, size_t codelen, char *msg, size_t msglen);
/* Map an HTTP status and AWS error code to an enum err. */
int sqs_status_err(long status, const char *code);
/*
 * Turn a ReceiveMessage answer into messages allocated from a.  Messages
 * without a receipt or a body are E_PROTO.
 */
MUST_CHECK int sqs_parse_messages(json_t *resp, struct arena *a,
	struct sqs_msg **msgs, size_t *n);

#endif
