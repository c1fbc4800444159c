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
 * Check a heartbeat/command_completion caller when fcgi.agent_auth is
 * "required": on failure answer 401 (missing, unknown, revoked) or 403
 * (another service) and return E_AUTH / E_FORBIDDEN, which the handler
 * returns at once.  E_OK when allowed (or auth is off).
 */
MUST_CHECK int auth_agent(struct req *r, struct app *app,
	const char *service);

#endif
