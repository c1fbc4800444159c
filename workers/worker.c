/*
 * worker.c - READY, then JOB -> job_run() -> DONE until STOP or EOF.
 *
 * The worker blocks in recv(): it has nothing else to do, and EOF wakes
 * it the moment the supervisor dies (the death-pipe rule; the
 * PR_SET_PDEATHSIG set by the supervisor's fork helper is the backstop).
 * A job's deadline is enforced by the supervisor with SIGKILL, so a job
 * stuck in a system call cannot outlive it.
 */
#include "compat.h"

#include <stdio.h>
#include <unistd.h>

#include "arena.h"
#include "chan.h"
#include "log.h"
#include "retention.h"
#include "utc.h"
#include "worker.h"

/* Send the DONE for one job. */
static int
worker_answer(int fd, uint64_t id, const struct job_result *res, int64_t ms)
{
	struct msg m = {
		.type = PROTO_DONE, .id = id, .err = res->err,
		.verdict = res->verdict, .why = res->why[0] ? res->why : NULL,
		.ms = ms, .kind = res->kind, .stacks = (int64_t)res->stacks,
		.bad = (int64_t)res->bad, .samples = (int64_t)res->samples,
		.html = (int64_t)res->html,
	};

	return chan_send_msg(fd, &m, 0);
}

/* The message loop. */
int
worker_loop(int fd, const struct job_env *env)
{
	struct arena a;
	struct msg m = { .type = PROTO_READY, .pid = getpid() };
	struct job_result res;
	struct job_env je;
	struct retention rt;
	int code = WORKER_EXIT_OK, err;

	arena_init(&a, 0);
	retention_init(&rt);
	err = chan_send_msg(fd, &m, 0);
	if (err) {
		code = err == E_STOP ? WORKER_EXIT_OK : WORKER_EXIT_IO;
		goto out;
	}
	for (;;) {
		int64_t t0;

		arena_reset(&a);
		retention_wait(&rt, env, fd);
		err = chan_recv_msg(fd, &a, &m, 0);
		if (err == E_STOP)
			break;
		if (err == E_PROTO) {
			log_error("bad message from the supervisor, exiting");
			code = WORKER_EXIT_PROTO;
			break;
		}
		if (err) {
			log_error("channel: %s, exiting", err_str(err));
			code = WORKER_EXIT_IO;
			break;
		}
		if (m.type == PROTO_STOP)
			break;
		if (m.type != PROTO_JOB) {
			log_error("unexpected %s from the supervisor, exiting",
				proto_type_name(m.type));
			code = WORKER_EXIT_PROTO;
			break;
		}
		t0 = utc_mono_ms();
		je = *env;
		je.receive_count = m.rc > 0 ? (unsigned)m.rc : 0;
		job_run(&je, m.body, m.body_len, &res);
		if (res.verdict != PROTO_V_DONE)
			log_warn("job=%llu msg=%s: %s (%s)",
				(unsigned long long)m.id, m.mid, res.why,
				res.verdict == PROTO_V_POISON ? "poison" :
				"retry");
		else
			log_debug("job=%llu msg=%s done in %lld ms%s%s",
				(unsigned long long)m.id, m.mid,
				(long long)(utc_mono_ms() - t0),
				res.key[0] ? ": " : "", res.key);
		err = worker_answer(fd, m.id, &res, utc_mono_ms() - t0);
		if (err) {
			code = err == E_STOP ? WORKER_EXIT_OK : WORKER_EXIT_IO;
			break;
		}
	}
out:
	arena_release(&a);
	return code;
}

/* Open the connections, then loop. */
int
worker_main(int fd, const struct cfg *cfg)
{
	struct job_env env = {
		.cfg = &cfg->workers,
		.max_receives = cfg->queue.max_receives,
	};
	char err[512];
	size_t swept = 0;
	int code;

	log_set_role("worker");
	if (store_open(&cfg->store, &env.store, err, sizeof(err)) != E_OK) {
		log_error("cannot open the object store: %s", err);
		return WORKER_EXIT_INIT;
	}
	if (db_open(&cfg->db, &env.db, err, sizeof(err)) != E_OK) {
		log_error("cannot connect to the database: %s", err);
		store_free(env.store);
		return WORKER_EXIT_INIT;
	}
	env.samples = &cfg->samples;
	env.adhoc = &cfg->adhoc;
	if (cfg->samples.index &&
	    smp_open(cfg, &env.smp, err, sizeof(err)) != E_OK) {
		log_error("cannot open the sample store: %s", err);
		db_free(env.db);
		store_free(env.store);
		return WORKER_EXIT_INIT;
	}
	/* Writes killed mid-way (a job past its deadline) leave temporary
	 * files; any older than a job may run belongs to no live write. */
	if (store_sweep_tmp(env.store, cfg->workers.job_timeout, &swept) != E_OK)
		log_warn("store: sweeping temporary files: %s",
			store_errmsg(env.store));
	else if (swept)
		log_info("store: removed %zu stale temporary files", swept);
	code = worker_loop(fd, &env);
	smp_free(env.smp);
	db_free(env.db);
	store_free(env.store);
	return code;
}
