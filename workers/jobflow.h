/*
 * jobflow.h - the supervisor's job flow: channel messages in, JOB / FETCH
 * out, and the ACK for every job's outcome (supervise.c calls these from
 * its loop; they never block).
 */
#ifndef EMBER_JOBFLOW_H
#define EMBER_JOBFLOW_H

#include "compat.h"

#include "arena.h"
#include "supervise.h"

/*
 * Read every message waiting on the channel of slot i of role r and act
 * on it (READY, DONE, MSG, FETCHED, STATS); a child that says something
 * out of turn or corrupt is marked for a kill.  a is scratch memory.
 */
void jobflow_read_channel(struct sup *s, enum sup_role r, size_t i,
	struct arena *a, int64_t now);
/* Hand pending jobs to idle workers. */
void jobflow_assign(struct sup *s, int64_t now);
/* Ask the receiver for as many messages as idle workers can start (and for STATS). */
void jobflow_fetch(struct sup *s, int64_t now);
/* Send the ACKs the acker's socket takes now. */
void jobflow_flush_acks(struct sup *s);
/* Give every pending (unassigned) job back to the queue (draining). */
void jobflow_return_pending(struct sup *s);
/*
 * A worker exited holding job: retry or dead-letter it.  why is the
 * pool's kill reason (NULL if unasked), text the exit status in words.
 */
void jobflow_lost(struct sup *s, uint64_t job, const char *why, const char *text);

#endif
