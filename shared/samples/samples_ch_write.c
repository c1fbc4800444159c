/*
 * samples_ch_write.c - writing one profile to the ClickHouse backend,
 * idempotently, without transactions.  A profile is written as:
 *   1. one query reads its latest record (State 1 means stored: *dup,
 *      nothing written), counts the rows an earlier, failed attempt left
 *      with a non-zero sum, and fetches what the dictionaries hold under
 *      the keys this process has not verified yet;
 *   2. when rows were left, they are cancelled: INSERT ... SELECT of the
 *      negated sums of that profile's rows, which flows through the views
 *      into the rollups as well;
 *   3. new dictionary entries (frames, stacks: one INSERT each, only when
 *      there are new ones), then the sample rows, then the profile record
 *      with State 1 (each one INSERT).  So a profile whose frames and
 *      stacks are known takes three requests.  The dictionaries cannot
 *      ride in the samples INSERT: one INSERT fills one table, and a Null
 *      table fanned out by views would not feed the rollups on 18.16
 *      (its views do not cascade) but would feed them twice on releases
 *      that cascade.
 * A failure anywhere is retried from step 1 (samples.clickhouse.retries
 * times, with back-off), so a crash or a lost answer between 3's inserts
 * never leaves a profile counted twice: the record is the commit point.
 * A write that fails for good looks at the record once more: there (only
 * the answer was lost) it succeeded; absent, its rows are cancelled
 * before it returns, when ClickHouse still answers; otherwise they count
 * until the job's retry cancels them in its step 2.  Inserts themselves
 * are never retried blindly (a lost answer to an INSERT that did happen
 * would count it twice); reads and DDL are.
 * Forgetting a profile (reindex, ad hoc delete) writes the State 0 record
 * first, then cancels the rows, so an interruption leaves a state that
 * the next write repairs.
 * The window: ClickHouse has no lock, so two writers handling the same
 * key at the same moment (both past step 1 before either reaches step
 * 3's record) would both count it.  The queue never hands one job to two
 * workers while its lease runs (minutes), and a write takes
 * milliseconds, so this needs a lease to expire in the middle of a write.
 * A rollup can also disagree with the raw rows if ClickHouse failed an
 * insert after the raw part was written but before the view's part was;
 * ClickHouse 18.16 gives no atomicity across a view.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "http.h"
#include "samples_ch_int.h"

#define CH_PROFILE_SEED UINT64_C(0x9b05688c2b3e6c1f)
/* Bytes of key text one query may carry (max_query_size 256 KiB). */
#define CH_PRE_BYTES 200000

/* The id a profile's rows carry. */
static uint64_t
profile_id(const char *key)
{
	return hash_xxh64(key, strlen(key), CH_PROFILE_SEED);
}

/* Cancel every row of one profile (a no-op when they sum to nothing). */
int
smp_ch_cancel(struct smp *s, int64_t service, int64_t start, uint64_t pid)
{
	struct buf b = BUF_INIT(0);
	int rc;

	add(&b, "INSERT INTO smp_samples (Timestamp, ServiceId, ProfileId, "
		"StackHash, HostName, InstanceType, ContainerName, "
		"ContainerEnvName, NumSamples) SELECT Timestamp, ServiceId, "
		"ProfileId, StackHash, HostName, InstanceType, ContainerName, "
		"ContainerEnvName, -sum(NumSamples) AS n FROM smp_samples ");
	addf(&b, "WHERE ServiceId = %lld AND Timestamp = toDateTime(%lld) "
		"AND ProfileId = %llu ", (long long)service,
		(long long)(start / 60 * 60), (unsigned long long)pid);
	add(&b, "GROUP BY Timestamp, ServiceId, ProfileId, StackHash, "
		"HostName, InstanceType, ContainerName, ContainerEnvName "
		"HAVING n != 0");
	/* idempotent (it sums what is there), so safe to retry */
	rc = smp_ch_exec(s, "cancelling rows", &b, true);
	buf_release(&b);
	return rc;
}

/* The latest state and version of a profile record (0, 0 if none). */
static int
ch_state(struct smp *s, const struct smp_profile *p, unsigned *state,
	uint64_t *version)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	int rc;

	*state = 0;
	*version = 0;
	addf(&b, "SELECT argMax(State, Version), max(Version) FROM smp_profiles "
		"WHERE ServiceId = %lld AND Start = toDateTime(%lld) AND Key = ",
		(long long)p->service_id, (long long)p->start);
	addq(&b, p->key);
	add(&b, " FORMAT TabSeparated");
	rc = smp_ch_query(s, "profile record", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	if (smp_ch_next(&q, 2)) {
		*state = (unsigned)u64(q.f[0]);
		*version = u64(q.f[1]);
	}
	smp_ch_done(&q);
	return E_OK;
}

/*
 * The first query of a write, one round trip: the latest state and
 * version of the profile's record, how many of its (container, stack)
 * rows an earlier attempt left with a non-zero sum, and what the
 * dictionaries hold under the keys of the frames and stacks this process
 * has not verified yet (when they fit in one query; ch_settle() asks for
 * the rest).
 */
static int
ch_check(struct smp *s, const struct smp_profile *p, uint64_t pid,
	const struct smp_row *rows, size_t n, struct arena *a,
	unsigned *state, uint64_t *version, uint64_t *leftover,
	struct ch_pre *pf, struct ch_pre *ps)
{
	struct smp_ch *ch = s->ctx;
	struct buf b = BUF_INIT(0), pw = BUF_INIT(0);
	struct ch_rows q;
	size_t i, k, nk = 0, total = 0, budget = CH_PRE_BYTES;
	uint64_t *keys, key;
	int rc;

	*state = 0;
	*version = 0;
	*leftover = 0;
	addf(&pw, "ServiceId = %lld AND Start = toDateTime(%lld) AND Key = ",
		(long long)p->service_id, (long long)p->start);
	addq(&pw, p->key);
	addf(&b, "SELECT toUInt8(0), toUInt64((SELECT argMax(State, Version) "
		"FROM smp_profiles WHERE %s)), toUInt64((SELECT max(Version) "
		"FROM smp_profiles WHERE %s)), ", pw.data, pw.data);
	addf(&b, "toUInt64((SELECT count() FROM (SELECT sum(NumSamples) AS n "
		"FROM smp_samples WHERE ServiceId = %lld AND Timestamp = "
		"toDateTime(%lld) AND ProfileId = %llu GROUP BY StackHash, "
		"HostName, InstanceType, ContainerName, ContainerEnvName "
		"HAVING n != 0))), ''", (long long)p->service_id,
		(long long)(p->start / 60 * 60), (unsigned long long)pid);
	for (i = 0; i < n; i++)
		total += rows[i].nframes;
	keys = arena_alloc(a, (total > n ? total : n) * sizeof(*keys) + 1);
	for (i = 0; i < n; i++)
		for (k = 0; k < rows[i].nframes; k++) {
			const char *f = rows[i].frames[k];

			if (!smp_ch_cache_get(&ch->frames, rows[i].fh[k],
			    hash_xxh64(f, strlen(f), CH_CHECK_SEED), &key))
				keys[nk++] = rows[i].fh[k];
		}
	{
		size_t mark = b.len;

		add(&b, " UNION ALL SELECT toUInt8(1), Hash, toUInt64(0), "
			"toUInt64(0), Name FROM smp_frames WHERE Hash IN (");
		if (smp_ch_pre_ask(&b, pf, keys, nk, &budget, a))
			add(&b, ")");
		else
			b.len = mark;
	}
	nk = 0;
	for (i = 0; i < n; i++)
		if (!smp_ch_cache_get(&ch->stacks, rows[i].sh,
		    smp_ch_stack_check(&rows[i]), &key))
			keys[nk++] = rows[i].sh;
	{
		size_t mark = b.len;

		add(&b, " UNION ALL SELECT toUInt8(2), Hash, toUInt64(0), "
			"toUInt64(0), toString(Frames) FROM smp_stacks WHERE "
			"Hash IN (");
		if (smp_ch_pre_ask(&b, ps, keys, nk, &budget, a))
			add(&b, ")");
		else
			b.len = mark;
	}
	add(&b, " FORMAT TabSeparated");
	rc = smp_ch_query(s, "profile record", &b, &q);
	buf_release(&b);
	buf_release(&pw);
	if (rc != E_OK)
		return rc;
	while (smp_ch_next(&q, 5)) {
		switch (q.f[0][0]) {
		case '0':
			*state = (unsigned)u64(q.f[1]);
			*version = u64(q.f[2]);
			*leftover = u64(q.f[3]);
			break;
		case '1':
			smp_ch_pre_got(pf, u64(q.f[1]), q.f[4], a);
			break;
		case '2':
			smp_ch_pre_got(ps, u64(q.f[1]), q.f[4], a);
			break;
		}
	}
	smp_ch_done(&q);
	return E_OK;
}

static void
add_num(struct buf *b, double v, char sep)
{
	addf(b, "%.6f%c", v < 0 ? -1.0 : v, sep);
}

/* One attempt at writing a profile (see the file comment). */
static int
ch_write_once(struct smp *s, const struct smp_profile *p, struct smp_row *rows,
	size_t n, bool *dup)
{
	struct arena a;
	struct buf b = BUF_INIT(0);
	struct ch_pre pf = { 0 }, ps = { 0 };
	unsigned state;
	uint64_t version, leftover, pid = profile_id(p->key), total = 0;
	const char *itype = p->instance_type ? p->instance_type : "";
	size_t i;
	int rc;

	arena_init(&a, 0);
	if ((rc = ch_check(s, p, pid, rows, n, &a, &state, &version,
	    &leftover, &pf, &ps)) != E_OK)
		goto out;
	if (state == 1) {
		*dup = true;
		goto out;
	}
	if (leftover > 0 &&
	    (rc = smp_ch_cancel(s, p->service_id, p->start, pid)) != E_OK)
		goto out;
	if ((rc = smp_ch_keys(s, rows, n, &a, &pf, &ps)) != E_OK)
		goto out;
	if (n > 0) {
		add(&b, "INSERT INTO smp_samples (Timestamp, ServiceId, "
			"ProfileId, StackHash, HostName, InstanceType, "
			"ContainerName, ContainerEnvName, NumSamples) "
			"FORMAT TabSeparated\n");
		for (i = 0; i < n; i++) {
			addf(&b, "%lld\t%lld\t%llu\t%llu\t",
				(long long)(p->start / 60 * 60),
				(long long)p->service_id, (unsigned long long)pid,
				(unsigned long long)rows[i].sh);
			addtsv(&b, p->hostname, '\t');
			addtsv(&b, itype, '\t');
			addtsv(&b, rows[i].container, '\t');
			addtsv(&b, rows[i].container_env, '\t');
			addf(&b, "%llu\n", (unsigned long long)rows[i].count);
			total += rows[i].count;
		}
		if ((rc = smp_ch_exec(s, "samples insert", &b, false)) != E_OK)
			goto out;
	}
	buf_reset(&b);
	add(&b, "INSERT INTO smp_profiles (Start, ServiceId, Key, ProfileId, "
		"HostName, InstanceType, EndTs, Cores, CpuAvg, MemAvg, Samples, "
		"Stacks, AdhocKey, State, Version, IndexedAt) "
		"FORMAT TabSeparated\n");
	addf(&b, "%lld\t%lld\t", (long long)p->start, (long long)p->service_id);
	addtsv(&b, p->key, '\t');
	addf(&b, "%llu\t", (unsigned long long)pid);
	addtsv(&b, p->hostname, '\t');
	addtsv(&b, itype, '\t');
	addf(&b, "%lld\t%d\t", (long long)p->end, p->cores < 0 ? -1 : p->cores);
	add_num(&b, p->cpu_avg, '\t');
	add_num(&b, p->mem_avg, '\t');
	addf(&b, "%llu\t%zu\t", (unsigned long long)total, n);
	addtsv(&b, p->adhoc_key ? p->adhoc_key : "", '\t');
	addf(&b, "1\t%llu\t%lld\n", (unsigned long long)(version + 1),
		(long long)time(NULL));
	rc = smp_ch_exec(s, "profile record insert", &b, false);
out:
	buf_release(&b);
	arena_release(&a);
	return rc;
}

/* Sleep before attempt `attempt` of a write (1 = first retry). */
static void
ch_backoff(struct smp_ch *ch, unsigned attempt)
{
	unsigned ms;

	ch->rng = ch->rng * 1664525u + 1013904223u;
	ms = http_backoff_ms(attempt, 100, 5000, ch->rng);
	nanosleep(&(struct timespec){ ms / 1000, (long)(ms % 1000) * 1000000 },
		NULL);
}

/* Write a profile, retrying whole attempts. */
int
smp_ch_write(struct smp *s, const struct smp_profile *p, struct smp_row *rows,
	size_t n, bool *dup)
{
	struct smp_ch *ch = s->ctx;
	unsigned attempt;
	int rc = E_OK;

	for (attempt = 0; attempt <= ch->retries; attempt++) {
		if (attempt > 0)
			ch_backoff(ch, attempt);
		*dup = false;
		rc = ch_write_once(s, p, rows, n, dup);
		if (rc == E_OK || !err_retryable(rc))
			break;
	}
	if (rc != E_OK) {
		/*
		 * Take back what the last attempt may have inserted, so that
		 * a job that failed counts nothing while it waits for its
		 * retry (which would cancel it anyway).  Best effort: when
		 * ClickHouse is down this fails too, and the error stays the
		 * write's.
		 */
		char keep[sizeof(s->err)];
		unsigned state;
		uint64_t version;

		memcpy(keep, s->err, sizeof(keep));
		if (ch_state(s, p, &state, &version) == E_OK) {
			if (state == 1)
				rc = E_OK;	/* the record landed: only its answer was lost */
			else
				(void)smp_ch_cancel(s, p->service_id, p->start,
					profile_id(p->key));
		}
		memcpy(s->err, keep, sizeof(keep));
	}
	return rc;
}
