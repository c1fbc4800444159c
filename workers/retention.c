/*
 * retention.c - removing expired ad hoc flamegraphs; see retention.h.
 */
#include "compat.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "adlib.h"
#include "library.h"
#include "arena.h"
#include "log.h"
#include "retention.h"
#include "utc.h"

void
retention_init(struct retention *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->next_ms = utc_mono_ms();
}

/* Whether fd has a message waiting. */
static bool
readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	return n != 0;
}

int
retention_pass(const struct job_env *env, int fd, uint64_t *removed,
	uint64_t *failed)
{
	const struct cfg_adhoc *c = env->adhoc;
	struct adlib_expired *ex;
	struct arena a;
	char err[512];
	bool got = false;
	size_t i, n;
	int rc;

	*removed = *failed = 0;
	rc = adlib_retention_lock(env->db, &got);
	if (rc)
		return rc;
	if (!got)
		return E_CONFLICT;
	arena_init(&a, 0);
	do {
		arena_reset(&a);
		rc = adlib_expired(env->db, &a, c->retention_days,
			c->retention_batch, &ex, &n);
		if (rc)
			break;
		for (i = 0; i < n; i++) {
			int e = library_delete(env->db, env->store, env->smp, &a,
				ex[i].service, ex[i].s3_key, NULL, err,
				sizeof(err));

			if (e == E_OK || e == E_NOTFOUND) {
				(*removed)++;
				continue;
			}
			(*failed)++;
			log_warn("retention: %s: %s", ex[i].s3_key, err);
		}
		/* a batch that failed through stops the pass: try next time */
	} while (n == c->retention_batch && *failed < n &&
		!(fd >= 0 && readable(fd, 0)));
	if (adlib_retention_unlock(env->db) != E_OK)
		log_warn("retention: unlock: %s", db_errmsg(env->db));
	if (!rc && *removed &&
	    adlib_audit(env->db, "ember-workers", "retention", "", "",
		NULL) != E_OK)
		log_warn("retention: audit: %s", db_errmsg(env->db));
	arena_release(&a);
	return rc;
}

/* Rewrite the counts file (best effort). */
static void
write_counts(const struct retention *rt, const struct job_env *env,
	uint64_t removed, uint64_t failed, const char *state)
{
	char path[1024], tmp[1100], ts[40];
	json_t *o;

	if (!env->cfg->status_file || !*env->cfg->status_file)
		return;
	snprintf(path, sizeof(path), "%s%s", env->cfg->status_file,
		RETENTION_STATUS_SUFFIX);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (utc_format(utc_now_usec(), UTC_FMT_Z, ts, sizeof(ts)))
		ts[0] = '\0';
	o = json_pack("{s:s,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "last_pass", ts,
		"pid", (json_int_t)getpid(), "state", state,
		"retention_days", (json_int_t)env->adhoc->retention_days,
		"last_removed", (json_int_t)removed,
		"last_failed", (json_int_t)failed,
		"passes", (json_int_t)rt->passes,
		"removed", (json_int_t)rt->removed,
		"failed", (json_int_t)rt->failed);
	if (o && json_dump_file(o, tmp, JSON_COMPACT) == 0)
		(void)rename(tmp, path);
	else
		(void)unlink(tmp);
	json_decref(o);
}

void
retention_wait(struct retention *rt, const struct job_env *env, int fd)
{
	uint64_t removed, failed;
	int64_t now, wait;
	int rc;

	for (;;) {
		if (!env->adhoc || env->adhoc->retention_days == 0 || !env->db) {
			(void)readable(fd, -1);
			return;
		}
		now = utc_mono_ms();
		if (now < rt->next_ms) {
			wait = rt->next_ms - now;
			if (readable(fd, wait > 3600000 ? 3600000 : (int)wait))
				return;
			continue;
		}
		rt->next_ms = now + (int64_t)env->adhoc->retention_interval * 1000;
		rc = retention_pass(env, fd, &removed, &failed);
		if (rc == E_CONFLICT) {
			log_debug("retention: another worker holds the lock");
			continue;
		}
		rt->passes++;
		rt->removed += removed;
		rt->failed += failed;
		if (rc)
			log_warn("retention: pass failed: %s (%s)", err_str(rc),
				db_errmsg(env->db));
		else
			log_info("retention: pass done, %llu removed, %llu failed "
				"(older than %u days, pinned kept)",
				(unsigned long long)removed,
				(unsigned long long)failed,
				env->adhoc->retention_days);
		write_counts(rt, env, removed, failed, rc ? "failed" : "ok");
		if (readable(fd, 0))
			return;
	}
}
