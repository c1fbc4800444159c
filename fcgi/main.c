/*
 * main.c - ember-fcgi: options, configuration, then one of two modes.
 *
 *   - No -s: accept FastCGI on fd 0 (FCGI_LISTENSOCK_FILENO).  lighttpd
 *     "bin-path" + "max-procs", spawn-fcgi and systemd socket activation
 *     all hand the listening socket over this way and supervise us.
 *   - -s SOCKET [-n N]: open the socket (a unix path, or host:port) and
 *     run the prefork master (master.h) for N children that all accept
 *     on it (for Apache mod_proxy_fcgi, nginx).
 *
 * After fcgi.max_requests requests a process starts afresh to bound slow
 * leaks: under the master a child exits and is replaced; on fd 0 the
 * process re-executes itself in place (same pid, same fd 0).  Note that it
 * must not simply exit there: lighttpd gives each bin-path process its
 * own socket, and connections already queued in that socket's backlog
 * would be reset, which lighttpd reports to the clients as 503s until it
 * respawns the process (seen under wrk).  exec keeps the socket open, so
 * the backlog is served by the new image.  Every other descriptor is
 * O_CLOEXEC or closed before.
 */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fastcgi.h>

#include "cfg.h"
#include "log.h"
#include "num.h"
#include "route.h"
#include "master.h"
#include "serve.h"

/* Most children the master will run. */
#define MAIN_MAX_CHILDREN 256

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

/* Print the usage text. */
static void
usage(FILE *f)
{
	fprintf(f, "usage: ember-fcgi [-c CONFIG] [-s SOCKET [-n N]]\n"
		"  -c CONFIG  configuration file (default: none; "
		"EMBER_* environment)\n"
		"  -s SOCKET  listen on a unix path or host:port and prefork;\n"
		"             without it, accept FastCGI on fd 0\n"
		"  -n N       number of children with -s (fcgi.children)\n"
		"  -h, --help this text\n");
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
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *sock = NULL;
	enum log_level lvl;
	struct cfg cfg;
	char err[512] = "";
	enum serve_end end;
	unsigned n = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:s:n:h", longopts, NULL)) != -1) {
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
		rc = master_run(&cfg, config && *config ? config : NULL, sock,
			n);
		cfg_release(&cfg);
		return rc;
	}
	end = serve_run(&cfg, FCGI_LISTENSOCK_FILENO);
	cfg_release(&cfg);
	if (end == SERVE_RECYCLE && !serve_stop_requested())
		reexec(argv);
	return end == SERVE_FAILED ? 1 : 0;
}
