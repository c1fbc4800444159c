/*
 * smp_index.h - a parsed profile's stacks into the sample store: the one
 * definition of "index a profile", used by the workers for every upload
 * and by ember-admin samples reindex.
 *
 * Every profile is indexed, continuous and ad hoc alike; an ad hoc one
 * (it carries flamegraph_html and is not continuous) gets its rows tied
 * to its metadata row's s3_key.  The profile key is the raw object key
 * (prof_raw_key()), so indexing the same profile twice writes nothing
 * twice.
 */
#ifndef EMBER_SMP_INDEX_H
#define EMBER_SMP_INDEX_H

#include "compat.h"

#include "cfg.h"
#include "profile.h"
#include "samples.h"

/* Which profile this is: where it was uploaded. */
struct smp_index_src {
	const char *service;	/* the service's name (a key segment) */
	int64_t service_id;
	const char *filename;	/* the upload's file name */
};

/* What indexing said. */
struct smp_index_result {
	uint64_t bad;		/* malformed stack lines skipped */
	bool poison;		/* on failure: the file will never index */
	char why[256];		/* on failure: the reason */
};

/*
 * Index the stack lines of text (the whole gunzipped file, len bytes),
 * whose header p has parsed, with the line limits of lim (NULL: the
 * defaults).  Returns E_OK, E_INVAL when the file has stack lines and
 * every one is malformed (res->poison), or the store's error (poison
 * when E_INVAL, else retryable); res->why says why.
 */
MUST_CHECK int smp_index_profile(struct smp *smp, const struct cfg_samples *lim,
	const struct smp_index_src *src, const struct prof *p,
	const char *text, size_t len, struct smp_index_result *res);

#endif
