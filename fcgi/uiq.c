/*
 * uiq.c - the continuous views' shared query parameters.
 *
 * Times: the UI sends Date.toISOString() ("...T10:20:30.123Z").  They are
 * converted to UTC with their offset and keep their fraction; the old
 * server dropped both.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "log.h"
#include "uidb.h"
#include "uiq.h"
#include "utc.h"

/* Answer FastAPI's 422 for one query parameter. */
int
uiq_422(struct req *r, const char *name, const char *msg, const char *type)
{
	int err = req_send_422(r, "query", name, msg, type);

	return err ? err : E_INVAL;
}

/* A required, non-empty parameter. */
static int
need(struct req *r, const char *name, const char **out)
{
	*out = req_arg(r, name);
	if (!*out || !**out)
		return uiq_422(r, name, "field required", "value_error.missing");
	return E_OK;
}

/* A required time parameter. */
static int
need_time(struct req *r, const char *name, int64_t *out)
{
	const char *v;
	int err = need(r, name, &v);

	if (err)
		return err;
	if (utc_parse(v, out))
		return uiq_422(r, name, "invalid datetime format",
			"value_error.datetime");
	return E_OK;
}

/* Answer 400 with a pydantic error list for a filter of the wrong shape. */
static int
bad_filter(struct req *r, const char *msg)
{
	json_t *body = json_pack("[{s:[s],s:s,s:s}]", "loc", "filter", "msg",
		msg, "type", "value_error");
	struct buf b = BUF_INIT(0);
	char *text = json_dumps(body, JSON_COMPACT);
	int err;

	if (!text || buf_addstr(&b, text))
		abort();
	err = req_send_json(r, 400, &b);
	free(text);
	json_decref(body);
	buf_release(&b);
	return err ? err : E_INVAL;
}

/* Parse the shared parameters and look the service up. */
int
uiq_parse(struct req *r, struct app *app, unsigned flags, struct uiq *q)
{
	char rerr[200], *msg;
	const char *name;
	struct db *db;
	int err;

	memset(q, 0, sizeof(*q));
	if ((err = need(r, "serviceName", &name)))
		return err;
	if (!(flags & UIQ_NO_TIMES) &&
	    ((err = need_time(r, "startTime", &q->start)) ||
	     (err = need_time(r, "endTime", &q->end))))
		return err;
	if (!(flags & UIQ_NO_TIMES) &&
	    q->end - q->start > UIQ_MAX_DAYS * 86400 * INT64_C(1000000))
		return uiq_422(r, "endTime", "the time range is longer than "
			"366 days", "value_error");
	switch (rql_parse(req_arg(r, "filter"), r->arena, &q->filter, rerr,
		sizeof(rerr))) {
	case RQL_BAD_JSON:
		return uiq_422(r, "filter", rerr, "value_error.jsondecode");
	case RQL_BAD_SHAPE:
		return bad_filter(r, rerr);
	default:
		break;
	}
	if ((err = app_db(app, &db)))
		return err;
	err = uidb_service_id(db, name, &q->service_id);
	if (err == E_NOTFOUND && name[0] == '_') {
		err = uidb_service_id(db, name + 1, &q->service_id);
		if (!err)
			name++;
	}
	if (err == E_NOTFOUND) {
		msg = arena_printf(r->arena, "service %s doesn't exists", name);
		err = req_send_string(r, 406, msg);
		return err ? err : E_INVAL;
	}
	if (err) {
		log_error("service lookup: %s", db_errmsg(db));
		return err;
	}
	q->service = name;
	return E_OK;
}

/* Open the sample store or answer 502. */
int
uiq_smp(struct req *r, struct app *app, struct smp **out)
{
	int err = app_smp(app, out);

	if (!err)
		return E_OK;
	err = req_send_string(r, 502, "Failed connect to flamedb api");
	return err ? err : E_DB;
}

/* A bool query parameter. */
int
uiq_bool(struct req *r, const char *name, bool def, bool *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on", "t", "y" };
	static const char *const no[] = { "false", "0", "no", "off", "f", "n" };
	const char *v = req_arg(r, name);
	size_t i;

	*out = def;
	if (!v || !*v)
		return E_OK;
	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return E_OK;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return E_OK;
		}
	}
	return uiq_422(r, name, "value could not be parsed to a boolean",
		"type_error.bool");
}

/* Keep the conditions of some types. */
struct rql
uiq_keep(struct req *r, const struct rql *f, const char *const *types)
{
	struct rql out = { NULL, 0 };
	size_t i, t;

	if (!f->n)
		return out;
	out.conds = arena_alloc(r->arena, f->n * sizeof(*out.conds));
	for (i = 0; i < f->n; i++)
		for (t = 0; types[t]; t++)
			if (strcmp(f->conds[i].type, types[t]) == 0) {
				out.conds[out.n++] = f->conds[i];
				break;
			}
	return out;
}

/* Whether f has a $eq on type. */
bool
uiq_has_eq(const struct rql *f, const char *type)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->conds[i].op == RQL_EQ &&
		    strcmp(f->conds[i].type, type) == 0)
			return true;
	return false;
}

/* Format usec as naive ISO text with pydantic's fraction rule. */
static int
naive(int64_t usec, char *out, size_t outlen)
{
	int64_t frac = ((usec % 1000000) + 1000000) % 1000000;
	char t[40];
	int err = utc_format(usec - frac, UTC_FMT_NAIVE, t, sizeof(t));

	if (err)
		return err;
	if (frac)
		snprintf(out, outlen, "%s.%06lld", t, (long long)frac);
	else
		snprintf(out, outlen, "%s", t);
	return E_OK;
}

/* A time as a JSON string. */
json_t *
uiq_jtime(int64_t usec, bool aware)
{
	char t[48];

	if (naive(usec, t, sizeof(t)))
		return json_null();
	if (aware && strlen(t) + 7 < sizeof(t))
		memcpy(t + strlen(t), "+00:00", 7);
	return json_string(t);
}

/* Send a JSON document. */
int
uiq_send(struct req *r, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY |
		JSON_REAL_PRECISION(15));
	int err;

	json_decref(body);
	if (!text)
		abort();
	err = req_send(r, status, NULL, text, strlen(text));
	free(text);
	return err;
}

/* Send an empty 204. */
int
uiq_send_204(struct req *r)
{
	return req_send(r, 204, NULL, "", 0);
}
