/*
 * h_hosts.c - GET /api/metrics/profiling/host_status, the data of the
 * "Dynamic Profiling" page.
 *
 * Query parameters (all optional, each repeatable): service_name,
 * exact_match (true|false, default false: substring match), hostname,
 * ip_address, profiling_status (pending|sent|completed|failed, "stopped" =
 * no command), command_type (start|stop, "N/A" = no command), pids.
 * Substring matches treat the value literally (% and _ are escaped).
 *
 * The answer is upstream's JSON array by default.  With ?format=object it
 * is pinterest's later shape {"hosts":[...],"active_count":N,
 * "total_count":M}, where "active" means a heartbeat received within
 * fcgi.active_window seconds.  At most fcgi.list_max hosts are returned.
 * heartbeat_timestamp goes out as UTC with a Z.  Beyond upstream's fields,
 * each host carries its current command's run for the page's "running
 * until ...": continuous (bool), duration (seconds, null without a
 * command) and command_started_at (when the agent took the command, UTC
 * with a Z; null until then).
 *
 * The query is the data layer's (hosts.h); this file reads the query
 * parameters and writes the JSON.
 */
#include "compat.h"

#include <string.h>
#include <strings.h>

#include "hosts.h"
#include "jsonx.h"
#include "log.h"
#include "num.h"
#include "qarg.h"
#include "route.h"

/* Every value of query parameter name as a filter list. */
static struct hosts_list
list_arg(struct req *r, const char *name)
{
	struct hosts_list l;

	l.v = req_args(r, name, &l.n);
	return l;
}

/* One host as upstream's JSON object. */
static json_t *
host_json(const struct hosts_row *h)
{
	json_t *pids = json_array();
	size_t i;

	for (i = 0; i < h->npids; i++)
		json_array_append_new(pids, json_integer(h->pids[i]));
	return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o}",
		"id", (json_int_t)h->id,
		"service_name", jsonx_cstr(h->service),
		"hostname", jsonx_cstr(h->hostname),
		"ip_address", jsonx_cstr(h->ip),
		"pids", pids,
		"command_type", jsonx_cstr(h->command_type ?
			h->command_type : "N/A"),
		"profiling_status", jsonx_cstr(h->status ?
			h->status : "stopped"),
		"heartbeat_timestamp", jsonx_utc(h->heartbeat_usec),
		"continuous", h->continuous,
		"duration", h->duration >= 0 ? json_integer(h->duration) :
			json_null(),
		"command_started_at", h->started_usec >= 0 ?
			jsonx_utc(h->started_usec) : json_null());
}

/* GET /api/metrics/profiling/host_status. */
int
h_host_status(struct req *r, struct app *app)
{
	struct hosts_filter f;
	struct hosts_row *rows;
	const char *fmt;
	json_t *list;
	struct db *db;
	int64_t pid;
	size_t n, i, active = 0;
	int err;

	memset(&f, 0, sizeof(f));
	if ((err = qarg_bool(r, "exact_match", false, &f.exact_service)))
		return err;
	f.pids = list_arg(r, "pids");
	for (i = 0; i < f.pids.n; i++)
		if (*f.pids.v[i] &&
		    num_i64(f.pids.v[i], 0, INT32_MAX, &pid) != E_OK)
			return qarg_422(r, "pids", "value is not a valid integer",
				"type_error.integer");
	fmt = req_arg(r, "format");
	f.services = list_arg(r, "service_name");
	f.hostnames = list_arg(r, "hostname");
	f.ips = list_arg(r, "ip_address");
	f.statuses = list_arg(r, "profiling_status");
	f.types = list_arg(r, "command_type");
	f.active_window = app->cfg->fcgi.active_window;
	f.limit = app->cfg->fcgi.list_max ? app->cfg->fcgi.list_max : 5000;
	err = app_db(app, &db);
	if (err)
		return err;
	err = hosts_status(db, r->arena, &f, &rows, &n);
	if (err) {
		log_error("host status: %s", db_errmsg(db));
		return err;
	}
	list = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(list, host_json(&rows[i]));
		active += rows[i].active;
	}
	if (!fmt || strcmp(fmt, "object") != 0)
		return req_send_take(r, 200, list);
	return req_send_take(r, 200, json_pack("{s:o,s:I,s:I}",
		"hosts", list,
		"active_count", (json_int_t)active,
		"total_count", (json_int_t)n));
}
