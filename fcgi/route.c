/*
 * route.c - the route table and the dispatcher.
 *
 * The table is small and static; a linear scan of a dozen entries costs
 * nothing next to one FastCGI round trip.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "route.h"

static const struct route routes[] = {
	{ "GET", "/api/health", h_health, 0 },
	{ "GET", "/api/v1/health_check", h_health_check, 0 },
	{ "GET", "/api/v2/health_check", h_health_check, 0 },
	{ "GET", "/api/v1/health_check/webapp", h_health, 0 },
	{ "POST", "/api/metrics/heartbeat", h_heartbeat, 0 },
	{ "POST", "/api/metrics/command_completion", h_command_completion, 0 },
	{ "POST", "/api/metrics/profile_request", h_profile_request,
	  ROUTE_OPERATOR },
	{ "GET", "/api/metrics/profiling/host_status", h_host_status,
	  ROUTE_OPERATOR },
	{ "GET", "/api/services", h_services, ROUTE_OPERATOR },
	{ "GET", "/api/v1/filters/tags/", h_filter_tags,
	  ROUTE_OPERATOR | ROUTE_PREFIX },
	{ "GET", "/api/v1/filters", h_filters_query, ROUTE_OPERATOR },
	{ "PUT", "/api/v1/filters", h_filters_update, ROUTE_OPERATOR },
	{ "DELETE", "/api/v1/filters/", h_filters_delete,
	  ROUTE_OPERATOR | ROUTE_PREFIX },
	{ "GET", "/api/v1/filters/service/", h_filters_list,
	  ROUTE_OPERATOR | ROUTE_PREFIX },
	{ "POST", "/api/v1/filters/service/", h_filters_add,
	  ROUTE_OPERATOR | ROUTE_PREFIX },
	{ "GET", "/api/overview", h_overview, ROUTE_OPERATOR },
	{ "GET", "/api/overview/services", h_overview_services, ROUTE_OPERATOR },
	{ "GET", "/api/metrics/summary", h_m_summary, ROUTE_OPERATOR },
	{ "GET", "/api/metrics/nodes_cores/summary", h_m_nodes_cores,
	  ROUTE_OPERATOR },
	{ "GET", "/api/metrics/instance_type_count", h_m_instance_types,
	  ROUTE_OPERATOR },
	{ "GET", "/api/metrics/cpu_trend", h_m_cpu_trend, ROUTE_OPERATOR },
	{ "GET", "/api/metrics/html_metadata", h_m_html_metadata,
	  ROUTE_OPERATOR },
	{ "GET", "/api/metrics/function_cpu", h_m_function_cpu, ROUTE_OPERATOR },
	{ "GET", "/api/metrics/samples", h_m_samples, ROUTE_OPERATOR },
	{ "GET", "/api/metrics/graph", h_m_graph, ROUTE_OPERATOR },
	{ "GET", "/api/metrics/graph/nodes_and_cores", h_m_graph_nodes,
	  ROUTE_OPERATOR },
	{ "POST", "/api/snapshots", h_snapshot_add, ROUTE_OPERATOR },
	{ "GET", "/api/snapshots/", h_snapshot_get,
	  ROUTE_OPERATOR | ROUTE_PREFIX },
	{ "POST", "/api/v2/profiles", h_profiles_v2, 0 },
	{ "POST", "/api/v1/logs", h_logs, 0 },
	{ "GET", "/api/metrics/adhoc_flamegraphs", h_adhoc_list,
	  ROUTE_OPERATOR },
	{ "GET", "/api/metrics/adhoc_flamegraph_content", h_adhoc_content,
	  ROUTE_OPERATOR },
	{ "GET", "/api/flamegraph", h_flamegraph, ROUTE_OPERATOR },
	{ "GET", "/api/flamegraph/download_svg", h_flamegraph_svg,
	  ROUTE_OPERATOR },
	{ "GET", "/api/flamegraph/datetime_with_data", h_flamegraph_datetime,
	  ROUTE_OPERATOR },
	{ "GET", "/api/flamegraph/functions", h_flamegraph_functions,
	  ROUTE_OPERATOR },
	{ "GET", "/api/flamegraph/diff", h_flamegraph_diff, ROUTE_OPERATOR },
	{ "POST", "/api/profiles/import", h_import,
	  ROUTE_OPERATOR | ROUTE_UPLOAD },
	{ "POST", "/api/metrics/adhoc_flamegraph/delete", h_adhoc_delete,
	  ROUTE_OPERATOR },
	{ "POST", "/api/metrics/adhoc_flamegraph/pin", h_adhoc_pin,
	  ROUTE_OPERATOR },
	{ "POST", "/api/metrics/adhoc_flamegraph/note", h_adhoc_note,
	  ROUTE_OPERATOR },
	{ "GET", "/api/audit", h_audit, ROUTE_OPERATOR },
	{ "GET", "/api/metrics/profile_request/", h_request_flamegraphs,
	  ROUTE_OPERATOR | ROUTE_SUBTREE },
};

/*
 * Compare a table path with a request path of length n: exactly, for a
 * prefix entry the prefix followed by one non-empty segment, for a
 * subtree entry the prefix followed by anything non-empty.
 */
static bool
path_eq(const char *tpath, unsigned flags, const char *path, size_t n)
{
	size_t tn = strlen(tpath);

	if (flags & ROUTE_SUBTREE)
		return n > tn && memcmp(tpath, path, tn) == 0;
	if (!(flags & ROUTE_PREFIX))
		return tn == n && memcmp(tpath, path, n) == 0;
	return n > tn && memcmp(tpath, path, tn) == 0 &&
		memchr(path + tn, '/', n - tn) == NULL;
}

/* The last segment of the path. */
const char *
route_tail(const struct req *r)
{
	size_t n = strlen(r->path);
	const char *p;

	if (n > 1 && r->path[n - 1] == '/')
		n--;
	for (p = r->path + n; p > r->path && p[-1] != '/'; p--)
		;
	return arena_memdupz(r->arena, p, (size_t)(r->path + n - p));
}

/* Look a (method, path) pair up in the table. */
const struct route *
route_find(const char *method, const char *path, bool *path_known)
{
	size_t i, n = strlen(path);
	bool seed = false;

	*path_known = false;
	if (n > 1 && path[n - 1] == '/')
		n--;
	if (strncmp(path, "/metrics/", 9) == 0)
		seed = true;
	for (i = 0; i < ARRAY_SIZE(routes); i++) {
		const char *tp = routes[i].path;

		if (seed) {
			if (strncmp(tp, "/api/metrics/", 13) != 0)
				continue;
			tp += 4;
		}
		if (!path_eq(tp, routes[i].flags, path, n))
			continue;
		if (strcmp(routes[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		     strcmp(routes[i].method, "GET") == 0))
			return &routes[i];
		*path_known = true;
	}
	return NULL;
}

/* The Allow header value for a known path, in the arena. */
static const char *
allowed(struct arena *a, const char *path)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE" };
	char out[64] = "";
	size_t i, o = 0;
	bool known;

	for (i = 0; i < ARRAY_SIZE(methods); i++) {
		if (!route_find(methods[i], path, &known))
			continue;
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s%s",
			o ? ", " : "", methods[i], i == 0 ? ", HEAD" : "");
	}
	return arena_strdup(a, out);
}

/* Answer an error code that a handler returned without answering. */
static void
answer_error(struct req *r, int err)
{
	int status = err_http_status(err);

	if (status < 400)
		status = 500;
	if (req_send_message(r, status, status >= 500 ?
		"Internal server error" : err_str(err)))
		log_debug("client went away");
}

/* Whether origin is listed in list (space/comma separated). */
bool
route_origin_listed(const char *list, const char *origin)
{
	size_t on, n, m;
	const char *p = list;

	if (!list || !origin)
		return false;
	on = strlen(origin);
	if (on && origin[on - 1] == '/')
		on--;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		n = strcspn(p, " ,\t");
		m = n && p[n - 1] == '/' ? n - 1 : n;
		if (m && m == on && strncasecmp(p, origin, on) == 0)
			return true;
		p += n;
	}
	return false;
}

/*
 * Whether a browser request that changes state comes from our own pages.
 * Note that agent HTML runs in a sandboxed (opaque-origin) frame and can
 * still send "simple" cross-origin POSTs (text/plain, no preflight) with
 * the viewer's basic-auth credentials attached.  We refuse: a body that is
 * not declared JSON (415; a DELETE has no body and is not checked), an
 * Origin other than our own Host, including "null" (403), and a
 * Sec-Fetch-Site that is neither same-origin nor none (403).  An Origin
 * listed in fcgi.allowed_origins passes both origin checks: that is a
 * front end the operator serves from another origin.  Agents and scripts
 * send JSON and no Origin, so they pass.
 *
 * A file upload (upload) cannot be declared JSON; it must carry
 * "X-Ember-Request: import" instead (403 without): a form cannot send a
 * custom header, and a script on another origin (or in the sandboxed
 * frame) that adds one triggers a CORS preflight, which is never
 * answered with permission.  The Origin and Sec-Fetch-Site checks stay.
 */
static int
same_origin_json(struct req *r, const char *allowed_origins, bool upload)
{
	const char *xreq = req_header(r, "X-Ember-Request");
	const char *ctype = req_header(r, "Content-Type");
	const char *origin = req_header(r, "Origin");
	const char *site = req_header(r, "Sec-Fetch-Site");
	const char *host = req_header(r, "Host");
	const char *p;

	if (upload) {
		if (!xreq || strcmp(xreq, "import") != 0)
			return 403;
	} else if (strcmp(r->method, "DELETE") != 0 &&
	    (!ctype || strncasecmp(ctype, "application/json", 16) != 0 ||
	     (ctype[16] && ctype[16] != ';' && ctype[16] != ' ')))
		return 415;
	if (origin && strcmp(origin, "null") != 0 &&
	    route_origin_listed(allowed_origins, origin))
		return 0;
	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return 403;
	if (!origin)
		return 0;
	p = strstr(origin, "://");
	if (!p || !host || strcasecmp(p + 3, host) != 0)
		return 403;
	return 0;
}

/* Route r, enforce operator access, run the handler and answer errors. */
void
route_dispatch(struct req *r, struct app *app)
{
	const struct route *rt;
	const char *user;
	bool known;
	int err;

	if (r->bad_path) {
		err = req_send_message(r, 400, "Bad request path");
		goto out;
	}
	rt = route_find(r->method, r->path, &known);
	if (!rt) {
		if (known)
			req_add_header(r, "Allow", allowed(r->arena, r->path));
		err = req_send_message(r, known ? 405 : 404,
			known ? "Method Not Allowed" : "Not Found");
		goto out;
	}
	if ((rt->flags & ROUTE_OPERATOR) && app->cfg->fcgi.require_remote_user) {
		user = req_env(r, "REMOTE_USER");
		if (!user || !*user) {
			req_add_header(r, "WWW-Authenticate",
				"Basic realm=\"ember\"");
			err = req_send_message(r, 401, "Not authenticated");
			goto out;
		}
	}
	if ((rt->flags & ROUTE_OPERATOR) && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0) {
		int refuse = same_origin_json(r, app->cfg->fcgi.allowed_origins,
			rt->flags & ROUTE_UPLOAD);

		if (refuse) {
			err = req_send_message(r, refuse, refuse == 415 ?
				"Content-Type must be application/json" :
				"Cross-origin request refused");
			goto out;
		}
	}
	err = rt->fn(r, app);
	if (err && !r->status) {
		log_warn("%s %s: %s", r->method, r->path, err_str(err));
		answer_error(r, err);
		err = E_OK;
	}
	if (!r->status)
		err = req_send_message(r, 500, "Internal server error");
out:
	if (err)
		log_debug("%s %s: response not sent: %s", r->method, r->path,
			err_str(err));
	log_debug("%s %s -> %d", r->method, r->path, r->status);
}
