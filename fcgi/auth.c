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
 * 'ok' (AUTH_ALLOWED_SQL holds), 'other' (a live ember key for another
 * service) or 'bad'.
 */
static const struct db_stmt st_auth = {
	"fcgi_auth_check",
	"SELECT CASE WHEN " AUTH_ALLOWED_SQL " THEN 'ok'"
	"  WHEN EXISTS (SELECT 1 FROM ember_api_keys k"
	"                WHERE k.key_hash = $1 AND k.revoked_at IS NULL)"
	"       THEN 'other' ELSE 'bad' END",
	3,
};

/* Map the SQL verdict onto the enum; anything unexpected is a bad key. */
static enum auth_result
auth_verdict(const char *v)
{
	if (strcmp(v, "ok") == 0)
		return AUTH_OK;
	return strcmp(v, "other") == 0 ? AUTH_OTHER_SERVICE : AUTH_BAD;
}

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
	auth_params(key, service, hex, params);
	err = db_exec(db, &st_auth, params, &pr);
	if (err) {
		log_error("auth: %s", db_errmsg(db));
		return err;
	}
	*res = auth_verdict(PQgetvalue(pr, 0, 0));
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

/* Hash the key and lay out AUTH_ALLOWED_SQL's three parameters. */
void
auth_params(const char *key, const char *service, char hex[65],
	const char **params)
{
	hash_sha256_hex(key, strlen(key), hex);
	params[0] = hex;
	params[1] = service;
	params[2] = key;
}

/* Send the 401/403 for a refused key. */
int
auth_refuse(struct req *r, enum auth_result res)
{
	int err;

	if (res == AUTH_OTHER_SERVICE) {
		err = req_send_message(r, 403, "API key not valid for this service");
		return err ? err : E_FORBIDDEN;
	}
	req_add_header(r, "WWW-Authenticate", "Bearer");
	err = req_send_message(r, 401, res == AUTH_MISSING ?
		"Missing API key" : "Invalid API key");
	return err ? err : E_AUTH;
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
	return res == AUTH_OK ? E_OK : auth_refuse(r, res);
}
