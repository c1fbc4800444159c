/*
 * log.h - one line per event, written with a single write(2).
 *
 * Format: `2026-11-25T08:00:00.123Z level role[pid] message`.  The sink is
 * stderr unless log_open() names a file (opened O_APPEND, so several
 * processes can share it; SIGHUP reopens it for log rotation).  Only
 * fcgi/ and workers/ log; shared/ returns codes and error text.  Never
 * call these from a signal handler.
 */
#ifndef EMBER_LOG_H
#define EMBER_LOG_H

#include "compat.h"

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Set the role printed on each line ("fcgi", "supervisor", "worker"...). */
void log_set_role(const char *role);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error", "warn", "info", "debug"; false if unknown. */
bool log_level_parse(const char *s, enum log_level *out);
/*
 * Send lines to a file (append) instead of stderr; NULL or "" or "-"
 * means stderr.  Returns 0 or E_IO with errno set.
 */
MUST_CHECK int log_open(const char *path);
/* Reopen the current file (after rotation). */
void log_reopen(void);

void log_msg(enum log_level level, const char *fmt, ...) ATTR_PRINTF(2, 3);
/* Like log_msg(LOG_LVL_ERROR) with ": strerror(errno)" appended. */
void log_errno(const char *fmt, ...) ATTR_PRINTF(1, 2);

/*
 * Longest part of one outside value (a service name, a hostname, a key)
 * a log line shows: log_info("service '%.*s'", LOG_CUT(name)).  Control
 * bytes in messages are always written as \xHH (one call, one line).
 */
#define LOG_VALUE_MAX 256
#define LOG_CUT(s) log_cut_len(s), ((s) ? (s) : "")
int log_cut_len(const char *s);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { \
		if (log_get_level() >= LOG_LVL_DEBUG) \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
