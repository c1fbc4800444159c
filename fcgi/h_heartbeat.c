/*
 * h_heartbeat.c - POST /api/metrics/heartbeat, the agent's poll: store
 * the host's heartbeat and answer its current command.
 *
 * Wire format as upstream's; where we differ on purpose:
 *
 *  - One statement checks the key, upserts the host and reads its command
 *    (heartbeats.h), so a heartbeat is one round trip (upstream: three to
 *    five); a second one hands a pending command over (marks it sent and
 *    records the execution), once per command, and a refused key costs a
 *    second one to tell 401 from 403.
 *  - Values are checked before anything reaches PostgreSQL: an invalid IP
 *    address or status, or an empty hostname, is a 422 in FastAPI's shape
 *    (after the key check, so a caller whose key is refused learns
 *    nothing about the body but its JSON shape).  Invalid UUIDs in the
 *    last/received/executed ids are dropped instead of failing the whole
 *    heartbeat, as agents have sent them.
 *  - While the database cannot be reached the answer is 503: the agent
 *    retries on its next interval either way, and the status tells
 *    monitoring the truth.  200 means the heartbeat was stored.
 *  - Commit policy: with fcgi.heartbeat_synchronous_commit off (the
 *    default) the heartbeat's transaction does not wait for the WAL
 *    flush; the hand-out of a command is always durable, and it happens
 *    before the command is answered.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <string.h>

#include "auth.h"
#include "body.h"
#include "commands.h"
#include "heartbeats.h"
#include "jsonx.h"
#include "log.h"
#include "route.h"
#include "utc.h"
#include "uuidx.h"

/* Most UUIDs kept from one received/executed list. */
#define HB_MAX_IDS 5000
/* Longest hostname (a DNS name is at most 253). */
#define HB_HOST_MAX 255

/* The statuses a host may report (the HostStatus enum). */
static const char *const hb_statuses[] = { "active", "idle", "error", "offline" };

/*
 * The valid UUIDs of a JSON array, normalised, in the arena; *dropped is
 * set when any element was not one.
 */
static const char **
uuid_list(struct req *r, json_t *arr, size_t *n, bool *dropped)
{
	const char **v;
	size_t i;
	json_t *e;

	*n = 0;
	if (!json_is_array(arr))
		return NULL;
	v = arena_alloc(r->arena, (json_array_size(arr) + 1) * sizeof(*v));
	json_array_foreach(arr, i, e) {
		char norm[37];

		if (*n >= HB_MAX_IDS)
			break;
		if (json_is_string(e) &&
		    uuidx_normalize(json_string_value(e), norm) == E_OK)
			v[(*n)++] = arena_strdup(r->arena, norm);
		else
			*dropped = true;
	}
	return v;
}

/* Check that a list field is a list of strings (422 otherwise). */
static int
check_str_list(struct req *r, json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);
	json_t *e;
	size_t i;
	int err;

	if (!v || json_is_null(v))
		return E_OK;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (!json_is_string(e))
				goto bad;
		return E_OK;
	}
bad:
	err = req_send_422(r, "body", key, "value is not a valid list",
		"type_error.list");
	return err ? err : E_INVAL;
}

/* Whether s is an IPv4 or IPv6 address (no prefix length). */
static bool
ip_valid(const char *s)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, s, addr) == 1 ||
		inet_pton(AF_INET6, s, addr) == 1;
}

/*
 * The value errors of a heartbeat as FastAPI detail items (a new array,
 * empty when all is well).
 */
static json_t *
value_errors(const char *ip, const char *host, const char *status)
{
	json_t *items = json_array();
	size_t i;
	bool ok;

	if (!ip_valid(ip))
		json_array_append_new(items, req_422_item("body", "ip_address",
			"value is not a valid IPv4 or IPv6 address",
			"value_error.ipvanyaddress"));
	if (!*host)
		json_array_append_new(items, req_422_item("body", "hostname",
			"ensure this value has at least 1 characters",
			"value_error.any_str.min_length"));
	else if (strlen(host) > HB_HOST_MAX)
		json_array_append_new(items, req_422_item("body", "hostname",
			"ensure this value has at most 255 characters",
			"value_error.any_str.max_length"));
	else
		for (i = 0; host[i]; i++)
			if ((unsigned char)host[i] < 0x20 || host[i] == 0x7f) {
				json_array_append_new(items, req_422_item(
					"body", "hostname",
					"hostname contains a control character",
					"value_error"));
				break;
			}
	if (status) {
		ok = false;
		for (i = 0; i < ARRAY_SIZE(hb_statuses); i++)
			ok |= strcmp(status, hb_statuses[i]) == 0;
		if (!ok)
			json_array_append_new(items, req_422_item("body",
				"status", "value is not a valid enumeration "
				"member; permitted: 'active', 'idle', 'error', "
				"'offline'", "type_error.enum"));
	}
	return items;
}

/* Read and check the request into hb (answering 4xx on failure). */
static int
heartbeat_parse(struct req *r, struct app *app, json_t *body,
	struct heartbeat *hb, bool *dropped)
{
	const char *ts, *last;
	char tsql[40], norm[37];
	json_t *items = NULL;
	int64_t usec;
	int err;

	memset(hb, 0, sizeof(*hb));
	if ((err = body_str(r, body, "ip_address", true, &hb->ip)) ||
	    (err = body_str(r, body, "hostname", true, &hb->hostname)) ||
	    (err = body_str(r, body, "service_name", true, &hb->service)) ||
	    (err = body_str(r, body, "last_command_id", false, &last)) ||
	    (err = body_str(r, body, "status", false, &hb->status)) ||
	    (err = body_str(r, body, "timestamp", false, &ts)) ||
	    (err = check_str_list(r, body, "received_command_ids")) ||
	    (err = check_str_list(r, body, "executed_command_ids")))
		return err;
	if (ts) {
		if (utc_parse(ts, &usec) ||
		    utc_format(usec, UTC_FMT_SQL, tsql, sizeof(tsql))) {
			err = req_send_422(r, "body", "timestamp",
				"invalid datetime format", "value_error.datetime");
			return err ? err : E_INVAL;
		}
		hb->at = arena_strdup(r->arena, tsql);
	}
	if (app->cfg->fcgi.agent_auth == CFG_AUTH_REQUIRED) {
		hb->key = auth_bearer(r);
		if (!hb->key)
			return auth_refuse(r, AUTH_MISSING);
	}
	items = value_errors(hb->ip, hb->hostname, hb->status);
	if (json_array_size(items)) {
		/* a refused key hears 401/403 (or 503), not about the body */
		if (hb->key && (err = auth_agent(r, app, hb->service))) {
			json_decref(items);
			return err;
		}
		err = req_send_422_take(r, items);
		return err ? err : E_INVAL;
	}
	json_decref(items);
	if (!hb->status)
		hb->status = "active";
	if (last) {
		if (uuidx_normalize(last, norm) == E_OK)
			hb->last_command_id = arena_strdup(r->arena, norm);
		else
			*dropped = true;
	}
	hb->received = uuid_list(r, json_object_get(body,
		"received_command_ids"), &hb->n_received, dropped);
	hb->executed = uuid_list(r, json_object_get(body,
		"executed_command_ids"), &hb->n_executed, dropped);
	hb->async_commit = !app->cfg->fcgi.heartbeat_sync;
	return E_OK;
}

/* POST /api/metrics/heartbeat. */
int
h_heartbeat(struct req *r, struct app *app)
{
	struct heartbeat hb;
	struct heartbeat_command cmd = { .config = NULL };
	json_t *body = NULL;
	struct db *db = NULL;
	bool dropped = false, stored = false, has_cmd = false;
	int err;

	err = body_read_json(r, app->cfg->fcgi.max_json, &body);
	if (err)
		goto out;
	err = heartbeat_parse(r, app, body, &hb, &dropped);
	if (err)
		goto out;
	err = app_db(app, &db);
	if (!err)
		err = heartbeats_put(db, r->arena, &hb, &stored, &has_cmd, &cmd);
	if (err && stored) {
		log_error("heartbeat from '%s': unreadable command row",
			hb.hostname);
		err = E_INTERNAL;
		goto out;
	}
	if (err) {
		/* a caller whose key is refused hears 401/403, not why */
		if (hb.key && db && auth_agent(r, app, hb.service))
			goto out;
		if (db)
			log_warn("heartbeat from '%s': %s", hb.hostname,
				db_errmsg(db));
		goto out;
	}
	if (!stored) {
		/* refused: ask about the key alone for 401 or 403 */
		err = auth_agent(r, app, hb.service);
		if (!err) {
			log_error("heartbeat from '%s': refused, then accepted",
				hb.hostname);
			err = E_DB;
		}
		goto out;
	}
	if (hb.key)
		auth_touch(app, hb.key);
	if (dropped)
		log_warn("heartbeat from '%s': invalid command ids dropped",
			hb.hostname);
	if (!has_cmd) {
		err = req_send_take(r, 200, json_pack("{s:b,s:s,s:n,s:n}",
			"success", 1,
			"message", "Heartbeat received. No profiling commands.",
			"profiling_command", "command_id"));
		goto out;
	}
	if (cmd.pending) {
		err = commands_mark_sent(db, cmd.command_id, hb.hostname);
		if (err) {
			log_warn("heartbeat from '%s': handing command %s over: "
				"%s", hb.hostname, cmd.command_id, db_errmsg(db));
			goto out;
		}
	}
	err = req_send_take(r, 200, json_pack("{s:b,s:s,s:{s:s,s:O},s:s}",
		"success", 1,
		"message", "Heartbeat received. New profiling command available.",
		"profiling_command",
		"command_type", cmd.command_type,
		"combined_config", cmd.config ? cmd.config : json_null(),
		"command_id", cmd.command_id));
out:
	json_decref(cmd.config);
	json_decref(body);
	return err;
}
