/*
 * serve.c - the FastCGI accept loop (see serve.h).
 *
 * FCGX_Accept_r() runs with FCGI_FAIL_ACCEPT_ON_INTR and SIGTERM/SIGINT
 * handlers without SA_RESTART (proc_sig_catch()), so a signal wakes the
 * accept and the process leaves between requests (fcgiwrap, libfcgi
 * OS_Accept).  One arena is reset per request: everything a handler
 * allocates from it is gone at the end of the request.
 */
#include "compat.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>

#include <fcgiapp.h>

#include "app.h"
#include "arena.h"
#include "log.h"
#include "proc.h"
#include "route.h"
#include "serve.h"

/* SIGTERM or SIGINT arrived. */
bool
serve_stop_requested(void)
{
	return proc_sig_count(SIGTERM) + proc_sig_count(SIGINT) > 0;
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

/* The accept loop of one FastCGI process on listen_fd. */
enum serve_end
serve_run(const struct cfg *cfg, int listen_fd)
{
	static const int stops[] = { SIGTERM, SIGINT };
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
	if (proc_sig_catch(stops, ARRAY_SIZE(stops)) != E_OK)
		log_errno("cannot install signal handlers");
	proc_sig_ignore(SIGHUP);
	proc_sig_ignore(SIGPIPE);
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
	while (!serve_stop_requested()) {
		rc = FCGX_Accept_r(&fr);
		if (rc < 0) {
			if (serve_stop_requested())
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
