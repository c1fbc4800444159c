/*
 * auth.c - API key checks, one database round trip each.
 *
 * The key itself is never stored or compared in the clear for ember keys:
 * we hash it and let the unique index on key_hash find the row.  The
 * ProfilerTokens fallback compares the token as upstream does.
 */
#include "compat.h"

#include <string.h>
#include <strings.h>

#include "auth.h"
#include "db.h"
#include "hash.h"
#include "log.h"

/*
 * Column 1: NULL (no live ember key), 't' (covers the service), 'f'
 * (another service's key).  Column 2: a live upstream token matches.
 */
static const struct db_stmt st_auth = {
	"fcgi_auth_check",
	"SELECT (SELECT bool_or(k.service_name IS NULL OR k.service_name = $2)"
	"          FROM ember_api_keys k"
	"         WHERE k.key_hash = $1 AND k.revoked_at IS NULL),"
	"       EXISTS (SELECT 1 FROM ProfilerTokens t"
	"                WHERE t.token = $3 AND t.disabled IS NULL)",
	3,
};

/* Look the key up and classify it for the service. */
int
auth_check(struct app *app, const char *key, const char *service,
	enum auth_result *res)
{
	char hex[65];
	const char *params[3];
	PGresult *pr = NULL;
	struct db *db;
	int err;

	*res = AUTH_MISSING;
	if (!key || !*key)
		return E_OK;
	err = app_db(app, &db);
	if (err)
		return err;
	hash_sha256_hex(key, strlen(key), hex);
	params[0] = hex;
	params[1] = service ? service : "";
	params[2] = key;
	err = db_exec(db, &st_auth, params, &pr);
	if (err) {
		log_error("auth: %s", db_errmsg(db));
		return err;
	}
	if (!PQgetisnull(pr, 0, 0) &&
	    (PQgetvalue(pr, 0, 0)[0] == 't' || !service))
		*res = AUTH_OK;
	else if (PQgetvalue(pr, 0, 1)[0] == 't')
		*res = AUTH_OK;
	else if (!PQgetisnull(pr, 0, 0))
		*res = AUTH_OTHER_SERVICE;
	else
		*res = AUTH_BAD;
	PQclear(pr);
	return E_OK;
}

/* Extract the bearer token from the Authorization header. */
const char *
auth_bearer(struct req *r)
{
	const char *h = req_header(r, "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? arena_strdup(r->arena, h) : NULL;
}

/* Enforce fcgi.agent_auth for heartbeat-style endpoints. */
int
auth_agent(struct req *r, struct app *app, const char *service)
{
	enum auth_result res;
	int err;

	if (app->cfg->fcgi.agent_auth == CFG_AUTH_OFF)
		return E_OK;
	err = auth_check(app, auth_bearer(r), service, &res);
	if (err)
		return err;
	switch (res) {
	case AUTH_OK:
		return E_OK;
	case AUTH_OTHER_SERVICE:
		err = req_send_message(r, 403, "API key not valid for this service");
		return err ? err : E_FORBIDDEN;
	case AUTH_MISSING:
		req_add_header(r, "WWW-Authenticate", "Bearer");
		err = req_send_message(r, 401, "Missing API key");
		return err ? err : E_AUTH;
	default:
		req_add_header(r, "WWW-Authenticate", "Bearer");
		err = req_send_message(r, 401, "Invalid API key");
		return err ? err : E_AUTH;
	}
}
