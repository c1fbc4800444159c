/*
 * h_import.c - importing a profile file into the ad hoc library:
 *
 *   POST /api/profiles/import?serviceName&hostname[&format][&sample_type]
 *        [&title]                      body: one file (see import.h)
 *
 * An operator route.  Its body is a file, so it cannot pass the
 * same-origin JSON rule of the other operator POSTs; the route needs the
 * header "X-Ember-Request: import" instead of a JSON Content-Type
 * (route.c): a cross-site form cannot send a custom header, and a
 * cross-site script that tries must pass a CORS preflight, which nothing
 * here answers.  The Origin/Sec-Fetch-Site checks apply as well.
 *
 * An import is parsed completely first (every stack collected in the
 * request's arena, limits of [adhoc] enforced: 413 past a size, 422 for
 * a malformed file), then stored: the raw file, the page (ember's
 * renderer, or for format html the page itself), the metadata row with
 * source = import and the importer, the stack rows.  A failure part-way
 * removes what was written, so no half entry is left.  The import writes
 * an audit entry with REMOTE_USER (or "anonymous"), like the library's
 * other actions (h_library.c).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adlib.h"
#include "cdn.h"
#include "collapsed.h"
#include "flame.h"
#include "flrender.h"
#include "gz.h"
#include "h_library_int.h"
#include "import.h"
#include "jsonx.h"
#include "log.h"
#include "profile.h"
#include "qarg.h"
#include "route.h"
#include "services.h"
#include "utc.h"
#include "uuidx.h"

/* The stacks of a file, collected before anything is stored. */
struct stacks {
	struct arena *a;
	struct smp_line *lines;
	size_t n, cap, max;
};

/* imp_stack_fn: copy one stack into the collection. */
static int
collect(void *ctx, const char *const *frames, size_t nframes, uint64_t count)
{
	struct stacks *s = ctx;
	const char **f;
	size_t i;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct smp_line *l = arena_alloc(s->a, cap * sizeof(*l));

		if (s->n)
			memcpy(l, s->lines, s->n * sizeof(*l));
		s->lines = l;
		s->cap = cap;
	}
	f = arena_alloc(s->a, (nframes ? nframes : 1) * sizeof(*f));
	for (i = 0; i < nframes; i++)
		f[i] = arena_strdup(s->a, frames[i]);
	s->lines[s->n].container = "";
	s->lines[s->n].frames = f;
	s->lines[s->n].nframes = nframes;
	s->lines[s->n].count = count;
	s->n++;
	return E_OK;
}

/*
 * Folded and collapsed text through the agents' collapsed-line parser
 * (folded = its v1 layout: no index or container fields).
 */
static int
parse_lines(struct req *r, const struct cfg_adhoc *c, enum imp_format fmt,
	const char *text, size_t len, struct stacks *st, struct imp_result *res)
{
	struct coll_limits lim = { 0 };
	struct coll_result cr;
	json_t *hdr = NULL;
	const char *nl;
	int err = E_OK;

	lim.max_frames = c->import_max_frames;
	lim.max_lines = c->import_max_stacks;
	if (fmt == IMP_FOLDED) {
		hdr = json_pack("{s:{s:{s:s}}}", "metadata", "run_arguments",
			"profile_api_version", "v1");
	} else {
		const char *p = text;

		while (p < text + len && (*p == ' ' || *p == '\n' || *p == '\r'))
			p++;
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (p + 1 < text + len && p[0] == '#' &&
		    jsonx_parse(p + 1, (size_t)((nl ? nl : text + len) - p - 1),
		    &hdr, NULL, 0) != E_OK) {
			return refuse(r, "body", "header",
				"the collapsed file's header line is not JSON",
				"value_error.jsondecode");
		}
	}
	coll_parse(text, len, hdr, &lim, st->a, &cr);
	json_decref(hdr);
	if (cr.truncated)
		return answer(r, 413, "more stacks than adhoc.import_max_stacks",
			E_TOOBIG);
	st->lines = cr.lines;
	st->n = cr.n;
	res->stacks = cr.n;
	res->samples = cr.samples;
	res->skipped = cr.bad + cr.dropped;
	snprintf(res->detail, sizeof(res->detail), "%llu bad lines",
		(unsigned long long)cr.bad);
	return err;
}

/* Parse the file into st; answers 413/422 itself. */
static int
parse_file(struct req *r, const struct cfg_adhoc *c, enum imp_format fmt,
	const char *sample_type, const struct buf *data, struct stacks *st,
	struct imp_result *res)
{
	struct imp_limits lim = {
		.max_input = c->import_max_gunzip,
		.max_frames = c->import_max_frames,
		.max_stacks = c->import_max_stacks,
		.max_name = 64 * 1024,
	};
	char msg[256] = "";
	int err;

	memset(res, 0, sizeof(*res));
	switch (fmt) {
	case IMP_FOLDED:
	case IMP_COLLAPSED:
		return parse_lines(r, c, fmt, data->data, data->len, st, res);
	case IMP_PERF:
		err = imp_perf(data->data, data->len, &lim, st->a, collect, st,
			res, msg, sizeof(msg));
		break;
	case IMP_PPROF:
		err = imp_pprof(data->data, data->len, sample_type, &lim, st->a,
			collect, st, res, msg, sizeof(msg));
		break;
	case IMP_HTML:
		err = imp_html(data->data, data->len, &lim, st->a, collect, st,
			res, msg, sizeof(msg));
		/* a page without the embedded tree is kept as it is */
		if (err == E_INVAL && st->n == 0)
			err = E_OK;
		break;
	default:
		err = E_INVAL;
		snprintf(msg, sizeof(msg), "unknown format");
	}
	if (err == E_TOOBIG)
		return answer(r, 413, msg[0] ? msg : "over an import limit",
			E_TOOBIG);
	if (err)
		return refuse(r, "body", imp_format_name(fmt) ?
			imp_format_name(fmt) : "file", msg[0] ? msg :
			"malformed file", "value_error");
	return E_OK;
}

/* The page ember renders for the stacks. */
static int
render(const struct stacks *st, const char *title, struct buf *out)
{
	struct fl_render_opts o = { 0 };
	struct fl_tree t;
	struct arena a;
	size_t i;
	int err = E_OK;

	arena_init(&a, 0);
	fl_tree_init(&t, &a, 0);
	for (i = 0; i < st->n && !err; i++)
		err = fl_tree_add(&t, st->lines[i].frames, NULL,
			st->lines[i].nframes, st->lines[i].count);
	if (!err) {
		fl_tree_finish(&t, true);
		o.title = title;
		err = fl_render_html(&t, &o, out);
	}
	fl_tree_release(&t);
	arena_release(&a);
	return err;
}

/* What an import wrote, for the clean-up of a failure. */
struct written {
	const char *service, *raw_key, *key;
	bool raw, html, row, stacks;
};

/* Remove what an import wrote before it failed. */
static void
undo(struct db *db, struct store *st, struct smp *smp, const struct written *w)
{
	if (w->stacks && smp && smp_delete_adhoc(smp, w->key) != E_OK)
		log_error("import: removing stack rows of '%s': %s", w->key,
			smp_errmsg(smp));
	if (w->html && store_delete(st, w->key) != E_OK)
		log_error("import: removing '%s': %s", w->key, store_errmsg(st));
	if (w->raw && store_delete(st, w->raw_key) != E_OK)
		log_error("import: removing '%s': %s", w->raw_key,
			store_errmsg(st));
	if (w->row) {
		struct arena a;
		struct adhoc_row row;

		arena_init(&a, 0);
		if (db_tx_begin(db) == E_OK) {
			int rc = adhoc_lock(db, &a, w->service, w->key, &row);

			if (!rc)
				rc = adhoc_delete(db, row.id);
			if (db_tx_end(db, rc) != E_OK || rc)
				log_error("import: removing the row of '%s': %s",
					w->key, db_errmsg(db));
		}
		arena_release(&a);
	}
}

/* The query parameters of an import, checked. */
struct import_args {
	const char *service, *host, *title, *sample_type;
	enum imp_format fmt;
};

static int
import_args(struct req *r, struct import_args *ia)
{
	const char *v;
	int err;

	memset(ia, 0, sizeof(*ia));
	if ((err = qarg_str(r, "serviceName", QARG_REQUIRED, &v)))
		return err;
	ia->service = prof_service_clean(r->arena, v);
	if (!prof_service_ok(ia->service))
		return qarg_422(r, "serviceName",
			"not a valid service name", "value_error");
	if ((err = qarg_str(r, "hostname", QARG_REQUIRED, &ia->host)))
		return err;
	if (!prof_hostname_ok(ia->host))
		return qarg_422(r, "hostname", "not a valid hostname",
			"value_error");
	v = req_arg(r, "format");
	if (v && *v && (ia->fmt = imp_format_parse(v)) == IMP_UNKNOWN)
		return qarg_422(r, "format", "one of folded, collapsed, "
			"perf, pprof, html", "value_error");
	ia->sample_type = req_arg(r, "sample_type");
	if (ia->sample_type && (!*ia->sample_type ||
	    strlen(ia->sample_type) > 128))
		ia->sample_type = NULL;
	ia->title = req_arg(r, "title");
	if (ia->title && (strlen(ia->title) > ADLIB_MAX_TITLE * 4 ||
	    !jsonx_is_text(ia->title, strlen(ia->title))))
		return qarg_422(r, "title", "at most 200 characters of "
			"text", "value_error");
	return E_OK;
}

/* Store everything of a parsed import; on failure remove it again. */
static int
import_store(struct req *r, struct app *app, const struct import_args *ia,
	const struct buf *raw, const char *ext, const struct buf *html,
	const struct stacks *st, json_t **out)
{
	struct buf key = BUF_INIT(0), rawkey = BUF_INIT(0);
	struct store_put_opts hopts = { .content_type = "text/html; charset=utf-8" };
	struct store_put_opts ropts = { .content_type = "application/octet-stream" };
	struct written w = { 0 };
	struct adhoc_row row;
	struct smp_profile sp;
	struct store *store;
	struct smp *smp = NULL;
	struct db *db;
	char now[40], hex[33], base[128];
	int64_t sid, t = utc_now_usec() / 1000000 * 1000000;
	bool dup;
	int err;

	if ((err = app_db(app, &db)) || (err = app_store(app, &store)))
		return err;
	if (st->n && app->cfg->samples.index && (err = app_smp(app, &smp)))
		return err;
	if ((err = utc_format(t, UTC_FMT_NAIVE, now, sizeof(now))))
		return err;
	uuidx_new_hex(hex);
	snprintf(base, sizeof(base), "%s_%s_import", now, hex);
	if ((err = prof_flamegraph_key(ia->service, base, ia->host, PROF_ADHOC,
		&key)))
		goto out;
	err = buf_addf(&rawkey, "products/%s/stacks/import/%s.%s",
		ia->service, base, ext);
	if (err)
		goto out;
	w.service = ia->service;
	w.key = key.data;
	w.raw_key = rawkey.data;
	err = services_get_or_create(db, ia->service, "instances", &sid);
	if (err) {
		log_error("import: service: %s", db_errmsg(db));
		goto out;
	}
	if ((err = store_put(store, rawkey.data, raw->data, raw->len, &ropts)))
		goto store_fail;
	w.raw = true;
	if ((err = store_put(store, key.data, html->data, html->len, &hopts)))
		goto store_fail;
	w.html = true;
	memset(&row, 0, sizeof(row));
	row.s3_key = key.data;
	row.hostname = ia->host;
	row.start_usec = row.end_usec = t;
	row.file_size = (int64_t)html->len;
	if ((err = adhoc_upsert(db, sid, &row)))
		goto db_fail;
	w.row = true;
	if ((err = adlib_mark(db, key.data, actor_of(r), rawkey.data,
		cdn_refers(html->data, html->len), NULL)))
		goto db_fail;
	if (ia->title && (err = adlib_note(db, ia->service, key.data,
		ia->title, NULL)))
		goto db_fail;
	if (smp) {
		memset(&sp, 0, sizeof(sp));
		sp.key = rawkey.data;
		sp.service_id = sid;
		sp.hostname = ia->host;
		sp.instance_type = "";
		sp.start = t / 1000000;
		sp.end = sp.start + 60;
		sp.cpu_avg = sp.mem_avg = -1;
		sp.cores = -1;
		sp.adhoc_key = key.data;
		w.stacks = true;
		err = smp_write_profile(smp, &sp, st->lines, st->n, &dup);
		if (err) {
			log_error("import: sample store: %s", smp_errmsg(smp));
			goto out;
		}
	}
	if ((err = adlib_audit(db, actor_of(r), "import", ia->service,
		strrchr(key.data, '/') + 1, NULL)))
		goto db_fail;
	*out = json_pack("{s:s,s:s,s:s,s:I}", "filename",
		strrchr(key.data, '/') + 1, "s3_key", key.data, "raw_key",
		rawkey.data, "size", (json_int_t)html->len);
	goto out;
store_fail:
	log_error("import: store: %s", store_errmsg(store));
	goto out;
db_fail:
	log_error("import: %s", db_errmsg(db));
out:
	if (err)
		undo(db, store, smp, &w);
	buf_release(&key);
	buf_release(&rawkey);
	return err;
}

/* POST /api/profiles/import. */
int
h_import(struct req *r, struct app *app)
{
	const struct cfg_adhoc *c = &app->cfg->adhoc;
	struct buf body = BUF_INIT(0), text = BUF_INIT(0), html = BUF_INIT(0);
	const struct buf *data = &body;
	struct import_args ia;
	struct imp_result res;
	struct stacks st = { 0 };
	json_t *out = NULL;
	size_t clen = 0;
	int err;

	if ((err = import_args(r, &ia)))
		return err;
	if (req_content_length(r, &clen) == E_OK && clen > c->import_max_body)
		return answer(r, 413, "file over adhoc.import_max_body", E_TOOBIG);
	body.max = c->import_max_body;
	err = req_read_body(r, c->import_max_body, &body);
	if (err == E_TOOBIG) {
		err = answer(r, 413, "file over adhoc.import_max_body", E_TOOBIG);
		goto out;
	}
	if (err)
		goto out;
	if (body.len == 0) {
		err = refuse(r, "body", "file", "empty file", "value_error");
		goto out;
	}
	if (gz_is_gzip(body.data, body.len)) {
		text.max = c->import_max_gunzip;
		err = gz_inflate(body.data, body.len, c->import_max_gunzip, &text);
		if (err == E_TOOBIG) {
			err = answer(r, 413, "file inflates past "
				"adhoc.import_max_gunzip", E_TOOBIG);
			goto out;
		}
		if (err) {
			err = refuse(r, "body", "file", "bad gzip data",
				"value_error");
			goto out;
		}
		data = &text;
	}
	if (ia.fmt == IMP_UNKNOWN)
		ia.fmt = imp_detect(data->data, data->len);
	if (ia.fmt == IMP_UNKNOWN) {
		err = refuse(r, "body", "file", "format not recognised (give "
			"format=)", "value_error");
		goto out;
	}
	if (ia.fmt != IMP_PPROF && !jsonx_is_text(data->data, data->len)) {
		err = refuse(r, "body", "file", "not UTF-8 text", "value_error");
		goto out;
	}
	st.a = r->arena;
	if ((err = parse_file(r, c, ia.fmt, ia.sample_type, data, &st, &res)))
		goto out;
	if (st.n == 0 && ia.fmt != IMP_HTML) {
		err = refuse(r, "body", "file", "no stacks in the file",
			"value_error");
		goto out;
	}
	html.max = app->cfg->fcgi.max_html;
	if (ia.fmt == IMP_HTML)
		err = buf_add(&html, data->data, data->len);
	else
		err = render(&st, ia.title ? ia.title : ia.host, &html);
	if (err == E_TOOBIG) {
		err = answer(r, 413, "the page would be over fcgi.max_html",
			E_TOOBIG);
		goto out;
	}
	if (err)
		goto out;
	err = import_store(r, app, &ia, &body, imp_format_name(ia.fmt), &html,
		&st, &out);
	if (err) {
		err = answer(r, 500, "import failed; nothing was kept", err);
		goto out;
	}
	json_object_set_new(out, "format", json_string(imp_format_name(ia.fmt)));
	json_object_set_new(out, "stacks", json_integer((json_int_t)st.n));
	json_object_set_new(out, "samples", json_integer((json_int_t)res.samples));
	json_object_set_new(out, "skipped", json_integer((json_int_t)res.skipped));
	json_object_set_new(out, "detail", jsonx_cstr(res.detail));
	err = req_send_take(r, 201, out);
out:
	buf_release(&body);
	buf_release(&text);
	buf_release(&html);
	return err;
}
