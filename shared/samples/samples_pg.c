/*
 * samples_pg.c - the "pg" sample store backend (tables of
 * sql/0005_samples.up.sql).  This file opens and closes it, holds its
 * backend table, the open-addressing maps of its process caches
 * (verified dictionary keys, frame and stack names), the helpers that build array
 * literals and those that read binary results.
 *
 * Every value travels as a parameter (arrays as text literals built
 * here); SQL text is constant.  A filter is evaluated in C against the
 * service's sources (smp_src, a few rows per host), and only the matching
 * source ids reach the query.
 *
 * The backend's other files (what they share is in samples_pg_int.h):
 *   samples_pg_dict.c   the frame and stack dictionaries' keys
 *   samples_pg_write.c  writing a profile in one transaction
 *   samples_pg_query.c  range planning, stacks, tags, buckets, host metrics
 *   samples_pg_admin.c  day partitions, forgetting profiles, status, prune
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "mem.h"
#include "samples_pg_int.h"

#define KMAP_MAX (1u << 20)	/* entries before the process cache is reset */

/* ------------------------------------------------------------ key maps */

void
smp_pg_kmap_init(struct kmap *m, size_t cap)
{
	size_t c = 64;

	while (c < cap * 2)
		c <<= 1;
	memset(m, 0, sizeof(*m));
	m->cap = c;
	m->s = xcalloc(c, sizeof(*m->s));
}

void
smp_pg_kmap_release(struct kmap *m)
{
	free(m->s);
	memset(m, 0, sizeof(*m));
}

/* The slot of key (found, or the empty one where it would go); key != 0. */
static struct kmap_slot *
kmap_slot(const struct kmap *m, uint64_t key)
{
	size_t mask = m->cap - 1;
	size_t i = (size_t)(key * UINT64_C(0x9E3779B97F4A7C15) >> 7) & mask;

	while (m->s[i].k != key && m->s[i].k != 0)
		i = (i + 1) & mask;
	return &m->s[i];
}

/* Find key; true with *check and *val set. */
bool
smp_pg_kmap_get(const struct kmap *m, uint64_t key, uint64_t *check,
	uint64_t *val)
{
	const struct kmap_slot *e;

	if (!m->cap)
		return false;
	if (key == 0) {
		if (!m->has0)
			return false;
		*check = m->c0;
		*val = m->v0;
		return true;
	}
	e = kmap_slot(m, key);
	if (e->k == 0)
		return false;
	*check = e->c;
	*val = e->v;
	return true;
}

/* Insert or replace (the map must have room: n < cap / 2). */
void
smp_pg_kmap_put(struct kmap *m, uint64_t key, uint64_t check, uint64_t val)
{
	struct kmap_slot *e;

	if (key == 0) {
		if (!m->has0)
			m->n++;
		m->has0 = true;
		m->c0 = check;
		m->v0 = val;
		return;
	}
	e = kmap_slot(m, key);
	if (e->k == 0) {
		e->k = key;
		m->n++;
	}
	e->c = check;
	e->v = val;
}

/* Make room for `more` entries in a process cache (reset when full). */
void
smp_pg_kmap_reserve(struct kmap *m, size_t more)
{
	if (m->cap && m->n + more < m->cap / 2)
		return;
	smp_pg_kmap_release(m);
	smp_pg_kmap_init(m, more + (more < KMAP_MAX ? KMAP_MAX : more) / 2);
}

/* ------------------------------------------ array literals, errors */

/* Append one element of a text[] literal, quoted. */
void
smp_pg_add_text_elem(struct buf *b, const char *s)
{
	const char *p;

	add(b, "\"", 1);
	for (p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			add(b, "\\", 1);
		add(b, p, 1);
	}
	add(b, "\"", 1);
}

/* Append a frame key list as a bigint[] literal. */
void
smp_pg_add_keys(struct buf *b, const uint64_t *k, size_t n)
{
	size_t i;

	add(b, "{", 1);
	for (i = 0; i < n; i++) {
		if (i)
			add(b, ",", 1);
		add_i64(b, (int64_t)k[i]);
	}
	add(b, "}", 1);
}

/* A big-endian 32-bit integer. */
static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* A big-endian 64-bit integer. */
static uint64_t
be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* A bigint field of a binary result. */
int64_t
smp_pg_bin_i64(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
		return 0;
	return (int64_t)be64((const unsigned char *)PQgetvalue(r, row, col));
}

/*
 * A bigint[] field of a binary result: header (dimensions, null flag,
 * element type, then size and lower bound per dimension) and per element
 * its length (-1: NULL) and 8 bytes.
 */
int
smp_pg_bin_keys(const PGresult *r, int row, int col, struct arena *a,
	uint64_t **out, size_t *n)
{
	const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
	size_t len = (size_t)PQgetlength(r, row, col), cnt = 0, i, off;
	uint32_t ndim;

	*out = arena_alloc(a, sizeof(**out));
	*n = 0;
	if (PQgetisnull(r, row, col))
		return E_OK;
	if (len < 12 || (ndim = be32(p)) > 1 || len < 12 + 8 * (size_t)ndim)
		return E_INTERNAL;
	if (ndim == 1)
		cnt = be32(p + 12);
	off = 12 + 8 * (size_t)ndim;
	if (cnt > (len - off) / 4)
		return E_INTERNAL;
	*out = arena_alloc(a, (cnt ? cnt : 1) * sizeof(**out));
	for (i = 0; i < cnt; i++) {
		uint32_t el;

		if (len - off < 4)
			return E_INTERNAL;
		el = be32(p + off);
		off += 4;
		if (el == 0xffffffffu)	/* NULL element */
			continue;
		if (el != 8 || len - off < 8)
			return E_INTERNAL;
		(*out)[(*n)++] = be64(p + off);
		off += 8;
	}
	return E_OK;
}

/* Report a failed statement. */
int
smp_pg_fail(struct smp *s, struct smp_pg *pg, int rc, const char *what)
{
	smp_seterr(s, "samples: %s: %s", what, db_errmsg(pg->db));
	return rc;
}

/* ---------------------------------------------------- open and close */

static void
pg_free(void *ctx)
{
	struct smp_pg *pg = ctx;

	if (!pg)
		return;
	db_free(pg->db);
	smp_pg_kmap_release(&pg->frames);
	smp_pg_kmap_release(&pg->stacks);
	smp_pg_kmap_release(&pg->names);
	smp_pg_kmap_release(&pg->stk_names);
	arena_release(&pg->name_mem);
	free(pg);
}

static const struct smp_backend smp_pg_backend = {
	.name = "pg",
	.write = smp_pg_write,
	.stacks = smp_pg_stacks,
	.tags = smp_pg_tags,
	.buckets = smp_pg_buckets,
	.metrics = smp_pg_metrics,
	.delete_adhoc = smp_pg_delete_adhoc,
	.forget = smp_pg_forget,
	.status = smp_pg_status,
	.prune = smp_pg_prune,
	.free = pg_free,
};

/* Open the pg backend on its own connection. */
int
smp_pg_open(struct smp *s, const struct cfg *cfg, char *err, size_t errlen)
{
	struct smp_pg *pg = xcalloc(1, sizeof(*pg));
	int rc;

	rc = db_open(&cfg->db, &pg->db, err, errlen);
	if (rc) {
		free(pg);
		return rc;
	}
	arena_init(&pg->name_mem, 0);
	s->be = &smp_pg_backend;
	s->ctx = pg;
	return E_OK;
}
