/*
 * h_adhoc.c - the ad hoc flamegraph view.
 *
 *   GET /api/metrics/adhoc_flamegraphs?serviceName&startTime&endTime
 *       [&filter][&limit][&offset]
 *   GET /api/metrics/adhoc_flamegraph_content?serviceName&filename
 *       [&format=html]
 *
 * The list reads AdhocFlamegraphMetadata (newest first) for the service
 * (one leading '_' stripped, as upstream's ServiceName validator does) and
 * time range, filtered to the HostName $eq values of the RQL `filter`
 * (JSON or compact spelling; bad JSON 422, wrong shape 400 with an error
 * list, as upstream).  Unlike upstream it pages: `limit` defaults to
 * fcgi.list_limit and is capped at fcgi.list_max, `offset` defaults to 0.
 * Each item carries upstream's names (filename, timestamp, hostname, size,
 * s3_path, perf_events, removed) and the seed's (s3_key, start_time,
 * end_time, exists); times are UTC with Z.  Existence is one
 * store_exists_many() call for the page; if the store cannot answer, the
 * items say removed=true/exists=false, as upstream treats errors.
 *
 * The content endpoint never builds a storage path from the request: the
 * file must be the last segment of the s3_key of an AdhocFlamegraphMetadata
 * row of that service, and the object read is that row's s3_key.  Anything
 * else is 404 "Flamegraph file not found" without touching the store.  The
 * JSON answer is upstream's {content, filename}; ?format=html returns the
 * HTML itself as text/html with "Content-Security-Policy: sandbox
 * allow-scripts" (scripts run, but in an opaque origin that cannot reach
 * the UI's cookies or API), nosniff, and a Content-Disposition naming the
 * file.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "jsonx.h"
#include "log.h"
#include "route.h"
#include "rql.h"
#include "pct.h"
#include "store.h"
#include "utc.h"

/* Longest file name the content endpoint looks up. */
#define ADHOC_MAX_NAME 1024

static const struct db_stmt st_adhoc_list = {
	"fcgi_adhoc_list",
	"SELECT a.s3_key, a.hostname,"
	"       COALESCE(array_to_json(a.perf_events)::text, '[]'),"
	"       (extract(epoch FROM a.start_time) * 1000000)::bigint,"
	"       (extract(epoch FROM a.end_time) * 1000000)::bigint,"
	"       a.file_size"
	"  FROM AdhocFlamegraphMetadata a"
	/*
	 * A scalar subquery, not a join: the planner then knows one
	 * service_id and walks idx_adhoc_metadata_service_time in order,
	 * so a page costs its LIMIT, not every row of the range (bench/run).
	 */
	" WHERE a.service_id = (SELECT s.id FROM Services s"
	"                        WHERE s.name = $1 AND s.cluster_id IS NULL)"
	/*
	 * Both bounds on start_time: upstream stored end_time = start_time,
	 * so its "end_time <= endTime" was a start-time bound.  Our end_time
	 * is start + duration; bounding it would hide a run that is still
	 * "ending" (or whose agent clock runs ahead) from a "last hour" view.
	 */
	"   AND a.start_time >= $2::timestamp AND a.start_time <= $3::timestamp"
	"   AND ($4::text[] IS NULL OR a.hostname = ANY ($4::text[]))"
	" ORDER BY a.start_time DESC, a.id DESC"
	" LIMIT $5::integer OFFSET $6::bigint",
	6,
};

static const struct db_stmt st_adhoc_one = {
	"fcgi_adhoc_one",
	"SELECT a.s3_key FROM AdhocFlamegraphMetadata a"
	"  JOIN Services s ON s.id = a.service_id"
	" WHERE s.name = $1 AND s.cluster_id IS NULL"
	"   AND a.s3_key = 'products/' || s.name || '/stacks/flamegraph/' || $2"
	" LIMIT 1",
	2,
};

/* A required query parameter (422 "field required" when absent). */
static int
need_arg(struct req *r, const char *name, const char **out)
{
	int err;

	*out = req_arg(r, name);
	if (*out)
		return E_OK;
	err = req_send_422(r, "query", name, "field required",
		"value_error.missing");
	return err ? err : E_INVAL;
}

/* A required time parameter as SQL text (422 when absent or bad). */
static int
need_time(struct req *r, const char *name, const char **out)
{
	const char *v;
	char sql[40];
	int64_t usec;
	int err;

	err = need_arg(r, name, &v);
	if (err)
		return err;
	if (utc_parse(v, &usec) ||
	    utc_format(usec, UTC_FMT_SQL, sql, sizeof(sql))) {
		err = req_send_422(r, "query", name, "invalid datetime format",
			"value_error.datetime");
		return err ? err : E_INVAL;
	}
	*out = arena_strdup(r->arena, sql);
	return E_OK;
}

/* An optional non-negative integer parameter within [0, max]. */
static int
opt_uint(struct req *r, const char *name, unsigned long long def,
	unsigned long long max, unsigned long long *out)
{
	const char *v = req_arg(r, name);
	unsigned long long n = 0;
	const char *p;
	int err;

	*out = def;
	if (!v || !*v)
		return E_OK;
	for (p = v; *p; p++) {
		if (*p < '0' || *p > '9' || n > 100000000000ULL)
			goto bad;
		n = n * 10 + (unsigned)(*p - '0');
	}
	if (n > max)
		n = max;
	*out = n;
	return E_OK;
bad:
	err = req_send_422(r, "query", name, "value is not a valid integer",
		"type_error.integer");
	return err ? err : E_INVAL;
}

/* Answer a filter whose JSON is fine but whose shape is not (400). */
static int
bad_filter(struct req *r, const char *msg)
{
	struct buf b = BUF_INIT(0);
	int err;

	if (buf_addstr(&b, "[{\"loc\":[\"filter\"],\"msg\":") ||
	    req_json_str(&b, msg) ||
	    buf_addstr(&b, ",\"type\":\"value_error\"}]"))
		abort();
	err = req_send_json(r, 400, &b);
	buf_release(&b);
	return err ? err : E_INVAL;
}

/* Append one list item from row i. */
static int
item_json(struct buf *b, PGresult *res, int i, bool exists)
{
	const char *key = PQgetvalue(res, i, 0);
	const char *slash = strrchr(key, '/');
	const char *name = slash ? slash + 1 : key;
	int64_t t0 = strtoll(PQgetvalue(res, i, 3), NULL, 10);
	int64_t t1 = strtoll(PQgetvalue(res, i, 4), NULL, 10);
	const char *size = PQgetisnull(res, i, 5) ? "null" :
		PQgetvalue(res, i, 5);
	int err;

	err = buf_addstr(b, "{\"filename\":");
	if (!err)
		err = req_json_str(b, name);
	if (!err)
		err = buf_addstr(b, ",\"timestamp\":");
	if (!err)
		err = api_time(b, t0);
	if (!err)
		err = buf_addstr(b, ",\"hostname\":");
	if (!err)
		err = req_json_str(b, PQgetvalue(res, i, 1));
	if (!err)
		err = buf_addf(b, ",\"size\":%s,\"s3_path\":", size);
	if (!err)
		err = req_json_str(b, key);
	if (!err)
		err = buf_addf(b, ",\"perf_events\":%s,\"removed\":%s",
			PQgetvalue(res, i, 2), exists ? "false" : "true");
	if (!err)
		err = buf_addstr(b, ",\"s3_key\":");
	if (!err)
		err = req_json_str(b, key);
	if (!err)
		err = buf_addstr(b, ",\"start_time\":");
	if (!err)
		err = api_time(b, t0);
	if (!err)
		err = buf_addstr(b, ",\"end_time\":");
	if (!err)
		err = api_time(b, t1);
	if (!err)
		err = buf_addf(b, ",\"exists\":%s}", exists ? "true" : "false");
	return err;
}

/* Look up which keys of the page still exist (all false on failure). */
static void
check_exists(struct app *app, PGresult *res, int n, bool *exists)
{
	const char **keys;
	struct store *st;
	int i, err;

	if (n == 0)
		return;
	keys = calloc((size_t)n, sizeof(*keys));
	if (!keys)
		abort();
	for (i = 0; i < n; i++)
		keys[i] = PQgetvalue(res, i, 0);
	err = app_store(app, &st);
	if (!err) {
		err = store_exists_many(st, keys, (size_t)n, exists);
		if (err)
			log_warn("adhoc list: existence check failed: %s",
				store_errmsg(st));
	}
	if (err)
		memset(exists, 0, (size_t)n * sizeof(*exists));
	free(keys);
}

/* GET /api/metrics/adhoc_flamegraphs. */
int
h_adhoc_list(struct req *r, struct app *app)
{
	const char *params[6], *svc, **hosts;
	unsigned long long limit, offset;
	struct buf b = BUF_INIT(0);
	PGresult *res = NULL;
	bool *exists = NULL;
	struct rql q;
	struct db *db;
	char rerr[256];
	size_t nh;
	int i, n, err;

	if ((err = need_arg(r, "serviceName", &svc)) ||
	    (err = need_time(r, "startTime", &params[1])) ||
	    (err = need_time(r, "endTime", &params[2])))
		return err;
	if (svc[0] == '_')
		svc++;
	switch (rql_parse(req_arg(r, "filter"), r->arena, &q, rerr,
		sizeof(rerr))) {
	case RQL_BAD_JSON:
		err = req_send_422(r, "query", "filter", rerr,
			"value_error.jsondecode");
		return err ? err : E_INVAL;
	case RQL_BAD_SHAPE:
		return bad_filter(r, rerr);
	default:
		break;
	}
	if ((err = opt_uint(r, "limit", app->cfg->fcgi.list_limit,
		app->cfg->fcgi.list_max, &limit)) ||
	    (err = opt_uint(r, "offset", 0, 1000000000ULL, &offset)))
		return err;
	hosts = rql_eq_values(&q, r->arena, "HostName", &nh);
	params[0] = svc;
	params[3] = hosts ? api_pg_array(r->arena, hosts, nh) : NULL;
	params[4] = arena_printf(r->arena, "%llu", limit);
	params[5] = arena_printf(r->arena, "%llu", offset);
	err = app_db(app, &db);
	if (err)
		return err;
	err = db_exec(db, &st_adhoc_list, params, &res);
	if (err) {
		log_error("adhoc list: %s", db_errmsg(db));
		return req_send_string(r, 500,
			"Failed to fetch adhoc flamegraph files");
	}
	n = PQntuples(res);
	exists = calloc((size_t)n + 1, sizeof(*exists));
	if (!exists)
		abort();
	check_exists(app, res, n, exists);
	err = buf_addch(&b, '[');
	for (i = 0; !err && i < n; i++) {
		if (i)
			err = buf_addch(&b, ',');
		if (!err)
			err = item_json(&b, res, i, exists[i]);
	}
	if (!err)
		err = buf_addch(&b, ']');
	if (!err)
		err = req_send_json(r, 200, &b);
	free(exists);
	PQclear(res);
	buf_release(&b);
	return err;
}

/* Whether name can be a flamegraph file name at all. */
static bool
name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= ADHOC_MAX_NAME && !strchr(name, '/') &&
		!strchr(name, '\\') && strcmp(name, ".") != 0 &&
		strcmp(name, "..") != 0;
}

/* The headers of the raw variant: sandboxed, not sniffed, named. */
static void
html_headers(struct req *r, const char *name)
{
	struct buf cd = BUF_INIT(0);
	const char *p;

	if (buf_addstr(&cd, "inline; filename=\""))
		abort();
	for (p = name; *p; p++)
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' &&
		    buf_addch(&cd, *p))
			abort();
	if (buf_addch(&cd, '"'))
		abort();
	req_add_header(r, "Content-Security-Policy", "sandbox allow-scripts");
	req_add_header(r, "X-Content-Type-Options", "nosniff");
	req_add_header(r, "Content-Disposition", arena_strdup(r->arena, cd.data));
	buf_release(&cd);
}

/*
 * With fcgi.x_sendfile and a local store, answer the raw variant with the
 * headers and X-Sendfile: the front server reads and sends the file, and
 * the bytes never pass through this process.  E_NOTFOUND when the object
 * is gone; *done false when this does not apply (the caller reads the
 * object itself).
 */
static int
send_html_file(struct req *r, struct app *app, struct store *st,
	const char *key, const char *name, bool *done)
{
	struct buf path = BUF_INIT(0), enc = BUF_INIT(0);
	int err;

	*done = false;
	if (!app->cfg->fcgi.x_sendfile || !store_is_local(st))
		return E_OK;
	err = store_local_path(st, key, &path);
	if (err) {
		if (err != E_NOTFOUND)
			log_error("adhoc content '%s': %s", key, store_errmsg(st));
		goto out;
	}
	/*
	 * lighttpd percent-decodes the X-Sendfile value: encode every byte
	 * but the unreserved ones and '/', or a key holding "%41" would name
	 * another file (and a control byte would end the header).
	 */
	if (pct_encode(&enc, path.data, path.len, true))
		abort();
	*done = true;
	html_headers(r, name);
	req_add_header(r, "X-Sendfile", arena_strdup(r->arena, enc.data));
	err = req_send(r, 200, "text/html; charset=utf-8", NULL, 0);
out:
	buf_release(&path);
	buf_release(&enc);
	return err;
}

/* GET /api/metrics/adhoc_flamegraph_content. */
int
h_adhoc_content(struct req *r, struct app *app)
{
	const char *params[2], *svc, *name, *fmt, *key;
	struct buf html = BUF_INIT(0), b = BUF_INIT(0);
	PGresult *res = NULL;
	struct store *st;
	struct db *db;
	bool html_fmt, sent = false;
	int err;

	if ((err = need_arg(r, "serviceName", &svc)) ||
	    (err = need_arg(r, "filename", &name)))
		return err;
	if (!name_ok(name) || !*svc || strchr(svc, '/'))
		return req_send_string(r, 404, "Flamegraph file not found");
	params[0] = svc;
	params[1] = name;
	err = app_db(app, &db);
	if (err)
		return err;
	err = db_exec(db, &st_adhoc_one, params, &res);
	if (err) {
		log_error("adhoc content: %s", db_errmsg(db));
		return req_send_string(r, 500, "Failed to fetch flamegraph content");
	}
	if (PQntuples(res) == 0) {
		err = req_send_string(r, 404, "Flamegraph file not found");
		goto out;
	}
	key = arena_strdup(r->arena, PQgetvalue(res, 0, 0));
	fmt = req_arg(r, "format");
	html_fmt = fmt && strcmp(fmt, "html") == 0;
	err = app_store(app, &st);
	if (!err && html_fmt) {
		err = send_html_file(r, app, st, key, name, &sent);
		if (sent)
			goto out;
	}
	if (!err) {
		html.max = app->cfg->fcgi.max_gunzip;
		err = store_get(st, key, app->cfg->fcgi.max_gunzip, &html);
		if (err && err != E_NOTFOUND)
			log_error("adhoc content '%s': %s", key, store_errmsg(st));
	}
	if (err == E_NOTFOUND) {
		err = req_send_string(r, 404, "Flamegraph file not found");
		goto out;
	}
	if (err) {
		err = req_send_string(r, 500, "Failed to fetch flamegraph content");
		goto out;
	}
	if (html_fmt) {
		html_headers(r, name);
		err = req_send(r, 200, "text/html; charset=utf-8", html.data,
			html.len);
		goto out;
	}
	req_add_header(r, "X-Content-Type-Options", "nosniff");
	if (buf_addstr(&b, "{\"content\":") ||
	    jsonx_escape(&b, html.data, html.len) ||
	    buf_addstr(&b, ",\"filename\":") || req_json_str(&b, name) ||
	    buf_addch(&b, '}'))
		abort();
	err = req_send_json(r, 200, &b);
out:
	PQclear(res);
	buf_release(&html);
	buf_release(&b);
	return err;
}
