/*
 * supervise.h - the ember-workers supervisor: its state and its loop.
 *
 * main.c loads the configuration and calls sup_init() / sup_run() /
 * sup_release().  The loop (supervise.c) owns the children and the
 * signals; jobflow.c moves jobs between the children; report.c reads the
 * state for the periodic log line and the status file.  See supervise.c
 * for the design.
 */
#ifndef EMBER_SUPERVISE_H
#define EMBER_SUPERVISE_H

#include "compat.h"

#include <signal.h>

#include "cfg.h"
#include "dispatch.h"
#include "outbox.h"
#include "pool.h"
#include "proc.h"
#include "proto.h"

/* The supervisor's children, one pool each. */
enum sup_role { SUP_WORKER, SUP_RECEIVER, SUP_ACKER, SUP_NROLES };

struct sup {
	struct cfg cfg;
	const char *cfg_path;		/* NULL = defaults and environment */
	struct pool pools[SUP_NROLES];	/* by enum sup_role */
	struct dispatch d;
	struct outbox out;		/* ACKs not yet sent to the acker */
	bool draining;
	int64_t drain_started;
	uint64_t fetch_seq;
	int64_t started_ms;		/* monotonic */
	/* queue numbers from the receiver's last STATS */
	struct msg qstats;
	bool have_qstats;
	/* periodic report (report.c) */
	int64_t next_report;
	int64_t next_stats;		/* when to ask the receiver for STATS */
	int64_t last_report;
	uint64_t last_finished;
	double rate;
	uint64_t proto_errors;
	bool status_failing;		/* status file write failed (logged once) */
	struct proc_sigseen seen;	/* handled signal counts */
	sigset_t waitmask;
};

/* Name of a role for the log ("worker"). */
const char *sup_role_name(enum sup_role r);
/*
 * Set up the pools and the dispatcher for s->cfg (already loaded) and
 * install the signal handlers.  E_IO when the handlers cannot be
 * installed (errno set).
 */
MUST_CHECK int sup_init(struct sup *s);
/* Run until stopped; returns the exit code (0, or 1 after a second signal). */
int sup_run(struct sup *s);
/* Free everything sup_init() allocated and the configuration. */
void sup_release(struct sup *s);

#endif
