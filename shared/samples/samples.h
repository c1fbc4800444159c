/*
 * samples.h - the sample store: the stacks of every uploaded profile,
 * summed by (service, time bucket, host, container, stack).
 *
 * Two backends sit behind this one interface, like the object store and
 * the queue: "pg" (partitioned tables in the service's PostgreSQL, the
 * default) and "clickhouse" (its HTTP interface through libcurl).  One
 * contract suite runs against both.
 *
 * This header is the contract the readers (ember-fcgi's flamegraph,
 * filter and metrics handlers) are written against.  The writer side
 * (smp_write_profile) is used by the workers; the admin side by
 * ember-admin samples.
 *
 * Errors: the err.h codes.  E_INVAL for a bad selection, E_TOOBIG when a
 * caller's cap is passed, E_DB / E_HTTP / E_TIMEOUT for a backend that
 * failed (worth retrying), with the detail in smp_errmsg().
 */
#ifndef EMBER_SAMPLES_H
#define EMBER_SAMPLES_H

#include "compat.h"

#include "arena.h"
#include "cfg.h"
#include "rql.h"

struct smp;

/* ----------------------------------------------------------------- read */

/*
 * Which samples to sum.  Either a time range of a service (with an
 * optional filter on HostName, ContainerName, ContainerEnvName and
 * InstanceType) or one ad hoc profile.
 */
struct smp_sel {
	int64_t service_id;
	int64_t from;			/* unix seconds, inclusive */
	int64_t to;			/* unix seconds, exclusive */
	const char *adhoc_key;		/* non-NULL: only this ad hoc profile (its
					 * metadata row's s3_key); from/to ignored */
	const struct rql *filter;	/* NULL or empty: every host and container */
};

/* What a query did, for the response's timings and the bench. */
struct smp_info {
	uint64_t rows_read;		/* rows the backend scanned, when it says */
	uint64_t total;			/* sum of every count selected (before any cap) */
	bool rollup;			/* answered (partly) from the hourly rollup */
};

/*
 * Called once per distinct stack with its summed count.  frames[0] is the
 * root (the process name), frames[n-1] the leaf; the strings live until
 * the query returns (or in the arena).  A non-zero return stops the query
 * and is returned by smp_stacks().
 */
typedef int (*smp_stack_fn)(void *ctx, const char *const *frames,
	size_t nframes, uint64_t count);

/*
 * Sum the samples of sel per stack and call fn for each.  max_stacks > 0
 * keeps only the heaviest stacks (by summed count) up to that many; the
 * rest are not reported but still count in info->total.  Order of calls
 * is unspecified.
 */
MUST_CHECK int smp_stacks(struct smp *s, const struct smp_sel *sel,
	size_t max_stacks, struct arena *a, smp_stack_fn fn, void *ctx,
	struct smp_info *info);

/* Distinct values of one dimension in sel, with their summed samples. */
enum smp_dim {
	SMP_HOSTNAME = 0,
	SMP_CONTAINER,		/* ContainerName */
	SMP_CONTAINER_ENV,	/* ContainerEnvName */
	SMP_INSTANCE_TYPE,
};
struct smp_tag {
	const char *value;
	uint64_t samples;
};
/* Values of dim in sel, most samples first, at most max; in the arena. */
MUST_CHECK int smp_tags(struct smp *s, const struct smp_sel *sel,
	enum smp_dim dim, size_t max, struct arena *a, struct smp_tag **out,
	size_t *n);

/* Buckets of sel that hold samples: start second and summed samples. */
struct smp_bucket {
	int64_t ts;
	uint64_t samples;
};
/*
 * Per-bucket sample totals of sel with buckets of `step` seconds (60 or a
 * multiple of 3600), oldest first, at most max.
 */
MUST_CHECK int smp_buckets(struct smp *s, const struct smp_sel *sel,
	int64_t step, size_t max, struct arena *a, struct smp_bucket **out,
	size_t *n);

/*
 * Host metrics, from the one record kept per stored profile (host, start,
 * instance type, cores, CPU and memory averages, samples).  These feed
 * the metrics panel and the service graphs.
 */
struct smp_metrics {
	double cpu_avg;			/* mean of the profiles' cpu_avg, < 0 if none */
	double cpu_max;			/* percentile or max, as the caller asked */
	double mem_avg;			/* mean of each host's highest mem_avg */
	double mem_max;
	uint64_t samples;		/* summed samples */
	uint64_t hosts;			/* distinct hosts */
	uint64_t cores;			/* sum over distinct hosts of their last core count */
	uint64_t profiles;		/* profile records in sel */
};
MUST_CHECK int smp_metrics(struct smp *s, const struct smp_sel *sel,
	struct smp_metrics *out);
/* The same per bucket of `step` seconds (oldest first, at most max). */
struct smp_metrics_bucket {
	int64_t ts;
	struct smp_metrics m;
};
MUST_CHECK int smp_metrics_buckets(struct smp *s, const struct smp_sel *sel,
	int64_t step, size_t max, struct arena *a,
	struct smp_metrics_bucket **out, size_t *n);

/* ---------------------------------------------------------------- write */

/* One profile as the worker parsed it. */
struct smp_profile {
	const char *key;		/* unique per upload (the raw object key):
					 * writing the same key twice is a no-op */
	int64_t service_id;
	const char *hostname;
	const char *instance_type;	/* "" if unknown */
	int64_t start;			/* unix seconds the profile covers */
	int64_t end;
	double cpu_avg;			/* percent, < 0 if unknown */
	double mem_avg;			/* percent, < 0 if unknown */
	int cores;			/* < 0 if unknown */
	const char *adhoc_key;		/* ad hoc metadata s3_key, or NULL */
};

/* One stack line: container, frames root first, count. */
struct smp_line {
	const char *container;		/* raw container name, "" if none */
	const char *const *frames;
	size_t nframes;
	uint64_t count;
};

/*
 * Store one profile's lines in one transaction (pg) or one idempotent
 * insert (clickhouse).  Returns 0 and sets *dup when the key was already
 * stored (nothing written).
 */
MUST_CHECK int smp_write_profile(struct smp *s, const struct smp_profile *p,
	const struct smp_line *lines, size_t n, bool *dup);

/* Remove every row tied to one ad hoc profile (delete of that profile). */
MUST_CHECK int smp_delete_adhoc(struct smp *s, const char *adhoc_key);

/*
 * Remove every row of one stored profile (by its key), taking its counts
 * out of the rollup, so that it can be written again (reindex).  Not an
 * error when the key is not stored.
 */
MUST_CHECK int smp_forget_profile(struct smp *s, const char *key);

/* ---------------------------------------------------------------- admin */

/*
 * Open the configured backend (cfg->samples.backend) with its own
 * connection.  E_CONFIG for a backend this build does not have; E_DB /
 * E_HTTP when it cannot be reached (err says why).
 */
MUST_CHECK int smp_open(const struct cfg *cfg, struct smp **out, char *err,
	size_t errlen);
void smp_free(struct smp *s);
const char *smp_errmsg(const struct smp *s);
/* "pg" or "clickhouse". */
const char *smp_backend_name(const struct smp *s);

/* What is stored, for ember-admin samples status. */
struct smp_status {
	uint64_t profiles;	/* profile records */
	uint64_t sample_rows;	/* raw rows */
	uint64_t rollup_rows;	/* rows of the rollups (hourly and daily) */
	uint64_t frames;	/* frame dictionary entries */
	uint64_t stacks;	/* stack dictionary entries */
	uint64_t bytes;		/* storage used by all of it */
	uint64_t days;		/* day partitions of raw samples */
	int64_t oldest;		/* first raw day (unix seconds), 0 if none */
	int64_t newest;		/* last raw day, 0 if none */
};
MUST_CHECK int smp_status(struct smp *s, struct smp_status *out);

/*
 * Drop whole days past retention as of `now` (unix seconds): raw samples
 * older than samples.retention_days, the rollup and profile records older
 * than samples.rollup_retention_days.  *dropped gets the number of day
 * partitions dropped.
 */
MUST_CHECK int smp_prune(struct smp *s, int64_t now, size_t *dropped);

#endif
