/*
 * wstatus.h - the workers' status file: the contract between the
 * ember-workers supervisor (which writes it every
 * workers.status_interval seconds, at start and at exit) and
 * `ember-admin workers status` (which reads it).  Both go through this
 * module, so the document is defined here once.
 *
 * The file (workers.status_file) is one compact JSON object, replaced
 * atomically (temporary file + rename):
 *
 *   pid           supervisor pid
 *   state         "starting" | "running" | "draining" | "stopped"
 *   updated_at    UTC time of the write, RFC 3339 with Z
 *   uptime_s      seconds since the supervisor started
 *   generation    configuration generation (SIGHUP reloads)
 *   rate_per_s    jobs finished per second since the last write
 *   in_flight     jobs running in a worker
 *   pending       jobs received, waiting for an idle worker
 *   workers       [{slot, pid, state, job, job_ms, quick_deaths}], state
 *                 a pool state name ("IDLE", "BUSY", ...)
 *   receiver      {pid, state}
 *   acker         {pid, state}
 *   acks_pending  decisions not yet handed to the acker
 *   queue         null before the first queue numbers, else {visible,
 *                 in_flight, dead, lag_s}; lag_s is the age in seconds of
 *                 the oldest waiting message, 0 when none waits, -1 when
 *                 the backend cannot tell
 *   counters      {received, done, ...} (enum wstatus_counter, in order)
 *
 * A reader accepts missing members (older or partial files): numbers read
 * as -1 (0 for counts), strings as NULL, counters as absent.
 */
#ifndef EMBER_WSTATUS_H
#define EMBER_WSTATUS_H

#include "compat.h"

#include <stdint.h>

#include <jansson.h>

#include "err.h"

/* Longest status file a reader accepts. */
#define WSTATUS_MAX (1024 * 1024)

/* The counters, in the order of the file. */
enum wstatus_counter {
	WSTATUS_RECEIVED,	/* messages taken from the queue */
	WSTATUS_DONE,		/* deleted after success */
	WSTATUS_RETRIED,	/* made visible again later */
	WSTATUS_DEAD_LETTERED,	/* dead-lettered */
	WSTATUS_RETURNED,	/* handed back unrun at shutdown */
	WSTATUS_ADHOC,		/* done with an ad hoc flamegraph */
	WSTATUS_CONTINUOUS,	/* done with a continuous flamegraph */
	WSTATUS_NO_HTML,	/* done without a flamegraph */
	WSTATUS_STACK_LINES,	/* stack lines parsed */
	WSTATUS_BAD_LINES,	/* malformed stack lines */
	WSTATUS_CRASHED,	/* workers that died with a job */
	WSTATUS_TIMEOUTS,	/* jobs killed at their deadline */
	WSTATUS_SPAWNS,		/* worker forks */
	WSTATUS_DEATHS,		/* unasked worker exits */
	WSTATUS_KILLS,		/* workers SIGKILLed */
	WSTATUS_PROTO_ERRORS,	/* corrupt channel messages */
	WSTATUS_NCOUNTERS
};

struct wstatus_worker {
	int64_t slot;
	int64_t pid;
	const char *state;
	int64_t job;		/* 0 = none */
	int64_t job_ms;		/* time the job has run */
	int64_t quick_deaths;
};

struct wstatus_child {
	int64_t pid;
	const char *state;
};

struct wstatus {
	int64_t pid;
	const char *state;
	const char *updated_at;
	int64_t uptime_s;
	int64_t generation;
	double rate_per_s;
	int64_t in_flight;
	int64_t pending;
	struct wstatus_worker *workers;	/* nworkers of them */
	size_t nworkers;
	struct wstatus_child receiver;
	struct wstatus_child acker;
	int64_t acks_pending;
	bool have_queue;	/* false: "queue" is null */
	int64_t q_visible;
	int64_t q_in_flight;
	int64_t q_dead;
	int64_t q_lag_s;
	uint64_t counters[WSTATUS_NCOUNTERS];
	json_t *retention;	/* the ad hoc retention counts (borrowed), or NULL */
	bool have_counter[WSTATUS_NCOUNTERS];
};

/* The file's name of a counter ("dead_lettered"). */
const char *wstatus_counter_name(enum wstatus_counter c);
/*
 * Write st to path atomically.  Strings are borrowed; every counter is
 * written.  E_IO (errno set) when the file cannot be written; E_INVAL if
 * the document cannot be built.
 */
MUST_CHECK int wstatus_write(const char *path, const struct wstatus *st);
/*
 * Read a document already parsed as JSON.  Strings in *st point into
 * root (valid while root lives); st->workers is heap memory, released
 * with wstatus_release().  E_PROTO when root is not an object.
 */
MUST_CHECK int wstatus_from_json(json_t *root, struct wstatus *st);
/* Free what wstatus_from_json() allocated. */
void wstatus_release(struct wstatus *st);

#endif
