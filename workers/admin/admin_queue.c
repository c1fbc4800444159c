/*
 * admin_queue.c - `ember-admin queue status` and `dlq list / show /
 * replay / purge`.
 *
 * They go through shared/queue.h, so they work the same on the pg and the
 * sqs backend.
 */
#include "compat.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "arena.h"
#include "err.h"
#include "queue.h"

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
