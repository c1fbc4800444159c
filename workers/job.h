/*
 * job.h - one queue message through the object store and the database:
 * the ad hoc flamegraph indexer (the original's behaviour, with its
 * defects fixed: profiles classified by run_arguments.continuous, see
 * shared/profile/profile.c; every step idempotent; caps on every size).
 *
 * The message body is exactly {"filename","service","service_id"}.  The
 * job fetches products/{service}/stacks/{filename} (capped), gunzips it
 * (capped), parses the header, and when flamegraph_html is present writes
 * the HTML to the flamegraph key (Content-Type text/html; charset=utf-8,
 * no Content-Encoding) and, for ad hoc profiles, upserts the
 * AdhocFlamegraphMetadata row ON CONFLICT (s3_key).  Every step is
 * idempotent, so a redelivered message changes nothing.
 *
 * The verdict says what the supervisor does with the message: DONE only
 * when the object is written and the row committed; POISON for input
 * that can never succeed (bad body, bad gzip, bad header JSON, over a
 * size cap, missing object, unknown service); RETRY for everything else.
 */
#ifndef EMBER_JOB_H
#define EMBER_JOB_H

#include "compat.h"

#include "cfg.h"
#include "db.h"
#include "err.h"
#include "proto.h"
#include "samples.h"
#include "store.h"

struct job_env {
	const struct cfg_workers *cfg;	/* caps */
	struct store *store;
	struct db *db;
	struct smp *smp;			/* NULL: stacks are not indexed */
	const struct cfg_samples *samples;	/* line limits (NULL: defaults) */
	unsigned max_receives;	/* queue.max_receives; 0 = unknown */
	unsigned receive_count;	/* of the message being run */
	const struct cfg_adhoc *adhoc;	/* retention (NULL: none) */
};

struct job_msg {
	char filename[256];
	char service[256];
	int64_t service_id;
};

struct job_result {
	int err;			/* enum err of the failure, E_OK */
	enum proto_verdict verdict;
	char why[512];			/* reason for RETRY / POISON */
	enum proto_kind kind;		/* what was written */
	uint64_t stacks, bad, samples;	/* from the profile */
	uint64_t html;			/* flamegraph bytes written */
	char key[1024];			/* flamegraph key, "" if none */
};

/*
 * Parse and check a message body: E_INVAL (with err) unless it is a JSON
 * object whose filename and service are safe key segments and whose
 * service_id is an integer > 0.
 */
MUST_CHECK int job_parse_body(const char *body, size_t len, struct job_msg *out,
	char *err, size_t errlen);

/* Run one job; the outcome is in *res (never fails otherwise). */
void job_run(const struct job_env *env, const char *body, size_t len,
	struct job_result *res);

#endif
