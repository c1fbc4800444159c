/*
 * h_profiles.c - agent uploads.
 *
 *   POST /api/v2/profiles   a profile (gzip JSON AgentData)
 *   POST /api/v1/logs       agent log batches (gzip JSON, X-Token)
 *
 * Upload, in order: Content-Length required (411) and at most
 * fcgi.max_body (413, the compressed size); both agent headers required
 * (422, as FastAPI); the key checked against the service before the body
 * is read or inflated (400 "Invalid GPROFILER-SERVICE-NAME header", upstream's
 * answer for an unknown, revoked or other-service key); the body inflated
 * with the fcgi.max_gunzip cap (413) when it is gzip; AgentData validated
 * (422); the profile's "# {json}" header parsed (400); everything the
 * indexer would refuse checked now (prof_check(): hostname, start and end
 * times, flamegraph_html within fcgi.max_html after decoding and text, not
 * binary), 422 with FastAPI's shape, so nothing is accepted that would be
 * dead-lettered later; the service row got
 * or created; the gzipped profile text stored at
 * products/{service}/stacks/{iso}_{uuidhex}_{md5(host)}.gz; the indexer job
 * {"filename","service","service_id"} queued.  Answer {"message":"ok",
 * "gpid":N}: N is the agent's gpid when it sent a positive number (as a
 * number or a string), else the service id, always a JSON number.
 * Upstream's sampling threshold (Services.profiler_sample_threshold) is not
 * applied: every upload is queued.  The service name goes through
 * upstream's cleaning, then must pass prof_service_ok() (the one name rule,
 * shared with `ember-admin service create`), else 400 "Invalid
 * GPROFILER-SERVICE-NAME header", so even the all-services key cannot
 * create ".ember-meta", "-", "..." or over-long services.
 *
 * Logs: the body is checked (gzip JSON, at most fcgi.max_body compressed
 * and fcgi.max_logs inflated, else 413) and dropped; one log line records
 * the service and size.  The X-Token must be a live key when
 * fcgi.agent_auth is "required" (401).  Answer 200 {"message":"ok"}.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "body.h"
#include "gz.h"
#include "jsonx.h"
#include "log.h"
#include "num.h"
#include "profile.h"
#include "route.h"
#include "services.h"
#include "store.h"
#include "queue.h"
#include "upload.h"
#include "utc.h"
#include "uuidx.h"

/* Answer FastAPI's 422 for missing agent headers (both listed). */
static int
missing_headers(struct req *r, bool key, bool svc)
{
	json_t *items = json_array();
	int err;

	if (key)
		json_array_append_new(items, req_422_item("header",
			"gprofiler-api-key", "field required",
			"value_error.missing"));
	if (svc)
		json_array_append_new(items, req_422_item("header",
			"gprofiler-service-name", "field required",
			"value_error.missing"));
	err = req_send_422_take(r, items);
	return err ? err : E_INVAL;
}

/*
 * Read the (possibly gzip) body into out: 411/413/400 answered here.
 * The compressed size is capped by max_in, the inflated one by max_out.
 */
static int
read_agent_body(struct req *r, size_t max_in, size_t max_out, bool gzip,
	struct buf *out)
{
	struct buf raw = BUF_INIT(0);
	size_t clen;
	int err;

	err = req_content_length(r, &clen);
	if (err == E_NOTFOUND) {
		err = req_send_message(r, 411, "Content-Length required");
		return err ? err : E_INVAL;
	}
	if (err) {
		err = req_send_message(r, 400, "Invalid Content-Length");
		return err ? err : E_INVAL;
	}
	if (clen > max_in) {
		err = req_send_message(r, 413, "Request body too large");
		return err ? err : E_TOOBIG;
	}
	raw.max = max_in;
	err = req_read_body(r, max_in, &raw);
	if (err) {
		err = req_send_message(r, err == E_TOOBIG ? 413 : 400,
			err == E_TOOBIG ? "Request body too large" :
			"Could not read the request body");
		err = err ? err : E_INVAL;
		goto out;
	}
	if (gzip || gz_is_gzip(raw.data, raw.len)) {
		err = gz_inflate(raw.data, raw.len, max_out, out);
		if (err == E_TOOBIG) {
			err = req_send_message(r, 413,
				"Decompressed body too large");
			err = err ? err : E_TOOBIG;
		} else if (err) {
			err = req_send_message(r, 400, "Invalid gzip body");
			err = err ? err : E_INVAL;
		}
	} else if (raw.len > max_out) {
		err = req_send_message(r, 413, "Request body too large");
		err = err ? err : E_TOOBIG;
	} else {
		err = buf_add(out, raw.data, raw.len);
	}
out:
	buf_release(&raw);
	return err;
}

/* Whether the Content-Encoding header names gzip. */
static bool
is_gzip_encoded(struct req *r)
{
	const char *ce = req_header(r, "Content-Encoding");

	return ce && strstr(ce, "gzip");
}

/* The gpid to answer: the agent's positive number, else fallback. */
static int64_t
answer_gpid(json_t *gpid, int64_t fallback)
{
	int64_t v;

	if (json_is_integer(gpid) && json_integer_value(gpid) > 0)
		return json_integer_value(gpid);
	if (json_is_string(gpid) &&
	    num_i64(json_string_value(gpid), 1, INT64_MAX, &v) == E_OK)
		return v;
	return fallback;
}

/* Validate AgentData: start_time (datetime), profile (str), gpid. */
static int
check_agent_data(struct req *r, json_t *body, int64_t *start)
{
	json_t *st = json_object_get(body, "start_time");
	json_t *pr = json_object_get(body, "profile");
	json_t *gp = json_object_get(body, "gpid");
	json_t *items = json_array();
	int err;

	if (!st || !json_is_string(st) ||
	    utc_parse(json_string_value(st), start))
		json_array_append_new(items, req_422_item("body", "start_time",
			st ? "invalid datetime format" : "field required",
			st ? "value_error.datetime" : "value_error.missing"));
	if (!pr || !json_is_string(pr))
		json_array_append_new(items, req_422_item("body", "profile",
			pr ? "str type expected" : "field required",
			pr ? "type_error.str" : "value_error.missing"));
	if (!gp || !(json_is_string(gp) || json_is_integer(gp)))
		json_array_append_new(items, req_422_item("body", "gpid",
			gp ? "str type expected" : "field required",
			gp ? "type_error.str" : "value_error.missing"));
	if (json_array_size(items) == 0) {
		json_decref(items);
		return E_OK;
	}
	err = req_send_422_take(r, items);
	return err ? err : E_INVAL;
}

/*
 * What the indexer would refuse, answered now with 422: the profile
 * header's hostname, times and flamegraph HTML (prof_check()), and the
 * host name the object is named after.
 */
static int
check_indexable(struct req *r, struct app *app, json_t *header,
	const char *host, int64_t start)
{
	struct prof_problem why;
	struct prof p;
	int err;

	prof_from_header(&p, header);
	err = prof_check(&p, start, app->cfg->fcgi.max_html, NULL, &why);
	prof_release(&p);
	if (!err && !prof_hostname_ok(host)) {
		why.field = "hostname";
		why.msg = "hostname must be at most 255 bytes of text without "
			"control characters";
		why.type = "value_error.hostname";
		err = E_INVAL;
	}
	if (!err)
		return E_OK;
	err = req_send_422(r, "body", why.field, why.msg, why.type);
	return err ? err : E_INVAL;
}

/* Get or create the Services row; *id receives its id. */
static int
service_id(struct app *app, const char *name, json_t *header, int64_t *id)
{
	json_t *c = json_object_get(header, "containers");
	struct db *db;
	int err;

	err = app_db(app, &db);
	if (err)
		return err;
	err = services_get_or_create(db, name,
		json_is_array(c) && json_array_size(c) ? "containers" :
		"instances", id);
	if (err)
		log_error("upload: service '%s': %s", name, db_errmsg(db));
	return err;
}

/* Store the gzipped profile text and queue the indexer job. */
static int
store_and_queue(struct req *r, struct app *app, const char *svc,
	int64_t sid, const char *file, const char *profile, size_t plen)
{
	struct buf gz = BUF_INIT(0), msg = BUF_INIT(0), key = BUF_INIT(0);
	struct store_put_opts opts = { "application/gzip", NULL };
	json_t *job = NULL;
	struct store *st;
	struct queue *q;
	int err;

	err = prof_raw_key(svc, file, &key);
	if (!err)
		err = gz_deflate(profile, plen, 6, &gz);
	if (!err)
		err = app_store(app, &st);
	if (!err) {
		err = store_put(st, key.data, gz.data, gz.len, &opts);
		if (err)
			log_error("upload: store '%s': %s", key.data,
				store_errmsg(st));
	}
	if (err) {
		err = req_send_message(r, 500, "Failed to store profile data");
		goto out;
	}
	job = json_pack("{s:o,s:o,s:I}", "filename", jsonx_cstr(file),
		"service", jsonx_cstr(svc), "service_id", (json_int_t)sid);
	err = jsonx_dump(job, &msg);
	if (!err)
		err = app_queue(app, &q);
	if (!err) {
		err = queue_send(q, msg.data, msg.len, NULL);
		if (err)
			log_error("upload: queue '%s': %s", file, queue_errmsg(q));
	}
	if (err) {
		err = req_send_message(r, 500, "Failed to process profile upload");
		goto out;
	}
	log_info("upload: stored '%s' (%zu bytes gzip)", key.data, gz.len);
out:
	json_decref(job);
	buf_release(&gz);
	buf_release(&msg);
	buf_release(&key);
	return err;
}

/* POST /api/v2/profiles. */
int
h_profiles_v2(struct req *r, struct app *app)
{
	const char *key = req_header(r, "GPROFILER-API-KEY");
	const char *svc_raw = req_header(r, "GPROFILER-SERVICE-NAME");
	struct buf body = BUF_INIT(0), file = BUF_INIT(0);
	json_t *root = NULL, *header = NULL, *profile;
	char hex[33], jerr[200];
	enum upload_header hs;
	enum auth_result ar;
	const char *svc;
	int64_t sid = 0;
	size_t clen;
	int64_t start;
	int err;

	/* Length checks first, as upstream's GzipRoute does. */
	err = req_content_length(r, &clen);
	if (err == E_NOTFOUND) {
		err = req_send_message(r, 411, "Content-Length required");
		goto out;
	}
	if (!err && clen > app->cfg->fcgi.max_body) {
		err = req_send_message(r, 413, "Request body too large");
		goto out;
	}
	if (!key || !*key || !svc_raw || !*svc_raw) {
		err = missing_headers(r, !key || !*key, !svc_raw || !*svc_raw);
		goto out;
	}
	svc = prof_service_clean(r->arena, svc_raw);
	err = auth_check(app, key, svc, &ar);
	if (err)
		goto out;
	if (ar != AUTH_OK || !prof_service_ok(svc)) {
		err = req_send_message(r, 400, "Invalid GPROFILER-SERVICE-NAME header");
		goto out;
	}
	body.max = app->cfg->fcgi.max_gunzip;
	err = read_agent_body(r, app->cfg->fcgi.max_body,
		app->cfg->fcgi.max_gunzip, is_gzip_encoded(r), &body);
	if (err)
		goto out;
	if (jsonx_parse(body.data, body.len, &root, jerr, sizeof(jerr)) ||
	    !json_is_object(root)) {
		err = req_send_422(r, "body", NULL, root ? "value is not a valid dict" :
			jerr, root ? "type_error.dict" : "value_error.jsondecode");
		goto out;
	}
	err = check_agent_data(r, root, &start);
	if (err)
		goto out;
	profile = json_object_get(root, "profile");
	hs = upload_parse_header(json_string_value(profile),
		json_string_length(profile), &header);
	if (hs != UPLOAD_HDR_OK) {
		err = req_send_message(r, 400, hs == UPLOAD_HDR_NO_META ?
			"Agent metadata is missing, probably you are using and old agent" :
			"Failed to parse v2 metadata");
		goto out;
	}
	err = check_indexable(r, app, header, upload_hostname(header, root),
		start);
	if (err)
		goto out;
	uuidx_new_hex(hex);
	err = upload_file_name(start, hex, upload_hostname(header, root), &file);
	if (err) {
		err = req_send_message(r, 400, "Invalid start_time");
		goto out;
	}
	err = service_id(app, svc, header, &sid);
	if (err)
		goto out;
	err = store_and_queue(r, app, svc, sid, file.data,
		json_string_value(profile), json_string_length(profile));
	if (err || r->status)
		goto out;
	err = req_send_take(r, 200, json_pack("{s:s,s:I}", "message", "ok",
		"gpid", (json_int_t)answer_gpid(json_object_get(root, "gpid"),
		sid)));
out:
	json_decref(header);
	json_decref(root);
	buf_release(&body);
	buf_release(&file);
	return err;
}

/* POST /api/v1/logs. */
int
h_logs(struct req *r, struct app *app)
{
	const char *token = req_header(r, "X-Token");
	struct buf body = BUF_INIT(0);
	enum auth_result ar = AUTH_OK;
	json_t *root = NULL;
	char jerr[200];
	int err;

	if (app->cfg->fcgi.agent_auth == CFG_AUTH_REQUIRED) {
		err = auth_check(app, token, NULL, &ar);
		if (err)
			goto out;
		if (ar != AUTH_OK) {
			err = req_send_message(r, 401, "Invalid X-Token");
			goto out;
		}
	}
	body.max = app->cfg->fcgi.max_logs;
	err = read_agent_body(r, app->cfg->fcgi.max_body,
		app->cfg->fcgi.max_logs, is_gzip_encoded(r), &body);
	if (err)
		goto out;
	if (jsonx_parse(body.data, body.len, &root, jerr, sizeof(jerr))) {
		err = req_send_422(r, "body", NULL, jerr, "value_error.jsondecode");
		goto out;
	}
	log_info("agent logs: %zu bytes from service '%.*s' dropped", body.len,
		LOG_CUT(jsonx_str(root, "service_name")));
	err = req_send_message(r, 200, "ok");
out:
	json_decref(root);
	buf_release(&body);
	return err;
}
