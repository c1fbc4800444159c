/*
 * h_services.c - the lookup the UI's service picker uses.
 *
 *   GET /api/services
 *       [{"createDate","hasData","name","envType","serviceId"}], or 204
 *       when there is no service (upstream).  hasData is true when the
 *       service has an ad hoc flamegraph or a host sending heartbeats
 *       (upstream asked ClickHouse, which this stack does not have).
 *
 * The filter options (/api/v1/filters/tags/...) are in h_filters.c.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "route.h"
#include "utc.h"

static const struct db_stmt st_services = {
	"fcgi_services",
	"SELECT s.id, s.name,"
	"       (extract(epoch FROM s.ts) * 1000000)::bigint,"
	"       COALESCE(s.env_type::text, s.service_type::text),"
	"       EXISTS (SELECT 1 FROM AdhocFlamegraphMetadata a"
	"                WHERE a.service_id = s.id)"
	"       OR EXISTS (SELECT 1 FROM HostHeartbeats h"
	"                   WHERE h.service_name = s.name)"
	"  FROM Services s"
	" WHERE NOT s.hidden AND s.cluster_id IS NULL"
	" ORDER BY s.name LIMIT $1::integer",
	1,
};

/* GET /api/services. */
int
h_services(struct req *r, struct app *app)
{
	const char *params[1];
	struct buf b = BUF_INIT(0);
	PGresult *res = NULL;
	struct db *db;
	int i, n, err;

	err = app_db(app, &db);
	if (err)
		return err;
	params[0] = arena_printf(r->arena, "%u",
		app->cfg->fcgi.list_max ? app->cfg->fcgi.list_max : 5000);
	err = db_exec(db, &st_services, params, &res);
	if (err) {
		log_error("services: %s", db_errmsg(db));
		return err;
	}
	n = PQntuples(res);
	if (n == 0) {
		PQclear(res);
		return req_send(r, 204, NULL, "", 0);
	}
	err = buf_addch(&b, '[');
	for (i = 0; !err && i < n; i++) {
		err = buf_addstr(&b, i ? ",{" : "{");
		if (!err)
			err = api_key(&b, "createDate", true);
		if (!err)
			err = PQgetisnull(res, i, 2) ? buf_addstr(&b, "null") :
				api_time(&b, strtoll(PQgetvalue(res, i, 2),
					NULL, 10));
		if (!err)
			err = buf_addf(&b, ",\"hasData\":%s",
				PQgetvalue(res, i, 4)[0] == 't' ?
				"true" : "false");
		if (!err)
			err = api_key(&b, "name", false);
		if (!err)
			err = req_json_str(&b, PQgetvalue(res, i, 1));
		if (!err)
			err = api_key(&b, "envType", false);
		if (!err)
			err = req_json_str(&b, PQgetvalue(res, i, 3));
		if (!err)
			err = buf_addf(&b, ",\"serviceId\":%s}",
				PQgetvalue(res, i, 0));
	}
	if (!err)
		err = buf_addch(&b, ']');
	if (!err)
		err = req_send_json(r, 200, &b);
	PQclear(res);
	buf_release(&b);
	return err;
}
