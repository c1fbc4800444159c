/*
 * h_filters.c - the filter picker and saved filters of the web UI.
 *
 *   GET    /api/v1/filters/tags/{HostName|ContainerName|ContainerEnvName|
 *          InstanceType}?serviceName&startTime&endTime[&filter]
 *          [{"name":"web-1","samples":null}, ...] from the sample store:
 *          containers and k8s names with their summed samples as a string,
 *          most first; host names and instance types with null.  Empty
 *          values are skipped; no value at all is 204.  Another type is
 *          422.
 *   GET    /api/v1/filters/service/{service}   [{"id":7,"filter":{...}}]
 *          (an unknown service has none: [])
 *   POST   /api/v1/filters/service/{service}   {"filter":{...}} -> 201 id
 *          (406 "service X doesn't exists" for an unknown service)
 *   PUT    /api/v1/filters                     {"id":7,"filter":{...}}
 *          -> 201 null; 404 "Filter not found" for an unknown id
 *   DELETE /api/v1/filters/{id}                -> 204
 *   GET    /api/v1/filters?serviceName=        -> [] (kept for clients of
 *          the old server, where it was never implemented)
 *
 * A saved filter must be what the filter parameter accepts: an object of
 * "$and"/"$or" lists of {FilterType: {"$eq"|"$neq": "value"}}, checked by
 * the same parser (rql.h); anything else is 422 before it is stored.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "body.h"
#include "jsonx.h"
#include "log.h"
#include "route.h"
#include "samples.h"
#include "uidb.h"
#include "uiq.h"

/* The filter types and whether their options carry a sample count. */
static const struct {
	const char *name;
	enum smp_dim dim;
	bool counted;
} tag_types[] = {
	{ "ContainerName", SMP_CONTAINER, true },
	{ "HostName", SMP_HOSTNAME, false },
	{ "ContainerEnvName", SMP_CONTAINER_ENV, true },
	{ "InstanceType", SMP_INSTANCE_TYPE, false },
};

/* The list cap from the configuration. */
static unsigned
list_max(const struct app *app)
{
	return app->cfg->fcgi.list_max ? app->cfg->fcgi.list_max : 5000;
}

/* GET /api/v1/filters/tags/{type}. */
int
h_filter_tags(struct req *r, struct app *app)
{
	const char *type = route_tail(r);
	struct smp_tag *tags = NULL;
	struct smp_sel sel;
	struct smp *smp;
	struct uiq q;
	json_t *out;
	size_t i, k, n = 0;
	int err;

	for (k = 0; k < ARRAY_SIZE(tag_types); k++)
		if (strcmp(type, tag_types[k].name) == 0)
			break;
	if (k == ARRAY_SIZE(tag_types)) {
		err = req_send_422(r, "path", "filter_type",
			"value is not a valid enumeration member; permitted: "
			"'ContainerName', 'HostName', 'ContainerEnvName', "
			"'InstanceType'", "type_error.enum");
		return err ? err : E_INVAL;
	}
	if ((err = uiq_parse(r, app, 0, &q)))
		return err;
	if (q.end < q.start)
		return uiq_send_204(r);
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	memset(&sel, 0, sizeof(sel));
	sel.service_id = q.service_id;
	sel.from = q.start / 1000000;
	sel.to = q.end / 1000000 + 1;
	sel.filter = &q.filter;
	err = smp_tags(smp, &sel, tag_types[k].dim, list_max(app), r->arena,
		&tags, &n);
	if (err) {
		log_error("filter tags: %s", smp_errmsg(smp));
		return req_send_string(r, 502, "Failed getting data");
	}
	out = json_array();
	for (i = 0; i < n; i++) {
		if (!tags[i].value || !*tags[i].value)
			continue;
		json_array_append_new(out, json_pack("{s:s,s:o}", "name",
			tags[i].value, "samples", tag_types[k].counted ?
			json_string(arena_printf(r->arena, "%llu",
				(unsigned long long)tags[i].samples)) :
			json_null()));
	}
	if (json_array_size(out) == 0) {
		json_decref(out);
		return uiq_send_204(r);
	}
	return uiq_send(r, 200, out);
}

/*
 * Check the "filter" member of a request body and return its canonical
 * text (in the arena) in *text.  Answers 422 when it is missing or not a
 * filter.
 */
static int
filter_body(struct req *r, json_t *body, const char **text)
{
	json_t *f = json_object_get(body, "filter"), *wrap;
	char rerr[200], *s;
	struct rql q;
	int err;

	*text = NULL;
	if (!f || json_is_null(f)) {
		err = req_send_422(r, "body", "filter", "field required",
			"value_error.missing");
		return err ? err : E_INVAL;
	}
	if (!json_is_object(f)) {
		err = req_send_422(r, "body", "filter",
			"value is not a valid dict", "type_error.dict");
		return err ? err : E_INVAL;
	}
	wrap = json_pack("{s:O}", "filter", f);
	s = jsonx_text(wrap, r->arena);
	json_decref(wrap);
	if (rql_parse(s, r->arena, &q, rerr, sizeof(rerr)) != RQL_OK) {
		err = req_send_422(r, "body", "filter", rerr, "value_error");
		return err ? err : E_INVAL;
	}
	*text = jsonx_text(f, r->arena);
	return E_OK;
}

/* GET /api/v1/filters/service/{service}. */
int
h_filters_list(struct req *r, struct app *app)
{
	struct uidb_filter *f = NULL;
	struct db *db;
	json_t *out;
	size_t i, n = 0;
	int err;

	if ((err = app_db(app, &db)))
		return err;
	err = uidb_filters(db, route_tail(r), list_max(app), r->arena, &f, &n);
	if (err) {
		log_error("saved filters: %s", db_errmsg(db));
		return err;
	}
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(out, json_pack("{s:I,s:o}", "id",
			(json_int_t)f[i].id, "filter",
			json_loads(f[i].content, 0, NULL)));
	return uiq_send(r, 200, out);
}

/* POST /api/v1/filters/service/{service}. */
int
h_filters_add(struct req *r, struct app *app)
{
	const char *text, *name;
	json_t *body = NULL;
	struct db *db;
	int64_t id, sid;
	int err;

	if ((err = body_read_json(r, app->cfg->fcgi.max_json, &body)))
		return err;
	err = filter_body(r, body, &text);
	json_decref(body);
	if (err)
		return err;
	if ((err = app_db(app, &db)))
		return err;
	name = route_tail(r);
	err = uidb_service_id(db, name, &sid);
	if (err == E_NOTFOUND)
		return req_send_string(r, 406, arena_printf(r->arena,
			"service %s doesn't exists", name));
	if (!err)
		err = uidb_filter_add(db, sid, text, &id);
	if (err) {
		log_error("save filter: %s", db_errmsg(db));
		return err;
	}
	return uiq_send(r, 201, json_integer((json_int_t)id));
}

/* PUT /api/v1/filters. */
int
h_filters_update(struct req *r, struct app *app)
{
	const char *text;
	json_t *body = NULL;
	struct db *db;
	int64_t id;
	int err;

	if ((err = body_read_json(r, app->cfg->fcgi.max_json, &body)))
		return err;
	err = body_int(r, body, "id", -1, true, &id);
	if (!err && id < 0) {
		err = req_send_422(r, "body", "id", "field required",
			"value_error.missing");
		err = err ? err : E_INVAL;
	}
	if (!err)
		err = filter_body(r, body, &text);
	json_decref(body);
	if (err)
		return err;
	if ((err = app_db(app, &db)))
		return err;
	err = uidb_filter_update(db, id, text);
	if (err == E_NOTFOUND)
		return req_send_string(r, 404, "Filter not found");
	if (err) {
		log_error("update filter: %s", db_errmsg(db));
		return err;
	}
	return uiq_send(r, 201, json_null());
}

/* DELETE /api/v1/filters/{id}. */
int
h_filters_delete(struct req *r, struct app *app)
{
	const char *s = route_tail(r);
	char *end = NULL;
	struct db *db;
	long long id;
	bool found;
	int err;

	id = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || id <= 0) {
		err = req_send_422(r, "path", "filter_id",
			"value is not a valid integer", "type_error.integer");
		return err ? err : E_INVAL;
	}
	if ((err = app_db(app, &db)))
		return err;
	err = uidb_filter_delete(db, (int64_t)id, &found);
	if (err) {
		log_error("delete filter: %s", db_errmsg(db));
		return err;
	}
	return uiq_send_204(r);
}

/* GET /api/v1/filters. */
int
h_filters_query(struct req *r, struct app *app)
{
	(void)app;
	return uiq_send(r, 200, json_array());
}
