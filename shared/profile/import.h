/*
 * import.h - profiles from files: stacks out of the formats operators
 * already have.
 *
 *   perf     `perf script` text: one sample a block, a header line
 *            (comm pid/tid [cpu] time: [period] event:) then frames, leaf
 *            first, each "addr symbol+off (module)"; blank line between.
 *            The rules of stackcollapse-perf: the process name is the root
 *            frame; only the first event seen is counted (one per sample);
 *            "+0x.." offsets dropped; "[unknown]" symbols named after their
 *            module ("[libc.so.6]"); kernel frames (module [kernel.kallsyms],
 *            vmlinux or a kernel address) get the "_[k]" suffix the agents
 *            use; inlined frames (module "(inlined)") stay frames of their
 *            own, in call order.
 *   pprof    gzip'd (or plain) profile.proto, decoded with protobuf-c.
 *            The sample value column is the one named by `sample_type` when
 *            given, else "cpu", else "samples", else the profile's default,
 *            else the first.  A location's lines are inlined frames, the
 *            last line the outermost caller.
 *   html     a flamegraph page as the agents make it: the d3-flame-graph
 *            tree passed to `.datum(...)` is read back into stacks (a node's
 *            own samples = its value minus its children's).
 *
 * Every parser calls fn once per stack (frames root first, count > 0), in
 * the order it meets them; the same path may come more than once.  The
 * frame strings live until fn returns (copy them to keep them).
 *
 * Limits (struct imp_limits) give E_TOOBIG: max_input (bytes after gunzip),
 * max_frames (per stack), max_stacks (calls of fn), max_name (bytes of one
 * frame name; longer names are an error, not cut).  Malformed input gives
 * E_INVAL; err says where.  A parser that fails part-way has already
 * called fn for the stacks before the failure: callers that must not keep
 * half a profile collect first and store only after a 0 return.
 */
#ifndef EMBER_IMPORT_H
#define EMBER_IMPORT_H

#include "compat.h"

#include "arena.h"
#include "err.h"

enum imp_format {
	IMP_UNKNOWN = 0,
	IMP_FOLDED,		/* "a;b;c 12" lines */
	IMP_COLLAPSED,		/* the agents' "# {header}" + collapsed lines */
	IMP_PERF,
	IMP_PPROF,
	IMP_HTML,
};

struct imp_limits {
	size_t max_input;	/* bytes of (decompressed) input */
	size_t max_frames;	/* frames in one stack */
	size_t max_stacks;	/* stacks in one profile */
	size_t max_name;	/* bytes in one frame name */
};

typedef int (*imp_stack_fn)(void *ctx, const char *const *frames,
	size_t nframes, uint64_t count);

struct imp_result {
	uint64_t stacks;	/* calls of fn */
	uint64_t samples;	/* sum of the counts */
	uint64_t skipped;	/* samples or lines left out (other events, no frames) */
	char detail[128];	/* e.g. the event or sample type used */
};

/* The format of data by its first bytes (gzip is looked into for pprof). */
enum imp_format imp_detect(const void *data, size_t len);
/* "folded", "perf", ... or NULL; and back (IMP_UNKNOWN for an unknown name). */
const char *imp_format_name(enum imp_format f);
enum imp_format imp_format_parse(const char *name);

MUST_CHECK int imp_perf(const char *text, size_t len,
	const struct imp_limits *lim, struct arena *a, imp_stack_fn fn,
	void *ctx, struct imp_result *res, char *err, size_t errlen);
MUST_CHECK int imp_pprof(const void *data, size_t len, const char *sample_type,
	const struct imp_limits *lim, struct arena *a, imp_stack_fn fn,
	void *ctx, struct imp_result *res, char *err, size_t errlen);
MUST_CHECK int imp_html(const char *text, size_t len,
	const struct imp_limits *lim, struct arena *a, imp_stack_fn fn,
	void *ctx, struct imp_result *res, char *err, size_t errlen);

#endif
