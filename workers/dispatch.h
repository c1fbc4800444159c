/*
 * dispatch.h - what happens to queue messages between the receiver and
 * the workers: the table of messages the supervisor holds, and the
 * decision delete / retry / dead-letter for each answer.  Pure: no I/O.
 *
 * A message held by the supervisor is a `struct dispatch_job`: pending
 * (received, no worker yet) or assigned (a worker runs it).  Back-pressure
 * is the caller's: it asks the receiver for at most as many messages as
 * there are idle workers, so the table never outgrows the pool.
 *
 * Retry policy: a retryable failure makes the message visible again after
 * retry_base * 2^(receives-1) seconds, capped at retry_max; a message that
 * failed on its max_receives-th receive, or arrives having been received
 * more often than that, is dead-lettered with the last error.
 */
#ifndef EMBER_DISPATCH_H
#define EMBER_DISPATCH_H

#include "compat.h"

#include <sys/types.h>

#include "proto.h"

struct dispatch_cfg {
	unsigned max_receives;	/* dead-letter after this many receives */
	unsigned retry_base;	/* seconds, first retry delay */
	unsigned retry_max;	/* seconds, largest retry delay */
};

struct dispatch_job {
	uint64_t id;		/* job sequence number (JOB/DONE id) */
	char *mid;		/* queue message id */
	char *rcpt;		/* receipt handle */
	char *body;		/* message body */
	size_t body_len;
	unsigned rc;		/* receive count */
	int64_t sent;		/* unix seconds first sent, 0 unknown */
	int64_t received_ms;	/* monotonic time the supervisor got it */
	ssize_t slot;		/* worker slot, -1 while pending */
	struct dispatch_job *next;
};

struct dispatch_decision {
	enum proto_op op;	/* delete, retry or dead-letter */
	unsigned delay;		/* retry: seconds until visible again */
	char why[512];		/* retry / dead-letter reason */
};

struct dispatch_counters {
	uint64_t received;	/* messages taken from the receiver */
	uint64_t done;		/* deleted after success */
	uint64_t retried;	/* made visible again later */
	uint64_t dead;		/* dead-lettered */
	uint64_t returned;	/* handed back unrun at shutdown */
	uint64_t adhoc;		/* done with an ad hoc flamegraph */
	uint64_t continuous;	/* done with a continuous flamegraph */
	uint64_t no_html;	/* done without a flamegraph */
	uint64_t stacks;	/* stack lines parsed */
	uint64_t bad_lines;	/* malformed stack lines */
	uint64_t crashed;	/* jobs whose worker died */
	uint64_t timeouts;	/* jobs killed at their deadline */
};

struct dispatch {
	struct dispatch_cfg cfg;
	struct dispatch_job *head;	/* oldest first */
	size_t n;			/* jobs held */
	uint64_t next_id;
	struct dispatch_counters c;
	/* last error per message id, for dead letters decided at intake */
	struct { char mid[128]; char why[256]; } last[64];
	size_t last_pos;
};

void dispatch_init(struct dispatch *d, const struct dispatch_cfg *cfg);
void dispatch_release(struct dispatch *d);

/* Retry delay for a message on its rc-th receive (rc >= 1). */
unsigned dispatch_backoff(const struct dispatch_cfg *cfg, unsigned rc);

/*
 * Decide for one answer: verdict DONE deletes; POISON dead-letters at
 * once; RETRY makes the message visible again after the back-off, or
 * dead-letters it when rc >= max_receives ("gave up after N receives:
 * why").
 */
void dispatch_decide(const struct dispatch_cfg *cfg, unsigned rc,
	enum proto_verdict v, const char *why, struct dispatch_decision *out);

/*
 * Take a received message (MSG fields; strings are copied) and return it
 * as a new pending job.  When it was received more than max_receives
 * times, *dead is set and *out says to dead-letter it: the caller sends
 * that ACK and removes the job.
 */
struct dispatch_job *dispatch_intake(struct dispatch *d, const struct msg *m,
	int64_t now, struct dispatch_decision *out, bool *dead);

/* The oldest pending job, or NULL. */
struct dispatch_job *dispatch_pending(const struct dispatch *d);
/* Count of pending jobs. */
size_t dispatch_npending(const struct dispatch *d);
/* A job by id, or NULL. */
struct dispatch_job *dispatch_find(const struct dispatch *d, uint64_t id);

/*
 * A worker answered for job j (DONE fields in m): update the counters,
 * decide, remember the error for the message id.
 */
void dispatch_answer(struct dispatch *d, const struct dispatch_job *j,
	const struct msg *m, struct dispatch_decision *out);
/*
 * The worker of job j died (why: "killed: job deadline passed", ...);
 * timeout says whether the kill was for the deadline.  Decides a retry or
 * a dead letter like a RETRY answer.
 */
void dispatch_lost(struct dispatch *d, const struct dispatch_job *j,
	const char *why, bool timeout, struct dispatch_decision *out);
/*
 * Hand an unrun job back (shutdown): visible again at once, counted as
 * returned, not as a retry.
 */
void dispatch_return(struct dispatch *d, const struct dispatch_job *j,
	struct dispatch_decision *out);
/* Forget a job (after its ACK went out). */
void dispatch_remove(struct dispatch *d, struct dispatch_job *j);

/* Fill an ACK message for job j and decision dec (strings borrowed). */
void dispatch_ack_msg(const struct dispatch_job *j,
	const struct dispatch_decision *dec, struct msg *out);

#endif
