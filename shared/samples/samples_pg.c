/*
 * samples_pg.c - the "pg" sample store backend (tables of
 * sql/0005_samples.up.sql).
 *
 * Write path of one profile:
 *   1. the day's partitions exist, and those of the next two days
 *      (smp_ensure_day, once per day per process, outside any
 *      transaction), so the first write after midnight finds its day;
 *   2. new frames, then new stacks, go into the dictionaries in one
 *      autocommitted statement each, which also returns the keys whose
 *      stored value differs (a collision): those are re-keyed with the
 *      next probe and sent again.  Entries are immutable and content
 *      addressed, so committing them before the samples is harmless, and
 *      keeps the samples transaction from holding dictionary locks that
 *      other workers would wait on.  Keys already verified by this
 *      process are remembered (with a second, independent hash of the
 *      value) and not sent again;
 *   3. one transaction: an advisory lock on the profile key, the profile
 *      record unless the key is stored (then nothing is written: *dup),
 *      the sources, the raw rows and the rollup upserts (hourly and
 *      daily, per source and over all sources, in one statement).  Rows
 *      are sorted, so concurrent upserts take row locks in one order.
 *
 * Read path of the stacks query (struct pg_plan): whole days from a daily
 * rollup, whole hours from an hourly one, minutes at the edges from the
 * raw rows; the per-source rollups when a filter selects sources, the
 * all-source ones otherwise.
 *
 * Every value travels as a parameter (arrays as text literals built
 * here); SQL text is constant.  A filter is evaluated in C against the
 * service's sources (smp_src, a few rows per host), and only the matching
 * source ids reach the query.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "hash.h"
#include "mem.h"
#include "samples_int.h"

#define CHECK_SEED UINT64_C(0x6a09e667f3bcc909)
#define KMAP_MAX (1u << 20)	/* entries before the process cache is reset */
#define NAMES_MAX (1u << 17)	/* names cached before the name cache is reset */

/* Open-addressing map: key -> (check, value); key 0 is stored as empty + flag. */
struct kmap {
	uint64_t *k, *c, *v;
	unsigned char *used;
	size_t cap, n;
};

struct smp_pg {
	struct db *db;
	int64_t days[16];		/* days whose partitions exist */
	size_t ndays;
	struct kmap frames;		/* verified frame keys: probe-0 key -> final */
	struct kmap stacks;		/* verified stack keys */
	struct kmap names;		/* frame key -> name (a char * in
					 * name_mem): dictionary entries never
					 * change, so they stay valid */
	struct arena name_mem;
};

/* ------------------------------------------------------------ key maps */

static void
kmap_init(struct kmap *m, size_t cap)
{
	size_t c = 64;

	while (c < cap * 2)
		c <<= 1;
	m->cap = c;
	m->n = 0;
	m->k = xcalloc(c, sizeof(*m->k));
	m->c = xcalloc(c, sizeof(*m->c));
	m->v = xcalloc(c, sizeof(*m->v));
	m->used = xcalloc(c, 1);
}

static void
kmap_release(struct kmap *m)
{
	free(m->k);
	free(m->c);
	free(m->v);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

/* The slot of key (found or empty). */
static size_t
kmap_slot(const struct kmap *m, uint64_t key)
{
	size_t i = (size_t)(key * UINT64_C(0x9E3779B97F4A7C15) >> 7) &
		(m->cap - 1);

	while (m->used[i] && m->k[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* Find key; true with *check and *val set. */
static bool
kmap_get(const struct kmap *m, uint64_t key, uint64_t *check, uint64_t *val)
{
	size_t i;

	if (!m->cap)
		return false;
	i = kmap_slot(m, key);
	if (!m->used[i])
		return false;
	*check = m->c[i];
	*val = m->v[i];
	return true;
}

/* Insert or replace (the map must have room: n < cap / 2). */
static void
kmap_put(struct kmap *m, uint64_t key, uint64_t check, uint64_t val)
{
	size_t i = kmap_slot(m, key);

	if (!m->used[i]) {
		m->used[i] = 1;
		m->k[i] = key;
		m->n++;
	}
	m->c[i] = check;
	m->v[i] = val;
}

/* Make room for `more` entries in a process cache (reset when full). */
static void
kmap_reserve(struct kmap *m, size_t more)
{
	if (m->cap && m->n + more < m->cap / 2)
		return;
	kmap_release(m);
	kmap_init(m, more + (more < KMAP_MAX ? KMAP_MAX : more) / 2);
}

/* --------------------------------------------------------- statements */

/* The day of $1 and the next two (see pg_ensure_day). */
static const struct db_stmt st_ensure = {
	"smp_ensure",
	"SELECT smp_ensure_day($1::date + k) FROM generate_series(0, 2) AS k",
	1,
};

static const struct db_stmt st_frames = {
	"smp_frames",
	"WITH u AS (SELECT * FROM unnest($1::bigint[], $2::text[]) "
	"WITH ORDINALITY AS u(h, t, i)), "
	"ins AS (INSERT INTO smp_frame (hash, name) SELECT h, t FROM u "
	"ORDER BY h ON CONFLICT DO NOTHING) "
	"SELECT u.i FROM u JOIN smp_frame f ON f.hash = u.h WHERE f.name <> u.t",
	2,
};

static const struct db_stmt st_stacks = {
	"smp_stacks",
	"WITH u AS (SELECT * FROM unnest($1::bigint[], $2::text[]) "
	"WITH ORDINALITY AS u(h, f, i)), "
	"ins AS (INSERT INTO smp_stack (hash, frames) SELECT h, f::bigint[] "
	"FROM u ORDER BY h ON CONFLICT DO NOTHING) "
	"SELECT u.i FROM u JOIN smp_stack s ON s.hash = u.h "
	"WHERE s.frames <> u.f::bigint[]",
	2,
};

static const struct db_stmt st_lock = {
	"smp_lock", "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", 1,
};

static const struct db_stmt st_profile = {
	"smp_profile",
	"INSERT INTO smp_profile (key, service_id, host, instance_type, "
	"start_ts, end_ts, cores, cpu_avg, mem_avg, samples, stacks, adhoc_key) "
	"SELECT $1, $2::bigint, $3, $4, to_timestamp($5::bigint), "
	"to_timestamp($6::bigint), $7::int, $8::float8, $9::float8, "
	"$10::bigint, $11::int, $12 "
	"WHERE NOT EXISTS (SELECT 1 FROM smp_profile WHERE key = $1) "
	"ON CONFLICT DO NOTHING RETURNING id",
	12,
};

static const struct db_stmt st_src = {
	"smp_src",
	"WITH v AS (SELECT * FROM unnest($4::text[], $5::text[]) "
	"WITH ORDINALITY AS v(c, e, i)), "
	"ins AS (INSERT INTO smp_src (service_id, host, instance_type, "
	"container, container_env) SELECT $1::bigint, $2, $3, c, e FROM v "
	"ORDER BY c, e ON CONFLICT DO NOTHING "
	"RETURNING id, container, container_env) "
	"SELECT v.i, coalesce(ins.id, s.id) FROM v "
	"LEFT JOIN ins ON ins.container = v.c AND ins.container_env = v.e "
	"LEFT JOIN smp_src s ON s.service_id = $1::bigint AND s.host = $2 "
	"AND s.instance_type = $3 AND s.container = v.c "
	"AND s.container_env = v.e ORDER BY v.i",
	5,
};

static const struct db_stmt st_samples = {
	"smp_samples",
	"INSERT INTO smp_sample (ts, service_id, prof, src, stack, n) "
	"SELECT to_timestamp($1::bigint), $2::bigint, $3::bigint, u.src, "
	"u.stack, u.n FROM unnest($4::int[], $5::bigint[], $6::bigint[]) "
	"AS u(src, stack, n)",
	6,
};

/*
 * Every rollup in one statement: hour and day ($1, $6), per source and
 * over all sources.  Rows come sorted by (source, stack) and merged; the
 * all-source rows are summed per stack, so no upsert meets a key twice.
 */
#define SMP_UPSERT(tbl, key) \
	" ON CONFLICT (" key ") DO UPDATE SET n = " tbl ".n + EXCLUDED.n"
static const struct db_stmt st_rollup = {
	"smp_rollup",
	"WITH u AS (SELECT * FROM unnest($3::int[], $4::bigint[], $5::bigint[]) "
	"AS u(src, stack, n)), "
	"a AS (SELECT stack, sum(n) AS n FROM u GROUP BY stack), "
	"h AS (INSERT INTO smp_sample_1h (ts, service_id, src, stack, n) "
	"SELECT to_timestamp($1::bigint), $2::bigint, src, stack, n FROM u"
	SMP_UPSERT("smp_sample_1h", "service_id, ts, src, stack") "), "
	"d AS (INSERT INTO smp_sample_1d (ts, service_id, src, stack, n) "
	"SELECT to_timestamp($6::bigint), $2::bigint, src, stack, n FROM u"
	SMP_UPSERT("smp_sample_1d", "service_id, ts, src, stack") "), "
	"ha AS (INSERT INTO smp_sample_1h_all (ts, service_id, stack, n) "
	"SELECT to_timestamp($1::bigint), $2::bigint, stack, n FROM a "
	"ORDER BY stack"
	SMP_UPSERT("smp_sample_1h_all", "service_id, ts, stack") ") "
	"INSERT INTO smp_sample_1d_all (ts, service_id, stack, n) "
	"SELECT to_timestamp($6::bigint), $2::bigint, stack, n FROM a "
	"ORDER BY stack"
	SMP_UPSERT("smp_sample_1d_all", "service_id, ts, stack"),
	6,
};

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

/* Rows (stack, sum, frames, total, rows read) heaviest first. */
#define SMP_STACKS_TAIL \
	"SELECT t.stack, t.s, st.frames, sum(t.s) OVER (), sum(t.r) OVER () " \
	"FROM t JOIN smp_stack st ON st.hash = t.stack WHERE t.s > 0 " \
	"ORDER BY t.s DESC, t.stack LIMIT $7::bigint"

/*
 * The stacks query over a struct pg_plan: $1 service, raw rows of
 * [$2, $3) and [$6, $7), hourly rows of [$3, $4) and [$5, $6), daily rows
 * of [$4, $5); $8 sources (NULL: every source), $9 limit.  The filtered
 * form reads the per-source rollups, the other the all-source ones.
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
#define SMP_PLAN_STACKS(h, d, srcw) \
	"WITH t AS (SELECT stack, sum(n) AS s, count(*) AS r FROM (" \
	SMP_PLAN_UNION(h, d, srcw) ") x GROUP BY stack) " \
	"SELECT t.stack, t.s, st.frames, sum(t.s) OVER (), sum(t.r) OVER () " \
	"FROM t JOIN smp_stack st ON st.hash = t.stack WHERE t.s > 0 " \
	"ORDER BY t.s DESC, t.stack LIMIT $9::bigint"

static const struct db_stmt st_q_stacks = {
	"smp_q_stacks",
	SMP_PLAN_STACKS("smp_sample_1h", "smp_sample_1d",
		" AND src = ANY($8::int[])"),
	9,
};

static const struct db_stmt st_q_stacks_all = {
	"smp_q_stacks_all",
	SMP_PLAN_STACKS("smp_sample_1h_all", "smp_sample_1d_all",
		" AND $8::int[] IS NULL"),
	9,
};

static const struct db_stmt st_q_stacks_adhoc = {
	"smp_q_stacks_adhoc",
	"WITH p AS (SELECT id, service_id, "
	"extract(epoch FROM start_ts)::bigint / 60 * 60 AS b "
	"FROM smp_profile WHERE adhoc_key = $1 "
	"AND ($2::bigint = 0 OR service_id = $2::bigint)), "
	"t AS (SELECT x.stack, sum(x.n) AS s, count(*) AS r FROM smp_sample x "
	"JOIN p ON x.service_id = p.service_id AND x.ts = to_timestamp(p.b) "
	"AND x.prof = p.id GROUP BY x.stack) "
	"SELECT t.stack, t.s, st.frames, sum(t.s) OVER (), sum(t.r) OVER () "
	"FROM t JOIN smp_stack st ON st.hash = t.stack WHERE t.s > 0 "
	"ORDER BY t.s DESC, t.stack LIMIT $3::bigint",
	3,
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

/* Take the deleted rows g (grouped by cols) out of one rollup at time tx. */
#define SMP_UNROLL(name, tbl, tx, cols, match) \
	name " AS (UPDATE " tbl " r SET n = r.n - g.n FROM (SELECT " \
	"service_id, " tx " AS t, " cols ", sum(n) AS n FROM d GROUP BY " \
	"service_id, t, " cols ") g WHERE r.service_id = g.service_id AND " \
	"r.ts = to_timestamp(g.t) AND " match " RETURNING 1)"

/* Delete a profile's rows and take them out of the rollups. */
#define SMP_FORGET(where) \
	"WITH p AS (DELETE FROM smp_profile WHERE " where " RETURNING id, " \
	"service_id, extract(epoch FROM start_ts)::bigint AS st), " \
	"d AS (DELETE FROM smp_sample x USING p WHERE " \
	"x.service_id = p.service_id AND x.ts = to_timestamp(p.st / 60 * 60) " \
	"AND x.prof = p.id RETURNING x.service_id, p.st / 3600 * 3600 AS h, " \
	"x.src, x.stack, x.n), " \
	SMP_UNROLL("u", "smp_sample_1h", "h", "src, stack", \
		"r.src = g.src AND r.stack = g.stack") ", " \
	SMP_UNROLL("u1d", "smp_sample_1d", "h / 86400 * 86400", "src, stack", \
		"r.src = g.src AND r.stack = g.stack") ", " \
	SMP_UNROLL("uha", "smp_sample_1h_all", "h", "stack", \
		"r.stack = g.stack") ", " \
	SMP_UNROLL("uda", "smp_sample_1d_all", "h / 86400 * 86400", "stack", \
		"r.stack = g.stack") " " \
	"SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM u), " \
	"(SELECT count(*) FROM u1d), (SELECT count(*) FROM uha), " \
	"(SELECT count(*) FROM uda)"

static const struct db_stmt st_forget = {
	"smp_forget", SMP_FORGET("key = $1"), 1,
};

static const struct db_stmt st_forget_adhoc = {
	"smp_forget_adhoc", SMP_FORGET("adhoc_key = $1"), 1,
};

static const struct db_stmt st_status = {
	"smp_status",
	"SELECT (SELECT count(*) FROM smp_profile), "
	"(SELECT count(*) FROM smp_sample), "
	"(SELECT count(*) FROM smp_sample_1h) + "
	"(SELECT count(*) FROM smp_sample_1h_all) + "
	"(SELECT count(*) FROM smp_sample_1d) + "
	"(SELECT count(*) FROM smp_sample_1d_all), "
	"(SELECT count(*) FROM smp_frame), (SELECT count(*) FROM smp_stack), "
	"(SELECT coalesce(sum(bytes), 0) FROM smp_partitions) + "
	"pg_total_relation_size('smp_frame') + pg_total_relation_size('smp_stack') "
	"+ pg_total_relation_size('smp_src'), "
	"(SELECT count(*) FROM smp_partitions WHERE parent = 'smp_sample'), "
	"(SELECT coalesce(extract(epoch FROM min(day)::timestamp)::bigint, 0) "
	"FROM smp_partitions WHERE parent = 'smp_sample'), "
	"(SELECT coalesce(extract(epoch FROM max(day)::timestamp)::bigint, 0) "
	"FROM smp_partitions WHERE parent = 'smp_sample')",
	0,
};

static const struct db_stmt st_prune = {
	"smp_prune",
	"SELECT part FROM smp_prune(to_timestamp($1::bigint)::timestamp::date, "
	"to_timestamp($2::bigint)::timestamp::date)",
	2,
};

/* -------------------------------------------------------------- helpers */

/* Append to an uncapped buffer (OOM aborts, so this cannot fail). */
static void
add(struct buf *b, const char *s, size_t n)
{
	buf_put(b, s, n);
}

/* Append a signed 64-bit number (a key as PostgreSQL's bigint). */
static void
add_i64(struct buf *b, int64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof(t), "%lld", (long long)v);

	add(b, t, (size_t)n);
}

/* Append one element of a text[] literal, quoted. */
static void
add_text_elem(struct buf *b, const char *s)
{
	const char *p;

	add(b, "\"", 1);
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			add(b, "\\", 1);
		add(b, p, 1);
	}
	add(b, "\"", 1);
}

/* Append a frame key list as a bigint[] literal. */
static void
add_keys(struct buf *b, const uint64_t *k, size_t n)
{
	size_t i;

	add(b, "{", 1);
	for (i = 0; i < n; i++) {
		if (i)
			add(b, ",", 1);
		add_i64(b, (int64_t)k[i]);
	}
	add(b, "}", 1);
}

/* Parse a bigint[] literal into the arena. */
static uint64_t *
parse_keys(const char *s, struct arena *a, size_t *n)
{
	size_t cap = 1, i = 0;
	const char *p;
	uint64_t *k;

	for (p = s; *p; p++)
		if (*p == ',')
			cap++;
	k = arena_alloc(a, cap * sizeof(*k));
	p = s;
	if (*p == '{')
		p++;
	while (*p && *p != '}') {
		char *end;
		long long v = strtoll(p, &end, 10);

		if (end == p)
			break;
		k[i++] = (uint64_t)v;
		p = end;
		if (*p == ',')
			p++;
	}
	*n = i;
	return k;
}

static int64_t
col_i64(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 :
		strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Report a failed statement. */
static int
pg_fail(struct smp *s, struct smp_pg *pg, int rc, const char *what)
{
	smp_seterr(s, "samples: %s: %s", what, db_errmsg(pg->db));
	return rc;
}

/* ------------------------------------------------------------- writing */

/*
 * Make sure the partitions of the day of ts, and of the next two days,
 * exist, unless this process did so for that day.  Days are normally
 * created ahead (by the write of the day before, and by pg_prune), so
 * this finds them and takes no lock; creating one attaches a new table,
 * which neither waits for readers of the parent nor blocks writers.
 */
static int
pg_ensure_day(struct smp *s, struct smp_pg *pg, int64_t ts)
{
	int64_t day = ts / 86400;
	const char *params[1];
	char d[16];
	struct tm tm;
	time_t t = (time_t)(day * 86400);
	size_t i;
	int rc;

	for (i = 0; i < pg->ndays; i++)
		if (pg->days[i] == day)
			return E_OK;
	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d", &tm);
	params[0] = d;
	rc = db_exec(pg->db, &st_ensure, params, NULL);
	if (rc)
		return pg_fail(s, pg, rc, "creating day partitions");
	if (pg->ndays == ARRAY_SIZE(pg->days))
		pg->ndays = 0;
	pg->days[pg->ndays++] = day;
	return E_OK;
}

/*
 * One dictionary round: send items [keys, values] and get back the
 * indexes (0-based) of the keys whose stored value differs.
 */
static int
pg_dict_round(struct smp *s, struct smp_pg *pg, const struct db_stmt *st,
	const uint64_t *keys, const char *const *vals, size_t n, bool *bad)
{
	struct buf kb = BUF_INIT(0), vb = BUF_INIT(0);
	const char *params[2];
	PGresult *r = NULL;
	size_t i;
	int rc, j;

	add_keys(&kb, keys, n);
	add(&vb, "{", 1);
	for (i = 0; i < n; i++) {
		if (i)
			add(&vb, ",", 1);
		add_text_elem(&vb, vals[i]);
	}
	add(&vb, "}", 1);
	params[0] = kb.data;
	params[1] = vb.data;
	rc = db_exec(pg->db, st, params, &r);
	buf_release(&kb);
	buf_release(&vb);
	if (rc)
		return pg_fail(s, pg, rc, st == &st_frames ?
			"frame dictionary" : "stack dictionary");
	for (j = 0; j < PQntuples(r); j++) {
		int64_t idx = col_i64(r, j, 0) - 1;

		if (idx >= 0 && (size_t)idx < n)
			bad[idx] = true;
	}
	PQclear(r);
	return E_OK;
}

/* A pending dictionary entry. */
struct pend {
	uint64_t k0;		/* probe-0 key (the cache key) */
	uint64_t check;		/* independent hash of the value */
	uint64_t key;		/* current key */
	unsigned probe;
	const char *val;	/* name, or bigint[] literal of a stack */
	size_t len;
	const uint64_t *fh;	/* stack: frame keys */
	size_t nf;
};

/*
 * Settle the keys of pending entries: re-key in-batch duplicates, send,
 * re-key the ones the database holds with another value, until none is
 * left; then remember them in the cache.
 */
static int
pg_settle(struct smp *s, struct smp_pg *pg, struct pend *pe, size_t n,
	bool stacks, struct kmap *cache)
{
	struct kmap seen;
	const struct db_stmt *st = stacks ? &st_stacks : &st_frames;
	uint64_t *keys = NULL;
	const char **vals = NULL;
	bool *bad = NULL;
	size_t i, round;
	int rc = E_OK;

	if (n == 0)
		return E_OK;
	keys = xcalloc(n, sizeof(*keys));
	vals = xcalloc(n, sizeof(*vals));
	bad = xcalloc(n, sizeof(*bad));
	for (round = 0;; round++) {
		bool again = false;

		kmap_init(&seen, n);
		for (i = 0; i < n; i++) {
			uint64_t c, v;

			for (;;) {
				if (!kmap_get(&seen, pe[i].key, &c, &v) ||
				    c == pe[i].check)
					break;
				if (++pe[i].probe >= SMP_MAX_PROBES)
					break;
				pe[i].key = stacks ?
					smp_stack_key(pe[i].fh, pe[i].nf,
					pe[i].probe) :
					smp_frame_key(pe[i].val, pe[i].len,
					pe[i].probe);
			}
			kmap_put(&seen, pe[i].key, pe[i].check, 0);
			keys[i] = pe[i].key;
			vals[i] = pe[i].val;
			bad[i] = false;
		}
		kmap_release(&seen);
		rc = pg_dict_round(s, pg, st, keys, vals, n, bad);
		if (rc)
			goto out;
		for (i = 0; i < n; i++) {
			if (!bad[i])
				continue;
			again = true;
			if (++pe[i].probe >= SMP_MAX_PROBES) {
				smp_seterr(s, "samples: %s key collision "
					"not resolved after %d probes",
					stacks ? "stack" : "frame",
					SMP_MAX_PROBES);
				rc = E_INTERNAL;
				goto out;
			}
			pe[i].key = stacks ?
				smp_stack_key(pe[i].fh, pe[i].nf, pe[i].probe) :
				smp_frame_key(pe[i].val, pe[i].len, pe[i].probe);
		}
		if (!again)
			break;
	}
	kmap_reserve(cache, n);
	for (i = 0; i < n; i++)
		kmap_put(cache, pe[i].k0, pe[i].check, pe[i].key);
out:
	free(keys);
	free(vals);
	free(bad);
	return rc;
}

/* Give every row's frames and stack their settled keys. */
static int
pg_keys(struct smp *s, struct smp_pg *pg, struct smp_row *rows, size_t n,
	struct arena *a)
{
	struct kmap batch;
	struct pend *pe;
	size_t i, k, np = 0, total = 0, at;
	uint64_t c, v, *chks, *schk;
	int rc;

	for (i = 0; i < n; i++)
		total += rows[i].nframes;
	/* room for the whole batch now, so no entry is evicted below */
	kmap_reserve(&pg->frames, total);
	kmap_reserve(&pg->stacks, n);
	/* frames */
	pe = arena_alloc(a, (total ? total : 1) * sizeof(*pe));
	/* each value's check hash, computed once for both passes */
	chks = arena_alloc(a, (total ? total : 1) * sizeof(*chks));
	schk = arena_alloc(a, (n ? n : 1) * sizeof(*schk));
	kmap_init(&batch, total);
	for (i = 0, at = 0; i < n; i++)
		for (k = 0; k < rows[i].nframes; k++) {
			const char *f = rows[i].frames[k];
			size_t len = strlen(f);
			uint64_t k0 = rows[i].fh[k];
			uint64_t chk = chks[at++] = hash_xxh64(f, len, CHECK_SEED);

			if (kmap_get(&pg->frames, k0, &c, &v) && c == chk)
				continue;
			if (kmap_get(&batch, chk, &c, &v))
				continue;	/* already pending */
			kmap_put(&batch, chk, 0, np);
			pe[np++] = (struct pend){ k0, chk, k0, 0, f, len,
				NULL, 0 };
		}
	kmap_release(&batch);
	rc = pg_settle(s, pg, pe, np, false, &pg->frames);
	if (rc)
		return rc;
	for (i = 0, at = 0; i < n; i++) {
		for (k = 0; k < rows[i].nframes; k++) {
			uint64_t chk = chks[at++];

			if (kmap_get(&pg->frames, rows[i].fh[k], &c, &v) &&
			    c == chk) {
				rows[i].fh[k] = v;
			} else {
				/* evicted or re-keyed: settled above, look up by name */
				size_t j;

				for (j = 0; j < np; j++)
					if (pe[j].check == chk) {
						rows[i].fh[k] = pe[j].key;
						break;
					}
			}
		}
		rows[i].sh = smp_stack_key(rows[i].fh, rows[i].nframes, 0);
	}
	/* stacks */
	pe = arena_alloc(a, (n ? n : 1) * sizeof(*pe));
	np = 0;
	kmap_init(&batch, n);
	for (i = 0; i < n; i++) {
		uint64_t chk = schk[i] = hash_xxh64(rows[i].fh,
			rows[i].nframes * sizeof(*rows[i].fh), CHECK_SEED) ^
			rows[i].nframes;
		struct buf lit = BUF_INIT(0);

		if (kmap_get(&pg->stacks, rows[i].sh, &c, &v) && c == chk) {
			rows[i].sh = v;
			continue;
		}
		if (kmap_get(&batch, chk, &c, &v))
			continue;
		kmap_put(&batch, chk, 0, np);
		add_keys(&lit, rows[i].fh, rows[i].nframes);
		pe[np++] = (struct pend){ rows[i].sh, chk, rows[i].sh, 0,
			arena_memdupz(a, lit.data, lit.len), lit.len,
			rows[i].fh, rows[i].nframes };
		buf_release(&lit);
	}
	kmap_release(&batch);
	rc = pg_settle(s, pg, pe, np, true, &pg->stacks);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		uint64_t chk = schk[i];
		size_t j;

		if (kmap_get(&pg->stacks, rows[i].sh, &c, &v) && c == chk) {
			rows[i].sh = v;
			continue;
		}
		for (j = 0; j < np; j++)
			if (pe[j].check == chk) {
				rows[i].sh = pe[j].key;
				break;
			}
	}
	return E_OK;
}

/* A sample row for the statements: source id, stack, count. */
struct prow {
	int64_t src;
	uint64_t stack;
	uint64_t n;
};

static int
prow_cmp(const void *x, const void *y)
{
	const struct prow *a = x, *b = y;

	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	if (a->stack != b->stack)
		return (int64_t)a->stack < (int64_t)b->stack ? -1 : 1;
	return 0;
}

/* Resolve the rows' sources into ids (rows are sorted by container). */
static int
pg_sources(struct smp *s, struct smp_pg *pg, const struct smp_profile *p,
	const struct smp_row *rows, size_t n, int64_t *ids)
{
	struct buf cb = BUF_INIT(0), eb = BUF_INIT(0);
	const char *params[5];
	char sid[24];
	PGresult *r = NULL;
	size_t i, ndist = 0, *first;
	int rc = E_OK, j, attempt;

	first = xcalloc(n ? n : 1, sizeof(*first));
	add(&cb, "{", 1);
	add(&eb, "{", 1);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(rows[i].container, rows[i - 1].container) == 0 &&
		    strcmp(rows[i].container_env, rows[i - 1].container_env) == 0) {
			first[i] = first[i - 1];
			continue;
		}
		first[i] = ndist;
		if (ndist++) {
			add(&cb, ",", 1);
			add(&eb, ",", 1);
		}
		add_text_elem(&cb, rows[i].container);
		add_text_elem(&eb, rows[i].container_env);
	}
	add(&cb, "}", 1);
	add(&eb, "}", 1);
	snprintf(sid, sizeof(sid), "%lld", (long long)p->service_id);
	params[0] = sid;
	params[1] = p->hostname;
	params[2] = p->instance_type ? p->instance_type : "";
	params[3] = cb.data;
	params[4] = eb.data;
	for (attempt = 0; attempt < 3; attempt++) {
		bool missing = false;
		int64_t *dist = xcalloc(ndist ? ndist : 1, sizeof(*dist));

		rc = db_exec(pg->db, &st_src, params, &r);
		if (rc) {
			free(dist);
			rc = pg_fail(s, pg, rc, "sources");
			break;
		}
		for (j = 0; j < PQntuples(r); j++) {
			int64_t idx = col_i64(r, j, 0) - 1;

			if (PQgetisnull(r, j, 1))
				missing = true;
			else if (idx >= 0 && (size_t)idx < ndist)
				dist[idx] = col_i64(r, j, 1);
		}
		PQclear(r);
		for (i = 0; i < n; i++)
			ids[i] = dist[first[i]];
		free(dist);
		if (!missing)
			break;
		/* a source committed by another writer after our snapshot */
		rc = E_DB;
		smp_seterr(s, "samples: sources kept changing");
	}
	free(first);
	buf_release(&cb);
	buf_release(&eb);
	return rc;
}

/* Write one profile (see the file comment). */
static int
pg_write(struct smp *s, const struct smp_profile *p, struct smp_row *rows,
	size_t n, bool *dup)
{
	struct smp_pg *pg = s->ctx;
	struct arena a;
	struct prow *pr = NULL;
	int64_t *ids = NULL;
	struct buf sb = BUF_INIT(0), kb = BUF_INIT(0), nb = BUF_INIT(0);
	char sid[24], st[24], en[24], cores[16], cpu[32], mem[32], samp[24];
	char nst[24], prof[24], bucket[24], hour[24], day[24];
	const char *params[12];
	PGresult *r = NULL;
	uint64_t total = 0;
	size_t i, m = 0;
	bool in_tx = false;
	int rc;

	arena_init(&a, 0);
	if ((rc = pg_ensure_day(s, pg, p->start)) != E_OK)
		goto out;
	if ((rc = pg_keys(s, pg, rows, n, &a)) != E_OK)
		goto out;
	for (i = 0; i < n; i++)
		total += rows[i].count;
	rc = db_tx_begin(pg->db);
	if (rc) {
		rc = pg_fail(s, pg, rc, "begin");
		goto out;
	}
	in_tx = true;
	params[0] = p->key;
	if ((rc = db_exec(pg->db, &st_lock, params, NULL)) != E_OK) {
		rc = pg_fail(s, pg, rc, "profile lock");
		goto out;
	}
	snprintf(sid, sizeof(sid), "%lld", (long long)p->service_id);
	snprintf(st, sizeof(st), "%lld", (long long)p->start);
	snprintf(en, sizeof(en), "%lld", (long long)p->end);
	snprintf(cores, sizeof(cores), "%d", p->cores < 0 ? -1 : p->cores);
	snprintf(cpu, sizeof(cpu), "%.6f", p->cpu_avg < 0 ? -1.0 : p->cpu_avg);
	snprintf(mem, sizeof(mem), "%.6f", p->mem_avg < 0 ? -1.0 : p->mem_avg);
	snprintf(samp, sizeof(samp), "%llu", (unsigned long long)total);
	snprintf(nst, sizeof(nst), "%zu", n);
	params[1] = sid;
	params[2] = p->hostname;
	params[3] = p->instance_type ? p->instance_type : "";
	params[4] = st;
	params[5] = en;
	params[6] = cores;
	params[7] = cpu;
	params[8] = mem;
	params[9] = samp;
	params[10] = nst;
	params[11] = p->adhoc_key;
	rc = db_exec(pg->db, &st_profile, params, &r);
	if (rc) {
		rc = pg_fail(s, pg, rc, "profile record");
		goto out;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		*dup = true;
		goto out;	/* rolled back below: nothing was written */
	}
	snprintf(prof, sizeof(prof), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (n > 0) {
		ids = xcalloc(n, sizeof(*ids));
		if ((rc = pg_sources(s, pg, p, rows, n, ids)) != E_OK)
			goto out;
		pr = xcalloc(n, sizeof(*pr));
		for (i = 0; i < n; i++)
			pr[i] = (struct prow){ ids[i], rows[i].sh, rows[i].count };
		qsort(pr, n, sizeof(*pr), prow_cmp);
		for (i = 0; i < n; i++) {	/* merge rows whose keys met */
			if (m > 0 && pr[m - 1].src == pr[i].src &&
			    pr[m - 1].stack == pr[i].stack)
				pr[m - 1].n += pr[i].n;
			else
				pr[m++] = pr[i];
		}
		add(&sb, "{", 1);
		add(&kb, "{", 1);
		add(&nb, "{", 1);
		for (i = 0; i < m; i++) {
			if (i) {
				add(&sb, ",", 1);
				add(&kb, ",", 1);
				add(&nb, ",", 1);
			}
			add_i64(&sb, pr[i].src);
			add_i64(&kb, (int64_t)pr[i].stack);
			add_i64(&nb, (int64_t)pr[i].n);
		}
		add(&sb, "}", 1);
		add(&kb, "}", 1);
		add(&nb, "}", 1);
		snprintf(bucket, sizeof(bucket), "%lld",
			(long long)(p->start / 60 * 60));
		snprintf(hour, sizeof(hour), "%lld",
			(long long)(p->start / 3600 * 3600));
		params[0] = bucket;
		params[1] = sid;
		params[2] = prof;
		params[3] = sb.data;
		params[4] = kb.data;
		params[5] = nb.data;
		if ((rc = db_exec(pg->db, &st_samples, params, NULL)) != E_OK) {
			rc = pg_fail(s, pg, rc, "samples");
			goto out;
		}
		params[0] = hour;
		params[1] = sid;
		params[2] = sb.data;
		params[3] = kb.data;
		params[4] = nb.data;
		snprintf(day, sizeof(day), "%lld",
			(long long)(p->start / 86400 * 86400));
		params[5] = day;
		if ((rc = db_exec(pg->db, &st_rollup, params, NULL)) != E_OK) {
			rc = pg_fail(s, pg, rc, "rollups");
			goto out;
		}
	}
	rc = db_tx_commit(pg->db);
	in_tx = false;
	if (rc)
		rc = pg_fail(s, pg, rc, "commit");
out:
	if (in_tx)	/* roll back; rc (an error) is kept */
		rc = db_tx_end(pg->db, rc);
	free(ids);
	free(pr);
	buf_release(&sb);
	buf_release(&kb);
	buf_release(&nb);
	arena_release(&a);
	return rc;
}

/* ------------------------------------------------------------- reading */

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
		return pg_fail(s, pg, rc, "sources");
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

/*
 * Make room for `more` names in the process's name cache; a full cache
 * starts again empty (before any pointer into it is handed out).
 */
static void
pg_names_reserve(struct smp_pg *pg, size_t more)
{
	if (pg->names.cap && pg->names.n + more < pg->names.cap / 2)
		return;
	kmap_release(&pg->names);
	arena_release(&pg->name_mem);
	arena_init(&pg->name_mem, 0);
	kmap_init(&pg->names, more < NAMES_MAX ? NAMES_MAX : more + 1);
}

/* Sum per stack. */
static int
pg_stacks(struct smp *s, const struct smp_sel *sel, size_t max_stacks,
	struct arena *a, smp_stack_fn fn, void *ctx, struct smp_info *info)
{
	struct smp_pg *pg = s->ctx;
	char rb[5][24], lim[24], sid[24];
	const char *params[9];
	const char *srcp = NULL;
	struct src *srcs;
	size_t nsrcs, i, k, nst, nall = 0;
	PGresult *r = NULL, *nr = NULL;
	struct buf kb = BUF_INIT(0);
	struct kmap names = { 0 };
	uint64_t **fk;
	size_t *fn_n;
	struct pg_plan pl;
	char pb[4][24];
	int rc, j;

	if (max_stacks)
		snprintf(lim, sizeof(lim), "%zu", max_stacks);
	if (sel->adhoc_key) {
		snprintf(sid, sizeof(sid), "%lld", (long long)
			(sel->service_id > 0 ? sel->service_id : 0));
		params[0] = sel->adhoc_key;
		params[1] = sid;
		params[2] = max_stacks ? lim : NULL;
		rc = db_exec(pg->db, &st_q_stacks_adhoc, params, &r);
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
		params[8] = max_stacks ? lim : NULL;
		info->rollup = pl.hour_b > pl.hour_a;
		rc = db_exec(pg->db, srcp ? &st_q_stacks : &st_q_stacks_all,
			params, &r);
	}
	if (rc)
		return pg_fail(s, pg, rc, "stacks query");
	nst = (size_t)PQntuples(r);
	if (nst > 0) {
		info->total = (uint64_t)col_i64(r, 0, 3);
		info->rows_read = (uint64_t)col_i64(r, 0, 4);
	}
	fk = arena_alloc(a, (nst ? nst : 1) * sizeof(*fk));
	fn_n = arena_alloc(a, (nst ? nst : 1) * sizeof(*fn_n));
	for (i = 0; i < nst; i++) {
		fk[i] = parse_keys(PQgetvalue(r, (int)i, 2), a, &fn_n[i]);
		nall += fn_n[i];
	}
	/* distinct frame keys; those not in the process cache -> one query */
	kmap_init(&names, nall);
	for (i = 0; i < nst; i++)
		for (k = 0; k < fn_n[i]; k++)
			kmap_put(&names, fk[i][k], 0, 0);
	pg_names_reserve(pg, names.n);
	add(&kb, "{", 1);
	for (k = 0, j = 0; k < names.cap; k++) {
		uint64_t c, v;

		if (!names.used[k] || kmap_get(&pg->names, names.k[k], &c, &v))
			continue;
		if (j++)
			add(&kb, ",", 1);
		add_i64(&kb, (int64_t)names.k[k]);
	}
	add(&kb, "}", 1);
	if (j > 0) {
		params[0] = kb.data;
		rc = db_exec(pg->db, &st_q_names, params, &nr);
		if (rc) {
			rc = pg_fail(s, pg, rc, "frame names");
			goto out;
		}
		for (j = 0; j < PQntuples(nr); j++) {
			char *nm = arena_memdupz(&pg->name_mem,
				PQgetvalue(nr, j, 1),
				(size_t)PQgetlength(nr, j, 1));

			kmap_put(&pg->names, (uint64_t)col_i64(nr, j, 0), 0,
				(uint64_t)(uintptr_t)nm);
		}
	}
	for (i = 0; i < nst && rc == E_OK; i++) {
		const char **fr = arena_alloc(a, (fn_n[i] ? fn_n[i] : 1) *
			sizeof(*fr));

		for (k = 0; k < fn_n[i]; k++) {
			uint64_t c, v;

			fr[k] = "[missing]";
			if (kmap_get(&pg->names, fk[i][k], &c, &v))
				fr[k] = (const char *)(uintptr_t)v;
		}
		rc = fn(ctx, fr, fn_n[i], (uint64_t)col_i64(r, (int)i, 1));
	}
out:
	kmap_release(&names);
	buf_release(&kb);
	PQclear(r);
	PQclear(nr);
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
static int
pg_tags(struct smp *s, const struct smp_sel *sel, enum smp_dim dim,
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
		return pg_fail(s, pg, rc, "tags query");
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
static int
pg_buckets(struct smp *s, const struct smp_sel *sel, int64_t step,
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
		return pg_fail(s, pg, rc, "buckets query");
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
static int
pg_metrics(struct smp *s, const struct smp_sel *sel, int64_t step,
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
			add_text_elem(&b, srcs[i].v[0]);
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
		return pg_fail(s, pg, rc, "metrics query");
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

/* --------------------------------------------------------------- admin */

/* Run one of the forget statements. */
static int
pg_forget_by(struct smp *s, const struct db_stmt *st, const char *v)
{
	struct smp_pg *pg = s->ctx;
	const char *params[1] = { v };
	int rc;

	rc = db_exec(pg->db, st, params, NULL);
	if (rc)
		return pg_fail(s, pg, rc, "removing a profile's rows");
	return E_OK;
}

static int
pg_delete_adhoc(struct smp *s, const char *adhoc_key)
{
	return pg_forget_by(s, &st_forget_adhoc, adhoc_key);
}

static int
pg_forget(struct smp *s, const char *key)
{
	return pg_forget_by(s, &st_forget, key);
}

static int
pg_status(struct smp *s, struct smp_status *out)
{
	struct smp_pg *pg = s->ctx;
	PGresult *r = NULL;
	int rc;

	rc = db_exec(pg->db, &st_status, NULL, &r);
	if (rc)
		return pg_fail(s, pg, rc, "status");
	out->profiles = (uint64_t)col_i64(r, 0, 0);
	out->sample_rows = (uint64_t)col_i64(r, 0, 1);
	out->rollup_rows = (uint64_t)col_i64(r, 0, 2);
	out->frames = (uint64_t)col_i64(r, 0, 3);
	out->stacks = (uint64_t)col_i64(r, 0, 4);
	out->bytes = (uint64_t)col_i64(r, 0, 5);
	out->days = (uint64_t)col_i64(r, 0, 6);
	out->oldest = col_i64(r, 0, 7);
	out->newest = col_i64(r, 0, 8);
	PQclear(r);
	return E_OK;
}

static int
pg_prune(struct smp *s, int64_t raw_before, int64_t rollup_before,
	size_t *dropped)
{
	struct smp_pg *pg = s->ctx;
	char a[24], b[24];
	const char *params[2] = { a, b };
	PGresult *r = NULL;
	int rc;

	snprintf(a, sizeof(a), "%lld", (long long)raw_before);
	snprintf(b, sizeof(b), "%lld", (long long)rollup_before);
	rc = db_exec(pg->db, &st_prune, params, &r);
	if (rc)
		return pg_fail(s, pg, rc, "prune");
	*dropped = (size_t)PQntuples(r);
	PQclear(r);
	pg->ndays = 0;	/* dropped days must be created again if written */
	/* the periodic pass: today and the next two days, ahead of writers */
	return pg_ensure_day(s, pg, (int64_t)time(NULL));
}

static void
pg_free(void *ctx)
{
	struct smp_pg *pg = ctx;

	if (!pg)
		return;
	db_free(pg->db);
	kmap_release(&pg->frames);
	kmap_release(&pg->stacks);
	kmap_release(&pg->names);
	arena_release(&pg->name_mem);
	free(pg);
}

static const struct smp_backend smp_pg_backend = {
	.name = "pg",
	.write = pg_write,
	.stacks = pg_stacks,
	.tags = pg_tags,
	.buckets = pg_buckets,
	.metrics = pg_metrics,
	.delete_adhoc = pg_delete_adhoc,
	.forget = pg_forget,
	.status = pg_status,
	.prune = pg_prune,
	.free = pg_free,
};

/* Open the pg backend on its own connection. */
int
smp_pg_open(struct smp *s, const struct cfg *cfg, char *err, size_t errlen)
{
	struct smp_pg *pg = xcalloc(1, sizeof(*pg));
	int rc;

	rc = db_open(&cfg->db, &pg->db, err, errlen);
	if (rc) {
		free(pg);
		return rc;
	}
	arena_init(&pg->name_mem, 0);
	s->be = &smp_pg_backend;
	s->ctx = pg;
	return E_OK;
}
