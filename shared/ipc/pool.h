/*
 * pool.h - child process slots and their state machine, without syscalls.
 *
 Both daemons supervise their children with it: ember-workers owns one
 * pool for the workers and a one-slot pool for each queue child
 * (receiver, acker); the ember-fcgi prefork master (-s) owns one pool for
 * its FastCGI children.  Events go in (a fork happened, a READY or DONE
 * arrived, a pid exited) with the monotonic time `now` in milliseconds;
 * pool_tick() hands back the actions to perform (fork a slot, send it
 * STOP, SIGKILL it).  Nothing here forks, sends or kills, so every
 * transition is unit-tested with plain numbers.  What an action means is
 * the owner's choice: a worker's STOP is a message on its channel, a
 * FastCGI child's STOP is SIGTERM (it has no channel, and is READY as
 * soon as it is forked).
 *
 *        fork            READY          JOB
 *   DEAD ----> SPAWNING -------> IDLE <------> BUSY
 *    ^            |               |     DONE    |
 *    |            +------ STOP ---+-------------+
 *    |                            v
 *    +------- exit ----------- DRAINING
 *
 * Any state goes to DEAD when the process exits (pool_exited()).  A slot
 * is reserved (SPAWN action) before fork(), PostgreSQL-style.  A process
 * that exits within respawn_min of its start, unasked, is respawned after
 * a back-off that doubles per quick death up to respawn_max.
 */
#ifndef EMBER_POOL_H
#define EMBER_POOL_H

#include "compat.h"

#include <sys/types.h>

#include "err.h"

enum pool_state {
	POOL_DEAD = 0,		/* no process; respawned at respawn_at */
	POOL_SPAWNING,		/* forked, READY not yet seen */
	POOL_IDLE,		/* ready for a job */
	POOL_BUSY,		/* one job in flight */
	POOL_DRAINING		/* STOP sent; waiting for the exit */
};

struct pool_cfg {
	size_t n;		/* number of slots */
	int64_t respawn_min;	/* ms: quicker exits back off (0: 1 s
				   window, back-off from 100 ms) */
	int64_t respawn_max;	/* ms: largest back-off */
	int64_t spawn_timeout;	/* ms: SPAWNING longer than this is killed */
	int64_t stop_timeout;	/* ms: DRAINING longer than this is killed */
};

struct pool_slot {
	enum pool_state state;
	pid_t pid;		/* 0 when DEAD */
	int fd;			/* supervisor's channel end, -1 when DEAD */
	uint64_t job;		/* job in flight, 0 none */
	int64_t spawned_at;	/* when forked */
	int64_t job_started;	/* when the job was assigned */
	int64_t deadline;	/* READY by / job end by / exit by */
	int64_t respawn_at;	/* DEAD: fork again at or after this */
	unsigned quick_deaths;	/* consecutive exits within respawn_min */
	unsigned generation;	/* configuration generation at fork */
	const char *kill_why;	/* kill decided (static text), or NULL */
	bool kill_sent;		/* the KILL action was handed out */
	bool stop_sent;		/* the STOP action was handed out */
	bool reload;		/* being replaced after a reload */
	bool retired;		/* leaving on purpose (pool_retired()) */
};

struct pool {
	struct pool_slot *slots;
	struct pool_cfg cfg;
	unsigned generation;	/* bumped by pool_reload() */
	bool stopping;		/* pool_stop() called: no more spawns */
	int64_t stop_deadline;	/* stopping: kill what is left after this */
	uint64_t spawns;	/* forks done (counter) */
	uint64_t deaths;	/* unasked exits (counter) */
	uint64_t kills;		/* KILL actions handed out (counter) */
};

enum pool_act_type {
	POOL_ACT_SPAWN,		/* fork for the slot, then pool_spawned() */
	POOL_ACT_STOP,		/* send STOP on the slot's fd */
	POOL_ACT_KILL		/* SIGKILL the slot's pid */
};

struct pool_action {
	enum pool_act_type type;
	size_t slot;
	const char *why;	/* static text for the log */
};

/* Set up cfg->n DEAD slots that may spawn at once. */
void pool_init(struct pool *p, const struct pool_cfg *cfg, int64_t now);
void pool_release(struct pool *p);
/* Take new timings (the slot count stays). */
void pool_set_cfg(struct pool *p, const struct pool_cfg *cfg);
/* A SPAWN action was carried out: the child runs as pid with channel fd. */
void pool_spawned(struct pool *p, size_t i, pid_t pid, int fd, int64_t now);
/* A SPAWN action failed (fork or socketpair): back off as for a quick death. */
void pool_spawn_failed(struct pool *p, size_t i, int64_t now);
/*
 * READY arrived.  E_PROTO if the slot was not SPAWNING (a DRAINING slot
 * is fine: STOP crossed READY).
 */
MUST_CHECK int pool_ready(struct pool *p, size_t i, int64_t now);
/* The first IDLE slot, or -1.  Slots due for replacement come last. */
ssize_t pool_idle(const struct pool *p);
/* How many slots are in state s. */
size_t pool_count(const struct pool *p, enum pool_state s);
/* A JOB was sent to an IDLE slot.  E_CONFLICT if it was not IDLE. */
MUST_CHECK int pool_assign(struct pool *p, size_t i, uint64_t job,
	int64_t deadline, int64_t now);
/*
 * DONE arrived for job.  BUSY -> IDLE (DRAINING stays DRAINING, without
 * the job).  E_PROTO if the slot had no job or another one.
 */
MUST_CHECK int pool_done(struct pool *p, size_t i, uint64_t job, int64_t now);
/* Decide to SIGKILL the slot (for instance after a bad message). */
void pool_kill(struct pool *p, size_t i, const char *why);
/*
 * The slot's process said it leaves on purpose (a FastCGI child recycling
 * after fcgi.max_requests exits 0): its exit is neither a death nor a
 * quick death, and the slot is respawned at once.
 */
void pool_retired(struct pool *p, size_t i);
/* The slot of a pid, or -1. */
ssize_t pool_find_pid(const struct pool *p, pid_t pid);
/*
 * The slot's process exited.  Returns the job that was in flight (0 none)
 * and, in *why, the kill reason if the pool had decided the kill (NULL
 * otherwise).  The slot becomes DEAD with its respawn time set.
 */
uint64_t pool_exited(struct pool *p, size_t i, int64_t now, const char **why);
/* Replace every process, one at a time, as soon as each is idle. */
void pool_reload(struct pool *p);
/* Stop everything: STOP to each live slot, KILL after stop_timeout. */
void pool_stop(struct pool *p, int64_t now);
/* True once stopping and every slot is DEAD. */
bool pool_stopped(const struct pool *p);
/*
 * The actions due at now, at most max of them (call again if it returns
 * max).  Each action is handed out once.
 */
size_t pool_tick(struct pool *p, int64_t now, struct pool_action *out,
	size_t max);
/* What the owner does for each action (pool_run()). */
struct pool_handlers {
	void (*spawn)(void *ctx, size_t slot, int64_t now);	/* SPAWN */
	void (*stop)(void *ctx, size_t slot);			/* STOP */
	void (*kill)(void *ctx, size_t slot, const char *why);	/* KILL */
};
/*
 * Run pool_tick() at now until no action is left and hand each action to
 * its handler (which does the fork / send / kill: pool.c does none).
 */
void pool_run(struct pool *p, int64_t now, const struct pool_handlers *h,
	void *ctx);
/* Milliseconds until the next timed event (>= 0), or -1 if none. */
int64_t pool_next_wake(const struct pool *p, int64_t now);
/* Name of a state ("IDLE"). */
const char *pool_state_name(enum pool_state s);

#endif
