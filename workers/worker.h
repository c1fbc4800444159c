/*
 * worker.h - the body of a forked worker process.
 *
 * worker_main() runs in the child right after fork(): it opens its own
 * object store and database connection (nothing crosses fork()), says
 * READY, then answers each JOB with one DONE, one at a time.  It exits 0
 * on STOP or when the channel reports EOF (the supervisor is gone), and
 * with a distinct code when it cannot start or gets a bad message.
 */
#ifndef EMBER_WORKER_H
#define EMBER_WORKER_H

#include "compat.h"

#include <sys/types.h>

#include "cfg.h"
#include "job.h"

enum worker_exit {
	WORKER_EXIT_OK = 0,	/* STOP or supervisor gone */
	WORKER_EXIT_INIT = 3,	/* could not open the store or the database */
	WORKER_EXIT_PROTO = 4,	/* bad message from the supervisor */
	WORKER_EXIT_IO = 5	/* the channel failed */
};

/* Run a worker on channel fd with configuration cfg; returns an exit code. */
int worker_main(int fd, const struct cfg *cfg);

/*
 * The READY / JOB / DONE loop over an already set-up job environment
 * (worker_main() after its connections are open; tests call it with
 * their own environment).
 */
int worker_loop(int fd, const struct job_env *env);

#endif
