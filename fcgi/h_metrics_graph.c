/*
 * h_metrics_graph.c - the service graphs of the web UI, per interval:
 * samples, a function's share of the CPU, the host metrics and the
 * nodes and cores, from the sample store's buckets and per-profile host
 * records.
 *
 * Every endpoint takes serviceName, startTime, endTime and filter (uiq.h)
 * and answers 204 with no body when there is nothing to show, except
 * graph/nodes_and_cores (200 []), as the UI's old server did.
 *
 *   function_cpu           [{"cpu_percentage","time"}]: the share of the
 *                           bucket's samples whose stack holds functionName
 *   samples                [{"samples","time"}]
 *   graph                  [{"avg_cpu","avg_memory","max_cpu","max_memory",
 *                           "percentile_memory":null,"uniq_hostnames":null,
 *                           "time"}]
 *   graph/nodes_and_cores  [{"avg_nodes","max_nodes","avg_cores",
 *                           "max_cores","time"}], time naive, counted from
 *                           startTime as the old server did
 *
 * requested_interval is checked against the list of intervals the UI
 * sends ("1 minute" ... "24 hours", singular or plural); the old server
 * pasted it into SQL.  Lists are newest first.  Times the old server
 * wrote aware go out as ...+00:00.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "h_metrics_ui_int.h"
#include "qarg.h"
#include "route.h"
#include "samples.h"
#include "uiq.h"

/* Most buckets function_cpu reads stacks for. */
#define MUI_MAX_STACK_BUCKETS 400

/* One interval the UI may ask for. */
static const struct {
	const char *name;	/* singular spelling; a trailing "s" is allowed */
	int64_t secs;
} intervals[] = {
	{ "15 second", 15 }, { "30 second", 30 }, { "1 minute", 60 },
	{ "5 minute", 300 }, { "15 minute", 900 }, { "1 hour", 3600 },
	{ "2 hour", 7200 }, { "6 hour", 21600 }, { "24 hour", 86400 },
};

/* The automatic interval for a range of secs seconds. */
static int64_t
auto_interval(int64_t secs)
{
	if (secs <= 1800)
		return 15;
	if (secs <= 3600)
		return 30;
	if (secs <= 86400)
		return 900;
	if (secs <= 7 * 86400)
		return 7200;
	if (secs <= 14 * 86400)
		return 21600;
	return 86400;
}

/*
 * requested_interval in seconds: automatic when absent or empty.  An
 * unknown value is 422 when strict, else automatic.
 */
static int
interval(struct req *r, const struct uiq *q, bool strict, int64_t *iv)
{
	const char *v = req_arg(r, "requested_interval");
	size_t i, n;

	*iv = auto_interval((q->end - q->start) / 1000000);
	if (!v || !*v)
		return E_OK;
	for (i = 0; i < ARRAY_SIZE(intervals); i++) {
		n = strlen(intervals[i].name);
		if (strncmp(v, intervals[i].name, n) == 0 &&
		    (!v[n] || (v[n] == 's' && !v[n + 1]))) {
			*iv = intervals[i].secs;
			return E_OK;
		}
	}
	if (!strict)
		return E_OK;
	return qarg_422(r, "requested_interval", "unknown interval; permitted: "
		"15 second, 30 second, 1 minute, 5 minute, 15 minute, 1 hour, "
		"2 hour, 6 hour, 24 hour", "value_error");
}

/* The sample store's bucket step for an interval (60 or whole hours). */
static int64_t
step_for(int64_t iv)
{
	return iv % 3600 == 0 ? iv : 60;
}

/* Start of the interval of length iv (seconds) holding t (seconds). */
static int64_t
floor_to(int64_t t, int64_t iv)
{
	int64_t m = t % iv;

	return m < 0 ? t - m - iv : t - m;
}

/* Sample totals of q per interval iv: (bucket start, samples), oldest first. */
static int
sample_buckets(struct req *r, struct smp *smp, const struct uiq *q,
	int64_t iv, struct smp_bucket **out, size_t *n)
{
	struct smp_bucket *b = NULL;
	struct smp_sel sel = mui_sel_of(q, q->start, q->end, &q->filter);
	size_t i, k = 0, nb = 0;
	int err;

	*out = NULL;
	*n = 0;
	err = smp_buckets(smp, &sel, step_for(iv), MUI_MAX_BUCKETS, r->arena,
		&b, &nb);
	if (err)
		return err;
	for (i = 0; i < nb; i++) {
		int64_t t = floor_to(b[i].ts, iv < 60 ? 60 : iv);

		if (k && b[k - 1].ts == t) {
			b[k - 1].samples += b[i].samples;
			continue;
		}
		b[k].ts = t;
		b[k].samples = b[i].samples;
		k++;
	}
	*out = b;
	*n = k;
	return E_OK;
}

/* GET /api/metrics/samples. */
int
h_m_samples(struct req *r, struct app *app)
{
	struct smp_bucket *b = NULL;
	struct smp *smp;
	struct uiq q;
	json_t *out;
	int64_t iv;
	size_t i, n = 0;
	int err;

	if ((err = uiq_parse(r, app, 0, &q)) ||
	    (err = interval(r, &q, true, &iv)) ||
	    (err = mui_check_buckets(r, &q, step_for(iv), MUI_MAX_BUCKETS)))
		return err;
	if (q.end < q.start)
		return uiq_send_204(r);
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	if (sample_buckets(r, smp, &q, iv, &b, &n))
		return mui_store_failed(r, smp, "samples");
	if (!n)
		return uiq_send_204(r);
	out = json_array();
	for (i = n; i-- > 0;)
		json_array_append_new(out, json_pack("{s:I,s:o}", "samples",
			(json_int_t)b[i].samples, "time",
			uiq_jtime(b[i].ts * INT64_C(1000000), true)));
	return uiq_send(r, 200, out);
}

/* Whether frames hold name. */
static bool
has_frame(const char *const *frames, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(frames[i], name) == 0)
			return true;
	return false;
}

/* function_cpu's per-stack callback: sum the stacks holding the name. */
struct fn_sum {
	const char *name;
	uint64_t hits;
};

static int
fn_stack(void *ctx, const char *const *frames, size_t n, uint64_t count)
{
	struct fn_sum *s = ctx;

	if (has_frame(frames, n, s->name))
		s->hits += count;
	return 0;
}

/* GET /api/metrics/function_cpu. */
int
h_m_function_cpu(struct req *r, struct app *app)
{
	struct smp_bucket *b = NULL;
	const char *fn = req_arg(r, "functionName");
	struct smp *smp;
	struct uiq q;
	json_t *out;
	bool any = false;
	int64_t iv;
	size_t i, n = 0;
	int err;

	if ((err = uiq_parse(r, app, 0, &q)))
		return err;
	if (!fn || !*fn)
		return qarg_422(r, "functionName", "field required",
			"value_error.missing");
	iv = auto_interval((q.end - q.start) / 1000000);
	if (iv < 60)
		iv = 60;
	if (q.end > q.start &&
	    (q.end - q.start) / 1000000 / iv + 2 > MUI_MAX_STACK_BUCKETS)
		return qarg_422(r, "endTime", "the time range is too long for "
			"function_cpu", "value_error");
	if (q.end < q.start)
		return uiq_send_204(r);
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	if (sample_buckets(r, smp, &q, iv, &b, &n))
		return mui_store_failed(r, smp, "function cpu");
	out = json_array();
	for (i = n; i-- > 0;) {
		struct fn_sum sum = { fn, 0 };
		struct smp_info info;
		int64_t from = b[i].ts * INT64_C(1000000);
		int64_t to = from + iv * INT64_C(1000000) - 1;
		struct smp_sel sel = mui_sel_of(&q,
			from < q.start ? q.start : from,
			to > q.end ? q.end : to, &q.filter);
		double share;

		memset(&info, 0, sizeof(info));
		if (smp_stacks(smp, &sel, 0, r->arena, fn_stack, &sum, &info)) {
			json_decref(out);
			return mui_store_failed(r, smp, "function cpu stacks");
		}
		share = info.total ? (double)sum.hits / (double)info.total : 0;
		any = any || sum.hits;
		json_array_append_new(out, json_pack("{s:f,s:o}",
			"cpu_percentage", share, "time",
			uiq_jtime(from, true)));
	}
	if (!any) {
		json_decref(out);
		return uiq_send_204(r);
	}
	return uiq_send(r, 200, out);
}

/* Merge metrics b into a (weighted by profile count). */
static void
merge_metrics(struct smp_metrics *a, const struct smp_metrics *b)
{
	double wa = (double)a->profiles, wb = (double)b->profiles;

	if (b->cpu_avg >= 0)
		a->cpu_avg = a->cpu_avg >= 0 && wa + wb > 0 ?
			(a->cpu_avg * wa + b->cpu_avg * wb) / (wa + wb) :
			b->cpu_avg;
	if (b->mem_avg >= 0)
		a->mem_avg = a->mem_avg >= 0 && wa + wb > 0 ?
			(a->mem_avg * wa + b->mem_avg * wb) / (wa + wb) :
			b->mem_avg;
	if (b->cpu_max > a->cpu_max)
		a->cpu_max = b->cpu_max;
	if (b->mem_max > a->mem_max)
		a->mem_max = b->mem_max;
	a->profiles += b->profiles;
	a->samples += b->samples;
	if (b->hosts > a->hosts)
		a->hosts = b->hosts;
	if (b->cores > a->cores)
		a->cores = b->cores;
}

/* GET /api/metrics/graph. */
int
h_m_graph(struct req *r, struct app *app)
{
	struct smp_metrics_bucket *b = NULL;
	struct smp_sel sel;
	struct smp *smp;
	struct rql f;
	struct uiq q;
	json_t *out;
	int64_t iv;
	size_t i, k = 0, n = 0;
	int err;

	if ((err = uiq_parse(r, app, 0, &q)) ||
	    (err = interval(r, &q, true, &iv)) ||
	    (err = mui_check_buckets(r, &q, step_for(iv), MUI_MAX_BUCKETS)))
		return err;
	if (uiq_has_eq(&q.filter, "ContainerEnvName") || q.end < q.start)
		return uiq_send_204(r);
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	f = uiq_keep(r, &q.filter, mui_host_only);
	sel = mui_sel_of(&q, q.start, q.end, &f);
	if (smp_metrics_buckets(smp, &sel, step_for(iv), MUI_MAX_BUCKETS,
		r->arena, &b, &n))
		return mui_store_failed(r, smp, "metrics graph");
	for (i = 0; i < n; i++) {
		int64_t t = floor_to(b[i].ts, iv < 60 ? 60 : iv);

		if (b[i].m.cpu_avg < 0 && b[i].m.mem_avg < 0)
			continue;
		if (k && b[k - 1].ts == t) {
			merge_metrics(&b[k - 1].m, &b[i].m);
			continue;
		}
		b[k] = b[i];
		b[k].ts = t;
		k++;
	}
	out = json_array();
	for (i = k; i-- > 0;) {
		/* The bucket's start must lie in the range. */
		if (b[i].ts * INT64_C(1000000) < q.start ||
		    b[i].ts * INT64_C(1000000) > q.end)
			continue;
		json_array_append_new(out, json_pack(
			"{s:o,s:o,s:o,s:o,s:n,s:n,s:o}",
			"avg_cpu", mui_num(b[i].m.cpu_avg),
			"avg_memory", mui_num(b[i].m.mem_avg),
			"max_cpu", mui_num(b[i].m.cpu_max),
			"max_memory", mui_num(b[i].m.mem_max),
			"percentile_memory", "uniq_hostnames",
			"time", uiq_jtime(b[i].ts * INT64_C(1000000), true)));
	}
	if (!json_array_size(out)) {
		json_decref(out);
		return uiq_send_204(r);
	}
	return uiq_send(r, 200, out);
}

/* GET /api/metrics/graph/nodes_and_cores. */
int
h_m_graph_nodes(struct req *r, struct app *app)
{
	struct smp_metrics_bucket *b = NULL;
	struct smp *smp;
	struct uiq q;
	json_t *out;
	int64_t iv, step, t;
	size_t i = 0, n = 0;
	int err;

	if ((err = uiq_parse(r, app, 0, &q)) ||
	    (err = interval(r, &q, false, &iv)))
		return err;
	if (uiq_has_eq(&q.filter, "ContainerEnvName") ||
	    uiq_has_eq(&q.filter, "ContainerName"))
		return uiq_send_204(r);
	step = iv < 3600 ? 60 : 3600;
	if (iv < 60)
		iv = 60;
	if ((err = mui_check_buckets(r, &q, step, MUI_MAX_BUCKETS)))
		return err;
	if (q.end < q.start)
		return uiq_send(r, 200, json_array());
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	if (mui_host_buckets(r, smp, &q, step, &b, &n))
		return mui_store_failed(r, smp, "nodes and cores graph");
	out = json_array();
	/* Buckets start at startTime, as generate_series(start, end, iv). */
	for (t = q.start; t <= q.end && i < n; t += iv * INT64_C(1000000)) {
		int64_t te = t + iv * INT64_C(1000000);
		double hs = 0, cs = 0;
		uint64_t maxh = 0, maxc = 0;
		bool any = false;

		for (; i < n && b[i].ts * INT64_C(1000000) < te; i++) {
			if (b[i].ts * INT64_C(1000000) < t || !b[i].m.hosts)
				continue;
			any = true;
			hs += (double)b[i].m.hosts * (double)step;
			cs += (double)b[i].m.cores * (double)step;
			if (b[i].m.hosts > maxh)
				maxh = b[i].m.hosts;
			if (b[i].m.cores > maxc)
				maxc = b[i].m.cores;
		}
		if (!any)
			continue;
		json_array_append_new(out, json_pack("{s:f,s:I,s:f,s:I,s:o}",
			"avg_nodes", hs / (double)iv, "max_nodes", (json_int_t)maxh,
			"avg_cores", cs / (double)iv, "max_cores", (json_int_t)maxc,
			"time", uiq_jtime(t, false)));
	}
	return uiq_send(r, 200, out);
}
