/*
 * h_metrics_ui.c - the metrics panel and service graphs of the web UI,
 * from the sample store's per-profile host records and sample buckets.
 *
 * Every endpoint takes serviceName, startTime, endTime and filter (uiq.h)
 * and answers 204 with no body when there is nothing to show, except
 * cpu_trend (zeros) and graph/nodes_and_cores (200 []), as the UI's old
 * server did.
 *
 *   summary                {"avg_cpu","avg_memory","max_cpu","max_memory",
 *                           "uniq_hostnames"}; a ContainerEnvName $eq in
 *                           the filter is 204, other conditions than
 *                           HostName are ignored (host records have no
 *                           container)
 *   nodes_cores/summary    {"avg_cores","avg_nodes"}: cores and hosts seen
 *                           per minute, averaged over the window (or, with
 *                           ignoreZeros, over the minutes that have data),
 *                           rounded up
 *   instance_type_count    [{"instance_count","instance_type"}], most first
 *   cpu_trend              the window and the one before it (shifted by
 *                           whole weeks): eight averages and maxima
 *   html_metadata          needs a HostName $eq (else 400); ember keeps no
 *                           hardware-metrics HTML, so always 204
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

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "qarg.h"
#include "route.h"
#include "samples.h"
#include "uiq.h"

/* Most source buckets one answer may read from the sample store. */
#define MUI_MAX_BUCKETS 100000
/* Most buckets function_cpu reads stacks for. */
#define MUI_MAX_STACK_BUCKETS 400

static const char *const host_only[] = { "HostName", NULL };
static const char *const host_types[] = { "HostName", "InstanceType", NULL };

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

/* A selection over [from, to] usec with filter f. */
static struct smp_sel
sel_of(const struct uiq *q, int64_t from, int64_t to, const struct rql *f)
{
	struct smp_sel s;

	memset(&s, 0, sizeof(s));
	s.service_id = q->service_id;
	s.from = from / 1000000;
	s.to = to / 1000000 + 1;
	s.filter = f;
	return s;
}

/* Answer 422 when a range needs too many source buckets. */
static int
check_buckets(struct req *r, const struct uiq *q, int64_t step, int64_t max)
{
	if (q->end < q->start)
		return E_OK;
	if ((q->end - q->start) / 1000000 / step + 2 <= max)
		return E_OK;
	return qarg_422(r, "requested_interval",
		"the time range needs too many buckets for this interval",
		"value_error");
}

/* The sample store, answering 502 like the old server when it fails. */
static int
store_failed(struct req *r, struct smp *smp, const char *what)
{
	log_error("%s: %s", what, smp_errmsg(smp));
	return req_send_string(r, 502, "Failed getting data");
}

/* A metric value as JSON: the number, or 0 when the store had none. */
static json_t *
num(double v)
{
	return json_real(v >= 0 && isfinite(v) ? v : 0.0);
}

/* Start of the interval of length iv (seconds) holding t (seconds). */
static int64_t
floor_to(int64_t t, int64_t iv)
{
	int64_t m = t % iv;

	return m < 0 ? t - m - iv : t - m;
}

/* GET /api/metrics/summary. */
int
h_m_summary(struct req *r, struct app *app)
{
	struct smp_metrics m;
	struct smp_sel sel;
	struct smp *smp;
	struct rql f;
	struct uiq q;
	int err;

	if ((err = uiq_parse(r, app, 0, &q)))
		return err;
	if (uiq_has_eq(&q.filter, "ContainerEnvName") || q.end < q.start)
		return uiq_send_204(r);
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	f = uiq_keep(r, &q.filter, host_only);
	sel = sel_of(&q, q.start, q.end, &f);
	if (smp_metrics(smp, &sel, &m))
		return store_failed(r, smp, "metrics summary");
	if (m.hosts == 0 || (m.cpu_avg < 0 && m.mem_avg < 0))
		return uiq_send_204(r);
	return uiq_send(r, 200, json_pack("{s:o,s:o,s:o,s:o,s:I}",
		"avg_cpu", num(m.cpu_avg), "avg_memory", num(m.mem_avg),
		"max_cpu", num(m.cpu_max), "max_memory", num(m.mem_max),
		"uniq_hostnames", (json_int_t)m.hosts));
}

/*
 * The host-minute records of q (one host filter at most): per step
 * seconds, hosts and cores seen.
 */
static int
host_buckets(struct req *r, struct smp *smp, const struct uiq *q,
	int64_t step, struct smp_metrics_bucket **b, size_t *n)
{
	const char *host = NULL;
	struct rql *f = arena_zalloc(r->arena, sizeof(*f));
	struct smp_sel sel;
	size_t i;

	for (i = 0; i < q->filter.n; i++)
		if (q->filter.conds[i].op == RQL_EQ &&
		    strcmp(q->filter.conds[i].type, "HostName") == 0) {
			host = q->filter.conds[i].value;
			break;
		}
	if (host) {
		f->conds = arena_zalloc(r->arena, sizeof(*f->conds));
		f->conds[0].type = "HostName";
		f->conds[0].op = RQL_EQ;
		f->conds[0].value = host;
		f->n = 1;
	}
	sel = sel_of(q, q->start, q->end, f);
	return smp_metrics_buckets(smp, &sel, step, MUI_MAX_BUCKETS, r->arena,
		b, n);
}

/* GET /api/metrics/nodes_cores/summary. */
int
h_m_nodes_cores(struct req *r, struct app *app)
{
	struct smp_metrics_bucket *b = NULL;
	double host_secs = 0, core_secs = 0, t;
	int64_t step;
	struct smp *smp;
	struct uiq q;
	bool ignore_zeros;
	size_t i, n = 0, used = 0;
	int err;

	if ((err = uiq_parse(r, app, 0, &q)) ||
	    (err = qarg_bool(r, "ignoreZeros", false, &ignore_zeros)))
		return err;
	if (uiq_has_eq(&q.filter, "ContainerEnvName") || q.end <= q.start)
		return uiq_send_204(r);
	step = (q.end - q.start) / 1000000 > 2 * 86400 ? 3600 : 60;
	if ((err = check_buckets(r, &q, step, MUI_MAX_BUCKETS)))
		return err;
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	if (host_buckets(r, smp, &q, step, &b, &n))
		return store_failed(r, smp, "nodes and cores");
	for (i = 0; i < n; i++) {
		if (!b[i].m.hosts)
			continue;
		used++;
		host_secs += (double)b[i].m.hosts * (double)step;
		core_secs += (double)b[i].m.cores * (double)step;
	}
	t = ignore_zeros ? (double)used * (double)step :
		(double)(q.end - q.start) / 1e6;
	/* No host at all, or (ignoreZeros) no time with one: nothing to say. */
	if (!used || t <= 0)
		return uiq_send_204(r);
	return uiq_send(r, 200, json_pack("{s:f,s:f}",
		"avg_cores", ceil(core_secs / t), "avg_nodes", ceil(host_secs / t)));
}

/* Sort instance types by count, most first, then by name. */
static int
by_count(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t cx = json_integer_value(json_object_get(x, "instance_count"));
	json_int_t cy = json_integer_value(json_object_get(y, "instance_count"));

	if (cx != cy)
		return cx < cy ? 1 : -1;
	return strcmp(json_string_value(json_object_get(x, "instance_type")),
		json_string_value(json_object_get(y, "instance_type")));
}

/* GET /api/metrics/instance_type_count. */
int
h_m_instance_types(struct req *r, struct app *app)
{
	struct smp_tag *tags = NULL;
	json_t **items, *out;
	struct smp_sel sel;
	struct smp *smp;
	struct uiq q;
	size_t i, n = 0, k = 0;
	int err;

	if ((err = uiq_parse(r, app, 0, &q)))
		return err;
	if (q.end < q.start)
		return uiq_send_204(r);
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	sel = sel_of(&q, q.start, q.end, &q.filter);
	if (smp_tags(smp, &sel, SMP_INSTANCE_TYPE, 1000, r->arena, &tags, &n))
		return store_failed(r, smp, "instance types");
	items = arena_alloc(r->arena, (n + 1) * sizeof(*items));
	for (i = 0; i < n; i++) {
		struct rql f = q.filter;
		struct smp_metrics m;
		const char *slash;

		if (!tags[i].value || !*tags[i].value)
			continue;
		/* The caller's filter, AND InstanceType = this type. */
		f.conds = arena_alloc(r->arena, (q.filter.n + 1) *
			sizeof(*f.conds));
		if (q.filter.n)
			memcpy(f.conds, q.filter.conds,
				q.filter.n * sizeof(*f.conds));
		f.conds[f.n].type = "InstanceType";
		f.conds[f.n].op = RQL_EQ;
		f.conds[f.n].value = tags[i].value;
		f.conds[f.n].or_group = false;
		f.n++;
		sel.filter = &f;
		if (smp_metrics(smp, &sel, &m))
			return store_failed(r, smp, "instance type hosts");
		if (!m.hosts)
			continue;
		slash = strrchr(tags[i].value, '/');
		items[k++] = json_pack("{s:I,s:s}", "instance_count",
			(json_int_t)m.hosts, "instance_type",
			slash ? slash + 1 : tags[i].value);
	}
	if (!k)
		return uiq_send_204(r);
	qsort(items, k, sizeof(*items), by_count);
	out = json_array();
	for (i = 0; i < k; i++)
		json_array_append_new(out, items[i]);
	return uiq_send(r, 200, out);
}

/* The number of weeks cpu_trend compares against. */
static int64_t
trend_weeks(int64_t secs)
{
	int64_t days = secs / 86400, hours = (secs % 86400) / 3600, w;

	if (days < 7)
		return 1;
	w = (days + 6) / 7;
	if (days % 7 == 0 && hours > 0)
		w++;
	return w;
}

/* GET /api/metrics/cpu_trend. */
int
h_m_cpu_trend(struct req *r, struct app *app)
{
	struct smp_metrics now, then;
	struct smp_sel sel;
	struct smp *smp;
	struct rql f;
	struct uiq q;
	int64_t shift;
	int err;

	if ((err = uiq_parse(r, app, 0, &q)))
		return err;
	if (q.end < q.start) {
		memset(&now, 0, sizeof(now));
		now.cpu_avg = now.cpu_max = now.mem_avg = now.mem_max = -1;
		then = now;
		goto answer;
	}
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	/* Host records know hosts and instance types, not containers. */
	f = uiq_keep(r, &q.filter, host_types);
	shift = trend_weeks((q.end - q.start) / 1000000) * 7 * 86400 *
		INT64_C(1000000);
	sel = sel_of(&q, q.start, q.end, &f);
	if (smp_metrics(smp, &sel, &now))
		return store_failed(r, smp, "cpu trend");
	sel = sel_of(&q, q.start - shift, q.end - shift, &f);
	if (smp_metrics(smp, &sel, &then))
		return store_failed(r, smp, "cpu trend");
answer:
	return uiq_send(r, 200, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		"avg_cpu", num(now.cpu_avg), "max_cpu", num(now.cpu_max),
		"avg_memory", num(now.mem_avg), "max_memory", num(now.mem_max),
		"compared_avg_cpu", num(then.cpu_avg),
		"compared_max_cpu", num(then.cpu_max),
		"compared_avg_memory", num(then.mem_avg),
		"compared_max_memory", num(then.mem_max)));
}

/* GET /api/metrics/html_metadata. */
int
h_m_html_metadata(struct req *r, struct app *app)
{
	struct uiq q;
	int err;

	if ((err = uiq_parse(r, app, 0, &q)))
		return err;
	if (!uiq_has_eq(&q.filter, "HostName"))
		return req_send_string(r, 400,
			"Must filter by hostname to get the html metadata");
	return uiq_send_204(r);
}

/* Sample totals of q per interval iv: (bucket start, samples), oldest first. */
static int
sample_buckets(struct req *r, struct smp *smp, const struct uiq *q,
	int64_t iv, struct smp_bucket **out, size_t *n)
{
	struct smp_bucket *b = NULL;
	struct smp_sel sel = sel_of(q, q->start, q->end, &q->filter);
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
	    (err = check_buckets(r, &q, step_for(iv), MUI_MAX_BUCKETS)))
		return err;
	if (q.end < q.start)
		return uiq_send_204(r);
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	if (sample_buckets(r, smp, &q, iv, &b, &n))
		return store_failed(r, smp, "samples");
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
		return store_failed(r, smp, "function cpu");
	out = json_array();
	for (i = n; i-- > 0;) {
		struct fn_sum sum = { fn, 0 };
		struct smp_info info;
		int64_t from = b[i].ts * INT64_C(1000000);
		int64_t to = from + iv * INT64_C(1000000) - 1;
		struct smp_sel sel = sel_of(&q, from < q.start ? q.start : from,
			to > q.end ? q.end : to, &q.filter);
		double share;

		memset(&info, 0, sizeof(info));
		if (smp_stacks(smp, &sel, 0, r->arena, fn_stack, &sum, &info)) {
			json_decref(out);
			return store_failed(r, smp, "function cpu stacks");
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
	    (err = check_buckets(r, &q, step_for(iv), MUI_MAX_BUCKETS)))
		return err;
	if (uiq_has_eq(&q.filter, "ContainerEnvName") || q.end < q.start)
		return uiq_send_204(r);
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	f = uiq_keep(r, &q.filter, host_only);
	sel = sel_of(&q, q.start, q.end, &f);
	if (smp_metrics_buckets(smp, &sel, step_for(iv), MUI_MAX_BUCKETS,
		r->arena, &b, &n))
		return store_failed(r, smp, "metrics graph");
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
			"avg_cpu", num(b[i].m.cpu_avg),
			"avg_memory", num(b[i].m.mem_avg),
			"max_cpu", num(b[i].m.cpu_max),
			"max_memory", num(b[i].m.mem_max),
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
	if ((err = check_buckets(r, &q, step, MUI_MAX_BUCKETS)))
		return err;
	if (q.end < q.start)
		return uiq_send(r, 200, json_array());
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	if (host_buckets(r, smp, &q, step, &b, &n))
		return store_failed(r, smp, "nodes and cores graph");
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
