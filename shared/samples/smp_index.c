/*
 * smp_index.c - one profile's stack lines parsed (collapsed.c) and
 * written as one sample-store profile, with the dimensions its header
 * gives (host, instance type, averages) and its time range.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "collapsed.h"
#include "jsonx.h"
#include "smp_index.h"
#include "utc.h"

/* A number at path of the header, or dflt. */
static double
hdr_num(const struct prof *p, const char *path, double dflt)
{
	json_t *v = p->header ? jsonx_path(p->header, path) : NULL;

	return v && json_is_number(v) ? json_number_value(v) : dflt;
}

/* Index (see smp_index.h). */
int
smp_index_profile(struct smp *smp, const struct cfg_samples *samples,
	const struct smp_index_src *src, const struct prof *p,
	const char *text, size_t len, struct smp_index_result *res)
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

	memset(res, 0, sizeof(*res));
	if (samples) {
		lim.max_line = samples->max_line;
		lim.max_frames = samples->max_frames;
		lim.max_lines = samples->max_lines;
	}
	arena_init(&a, 0);
	coll_parse(text, len, p->header, &lim, &a, &cr);
	res->bad = cr.bad;
	if (cr.n == 0 && cr.bad > 0) {
		rc = E_INVAL;
		res->poison = true;
		snprintf(res->why, sizeof(res->why),
			"no well-formed stack line (%llu malformed)",
			(unsigned long long)cr.bad);
		goto out;
	}
	if ((rc = prof_raw_key(src->service, src->filename, &key)) != E_OK) {
		res->poison = true;
		snprintf(res->why, sizeof(res->why), "bad object key");
		goto out;
	}
	if (prof_start_time(src->filename, &start) != E_OK)
		start = utc_now_usec();
	memset(&sp, 0, sizeof(sp));
	sp.key = key.data;
	sp.service_id = src->service_id;
	sp.hostname = p->hostname ? p->hostname : "";
	itype = p->header ? jsonx_str(p->header,
		"metadata.cloud_info.instance_type") : NULL;
	sp.instance_type = itype ? itype : "";
	sp.start = start / 1000000;
	sp.end = sp.start + (p->has_duration ? p->duration : 60);
	sp.cpu_avg = hdr_num(p, "metrics.cpu_avg", -1);
	sp.mem_avg = hdr_num(p, "metrics.mem_avg", -1);
	sp.cores = (int)hdr_num(p, "metadata.processors", -1);
	if (prof_kind(p) == PROF_ADHOC &&
	    prof_flamegraph_key(src->service, src->filename, p->hostname,
	    PROF_ADHOC, &fg) == E_OK)
		sp.adhoc_key = fg.data;
	rc = smp_write_profile(smp, &sp, cr.lines, cr.n, &dup);
	if (rc) {
		res->poison = rc == E_INVAL;
		snprintf(res->why, sizeof(res->why), "sample store: %s",
			smp_errmsg(smp));
	}
out:
	buf_release(&key);
	buf_release(&fg);
	arena_release(&a);
	return rc;
}
