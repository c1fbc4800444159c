/*
 * flame_int.h - helpers shared by the files of shared/flame (not part of
 * the contract): hashing, number formatting, a byte-string map, walks.
 */
#ifndef EMBER_FLAME_INT_H
#define EMBER_FLAME_INT_H

#include "compat.h"

#include "buf.h"
#include "flame.h"

/* A 64-bit hash of n bytes, chained from seed. */
uint64_t fl_hash(const char *p, size_t n, uint64_t seed);

/* Append v in decimal. */
MUST_CHECK int fl_add_u64(struct buf *b, uint64_t v);
MUST_CHECK int fl_add_i64(struct buf *b, int64_t v);
/* Append a fixed-point number with `decimals` digits after the point. */
MUST_CHECK int fl_add_fixed(struct buf *b, double v, int decimals);
#define FL_ADD(b, lit) buf_add((b), (lit), sizeof(lit) - 1)

/*
 * A map from byte strings (borrowed: they must outlive the map) to dense
 * indexes 0, 1, 2, ... in insertion order.
 */
struct fl_map {
	uint32_t *slots;	/* index + 1, 0 = empty */
	size_t cap;		/* power of two */
	const char **keys;
	uint32_t *lens;
	uint64_t *hashes;
	size_t n;
	size_t kcap;
};

void fl_map_init(struct fl_map *m);
void fl_map_release(struct fl_map *m);
/* The index of key (adding it when new: *added true). */
size_t fl_map_put(struct fl_map *m, const char *key, size_t len, bool *added);
/* The index of key, or SIZE_MAX. */
size_t fl_map_get(const struct fl_map *m, const char *key, size_t len);

/* A diff frame's width for the renderers: half its share of the base
 * plus half its share of the compare side, 1e9 for the whole. */
uint64_t fl_diff_width(const struct fl_tree *t, const struct fl_node *n);

/* Every frame in pre-order (envelope excluded); fn returns false to skip
 * the node's children. */
typedef bool fl_visit_fn(void *ctx, struct fl_node *n);
void fl_walk(struct fl_node *top, fl_visit_fn *fn, void *ctx);

#endif
