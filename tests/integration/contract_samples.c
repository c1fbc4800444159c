/*
 * contract_samples.c - the sample store contract, run against whichever
 * backend the configuration names (EMBER_SAMPLES_BACKEND=pg|clickhouse
 * and the other EMBER_* variables).  Prints TAP.
 *
 *   contract_samples suite         every check below, on service ids
 *                                  9001.. (fresh ones per run)
 *   contract_samples rollups SVC   rollups against the written sums, on
 *                                  service SVC (rows left in place)
 *   contract_samples write-one KEY write one small profile; exit 0 or 1
 *                                  with "error: <code>: <detail>"
 *   contract_samples write-at KEY T  the same, with the profile at T
 *   contract_samples sum SERVICE   print the summed samples of the last
 *                                  two days of a service
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "cfg.h"
#include "collapsed.h"
#include "err.h"
#include "tap.h"
#include "samples.h"


/* tap_ok() for an error code, with the store's message on mismatch. */
static bool
ok_rc(struct smp *s, int got, int want, const char *what)
{
	return tap_rc(got, want, what, smp_errmsg(s));
}

/* Parse collapsed text into lines (in the arena). */
static struct smp_line *
lines_of(const char *text, struct arena *a, size_t *n, uint64_t *bad)
{
	struct coll_result r;

	coll_parse(text, strlen(text), NULL, NULL, a, &r);
	*n = r.n;
	if (bad)
		*bad = r.bad;
	return r.lines;
}

/* Write one profile of text for host at start. */
static int
put(struct smp *s, const char *key, int64_t svc, const char *host,
	int64_t start, const char *text, bool *dup)
{
	struct arena a;
	struct smp_profile p = {
		.key = key, .service_id = svc, .hostname = host,
		.instance_type = "m5.large", .start = start, .end = start + 60,
		.cpu_avg = 40, .mem_avg = 60, .cores = 4,
	};
	struct smp_line *l;
	size_t n;
	bool d;
	int rc;

	arena_init(&a, 0);
	l = lines_of(text, &a, &n, NULL);
	rc = smp_write_profile(s, &p, l, n, dup ? dup : &d);
	arena_release(&a);
	return rc;
}

/* Collected stacks: "f0;f1;..." -> count. */
struct coll_stacks {
	char keys[64][256];
	uint64_t counts[64];
	size_t n;
	uint64_t sum;
};

static int
collect(void *ctx, const char *const *frames, size_t nframes, uint64_t count)
{
	struct coll_stacks *c = ctx;
	size_t i, off = 0;

	if (c->n == 64)
		return 1;
	for (i = 0; i < nframes; i++)
		off += (size_t)snprintf(c->keys[c->n] + off,
			sizeof(c->keys[0]) - off, "%s%s", i ? ";" : "",
			frames[i]);
	c->counts[c->n++] = count;
	c->sum += count;
	return 0;
}

/* The count of one stack in a collection, 0 if absent. */
static uint64_t
count_of(const struct coll_stacks *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->keys[i], key) == 0)
			return c->counts[i];
	return 0;
}

/* Query stacks of a selection. */
static int
query(struct smp *s, const struct smp_sel *sel, struct coll_stacks *c,
	struct smp_info *info)
{
	struct arena a;
	int rc;

	memset(c, 0, sizeof(*c));
	arena_init(&a, 0);
	rc = smp_stacks(s, sel, 0, &a, collect, c, info);
	arena_release(&a);
	return rc;
}

static const char *P1 =
	"web;python;main;handle;parse 5\n"
	"web;python;main;handle;render 3\n"
	"db;postgres;exec;scan 2\n"
	";swapper;idle 100\n"
	"garbage line without count\n";
static const char *P2 =
	"web;python;main;handle;parse 1\n"
	"k8s_app_api-7d9f8b6c4-x2k4p_prod_uid_0;java;Main.run_[j];"
	"Lambda$17/0x0000000800c0b040.apply_[j] 4\n";

/* The whole suite. */
static void
suite(struct smp *s)
{
	struct arena a;
	struct coll_stacks c, c2;
	struct smp_sel sel;
	struct smp_info info;
	struct rql filt;
	struct rql_cond conds[2];
	struct smp_tag *tags;
	struct smp_bucket *bk;
	struct smp_metrics m;
	size_t n;
	bool dup = false;
	int64_t now = time(NULL);
	int64_t day = now / 86400 * 86400 - 2 * 86400;	/* two days ago, 00:00 */
	int64_t svc = 9000 + now % 1000 * 10, t;
	char key[128];
	int rc, i;

	arena_init(&a, 0);
	printf("# backend %s, service %lld\n", smp_backend_name(s),
		(long long)svc);

	/* write then read back exact sums */
	rc = put(s, "c/p1", svc, "host-a", day + 3600 + 120, P1, &dup);
	ok_rc(s, rc, E_OK, "write a profile");
	tap_ok(!dup, "first write is not a duplicate");
	rc = put(s, "c/p2", svc, "host-b", day + 3600 + 180, P2, NULL);
	ok_rc(s, rc, E_OK, "write a second profile (k8s container, lambda)");
	sel = (struct smp_sel){ .service_id = svc, .from = day + 3600,
		.to = day + 7200 };
	rc = query(s, &sel, &c, &info);
	ok_rc(s, rc, E_OK, "sum per stack over one hour");
	tap_ok(c.sum == 15 && info.total == 15, "total is 15 (swapper and the bad line "
		"not counted); got %llu / %llu", (unsigned long long)c.sum,
		(unsigned long long)info.total);
	tap_ok(count_of(&c, "python;main;handle;parse") == 6,
		"same stack of two hosts summed (6)");
	tap_ok(count_of(&c, "java;Main.run_[j];Lambda$[m]/[m].apply_[j]") == 4,
		"frames normalised on the way in");
	tap_ok(c.n == 4, "4 distinct stacks (got %zu)", c.n);

	/* redelivery */
	rc = put(s, "c/p1", svc, "host-a", day + 3600 + 120, P1, &dup);
	tap_ok(rc == E_OK && dup, "rewriting the same key is a no-op (dup)");
	rc = query(s, &sel, &c2, NULL);
	tap_ok(rc == E_OK && c2.sum == 15, "... and nothing was counted twice");

	/* range edges: minute granularity */
	sel.from = day + 3600 + 180;
	rc = query(s, &sel, &c, NULL);
	tap_ok(rc == E_OK && c.sum == 5, "range starting at the second profile's "
		"minute holds only it (5, got %llu)", (unsigned long long)c.sum);
	sel.from = day + 3600;

	/* filters */
	conds[0] = (struct rql_cond){ "HostName", RQL_EQ, "host-b", false };
	filt.conds = conds;
	filt.n = 1;
	sel.filter = &filt;
	rc = query(s, &sel, &c, NULL);
	tap_ok(rc == E_OK && c.sum == 5, "filter HostName = host-b (5, got %llu)",
		(unsigned long long)c.sum);
	conds[0].op = RQL_NEQ;
	rc = query(s, &sel, &c, NULL);
	tap_ok(rc == E_OK && c.sum == 10, "filter HostName != host-b (10)");
	conds[0] = (struct rql_cond){ "ContainerName", RQL_EQ,
		"app_api_prod", false };
	rc = query(s, &sel, &c, NULL);
	tap_ok(rc == E_OK && c.sum == 4, "filter ContainerName = app_api_prod (4)");
	conds[0] = (struct rql_cond){ "ContainerEnvName", RQL_EQ, "api_prod",
		true };
	conds[1] = (struct rql_cond){ "ContainerName", RQL_EQ, "db", true };
	filt.n = 2;
	rc = query(s, &sel, &c, NULL);
	tap_ok(rc == E_OK && c.sum == 6, "$or of env api_prod and container db (6, "
		"got %llu)", (unsigned long long)c.sum);
	conds[0] = (struct rql_cond){ "HostName", RQL_EQ, "host-a", false };
	conds[1] = (struct rql_cond){ "ContainerName", RQL_EQ, "web", false };
	rc = query(s, &sel, &c, NULL);
	tap_ok(rc == E_OK && c.sum == 8, "$and of host-a and container web (8)");
	conds[0] = (struct rql_cond){ "Bogus", RQL_EQ, "x", false };
	filt.n = 1;
	rc = query(s, &sel, &c, NULL);
	ok_rc(s, rc, E_INVAL, "unknown filter key refused");
	sel.filter = NULL;

	/* tags */
	rc = smp_tags(s, &sel, SMP_HOSTNAME, 10, &a, &tags, &n);
	tap_ok(rc == E_OK && n == 2 && strcmp(tags[0].value, "host-a") == 0 &&
		tags[0].samples == 10 && tags[1].samples == 5,
		"host tags with samples, heaviest first");
	rc = smp_tags(s, &sel, SMP_CONTAINER_ENV, 10, &a, &tags, &n);
	tap_ok(rc == E_OK && n == 2, "container env tags (\"\" and api_prod)");

	/* rollup against minute rows: 3 hours of profiles, 2 hosts */
	for (t = day + 10 * 3600; t < day + 13 * 3600; t += 600)
		for (i = 0; i < 2; i++) {
			snprintf(key, sizeof(key), "c/r-%lld-%d", (long long)t, i);
			rc = put(s, key, svc, i ? "host-b" : "host-a", t, P1,
				NULL);
			if (rc != E_OK)
				break;
		}
	ok_rc(s, rc, E_OK, "write 36 profiles over three hours");
	sel.from = day + 10 * 3600 + 1200;	/* ragged start */
	sel.to = day + 12 * 3600 + 1500;	/* ragged end */
	rc = query(s, &sel, &c, &info);
	tap_ok(rc == E_OK && info.rollup, "ragged 2h05m range is answered from the "
		"rollup in part");
	/* profiles at :20,:30,:40,:50 of h10, all of h11, :00,:10,:20 of h12 */
	tap_ok(c.sum == (uint64_t)(4 + 6 + 3) * 2 * 10,
		"rollup + ragged minute edges give the exact sum (%d, got %llu)",
		(4 + 6 + 3) * 2 * 10, (unsigned long long)c.sum);
	rc = smp_buckets(s, &sel, 60, 1000, &a, &bk, &n);
	{
		uint64_t sum = 0;
		size_t k;

		for (k = 0; k < n; k++)
			sum += bk[k].samples;
		tap_ok(rc == E_OK && n == 13 && sum == c.sum,
			"minute buckets agree with the rollup answer (%zu "
			"buckets)", n);
	}
	rc = smp_buckets(s, &sel, 3600, 100, &a, &bk, &n);
	tap_ok(rc == E_OK && n == 3 && bk[1].samples == 120,
		"hourly buckets: 3, the whole hour holds 120");

	/* metrics */
	sel.from = day;
	sel.to = day + 86400;
	rc = smp_metrics(s, &sel, &m);
	tap_ok(rc == E_OK && m.profiles == 38 && m.hosts == 2 && m.cores == 8 &&
		m.cpu_avg > 39.9 && m.cpu_avg < 40.1,
		"metrics: 38 profiles, 2 hosts, 8 cores, cpu 40");

	/* ad hoc: one profile read back as stacks, then deleted */
	{
		struct smp_profile p = { .key = "a/one", .service_id = svc,
			.hostname = "host-c", .instance_type = "",
			.start = day + 5 * 3600, .end = day + 5 * 3600 + 30,
			.cpu_avg = -1, .mem_avg = -1, .cores = -1,
			.adhoc_key = "products/x/stacks/flamegraph/a.html" };
		struct smp_line *l = lines_of(P2, &a, &n, NULL);
		struct smp_sel as = { .adhoc_key = p.adhoc_key };

		rc = smp_write_profile(s, &p, l, n, &dup);
		ok_rc(s, rc, E_OK, "write an ad hoc profile");
		rc = query(s, &as, &c, NULL);
		tap_ok(rc == E_OK && c.sum == 5 && c.n == 2,
			"ad hoc profile read back by its key (5 in 2 stacks)");
		rc = smp_delete_adhoc(s, p.adhoc_key);
		ok_rc(s, rc, E_OK, "delete the ad hoc profile's rows");
		rc = query(s, &as, &c, NULL);
		tap_ok(rc == E_OK && c.sum == 0, "... and it reads back empty");
		sel.from = day + 5 * 3600;
		sel.to = day + 6 * 3600;
		rc = query(s, &sel, &c, NULL);
		tap_ok(rc == E_OK && c.sum == 0, "... in the rollup too");
	}

	/* forget + rewrite (reindex) */
	sel.from = day + 3600;
	sel.to = day + 7200;
	rc = smp_forget_profile(s, "c/p1");
	ok_rc(s, rc, E_OK, "forget a stored profile");
	rc = query(s, &sel, &c, NULL);
	tap_ok(rc == E_OK && c.sum == 5, "... its samples are gone (5 left)");
	rc = put(s, "c/p1", svc, "host-a", day + 3600 + 120, P1, &dup);
	tap_ok(rc == E_OK && !dup, "... and it can be written again");
	rc = query(s, &sel, &c, NULL);
	tap_ok(rc == E_OK && c.sum == 15, "... giving the same sums (15)");

	/* malformed input */
	{
		struct smp_profile p = { .key = "", .service_id = svc,
			.hostname = "h", .start = day, .end = day };

		rc = smp_write_profile(s, &p, NULL, 0, &dup);
		ok_rc(s, rc, E_INVAL, "profile without a key refused");
		sel.from = 10;
		sel.to = 5;
		rc = query(s, &sel, &c, NULL);
		ok_rc(s, rc, E_INVAL, "reversed time range refused");
		rc = smp_buckets(s, &(struct smp_sel){ .service_id = svc,
			.from = day, .to = day + 60 }, 7, 10, &a, &bk, &n);
		ok_rc(s, rc, E_INVAL, "bucket step 7 refused");
	}

	/* hostile values: quotes, backslashes, tabs and newlines, as data */
	{
		static const char *const fr[] = { "it's", "c:\\tmp\\x",
			"tab\there", "new\nline", "'); DROP TABLE x; --" };
		static const char *host = "h'o\\st\t\n' OR '1'='1";
		struct smp_line l = { "k'8\\s", fr, ARRAY_SIZE(fr), 9 };
		struct smp_profile p = { .key = "c/hostile'\\key", .service_id = svc,
			.hostname = host, .instance_type = "t\\'\t",
			.start = day + 8 * 3600, .end = day + 8 * 3600 + 60,
			.cpu_avg = -1, .mem_avg = -1, .cores = -1 };

		rc = smp_write_profile(s, &p, &l, 1, &dup);
		ok_rc(s, rc, E_OK, "write a profile of hostile strings");
		conds[0] = (struct rql_cond){ "HostName", RQL_EQ, host, false };
		conds[1] = (struct rql_cond){ "InstanceType", RQL_EQ, "t\\'\t",
			false };
		filt.n = 2;
		sel = (struct smp_sel){ .service_id = svc, .from = day + 8 * 3600,
			.to = day + 9 * 3600, .filter = &filt };
		rc = query(s, &sel, &c, NULL);
		tap_ok(rc == E_OK && c.sum == 9 && count_of(&c, "it's;c:\\tmp\\x;"
			"tab\there;new\nline;'); DROP TABLE x; --") == 9,
			"... filtered by them and read back exactly");
		conds[0].op = RQL_NEQ;
		rc = query(s, &sel, &c, NULL);
		tap_ok(rc == E_OK && c.sum == 0, "... and != excludes them");
		rc = smp_tags(s, &(struct smp_sel){ .service_id = svc,
			.from = day + 8 * 3600, .to = day + 9 * 3600 }, SMP_CONTAINER,
			10, &a, &tags, &n);
		tap_ok(rc == E_OK && n == 1 && strcmp(tags[0].value, "k'8\\s") == 0,
			"... container tag read back exactly");
		rc = put(s, "c/hostile'\\key", svc, host, day + 8 * 3600, P1, &dup);
		tap_ok(rc == E_OK && dup, "... and the hostile key is a duplicate");
		sel.filter = NULL;
	}

	/* retention: days d-2 (holds data) is dropped by "now + N days" */
	{
		struct smp_status st;
		size_t dropped = 0;

		rc = smp_status(s, &st);
		tap_ok(rc == E_OK && st.profiles >= 38 && st.days >= 1,
			"status counts profiles and day partitions");
		rc = smp_prune(s, day + 86400 * 100, &dropped);
		tap_ok(rc == E_OK && dropped >= 3, "prune at a far 'now' drops "
			"every day (%zu partitions)", dropped);
		sel.from = day;
		sel.to = day + 86400;
		rc = query(s, &sel, &c, NULL);
		tap_ok(rc == E_OK && c.sum == 0, "... and their samples are gone");
	}
	arena_release(&a);
}

/* One profile written by suite_rollups. */
struct rprof {
	int64_t start;
	int host;
	bool p2;
	bool gone;
};

/* The expected sum of the written profiles in [from, to) (host -1: any). */
static uint64_t
rexpect(const struct rprof *w, size_t n, int64_t from, int64_t to, int host,
	bool only_app)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (w[i].gone || w[i].start < from || w[i].start >= to ||
		    (host >= 0 && w[i].host != host))
			continue;
		sum += only_app ? (w[i].p2 ? 4 : 0) : (w[i].p2 ? 5 : 10);
	}
	return sum;
}

/*
 * Rollups against what was written: profiles on the last three days at
 * hours 0, 5 and 23 of three hosts, one forgotten; ranges of whole days,
 * whole hours and ragged minutes, with and without filters, give exactly
 * the sums of the profiles inside them.  Leaves the rows in place for
 * t_samples_contract.sh to compare every rollup with the raw rows.
 */
static void
suite_rollups(struct smp *s, int64_t svc)
{
	static const int hours[] = { 0, 5, 23 };
	struct rprof w[3 * 3 * 2 * 3];
	struct coll_stacks c;
	struct smp_info info;
	struct rql filt;
	struct rql_cond cond;
	int64_t now = time(NULL), today = now / 86400 * 86400;
	size_t n = 0, i, k;
	char key[96];
	int d, h, m, host, rc = E_OK;
	struct {
		int64_t from, to;
		const char *what;
	} r[] = {
		{ today - 3 * 86400, today, "three whole days" },
		{ today - 3 * 86400 + 5 * 3600 + 600, today - 86400 + 23 * 3600 + 900,
			"ragged: minutes, hours, a whole day, hours, minutes" },
		{ today - 2 * 86400 + 23 * 3600, today - 86400 + 5 * 3600 + 1801,
			"across midnight, no whole day" },
		{ today - 2 * 86400, today - 86400 + 3600, "a whole day and an hour" },
	};

	for (d = 3; d >= 1 && rc == E_OK; d--)
		for (h = 0; h < 3 && rc == E_OK; h++)
			for (m = 0; m < 2 && rc == E_OK; m++)
				for (host = 0; host < 3 && rc == E_OK; host++) {
					struct rprof *p = &w[n++];
					char hn[16];

					p->start = today - d * 86400 +
						hours[h] * 3600 + m * 1800;
					p->host = host;
					p->p2 = (h + m + host) % 2;
					p->gone = false;
					snprintf(key, sizeof(key), "roll/%lld/%zu",
						(long long)svc, n);
					snprintf(hn, sizeof(hn), "rh-%d", host);
					rc = put(s, key, svc, hn, p->start,
						p->p2 ? P2 : P1, NULL);
				}
	ok_rc(s, rc, E_OK, "rollups: 54 profiles on three days, three hosts");
	snprintf(key, sizeof(key), "roll/%lld/%d", (long long)svc, 20);
	rc = smp_forget_profile(s, key);
	w[19].gone = true;
	ok_rc(s, rc, E_OK, "rollups: forget one of them");
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		uint64_t want = rexpect(w, n, r[i].from, r[i].to, -1, false);

		rc = query(s, &(struct smp_sel){ .service_id = svc,
			.from = r[i].from, .to = r[i].to }, &c, &info);
		tap_ok(rc == E_OK && c.sum == want && info.total == want,
			"rollups: %s, every source: %llu (got %llu)", r[i].what,
			(unsigned long long)want, (unsigned long long)c.sum);
		for (host = 0; host < 3; host += 2) {
			char hn[16];

			snprintf(hn, sizeof(hn), "rh-%d", host);
			cond = (struct rql_cond){ "HostName", RQL_EQ, hn, false };
			filt = (struct rql){ .conds = &cond, .n = 1 };
			want = rexpect(w, n, r[i].from, r[i].to, host, false);
			rc = query(s, &(struct smp_sel){ .service_id = svc,
				.from = r[i].from, .to = r[i].to, .filter = &filt },
				&c, NULL);
			tap_ok(rc == E_OK && c.sum == want,
				"rollups: %s, host %s: %llu (got %llu)", r[i].what,
				hn, (unsigned long long)want,
				(unsigned long long)c.sum);
		}
		cond = (struct rql_cond){ "ContainerName", RQL_EQ,
			"app_api_prod", false };
		filt = (struct rql){ .conds = &cond, .n = 1 };
		want = rexpect(w, n, r[i].from, r[i].to, -1, true);
		rc = query(s, &(struct smp_sel){ .service_id = svc,
			.from = r[i].from, .to = r[i].to, .filter = &filt }, &c,
			NULL);
		tap_ok(rc == E_OK && c.sum == want && (want == 0 ||
			count_of(&c, "java;Main.run_[j];Lambda$[m]/[m].apply_[j]") ==
			want), "rollups: %s, container app_api_prod: %llu (got %llu)",
			r[i].what, (unsigned long long)want,
			(unsigned long long)c.sum);
	}
	/* per stack: the three days equal the sum of their 72 hours */
	{
		struct coll_stacks days, hr;
		uint64_t per[64] = { 0 };
		bool same = true;

		rc = query(s, &(struct smp_sel){ .service_id = svc,
			.from = r[0].from, .to = r[0].to }, &days, NULL);
		for (k = 0; k < 72 && rc == E_OK; k++) {
			rc = query(s, &(struct smp_sel){ .service_id = svc,
				.from = r[0].from + (int64_t)k * 3600,
				.to = r[0].from + (int64_t)k * 3600 + 3600 }, &hr,
				NULL);
			for (i = 0; i < days.n; i++)
				per[i] += count_of(&hr, days.keys[i]);
		}
		for (i = 0; i < days.n; i++)
			same = same && per[i] == days.counts[i];
		tap_ok(rc == E_OK && days.n > 0 && same, "rollups: per stack, the "
			"daily answer equals the sum of the hourly ones (%zu "
			"stacks)", days.n);
	}
}

/* Retention in isolation: days D-5..D-1; prune as of D keeps exactly N. */
static void
suite_retention(struct smp *s, unsigned raw_days)
{
	struct coll_stacks c;
	int64_t now = time(NULL), today = now / 86400 * 86400;
	int64_t svc = 8000 + now % 1000;
	size_t dropped = 0;
	char key[64];
	int d, rc = E_OK;

	for (d = 1; d <= 5 && rc == E_OK; d++) {
		snprintf(key, sizeof(key), "ret/%lld/%d", (long long)now, d);
		rc = put(s, key, svc, "h", today - d * 86400 + 600, P1, NULL);
	}
	ok_rc(s, rc, E_OK, "retention: one profile on each of the last 5 days");
	rc = smp_prune(s, now, &dropped);
	ok_rc(s, rc, E_OK, "retention: prune");
	for (d = 1; d <= 5; d++) {
		struct smp_sel sel = { .service_id = svc,
			.from = today - d * 86400, .to = today - d * 86400 + 3599 };

		rc = query(s, &sel, &c, NULL);
		if ((unsigned)d <= raw_days)
			tap_ok(rc == E_OK && c.sum == 10, "retention: day -%d kept", d);
		else
			tap_ok(rc == E_OK && c.sum == 0, "retention: day -%d dropped",
				d);
	}
}

int
main(int argc, char **argv)
{
	struct cfg cfg;
	struct smp *s = NULL;
	char err[512];
	int rc;

	if (argc < 2) {
		/* make check runs every check program bare: this needs a server */
		printf("1..0 # SKIP needs a backend (t_samples_contract.sh)\n");
		return 77;
	}
	if (cfg_load(&cfg, NULL, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	rc = smp_open(&cfg, &s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "error: %s: %s\n", err_str(rc), err);
		cfg_release(&cfg);
		return 1;
	}
	if (strcmp(argv[1], "suite") == 0) {
		suite(s);
		rc = tap_done();
	} else if (strcmp(argv[1], "retention") == 0 && argc == 3) {
		suite_retention(s, (unsigned)strtoul(argv[2], NULL, 10));
		rc = tap_done();
	} else if (strcmp(argv[1], "rollups") == 0 && argc == 3) {
		suite_rollups(s, strtoll(argv[2], NULL, 10));
		rc = tap_done();
	} else if (strcmp(argv[1], "write-at") == 0 && argc == 4) {
		rc = put(s, argv[2], 7777, "h", strtoll(argv[3], NULL, 10), P1,
			NULL);
		if (rc)
			fprintf(stderr, "error: %s: %s\n", err_str(rc),
				smp_errmsg(s));
		rc = rc ? 1 : 0;
	} else if (strcmp(argv[1], "write-one") == 0 && argc == 3) {
		rc = put(s, argv[2], 7777, "h", time(NULL) - 3600, P1, NULL);
		if (rc)
			fprintf(stderr, "error: %s: %s\n", err_str(rc),
				smp_errmsg(s));
		rc = rc ? 1 : 0;
	} else if (strcmp(argv[1], "sum") == 0 && argc == 3) {
		struct coll_stacks c;
		struct smp_sel sel = { .service_id = strtoll(argv[2], NULL, 10),
			.from = time(NULL) - 2 * 86400, .to = time(NULL) + 60 };

		rc = query(s, &sel, &c, NULL);
		if (rc)
			fprintf(stderr, "error: %s: %s\n", err_str(rc),
				smp_errmsg(s));
		else
			printf("%llu\n", (unsigned long long)c.sum);
		rc = rc ? 1 : 0;
	} else {
		fprintf(stderr, "unknown command\n");
		rc = 2;
	}
	smp_free(s);
	cfg_release(&cfg);
	return rc;
}
