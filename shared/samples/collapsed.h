/*
 * collapsed.h - the stack lines of an uploaded profile, parsed into the
 * records the sample store keeps (struct smp_line).
 *
 *     # {header JSON}                       (read by prof_parse())
 *     [idx;]container;comm[;appid: x];frame;...;frame count
 *
 * Rules (the agent's format, with the indexer's defects fixed):
 * - the line is trimmed; the count is the text after the last space and
 *   must be decimal digits; frames may contain spaces;
 * - the leading fields: idx when the header has
 *   application_metadata_enabled (and the API version is not "v1"), then
 *   the container unless metadata.run_arguments.profile_api_version is
 *   "v1"; a line without enough fields is bad;
 * - the frames are joined with ';', normalised by the rule table
 *   (coll_normalize), split again, trimmed, and empty frames dropped;
 * - a line whose first frame (the process name) starts with "swapper", or
 *   whose count is 0, is dropped (not bad);
 * - a line that is too long, too deep, has no frames, no count or a count
 *   that is not a number is bad: counted, never fatal;
 * - lines after the max_lines-th stack line are counted as bad and
 *   `truncated` is set.
 * Lines starting with '#' and blank lines are skipped.
 *
 * Pure: no I/O.  Everything out lives in the arena.
 */
#ifndef EMBER_COLLAPSED_H
#define EMBER_COLLAPSED_H

#include "compat.h"

#include <jansson.h>

#include "arena.h"
#include "samples.h"

struct coll_limits {
	size_t max_line;	/* bytes of one line, 0 = 1 MiB */
	size_t max_frames;	/* frames of one stack, 0 = 4096 */
	size_t max_lines;	/* stack lines kept, 0 = 1,000,000 */
};

struct coll_result {
	struct smp_line *lines;	/* in the arena */
	size_t n;
	uint64_t bad;		/* malformed, too long or too deep lines */
	uint64_t dropped;	/* swapper lines and count 0 */
	uint64_t samples;	/* sum of the kept lines' counts */
	bool truncated;		/* max_lines was passed */
};

/*
 * Parse the stack lines of len bytes (the whole file; a first line
 * starting with '#' is skipped).  header is the parsed header (NULL when
 * there is none) and only selects the field layout.  Never fails.
 */
void coll_parse(const char *data, size_t len, const json_t *header,
	const struct coll_limits *lim, struct arena *a,
	struct coll_result *out);

/*
 * Normalise the generated parts of frame names in s (len bytes): the rule
 * table replaces them with "[m]" (GeneratedMethodAccessor123,
 * Lambda$17/0x..., /tmp/perf-1234.map, $Proxy12, staticx and PyInstaller
 * temp directories, ...).  Returns s itself when no rule matched, else a
 * new NUL-terminated string in the arena; *outlen gets its length.
 */
const char *coll_normalize(const char *s, size_t len, struct arena *a,
	size_t *outlen);

/*
 * The names a raw container name is shown under:
 *   k8s_<container>_<pod>_<namespace>_<uid>_<attempt>
 *       -> name "<container>_<pod'>_<namespace>", env "<pod'>_<namespace>"
 *          (pod' = the pod name without its generated id parts)
 *   ecs-<family>-<rev>-<name>-<hash> -> name "<name>_<family>", env "<family>"
 *   anything else -> name = raw, env "".
 * Strings in the arena (or raw itself).
 */
void coll_container(const char *raw, struct arena *a, const char **name,
	const char **env);

#endif
