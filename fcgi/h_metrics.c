/*
 * h_metrics.c - the dynamic profiling control loop:
 *
 *   POST /api/metrics/heartbeat           agent poll: upsert + current command
 *   POST /api/metrics/command_completion  agent report
 *   POST /api/metrics/profile_request     operator start/stop
 *
 * (GET /api/metrics/profiling/host_status is in h_hosts.c.)
 *
 * Wire formats are upstream's (reference/upstream-spec.md section 6 and the
 * golden exchanges).  Where we differ on purpose:
 *
 *  - heartbeat: one statement checks the key, upserts the host and reads
 *    its command, so a heartbeat is one round trip (upstream: three to
 *    five); a second one marks a pending command sent and records the
 *    execution, once per command, and a refused key costs a second one
 *    to tell 401 from 403.  Invalid UUIDs in
 *    last/received/executed ids are dropped instead of failing the whole
 *    upsert (golden 21).  It still answers 200 on internal errors, as
 *    agents expect.
 *  - profile_request start without target_hosts starts the service's
 *    active hosts (a heartbeat within fcgi.active_window, by server clock)
 *    or answers 400 when there are none (upstream: 500).  A start on a
 *    host whose command is still pending is merged into it (cmdcfg.c).
 *  - command_completion: request statuses are recomputed without the
 *    upstream cast failure on 'sent' (mapped to 'assigned').
 *  - When fcgi.agent_auth is "required", heartbeat and command_completion
 *    need "Authorization: Bearer KEY" valid for the service.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cmdcfg.h"
#include "jsonx.h"
#include "log.h"
#include "route.h"
#include "utc.h"
#include "uuidx.h"

/* Most hosts one profile request may name. */
#define METRICS_MAX_HOSTS 10000
/* Most UUIDs kept from one received/executed list. */
#define METRICS_MAX_IDS 5000

/*
 * The heartbeat's round trip: the upsert, made only when the key check
 * (AUTH_ALLOWED_SQL with $1..$3; skipped when $1 is NULL, i.e.
 * fcgi.agent_auth is off) passes.  No row back means the key was refused.
 * The row holds the host's newest command, whatever its status, as
 * upstream, as the JSON array [command_id, pending, command_type,
 * combined_config], or NULL when there is none.  (One INSERT with a
 * subquery in RETURNING costs PostgreSQL about a quarter less than the
 * same work as a data-modifying CTE.)
 */
static const struct db_stmt st_heartbeat = {
	"fcgi_heartbeat",
	"INSERT INTO HostHeartbeats (hostname, ip_address, service_name,"
	"   last_command_id, received_command_ids, executed_command_ids,"
	"   status, heartbeat_timestamp, updated_at)"
	" SELECT $4, $5::inet, $2, $6::uuid, $7::uuid[], $8::uuid[],"
	"   $9::HostStatus, COALESCE($10::timestamp, CURRENT_TIMESTAMP),"
	"   CURRENT_TIMESTAMP"
	"  WHERE $1::text IS NULL OR " AUTH_ALLOWED_SQL
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
	10,
};

/*
 * Hand a pending command over (the second round trip, only when there is
 * one): mark it sent, unless a concurrent heartbeat of the host already
 * did, and record the execution of its newest request.
 */
static const struct db_stmt st_heartbeat_sent = {
	"fcgi_heartbeat_sent",
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

static const struct db_stmt st_completion_check = {
	"fcgi_completion_check",
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

static const struct db_stmt st_completion_cmd = {
	"fcgi_completion_cmd",
	"UPDATE ProfilingCommands SET status = $3::CommandStatus,"
	"  completed_at = CURRENT_TIMESTAMP, execution_time = $4::integer,"
	"  error_message = $5, results_path = $6, updated_at = CURRENT_TIMESTAMP"
	" WHERE command_id = $1::uuid AND hostname = $2",
	6,
};

static const struct db_stmt st_completion_exec = {
	"fcgi_completion_exec",
	"UPDATE ProfilingExecutions SET status = $3::ProfilingRequestStatus,"
	"  completed_at = CURRENT_TIMESTAMP, execution_time = $4::integer,"
	"  error_message = $5, results_path = $6, updated_at = CURRENT_TIMESTAMP"
	" WHERE command_id = $1::uuid AND hostname = $2",
	6,
};

/*
 * Recompute the status of every request of the host's current command
 * (priority completed < pending < sent < failed, 'sent' stored as
 * 'assigned', which the request enum has).
 */
static const struct db_stmt st_completion_requests = {
	"fcgi_completion_requests",
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
	"fcgi_request_insert",
	"INSERT INTO ProfilingRequests (request_id, request_type, service_name,"
	"  continuous, duration, frequency, profiling_mode, target_hostnames,"
	"  pids, stop_level, additional_args, estimated_completion_time)"
	" VALUES ($1::uuid, $2, $3, $4::boolean, $5::integer, $6::integer,"
	"  $7::ProfilingMode, $8::text[], $9::integer[], $10, $11::jsonb,"
	"  $12::timestamp)",
	12,
};

static const struct db_stmt st_active_hosts = {
	"fcgi_active_hosts",
	"SELECT hostname FROM HostHeartbeats"
	" WHERE service_name = $1 AND status = 'active'"
	"   AND updated_at > CURRENT_TIMESTAMP - make_interval(secs => $2::integer)"
	" ORDER BY hostname LIMIT 10000",
	2,
};

static const struct db_stmt st_command_get = {
	"fcgi_command_get",
	"SELECT command_type, combined_config::text, status"
	"  FROM ProfilingCommands WHERE hostname = $1 AND service_name = $2"
	"  FOR UPDATE",
	2,
};

static const struct db_stmt st_command_upsert = {
	"fcgi_command_upsert",
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

/* A uuid[] literal of the valid UUIDs in a JSON array (others dropped). */
static const char *
uuid_list(struct req *r, json_t *arr, bool *dropped)
{
	const char **v;
	size_t i, n = 0;
	json_t *e;

	if (!json_is_array(arr))
		return NULL;
	v = arena_alloc(r->arena, (json_array_size(arr) + 1) * sizeof(*v));
	json_array_foreach(arr, i, e) {
		char norm[37];

		if (n >= METRICS_MAX_IDS)
			break;
		if (json_is_string(e) &&
		    uuidx_normalize(json_string_value(e), norm) == E_OK)
			v[n++] = arena_strdup(r->arena, norm);
		else
			*dropped = true;
	}
	return api_pg_array(r->arena, v, n);
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

/* Answer the heartbeat with no command (ok) or the failure message. */
static int
heartbeat_empty(struct req *r, bool failed)
{
	struct buf b = BUF_INIT(0);
	int err;

	if (buf_addf(&b, "{\"success\":true,\"message\":\"%s\","
		"\"profiling_command\":null,\"command_id\":null}",
		failed ? "Heartbeat received, but failed to check for commands." :
		"Heartbeat received. No profiling commands."))
		abort();
	err = req_send_json(r, 200, &b);
	buf_release(&b);
	return err;
}

/* POST /api/metrics/heartbeat. */
int
h_heartbeat(struct req *r, struct app *app)
{
	const char *ip, *host, *svc, *last, *status, *ts, *key, *cid, *ctype;
	const char *params[10], *sent[2];
	char norm[37], tsql[40], hex[65];
	json_t *body = NULL, *cmd = NULL;
	PGresult *res = NULL;
	struct buf b = BUF_INIT(0);
	struct db *db = NULL;
	bool dropped = false;
	int64_t usec;
	int err;

	err = api_read_json(r, app->cfg->fcgi.max_json, &body);
	if (err)
		goto out;
	if ((err = api_str(r, body, "ip_address", true, &ip)) ||
	    (err = api_str(r, body, "hostname", true, &host)) ||
	    (err = api_str(r, body, "service_name", true, &svc)) ||
	    (err = api_str(r, body, "last_command_id", false, &last)) ||
	    (err = api_str(r, body, "status", false, &status)) ||
	    (err = api_str(r, body, "timestamp", false, &ts)) ||
	    (err = check_str_list(r, body, "received_command_ids")) ||
	    (err = check_str_list(r, body, "executed_command_ids")))
		goto out;
	if (ts) {
		if (utc_parse(ts, &usec) ||
		    utc_format(usec, UTC_FMT_SQL, tsql, sizeof(tsql))) {
			err = req_send_422(r, "body", "timestamp",
				"invalid datetime format", "value_error.datetime");
			err = err ? err : E_INVAL;
			goto out;
		}
		ts = tsql;
	}
	key = NULL;
	if (app->cfg->fcgi.agent_auth == CFG_AUTH_REQUIRED) {
		key = auth_bearer(r);
		if (!key) {
			err = auth_refuse(r, AUTH_MISSING);
			goto out;
		}
		auth_params(key, svc, hex, params);
	} else {
		params[0] = NULL;
		params[1] = svc;
		params[2] = NULL;
	}
	if (last) {
		if (uuidx_normalize(last, norm) == E_OK) {
			last = norm;
		} else {
			last = NULL;
			dropped = true;
		}
	}
	params[3] = host;
	params[4] = ip;
	params[5] = last;
	params[6] = uuid_list(r, json_object_get(body, "received_command_ids"),
		&dropped);
	params[7] = uuid_list(r, json_object_get(body, "executed_command_ids"),
		&dropped);
	params[8] = status ? status : "active";
	params[9] = ts;
	err = app_db(app, &db);
	if (!err)
		err = db_exec(db, &st_heartbeat, params, &res);
	if (err) {
		/*
		 * Unauthenticated callers must not learn that the upsert
		 * failed (a bad ip_address, say): ask about the key alone,
		 * which answers 401/403 or, with the database down, 503.
		 */
		if (key && (err = auth_agent(r, app, svc)))
			goto out;
		log_warn("heartbeat from '%s': %s", host,
			db ? db_errmsg(db) : "no database");
		err = heartbeat_empty(r, true);
		goto out;
	}
	if (dropped)
		log_warn("heartbeat from '%s': invalid command ids dropped", host);
	if (PQntuples(res) == 0) {
		/* refused: ask about the key alone for 401 or 403 */
		if (!key || !(err = auth_agent(r, app, svc)))
			err = heartbeat_empty(r, true);
		goto out;
	}
	if (PQgetisnull(res, 0, 0)) {
		err = heartbeat_empty(r, false);
		goto out;
	}
	if (jsonx_parse(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0),
		&cmd, NULL, 0) == E_OK && json_array_size(cmd) == 4) {
		cid = json_string_value(json_array_get(cmd, 0));
		ctype = json_string_value(json_array_get(cmd, 2));
	} else {
		cid = ctype = NULL;
	}
	if (!cid || !ctype) {
		log_error("heartbeat from '%s': bad command row", host);
		err = heartbeat_empty(r, true);
		goto out;
	}
	if (json_is_true(json_array_get(cmd, 1))) {
		sent[0] = cid;
		sent[1] = host;
		err = db_exec(db, &st_heartbeat_sent, sent, NULL);
		if (err) {
			log_warn("heartbeat from '%s': %s", host, db_errmsg(db));
			err = heartbeat_empty(r, true);
			goto out;
		}
	}
	if (buf_addstr(&b, "{\"success\":true,\"message\":\"Heartbeat received."
		" New profiling command available.\",\"profiling_command\":"
		"{\"command_type\":") ||
	    req_json_str(&b, ctype) ||
	    buf_addstr(&b, ",\"combined_config\":") ||
	    jsonx_dump(json_array_get(cmd, 3), &b) ||
	    buf_addstr(&b, "},\"command_id\":") ||
	    req_json_str(&b, cid) || buf_addch(&b, '}'))
		abort();
	err = req_send_json(r, 200, &b);
out:
	PQclear(res);
	json_decref(cmd);
	json_decref(body);
	buf_release(&b);
	return err;
}

/* Answer a completion with {"success": ok, "message": msg}. */
static int
completion_reply(struct req *r, bool ok, const char *msg)
{
	struct buf b = BUF_INIT(0);
	int err;

	if (buf_addf(&b, "{\"success\":%s,\"message\":", ok ? "true" : "false") ||
	    req_json_str(&b, msg) || buf_addch(&b, '}'))
		abort();
	err = req_send_json(r, 200, &b);
	buf_release(&b);
	return err;
}

/* Run the three completion updates in one transaction. */
static int
completion_apply(struct db *db, const char *const *params)
{
	int err = api_begin(db);

	if (err)
		return err;
	err = db_exec(db, &st_completion_cmd, params, NULL);
	if (!err)
		err = db_exec(db, &st_completion_exec, params, NULL);
	if (!err)
		err = db_exec(db, &st_completion_requests, params, NULL);
	if (err)
		log_error("command completion: %s", db_errmsg(db));
	return api_end(db, err);
}

/* POST /api/metrics/command_completion. */
int
h_command_completion(struct req *r, struct app *app)
{
	const char *cid, *host, *status, *emsg, *rpath, *svc = NULL;
	const char *params[6];
	char norm[37];
	json_t *body = NULL;
	PGresult *res = NULL;
	struct db *db;
	int64_t etime;
	bool have_etime;
	int err;

	err = api_read_json(r, app->cfg->fcgi.max_json, &body);
	if (err)
		goto out;
	if ((err = api_str(r, body, "command_id", true, &cid)) ||
	    (err = api_str(r, body, "hostname", true, &host)) ||
	    (err = api_str(r, body, "status", true, &status)))
		goto out;
	if (strcmp(status, "completed") != 0 && strcmp(status, "failed") != 0) {
		err = req_send_422(r, "body", "status", arena_printf(r->arena,
			"invalid status: %s. Must be 'completed' or 'failed'.",
			status), "value_error");
		err = err ? err : E_INVAL;
		goto out;
	}
	if ((err = api_int(r, body, "execution_time", 0, false, &etime)) ||
	    (err = api_str(r, body, "error_message", false, &emsg)) ||
	    (err = api_str(r, body, "results_path", false, &rpath)))
		goto out;
	have_etime = json_object_get(body, "execution_time") &&
		!json_is_null(json_object_get(body, "execution_time"));
	err = app_db(app, &db);
	if (err)
		goto out;
	if (uuidx_normalize(cid, norm) == E_OK) {
		params[0] = norm;
		params[1] = host;
		err = db_exec(db, &st_completion_check, params, &res);
		if (err) {
			log_error("command completion: %s", db_errmsg(db));
			goto out;
		}
		if (PQntuples(res) && !PQgetisnull(res, 0, 2))
			svc = arena_strdup(r->arena, PQgetvalue(res, 0, 2));
	}
	err = auth_agent(r, app, svc);
	if (err)
		goto out;
	if (!res || PQntuples(res) == 0) {
		err = completion_reply(r, false, arena_printf(r->arena,
			"Command %s not found for host %s", cid, host));
		goto out;
	}
	if (PQgetisnull(res, 0, 1)) {
		err = completion_reply(r, false, arena_printf(r->arena,
			"No execution record found for command %s on host %s",
			cid, host));
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "assigned") != 0) {
		err = completion_reply(r, false, arena_printf(r->arena,
			"Command %s for host %s is in status '%s', expected "
			"'assigned'", cid, host, PQgetvalue(res, 0, 1)));
		goto out;
	}
	params[2] = status;
	params[3] = have_etime ? arena_printf(r->arena, "%lld",
		(long long)etime) : NULL;
	params[4] = emsg;
	params[5] = rpath;
	err = completion_apply(db, params);
	if (err)
		goto out;
	err = completion_reply(r, true, arena_printf(r->arena,
		"Command completion recorded for %s", cid));
out:
	PQclear(res);
	json_decref(body);
	return err;
}

/* A validated profile request. */
struct preq {
	const char *service;
	const char *type;		/* "start" | "stop" */
	const char *stop_level;		/* as sent, or NULL */
	struct cmdcfg_start start;
	json_t *targets;		/* object host -> pids|null, or NULL */
	const char **hosts;		/* the hosts to command */
	size_t nhosts;
	char request_id[37];
};

/* Answer a 422 on the whole body (pydantic's __root__). */
static int
root_422(struct req *r, const char *msg)
{
	int err = req_send_422(r, "body", "__root__", msg, "value_error");

	return err ? err : E_INVAL;
}

/* Validate the request body into q (answering 422/400 on failure). */
static int
preq_parse(struct req *r, json_t *body, struct preq *q)
{
	const char *mode, *key;
	json_t *v, *args;
	size_t npids, i = 0;
	bool any_pids = false, any_list = false;
	int err;

	memset(q, 0, sizeof(*q));
	if ((err = api_str(r, body, "service_name", true, &q->service)) ||
	    (err = api_str(r, body, "request_type", true, &q->type)))
		return err;
	if (strcmp(q->type, "start") != 0 && strcmp(q->type, "stop") != 0) {
		err = req_send_422(r, "body", "request_type",
			"request_type must be 'start' or 'stop'", "value_error");
		return err ? err : E_INVAL;
	}
	if ((err = api_bool(r, body, "continuous", false, &q->start.continuous)) ||
	    (err = api_int(r, body, "duration", 60, true, &q->start.duration)) ||
	    (err = api_int(r, body, "frequency", 11, true, &q->start.frequency)) ||
	    (err = api_str(r, body, "profiling_mode", false, &mode)) ||
	    (err = api_str(r, body, "stop_level", false, &q->stop_level)))
		return err;
	q->start.profiling_mode = mode ? mode : "cpu";
	if (strcmp(q->start.profiling_mode, "cpu") != 0 &&
	    strcmp(q->start.profiling_mode, "allocation") != 0 &&
	    strcmp(q->start.profiling_mode, "none") != 0) {
		err = req_send_422(r, "body", "profiling_mode",
			"profiling_mode must be 'cpu', 'allocation' or 'none'",
			"value_error");
		return err ? err : E_INVAL;
	}
	if (q->stop_level && strcmp(q->stop_level, "process") != 0 &&
	    strcmp(q->stop_level, "host") != 0) {
		err = req_send_422(r, "body", "stop_level",
			"stop_level must be 'process' or 'host'", "value_error");
		return err ? err : E_INVAL;
	}
	q->start.stop_level = q->stop_level;
	args = json_object_get(body, "additional_args");
	if (args && !json_is_null(args) && !json_is_object(args)) {
		err = req_send_422(r, "body", "additional_args",
			"value is not a valid dict", "type_error.dict");
		return err ? err : E_INVAL;
	}
	q->start.additional_args = json_is_object(args) ? args : NULL;
	v = json_object_get(body, "target_hosts");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v) ||
		    json_object_size(v) > METRICS_MAX_HOSTS) {
			err = req_send_422(r, "body", "target_hosts",
				"value is not a valid dict", "type_error.dict");
			return err ? err : E_INVAL;
		}
		q->hosts = arena_alloc(r->arena,
			(json_object_size(v) + 1) * sizeof(*q->hosts));
		json_object_foreach(v, key, args) {
			if (!cmdcfg_pids_valid(args, &npids) || !*key ||
			    strlen(key) > 255) {
				err = req_send_422(r, "body", "target_hosts",
					"target_hosts must map host names to a "
					"list of PIDs or null", "value_error");
				return err ? err : E_INVAL;
			}
			any_list |= !json_is_null(args);
			any_pids |= npids > 0;
			q->hosts[i++] = key;
		}
		q->nhosts = i;
		if (i)
			q->targets = v;
	}
	if (strcmp(q->type, "stop") == 0) {
		if ((!q->stop_level || strcmp(q->stop_level, "process") == 0) &&
		    !any_pids)
			return root_422(r, "At least one PID must be provided "
				"when request_type is \"stop\" and stop_level is "
				"\"process\"");
		if (q->stop_level && strcmp(q->stop_level, "host") == 0 &&
		    any_list)
			return root_422(r, "PIDs must not be provided when "
				"stop_level is \"host\"");
	}
	return E_OK;
}

/* The ProfilingRequests row. */
static int
preq_insert(struct req *r, struct db *db, const struct preq *q,
	int64_t eta)
{
	const char *params[12];
	char when[40];
	struct buf args = BUF_INIT(0);
	int err;

	params[0] = q->request_id;
	params[1] = q->type;
	params[2] = q->service;
	params[3] = q->start.continuous ? "true" : "false";
	params[4] = arena_printf(r->arena, "%lld", (long long)q->start.duration);
	params[5] = arena_printf(r->arena, "%lld", (long long)q->start.frequency);
	params[6] = q->start.profiling_mode;
	params[7] = api_pg_array(r->arena, q->hosts, q->nhosts);
	params[8] = NULL;
	params[9] = q->stop_level ? q->stop_level : "process";
	params[10] = NULL;
	params[11] = NULL;
	if (q->start.additional_args) {
		if (jsonx_dump(q->start.additional_args, &args))
			abort();
		params[10] = args.data;
	}
	if (eta && utc_format(eta, UTC_FMT_SQL, when, sizeof(when)) == E_OK)
		params[11] = when;
	err = db_exec(db, &st_request_insert, params, NULL);
	if (err)
		log_error("profile request: %s", db_errmsg(db));
	buf_release(&args);
	return err;
}

/* Fill q->hosts with the service's active hosts. */
static int
preq_active_hosts(struct req *r, struct app *app, struct db *db,
	struct preq *q)
{
	const char *params[2];
	PGresult *res = NULL;
	int i, n, err;

	params[0] = q->service;
	params[1] = arena_printf(r->arena, "%u", app->cfg->fcgi.active_window);
	err = db_exec(db, &st_active_hosts, params, &res);
	if (err) {
		log_error("active hosts: %s", db_errmsg(db));
		return err;
	}
	n = PQntuples(res);
	q->hosts = arena_alloc(r->arena, ((size_t)n + 1) * sizeof(*q->hosts));
	for (i = 0; i < n; i++)
		q->hosts[i] = arena_strdup(r->arena, PQgetvalue(res, i, 0));
	q->nhosts = (size_t)n;
	PQclear(res);
	return E_OK;
}

/* Upsert the command of one host. */
static int
command_put(struct req *r, struct db *db, const struct preq *q,
	const char *host, const char *cid, const char *type, json_t *cfg,
	bool append)
{
	const char *params[7];
	struct buf js = BUF_INIT(0);
	int err;

	if (jsonx_dump(cfg, &js))
		abort();
	params[0] = cid;
	params[1] = host;
	params[2] = q->service;
	params[3] = type;
	params[4] = q->request_id;
	params[5] = js.data;
	params[6] = append ? "true" : "false";
	err = db_exec(db, &st_command_upsert, params, NULL);
	if (err)
		log_error("profile request for '%s': %s", host, db_errmsg(db));
	buf_release(&js);
	(void)r;
	return err;
}

/* Decide and write the command of one host for request q. */
static int
command_for_host(struct req *r, struct db *db, const struct preq *q,
	const char *host, const char *cid)
{
	const char *params[2];
	PGresult *res = NULL;
	json_t *pids = q->targets ? json_object_get(q->targets, host) : NULL;
	json_t *old = NULL, *cfg = NULL, *left;
	const char *old_type = NULL, *old_status = NULL;
	bool append = false;
	const char *type = q->type;
	int err;

	params[0] = host;
	params[1] = q->service;
	err = db_exec(db, &st_command_get, params, &res);
	if (err) {
		log_error("profile request for '%s': %s", host, db_errmsg(db));
		return err;
	}
	if (PQntuples(res)) {
		old_type = PQgetvalue(res, 0, 0);
		old_status = PQgetvalue(res, 0, 2);
		if (!PQgetisnull(res, 0, 1) &&
		    jsonx_parse(PQgetvalue(res, 0, 1),
			(size_t)PQgetlength(res, 0, 1), &old, NULL, 0))
			old = NULL;
	}
	if (strcmp(q->type, "start") == 0) {
		cfg = cmdcfg_new_start(&q->start, pids);
		if (old && old_type && strcmp(old_type, "start") == 0 &&
		    strcmp(old_status, "pending") == 0) {
			json_t *m = cmdcfg_merge(old, cfg);

			json_decref(cfg);
			cfg = m;
			append = true;
		}
	} else if (q->stop_level && strcmp(q->stop_level, "host") == 0) {
		cfg = json_pack("{s:s}", "stop_level", "host");
		append = true;
	} else if (old && old_type && strcmp(old_type, "start") == 0 &&
		   json_is_array(json_object_get(old, "pids")) &&
		   json_array_size(json_object_get(old, "pids"))) {
		left = cmdcfg_pids_minus(json_object_get(old, "pids"),
			json_is_array(pids) ? pids : NULL);
		append = true;
		if (json_array_size(left) == 0) {
			cfg = json_pack("{s:s}", "stop_level", "host");
			json_decref(left);
		} else {
			cfg = json_deep_copy(old);
			json_object_set_new(cfg, "pids", left);
			type = "start";
		}
	} else if (!json_is_array(pids) || json_array_size(pids) == 0) {
		/* A process stop naming no PIDs for this host: nothing to do. */
		err = E_NOTFOUND;
		goto out;
	} else {
		cfg = json_pack("{s:s,s:O}", "stop_level", "process",
			"pids", pids);
	}
	err = command_put(r, db, q, host, cid, type, cfg, append);
out:
	PQclear(res);
	json_decref(old);
	json_decref(cfg);
	return err;
}

/* POST /api/metrics/profile_request. */
int
h_profile_request(struct req *r, struct app *app)
{
	struct preq q;
	json_t *body = NULL;
	struct buf b = BUF_INIT(0);
	struct db *db = NULL;
	const char **cids = NULL;
	size_t i, ncmd = 0;
	bool start;
	int64_t eta = 0;
	int err;

	err = api_read_json(r, app->cfg->fcgi.max_json, &body);
	if (err)
		goto out;
	err = preq_parse(r, body, &q);
	if (err)
		goto out;
	start = strcmp(q.type, "start") == 0;
	if (!start && q.nhosts == 0) {
		err = req_send_message(r, 400,
			"Stop commands require specific target hosts");
		goto out;
	}
	err = app_db(app, &db);
	if (err)
		goto out;
	if (start && q.nhosts == 0) {
		err = preq_active_hosts(r, app, db, &q);
		if (err)
			goto out;
		if (q.nhosts == 0) {
			err = req_send_message(r, 400, arena_printf(r->arena,
				"No active hosts for service '%s'; name "
				"target_hosts", q.service));
			goto out;
		}
	}
	uuidx_new(q.request_id);
	if (start)
		eta = utc_now_usec() + q.start.duration * 1000000;
	cids = arena_alloc(r->arena, (q.nhosts + 1) * sizeof(*cids));
	err = api_begin(db);
	if (err)
		goto out;
	err = preq_insert(r, db, &q, eta);
	for (i = 0; !err && i < q.nhosts; i++) {
		char cid[37];

		uuidx_new(cid);
		err = command_for_host(r, db, &q, q.hosts[i], cid);
		if (err == E_NOTFOUND)
			err = E_OK;
		else if (!err)
			cids[ncmd++] = arena_strdup(r->arena, cid);
	}
	err = api_end(db, err);
	if (err) {
		err = req_send_string(r, 500,
			"Failed to save profiling request to database");
		goto out;
	}
	if (buf_addf(&b, "{\"success\":true,\"message\":") ||
	    req_json_str(&b, arena_printf(r->arena,
		"%s profiling request submitted successfully for service '%s'%s",
		start ? "Start" : "Stop", q.service, ncmd == 1 ? "" :
		arena_printf(r->arena, " across %zu hosts", ncmd))) ||
	    buf_addstr(&b, ",\"request_id\":") ||
	    req_json_str(&b, q.request_id) ||
	    buf_addstr(&b, ",\"command_ids\":["))
		abort();
	for (i = 0; i < ncmd; i++)
		if ((i && buf_addch(&b, ',')) || req_json_str(&b, cids[i]))
			abort();
	if (buf_addstr(&b, "],\"estimated_completion_time\":") ||
	    (eta ? api_time(&b, eta) : buf_addstr(&b, "null")) ||
	    buf_addch(&b, '}'))
		abort();
	err = req_send_json(r, 200, &b);
out:
	json_decref(body);
	buf_release(&b);
	return err;
}
