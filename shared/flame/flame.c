/*
 * flame.c - building, cutting, capping and sorting the flamegraph tree.
 *
 * One pass: each stack walks down from the envelope, finding or making
 * one node per frame.  Two things keep that fast on big inputs: a lookup
 * table keyed by (parent, name) so wide nodes cost O(1) per frame, and
 * the previous stack's path, since consecutive stacks (folded text is
 * usually sorted) share long prefixes that then cost one memcmp a frame.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "flame_int.h"
#include "mem.h"

#define ENVELOPE_HASH 0x6a09e667f3bcc908ULL

/* Hash bytes, 8 at a time. */
uint64_t
fl_hash(const char *p, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ (n * 0x9E3779B97F4A7C15ULL);
	uint64_t v;

	while (n >= 8) {
		memcpy(&v, p, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	v = 0;
	memcpy(&v, p, n);
	h = (h ^ v) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return h;
}

/* Start an empty tree. */
void
fl_tree_init(struct fl_tree *t, struct arena *a, size_t build_cap)
{
	memset(t, 0, sizeof(*t));
	t->arena = a;
	t->build_cap = build_cap ? build_cap : FL_DEFAULT_BUILD_CAP;
	t->root.name = "root";
	t->root.len = 4;
	t->root.depth = UINT32_MAX;
	t->root.hash = ENVELOPE_HASH;
}

/* Free the lookup table and the path. */
void
fl_tree_release(struct fl_tree *t)
{
	if (!t)
		return;
	free(t->tab);
	free(t->path);
	t->tab = NULL;
	t->path = NULL;
	t->tabcap = 0;
	t->npath = 0;
}

/* Double the lookup table (or make the first one). */
static void
tab_grow(struct fl_tree *t)
{
	size_t ncap = t->tabcap ? t->tabcap * 2 : 1024;
	struct fl_node **nt = xcalloc(ncap, sizeof(*nt));
	size_t i, j;

	for (i = 0; i < t->tabcap; i++) {
		struct fl_node *n = t->tab[i];

		if (!n)
			continue;
		for (j = n->hash & (ncap - 1); nt[j]; j = (j + 1) & (ncap - 1))
			;
		nt[j] = n;
	}
	free(t->tab);
	t->tab = nt;
	t->tabcap = ncap;
}

/* Find or make the child `name` of parent. */
static int
child_of(struct fl_tree *t, struct fl_node *parent, const char *name,
	size_t len, struct fl_node **out)
{
	uint64_t h = fl_hash(name, len, parent->hash);
	struct fl_node *n;
	size_t i;

	if ((t->nodes + 1) * 2 > t->tabcap)
		tab_grow(t);
	for (i = h & (t->tabcap - 1); (n = t->tab[i]) != NULL;
	     i = (i + 1) & (t->tabcap - 1)) {
		if (n->hash == h && n->parent == parent && n->len == len &&
		    memcmp(n->name, name, len) == 0) {
			*out = n;
			return E_OK;
		}
	}
	if (t->nodes >= t->build_cap)
		return E_TOOBIG;
	n = arena_zalloc(t->arena, sizeof(*n));
	n->name = arena_memdupz(t->arena, name, len);
	n->len = (uint32_t)len;
	n->hash = h;
	n->parent = parent;
	n->depth = parent == &t->root ? 0 : parent->depth + 1;
	n->next = parent->child;
	parent->child = n;
	parent->nchild++;
	t->tab[i] = n;
	t->nodes++;
	*out = n;
	return E_OK;
}

/* Add count to one side of n. */
static int
add_value(struct fl_node *n, int side, uint64_t count)
{
	uint64_t *v = side ? &n->value2 : &n->value;

	if (*v > UINT64_MAX - count)
		return E_TOOBIG;
	*v += count;
	return E_OK;
}

/* Add one stack; see flame.h. */
int
fl_tree_add(struct fl_tree *t, const char *const *frames, const size_t *lens,
	size_t n, uint64_t count)
{
	struct fl_node *cur = &t->root;
	struct fl_node *nd;
	size_t i, len, depth = 0;
	bool reuse = true;
	int rc;

	if (n == 0 || count == 0)
		return E_OK;
	if (!t->path)
		t->path = xcalloc(FL_MAX_DEPTH, sizeof(*t->path));
	if ((rc = add_value(&t->root, t->side, count)) != E_OK)
		return rc;
	for (i = 0; i < n; i++) {
		len = lens ? lens[i] : strlen(frames[i]);
		if (len == 0)
			continue;
		if (depth == FL_MAX_DEPTH) {
			t->truncated++;
			break;
		}
		if (len > FL_MAX_NAME)
			len = FL_MAX_NAME;
		nd = reuse && depth < t->npath ? t->path[depth] : NULL;
		if (!nd || nd->len != len || memcmp(nd->name, frames[i], len)) {
			reuse = false;
			if ((rc = child_of(t, cur, frames[i], len, &nd)) != E_OK)
				goto out;
		}
		if ((rc = add_value(nd, t->side, count)) != E_OK)
			goto out;
		t->path[depth++] = nd;
		cur = nd;
	}
	rc = E_OK;
out:
	t->npath = rc == E_OK ? depth : 0;
	return rc;
}

/* The sample store's callback. */
int
fl_tree_stack_cb(void *ctx, const char *const *frames, size_t nframes,
	uint64_t count)
{
	return fl_tree_add(ctx, frames, NULL, nframes, count);
}

/* Self samples. */
uint64_t
fl_self(const struct fl_node *n)
{
	uint64_t s = n->value;
	const struct fl_node *c;

	for (c = n->child; c; c = c->next)
		s -= c->value;
	return s;
}

uint64_t
fl_self2(const struct fl_node *n)
{
	uint64_t s = n->value2;
	const struct fl_node *c;

	for (c = n->child; c; c = c->next)
		s -= c->value2;
	return s;
}

/* Pre-order walk without recursion, through the parent links. */
void
fl_walk(struct fl_node *top, fl_visit_fn *fn, void *ctx)
{
	struct fl_node *n = top->child;

	while (n) {
		if (fn(ctx, n) && n->child) {
			n = n->child;
			continue;
		}
		while (n != top && !n->next)
			n = n->parent;
		if (n == top)
			break;
		n = n->next;
	}
}

/* Collect values for the cut and the cap. */
struct vals {
	uint64_t *v;
	size_t n;
	int mode;	/* 0: value, 1: value + value2 */
};

static bool
collect(void *ctx, struct fl_node *n)
{
	struct vals *vs = ctx;

	vs->v[vs->n++] = vs->mode ? n->value + n->value2 : n->value;
	if (vs->mode)
		n->hash = 0;	/* the cap uses it as a mark (the table is gone) */
	return true;
}

static int
cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

static int
cmp_asc(const void *a, const void *b)
{
	return -cmp_desc(a, b);
}

/* Unlink the children of every node whose weight is <= m; count them. */
struct prune {
	uint64_t m;
	int mode;
	size_t removed;
};

static size_t
subtree_size(struct fl_node *n)
{
	size_t k = 1;
	struct fl_node *c;

	for (c = n->child; c; c = c->next)
		k += subtree_size(c);
	return k;
}

static bool
prune_children(void *ctx, struct fl_node *n)
{
	struct prune *p = ctx;
	struct fl_node **pp = &n->child;

	while (*pp) {
		struct fl_node *c = *pp;
		uint64_t w = p->mode ? c->value + c->value2 : c->value;

		if (w <= p->m) {
			*pp = c->next;
			n->nchild--;
			p->removed += subtree_size(c);
		} else {
			pp = &c->next;
		}
	}
	return true;
}

/* The stacksCount cut; see flame.h. */
size_t
fl_tree_cut(struct fl_tree *t, size_t n)
{
	struct vals vs;
	struct prune p;

	if (n == 0 || t->nodes < n)
		return 0;
	vs.v = xmalloc(t->nodes * sizeof(*vs.v));
	vs.n = 0;
	vs.mode = 0;
	fl_walk(&t->root, collect, &vs);
	qsort(vs.v, vs.n, sizeof(*vs.v), cmp_desc);
	p.m = vs.v[n - 1];
	p.mode = 0;
	p.removed = 0;
	free(vs.v);
	prune_children(&p, &t->root);
	fl_walk(&t->root, prune_children, &p);
	t->nodes -= p.removed;
	/* the table and the path may point at dropped nodes */
	fl_tree_release(t);
	return p.removed;
}

/* ---------------------------------------------------------- finish */

static bool
enrich_node(void *ctx, struct fl_node *n)
{
	struct fl_tree *t = ctx;
	int lang, sp;
	bool go_maybe;

	fl_classify(n->name, n->len, &lang, &sp, &go_maybe);
	if (go_maybe)
		lang = n->parent != &t->root && n->parent->lang == FL_GO ?
			FL_GO : FL_OTHER;
	n->lang = (uint8_t)lang;
	n->special = (uint8_t)sp;
	if (!t->enrich || (lang != FL_CPP && lang != FL_NODE && lang != FL_GO))
		n->suffix = (uint16_t)fl_suffix_len(n->name, n->len);
	else
		n->suffix = 0;
	return true;
}

/* Bytewise compare of two byte strings. */
static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
cmp_full(const void *a, const void *b)
{
	const struct fl_node *x = *(const struct fl_node *const *)a;
	const struct fl_node *y = *(const struct fl_node *const *)b;

	return bytes_cmp(x->name, x->len, y->name, y->len);
}

static int
cmp_base(const void *a, const void *b)
{
	const struct fl_node *x = *(const struct fl_node *const *)a;
	const struct fl_node *y = *(const struct fl_node *const *)b;
	int c = bytes_cmp(x->name, fl_base_len(x), y->name, fl_base_len(y));

	if (c)
		return c;
	return bytes_cmp(x->name + fl_base_len(x), x->suffix,
		y->name + fl_base_len(y), y->suffix);
}

struct sorter {
	struct fl_node **tmp;
	size_t cap;
};

/* Sort the children of n. */
static void
sort_children(struct sorter *s, struct fl_node *n, bool roots)
{
	struct fl_node *c;
	size_t i, k = 0;

	if (n->nchild < 2)
		return;
	if (n->nchild > s->cap) {
		s->cap = n->nchild;
		s->tmp = xrealloc(s->tmp, s->cap * sizeof(*s->tmp));
	}
	for (c = n->child; c; c = c->next)
		s->tmp[k++] = c;
	qsort(s->tmp, k, sizeof(*s->tmp), roots ? cmp_full : cmp_base);
	for (i = 0; i + 1 < k; i++)
		s->tmp[i]->next = s->tmp[i + 1];
	s->tmp[k - 1]->next = NULL;
	n->child = s->tmp[0];
}

static bool
sort_node(void *ctx, struct fl_node *n)
{
	sort_children(ctx, n, false);
	return true;
}

/* Languages, suffixes and order; see flame.h. */
void
fl_tree_finish(struct fl_tree *t, bool enrich)
{
	struct sorter s = { NULL, 0 };

	fl_tree_release(t);
	t->enrich = enrich;
	fl_walk(&t->root, enrich_node, t);
	sort_children(&s, &t->root, true);
	fl_walk(&t->root, sort_node, &s);
	free(s.tmp);
}

/* ------------------------------------------------------------- cap */

struct capper {
	uint64_t thr;
	uint32_t epoch;
	size_t kept;
	size_t others;
};

/* Count kept frames and the parents that would get an "other". */
static bool
cap_count(void *ctx, struct fl_node *n)
{
	struct capper *c = ctx;

	if (n->value + n->value2 <= c->thr) {
		if (n->parent->hash != c->epoch) {
			n->parent->hash = c->epoch;
			c->others++;
		}
		return false;
	}
	c->kept++;
	return true;
}

/* Replace the light children of n by one "other". */
static void
cap_merge(struct fl_tree *t, struct fl_node *n, uint64_t thr)
{
	struct fl_node **pp = &n->child, *c, *o = NULL, *last = NULL;
	uint64_t v = 0, v2 = 0;
	bool any = false;

	while ((c = *pp) != NULL) {
		if (c->value + c->value2 <= thr) {
			v += c->value;
			v2 += c->value2;
			any = true;
			*pp = c->next;
			n->nchild--;
		} else {
			cap_merge(t, c, thr);
			last = c;
			pp = &c->next;
		}
	}
	if (!any)
		return;
	o = arena_zalloc(t->arena, sizeof(*o));
	o->name = "other";
	o->len = 5;
	o->lang = FL_OTHER;
	o->value = v;
	o->value2 = v2;
	o->parent = n;
	o->depth = n == &t->root ? 0 : n->depth + 1;
	if (last)
		last->next = o;
	else
		n->child = o;
	n->nchild++;
}

static bool
count_node(void *ctx, struct fl_node *n)
{
	(*(size_t *)ctx)++;
	return true;
}

/* The maxNodes cap; see flame.h. */
size_t
fl_tree_cap(struct fl_tree *t, size_t max)
{
	struct vals vs;
	struct capper c;
	size_t k, before = t->nodes, after = 0;

	if (max == 0 || t->nodes <= max)
		return 0;
	vs.v = xmalloc(t->nodes * sizeof(*vs.v));
	vs.n = 0;
	vs.mode = 1;
	fl_walk(&t->root, collect, &vs);
	qsort(vs.v, vs.n, sizeof(*vs.v), cmp_desc);
	memset(&c, 0, sizeof(c));
	k = max;
	for (;;) {
		/* keep the frames heavier than the k-th heaviest ... */
		c.thr = vs.v[k];
		c.kept = c.others = 0;
		c.epoch++;
		t->root.hash = 0;
		fl_walk(&t->root, cap_count, &c);
		/* ... and lower the bar until the "other" frames fit too */
		if (c.kept + c.others <= max || k == 0)
			break;
		k = c.kept + c.others - max < k ? k - (c.kept + c.others - max) : 0;
	}
	if (c.kept + c.others > max)
		c.thr = UINT64_MAX;	/* only one "other" under the envelope */
	free(vs.v);
	cap_merge(t, &t->root, c.thr);
	fl_walk(&t->root, count_node, &after);
	t->nodes = after;
	return before > after ? before - after : 0;
}

/* ------------------------------------------------------ percentiles */

/* Upstream's percentiles; see flame.h. */
bool
fl_percentiles(const struct fl_tree *t, int64_t out[100])
{
	struct vals vs;
	size_t n, p, f;
	double x, v;

	if (t->nodes == 0)
		return false;
	vs.v = xmalloc(t->nodes * sizeof(*vs.v));
	vs.n = 0;
	vs.mode = 0;
	fl_walk((struct fl_node *)&t->root, collect, &vs);
	n = vs.n;
	qsort(vs.v, n, sizeof(*vs.v), cmp_asc);
	for (p = 1; p <= 100; p++) {
		x = ((double)p / 100.0) * (double)n;
		f = (size_t)x;
		if (n == 1)
			v = (double)vs.v[0];
		else if (x == (double)f && f >= 1)
			v = (double)vs.v[f - 1];
		else if (x > 1)
			v = ((double)vs.v[f - 1] + (double)vs.v[f]) / 2;
		else
			v = (double)vs.v[0];
		out[p - 1] = (int64_t)v;
	}
	free(vs.v);
	return true;
}
