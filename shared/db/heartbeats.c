/*
 * heartbeats.c - the heartbeat's one statement (see heartbeats.h).
 *
 * One INSERT checks the key, upserts the host and reads its command, so a
 * heartbeat is one round trip (upstream: three to five).  (One INSERT with
 * a subquery in RETURNING costs PostgreSQL about a quarter less than the
 * same work as a data-modifying CTE.)  The commit policy rides in the
 * same statement: set_config('synchronous_commit', 'off', true) is SET
 * LOCAL, i.e. this transaction only, and costs no extra round trip.
 */
#include "compat.h"

#include <string.h>

#include "heartbeats.h"
#include "jsonx.h"
#include "keys.h"
#include "pgarr.h"

/*
 * $1..$3 the key check (skipped when $1 is NULL, i.e. agent auth is off),
 * $4.. the row, $11 'off' for an asynchronous commit or NULL.  No row back
 * means the key was refused.  The row holds the host's newest command as
 * the JSON array [command_id, pending, command_type, combined_config], or
 * NULL when there is none.
 */
static const struct db_stmt st_heartbeat = {
	"heartbeats_put",
	"INSERT INTO HostHeartbeats (hostname, ip_address, service_name,"
	"   last_command_id, received_command_ids, executed_command_ids,"
	"   status, heartbeat_timestamp, updated_at)"
	" SELECT $4, $5::inet, $2, $6::uuid, $7::uuid[], $8::uuid[],"
	"   $9::HostStatus, COALESCE($10::timestamp, CURRENT_TIMESTAMP),"
	"   CURRENT_TIMESTAMP"
	"  WHERE ($1::text IS NULL OR " KEYS_ALLOWED_SQL ")"
	"    AND ($11::text IS NULL"
	"         OR set_config('synchronous_commit', $11, true) IS NOT NULL)"
	" ON CONFLICT (hostname, service_name) DO UPDATE SET"
	"   ip_address = EXCLUDED.ip_address,"
	"   last_command_id = EXCLUDED.last_command_id,"
	"   received_command_ids = EXCLUDED.received_command_ids,"
	"   executed_command_ids = EXCLUDED.executed_command_ids,"
	"   status = EXCLUDED.status,"
	"   heartbeat_timestamp = EXCLUDED.heartbeat_timestamp,"
	"   updated_at = CURRENT_TIMESTAMP"
	" RETURNING (SELECT json_build_array(c.command_id, c.status = 'pending',"
	"     c.command_type, c.combined_config)::text"
	"   FROM ProfilingCommands c"
	"  WHERE c.hostname = $4 AND c.service_name = $2"
	"  ORDER BY c.created_at DESC LIMIT 1)",
	11,
};

/* Read the command array of the RETURNING row into cmd. */
static int
read_command(struct arena *a, const char *text, size_t len,
	struct heartbeat_command *cmd)
{
	json_t *v = NULL;
	const char *cid, *type;

	if (jsonx_parse(text, len, &v, NULL, 0) != E_OK)
		return E_PROTO;
	cid = json_string_value(json_array_get(v, 0));
	type = json_string_value(json_array_get(v, 2));
	if (json_array_size(v) != 4 || !cid || strlen(cid) != 36 || !type) {
		json_decref(v);
		return E_PROTO;
	}
	memcpy(cmd->command_id, cid, 37);
	cmd->pending = json_is_true(json_array_get(v, 1));
	cmd->command_type = arena_strdup(a, type);
	cmd->config = json_incref(json_array_get(v, 3));
	json_decref(v);
	return E_OK;
}

/* Upsert the heartbeat and read the host's command. */
int
heartbeats_put(struct db *db, struct arena *a, const struct heartbeat *hb,
	bool *stored, bool *has_cmd, struct heartbeat_command *cmd)
{
	const char *params[11];
	char hex[65];
	PGresult *res = NULL;
	int err;

	*stored = *has_cmd = false;
	memset(cmd, 0, sizeof(*cmd));
	if (hb->key) {
		keys_hash(hb->key, hex);
		params[0] = hex;
		params[2] = hb->key;
	} else {
		params[0] = params[2] = NULL;
	}
	params[1] = hb->service;
	params[3] = hb->hostname;
	params[4] = hb->ip;
	params[5] = hb->last_command_id;
	params[6] = pgarr_strv(a, hb->received, hb->n_received);
	params[7] = pgarr_strv(a, hb->executed, hb->n_executed);
	params[8] = hb->status;
	params[9] = hb->at;
	params[10] = hb->async_commit ? "off" : NULL;
	err = db_exec(db, &st_heartbeat, params, &res);
	if (err)
		return err;
	if (PQntuples(res) == 0)
		goto out;
	*stored = true;
	if (PQgetisnull(res, 0, 0))
		goto out;
	err = read_command(a, PQgetvalue(res, 0, 0),
		(size_t)PQgetlength(res, 0, 0), cmd);
	*has_cmd = err == E_OK;
out:
	PQclear(res);
	return err;
}
