/*
 * err.c - texts and classes of the project's error codes.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>

#include "err.h"

static const struct {
	const char *text;
	bool retryable;
	int http;
} err_table[E__COUNT] = {
	[E_OK] = { "ok", false, 200 },
	[E_INVAL] = { "invalid input", false, 400 },
	[E_TOOBIG] = { "too large", false, 413 },
	[E_NOTFOUND] = { "not found", false, 404 },
	[E_CONFLICT] = { "conflict", false, 409 },
	[E_AUTH] = { "unauthorized", false, 401 },
	[E_FORBIDDEN] = { "forbidden", false, 403 },
	[E_PROTO] = { "protocol error", false, 502 },
	[E_CONFIG] = { "configuration error", false, 500 },
	[E_IO] = { "i/o error", true, 500 },
	[E_TIMEOUT] = { "timed out", true, 504 },
	[E_HTTP] = { "remote service failed", true, 502 },
	[E_THROTTLED] = { "throttled", true, 503 },
	[E_DB] = { "database error", true, 503 },
	[E_STOP] = { "shutting down", true, 503 },
	[E_INTERNAL] = { "internal error", false, 500 },
};

/* Look up the text of an error code. */
const char *
err_str(int e)
{
	if (e < 0 || e >= E__COUNT)
		return "unknown error";
	return err_table[e].text;
}

/* Whether a later retry of the same work may succeed. */
bool
err_retryable(int e)
{
	if (e <= 0 || e >= E__COUNT)
		return false;
	return err_table[e].retryable;
}

/* The HTTP status for an error code. */
int
err_http_status(int e)
{
	if (e < 0 || e >= E__COUNT)
		return 500;
	return err_table[e].http;
}

/* Report a failed ASSERT() and abort. */
void
compat_assert_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "assertion failed: %s (%s:%d)\n", what, file, line);
	abort();
}
