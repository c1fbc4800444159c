/*
 * flame.h - the flamegraph tree: built in one pass from (frames, count)
 * stacks, then enriched, sorted, pruned and written as the JSON tree the
 * continuous flamegraph page reads, or as folded text.
 *
 * Life cycle:
 *
 *     fl_tree_init(&t, arena, cap);
 *     fl_tree_add(&t, frames, lens, n, count)   (or fl_folded_parse(),
 *                                                or smp_stacks(...,
 *                                                fl_tree_stack_cb, &t))
 *     fl_tree_cut(&t, stacks_count);            optional, before finish
 *     fl_tree_finish(&t, enrich);               languages, suffixes, order
 *     fl_tree_cap(&t, max_nodes);               optional, after finish
 *     fl_json_tree(&t, ...) / fl_folded_write(&t, ...) / the renderers
 *     fl_tree_release(&t);
 *
 * Nodes and names live in the caller's arena; the tree itself owns only
 * its lookup table (freed by fl_tree_release()).  A node's `value` is the
 * inclusive sample count; its self count is value minus the children's
 * values.  The envelope node t->root ("root") holds the total.
 *
 * Each node also has a second value (`value2`) so that one tree can hold
 * the two sides of a diff: fl_tree_add() adds to the side t->side names.
 *
 * Order after fl_tree_finish(): root frames by their full name, children
 * at every level by their name without the runtime suffix, then by the
 * suffix, bytewise; names are unique among siblings, so the order is
 * total and the same input always gives the same tree.
 */
#ifndef EMBER_FLAME_H
#define EMBER_FLAME_H

#include "compat.h"

#include "arena.h"
#include "buf.h"
#include "err.h"

/* Deepest stack kept: frames past this many are dropped (the count goes
 * to the deepest kept frame). */
#define FL_MAX_DEPTH 2048
/* Longest frame name kept (bytes); longer names are cut there. */
#define FL_MAX_NAME 65536
/* Default cap on the frames a tree may hold while it is built. */
#define FL_DEFAULT_BUILD_CAP 2000000

/* Languages assigned by fl_tree_finish() (JSON spelling by fl_lang_name()). */
enum fl_lang {
	FL_OTHER = 0,
	FL_JAVA,
	FL_PYTHON,
	FL_PHP,
	FL_RUBY,
	FL_NODE,
	FL_CPP,
	FL_GO,
	FL_KERNEL,
	FL_DOTNET,
	FL_LANG_COUNT
};

/* Special types (JSON "specialType"; FL_SP_NONE is omitted). */
enum fl_special {
	FL_SP_NONE = 0,
	FL_SP_JAVA_INL,		/* "Java (inl)" */
	FL_SP_JAVA_C1,		/* "Java (C1)" */
	FL_SP_JAVA_INTERP,	/* "Java (interpreted)" */
	FL_SP_APPID,		/* "Appid" */
};

struct fl_node {
	const char *name;	/* the full frame name, NUL-terminated */
	uint32_t len;		/* bytes of name */
	uint16_t suffix;	/* bytes of the runtime suffix ending name, 0 none */
	uint8_t lang;		/* enum fl_lang */
	uint8_t special;	/* enum fl_special */
	uint32_t depth;		/* 0 for root frames (the envelope is -1: UINT32_MAX) */
	uint32_t nchild;
	uint64_t value;		/* inclusive samples (side 0) */
	uint64_t value2;	/* inclusive samples of side 1 (diffs) */
	uint64_t hash;		/* of (parent, name), for the lookup table */
	struct fl_node *parent;
	struct fl_node *child;	/* first child */
	struct fl_node *next;	/* next sibling */
};

struct fl_tree {
	struct arena *arena;
	struct fl_node root;	/* the envelope: name "root", totals */
	size_t nodes;		/* frames in the tree (the envelope excluded) */
	size_t build_cap;	/* fl_tree_add() fails past this many frames */
	int side;		/* 0 or 1: which value fl_tree_add() adds to */
	uint64_t truncated;	/* stacks cut at FL_MAX_DEPTH */
	/* private */
	struct fl_node **tab;	/* open addressing on (parent, name) */
	size_t tabcap;
	struct fl_node **path;	/* the previous stack's nodes (prefix reuse) */
	size_t npath;
	bool enrich;		/* set by fl_tree_finish() */
};

/*
 * Start an empty tree whose nodes go into a.  build_cap bounds the frames
 * (0 = FL_DEFAULT_BUILD_CAP).
 */
void fl_tree_init(struct fl_tree *t, struct arena *a, size_t build_cap);
/* Free the lookup table (the nodes go with the arena).  NULL-safe. */
void fl_tree_release(struct fl_tree *t);

/*
 * Add one stack: frames[0] is the root frame, frames[n-1] the leaf;
 * lens[i] the byte length of frames[i] (lens NULL: NUL-terminated).
 * Empty frames are skipped; n == 0 or count == 0 adds nothing.  Errors:
 * E_TOOBIG when a new frame would pass build_cap or a sum would overflow
 * 64 bits (the tree is then partly updated and should be dropped).
 */
MUST_CHECK int fl_tree_add(struct fl_tree *t, const char *const *frames,
	const size_t *lens, size_t n, uint64_t count);
/*
 * The sample store's callback shape (smp_stack_fn): ctx is a struct
 * fl_tree *, the stack goes to its current side.
 */
int fl_tree_stack_cb(void *ctx, const char *const *frames, size_t nframes,
	uint64_t count);

/*
 * Upstream's stacksCount cut, on side 0: when the tree holds at least n
 * frames, let m be the n-th largest value; every frame with value <= m
 * goes (all ties at the cut go), with its subtree.  The samples stay in
 * the parent (as self time) and in the envelope.  n == 0: nothing.
 * Returns the frames dropped.
 */
size_t fl_tree_cut(struct fl_tree *t, size_t n);

/*
 * Assign languages and special types (always: the renderers colour by
 * them), split the runtime suffix off the names (for every frame when
 * !enrich, else unless the language is C++, Node or Go), and sort the
 * children.  enrich also makes fl_json_tree() write language fields.
 */
void fl_tree_finish(struct fl_tree *t, bool enrich);

/*
 * The maxNodes cap, after fl_tree_finish(): when more than max frames
 * are held, the lightest frames (by value + value2) are merged into one
 * frame named "other" per parent, so that at most max frames remain,
 * "other" frames included.  Values up the tree and the totals do not
 * change.  Returns the frames removed (0 when under the cap or max == 0).
 */
size_t fl_tree_cap(struct fl_tree *t, size_t max);

/* Self samples of side 0 / side 1. */
uint64_t fl_self(const struct fl_node *n);
uint64_t fl_self2(const struct fl_node *n);
/* The name without its suffix: its length. */
static inline uint32_t
fl_base_len(const struct fl_node *n)
{
	return n->len - n->suffix;
}

/* "Java", "Python", ... for a language. */
const char *fl_lang_name(int lang);
/* "Java (inl)" ... or NULL for FL_SP_NONE. */
const char *fl_special_name(int sp);
/*
 * Classify one full frame name by the language rules (first match wins).
 * *go_maybe is set when the frame only looks like Go (the language then
 * follows the parent: Go under Go, else Other).
 */
void fl_classify(const char *name, size_t len, int *lang, int *special,
	bool *go_maybe);
/* The length of the runtime suffix ending name ("_[j]", ...), 0 if none. */
size_t fl_suffix_len(const char *name, size_t len);

/*
 * Percentiles 1..100 of the values of every frame (side 0), upstream's
 * way: x = p/100*n in double; x integral -> c[x-1]; x > 1 -> mean of
 * c[floor(x)-1] and c[floor(x)]; otherwise c[0] (upstream: NaN, written
 * as the smallest int64; we write the smallest value).  Returns false
 * (out untouched) when the tree has no frame.
 */
bool fl_percentiles(const struct fl_tree *t, int64_t out[100]);

/*
 * Append {"name":"root","value":N,"children":[...] (the envelope left
 * open) in upstream's field order: name, suffix (when not empty), value,
 * children, language and specialType (when enrich).  html_safe also
 * escapes '<', '>' and '&' (for a <script> block).  E_TOOBIG past the
 * buf cap.
 */
MUST_CHECK int fl_json_tree(const struct fl_tree *t, bool html_safe,
	struct buf *out);
/*
 * Close the envelope: ,"exec_time":E,"olap_time":O,"percentiles":{...}}
 * with the percentile keys in Go's sorted string order ("1","10","100",
 * "11",...), values as strings; pct NULL writes {}.
 */
MUST_CHECK int fl_json_end(struct buf *out, double exec_time,
	double olap_time, const int64_t *pct);
/* Append s (len bytes) as a JSON string; html_safe as above. */
MUST_CHECK int fl_json_str(struct buf *out, const char *s, size_t len,
	bool html_safe);

/* ------------------------------------------------------------ folded */

struct fl_folded_opts {
	size_t max_line;	/* longest line accepted (0 = 1 MiB); longer: bad */
	unsigned skip_fields;	/* leading ';' fields to drop (gProfiler's
				 * app-metadata index and container) */
	bool drop_swapper;	/* drop stacks whose first frame starts "swapper" */
};

struct fl_folded_stats {
	uint64_t lines;		/* stack lines added */
	uint64_t bad;		/* malformed lines skipped */
	uint64_t samples;	/* sum of the counts added */
};

/*
 * Parse Brendan Gregg folded text ("a;b;c 12\n", one stack a line) into
 * t (its current side).  The count is the text after the last space (a
 * decimal integer < 2^63); frames may contain spaces.  Lines starting
 * with '#' and blank lines are ignored; a line without a valid count,
 * longer than max_line, or with a count of 0 is counted in st->bad and
 * skipped.  CR before LF is ignored.  Errors: those of fl_tree_add().
 */
MUST_CHECK int fl_folded_parse(struct fl_tree *t, const char *data,
	size_t len, const struct fl_folded_opts *o, struct fl_folded_stats *st);
/*
 * The skip_fields a gProfiler profile's stack lines need, from its header
 * JSON (a json_t *, NULL when the file has none): 1 for the container,
 * +1 for the app-metadata index when application_metadata_enabled; 0
 * fields for profile_api_version "v1".
 */
unsigned fl_gprofiler_skip(const void *header);
/*
 * Append the tree (side 0) as folded text: one line per frame with self
 * samples, full names joined by ';', depth first.  E_TOOBIG past the cap.
 */
MUST_CHECK int fl_folded_write(const struct fl_tree *t, struct buf *out);

#endif
