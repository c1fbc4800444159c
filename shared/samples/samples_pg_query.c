/*
 * samples_pg_query.c - the pg backend's reads: the stacks of a selection,
 * the values of a dimension, per-bucket totals and host metrics.
 *
 * Read path of the stacks query (struct pg_plan): whole days from a daily
 * rollup, whole hours from an hourly one, minutes at the edges from the
 * raw rows; the per-source rollups when a filter selects sources, the
 * all-source ones otherwise.  The query returns stack keys and sums
 * only: each stack's frame names come from the process's stack cache,
 * and for the stacks not there from two more queries (their frame keys,
 * then the names not in the process's name cache).  An ad hoc key reads
 * the raw rows of its stored profiles instead.
 */
#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "samples_pg_int.h"

#define NAMES_MAX (1u << 17)	/* names cached before the caches are reset */
#define STACKS_MAX (1u << 16)	/* stacks cached before the caches are reset */

static const struct db_stmt st_srcs = {
	"smp_srcs",
	"SELECT id, host, container, container_env, instance_type "
	"FROM smp_src WHERE service_id = $1::bigint",
	1,
};

/* Raw rows of [$2, $3) and [$4, $5), rollup rows of [$3, $4); sources $6. */
#define SMP_RAW_WHERE \
	"service_id = $1::bigint AND ((ts >= to_timestamp($2::bigint) AND " \
	"ts < to_timestamp($3::bigint)) OR (ts >= to_timestamp($4::bigint) " \
	"AND ts < to_timestamp($5::bigint))) " \
	"AND ($6::int[] IS NULL OR src = ANY($6::int[]))"
#define SMP_ROLL_WHERE \
	"service_id = $1::bigint AND ts >= to_timestamp($3::bigint) AND " \
	"ts < to_timestamp($4::bigint) " \
	"AND ($6::int[] IS NULL OR src = ANY($6::int[]))"
#define SMP_UNION(cols) \
	"SELECT " cols " FROM smp_sample WHERE " SMP_RAW_WHERE \
	" UNION ALL SELECT " cols " FROM smp_sample_1h WHERE " SMP_ROLL_WHERE

/*
 * The stacks queries end in one of two tails over t (stack, s = summed
 * samples, r = rows read), both in binary (db_exec_bin()): every stack
 * (stack, s, r) in no order, the caller adding up the totals; or the
 * heaviest $N (stack, s, r, total, rows read) when a caller keeps only
 * those.
 */
#define SMP_T_SUM(from) \
	"WITH t AS (SELECT stack, sum(n)::bigint AS s, count(*) AS r FROM (" \
	from ") x GROUP BY stack) "
#define SMP_TAIL_ALL "SELECT stack, s, r FROM t WHERE s > 0"
#define SMP_TAIL_TOP(lim) \
	"SELECT stack, s, r, (sum(s) OVER ())::bigint, " \
	"(sum(r) OVER ())::bigint FROM t WHERE s > 0 " \
	"ORDER BY s DESC, stack LIMIT $" #lim "::bigint"

/*
 * The stacks query over a struct pg_plan: $1 service, raw rows of
 * [$2, $3) and [$6, $7), hourly rows of [$3, $4) and [$5, $6), daily rows
 * of [$4, $5); $8 sources (NULL: every source), $9 limit (the _top
 * forms).  The filtered form reads the per-source rollups, the other the
 * all-source ones.
 */
#define SMP_T(c) "ts >= to_timestamp($" #c "::bigint)"
#define SMP_LT(c) "ts < to_timestamp($" #c "::bigint)"
#define SMP_PLAN_UNION(h, d, srcw) \
	"SELECT stack, n FROM smp_sample WHERE service_id = $1::bigint AND " \
	"((" SMP_T(2) " AND " SMP_LT(3) ") OR (" SMP_T(6) " AND " SMP_LT(7) \
	"))" srcw " UNION ALL SELECT stack, n FROM " h " WHERE service_id = " \
	"$1::bigint AND ((" SMP_T(3) " AND " SMP_LT(4) ") OR (" SMP_T(5) \
	" AND " SMP_LT(6) "))" srcw " UNION ALL SELECT stack, n FROM " d \
	" WHERE service_id = $1::bigint AND " SMP_T(4) " AND " SMP_LT(5) srcw
#define SMP_SRC_UNION \
	SMP_PLAN_UNION("smp_sample_1h", "smp_sample_1d", \
		" AND src = ANY($8::int[])")
#define SMP_ALL_UNION \
	SMP_PLAN_UNION("smp_sample_1h_all", "smp_sample_1d_all", \
		" AND $8::int[] IS NULL")

static const struct db_stmt st_q_stacks = {
	"smp_q_stacks", SMP_T_SUM(SMP_SRC_UNION) SMP_TAIL_ALL, 8,
};

static const struct db_stmt st_q_stacks_top = {
	"smp_q_stacks_top", SMP_T_SUM(SMP_SRC_UNION) SMP_TAIL_TOP(9), 9,
};

static const struct db_stmt st_q_stacks_all = {
	"smp_q_stacks_all", SMP_T_SUM(SMP_ALL_UNION) SMP_TAIL_ALL, 8,
};

static const struct db_stmt st_q_stacks_all_top = {
	"smp_q_stacks_all_top", SMP_T_SUM(SMP_ALL_UNION) SMP_TAIL_TOP(9), 9,
};

/* The raw rows of the profiles stored under ad hoc key $1 (service $2). */
#define SMP_ADHOC \
	"SELECT x.stack, x.n FROM smp_sample x JOIN (SELECT id, service_id, " \
	"extract(epoch FROM start_ts)::bigint / 60 * 60 AS b " \
	"FROM smp_profile WHERE adhoc_key = $1 " \
	"AND ($2::bigint = 0 OR service_id = $2::bigint)) p " \
	"ON x.service_id = p.service_id AND x.ts = to_timestamp(p.b) " \
	"AND x.prof = p.id"

static const struct db_stmt st_q_stacks_adhoc = {
	"smp_q_stacks_adhoc", SMP_T_SUM(SMP_ADHOC) SMP_TAIL_ALL, 2,
};

static const struct db_stmt st_q_stacks_adhoc_top = {
	"smp_q_stacks_adhoc_top", SMP_T_SUM(SMP_ADHOC) SMP_TAIL_TOP(3), 3,
};

static const struct db_stmt st_q_frames = {
	"smp_q_frames",
	"SELECT hash, frames FROM smp_stack WHERE hash = ANY($1::bigint[])", 1,
};

static const struct db_stmt st_q_names = {
	"smp_q_names",
	"SELECT hash, name FROM smp_frame WHERE hash = ANY($1::bigint[])", 1,
};

static const struct db_stmt st_q_tags = {
	"smp_q_tags",
	"SELECT src, sum(n) FROM (" SMP_UNION("src, n") ") x GROUP BY src",
	6,
};

static const struct db_stmt st_q_buckets = {
	"smp_q_buckets",
	"SELECT extract(epoch FROM ts)::bigint / $7::bigint * $7::bigint AS b, "
	"sum(n) FROM (" SMP_UNION("ts, n") ") x GROUP BY b HAVING sum(n) > 0 "
	"ORDER BY b LIMIT $8::bigint",
	8,
};

static const struct db_stmt st_q_metrics = {
	"smp_q_metrics",
	"WITH p AS (SELECT CASE WHEN $4::bigint = 0 THEN 0 ELSE "
	"extract(epoch FROM start_ts)::bigint / $4::bigint * $4::bigint END AS b, "
	"host, cores, cpu_avg, mem_avg, samples, start_ts FROM smp_profile "
	"WHERE service_id = $1::bigint AND start_ts >= to_timestamp($2::bigint) "
	"AND start_ts < to_timestamp($3::bigint) "
	"AND ($5::text[] IS NULL OR host = ANY($5::text[]))), "
	"c AS (SELECT DISTINCT ON (b, host) b, cores FROM p WHERE cores >= 0 "
	"ORDER BY b, host, start_ts DESC), "
	"cs AS (SELECT b, sum(cores) AS cores FROM c GROUP BY b), "
	"hm AS (SELECT b, host, max(mem_avg) AS m FROM p WHERE mem_avg >= 0 "
	"GROUP BY b, host), "
	"ms AS (SELECT b, avg(m) AS m FROM hm GROUP BY b) "
	"SELECT p.b, coalesce(avg(cpu_avg) FILTER (WHERE cpu_avg >= 0), -1), "
	"coalesce(max(cpu_avg) FILTER (WHERE cpu_avg >= 0), -1), "
	"coalesce(min(ms.m), -1), "
	"coalesce(max(mem_avg) FILTER (WHERE mem_avg >= 0), -1), "
	"sum(samples), count(DISTINCT host), coalesce(min(cs.cores), 0), count(*) "
	"FROM p LEFT JOIN cs ON cs.b = p.b LEFT JOIN ms ON ms.b = p.b "
	"GROUP BY p.b ORDER BY p.b "
	"LIMIT $6::bigint",
	6,
};

/* One source of the service. */
struct src {
	int64_t id;
	const char *v[4];	/* host, container, env, instance type */
};

/* The service's sources (in the arena). */
static int
pg_srcs(struct smp *s, struct smp_pg *pg, int64_t service_id,
	struct arena *a, struct src **out, size_t *n)
{
	const char *params[1];
	char sid[24];
	PGresult *r = NULL;
	int rc, j, k;

	snprintf(sid, sizeof(sid), "%lld", (long long)service_id);
	params[0] = sid;
	rc = db_exec(pg->db, &st_srcs, params, &r);
	if (rc)
		return smp_pg_fail(s, pg, rc, "sources");
	*n = (size_t)PQntuples(r);
	*out = arena_alloc(a, (*n ? *n : 1) * sizeof(**out));
	for (j = 0; j < PQntuples(r); j++) {
		(*out)[j].id = col_i64(r, j, 0);
		for (k = 0; k < 4; k++)
			(*out)[j].v[k] = arena_strdup(a, PQgetvalue(r, j, k + 1));
	}
	PQclear(r);
	return E_OK;
}

/*
 * The sources parameter of sel: NULL (every source) without a filter,
 * else a literal of the matching ids ("{}" when none match).
 */
static int
pg_src_param(struct smp *s, struct smp_pg *pg, const struct smp_sel *sel,
	struct arena *a, struct src **srcs, size_t *nsrcs, const char **param)
{
	struct buf b = BUF_INIT(0);
	size_t i, hit = 0;
	int rc;

	*param = NULL;
	*srcs = NULL;
	*nsrcs = 0;
	if (!sel->filter || sel->filter->n == 0)
		return E_OK;
	if ((rc = pg_srcs(s, pg, sel->service_id, a, srcs, nsrcs)) != E_OK)
		return rc;
	add(&b, "{", 1);
	for (i = 0; i < *nsrcs; i++) {
		const struct src *x = &(*srcs)[i];

		if (!smp_filter_match(sel->filter, x->v[0], x->v[1], x->v[2],
		    x->v[3]))
			continue;
		if (hit++)
			add(&b, ",", 1);
		add_i64(&b, x->id);
	}
	add(&b, "}", 1);
	*param = arena_memdupz(a, b.data, b.len);
	buf_release(&b);
	return E_OK;
}

/* Fill the range parameters $1..$5 for sel. */
static void
pg_range_params(const struct smp_sel *sel, bool use_rollup, char buf[5][24],
	const char **params)
{
	struct smp_split sp;
	int i;

	smp_split_range(sel->from, sel->to, &sp);
	if (!use_rollup)
		sp.hour_a = sp.hour_b = sp.raw_a;
	snprintf(buf[0], 24, "%lld", (long long)sel->service_id);
	snprintf(buf[1], 24, "%lld", (long long)sp.raw_a);
	snprintf(buf[2], 24, "%lld", (long long)sp.hour_a);
	snprintf(buf[3], 24, "%lld", (long long)sp.hour_b);
	snprintf(buf[4], 24, "%lld", (long long)sp.raw_b);
	for (i = 0; i < 5; i++)
		params[i] = buf[i];
}

/*
 * Where the stacks query reads [from, to): daily rows for the whole UTC
 * days [day_a, day_b), hourly rows for the whole hours left at either
 * side, [hour_a, day_a) and [day_b, hour_b), and raw minute rows for the
 * rest, [from, hour_a) and [hour_b, to).  Empty pieces have equal ends.
 */
struct pg_plan {
	int64_t hour_a, day_a, day_b, hour_b;
};

/* Plan a range (see struct pg_plan). */
static void
pg_plan_range(int64_t from, int64_t to, struct pg_plan *pl)
{
	struct smp_split sp;
	int64_t da, db;

	smp_split_range(from, to, &sp);
	pl->hour_a = sp.hour_a;
	pl->hour_b = sp.hour_b;
	pl->day_a = pl->day_b = sp.hour_a;
	if (sp.hour_b <= sp.hour_a)
		return;
	da = (sp.hour_a + 86399) / 86400 * 86400;
	db = sp.hour_b / 86400 * 86400;
	if (db > da) {
		pl->day_a = da;
		pl->day_b = db;
	}
}

/* A cached stack: its frames' names, root first (in name_mem). */
struct pg_stk {
	size_t n;
	const char *fr[];
};

/* Whether a process cache has room for `more` entries. */
static bool
pg_room(const struct kmap *m, size_t more)
{
	return m->cap && m->n + more < m->cap / 2;
}

/*
 * Start the name and stack caches again empty, with room for at least
 * `names` and `stacks` entries (every pointer into them is invalid).
 */
static void
pg_cache_reset(struct smp_pg *pg, size_t names, size_t stacks)
{
	smp_pg_kmap_release(&pg->names);
	smp_pg_kmap_release(&pg->stk_names);
	arena_release(&pg->name_mem);
	arena_init(&pg->name_mem, 0);
	smp_pg_kmap_init(&pg->names, names < NAMES_MAX ? NAMES_MAX : names + 1);
	smp_pg_kmap_init(&pg->stk_names,
		stacks < STACKS_MAX ? STACKS_MAX : stacks + 1);
}

/* One row of the stacks query. */
struct pg_row {
	uint64_t stack, count;
	const struct pg_stk *k;	/* NULL: not in the dictionary */
};

/*
 * Fill the names cache with the frames of the `n` frame key lists fk[]
 * that it lacks (one query); the caller made room.  A frame the
 * dictionary lacks stays in the cache with no name (value 0).
 */
static int
pg_fetch_names(struct smp *s, struct smp_pg *pg, uint64_t **fk,
	const size_t *nk, size_t n, size_t nall, struct arena *a)
{
	uint64_t *want = arena_alloc(a, (nall ? nall : 1) * sizeof(*want));
	uint64_t c, v;
	size_t i, k, nw = 0;
	struct buf kb = BUF_INIT(0);
	const char *params[1];
	PGresult *r = NULL;
	int rc, j;

	for (i = 0; i < n; i++)
		for (k = 0; k < nk[i]; k++)
			if (!smp_pg_kmap_get(&pg->names, fk[i][k], &c, &v)) {
				/* a placeholder (no name) marks it wanted */
				smp_pg_kmap_put(&pg->names, fk[i][k], 0, 0);
				want[nw++] = fk[i][k];
			}
	if (nw == 0)
		return E_OK;
	smp_pg_add_keys(&kb, want, nw);
	params[0] = kb.data;
	rc = db_exec(pg->db, &st_q_names, params, &r);
	buf_release(&kb);
	if (rc)
		return smp_pg_fail(s, pg, rc, "frame names");
	for (j = 0; j < PQntuples(r); j++) {
		char *nm = arena_memdupz(&pg->name_mem, PQgetvalue(r, j, 1),
			(size_t)PQgetlength(r, j, 1));

		smp_pg_kmap_put(&pg->names, (uint64_t)col_i64(r, j, 0), 0,
			(uint64_t)(uintptr_t)nm);
	}
	PQclear(r);
	return E_OK;
}

/*
 * Give every row its stack's frame names: from the process's stack
 * cache, the stacks not there from the dictionary (their frame keys,
 * then the names not in the name cache), which fills both caches.  Names
 * the dictionary lacks read "[missing]"; a stack it lacks stays NULL.
 * When the caches are full they start again (and every row is looked up
 * again, at most once).
 */
static int
pg_resolve(struct smp *s, struct smp_pg *pg, struct pg_row *rw, size_t n,
	struct arena *a)
{
	uint64_t *miss = NULL, **fk = NULL, c, v;
	size_t i, k, nm, nf, nall, *nk = NULL;
	struct buf kb = BUF_INIT(0);
	const char *params[1];
	PGresult *r = NULL;
	int rc = E_OK, attempt;
	bool hits;

	for (attempt = 0; attempt < 2; attempt++) {
		hits = false;
		nm = 0;
		for (i = 0; i < n; i++) {
			rw[i].k = NULL;
			if (smp_pg_kmap_get(&pg->stk_names, rw[i].stack, &c,
			    &v)) {
				rw[i].k = (const struct pg_stk *)(uintptr_t)v;
				hits = true;
				continue;
			}
			if (!miss)
				miss = arena_alloc(a, n * sizeof(*miss));
			miss[nm++] = rw[i].stack;
		}
		if (nm == 0)
			return E_OK;
		buf_reset(&kb);
		smp_pg_add_keys(&kb, miss, nm);
		params[0] = kb.data;
		PQclear(r);
		r = NULL;
		rc = db_exec_bin(pg->db, &st_q_frames, params, &r);
		if (rc) {
			rc = smp_pg_fail(s, pg, rc, "stack frames");
			goto out;
		}
		nf = (size_t)PQntuples(r);
		fk = arena_alloc(a, (nf ? nf : 1) * sizeof(*fk));
		nk = arena_alloc(a, (nf ? nf : 1) * sizeof(*nk));
		for (i = 0, nall = 0; i < nf; i++) {
			if (smp_pg_bin_keys(r, (int)i, 1, a, &fk[i], &nk[i])) {
				smp_seterr(s, "samples: stack frames: frames "
					"are not a bigint array");
				rc = E_INTERNAL;
				goto out;
			}
			nall += nk[i];
		}
		if (!pg_room(&pg->names, nall) || !pg_room(&pg->stk_names, nf)) {
			pg_cache_reset(pg, nall, nf > n ? nf : n);
			if (hits)
				continue;	/* handed-out names are gone */
		}
		if ((rc = pg_fetch_names(s, pg, fk, nk, nf, nall, a)) != E_OK)
			goto out;
		for (i = 0; i < nf; i++) {
			struct pg_stk *st = arena_alloc(&pg->name_mem,
				sizeof(*st) + (nk[i] ? nk[i] : 1) *
				sizeof(st->fr[0]));

			st->n = nk[i];
			for (k = 0; k < nk[i]; k++) {
				st->fr[k] = "[missing]";
				if (smp_pg_kmap_get(&pg->names, fk[i][k], &c,
				    &v) && v)
					st->fr[k] = (const char *)(uintptr_t)v;
			}
			smp_pg_kmap_put(&pg->stk_names,
				(uint64_t)smp_pg_bin_i64(r, (int)i, 0), 0,
				(uint64_t)(uintptr_t)st);
		}
		for (i = 0; i < n; i++)
			if (!rw[i].k && smp_pg_kmap_get(&pg->stk_names,
			    rw[i].stack, &c, &v))
				rw[i].k = (const struct pg_stk *)(uintptr_t)v;
		break;
	}
out:
	buf_release(&kb);
	PQclear(r);
	return rc;
}

/*
 * Sum per stack.  Without max_stacks the query returns every stack in no
 * order and the totals are added up here; with it, the heaviest stacks
 * and the totals come from the query.  A stack missing from the
 * dictionary is counted in the totals but not reported.
 */
int
smp_pg_stacks(struct smp *s, const struct smp_sel *sel, size_t max_stacks,
	struct arena *a, smp_stack_fn fn, void *ctx, struct smp_info *info)
{
	struct smp_pg *pg = s->ctx;
	char rb[5][24], lim[24], sid[24];
	const char *params[9];
	const char *srcp = NULL;
	struct src *srcs;
	size_t nsrcs, i, nst;
	PGresult *r = NULL;
	struct pg_row *rw;
	uint64_t total = 0, rows = 0;
	struct pg_plan pl;
	char pb[4][24];
	int rc;

	if (max_stacks)
		snprintf(lim, sizeof(lim), "%zu", max_stacks);
	if (sel->adhoc_key) {
		snprintf(sid, sizeof(sid), "%lld", (long long)
			(sel->service_id > 0 ? sel->service_id : 0));
		params[0] = sel->adhoc_key;
		params[1] = sid;
		params[2] = lim;
		rc = db_exec_bin(pg->db, max_stacks ? &st_q_stacks_adhoc_top :
			&st_q_stacks_adhoc, params, &r);
	} else {
		rc = pg_src_param(s, pg, sel, a, &srcs, &nsrcs, &srcp);
		if (rc)
			return rc;
		pg_plan_range(sel->from, sel->to, &pl);
		snprintf(rb[0], 24, "%lld", (long long)sel->service_id);
		snprintf(rb[1], 24, "%lld", (long long)sel->from);
		snprintf(pb[0], 24, "%lld", (long long)pl.hour_a);
		snprintf(pb[1], 24, "%lld", (long long)pl.day_a);
		snprintf(pb[2], 24, "%lld", (long long)pl.day_b);
		snprintf(pb[3], 24, "%lld", (long long)pl.hour_b);
		snprintf(rb[2], 24, "%lld", (long long)sel->to);
		params[0] = rb[0];
		params[1] = rb[1];
		params[2] = pb[0];
		params[3] = pb[1];
		params[4] = pb[2];
		params[5] = pb[3];
		params[6] = rb[2];
		params[7] = srcp;
		params[8] = lim;
		info->rollup = pl.hour_b > pl.hour_a;
		rc = db_exec_bin(pg->db, srcp ?
			(max_stacks ? &st_q_stacks_top : &st_q_stacks) :
			(max_stacks ? &st_q_stacks_all_top : &st_q_stacks_all),
			params, &r);
	}
	if (rc)
		return smp_pg_fail(s, pg, rc, "stacks query");
	nst = (size_t)PQntuples(r);
	rw = arena_alloc(a, (nst ? nst : 1) * sizeof(*rw));
	for (i = 0; i < nst; i++) {
		rw[i].stack = (uint64_t)smp_pg_bin_i64(r, (int)i, 0);
		rw[i].count = (uint64_t)smp_pg_bin_i64(r, (int)i, 1);
		total += rw[i].count;
		rows += (uint64_t)smp_pg_bin_i64(r, (int)i, 2);
	}
	if (max_stacks && nst > 0) {
		total = (uint64_t)smp_pg_bin_i64(r, 0, 3);
		rows = (uint64_t)smp_pg_bin_i64(r, 0, 4);
	}
	info->total = total;
	info->rows_read = rows;
	rc = pg_resolve(s, pg, rw, nst, a);
	for (i = 0; i < nst && rc == E_OK; i++)
		if (rw[i].k)
			rc = fn(ctx, rw[i].k->fr, rw[i].k->n, rw[i].count);
	PQclear(r);
	return rc;
}

/* Order tags by samples, then value. */
static int
tag_cmp(const void *x, const void *y)
{
	const struct smp_tag *a = x, *b = y;

	if (a->samples != b->samples)
		return a->samples > b->samples ? -1 : 1;
	return strcmp(a->value, b->value);
}

/* Distinct values of a dimension. */
int
smp_pg_tags(struct smp *s, const struct smp_sel *sel, enum smp_dim dim,
	size_t max, struct arena *a, struct smp_tag **out, size_t *n)
{
	struct smp_pg *pg = s->ctx;
	char rb[5][24];
	const char *params[6];
	const char *srcp = NULL;
	struct src *srcs = NULL;
	struct smp_tag *t;
	size_t nsrcs = 0, i, nt = 0;
	PGresult *r = NULL;
	int rc, j;

	if (sel->adhoc_key)
		return E_OK;	/* one profile: use its metadata row */
	if ((rc = pg_src_param(s, pg, sel, a, &srcs, &nsrcs, &srcp)) != E_OK)
		return rc;
	if (!srcs && (rc = pg_srcs(s, pg, sel->service_id, a, &srcs,
	    &nsrcs)) != E_OK)
		return rc;
	pg_range_params(sel, true, rb, params);
	params[5] = srcp;
	rc = db_exec(pg->db, &st_q_tags, params, &r);
	if (rc)
		return smp_pg_fail(s, pg, rc, "tags query");
	t = arena_zalloc(a, (nsrcs ? nsrcs : 1) * sizeof(*t));
	for (j = 0; j < PQntuples(r); j++) {
		int64_t id = col_i64(r, j, 0);
		uint64_t sum = (uint64_t)col_i64(r, j, 1);
		const char *v = NULL;

		if (sum == 0)
			continue;
		for (i = 0; i < nsrcs; i++)
			if (srcs[i].id == id) {
				v = srcs[i].v[dim];
				break;
			}
		if (!v)
			continue;
		for (i = 0; i < nt; i++)
			if (strcmp(t[i].value, v) == 0)
				break;
		if (i == nt)
			t[nt++].value = v;
		t[i].samples += sum;
	}
	PQclear(r);
	qsort(t, nt, sizeof(*t), tag_cmp);
	if (max && nt > max)
		nt = max;
	*out = t;
	*n = nt;
	return E_OK;
}

/* Per-bucket totals. */
int
smp_pg_buckets(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_bucket **out, size_t *n)
{
	struct smp_pg *pg = s->ctx;
	char rb[5][24], st[24], lim[24];
	const char *params[8];
	const char *srcp = NULL;
	struct src *srcs;
	size_t nsrcs;
	PGresult *r = NULL;
	int rc, j;

	if (sel->adhoc_key)
		return E_OK;
	if ((rc = pg_src_param(s, pg, sel, a, &srcs, &nsrcs, &srcp)) != E_OK)
		return rc;
	pg_range_params(sel, step % 3600 == 0, rb, params);
	snprintf(st, sizeof(st), "%lld", (long long)step);
	snprintf(lim, sizeof(lim), "%zu", max);
	params[5] = srcp;
	params[6] = st;
	params[7] = max ? lim : NULL;
	rc = db_exec(pg->db, &st_q_buckets, params, &r);
	if (rc)
		return smp_pg_fail(s, pg, rc, "buckets query");
	*n = (size_t)PQntuples(r);
	*out = arena_alloc(a, (*n ? *n : 1) * sizeof(**out));
	for (j = 0; j < PQntuples(r); j++) {
		(*out)[j].ts = col_i64(r, j, 0);
		(*out)[j].samples = (uint64_t)col_i64(r, j, 1);
	}
	PQclear(r);
	return E_OK;
}

/* Host metrics (step 0: one aggregate). */
int
smp_pg_metrics(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_metrics_bucket **out, size_t *n)
{
	struct smp_pg *pg = s->ctx;
	char sid[24], fr[24], to[24], st[24], lim[24];
	const char *params[6];
	const char *hosts = NULL;
	struct src *srcs = NULL;
	size_t nsrcs = 0, i;
	PGresult *r = NULL;
	int rc, j;

	if (sel->adhoc_key)
		return E_OK;
	if (sel->filter && sel->filter->n) {
		struct buf b = BUF_INIT(0);
		size_t hit = 0;

		if ((rc = pg_srcs(s, pg, sel->service_id, a, &srcs, &nsrcs)))
			return rc;
		add(&b, "{", 1);
		for (i = 0; i < nsrcs; i++) {
			if (!smp_filter_match(sel->filter, srcs[i].v[0],
			    srcs[i].v[1], srcs[i].v[2], srcs[i].v[3]))
				continue;
			if (hit++)
				add(&b, ",", 1);
			smp_pg_add_text_elem(&b, srcs[i].v[0]);
		}
		add(&b, "}", 1);
		hosts = arena_memdupz(a, b.data, b.len);
		buf_release(&b);
	}
	snprintf(sid, sizeof(sid), "%lld", (long long)sel->service_id);
	snprintf(fr, sizeof(fr), "%lld", (long long)sel->from);
	snprintf(to, sizeof(to), "%lld", (long long)sel->to);
	snprintf(st, sizeof(st), "%lld", (long long)step);
	snprintf(lim, sizeof(lim), "%zu", max);
	params[0] = sid;
	params[1] = fr;
	params[2] = to;
	params[3] = st;
	params[4] = hosts;
	params[5] = max ? lim : NULL;
	rc = db_exec(pg->db, &st_q_metrics, params, &r);
	if (rc)
		return smp_pg_fail(s, pg, rc, "metrics query");
	*n = (size_t)PQntuples(r);
	*out = arena_zalloc(a, (*n ? *n : 1) * sizeof(**out));
	for (j = 0; j < PQntuples(r); j++) {
		struct smp_metrics_bucket *b = &(*out)[j];

		b->ts = col_i64(r, j, 0);
		b->m.cpu_avg = strtod(PQgetvalue(r, j, 1), NULL);
		b->m.cpu_max = strtod(PQgetvalue(r, j, 2), NULL);
		b->m.mem_avg = strtod(PQgetvalue(r, j, 3), NULL);
		b->m.mem_max = strtod(PQgetvalue(r, j, 4), NULL);
		b->m.samples = (uint64_t)col_i64(r, j, 5);
		b->m.hosts = (uint64_t)col_i64(r, j, 6);
		b->m.cores = (uint64_t)col_i64(r, j, 7);
		b->m.profiles = (uint64_t)col_i64(r, j, 8);
	}
	PQclear(r);
	return E_OK;
}

