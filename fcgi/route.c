/*
 * route.c - the route table and the dispatcher.
 *
 * The table is small and static; a linear scan of a dozen entries costs
 * nothing next to one FastCGI round trip.
 */
#include "compat.h"

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
	{ "GET", "/api/v1/filters/tags/HostName", h_tags_hostname,
	  ROUTE_OPERATOR },
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
	  ROUTE_OPERATOR | ROUTE_PREFIX },
};

/* Compare a table path with a request path of length n. */
static bool
path_eq(const char *tpath, const char *path, size_t n)
{
	return strlen(tpath) == n && memcmp(tpath, path, n) == 0;
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
		if ((routes[i].flags & ROUTE_PREFIX) ?
		    !(n > strlen(tp) && strncmp(tp, path, strlen(tp)) == 0) :
		    !path_eq(tp, path, n))
			continue;
		if (strcmp(routes[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		     strcmp(routes[i].method, "GET") == 0))
			return &routes[i];
		*path_known = true;
	}
	return NULL;
}

/* The Allow header value for a known path. */
static const char *
allowed(const char *path)
{
	bool known, get, post;

	get = route_find("GET", path, &known) != NULL;
	post = route_find("POST", path, &known) != NULL;
	if (get && post)
		return "GET, HEAD, POST";
	return get ? "GET, HEAD" : "POST";
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

/*
 * Whether a browser request that changes state comes from our own pages.
 * Note that agent HTML runs in a sandboxed (opaque-origin) frame and can
 * still send "simple" cross-origin POSTs (text/plain, no preflight) with
 * the viewer's basic-auth credentials attached.  We refuse: a body that is
 * not declared JSON (415), an Origin other than our own Host, including
 * "null" (403), and a Sec-Fetch-Site that is neither same-origin nor none
 * (403).  Agents and scripts send JSON and no Origin, so they pass.
 *
 * A file upload (ROUTE_UPLOAD) cannot be declared JSON; it must carry
 * "X-Ember-Request: import" instead (403 without): a form cannot send a
 * custom header, and a script on another origin (or in the sandboxed
 * frame) that adds one triggers a CORS preflight, which is never
 * answered with permission.  The Origin and Sec-Fetch-Site checks stay.
 */
static int
same_origin(struct req *r, bool upload)
{
	const char *ctype = req_header(r, "Content-Type");
	const char *origin = req_header(r, "Origin");
	const char *site = req_header(r, "Sec-Fetch-Site");
	const char *host = req_header(r, "Host");
	const char *xreq = req_header(r, "X-Ember-Request");
	const char *p;

	if (upload) {
		if (!xreq || strcmp(xreq, "import") != 0)
			return 403;
	} else if (!ctype || strncasecmp(ctype, "application/json", 16) != 0 ||
	    (ctype[16] && ctype[16] != ';' && ctype[16] != ' ')) {
		return 415;
	}
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
			req_add_header(r, "Allow", allowed(r->path));
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
	if ((rt->flags & ROUTE_OPERATOR) && strcmp(r->method, "POST") == 0) {
		int refuse = same_origin(r, rt->flags & ROUTE_UPLOAD);

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
