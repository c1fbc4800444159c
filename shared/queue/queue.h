/*
 * queue.h - the job queue: a PostgreSQL table ("pg") or SQS ("sqs").
 *
 * At-least-once delivery with a visibility timeout: a received message is
 * hidden for `visibility` seconds and comes back unless deleted.  Each
 * message carries its receive count; after cfg.max_receives receives the
 * consumer dead-letters it (queue_dead_letter), keeping the last error.
 *
 * Errors: E_DB / E_HTTP / E_TIMEOUT / E_THROTTLED are retryable;
 * E_NOTFOUND for a receipt that is no longer valid; E_INVAL for bad
 * arguments.  queue_errmsg() keeps the detail.
 */
#ifndef EMBER_QUEUE_H
#define EMBER_QUEUE_H

#include "compat.h"

#include "arena.h"
#include "cfg.h"

struct queue;

struct queue_msg {
	char *id;		/* message id */
	char *receipt;		/* handle for delete / change visibility */
	char *body;		/* NUL-terminated */
	size_t body_len;
	unsigned receive_count;	/* 1 on first delivery */
	int64_t sent_at;	/* unix seconds when first sent (0 if unknown) */
};

struct queue_stats {
	int64_t visible;	/* waiting */
	int64_t in_flight;	/* received, not deleted, not yet visible again */
	int64_t dead;		/* in the dead-letter store */
	int64_t oldest_age;	/* seconds since the oldest waiting message was sent, -1 unknown */
};

struct queue_dead {
	char *id;
	char *body;
	char *reason;
	unsigned receive_count;
	int64_t failed_at;
};

/* The db config is used by the pg backend (and ignored by sqs). */
MUST_CHECK int queue_open(const struct cfg_queue *cfg, const struct cfg_db *db,
	struct queue **out, char *err, size_t errlen);
void queue_free(struct queue *q);
const char *queue_errmsg(const struct queue *q);

/* Enqueue one message; id_out (may be NULL) receives a heap copy of its id. */
MUST_CHECK int queue_send(struct queue *q, const char *body, size_t len,
	char **id_out);
/*
 * Receive up to max messages, waiting up to wait_s seconds for the first
 * one (long poll; 0 = return at once).  Messages and their strings are
 * allocated from `a`.  *n may be 0 on a timeout.
 */
MUST_CHECK int queue_receive(struct queue *q, size_t max, unsigned wait_s,
	unsigned visibility_s, struct arena *a, struct queue_msg **msgs,
	size_t *n);
/*
 * Let a long poll in queue_receive() end early, with no error and the
 * messages it has (usually none), once cancelled() returns true.  It is
 * asked whenever the wait wakes, and a caught signal wakes it, so a
 * process can cut a receive short from a signal handler's flag.  NULL
 * (the default) = never.
 */
void queue_set_cancel(struct queue *q, bool (*cancelled)(void));
MUST_CHECK int queue_delete(struct queue *q, const char *receipt);
/*
 * Delete several; failed[i] (may be NULL) set for receipts that failed.
 * E_OK when all were deleted, else the error of a failure (E_NOTFOUND
 * for receipts no longer valid).
 */
MUST_CHECK int queue_delete_batch(struct queue *q, const char *const *receipts,
	size_t n, bool *failed);
/* Hide the message for `seconds` from now (0 = visible at once). */
MUST_CHECK int queue_change_visibility(struct queue *q, const char *receipt,
	unsigned seconds);
/* Move a received message to the dead-letter store with a reason. */
MUST_CHECK int queue_dead_letter(struct queue *q, const struct queue_msg *m,
	const char *reason);
MUST_CHECK int queue_stats(struct queue *q, struct queue_stats *st);

/* Dead-letter administration (admin tool). */
MUST_CHECK int queue_dead_list(struct queue *q, size_t max, struct arena *a,
	struct queue_dead **items, size_t *n);
/* Send a dead letter back to the queue and remove it from the DLQ. */
MUST_CHECK int queue_dead_replay(struct queue *q, const char *id);
MUST_CHECK int queue_dead_purge(struct queue *q, const char *id /* NULL = all */);

#endif
