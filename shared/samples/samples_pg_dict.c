/*
 * samples_pg_dict.c - the keys of the pg backend's dictionaries
 * (smp_frame: hash -> name, smp_stack: hash -> frame hashes), settled
 * before a profile's transaction (samples_pg_write.c).
 *
 * Dictionary keys follow samples.c (XXH64 with a probe as seed).  New
 * frames, then new stacks, go into the dictionaries in one autocommitted
 * statement each, which also returns the keys whose stored value differs
 * (a collision): those are re-keyed with the next probe and sent again.
 * Entries are immutable and content addressed, so committing them before
 * the samples is harmless, and keeps the samples transaction from holding
 * dictionary locks that other workers would wait on.  Keys already
 * verified by this process are remembered (with a second, independent
 * hash of the value) and not sent again.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "hash.h"
#include "mem.h"
#include "samples_pg_int.h"

#define CHECK_SEED UINT64_C(0x6a09e667f3bcc909)
#define FIRST_MAX 65536	/* distinct names shared within one profile */

static const struct db_stmt st_frames = {
	"smp_frames",
	"WITH u AS (SELECT * FROM unnest($1::bigint[], $2::text[]) "
	"WITH ORDINALITY AS u(h, t, i)), "
	"ins AS (INSERT INTO smp_frame (hash, name) SELECT h, t FROM u "
	"ORDER BY h ON CONFLICT DO NOTHING) "
	"SELECT u.i FROM u JOIN smp_frame f ON f.hash = u.h WHERE f.name <> u.t",
	2,
};

static const struct db_stmt st_stacks = {
	"smp_stacks",
	"WITH u AS (SELECT * FROM unnest($1::bigint[], $2::text[]) "
	"WITH ORDINALITY AS u(h, f, i)), "
	"ins AS (INSERT INTO smp_stack (hash, frames) SELECT h, f::bigint[] "
	"FROM u ORDER BY h ON CONFLICT DO NOTHING) "
	"SELECT u.i FROM u JOIN smp_stack s ON s.hash = u.h "
	"WHERE s.frames <> u.f::bigint[]",
	2,
};

/*
 * One dictionary round: send items [keys, values] and get back the
 * indexes (0-based) of the keys whose stored value differs.
 */
static int
pg_dict_round(struct smp *s, struct smp_pg *pg, const struct db_stmt *st,
	const uint64_t *keys, const char *const *vals, size_t n, bool *bad)
{
	struct buf kb = BUF_INIT(0), vb = BUF_INIT(0);
	const char *params[2];
	PGresult *r = NULL;
	size_t i;
	int rc, j;

	smp_pg_add_keys(&kb, keys, n);
	add(&vb, "{", 1);
	for (i = 0; i < n; i++) {
		if (i)
			add(&vb, ",", 1);
		smp_pg_add_text_elem(&vb, vals[i]);
	}
	add(&vb, "}", 1);
	params[0] = kb.data;
	params[1] = vb.data;
	rc = db_exec(pg->db, st, params, &r);
	buf_release(&kb);
	buf_release(&vb);
	if (rc)
		return smp_pg_fail(s, pg, rc, st == &st_frames ?
			"frame dictionary" : "stack dictionary");
	for (j = 0; j < PQntuples(r); j++) {
		int64_t idx = col_i64(r, j, 0) - 1;

		if (idx >= 0 && (size_t)idx < n)
			bad[idx] = true;
	}
	PQclear(r);
	return E_OK;
}

/* A pending dictionary entry. */
struct pend {
	uint64_t k0;		/* probe-0 key (the cache key) */
	uint64_t check;		/* independent hash of the value */
	uint64_t key;		/* current key */
	unsigned probe;
	const char *val;	/* name, or bigint[] literal of a stack */
	size_t len;
	const uint64_t *fh;	/* stack: frame keys */
	size_t nf;
};

/*
 * Settle the keys of pending entries: re-key in-batch duplicates, send,
 * re-key the ones the database holds with another value, until none is
 * left; then remember them in the cache.
 */
static int
pg_settle(struct smp *s, struct smp_pg *pg, struct pend *pe, size_t n,
	bool stacks, struct kmap *cache)
{
	struct kmap seen;
	const struct db_stmt *st = stacks ? &st_stacks : &st_frames;
	uint64_t *keys = NULL;
	const char **vals = NULL;
	bool *bad = NULL;
	size_t i, round;
	int rc = E_OK;

	if (n == 0)
		return E_OK;
	keys = xcalloc(n, sizeof(*keys));
	vals = xcalloc(n, sizeof(*vals));
	bad = xcalloc(n, sizeof(*bad));
	for (round = 0;; round++) {
		bool again = false;

		smp_pg_kmap_init(&seen, n);
		for (i = 0; i < n; i++) {
			uint64_t c, v;

			for (;;) {
				if (!smp_pg_kmap_get(&seen, pe[i].key, &c,
				    &v) || c == pe[i].check)
					break;
				if (++pe[i].probe >= SMP_MAX_PROBES)
					break;
				pe[i].key = stacks ?
					smp_stack_key(pe[i].fh, pe[i].nf,
					pe[i].probe) :
					smp_frame_key(pe[i].val, pe[i].len,
					pe[i].probe);
			}
			smp_pg_kmap_put(&seen, pe[i].key, pe[i].check, 0);
			keys[i] = pe[i].key;
			vals[i] = pe[i].val;
			bad[i] = false;
		}
		smp_pg_kmap_release(&seen);
		rc = pg_dict_round(s, pg, st, keys, vals, n, bad);
		if (rc)
			goto out;
		for (i = 0; i < n; i++) {
			if (!bad[i])
				continue;
			again = true;
			if (++pe[i].probe >= SMP_MAX_PROBES) {
				smp_seterr(s, "samples: %s key collision "
					"not resolved after %d probes",
					stacks ? "stack" : "frame",
					SMP_MAX_PROBES);
				rc = E_INTERNAL;
				goto out;
			}
			pe[i].key = stacks ?
				smp_stack_key(pe[i].fh, pe[i].nf, pe[i].probe) :
				smp_frame_key(pe[i].val, pe[i].len, pe[i].probe);
		}
		if (!again)
			break;
	}
	smp_pg_kmap_reserve(cache, n);
	for (i = 0; i < n; i++)
		smp_pg_kmap_put(cache, pe[i].k0, pe[i].check, pe[i].key);
out:
	free(keys);
	free(vals);
	free(bad);
	return rc;
}

/* Give every row's frames and stack their settled keys. */
int
smp_pg_keys(struct smp *s, struct smp_pg *pg, struct smp_row *rows, size_t n,
	struct arena *a)
{
	struct kmap batch, first;
	struct pend *pe;
	size_t i, k, np = 0, total = 0, at;
	uint64_t c, v, *chks, *schk, *fin;
	size_t *dup, *flen, memo;
	const char **fs;
	int rc;

	for (i = 0; i < n; i++)
		total += rows[i].nframes;
	/* room for the whole batch now, so no entry is evicted below */
	smp_pg_kmap_reserve(&pg->frames, total);
	smp_pg_kmap_reserve(&pg->stacks, n);
	/* frames */
	pe = arena_alloc(a, (total ? total : 1) * sizeof(*pe));
	/* each value's check hash, computed once for both passes */
	chks = arena_alloc(a, (total ? total : 1) * sizeof(*chks));
	schk = arena_alloc(a, (n ? n : 1) * sizeof(*schk));
	/*
	 * A name repeats across a profile's stacks: an occurrence equal to
	 * an earlier one (same probe-0 key, same bytes) takes that one's
	 * check and final key instead of hashing and looking up again.
	 */
	dup = arena_alloc(a, (total ? total : 1) * sizeof(*dup));
	fin = arena_alloc(a, (total ? total : 1) * sizeof(*fin));
	fs = arena_alloc(a, (total ? total : 1) * sizeof(*fs));
	flen = arena_alloc(a, (total ? total : 1) * sizeof(*flen));
	smp_pg_kmap_init(&batch, total);
	/* small enough to stay in cache; names past it just are not shared */
	memo = total < FIRST_MAX ? total : FIRST_MAX;
	smp_pg_kmap_init(&first, memo);
	for (i = 0, at = 0; i < n; i++)
		for (k = 0; k < rows[i].nframes; k++, at++) {
			const char *f = fs[at] = rows[i].frames[k];
			size_t len = flen[at] = strlen(f);
			uint64_t k0 = rows[i].fh[k];
			uint64_t chk;

			dup[at] = SIZE_MAX;
			if (smp_pg_kmap_get(&first, k0, &c, &v)) {
				if (flen[v] == len &&
				    memcmp(fs[v], f, len) == 0) {
					dup[at] = (size_t)v;
					chks[at] = chks[v];
					continue;	/* settled with it */
				}
			} else if (first.n < memo) {
				smp_pg_kmap_put(&first, k0, 0, at);
			}
			chk = chks[at] = hash_xxh64(f, len, CHECK_SEED);
			if (smp_pg_kmap_get(&pg->frames, k0, &c, &v) &&
			    c == chk)
				continue;
			if (smp_pg_kmap_get(&batch, chk, &c, &v))
				continue;	/* already pending */
			smp_pg_kmap_put(&batch, chk, 0, np);
			pe[np++] = (struct pend){ k0, chk, k0, 0, f, len,
				NULL, 0 };
		}
	smp_pg_kmap_release(&first);
	smp_pg_kmap_release(&batch);
	rc = pg_settle(s, pg, pe, np, false, &pg->frames);
	if (rc)
		return rc;
	for (i = 0, at = 0; i < n; i++) {
		bool moved = false;

		for (k = 0; k < rows[i].nframes; k++, at++) {
			uint64_t chk = chks[at];

			if (dup[at] != SIZE_MAX) {
				fin[at] = fin[dup[at]];
			} else if (smp_pg_kmap_get(&pg->frames, rows[i].fh[k],
			    &c, &v) && c == chk) {
				fin[at] = v;
			} else {
				/* evicted or re-keyed: settled above, look up by name */
				size_t j;

				fin[at] = rows[i].fh[k];
				for (j = 0; j < np; j++)
					if (pe[j].check == chk) {
						fin[at] = pe[j].key;
						break;
					}
			}
			if (fin[at] != rows[i].fh[k]) {
				rows[i].fh[k] = fin[at];
				moved = true;
			}
		}
		/* the stack key over unchanged frame keys is the one it has */
		if (moved)
			rows[i].sh = smp_stack_key(rows[i].fh, rows[i].nframes,
				0);
	}
	/* stacks */
	pe = arena_alloc(a, (n ? n : 1) * sizeof(*pe));
	np = 0;
	smp_pg_kmap_init(&batch, n);
	for (i = 0; i < n; i++) {
		uint64_t chk = schk[i] = hash_xxh64(rows[i].fh,
			rows[i].nframes * sizeof(*rows[i].fh), CHECK_SEED) ^
			rows[i].nframes;
		struct buf lit = BUF_INIT(0);

		if (smp_pg_kmap_get(&pg->stacks, rows[i].sh, &c, &v) &&
		    c == chk) {
			rows[i].sh = v;
			continue;
		}
		if (smp_pg_kmap_get(&batch, chk, &c, &v))
			continue;
		smp_pg_kmap_put(&batch, chk, 0, np);
		smp_pg_add_keys(&lit, rows[i].fh, rows[i].nframes);
		pe[np++] = (struct pend){ rows[i].sh, chk, rows[i].sh, 0,
			arena_memdupz(a, lit.data, lit.len), lit.len,
			rows[i].fh, rows[i].nframes };
		buf_release(&lit);
	}
	smp_pg_kmap_release(&batch);
	rc = pg_settle(s, pg, pe, np, true, &pg->stacks);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		uint64_t chk = schk[i];
		size_t j;

		if (smp_pg_kmap_get(&pg->stacks, rows[i].sh, &c, &v) &&
		    c == chk) {
			rows[i].sh = v;
			continue;
		}
		for (j = 0; j < np; j++)
			if (pe[j].check == chk) {
				rows[i].sh = pe[j].key;
				break;
			}
	}
	return E_OK;
}
