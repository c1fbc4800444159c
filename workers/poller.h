/*
 * poller.h - the two queue children of the supervisor.
 *
 * The supervisor never touches the network.  Two forked children own the
 * queue for it, each with its own connection:
 *
 *   receiver  FETCH n -> long-poll receive of up to n messages -> one MSG
 *             per message, then FETCHED; a STATS line about the queue at
 *             most every status_interval.  It only receives what the
 *             supervisor asked for, i.e. what idle workers can take now.
 *   acker     ACK -> delete, change visibility (retry) or dead-letter, in
 *             the order the supervisor decided them.  It never long-polls,
 *             so a delete is not held up behind a 10-20 s receive.
 *
 * Why two children and not libcurl multi in the supervisor: the default
 * queue backend is PostgreSQL (libpq, blocking LISTEN/NOTIFY long poll),
 * which a curl multi loop cannot drive, and the queue interface is
 * blocking for both backends; children keep the supervisor's loop simple
 * and non-blocking for either backend.
 */
#ifndef EMBER_POLLER_H
#define EMBER_POLLER_H

#include "compat.h"

#include <signal.h>

#include "cfg.h"

enum poller_role {
	POLLER_RECEIVER = 0,
	POLLER_ACKER
};

/* Exit codes (as for workers). */
enum poller_exit {
	POLLER_EXIT_OK = 0,
	POLLER_EXIT_INIT = 3,	/* could not open the queue */
	POLLER_EXIT_PROTO = 4,	/* bad message from the supervisor */
	POLLER_EXIT_IO = 5	/* the channel failed */
};

/*
 * The supervisor sends this to a receiver whose FETCH is in flight when
 * it stops: the long poll ends early with what it has (usually nothing),
 * FETCHED goes back, and the STOP already queued on the channel is read.
 */
#define POLLER_SIG_CANCEL SIGUSR1

/* Visibility timeout used for receives: covers a whole job. */
unsigned poller_visibility(const struct cfg *cfg);

/* Run one queue child on channel fd; returns an exit code. */
int poller_main(int fd, const struct cfg *cfg, enum poller_role role);

#endif
