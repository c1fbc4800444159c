/*
 * route.h - the static table that maps (method, path) to a handler.
 *
 * Paths match exactly, after one trailing '/' is dropped.  Every
 * /api/metrics/... route also answers under the seed's /metrics/...
 * spelling.  A known path with another method gets 405; an unknown path
 * 404; a path with a bad escape or an encoded NUL 400.
 */
#ifndef EMBER_FCGI_ROUTE_H
#define EMBER_FCGI_ROUTE_H

#include "compat.h"

#include "app.h"
#include "req.h"

/*
 * A handler answers the request (req_send*) and returns E_OK, or returns
 * an error without answering and route_dispatch() answers for it from
 * err_http_status() with {"message": ...}.
 */
typedef int route_fn(struct req *r, struct app *app);

enum route_flags {
	ROUTE_OPERATOR = 1 << 0,	/* needs REMOTE_USER when configured */
	ROUTE_UPLOAD = 1 << 1,		/* an operator POST of a file: needs
					 * X-Ember-Request: import instead of
					 * a JSON Content-Type */
	ROUTE_PREFIX = 1 << 2,		/* path is a prefix ending in '/'; the
					 * handler reads the rest */
};

struct route {
	const char *method;
	const char *path;
	route_fn *fn;
	unsigned flags;
};

/* The handlers (one h_*.c per resource). */
route_fn h_health;
route_fn h_health_check;
route_fn h_heartbeat;
route_fn h_command_completion;
route_fn h_profile_request;
route_fn h_host_status;
route_fn h_services;
route_fn h_tags_hostname;
route_fn h_profiles_v2;
route_fn h_logs;
route_fn h_adhoc_list;
route_fn h_adhoc_content;
route_fn h_flamegraph;
route_fn h_flamegraph_svg;
route_fn h_flamegraph_datetime;
route_fn h_flamegraph_functions;
route_fn h_flamegraph_diff;
route_fn h_import;
route_fn h_adhoc_delete;
route_fn h_adhoc_pin;
route_fn h_adhoc_note;
route_fn h_audit;
route_fn h_request_flamegraphs;

/*
 * The route for method and path.  NULL when none; then *path_known says
 * whether the path exists with another method.
 */
const struct route *route_find(const char *method, const char *path,
	bool *path_known);
/* Find the route for r, check operator access, run it, answer errors. */
void route_dispatch(struct req *r, struct app *app);

#endif
