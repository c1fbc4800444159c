/*
 * index.h - a parsed profile's stacks into the sample store (the worker
 * side of shared/samples).
 *
 * Every profile is indexed, continuous and ad hoc alike; an ad hoc one
 * (it carries flamegraph_html and is not continuous) gets its rows tied
 * to its metadata row's s3_key.  The profile key is the raw object key,
 * so a redelivered message writes nothing twice.
 */
#ifndef EMBER_INDEX_H
#define EMBER_INDEX_H

#include "compat.h"

#include "job.h"
#include "profile.h"
#include "samples.h"

/*
 * Index the stack lines of text (the whole gunzipped file, len bytes),
 * whose header p has parsed.  Returns E_OK (nothing to do with
 * env->smp NULL), E_INVAL when the file has stack lines and every one is
 * malformed (poison), or the backend's error (retryable); *res gets the
 * verdict and reason on failure.
 */
MUST_CHECK int index_profile(const struct job_env *env,
	const struct job_msg *jm, const struct prof *p, const char *text,
	size_t len, struct job_result *res);

#endif
