/*
 * queue_sqs_dead.c - dead-letter administration of the SQS backend
 * (`ember-admin dlq`): on sqs.dlq_url within SQS's limits (listing
 * receives with a zero visibility timeout, so messages stay available
 * and their receive count grows; replay and purge of one id search the
 * DLQ with receives; purge of all is PurgeQueue, at most once a minute),
 * or, without sqs.dlq_url, on the dead-letter store (dlq.h), replaying
 * the body to SQS.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "mem.h"
#include "queue_sqs_int.h"

/* The StringValue of a message attribute, or def. */
static const char *
sqsq_msg_attr(json_t *msg, const char *name, const char *def)
{
	const char *v = json_string_value(json_object_get(json_object_get(
		json_object_get(msg, "MessageAttributes"), name), "StringValue"));

	return v ? v : def;
}

/* List DLQ messages with a zero visibility timeout. */
int
sqsq_dead_list(struct queue *q, size_t max, struct arena *a,
	struct queue_dead **items, size_t *n)
{
	struct queue_sqs *s = q->ctx;
	struct queue_dead *d;
	size_t got = 0;
	unsigned rounds;
	int rc = E_OK;

	if (!s->dlq) {
		if (!sqsq_dlq(q))
			return E_DB;
		return sqsq_dlq_rc(q, dlq_list(s->dead, max, a, items, n));
	}
	d = arena_zalloc(a, max * sizeof(*d));
	for (rounds = 0; got < max && rounds < SQSQ_SEARCH_ROUNDS; rounds++) {
		json_t *resp = NULL;
		json_t *arr;
		size_t i;
		size_t added = 0;

		rc = sqsq_receive_raw(q, s->dlq, 10, 0, 0, &resp);
		if (rc != E_OK)
			break;
		arr = json_object_get(resp, "Messages");
		for (i = 0; i < json_array_size(arr) && got < max; i++) {
			json_t *m = json_array_get(arr, i);
			const char *id = json_string_value(json_object_get(m, "MessageId"));
			const char *body = json_string_value(json_object_get(m, "Body"));
			size_t k;
			bool dup = false;

			if (!id || !body)
				continue;
			for (k = 0; k < got && !dup; k++)
				dup = strcmp(d[k].id, id) == 0;
			if (dup)
				continue;
			d[got].id = arena_strdup(a, id);
			d[got].body = arena_strdup(a, body);
			d[got].reason = arena_strdup(a, sqsq_msg_attr(m, "ember-reason", ""));
			d[got].receive_count = (unsigned)strtoul(sqsq_msg_attr(m,
				"ember-receive-count", "0"), NULL, 10);
			d[got].failed_at = strtoll(json_string_value(json_object_get(
				json_object_get(m, "Attributes"), "SentTimestamp")) ?
				json_string_value(json_object_get(json_object_get(m,
				"Attributes"), "SentTimestamp")) : "0", NULL, 10) / 1000;
			got++;
			added++;
		}
		json_decref(resp);
		if (added == 0)
			break;
	}
	*items = d;
	*n = got;
	return rc;
}

/*
 * Receive from the DLQ until the message with this id shows up; return
 * its receipt (heap) and body (heap).  Others are made visible again.
 */
static int
sqsq_dead_find(struct queue *q, const char *id, char **receipt, char **body)
{
	struct queue_sqs *s = q->ctx;
	unsigned rounds;
	int rc = E_OK;

	*receipt = NULL;
	*body = NULL;
	for (rounds = 0; rounds < SQSQ_SEARCH_ROUNDS && !*receipt; rounds++) {
		json_t *resp = NULL;
		json_t *arr;
		size_t i;

		rc = sqsq_receive_raw(q, s->dlq, 10, 0, 30, &resp);
		if (rc != E_OK)
			return rc;
		arr = json_object_get(resp, "Messages");
		if (json_array_size(arr) == 0) {
			json_decref(resp);
			break;
		}
		for (i = 0; i < json_array_size(arr); i++) {
			json_t *m = json_array_get(arr, i);
			const char *mid = json_string_value(json_object_get(m, "MessageId"));
			const char *rh = json_string_value(json_object_get(m,
				"ReceiptHandle"));
			const char *b = json_string_value(json_object_get(m, "Body"));

			if (!rh)
				continue;
			if (!*receipt && mid && b && strcmp(mid, id) == 0) {
				*receipt = xstrdup(rh);
				*body = xstrdup(b);
				continue;
			}
			/* not ours: make it visible again at once */
			if (sqsq_call(q, "ChangeMessageVisibility",
				json_pack("{s:s, s:s, s:i}", "QueueUrl", s->dlq,
				"ReceiptHandle", rh, "VisibilityTimeout", 0), 0, NULL) != E_OK)
				continue;
		}
		json_decref(resp);
	}
	if (!*receipt) {
		queue_seterr(q, "queue sqs: no dead letter %s in the DLQ", id);
		return E_NOTFOUND;
	}
	return E_OK;
}

/* Replay one dead letter. */
int
sqsq_dead_replay(struct queue *q, const char *id)
{
	struct queue_sqs *s = q->ctx;
	char *receipt = NULL;
	char *body = NULL;
	int rc;

	if (!s->dlq) {
		if (!sqsq_dlq(q))
			return E_DB;
		rc = sqsq_dlq_rc(q, dlq_body(s->dead, id, &body));
		if (rc == E_OK)
			rc = sqsq_send_to(q, s->url, body, strlen(body), NULL, NULL);
		if (rc == E_OK)
			rc = sqsq_dlq_rc(q, dlq_purge(s->dead, id));
		free(body);
		return rc;
	}
	rc = sqsq_dead_find(q, id, &receipt, &body);
	if (rc != E_OK)
		goto out;
	rc = sqsq_send_to(q, s->url, body, strlen(body), NULL, NULL);
	if (rc == E_OK)
		rc = sqsq_delete_on(q, s->dlq, receipt);
out:
	free(receipt);
	free(body);
	return rc;
}

/* Purge one (searched) or all (PurgeQueue) dead letters. */
int
sqsq_dead_purge(struct queue *q, const char *id)
{
	struct queue_sqs *s = q->ctx;
	char *receipt = NULL;
	char *body = NULL;
	int rc;

	if (!s->dlq) {
		if (!sqsq_dlq(q))
			return E_DB;
		return sqsq_dlq_rc(q, dlq_purge(s->dead, id));
	}
	if (!id)
		return sqsq_call(q, "PurgeQueue",
			json_pack("{s:s}", "QueueUrl", s->dlq), 0, NULL);
	rc = sqsq_dead_find(q, id, &receipt, &body);
	if (rc == E_OK)
		rc = sqsq_delete_on(q, s->dlq, receipt);
	free(receipt);
	free(body);
	return rc;
}
