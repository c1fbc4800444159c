/*
 * samples_ch_admin.c - the ClickHouse backend's schema and upkeep:
 * tables created on open, profiles forgotten (reindex, ad hoc delete),
 * the status report and retention by dropped partitions.
 *
 * Tables (created on open, IF NOT EXISTS; the text is in ch_schema[]):
 *   smp_samples         MergeTree, one row per (profile, container,
 *                       stack): the profile's minute, dimensions as
 *                       strings, NumSamples; PARTITION BY UTC day,
 *                       ORDER BY (ServiceId, Timestamp, ProfileId, ...)
 *   smp_samples_1h      SummingMergeTree, per hour x dimensions x stack,
 *                       fed by the materialized view smp_samples_1h_mv
 *   smp_samples_1h_all  the same without dimensions (queries without a
 *                       filter), fed by smp_samples_1h_all_mv
 *   smp_profiles        ReplacingMergeTree(Version): one record per stored
 *                       profile and state change (State 1 stored, 0
 *                       forgotten); readers take the latest version
 *   smp_frames, smp_stacks  the dictionaries (hash -> name, hash -> frame
 *                       hashes), ReplacingMergeTree by hash
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "mem.h"
#include "samples_ch_int.h"

static const char *const ch_schema[] = {
	"CREATE DATABASE IF NOT EXISTS {db}",
	"CREATE TABLE IF NOT EXISTS {db}.smp_samples ("
	"Timestamp DateTime('UTC'), ServiceId Int64, ProfileId UInt64, "
	"StackHash UInt64, HostName String, InstanceType String, "
	"ContainerName String, ContainerEnvName String, NumSamples Int64) "
	"ENGINE = MergeTree() PARTITION BY toYYYYMMDD(Timestamp) "
	"ORDER BY (ServiceId, Timestamp, ProfileId, StackHash)",
	"CREATE TABLE IF NOT EXISTS {db}.smp_samples_1h ("
	"Hour DateTime('UTC'), ServiceId Int64, HostName String, "
	"InstanceType String, ContainerName String, ContainerEnvName String, "
	"StackHash UInt64, NumSamples Int64) "
	"ENGINE = SummingMergeTree(NumSamples) PARTITION BY toYYYYMMDD(Hour) "
	"ORDER BY (ServiceId, Hour, HostName, ContainerName, "
	"ContainerEnvName, InstanceType, StackHash)",
	"CREATE TABLE IF NOT EXISTS {db}.smp_samples_1h_all ("
	"Hour DateTime('UTC'), ServiceId Int64, StackHash UInt64, "
	"NumSamples Int64) "
	"ENGINE = SummingMergeTree(NumSamples) PARTITION BY toYYYYMMDD(Hour) "
	"ORDER BY (ServiceId, Hour, StackHash)",
	"CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.smp_samples_1h_mv "
	"TO {db}.smp_samples_1h AS SELECT toStartOfHour(Timestamp) AS Hour, "
	"ServiceId, HostName, InstanceType, ContainerName, ContainerEnvName, "
	"StackHash, NumSamples FROM {db}.smp_samples",
	"CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.smp_samples_1h_all_mv "
	"TO {db}.smp_samples_1h_all AS SELECT toStartOfHour(Timestamp) AS Hour, "
	"ServiceId, StackHash, NumSamples FROM {db}.smp_samples",
	"CREATE TABLE IF NOT EXISTS {db}.smp_profiles ("
	"Start DateTime('UTC'), ServiceId Int64, Key String, ProfileId UInt64, "
	"HostName String, InstanceType String, EndTs DateTime('UTC'), "
	"Cores Int32, CpuAvg Float64, MemAvg Float64, Samples UInt64, "
	"Stacks UInt32, AdhocKey String, State UInt8, Version UInt32, "
	"IndexedAt DateTime('UTC')) "
	"ENGINE = ReplacingMergeTree(Version) PARTITION BY toYYYYMMDD(Start) "
	"ORDER BY (ServiceId, Start, Key)",
	"CREATE TABLE IF NOT EXISTS {db}.smp_frames (Hash UInt64, Name String) "
	"ENGINE = ReplacingMergeTree() ORDER BY Hash",
	"CREATE TABLE IF NOT EXISTS {db}.smp_stacks (Hash UInt64, "
	"Frames Array(UInt64)) ENGINE = ReplacingMergeTree() ORDER BY Hash",
};

/* Append a schema text with every "{db}" replaced by the database. */
static void
add_db(struct buf *b, const char *t, const char *db)
{
	const char *p;

	while ((p = strstr(t, "{db}")) != NULL) {
		buf_put(b, t, (size_t)(p - t));
		add(b, db);
		t = p + 4;
	}
	add(b, t);
}

/* Create what is missing. */
int
smp_ch_create_schema(struct smp *s)
{
	struct smp_ch *ch = s->ctx;
	struct buf b = BUF_INIT(0);
	struct http_resp r;
	size_t i;
	int rc = E_OK;

	for (i = 0; i < ARRAY_SIZE(ch_schema) && rc == E_OK; i++) {
		buf_reset(&b);
		add_db(&b, ch_schema[i], ch->db);
		rc = smp_ch_call(s, "creating the schema", &b, true, true, &r);
		if (rc == E_OK)
			http_resp_release(&r);
	}
	buf_release(&b);
	return rc;
}

/*
 * Forget the stored profiles whose records match `where` (a condition on
 * smp_profiles): a State 0 record first, then their rows cancelled.
 */
static int
ch_forget_where(struct smp *s, const struct buf *where)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	struct { int64_t svc, start; uint64_t pid; } *p = NULL;
	size_t np = 0, cap = 0, i;
	int rc;

	addf(&b, "SELECT ServiceId, toUInt32(Start), ProfileId FROM smp_profiles "
		"WHERE %s GROUP BY ServiceId, Start, Key, ProfileId "
		"HAVING argMax(State, Version) = 1 FORMAT TabSeparated",
		where->data);
	if ((rc = smp_ch_query(s, "profile records", &b, &q)) != E_OK)
		goto out;
	while (smp_ch_next(&q, 3)) {
		if (np == cap) {
			cap = cap ? 2 * cap : 8;
			p = xrealloc(p, cap * sizeof(*p));
		}
		p[np].svc = i64(q.f[0]);
		p[np].start = i64(q.f[1]);
		p[np++].pid = u64(q.f[2]);
	}
	smp_ch_done(&q);
	if (np == 0)
		goto out;
	buf_reset(&b);
	add(&b, "INSERT INTO smp_profiles (Start, ServiceId, Key, ProfileId, "
		"HostName, InstanceType, EndTs, Cores, CpuAvg, MemAvg, Samples, "
		"Stacks, AdhocKey, State, Version, IndexedAt) SELECT Start, "
		"ServiceId, Key, any(ProfileId), any(HostName), any(InstanceType), "
		"any(EndTs), any(Cores), any(CpuAvg), any(MemAvg), any(Samples), "
		"any(Stacks), any(AdhocKey), toUInt8(0), max(Version) + 1, now() "
		"FROM smp_profiles ");
	addf(&b, "WHERE %s GROUP BY ServiceId, Start, Key "
		"HAVING argMax(State, Version) = 1", where->data);
	/* State 0 twice is harmless: safe to retry */
	if ((rc = smp_ch_exec(s, "forgetting records", &b, true)) != E_OK)
		goto out;
	for (i = 0; i < np && rc == E_OK; i++)
		rc = smp_ch_cancel(s, p[i].svc, p[i].start, p[i].pid);
out:
	free(p);
	buf_release(&b);
	return rc;
}

int
smp_ch_delete_adhoc(struct smp *s, const char *adhoc_key)
{
	struct buf w = BUF_INIT(0);
	int rc;

	add(&w, "AdhocKey = ");
	addq(&w, adhoc_key);
	rc = ch_forget_where(s, &w);
	buf_release(&w);
	return rc;
}

int
smp_ch_forget(struct smp *s, const char *key)
{
	struct buf w = BUF_INIT(0);
	int rc;

	add(&w, "Key = ");
	addq(&w, key);
	rc = ch_forget_where(s, &w);
	buf_release(&w);
	return rc;
}

/* Unix seconds of a YYYYMMDD day. */
static int64_t
day_of(uint64_t ymd)
{
	struct tm tm = { 0 };

	if (ymd == 0)
		return 0;
	tm.tm_year = (int)(ymd / 10000) - 1900;
	tm.tm_mon = (int)(ymd / 100 % 100) - 1;
	tm.tm_mday = (int)(ymd % 100);
	return (int64_t)timegm(&tm);
}

#define CH_PARTS "FROM system.parts WHERE database = currentDatabase() " \
	"AND active"

int
smp_ch_status(struct smp *s, struct smp_status *out)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	int rc;

	add(&b, "SELECT (SELECT count() FROM (SELECT argMax(State, Version) "
		"AS st FROM smp_profiles GROUP BY ServiceId, Start, Key) "
		"WHERE st = 1), "
		"(SELECT sum(rows) " CH_PARTS " AND table = 'smp_samples'), "
		"(SELECT sum(rows) " CH_PARTS " AND table = 'smp_samples_1h'), "
		"(SELECT uniqExact(Hash) FROM smp_frames), "
		"(SELECT uniqExact(Hash) FROM smp_stacks), "
		"(SELECT sum(bytes_on_disk) " CH_PARTS " AND table LIKE 'smp%'), "
		"(SELECT uniqExact(partition) " CH_PARTS
		" AND table = 'smp_samples'), "
		"(SELECT min(toUInt32(partition)) " CH_PARTS
		" AND table = 'smp_samples'), "
		"(SELECT max(toUInt32(partition)) " CH_PARTS
		" AND table = 'smp_samples') FORMAT TabSeparated");
	rc = smp_ch_query(s, "status", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	if (smp_ch_next(&q, 9)) {
		out->profiles = u64(q.f[0]);
		out->sample_rows = u64(q.f[1]);
		out->rollup_rows = u64(q.f[2]);
		out->frames = u64(q.f[3]);
		out->stacks = u64(q.f[4]);
		out->bytes = u64(q.f[5]);
		out->days = u64(q.f[6]);
		out->oldest = day_of(u64(q.f[7]));
		out->newest = day_of(u64(q.f[8]));
	} else {
		smp_seterr(s, "samples: clickhouse status: short answer");
		rc = E_PROTO;
	}
	smp_ch_done(&q);
	return rc;
}

int
smp_ch_prune(struct smp *s, int64_t raw_before, int64_t rollup_before,
	size_t *dropped)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	struct { char table[32]; uint64_t day; } *d = NULL;
	size_t nd = 0, cap = 0, i;
	int rc;

	add(&b, "SELECT DISTINCT table AS t, toUInt32(partition) AS d " CH_PARTS
		" AND table IN ('smp_samples', 'smp_samples_1h', "
		"'smp_samples_1h_all', 'smp_profiles') ORDER BY d, t "
		"FORMAT TabSeparated");
	rc = smp_ch_query(s, "partitions", &b, &q);
	if (rc != E_OK)
		goto out;
	while (smp_ch_next(&q, 2)) {
		int64_t day = day_of(u64(q.f[1]));
		bool raw = strcmp(q.f[0], "smp_samples") == 0;

		if (day >= (raw ? raw_before : rollup_before))
			continue;
		if (nd == cap) {
			cap = cap ? 2 * cap : 16;
			d = xrealloc(d, cap * sizeof(*d));
		}
		snprintf(d[nd].table, sizeof(d[nd].table), "%s", q.f[0]);
		d[nd++].day = u64(q.f[1]);
	}
	smp_ch_done(&q);
	for (i = 0; i < nd; i++) {
		buf_reset(&b);
		/* table names come from the fixed list above */
		addf(&b, "ALTER TABLE %s DROP PARTITION %llu", d[i].table,
			(unsigned long long)d[i].day);
		rc = smp_ch_exec(s, "dropping a partition", &b, true);
		if (rc != E_OK)
			goto out;
		(*dropped)++;
	}
out:
	free(d);
	buf_release(&b);
	return rc;
}
