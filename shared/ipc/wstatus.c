/*
 * wstatus.c - the workers' status file (see wstatus.h for the document).
 *
 * The writer builds the whole object with jansson (insertion order is
 * the order of the file) and renames a temporary file over the old one,
 * so a reader never sees half a document.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "wstatus.h"

static const char *const counter_names[WSTATUS_NCOUNTERS] = {
	[WSTATUS_RECEIVED] = "received",
	[WSTATUS_DONE] = "done",
	[WSTATUS_RETRIED] = "retried",
	[WSTATUS_DEAD_LETTERED] = "dead_lettered",
	[WSTATUS_RETURNED] = "returned",
	[WSTATUS_ADHOC] = "adhoc",
	[WSTATUS_CONTINUOUS] = "continuous",
	[WSTATUS_NO_HTML] = "no_html",
	[WSTATUS_STACK_LINES] = "stack_lines",
	[WSTATUS_BAD_LINES] = "bad_lines",
	[WSTATUS_CRASHED] = "crashed",
	[WSTATUS_TIMEOUTS] = "timeouts",
	[WSTATUS_SPAWNS] = "spawns",
	[WSTATUS_DEATHS] = "deaths",
	[WSTATUS_KILLS] = "kills",
	[WSTATUS_PROTO_ERRORS] = "proto_errors",
};

/* Name of a counter. */
const char *
wstatus_counter_name(enum wstatus_counter c)
{
	if ((size_t)c >= ARRAY_SIZE(counter_names))
		return "?";
	return counter_names[c];
}

/* {pid, state} of a queue child. */
static json_t *
child_json(const struct wstatus_child *c)
{
	return json_pack("{s:I, s:s}", "pid", (json_int_t)c->pid,
		"state", c->state ? c->state : "?");
}

/* The whole document. */
static json_t *
to_json(const struct wstatus *st)
{
	json_t *workers = json_array(), *q, *counters = json_object();
	size_t i;

	for (i = 0; i < st->nworkers; i++) {
		const struct wstatus_worker *w = &st->workers[i];

		json_array_append_new(workers, json_pack(
			"{s:I, s:I, s:s, s:I, s:I, s:I}",
			"slot", (json_int_t)w->slot, "pid", (json_int_t)w->pid,
			"state", w->state ? w->state : "?",
			"job", (json_int_t)w->job,
			"job_ms", (json_int_t)w->job_ms,
			"quick_deaths", (json_int_t)w->quick_deaths));
	}
	if (st->have_queue)
		q = json_pack("{s:I, s:I, s:I, s:I}",
			"visible", (json_int_t)st->q_visible,
			"in_flight", (json_int_t)st->q_in_flight,
			"dead", (json_int_t)st->q_dead,
			"lag_s", (json_int_t)st->q_lag_s);
	else
		q = json_null();
	for (i = 0; i < WSTATUS_NCOUNTERS; i++)
		json_object_set_new(counters, counter_names[i],
			json_integer((json_int_t)st->counters[i]));
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:f, s:I, s:I, s:o, s:o,"
		" s:o, s:I, s:o, s:o, s:o}",
		"pid", (json_int_t)st->pid,
		"state", st->state ? st->state : "?",
		"updated_at", st->updated_at ? st->updated_at : "",
		"uptime_s", (json_int_t)st->uptime_s,
		"generation", (json_int_t)st->generation,
		"rate_per_s", st->rate_per_s,
		"in_flight", (json_int_t)st->in_flight,
		"pending", (json_int_t)st->pending,
		"workers", workers,
		"receiver", child_json(&st->receiver),
		"acker", child_json(&st->acker),
		"acks_pending", (json_int_t)st->acks_pending,
		"queue", q,
		"counters", counters,
		"retention", st->retention ? json_incref(st->retention) : json_null());
}

/* Write atomically: temporary file in the same directory, then rename. */
int
wstatus_write(const char *path, const struct wstatus *st)
{
	json_t *root = to_json(st);
	char tmp[4096];
	int rc, saved;

	if (!root)
		return E_INVAL;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	rc = json_dump_file(root, tmp, JSON_COMPACT);
	json_decref(root);
	if (rc != 0 || rename(tmp, path) != 0) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		return E_IO;
	}
	return E_OK;
}

/* An integer member, or def. */
static int64_t
jint(json_t *o, const char *key, int64_t def)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

/* A string member, or NULL. */
static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* {pid, state} of a queue child. */
static void
child_from(json_t *o, struct wstatus_child *c)
{
	c->pid = jint(o, "pid", -1);
	c->state = jstr(o, "state");
}

/* Parse a document (see wstatus.h). */
int
wstatus_from_json(json_t *root, struct wstatus *st)
{
	json_t *workers, *q, *counters, *rate, *v;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (!json_is_object(root))
		return E_PROTO;
	st->pid = jint(root, "pid", -1);
	st->state = jstr(root, "state");
	st->updated_at = jstr(root, "updated_at");
	st->uptime_s = jint(root, "uptime_s", -1);
	st->generation = jint(root, "generation", 0);
	rate = json_object_get(root, "rate_per_s");
	st->rate_per_s = json_is_number(rate) ? json_number_value(rate) : 0.0;
	st->in_flight = jint(root, "in_flight", 0);
	st->pending = jint(root, "pending", 0);
	workers = json_object_get(root, "workers");
	if (json_is_array(workers) && json_array_size(workers) > 0) {
		st->nworkers = json_array_size(workers);
		st->workers = xcalloc(st->nworkers, sizeof(*st->workers));
		for (i = 0; i < st->nworkers; i++) {
			json_t *w = json_array_get(workers, i);
			struct wstatus_worker *o = &st->workers[i];

			o->slot = jint(w, "slot", (int64_t)i);
			o->pid = jint(w, "pid", 0);
			o->state = jstr(w, "state");
			o->job = jint(w, "job", 0);
			o->job_ms = jint(w, "job_ms", 0);
			o->quick_deaths = jint(w, "quick_deaths", 0);
		}
	}
	child_from(json_object_get(root, "receiver"), &st->receiver);
	child_from(json_object_get(root, "acker"), &st->acker);
	st->acks_pending = jint(root, "acks_pending", 0);
	q = json_object_get(root, "queue");
	if (json_is_object(q)) {
		st->have_queue = true;
		st->q_visible = jint(q, "visible", 0);
		st->q_in_flight = jint(q, "in_flight", 0);
		st->q_dead = jint(q, "dead", 0);
		st->q_lag_s = jint(q, "lag_s", -1);
	}
	counters = json_object_get(root, "counters");
	for (i = 0; json_is_object(counters) && i < WSTATUS_NCOUNTERS; i++) {
		v = json_object_get(counters, counter_names[i]);
		if (!v)
			continue;
		st->have_counter[i] = true;
		st->counters[i] = json_is_integer(v) ?
			(uint64_t)json_integer_value(v) : 0;
	}
	return E_OK;
}

/* Free the worker rows. */
void
wstatus_release(struct wstatus *st)
{
	free(st->workers);
	st->workers = NULL;
	st->nworkers = 0;
}
