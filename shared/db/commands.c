/*
 * commands.c - profiling requests, commands and executions in PostgreSQL
 * (see commands.h).
 *
 * Request statuses are recomputed from every command serving the request,
 * without upstream's cast failure on 'sent' (mapped to 'assigned', which
 * the request enum has).
 */
#include "compat.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "jsonx.h"
#include "pgarr.h"
#include "utc.h"

/*
 * Mark the command sent, unless a concurrent heartbeat of the host
 * already did, and record the execution of its newest request.
 */
static const struct db_stmt st_mark_sent = {
	"commands_mark_sent",
	"WITH upd AS ("
	" UPDATE ProfilingCommands SET status = 'sent',"
	"   sent_at = CURRENT_TIMESTAMP, updated_at = CURRENT_TIMESTAMP"
	"  WHERE command_id = $1::uuid AND hostname = $2 AND status = 'pending'"
	" RETURNING command_id, request_ids)"
	"INSERT INTO ProfilingExecutions (command_id, hostname,"
	"   profiling_request_id, status, started_at)"
	" SELECT upd.command_id, $2,"
	"   upd.request_ids[array_upper(upd.request_ids, 1)], 'assigned',"
	"   CURRENT_TIMESTAMP FROM upd"
	"  WHERE cardinality(upd.request_ids) > 0"
	" ON CONFLICT (command_id, hostname) DO UPDATE SET"
	"   profiling_request_id = EXCLUDED.profiling_request_id,"
	"   status = 'assigned', started_at = CURRENT_TIMESTAMP,"
	"   updated_at = CURRENT_TIMESTAMP",
	2,
};

static const struct db_stmt st_state = {
	"commands_state",
	"SELECT COALESCE(pc.command_id, pe.command_id), pe.status,"
	"       COALESCE(pc.service_name, pr.service_name)"
	"  FROM ProfilingCommands pc FULL OUTER JOIN ProfilingExecutions pe"
	"    ON pc.command_id = pe.command_id AND pc.hostname = pe.hostname"
	"  LEFT JOIN ProfilingRequests pr"
	"    ON pr.request_id = pe.profiling_request_id"
	" WHERE COALESCE(pc.command_id, pe.command_id) = $1::uuid"
	"   AND pe.hostname = $2"
	" LIMIT 1",
	2,
};

static const struct db_stmt st_complete_cmd = {
	"commands_complete_cmd",
	"UPDATE ProfilingCommands SET status = $3::CommandStatus,"
	"  completed_at = CURRENT_TIMESTAMP, execution_time = $4::integer,"
	"  error_message = $5, results_path = $6, updated_at = CURRENT_TIMESTAMP"
	" WHERE command_id = $1::uuid AND hostname = $2",
	6,
};

static const struct db_stmt st_complete_exec = {
	"commands_complete_exec",
	"UPDATE ProfilingExecutions SET status = $3::ProfilingRequestStatus,"
	"  completed_at = CURRENT_TIMESTAMP, execution_time = $4::integer,"
	"  error_message = $5, results_path = $6, updated_at = CURRENT_TIMESTAMP"
	" WHERE command_id = $1::uuid AND hostname = $2",
	6,
};

/*
 * Recompute the status of every request of the host's current command
 * (priority completed < pending < sent < failed).
 */
static const struct db_stmt st_complete_requests = {
	"commands_complete_requests",
	"WITH mine AS ("
	" SELECT unnest(request_ids) AS request_id FROM ProfilingCommands"
	"  WHERE command_id = $1::uuid AND hostname = $2),"
	" agg AS ("
	" SELECT r.request_id, max(CASE pc.status WHEN 'completed' THEN 0"
	"   WHEN 'pending' THEN 1 WHEN 'sent' THEN 2 ELSE 3 END) AS p"
	"   FROM mine r JOIN ProfilingCommands pc"
	"     ON r.request_id = ANY (pc.request_ids)"
	"  GROUP BY r.request_id)"
	"UPDATE ProfilingRequests q SET status = (CASE agg.p"
	"   WHEN 0 THEN 'completed' WHEN 1 THEN 'pending'"
	"   WHEN 2 THEN 'assigned' ELSE 'failed' END)::ProfilingRequestStatus,"
	"  completed_at = CASE WHEN agg.p IN (0, 3) THEN CURRENT_TIMESTAMP"
	"   ELSE q.completed_at END,"
	"  updated_at = CURRENT_TIMESTAMP"
	"  FROM agg WHERE q.request_id = agg.request_id",
	2,
};

static const struct db_stmt st_request_insert = {
	"commands_request_insert",
	"INSERT INTO ProfilingRequests (request_id, request_type, service_name,"
	"  continuous, duration, frequency, profiling_mode, target_hostnames,"
	"  pids, stop_level, additional_args, estimated_completion_time)"
	" VALUES ($1::uuid, $2, $3, $4::boolean, $5::integer, $6::integer,"
	"  $7::ProfilingMode, $8::text[], NULL, $9, $10::jsonb,"
	"  $11::timestamp)",
	11,
};

static const struct db_stmt st_active_hosts = {
	"commands_active_hosts",
	"SELECT hostname FROM HostHeartbeats"
	" WHERE service_name = $1 AND status = 'active'"
	"   AND updated_at > CURRENT_TIMESTAMP - make_interval(secs => $2::integer)"
	" ORDER BY hostname LIMIT 10000",
	2,
};

static const struct db_stmt st_lock = {
	"commands_lock",
	"SELECT command_type, combined_config::text, status"
	"  FROM ProfilingCommands WHERE hostname = $1 AND service_name = $2"
	"  FOR UPDATE",
	2,
};

static const struct db_stmt st_put = {
	"commands_put",
	"INSERT INTO ProfilingCommands (command_id, hostname, service_name,"
	"  command_type, request_ids, combined_config, status, created_at)"
	" VALUES ($1::uuid, $2, $3, $4, ARRAY[$5::uuid], $6::jsonb, 'pending',"
	"  CURRENT_TIMESTAMP)"
	" ON CONFLICT (hostname, service_name) DO UPDATE SET"
	"  command_id = EXCLUDED.command_id,"
	"  command_type = EXCLUDED.command_type,"
	"  request_ids = CASE WHEN $7::boolean"
	"    THEN array_append(ProfilingCommands.request_ids, $5::uuid)"
	"    ELSE EXCLUDED.request_ids END,"
	"  combined_config = EXCLUDED.combined_config,"
	"  status = 'pending', created_at = CURRENT_TIMESTAMP,"
	"  updated_at = CURRENT_TIMESTAMP",
	7,
};

/* Hand a pending command over. */
int
commands_mark_sent(struct db *db, const char *command_id, const char *hostname)
{
	const char *params[2] = { command_id, hostname };

	return db_exec(db, &st_mark_sent, params, NULL);
}

/* What a completion finds. */
int
commands_state(struct db *db, struct arena *a, const char *command_id,
	const char *hostname, struct commands_state *out)
{
	const char *params[2] = { command_id, hostname };
	PGresult *res = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	err = db_exec(db, &st_state, params, &res);
	if (err)
		return err;
	if (PQntuples(res)) {
		out->found = true;
		if (!PQgetisnull(res, 0, 1))
			out->exec_status = arena_strdup(a, PQgetvalue(res, 0, 1));
		if (!PQgetisnull(res, 0, 2))
			out->service = arena_strdup(a, PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return E_OK;
}

/* The three completion updates. */
static int
complete_tx(struct db *db, void *ctx)
{
	const char *const *params = ctx;
	int err;

	err = db_exec(db, &st_complete_cmd, params, NULL);
	if (!err)
		err = db_exec(db, &st_complete_exec, params, NULL);
	if (!err)
		err = db_exec(db, &st_complete_requests, params, NULL);
	return err;
}

/* Record a completion in one transaction. */
int
commands_complete(struct db *db, const struct commands_completion *c)
{
	const char *params[6];
	char etime[24];

	params[0] = c->command_id;
	params[1] = c->hostname;
	params[2] = c->status;
	params[3] = NULL;
	if (c->has_time) {
		snprintf(etime, sizeof(etime), "%" PRId64, c->execution_time);
		params[3] = etime;
	}
	params[4] = c->error_message;
	params[5] = c->results_path;
	return db_tx(db, complete_tx, (void *)params);
}

/* The service's active hosts. */
int
commands_active_hosts(struct db *db, struct arena *a, const char *service,
	unsigned window, const char ***hosts, size_t *n)
{
	const char *params[2];
	const char **v;
	PGresult *res = NULL;
	int i, k, err;

	*hosts = NULL;
	*n = 0;
	params[0] = service;
	params[1] = arena_printf(a, "%u", window);
	err = db_exec(db, &st_active_hosts, params, &res);
	if (err)
		return err;
	k = PQntuples(res);
	v = arena_alloc(a, ((size_t)k + 1) * sizeof(*v));
	for (i = 0; i < k; i++)
		v[i] = arena_strdup(a, PQgetvalue(res, i, 0));
	PQclear(res);
	*hosts = v;
	*n = (size_t)k;
	return E_OK;
}

/* The request row. */
int
commands_request_insert(struct db *db, struct arena *a,
	const struct commands_request *q)
{
	const char *params[11];
	char when[40];

	params[0] = q->request_id;
	params[1] = q->type;
	params[2] = q->service;
	params[3] = q->continuous ? "true" : "false";
	params[4] = arena_printf(a, "%" PRId64, q->duration);
	params[5] = arena_printf(a, "%" PRId64, q->frequency);
	params[6] = q->profiling_mode;
	params[7] = pgarr_strv(a, q->hosts, q->nhosts);
	params[8] = q->stop_level;
	params[9] = q->additional_args;
	params[10] = NULL;
	if (q->eta_usec &&
	    utc_format(q->eta_usec, UTC_FMT_SQL, when, sizeof(when)) == E_OK)
		params[10] = when;
	return db_exec(db, &st_request_insert, params, NULL);
}

/* Lock and read a host's command. */
int
commands_lock(struct db *db, struct arena *a, const char *hostname,
	const char *service, bool *found, struct commands_current *cur)
{
	const char *params[2] = { hostname, service };
	PGresult *res = NULL;
	int err;

	*found = false;
	memset(cur, 0, sizeof(*cur));
	err = db_exec(db, &st_lock, params, &res);
	if (err)
		return err;
	if (PQntuples(res)) {
		*found = true;
		cur->command_type = arena_strdup(a, PQgetvalue(res, 0, 0));
		cur->status = arena_strdup(a, PQgetvalue(res, 0, 2));
		if (!PQgetisnull(res, 0, 1) &&
		    jsonx_parse(PQgetvalue(res, 0, 1),
			(size_t)PQgetlength(res, 0, 1), &cur->config, NULL, 0))
			cur->config = NULL;
	}
	PQclear(res);
	return E_OK;
}

/* Write a host's pending command. */
int
commands_put(struct db *db, const char *command_id, const char *hostname,
	const char *service, const char *type, const char *request_id,
	const json_t *config, bool append)
{
	const char *params[7];
	char *js;
	int err;

	js = json_dumps(config, JSON_COMPACT);
	if (!js)
		return E_INTERNAL;
	params[0] = command_id;
	params[1] = hostname;
	params[2] = service;
	params[3] = type;
	params[4] = request_id;
	params[5] = js;
	params[6] = append ? "true" : "false";
	err = db_exec(db, &st_put, params, NULL);
	free(js);
	return err;
}
