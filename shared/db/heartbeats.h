/*
 * heartbeats.h - an agent's heartbeat in PostgreSQL (HostHeartbeats) and
 * the host's command it reads back, in one round trip.
 *
 * Commit policy: a heartbeat can be committed without waiting for the
 * WAL flush (struct heartbeat's async_commit, set from
 * fcgi.heartbeat_synchronous_commit).  A crash may then lose the last
 * heartbeats, which the agents resend within their interval; it never
 * loses a command hand-out, which commands_mark_sent() commits durably in
 * its own transaction.
 */
#ifndef EMBER_DB_HEARTBEATS_H
#define EMBER_DB_HEARTBEATS_H

#include "compat.h"

#include <jansson.h>

#include "arena.h"
#include "db.h"

/* A validated heartbeat; every string is borrowed for the call. */
struct heartbeat {
	const char *key;	/* the agent's key, NULL when auth is off */
	const char *service;
	const char *hostname;
	const char *ip;		/* an IPv4/IPv6 address in text */
	const char *last_command_id;	/* a normalised UUID, or NULL */
	const char *const *received;	/* normalised UUIDs */
	size_t n_received;
	const char *const *executed;	/* normalised UUIDs */
	size_t n_executed;
	const char *status;	/* a HostStatus value */
	const char *at;		/* SQL timestamp text (UTC), NULL = now */
	bool async_commit;	/* commit without waiting for the WAL flush */
};

/* The host's newest command, whatever its status. */
struct heartbeat_command {
	char command_id[37];
	bool pending;		/* not handed out yet */
	const char *command_type;	/* "start" | "stop", in the arena */
	json_t *config;		/* combined_config, a new reference */
};

/*
 * Store the heartbeat (upsert on hostname + service) when the key is
 * allowed (KEYS_ALLOWED_SQL; always when hb->key is NULL), and read the
 * host's newest command.  *stored is false when the key was refused
 * (nothing written; ask keys_check() why).  *has_cmd tells whether cmd
 * was filled; the caller json_decref()s cmd->config.  E_DB etc. (with
 * db_errmsg()) when the statement fails; E_PROTO when the command row
 * cannot be read.
 */
MUST_CHECK int heartbeats_put(struct db *db, struct arena *a,
	const struct heartbeat *hb, bool *stored, bool *has_cmd,
	struct heartbeat_command *cmd);

#endif
