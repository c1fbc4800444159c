/*
 * master.c - the ember-fcgi prefork master (see master.h).
 *
 * NOTES
 *
 * One design supervises both daemons: the slots and their timed rules
 * (respawn back-off, shutdown deadline, one-at-a-time replacement on
 * reload) are pool.c's, the signal counters and ppoll() wait proc.c's, as
 * in ember-workers.  What differs is what the actions mean here:
 *
 *   - SPAWN forks a child that runs serve_run() on the shared listening
 *     socket.  It has no channel, so it counts as READY once forked.
 *   - STOP is SIGTERM: the child finishes the request it serves, if any,
 *     and exits (serve.c).  KILL is SIGKILL, after fcgi.shutdown_timeout.
 *   - A child that exits 0 unasked is recycling after fcgi.max_requests:
 *     pool_retired() makes that a planned exit, replaced at once.  Any
 *     other unasked exit within fcgi.respawn_min seconds of the fork backs
 *     off (doubling up to fcgi.respawn_max), lighttpd's "avoid spinning".
 *
 * The listening socket stays open across a reload (SIGHUP), so no
 * connection is refused while children are replaced; it is closed when
 * shutdown begins, and a unix socket's path is removed at exit.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "log.h"
#include "master.h"
#include "pool.h"
#include "proc.h"
#include "serve.h"
#include "utc.h"

struct master {
	struct cfg *cfg;
	const char *path;	/* configuration file, NULL = none */
	const char *spec;	/* the socket as given */
	int fd;			/* listening socket, -1 once closed */
	struct pool pool;
	struct proc_sigseen seen;
	sigset_t waitmask;
};

/* The pool's timings from the configuration. */
static void
pool_cfg_for(const struct cfg *cfg, size_t n, struct pool_cfg *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->n = n;
	pc->respawn_min = (int64_t)cfg->fcgi.respawn_min * 1000;
	pc->respawn_max = (int64_t)cfg->fcgi.respawn_max * 1000;
	pc->stop_timeout = (int64_t)cfg->fcgi.shutdown_timeout * 1000;
	pc->spawn_timeout = pc->stop_timeout;	/* READY at fork: unused */
}

/* True when spec names a unix socket path. */
static bool
is_path(const char *spec)
{
	return spec[0] == '/' || spec[0] == '.';
}

/* Open the listening socket named by spec (unix path or host:port). */
static int
open_socket(const char *spec)
{
	int fd;

	if (is_path(spec))
		unlink(spec);
	fd = FCGX_OpenSocket(spec, 128);
	if (fd < 0)
		return -1;
	if (is_path(spec))
		chmod(spec, 0660);
	if (fcntl(fd, F_SETFD, 0) < 0)
		log_errno("fcntl");
	return fd;
}

/* Fork a child for slot i (a SPAWN action); the child never returns. */
static void
spawn(struct master *m, size_t i, int64_t now)
{
	pid_t parent = getpid(), pid;

	pid = fork();
	if (pid < 0) {
		log_errno("fork for slot %zu", i);
		pool_spawn_failed(&m->pool, i, now);
		return;
	}
	if (pid == 0) {
		proc_child_reset();
		if (!proc_pdeathsig(SIGTERM, parent))
			_exit(0);
		_exit(serve_run(m->cfg, m->fd) == SERVE_FAILED ? 1 : 0);
	}
	pool_spawned(&m->pool, i, pid, -1, now);
	if (pool_ready(&m->pool, i, now) != E_OK)
		ASSERT(!"a fresh slot refused READY");
	log_debug("child %ld slot %zu started", (long)pid, i);
}

/* STOP action: SIGTERM (the child finishes its request first). */
static void
stop_child(void *ctx, size_t i)
{
	struct master *m = ctx;
	pid_t pid = m->pool.slots[i].pid;

	if (pid > 0 && kill(pid, SIGTERM) < 0)
		pool_kill(&m->pool, i, "cannot send SIGTERM");
}

/* KILL action. */
static void
kill_child(void *ctx, size_t i, const char *why)
{
	struct master *m = ctx;
	pid_t pid = m->pool.slots[i].pid;

	log_warn("child %ld slot %zu: %s, killing it", (long)pid, i, why);
	if (pid > 0)
		(void)kill(pid, SIGKILL);
}

/* SPAWN action. */
static void
spawn_child(void *ctx, size_t i, int64_t now)
{
	spawn(ctx, i, now);
}

static const struct pool_handlers master_handlers = {
	.spawn = spawn_child, .stop = stop_child, .kill = kill_child,
};

/* A child exited: update its slot and say so. */
static void
on_exit_status(struct master *m, pid_t pid, int status, int64_t now)
{
	ssize_t i = pool_find_pid(&m->pool, pid);
	const char *why = NULL;
	char text[128];
	int64_t delay;
	bool asked;

	proc_status_text(status, text, sizeof(text));
	if (i < 0) {
		log_debug("unknown child %ld %s", (long)pid, text);
		return;
	}
	asked = m->pool.slots[i].stop_sent && !m->pool.slots[i].kill_sent;
	if (!asked && !m->pool.slots[i].kill_why &&
	    proc_status_code(status) == 0)
		pool_retired(&m->pool, (size_t)i);
	asked |= m->pool.slots[i].retired;
	(void)pool_exited(&m->pool, (size_t)i, now, &why);
	delay = m->pool.stopping ? 0 : m->pool.slots[i].respawn_at - now;
	if (asked && proc_status_code(status) == 0)
		log_info("child %ld %s", (long)pid, text);
	else if (delay > 0)
		log_warn("child %ld %s%s%s, died young, restarting in %lld ms",
			(long)pid, text, why ? " after: " : "", why ? why : "",
			(long long)delay);
	else
		log_warn("child %ld %s%s%s", (long)pid, text,
			why ? " after: " : "", why ? why : "");
}

/* Reap every exited child. */
static void
reap(struct master *m, int64_t now)
{
	struct proc_exit ex[64];
	size_t n, k;

	while ((n = proc_reap(ex, ARRAY_SIZE(ex))) > 0) {
		for (k = 0; k < n; k++)
			on_exit_status(m, ex[k].pid, ex[k].status, now);
		if (n < ARRAY_SIZE(ex))
			break;
	}
}

/*
 * Reload the configuration (kept as it was when the new one is invalid)
 * and let the pool replace every child with one forked from it.
 */
static void
reload(struct master *m, pid_t from)
{
	struct pool_cfg pc;
	struct cfg fresh;
	char err[512] = "";

	log_info("SIGHUP from pid %ld: reloading configuration", (long)from);
	if (cfg_load(&fresh, m->path, err, sizeof(err)) != E_OK) {
		log_error("reload: %s; keeping the old configuration", err);
		return;
	}
	cfg_release(m->cfg);
	*m->cfg = fresh;
	pool_cfg_for(m->cfg, m->pool.cfg.n, &pc);
	pool_set_cfg(&m->pool, &pc);
	pool_reload(&m->pool);
	log_info("reload: configuration loaded, replacing the children");
}

/* SIGKILL every live child and wait for all of them. */
static void
kill_all(struct master *m)
{
	size_t i;

	for (i = 0; i < m->pool.cfg.n; i++)
		if (m->pool.slots[i].pid > 0)
			(void)kill(m->pool.slots[i].pid, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

/*
 * Act on new signals; false when the loop must end now (a second
 * SIGTERM / SIGINT).
 */
static bool
handle_signals(struct master *m, int64_t now)
{
	unsigned long term = proc_sig_take(&m->seen, SIGTERM);
	unsigned long intr = proc_sig_take(&m->seen, SIGINT);
	const char *name = term ? "SIGTERM" : "SIGINT";
	pid_t from = proc_sig_sender(term ? SIGTERM : SIGINT);

	if (term + intr > 0) {
		if (m->pool.stopping || term + intr > 1) {
			log_warn("second %s from pid %ld: killing every child "
				"now", name, (long)from);
			kill_all(m);
			return false;
		}
		log_info("%s from pid %ld: stopping %zu children (up to %u s)",
			name, (long)from,
			m->pool.cfg.n - pool_count(&m->pool, POOL_DEAD),
			m->cfg->fcgi.shutdown_timeout);
		pool_stop(&m->pool, now);
		close(m->fd);
		m->fd = -1;
	}
	if (proc_sig_take(&m->seen, SIGHUP) && !m->pool.stopping)
		reload(m, proc_sig_sender(SIGHUP));
	return true;
}

/* The master's loop (see the file comment). */
int
master_run(struct cfg *cfg, const char *path, const char *spec, unsigned n)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct master m;
	struct pool_cfg pc;

	memset(&m, 0, sizeof(m));
	m.cfg = cfg;
	m.path = path;
	m.spec = spec;
	m.fd = open_socket(spec);
	if (m.fd < 0) {
		log_errno("cannot listen on '%s'", spec);
		return 1;
	}
	proc_sig_ignore(SIGPIPE);
	if (proc_sig_install(sigs, ARRAY_SIZE(sigs), &m.waitmask) != E_OK) {
		log_errno("cannot install signal handlers");
		close(m.fd);
		return 1;
	}
	pool_cfg_for(cfg, n, &pc);
	pool_init(&m.pool, &pc, utc_mono_ms());
	log_info("master listening on '%s' with %u children", spec, n);
	for (;;) {
		int64_t now = utc_mono_ms();

		if (!handle_signals(&m, now))
			break;
		reap(&m, now);
		pool_run(&m.pool, now, &master_handlers, &m);
		if (pool_stopped(&m.pool))
			break;
		if (proc_wait(NULL, 0, pool_next_wake(&m.pool, now),
		    &m.waitmask) < 0 && errno != EINTR)
			log_errno("ppoll");
	}
	if (m.fd >= 0)
		close(m.fd);
	if (is_path(spec))
		unlink(spec);
	pool_release(&m.pool);
	log_info("master stopped");
	return 0;
}
