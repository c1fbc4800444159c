/*
 * flame_out.c - the tree as JSON and as folded text; number formatting
 * and the byte-string map the other writers share.
 *
 * The JSON is written by hand into one buf rather than built as jansson
 * objects: a 100,000-frame tree would be 100,000 json_t objects and as
 * many small allocations before the first byte goes out, while this is
 * one pass with appends (bench/flame measures it).  Strings go through
 * jsonx_escape(), so invalid UTF-8 becomes U+FFFD and U+2028/9 are
 * escaped.
 */
#include "compat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "flame_int.h"
#include "jsonx.h"
#include "mem.h"

/* Append v in decimal. */
int
fl_add_u64(struct buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_add(b, tmp + i, sizeof(tmp) - i);
}

int
fl_add_i64(struct buf *b, int64_t v)
{
	int rc;

	if (v >= 0)
		return fl_add_u64(b, (uint64_t)v);
	if ((rc = buf_addch(b, '-')) != E_OK)
		return rc;
	return fl_add_u64(b, (uint64_t)(-(v + 1)) + 1);
}

/* Fixed-point with `decimals` digits, trailing zeros trimmed. */
int
fl_add_fixed(struct buf *b, double v, int decimals)
{
	char tmp[64];
	int n;

	if (!isfinite(v))
		v = 0;
	n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	if (n <= 0 || (size_t)n >= sizeof(tmp))
		return buf_addch(b, '0');
	if (memchr(tmp, '.', (size_t)n)) {
		while (n > 1 && tmp[n - 1] == '0')
			n--;
		if (tmp[n - 1] == '.')
			n--;
	}
	if (n == 2 && tmp[0] == '-' && tmp[1] == '0')
		return buf_addch(b, '0');
	return buf_add(b, tmp, (size_t)n);
}

/* A JSON string; html_safe also hides '<', '>' and '&'. */
int
fl_json_str(struct buf *out, const char *s, size_t len, bool html_safe)
{
	struct buf tmp = BUF_INIT(0);
	size_t i;
	int rc;

	if (!html_safe || (!memchr(s, '<', len) && !memchr(s, '>', len) &&
	    !memchr(s, '&', len)))
		return jsonx_escape(out, s, len);
	if ((rc = jsonx_escape(&tmp, s, len)) != E_OK)
		goto out;
	for (i = 0; i < tmp.len && rc == E_OK; i++) {
		switch (tmp.data[i]) {
		case '<': rc = FL_ADD(out, "\\u003c"); break;
		case '>': rc = FL_ADD(out, "\\u003e"); break;
		case '&': rc = FL_ADD(out, "\\u0026"); break;
		default: rc = buf_addch(out, tmp.data[i]); break;
		}
	}
out:
	buf_release(&tmp);
	return rc;
}

/* One node and its subtree. */
static int
json_node(const struct fl_tree *t, const struct fl_node *n, bool html_safe,
	struct buf *out)
{
	const struct fl_node *c;
	const char *sp;
	int rc;

	if ((rc = FL_ADD(out, "{\"name\":")) != E_OK ||
	    (rc = fl_json_str(out, n->name, fl_base_len(n), html_safe)) != E_OK)
		return rc;
	if (n->suffix && ((rc = FL_ADD(out, ",\"suffix\":")) != E_OK ||
	    (rc = fl_json_str(out, n->name + fl_base_len(n), n->suffix,
		html_safe)) != E_OK))
		return rc;
	if ((rc = FL_ADD(out, ",\"value\":")) != E_OK ||
	    (rc = fl_add_u64(out, n->value)) != E_OK ||
	    (rc = FL_ADD(out, ",\"children\":[")) != E_OK)
		return rc;
	for (c = n->child; c; c = c->next) {
		if (c != n->child && (rc = buf_addch(out, ',')) != E_OK)
			return rc;
		if ((rc = json_node(t, c, html_safe, out)) != E_OK)
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

/* The envelope and the tree, left open; see flame.h. */
int
fl_json_tree(const struct fl_tree *t, bool html_safe, struct buf *out)
{
	const struct fl_node *c;
	int rc;

	if ((rc = FL_ADD(out, "{\"name\":\"root\",\"value\":")) != E_OK ||
	    (rc = fl_add_u64(out, t->root.value)) != E_OK ||
	    (rc = FL_ADD(out, ",\"children\":[")) != E_OK)
		return rc;
	for (c = t->root.child; c; c = c->next) {
		if (c != t->root.child && (rc = buf_addch(out, ',')) != E_OK)
			return rc;
		if ((rc = json_node(t, c, html_safe, out)) != E_OK)
			return rc;
	}
	return buf_addch(out, ']');
}

/* Percentile keys in Go's sorted string order. */
static int
pct_keys(int keys[100])
{
	int i, j, k = 0;

	/* "1","10","100","11",...,"19","2","20",...: sort as strings */
	for (i = 1; i <= 9; i++) {
		keys[k++] = i;
		for (j = 0; j <= 9; j++) {
			keys[k++] = i * 10 + j;
			if (i == 1 && j == 0)
				keys[k++] = 100;
		}
	}
	return k;
}

/* Close the envelope; see flame.h. */
int
fl_json_end(struct buf *out, double exec_time, double olap_time,
	const int64_t *pct)
{
	int keys[100];
	int i, n, rc;

	if ((rc = FL_ADD(out, ",\"exec_time\":")) != E_OK ||
	    (rc = fl_add_fixed(out, exec_time, 6)) != E_OK ||
	    (rc = FL_ADD(out, ",\"olap_time\":")) != E_OK ||
	    (rc = fl_add_fixed(out, olap_time, 6)) != E_OK ||
	    (rc = FL_ADD(out, ",\"percentiles\":{")) != E_OK)
		return rc;
	if (pct) {
		n = pct_keys(keys);
		for (i = 0; i < n; i++) {
			if ((i && (rc = buf_addch(out, ',')) != E_OK) ||
			    (rc = buf_addch(out, '"')) != E_OK ||
			    (rc = fl_add_u64(out, (uint64_t)keys[i])) != E_OK ||
			    (rc = FL_ADD(out, "\":\"")) != E_OK ||
			    (rc = fl_add_i64(out, pct[keys[i] - 1])) != E_OK ||
			    (rc = buf_addch(out, '"')) != E_OK)
				return rc;
		}
	}
	return FL_ADD(out, "}}");
}

/* ----------------------------------------------------------- folded */

struct fwriter {
	struct buf *out;
	const struct fl_node **stack;
	int rc;
};

static bool
folded_node(void *ctx, struct fl_node *n)
{
	struct fwriter *w = ctx;
	uint64_t self;
	uint32_t i;

	if (w->rc)
		return false;
	w->stack[n->depth] = n;
	self = fl_self(n);
	if (self == 0)
		return true;
	for (i = 0; i <= n->depth && !w->rc; i++) {
		if (i)
			w->rc = buf_addch(w->out, ';');
		if (!w->rc)
			w->rc = buf_add(w->out, w->stack[i]->name,
				w->stack[i]->len);
	}
	if (!w->rc)
		w->rc = buf_addch(w->out, ' ');
	if (!w->rc)
		w->rc = fl_add_u64(w->out, self);
	if (!w->rc)
		w->rc = buf_addch(w->out, '\n');
	return true;
}

/* Folded text; see flame.h. */
int
fl_folded_write(const struct fl_tree *t, struct buf *out)
{
	struct fwriter w;

	w.out = out;
	w.rc = E_OK;
	w.stack = xcalloc(FL_MAX_DEPTH + 1, sizeof(*w.stack));
	fl_walk((struct fl_node *)&t->root, folded_node, &w);
	free(w.stack);
	return w.rc;
}

/* -------------------------------------------------------------- map */

void
fl_map_init(struct fl_map *m)
{
	memset(m, 0, sizeof(*m));
}

void
fl_map_release(struct fl_map *m)
{
	free(m->slots);
	free(m->keys);
	free(m->lens);
	free(m->hashes);
	memset(m, 0, sizeof(*m));
}

static void
map_grow(struct fl_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 256;
	uint32_t *ns = xcalloc(ncap, sizeof(*ns));
	size_t i, j;

	for (i = 0; i < m->n; i++) {
		for (j = m->hashes[i] & (ncap - 1); ns[j]; j = (j + 1) & (ncap - 1))
			;
		ns[j] = (uint32_t)(i + 1);
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
}

static size_t
map_find(const struct fl_map *m, const char *key, size_t len, uint64_t h,
	size_t *slot)
{
	size_t j;
	uint32_t ix;

	for (j = h & (m->cap - 1); (ix = m->slots[j]) != 0;
	     j = (j + 1) & (m->cap - 1)) {
		ix--;
		if (m->hashes[ix] == h && m->lens[ix] == len &&
		    memcmp(m->keys[ix], key, len) == 0)
			return ix;
	}
	*slot = j;
	return SIZE_MAX;
}

size_t
fl_map_put(struct fl_map *m, const char *key, size_t len, bool *added)
{
	uint64_t h = fl_hash(key, len, 0);
	size_t ix, slot;

	if ((m->n + 1) * 2 > m->cap)
		map_grow(m);
	ix = map_find(m, key, len, h, &slot);
	if (added)
		*added = ix == SIZE_MAX;
	if (ix != SIZE_MAX)
		return ix;
	if (m->n == m->kcap) {
		m->kcap = m->kcap ? m->kcap * 2 : 256;
		m->keys = xrealloc(m->keys, m->kcap * sizeof(*m->keys));
		m->lens = xrealloc(m->lens, m->kcap * sizeof(*m->lens));
		m->hashes = xrealloc(m->hashes, m->kcap * sizeof(*m->hashes));
	}
	m->keys[m->n] = key;
	m->lens[m->n] = (uint32_t)len;
	m->hashes[m->n] = h;
	m->slots[slot] = (uint32_t)(m->n + 1);
	return m->n++;
}

size_t
fl_map_get(const struct fl_map *m, const char *key, size_t len)
{
	size_t slot;

	if (!m->cap)
		return SIZE_MAX;
	return map_find(m, key, len, fl_hash(key, len, 0), &slot);
}
