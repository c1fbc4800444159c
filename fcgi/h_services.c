/*
 * h_services.c - the lookups the UI's service picker and host filter use.
 *
 *   GET /api/services
 *       [{"createDate","hasData","name","envType","serviceId"}], or 204
 *       when there is no service (upstream).  hasData is true when the
 *       service has an ad hoc flamegraph or a host sending heartbeats
 *       (upstream asked ClickHouse, which this stack does not have).
 *
 * The filter options (/api/v1/filters/tags/...) are in h_filters.c.
 * The SQL lives in shared/db/services.c.
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
