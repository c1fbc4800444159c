/*
 * funcs.c - the top-functions table, the sandwich and the diff JSON.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "flame_int.h"
#include "flfunc.h"
#include "mem.h"

struct ftab {
	struct fl_map map;
	struct fl_func *f;
	uint32_t *onpath;
	size_t cap;
};

static void
func_visit(struct ftab *ft, const struct fl_node *n)
{
	const struct fl_node *c;
	bool added;
	size_t ix = fl_map_put(&ft->map, n->name, n->len, &added);

	if (ix >= ft->cap) {
		size_t ncap = ft->cap ? ft->cap * 2 : 256;

		ft->f = xrealloc(ft->f, ncap * sizeof(*ft->f));
		ft->onpath = xrealloc(ft->onpath, ncap * sizeof(*ft->onpath));
		ft->cap = ncap;
	}
	if (added) {
		memset(&ft->f[ix], 0, sizeof(ft->f[ix]));
		ft->f[ix].name = n->name;
		ft->f[ix].len = n->len;
		ft->f[ix].lang = n->lang;
		ft->onpath[ix] = 0;
	}
	if (ft->onpath[ix]++ == 0)
		ft->f[ix].total += n->value;
	ft->f[ix].self += fl_self(n);
	for (c = n->child; c; c = c->next)
		func_visit(ft, c);
	ft->onpath[ix]--;
}

/* Every function; see flfunc.h. */
void
fl_functions(const struct fl_tree *t, struct arena *a, struct fl_func **out,
	size_t *n)
{
	struct ftab ft;
	const struct fl_node *c;

	memset(&ft, 0, sizeof(ft));
	fl_map_init(&ft.map);
	for (c = t->root.child; c; c = c->next)
		func_visit(&ft, c);
	*n = ft.map.n;
	*out = arena_alloc(a, (ft.map.n ? ft.map.n : 1) * sizeof(**out));
	if (ft.map.n)
		memcpy(*out, ft.f, ft.map.n * sizeof(**out));
	fl_map_release(&ft.map);
	free(ft.f);
	free(ft.onpath);
}

static int
name_cmp(const struct fl_func *x, const struct fl_func *y)
{
	int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

#define DESC(a, b) ((a) < (b) ? 1 : (a) > (b) ? -1 : 0)

static int
by_self(const void *a, const void *b)
{
	const struct fl_func *x = a, *y = b;
	int c = DESC(x->self, y->self);

	if (!c)
		c = DESC(x->total, y->total);
	return c ? c : name_cmp(x, y);
}

static int
by_total(const void *a, const void *b)
{
	const struct fl_func *x = a, *y = b;
	int c = DESC(x->total, y->total);

	if (!c)
		c = DESC(x->self, y->self);
	return c ? c : name_cmp(x, y);
}

static int
by_name(const void *a, const void *b)
{
	return name_cmp(a, b);
}

/* Sort; see flfunc.h. */
void
fl_functions_sort(struct fl_func *f, size_t n, int key, bool reverse)
{
	size_t i;
	struct fl_func tmp;

	qsort(f, n, sizeof(*f), key == FL_SORT_TOTAL ? by_total :
		key == FL_SORT_NAME ? by_name : by_self);
	if (!reverse)
		return;
	for (i = 0; i < n / 2; i++) {
		tmp = f[i];
		f[i] = f[n - 1 - i];
		f[n - 1 - i] = tmp;
	}
}

static int
add_share(struct buf *b, uint64_t v, uint64_t total)
{
	return fl_add_fixed(b, total ? (double)v / (double)total : 0, 6);
}

/* The table; see flfunc.h. */
int
fl_functions_json(const struct fl_tree *t, const struct fl_func *f, size_t n,
	size_t offset, size_t limit, struct buf *out)
{
	uint64_t total = t->root.value;
	size_t i;
	int rc;

	if ((rc = FL_ADD(out, "{\"total\":")) != E_OK ||
	    (rc = fl_add_u64(out, total)) != E_OK ||
	    (rc = FL_ADD(out, ",\"count\":")) != E_OK ||
	    (rc = fl_add_u64(out, n)) != E_OK ||
	    (rc = FL_ADD(out, ",\"offset\":")) != E_OK ||
	    (rc = fl_add_u64(out, offset)) != E_OK ||
	    (rc = FL_ADD(out, ",\"functions\":[")) != E_OK)
		return rc;
	for (i = offset; i < n && i - offset < limit; i++) {
		if ((i > offset && (rc = buf_addch(out, ',')) != E_OK) ||
		    (rc = FL_ADD(out, "{\"name\":")) != E_OK ||
		    (rc = fl_json_str(out, f[i].name, f[i].len, false)) != E_OK ||
		    (rc = FL_ADD(out, ",\"language\":\"")) != E_OK ||
		    (rc = buf_addstr(out, fl_lang_name(f[i].lang))) != E_OK ||
		    (rc = FL_ADD(out, "\",\"self\":")) != E_OK ||
		    (rc = fl_add_u64(out, f[i].self)) != E_OK ||
		    (rc = FL_ADD(out, ",\"total\":")) != E_OK ||
		    (rc = fl_add_u64(out, f[i].total)) != E_OK ||
		    (rc = FL_ADD(out, ",\"selfShare\":")) != E_OK ||
		    (rc = add_share(out, f[i].self, total)) != E_OK ||
		    (rc = FL_ADD(out, ",\"totalShare\":")) != E_OK ||
		    (rc = add_share(out, f[i].total, total)) != E_OK ||
		    (rc = buf_addch(out, '}')) != E_OK)
			return rc;
	}
	return FL_ADD(out, "]}");
}

/* ---------------------------------------------------------- sandwich */

struct sand {
	const char *name;
	size_t len;
	struct fl_tree *callers, *callees;
	const char **frames;	/* callee path, function first */
	size_t *lens;
	bool found;
};

static bool
is_fn(const struct sand *s, const struct fl_node *n)
{
	return n->len == s->len && memcmp(n->name, s->name, s->len) == 0;
}

/* Callee stacks under n (frames[0..depth) already hold the path). */
static int
callees(struct sand *s, const struct fl_node *n, size_t depth)
{
	const struct fl_node *c;
	uint64_t self;
	int rc;

	if (depth >= FL_MAX_DEPTH)
		return E_OK;
	s->frames[depth] = n->name;
	s->lens[depth] = n->len;
	self = fl_self(n);
	if (self && (rc = fl_tree_add(s->callees, s->frames, s->lens,
	    depth + 1, self)) != E_OK)
		return rc;
	for (c = n->child; c; c = c->next)
		if ((rc = callees(s, c, depth + 1)) != E_OK)
			return rc;
	return E_OK;
}

static int
sand_visit(struct sand *s, const struct fl_node *n)
{
	const struct fl_node *c, *p;
	size_t k = 0;
	int rc;

	if (is_fn(s, n)) {
		s->found = true;
		for (p = n; p && p->depth != UINT32_MAX; p = p->parent) {
			s->frames[k] = p->name;
			s->lens[k++] = p->len;
		}
		if ((rc = fl_tree_add(s->callers, s->frames, s->lens, k,
		    n->value)) != E_OK)
			return rc;
		return callees(s, n, 0);
	}
	for (c = n->child; c; c = c->next)
		if ((rc = sand_visit(s, c)) != E_OK)
			return rc;
	return E_OK;
}

/* The sandwich; see flfunc.h. */
int
fl_sandwich(const struct fl_tree *t, const char *name, size_t len,
	struct fl_tree *callers, struct fl_tree *callees_t)
{
	struct sand s;
	const struct fl_node *c;
	int rc = E_OK;

	memset(&s, 0, sizeof(s));
	s.name = name;
	s.len = len;
	s.callers = callers;
	s.callees = callees_t;
	s.frames = xcalloc(FL_MAX_DEPTH + 1, sizeof(*s.frames));
	s.lens = xcalloc(FL_MAX_DEPTH + 1, sizeof(*s.lens));
	for (c = t->root.child; c && rc == E_OK; c = c->next)
		rc = sand_visit(&s, c);
	free(s.frames);
	free(s.lens);
	if (rc == E_OK && !s.found)
		rc = E_NOTFOUND;
	return rc;
}

/* -------------------------------------------------------------- diff */

static int
diff_node(const struct fl_tree *t, const struct fl_node *n, bool html_safe,
	struct buf *out)
{
	uint64_t bt = t->root.value, ct = t->root.value2;
	const struct fl_node *c;
	const char *sp;
	double bs, cs;
	int rc;

	bs = bt ? (double)n->value / (double)bt : 0;
	cs = ct ? (double)n->value2 / (double)ct : 0;
	if ((rc = FL_ADD(out, "{\"name\":")) != E_OK ||
	    (rc = fl_json_str(out, n->name, fl_base_len(n), html_safe)) != E_OK)
		return rc;
	if (n->suffix && ((rc = FL_ADD(out, ",\"suffix\":")) != E_OK ||
	    (rc = fl_json_str(out, n->name + fl_base_len(n), n->suffix,
		html_safe)) != E_OK))
		return rc;
	if ((rc = FL_ADD(out, ",\"base\":")) != E_OK ||
	    (rc = fl_add_u64(out, n->value)) != E_OK ||
	    (rc = FL_ADD(out, ",\"compare\":")) != E_OK ||
	    (rc = fl_add_u64(out, n->value2)) != E_OK ||
	    (rc = FL_ADD(out, ",\"baseShare\":")) != E_OK ||
	    (rc = fl_add_fixed(out, bs, 6)) != E_OK ||
	    (rc = FL_ADD(out, ",\"compareShare\":")) != E_OK ||
	    (rc = fl_add_fixed(out, cs, 6)) != E_OK)
		return rc;
	if (n->value && ((rc = FL_ADD(out, ",\"change\":")) != E_OK ||
	    (rc = fl_add_fixed(out, 100 * (cs - bs) / bs, 2)) != E_OK))
		return rc;
	if (!n->value && (rc = FL_ADD(out, ",\"status\":\"new\"")) != E_OK)
		return rc;
	if (!n->value2 && (rc = FL_ADD(out, ",\"status\":\"gone\"")) != E_OK)
		return rc;
	if ((rc = FL_ADD(out, ",\"children\":[")) != E_OK)
		return rc;
	for (c = n->child; c; c = c->next) {
		if (c != n->child && (rc = buf_addch(out, ',')) != E_OK)
			return rc;
		if ((rc = diff_node(t, c, html_safe, out)) != E_OK)
			return rc;
	}
	if ((rc = buf_addch(out, ']')) != E_OK)
		return rc;
	if (t->enrich) {
		if ((rc = FL_ADD(out, ",\"language\":\"")) != E_OK ||
		    (rc = buf_addstr(out, fl_lang_name(n->lang))) != E_OK ||
		    (rc = buf_addch(out, '"')) != E_OK)
			return rc;
		sp = fl_special_name(n->special);
		if (sp && ((rc = FL_ADD(out, ",\"specialType\":\"")) != E_OK ||
		    (rc = buf_addstr(out, sp)) != E_OK ||
		    (rc = buf_addch(out, '"')) != E_OK))
			return rc;
	}
	return buf_addch(out, '}');
}

/* The diff tree; see flfunc.h. */
int
fl_diff_json(const struct fl_tree *t, bool html_safe, struct buf *out)
{
	const struct fl_node *c;
	int rc;

	if ((rc = FL_ADD(out, "{\"name\":\"root\",\"base\":")) != E_OK ||
	    (rc = fl_add_u64(out, t->root.value)) != E_OK ||
	    (rc = FL_ADD(out, ",\"compare\":")) != E_OK ||
	    (rc = fl_add_u64(out, t->root.value2)) != E_OK ||
	    (rc = FL_ADD(out, ",\"baseTotal\":")) != E_OK ||
	    (rc = fl_add_u64(out, t->root.value)) != E_OK ||
	    (rc = FL_ADD(out, ",\"compareTotal\":")) != E_OK ||
	    (rc = fl_add_u64(out, t->root.value2)) != E_OK ||
	    (rc = FL_ADD(out, ",\"children\":[")) != E_OK)
		return rc;
	for (c = t->root.child; c; c = c->next) {
		if (c != t->root.child && (rc = buf_addch(out, ',')) != E_OK)
			return rc;
		if ((rc = diff_node(t, c, html_safe, out)) != E_OK)
			return rc;
	}
	return buf_addch(out, ']');
}
