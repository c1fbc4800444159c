/*
 * keys.h - the agents' API keys (ember_api_keys) and upstream's tokens
 * (ProfilerTokens): checking a key for a service, noting its use, and the
 * operator's create/list/revoke.
 *
 * Keys live in ember_api_keys (key_hash = sha256 hex of the key,
 * service_name NULL = every service, revoked_at NULL = live).  Upstream's
 * ProfilerTokens (token, disabled IS NULL) are accepted too, as keys for
 * every service, so an upstream database works as it is.  Every check goes
 * to the database: there is no cache, so a revocation takes effect on the
 * next request.
 *
 * Used by ember-fcgi (agent endpoints) and ember-admin (key commands).
 * Strings returned live in the caller's arena.
 */
#ifndef EMBER_DB_KEYS_H
#define EMBER_DB_KEYS_H

#include "compat.h"

#include "arena.h"
#include "db.h"

/*
 * The key check as one SQL condition, for statements that fold it in (the
 * heartbeat does, to stay one round trip): with $1 the key's keys_hash(),
 * $2 the service (NULL = any) and $3 the key itself, it is true for a live
 * ember key covering the service or a live upstream token.  Statements
 * embedding it number their own parameters from $4.
 */
#define KEYS_ALLOWED_SQL \
	"(EXISTS (SELECT 1 FROM ember_api_keys k" \
	"          WHERE k.key_hash = $1 AND k.revoked_at IS NULL" \
	"            AND (k.service_name IS NULL OR $2::text IS NULL" \
	"                 OR k.service_name = $2))" \
	" OR EXISTS (SELECT 1 FROM ProfilerTokens t" \
	"             WHERE t.token = $3 AND t.disabled IS NULL))"

enum keys_verdict {
	KEYS_OK = 0,		/* live, and covers the service */
	KEYS_BAD,		/* unknown or revoked */
	KEYS_OTHER_SERVICE,	/* live ember key, but for another service */
};

/* One row of keys_list(); optional columns are NULL when unset. */
struct keys_row {
	int64_t id;
	const char *prefix;	/* first 8 characters of the key */
	const char *service;	/* NULL = every service */
	const char *created;	/* UTC, "YYYY-MM-DDTHH:MM:SSZ" */
	const char *revoked;	/* same format, NULL while live */
	const char *last_used;	/* same format, NULL when never noted */
	const char *description;	/* NULL when none */
};

/* The sha256 hex of key (what ember_api_keys stores) into hex. */
void keys_hash(const char *key, char hex[65]);
/*
 * Classify key (not NULL) for service (NULL = any service accepted) into
 * *out.  E_DB (db_errmsg() says why) when the database cannot answer.
 */
MUST_CHECK int keys_check(struct db *db, const char *key, const char *service,
	enum keys_verdict *out);
/*
 * Note that the key with this hash was used: set last_used_at to now
 * unless it was set less than a minute ago (then nothing is written).
 * Committed without waiting for the WAL flush: a lost update costs
 * nothing.  E_DB etc. on failure.
 */
MUST_CHECK int keys_touch(struct db *db, const char *hash);
/*
 * Store a new key: hash, prefix (8 characters), service (NULL = every
 * service), description (may be NULL).  *id receives the new id.
 */
MUST_CHECK int keys_create(struct db *db, const char *hash, const char *prefix,
	const char *service, const char *description, int64_t *id);
/* Every key, by id; *rows (in a) and *n receive them. */
MUST_CHECK int keys_list(struct db *db, struct arena *a,
	struct keys_row **rows, size_t *n);
/*
 * Revoke key id.  E_OK with *when NULL when it was live (revoked now),
 * E_OK with *when set (in a) to the earlier revocation's time when it was
 * already revoked, E_NOTFOUND when there is no such key.
 */
MUST_CHECK int keys_revoke(struct db *db, struct arena *a, int64_t id,
	const char **when);

#endif
