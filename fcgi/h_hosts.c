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
 * heartbeat_timestamp goes out as UTC with a Z.
 *
 * All filters are parameters of one prepared statement (NULL = no filter),
 * so no SQL is ever built from the request.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "log.h"
#include "route.h"
#include "utc.h"

static const struct db_stmt st_host_status = {
	"fcgi_host_status",
	"WITH cur AS ("
	" SELECT DISTINCT ON (hostname, service_name) hostname, service_name,"
	"        command_type, status, combined_config"
	"   FROM ProfilingCommands"
	"  ORDER BY hostname, service_name, created_at DESC)"
	"SELECT h.id, h.hostname, host(h.ip_address), h.service_name,"
	"       (extract(epoch FROM h.heartbeat_timestamp) * 1000000)::bigint,"
	"       c.command_type, c.status,"
	"       CASE WHEN jsonb_typeof(c.combined_config -> 'pids') = 'array'"
	"            THEN (SELECT string_agg(p, ',') FROM"
	"                  jsonb_array_elements_text(c.combined_config -> 'pids') p"
	"                  WHERE p ~ '^[0-9]+$') END,"
	"       h.updated_at > CURRENT_TIMESTAMP"
	"                      - make_interval(secs => $8::integer)"
	"  FROM HostHeartbeats h LEFT JOIN cur c"
	"    ON h.hostname = c.hostname AND h.service_name = c.service_name"
	" WHERE ($1::text[] IS NULL"
	"        OR ($2::boolean AND h.service_name = ANY ($1::text[]))"
	"        OR (NOT $2::boolean AND EXISTS (SELECT 1 FROM unnest($1::text[]) s"
	"            WHERE h.service_name ILIKE '%' || s || '%')))"
	"   AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($3::text[]) s"
	"            WHERE h.hostname ILIKE '%' || s || '%'))"
	"   AND ($4::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($4::text[]) s"
	"            WHERE host(h.ip_address) LIKE '%' || s || '%'))"
	"   AND ($5::text[] IS NULL OR lower(c.status::text) = ANY ($5::text[])"
	"        OR ('stopped' = ANY ($5::text[]) AND c.status IS NULL))"
	"   AND ($6::text[] IS NULL OR lower(c.command_type) = ANY ($6::text[])"
	"        OR ('n/a' = ANY ($6::text[]) AND c.command_type IS NULL))"
	"   AND ($7::text[] IS NULL OR (jsonb_typeof(c.combined_config -> 'pids')"
	"        = 'array' AND EXISTS (SELECT 1 FROM"
	"        jsonb_array_elements_text(c.combined_config -> 'pids') p"
	"        WHERE p = ANY ($7::text[]))))"
	" ORDER BY h.heartbeat_timestamp DESC, h.id"
	" LIMIT $9::integer",
	9,
};

/* Escape LIKE wildcards so the value matches literally. */
static const char *
like_escape(struct arena *a, const char *s)
{
	char *out = arena_alloc(a, 2 * strlen(s) + 1);
	size_t o = 0;

	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
	return out;
}

/*
 * The array parameter for query parameter name: NULL when absent or
 * all-empty; values lower-cased when lower, LIKE-escaped when like.
 */
static const char *
list_param(struct req *r, const char *name, bool lower, bool like)
{
	const char **v, **keep;
	size_t i, n, k = 0;

	v = req_args(r, name, &n);
	keep = arena_alloc(r->arena, (n + 1) * sizeof(*keep));
	for (i = 0; i < n; i++) {
		char *s;
		size_t j;

		if (!*v[i])
			continue;
		s = arena_strdup(r->arena, v[i]);
		if (lower)
			for (j = 0; s[j]; j++)
				if (s[j] >= 'A' && s[j] <= 'Z')
					s[j] = (char)(s[j] - 'A' + 'a');
		keep[k++] = like ? like_escape(r->arena, s) : s;
	}
	return k ? api_pg_array(r->arena, keep, k) : NULL;
}

/* Parse a pydantic-style bool query value. */
static bool
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on", "t", "y" };
	static const char *const no[] = { "false", "0", "no", "off", "f", "n" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* Append one host object from row i. */
static int
host_json(struct buf *b, PGresult *res, int i)
{
	const char *pids = PQgetvalue(res, i, 7);
	int64_t usec = strtoll(PQgetvalue(res, i, 4), NULL, 10);
	int err;

	err = buf_addf(b, "{\"id\":%s", PQgetvalue(res, i, 0));
	if (!err)
		err = api_key(b, "service_name", false);
	if (!err)
		err = req_json_str(b, PQgetvalue(res, i, 3));
	if (!err)
		err = api_key(b, "hostname", false);
	if (!err)
		err = req_json_str(b, PQgetvalue(res, i, 1));
	if (!err)
		err = api_key(b, "ip_address", false);
	if (!err)
		err = req_json_str(b, PQgetvalue(res, i, 2));
	if (!err)
		err = buf_addf(b, ",\"pids\":[%s]", pids);
	if (!err)
		err = api_key(b, "command_type", false);
	if (!err)
		err = req_json_str(b, PQgetisnull(res, i, 5) ? "N/A" :
			PQgetvalue(res, i, 5));
	if (!err)
		err = api_key(b, "profiling_status", false);
	if (!err)
		err = req_json_str(b, PQgetisnull(res, i, 6) ? "stopped" :
			PQgetvalue(res, i, 6));
	if (!err)
		err = api_key(b, "heartbeat_timestamp", false);
	if (!err)
		err = api_time(b, usec);
	if (!err)
		err = buf_addch(b, '}');
	return err;
}

/* GET /api/metrics/profiling/host_status. */
int
h_host_status(struct req *r, struct app *app)
{
	const char *params[9], *em, *fmt, **pv;
	struct buf b = BUF_INIT(0);
	PGresult *res = NULL;
	struct db *db;
	bool exact = false, object;
	size_t npids, i;
	int n, k, active = 0, err;

	em = req_arg(r, "exact_match");
	if (em && *em && !parse_bool(em, &exact))
		return req_send_422(r, "query", "exact_match",
			"value could not be parsed to a boolean",
			"type_error.bool");
	pv = req_args(r, "pids", &npids);
	for (i = 0; i < npids; i++) {
		const char *p = pv[i];

		if (!*p)
			continue;
		for (; *p; p++)
			if (*p < '0' || *p > '9' || p - pv[i] > 9)
				return req_send_422(r, "query", "pids",
					"value is not a valid integer",
					"type_error.integer");
	}
	fmt = req_arg(r, "format");
	object = fmt && strcmp(fmt, "object") == 0;
	params[0] = list_param(r, "service_name", false, !exact);
	params[1] = exact ? "true" : "false";
	params[2] = list_param(r, "hostname", false, true);
	params[3] = list_param(r, "ip_address", false, true);
	params[4] = list_param(r, "profiling_status", true, false);
	params[5] = list_param(r, "command_type", true, false);
	params[6] = list_param(r, "pids", false, false);
	params[7] = arena_printf(r->arena, "%u", app->cfg->fcgi.active_window);
	params[8] = arena_printf(r->arena, "%u",
		app->cfg->fcgi.list_max ? app->cfg->fcgi.list_max : 5000);
	err = app_db(app, &db);
	if (err)
		return err;
	err = db_exec(db, &st_host_status, params, &res);
	if (err) {
		log_error("host status: %s", db_errmsg(db));
		return err;
	}
	n = PQntuples(res);
	err = buf_addstr(&b, object ? "{\"hosts\":[" : "[");
	for (k = 0; !err && k < n; k++) {
		if (k)
			err = buf_addch(&b, ',');
		if (!err)
			err = host_json(&b, res, k);
		if (PQgetvalue(res, k, 8)[0] == 't')
			active++;
	}
	if (!err)
		err = object ? buf_addf(&b, "],\"active_count\":%d,"
			"\"total_count\":%d}", active, n) : buf_addch(&b, ']');
	if (!err)
		err = req_send_json(r, 200, &b);
	PQclear(res);
	buf_release(&b);
	return err;
}
