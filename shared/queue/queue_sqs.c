/*
 * queue_sqs.c - the SQS backend of queue.h.
 *
 * Dead letters: queue_dead_letter() sends the message body unchanged to
 * sqs.dlq_url, with the reason and history as message attributes
 * (ember-reason, ember-receive-count, ember-source-id, ember-sent-at),
 * then deletes it from the main queue.  Keeping the body unchanged means
 * a replay (ours, or the SQS console's "redrive") puts back exactly what
 * the producer sent.  A redrive policy on the main queue is still worth
 * configuring as a backstop for consumers that crash before deciding.
 *
 * Without sqs.dlq_url, dead letters go to the dead-letter store (dlq.h:
 * the PostgreSQL table, rows of queue = queue.name; the connection is
 * opened on first use) and the admin operations work on that store;
 * replay sends the body back to SQS.
 *
 * Administration of the DLQ (queue_sqs_dead.c) works within SQS's limits: listing receives
 * with a zero visibility timeout (messages stay available, and their
 * receive count grows), replay and purge of one id search the DLQ with
 * receives, and purge of all is PurgeQueue (at most once a minute).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dlq.h"
#include "err.h"
#include "mem.h"
#include "queue_int.h"
#include "queue_sqs_int.h"
#include "sqs.h"

#define SQSQ_REASON_MAX 4096

/* The dead-letter store, opened on first use; NULL with q->err set. */
struct dlq *
sqsq_dlq(struct queue *q)
{
	struct queue_sqs *s = q->ctx;
	char err[256];
	int rc;

	if (s->dead)
		return s->dead;
	if (!s->db.host) {
		queue_seterr(q, "queue sqs: neither sqs.dlq_url nor a database for "
			"dead letters");
		return NULL;
	}
	rc = dlq_pg_open(&s->db, s->name && *s->name ? s->name : "indexer",
		&s->dead, err, sizeof(err));
	if (rc != E_OK) {
		queue_seterr(q, "queue sqs: dead-letter table: %s", err);
		s->dead = NULL;
	}
	return s->dead;
}

/* Copy the dead-letter store's error text on failure. */
int
sqsq_dlq_rc(struct queue *q, int rc)
{
	struct queue_sqs *s = q->ctx;

	if (rc != E_OK && s->dead)
		queue_seterr(q, "%s", dlq_errmsg(s->dead));
	return rc;
}

/* Call and copy the client's error text on failure; takes ownership of req. */
int
sqsq_call(struct queue *q, const char *action, json_t *req, unsigned extra_ms,
	json_t **resp)
{
	struct queue_sqs *s = q->ctx;
	int rc;

	if (!req) {
		queue_seterr(q, "queue sqs: %s: cannot build the request (bad UTF-8?)",
			action);
		return E_INVAL;
	}
	rc = sqs_call(s->sqs, action, req, extra_ms, resp, NULL);
	json_decref(req);
	if (rc != E_OK)
		queue_seterr(q, "queue %s", sqs_errmsg(s->sqs));
	return rc;
}

/* SendMessage to url with optional attributes (NULL = none; stolen). */
int
sqsq_send_to(struct queue *q, const char *url, const char *body, size_t len,
	json_t *attrs, char **id_out)
{
	json_t *req;
	json_t *resp = NULL;
	json_t *b = json_stringn(body, len);
	const char *id;
	int rc;

	if (!b) {
		json_decref(attrs);
		queue_seterr(q, "queue sqs: message body is not valid UTF-8");
		return E_INVAL;
	}
	req = json_pack("{s:s, s:o}", "QueueUrl", url, "MessageBody", b);
	if (req && attrs)
		json_object_set_new(req, "MessageAttributes", attrs);
	else
		json_decref(attrs);
	rc = sqsq_call(q, "SendMessage", req, 0, &resp);
	if (rc != E_OK)
		return rc;
	id = json_string_value(json_object_get(resp, "MessageId"));
	if (!id) {
		queue_seterr(q, "queue sqs: SendMessage answer has no MessageId");
		rc = E_PROTO;
	} else if (id_out) {
		*id_out = xstrdup(id);
	}
	json_decref(resp);
	return rc;
}

/* Send. */
static int
sqsq_send(struct queue *q, const char *body, size_t len, char **id_out)
{
	struct queue_sqs *s = q->ctx;

	return sqsq_send_to(q, s->url, body, len, NULL, id_out);
}

/* ReceiveMessage on url; *resp is the raw answer. */
int
sqsq_receive_raw(struct queue *q, const char *url, size_t max, unsigned wait_s,
	int visibility_s, json_t **resp)
{
	json_t *req;

	req = json_pack("{s:s, s:I, s:I, s:[s,s], s:[s,s], s:[s]}",
		"QueueUrl", url, "MaxNumberOfMessages", (json_int_t)max,
		"WaitTimeSeconds", (json_int_t)wait_s,
		"AttributeNames", "ApproximateReceiveCount", "SentTimestamp",
		"MessageSystemAttributeNames", "ApproximateReceiveCount", "SentTimestamp",
		"MessageAttributeNames", "All");
	if (req && visibility_s >= 0)
		json_object_set_new(req, "VisibilityTimeout",
			json_integer(visibility_s));
	return sqsq_call(q, "ReceiveMessage", req, wait_s * 1000, resp);
}

/* Receive. */
static int
sqsq_receive(struct queue *q, size_t max, unsigned wait_s,
	unsigned visibility_s, struct arena *a, struct queue_msg **msgs,
	size_t *n)
{
	struct queue_sqs *s = q->ctx;
	struct sqs_msg *sm = NULL;
	struct queue_msg *m;
	json_t *resp = NULL;
	size_t i;
	int rc;

	*msgs = NULL;
	*n = 0;
	sqs_set_cancel(s->sqs, q->cancelled);
	rc = sqsq_receive_raw(q, s->url, max, wait_s, (int)visibility_s, &resp);
	sqs_set_cancel(s->sqs, NULL);
	if (rc == E_STOP && q->cancelled && q->cancelled())
		return E_OK;	/* the long poll was cut short: nothing */
	if (rc != E_OK)
		return rc;
	rc = sqs_parse_messages(resp, a, &sm, n);
	json_decref(resp);
	if (rc != E_OK) {
		queue_seterr(q, "queue sqs: malformed ReceiveMessage answer");
		return rc;
	}
	*msgs = NULL;
	if (*n == 0)
		return E_OK;
	m = arena_zalloc(a, *n * sizeof(*m));
	for (i = 0; i < *n; i++) {
		m[i].id = sm[i].id;
		m[i].receipt = sm[i].receipt;
		m[i].body = sm[i].body;
		m[i].body_len = sm[i].body_len;
		m[i].receive_count = sm[i].receive_count;
		m[i].sent_at = sm[i].sent_at;
	}
	*msgs = m;
	return E_OK;
}

/* DeleteMessage on url. */
int
sqsq_delete_on(struct queue *q, const char *url, const char *receipt)
{
	return sqsq_call(q, "DeleteMessage",
		json_pack("{s:s, s:s}", "QueueUrl", url, "ReceiptHandle", receipt),
		0, NULL);
}

/* Delete one. */
static int
sqsq_delete(struct queue *q, const char *receipt)
{
	struct queue_sqs *s = q->ctx;

	return sqsq_delete_on(q, s->url, receipt);
}

/* Delete several, ten per DeleteMessageBatch. */
static int
sqsq_delete_batch(struct queue *q, const char *const *receipts, size_t n,
	bool *failed)
{
	struct queue_sqs *s = q->ctx;
	size_t base;
	int rc = E_OK;

	for (base = 0; base < n; base += 10) {
		size_t cnt = n - base < 10 ? n - base : 10;
		json_t *entries = json_array();
		json_t *resp = NULL;
		json_t *fl;
		size_t i;
		int e;

		for (i = 0; i < cnt; i++) {
			char id[16];

			snprintf(id, sizeof(id), "m%zu", i);
			json_array_append_new(entries, json_pack("{s:s, s:s}", "Id", id,
				"ReceiptHandle", receipts[base + i]));
		}
		e = sqsq_call(q, "DeleteMessageBatch",
			json_pack("{s:s, s:o}", "QueueUrl", s->url, "Entries", entries),
			0, &resp);
		if (e != E_OK) {
			for (i = 0; failed && i < cnt; i++)
				failed[base + i] = true;
			rc = e;
			continue;
		}
		fl = json_object_get(resp, "Failed");
		for (i = 0; fl && i < json_array_size(fl); i++) {
			const char *id = json_string_value(json_object_get(
				json_array_get(fl, i), "Id"));
			const char *code = json_string_value(json_object_get(
				json_array_get(fl, i), "Code"));
			size_t k;

			if (!id || id[0] != 'm')
				continue;
			k = strtoul(id + 1, NULL, 10);
			if (k >= cnt)
				continue;
			if (failed)
				failed[base + k] = true;
			if (rc == E_OK) {
				rc = sqs_status_err(400, code ? code : "");
				if (rc == E_INVAL)
					rc = E_NOTFOUND;
				queue_seterr(q, "queue sqs: DeleteMessageBatch: %s for %s",
					code ? code : "failed", receipts[base + k]);
			}
		}
		json_decref(resp);
	}
	return rc;
}

/* Change visibility. */
static int
sqsq_visibility(struct queue *q, const char *receipt, unsigned seconds)
{
	struct queue_sqs *s = q->ctx;

	return sqsq_call(q, "ChangeMessageVisibility",
		json_pack("{s:s, s:s, s:I}", "QueueUrl", s->url, "ReceiptHandle",
		receipt, "VisibilityTimeout", (json_int_t)seconds), 0, NULL);
}

/* A String or Number message attribute. */
static json_t *
sqsq_attr(const char *type, const char *value)
{
	return json_pack("{s:s, s:s}", "DataType", type, "StringValue", value);
}

/* Send to the DLQ with the reason, then delete from the main queue. */
static int
sqsq_dead_letter(struct queue *q, const struct queue_msg *m, const char *reason)
{
	struct queue_sqs *s = q->ctx;
	char count[24];
	char sent[24];
	char *r;
	json_t *attrs;
	int rc;

	if (!s->dlq) {
		struct dlq *d = sqsq_dlq(q);

		if (!d)
			return E_DB;
		rc = sqsq_dlq_rc(q, dlq_insert(d, m, reason));
		if (rc != E_OK)
			return rc;
		return sqsq_delete_on(q, s->url, m->receipt);
	}
	snprintf(count, sizeof(count), "%u", m->receive_count);
	snprintf(sent, sizeof(sent), "%lld", (long long)m->sent_at);
	r = xstrndup(reason && *reason ? reason : "-", SQSQ_REASON_MAX);
	attrs = json_pack("{s:o, s:o, s:o, s:o}",
		"ember-reason", sqsq_attr("String", r),
		"ember-receive-count", sqsq_attr("Number", count),
		"ember-source-id", sqsq_attr("String", m->id && *m->id ? m->id : "-"),
		"ember-sent-at", sqsq_attr("Number", sent));
	free(r);
	if (!attrs) {
		queue_seterr(q, "queue sqs: reason is not valid UTF-8");
		return E_INVAL;
	}
	rc = sqsq_send_to(q, s->dlq, m->body, m->body_len, attrs, NULL);
	if (rc != E_OK)
		return rc;
	return sqsq_delete_on(q, s->url, m->receipt);
}

/* GetQueueAttributes of url: one counter. */
static int
sqsq_count(struct queue *q, const char *url, const char *name, int64_t *out)
{
	json_t *resp = NULL;
	const char *v;
	int rc;

	rc = sqsq_call(q, "GetQueueAttributes",
		json_pack("{s:s, s:[s,s]}", "QueueUrl", url, "AttributeNames",
		"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"),
		0, &resp);
	if (rc != E_OK)
		return rc;
	v = json_string_value(json_object_get(json_object_get(resp, "Attributes"),
		name));
	*out = v ? strtoll(v, NULL, 10) : -1;
	json_decref(resp);
	return E_OK;
}

/* Counters. */
static int
sqsq_stats(struct queue *q, struct queue_stats *st)
{
	struct queue_sqs *s = q->ctx;
	int rc;

	if ((rc = sqsq_count(q, s->url, "ApproximateNumberOfMessages",
		&st->visible)) != E_OK)
		return rc;
	if ((rc = sqsq_count(q, s->url, "ApproximateNumberOfMessagesNotVisible",
		&st->in_flight)) != E_OK)
		return rc;
	if (s->dlq && (rc = sqsq_count(q, s->dlq, "ApproximateNumberOfMessages",
		&st->dead)) != E_OK)
		return rc;
	if (!s->dlq && sqsq_dlq(q)) {
		int64_t dead;

		if (dlq_count(s->dead, &dead) == E_OK)
			st->dead = dead;
	}
	st->oldest_age = -1;
	return E_OK;
}

/* Free the client. */
static void
sqsq_free(void *ctx)
{
	struct queue_sqs *s = ctx;

	if (!s)
		return;
	dlq_free(s->dead);
	sqs_free(s->sqs);
	free(s->url);
	free(s->dlq);
	free(s->name);
	free(s->db.host);
	free(s->db.user);
	free(s->db.password);
	free(s->db.dbname);
	free(s->db.sslmode);
	free(s);
}

static const struct queue_backend queue_sqs_backend = {
	.name = "sqs",
	.send = sqsq_send,
	.receive = sqsq_receive,
	.del = sqsq_delete,
	.del_batch = sqsq_delete_batch,
	.visibility = sqsq_visibility,
	.dead_letter = sqsq_dead_letter,
	.stats = sqsq_stats,
	.dead_list = sqsq_dead_list,
	.dead_replay = sqsq_dead_replay,
	.dead_purge = sqsq_dead_purge,
	.free = sqsq_free,
};

/* Open: build the client (no request is made). */
int
queue_sqs_open(struct queue *q, const struct cfg_queue *cfg,
	const struct cfg_db *db, char *err, size_t errlen)
{
	struct queue_sqs *s;
	int rc;

	if (!cfg->sqs.queue_url || !*cfg->sqs.queue_url) {
		snprintf(err, errlen, "queue: sqs.queue_url is required with "
			"backend sqs");
		return E_CONFIG;
	}
	s = xcalloc(1, sizeof(*s));
	rc = sqs_new(&cfg->sqs, &s->sqs, err, errlen);
	if (rc != E_OK) {
		free(s);
		return rc;
	}
	s->url = xstrdup(cfg->sqs.queue_url);
	if (cfg->sqs.dlq_url && *cfg->sqs.dlq_url)
		s->dlq = xstrdup(cfg->sqs.dlq_url);
	s->name = xstrdup(cfg->name && *cfg->name ? cfg->name : "indexer");
	if (db && db->host) {
		s->db = *db;
		s->db.host = xstrdup(db->host);
		s->db.user = db->user ? xstrdup(db->user) : NULL;
		s->db.password = db->password ? xstrdup(db->password) : NULL;
		s->db.dbname = db->dbname ? xstrdup(db->dbname) : NULL;
		s->db.sslmode = db->sslmode ? xstrdup(db->sslmode) : NULL;
	}
	q->be = &queue_sqs_backend;
	q->ctx = s;
	return E_OK;
}
