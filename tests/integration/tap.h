/*
 * tap.h - TAP output for the contract programs (contract_store,
 * contract_queue, contract_samples): one "ok N - ..." line a check, the
 * plan at the end.
 */
#ifndef EMBER_TAP_H
#define EMBER_TAP_H

#include "compat.h"

/* Print one TAP line for cond; returns cond. */
bool tap_ok(bool cond, const char *fmt, ...) ATTR_PRINTF(2, 3);
/*
 * Check that an error code is want ("what: <want>"); on a mismatch also
 * print the code got and errmsg (the backend's last error).
 */
bool tap_rc(int got, int want, const char *what, const char *errmsg);
/* Print the plan ("1..N"); 1 when a check failed, else 0. */
int tap_done(void);

#endif
