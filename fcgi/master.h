/*
 * master.h - the prefork master of ember-fcgi (-s SOCKET [-n N]).
 *
 * For front servers that connect to a socket instead of spawning the
 * FastCGI processes themselves (Apache mod_proxy_fcgi, nginx): open the
 * socket, fork n children that all accept on it (serve.h), and supervise
 * them with the same machinery as ember-workers (pool.h state machine,
 * proc.h signals, a ppoll() loop on the monotonic clock).
 */
#ifndef EMBER_MASTER_H
#define EMBER_MASTER_H

#include "compat.h"

#include "cfg.h"

/*
 * Listen on spec (a unix path, or host:port) and keep n children serving
 * until SIGTERM/SIGINT; a second one kills the children at once.  SIGHUP
 * reloads the configuration from path (NULL = defaults and environment;
 * the old one is kept when the new one is invalid) and replaces the
 * children one at a time.  *cfg may be replaced by a reload; the caller
 * still releases it.  Returns the process exit code.
 */
int master_run(struct cfg *cfg, const char *path, const char *spec,
	unsigned n);

#endif
