/*
 * retention.h - adhoc.retention_days applied by the workers.
 *
 * A worker with nothing to do runs a pass when the last one (of this
 * process) is adhoc.retention_interval seconds old: under a PostgreSQL
 * advisory lock, so that one worker on one host does it at a time, it
 * removes unpinned ad hoc flamegraphs stored more than retention_days
 * ago, in batches of adhoc.retention_batch, each through library_delete()
 * (the same delete as the API and ember-admin).  A job that arrives
 * meanwhile waits for the batch in hand, never for the whole pass.  One
 * log line per pass; the counts go to "{workers.status_file}.retention"
 * (JSON), which the supervisor copies into its status as "retention".
 */
#ifndef EMBER_RETENTION_H
#define EMBER_RETENTION_H

#include "compat.h"

#include "job.h"

/* Suffix of the retention counts file next to the status file. */
#define RETENTION_STATUS_SUFFIX ".retention"

struct retention {
	int64_t next_ms;	/* monotonic time of the next pass */
	uint64_t passes;	/* of this process */
	uint64_t removed;
	uint64_t failed;
};

/* Start with the first pass due now. */
void retention_init(struct retention *rt);

/*
 * Wait until fd is readable; meanwhile run passes as they fall due
 * (nothing with retention_days 0 or no adhoc config: a plain wait).
 */
void retention_wait(struct retention *rt, const struct job_env *env, int fd);

/*
 * One pass now; *removed and *failed get its counts.  E_CONFLICT when
 * another session holds the lock (nothing done), else db/store errors.
 * fd >= 0: stop between batches when it becomes readable (a job came).
 */
MUST_CHECK int retention_pass(const struct job_env *env, int fd,
	uint64_t *removed, uint64_t *failed);

#endif
