/*
 * admin_ops.c - day-to-day operations: `ember-admin queue ...`,
 * `dlq ...`, `workers status` and `flamegraph delete`.
 *
 * The queue and dead-letter commands go through shared/queue.h, so they
 * work the same on the pg and the sqs backend.  `workers status` reads
 * the JSON file the workers' supervisor rewrites every
 * workers.status_interval seconds (workers/main.c write_status()); it
 * does not talk to the supervisor, so it also works when the file was
 * copied from another host.
 *
 * Deleting a flamegraph goes through adlib_delete() (shared/db/adlib.h),
 * the one delete of the API and of retention: with the row locked, the
 * stack rows, the objects (page, and an import's raw file), then the row
 * and commit.  A failure before the row goes leaves the row, listed as
 * removed while its object is gone; running the command again finishes
 * the job, since deleting a missing object is not an error.
 */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "adhoc.h"
#include "adlib.h"
#include "admin.h"
#include "arena.h"
#include "err.h"
#include "mem.h"
#include "queue.h"
#include "samples.h"
#include "services.h"
#include "store.h"
#include "utc.h"

/* Most dead letters `dlq list` / `dlq show` / `replay --all` look at. */
#define ADMIN_DLQ_MAX 10000
/* Longest status file we read. */
#define ADMIN_STATUS_MAX (1024 * 1024)
/* Characters of a body or reason shown in `dlq list`. */
#define ADMIN_DLQ_CUT 60

/* Open the configured queue; NULL after printing why. */
static struct queue *
admin_queue(struct admin_ctx *ctx)
{
	const struct cfg *cfg = admin_cfg(ctx);
	struct queue *q = NULL;
	char err[512];

	if (!cfg)
		return NULL;
	err[0] = '\0';
	if (queue_open(&cfg->queue, &cfg->db, &q, err, sizeof(err)) != E_OK) {
		admin_fail("queue (%s): %s",
			cfg->queue.backend == CFG_QUEUE_SQS ? "sqs" : "pg", err);
		return NULL;
	}
	return q;
}

/* Report a failed queue call with the backend's text. */
static int
admin_queue_fail(struct admin_ctx *ctx, struct queue *q, const char *what, int err)
{
	const char *msg = queue_errmsg(q);

	if (msg && (strstr(msg, "[42P01]") || strstr(msg, "[42704]")))
		return admin_fail("%s: %s (is the schema migrated? run: ember-admin migrate up)",
			what, msg);
	return admin_fail("%s: %s (%s)", what, msg && *msg ? msg : "failed",
		err_str(err));
}

/* Format unix seconds as UTC with Z ("-" for 0). */
static void
admin_fmt_secs(int64_t secs, char *out, size_t outlen)
{
	if (secs <= 0 || utc_format(secs * 1000000, UTC_FMT_Z, out, outlen) != E_OK)
		snprintf(out, outlen, "-");
}

/* Format a duration in seconds as "45s", "12m03s", "3h04m", "2d03h". */
static void
admin_fmt_age(int64_t s, char *out, size_t outlen)
{
	if (s < 0)
		snprintf(out, outlen, "-");
	else if (s < 60)
		snprintf(out, outlen, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, outlen, "%lldm%02llds", (long long)(s / 60),
			(long long)(s % 60));
	else if (s < 86400)
		snprintf(out, outlen, "%lldh%02lldm", (long long)(s / 3600),
			(long long)(s % 3600 / 60));
	else
		snprintf(out, outlen, "%lldd%02lldh", (long long)(s / 86400),
			(long long)(s % 86400 / 3600));
}

/* Copy s to out on one line: control bytes as '?', past cut bytes "...". */
static void
admin_short(char *out, size_t outlen, const char *s, size_t cut)
{
	size_t i;

	for (i = 0; s[i] && i < cut && i + 4 < outlen; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	if (s[i])
		snprintf(out + i, outlen - i, "...");
}

/* Print a JSON value on stdout followed by a newline. */
static int
admin_print_json(json_t *v)
{
	int rc;

	if (!v)
		return admin_fail("cannot build the JSON output");
	rc = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(v);
	putchar('\n');
	return rc == 0 ? ADMIN_OK : admin_fail("cannot write the JSON output");
}

/* Parse "[--json]" (and optionally "--limit N"); ADMIN_OK or ADMIN_USAGE. */
static int
admin_opts_json(struct admin_ctx *ctx, int argc, char **argv, bool *json,
	unsigned long *limit, int npos, const char **pos)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	int n;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'l':
			if (!limit)
				return admin_usage(ctx, "unknown option '--limit'");
			if (!admin_parse_ulong(optarg, 1, ADMIN_DLQ_MAX, limit))
				return admin_usage(ctx, "--limit must be 1..%d, not '%s'",
					ADMIN_DLQ_MAX, optarg);
			break;
		case ':':
			return admin_usage(ctx, "option '%s' needs a value", argv[optind - 1]);
		default:
			return admin_usage(ctx, "unknown option '%s'", argv[optind - 1]);
		}
	}
	n = argc - optind;
	if (n < npos)
		return admin_usage(ctx, "missing argument");
	if (n > npos)
		return admin_usage(ctx, "unexpected argument '%s'", argv[optind + npos]);
	for (c = 0; c < npos; c++)
		pos[c] = argv[optind + c];
	return ADMIN_OK;
}

/* queue status [--json]. */
int
admin_queue_status(struct admin_ctx *ctx, int argc, char **argv)
{
	const struct cfg *cfg;
	struct queue_stats st;
	struct queue *q = NULL;
	const char *backend;
	const char *name;
	char age[32];
	bool json = false;
	int rc;

	rc = admin_opts_json(ctx, argc, argv, &json, NULL, 0, NULL);
	if (rc != ADMIN_OK)
		return rc;
	q = admin_queue(ctx);
	if (!q)
		return ADMIN_FAIL;
	cfg = admin_cfg(ctx);
	backend = cfg->queue.backend == CFG_QUEUE_SQS ? "sqs" : "pg";
	name = cfg->queue.backend == CFG_QUEUE_SQS ? cfg->queue.sqs.queue_url :
		cfg->queue.name;
	memset(&st, 0, sizeof(st));
	rc = queue_stats(q, &st);
	if (rc != E_OK) {
		rc = admin_queue_fail(ctx, q, "reading the queue counters", rc);
		goto out;
	}
	if (json) {
		rc = admin_print_json(json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}",
			"backend", backend, "queue", name,
			"visible", (json_int_t)st.visible,
			"in_flight", (json_int_t)st.in_flight,
			"dead", (json_int_t)st.dead,
			"oldest_age_s", (json_int_t)st.oldest_age));
		goto out;
	}
	admin_fmt_age(st.oldest_age, age, sizeof(age));
	printf("queue:         %s %s\n", backend, name);
	printf("waiting:       %lld\n", (long long)st.visible);
	printf("in flight:     %lld\n", (long long)st.in_flight);
	printf("dead letters:  %lld\n", (long long)st.dead);
	printf("oldest:        %s%s\n", age,
		st.oldest_age < 0 ? " (nothing waiting)" : "");
	rc = ADMIN_OK;
out:
	queue_free(q);
	return rc;
}

/* Fetch up to max dead letters into *items / *n; ADMIN_OK or ADMIN_FAIL. */
static int
admin_dead_fetch(struct admin_ctx *ctx, struct queue *q, size_t max,
	struct arena *a, struct queue_dead **items, size_t *n)
{
	int rc;

	*items = NULL;
	*n = 0;
	rc = queue_dead_list(q, max, a, items, n);
	if (rc != E_OK)
		return admin_queue_fail(ctx, q, "listing dead letters", rc);
	return ADMIN_OK;
}

/* A JSON string of s; bytes of invalid UTF-8 become '?' rather than fail. */
static json_t *
admin_jstring(const char *s)
{
	json_t *v = json_string(s ? s : "");
	char *copy;
	size_t i;

	if (v)
		return v;
	copy = xstrdup(s);
	for (i = 0; copy[i]; i++) {
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	}
	v = json_string(copy);
	free(copy);
	return v;
}

/* One dead letter as a JSON object. */
static json_t *
admin_dead_json(const struct queue_dead *d)
{
	char ts[40];

	admin_fmt_secs(d->failed_at, ts, sizeof(ts));
	return json_pack("{s:s, s:s, s:I, s:o, s:o}", "id", d->id,
		"failed_at", ts, "receive_count", (json_int_t)d->receive_count,
		"reason", admin_jstring(d->reason), "body", admin_jstring(d->body));
}

/* dlq list [--limit N] [--json]. */
int
admin_dlq_list(struct admin_ctx *ctx, int argc, char **argv)
{
	struct queue_dead *items = NULL;
	struct queue *q = NULL;
	unsigned long limit = 100;
	struct arena a;
	json_t *arr;
	char reason[40];
	char body[ADMIN_DLQ_CUT + 8];
	char ts[40];
	bool json = false;
	size_t n = 0;
	size_t i;
	int rc;

	rc = admin_opts_json(ctx, argc, argv, &json, &limit, 0, NULL);
	if (rc != ADMIN_OK)
		return rc;
	arena_init(&a, 0);
	q = admin_queue(ctx);
	if (!q) {
		rc = ADMIN_FAIL;
		goto out;
	}
	rc = admin_dead_fetch(ctx, q, limit, &a, &items, &n);
	if (rc != ADMIN_OK)
		goto out;
	if (json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, admin_dead_json(&items[i]));
		rc = admin_print_json(arr);
		goto out;
	}
	printf("%-36s  %-20s  %-8s  %-30s  %s\n", "ID", "FAILED_AT", "RECEIVES",
		"REASON", "BODY");
	for (i = 0; i < n; i++) {
		admin_fmt_secs(items[i].failed_at, ts, sizeof(ts));
		printf("%-36s  %-20s  %-8u  ", items[i].id, ts, items[i].receive_count);
		admin_short(reason, sizeof(reason), items[i].reason ? items[i].reason : "",
			27);
		admin_short(body, sizeof(body), items[i].body ? items[i].body : "",
			ADMIN_DLQ_CUT);
		printf("%-30s  %s\n", reason, body);
	}
	if (n == limit)
		fprintf(stderr, "ember-admin: showing the oldest %lu; use --limit for more\n",
			limit);
	rc = ADMIN_OK;
out:
	queue_free(q);
	arena_release(&a);
	return rc;
}

/* Find dead letter id among the oldest ADMIN_DLQ_MAX; NULL if absent. */
static const struct queue_dead *
admin_dead_find(const struct queue_dead *items, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(items[i].id, id) == 0)
			return &items[i];
	}
	return NULL;
}

/* dlq show ID [--json]. */
int
admin_dlq_show(struct admin_ctx *ctx, int argc, char **argv)
{
	const struct queue_dead *d;
	struct queue_dead *items = NULL;
	struct queue *q = NULL;
	const char *id = NULL;
	struct arena a;
	char ts[40];
	bool json = false;
	size_t n = 0;
	int rc;

	rc = admin_opts_json(ctx, argc, argv, &json, NULL, 1, &id);
	if (rc != ADMIN_OK)
		return rc;
	arena_init(&a, 0);
	q = admin_queue(ctx);
	if (!q) {
		rc = ADMIN_FAIL;
		goto out;
	}
	rc = admin_dead_fetch(ctx, q, ADMIN_DLQ_MAX, &a, &items, &n);
	if (rc != ADMIN_OK)
		goto out;
	d = admin_dead_find(items, n, id);
	if (!d) {
		rc = admin_fail("no dead letter %s (see: ember-admin dlq list)", id);
		goto out;
	}
	if (json) {
		rc = admin_print_json(admin_dead_json(d));
		goto out;
	}
	admin_fmt_secs(d->failed_at, ts, sizeof(ts));
	printf("id:         %s\nfailed at:  %s\nreceives:   %u\nreason:     %s\n"
		"body:\n%s\n", d->id, ts, d->receive_count, d->reason ? d->reason : "",
		d->body ? d->body : "");
	rc = ADMIN_OK;
out:
	queue_free(q);
	arena_release(&a);
	return rc;
}

/* dlq replay (ID | --all). */
int
admin_dlq_replay(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct queue_dead *items = NULL;
	struct queue *q = NULL;
	const char *id = NULL;
	struct arena a;
	bool all = false;
	size_t done = 0;
	size_t n = 0;
	size_t i;
	int err;
	int c;
	int rc;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else
			return admin_usage(ctx, "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		id = argv[optind];
	if (argc - optind > 1)
		return admin_usage(ctx, "unexpected argument '%s'", argv[optind + 1]);
	if (!!id == all)
		return admin_usage(ctx, "give exactly one of ID and --all");
	arena_init(&a, 0);
	q = admin_queue(ctx);
	if (!q) {
		rc = ADMIN_FAIL;
		goto out;
	}
	if (id) {
		rc = queue_dead_replay(q, id);
		if (rc == E_NOTFOUND)
			rc = admin_fail("no dead letter %s (see: ember-admin dlq list)", id);
		else if (rc != E_OK)
			rc = admin_queue_fail(ctx, q, "replaying the dead letter", rc);
		else
			printf("replayed %s\n", id);
		goto out;
	}
	rc = admin_dead_fetch(ctx, q, ADMIN_DLQ_MAX, &a, &items, &n);
	if (rc != ADMIN_OK)
		goto out;
	for (i = 0; i < n; i++) {
		err = queue_dead_replay(q, items[i].id);
		if (err == E_NOTFOUND)
			continue;	/* replayed or purged by someone else meanwhile */
		if (err != E_OK) {
			fprintf(stderr, "ember-admin: replayed %zu before the failure\n", done);
			rc = admin_queue_fail(ctx, q, "replaying a dead letter", err);
			goto out;
		}
		done++;
	}
	printf("replayed %zu dead letter%s\n", done, done == 1 ? "" : "s");
	rc = ADMIN_OK;
out:
	queue_free(q);
	arena_release(&a);
	return rc;
}

/* dlq purge [ID]. */
int
admin_dlq_purge(struct admin_ctx *ctx, int argc, char **argv)
{
	struct queue_stats st;
	struct queue *q = NULL;
	const char *id = NULL;
	int rc;

	if (argc > 1) {
		rc = admin_one_arg(ctx, argc, argv, "ID", &id);
		if (rc != ADMIN_OK)
			return rc;
	}
	q = admin_queue(ctx);
	if (!q)
		return ADMIN_FAIL;
	memset(&st, 0, sizeof(st));
	if (!id && queue_stats(q, &st) != E_OK)
		st.dead = -1;
	rc = queue_dead_purge(q, id);
	if (rc == E_NOTFOUND && id)
		rc = admin_fail("no dead letter %s (see: ember-admin dlq list)", id);
	else if (rc != E_OK)
		rc = admin_queue_fail(ctx, q, "purging dead letters", rc);
	else if (id)
		printf("purged %s\n", id);
	else if (st.dead >= 0)
		printf("purged %lld dead letter%s\n", (long long)st.dead,
			st.dead == 1 ? "" : "s");
	else
		printf("purged every dead letter\n");
	queue_free(q);
	return rc;
}

/* An integer member of o, or def when absent or not an integer. */
static long long
admin_jint(json_t *o, const char *key, long long def)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

/* A string member of o, or def. */
static const char *
admin_jstr(json_t *o, const char *key, const char *def)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

/* Print the status document as a readable table. */
static void
admin_workers_print(json_t *root, const char *path, long long age)
{
	json_t *workers = json_object_get(root, "workers");
	json_t *qs = json_object_get(root, "queue");
	json_t *counters = json_object_get(root, "counters");
	json_t *rate = json_object_get(root, "rate_per_s");
	const char *key;
	json_t *v;
	char buf[32];
	size_t i;
	int col = 0;

	admin_fmt_age(age, buf, sizeof(buf));
	printf("status file:  %s\n", path);
	printf("supervisor:   pid %lld, %s, updated %s (%s ago)\n",
		admin_jint(root, "pid", -1), admin_jstr(root, "state", "?"),
		admin_jstr(root, "updated_at", "?"), buf);
	admin_fmt_age(admin_jint(root, "uptime_s", -1), buf, sizeof(buf));
	printf("uptime:       %s, generation %lld\n", buf,
		admin_jint(root, "generation", 0));
	printf("jobs:         %lld in flight, %lld pending, %.1f/s\n",
		admin_jint(root, "in_flight", 0), admin_jint(root, "pending", 0),
		json_is_number(rate) ? json_number_value(rate) : 0.0);
	if (json_is_object(qs)) {
		admin_fmt_age(admin_jint(qs, "lag_s", -1), buf, sizeof(buf));
		printf("queue:        %lld waiting, %lld in flight, %lld dead, lag %s\n",
			admin_jint(qs, "visible", 0), admin_jint(qs, "in_flight", 0),
			admin_jint(qs, "dead", 0), buf);
	} else {
		printf("queue:        (no counters yet)\n");
	}
	if (json_is_object(counters)) {
		printf("counters:");
		json_object_foreach(counters, key, v) {
			if (col % 4 == 0)
				printf(col ? "\n         " : "");
			printf("  %s=%lld", key, json_is_integer(v) ?
				(long long)json_integer_value(v) : 0LL);
			col++;
		}
		putchar('\n');
	}
	printf("\n%-5s  %-8s  %-10s  %-8s  %-10s  %s\n", "SLOT", "PID", "STATE",
		"JOB", "JOB_TIME", "QUICK_DEATHS");
	for (i = 0; json_is_array(workers) && i < json_array_size(workers); i++) {
		json_t *w = json_array_get(workers, i);
		long long ms = admin_jint(w, "job_ms", 0);

		if (admin_jint(w, "job", 0) > 0)
			snprintf(buf, sizeof(buf), "%lld.%01llds", ms / 1000, ms % 1000 / 100);
		else
			snprintf(buf, sizeof(buf), "-");
		printf("%-5lld  %-8lld  %-10s  %-8lld  %-10s  %lld\n",
			admin_jint(w, "slot", (long long)i), admin_jint(w, "pid", 0),
			admin_jstr(w, "state", "?"), admin_jint(w, "job", 0), buf,
			admin_jint(w, "quick_deaths", 0));
	}
}

/* workers status [--file PATH] [--json]. */
int
admin_workers_status(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cfg *cfg;
	const char *path = NULL;
	const char *state;
	json_error_t jerr;
	json_t *root = NULL;
	char *text = NULL;
	long long stale_after;
	long long pid;
	long long age = -1;
	int64_t updated;
	bool json = false;
	bool alive = true;
	size_t len;
	FILE *f = NULL;
	int c;
	int rc;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case ':':
			return admin_usage(ctx, "option '%s' needs a value", argv[optind - 1]);
		default:
			return admin_usage(ctx, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return admin_usage(ctx, "unexpected argument '%s'", argv[optind]);
	cfg = admin_cfg(ctx);
	if (!cfg)
		return ADMIN_FAIL;
	if (!path)
		path = cfg->workers.status_file;
	if (!path || !*path)
		return admin_fail("no status file: workers.status_file is empty (use --file PATH)");
	f = fopen(path, "r");
	if (!f) {
		rc = admin_fail("cannot read the status file %s: %s (are the workers"
			" running with this configuration?)", path, strerror(errno));
		goto out;
	}
	text = malloc(ADMIN_STATUS_MAX + 1);
	if (!text)
		abort();
	len = fread(text, 1, ADMIN_STATUS_MAX + 1, f);
	if (ferror(f) || len > ADMIN_STATUS_MAX) {
		rc = admin_fail("cannot read the status file %s: %s", path,
			ferror(f) ? "read error" : "too big");
		goto out;
	}
	text[len] = '\0';
	root = json_loadb(text, len, 0, &jerr);
	if (!json_is_object(root)) {
		rc = admin_fail("the status file %s is not a JSON object: %s", path,
			root ? "wrong type" : jerr.text);
		goto out;
	}
	if (utc_parse(admin_jstr(root, "updated_at", ""), &updated) == E_OK)
		age = (long long)((utc_now_usec() - updated) / 1000000);
	state = admin_jstr(root, "state", "?");
	pid = admin_jint(root, "pid", 0);
	if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		alive = false;
	stale_after = 3LL * cfg->workers.status_interval + 5;
	if (json) {
		fwrite(text, 1, len, stdout);
		if (len == 0 || text[len - 1] != '\n')
			putchar('\n');
	} else {
		admin_workers_print(root, path, age);
	}
	fflush(stdout);
	if (strcmp(state, "stopped") == 0)
		rc = admin_fail("the workers are stopped (supervisor pid %lld)", pid);
	else if (!alive)
		rc = admin_fail("the supervisor (pid %lld) is not running; the status is"
			" stale", pid);
	else if (age < 0 || age > stale_after)
		rc = admin_fail("the status file is stale (updated %lld s ago, expected"
			" every %u s)", age, cfg->workers.status_interval);
	else
		rc = ADMIN_OK;
out:
	if (f)
		fclose(f);
	json_decref(root);
	free(text);
	return rc;
}

/* flamegraph delete SERVICE FILENAME [--dry-run]. */
int
admin_flamegraph_delete(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cfg *cfg;
	const char *service;
	const char *file;
	struct adhoc_row row;
	struct store *st = NULL;
	struct smp *smp = NULL;
	struct arena a;
	struct db *db;
	char err[512], started[48];
	int64_t sid;
	bool dry = false;
	bool in_tx = false;
	int c;
	int rc;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'n')
			dry = true;
		else
			return admin_usage(ctx, "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 2)
		return admin_usage(ctx, argc - optind < 2 ? "missing SERVICE or FILENAME" :
			"too many arguments");
	service = argv[optind];
	file = argv[optind + 1];
	if (!*service || !*file)
		return admin_usage(ctx, "SERVICE and FILENAME must not be empty");
	cfg = admin_cfg(ctx);
	if (!cfg)
		return ADMIN_FAIL;
	db = admin_db(ctx);
	if (!db)
		return ADMIN_FAIL;
	err[0] = '\0';
	if (!dry && store_open(&cfg->store, &st, err, sizeof(err)) != E_OK)
		return admin_fail("object store (%s): %s",
			cfg->store.backend == CFG_STORE_S3 ? "s3" : "fs", err);
	arena_init(&a, 0);
	rc = db_tx_begin(db);
	if (rc != E_OK) {
		rc = admin_db_fail(ctx, "starting a transaction", rc);
		goto out;
	}
	in_tx = true;
	rc = adhoc_lock(db, &a, service, file, &row);
	if (rc == E_NOTFOUND) {
		rc = services_find(db, service, &sid);
		if (rc == E_NOTFOUND)
			rc = admin_fail("no service named %s", service);
		else if (rc != E_OK)
			rc = admin_db_fail(ctx, "looking the service up", rc);
		else
			rc = admin_fail("service %s has no flamegraph %s", service, file);
		goto out;
	}
	if (rc != E_OK) {
		rc = admin_db_fail(ctx, "looking the flamegraph up", rc);
		goto out;
	}
	if (utc_format(row.start_usec / 1000000 * 1000000, UTC_FMT_Z, started,
		sizeof(started)) != E_OK)
		snprintf(started, sizeof(started), "?");
	printf("%s %s (host %s, started %s)\n", dry ? "would delete" : "deleting",
		row.s3_key, row.hostname, started);
	if (dry) {
		rc = ADMIN_OK;
		goto out;
	}
	/* the one delete (shared/db/adlib.h): stack rows, objects, row */
	rc = db_tx_rollback(db);
	in_tx = false;
	if (rc == E_OK && cfg->samples.index &&
	    smp_open(cfg, &smp, err, sizeof(err)) != E_OK) {
		rc = admin_fail("sample store: %s", err);
		goto out;
	}
	if (rc == E_OK)
		rc = adlib_delete(db, st, smp, &a, service, file, NULL, err,
			sizeof(err));
	if (rc == E_OK && adlib_audit(db, getenv("USER"), "delete", service,
		strrchr(row.s3_key, '/') + 1, "{\"via\":\"ember-admin\"}") != E_OK)
		fprintf(stderr, "ember-admin: audit: %s\n", db_errmsg(db));
	if (rc != E_OK) {
		rc = admin_fail("delete failed: %s (%s)", err, err_str(rc));
		goto out;
	}
	printf("deleted the objects, stack rows and metadata row\n");
	rc = ADMIN_OK;
out:
	if (in_tx && db_tx_rollback(db) != E_OK)
		fprintf(stderr, "ember-admin: rollback failed: %s\n", db_errmsg(db));
	arena_release(&a);
	smp_free(smp);
	store_free(st);
	return rc;
}
