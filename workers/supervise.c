/*
 * supervise.c - the ember-workers supervisor loop (see supervise.h).
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
 * everything at once and exits 1.  A receiver in the middle of a long poll when the drain
 * begins is told to cut it short (POLLER_SIG_CANCEL), so an idle pool
 * stops at once instead of after queue.wait seconds.
 *
 * Reload.  SIGHUP parses the configuration into a new struct; if it is
 * valid it replaces the old one and every child is replaced, one worker
 * at a time and only when idle, so no job is dropped.  workers.count
 * needs a restart.
 */
#include "compat.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chan.h"
#include "jobflow.h"
#include "log.h"
#include "poller.h"
#include "report.h"
#include "supervise.h"
#include "utc.h"
#include "worker.h"

#define READY_TIMEOUT_MS 60000	/* time a child has to connect and say READY */

static const char *const role_names[SUP_NROLES] = {
	"worker", "receiver", "acker"
};

/* Name of a role. */
const char *
sup_role_name(enum sup_role r)
{
	return (size_t)r < ARRAY_SIZE(role_names) ? role_names[r] : "?";
}

/* Pool configuration for a role from the current config. */
static void
pool_cfg_for(const struct cfg *cfg, enum sup_role r, struct pool_cfg *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->n = r == SUP_WORKER ? cfg->workers.count : 1;
	pc->respawn_min = (int64_t)cfg->workers.respawn_min * 1000;
	pc->respawn_max = (int64_t)cfg->workers.respawn_max * 1000;
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
spawn(struct sup *s, enum sup_role r, size_t i, int64_t now)
{
	struct pool *p = &s->pools[r];
	pid_t parent = getpid(), pid;
	int fds[2];

	if (chan_pair(fds) != E_OK) {
		log_errno("socketpair for %s slot %zu", sup_role_name(r), i);
		pool_spawn_failed(p, i, now);
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_errno("fork for %s slot %zu", sup_role_name(r), i);
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
		if (r == SUP_WORKER)
			code = worker_main(fds[1], &s->cfg);
		else
			code = poller_main(fds[1], &s->cfg, r == SUP_RECEIVER ?
				POLLER_RECEIVER : POLLER_ACKER);
		_exit(code);
	}
	close(fds[1]);
	pool_spawned(p, i, pid, fds[0], now);
	log_debug("%s[%ld] slot %zu started", sup_role_name(r), (long)pid, i);
}

/* One pool of the supervisor, as the pool_run() handlers see it. */
struct sup_pool_ref {
	struct sup *s;
	enum sup_role r;
};

/* SPAWN action. */
static void
act_spawn(void *ctx, size_t i, int64_t now)
{
	struct sup_pool_ref *ref = ctx;

	spawn(ref->s, ref->r, i, now);
}

/* STOP action: a STOP message on the channel. */
static void
act_stop(void *ctx, size_t i)
{
	struct sup_pool_ref *ref = ctx;
	struct pool *p = &ref->s->pools[ref->r];
	struct pool_slot *sl = &p->slots[i];
	struct msg stop = { .type = PROTO_STOP };

	if (sl->fd < 0 || chan_send_msg(sl->fd, &stop, CHAN_NOWAIT) != E_OK)
		pool_kill(p, i, "cannot send STOP");
	else if (ref->r == SUP_RECEIVER && sl->job && sl->pid > 0)
		(void)kill(sl->pid, POLLER_SIG_CANCEL);	/* cut its long poll short */
}

/* KILL action. */
static void
act_kill(void *ctx, size_t i, const char *why)
{
	struct sup_pool_ref *ref = ctx;
	pid_t pid = ref->s->pools[ref->r].slots[i].pid;

	log_warn("%s[%ld] slot %zu: %s, killing it", sup_role_name(ref->r),
		(long)pid, i, why);
	if (pid > 0)
		(void)kill(pid, SIGKILL);
}

/* Carry out the actions the pools decided. */
static void
run_actions(struct sup *s, int64_t now)
{
	static const struct pool_handlers h = {
		.spawn = act_spawn, .stop = act_stop, .kill = act_kill,
	};
	size_t r;

	for (r = 0; r < SUP_NROLES; r++) {
		struct sup_pool_ref ref = { s, (enum sup_role)r };

		pool_run(&s->pools[r], now, &h, &ref);
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
			log_debug("%s[%ld] slot %zd %s", sup_role_name(r),
				(long)pid, i, text);
		else
			log_msg(why || !asked ? LOG_LVL_WARN : LOG_LVL_INFO,
				"%s[%ld] slot %zd %s%s%s%s", sup_role_name(r),
				(long)pid, i, text, why ? " after: " : "",
				why ? why : "", again);
		if (job && r == SUP_WORKER)
			jobflow_lost(s, job, why, text);
		return;
	}
	log_debug("unknown child %ld %s", (long)pid, text);
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
	pool_stop(&s->pools[SUP_RECEIVER], now);
	pool_stop(&s->pools[SUP_WORKER], now);
	jobflow_return_pending(s);
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
		pool_cfg_for(&s->cfg, (enum sup_role)r, &pc);
		pool_set_cfg(&s->pools[r], &pc);
		pool_reload(&s->pools[r]);
	}
	dispatch_cfg_for(&s->cfg, &dc);
	s->d.cfg = dc;
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

		n = proc_sig_take(&s->seen, sig);
		if (n == 0)
			continue;
		if (!s->draining) {
			start_drain(s, sig == SIGTERM ? "SIGTERM" : "SIGINT",
				proc_sig_sender(sig), now);
			if (n < 2)
				continue;
		}
		log_warn("second %s from pid %ld: killing every child now",
			sig == SIGTERM ? "SIGTERM" : "SIGINT",
			(long)proc_sig_sender(sig));
		kill_all(s);
		return false;
	}
	if (proc_sig_take(&s->seen, SIGHUP) && !s->draining)
		reload(s, proc_sig_sender(SIGHUP));
	return true;
}

/* Stop the acker once nothing more can reach it. */
static void
drain_progress(struct sup *s, int64_t now)
{
	if (!s->draining || s->pools[SUP_ACKER].stopping)
		return;
	if (pool_stopped(&s->pools[SUP_WORKER]) &&
	    pool_stopped(&s->pools[SUP_RECEIVER]) &&
	    outbox_empty(&s->out)) {
		ASSERT(s->d.n == 0);
		pool_stop(&s->pools[SUP_ACKER], now);
	} else if (now - s->drain_started >
	    (int64_t)s->cfg.workers.shutdown_timeout * 1000 + 5000 &&
	    pool_stopped(&s->pools[SUP_WORKER]) &&
	    pool_stopped(&s->pools[SUP_RECEIVER])) {
		log_warn("%zu ACKs never reached the acker; their messages "
			"will be received again", s->out.n);
		pool_stop(&s->pools[SUP_ACKER], now);
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

/* The supervisor loop (see the file comment). */
int
sup_run(struct sup *s)
{
	struct arena a;
	struct pollfd pfds[1100];
	struct { enum sup_role r; size_t i; } who[1100];
	int code = 0;

	arena_init(&a, 0);
	for (;;) {
		int64_t now = utc_mono_ms(), t;
		struct proc_exit ex[64];
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
		jobflow_assign(s, now);
		jobflow_fetch(s, now);
		jobflow_flush_acks(s);
		if (s->draining && pool_stopped(&s->pools[SUP_WORKER]) &&
		    pool_stopped(&s->pools[SUP_RECEIVER]) &&
		    pool_stopped(&s->pools[SUP_ACKER]))
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
				if (r == SUP_ACKER && !outbox_empty(&s->out) &&
				    sl->state == POOL_IDLE)
					pfds[np].events |= POLLOUT;
				pfds[np].revents = 0;
				who[np].r = (enum sup_role)r;
				who[np].i = i;
				np++;
			}
		}
		t = next_timeout(s, now);
		if (proc_wait(pfds, np, t, &s->waitmask) < 0) {
			if (errno != EINTR)
				log_errno("ppoll");
			continue;
		}
		now = utc_mono_ms();
		for (k = 0; k < np; k++)
			if (pfds[k].revents & (POLLIN | POLLHUP | POLLERR))
				jobflow_read_channel(s, who[k].r, who[k].i, &a, now);
	}
	arena_release(&a);
	return code;
}


/* Pools, dispatcher, signals (see supervise.h). */
int
sup_init(struct sup *s)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct pool_cfg pc;
	struct dispatch_cfg dc;
	size_t r;

	apply_log(&s->cfg);
	proc_sig_ignore(SIGPIPE);
	if (proc_sig_install(sigs, ARRAY_SIZE(sigs), &s->waitmask) != E_OK)
		return E_IO;
	s->started_ms = utc_mono_ms();
	outbox_init(&s->out);
	for (r = 0; r < SUP_NROLES; r++) {
		pool_cfg_for(&s->cfg, (enum sup_role)r, &pc);
		pool_init(&s->pools[r], &pc, s->started_ms);
	}
	dispatch_cfg_for(&s->cfg, &dc);
	dispatch_init(&s->d, &dc);
	s->last_report = s->started_ms;
	s->next_report = s->started_ms + 1000;
	return E_OK;
}

/* Free everything. */
void
sup_release(struct sup *s)
{
	size_t r;

	outbox_release(&s->out);
	dispatch_release(&s->d);
	for (r = 0; r < SUP_NROLES; r++)
		pool_release(&s->pools[r]);
	cfg_release(&s->cfg);
}
