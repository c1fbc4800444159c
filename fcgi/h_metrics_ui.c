/*
 * h_metrics_ui.c - the metrics panel of the web UI: the host summary,
 * nodes and cores, instance types, the CPU trend, from the sample
 * store's per-profile host records; and the helpers the service graphs
 * (h_metrics_graph.c) share with it (h_metrics_ui_int.h).
 *
 * Every endpoint takes serviceName, startTime, endTime and filter (uiq.h)
 * and answers 204 with no body when there is nothing to show, except
 * cpu_trend (zeros), as the UI's old server did.
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
 */
#include "compat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "h_metrics_ui_int.h"
#include "log.h"
#include "qarg.h"
#include "route.h"
#include "samples.h"
#include "uiq.h"

/* The filter types host records know (with and without instance types). */
const char *const mui_host_only[] = { "HostName", NULL };
static const char *const host_types[] = { "HostName", "InstanceType", NULL };

/* ------------------------------------------ shared with h_metrics_graph.c */

/* A selection over [from, to] usec with filter f. */
struct smp_sel
mui_sel_of(const struct uiq *q, int64_t from, int64_t to, const struct rql *f)
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
int
mui_check_buckets(struct req *r, const struct uiq *q, int64_t step,
	int64_t max)
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
int
mui_store_failed(struct req *r, struct smp *smp, const char *what)
{
	log_error("%s: %s", what, smp_errmsg(smp));
	return req_send_string(r, 502, "Failed getting data");
}

/* A metric value as JSON: the number, or 0 when the store had none. */
json_t *
mui_num(double v)
{
	return json_real(v >= 0 && isfinite(v) ? v : 0.0);
}

/*
 * The host-minute records of q (one host filter at most): per step
 * seconds, hosts and cores seen.
 */
int
mui_host_buckets(struct req *r, struct smp *smp, const struct uiq *q,
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
	sel = mui_sel_of(q, q->start, q->end, f);
	return smp_metrics_buckets(smp, &sel, step, MUI_MAX_BUCKETS, r->arena,
		b, n);
}

/* ------------------------------------------------------------ the panel */

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
	f = uiq_keep(r, &q.filter, mui_host_only);
	sel = mui_sel_of(&q, q.start, q.end, &f);
	if (smp_metrics(smp, &sel, &m))
		return mui_store_failed(r, smp, "metrics summary");
	if (m.hosts == 0 || (m.cpu_avg < 0 && m.mem_avg < 0))
		return uiq_send_204(r);
	return uiq_send(r, 200, json_pack("{s:o,s:o,s:o,s:o,s:I}",
		"avg_cpu", mui_num(m.cpu_avg), "avg_memory", mui_num(m.mem_avg),
		"max_cpu", mui_num(m.cpu_max), "max_memory", mui_num(m.mem_max),
		"uniq_hostnames", (json_int_t)m.hosts));
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
	if ((err = mui_check_buckets(r, &q, step, MUI_MAX_BUCKETS)))
		return err;
	if ((err = uiq_smp(r, app, &smp)))
		return err;
	if (mui_host_buckets(r, smp, &q, step, &b, &n))
		return mui_store_failed(r, smp, "nodes and cores");
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
	sel = mui_sel_of(&q, q.start, q.end, &q.filter);
	if (smp_tags(smp, &sel, SMP_INSTANCE_TYPE, 1000, r->arena, &tags, &n))
		return mui_store_failed(r, smp, "instance types");
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
			return mui_store_failed(r, smp, "instance type hosts");
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
	sel = mui_sel_of(&q, q.start, q.end, &f);
	if (smp_metrics(smp, &sel, &now))
		return mui_store_failed(r, smp, "cpu trend");
	sel = mui_sel_of(&q, q.start - shift, q.end - shift, &f);
	if (smp_metrics(smp, &sel, &then))
		return mui_store_failed(r, smp, "cpu trend");
answer:
	return uiq_send(r, 200, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		"avg_cpu", mui_num(now.cpu_avg),
		"max_cpu", mui_num(now.cpu_max),
		"avg_memory", mui_num(now.mem_avg),
		"max_memory", mui_num(now.mem_max),
		"compared_avg_cpu", mui_num(then.cpu_avg),
		"compared_max_cpu", mui_num(then.cpu_max),
		"compared_avg_memory", mui_num(then.mem_avg),
		"compared_max_memory", mui_num(then.mem_max)));
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
