/*
 * queue.c - the job-queue interface: argument checks and dispatch to the
 * pg or sqs backend (see queue.h).
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "queue.h"
#include "queue_int.h"

#define QUEUE_BODY_MAX (256u * 1024)	/* SQS's message size limit */
#define QUEUE_VIS_MAX 43200u		/* 12 hours, SQS's limit */

/* Set the error text. */
void
queue_seterr(struct queue *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
}

/* Open the configured backend. */
int
queue_open(const struct cfg_queue *cfg, const struct cfg_db *db,
	struct queue **out, char *err, size_t errlen)
{
	struct queue *q;
	int rc;

	*out = NULL;
	q = xcalloc(1, sizeof(*q));
	switch (cfg->backend) {
	case CFG_QUEUE_PG:
		rc = queue_pg_open(q, cfg, db, err, errlen);
		break;
	case CFG_QUEUE_SQS:
		rc = queue_sqs_open(q, cfg, db, err, errlen);
		break;
	default:
		snprintf(err, errlen, "queue: unknown backend %d", (int)cfg->backend);
		rc = E_CONFIG;
		break;
	}
	if (rc != E_OK) {
		free(q);
		return rc;
	}
	*out = q;
	return E_OK;
}

/* Close (NULL is a no-op). */
void
queue_free(struct queue *q)
{
	if (!q)
		return;
	if (q->be && q->be->free)
		q->be->free(q->ctx);
	free(q);
}

/* The detail of the last failure. */
const char *
queue_errmsg(const struct queue *q)
{
	return q->err;
}

/* Install the long-poll cancel check. */
void
queue_set_cancel(struct queue *q, bool (*cancelled)(void))
{
	q->cancelled = cancelled;
}

/* Send. */
int
queue_send(struct queue *q, const char *body, size_t len, char **id_out)
{
	if (id_out)
		*id_out = NULL;
	if (!body || len == 0 || len > QUEUE_BODY_MAX || memchr(body, '\0', len)) {
		queue_seterr(q, "queue: message body must be 1..%u bytes of text",
			QUEUE_BODY_MAX);
		return E_INVAL;
	}
	return q->be->send(q, body, len, id_out);
}

/* Receive. */
int
queue_receive(struct queue *q, size_t max, unsigned wait_s,
	unsigned visibility_s, struct arena *a, struct queue_msg **msgs,
	size_t *n)
{
	*msgs = NULL;
	*n = 0;
	if (max == 0 || max > 10 || visibility_s > QUEUE_VIS_MAX || wait_s > 20) {
		queue_seterr(q, "queue: receive wants 1..10 messages, wait <= 20 s, "
			"visibility <= %u s", QUEUE_VIS_MAX);
		return E_INVAL;
	}
	return q->be->receive(q, max, wait_s, visibility_s, a, msgs, n);
}

/* Delete one. */
int
queue_delete(struct queue *q, const char *receipt)
{
	if (!receipt || !*receipt) {
		queue_seterr(q, "queue: empty receipt");
		return E_INVAL;
	}
	return q->be->del(q, receipt);
}

/* Delete several. */
int
queue_delete_batch(struct queue *q, const char *const *receipts, size_t n,
	bool *failed)
{
	size_t i;

	for (i = 0; failed && i < n; i++)
		failed[i] = false;
	if (n == 0)
		return E_OK;
	for (i = 0; i < n; i++) {
		if (!receipts[i] || !*receipts[i]) {
			queue_seterr(q, "queue: empty receipt in batch");
			return E_INVAL;
		}
	}
	return q->be->del_batch(q, receipts, n, failed);
}

/* Change visibility. */
int
queue_change_visibility(struct queue *q, const char *receipt, unsigned seconds)
{
	if (!receipt || !*receipt || seconds > QUEUE_VIS_MAX) {
		queue_seterr(q, "queue: bad receipt or visibility over %u s",
			QUEUE_VIS_MAX);
		return E_INVAL;
	}
	return q->be->visibility(q, receipt, seconds);
}

/* Dead-letter a received message. */
int
queue_dead_letter(struct queue *q, const struct queue_msg *m,
	const char *reason)
{
	if (!m || !m->receipt || !m->body) {
		queue_seterr(q, "queue: dead letter of an incomplete message");
		return E_INVAL;
	}
	return q->be->dead_letter(q, m, reason ? reason : "");
}

/* Counters. */
int
queue_stats(struct queue *q, struct queue_stats *st)
{
	st->visible = -1;
	st->in_flight = -1;
	st->dead = -1;
	st->oldest_age = -1;
	return q->be->stats(q, st);
}

/* List dead letters. */
int
queue_dead_list(struct queue *q, size_t max, struct arena *a,
	struct queue_dead **items, size_t *n)
{
	*items = NULL;
	*n = 0;
	if (max == 0)
		return E_OK;
	return q->be->dead_list(q, max, a, items, n);
}

/* Replay one dead letter. */
int
queue_dead_replay(struct queue *q, const char *id)
{
	if (!id || !*id) {
		queue_seterr(q, "queue: empty dead-letter id");
		return E_INVAL;
	}
	return q->be->dead_replay(q, id);
}

/* Purge one or all dead letters. */
int
queue_dead_purge(struct queue *q, const char *id)
{
	return q->be->dead_purge(q, id);
}
