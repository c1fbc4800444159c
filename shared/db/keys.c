/*
 * keys.c - API keys in PostgreSQL (see keys.h).
 *
 * The key itself is never stored or compared in the clear for ember keys:
 * we hash it and let the unique index on key_hash find the row.  The
 * ProfilerTokens fallback compares the token as upstream does.
 */
#include "compat.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "keys.h"

#define KEYS_TS(col) \
	"to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/*
 * 'ok' (KEYS_ALLOWED_SQL holds), 'other' (a live ember key for another
 * service) or 'bad'.
 */
static const struct db_stmt st_check = {
	"keys_check",
	"SELECT CASE WHEN " KEYS_ALLOWED_SQL " THEN 'ok'"
	"  WHEN EXISTS (SELECT 1 FROM ember_api_keys k"
	"                WHERE k.key_hash = $1 AND k.revoked_at IS NULL)"
	"       THEN 'other' ELSE 'bad' END",
	3,
};

/*
 * Bookkeeping, so the commit does not wait for the WAL flush
 * (set_config(..., true) is SET LOCAL: this transaction only).
 */
static const struct db_stmt st_touch = {
	"keys_touch",
	"UPDATE ember_api_keys SET last_used_at = now()"
	" WHERE key_hash = $1"
	"   AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')"
	"   AND set_config('synchronous_commit', 'off', true) IS NOT NULL",
	1,
};

static const struct db_stmt st_create = {
	"keys_create",
	"INSERT INTO ember_api_keys (key_hash, key_prefix, service_name, description)"
	" VALUES ($1, $2, $3, $4) RETURNING id",
	4,
};

static const struct db_stmt st_list = {
	"keys_list",
	"SELECT id, key_prefix, service_name, " KEYS_TS("created_at") ","
	" " KEYS_TS("revoked_at") ", " KEYS_TS("last_used_at") ", description"
	" FROM ember_api_keys ORDER BY id",
	0,
};

/* Revoke if live; either way say when it was revoked and whether now. */
static const struct db_stmt st_revoke = {
	"keys_revoke",
	"WITH upd AS (UPDATE ember_api_keys SET revoked_at = now()"
	"  WHERE id = $1::bigint AND revoked_at IS NULL RETURNING id)"
	"SELECT EXISTS (SELECT 1 FROM upd), " KEYS_TS("revoked_at")
	"  FROM ember_api_keys WHERE id = $1::bigint",
	1,
};

/* Hash a key as ember_api_keys.key_hash holds it. */
void
keys_hash(const char *key, char hex[65])
{
	hash_sha256_hex(key, strlen(key), hex);
}

/* Ask the database about key for service. */
int
keys_check(struct db *db, const char *key, const char *service,
	enum keys_verdict *out)
{
	char hex[65];
	const char *params[3];
	PGresult *res = NULL;
	const char *v;
	int err;

	*out = KEYS_BAD;
	keys_hash(key, hex);
	params[0] = hex;
	params[1] = service;
	params[2] = key;
	err = db_exec(db, &st_check, params, &res);
	if (err)
		return err;
	v = PQgetvalue(res, 0, 0);
	if (strcmp(v, "ok") == 0)
		*out = KEYS_OK;
	else if (strcmp(v, "other") == 0)
		*out = KEYS_OTHER_SERVICE;
	PQclear(res);
	return E_OK;
}

/* Note the key's use (at most once a minute in the row). */
int
keys_touch(struct db *db, const char *hash)
{
	const char *params[1] = { hash };

	return db_exec(db, &st_touch, params, NULL);
}

/* Insert a key row. */
int
keys_create(struct db *db, const char *hash, const char *prefix,
	const char *service, const char *description, int64_t *id)
{
	const char *params[4] = { hash, prefix, service, description };
	PGresult *res = NULL;
	int err;

	err = db_exec(db, &st_create, params, &res);
	if (err)
		return err;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return E_OK;
}

/* A column of row i in the arena, NULL when SQL NULL. */
static const char *
col(struct arena *a, PGresult *res, int i, int c)
{
	return PQgetisnull(res, i, c) ? NULL :
		arena_strdup(a, PQgetvalue(res, i, c));
}

/* Every key. */
int
keys_list(struct db *db, struct arena *a, struct keys_row **rows, size_t *n)
{
	PGresult *res = NULL;
	struct keys_row *v;
	int i, k, err;

	*rows = NULL;
	*n = 0;
	err = db_exec(db, &st_list, NULL, &res);
	if (err)
		return err;
	k = PQntuples(res);
	v = arena_zalloc(a, ((size_t)k + 1) * sizeof(*v));
	for (i = 0; i < k; i++) {
		v[i].id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		v[i].prefix = col(a, res, i, 1);
		v[i].service = col(a, res, i, 2);
		v[i].created = col(a, res, i, 3);
		v[i].revoked = col(a, res, i, 4);
		v[i].last_used = col(a, res, i, 5);
		v[i].description = col(a, res, i, 6);
	}
	PQclear(res);
	*rows = v;
	*n = (size_t)k;
	return E_OK;
}

/* Revoke one key. */
int
keys_revoke(struct db *db, struct arena *a, int64_t id, const char **when)
{
	const char *params[1];
	PGresult *res = NULL;
	int err;

	*when = NULL;
	params[0] = arena_printf(a, "%" PRId64, id);
	err = db_exec(db, &st_revoke, params, &res);
	if (err)
		return err;
	if (PQntuples(res) == 0)
		err = E_NOTFOUND;
	else if (PQgetvalue(res, 0, 0)[0] != 't')
		*when = col(a, res, 0, 1);
	PQclear(res);
	return err;
}
