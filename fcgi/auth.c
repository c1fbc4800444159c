/*
 * auth.c - API key checks for the agent endpoints, over keys.h.
 *
 * Noting a key's use (last_used_at) must stay off the heartbeat's cost:
 * each process remembers, per key hash, when it last wrote it, and writes
 * again only a minute later.  The table is small and replaced oldest
 * first, so a process serving more live keys than it holds merely writes
 * a little more often (and the UPDATE itself skips rows written within
 * the minute).
 */
#include "compat.h"

#include <string.h>
#include <strings.h>

#include "auth.h"
#include "keys.h"
#include "log.h"
#include "utc.h"

/* How often one process writes one key's last_used_at, at most. */
#define AUTH_TOUCH_MS 60000

/* Look key up, classify it, and note its use when accepted. */
int
auth_check(struct app *app, const char *key, const char *service,
	enum auth_result *res)
{
	enum keys_verdict v;
	struct db *db;
	int err;

	*res = AUTH_MISSING;
	if (!key || !*key)
		return E_OK;
	err = app_db(app, &db);
	if (err)
		return err;
	err = keys_check(db, key, service, &v);
	if (err) {
		log_error("auth: %s", db_errmsg(db));
		return err;
	}
	*res = v == KEYS_OK ? AUTH_OK :
		v == KEYS_OTHER_SERVICE ? AUTH_OTHER_SERVICE : AUTH_BAD;
	if (*res == AUTH_OK)
		auth_touch(app, key);
	return E_OK;
}

/* Write last_used_at unless this process did so within the minute. */
void
auth_touch(struct app *app, const char *key)
{
	struct app_key_seen *slot = NULL, *s;
	int64_t now = utc_mono_ms();
	char hex[65];
	struct db *db;
	size_t i;

	keys_hash(key, hex);
	for (i = 0; i < APP_KEYS_SEEN; i++) {
		s = &app->keys_seen[i];
		if (strcmp(s->hash, hex) == 0) {
			if (now - s->at_ms < AUTH_TOUCH_MS)
				return;
			slot = s;
			break;
		}
		if (!slot || s->at_ms < slot->at_ms)
			slot = s;
	}
	memcpy(slot->hash, hex, sizeof(hex));
	slot->at_ms = now;
	if (app_db(app, &db) == E_OK && keys_touch(db, hex) != E_OK)
		log_warn("auth: noting a key's use: %s, ignoring", db_errmsg(db));
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
