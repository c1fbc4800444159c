/*
 * smp_pending.c - placeholder for the sample store's read side until its
 * implementation (shared/samples) is merged into this branch: every call
 * fails with E_CONFIG, so the endpoints that read samples answer 5xx and
 * everything else works.  Delete this file (and its Makefile.am line)
 * when merging the sample store.
 */
#include "compat.h"

#include <stdio.h>

#include "samples.h"

/* Refuse to open. */
int
smp_open(const struct cfg *cfg, struct smp **out, char *err, size_t errlen)
{
	(void)cfg;
	*out = NULL;
	snprintf(err, errlen, "the sample store is not built into this binary");
	return E_CONFIG;
}

/* Nothing to free. */
void
smp_free(struct smp *s)
{
	(void)s;
}

/* No store, no message. */
const char *
smp_errmsg(const struct smp *s)
{
	(void)s;
	return "the sample store is not built into this binary";
}

int
smp_stacks(struct smp *s, const struct smp_sel *sel, size_t max_stacks,
	struct arena *a, smp_stack_fn fn, void *ctx, struct smp_info *info)
{
	return E_CONFIG;
}

int
smp_tags(struct smp *s, const struct smp_sel *sel, enum smp_dim dim,
	size_t max, struct arena *a, struct smp_tag **out, size_t *n)
{
	return E_CONFIG;
}

int
smp_buckets(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_bucket **out, size_t *n)
{
	return E_CONFIG;
}

int
smp_metrics(struct smp *s, const struct smp_sel *sel, struct smp_metrics *out)
{
	return E_CONFIG;
}

int
smp_metrics_buckets(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_metrics_bucket **out,
	size_t *n)
{
	return E_CONFIG;
}
