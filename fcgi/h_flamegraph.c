/*
 * h_flamegraph.c - the continuous flamegraph, built from the sample store.
 *
 *   GET /api/flamegraph?serviceName&startTime&endTime[&filter]
 *       [&stacksCount|stacks_count][&enrichment=lang][&functionName]
 *       [&maxNodes][&format=json|html|svg|collapsed]
 *   GET /api/flamegraph/datetime_with_data?serviceName[&filter]
 *   GET /api/flamegraph/download_svg[/]?serviceName&startTime&endTime[&filter]
 *   GET /api/flamegraph/functions?(as above)[&sort=self|total|name]
 *       [&order=desc|asc][&limit][&offset][&functionName]
 *   GET /api/flamegraph/diff?serviceName&(base|compare)StartTime,
 *       (base|compare)EndTime[,(base|compare)Filter] | (base|compare)Profile
 *       [&format=json|html|svg][&palette=default|cb][&maxNodes]
 *
 * The tree JSON is upstream's: {"name":"root","value","children",
 * "exec_time","olap_time","percentiles"}, children in upstream's order,
 * language/specialType with enrichment=lang.  No data: 200 with value 0
 * (the UI shows its empty state), but 204 for the SVG download, the
 * collapsed text and the HTML/SVG formats.  An unknown service is 406
 * "service X doesn't exists"; missing or ill-typed parameters are 422 in
 * FastAPI's shape; a filter that is JSON of the wrong shape is 400.
 *
 * Bounds (a 1-week, 1,000-host query stays bounded): the range is at most
 * FG_MAX_RANGE_DAYS; the store hands over at most FG_QUERY_STACKS of the
 * heaviest distinct stacks (the rest still count in the total); the tree
 * holds at most FG_BUILD_CAP frames (else 413); stacksCount is capped at
 * FG_STACKS_MAX; maxNodes (default FG_NODES_DEFAULT, at most
 * FG_NODES_MAX) merges the lightest frames into one "other" frame per
 * parent; a response body is at most FG_MAX_BODY bytes.
 *
 * functionName on /api/flamegraph focuses the tree on that function (its
 * callees, every occurrence merged under one root frame).
 *
 * This file holds the tree endpoints (the flamegraph in its formats, the
 * SVG download, the range with data) and the parameters and answers
 * every endpoint shares (declared in h_flamegraph_int.h); the functions
 * table, the sandwich and the diff are in h_flamegraph_analysis.c.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "flame.h"
#include "flfunc.h"
#include "flrender.h"
#include "h_flamegraph_int.h"
#include "log.h"
#include "qarg.h"
#include "route.h"
#include "rql.h"
#include "samples.h"
#include "req.h"
#include "utc.h"

/* The monotonic clock in seconds. */
double
fg_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds since the request started. */
double
fg_since(const struct fgq *q)
{
	return fg_mono_s() - q->t0s;
}

/* Answer a bare JSON string with status (upstream's HTTPException). */
int
fg_answer_string(struct req *r, int status, const char *msg)
{
	int err = req_send_string(r, status, msg);

	return err ? err : E_INVAL;
}

/*
 * An integer parameter under any of names (the first present wins): def
 * when absent, 422 when not an integer (or 0 when max is set), clamped
 * to max.
 */
int
fg_count(struct req *r, const char *const *names, size_t nnames, size_t def,
	size_t max, size_t *out)
{
	uint64_t v;
	int err = qarg_u64(r, qarg_first(r, names, nnames),
		max ? QARG_POSITIVE : 0, def, max, &v);

	*out = (size_t)v;
	return err;
}

/* format=json|html|svg|collapsed, limited to the allowed ones. */
int
fg_format(struct req *r, unsigned allowed, int *out)
{
	static const char *const names[] = { "json", "html", "svg", "collapsed" };
	int err = qarg_enum(r, "format", names, ARRAY_SIZE(names), FG_JSON, out);

	if (!err && !(allowed & (1u << *out)))
		return qarg_422(r, "format", "value is not a valid enumeration "
			"member", "type_error.enum");
	return err;
}

/* The service id of serviceName (406 when unknown). */
int
fg_service(struct req *r, struct app *app, bool required, struct fgq *q)
{
	return qarg_service(r, app, "serviceName", QARG_CLEAN |
		(required ? QARG_REQUIRED : 0), &q->service, &q->service_id);
}

/* A time range with its filter; names prefixed (diff) or not. */
int
fg_range(struct req *r, struct fgq *q, const char *prefix, struct fg_side *s)
{
	char sname[48], ename[48], fname[48];
	int64_t span;
	int err;

	snprintf(sname, sizeof(sname), "%s%s", prefix, *prefix ? "StartTime" :
		"startTime");
	snprintf(ename, sizeof(ename), "%s%s", prefix, *prefix ? "EndTime" :
		"endTime");
	snprintf(fname, sizeof(fname), "%s%s", prefix, *prefix ? "Filter" :
		"filter");
	if ((err = qarg_time(r, sname, QARG_REQUIRED, &s->start_usec,
		NULL)) != E_OK ||
	    (err = qarg_time(r, ename, QARG_REQUIRED, &s->end_usec,
		NULL)) != E_OK ||
	    (err = qarg_filter(r, fname, 0, &s->filter)) != E_OK)
		return err;
	span = s->end_usec - s->start_usec;
	if (span > (int64_t)FG_MAX_RANGE_DAYS * 86400 * 1000000)
		return qarg_422(r, ename, arena_printf(r->arena,
			"the range is longer than %d days", FG_MAX_RANGE_DAYS),
			"value_error.range");
	s->sel.service_id = q->service_id;
	s->sel.from = s->start_usec / 1000000;
	/* inclusive end second, as upstream's BETWEEN */
	s->sel.to = s->end_usec / 1000000 + 1;
	if (s->sel.to < s->sel.from)
		s->sel.to = s->sel.from;
	s->sel.filter = &s->filter;
	return E_OK;
}

/* The parameters every tree endpoint shares. */
int
fg_params(struct req *r, struct app *app, unsigned formats, struct fgq *q)
{
	static const char *const stacks[] = { "stacksCount", "stacks_count" };
	static const char *const nodes[] = { "maxNodes", "max_nodes" };
	const char **enr;
	size_t i, n;
	int err;

	memset(q, 0, sizeof(*q));
	q->t0s = fg_mono_s();
	if ((err = fg_service(r, app, true, q)) != E_OK ||
	    (err = fg_range(r, q, "", &q->side)) != E_OK ||
	    (err = fg_count(r, stacks, 2, FG_STACKS_DEFAULT, FG_STACKS_MAX,
		&q->stacks_count)) != E_OK ||
	    (err = fg_count(r, nodes, 2, FG_NODES_DEFAULT, FG_NODES_MAX,
		&q->max_nodes)) != E_OK ||
	    (err = fg_format(r, formats, &q->format)) != E_OK)
		return err;
	enr = req_args(r, "enrichment", &n);
	for (i = 0; i < n; i++)
		if (strcmp(enr[i], "lang") == 0)
			q->enrich = true;
	q->function = req_arg(r, "functionName");
	if (q->function && strlen(q->function) > FG_MAX_NAME)
		return qarg_422(r, "functionName", "ensure this value has at most "
			"65536 characters", "value_error.any_str.max_length");
	return E_OK;
}

/* Fill t from one selection.  Answers on failure. */
int
fg_fetch(struct req *r, struct app *app, const struct smp_sel *sel,
	struct fl_tree *t)
{
	struct smp_info info;
	struct smp *s;
	int err;

	memset(&info, 0, sizeof(info));
	if ((err = app_smp(app, &s)) != E_OK)
		return fg_answer_string(r, 502, "Failed getting data");
	err = smp_stacks(s, sel, FG_QUERY_STACKS, r->arena, fl_tree_stack_cb,
		t, &info);
	if (err == E_TOOBIG)
		return fg_answer_string(r, 413, "too many frames: narrow the "
			"time range or the filter");
	if (err) {
		log_error("flamegraph: stacks: %s", smp_errmsg(s));
		return fg_answer_string(r, 502, "Failed getting data");
	}
	return E_OK;
}

/* The headers of a rendered page: its scripts sandboxed, no sniffing. */
static void
sandbox_headers(struct req *r)
{
	req_add_header(r, "Content-Security-Policy", "sandbox allow-scripts");
	req_add_header(r, "X-Content-Type-Options", "nosniff");
}

/* Send b (a body of the given type) and release it. */
int
fg_send_body(struct req *r, int status, const char *type, struct buf *b)
{
	int err = req_send(r, status, type, b->data, b->len);

	buf_release(b);
	return err;
}

/* Answer a rendering that failed on the body cap. */
int
fg_too_big(struct req *r, struct buf *b)
{
	buf_release(b);
	return fg_answer_string(r, 413, "the answer is too big: narrow the "
		"time range or lower maxNodes");
}

/* The common parameters, then t filled from the store.  Answers on
 * failure; t is initialised either way and must be released. */
static int
fg_load(struct req *r, struct app *app, unsigned formats, struct fgq *q,
	struct fl_tree *t)
{
	int err;

	fl_tree_init(t, r->arena, FG_BUILD_CAP);
	if ((err = fg_params(r, app, formats, q)) != E_OK)
		return err;
	return fg_fetch(r, app, &q->side.sel, t);
}

/* Render t (HTML, SVG or folded text) and send it; 413 past the cap. */
int
fg_send_rendered(struct req *r, int format, const struct fl_tree *t,
	const struct fl_render_opts *ro)
{
	struct buf b = BUF_INIT(FG_MAX_BODY);
	const char *type;
	int rc;

	switch (format) {
	case FG_HTML:
		rc = fl_render_html(t, ro, &b);
		type = "text/html; charset=utf-8";
		break;
	case FG_SVG:
		rc = fl_render_svg(t, ro, &b);
		type = "image/svg+xml";
		break;
	default:
		rc = fl_folded_write(t, &b);
		type = "text/plain; charset=utf-8";
		break;
	}
	if (rc)
		return fg_too_big(r, &b);
	if (format != FG_COLLAPSED)
		sandbox_headers(r);
	return fg_send_body(r, 200, type, &b);
}

/* Replace t by the callees of q->function (empty when not found). */
static int
fg_focus(struct req *r, struct fgq *q, struct fl_tree *t)
{
	struct fl_tree up, down;
	int err;

	fl_tree_finish(t, q->enrich);
	fl_tree_init(&up, r->arena, FG_BUILD_CAP);
	fl_tree_init(&down, r->arena, FG_BUILD_CAP);
	err = fl_sandwich(t, q->function, strlen(q->function), &up, &down);
	fl_tree_release(&up);
	fl_tree_release(t);
	if (err && err != E_NOTFOUND) {
		fl_tree_release(&down);
		return fg_answer_string(r, 413, "too many frames");
	}
	fl_tree_move(t, &down);
	return E_OK;
}

/* GET /api/flamegraph. */
int
h_flamegraph(struct req *r, struct app *app)
{
	struct fgq q;
	struct fl_tree t;
	struct fl_render_opts ro = { .inverted = true };
	struct buf b = BUF_INIT(FG_MAX_BODY);
	int64_t pct[100];
	bool have_pct;
	double olap;
	int err;

	if ((err = fg_load(r, app, 0xf, &q, &t)) != E_OK)
		goto out;
	if (q.function && (err = fg_focus(r, &q, &t)) != E_OK)
		goto out;
	if (q.format != FG_JSON && t.nodes == 0) {
		err = req_send(r, 204, NULL, "", 0);
		goto out;
	}
	fl_tree_cut(&t, q.stacks_count);
	have_pct = fl_percentiles(&t, pct);
	fl_tree_finish(&t, q.enrich);
	fl_tree_cap(&t, q.max_nodes);
	olap = fg_since(&q);
	if (q.format != FG_JSON) {
		ro.title = arena_printf(r->arena, "%s flamegraph", q.service);
		err = fg_send_rendered(r, q.format, &t, &ro);
		goto out;
	}
	if (fl_json_tree(&t, false, &b) ||
	    fl_json_end(&b, fg_since(&q), olap, have_pct ? pct : NULL)) {
		err = fg_too_big(r, &b);
		goto out;
	}
	err = fg_send_body(r, 200, NULL, &b);
out:
	fl_tree_release(&t);
	return err;
}

/* The file name upstream gives the SVG: {service}_{range}.svg. */
static const char *
svg_name(struct req *r, const struct fgq *q)
{
	static const struct {
		int64_t secs;
		const char *name;
	} ranges[] = {
		{ 86400, "daily" }, { 604800, "weekly" }, { 21600, "6hour" },
		{ 3600, "hourly" }, { 1800, "30min" }, { 900, "15min" },
	};
	int64_t secs = q->side.end_usec / 1000000 - q->side.start_usec / 1000000;
	const char *range = "custom";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ranges); i++)
		if (ranges[i].secs == secs)
			range = ranges[i].name;
	return arena_printf(r->arena, "%s_%s.svg", q->service, range);
}

/* GET /api/flamegraph/download_svg[/]. */
int
h_flamegraph_svg(struct req *r, struct app *app)
{
	struct fgq q;
	struct fl_tree t;
	struct fl_render_opts ro = { .inverted = true };
	struct buf b = BUF_INIT(FG_MAX_BODY);
	int err;

	if ((err = fg_load(r, app, 1u << FG_JSON, &q, &t)) != E_OK)
		goto out;
	if (t.nodes == 0) {
		err = req_send(r, 204, NULL, "", 0);
		goto out;
	}
	fl_tree_cut(&t, q.stacks_count);
	fl_tree_finish(&t, false);
	fl_tree_cap(&t, q.max_nodes);
	if (fl_render_svg(&t, &ro, &b)) {
		err = fg_too_big(r, &b);
		goto out;
	}
	req_add_header(r, "Content-Disposition", arena_printf(r->arena,
		"attachment; filename=\"%s\"", svg_name(r, &q)));
	req_add_header(r, "X-Content-Type-Options", "nosniff");
	err = fg_send_body(r, 200, "application/octet-stream", &b);
out:
	fl_tree_release(&t);
	return err;
}

/* Append {"firstDateTime":..,"lastDateTime":..} for two unix seconds. */
static int
dt_json(struct buf *b, int64_t first, int64_t last)
{
	char s1[40], s2[40];

	if (utc_format(first * 1000000, UTC_FMT_NAIVE, s1, sizeof(s1)) ||
	    utc_format(last * 1000000, UTC_FMT_NAIVE, s2, sizeof(s2)))
		return E_INVAL;
	return buf_addf(b, "{\"firstDateTime\":\"%s+00:00\","
		"\"lastDateTime\":\"%s+00:00\"}", s1, s2);
}

/*
 * GET /api/flamegraph/datetime_with_data: the first and the last minute
 * with samples in the last year, the last one + 1 minute.  With no data,
 * upstream's database answers its defaults: 1970-01-01T00:00 / 00:01.
 */
int
h_flamegraph_datetime(struct req *r, struct app *app)
{
	struct fgq q;
	struct smp_bucket *bk;
	struct smp *s;
	struct buf b = BUF_INIT(0);
	int64_t now = utc_now_usec() / 1000000, first = 0, last = 0;
	size_t n;
	int err;

	memset(&q, 0, sizeof(q));
	if ((err = fg_service(r, app, false, &q)) != E_OK ||
	    (err = qarg_filter(r, "filter", 0, &q.side.filter)) != E_OK)
		return err;
	if ((err = app_smp(app, &s)) != E_OK)
		return fg_answer_string(r, 502, "Failed getting data");
	q.side.sel.service_id = q.service_id;
	q.side.sel.filter = &q.side.filter;
	q.side.sel.from = now - 366 * 86400;
	q.side.sel.to = now + 1;
	/* days first (at most 367 rows), then the minutes of the two ends */
	err = smp_buckets(s, &q.side.sel, 86400, 400, r->arena, &bk, &n);
	if (!err && n) {
		int64_t lastday = bk[n - 1].ts;

		q.side.sel.from = bk[0].ts;
		q.side.sel.to = bk[0].ts + 86400;
		err = smp_buckets(s, &q.side.sel, 60, 1, r->arena, &bk, &n);
		if (!err && n)
			first = bk[0].ts;
		q.side.sel.from = lastday;
		q.side.sel.to = lastday + 86400;
		if (!err)
			err = smp_buckets(s, &q.side.sel, 60, 1440, r->arena,
				&bk, &n);
		if (!err && n)
			last = bk[n - 1].ts;
	}
	if (err) {
		log_error("flamegraph: datetime: %s", smp_errmsg(s));
		return fg_answer_string(r, 502, "Failed getting data");
	}
	if ((err = dt_json(&b, first, last + 60)) != E_OK) {
		buf_release(&b);
		return err;
	}
	return fg_send_body(r, 200, NULL, &b);
}
