/*
 * tap.c - TAP lines and the plan for the contract programs (tap.h).
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>

#include "err.h"
#include "tap.h"

static int tap_n;
static int tap_failed;

/* One TAP line. */
bool
tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

/* An error code against the one wanted. */
bool
tap_rc(int got, int want, const char *what, const char *errmsg)
{
	bool r = tap_ok(got == want, "%s: %s", what, err_str(want));

	if (!r)
		printf("#   got %s: %s\n", err_str(got), errmsg);
	return r;
}

/* The plan and the exit status. */
int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
