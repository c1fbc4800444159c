/*
 * route.h - the static table that maps (method, path) to a handler.
 *
 * Paths match exactly, after one trailing '/' is dropped, except that a
 * ROUTE_PREFIX entry "/a/b/" matches "/a/b/X" for any one segment X (the
 * handler reads X with route_tail()).  Every
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
	ROUTE_OPERATOR = 1 << 0,	/* needs REMOTE_USER when configured;
					 * writes need our origin and JSON */
	ROUTE_PREFIX = 1 << 1,		/* path ends in '/', one segment follows */
	ROUTE_SUBTREE = 1 << 2,		/* path ends in '/', any path follows;
					 * the handler reads the rest */
	ROUTE_UPLOAD = 1 << 3,		/* an operator POST of a file: needs
					 * X-Ember-Request: import instead of
					 * a JSON Content-Type */
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
route_fn h_profiles_v2;
route_fn h_logs;
route_fn h_adhoc_list;
route_fn h_adhoc_content;
route_fn h_filter_tags;
route_fn h_filters_list;
route_fn h_filters_add;
route_fn h_filters_update;
route_fn h_filters_delete;
route_fn h_filters_query;
route_fn h_overview;
route_fn h_overview_services;
route_fn h_m_summary;
route_fn h_m_nodes_cores;
route_fn h_m_instance_types;
route_fn h_m_cpu_trend;
route_fn h_m_html_metadata;
route_fn h_m_function_cpu;
route_fn h_m_samples;
route_fn h_m_graph;
route_fn h_m_graph_nodes;
route_fn h_snapshot_add;
route_fn h_snapshot_get;
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
/*
 * The last path segment of r (what a ROUTE_PREFIX entry matched), without
 * a trailing '/', in r's arena.
 */
const char *route_tail(const struct req *r);
/*
 * Whether origin (an Origin header value) is one of the space- or
 * comma-separated origins in list (fcgi.allowed_origins), compared
 * case-insensitively and without a trailing '/'.
 */
bool route_origin_listed(const char *list, const char *origin);
/* Find the route for r, check operator access, run it, answer errors. */
void route_dispatch(struct req *r, struct app *app);

#endif
