/*
 * samples_pg_admin.c - the pg backend's upkeep: the day partitions
 * created ahead of writers, profiles forgotten (reindex, ad hoc delete)
 * with their rows taken out of the rollups, the status report and
 * retention (smp_prune() drops whole days of partitions).
 */
#include "compat.h"

#include <stdio.h>
#include <time.h>

#include "db.h"
#include "samples_pg_int.h"

/* The day of $1 and the next two (see smp_pg_ensure_day). */
static const struct db_stmt st_ensure = {
	"smp_ensure",
	"SELECT smp_ensure_day($1::date + k) FROM generate_series(0, 2) AS k",
	1,
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

/* ------------------------------------------------------ day partitions */

/*
 * Make sure the partitions of the day of ts, and of the next two days,
 * exist, unless this process did so for that day.  Days are normally
 * created ahead (by the write of the day before, and by smp_pg_prune), so
 * this finds them and takes no lock; creating one attaches a new table,
 * which neither waits for readers of the parent nor blocks writers.
 */
int
smp_pg_ensure_day(struct smp *s, struct smp_pg *pg, int64_t ts)
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
		return smp_pg_fail(s, pg, rc, "creating day partitions");
	if (pg->ndays == ARRAY_SIZE(pg->days))
		pg->ndays = 0;
	pg->days[pg->ndays++] = day;
	return E_OK;
}

/* ---------------------------------------------- forget, status, prune */

/* Run one of the forget statements. */
static int
pg_forget_by(struct smp *s, const struct db_stmt *st, const char *v)
{
	struct smp_pg *pg = s->ctx;
	const char *params[1] = { v };
	int rc;

	rc = db_exec(pg->db, st, params, NULL);
	if (rc)
		return smp_pg_fail(s, pg, rc, "removing a profile's rows");
	return E_OK;
}

int
smp_pg_delete_adhoc(struct smp *s, const char *adhoc_key)
{
	return pg_forget_by(s, &st_forget_adhoc, adhoc_key);
}

int
smp_pg_forget(struct smp *s, const char *key)
{
	return pg_forget_by(s, &st_forget, key);
}

int
smp_pg_status(struct smp *s, struct smp_status *out)
{
	struct smp_pg *pg = s->ctx;
	PGresult *r = NULL;
	int rc;

	rc = db_exec(pg->db, &st_status, NULL, &r);
	if (rc)
		return smp_pg_fail(s, pg, rc, "status");
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

int
smp_pg_prune(struct smp *s, int64_t raw_before, int64_t rollup_before,
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
		return smp_pg_fail(s, pg, rc, "prune");
	*dropped = (size_t)PQntuples(r);
	PQclear(r);
	pg->ndays = 0;	/* dropped days must be created again if written */
	/* the periodic pass: today and the next two days, ahead of writers */
	return smp_pg_ensure_day(s, pg, (int64_t)time(NULL));
}
