/*
 * report.h - the supervisor's periodic report: one log line and the
 * status file (wstatus.h) every workers.status_interval seconds.
 */
#ifndef EMBER_REPORT_H
#define EMBER_REPORT_H

#include "compat.h"

#include "supervise.h"

/*
 * Log the status line and write the status file with state ("starting",
 * "running", "draining", "stopped"); schedules the next report.
 */
void report(struct sup *s, int64_t now, const char *state);
/* Write only the status file (no log line, no rate update). */
void report_status_file(struct sup *s, int64_t now, const char *state);

#endif
