/*
 * samples_pg_write.c - writing one profile to the pg backend.
 *
 * Write path of one profile:
 *   1. the day's partitions exist, and those of the next two days
 *      (smp_pg_ensure_day() in samples_pg_admin.c, once per day per
 *      process, outside any transaction), so the first write after
 *      midnight finds its day;
 *   2. the keys of its frames and stacks are settled in the dictionaries
 *      (smp_pg_keys() in samples_pg_dict.c), each in one autocommitted
 *      statement, before the transaction;
 *   3. one transaction: an advisory lock on the profile key, the profile
 *      record unless the key is stored (then nothing is written: *dup),
 *      the sources, the raw rows and the rollup upserts (hourly and
 *      daily, per source and over all sources, in one statement).  Rows
 *      are sorted, so concurrent upserts take row locks in one order.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "mem.h"
#include "samples_pg_int.h"

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
		smp_pg_add_text_elem(&cb, rows[i].container);
		smp_pg_add_text_elem(&eb, rows[i].container_env);
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
			rc = smp_pg_fail(s, pg, rc, "sources");
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
int
smp_pg_write(struct smp *s, const struct smp_profile *p, struct smp_row *rows,
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
	if ((rc = smp_pg_ensure_day(s, pg, p->start)) != E_OK)
		goto out;
	if ((rc = smp_pg_keys(s, pg, rows, n, &a)) != E_OK)
		goto out;
	for (i = 0; i < n; i++)
		total += rows[i].count;
	rc = db_tx_begin(pg->db);
	if (rc) {
		rc = smp_pg_fail(s, pg, rc, "begin");
		goto out;
	}
	in_tx = true;
	params[0] = p->key;
	if ((rc = db_exec(pg->db, &st_lock, params, NULL)) != E_OK) {
		rc = smp_pg_fail(s, pg, rc, "profile lock");
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
		rc = smp_pg_fail(s, pg, rc, "profile record");
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
			rc = smp_pg_fail(s, pg, rc, "samples");
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
			rc = smp_pg_fail(s, pg, rc, "rollups");
			goto out;
		}
	}
	rc = db_tx_commit(pg->db);
	in_tx = false;
	if (rc)
		rc = smp_pg_fail(s, pg, rc, "commit");
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
