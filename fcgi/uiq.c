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

#include "qarg.h"
#include "uiq.h"
#include "utc.h"

/* Parse the shared parameters and look the service up. */
int
uiq_parse(struct req *r, struct app *app, unsigned flags, struct uiq *q)
{
	const unsigned need = QARG_REQUIRED | QARG_NONEMPTY;
	int err;

	memset(q, 0, sizeof(*q));
	if ((err = qarg_str(r, "serviceName", need, &q->service)))
		return err;
	if (!(flags & UIQ_NO_TIMES) &&
	    ((err = qarg_time(r, "startTime", need, &q->start, NULL)) ||
	     (err = qarg_time(r, "endTime", need, &q->end, NULL))))
		return err;
	if (!(flags & UIQ_NO_TIMES) &&
	    q->end - q->start > UIQ_MAX_DAYS * 86400 * INT64_C(1000000))
		return qarg_422(r, "endTime", "the time range is longer than "
			"366 days", "value_error");
	if ((err = qarg_filter(r, "filter", QARG_JSONDECODE, &q->filter)))
		return err;
	return qarg_service(r, app, "serviceName", need, &q->service,
		&q->service_id);
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
	if (!text)	/* out of memory, or a NaN: nothing to send */
		return req_send_message(r, 500, "Internal error");
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
