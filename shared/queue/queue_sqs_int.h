/*
 * queue_sqs_int.h - what the SQS queue backend (queue_sqs.c) shares with
 * its dead-letter administration (queue_sqs_dead.c).  Not for use
 * elsewhere.
 */
#ifndef EMBER_QUEUE_SQS_INT_H
#define EMBER_QUEUE_SQS_INT_H

#include "compat.h"

#include <jansson.h>

#include "dlq.h"
#include "queue_int.h"
#include "sqs.h"

#define SQSQ_SEARCH_ROUNDS 20	/* receives spent looking for one DLQ id */

struct queue_sqs {
	struct sqs *sqs;
	char *url;
	char *dlq;		/* NULL when not configured */
	char *name;		/* queue.name, for the pg dead-letter table */
	struct cfg_db db;	/* own copy; host NULL = no database given */
	struct dlq *dead;	/* dead-letter store, opened lazily */
};

/* The dead-letter store, opened on first use; NULL with q->err set. */
struct dlq *sqsq_dlq(struct queue *q);
/* Copy the dead-letter store's error text on failure. */
int sqsq_dlq_rc(struct queue *q, int rc);
/* Call and copy the client's error text on failure; takes ownership of req. */
int sqsq_call(struct queue *q, const char *action, json_t *req,
	unsigned extra_ms, json_t **resp);
/* SendMessage to url with optional attributes (NULL = none; stolen). */
int sqsq_send_to(struct queue *q, const char *url, const char *body,
	size_t len, json_t *attrs, char **id_out);
/* ReceiveMessage on url; *resp is the raw answer. */
int sqsq_receive_raw(struct queue *q, const char *url, size_t max,
	unsigned wait_s, int visibility_s, json_t **resp);
/* DeleteMessage on url. */
int sqsq_delete_on(struct queue *q, const char *url, const char *receipt);
/* The dead-letter operations of the backend (queue_sqs_dead.c). */
int sqsq_dead_list(struct queue *q, size_t max, struct arena *a,
	struct queue_dead **items, size_t *n);
int sqsq_dead_replay(struct queue *q, const char *id);
int sqsq_dead_purge(struct queue *q, const char *id);

#endif
