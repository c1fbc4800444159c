/*
 * auth.h - API key checks for agent endpoints.
 *
 * The keys themselves and the check are the data layer's (keys.h): every
 * check goes to the database, so a revocation takes effect on the next
 * request.  This module maps the verdict onto HTTP (401/403) and notes
 * each key's use (auth_touch()).
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
 * accepted) and set *res.  E_DB when the database cannot answer.  An
 * accepted key's use is noted (auth_touch()).
 */
MUST_CHECK int auth_check(struct app *app, const char *key,
	const char *service, enum auth_result *res);
/*
 * The key from "Authorization: Bearer KEY" (scheme matched
 * case-insensitively), copied into the arena, or NULL.
 */
const char *auth_bearer(struct req *r);
/*
 * Note that key was just accepted, so that
 * ember_api_keys.last_used_at tells operators which keys are alive: the
 * first use per key in a minute (per process) writes it, with one cheap
 * UPDATE that itself skips rows written less than a minute ago; every
 * other use costs a lookup in a small table.  A failure is logged and
 * otherwise ignored.
 */
void auth_touch(struct app *app, const char *key);
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
