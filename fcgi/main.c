/*
 * main.c - ember-fcgi: the FastCGI process (and its optional prefork
 * master).
 *
 * Three ways to run the same binary:
 *
 *   - No -s: accept FastCGI on fd 0 (FCGI_LISTENSOCK_FILENO).  lighttpd
 *     "bin-path" + "max-procs", spawn-fcgi and systemd socket activation
 *     all hand the listening socket over this way and supervise us.
 *   - -s SOCKET [-n N]: open the socket (a unix path, or host:port) and
 *     fork N children that all accept on it; this process is their master
 *     (for Apache mod_proxy_fcgi, nginx).  It restarts a dead child, with
 *     a growing delay when children die young (lighttpd's "avoid spinning"),
 *     and on SIGTERM/SIGINT stops the children and exits; a second signal
 *     kills them at once.  SIGHUP reloads the configuration (kept as it
 *     was if the new one is invalid) and replaces the children.
 *
 * A child runs FCGX_Accept_r() with FCGI_FAIL_ACCEPT_ON_INTR and a SIGTERM
 * handler without SA_RESTART, so a signal wakes the accept and the child
 * exits between requests (fcgiwrap, libfcgi OS_Accept).  After
 * fcgi.max_requests requests it starts afresh to bound slow leaks:
 *
 *   - under our master (-s) it exits and the master forks a new child; the
 *     listening socket is shared, so the other children keep accepting;
 *   - on fd 0 it re-executes itself in place (same pid, same fd 0).
 *     Note that it must not simply exit there: lighttpd gives each
 *     bin-path process its own socket, and connections already queued in
 *     that socket's backlog would be reset, which lighttpd reports to the
 *     clients as 503s until it respawns the process (seen under wrk).
 *     exec keeps the socket open, so the backlog is served by the new
 *     image.  Every other descriptor is O_CLOEXEC or closed before.
 *
 * One arena is reset per request: everything a handler allocates from it
 * is gone at the end of the request.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <fastcgi.h>

#include "app.h"
#include "arena.h"
#include "cfg.h"
#include "log.h"
#include "num.h"
#include "route.h"

/* Most children the master will run. */
#define MAIN_MAX_CHILDREN 256

/* Set by the signal handlers; read by the loops. */
static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t child_flag;
static volatile sig_atomic_t hup_flag;

/* SIGTERM/SIGINT: count the request to stop. */
static void
on_stop(int sig)
{
	(void)sig;
	stop_flag++;
}

/* SIGHUP (master only): reload the configuration, replace the children. */
static void
on_hup(int sig)
{
	(void)sig;
	hup_flag = 1;
}

/* SIGCHLD: note that a child may be reaped. */
static void
on_child(int sig)
{
	(void)sig;
	child_flag = 1;
}

/* Install handler for sig without SA_RESTART, so blocking calls wake. */
static void
set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	if (sigaction(sig, &sa, NULL) < 0)
		log_errno("sigaction %d", sig);
}

/* FCGX body reader. */
static ssize_t
fcgx_read(void *ctx, void *p, size_t n)
{
	FCGX_Request *fr = ctx;
	int got;

	if (n > (size_t)INT32_MAX)
		n = INT32_MAX;
	got = FCGX_GetStr(p, (int)n, fr->in);
	if (got < 0)
		return -1;
	return got;
}

/* FCGX response writer; loops because FCGX_PutStr takes an int count. */
static int
fcgx_write(void *ctx, const void *p, size_t n)
{
	FCGX_Request *fr = ctx;
	const char *s = p;

	while (n > 0) {
		int chunk = n > (1u << 30) ? 1 << 30 : (int)n;

		if (FCGX_PutStr(s, chunk, fr->out) != chunk)
			return -1;
		s += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

/* How serve() ended. */
enum serve_end {
	SERVE_DONE = 0,		/* told to stop (or accept failed after a signal) */
	SERVE_FAILED,		/* could not start or accept failed */
	SERVE_RECYCLE,		/* served fcgi.max_requests: start afresh */
};

/* The accept loop of one FastCGI process on listen_fd. */
static enum serve_end
serve(const struct cfg *cfg, int listen_fd)
{
	FCGX_Request fr;
	struct app app;
	struct arena arena;
	struct req r;
	struct req_io io;
	unsigned long served = 0;
	enum serve_end end = SERVE_DONE;
	int rc;

	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return SERVE_FAILED;
	}
	set_handler(SIGTERM, on_stop);
	set_handler(SIGINT, on_stop);
	set_handler(SIGHUP, SIG_IGN);
	set_handler(SIGPIPE, SIG_IGN);
	if (FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("FCGX_InitRequest failed");
		return SERVE_FAILED;
	}
	app_init(&app, cfg);
	arena_init(&arena, 0);
	io.read = fcgx_read;
	io.write = fcgx_write;
	io.ctx = &fr;
	log_info("accepting on fd %d", listen_fd);
	while (!stop_flag) {
		rc = FCGX_Accept_r(&fr);
		if (rc < 0) {
			if (stop_flag)
				break;
			if (errno == EINTR)
				continue;
			log_error("accept failed (%d), exiting", rc);
			end = SERVE_FAILED;
			break;
		}
		req_init(&r, &arena, fr.envp, &io);
		route_dispatch(&r, &app);
		FCGX_Finish_r(&fr);
		arena_reset(&arena);
		if (cfg->fcgi.max_requests && ++served >= cfg->fcgi.max_requests) {
			log_info("served %lu requests, recycling", served);
			end = SERVE_RECYCLE;
			break;
		}
	}
	FCGX_Free(&fr, 1);
	arena_release(&arena);
	app_release(&app);
	return end;
}

/*
 * Replace this process with a fresh image of the same program and
 * arguments, keeping fd 0 (the listening socket).  Returns only on
 * failure.
 */
static void
reexec(char **argv)
{
	execv("/proc/self/exe", argv);
	execvp(argv[0], argv);
	log_errno("cannot re-execute '%s'", argv[0]);
}

/* The child slots of the prefork master. */
struct slot {
	pid_t pid;		/* 0 = not running */
	time_t started;		/* when it was forked */
	time_t restart_at;	/* do not fork again before this */
	unsigned delay;		/* current back-off in seconds */
	bool recycled;		/* told to exit (reload): no back-off */
};

/* Fork one child into slot s; the child never returns. */
static void
spawn(struct slot *s, const struct cfg *cfg, int fd)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_errno("fork");
		s->restart_at = time(NULL) + 1;
		return;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		set_handler(SIGCHLD, SIG_DFL);
		set_handler(SIGHUP, SIG_IGN);
		stop_flag = 0;
		_exit(serve(cfg, fd) == SERVE_FAILED ? 1 : 0);
	}
	s->pid = pid;
	s->started = time(NULL);
}

/* Describe a wait status as git does (code, or 128 + signal). */
static void
log_exit(pid_t pid, int st)
{
	if (WIFEXITED(st))
		log_info("child %d exited with %d", (int)pid, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		log_warn("child %d killed by signal %d", (int)pid, WTERMSIG(st));
}

/* Open the listening socket named by spec (unix path or host:port). */
static int
open_socket(const char *spec)
{
	int fd;

	if (spec[0] == '/' || spec[0] == '.')
		unlink(spec);
	fd = FCGX_OpenSocket(spec, 128);
	if (fd < 0)
		return -1;
	if (spec[0] == '/' || spec[0] == '.')
		chmod(spec, 0660);
	if (fcntl(fd, F_SETFD, 0) < 0)
		log_errno("fcntl");
	return fd;
}

/* Reap dead children, mark their slots and compute their back-off. */
static void
reap(struct slot *slots, unsigned n, time_t now)
{
	pid_t pid;
	unsigned i;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		log_exit(pid, st);
		for (i = 0; i < n; i++) {
			if (slots[i].pid != pid)
				continue;
			slots[i].pid = 0;
			if (stop_flag)
				continue;
			if (slots[i].recycled) {
				slots[i].recycled = false;
				slots[i].delay = 0;
				slots[i].restart_at = now;
				continue;
			}
			/*
			 * A clean exit (recycling after fcgi.max_requests) is
			 * replaced at once; a crash or failure soon after
			 * start waits, longer each time.
			 */
			if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) &&
			    now - slots[i].started < 2) {
				slots[i].delay = slots[i].delay ?
					slots[i].delay * 2 : 1;
				if (slots[i].delay > 30)
					slots[i].delay = 30;
			} else {
				slots[i].delay = 0;
			}
			slots[i].restart_at = now + slots[i].delay;
			if (slots[i].delay)
				log_warn("child died young, restarting in %us",
					slots[i].delay);
		}
	}
}

/* Count the slots whose child is alive. */
static unsigned
alive(const struct slot *slots, unsigned n)
{
	unsigned i, c = 0;

	for (i = 0; i < n; i++)
		if (slots[i].pid)
			c++;
	return c;
}

/* Signal every live child. */
static void
kill_all(const struct slot *slots, unsigned n, int sig)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (slots[i].pid)
			kill(slots[i].pid, sig);
}

/*
 * Reload the configuration from path into *cfg (kept as it was when the
 * new one is invalid) and tell every child to finish and exit, so that
 * the master forks fresh ones with the new settings.  The listening
 * socket stays open throughout, so no connection is refused.
 */
static void
reload(struct cfg *cfg, const char *path, struct slot *slots, unsigned n)
{
	struct cfg fresh;
	char err[512] = "";
	unsigned i;

	if (cfg_load(&fresh, path, err, sizeof(err))) {
		log_error("reload: %s; keeping the old configuration", err);
		return;
	}
	cfg_release(cfg);
	*cfg = fresh;
	log_info("reload: configuration loaded, replacing the children");
	for (i = 0; i < n; i++) {
		if (!slots[i].pid)
			continue;
		slots[i].recycled = true;
		kill(slots[i].pid, SIGTERM);
	}
}

/* The prefork master: keep n children alive until told to stop. */
static int
master(struct cfg *cfg, const char *path, const char *spec, unsigned n)
{
	struct slot *slots;
	time_t now, deadline;
	unsigned i;
	int fd;

	fd = open_socket(spec);
	if (fd < 0) {
		log_errno("cannot listen on '%s'", spec);
		return 1;
	}
	slots = calloc(n, sizeof(*slots));
	if (!slots)
		abort();
	set_handler(SIGTERM, on_stop);
	set_handler(SIGINT, on_stop);
	set_handler(SIGCHLD, on_child);
	set_handler(SIGHUP, on_hup);
	set_handler(SIGPIPE, SIG_IGN);
	log_info("master listening on '%s' with %u children", spec, n);
	while (!stop_flag) {
		now = time(NULL);
		child_flag = 0;
		if (hup_flag) {
			hup_flag = 0;
			reload(cfg, path, slots, n);
		}
		reap(slots, n, now);
		for (i = 0; i < n && !stop_flag; i++)
			if (!slots[i].pid && now >= slots[i].restart_at)
				spawn(&slots[i], cfg, fd);
		if (!stop_flag && !child_flag && !hup_flag)
			sleep(1);
	}
	log_info("stopping %u children", alive(slots, n));
	close(fd);
	kill_all(slots, n, SIGTERM);
	deadline = time(NULL) + 10;
	while (alive(slots, n) && time(NULL) < deadline && stop_flag < 2) {
		reap(slots, n, time(NULL));
		if (alive(slots, n))
			usleep(50000);
	}
	if (alive(slots, n)) {
		kill_all(slots, n, SIGKILL);
		while (waitpid(-1, NULL, 0) > 0)
			;
	}
	if (spec[0] == '/' || spec[0] == '.')
		unlink(spec);
	free(slots);
	return 0;
}

/* Print the usage text. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: ember-fcgi [-c CONFIG] [-s SOCKET [-n N]]\n"
		"  -c CONFIG  configuration file (default: none; "
		"EMBER_* environment)\n"
		"  -s SOCKET  listen on a unix path or host:port and prefork;\n"
		"             without it, accept FastCGI on fd 0\n"
		"  -n N       number of children with -s (fcgi.children)\n");
}

/* Parse a small positive decimal. */
static bool
parse_count(const char *s, unsigned *out)
{
	uint64_t v;

	if (num_u64(s, MAIN_MAX_CHILDREN, &v) != E_OK || v < 1)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Entry point: options, configuration, then serve or run the master. */
int
main(int argc, char **argv)
{
	const char *config = NULL, *sock = NULL;
	enum log_level lvl;
	struct cfg cfg;
	char err[512] = "";
	enum serve_end end;
	unsigned n = 0;
	int c, rc;

	while ((c = getopt(argc, argv, "c:s:n:h")) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'n':
			if (!parse_count(optarg, &n)) {
				fprintf(stderr, "ember-fcgi: bad -n '%s'\n",
					optarg);
				return 2;
			}
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
	if (!config)
		config = getenv("EMBER_CONFIG");
	log_set_role("fcgi");
	if (cfg_load(&cfg, config && *config ? config : NULL, err,
		sizeof(err))) {
		fprintf(stderr, "ember-fcgi: %s\n", err);
		return 1;
	}
	if (log_level_parse(cfg.log.level, &lvl))
		log_set_level(lvl);
	if (cfg.log.file && *cfg.log.file && log_open(cfg.log.file))
		log_errno("cannot open log file '%s'", cfg.log.file);
	if (!sock && cfg.fcgi.socket && *cfg.fcgi.socket)
		sock = cfg.fcgi.socket;
	if (!n)
		n = cfg.fcgi.children ? cfg.fcgi.children : 1;
	if (n > MAIN_MAX_CHILDREN)
		n = MAIN_MAX_CHILDREN;
	if (sock) {
		rc = master(&cfg, config && *config ? config : NULL, sock, n);
		cfg_release(&cfg);
		return rc;
	}
	end = serve(&cfg, FCGI_LISTENSOCK_FILENO);
	cfg_release(&cfg);
	if (end == SERVE_RECYCLE && !stop_flag)
		reexec(argv);
	return end == SERVE_FAILED ? 1 : 0;
}
