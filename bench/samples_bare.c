/*
 * samples_bare.c - the sample store's side of bench/samples: a loader for
 * big data sets, the bare indexing loop the workers are compared with,
 * and the timed query through smp_stacks().
 *
 *   bench/samples-bare load UNIVERSE SERVICE_ID START MINUTES H0 H1 LINES
 *       one profile per host h in [H0, H1) per minute from START (unix
 *       seconds) for MINUTES minutes, each LINES distinct stacks drawn
 *       from UNIVERSE (bench/samples_gen.py universe) by weight, written
 *       with smp_write_profile(); hosts are named bench-<h>; prints
 *       "profiles seconds lines"
 *   bench/samples-bare bare FILE.gz SERVICE_ID HOST START N
 *       the bare loop: N times, read FILE.gz, gunzip, split its stack
 *       lines, hash frames and stacks (XXH64, as the store keys them) and,
 *       in one transaction, insert the profile record and COPY the sample
 *       rows and the rollup rows (through a temporary table and one
 *       INSERT ... ON CONFLICT per rollup: hourly and daily, per source
 *       and over all sources); frames and stacks
 *       not seen by this process are COPYed into the dictionaries first.
 *       Profile i is at START + 60 i.  No name normalisation, no container
 *       mapping, no collision checks.  Prints "profiles seconds lines
 *       cpu_seconds"
 *   bench/samples-bare query SERVICE_ID FROM TO ITERATIONS
 *       smp_stacks() over [FROM, TO) of the service, every stack (no cap),
 *       ITERATIONS times; prints "p50_ms p99_ms stacks rows_read total"
 *
 * Configuration from the environment (EMBER_DB_*, EMBER_SAMPLES_*), as for
 * the binaries.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "arena.h"
#include "buf.h"
#include "cfg.h"
#include "collapsed.h"
#include "gz.h"
#include "hash.h"
#include "mem.h"
#include "samples.h"

/* Microseconds on the monotonic clock. */
static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* CPU seconds (user + system) used by this process so far. */
static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Unix seconds as a timestamptz literal (UTC). */
static void
iso(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S+00", &tm);
}

/* A non-negative integer argument, or -1. */
static long long
num_arg(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return -1;
	return v;
}

/* Read a whole file into b (gunzipped when it is gzip). */
static int
read_file(const char *path, struct buf *b)
{
	struct buf raw = BUF_INIT(0);
	char chunk[65536];
	size_t n;
	int rc = E_IO;
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "samples-bare: %s: %s\n", path, strerror(errno));
		return E_IO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&raw, chunk, n);
	if (ferror(f))
		goto out;
	if (gz_is_gzip(raw.data, raw.len)) {
		buf_reset(b);
		rc = gz_inflate(raw.data, raw.len, (size_t)1 << 31, b);
	} else {
		buf_reset(b);
		buf_put(b, raw.data, raw.len);
		rc = E_OK;
	}
out:
	fclose(f);
	buf_release(&raw);
	return rc;
}

/* The parsed header of a collapsed file (its first line), or NULL. */
static json_t *
read_header(const struct buf *b)
{
	const char *nl;

	if (b->len < 2 || b->data[0] != '#')
		return NULL;
	nl = memchr(b->data, '\n', b->len);
	return json_loadb(b->data + 2, (nl ? (size_t)(nl - b->data) :
		b->len) - 2, 0, NULL);
}

/* ---------------------------------------------------------------- load */

/* The universe: stack lines and the cumulative weights. */
struct universe {
	struct coll_result cr;
	uint64_t *cum;
	struct arena a;
	struct buf text;
};

static int
universe_load(struct universe *u, const char *path)
{
	json_t *h;
	struct coll_limits lim = { 0 };
	uint64_t t = 0;
	size_t i;

	memset(u, 0, sizeof(*u));
	buf_init(&u->text, 0);
	arena_init(&u->a, 0);
	if (read_file(path, &u->text) != E_OK)
		return E_IO;
	h = read_header(&u->text);
	coll_parse(u->text.data, u->text.len, h, &lim, &u->a, &u->cr);
	json_decref(h);
	if (u->cr.n == 0) {
		fprintf(stderr, "samples-bare: no stack line in %s\n", path);
		return E_INVAL;
	}
	u->cum = xcalloc(u->cr.n, sizeof(*u->cum));
	for (i = 0; i < u->cr.n; i++) {
		t += u->cr.lines[i].count;
		u->cum[i] = t;
	}
	return E_OK;
}

/* A random number in [0, 2^64) (xorshift64*). */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* The index of a stack drawn by weight. */
static size_t
draw(const struct universe *u, uint64_t *seed)
{
	uint64_t x = rnd(seed) % u->cum[u->cr.n - 1];
	size_t lo = 0, hi = u->cr.n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (u->cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Write profiles drawn from the universe (see the file comment). */
static int
run_load(const struct cfg *cfg, char **argv)
{
	struct universe u;
	struct smp *s = NULL;
	struct smp_line *lines = NULL;
	uint32_t *mark = NULL;
	uint32_t stamp = 0;
	long long sid = num_arg(argv[2]), start = num_arg(argv[3]),
		minutes = num_arg(argv[4]), h0 = num_arg(argv[5]),
		h1 = num_arg(argv[6]), nl = num_arg(argv[7]), m, h;
	uint64_t seed, nlines = 0, nprof = 0;
	char err[512], key[128], host[64];
	int64_t t0;
	int rc = 1;

	if (sid < 0 || start < 0 || minutes < 0 || h0 < 0 || h1 < h0 ||
	    nl <= 0) {
		fprintf(stderr, "samples-bare load: bad arguments\n");
		return 2;
	}
	if (universe_load(&u, argv[1]) != E_OK)
		goto out;
	if ((size_t)nl > u.cr.n)
		nl = (long long)u.cr.n;
	if (smp_open(cfg, &s, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "samples-bare: %s\n", err);
		goto out;
	}
	lines = xcalloc((size_t)nl, sizeof(*lines));
	mark = xcalloc(u.cr.n, sizeof(*mark));
	t0 = now_us();
	for (m = 0; m < minutes; m++)
		for (h = h0; h < h1; h++) {
			struct smp_profile p;
			size_t n = 0, tries = 0, i;
			bool dup = false;

			seed = (uint64_t)(start / 60 + m) * UINT64_C(1000003) +
				(uint64_t)h + 1;
			stamp++;
			/* distinct stacks by weight; the count is the hits */
			while (n < (size_t)nl && tries++ < (size_t)nl * 64) {
				size_t k = draw(&u, &seed);

				if (mark[k] == stamp) {
					for (i = 0; i < n; i++)
						if (lines[i].frames ==
						    u.cr.lines[k].frames) {
							lines[i].count++;
							break;
						}
					continue;
				}
				mark[k] = stamp;
				lines[n] = u.cr.lines[k];
				lines[n++].count = 1 + rnd(&seed) % 3;
			}
			for (i = 0; n < (size_t)nl && i < u.cr.n; i++)
				if (mark[i] != stamp) {
					lines[n] = u.cr.lines[i];
					lines[n++].count = 1;
				}
			snprintf(host, sizeof(host), "bench-%lld", h);
			snprintf(key, sizeof(key), "bench/%lld/%s/%lld", sid,
				host, start + 60 * m);
			memset(&p, 0, sizeof(p));
			p.key = key;
			p.service_id = sid;
			p.hostname = host;
			p.instance_type = "m5.xlarge";
			p.start = start + 60 * m;
			p.end = p.start + 60;
			p.cpu_avg = 20 + (double)(h % 50);
			p.mem_avg = 40;
			p.cores = 4;
			if (smp_write_profile(s, &p, lines, n, &dup) != E_OK) {
				fprintf(stderr, "samples-bare: write: %s\n",
					smp_errmsg(s));
				goto out;
			}
			nprof++;
			nlines += n;
		}
	printf("%llu %.3f %llu\n", (unsigned long long)nprof,
		(double)(now_us() - t0) / 1e6, (unsigned long long)nlines);
	rc = 0;
out:
	smp_free(s);
	free(lines);
	free(mark);
	free(u.cum);
	arena_release(&u.a);
	buf_release(&u.text);
	return rc;
}

/* ---------------------------------------------------------------- bare */

/* A set of 64-bit keys (open addressing; 0 is stored as a flag). */
struct kset {
	uint64_t *k;
	size_t cap, n;
	bool zero;
};

static bool
kset_add(struct kset *s, uint64_t key)
{
	size_t i;

	if (key == 0) {
		bool was = s->zero;

		s->zero = true;
		return !was;
	}
	if (2 * (s->n + 1) > s->cap) {
		struct kset g = { xcalloc(s->cap ? 2 * s->cap : 1024,
			sizeof(uint64_t)), s->cap ? 2 * s->cap : 1024, 0,
			s->zero };

		for (i = 0; i < s->cap; i++)
			if (s->k[i])
				kset_add(&g, s->k[i]);
		free(s->k);
		*s = g;
	}
	i = (size_t)(key * UINT64_C(0x9E3779B97F4A7C15) >> 7) & (s->cap - 1);
	while (s->k[i] && s->k[i] != key)
		i = (i + 1) & (s->cap - 1);
	if (s->k[i])
		return false;
	s->k[i] = key;
	s->n++;
	return true;
}

/* Run SQL, expecting status st; prints the error. */
static bool
pq_ok(PGconn *c, const char *sql, ExecStatusType st)
{
	PGresult *r = PQexec(c, sql);
	bool ok = PQresultStatus(r) == st;

	if (!ok)
		fprintf(stderr, "samples-bare: %s: %s", sql,
			PQerrorMessage(c));
	PQclear(r);
	return ok;
}

/* COPY the text rows in b into the table named by copy (a COPY statement). */
static bool
pq_copy(PGconn *c, const char *copy, const struct buf *b)
{
	PGresult *r;
	bool ok;

	if (!pq_ok(c, copy, PGRES_COPY_IN))
		return false;
	ok = PQputCopyData(c, b->data ? b->data : "", (int)b->len) == 1 &&
		PQputCopyEnd(c, NULL) == 1;
	r = PQgetResult(c);
	ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "samples-bare: %s: %s", copy,
			PQerrorMessage(c));
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
	return ok;
}

/* Append a COPY text field, escaping what COPY's text format needs. */
static void
copy_text(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r')
			buf_putc(b, '\\');
		buf_putc(b, ch == '\t' ? 't' : ch == '\n' ? 'n' :
			ch == '\r' ? 'r' : ch);
	}
}

/* The source id of a raw container name (inserted when new). */
static long long
bare_src(PGconn *c, long long sid, const char *host, const char *cont,
	size_t clen)
{
	char s[24], cbuf[512];
	const char *params[3] = { s, host, cbuf };
	PGresult *r;
	long long id = -1;

	snprintf(s, sizeof(s), "%lld", sid);
	snprintf(cbuf, sizeof(cbuf), "%.*s", (int)clen, cont);
	r = PQexecParams(c, "WITH i AS (INSERT INTO smp_src (service_id, host, "
		"instance_type, container, container_env) VALUES ($1, $2, '', "
		"$3, '') ON CONFLICT DO NOTHING RETURNING id) SELECT id FROM i "
		"UNION ALL SELECT id FROM smp_src WHERE service_id = $1 AND "
		"host = $2 AND instance_type = '' AND container = $3 AND "
		"container_env = ''", 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	else
		fprintf(stderr, "samples-bare: source: %s", PQerrorMessage(c));
	PQclear(r);
	return id;
}

/* Containers seen (a short list: a profile has a few). */
struct conts {
	char name[16][256];
	long long id[16];
	size_t n;
};

/* The bare loop (see the file comment). */
static int
run_bare(const struct cfg *cfg, char **argv)
{
	long long sid = num_arg(argv[2]), start = num_arg(argv[4]),
		n = num_arg(argv[5]), i;
	const char *host = argv[3];
	struct buf text = BUF_INIT(0), rows = BUF_INIT(0), hrs = BUF_INIT(0),
		fr = BUF_INIT(0), st = BUF_INIT(0);
	struct kset frames = { 0 }, stacks = { 0 };
	struct conts conts = { .n = 0 };
	uint64_t *fk = NULL;
	size_t fkcap = 0;
	char conninfo[1024], sql[512];
	PGconn *c = NULL;
	uint64_t nlines = 0;
	int64_t t0;
	double c0;
	int rc = 1;

	if (sid < 0 || start < 0 || n <= 0) {
		fprintf(stderr, "samples-bare bare: bad arguments\n");
		return 2;
	}
	snprintf(conninfo, sizeof(conninfo),
		"host=%s port=%u user=%s dbname=%s sslmode=disable",
		cfg->db.host, cfg->db.port, cfg->db.user, cfg->db.dbname);
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "samples-bare: %s", PQerrorMessage(c));
		goto out;
	}
	if (!pq_ok(c, "CREATE TEMP TABLE b1h (ts timestamptz, service_id "
	    "bigint, src integer, stack bigint, n bigint) ON COMMIT DELETE ROWS",
	    PGRES_COMMAND_OK) ||
	    !pq_ok(c, "CREATE TEMP TABLE bfr (hash bigint, name text)",
	    PGRES_COMMAND_OK) ||
	    !pq_ok(c, "CREATE TEMP TABLE bst (hash bigint, frames bigint[])",
	    PGRES_COMMAND_OK))
		goto out;
	for (i = 0; i <= (n - 1) / 1440; i++) {
		snprintf(sql, sizeof(sql), "SELECT smp_ensure_day("
			"to_timestamp(%lld)::timestamp::date)", start + i * 86400);
		if (!pq_ok(c, sql, PGRES_TUPLES_OK))
			goto out;
	}
	t0 = now_us();
	c0 = cpu_s();
	for (i = 0; i < n; i++) {
		const char *p, *end;
		long long ts = start + 60 * i, prof;
		PGresult *r;
		char sbuf[24], tbuf[24], tmin[32], thour[32];
		const char *params[3] = { sbuf, host, tbuf };

		if (read_file(argv[1], &text) != E_OK)
			goto out;
		buf_reset(&rows);
		buf_reset(&hrs);
		buf_reset(&fr);
		buf_reset(&st);
		snprintf(sbuf, sizeof(sbuf), "%lld", sid);
		snprintf(tbuf, sizeof(tbuf), "%lld", ts);
		iso(ts, tmin);
		iso(ts / 3600 * 3600, thour);
		if (!pq_ok(c, "BEGIN", PGRES_COMMAND_OK))
			goto out;
		r = PQexecParams(c, "INSERT INTO smp_profile (key, service_id, "
			"host, instance_type, start_ts, end_ts) VALUES ('bare/' "
			"|| $2 || '/' || $3, $1, $2, '', to_timestamp($3::bigint), "
			"to_timestamp($3::bigint) + interval '1 minute') "
			"RETURNING id",
			3, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			fprintf(stderr, "samples-bare: profile: %s",
				PQerrorMessage(c));
			PQclear(r);
			goto out;
		}
		prof = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		for (p = text.data, end = text.data + text.len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end, *sp, *f, *cont;
			size_t nf = 0, k, clen;
			unsigned long long cnt;
			uint64_t sk;
			long long src = -1;

			if (*p == '#' || le == p) {
				p = le + 1;
				continue;
			}
			for (sp = le; sp > p && sp[-1] != ' '; sp--)
				;
			cnt = strtoull(sp, NULL, 10);
			/* idx;container;frames... */
			f = memchr(p, ';', (size_t)(sp - p));
			cont = f ? f + 1 : p;
			f = memchr(cont, ';', (size_t)(sp - cont));
			if (!f || cnt == 0) {
				p = le + 1;
				continue;
			}
			clen = (size_t)(f - cont);
			for (k = 0; k < conts.n; k++)
				if (strlen(conts.name[k]) == clen &&
				    memcmp(conts.name[k], cont, clen) == 0)
					break;
			if (k == 16) {
				fprintf(stderr, "samples-bare: more than 16 "
					"containers in %s\n", argv[1]);
				goto out;
			}
			if (k == conts.n) {
				snprintf(conts.name[k], sizeof(conts.name[k]),
					"%.*s", (int)clen, cont);
				conts.id[k] = bare_src(c, sid, host, cont, clen);
				conts.n++;
			}
			src = conts.id[k];
			if (src < 0)
				goto out;
			for (f++; f < sp;) {
				const char *fe = memchr(f, ';', (size_t)(sp - f));
				size_t fl;

				if (!fe)
					fe = sp - 1;
				fl = (size_t)(fe - f);
				if (nf == fkcap) {
					fkcap = fkcap ? 2 * fkcap : 256;
					fk = xrealloc(fk, fkcap * sizeof(*fk));
				}
				fk[nf] = hash_xxh64(f, fl, 0);
				if (kset_add(&frames, fk[nf])) {
					buf_putf(&fr, "%lld\t", (long long)fk[nf]);
					copy_text(&fr, f, fl);
					buf_putc(&fr, '\n');
				}
				nf++;
				f = fe + 1;
			}
			sk = hash_xxh64(fk, nf * sizeof(*fk), 0);
			if (kset_add(&stacks, sk)) {
				buf_putf(&st, "%lld\t{", (long long)sk);
				for (k = 0; k < nf; k++)
					buf_putf(&st, k ? ",%lld" : "%lld",
						(long long)fk[k]);
				buf_puts(&st, "}\n");
			}
			buf_putf(&rows, "%s\t%lld\t%lld\t%lld\t%lld\t%llu\n",
				tmin, sid, prof, src, (long long)sk, cnt);
			buf_putf(&hrs, "%s\t%lld\t%lld\t%lld\t%llu\n",
				thour, sid, src, (long long)sk, cnt);
			nlines++;
			p = le + 1;
		}
		/* dictionaries (new entries only), samples, rollup */
		if ((fr.len && (!pq_copy(c, "COPY bfr FROM STDIN", &fr) ||
		    !pq_ok(c, "INSERT INTO smp_frame SELECT * FROM bfr ON "
		    "CONFLICT DO NOTHING", PGRES_COMMAND_OK) ||
		    !pq_ok(c, "TRUNCATE bfr", PGRES_COMMAND_OK))) ||
		    (st.len && (!pq_copy(c, "COPY bst FROM STDIN", &st) ||
		    !pq_ok(c, "INSERT INTO smp_stack SELECT * FROM bst ON "
		    "CONFLICT DO NOTHING", PGRES_COMMAND_OK) ||
		    !pq_ok(c, "TRUNCATE bst", PGRES_COMMAND_OK))))
			goto out;
		if (!pq_copy(c, "COPY smp_sample (ts, service_id, prof, src, "
		    "stack, n) FROM STDIN", &rows) ||
		    !pq_copy(c, "COPY b1h FROM STDIN", &hrs) ||
		    !pq_ok(c, "INSERT INTO smp_sample_1h (ts, service_id, src, "
		    "stack, n) SELECT ts, service_id, src, stack, sum(n) FROM b1h "
		    "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 ON CONFLICT "
		    "(service_id, ts, src, stack) DO UPDATE SET n = "
		    "smp_sample_1h.n + EXCLUDED.n", PGRES_COMMAND_OK) ||
		    !pq_ok(c, "INSERT INTO smp_sample_1d (ts, service_id, src, "
		    "stack, n) SELECT date_trunc('day', ts, 'UTC'), service_id, "
		    "src, stack, sum(n) FROM b1h GROUP BY 1, 2, 3, 4 "
		    "ORDER BY 1, 2, 3, 4 ON CONFLICT (service_id, ts, src, stack) "
		    "DO UPDATE SET n = smp_sample_1d.n + EXCLUDED.n",
		    PGRES_COMMAND_OK) ||
		    !pq_ok(c, "INSERT INTO smp_sample_1h_all (ts, service_id, "
		    "stack, n) SELECT ts, service_id, stack, sum(n) FROM b1h "
		    "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 ON CONFLICT (service_id, "
		    "ts, stack) DO UPDATE SET n = smp_sample_1h_all.n + "
		    "EXCLUDED.n", PGRES_COMMAND_OK) ||
		    !pq_ok(c, "INSERT INTO smp_sample_1d_all (ts, service_id, "
		    "stack, n) SELECT date_trunc('day', ts, 'UTC'), service_id, "
		    "stack, sum(n) FROM b1h GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 "
		    "ON CONFLICT (service_id, ts, stack) DO UPDATE SET n = "
		    "smp_sample_1d_all.n + EXCLUDED.n", PGRES_COMMAND_OK) ||
		    !pq_ok(c, "COMMIT", PGRES_COMMAND_OK))
			goto out;
	}
	printf("%lld %.4f %llu %.3f\n", n, (double)(now_us() - t0) / 1e6,
		(unsigned long long)nlines, cpu_s() - c0);
	rc = 0;
out:
	PQfinish(c);
	free(frames.k);
	free(stacks.k);
	free(fk);
	buf_release(&text);
	buf_release(&rows);
	buf_release(&hrs);
	buf_release(&fr);
	buf_release(&st);
	return rc;
}

/* --------------------------------------------------------------- query */

static int
count_stack(void *ctx, const char *const *frames, size_t nframes,
	uint64_t count)
{
	(void)frames;
	(void)nframes;
	(void)count;
	(*(size_t *)ctx)++;
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Time smp_stacks() (see the file comment). */
static int
run_query(const struct cfg *cfg, char **argv)
{
	long long sid = num_arg(argv[1]), from = num_arg(argv[2]),
		to = num_arg(argv[3]), iters = num_arg(argv[4]), i;
	struct smp *s = NULL;
	struct smp_sel sel;
	struct smp_info info;
	struct arena a;
	int64_t *lat = NULL;
	size_t nst = 0;
	char err[512];
	int rc = 1;

	if (sid < 0 || from < 0 || to <= from || iters <= 0) {
		fprintf(stderr, "samples-bare query: bad arguments\n");
		return 2;
	}
	arena_init(&a, 0);
	if (smp_open(cfg, &s, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "samples-bare: %s\n", err);
		goto out;
	}
	lat = xcalloc((size_t)iters, sizeof(*lat));
	memset(&sel, 0, sizeof(sel));
	sel.service_id = sid;
	sel.from = from;
	sel.to = to;
	for (i = 0; i < iters; i++) {
		int64_t t0 = now_us();

		memset(&info, 0, sizeof(info));
		nst = 0;
		arena_reset(&a);
		if (smp_stacks(s, &sel, 0, &a, count_stack, &nst, &info) !=
		    E_OK) {
			fprintf(stderr, "samples-bare: query: %s\n",
				smp_errmsg(s));
			goto out;
		}
		lat[i] = now_us() - t0;
	}
	qsort(lat, (size_t)iters, sizeof(*lat), cmp_i64);
	printf("%.3f %.3f %zu %llu %llu\n", lat[(iters - 1) / 2] / 1000.0,
		lat[(iters * 99 + 99) / 100 - 1] / 1000.0, nst,
		(unsigned long long)info.rows_read,
		(unsigned long long)info.total);
	rc = 0;
out:
	smp_free(s);
	free(lat);
	arena_release(&a);
	return rc;
}

/* Dispatch on the mode argument. */
int
main(int argc, char **argv)
{
	struct cfg cfg;
	char err[512];
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: samples-bare load|bare|query ARGS...\n");
		return 2;
	}
	if (cfg_load(&cfg, NULL, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "samples-bare: %s\n", err);
		return 1;
	}
	if (strcmp(argv[1], "load") == 0 && argc == 9)
		rc = run_load(&cfg, argv + 1);
	else if (strcmp(argv[1], "bare") == 0 && argc == 7)
		rc = run_bare(&cfg, argv + 1);
	else if (strcmp(argv[1], "query") == 0 && argc == 6)
		rc = run_query(&cfg, argv + 1);
	else {
		fprintf(stderr, "samples-bare: bad arguments (see "
			"bench/samples_bare.c)\n");
		rc = 2;
	}
	cfg_release(&cfg);
	return rc;
}
