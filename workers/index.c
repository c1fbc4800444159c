/*
 * index.c - one profile's stacks into the sample store (see index.h).
 *
 * The lines are parsed into an arena of their own, freed before
 * returning, so a worker holds the text and its parsed lines only while
 * this runs.  Times: the start is the one the object name carries (UTC),
 * else now; the end is start + run_arguments.duration, else + 60 s (the
 * agent's continuous window).
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "collapsed.h"
#include "index.h"
#include "jsonx.h"
#include "utc.h"

/* A number at path of the header, or dflt. */
static double
hdr_num(const struct prof *p, const char *path, double dflt)
{
	json_t *v = p->header ? jsonx_path(p->header, path) : NULL;

	return v && json_is_number(v) ? json_number_value(v) : dflt;
}

/* Index (see index.h). */
int
index_profile(const struct job_env *env, const struct job_msg *jm,
	const struct prof *p, const char *text, size_t len,
	struct job_result *res)
{
	struct coll_limits lim = { 0 };
	struct coll_result cr;
	struct smp_profile sp;
	struct buf key = BUF_INIT(0), fg = BUF_INIT(0);
	struct arena a;
	const char *itype;
	int64_t start;
	bool dup = false;
	int rc = E_OK;

	if (!env->smp)
		return E_OK;
	if (env->samples) {
		lim.max_line = env->samples->max_line;
		lim.max_frames = env->samples->max_frames;
		lim.max_lines = env->samples->max_lines;
	}
	arena_init(&a, 0);
	coll_parse(text, len, p->header, &lim, &a, &cr);
	res->bad = cr.bad;
	if (cr.n == 0 && cr.bad > 0) {
		rc = E_INVAL;
		res->err = rc;
		res->verdict = PROTO_V_POISON;
		snprintf(res->why, sizeof(res->why),
			"no well-formed stack line (%llu malformed)",
			(unsigned long long)cr.bad);
		goto out;
	}
	if ((rc = prof_raw_key(jm->service, jm->filename, &key)) != E_OK)
		goto out;
	if (prof_start_time(jm->filename, &start) != E_OK)
		start = utc_now_usec();
	memset(&sp, 0, sizeof(sp));
	sp.key = key.data;
	sp.service_id = jm->service_id;
	sp.hostname = p->hostname ? p->hostname : "";
	itype = p->header ? jsonx_str(p->header,
		"metadata.cloud_info.instance_type") : NULL;
	sp.instance_type = itype ? itype : "";
	sp.start = start / 1000000;
	sp.end = sp.start + (p->has_duration ? p->duration : 60);
	sp.cpu_avg = hdr_num(p, "metrics.cpu_avg", -1);
	sp.mem_avg = hdr_num(p, "metrics.mem_avg", -1);
	sp.cores = (int)hdr_num(p, "metadata.processors", -1);
	if (p->html && prof_kind(p) == PROF_ADHOC &&
	    prof_flamegraph_key(jm->service, jm->filename, p->hostname,
	    PROF_ADHOC, &fg) == E_OK)
		sp.adhoc_key = fg.data;
	rc = smp_write_profile(env->smp, &sp, cr.lines, cr.n, &dup);
	if (rc) {
		res->err = rc;
		res->verdict = rc == E_INVAL ? PROTO_V_POISON : PROTO_V_RETRY;
		snprintf(res->why, sizeof(res->why), "sample store: %s",
			smp_errmsg(env->smp));
	}
out:
	buf_release(&key);
	buf_release(&fg);
	arena_release(&a);
	return rc;
}
