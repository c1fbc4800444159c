/*
 * h_profiles.c - agent uploads.
 *
 *   POST /api/v2/profiles   a profile (gzip JSON AgentData)
 *   POST /api/v1/logs       agent log batches (gzip JSON, X-Token)
 *
 * Upload, in order (spec 2.1): Content-Length required (411) and at most
 * fcgi.max_body (413, the compressed size); both agent headers required
 * (422, as FastAPI); the key checked against the service before the body
 * is read or inflated (400 "Invalid GPROFILER-SERVICE-NAME header", upstream's
 * answer for an unknown, revoked or other-service key); the body inflated
 * with the fcgi.max_gunzip cap (413) when it is gzip; AgentData validated
 * (422); the profile's "# {json}" header parsed (400); the service row got
 * or created; the gzipped profile text stored at
 * products/{service}/stacks/{iso}_{uuidhex}_{md5(host)}.gz; the indexer job
 * {"filename","service","service_id"} queued.  Answer {"message":"ok",
 * "gpid":N}: N is the agent's gpid when it sent a positive number (as a
 * number or a string), else the service id, always a JSON number.
 * Upstream's sampling threshold (Services.profiler_sample_threshold) is not
 * applied: every upload is queued.
 *
 * Logs: the body is checked (gzip JSON, at most fcgi.max_body compressed
 * and fcgi.max_logs inflated, else 413) and dropped; one log line records
 * the service and size.  The X-Token must be a live key when
 * fcgi.agent_auth is "required" (401).  Answer 200 {"message":"ok"}.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "profile.h"
#include "auth.h"
#include "gz.h"
#include "jsonx.h"
#include "log.h"
#include "route.h"
#include "store.h"
#include "queue.h"
#include "upload.h"
#include "utc.h"
#include "uuidx.h"

static const struct db_stmt st_service_get = {
	"fcgi_service_get",
	"WITH ins AS ("
	" INSERT INTO Services (name, env_type) VALUES ($1, $2::EnvType)"
	" ON CONFLICT (name) DO NOTHING RETURNING id)"
	"SELECT id FROM ins UNION ALL"
	" SELECT id FROM Services WHERE name = $1 LIMIT 1",
	2,
};

/* Answer FastAPI's 422 for missing agent headers (both listed). */
static int
missing_headers(struct req *r, bool key, bool svc)
{
	struct buf b = BUF_INIT(0);
	int err;

	if (buf_addstr(&b, "{\"detail\":[") ||
	    (key && buf_addstr(&b, "{\"loc\":[\"header\",\"gprofiler-api-key\"],"
		"\"msg\":\"field required\",\"type\":\"value_error.missing\"}")) ||
	    (key && svc && buf_addch(&b, ',')) ||
	    (svc && buf_addstr(&b, "{\"loc\":[\"header\",\"gprofiler-service-name\"],"
		"\"msg\":\"field required\",\"type\":\"value_error.missing\"}")) ||
	    buf_addstr(&b, "]}"))
		abort();
	err = req_send_json(r, 422, &b);
	buf_release(&b);
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
static long long
answer_gpid(json_t *gpid, long long fallback)
{
	const char *s;
	char *end;
	long long v;

	if (json_is_integer(gpid) && json_integer_value(gpid) > 0)
		return (long long)json_integer_value(gpid);
	if (json_is_string(gpid)) {
		s = json_string_value(gpid);
		if (*s >= '1' && *s <= '9') {
			v = strtoll(s, &end, 10);
			if (!*end && v > 0)
				return v;
		}
	}
	return fallback;
}

/* Validate AgentData: start_time (datetime), profile (str), gpid. */
static int
check_agent_data(struct req *r, json_t *body, int64_t *start)
{
	json_t *st = json_object_get(body, "start_time");
	json_t *pr = json_object_get(body, "profile");
	json_t *gp = json_object_get(body, "gpid");
	struct buf b = BUF_INIT(0);
	int n = 0, err;

	if (buf_addstr(&b, "{\"detail\":["))
		abort();
	if (!st || !json_is_string(st) ||
	    utc_parse(json_string_value(st), start)) {
		n++;
		if (buf_addf(&b, "{\"loc\":[\"body\",\"start_time\"],\"msg\":\"%s\","
			"\"type\":\"%s\"}", st ? "invalid datetime format" :
			"field required", st ? "value_error.datetime" :
			"value_error.missing"))
			abort();
	}
	if (!pr || !json_is_string(pr)) {
		if (buf_addf(&b, "%s{\"loc\":[\"body\",\"profile\"],\"msg\":\"%s\","
			"\"type\":\"%s\"}", n++ ? "," : "", pr ? "str type expected" :
			"field required", pr ? "type_error.str" :
			"value_error.missing"))
			abort();
	}
	if (!gp || !(json_is_string(gp) || json_is_integer(gp))) {
		if (buf_addf(&b, "%s{\"loc\":[\"body\",\"gpid\"],\"msg\":\"%s\","
			"\"type\":\"%s\"}", n++ ? "," : "", gp ? "str type expected" :
			"field required", gp ? "type_error.str" :
			"value_error.missing"))
			abort();
	}
	if (!n) {
		buf_release(&b);
		return E_OK;
	}
	if (buf_addstr(&b, "]}"))
		abort();
	err = req_send_json(r, 422, &b);
	buf_release(&b);
	return err ? err : E_INVAL;
}

/* Get or create the Services row; *id receives its id. */
static int
service_id(struct req *r, struct app *app, const char *name, json_t *header,
	long long *id)
{
	const char *params[2];
	PGresult *res = NULL;
	struct db *db;
	json_t *c = json_object_get(header, "containers");
	int err;

	err = app_db(app, &db);
	if (err)
		return err;
	params[0] = name;
	params[1] = json_is_array(c) && json_array_size(c) ? "containers" :
		"instances";
	err = db_exec(db, &st_service_get, params, &res);
	if (err) {
		log_error("upload: service '%s': %s", name, db_errmsg(db));
		return err;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return E_INTERNAL;
	}
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	(void)r;
	return E_OK;
}

/* Store the gzipped profile text and queue the indexer job. */
static int
store_and_queue(struct req *r, struct app *app, const char *svc,
	long long sid, const char *file, const char *profile, size_t plen)
{
	struct buf gz = BUF_INIT(0), msg = BUF_INIT(0);
	struct store_put_opts opts = { "application/gzip", NULL };
	struct store *st;
	struct queue *q;
	const char *key;
	int err;

	key = arena_printf(r->arena, "products/%s/stacks/%s", svc, file);
	err = gz_deflate(profile, plen, 6, &gz);
	if (!err)
		err = app_store(app, &st);
	if (!err) {
		err = store_put(st, key, gz.data, gz.len, &opts);
		if (err)
			log_error("upload: store '%s': %s", key, store_errmsg(st));
	}
	if (err) {
		err = req_send_message(r, 500, "Failed to store profile data");
		goto out;
	}
	if (buf_addstr(&msg, "{\"filename\":") || req_json_str(&msg, file) ||
	    buf_addstr(&msg, ",\"service\":") || req_json_str(&msg, svc) ||
	    buf_addf(&msg, ",\"service_id\":%lld}", sid))
		abort();
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
	log_info("upload: stored '%s' (%zu bytes gzip)", key, gz.len);
out:
	buf_release(&gz);
	buf_release(&msg);
	return err;
}

/* POST /api/v2/profiles. */
int
h_profiles_v2(struct req *r, struct app *app)
{
	const char *key = req_header(r, "GPROFILER-API-KEY");
	const char *svc_raw = req_header(r, "GPROFILER-SERVICE-NAME");
	struct buf body = BUF_INIT(0), file = BUF_INIT(0), out = BUF_INIT(0);
	json_t *root = NULL, *header = NULL, *profile;
	char hex[33], jerr[200];
	enum upload_header hs;
	enum auth_result ar;
	const char *svc;
	long long sid = 0;
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
	if (ar != AUTH_OK || !*svc || strcmp(svc, ".") == 0 ||
	    strcmp(svc, "..") == 0) {
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
	uuidx_new_hex(hex);
	err = upload_file_name(start, hex, upload_hostname(header, root), &file);
	if (err) {
		err = req_send_message(r, 400, "Invalid start_time");
		goto out;
	}
	err = service_id(r, app, svc, header, &sid);
	if (err)
		goto out;
	err = store_and_queue(r, app, svc, sid, file.data,
		json_string_value(profile), json_string_length(profile));
	if (err || r->status)
		goto out;
	if (buf_addf(&out, "{\"message\":\"ok\",\"gpid\":%lld}",
		answer_gpid(json_object_get(root, "gpid"), sid)))
		abort();
	err = req_send_json(r, 200, &out);
out:
	json_decref(header);
	json_decref(root);
	buf_release(&body);
	buf_release(&file);
	buf_release(&out);
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
	log_info("agent logs: %zu bytes from service '%s' dropped", body.len,
		jsonx_str(root, "service_name") ? jsonx_str(root, "service_name") :
		"?");
	err = req_send_message(r, 200, "ok");
out:
	json_decref(root);
	buf_release(&body);
	return err;
}
