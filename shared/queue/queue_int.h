/*
 * queue_int.h - what queue.c shares with its backends (queue_pg.c,
 * queue_sqs.c).  Not for other modules: use queue.h.
 */
#ifndef EMBER_QUEUE_INT_H
#define EMBER_QUEUE_INT_H

#include "compat.h"

#include "queue.h"

struct queue_backend {
	const char *name;
	int (*send)(struct queue *q, const char *body, size_t len, char **id_out);
	int (*receive)(struct queue *q, size_t max, unsigned wait_s,
		unsigned visibility_s, struct arena *a, struct queue_msg **msgs,
		size_t *n);
	int (*del)(struct queue *q, const char *receipt);
	int (*del_batch)(struct queue *q, const char *const *receipts, size_t n,
		bool *failed);
	int (*visibility)(struct queue *q, const char *receipt, unsigned seconds);
	int (*dead_letter)(struct queue *q, const struct queue_msg *m,
		const char *reason);
	int (*stats)(struct queue *q, struct queue_stats *st);
	int (*dead_list)(struct queue *q, size_t max, struct arena *a,
		struct queue_dead **items, size_t *n);
	int (*dead_replay)(struct queue *q, const char *id);
	int (*dead_purge)(struct queue *q, const char *id);
	void (*free)(void *ctx);
};

struct queue {
	const struct queue_backend *be;
	void *ctx;
	bool (*cancelled)(void);	/* queue_set_cancel(), NULL = never */
	char err[512];
};

/* Set q->err (backends report their detail this way). */
void queue_seterr(struct queue *q, const char *fmt, ...) ATTR_PRINTF(2, 3);

MUST_CHECK int queue_pg_open(struct queue *q, const struct cfg_queue *cfg,
	const struct cfg_db *db, char *err, size_t errlen);
MUST_CHECK int queue_sqs_open(struct queue *q, const struct cfg_queue *cfg,
	const struct cfg_db *db, char *err, size_t errlen);

#endif
