/*
 * h_overview.c - the web UI's Overview page.
 *
 *   GET /api/overview            {"cores":N,"instances":N,"services":N}
 *   GET /api/overview/services   [{"agentVersionLowest":null,"cores":N,
 *                                  "createDate":"2024-04-02T08:11:03.120000",
 *                                  "envType":"instances","lastUpdated":
 *                                  "...+00:00"|null,"nodes":N,"serviceId":3,
 *                                  "serviceName":"checkout"}], 204 if none
 *
 * "services" counts the services the UI can query; cores and nodes
 * (instances) are those of the hosts that sent profiles in the last
 * OV_WINDOW seconds, from the sample store's host records, and
 * lastUpdated is the minute of the service's newest samples in that
 * window.  ember does not keep agent versions: agentVersionLowest is null.
 */
#include "compat.h"

#include <string.h>

#include <jansson.h>

#include "log.h"
#include "route.h"
#include "samples.h"
#include "uidb.h"
#include "uiq.h"
#include "utc.h"

/* The window the overview counts hosts in (seconds). */
#define OV_WINDOW 86400

/* What the overview shows for one service. */
struct ov_row {
	struct smp_metrics m;
	int64_t last;		/* unix seconds of the newest bucket, 0 if none */
};

/* The visible services (answering 5xx itself on failure). */
static int
services(struct req *r, struct app *app, struct uidb_service **s, size_t *n)
{
	struct db *db;
	int err;

	if ((err = app_db(app, &db)))
		return err;
	err = uidb_services(db, app->cfg->fcgi.list_max ?
		app->cfg->fcgi.list_max : 5000, r->arena, s, n);
	if (err)
		log_error("overview services: %s", db_errmsg(db));
	return err;
}

/* Read one service's row from the sample store. */
static int
row(struct req *r, struct smp *smp, int64_t service_id, bool last,
	struct ov_row *out)
{
	struct smp_bucket *b = NULL;
	struct smp_sel sel;
	size_t n = 0;
	int err;

	memset(out, 0, sizeof(*out));
	memset(&sel, 0, sizeof(sel));
	sel.service_id = service_id;
	sel.to = utc_now_usec() / 1000000 + 1;
	sel.from = sel.to - OV_WINDOW;
	err = smp_metrics(smp, &sel, &out->m);
	if (err || !last || !out->m.hosts)
		return err;
	err = smp_buckets(smp, &sel, 60, OV_WINDOW / 60 + 2, r->arena, &b, &n);
	if (!err && n)
		out->last = b[n - 1].ts;
	return err;
}

/* GET /api/overview. */
int
h_overview(struct req *r, struct app *app)
{
	struct uidb_service *s = NULL;
	uint64_t cores = 0, hosts = 0;
	struct smp *smp;
	struct ov_row o;
	size_t i, n = 0;
	int err;

	if ((err = services(r, app, &s, &n)) || (err = uiq_smp(r, app, &smp)))
		return err;
	for (i = 0; i < n; i++) {
		if (row(r, smp, s[i].id, false, &o)) {
			log_error("overview: %s", smp_errmsg(smp));
			return req_send_string(r, 502, "Failed getting data");
		}
		cores += o.m.cores;
		hosts += o.m.hosts;
	}
	return uiq_send(r, 200, json_pack("{s:I,s:I,s:I}", "cores",
		(json_int_t)cores, "instances", (json_int_t)hosts, "services",
		(json_int_t)n));
}

/* GET /api/overview/services. */
int
h_overview_services(struct req *r, struct app *app)
{
	struct uidb_service *s = NULL;
	struct smp *smp;
	struct ov_row o;
	json_t *out;
	size_t i, n = 0;
	int err;

	if ((err = services(r, app, &s, &n)) || (err = uiq_smp(r, app, &smp)))
		return err;
	if (!n)
		return uiq_send_204(r);
	out = json_array();
	for (i = 0; i < n; i++) {
		if (row(r, smp, s[i].id, true, &o)) {
			json_decref(out);
			log_error("overview services: %s", smp_errmsg(smp));
			return req_send_string(r, 502, "Failed getting data");
		}
		json_array_append_new(out, json_pack(
			"{s:n,s:I,s:o,s:s,s:o,s:I,s:I,s:s}",
			"agentVersionLowest",
			"cores", (json_int_t)o.m.cores,
			"createDate", s[i].has_created ?
				uiq_jtime(s[i].created, false) : json_null(),
			"envType", s[i].env_type,
			"lastUpdated", o.last ?
				uiq_jtime(o.last * INT64_C(1000000), true) :
				json_null(),
			"nodes", (json_int_t)o.m.hosts,
			"serviceId", (json_int_t)s[i].id,
			"serviceName", s[i].name));
	}
	return uiq_send(r, 200, out);
}
