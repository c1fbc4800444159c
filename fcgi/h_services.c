/*
 * h_services.c - the lookups the UI's service picker and host filter use.
 *
 *   GET /api/services
 *       [{"createDate","hasData","name","envType","serviceId"}], or 204
 *       when there is no service (upstream).  hasData is true when the
 *       service has an ad hoc flamegraph or a host sending heartbeats
 *       (upstream asked ClickHouse, which this stack does not have).
 *   GET /api/v1/filters/tags/HostName?serviceName=S[&startTime&endTime]
 *       ["host", ...]: the distinct host names of the service's ad hoc
 *       flamegraphs in the time range (upstream read ClickHouse; the spec's
 *       recommendation 7.4), sorted, at most fcgi.list_max.
 *
 * The SQL lives in shared/db/services.c and shared/db/adhoc.c.
 */
#include "compat.h"

#include <string.h>

#include "adhoc.h"
#include "jsonx.h"
#include "log.h"
#include "route.h"
#include "services.h"
#include "utc.h"

/* The most rows a lookup returns (fcgi.list_max, 5000 when unset). */
static uint64_t
list_cap(const struct app *app)
{
	return app->cfg->fcgi.list_max ? app->cfg->fcgi.list_max : 5000;
}

/* GET /api/services. */
int
h_services(struct req *r, struct app *app)
{
	struct service_row *rows = NULL;
	struct db *db;
	json_t *list;
	size_t i, n;
	int err;

	err = app_db(app, &db);
	if (err)
		return err;
	err = services_list(db, r->arena, list_cap(app), &rows, &n);
	if (err) {
		log_error("services: %s", db_errmsg(db));
		return err;
	}
	if (n == 0)
		return req_send(r, 204, NULL, "", 0);
	list = json_array();
	for (i = 0; i < n; i++) {
		const struct service_row *s = &rows[i];

		json_array_append_new(list, json_pack("{s:o,s:b,s:o,s:o,s:I}",
			"createDate", s->created_usec == INT64_MIN ? json_null() :
			jsonx_utc(s->created_usec),
			"hasData", s->has_data,
			"name", jsonx_cstr(s->name),
			"envType", jsonx_cstr(s->env_type),
			"serviceId", (json_int_t)s->id));
	}
	return req_send_take(r, 200, list);
}

/* An optional time query parameter (422 if bad); ADHOC_OPEN if absent. */
static int
time_param(struct req *r, const char *name, int64_t *out)
{
	const char *v = req_arg(r, name);
	char sql[40];
	int err;

	*out = ADHOC_OPEN;
	if (!v || !*v)
		return E_OK;
	if (utc_parse(v, out) || utc_format(*out, UTC_FMT_SQL, sql,
		sizeof(sql))) {
		err = req_send_422(r, "query", name, "invalid datetime format",
			"value_error.datetime");
		return err ? err : E_INVAL;
	}
	return E_OK;
}

/* GET /api/v1/filters/tags/HostName. */
int
h_tags_hostname(struct req *r, struct app *app)
{
	const char *svc = req_arg(r, "serviceName"), **hosts = NULL;
	int64_t from, to;
	struct db *db;
	json_t *list;
	size_t i, n;
	int err;

	if (!svc || !*svc) {
		err = req_send_422(r, "query", "serviceName", "field required",
			"value_error.missing");
		return err ? err : E_INVAL;
	}
	if ((err = time_param(r, "startTime", &from)) ||
	    (err = time_param(r, "endTime", &to)))
		return err;
	err = app_db(app, &db);
	if (err)
		return err;
	err = adhoc_hosts(db, r->arena, svc, from, to, list_cap(app), &hosts, &n);
	if (err) {
		log_error("host tags: %s", db_errmsg(db));
		return err;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, jsonx_cstr(hosts[i]));
	return req_send_take(r, 200, list);
}
