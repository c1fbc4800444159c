/*
 * test_pool.c - the slot state machine with plain numbers for time:
 * start, READY, jobs, deadline kill, respawn back-off, reload one at a
 * time, shutdown with STOP then KILL.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pool.h"

static const struct pool_cfg CFG = {
	.n = 2, .respawn_min = 1000, .respawn_max = 8000,
	.spawn_timeout = 5000, .stop_timeout = 3000,
};

/* Run a tick and return the count; actions in acts. */
static size_t
tick(struct pool *p, int64_t now, struct pool_action *acts)
{
	return pool_tick(p, now, acts, 8);
}

/* Spawn every slot at now and make it ready. */
static void
start_all(struct pool *p, int64_t now)
{
	struct pool_action acts[8];
	size_t n, i;

	n = tick(p, now, acts);
	assert_int_equal(n, p->cfg.n);
	for (i = 0; i < n; i++) {
		assert_int_equal(acts[i].type, POOL_ACT_SPAWN);
		pool_spawned(p, acts[i].slot, (pid_t)(100 + acts[i].slot),
			(int)(10 + acts[i].slot), now);
		assert_int_equal(p->slots[acts[i].slot].state, POOL_SPAWNING);
		assert_int_equal(pool_ready(p, acts[i].slot, now), E_OK);
	}
}

static void
test_start_and_jobs(void **state)
{
	struct pool p;
	struct pool_action acts[8];

	pool_init(&p, &CFG, 0);
	assert_int_equal(pool_count(&p, POOL_DEAD), 2);
	assert_int_equal(pool_idle(&p), -1);
	start_all(&p, 0);
	assert_int_equal(pool_count(&p, POOL_IDLE), 2);
	assert_int_equal(tick(&p, 10, acts), 0);
	assert_int_equal(pool_next_wake(&p, 10), -1);
	/* READY twice is a protocol error */
	assert_int_equal(pool_ready(&p, 0, 10), E_PROTO);
	assert_int_equal(pool_idle(&p), 0);
	assert_int_equal(pool_assign(&p, 0, 1, 500, 10), E_OK);
	assert_int_equal(pool_assign(&p, 0, 2, 500, 10), E_CONFLICT);
	assert_int_equal(pool_idle(&p), 1);
	assert_int_equal(pool_assign(&p, 1, 2, 900, 10), E_OK);
	assert_int_equal(pool_idle(&p), -1);
	assert_int_equal(pool_next_wake(&p, 100), 400);
	/* DONE for the wrong job is a protocol error; the right one frees */
	assert_int_equal(pool_done(&p, 0, 2, 20), E_PROTO);
	assert_int_equal(pool_done(&p, 0, 1, 20), E_OK);
	assert_int_equal(p.slots[0].state, POOL_IDLE);
	assert_int_equal(pool_done(&p, 0, 1, 20), E_PROTO);
	assert_int_equal(pool_find_pid(&p, 101), 1);
	assert_int_equal(pool_find_pid(&p, 999), -1);
	assert_int_equal(pool_find_pid(&p, 0), -1);
	pool_release(&p);
}

static void
test_deadline_kill(void **state)
{
	struct pool p;
	struct pool_action acts[8];
	const char *why = NULL;

	pool_init(&p, &CFG, 0);
	start_all(&p, 0);
	assert_int_equal(pool_assign(&p, 0, 42, 5000, 2000), E_OK);
	assert_int_equal(tick(&p, 4999, acts), 0);
	assert_int_equal(tick(&p, 5000, acts), 1);
	assert_int_equal(acts[0].type, POOL_ACT_KILL);
	assert_int_equal(acts[0].slot, 0);
	assert_string_equal(acts[0].why, "job deadline passed");
	/* handed out once only */
	assert_int_equal(tick(&p, 6000, acts), 0);
	assert_int_equal(p.kills, 1);
	/* the exit gives the job back with the reason; lived 6 s: no back-off */
	assert_int_equal(pool_exited(&p, 0, 6000, &why), 42);
	assert_string_equal(why, "job deadline passed");
	assert_int_equal(p.slots[0].state, POOL_DEAD);
	assert_int_equal(tick(&p, 6000, acts), 1);
	assert_int_equal(acts[0].type, POOL_ACT_SPAWN);
	pool_release(&p);
}

static void
test_respawn_backoff(void **state)
{
	struct pool p;
	struct pool_action acts[8];
	const char *why = "x";
	int64_t now = 0;
	int64_t want[] = { 1000, 2000, 4000, 8000, 8000 };
	size_t k;

	pool_init(&p, &CFG, 0);
	start_all(&p, 0);
	/* slot 0 crashes within respawn_min, again and again */
	for (k = 0; k < ARRAY_SIZE(want); k++) {
		assert_int_equal(pool_exited(&p, 0, now + 10, &why), 0);
		assert_null(why);
		assert_int_equal(p.slots[0].respawn_at, now + 10 + want[k]);
		assert_int_equal(pool_next_wake(&p, now + 10), want[k]);
		assert_int_equal(tick(&p, now + 10 + want[k] - 1, acts), 0);
		now = now + 10 + want[k];
		assert_int_equal(tick(&p, now, acts), 1);
		assert_int_equal(acts[0].type, POOL_ACT_SPAWN);
		pool_spawned(&p, 0, 200 + (pid_t)k, 20, now);
		assert_int_equal(pool_ready(&p, 0, now), E_OK);
	}
	assert_int_equal(p.deaths, ARRAY_SIZE(want));
	/* a long life resets the back-off */
	pool_exited(&p, 0, now + 5000, &why);
	assert_int_equal(p.slots[0].respawn_at, now + 5000);
	assert_int_equal(p.slots[0].quick_deaths, 0);
	/* a failed fork backs off too */
	pool_spawn_failed(&p, 0, now + 5000);
	assert_int_equal(p.slots[0].respawn_at, now + 6000);
	pool_release(&p);
}

static void
test_retired_no_backoff(void **state)
{
	struct pool p;
	struct pool_action acts[8];
	const char *why = "x";

	pool_init(&p, &CFG, 0);
	start_all(&p, 0);
	/* a quick crash backs off ... */
	pool_exited(&p, 0, 10, &why);
	assert_int_equal(p.slots[0].respawn_at, 1010);
	assert_int_equal(tick(&p, 1010, acts), 1);
	pool_spawned(&p, 0, 300, -1, 1010);
	assert_int_equal(pool_ready(&p, 0, 1010), E_OK);
	/* ... a planned exit (recycling) does not, however quick */
	pool_retired(&p, 0);
	assert_int_equal(pool_exited(&p, 0, 1020, &why), 0);
	assert_null(why);
	assert_int_equal(p.slots[0].respawn_at, 1020);
	assert_int_equal(p.slots[0].quick_deaths, 0);
	assert_int_equal(p.deaths, 1);
	assert_int_equal(tick(&p, 1020, acts), 1);
	assert_int_equal(acts[0].type, POOL_ACT_SPAWN);
	/* the mark does not outlive the process */
	pool_spawned(&p, 0, 301, -1, 1020);
	assert_false(p.slots[0].retired);
	pool_release(&p);
}

static void
test_spawn_timeout_and_bad_message(void **state)
{
	struct pool p;
	struct pool_action acts[8];
	size_t n;

	pool_init(&p, &CFG, 0);
	n = tick(&p, 0, acts);
	assert_int_equal(n, 2);
	pool_spawned(&p, 0, 100, 10, 0);
	pool_spawned(&p, 1, 101, 11, 0);
	assert_int_equal(pool_ready(&p, 1, 10), E_OK);
	assert_int_equal(tick(&p, 4999, acts), 0);
	assert_int_equal(tick(&p, 5000, acts), 1);
	assert_int_equal(acts[0].type, POOL_ACT_KILL);
	assert_string_equal(acts[0].why, "no READY in time");
	/* a bad message from slot 1 */
	pool_kill(&p, 1, "bad message");
	assert_int_equal(pool_next_wake(&p, 5000), 0);
	assert_int_equal(tick(&p, 5000, acts), 1);
	assert_int_equal(acts[0].slot, 1);
	assert_string_equal(acts[0].why, "bad message");
	pool_release(&p);
}

static void
test_reload_one_at_a_time(void **state)
{
	struct pool p;
	struct pool_action acts[8];
	const char *why;

	pool_init(&p, &CFG, 0);
	start_all(&p, 0);
	assert_int_equal(pool_assign(&p, 1, 9, 100000, 0), E_OK);
	pool_reload(&p);
	/* only the idle slot is replaced first */
	assert_int_equal(tick(&p, 10, acts), 1);
	assert_int_equal(acts[0].type, POOL_ACT_STOP);
	assert_int_equal(acts[0].slot, 0);
	assert_int_equal(p.slots[0].state, POOL_DRAINING);
	assert_int_equal(pool_idle(&p), -1);
	/* busy slot 1 finishes its job meanwhile, but waits its turn */
	assert_int_equal(pool_done(&p, 1, 9, 20), E_OK);
	assert_int_equal(tick(&p, 20, acts), 0);
	/* old idle slots still take jobs while waiting */
	assert_int_equal(pool_idle(&p), 1);
	/* slot 0 exits as asked: respawn at once, no back-off, not a death */
	assert_int_equal(pool_exited(&p, 0, 30, &why), 0);
	assert_int_equal(p.deaths, 0);
	assert_int_equal(tick(&p, 30, acts), 1);
	assert_int_equal(acts[0].type, POOL_ACT_SPAWN);
	pool_spawned(&p, 0, 300, 30, 30);
	assert_int_equal(tick(&p, 40, acts), 0);	/* not before READY */
	assert_int_equal(pool_ready(&p, 0, 50), E_OK);
	assert_int_equal(pool_idle(&p), 0);		/* new generation first */
	assert_int_equal(tick(&p, 60, acts), 1);
	assert_int_equal(acts[0].type, POOL_ACT_STOP);
	assert_int_equal(acts[0].slot, 1);
	pool_release(&p);
}

static void
test_stop_then_kill(void **state)
{
	struct pool p;
	struct pool_action acts[8];
	const char *why;
	size_t n;

	pool_init(&p, &CFG, 0);
	start_all(&p, 0);
	assert_int_equal(pool_assign(&p, 1, 5, 100000, 0), E_OK);
	pool_stop(&p, 1000);
	n = tick(&p, 1000, acts);
	assert_int_equal(n, 2);
	assert_int_equal(acts[0].type, POOL_ACT_STOP);
	assert_int_equal(acts[1].type, POOL_ACT_STOP);
	assert_int_equal(p.slots[1].state, POOL_DRAINING);
	assert_int_equal(p.slots[1].job, 5);
	/* the busy slot's DONE still counts while draining */
	assert_int_equal(pool_done(&p, 1, 5, 1500), E_OK);
	assert_int_equal(p.slots[1].job, 0);
	/* slot 0 exits; nothing respawns while stopping */
	assert_int_equal(pool_exited(&p, 0, 1600, &why), 0);
	assert_null(why);
	assert_int_equal(tick(&p, 1700, acts), 0);
	assert_false(pool_stopped(&p));
	/* slot 1 ignores STOP: killed at the shutdown deadline */
	assert_int_equal(pool_next_wake(&p, 1700), 2300);
	assert_int_equal(tick(&p, 4000, acts), 1);
	assert_int_equal(acts[0].type, POOL_ACT_KILL);
	assert_int_equal(acts[0].slot, 1);
	assert_int_equal(pool_exited(&p, 1, 4010, &why), 0);
	assert_true(pool_stopped(&p));
	assert_int_equal(pool_next_wake(&p, 4010), -1);
	pool_release(&p);
}

static void
test_state_names(void **state)
{
	assert_string_equal(pool_state_name(POOL_BUSY), "BUSY");
	assert_string_equal(pool_state_name(POOL_DRAINING), "DRAINING");
	assert_string_equal(pool_state_name((enum pool_state)77), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_and_jobs),
		cmocka_unit_test(test_deadline_kill),
		cmocka_unit_test(test_respawn_backoff),
		cmocka_unit_test(test_retired_no_backoff),
		cmocka_unit_test(test_spawn_timeout_and_bad_message),
		cmocka_unit_test(test_reload_one_at_a_time),
		cmocka_unit_test(test_stop_then_kill),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
