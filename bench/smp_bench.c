/*
 * smp_bench.c - the sample store benchmarks of bench/samples_ch.sh, for
 * whichever backend the environment names (EMBER_SAMPLES_BACKEND, ...).
 *
 *   smp-bench index FILE N SERVICE
 *       parse FILE (collapsed lines) and write it N times through
 *       smp_write_profile() as N profiles (new keys, 10 hosts, a minute
 *       apart); prints "profiles lines seconds"
 *   smp-bench bare FILE N URL
 *       the baseline: parse FILE the same way, key the rows (XXH64, as
 *       samples.c does) and POST them as one "INSERT ... FORMAT
 *       TabSeparated" per profile to ClickHouse at URL (kept-alive
 *       connection, no dictionary, no idempotency); same output
 *   smp-bench query SERVICE FROM TO REPS
 *       smp_stacks() over [FROM, TO) REPS times; prints "p50_ms p99_ms
 *       stacks rows_read total"
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "b64.h"
#include "buf.h"
#include "cfg.h"
#include "collapsed.h"
#include "err.h"
#include "http.h"
#include "mem.h"
#include "samples.h"
#include "samples_ch.h"
#include "samples_int.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read a whole file. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	rewind(f);
	d = xmalloc((size_t)n + 1);
	if (fread(d, 1, (size_t)n, f) != (size_t)n)
		exit(2);
	d[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return d;
}

static int
cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static int
count_cb(void *ctx, const char *const *frames, size_t n, uint64_t count)
{
	(void)frames;
	(void)n;
	(void)count;
	(*(size_t *)ctx)++;
	return 0;
}

/* The bare loop: parse, key, post rows. */
static int
bare(const char *path, int n, const char *url)
{
	struct http_opts ho = { .timeout_ms = 60000, .retries = 0 };
	struct http *h = NULL;
	struct buf auth = BUF_INIT(0), up = BUF_INIT(0), body = BUF_INIT(0);
	const char *user = getenv("EMBER_CLICKHOUSE_USER");
	const char *pw = getenv("EMBER_CLICKHOUSE_PASSWORD");
	char err[256];
	size_t len, lines = 0;
	char *data = slurp(path, &len);
	double t0 = now_s();
	int i;

	if (http_new(&ho, &h, err, sizeof(err)) != E_OK)
		return 1;
	if (buf_addf(&up, "%s:%s", user ? user : "default", pw ? pw : "") ||
	    buf_addstr(&auth, "Authorization: Basic ") ||
	    b64_encode(up.data, up.len, &auth))
		return 1;
	for (i = 0; i < n; i++) {
		const char *hdrs[] = { auth.data, "Expect:", NULL };
		struct http_req req = { .method = "POST", .url = url,
			.headers = hdrs };
		struct http_resp resp;
		struct coll_result r;
		struct arena a;
		size_t k, j;

		arena_init(&a, 0);
		coll_parse(data, len, NULL, NULL, &a, &r);
		buf_reset(&body);
		if (buf_addstr(&body, "INSERT INTO smp_samples (Timestamp, "
		    "ServiceId, ProfileId, StackHash, HostName, InstanceType, "
		    "ContainerName, ContainerEnvName, NumSamples) "
		    "FORMAT TabSeparated\n"))
			return 1;
		for (k = 0; k < r.n; k++) {
			const struct smp_line *l = &r.lines[k];
			uint64_t *fh = arena_alloc(&a, l->nframes * sizeof(*fh));
			const char *cn, *ce;

			for (j = 0; j < l->nframes; j++)
				fh[j] = smp_frame_key(l->frames[j],
					strlen(l->frames[j]), 0);
			coll_container(l->container ? l->container : "", &a,
				&cn, &ce);
			if (buf_addf(&body, "%lld\t999999\t%d\t%llu\t",
			    (long long)(1700000000 + i * 60), i,
			    (unsigned long long)smp_stack_key(fh, l->nframes, 0)) ||
			    smp_ch_tsv_escape(&body, "host-bare") ||
			    buf_addstr(&body, "\tm5.large\t") ||
			    smp_ch_tsv_escape(&body, cn) ||
			    buf_addch(&body, '\t') ||
			    smp_ch_tsv_escape(&body, ce) ||
			    buf_addf(&body, "\t%llu\n",
			    (unsigned long long)l->count))
				return 1;
		}
		lines += r.n;
		req.body = body.data;
		req.body_len = body.len;
		http_resp_init(&resp, 1 << 20);
		if (http_do(h, &req, &resp) != E_OK || resp.status != 200) {
			fprintf(stderr, "bare insert failed: %ld %s\n",
				resp.status, http_errmsg(h));
			return 1;
		}
		http_resp_release(&resp);
		arena_release(&a);
	}
	printf("%d %zu %.3f\n", n, lines, now_s() - t0);
	http_free(h);
	buf_release(&auth);
	buf_release(&up);
	buf_release(&body);
	free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	struct cfg cfg;
	struct smp *s = NULL;
	char err[512];
	int rc = 0;

	if (argc == 5 && strcmp(argv[1], "bare") == 0)
		return bare(argv[2], (int)strtol(argv[3], NULL, 10), argv[4]);
	if (cfg_load(&cfg, NULL, err, sizeof(err)) != E_OK ||
	    smp_open(&cfg, &s, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "smp-bench: %s\n", err);
		return 1;
	}
	if (argc == 5 && strcmp(argv[1], "index") == 0) {
		size_t len, lines = 0;
		char *data = slurp(argv[2], &len);
		int i, n = (int)strtol(argv[3], NULL, 10);
		int64_t svc = strtoll(argv[4], NULL, 10);
		int64_t base = time(NULL) / 3600 * 3600 - 86400;
		double t0 = now_s();

		for (i = 0; i < n && rc == 0; i++) {
			struct coll_result r;
			struct arena a;
			char key[64], host[32];
			struct smp_profile p = { .key = key, .service_id = svc,
				.hostname = host, .instance_type = "m5.large",
				.start = base + i / 10 * 60, .end = base + i / 10 * 60 + 60,
				.cpu_avg = 30, .mem_avg = 50, .cores = 8 };
			bool dup;

			snprintf(key, sizeof(key), "bench/%lld/%d",
				(long long)time(NULL), i);
			snprintf(host, sizeof(host), "host-%d", i % 10);
			arena_init(&a, 0);
			coll_parse(data, len, NULL, NULL, &a, &r);
			lines += r.n;
			if (smp_write_profile(s, &p, r.lines, r.n, &dup) != E_OK) {
				fprintf(stderr, "write: %s\n", smp_errmsg(s));
				rc = 1;
			}
			arena_release(&a);
		}
		printf("%d %zu %.3f\n", n, lines, now_s() - t0);
		free(data);
	} else if (argc == 6 && strcmp(argv[1], "query") == 0) {
		struct smp_sel sel = { .service_id = strtoll(argv[2], NULL, 10),
			.from = strtoll(argv[3], NULL, 10),
			.to = strtoll(argv[4], NULL, 10) };
		int i, reps = (int)strtol(argv[5], NULL, 10);
		double *ms = xcalloc((size_t)reps, sizeof(*ms));
		struct smp_info info = { 0 };
		size_t nst = 0;

		for (i = 0; i < reps && rc == 0; i++) {
			struct arena a;
			double t0 = now_s();

			nst = 0;
			arena_init(&a, 0);
			if (smp_stacks(s, &sel, 0, &a, count_cb, &nst, &info)) {
				fprintf(stderr, "query: %s\n", smp_errmsg(s));
				rc = 1;
			}
			arena_release(&a);
			ms[i] = (now_s() - t0) * 1000;
		}
		qsort(ms, (size_t)reps, sizeof(*ms), cmp_d);
		printf("%.2f %.2f %zu %llu %llu\n", ms[reps / 2],
			ms[(reps * 99) / 100 < reps ? (reps * 99) / 100 : reps - 1],
			nst, (unsigned long long)info.rows_read,
			(unsigned long long)info.total);
		free(ms);
	} else {
		fprintf(stderr, "usage: see bench/smp_bench.c\n");
		rc = 2;
	}
	smp_free(s);
	cfg_release(&cfg);
	return rc;
}
