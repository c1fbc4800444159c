/*
 * hosts.h - the hosts known from their heartbeats, with their current
 * command: the data of the "Dynamic Profiling" page.
 *
 * Every filter is a parameter of one prepared statement (NULL = no
 * filter), so no SQL is ever built from a request.  Strings returned live
 * in the caller's arena.
 */
#ifndef EMBER_DB_HOSTS_H
#define EMBER_DB_HOSTS_H

#include "compat.h"

#include "arena.h"
#include "db.h"

/* One filter list: n values (none = no filter), each OR-ed. */
struct hosts_list {
	const char *const *v;
	size_t n;
};

struct hosts_filter {
	struct hosts_list services;	/* substring, case-insensitive; or exact */
	bool exact_service;		/* services match exactly */
	struct hosts_list hostnames;	/* substring, case-insensitive */
	struct hosts_list ips;		/* substring of the address */
	struct hosts_list statuses;	/* lower-case CommandStatus or "stopped" */
	struct hosts_list types;	/* lower-case command type or "n/a" */
	struct hosts_list pids;		/* decimal PIDs in the command */
	unsigned active_window;		/* seconds a heartbeat keeps a host active */
	unsigned limit;			/* most rows returned */
};

struct hosts_row {
	int64_t id;
	const char *service;
	const char *hostname;
	const char *ip;
	const int64_t *pids;	/* the current command's PIDs */
	size_t npids;
	const char *command_type;	/* NULL when the host has no command */
	const char *status;		/* NULL when the host has no command */
	int64_t heartbeat_usec;	/* UTC */
	bool active;		/* a heartbeat within active_window */
	/* The current command's run (from its combined_config and its
	 * execution): continuous, duration in seconds (-1: none), and when
	 * the agent took the command (UTC usec, -1: not yet / no command). */
	bool continuous;
	int64_t duration;
	int64_t started_usec;
};

/*
 * The hosts matching f, newest heartbeat first.  Substring filters treat
 * their values literally (% and _ match themselves).  *rows (in a) and *n
 * receive them.
 */
MUST_CHECK int hosts_status(struct db *db, struct arena *a,
	const struct hosts_filter *f, struct hosts_row **rows, size_t *n);

#endif
