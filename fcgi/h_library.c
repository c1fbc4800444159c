/*
 * h_library.c - the ad hoc library after an entry is made (h_import.c
 * makes them): delete, pin, note, the audit log, and the flamegraphs a
 * profile_request produced.
 *
 *   POST /api/metrics/adhoc_flamegraph/delete  {serviceName, filename}
 *   POST /api/metrics/adhoc_flamegraph/pin     {serviceName, filename, pinned}
 *   POST /api/metrics/adhoc_flamegraph/note    {serviceName, filename,
 *                                               title?, note?}
 *   GET  /api/audit?serviceName[&limit]
 *   GET  /api/metrics/profile_request/{request_id}/flamegraphs
 *
 * All are operator routes; the JSON POSTs pass the same-origin JSON rule
 * of every operator POST (route.c).  Every action on the library writes
 * an audit entry with REMOTE_USER (or "anonymous").
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "adlib.h"
#include "library.h"
#include "body.h"
#include "h_library_int.h"
#include "jsonx.h"
#include "log.h"
#include "qarg.h"
#include "route.h"
#include "uuidx.h"

/* Most audit entries one GET returns. */
#define AUDIT_MAX 1000

/* ---------------------------------------------------------- lifecycle */

/* {serviceName, filename} of a lifecycle POST (answers 422 itself). */
static int
target_of(struct req *r, json_t *obj, const char **svc, const char **name)
{
	int err;

	if ((err = body_str(r, obj, "serviceName", true, svc)) ||
	    (err = body_str(r, obj, "filename", true, name)))
		return err;
	if (**svc == '_')
		(*svc)++;
	if (!**name || strlen(*name) > 1024 || strchr(*name, '/'))
		return refuse(r, "body", "filename", "not a flamegraph file name",
			"value_error");
	return E_OK;
}

/* POST /api/metrics/adhoc_flamegraph/delete. */
int
h_adhoc_delete(struct req *r, struct app *app)
{
	json_t *obj = NULL;
	const char *svc, *name;
	struct store *store;
	struct smp *smp = NULL;
	struct db *db;
	char msg[512];
	int err;

	if ((err = body_read_json(r, app->cfg->fcgi.max_json, &obj)))
		return err;
	if ((err = target_of(r, obj, &svc, &name)))
		goto out;
	if ((err = app_db(app, &db)) || (err = app_store(app, &store)))
		goto out;
	if (app->cfg->samples.index && (err = app_smp(app, &smp)))
		goto out;
	err = library_delete(db, store, smp, r->arena, svc, name, NULL, msg,
		sizeof(msg));
	if (err == E_NOTFOUND) {
		err = answer(r, 404, "Flamegraph file not found", E_NOTFOUND);
		goto out;
	}
	if (err) {
		log_error("adhoc delete '%s': %s", name, msg);
		err = answer(r, 500, "delete failed", err);
		goto out;
	}
	if (adlib_audit(db, actor_of(r), "delete", svc, name, NULL) != E_OK)
		log_error("audit: %s", db_errmsg(db));
	err = req_send_take(r, 200, json_pack("{s:s,s:s}", "message", "deleted",
		"filename", name));
out:
	json_decref(obj);
	return err;
}

/* POST /api/metrics/adhoc_flamegraph/pin. */
int
h_adhoc_pin(struct req *r, struct app *app)
{
	json_t *obj = NULL;
	const char *svc, *name;
	struct db *db;
	bool pinned;
	int err;

	if ((err = body_read_json(r, app->cfg->fcgi.max_json, &obj)))
		return err;
	if ((err = target_of(r, obj, &svc, &name)) ||
	    (err = body_bool(r, obj, "pinned", true, &pinned)) ||
	    (err = app_db(app, &db)))
		goto out;
	err = adlib_pin(db, svc, name, pinned);
	if (err == E_NOTFOUND) {
		err = answer(r, 404, "Flamegraph file not found", E_NOTFOUND);
		goto out;
	}
	if (!err)
		err = adlib_audit(db, actor_of(r), pinned ? "pin" : "unpin", svc,
			name, NULL);
	if (err) {
		log_error("adhoc pin: %s", db_errmsg(db));
		goto out;
	}
	err = req_send_take(r, 200, json_pack("{s:s,s:b}", "filename", name,
		"pinned", pinned));
out:
	json_decref(obj);
	return err;
}

/* POST /api/metrics/adhoc_flamegraph/note. */
int
h_adhoc_note(struct req *r, struct app *app)
{
	json_t *obj = NULL, *detail;
	const char *svc, *name, *title, *note;
	struct db *db;
	int err;

	if ((err = body_read_json(r, app->cfg->fcgi.max_json, &obj)))
		return err;
	if ((err = target_of(r, obj, &svc, &name)) ||
	    (err = body_str(r, obj, "title", false, &title)) ||
	    (err = body_str(r, obj, "note", false, &note)) ||
	    (err = app_db(app, &db)))
		goto out;
	if ((title && !jsonx_is_text(title, strlen(title))) ||
	    (note && !jsonx_is_text(note, strlen(note)))) {
		err = refuse(r, "body", title ? "title" : "note",
			"control characters", "value_error");
		goto out;
	}
	err = adlib_note(db, svc, name, title, note);
	if (err == E_TOOBIG) {
		err = refuse(r, "body", "note", "title at most 200 and note at "
			"most 4000 characters", "value_error.any_str.max_length");
		goto out;
	}
	if (err == E_NOTFOUND) {
		err = answer(r, 404, "Flamegraph file not found", E_NOTFOUND);
		goto out;
	}
	if (err) {
		log_error("adhoc note: %s", db_errmsg(db));
		goto out;
	}
	detail = json_object();
	if (title)
		json_object_set_new(detail, "title", jsonx_cstr(title));
	if (note)
		json_object_set_new(detail, "note_chars",
			json_integer((json_int_t)strlen(note)));
	{
		char *d = json_dumps(detail, JSON_COMPACT);

		err = adlib_audit(db, actor_of(r), "note", svc, name, d);
		free(d);
	}
	json_decref(detail);
	if (err) {
		log_error("audit: %s", db_errmsg(db));
		goto out;
	}
	err = req_send_take(r, 200, json_pack("{s:s}", "filename", name));
out:
	json_decref(obj);
	return err;
}

/* GET /api/audit. */
int
h_audit(struct req *r, struct app *app)
{
	const char *svc;
	struct adlib_audit *e = NULL;
	uint64_t limit;
	struct db *db;
	json_t *list;
	size_t i, n;
	int err;

	if ((err = qarg_service_name(r, "serviceName", 0, &svc)) ||
	    (err = qarg_u64(r, "limit", QARG_NONEMPTY, 100, AUDIT_MAX,
		&limit)))
		return err;
	if (svc && !*svc)
		svc = NULL;
	if ((err = app_db(app, &db)))
		return err;
	if ((err = adlib_audit_list(db, r->arena, svc, limit, &e, &n))) {
		log_error("audit: %s", db_errmsg(db));
		return err;
	}
	list = json_array();
	for (i = 0; i < n; i++) {
		json_t *o = json_pack("{s:o,s:s,s:s,s:s,s:s}", "at",
			jsonx_utc(e[i].at_usec), "actor", e[i].actor, "action",
			e[i].action, "serviceName", e[i].service, "target",
			e[i].target);
		json_t *d = NULL;

		if (o && e[i].detail[0] &&
		    jsonx_parse(e[i].detail, strlen(e[i].detail), &d, NULL, 0) ==
		    E_OK)
			json_object_set_new(o, "detail", d);
		json_array_append_new(list, o ? o : json_null());
	}
	return req_send_take(r, 200, list);
}

/* GET /api/metrics/profile_request/{id}/flamegraphs. */
int
h_request_flamegraphs(struct req *r, struct app *app)
{
	static const char suf[] = "/flamegraphs";
	const char *p = r->path;
	struct adlib_product *pr = NULL;
	char id[37];
	size_t len, i, n;
	struct db *db;
	json_t *list;
	int err;

	p = strstr(p, "/profile_request/");
	len = p ? strlen(p + 17) : 0;
	if (!p || len < sizeof(suf) - 1 || len - (sizeof(suf) - 1) >= sizeof(id) ||
	    strcmp(p + 17 + len - (sizeof(suf) - 1), suf) != 0)
		return answer(r, 404, "Not Found", E_NOTFOUND);
	memcpy(id, p + 17, len - (sizeof(suf) - 1));
	id[len - (sizeof(suf) - 1)] = '\0';
	if (!uuidx_valid(id))
		return refuse(r, "path", "request_id", "value is not a valid uuid",
			"type_error.uuid");
	if ((err = app_db(app, &db)))
		return err;
	if ((err = adlib_products(db, r->arena, id, &pr, &n))) {
		log_error("request flamegraphs: %s", db_errmsg(db));
		return err;
	}
	list = json_array();
	for (i = 0; i < n; i++) {
		const char *slash = strrchr(pr[i].s3_key, '/');

		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:o,s:b}",
			"serviceName", pr[i].service, "filename",
			slash ? slash + 1 : pr[i].s3_key, "hostname",
			pr[i].hostname, "command_id", pr[i].command_id,
			"timestamp", jsonx_utc(pr[i].start_usec), "by_window",
			pr[i].by_window));
	}
	return req_send_take(r, 200, json_pack("{s:s,s:o}", "request_id", id,
		"flamegraphs", list));
}
