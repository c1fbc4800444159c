/*
 * commands.h - profiling requests, the per-host commands they become, and
 * the executions agents report (ProfilingRequests, ProfilingCommands,
 * ProfilingExecutions).
 *
 * Every write here is committed durably (synchronous_commit as the server
 * has it): a command handed out, a completion or a request acknowledged
 * to its sender survives a crash.  Strings returned live in the caller's
 * arena; JSON values are new references the caller json_decref()s.
 */
#ifndef EMBER_DB_COMMANDS_H
#define EMBER_DB_COMMANDS_H

#include "compat.h"

#include <jansson.h>

#include "arena.h"
#include "db.h"

/* A host's command as a profile request finds it (locked FOR UPDATE). */
struct commands_current {
	const char *command_type;	/* "start" | "stop" */
	const char *status;	/* CommandStatus */
	json_t *config;		/* combined_config (new reference) or NULL */
};

/* What command_completion looks up before it writes. */
struct commands_state {
	bool found;		/* a command or execution with that id and host */
	const char *exec_status;	/* the execution's status, NULL if none */
	const char *service;	/* its service, NULL when unknown */
};

/* A completion report, validated. */
struct commands_completion {
	const char *command_id;	/* normalised UUID */
	const char *hostname;
	const char *status;	/* "completed" | "failed" */
	bool has_time;
	int64_t execution_time;
	const char *error_message;	/* or NULL */
	const char *results_path;	/* or NULL */
};

/* A profile request row. */
struct commands_request {
	const char *request_id;
	const char *type;	/* "start" | "stop" */
	const char *service;
	bool continuous;
	int64_t duration;
	int64_t frequency;
	const char *profiling_mode;
	const char *const *hosts;
	size_t nhosts;
	const char *stop_level;	/* "process" | "host" */
	const char *additional_args;	/* JSON text or NULL */
	int64_t eta_usec;	/* estimated completion, 0 = none */
};

/*
 * Hand a pending command over: mark it sent (unless a concurrent
 * heartbeat of the host already did) and record the execution of its
 * newest request.  Committed durably.
 */
MUST_CHECK int commands_mark_sent(struct db *db, const char *command_id,
	const char *hostname);
/* Look up command_id for hostname (command_id normalised). */
MUST_CHECK int commands_state(struct db *db, struct arena *a,
	const char *command_id, const char *hostname, struct commands_state *out);
/*
 * Record a completion: the command, its execution and the status of
 * every request the command serves, in one transaction.
 */
MUST_CHECK int commands_complete(struct db *db,
	const struct commands_completion *c);
/*
 * The hosts of service with an active heartbeat within window seconds,
 * sorted (at most 10,000).
 */
MUST_CHECK int commands_active_hosts(struct db *db, struct arena *a,
	const char *service, unsigned window, const char ***hosts, size_t *n);
/*
 * Inside a transaction: insert the request row.  The caller runs it with
 * the per-host commands_lock()/commands_put() in one transaction.
 */
MUST_CHECK int commands_request_insert(struct db *db, struct arena *a,
	const struct commands_request *q);
/*
 * Inside a transaction: lock and read the command of (hostname, service).
 * *found false when the host has none.
 */
MUST_CHECK int commands_lock(struct db *db, struct arena *a,
	const char *hostname, const char *service, bool *found,
	struct commands_current *cur);
/*
 * Inside a transaction: write the pending command of (hostname, service)
 * for request_id, replacing the old one; with append the request joins
 * the old command's request list instead of replacing it.
 */
MUST_CHECK int commands_put(struct db *db, const char *command_id,
	const char *hostname, const char *service, const char *type,
	const char *request_id, const json_t *config, bool append);

#endif
