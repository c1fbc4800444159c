/*
 * h_snapshots.c - frames a user marked in a flamegraph, kept under an id.
 *
 *   POST /api/snapshots   {"serviceName","startTime","endTime","filter",
 *                          "frames":[{"level":0,"start":0,"duration":5}]}
 *                         -> 201 id (an integer)
 *   GET  /api/snapshots/{id}
 *                         -> {"serviceName","startTime","endTime",
 *                             "filter","frames"}; 404 when there is none
 *
 * A frame is named by its depth, its start (the sum of the values of its
 * earlier siblings) and its value, so a snapshot matches the tree again
 * only because children are always sent in the same order (by name).
 * filter may be the filter object, its JSON text, or null; it is checked
 * like the filter parameter.  At most SNAP_MAX_FRAMES frames.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "body.h"
#include "jsonx.h"
#include "log.h"
#include "route.h"
#include "uidb.h"
#include "uiq.h"
#include "utc.h"

#define SNAP_MAX_FRAMES 10000

/* Answer 422 for a body field. */
static int
bad(struct req *r, const char *field, const char *msg, const char *type)
{
	int err = req_send_422(r, "body", field, msg, type);

	return err ? err : E_INVAL;
}

/* Check the frames array; its text in *text. */
static int
frames_of(struct req *r, json_t *body, const char **text)
{
	static const char *const keys[] = { "level", "start", "duration" };
	json_t *f = json_object_get(body, "frames"), *fr, *v;
	size_t i, k;

	if (!f)
		return bad(r, "frames", "field required", "value_error.missing");
	if (!json_is_array(f))
		return bad(r, "frames", "value is not a valid list",
			"type_error.list");
	if (json_array_size(f) > SNAP_MAX_FRAMES)
		return bad(r, "frames", "too many frames", "value_error");
	json_array_foreach(f, i, fr) {
		if (!json_is_object(fr))
			return bad(r, "frames", "value is not a valid dict",
				"type_error.dict");
		for (k = 0; k < ARRAY_SIZE(keys); k++) {
			v = json_object_get(fr, keys[k]);
			if (!json_is_number(v) || json_number_value(v) < 0)
				return bad(r, "frames", "frames need level, "
					"start and duration as numbers >= 0",
					"value_error");
		}
	}
	*text = jsonx_text(f, r->arena);
	return E_OK;
}

/* Check the optional filter; its JSON text (an object) or NULL in *text. */
static int
filter_of(struct req *r, json_t *body, const char **text)
{
	json_t *f = json_object_get(body, "filter"), *own = NULL;
	char rerr[200], *s;
	struct rql q;
	int err = E_OK;

	*text = NULL;
	if (!f || json_is_null(f) ||
	    (json_is_string(f) && !json_string_length(f)))
		return E_OK;
	if (json_is_string(f)) {
		own = json_loads(json_string_value(f), 0, NULL);
		f = own;
	}
	if (!json_is_object(f))
		err = bad(r, "filter", "value is not a valid filter",
			"value_error");
	if (!err) {
		/*
		 * Keep {"filter": {...}} only: the bare {"$and": [...]} form
		 * is wrapped, other keys (the UI's "id") are dropped.
		 */
		json_t *inner = json_object_get(f, "filter");
		json_t *w = json_pack("{s:O}", "filter", inner ? inner : f);

		json_decref(own);
		own = w;
		f = w;
	}
	if (!err) {
		s = jsonx_text(f, r->arena);
		if (rql_parse(s, r->arena, &q, rerr, sizeof(rerr)) != RQL_OK)
			err = bad(r, "filter", rerr, "value_error");
		else
			*text = s;
	}
	json_decref(own);
	return err;
}

/* A required time field. */
static int
time_of(struct req *r, json_t *body, const char *key, int64_t *usec)
{
	const char *s;
	int err = body_str(r, body, key, true, &s);

	if (err)
		return err;
	if (utc_parse(s, usec))
		return bad(r, key, "invalid datetime format",
			"value_error.datetime");
	return E_OK;
}

/* POST /api/snapshots. */
int
h_snapshot_add(struct req *r, struct app *app)
{
	struct uidb_snapshot s;
	const char *name = NULL;
	json_t *body = NULL;
	struct db *db;
	int64_t id;
	int err;

	memset(&s, 0, sizeof(s));
	if ((err = body_read_json(r, app->cfg->fcgi.max_json, &body)))
		return err;
	if (!(err = body_str(r, body, "serviceName", true, &name)) &&
	    !(err = time_of(r, body, "startTime", &s.start)) &&
	    !(err = time_of(r, body, "endTime", &s.end)) &&
	    !(err = frames_of(r, body, &s.frames)))
		err = filter_of(r, body, &s.filter);
	json_decref(body);
	if (err)
		return err;
	if ((err = app_db(app, &db)))
		return err;
	err = uidb_service_id(db, name, &s.service_id);
	if (err == E_NOTFOUND)
		return req_send_string(r, 406, arena_printf(r->arena,
			"service %s doesn't exists", name));
	if (!err)
		err = uidb_snapshot_add(db, &s, &id);
	if (err) {
		log_error("snapshot: %s", db_errmsg(db));
		return err;
	}
	return uiq_send(r, 201, json_integer((json_int_t)id));
}

/* GET /api/snapshots/{id}. */
int
h_snapshot_get(struct req *r, struct app *app)
{
	const char *t = route_tail(r);
	struct uidb_snapshot s;
	char *end = NULL;
	struct db *db;
	long long id;
	json_t *filter;
	int err;

	id = strtoll(t, &end, 10);
	if (t[0] < '0' || t[0] > '9' || *end || id <= 0) {
		err = req_send_422(r, "path", "snapshot_id",
			"value is not a valid integer", "type_error.integer");
		return err ? err : E_INVAL;
	}
	if ((err = app_db(app, &db)))
		return err;
	err = uidb_snapshot_get(db, (int64_t)id, r->arena, &s);
	if (err == E_NOTFOUND)
		return req_send_string(r, 404, "Snapshot not found");
	if (err) {
		log_error("snapshot: %s", db_errmsg(db));
		return err;
	}
	filter = s.filter ? json_loads(s.filter, 0, NULL) : json_null();
	return uiq_send(r, 200, json_pack("{s:s,s:o,s:o,s:o,s:o}",
		"serviceName", s.service, "startTime", uiq_jtime(s.start, true),
		"endTime", uiq_jtime(s.end, true),
		"filter", filter ? filter : json_null(),
		"frames", json_loads(s.frames, 0, NULL)));
}
