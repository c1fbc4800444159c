/*
 * auth.h - API key checks for agent endpoints.
 *
 * Keys live in ember_api_keys (key_hash = sha256 hex of the key,
 * service_name NULL = every service, revoked_at NULL = live).  Upstream's
 * ProfilerTokens (token, disabled IS NULL) are accepted too, as keys for
 * every service, so an upstream database works as it is.  Every check goes
 * to the database: there is no cache, so a revocation takes effect on the
 * next request.
 */
#ifndef EMBER_FCGI_AUTH_H
#define EMBER_FCGI_AUTH_H

#include "compat.h"

#include "app.h"
#include "req.h"

enum auth_result {
	AUTH_OK = 0,		/* the key is live and covers the service */
	AUTH_MISSING,		/* no key was presented */
	AUTH_BAD,		/* unknown or revoked key */
	AUTH_OTHER_SERVICE,	/* live key, but for another service */
};

/*
 * The key check as one SQL condition, for statements that fold it in (the
 * heartbeat does, to stay one round trip): with $1 the key's
 * hash_sha256_hex, $2 the service (NULL = any) and $3 the key itself, it
 * is true for a live ember key covering the service or a live upstream
 * token.  Statements embedding it number their own parameters from $4;
 * when it is false, auth_agent() tells 401 from 403.
 */
#define AUTH_ALLOWED_SQL \
	"(EXISTS (SELECT 1 FROM ember_api_keys k" \
	"          WHERE k.key_hash = $1 AND k.revoked_at IS NULL" \
	"            AND (k.service_name IS NULL OR $2::text IS NULL" \
	"                 OR k.service_name = $2))" \
	" OR EXISTS (SELECT 1 FROM ProfilerTokens t" \
	"             WHERE t.token = $3 AND t.disabled IS NULL))"

/*
 * Check key (may be NULL or "") against service (NULL = any service
 * accepted) and set *res.  E_DB when the database cannot answer.
 */
MUST_CHECK int auth_check(struct app *app, const char *key,
	const char *service, enum auth_result *res);
/*
 * The key from "Authorization: Bearer KEY" (scheme matched
 * case-insensitively), copied into the arena, or NULL.
 */
const char *auth_bearer(struct req *r);
/*
 * Lay out AUTH_ALLOWED_SQL's parameters $1..$3 in params[0..2] for key
 * (not NULL) and service; hex (65 bytes) receives the key's hash.
 */
void auth_params(const char *key, const char *service, char hex[65],
	const char **params);
/*
 * Answer a refused agent: 401 with WWW-Authenticate for AUTH_MISSING and
 * AUTH_BAD, 403 for AUTH_OTHER_SERVICE.  Returns E_AUTH / E_FORBIDDEN (or
 * the write error), which the handler returns at once.
 */
MUST_CHECK int auth_refuse(struct req *r, enum auth_result res);
/*
 * Check a heartbeat/command_completion caller when fcgi.agent_auth is
 * "required": on failure answer 401 (missing, unknown, revoked) or 403
 * (another service) and return E_AUTH / E_FORBIDDEN, which the handler
 * returns at once.  E_OK when allowed (or auth is off).
 */
MUST_CHECK int auth_agent(struct req *r, struct app *app,
	const char *service);

#endif
