/*
 * h_health.c - liveness endpoints.
 *
 * /api/health is ours: it answers from the process alone (no database),
 * so a load balancer can tell "fcgi is up" from "PostgreSQL is up".
 * /api/v1|v2/health_check are upstream's agent start-up checks: {"message":
 * "ok"}, or 400 "Invalid API key" when both agent headers are present and
 * the key does not hold for the service (upstream healthcheck_routes.py).
 */
#include "compat.h"

#include <stdlib.h>

#include "auth.h"
#include "route.h"

/* GET /api/health: {"status":"ok","version":...}. */
int
h_health(struct req *r, struct app *app)
{
	(void)app;
	return req_send_take(r, 200,
			     json_pack("{s:s,s:s}", "status", "ok", "version",
				       PACKAGE_VERSION));
}

/* GET /api/v1/health_check and /api/v2/health_check. */
int
h_health_check(struct req *r, struct app *app)
{
	const char *key = req_header(r, "GPROFILER-API-KEY");
	const char *svc = req_header(r, "GPROFILER-SERVICE-NAME");
	enum auth_result res;
	int err;

	if (key && svc) {
		err = auth_check(app, key, svc, &res);
		if (err)
			return err;
		if (res != AUTH_OK)
			return req_send_message(r, 400, "Invalid API key");
	}
	return req_send_message(r, 200, "ok");
}
