/*
 * err.h - the one error enum of the whole project.
 *
 * A fallible function returns an int holding an enum err, 0 for success
 * (curl's CURLcode).  Detail travels separately: each client object keeps
 * its last error text.  Errors are classified by what the caller will do:
 * err_retryable() decides between "try the job again later" and
 * "dead-letter it now"; err_http_status() maps a code to the HTTP status
 * the API answers with.
 */
#ifndef EMBER_ERR_H
#define EMBER_ERR_H

#include "compat.h"

enum err {
	E_OK = 0,	/* success */
	E_INVAL,	/* bad input from outside (caller's fault, permanent) */
	E_TOOBIG,	/* input over a configured cap (permanent) */
	E_NOTFOUND,	/* the named thing does not exist */
	E_CONFLICT,	/* already exists / state does not allow it */
	E_AUTH,		/* missing or wrong credentials */
	E_FORBIDDEN,	/* credentials valid but not for this */
	E_PROTO,	/* malformed message from a peer (permanent) */
	E_CONFIG,	/* bad configuration */
	E_IO,		/* local I/O failure (disk, socket) */
	E_TIMEOUT,	/* a deadline passed (retryable) */
	E_HTTP,		/* remote answered a 5xx or the connection failed (retryable) */
	E_THROTTLED,	/* remote asked us to slow down: 429, SlowDown (retryable) */
	E_DB,		/* database unavailable or transient failure (retryable) */
	E_STOP,		/* shutting down; not an error of the job */
	E_INTERNAL,	/* a bug or an impossible state */
	E__COUNT
};

/* A short lowercase text for the code, never NULL. */
const char *err_str(int e);

/* True when the same operation may succeed if tried again later. */
bool err_retryable(int e);

/* The HTTP status an API handler answers with for the code. */
int err_http_status(int e);

#endif
