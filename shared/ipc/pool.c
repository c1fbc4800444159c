/*
 * pool.c - the slot state machine (see pool.h for the picture).
 *
 * Every timed rule is in pool_tick(): respawn after back-off, READY
 * timeout, job deadline, STOP on shutdown or reload, KILL when a STOP is
 * not obeyed in time.  Event functions only record what happened.  The
 * `kill_sent` / `stop_sent` bits make each action come out exactly once,
 * so a tick may be run as often as the loop likes.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "pool.h"

static const char *const state_names[] = {
	[POOL_DEAD] = "DEAD",
	[POOL_SPAWNING] = "SPAWNING",
	[POOL_IDLE] = "IDLE",
	[POOL_BUSY] = "BUSY",
	[POOL_DRAINING] = "DRAINING",
};

/* Name of a state for logs and the status file. */
const char *
pool_state_name(enum pool_state s)
{
	if ((size_t)s >= ARRAY_SIZE(state_names))
		return "?";
	return state_names[s];
}

/* Reset a slot to "no process" (keeps counters, generation, reload). */
static void
slot_clear(struct pool_slot *s)
{
	s->state = POOL_DEAD;
	s->pid = 0;
	s->fd = -1;
	s->job = 0;
	s->deadline = 0;
	s->kill_why = NULL;
	s->kill_sent = false;
	s->stop_sent = false;
	s->retired = false;
}

/* Allocate and initialise the slots. */
void
pool_init(struct pool *p, const struct pool_cfg *cfg, int64_t now)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	p->slots = xcalloc(cfg->n ? cfg->n : 1, sizeof(*p->slots));
	for (i = 0; i < cfg->n; i++) {
		slot_clear(&p->slots[i]);
		p->slots[i].respawn_at = now;
	}
}

/* Free the slots. */
void
pool_release(struct pool *p)
{
	free(p->slots);
	p->slots = NULL;
	p->cfg.n = 0;
}

/* New timings; the slot count is fixed for the pool's life. */
void
pool_set_cfg(struct pool *p, const struct pool_cfg *cfg)
{
	size_t n = p->cfg.n;

	p->cfg = *cfg;
	p->cfg.n = n;
}

/* Record a fork. */
void
pool_spawned(struct pool *p, size_t i, pid_t pid, int fd, int64_t now)
{
	struct pool_slot *s = &p->slots[i];

	ASSERT(i < p->cfg.n && s->state == POOL_DEAD);
	slot_clear(s);
	s->state = POOL_SPAWNING;
	s->pid = pid;
	s->fd = fd;
	s->spawned_at = now;
	s->deadline = now + p->cfg.spawn_timeout;
	s->generation = p->generation;
	p->spawns++;
}

/*
 * Set the respawn time after an unasked quick exit or a failed fork.
 * Note that respawn_min 0 still backs off from 100 ms: a child that
 * cannot start must not make the supervisor fork in a tight loop.
 */
static void
slot_backoff(struct pool *p, struct pool_slot *s, int64_t now)
{
	int64_t delay = p->cfg.respawn_min > 0 ? p->cfg.respawn_min : 100;
	unsigned k;

	s->quick_deaths++;
	for (k = 1; k < s->quick_deaths && delay < p->cfg.respawn_max; k++)
		delay *= 2;
	if (delay > p->cfg.respawn_max)
		delay = p->cfg.respawn_max;
	s->respawn_at = now + delay;
}

/* A fork failed: back off. */
void
pool_spawn_failed(struct pool *p, size_t i, int64_t now)
{
	struct pool_slot *s = &p->slots[i];

	ASSERT(i < p->cfg.n && s->state == POOL_DEAD);
	slot_backoff(p, s, now);
}

/* READY: SPAWNING -> IDLE. */
int
pool_ready(struct pool *p, size_t i, int64_t now)
{
	struct pool_slot *s = &p->slots[i];

	if (s->state == POOL_DRAINING && s->job == 0)
		return E_OK;	/* STOP crossed READY; it exits soon */
	if (s->state != POOL_SPAWNING)
		return E_PROTO;
	s->state = POOL_IDLE;
	s->deadline = 0;
	s->reload = false;
	return E_OK;
}

/* First idle slot, current generation first. */
ssize_t
pool_idle(const struct pool *p)
{
	ssize_t old = -1;
	size_t i;

	for (i = 0; i < p->cfg.n; i++) {
		if (p->slots[i].state != POOL_IDLE)
			continue;
		if (p->slots[i].generation == p->generation)
			return (ssize_t)i;
		if (old < 0)
			old = (ssize_t)i;
	}
	return old;
}

/* Count slots in one state. */
size_t
pool_count(const struct pool *p, enum pool_state st)
{
	size_t i, n = 0;

	for (i = 0; i < p->cfg.n; i++)
		n += p->slots[i].state == st;
	return n;
}

/* IDLE -> BUSY. */
int
pool_assign(struct pool *p, size_t i, uint64_t job, int64_t deadline,
	int64_t now)
{
	struct pool_slot *s = &p->slots[i];

	if (i >= p->cfg.n || s->state != POOL_IDLE || job == 0)
		return E_CONFLICT;
	s->state = POOL_BUSY;
	s->job = job;
	s->job_started = now;
	s->deadline = deadline;
	return E_OK;
}

/* DONE: BUSY -> IDLE, DRAINING keeps draining. */
int
pool_done(struct pool *p, size_t i, uint64_t job, int64_t now)
{
	struct pool_slot *s = &p->slots[i];

	if (s->job == 0 || s->job != job)
		return E_PROTO;
	s->job = 0;
	if (s->state == POOL_BUSY) {
		s->state = POOL_IDLE;
		s->deadline = 0;
	} else if (s->state == POOL_DRAINING) {
		s->deadline = now + p->cfg.stop_timeout;
	} else {
		return E_PROTO;
	}
	return E_OK;
}

/* Request a kill. */
void
pool_kill(struct pool *p, size_t i, const char *why)
{
	struct pool_slot *s = &p->slots[i];

	if (s->state != POOL_DEAD && s->kill_why == NULL)
		s->kill_why = why;
}

/* Mark a planned exit. */
void
pool_retired(struct pool *p, size_t i)
{
	if (i < p->cfg.n && p->slots[i].state != POOL_DEAD)
		p->slots[i].retired = true;
}

/* Look a pid up. */
ssize_t
pool_find_pid(const struct pool *p, pid_t pid)
{
	size_t i;

	if (pid <= 0)
		return -1;
	for (i = 0; i < p->cfg.n; i++)
		if (p->slots[i].pid == pid)
			return (ssize_t)i;
	return -1;
}

/* Exit: any state -> DEAD, with back-off for unasked quick exits. */
uint64_t
pool_exited(struct pool *p, size_t i, int64_t now, const char **why)
{
	struct pool_slot *s = &p->slots[i];
	uint64_t job = s->job;
	bool asked = s->stop_sent || s->retired;

	if (why)
		*why = s->kill_sent ? s->kill_why : NULL;
	if (!asked)
		p->deaths++;
	if (s->retired)
		s->quick_deaths = 0;
	if (!asked && now - s->spawned_at <
	    (p->cfg.respawn_min > 0 ? p->cfg.respawn_min : 1000)) {
		slot_backoff(p, s, now);
	} else {
		if (!asked)
			s->quick_deaths = 0;
		s->respawn_at = now;
	}
	slot_clear(s);
	return job;
}

/* Start replacing every process with one of the new generation. */
void
pool_reload(struct pool *p)
{
	p->generation++;
}

/* Begin shutdown. */
void
pool_stop(struct pool *p, int64_t now)
{
	if (p->stopping)
		return;
	p->stopping = true;
	p->stop_deadline = now + p->cfg.stop_timeout;
}

/* Everything has exited after pool_stop(). */
bool
pool_stopped(const struct pool *p)
{
	return p->stopping && pool_count(p, POOL_DEAD) == p->cfg.n;
}

/* True while a reload replacement is under way (one at a time). */
static bool
reload_busy(const struct pool *p)
{
	size_t i;

	for (i = 0; i < p->cfg.n; i++)
		if (p->slots[i].reload)
			return true;
	return false;
}

/* Append an action if there is room. */
static bool
act(struct pool_action *out, size_t max, size_t *n, enum pool_act_type t,
	size_t slot, const char *why)
{
	if (*n >= max)
		return false;
	out[*n].type = t;
	out[*n].slot = slot;
	out[*n].why = why;
	(*n)++;
	return true;
}

/* Hand out STOP for a live slot and move it to DRAINING. */
static bool
slot_stop(struct pool *p, size_t i, int64_t deadline, const char *why,
	struct pool_action *out, size_t max, size_t *n)
{
	struct pool_slot *s = &p->slots[i];

	if (!act(out, max, n, POOL_ACT_STOP, i, why))
		return false;
	s->stop_sent = true;
	s->state = POOL_DRAINING;
	if (s->job == 0)
		s->deadline = deadline;
	return true;
}

/* The timed rules (see the file comment). */
size_t
pool_tick(struct pool *p, int64_t now, struct pool_action *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < p->cfg.n && n < max; i++) {
		struct pool_slot *s = &p->slots[i];

		if (s->state == POOL_DEAD) {
			if (!p->stopping && now >= s->respawn_at)
				act(out, max, &n, POOL_ACT_SPAWN, i,
					s->reload ? "reload" : "start");
			continue;
		}
		if (s->kill_why == NULL) {
			if ((s->state == POOL_BUSY ||
			     (s->state == POOL_DRAINING && s->job)) &&
			    now >= s->deadline)
				s->kill_why = "job deadline passed";
			else if (s->state == POOL_SPAWNING && !p->stopping &&
			    now >= s->deadline)
				s->kill_why = "no READY in time";
			else if (s->state == POOL_DRAINING && s->job == 0 &&
			    now >= s->deadline)
				s->kill_why = "no exit after STOP";
			else if (p->stopping && now >= p->stop_deadline)
				s->kill_why = "shutdown timeout";
		}
		if (s->kill_why && !s->kill_sent) {
			if (act(out, max, &n, POOL_ACT_KILL, i, s->kill_why)) {
				s->kill_sent = true;
				p->kills++;
			}
			continue;
		}
		if (s->kill_sent || s->stop_sent)
			continue;
		if (p->stopping) {
			slot_stop(p, i, p->stop_deadline, "shutdown", out, max,
				&n);
		} else if (s->state == POOL_IDLE &&
		    s->generation != p->generation && !reload_busy(p)) {
			if (slot_stop(p, i, now + p->cfg.stop_timeout,
			    "reload", out, max, &n))
				s->reload = true;
		}
	}
	return n;
}

/* Tick and dispatch every action. */
void
pool_run(struct pool *p, int64_t now, const struct pool_handlers *h,
	void *ctx)
{
	struct pool_action acts[16];
	size_t n, k;

	do {
		n = pool_tick(p, now, acts, ARRAY_SIZE(acts));
		for (k = 0; k < n; k++) {
			switch (acts[k].type) {
			case POOL_ACT_SPAWN:
				h->spawn(ctx, acts[k].slot, now);
				break;
			case POOL_ACT_STOP:
				h->stop(ctx, acts[k].slot);
				break;
			case POOL_ACT_KILL:
				h->kill(ctx, acts[k].slot, acts[k].why);
				break;
			}
		}
	} while (n == ARRAY_SIZE(acts));
}

/* Earliest timed event. */
int64_t
pool_next_wake(const struct pool *p, int64_t now)
{
	int64_t t = -1;
	size_t i;

	for (i = 0; i < p->cfg.n; i++) {
		const struct pool_slot *s = &p->slots[i];
		int64_t when = -1;

		if (s->state == POOL_DEAD) {
			if (!p->stopping)
				when = s->respawn_at;
		} else if (s->kill_why && !s->kill_sent) {
			when = now;
		} else if (!s->kill_sent) {
			if (p->stopping && !s->stop_sent)
				when = now;
			else if (s->state != POOL_IDLE)
				when = s->deadline;
			else if (s->generation != p->generation)
				when = now + 1000;	/* reload turn */
			if (p->stopping && (when < 0 ||
			    p->stop_deadline < when))
				when = p->stop_deadline;
		}
		if (when >= 0 && (t < 0 || when < t))
			t = when;
	}
	if (t < 0)
		return -1;
	return t > now ? t - now : 0;
}
