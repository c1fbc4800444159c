/*
 * h_flamegraph_analysis.c - the analyses over the continuous flamegraph's
 * tree: the functions table with a function's sandwich (callers and
 * callees), and the differential flamegraph of two selections.
 *
 *   GET /api/flamegraph/functions?(as /api/flamegraph)[&sort=self|total|
 *       name][&order=desc|asc][&limit][&offset][&functionName]
 *   GET /api/flamegraph/diff?serviceName&(base|compare)StartTime,
 *       (base|compare)EndTime[,(base|compare)Filter] | (base|compare)Profile
 *       [&format=json|html|svg][&palette=default|cb][&maxNodes]
 *
 * The parameters, the bounds and the answers are those of every
 * flamegraph endpoint (h_flamegraph.c, h_flamegraph_int.h).  functions
 * lists limit functions (default FG_LIMIT_DEFAULT, at most FG_LIMIT_MAX)
 * from offset; with functionName it answers that function's sandwich
 * instead, 404 when the function is not in the tree.  A diff side is a
 * time range with its filter or an ad hoc profile by name (404 when
 * unknown).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adhoc.h"
#include "app.h"
#include "flame.h"
#include "flfunc.h"
#include "flrender.h"
#include "h_flamegraph_int.h"
#include "log.h"
#include "qarg.h"
#include "route.h"
#include "req.h"

#define FG_LIMIT_DEFAULT 100
#define FG_LIMIT_MAX 10000

/* The sandwich of q->function as JSON. */
static int
sandwich_json(struct req *r, struct fgq *q, struct fl_tree *t,
	struct buf *b)
{
	struct fl_tree up, down;
	int err;

	fl_tree_init(&up, r->arena, FG_BUILD_CAP);
	fl_tree_init(&down, r->arena, FG_BUILD_CAP);
	err = fl_sandwich(t, q->function, strlen(q->function), &up, &down);
	if (err == E_NOTFOUND) {
		err = req_send_message(r, 404, "function not found");
		err = err ? err : E_NOTFOUND;
		goto out;
	}
	if (err) {
		err = fg_answer_string(r, 413, "too many frames");
		goto out;
	}
	fl_tree_finish(&up, q->enrich);
	fl_tree_finish(&down, q->enrich);
	fl_tree_cap(&up, q->max_nodes);
	fl_tree_cap(&down, q->max_nodes);
	if (buf_addstr(b, "{\"function\":") ||
	    req_json_str(b, q->function) ||
	    buf_addf(b, ",\"total\":%llu,\"samples\":%llu,\"callers\":",
		(unsigned long long)up.root.value,
		(unsigned long long)t->root.value) ||
	    fl_json_tree(&up, false, b) || buf_addstr(b, "},\"callees\":") ||
	    fl_json_tree(&down, false, b) || buf_addstr(b, "}}")) {
		err = fg_too_big(r, b);
		goto out;
	}
	err = fg_send_body(r, 200, NULL, b);
out:
	fl_tree_release(&up);
	fl_tree_release(&down);
	return err;
}

/* GET /api/flamegraph/functions. */
int
h_flamegraph_functions(struct req *r, struct app *app)
{
	static const char *const lim[] = { "limit" };
	static const char *const off[] = { "offset" };
	struct fgq q;
	struct fl_tree t;
	struct fl_func *fn;
	struct buf b = BUF_INIT(FG_MAX_BODY);
	const char *sort = req_arg(r, "sort");
	const char *order = req_arg(r, "order");
	size_t n, limit, offset;
	int key = FL_SORT_SELF, err;
	bool reverse;

	if ((err = fg_params(r, app, 1u << FG_JSON, &q)) != E_OK ||
	    (err = fg_count(r, lim, 1, FG_LIMIT_DEFAULT, FG_LIMIT_MAX,
		&limit)) != E_OK ||
	    (err = fg_count(r, off, 1, 0, 0, &offset)) != E_OK)
		return err;
	if (sort && strcmp(sort, "total") == 0)
		key = FL_SORT_TOTAL;
	else if (sort && strcmp(sort, "name") == 0)
		key = FL_SORT_NAME;
	else if (sort && strcmp(sort, "self") != 0)
		return qarg_422(r, "sort", "value is not a valid enumeration member",
			"type_error.enum");
	if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0)
		return qarg_422(r, "order", "value is not a valid enumeration member",
			"type_error.enum");
	/* names sort ascending by default, counts descending */
	reverse = order && strcmp(order, key == FL_SORT_NAME ? "desc" :
		"asc") == 0;
	fl_tree_init(&t, r->arena, FG_BUILD_CAP);
	if ((err = fg_fetch(r, app, &q.side.sel, &t)) != E_OK)
		goto out;
	fl_tree_finish(&t, q.enrich);
	if (q.function) {
		err = sandwich_json(r, &q, &t, &b);
		goto out;
	}
	fl_functions(&t, r->arena, &fn, &n);
	fl_functions_sort(fn, n, key, reverse);
	if (fl_functions_json(&t, fn, n, offset, limit, &b)) {
		err = fg_too_big(r, &b);
		goto out;
	}
	err = fg_send_body(r, 200, NULL, &b);
out:
	fl_tree_release(&t);
	return err;
}

/* One side of a diff: {prefix}Profile, or a range + filter. */
static int
diff_side(struct req *r, struct app *app, struct fgq *q, const char *prefix,
	struct fg_side *s)
{
	char pname[48];
	const char *v;
	struct db *db;
	int err;

	snprintf(pname, sizeof(pname), "%sProfile", prefix);
	v = req_arg(r, pname);
	if (!v)
		return fg_range(r, q, prefix, s);
	if (!*v || strlen(v) > 1024)
		return qarg_422(r, pname, "not a profile name", "value_error");
	if ((err = app_db(app, &db)) != E_OK)
		return err;
	err = adhoc_key_find(db, r->arena, q->service, v, &s->sel.adhoc_key);
	if (err == E_NOTFOUND) {
		err = req_send_message(r, 404, arena_printf(r->arena,
			"%s not found", pname));
		return err ? err : E_NOTFOUND;
	}
	if (err) {
		log_error("flamegraph: profile: %s", db_errmsg(db));
		return err;
	}
	s->sel.service_id = q->service_id;
	return E_OK;
}

/* GET /api/flamegraph/diff. */
int
h_flamegraph_diff(struct req *r, struct app *app)
{
	static const char *const nodes[] = { "maxNodes", "max_nodes" };
	struct fgq q;
	struct fg_side base, cmp;
	struct fl_tree t;
	struct fl_render_opts ro = { .inverted = true, .diff = true };
	struct buf b = BUF_INIT(FG_MAX_BODY);
	const char *pal = req_arg(r, "palette");
	const char **enr;
	size_t i, n;
	int err;

	memset(&q, 0, sizeof(q));
	memset(&base, 0, sizeof(base));
	memset(&cmp, 0, sizeof(cmp));
	q.t0s = fg_mono_s();
	if ((err = fg_service(r, app, true, &q)) != E_OK ||
	    (err = diff_side(r, app, &q, "base", &base)) != E_OK ||
	    (err = diff_side(r, app, &q, "compare", &cmp)) != E_OK ||
	    (err = fg_count(r, nodes, 2, FG_NODES_DEFAULT, FG_NODES_MAX,
		&q.max_nodes)) != E_OK ||
	    (err = fg_format(r, (1u << FG_JSON) | (1u << FG_HTML) |
		(1u << FG_SVG), &q.format)) != E_OK)
		return err;
	if (pal && strcmp(pal, "cb") == 0)
		ro.palette = FL_PAL_CB;
	else if (pal && *pal && strcmp(pal, "default") != 0)
		return qarg_422(r, "palette", "value is not a valid enumeration "
			"member", "type_error.enum");
	enr = req_args(r, "enrichment", &n);
	for (i = 0; i < n; i++)
		if (strcmp(enr[i], "lang") == 0)
			q.enrich = true;
	fl_tree_init(&t, r->arena, FG_BUILD_CAP);
	if ((err = fg_fetch(r, app, &base.sel, &t)) != E_OK)
		goto out;
	t.side = 1;
	if ((err = fg_fetch(r, app, &cmp.sel, &t)) != E_OK)
		goto out;
	if (q.format != FG_JSON && t.nodes == 0) {
		err = req_send(r, 204, NULL, "", 0);
		goto out;
	}
	fl_tree_finish(&t, q.enrich);
	fl_tree_cap(&t, q.max_nodes);
	if (q.format == FG_HTML || q.format == FG_SVG) {
		ro.title = arena_printf(r->arena, "%s: differential flamegraph",
			q.service);
		ro.subtitle = "red: share grew, blue: share shrank";
		if (ro.palette == FL_PAL_CB)
			ro.subtitle = "orange: share grew, blue: share shrank";
		err = fg_send_rendered(r, q.format, &t, &ro);
		goto out;
	}
	if (fl_diff_json(&t, false, &b) || buf_addstr(&b, ",\"exec_time\":") ||
	    buf_addf(&b, "%.6f}", fg_since(&q))) {
		err = fg_too_big(r, &b);
		goto out;
	}
	err = fg_send_body(r, 200, NULL, &b);
out:
	fl_tree_release(&t);
	return err;
}
