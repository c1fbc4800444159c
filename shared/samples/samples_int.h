/*
 * samples_int.h - what samples.c shares with its backends (samples_pg*.c,
 * and samples_ch*.c for ClickHouse).  Not for other modules: use
 * samples.h.
 *
 * samples.c checks every selection and turns the parsed lines of a
 * profile into rows before a backend sees them: container names mapped
 * (ContainerName / ContainerEnvName), frames and stacks hashed, and rows
 * with the same container and stack merged.  Backends store rows and
 * answer queries; they never parse, hash or trust filter text.
 */
#ifndef EMBER_SAMPLES_INT_H
#define EMBER_SAMPLES_INT_H

#include "compat.h"

#include "samples.h"

/* Most probes tried on a key collision before the profile fails. */
#define SMP_MAX_PROBES 8

/* One (container, stack) of a profile, ready to store. */
struct smp_row {
	const char *container;		/* ContainerName */
	const char *container_env;	/* ContainerEnvName */
	const char *const *frames;	/* root first */
	size_t nframes;
	uint64_t *fh;			/* frame keys: smp_frame_key(probe 0);
					 * a backend may re-key on a collision */
	uint64_t sh;			/* stack key: smp_stack_key(fh, probe 0) */
	uint64_t count;
};

/*
 * A time range split for the hourly rollup: raw rows for [raw_a, hour_a)
 * and [hour_b, raw_b), rollup rows for [hour_a, hour_b).  When the range
 * holds no whole hour, hour_a == hour_b and the raw pieces meet.
 */
struct smp_split {
	int64_t raw_a, hour_a, hour_b, raw_b;
};

struct smp_backend {
	const char *name;
	int (*write)(struct smp *s, const struct smp_profile *p,
		struct smp_row *rows, size_t n, bool *dup);
	int (*stacks)(struct smp *s, const struct smp_sel *sel,
		size_t max_stacks, struct arena *a, smp_stack_fn fn, void *ctx,
		struct smp_info *info);
	int (*tags)(struct smp *s, const struct smp_sel *sel, enum smp_dim dim,
		size_t max, struct arena *a, struct smp_tag **out, size_t *n);
	int (*buckets)(struct smp *s, const struct smp_sel *sel, int64_t step,
		size_t max, struct arena *a, struct smp_bucket **out,
		size_t *n);
	/* step 0: one aggregate over sel (out has one element). */
	int (*metrics)(struct smp *s, const struct smp_sel *sel, int64_t step,
		size_t max, struct arena *a, struct smp_metrics_bucket **out,
		size_t *n);
	int (*delete_adhoc)(struct smp *s, const char *adhoc_key);
	int (*forget)(struct smp *s, const char *key);
	int (*status)(struct smp *s, struct smp_status *out);
	int (*prune)(struct smp *s, int64_t raw_before, int64_t rollup_before,
		size_t *dropped);
	void (*free)(void *ctx);
};

struct smp {
	const struct smp_backend *be;
	void *ctx;
	unsigned retention_days;
	unsigned rollup_retention_days;
	char err[512];
};

/* Set s->err (backends report their detail this way). */
void smp_seterr(struct smp *s, const char *fmt, ...) ATTR_PRINTF(2, 3);

/* The key of a frame name with a probe number (0 first). */
uint64_t smp_frame_key(const char *name, size_t len, unsigned probe);
/* The key of a stack from its frame keys, root first. */
uint64_t smp_stack_key(const uint64_t *fh, size_t n, unsigned probe);

/*
 * Whether a source matches a filter: every "$and" condition holds, and
 * when there are "$or" conditions at least one of them holds.  NULL or
 * empty matches everything.
 */
bool smp_filter_match(const struct rql *f, const char *host,
	const char *container, const char *container_env,
	const char *instance_type);

/* Split [from, to) into raw edges and whole hours. */
void smp_split_range(int64_t from, int64_t to, struct smp_split *out);

MUST_CHECK int smp_pg_open(struct smp *s, const struct cfg *cfg, char *err,
	size_t errlen);
MUST_CHECK int smp_ch_open(struct smp *s, const struct cfg *cfg, char *err,
	size_t errlen);

#endif
