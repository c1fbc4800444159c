/*
 * serve.h - the accept loop of one FastCGI process.
 *
 * Used by main.c on fd 0 (lighttpd bin-path, spawn-fcgi, systemd socket
 * activation) and by each child of the prefork master (master.h) on the
 * socket the master opened.
 */
#ifndef EMBER_SERVE_H
#define EMBER_SERVE_H

#include "compat.h"

#include "cfg.h"

/* How serve_run() ended. */
enum serve_end {
	SERVE_DONE = 0,		/* told to stop (SIGTERM / SIGINT) */
	SERVE_FAILED,		/* could not start, or accept failed */
	SERVE_RECYCLE		/* served fcgi.max_requests: start afresh */
};

/*
 * Accept and answer requests on listen_fd until SIGTERM or SIGINT, a
 * failure, or fcgi.max_requests requests.  Installs its own signal
 * dispositions (SIGTERM/SIGINT wake the accept, SIGHUP and SIGPIPE are
 * ignored).  A request in progress when a signal arrives is finished.
 */
enum serve_end serve_run(const struct cfg *cfg, int listen_fd);
/* True once SIGTERM or SIGINT arrived in this process. */
bool serve_stop_requested(void);

#endif
