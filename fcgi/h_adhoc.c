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
 * HTML itself as text/html with a Content-Security-Policy whose sandbox
 * is "allow-scripts allow-forms" (scripts run, but in an opaque origin
 * that cannot reach the UI's cookies or API; forms fire their submit
 * event, and form-action 'none' stops the submission itself) and a
 * Content-Disposition naming the file;
 * X-Content-Type-Options comes from the front server's global headers
 * (conf/lighttpd.conf, conf/apache.conf), not from here, so it is sent
 * once.  Objects over fcgi.max_html are not loaded (500).  The JSON
 * variant is streamed: the escaped content is written in slices
 * (jsonx_escape_stream()), so the process holds the HTML once, not the
 * HTML plus its escaped copy.
 *
 * The SQL lives in shared/db/adhoc.c; this file speaks HTTP.  The list
 * is the one response written without jansson (see put_item()).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "adhoc.h"
#include "adlib.h"
#include "body.h"
#include "cdn.h"
#include "jsonx.h"
#include "log.h"
#include "route.h"
#include "rql.h"
#include "pct.h"
#include "qarg.h"
#include "store.h"
#include "utc.h"

/* Longest file name the content endpoint looks up. */
#define ADHOC_MAX_NAME 1024

/* Append s as a JSON string (an uncapped buffer cannot fail). */
static void
put_str(struct buf *b, const char *s)
{
	int err = jsonx_escape(b, s, strlen(s));

	ASSERT(err == E_OK);
}

/* Append a timestamp as a JSON string in UTC with Z (null if out of range). */
static void
put_time(struct buf *b, int64_t usec)
{
	char t[48];

	if (utc_format(usec, UTC_FMT_Z, t, sizeof(t)))
		buf_puts(b, "null");
	else
		buf_putf(b, "\"%s\"", t);
}

/*
 * One list item: upstream's names, then the seed's.  Note that this is the
 * one response written by hand instead of through jansson: a page of 5000
 * rows takes 24 ms to build as json_t objects and dump, 5 ms written
 * directly (bench numbers in the commit), against a ~57 ms request, so
 * jansson would cost the list far more than 5 %.  The field order and
 * escaping are those of jsonx_dump() (tests/unit/test_handlers_data.c
 * checks the exact bytes).
 */
static void
put_item(struct buf *b, const struct adhoc_row *row, bool exists)
{
	const char *slash = strrchr(row->s3_key, '/');
	size_t i;

	buf_puts(b, "{\"filename\":");
	put_str(b, slash ? slash + 1 : row->s3_key);
	buf_puts(b, ",\"timestamp\":");
	put_time(b, row->start_usec);
	buf_puts(b, ",\"hostname\":");
	put_str(b, row->hostname);
	if (row->file_size >= 0)
		buf_putf(b, ",\"size\":%lld", (long long)row->file_size);
	else
		buf_puts(b, ",\"size\":null");
	buf_puts(b, ",\"s3_path\":");
	put_str(b, row->s3_key);
	buf_puts(b, ",\"perf_events\":[");
	for (i = 0; i < row->nperf_events; i++) {
		if (i)
			buf_putc(b, ',');
		put_str(b, row->perf_events[i]);
	}
	buf_putf(b, "],\"removed\":%s,\"s3_key\":", exists ? "false" : "true");
	put_str(b, row->s3_key);
	buf_puts(b, ",\"start_time\":");
	put_time(b, row->start_usec);
	buf_puts(b, ",\"end_time\":");
	put_time(b, row->end_usec);
	buf_putf(b, ",\"exists\":%s}", exists ? "true" : "false");
}

/* Append s, or null for "", as a JSON string. */
static void
put_str_or_null(struct buf *b, const char *s)
{
	int err = *s ? jsonx_escape(b, s, strlen(s)) : buf_add(b, "null", 4);

	ASSERT(err == E_OK);
}

/*
 * The library's fields of an item (source, pin, notes, lineage), after
 * put_item() with its closing brace taken back.
 */
static void
put_library(struct buf *b, const struct adlib_info *in)
{
	b->len--;	/* the '}' of put_item() */
	buf_puts(b, ",\"source\":");
	put_str(b, in->source[0] ? in->source : "agent");
	buf_puts(b, ",\"importer\":");
	put_str_or_null(b, in->importer);
	buf_putf(b, ",\"pinned\":%s,\"title\":", in->pinned ? "true" : "false");
	put_str(b, in->title);
	buf_puts(b, ",\"note\":");
	put_str(b, in->note);
	buf_puts(b, ",\"command_id\":");
	put_str_or_null(b, in->command_id);
	buf_puts(b, ",\"request_id\":");
	put_str_or_null(b, in->request_id);
	buf_puts(b, ",\"requester\":");
	put_str_or_null(b, in->requester);
	buf_puts(b, ",\"lineage\":");
	put_str_or_null(b, !in->command_id[0] ? "" : in->by_window ?
		"window" : "command_id");
	buf_putc(b, '}');
}

/* Look up which keys of the page still exist (all false on failure). */
static void
check_exists(struct app *app, struct arena *a, const struct adhoc_row *rows,
	size_t n, bool *exists)
{
	const char **keys;
	struct store *st;
	size_t i;
	int err;

	if (n == 0)
		return;
	keys = arena_alloc(a, n * sizeof(*keys));
	for (i = 0; i < n; i++)
		keys[i] = rows[i].s3_key;
	err = app_store(app, &st);
	if (!err) {
		err = store_exists_many(st, keys, n, exists);
		if (err)
			log_warn("adhoc list: existence check failed: %s",
				store_errmsg(st));
	}
	if (err)
		memset(exists, 0, n * sizeof(*exists));
}

/* GET /api/metrics/adhoc_flamegraphs. */
int
h_adhoc_list(struct req *r, struct app *app)
{
	struct adhoc_query q = { 0 };
	struct adhoc_row *rows = NULL;
	struct adlib_info *info;
	int64_t *ids;
	struct buf out = BUF_INIT(0);
	bool *exists;
	struct rql f;
	struct db *db;
	size_t i, n;
	int err;

	if ((err = qarg_service_name(r, "serviceName", QARG_REQUIRED,
		&q.service)) ||
	    (err = qarg_time(r, "startTime", QARG_REQUIRED, &q.from_usec,
		NULL)) ||
	    (err = qarg_time(r, "endTime", QARG_REQUIRED, &q.to_usec, NULL)) ||
	    (err = qarg_filter(r, "filter", QARG_JSONDECODE, &f)) ||
	    (err = qarg_u64(r, "limit", QARG_NONEMPTY,
		app->cfg->fcgi.list_limit, app->cfg->fcgi.list_max,
		&q.limit)) ||
	    (err = qarg_u64(r, "offset", QARG_NONEMPTY, 0, 1000000000ULL,
		&q.offset)))
		return err;
	q.hosts = rql_eq_values(&f, r->arena, "HostName", &q.nhosts);
	q.q = req_arg(r, "q");
	if (q.q && strlen(q.q) > 200)
		return qarg_422(r, "q", "at most 200 bytes",
			"value_error.any_str.max_length");
	err = app_db(app, &db);
	if (err)
		return err;
	err = adhoc_list(db, r->arena, &q, &rows, &n);
	if (err) {
		log_error("adhoc list: %s", db_errmsg(db));
		return req_send_string(r, 500,
			"Failed to fetch adhoc flamegraph files");
	}
	exists = arena_zalloc(r->arena, (n + 1) * sizeof(*exists));
	check_exists(app, r->arena, rows, n, exists);
	ids = arena_zalloc(r->arena, (n + 1) * sizeof(*ids));
	info = arena_zalloc(r->arena, (n + 1) * sizeof(*info));
	for (i = 0; i < n; i++)
		ids[i] = rows[i].id;
	if (adlib_info(db, r->arena, ids, n, info) != E_OK)
		log_warn("adhoc list: library fields: %s", db_errmsg(db));
	buf_putc(&out, '[');
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&out, ',');
		put_item(&out, &rows[i], exists[i]);
		put_library(&out, &info[i]);
	}
	buf_putc(&out, ']');
	err = req_send_json(r, 200, &out);
	buf_release(&out);
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

/*
 * The origin of this server as the request names it ("https://host:port"),
 * or NULL when the Host header is not a plain host[:port].
 */
static const char *
self_origin(struct req *r)
{
	const char *host = req_header(r, "Host");
	const char *https = req_env(r, "HTTPS");
	const char *scheme = req_env(r, "REQUEST_SCHEME");
	const char *p;

	if (!host || !*host || strlen(host) > 255)
		return NULL;
	for (p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == ':' || *p == '[' || *p == ']'))
			return NULL;
	if (!scheme || (strcmp(scheme, "http") != 0 &&
	    strcmp(scheme, "https") != 0))
		scheme = https && (strcmp(https, "on") == 0 ||
			strcmp(https, "1") == 0) ? "https" : "http";
	return arena_printf(r->arena, "%s://%s", scheme, host);
}

/*
 * The headers of the raw variant: named, and a policy that lets the page
 * run its inline script and style and the agents' libraries from this
 * server's CDN_LOCAL_DIR, and nothing else: no fetch, image or form to
 * anywhere, no plugin, no base rewrite, no framing by another site, and
 * a sandbox (an opaque origin: no cookies or API of the UI; no top-level
 * navigation or popups; forms only so that the agents' search box gets
 * its submit event: form-action 'none' refuses every submission).  The
 * sandboxed page's own origin is opaque, so 'self' would match nothing:
 * the local path is named with this server's origin from the request (its
 * Host checked).
 */
static void
html_headers(struct req *r, const char *name)
{
	struct buf cd = BUF_INIT(0);
	const char *p, *origin = self_origin(r), *src;

	buf_puts(&cd, "inline; filename=\"");
	for (p = name; *p; p++)
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			buf_putc(&cd, *p);
	buf_putc(&cd, '"');
	src = origin ? arena_printf(r->arena, " %s%s", origin, CDN_LOCAL_DIR) : "";
	req_add_header(r, "Content-Security-Policy", arena_printf(r->arena,
		"default-src 'none'; script-src 'unsafe-inline'%s; "
		"style-src 'unsafe-inline'%s; img-src data:; font-src data:%s; "
		"connect-src 'none'; form-action 'none'; base-uri 'none'; "
		"object-src 'none'; frame-src 'none'; worker-src 'none'; "
		"frame-ancestors 'self'; sandbox allow-scripts allow-forms", src,
		src, src));
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
	err = pct_encode(&enc, path.data, path.len, true);
	if (err)
		goto out;
	*done = true;
	html_headers(r, name);
	req_add_header(r, "X-Sendfile", arena_strdup(r->arena, enc.data));
	err = req_send(r, 200, "text/html; charset=utf-8", NULL, 0);
out:
	buf_release(&path);
	buf_release(&enc);
	return err;
}

/* jsonx_write_fn over the response body. */
static int
write_body(void *ctx, const void *p, size_t n)
{
	return req_write(ctx, p, n);
}

/*
 * Send {"content": html, "filename": name}, escaping the content slice by
 * slice straight into the response (one pass to measure, one to send).
 */
static int
send_content_json(struct req *r, const struct buf *html, const char *name)
{
	static const char k1[] = "{\"content\":", k2[] = ",\"filename\":";
	struct buf tail = BUF_INIT(0);
	size_t clen;
	int err;

	err = jsonx_escape_stream(html->data, html->len, NULL, NULL, &clen);
	if (err)
		goto out;
	buf_puts(&tail, k2);
	err = jsonx_escape(&tail, name, strlen(name));
	if (err)
		goto out;
	buf_putc(&tail, '}');
	err = req_send_start(r, 200, NULL, sizeof(k1) - 1 + clen + tail.len);
	if (!err)
		err = req_write(r, k1, sizeof(k1) - 1);
	if (!err)
		err = jsonx_escape_stream(html->data, html->len, write_body, r,
			&clen);
	if (!err)
		err = req_write(r, tail.data, tail.len);
out:
	buf_release(&tail);
	return err;
}

/*
 * Send the page with the agents' CDN URLs pointing at this server's
 * copies (root-relative, so the page works under any host name).
 */
static int
send_rewritten(struct req *r, const struct buf *html)
{
	struct buf out = BUF_INIT(0);
	size_t count = 0;
	int err;

	if (!cdn_refers(html->data, html->len))
		return req_send(r, 200, "text/html; charset=utf-8", html->data,
			html->len);
	err = cdn_rewrite(html->data, html->len, "", &out, &count);
	if (!err)
		err = req_send(r, 200, "text/html; charset=utf-8", out.data,
			out.len);
	buf_release(&out);
	return err;
}

/* GET /api/metrics/adhoc_flamegraph_content. */
int
h_adhoc_content(struct req *r, struct app *app)
{
	const char *svc, *name, *fmt, *key = NULL;
	struct buf html = BUF_INIT(0);
	size_t cap = app->cfg->fcgi.max_html;
	struct store *st;
	struct db *db;
	bool html_fmt, sent = false, cdn = false;
	int err;

	if ((err = qarg_str(r, "serviceName", QARG_REQUIRED, &svc)) ||
	    (err = qarg_str(r, "filename", QARG_REQUIRED, &name)))
		return err;
	if (!name_ok(name) || !*svc || strchr(svc, '/'))
		return req_send_string(r, 404, "Flamegraph file not found");
	err = app_db(app, &db);
	if (err)
		return err;
	err = adhoc_key_of(db, r->arena, svc, name, &key);
	if (err == E_NOTFOUND)
		return req_send_string(r, 404, "Flamegraph file not found");
	if (err) {
		log_error("adhoc content: %s", db_errmsg(db));
		return req_send_string(r, 500, "Failed to fetch flamegraph content");
	}
	fmt = req_arg(r, "format");
	html_fmt = fmt && strcmp(fmt, "html") == 0;
	err = app_store(app, &st);
	if (!err && html_fmt && adlib_refers_cdn(db, key, &cdn) != E_OK) {
		log_warn("adhoc content: %s", db_errmsg(db));
		cdn = true;	/* read it and rewrite: always correct */
	}
	if (!err && html_fmt && !cdn) {
		err = send_html_file(r, app, st, key, name, &sent);
		if (sent)
			goto out;
	}
	if (!err) {
		html.max = cap;
		err = store_get(st, key, cap, &html);
		if (err == E_TOOBIG)
			log_error("adhoc content '%s': over fcgi.max_html (%zu bytes)",
				key, cap);
		else if (err && err != E_NOTFOUND)
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
		err = send_rewritten(r, &html);
		goto out;
	}
	err = send_content_json(r, &html, name);
out:
	buf_release(&html);
	return err;
}
