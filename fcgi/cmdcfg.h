/*
 * cmdcfg.h - the combined_config of a profiling command: building it from
 * a profile request and merging it into a host's pending command.
 *
 * Pure functions on jansson values (no I/O), so the merge rules are unit
 * tested on their own (tests/unit/test_cmdcfg.c).
 */
#ifndef EMBER_FCGI_CMDCFG_H
#define EMBER_FCGI_CMDCFG_H

#include "compat.h"

#include <jansson.h>

/* The validated fields of a start request that go into the config. */
struct cmdcfg_start {
	bool continuous;
	int64_t duration;
	int64_t frequency;
	const char *profiling_mode;
	const char *stop_level;		/* NULL when the request had none */
	json_t *additional_args;	/* object or NULL, borrowed */
};

/*
 * A new start config: {"command_type":"start", continuous, duration,
 * frequency, profiling_mode} plus every key of additional_args (which
 * cannot override those five), plus stop_level when given, plus "pids"
 * when pids is a non-empty array (borrowed).  Returns a new reference.
 */
json_t *cmdcfg_new_start(const struct cmdcfg_start *s, json_t *pids);
/*
 * Merge a new start config into the config of a host's command that is
 * still pending (never sent): maximum duration and frequency, OR of
 * continuous, union of pids (both limited to pids; if either covers the
 * whole host, so does the result), everything else from the new one.
 * Returns a new reference; neither argument is changed.
 */
json_t *cmdcfg_merge(json_t *pending, json_t *fresh);
/*
 * The pids of `have` (array of integers) not in `drop` (array), as a new
 * array reference, in the order of `have`.
 */
json_t *cmdcfg_pids_minus(json_t *have, json_t *drop);
/*
 * Whether every element of a target_hosts value is acceptable: null, or
 * an array of positive integers.  *n_pids receives the array length (0
 * for null).
 */
bool cmdcfg_pids_valid(json_t *v, size_t *n_pids);

#endif
