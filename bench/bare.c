/*
 * bare.c - the baselines of bench/run: the same database and storage work
 * as the service does, in one process, with no HTTP, FastCGI, queue hop or
 * supervisor in between.
 *
 *   BARE_SQL=... bench/bare list SERVICE START END LIMIT ITERATIONS
 *       the ad hoc list query (BARE_SQL: the statement of shared/db/adhoc.c,
 *       which bench/run extracts from the source; prepared, through
 *       libpq, parameters $1..$6 as the handler binds them) and a stat()
 *       of every returned key under store.fs_root, ITERATIONS times;
 *       prints "p50_ms p99_ms rows"
 *   bench/bare upload FILE.gz SERVICE SERVICE_ID N
 *       N times: store_put() of FILE.gz under a new raw key and
 *       queue_send() of its indexer message (what the upload handler does
 *       once the body is checked); prints "n seconds vmhwm_kib"
 *   bench/bare e2e FILE.gz SERVICE SERVICE_ID N
 *       N times: store_put() of FILE.gz under a new raw key and job_run()
 *       of its message (get, gunzip, parse, HTML put, row upsert): the
 *       upload-to-row work without HTTP and queue; prints the same
 *
 * Configuration comes from the environment (EMBER_DB_*, EMBER_STORE_*,
 * EMBER_QUEUE_*), as for the binaries.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libpq-fe.h>

#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "job.h"
#include "mem.h"
#include "queue.h"
#include "store.h"
#include "utc.h"

/* Microseconds on the monotonic clock. */
static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The peak resident set of this process in KiB (0 if unknown). */
static long
vmhwm_kib(void)
{
	char line[256];
	long kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

/* Order two int64 values (qsort). */
static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Parse a positive count argument; 0 when it is not one. */
static long
count_arg(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return 0;
	return v;
}

/* Run the list query plus a stat() per row, iterations times. */
static int
run_list(const struct cfg *cfg, char **argv)
{
	const char *params[6];
	char conninfo[1024], path[4096];
	PGconn *c = NULL;
	PGresult *res = NULL;
	int64_t *lat = NULL;
	const char *sql = getenv("BARE_SQL");
	long iters = count_arg(argv[5]), i;
	int rows = 0, j, rc = 1;
	struct stat sb;

	if (iters <= 0 || !sql || !*sql) {
		fprintf(stderr, "bare: bad iteration count or no BARE_SQL\n");
		return 2;
	}
	snprintf(conninfo, sizeof(conninfo),
		"host=%s port=%u user=%s dbname=%s sslmode=disable",
		cfg->db.host, cfg->db.port, cfg->db.user, cfg->db.dbname);
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bare: %s", PQerrorMessage(c));
		goto out;
	}
	res = PQprepare(c, "list", sql, 6, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "bare: prepare: %s", PQerrorMessage(c));
		goto out;
	}
	PQclear(res);
	res = NULL;
	params[0] = argv[1];
	params[1] = argv[2];
	params[2] = argv[3];
	params[3] = NULL;
	params[4] = argv[4];
	params[5] = "0";
	lat = xcalloc((size_t)iters, sizeof(*lat));
	for (i = 0; i < iters; i++) {
		int64_t t0 = now_us();

		res = PQexecPrepared(c, "list", 6, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "bare: list: %s", PQerrorMessage(c));
			goto out;
		}
		rows = PQntuples(res);
		for (j = 0; j < rows; j++) {
			snprintf(path, sizeof(path), "%s/%s", cfg->store.fs_root,
				PQgetvalue(res, j, 0));
			if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
				fprintf(stderr, "bare: missing %s\n", path);
		}
		PQclear(res);
		res = NULL;
		lat[i] = now_us() - t0;
	}
	qsort(lat, (size_t)iters, sizeof(*lat), cmp_i64);
	printf("%.3f %.3f %d\n", (double)lat[iters / 2] / 1000.0,
		(double)lat[(iters * 99) / 100 < iters ? (iters * 99) / 100 :
		iters - 1] / 1000.0, rows);
	rc = 0;
out:
	PQclear(res);
	PQfinish(c);
	free(lat);
	return rc;
}

/* Read a whole file into out. */
static MUST_CHECK int
read_file(const char *path, struct buf *out)
{
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return E_IO;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(out, chunk, n)) {
			fclose(f);
			return E_TOOBIG;
		}
	fclose(f);
	return E_OK;
}

/* Put FILE.gz N times and queue (upload) or index (e2e) each one. */
static int
run_ingest(const struct cfg *cfg, char **argv, bool e2e)
{
	struct store_put_opts opts = { "application/gzip", NULL };
	struct buf gz = BUF_INIT(0), msg = BUF_INIT(0);
	struct store *st = NULL;
	struct queue *q = NULL;
	struct db *db = NULL;
	struct job_env env;
	struct job_result res;
	char err[512], key[1024], name[512], iso[32];
	long n = count_arg(argv[4]), i;
	int64_t t0, base = utc_now_usec();
	int rc = 1;

	if (n <= 0 || read_file(argv[1], &gz) != E_OK) {
		fprintf(stderr, "bare: bad count or unreadable %s\n", argv[1]);
		return 2;
	}
	if (store_open(&cfg->store, &st, err, sizeof(err)) != E_OK ||
	    (e2e ? db_open(&cfg->db, &db, err, sizeof(err)) :
	    queue_open(&cfg->queue, &cfg->db, &q, err, sizeof(err))) != E_OK) {
		fprintf(stderr, "bare: %s\n", err);
		goto out;
	}
	env.cfg = &cfg->workers;
	env.store = st;
	env.db = db;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		if (utc_format(base + i * 1000000, UTC_FMT_NAIVE, iso,
			sizeof(iso)) != E_OK)
			goto out;
		snprintf(name, sizeof(name), "%s_%032lx_%s.gz", iso,
			(unsigned long)(i + 1),
			"5d41402abc4b2a76b9719d911017c592");
		snprintf(key, sizeof(key), "products/%s/stacks/%s", argv[2],
			name);
		if (store_put(st, key, gz.data, gz.len, &opts) != E_OK) {
			fprintf(stderr, "bare: put: %s\n", store_errmsg(st));
			goto out;
		}
		buf_reset(&msg);
		if (buf_addf(&msg, "{\"filename\":\"%s\",\"service\":\"%s\","
			"\"service_id\":%s}", name, argv[2], argv[3]))
			goto out;
		if (e2e) {
			job_run(&env, msg.data, msg.len, &res);
			if (res.verdict != PROTO_V_DONE) {
				fprintf(stderr, "bare: job: %s\n", res.why);
				goto out;
			}
		} else if (queue_send(q, msg.data, msg.len, NULL) != E_OK) {
			fprintf(stderr, "bare: send: %s\n", queue_errmsg(q));
			goto out;
		}
	}
	printf("%ld %.4f %ld\n", n, (double)(now_us() - t0) / 1e6, vmhwm_kib());
	rc = 0;
out:
	buf_release(&gz);
	buf_release(&msg);
	queue_free(q);
	db_free(db);
	store_free(st);
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
		fprintf(stderr, "usage: bare list|upload|e2e ARGS...\n");
		return 2;
	}
	if (cfg_load(&cfg, NULL, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "bare: %s\n", err);
		return 1;
	}
	if (strcmp(argv[1], "list") == 0 && argc == 7)
		rc = run_list(&cfg, argv + 1);
	else if (strcmp(argv[1], "upload") == 0 && argc == 6)
		rc = run_ingest(&cfg, argv + 1, false);
	else if (strcmp(argv[1], "e2e") == 0 && argc == 6)
		rc = run_ingest(&cfg, argv + 1, true);
	else {
		fprintf(stderr, "bare: bad arguments (see bench/bare.c)\n");
		rc = 2;
	}
	cfg_release(&cfg);
	return rc;
}
