/*
 * main.c - ember-workers: the supervisor of the ingestion worker pool.
 *
 * NOTES
 *
 * Processes.  The supervisor forks workers.count workers plus two queue
 * children (poller.h): the receiver long-polls the queue, the acker
 * deletes / retries / dead-letters.  Each child talks to the supervisor
 * over its own SOCK_SEQPACKET socketpair with msgpack messages (proto.h).
 * The supervisor itself never touches the network or the database: its
 * loop is ppoll() over the channels, so it always notices signals, exits
 * and deadlines at once.
 *
 * Flow of a message.  When workers are idle and the receiver is idle,
 * the supervisor sends FETCH n (n = idle workers - pending), so the
 * receiver never takes more messages than can start now (back-pressure;
 * nothing queues up inside the supervisor).  Each MSG becomes a pending
 * job, handed as JOB to one idle worker.  The worker's DONE carries a
 * verdict; dispatch.c turns it into delete / retry with back-off /
 * dead-letter, which goes to the acker as an ACK (buffered in an outbox
 * while the acker's socket is full or it is being respawned).  A worker
 * that dies with a job, or is SIGKILLed at the job's deadline, makes the
 * job a retry (or a dead letter once max_receives is reached).
 *
 * Signals.  SIGCHLD, SIGTERM, SIGINT and SIGHUP only bump counters
 * (proc.c) and are unblocked only inside ppoll().  After every wake-up:
 * read the monotonic clock once, act on new signals, reap, read the
 * channels, run the pools' state machines, hand out jobs, flush ACKs.
 *
 * Shutdown.  SIGTERM (or SIGINT): stop the receiver, hand pending jobs
 * back, STOP every worker (each finishes its job), then, when workers
 * and receiver are gone and every ACK has been written to the acker,
 * STOP the acker; exit 0.  Anything still alive after
 * workers.shutdown_timeout is SIGKILLed.  A second SIGTERM/SIGINT kills
 * everything at once and exits 1.
 *
 * Reload.  SIGHUP parses the configuration into a new struct; if it is
 * valid it replaces the old one and every child is replaced, one worker
 * at a time and only when idle, so no job is dropped.  workers.count
 * needs a restart.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "cfg.h"
#include "chan.h"
#include "dispatch.h"
#include "log.h"
#include "mem.h"
#include "poller.h"
#include "pool.h"
#include "proc.h"
#include "proto.h"
#include "utc.h"
#include "retention.h"
#include "worker.h"

#define FETCH_GRACE_S 120	/* a FETCH may take wait + this before a kill */
#define READY_TIMEOUT_MS 60000	/* time a child has to connect and say READY */
#define RESPAWN_MAX_MS 60000

enum role { ROLE_WORKER, ROLE_RECEIVER, ROLE_ACKER };

struct frame {
	struct buf b;
	struct frame *next;
};

struct sup {
	struct cfg cfg;
	const char *cfg_path;
	struct pool pools[3];		/* by enum role */
	struct dispatch d;
	struct frame *out_head;		/* ACKs not yet sent to the acker */
	struct frame **out_tail;
	size_t out_n;
	bool draining;
	int64_t drain_started;
	uint64_t fetch_seq;
	int64_t started_ms;
	int64_t started_wall;
	/* queue numbers from the receiver's last STATS */
	struct msg qstats;
	bool have_qstats;
	/* periodic report */
	int64_t next_report;
	int64_t next_stats;		/* when to ask the receiver for STATS */
	int64_t last_report;
	uint64_t last_finished;
	double rate;
	uint64_t proto_errors;
	bool status_failing;		/* status file write failed (logged once) */
	unsigned long seen[65];		/* handled signal counts */
	sigset_t waitmask;
};

static const char *const role_names[] = { "worker", "receiver", "acker" };

/* Print usage. */
static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ember-workers [-c FILE] [-t]\n"
		"  -c FILE  configuration file (default: none; environment "
		"EMBER_* overrides)\n"
		"  -t       check the configuration and exit\n");
}

/* Pool configuration for a role from the current config. */
static void
pool_cfg_for(const struct cfg *cfg, enum role r, struct pool_cfg *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->n = r == ROLE_WORKER ? cfg->workers.count : 1;
	pc->respawn_min = (int64_t)cfg->workers.respawn_min * 1000;
	pc->respawn_max = RESPAWN_MAX_MS;
	pc->spawn_timeout = READY_TIMEOUT_MS;
	pc->stop_timeout = (int64_t)cfg->workers.shutdown_timeout * 1000;
}

/* Dispatch configuration from the current config. */
static void
dispatch_cfg_for(const struct cfg *cfg, struct dispatch_cfg *dc)
{
	dc->max_receives = cfg->queue.max_receives;
	dc->retry_base = cfg->workers.retry_base;
	dc->retry_max = cfg->workers.retry_max;
}

/* Apply the log settings of a configuration. */
static void
apply_log(const struct cfg *cfg)
{
	enum log_level lvl;

	if (log_level_parse(cfg->log.level, &lvl))
		log_set_level(lvl);
	if (log_open(cfg->log.file) != E_OK)
		log_errno("cannot open log file \"%s\", using stderr",
			cfg->log.file);
}

/* Queue an encoded ACK for the acker. */
static void
outbox_add(struct sup *s, const struct msg *m)
{
	struct frame *f = xcalloc(1, sizeof(*f));

	buf_init(&f->b, PROTO_MAX);
	if (proto_encode(&f->b, m) != E_OK) {
		/* Cannot happen: bodies came in frames of the same cap. */
		log_error("msg=%s: ACK does not encode, dropping it "
			"(the message will be received again)", m->mid);
		buf_release(&f->b);
		free(f);
		return;
	}
	*s->out_tail = f;
	s->out_tail = &f->next;
	s->out_n++;
}

/* Send what the acker's socket takes now. */
static void
outbox_flush(struct sup *s)
{
	struct pool_slot *a = &s->pools[ROLE_ACKER].slots[0];

	while (s->out_head && a->state == POOL_IDLE && a->fd >= 0) {
		struct frame *f = s->out_head;
		int rc = chan_send(a->fd, f->b.data, f->b.len, CHAN_NOWAIT);

		if (rc == E_TIMEOUT)
			return;
		if (rc) {
			log_warn("acker channel: %s", err_str(rc));
			pool_kill(&s->pools[ROLE_ACKER], 0, "channel failed");
			return;
		}
		s->out_head = f->next;
		if (!s->out_head)
			s->out_tail = &s->out_head;
		s->out_n--;
		buf_release(&f->b);
		free(f);
	}
}

/* Send the decision for job j to the acker and forget j. */
static void
finish_job(struct sup *s, struct dispatch_job *j,
	const struct dispatch_decision *dec)
{
	struct msg ack;

	dispatch_ack_msg(j, dec, &ack);
	outbox_add(s, &ack);
	dispatch_remove(&s->d, j);
}

/* Close every supervisor-side channel (in a new child). */
static void
close_channels(struct sup *s)
{
	size_t r, i;

	for (r = 0; r < ARRAY_SIZE(s->pools); r++)
		for (i = 0; i < s->pools[r].cfg.n; i++)
			if (s->pools[r].slots[i].fd >= 0)
				close(s->pools[r].slots[i].fd);
}

/*
 * Fork a child for slot i of a role (a SPAWN action).  Note that the
 * child closes every channel of the supervisor (so a worker's EOF really
 * means "supervisor gone") but no other descriptor: the log file's fd
 * belongs to log.c and must stay, and the supervisor opens nothing else.
 */
static void
spawn(struct sup *s, enum role r, size_t i, int64_t now)
{
	struct pool *p = &s->pools[r];
	pid_t parent = getpid(), pid;
	int fds[2];

	if (chan_pair(fds) != E_OK) {
		log_errno("socketpair for %s slot %zu", role_names[r], i);
		pool_spawn_failed(p, i, now);
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_errno("fork for %s slot %zu", role_names[r], i);
		close(fds[0]);
		close(fds[1]);
		pool_spawn_failed(p, i, now);
		return;
	}
	if (pid == 0) {
		int code;

		close(fds[0]);
		close_channels(s);
		proc_child_reset();
		if (!proc_pdeathsig(SIGTERM, parent))
			_exit(0);
		if (r == ROLE_WORKER)
			code = worker_main(fds[1], &s->cfg);
		else
			code = poller_main(fds[1], &s->cfg, r == ROLE_RECEIVER ?
				POLLER_RECEIVER : POLLER_ACKER);
		_exit(code);
	}
	close(fds[1]);
	pool_spawned(p, i, pid, fds[0], now);
	log_debug("%s[%ld] slot %zu started", role_names[r], (long)pid, i);
}

/* Carry out the actions the pools decided. */
static void
run_actions(struct sup *s, int64_t now)
{
	struct pool_action acts[16];
	size_t r, n, k;

	for (r = 0; r < ARRAY_SIZE(s->pools); r++) {
		struct pool *p = &s->pools[r];

		do {
			n = pool_tick(p, now, acts, ARRAY_SIZE(acts));
			for (k = 0; k < n; k++) {
				struct pool_slot *sl = &p->slots[acts[k].slot];
				struct msg stop = { .type = PROTO_STOP };

				switch (acts[k].type) {
				case POOL_ACT_SPAWN:
					spawn(s, (enum role)r, acts[k].slot,
						now);
					break;
				case POOL_ACT_STOP:
					if (sl->fd < 0 || chan_send_msg(sl->fd,
					    &stop, CHAN_NOWAIT) != E_OK)
						pool_kill(p, acts[k].slot,
							"cannot send STOP");
					break;
				case POOL_ACT_KILL:
					log_warn("%s[%ld] slot %zu: %s, "
						"killing it", role_names[r],
						(long)sl->pid, acts[k].slot,
						acts[k].why);
					if (sl->pid > 0)
						(void)kill(sl->pid, SIGKILL);
					break;
				}
			}
		} while (n == ARRAY_SIZE(acts));
	}
}

/* A child exited: update its pool, and retry the job it held. */
static void
on_exit_status(struct sup *s, pid_t pid, int status, int64_t now)
{
	char text[128];
	size_t r;

	proc_status_text(status, text, sizeof(text));
	for (r = 0; r < ARRAY_SIZE(s->pools); r++) {
		struct pool *p = &s->pools[r];
		ssize_t i = pool_find_pid(p, pid);
		const char *why = NULL;
		char again[64];
		int64_t delay;
		uint64_t job;
		bool asked;

		if (i < 0)
			continue;
		asked = p->slots[i].stop_sent && !p->slots[i].kill_sent;
		if (p->slots[i].fd >= 0)
			close(p->slots[i].fd);
		p->slots[i].fd = -1;
		job = pool_exited(p, (size_t)i, now, &why);
		delay = p->stopping ? 0 : p->slots[i].respawn_at - now;
		if (delay > 0)
			snprintf(again, sizeof(again), ", respawning in %lld ms",
				(long long)delay);
		else
			again[0] = '\0';
		if (asked && proc_status_code(status) == 0)
			log_debug("%s[%ld] slot %zd %s", role_names[r],
				(long)pid, i, text);
		else
			log_msg(why || !asked ? LOG_LVL_WARN : LOG_LVL_INFO,
				"%s[%ld] slot %zd %s%s%s%s", role_names[r],
				(long)pid, i, text, why ? " after: " : "",
				why ? why : "", again);
		if (job && r == ROLE_WORKER) {
			struct dispatch_job *j = dispatch_find(&s->d, job);
			struct dispatch_decision dec;
			char reason[256];
			bool timeout = why && strcmp(why,
				"job deadline passed") == 0;

			if (!j)
				return;
			if (timeout)
				snprintf(reason, sizeof(reason), "job deadline "
					"of %u s passed, worker killed",
					s->cfg.workers.job_timeout);
			else if (why)
				snprintf(reason, sizeof(reason),
					"worker killed during the job (%s)",
					why);
			else
				snprintf(reason, sizeof(reason),
					"worker %s during the job", text);
			dispatch_lost(&s->d, j, reason, timeout, &dec);
			finish_job(s, j, &dec);
		}
		return;
	}
	log_debug("unknown child %ld %s", (long)pid, text);
}

/* Give every pending (unassigned) job back to the queue. */
static void
return_pending(struct sup *s)
{
	struct dispatch_job *j;
	struct dispatch_decision dec;

	while ((j = dispatch_pending(&s->d)) != NULL) {
		dispatch_return(&s->d, j, &dec);
		finish_job(s, j, &dec);
	}
}

/* A message from a worker. */
static void
on_worker_msg(struct sup *s, size_t i, const struct msg *m, int64_t now)
{
	struct pool *p = &s->pools[ROLE_WORKER];
	struct dispatch_job *j;
	struct dispatch_decision dec;

	switch (m->type) {
	case PROTO_READY:
		if (pool_ready(p, i, now) != E_OK)
			pool_kill(p, i, "unexpected READY");
		return;
	case PROTO_DONE:
		j = dispatch_find(&s->d, m->id);
		if (!j || pool_done(p, i, m->id, now) != E_OK) {
			pool_kill(p, i, "DONE for a job it does not hold");
			return;
		}
		dispatch_answer(&s->d, j, m, &dec);
		log_debug("job=%llu msg=%s %s in %lld ms",
			(unsigned long long)j->id, j->mid,
			dec.op == PROTO_OP_DELETE ? "done" :
			dec.op == PROTO_OP_RETRY ? "retry" : "dead",
			(long long)m->ms);
		finish_job(s, j, &dec);
		return;
	default:
		pool_kill(p, i, "unexpected message type");
		return;
	}
}

/* A message from the receiver. */
static void
on_receiver_msg(struct sup *s, const struct msg *m, int64_t now)
{
	struct pool *p = &s->pools[ROLE_RECEIVER];
	struct dispatch_job *j;
	struct dispatch_decision dec;
	bool dead;

	switch (m->type) {
	case PROTO_READY:
		if (pool_ready(p, 0, now) != E_OK)
			pool_kill(p, 0, "unexpected READY");
		return;
	case PROTO_MSG:
		j = dispatch_intake(&s->d, m, now, &dec, &dead);
		if (dead) {
			log_warn("msg=%s: %s", j->mid, dec.why);
			finish_job(s, j, &dec);
		} else if (s->draining) {
			dispatch_return(&s->d, j, &dec);
			finish_job(s, j, &dec);
		}
		return;
	case PROTO_FETCHED:
		if (pool_done(p, 0, m->id, now) != E_OK)
			pool_kill(p, 0, "FETCHED without FETCH");
		return;
	case PROTO_STATS:
		s->qstats = *m;
		s->qstats.why = NULL;
		s->have_qstats = m->err == E_OK;
		return;
	default:
		pool_kill(p, 0, "unexpected message type");
		return;
	}
}

/* A message from the acker (only READY is expected). */
static void
on_acker_msg(struct sup *s, const struct msg *m, int64_t now)
{
	struct pool *p = &s->pools[ROLE_ACKER];

	if (m->type != PROTO_READY || pool_ready(p, 0, now) != E_OK)
		pool_kill(p, 0, "unexpected message");
}

/* Read every message waiting on one child's channel. */
static void
read_channel(struct sup *s, enum role r, size_t i, struct arena *a,
	int64_t now)
{
	struct pool *p = &s->pools[r];
	struct msg m;
	int rc;

	for (;;) {
		struct pool_slot *sl = &p->slots[i];

		if (sl->fd < 0)
			return;
		if (sl->kill_sent) {
			/* Being killed: whatever it says no longer counts. */
			close(sl->fd);
			sl->fd = -1;
			return;
		}
		arena_reset(a);
		rc = chan_recv_msg(sl->fd, a, &m, CHAN_NOWAIT);
		if (rc == E_TIMEOUT)
			return;
		if (rc == E_STOP || rc == E_IO) {
			/* The child is going away; SIGCHLD follows. */
			close(sl->fd);
			sl->fd = -1;
			return;
		}
		if (rc == E_PROTO) {
			s->proto_errors++;
			log_error("%s[%ld] slot %zu sent a corrupt message",
				role_names[r], (long)sl->pid, i);
			pool_kill(p, i, "corrupt message");
			return;
		}
		if (r == ROLE_WORKER)
			on_worker_msg(s, i, &m, now);
		else if (r == ROLE_RECEIVER)
			on_receiver_msg(s, &m, now);
		else
			on_acker_msg(s, &m, now);
	}
}

/* Hand pending jobs to idle workers. */
static void
assign_jobs(struct sup *s, int64_t now)
{
	struct pool *p = &s->pools[ROLE_WORKER];
	struct dispatch_job *j;
	ssize_t i;

	while ((j = dispatch_pending(&s->d)) != NULL &&
	    (i = pool_idle(p)) >= 0) {
		int64_t deadline = now +
			(int64_t)s->cfg.workers.job_timeout * 1000;
		struct msg m = {
			.type = PROTO_JOB, .id = j->id, .mid = j->mid,
			.rcpt = j->rcpt, .body = j->body,
			.body_len = j->body_len, .rc = j->rc, .sent = j->sent,
			.deadline = deadline,
		};
		int rc = chan_send_msg(p->slots[i].fd, &m, CHAN_NOWAIT);

		if (rc) {
			log_warn("worker[%ld] slot %zd: cannot send job: %s",
				(long)p->slots[i].pid, i, err_str(rc));
			pool_kill(p, (size_t)i, "cannot send job");
			continue;
		}
		if (pool_assign(p, (size_t)i, j->id, deadline, now) != E_OK)
			ASSERT(!"idle slot refused a job");
		j->slot = i;
	}
}

/* Ask the receiver for as many messages as idle workers can start. */
static void
request_fetch(struct sup *s, int64_t now)
{
	struct pool *rp = &s->pools[ROLE_RECEIVER];
	size_t idle = pool_count(&s->pools[ROLE_WORKER], POOL_IDLE);
	size_t pending = dispatch_npending(&s->d), want = 0;
	bool stats_due;
	struct msg m = { .type = PROTO_FETCH };

	if (s->draining || rp->slots[0].state != POOL_IDLE)
		return;
	if (idle > pending)
		want = idle - pending;
	if (want > s->cfg.queue.batch)
		want = s->cfg.queue.batch;
	if (want > 10)
		want = 10;
	stats_due = now >= s->next_stats;
	if (want == 0 && !stats_due)
		return;
	s->next_stats = now + (int64_t)s->cfg.workers.status_interval * 1000;
	m.id = ++s->fetch_seq;
	m.n = (int64_t)want;
	if (chan_send_msg(rp->slots[0].fd, &m, CHAN_NOWAIT) != E_OK) {
		pool_kill(rp, 0, "cannot send FETCH");
		return;
	}
	if (pool_assign(rp, 0, m.id, now + ((int64_t)s->cfg.queue.wait +
	    FETCH_GRACE_S) * 1000, now) != E_OK)
		ASSERT(!"idle receiver refused a fetch");
}

/* Begin draining (first SIGTERM / SIGINT). */
static void
start_drain(struct sup *s, const char *sig, pid_t from, int64_t now)
{
	if (s->draining)
		return;
	log_info("%s from pid %ld: draining (%zu jobs in flight, up to %u s)",
		sig, (long)from, s->d.n, s->cfg.workers.shutdown_timeout);
	s->draining = true;
	s->drain_started = now;
	pool_stop(&s->pools[ROLE_RECEIVER], now);
	pool_stop(&s->pools[ROLE_WORKER], now);
	return_pending(s);
}

/* Load the configuration again and swap it in if valid (SIGHUP). */
static void
reload(struct sup *s, pid_t from)
{
	struct cfg nc;
	struct pool_cfg pc;
	struct dispatch_cfg dc;
	char err[512];
	size_t r;

	log_info("SIGHUP from pid %ld: reloading configuration", (long)from);
	log_reopen();
	if (cfg_load(&nc, s->cfg_path, err, sizeof(err)) != E_OK) {
		log_error("reload failed, keeping the old configuration: %s",
			err);
		return;
	}
	if (nc.workers.count != s->cfg.workers.count) {
		log_warn("workers.count changes from %u to %u only on restart",
			s->cfg.workers.count, nc.workers.count);
		nc.workers.count = s->cfg.workers.count;
	}
	cfg_release(&s->cfg);
	s->cfg = nc;
	apply_log(&s->cfg);
	for (r = 0; r < ARRAY_SIZE(s->pools); r++) {
		pool_cfg_for(&s->cfg, (enum role)r, &pc);
		pool_set_cfg(&s->pools[r], &pc);
		pool_reload(&s->pools[r]);
	}
	dispatch_cfg_for(&s->cfg, &dc);
	s->d.cfg = dc;
}

/* Write the status file atomically (temp file + rename). */
static void
write_status(struct sup *s, int64_t now, const char *state)
{
	const char *path = s->cfg.workers.status_file;
	const struct dispatch_counters *c = &s->d.c;
	json_t *root, *workers, *q, *rs, *as;
	char tmp[4096], ts[40];
	size_t i;
	int rc;

	if (!path || !*path)
		return;
	workers = json_array();
	for (i = 0; i < s->pools[ROLE_WORKER].cfg.n; i++) {
		const struct pool_slot *sl = &s->pools[ROLE_WORKER].slots[i];

		json_array_append_new(workers, json_pack(
			"{s:I, s:I, s:s, s:I, s:I, s:I}",
			"slot", (json_int_t)i, "pid", (json_int_t)sl->pid,
			"state", pool_state_name(sl->state),
			"job", (json_int_t)sl->job,
			"job_ms",
			(json_int_t)(sl->job ? now - sl->job_started : 0),
			"quick_deaths", (json_int_t)sl->quick_deaths));
	}
	rs = json_pack("{s:I, s:s}",
		"pid", (json_int_t)s->pools[ROLE_RECEIVER].slots[0].pid,
		"state", pool_state_name(s->pools[ROLE_RECEIVER].slots[0].state));
	as = json_pack("{s:I, s:s}",
		"pid", (json_int_t)s->pools[ROLE_ACKER].slots[0].pid,
		"state", pool_state_name(s->pools[ROLE_ACKER].slots[0].state));
	if (s->have_qstats)
		q = json_pack("{s:I, s:I, s:I, s:I}",
			"visible", (json_int_t)s->qstats.visible,
			"in_flight", (json_int_t)s->qstats.inflight,
			"dead", (json_int_t)s->qstats.dead,
			"lag_s", (json_int_t)s->qstats.age);
	else
		q = json_null();
	if (utc_format(utc_now_usec(), UTC_FMT_Z, ts, sizeof(ts)) != E_OK)
		ts[0] = '\0';
	root = json_pack("{s:I, s:s, s:s, s:I, s:I, s:f, s:I, s:I, s:o, s:o,"
		" s:o, s:I, s:o,"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
		" s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
		"pid", (json_int_t)getpid(),
		"state", state,
		"updated_at", ts,
		"uptime_s", (json_int_t)((now - s->started_ms) / 1000),
		"generation", (json_int_t)s->pools[ROLE_WORKER].generation,
		"rate_per_s", s->rate,
		"in_flight", (json_int_t)(s->d.n - dispatch_npending(&s->d)),
		"pending", (json_int_t)dispatch_npending(&s->d),
		"workers", workers,
		"receiver", rs,
		"acker", as,
		"acks_pending", (json_int_t)s->out_n,
		"queue", q,
		"counters",
		"received", (json_int_t)c->received,
		"done", (json_int_t)c->done,
		"retried", (json_int_t)c->retried,
		"dead_lettered", (json_int_t)c->dead,
		"returned", (json_int_t)c->returned,
		"adhoc", (json_int_t)c->adhoc,
		"continuous", (json_int_t)c->continuous,
		"no_html", (json_int_t)c->no_html,
		"stack_lines", (json_int_t)c->stacks,
		"bad_lines", (json_int_t)c->bad_lines,
		"crashed", (json_int_t)c->crashed,
		"timeouts", (json_int_t)c->timeouts,
		"spawns", (json_int_t)s->pools[ROLE_WORKER].spawns,
		"deaths", (json_int_t)s->pools[ROLE_WORKER].deaths,
		"kills", (json_int_t)s->pools[ROLE_WORKER].kills,
		"proto_errors", (json_int_t)s->proto_errors);
	if (!root) {
		log_error("status: cannot build the JSON");
		return;
	}
	/* the workers' retention counts (workers/retention.h) */
	snprintf(tmp, sizeof(tmp), "%s" RETENTION_STATUS_SUFFIX, path);
	json_object_set_new(root, "retention", json_load_file(tmp, 0, NULL));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	rc = json_dump_file(root, tmp, JSON_COMPACT);
	json_decref(root);
	if (rc != 0 || rename(tmp, path) != 0) {
		if (!s->status_failing)
			log_errno("cannot write status file \"%s\", "
				"retrying quietly", path);
		s->status_failing = true;
		(void)unlink(tmp);
	} else if (s->status_failing) {
		log_info("status file \"%s\" written again", path);
		s->status_failing = false;
	}
}

/* The periodic log line and status file. */
static void
report(struct sup *s, int64_t now, const char *state)
{
	const struct dispatch_counters *c = &s->d.c;
	uint64_t finished = c->done + c->retried + c->dead;
	int64_t span = now - s->last_report;

	if (span > 0)
		s->rate = (double)(finished - s->last_finished) * 1000.0 /
			(double)span;
	s->last_finished = finished;
	s->last_report = now;
	s->next_report = now + (int64_t)s->cfg.workers.status_interval * 1000;
	log_info("%s: done=%llu retried=%llu dead=%llu in_flight=%zu "
		"rate=%.1f/s queue=%lld lag=%llds workers=%zu/%zu busy",
		state, (unsigned long long)c->done,
		(unsigned long long)c->retried, (unsigned long long)c->dead,
		s->d.n, s->rate,
		(long long)(s->have_qstats ? s->qstats.visible : -1),
		(long long)(s->have_qstats ? s->qstats.age : -1),
		pool_count(&s->pools[ROLE_WORKER], POOL_BUSY),
		(size_t)s->pools[ROLE_WORKER].cfg.n);
	write_status(s, now, state);
}

/* Kill every child and wait for them (second SIGTERM / SIGINT). */
static void
kill_all(struct sup *s)
{
	size_t r, i;

	for (r = 0; r < ARRAY_SIZE(s->pools); r++)
		for (i = 0; i < s->pools[r].cfg.n; i++)
			if (s->pools[r].slots[i].pid > 0)
				(void)kill(s->pools[r].slots[i].pid, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

/* Act on signals that arrived since the last look. */
static bool
handle_signals(struct sup *s, int64_t now)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	unsigned long n;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(sigs); k++) {
		int sig = sigs[k];
		unsigned long prev = s->seen[sig];

		n = proc_sig_count(sig);
		if (n == prev)
			continue;
		s->seen[sig] = n;
		if (!s->draining) {
			start_drain(s, sig == SIGTERM ? "SIGTERM" : "SIGINT",
				proc_sig_sender(sig), now);
			if (n - prev < 2)
				continue;
		}
		log_warn("second %s from pid %ld: killing every child now",
			sig == SIGTERM ? "SIGTERM" : "SIGINT",
			(long)proc_sig_sender(sig));
		kill_all(s);
		return false;
	}
	n = proc_sig_count(SIGHUP);
	if (n != s->seen[SIGHUP]) {
		s->seen[SIGHUP] = n;
		if (!s->draining)
			reload(s, proc_sig_sender(SIGHUP));
	}
	return true;
}

/* Stop the acker once nothing more can reach it. */
static void
drain_progress(struct sup *s, int64_t now)
{
	if (!s->draining || s->pools[ROLE_ACKER].stopping)
		return;
	if (pool_stopped(&s->pools[ROLE_WORKER]) &&
	    pool_stopped(&s->pools[ROLE_RECEIVER]) &&
	    s->out_head == NULL) {
		ASSERT(s->d.n == 0);
		pool_stop(&s->pools[ROLE_ACKER], now);
	} else if (now - s->drain_started >
	    (int64_t)s->cfg.workers.shutdown_timeout * 1000 + 5000 &&
	    pool_stopped(&s->pools[ROLE_WORKER]) &&
	    pool_stopped(&s->pools[ROLE_RECEIVER])) {
		log_warn("%zu ACKs never reached the acker; their messages "
			"will be received again", s->out_n);
		pool_stop(&s->pools[ROLE_ACKER], now);
	}
}

/* Milliseconds ppoll() may sleep. */
static int64_t
next_timeout(struct sup *s, int64_t now)
{
	int64_t t = s->next_report - now, w;
	size_t r;

	for (r = 0; r < ARRAY_SIZE(s->pools); r++) {
		w = pool_next_wake(&s->pools[r], now);
		if (w >= 0 && w < t)
			t = w;
	}
	if (s->draining && t > 500)
		t = 500;
	return t < 0 ? 0 : t;
}

/* The supervisor loop; returns the exit code. */
static int
supervise(struct sup *s)
{
	struct arena a;
	struct pollfd pfds[1100];
	struct { enum role r; size_t i; } who[1100];
	int code = 0;

	arena_init(&a, 0);
	for (;;) {
		int64_t now = utc_mono_ms(), t;
		struct proc_exit ex[64];
		struct timespec ts;
		size_t n, k, r, i, np = 0;

		if (!handle_signals(s, now)) {
			code = 1;
			break;
		}
		while ((n = proc_reap(ex, ARRAY_SIZE(ex))) > 0) {
			for (k = 0; k < n; k++)
				on_exit_status(s, ex[k].pid, ex[k].status, now);
			if (n < ARRAY_SIZE(ex))
				break;
		}
		drain_progress(s, now);
		run_actions(s, now);
		assign_jobs(s, now);
		request_fetch(s, now);
		outbox_flush(s);
		if (s->draining && pool_stopped(&s->pools[ROLE_WORKER]) &&
		    pool_stopped(&s->pools[ROLE_RECEIVER]) &&
		    pool_stopped(&s->pools[ROLE_ACKER]))
			break;
		if (now >= s->next_report)
			report(s, now, s->draining ? "draining" : "running");
		for (r = 0; r < ARRAY_SIZE(s->pools); r++) {
			for (i = 0; i < s->pools[r].cfg.n; i++) {
				const struct pool_slot *sl =
					&s->pools[r].slots[i];

				if (sl->fd < 0 || np >= ARRAY_SIZE(pfds))
					continue;
				pfds[np].fd = sl->fd;
				pfds[np].events = POLLIN;
				if (r == ROLE_ACKER && s->out_head &&
				    sl->state == POOL_IDLE)
					pfds[np].events |= POLLOUT;
				pfds[np].revents = 0;
				who[np].r = (enum role)r;
				who[np].i = i;
				np++;
			}
		}
		t = next_timeout(s, now);
		ts.tv_sec = (time_t)(t / 1000);
		ts.tv_nsec = (long)(t % 1000) * 1000000;
		if (ppoll(pfds, np, &ts, &s->waitmask) < 0) {
			if (errno != EINTR)
				log_errno("ppoll");
			continue;
		}
		now = utc_mono_ms();
		for (k = 0; k < np; k++)
			if (pfds[k].revents & (POLLIN | POLLHUP | POLLERR))
				read_channel(s, who[k].r, who[k].i, &a, now);
	}
	arena_release(&a);
	return code;
}

/* Entry point: options, configuration, signals, pools, loop. */
int
main(int argc, char **argv)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct sup s;
	struct pool_cfg pc;
	struct dispatch_cfg dc;
	struct sigaction ign;
	char err[512];
	bool check = false;
	size_t r;
	int c, code;

	memset(&s, 0, sizeof(s));
	log_set_role("supervisor");
	while ((c = getopt(argc, argv, "c:th")) != -1) {
		switch (c) {
		case 'c':
			s.cfg_path = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (cfg_load(&s.cfg, s.cfg_path, err, sizeof(err)) != E_OK) {
		log_error("configuration: %s", err);
		return 2;
	}
	if (check) {
		printf("configuration ok\n");
		cfg_release(&s.cfg);
		return 0;
	}
	apply_log(&s.cfg);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	(void)sigaction(SIGPIPE, &ign, NULL);
	if (proc_sig_install(sigs, ARRAY_SIZE(sigs), &s.waitmask) != E_OK) {
		log_errno("cannot install signal handlers");
		return 1;
	}
	s.started_ms = utc_mono_ms();
	s.started_wall = utc_now_usec();
	s.out_tail = &s.out_head;
	for (r = 0; r < ARRAY_SIZE(s.pools); r++) {
		pool_cfg_for(&s.cfg, (enum role)r, &pc);
		pool_init(&s.pools[r], &pc, s.started_ms);
	}
	dispatch_cfg_for(&s.cfg, &dc);
	dispatch_init(&s.d, &dc);
	s.last_report = s.started_ms;
	s.next_report = s.started_ms + 1000;
	log_info("starting %u workers (queue %s, store %s)",
		s.cfg.workers.count,
		s.cfg.queue.backend == CFG_QUEUE_SQS ? "sqs" : "pg",
		s.cfg.store.backend == CFG_STORE_S3 ? "s3" : "fs");
	write_status(&s, s.started_ms, "starting");
	code = supervise(&s);
	report(&s, utc_mono_ms(), "stopped");
	log_info("stopped: done=%llu retried=%llu dead=%llu returned=%llu",
		(unsigned long long)s.d.c.done,
		(unsigned long long)s.d.c.retried,
		(unsigned long long)s.d.c.dead,
		(unsigned long long)s.d.c.returned);
	while (s.out_head) {
		struct frame *f = s.out_head;

		s.out_head = f->next;
		buf_release(&f->b);
		free(f);
	}
	dispatch_release(&s.d);
	for (r = 0; r < ARRAY_SIZE(s.pools); r++)
		pool_release(&s.pools[r]);
	cfg_release(&s.cfg);
	return code;
}
