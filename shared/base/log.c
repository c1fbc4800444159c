/*
 * log.c - the log sink: level filter, line formatting, one write per line.
 *
 * Lines are formatted into a fixed stack buffer (long messages are cut
 * and marked with "...") so logging never allocates and a line is never
 * interleaved with another process's line on the same file.
 *
 * Messages carry values from requests (service names, hostnames, keys),
 * so every control byte of the message (newline, ESC, DEL, ...) is
 * written as \xHH: one call is always exactly one line, and no value can
 * forge a line or send terminal escapes.  Callers cap each such value with
 * LOG_CUT() so one value cannot push the rest of the line out.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

#define LOG_LINE_MAX 4096

static struct {
	enum log_level level;
	char role[32];
	char path[1024];
	int fd;
} log_state = { LOG_LVL_INFO, "ember", "", 2 };

static const char *const log_names[] = { "error", "warn", "info", "debug" };

/* Set the role name printed on each line. */
void
log_set_role(const char *role)
{
	snprintf(log_state.role, sizeof(log_state.role), "%s", role);
}

/* Set the lowest level that is written. */
void
log_set_level(enum log_level level)
{
	log_state.level = level;
}

/* The current level. */
enum log_level
log_get_level(void)
{
	return log_state.level;
}

/* Parse a level name. */
bool
log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(log_names); i++) {
		if (strcasecmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

/* Direct the log to a file, or back to stderr. */
int
log_open(const char *path)
{
	int fd;

	if (!path || !*path || strcmp(path, "-") == 0) {
		if (log_state.fd > 2)
			close(log_state.fd);
		log_state.fd = 2;
		log_state.path[0] = '\0';
		return E_OK;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return E_IO;
	/*
	 * Note that the old descriptor may already have been closed (a forked
	 * child closing what it inherited) and its number handed back by this
	 * open(): closing it then would close the new file.
	 */
	if (log_state.fd > 2 && log_state.fd != fd)
		close(log_state.fd);
	log_state.fd = fd;
	snprintf(log_state.path, sizeof(log_state.path), "%s", path);
	return E_OK;
}

/* Reopen the log file after rotation; keeps the old fd on failure. */
void
log_reopen(void)
{
	char path[sizeof(log_state.path)];

	if (!log_state.path[0])
		return;
	memcpy(path, log_state.path, sizeof(path));
	if (log_open(path) != E_OK)
		log_errno("cannot reopen log file \"%s\", keeping the old one", path);
}

/* The length LOG_CUT() prints of s. */
int
log_cut_len(const char *s)
{
	size_t n = s ? strnlen(s, LOG_VALUE_MAX + 1) : 0;

	return (int)(n > LOG_VALUE_MAX ? LOG_VALUE_MAX : n);
}

/*
 * Copy msg (n bytes) into out (room bytes) with control bytes as \xHH;
 * returns the bytes written, stopping before a sequence that would not
 * fit; *used is the count of msg bytes copied.
 */
static size_t
log_escape(char *out, size_t room, const char *msg, size_t n, size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c < 0x20 || c == 0x7f) {
			if (o + 4 > room)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (o + 1 > room)
				break;
			out[o++] = (char)c;
		}
	}
	*used = i;
	return o;
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap, int errnum)
{
	char line[LOG_LINE_MAX];
	char msg[LOG_LINE_MAX];
	struct timeval tv;
	struct tm tm;
	size_t n, m = 0, k, used;
	bool cut;
	int r;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03ldZ %s %s[%ld] ",
		(long)(tv.tv_usec / 1000), log_names[level], log_state.role,
		(long)getpid());
	if (r > 0)
		n += (size_t)r;
	r = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (r > 0)
		m = (size_t)r < sizeof(msg) ? (size_t)r : sizeof(msg) - 1;
	cut = r >= (int)sizeof(msg);
	if (errnum && !cut) {
		r = snprintf(msg + m, sizeof(msg) - m, ": %s", strerror(errnum));
		if (r > 0 && (size_t)r < sizeof(msg) - m)
			m += (size_t)r;
		else if (r > 0)
			cut = true;
	}
	/* Keep room for "...\n". */
	k = log_escape(line + n, sizeof(line) - n - 5, msg, m, &used);
	n += k;
	if (cut || used < m) {
		memcpy(line + n, "...", 3);
		n += 3;
	}
	line[n++] = '\n';
	while (write(log_state.fd, line, n) < 0 && errno == EINTR)
		;
}

/* Write one line at a level. */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (level > log_state.level)
		return;
	va_start(ap, fmt);
	log_vwrite(level, fmt, ap, 0);
	va_end(ap);
	errno = saved;
}

/* Write an error line with strerror(errno) appended. */
void
log_errno(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}
