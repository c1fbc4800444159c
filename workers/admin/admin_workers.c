/*
 * admin_workers.c - `ember-admin workers status`.
 *
 * It reads the status file the workers' supervisor rewrites every
 * workers.status_interval seconds, through the same module that writes
 * it (shared/ipc/wstatus.h).  It does not talk to the supervisor, so it
 * also works when the file was copied from another host.
 */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "admin.h"
#include "mem.h"
#include "utc.h"
#include "wstatus.h"

/* A string or "?" */
static const char *
or_q(const char *s)
{
	return s ? s : "?";
}

/* Print the status document as a readable table. */
static void
admin_workers_print(json_t *root, const char *path, long long age)
{
	struct wstatus st;
	char buf[32];
	size_t i;
	int col = 0;

	if (wstatus_from_json(root, &st) != E_OK)
		return;
	admin_fmt_age(age, buf, sizeof(buf));
	printf("status file:  %s\n", path);
	printf("supervisor:   pid %lld, %s, updated %s (%s ago)\n",
		(long long)st.pid, or_q(st.state), or_q(st.updated_at), buf);
	admin_fmt_age(st.uptime_s, buf, sizeof(buf));
	printf("uptime:       %s, generation %lld\n", buf,
		(long long)st.generation);
	printf("jobs:         %lld in flight, %lld pending, %.1f/s\n",
		(long long)st.in_flight, (long long)st.pending, st.rate_per_s);
	if (st.have_queue) {
		admin_fmt_age(st.q_lag_s, buf, sizeof(buf));
		printf("queue:        %lld waiting, %lld in flight, %lld dead, lag %s\n",
			(long long)st.q_visible, (long long)st.q_in_flight,
			(long long)st.q_dead, buf);
	} else {
		printf("queue:        (no counters yet)\n");
	}
	for (i = 0; i < WSTATUS_NCOUNTERS; i++) {
		if (!st.have_counter[i])
			continue;
		if (col % 4 == 0)
			printf(col ? "\n         " : "counters:");
		printf("  %s=%llu", wstatus_counter_name((enum wstatus_counter)i),
			(unsigned long long)st.counters[i]);
		col++;
	}
	if (col)
		putchar('\n');
	printf("\n%-5s  %-8s  %-10s  %-8s  %-10s  %s\n", "SLOT", "PID", "STATE",
		"JOB", "JOB_TIME", "QUICK_DEATHS");
	for (i = 0; i < st.nworkers; i++) {
		const struct wstatus_worker *w = &st.workers[i];

		if (w->job > 0)
			snprintf(buf, sizeof(buf), "%lld.%01llds",
				(long long)(w->job_ms / 1000),
				(long long)(w->job_ms % 1000 / 100));
		else
			snprintf(buf, sizeof(buf), "-");
		printf("%-5lld  %-8lld  %-10s  %-8lld  %-10s  %lld\n",
			(long long)w->slot, (long long)w->pid, or_q(w->state),
			(long long)w->job, buf, (long long)w->quick_deaths);
	}
	wstatus_release(&st);
}

/* workers status [--file PATH] [--json]. */
int
admin_workers_status(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cfg *cfg;
	const char *path = NULL;
	const char *state;
	struct wstatus st;
	json_error_t jerr;
	json_t *root = NULL;
	char *text = NULL;
	long long stale_after;
	long long pid;
	long long age = -1;
	int64_t updated;
	bool json = false;
	bool alive = true;
	size_t len;
	FILE *f = NULL;
	int c;
	int rc;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case ':':
			return admin_usage(ctx, "option '%s' needs a value", argv[optind - 1]);
		default:
			return admin_usage(ctx, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return admin_usage(ctx, "unexpected argument '%s'", argv[optind]);
	cfg = admin_cfg(ctx);
	if (!cfg)
		return ADMIN_FAIL;
	if (!path)
		path = cfg->workers.status_file;
	if (!path || !*path)
		return admin_fail("no status file: workers.status_file is empty (use --file PATH)");
	f = fopen(path, "r");
	if (!f) {
		rc = admin_fail("cannot read the status file %s: %s (are the workers"
			" running with this configuration?)", path, strerror(errno));
		goto out;
	}
	text = xmalloc(WSTATUS_MAX + 1);
	len = fread(text, 1, WSTATUS_MAX + 1, f);
	if (ferror(f) || len > WSTATUS_MAX) {
		rc = admin_fail("cannot read the status file %s: %s", path,
			ferror(f) ? "read error" : "too big");
		goto out;
	}
	text[len] = '\0';
	root = json_loadb(text, len, 0, &jerr);
	if (!json_is_object(root)) {
		rc = admin_fail("the status file %s is not a JSON object: %s", path,
			root ? "wrong type" : jerr.text);
		goto out;
	}
	if (wstatus_from_json(root, &st) != E_OK) {
		rc = admin_fail("the status file %s is not a JSON object", path);
		goto out;
	}
	if (st.updated_at && utc_parse(st.updated_at, &updated) == E_OK)
		age = (long long)((utc_now_usec() - updated) / 1000000);
	state = st.state ? st.state : "?";
	pid = st.pid > 0 ? st.pid : 0;
	wstatus_release(&st);
	if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		alive = false;
	stale_after = 3LL * cfg->workers.status_interval + 5;
	if (json) {
		fwrite(text, 1, len, stdout);
		if (len == 0 || text[len - 1] != '\n')
			putchar('\n');
	} else {
		admin_workers_print(root, path, age);
	}
	fflush(stdout);
	if (strcmp(state, "stopped") == 0)
		rc = admin_fail("the workers are stopped (supervisor pid %lld)", pid);
	else if (!alive)
		rc = admin_fail("the supervisor (pid %lld) is not running; the status is"
			" stale", pid);
	else if (age < 0 || age > stale_after)
		rc = admin_fail("the status file is stale (updated %lld s ago, expected"
			" every %u s)", age, cfg->workers.status_interval);
	else
		rc = ADMIN_OK;
out:
	if (f)
		fclose(f);
	json_decref(root);
	free(text);
	return rc;
}
