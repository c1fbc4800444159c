/*
 * report.c - the periodic status line and status file (see report.h).
 *
 * The queue lag is the age of the oldest waiting message: 0 when no
 * message waits (whatever the backend says about an empty queue), and
 * "?" in the log / -1 in the file only when the backend cannot tell.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "report.h"
#include "retention.h"
#include "utc.h"
#include "wstatus.h"

/* The queue lag in seconds, -1 unknown. */
static int64_t
queue_lag(const struct sup *s)
{
	if (!s->have_qstats)
		return -1;
	if (s->qstats.visible == 0)
		return 0;
	return s->qstats.age;
}

/* Fill the status document from the supervisor's state. */
static void
fill(const struct sup *s, int64_t now, const char *state,
	struct wstatus *st, char *ts, size_t tslen)
{
	const struct dispatch_counters *c = &s->d.c;
	const struct pool *wp = &s->pools[SUP_WORKER];
	const struct pool_slot *rs = &s->pools[SUP_RECEIVER].slots[0];
	const struct pool_slot *as = &s->pools[SUP_ACKER].slots[0];
	size_t i;

	if (utc_format(utc_now_usec(), UTC_FMT_Z, ts, tslen) != E_OK)
		ts[0] = '\0';
	st->pid = getpid();
	st->state = state;
	st->updated_at = ts;
	st->uptime_s = (now - s->started_ms) / 1000;
	st->generation = wp->generation;
	st->rate_per_s = s->rate;
	st->in_flight = (int64_t)(s->d.n - dispatch_npending(&s->d));
	st->pending = (int64_t)dispatch_npending(&s->d);
	st->nworkers = wp->cfg.n;
	for (i = 0; i < wp->cfg.n; i++) {
		const struct pool_slot *sl = &wp->slots[i];

		st->workers[i].slot = (int64_t)i;
		st->workers[i].pid = sl->pid;
		st->workers[i].state = pool_state_name(sl->state);
		st->workers[i].job = (int64_t)sl->job;
		st->workers[i].job_ms = sl->job ? now - sl->job_started : 0;
		st->workers[i].quick_deaths = sl->quick_deaths;
	}
	st->receiver.pid = rs->pid;
	st->receiver.state = pool_state_name(rs->state);
	st->acker.pid = as->pid;
	st->acker.state = pool_state_name(as->state);
	st->acks_pending = (int64_t)s->out.n;
	st->have_queue = s->have_qstats;
	st->q_visible = s->qstats.visible;
	st->q_in_flight = s->qstats.inflight;
	st->q_dead = s->qstats.dead;
	st->q_lag_s = queue_lag(s);
	st->counters[WSTATUS_RECEIVED] = c->received;
	st->counters[WSTATUS_DONE] = c->done;
	st->counters[WSTATUS_RETRIED] = c->retried;
	st->counters[WSTATUS_DEAD_LETTERED] = c->dead;
	st->counters[WSTATUS_RETURNED] = c->returned;
	st->counters[WSTATUS_ADHOC] = c->adhoc;
	st->counters[WSTATUS_CONTINUOUS] = c->continuous;
	st->counters[WSTATUS_NO_HTML] = c->no_html;
	st->counters[WSTATUS_STACK_LINES] = c->stacks;
	st->counters[WSTATUS_BAD_LINES] = c->bad_lines;
	st->counters[WSTATUS_CRASHED] = c->crashed;
	st->counters[WSTATUS_TIMEOUTS] = c->timeouts;
	st->counters[WSTATUS_SPAWNS] = wp->spawns;
	st->counters[WSTATUS_DEATHS] = wp->deaths;
	st->counters[WSTATUS_KILLS] = wp->kills;
	st->counters[WSTATUS_PROTO_ERRORS] = s->proto_errors;
}

/* Write the status file; a failure is logged once until it works again. */
void
report_status_file(struct sup *s, int64_t now, const char *state)
{
	const char *path = s->cfg.workers.status_file;
	struct wstatus_worker rows[1024];
	struct wstatus st;
	char ts[40], rpath[4096];
	int rc;

	if (!path || !*path)
		return;
	memset(&st, 0, sizeof(st));
	ASSERT(s->pools[SUP_WORKER].cfg.n <= ARRAY_SIZE(rows));
	st.workers = rows;
	fill(s, now, state, &st, ts, sizeof(ts));
	/* the workers' ad hoc retention counts (workers/retention.h) */
	snprintf(rpath, sizeof(rpath), "%s" RETENTION_STATUS_SUFFIX, path);
	st.retention = json_load_file(rpath, 0, NULL);
	rc = wstatus_write(path, &st);
	json_decref(st.retention);
	if (rc != E_OK) {
		if (!s->status_failing)
			log_errno("cannot write status file \"%s\", "
				"retrying quietly", path);
		s->status_failing = true;
	} else if (s->status_failing) {
		log_info("status file \"%s\" written again", path);
		s->status_failing = false;
	}
}

/* The periodic log line and status file. */
void
report(struct sup *s, int64_t now, const char *state)
{
	const struct dispatch_counters *c = &s->d.c;
	uint64_t finished = c->done + c->retried + c->dead;
	int64_t span = now - s->last_report;
	int64_t lag = queue_lag(s);
	char lagtxt[24];

	if (span > 0)
		s->rate = (double)(finished - s->last_finished) * 1000.0 /
			(double)span;
	s->last_finished = finished;
	s->last_report = now;
	s->next_report = now + (int64_t)s->cfg.workers.status_interval * 1000;
	if (lag >= 0)
		snprintf(lagtxt, sizeof(lagtxt), "%llds", (long long)lag);
	else
		snprintf(lagtxt, sizeof(lagtxt), "?");
	log_info("%s: done=%llu retried=%llu dead=%llu in_flight=%zu "
		"rate=%.1f/s queue=%lld lag=%s workers=%zu/%zu busy",
		state, (unsigned long long)c->done,
		(unsigned long long)c->retried, (unsigned long long)c->dead,
		s->d.n, s->rate,
		(long long)(s->have_qstats ? s->qstats.visible : -1),
		lagtxt, pool_count(&s->pools[SUP_WORKER], POOL_BUSY),
		(size_t)s->pools[SUP_WORKER].cfg.n);
	report_status_file(s, now, state);
}
