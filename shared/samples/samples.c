/*
 * samples.c - the sample store interface: checks, row preparation and
 * dispatch to the pg or clickhouse backend (see samples.h).
 *
 * Keys: a frame's key is XXH64 of its name; a stack's key is XXH64 of its
 * frames' keys as 8-byte little-endian words, so a stack key depends on
 * the frame names only, never on the order rows reach a database, and the
 * container is not part of it (it is a dimension of the row).  The probe
 * number is the XXH64 seed: 0 normally, 1, 2, ... after a collision found
 * by a backend (see sql/0005_samples.up.sql for the policy).
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collapsed.h"
#include "err.h"
#include "hash.h"
#include "mem.h"
#include "samples_int.h"

#define SMP_MAX_RANGE (400LL * 86400)	/* longest query range, seconds */

/* Set the error text. */
void
smp_seterr(struct smp *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

/* Frame key. */
uint64_t
smp_frame_key(const char *name, size_t len, unsigned probe)
{
	return hash_xxh64(name, len, probe);
}

/* Stack key over the frame keys as little-endian words. */
uint64_t
smp_stack_key(const uint64_t *fh, size_t n, unsigned probe)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* the words are already in that order: no copy */
	return hash_xxh64(fh, 8 * n, probe);
#else
	unsigned char stackbuf[8 * 64] = { 0 }, *b = stackbuf;
	uint64_t h;
	size_t i, k;

	if (n > 64)
		b = xmalloc(8 * n);
	for (i = 0; i < n; i++)
		for (k = 0; k < 8; k++)
			b[8 * i + k] = (unsigned char)(fh[i] >> (8 * k));
	h = hash_xxh64(b, 8 * n, probe);
	if (b != stackbuf)
		free(b);
	return h;
#endif
}

/* The value of one filter key for a source; NULL for an unknown key. */
static const char *
smp_dim_value(const char *type, const char *host, const char *container,
	const char *env, const char *itype)
{
	if (strcmp(type, "HostName") == 0)
		return host;
	if (strcmp(type, "ContainerName") == 0)
		return container;
	if (strcmp(type, "ContainerEnvName") == 0)
		return env;
	if (strcmp(type, "InstanceType") == 0)
		return itype;
	return NULL;
}

/* Filter match (see samples_int.h). */
bool
smp_filter_match(const struct rql *f, const char *host, const char *container,
	const char *env, const char *itype)
{
	bool any_or = false, or_hit = false;
	size_t i;

	if (!f)
		return true;
	for (i = 0; i < f->n; i++) {
		const struct rql_cond *c = &f->conds[i];
		const char *v = smp_dim_value(c->type, host, container, env,
			itype);
		bool hit = v && (strcmp(v, c->value) == 0) == (c->op == RQL_EQ);

		if (c->or_group) {
			any_or = true;
			or_hit = or_hit || hit;
		} else if (!hit) {
			return false;
		}
	}
	return !any_or || or_hit;
}

/* Split a range for the rollup. */
void
smp_split_range(int64_t from, int64_t to, struct smp_split *out)
{
	int64_t ha = (from + 3599) / 3600 * 3600;
	int64_t hb = to / 3600 * 3600;

	if (from < 0 || to < 0)
		ha = hb = from;
	out->raw_a = from;
	out->raw_b = to;
	if (hb > ha) {
		out->hour_a = ha;
		out->hour_b = hb;
	} else {
		out->hour_a = out->hour_b = from;
	}
}

/* Check a selection. */
static int
smp_check_sel(struct smp *s, const struct smp_sel *sel)
{
	size_t i;

	if (sel->filter)
		for (i = 0; i < sel->filter->n; i++)
			if (!smp_dim_value(sel->filter->conds[i].type, "", "",
			    "", "")) {
				smp_seterr(s, "samples: unknown filter key \"%.64s\"",
					sel->filter->conds[i].type);
				return E_INVAL;
			}
	if (sel->adhoc_key)
		return sel->adhoc_key[0] ? E_OK : E_INVAL;
	if (sel->service_id <= 0) {
		smp_seterr(s, "samples: no service");
		return E_INVAL;
	}
	if (sel->to <= sel->from || sel->from < 0 ||
	    sel->to - sel->from > SMP_MAX_RANGE) {
		smp_seterr(s, "samples: bad time range [%lld, %lld)",
			(long long)sel->from, (long long)sel->to);
		return E_INVAL;
	}
	return E_OK;
}

/* Open the configured backend. */
int
smp_open(const struct cfg *cfg, struct smp **out, char *err, size_t errlen)
{
	struct smp *s;
	int rc;

	*out = NULL;
	s = xcalloc(1, sizeof(*s));
	s->retention_days = cfg->samples.retention_days;
	s->rollup_retention_days = cfg->samples.rollup_retention_days;
	switch (cfg->samples.backend) {
	case CFG_SMP_PG:
		rc = smp_pg_open(s, cfg, err, errlen);
		break;
	case CFG_SMP_CLICKHOUSE:
		rc = smp_ch_open(s, cfg, err, errlen);
		break;
	default:
		snprintf(err, errlen, "samples: backend %d is not in this build",
			(int)cfg->samples.backend);
		rc = E_CONFIG;
		break;
	}
	if (rc != E_OK) {
		free(s);
		return rc;
	}
	*out = s;
	return E_OK;
}

/* Close (NULL is a no-op). */
void
smp_free(struct smp *s)
{
	if (!s)
		return;
	if (s->be && s->be->free)
		s->be->free(s->ctx);
	free(s);
}

/* The last error. */
const char *
smp_errmsg(const struct smp *s)
{
	return s->err;
}

/* The backend's name. */
const char *
smp_backend_name(const struct smp *s)
{
	return s->be->name;
}

/* Sum per stack. */
int
smp_stacks(struct smp *s, const struct smp_sel *sel, size_t max_stacks,
	struct arena *a, smp_stack_fn fn, void *ctx, struct smp_info *info)
{
	struct smp_info dummy;
	int rc;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if ((rc = smp_check_sel(s, sel)) != E_OK)
		return rc;
	return s->be->stacks(s, sel, max_stacks, a, fn, ctx, info);
}

/* Values of a dimension. */
int
smp_tags(struct smp *s, const struct smp_sel *sel, enum smp_dim dim,
	size_t max, struct arena *a, struct smp_tag **out, size_t *n)
{
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = smp_check_sel(s, sel)) != E_OK)
		return rc;
	if ((unsigned)dim > SMP_INSTANCE_TYPE) {
		smp_seterr(s, "samples: unknown dimension %d", (int)dim);
		return E_INVAL;
	}
	return s->be->tags(s, sel, dim, max, a, out, n);
}

/* Check a bucket step. */
static int
smp_check_step(struct smp *s, int64_t step)
{
	if (step == 60 || (step > 0 && step % 3600 == 0 && step <= 86400 * 31))
		return E_OK;
	smp_seterr(s, "samples: bucket step %lld is not 60 or whole hours",
		(long long)step);
	return E_INVAL;
}

/* Per-bucket totals. */
int
smp_buckets(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_bucket **out, size_t *n)
{
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = smp_check_sel(s, sel)) != E_OK ||
	    (rc = smp_check_step(s, step)) != E_OK)
		return rc;
	return s->be->buckets(s, sel, step, max, a, out, n);
}

/* Host metrics over the whole selection. */
int
smp_metrics(struct smp *s, const struct smp_sel *sel, struct smp_metrics *out)
{
	struct arena a;
	struct smp_metrics_bucket *b = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->cpu_avg = out->cpu_max = out->mem_avg = out->mem_max = -1;
	if ((rc = smp_check_sel(s, sel)) != E_OK)
		return rc;
	arena_init(&a, 0);
	rc = s->be->metrics(s, sel, 0, 1, &a, &b, &n);
	if (rc == E_OK && n == 1)
		*out = b[0].m;
	arena_release(&a);
	return rc;
}

/* Host metrics per bucket. */
int
smp_metrics_buckets(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_metrics_bucket **out, size_t *n)
{
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = smp_check_sel(s, sel)) != E_OK ||
	    (rc = smp_check_step(s, step)) != E_OK)
		return rc;
	return s->be->metrics(s, sel, step, max, a, out, n);
}

/* Order rows by container, then stack key, then frame keys. */
static int
smp_row_cmp(const void *x, const void *y)
{
	const struct smp_row *a = x, *b = y;
	int c;

	if ((c = strcmp(a->container, b->container)) != 0)
		return c;
	if ((c = strcmp(a->container_env, b->container_env)) != 0)
		return c;
	if (a->sh != b->sh)
		return a->sh < b->sh ? -1 : 1;
	if (a->nframes != b->nframes)
		return a->nframes < b->nframes ? -1 : 1;
	return memcmp(a->fh, b->fh, a->nframes * sizeof(*a->fh));
}

/* Whether two sorted rows are the same (container, stack). */
static bool
smp_row_same(const struct smp_row *a, const struct smp_row *b)
{
	return smp_row_cmp(a, b) == 0;
}

/* Store one profile. */
int
smp_write_profile(struct smp *s, const struct smp_profile *p,
	const struct smp_line *lines, size_t n, bool *dup)
{
	struct arena a;
	struct smp_row *rows;
	size_t i, k, m = 0;
	int rc;

	*dup = false;
	if (!p->key || !p->key[0] || p->service_id <= 0 || !p->hostname ||
	    p->end < p->start) {
		smp_seterr(s, "samples: profile without key, service, host or "
			"time");
		return E_INVAL;
	}
	arena_init(&a, 0);
	rows = arena_alloc(&a, (n ? n : 1) * sizeof(*rows));
	for (i = 0; i < n; i++) {
		struct smp_row *r = &rows[i];

		if (lines[i].nframes == 0 || lines[i].count == 0) {
			smp_seterr(s, "samples: empty stack line");
			rc = E_INVAL;
			goto out;
		}
		coll_container(lines[i].container ? lines[i].container : "",
			&a, &r->container, &r->container_env);
		r->frames = lines[i].frames;
		r->nframes = lines[i].nframes;
		r->count = lines[i].count;
		r->fh = arena_alloc(&a, r->nframes * sizeof(*r->fh));
		for (k = 0; k < r->nframes; k++)
			r->fh[k] = smp_frame_key(r->frames[k],
				strlen(r->frames[k]), 0);
		r->sh = smp_stack_key(r->fh, r->nframes, 0);
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), smp_row_cmp);
	for (i = 0; i < n; i++) {
		if (m > 0 && smp_row_same(&rows[m - 1], &rows[i]))
			rows[m - 1].count += rows[i].count;
		else
			rows[m++] = rows[i];
	}
	rc = s->be->write(s, p, rows, m, dup);
out:
	arena_release(&a);
	return rc;
}

/* Remove an ad hoc profile's rows. */
int
smp_delete_adhoc(struct smp *s, const char *adhoc_key)
{
	if (!adhoc_key || !adhoc_key[0])
		return E_INVAL;
	return s->be->delete_adhoc(s, adhoc_key);
}

/* Remove a profile's rows by key. */
int
smp_forget_profile(struct smp *s, const char *key)
{
	if (!key || !key[0])
		return E_INVAL;
	return s->be->forget(s, key);
}

/* Storage summary. */
int
smp_status(struct smp *s, struct smp_status *out)
{
	memset(out, 0, sizeof(*out));
	return s->be->status(s, out);
}

/* Drop expired days. */
int
smp_prune(struct smp *s, int64_t now, size_t *dropped)
{
	int64_t day = now / 86400 * 86400;

	*dropped = 0;
	return s->be->prune(s, day - (int64_t)s->retention_days * 86400,
		day - (int64_t)s->rollup_retention_days * 86400, dropped);
}
