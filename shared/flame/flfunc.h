/*
 * flfunc.h - views computed from a finished tree: the top-functions
 * table, the sandwich (callers and callees of one function) and the
 * differential tree's JSON.
 *
 * A "function" is a full frame name (suffix included).  Its self samples
 * are the self samples of every frame with that name; its total samples
 * count each stack once, so recursion (f calling f) is not counted twice.
 */
#ifndef EMBER_FLFUNC_H
#define EMBER_FLFUNC_H

#include "compat.h"

#include "arena.h"
#include "buf.h"
#include "flame.h"

struct fl_func {
	const char *name;	/* borrowed from the tree */
	uint32_t len;
	uint8_t lang;
	uint64_t self;
	uint64_t total;
};

enum fl_func_sort {
	FL_SORT_SELF = 0,	/* then total, then name */
	FL_SORT_TOTAL,		/* then self, then name */
	FL_SORT_NAME,
};

/* Every function of t (side 0) into an array in a; count in *n. */
void fl_functions(const struct fl_tree *t, struct arena *a,
	struct fl_func **out, size_t *n);
/* Sort by key, descending (names: ascending) unless reverse. */
void fl_functions_sort(struct fl_func *f, size_t n, int key, bool reverse);
/*
 * Append {"total":T,"count":N,"offset":O,"functions":[{"name":..,
 * "language":..,"self":..,"total":..,"selfShare":..,"totalShare":..}]}
 * with at most limit rows from offset (shares are fractions of T).
 */
MUST_CHECK int fl_functions_json(const struct fl_tree *t,
	const struct fl_func *f, size_t n, size_t offset, size_t limit,
	struct buf *out);

/*
 * The sandwich of function `name`: into callers (initialised by the
 * caller), one stack per outermost occurrence, from the function up to
 * its root frame, weighted by its value; into callees, the subtree under
 * each outermost occurrence, rooted at the function.  Both trees then
 * have a single root frame whose value is the function's total.  Errors:
 * those of fl_tree_add(); E_NOTFOUND when no frame has that name.
 */
MUST_CHECK int fl_sandwich(const struct fl_tree *t, const char *name,
	size_t len, struct fl_tree *callers, struct fl_tree *callees);

/*
 * The diff tree as JSON: envelope {"name":"root","base":B,"compare":C,
 * "baseTotal":B,"compareTotal":C,"children":[...]} (left open, like
 * fl_json_tree()), each node {"name","suffix"?,"base","compare",
 * "baseShare","compareShare","change"?,"status"?,"children",
 * "language"?,"specialType"?}: base/compare are inclusive samples of
 * each side (value, value2), shares are fractions of the side's total,
 * change is the relative change of the share in percent (absent for new
 * frames), status "new" (only in compare) or "gone" (only in base).
 */
MUST_CHECK int fl_diff_json(const struct fl_tree *t, bool html_safe,
	struct buf *out);

#endif
