/*
 * samples_ch_query.c - the ClickHouse backend's reads: the stacks of a
 * selection, the values of a dimension, per-bucket totals and host
 * metrics.  A selection reads raw rows for the ragged edges of its range
 * and the hourly rollups for whole hours (add_union()); an ad hoc key
 * reads the rows of its stored profiles instead.
 *
 * A stacks query is one round trip: ClickHouse sums per stack, joins each
 * stack's frame keys and sends the name of every frame used once; the
 * answer is parsed as it arrives (smp_ch_answer_body() in
 * samples_ch_http.c).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "samples_ch_int.h"

/* Append the filter of sel as " AND (...)" (nothing without one). */
static void
add_filter(struct buf *b, const struct smp_sel *sel)
{
	const struct rql *f = sel->filter;
	size_t i, nor = 0, nand = 0;

	if (!f || f->n == 0)
		return;
	for (i = 0; i < f->n; i++) {
		const struct rql_cond *c = &f->conds[i];

		if (c->or_group)
			continue;
		/* column names were checked by samples.c against a fixed list */
		addf(b, " AND %s %s ", c->type, c->op == RQL_EQ ? "=" : "!=");
		addq(b, c->value);
		nand++;
	}
	for (i = 0; i < f->n; i++) {
		const struct rql_cond *c = &f->conds[i];

		if (!c->or_group)
			continue;
		add(b, nor++ ? " OR " : " AND (");
		addf(b, "%s %s ", c->type, c->op == RQL_EQ ? "=" : "!=");
		addq(b, c->value);
	}
	if (nor)
		add(b, ")");
	(void)nand;
}

/*
 * The union of raw rows (edges) and rollup rows (whole hours) of sel:
 * "SELECT <cols> FROM smp_samples WHERE ... <tail> UNION ALL SELECT
 * <rcols> FROM <rollup> WHERE ... <tail>".  cols uses Timestamp, rcols
 * Hour; with dims the rollup with dimensions is read.
 */
static void
add_union(struct buf *b, const struct smp_sel *sel, bool use_rollup,
	bool dims, const char *cols, const char *rcols, const char *tail)
{
	struct smp_split sp;
	bool filtered = sel->filter && sel->filter->n;

	smp_split_range(sel->from, sel->to, &sp);
	if (!use_rollup)
		sp.hour_a = sp.hour_b = sp.raw_a;
	addf(b, "SELECT %s FROM smp_samples WHERE ServiceId = %lld AND "
		"((Timestamp >= toDateTime(%lld) AND Timestamp < toDateTime(%lld)) "
		"OR (Timestamp >= toDateTime(%lld) AND Timestamp < toDateTime(%lld)))",
		cols, (long long)sel->service_id, (long long)sp.raw_a,
		(long long)sp.hour_a, (long long)sp.hour_b, (long long)sp.raw_b);
	add_filter(b, sel);
	add(b, tail);
	if (sp.hour_b <= sp.hour_a)
		return;
	addf(b, " UNION ALL SELECT %s FROM %s WHERE ServiceId = %lld AND "
		"Hour >= toDateTime(%lld) AND Hour < toDateTime(%lld)", rcols,
		dims || filtered ? "smp_samples_1h" : "smp_samples_1h_all",
		(long long)sel->service_id, (long long)sp.hour_a,
		(long long)sp.hour_b);
	add_filter(b, sel);
	add(b, tail);
}

/* The stored profiles of an ad hoc key: a WHERE clause on smp_samples. */
static int
ch_adhoc_where(struct smp *s, const struct smp_sel *sel, struct buf *w,
	size_t *nprof)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	int rc;

	*nprof = 0;
	add(&b, "SELECT ServiceId, toUInt32(Start), ProfileId FROM smp_profiles "
		"WHERE AdhocKey = ");
	addq(&b, sel->adhoc_key);
	if (sel->service_id > 0)
		addf(&b, " AND ServiceId = %lld", (long long)sel->service_id);
	add(&b, " GROUP BY ServiceId, Start, Key, ProfileId "
		"HAVING argMax(State, Version) = 1 LIMIT 1000 FORMAT TabSeparated");
	rc = smp_ch_query(s, "ad hoc profiles", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	add(w, "(0");
	while (smp_ch_next(&q, 3)) {
		addf(w, " OR (ServiceId = %lld AND Timestamp = toDateTime(%lld) "
			"AND ProfileId = %llu)", (long long)i64(q.f[0]),
			(long long)(i64(q.f[1]) / 60 * 60),
			(unsigned long long)u64(q.f[2]));
		(*nprof)++;
	}
	add(w, ")");
	smp_ch_done(&q);
	return E_OK;
}

/* Heaviest first (then by key, for a stable cut). */
static int
stack_cmp(const void *x, const void *y)
{
	const struct ch_stack *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->hash < b->hash ? -1 : a->hash > b->hash;
}

/* The stack keys of sel: a subquery for IN. */
static void
add_stack_set(struct buf *b, const struct smp_sel *sel, const char *adhoc)
{
	if (adhoc)
		addf(b, "SELECT StackHash FROM smp_samples WHERE %s", adhoc);
	else
		add_union(b, sel, true, false, "StackHash", "StackHash", "");
}

/* Sum per stack, frames and names included, in one query. */
int
smp_ch_stacks(struct smp *s, const struct smp_sel *sel, size_t max_stacks,
	struct arena *a, smp_stack_fn fn, void *ctx, struct smp_info *info)
{
	struct smp_ch *ch = s->ctx;
	struct buf b = BUF_INIT(0), w = BUF_INIT(0);
	struct ch_answer an = { .a = a, .carry = BUF_INIT(0) };
	const char *adhoc = NULL;
	const char *hdrs[] = { ch->auth, "Expect:", NULL };
	struct http_req req = { .method = "POST", .headers = hdrs,
		.on_body = smp_ch_answer_body, .on_body_ctx = &an };
	struct http_resp resp;
	size_t i, k, nprof;
	int rc;

	if (sel->adhoc_key) {
		if ((rc = ch_adhoc_where(s, sel, &w, &nprof)) != E_OK)
			goto out;
		if (nprof == 0)
			goto out;
		adhoc = w.data;
	}
	add(&b, "SELECT toUInt8(0), h, s, rr, Frames, '' FROM (SELECT "
		"StackHash AS h, sum(n) AS s, sum(c) AS rr FROM (");
	if (adhoc) {
		addf(&b, "SELECT StackHash, sum(NumSamples) AS n, count() AS c "
			"FROM smp_samples WHERE %s GROUP BY StackHash", adhoc);
	} else {
		struct smp_split sp;

		smp_split_range(sel->from, sel->to, &sp);
		info->rollup = sp.hour_b > sp.hour_a;
		add_union(&b, sel, true, false,
			"StackHash, sum(NumSamples) AS n, count() AS c",
			"StackHash, sum(NumSamples) AS n, count() AS c",
			" GROUP BY StackHash");
	}
	add(&b, ") GROUP BY h HAVING s > 0) ANY LEFT JOIN (SELECT Hash AS h, "
		"Frames FROM smp_stacks WHERE Hash IN (");
	add_stack_set(&b, sel, adhoc);
	add(&b, ")) USING h UNION ALL SELECT toUInt8(1), Hash, toInt64(0), "
		"toUInt64(0), emptyArrayUInt64(), any(Name) FROM smp_frames "
		"WHERE Hash IN (SELECT arrayJoin(Frames) FROM smp_stacks WHERE "
		"Hash IN (");
	add_stack_set(&b, sel, adhoc);
	add(&b, ")) GROUP BY Hash FORMAT RowBinary");
	req.url = ch->url;
	req.body = b.data;
	req.body_len = b.len;
	http_resp_init(&resp, CH_ANSWER_MAX);
	rc = http_do(ch->h, &req, &resp);
	if (rc == E_OK && resp.status / 100 == 2 && an.carry.len > 0) {
		(void)smp_ch_answer_bad(&an,
			(const unsigned char *)an.carry.data, an.carry.len);
		rc = E_PROTO;
	}
	if (rc != E_OK && an.bad[0]) {
		/* ClickHouse failed after it began to answer (its error text
		 * ends the body), or the answer is not what was asked for */
		smp_seterr(s, "samples: clickhouse stacks query: unexpected "
			"answer: %s", an.bad);
		rc = E_HTTP;
	} else if (rc != E_OK) {
		smp_seterr(s, "samples: clickhouse stacks query: %s",
			http_errmsg(ch->h));
	} else if (resp.status / 100 != 2) {
		const char *m = resp.body.data ? resp.body.data : "";

		smp_seterr(s, "samples: clickhouse stacks query: HTTP %ld: %.*s",
			resp.status, (int)strcspn(m, "\n") > 300 ? 300 :
			(int)strcspn(m, "\n"), m);
		rc = resp.status == 401 || resp.status == 403 ? E_AUTH :
			resp.status >= 500 || resp.status == 429 ? E_HTTP :
			E_INTERNAL;
	}
	http_resp_release(&resp);
	if (rc != E_OK)
		goto out;
	info->rows_read = an.rows;
	for (i = 0; i < an.nst; i++)
		info->total += an.st[i].count;
	if (max_stacks && an.nst > max_stacks) {
		qsort(an.st, an.nst, sizeof(*an.st), stack_cmp);
		an.nst = max_stacks;
	}
	for (i = 0; i < an.nst && rc == E_OK; i++) {
		const struct ch_stack *st = &an.st[i];
		const char **fr = arena_alloc(a, (st->nf ? st->nf : 1) *
			sizeof(*fr));

		for (k = 0; k < st->nf; k++) {
			uint64_t v;

			fr[k] = smp_ch_cache_get(&an.names, st->fk[k], 1, &v) ?
				an.name[v] : "[missing]";
		}
		rc = fn(ctx, fr, st->nf, st->count);
	}
out:
	free(an.st);
	free(an.name);
	free(an.names.e);
	buf_release(&an.carry);
	buf_release(&b);
	buf_release(&w);
	return rc;
}

/*
 * An arena array *p of *cap items of size sz that already holds n: the
 * same array while there is room, else a copy twice as large (zeroed
 * past the copied items).
 */
static void *
room_for_one(struct arena *a, void *p, size_t *cap, size_t n, size_t sz)
{
	void *t;

	if (n < *cap)
		return p;
	t = arena_zalloc(a, 2 * *cap * sz);
	memcpy(t, p, *cap * sz);
	*cap *= 2;
	return t;
}

static const char *const ch_dim_col[] = {
	[SMP_HOSTNAME] = "HostName",
	[SMP_CONTAINER] = "ContainerName",
	[SMP_CONTAINER_ENV] = "ContainerEnvName",
	[SMP_INSTANCE_TYPE] = "InstanceType",
};

/* Distinct values of a dimension. */
int
smp_ch_tags(struct smp *s, const struct smp_sel *sel, enum smp_dim dim,
	size_t max, struct arena *a, struct smp_tag **out, size_t *n)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	char cols[96];
	size_t cap = 16;
	int rc;

	if (sel->adhoc_key)
		return E_OK;	/* one profile: use its metadata row */
	snprintf(cols, sizeof(cols), "%s AS v, sum(NumSamples) AS n",
		ch_dim_col[dim]);
	add(&b, "SELECT v, sum(n) AS s FROM (");
	add_union(&b, sel, true, true, cols, cols, " GROUP BY v");
	add(&b, ") GROUP BY v HAVING s > 0 ORDER BY s DESC, v");
	if (max)
		addf(&b, " LIMIT %zu", max);
	add(&b, " FORMAT TabSeparated");
	rc = smp_ch_query(s, "tags query", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	*out = arena_alloc(a, cap * sizeof(**out));
	while (smp_ch_next(&q, 2)) {
		*out = room_for_one(a, *out, &cap, *n, sizeof(**out));
		(*out)[*n].value = arena_strdup(a, q.f[0]);
		(*out)[(*n)++].samples = u64(q.f[1]);
	}
	smp_ch_done(&q);
	return E_OK;
}

/* Per-bucket totals. */
int
smp_ch_buckets(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_bucket **out, size_t *n)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	size_t cap = 16;
	int rc;

	if (sel->adhoc_key)
		return E_OK;
	addf(&b, "SELECT intDiv(t, %lld) * %lld AS b, sum(n) AS s FROM (",
		(long long)step, (long long)step);
	add_union(&b, sel, step % 3600 == 0, false,
		"toUInt32(Timestamp) AS t, sum(NumSamples) AS n",
		"toUInt32(Hour) AS t, sum(NumSamples) AS n", " GROUP BY t");
	add(&b, ") GROUP BY b HAVING s > 0 ORDER BY b");
	if (max)
		addf(&b, " LIMIT %zu", max);
	add(&b, " FORMAT TabSeparated");
	rc = smp_ch_query(s, "buckets query", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	*out = arena_alloc(a, cap * sizeof(**out));
	while (smp_ch_next(&q, 2)) {
		*out = room_for_one(a, *out, &cap, *n, sizeof(**out));
		(*out)[*n].ts = i64(q.f[0]);
		(*out)[(*n)++].samples = u64(q.f[1]);
	}
	smp_ch_done(&q);
	return E_OK;
}

/* Host metrics from the profile records (step 0: one aggregate). */
int
smp_ch_metrics(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_metrics_bucket **out, size_t *n)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	size_t cap = 16;
	int rc;

	if (sel->adhoc_key)
		return E_OK;
	/* per bucket and host, then per bucket */
	add(&b, "SELECT b, sum(cs), sum(cc), max(cm), sum(ms), sum(mc), "
		"max(mm), sum(smp), count(), sum(co), sum(np) FROM (SELECT ");
	if (step > 0)
		addf(&b, "intDiv(toUInt32(t), %lld) * %lld AS b, ",
			(long long)step, (long long)step);
	else
		add(&b, "toUInt32(0) AS b, ");
	add(&b, "h, sumIf(cpu, cpu >= 0) AS cs, countIf(cpu >= 0) AS cc, "
		"maxIf(cpu, cpu >= 0) AS cm, sumIf(mem, mem >= 0) AS ms, "
		"countIf(mem >= 0) AS mc, maxIf(mem, mem >= 0) AS mm, "
		"sum(sm) AS smp, argMaxIf(cores, t, cores >= 0) AS co, "
		"count() AS np FROM (SELECT any(HostName) AS h, Start AS t, "
		"any(Cores) AS cores, any(CpuAvg) AS cpu, any(MemAvg) AS mem, "
		"any(Samples) AS sm FROM smp_profiles ");
	addf(&b, "WHERE ServiceId = %lld AND Start >= toDateTime(%lld) AND "
		"Start < toDateTime(%lld)", (long long)sel->service_id,
		(long long)sel->from, (long long)sel->to);
	if (sel->filter && sel->filter->n) {
		addf(&b, " AND HostName IN (SELECT DISTINCT HostName FROM "
			"smp_samples_1h WHERE ServiceId = %lld AND "
			"Hour >= toDateTime(%lld) AND Hour < toDateTime(%lld)",
			(long long)sel->service_id,
			(long long)(sel->from / 3600 * 3600), (long long)sel->to);
		add_filter(&b, sel);
		add(&b, ")");
	}
	add(&b, " GROUP BY ServiceId, Start, Key "
		"HAVING argMax(State, Version) = 1) GROUP BY b, h) "
		"GROUP BY b ORDER BY b");
	if (max)
		addf(&b, " LIMIT %zu", max);
	add(&b, " FORMAT TabSeparated");
	rc = smp_ch_query(s, "metrics query", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	*out = arena_zalloc(a, cap * sizeof(**out));
	while (smp_ch_next(&q, 11)) {
		struct smp_metrics *m;
		double cc, mc;

		*out = room_for_one(a, *out, &cap, *n, sizeof(**out));
		(*out)[*n].ts = i64(q.f[0]);
		m = &(*out)[(*n)++].m;
		cc = strtod(q.f[2], NULL);
		mc = strtod(q.f[5], NULL);
		m->cpu_avg = cc > 0 ? strtod(q.f[1], NULL) / cc : -1;
		m->cpu_max = cc > 0 ? strtod(q.f[3], NULL) : -1;
		m->mem_avg = mc > 0 ? strtod(q.f[4], NULL) / mc : -1;
		m->mem_max = mc > 0 ? strtod(q.f[6], NULL) : -1;
		m->samples = u64(q.f[7]);
		m->hosts = u64(q.f[8]);
		m->cores = u64(q.f[9]);
		m->profiles = u64(q.f[10]);
	}
	smp_ch_done(&q);
	return E_OK;
}
