/*
 * samples_ch_dict.c - the keys of the ClickHouse backend's dictionaries
 * (smp_frames: hash -> name, smp_stacks: hash -> frame hashes), settled
 * before a profile's rows are written.
 *
 * Dictionary keys follow samples.c (XXH64 with a probe as seed): a new
 * entry is checked against what is stored under its key and re-keyed
 * with the next probe when the stored value differs.  Keys verified by
 * this process are cached (with a second hash of the value).  The first
 * query of a write (samples_ch_write.c) asks what is stored under the
 * keys not verified yet when they fit in one query (struct ch_pre);
 * the rest are asked here, CH_IN_CHUNK keys at a time.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "mem.h"
#include "samples_ch_int.h"

#define CH_IN_CHUNK 8000	/* keys in one IN list (max_query_size 256 KiB) */

/* A dictionary entry to settle. */
struct pend {
	uint64_t k0, chk, key;
	unsigned probe;
	const char *val;	/* frame name, or "[k,k,...]" of a stack */
	const uint64_t *fh;	/* stack: its frame keys */
	size_t nf;
	bool stored;
};

/* The key of a pending entry with its current probe. */
static uint64_t
pend_rekey(const struct pend *p, bool stacks)
{
	return stacks ? smp_stack_key(p->fh, p->nf, p->probe) :
		smp_frame_key(p->val, strlen(p->val), p->probe);
}

/* Order pending indexes by key (for lookups and in-batch clashes). */
static const struct pend *sort_pe;

static int
pend_idx_cmp(const void *x, const void *y)
{
	uint64_t a = sort_pe[*(const size_t *)x].key;
	uint64_t b = sort_pe[*(const size_t *)y].key;

	return a < b ? -1 : a > b;
}

/* Sort idx[] by the entries' keys. */
static void
pend_sort(const struct pend *pe, size_t *idx, size_t n)
{
	sort_pe = pe;
	qsort(idx, n, sizeof(*idx), pend_idx_cmp);
	sort_pe = NULL;
}

/* The position in the sorted idx[] of an entry with key k, or n. */
static size_t
pend_find(const struct pend *pe, const size_t *idx, size_t n, uint64_t k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (pe[idx[mid]].key < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && pe[idx[lo]].key == k ? lo : n;
}

/* Give the next probe to an entry; false after SMP_MAX_PROBES. */
static bool
pend_bump(struct smp *s, struct pend *p, bool stacks)
{
	if (++p->probe >= SMP_MAX_PROBES) {
		smp_seterr(s, "samples: %s key collision not resolved after "
			"%d probes", stacks ? "stack" : "frame", SMP_MAX_PROBES);
		return false;
	}
	p->key = pend_rekey(p, stacks);
	return true;
}

/*
 * Dictionary entries fetched ahead by a profile's first query: the keys
 * it asked about (sorted) and what is stored under them.
 */
static int
u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Whether pre asked about every key of pe (through idx). */
static bool
pre_covers(const struct ch_pre *pre, const struct pend *pe,
	const size_t *idx, size_t n)
{
	size_t i;

	if (!pre || !pre->asked)
		return false;
	for (i = 0; i < n; i++)
		if (!bsearch(&pe[idx[i]].key, pre->asked, pre->nasked,
		    sizeof(*pre->asked), u64_cmp))
			return false;
	return true;
}

/*
 * One stored (key, value) against the pending entries sorted in idx: the
 * same value settles them, another value gives them the next probe
 * (*again: look again).
 */
static int
settle_row(struct smp *s, struct pend *pe, const size_t *idx, size_t n,
	bool stacks, uint64_t key, const char *val, bool *again)
{
	size_t at = pend_find(pe, idx, n, key);

	/* every entry with this key (same check) */
	for (; at < n && pe[idx[at]].key == key; at++) {
		struct pend *p = &pe[idx[at]];

		if (strcmp(p->val, val) == 0) {
			p->stored = true;
		} else if (!p->stored) {
			if (!pend_bump(s, p, stacks))
				return E_INTERNAL;
			*again = true;
		}
	}
	return E_OK;
}

/*
 * Settle the keys of pending entries: clashes inside the batch and with
 * stored entries get the next probe, until none is left; then insert the
 * ones not stored and cache them all.
 */
static int
ch_settle(struct smp *s, struct pend *pe, size_t n, bool stacks,
	const struct ch_pre *pre)
{
	struct smp_ch *ch = s->ctx;
	const char *tbl = stacks ? "smp_stacks" : "smp_frames";
	const char *col = stacks ? "Frames" : "Name";
	struct buf b = BUF_INIT(0);
	size_t *idx, i, j, round;
	int rc = E_OK;

	if (n == 0)
		return E_OK;
	idx = xcalloc(n, sizeof(*idx));
	/* one entry per distinct value (rows repeat frames) */
	for (i = 0; i < n; i++)
		idx[i] = i;
	pend_sort(pe, idx, n);
	for (i = 0, j = 0; i < n; i++) {
		const struct pend *p = &pe[idx[i]];

		if (j > 0 && p->key == pe[idx[j - 1]].key &&
		    p->chk == pe[idx[j - 1]].chk)
			continue;
		idx[j++] = idx[i];
	}
	{
		struct pend *u = xcalloc(j ? j : 1, sizeof(*u));

		for (i = 0; i < j; i++)
			u[i] = pe[idx[i]];
		memcpy(pe, u, j * sizeof(*pe));
		free(u);
		n = j;
	}
	for (round = 0;; round++) {
		bool again = false;

		for (i = 0; i < n; i++)
			idx[i] = i;
		pend_sort(pe, idx, n);
		for (i = 1; i < n; i++) {
			struct pend *p = &pe[idx[i]], *q = &pe[idx[i - 1]];

			if (p->key == q->key && p->chk != q->chk) {
				if (!pend_bump(s, p, stacks)) {
					rc = E_INTERNAL;
					goto out;
				}
				again = true;
			}
		}
		if (again)
			continue;	/* re-sort with the new keys */
		/* what is stored under these keys: known already (the
		 * profile's first query asked), or a chunk at a time */
		if (round == 0 && pre_covers(pre, pe, idx, n)) {
			for (i = 0; i < pre->ngot && rc == E_OK && !again; i++)
				rc = settle_row(s, pe, idx, n, stacks,
					pre->got[i].key, pre->got[i].val, &again);
			if (rc != E_OK)
				goto out;
		}
		else for (i = 0; i < n && rc == E_OK; i += CH_IN_CHUNK) {
			struct ch_rows q;

			buf_reset(&b);
			addf(&b, "SELECT DISTINCT Hash, %s FROM %s WHERE Hash IN (",
				col, tbl);
			for (j = i; j < n && j < i + CH_IN_CHUNK; j++)
				addf(&b, "%s%llu", j > i ? "," : "",
					(unsigned long long)pe[idx[j]].key);
			add(&b, ") FORMAT TabSeparated");
			rc = smp_ch_query(s, stacks ? "stack dictionary" :
				"frame dictionary", &b, &q);
			if (rc != E_OK)
				goto out;
			while (rc == E_OK && !again && smp_ch_next(&q, 2))
				rc = settle_row(s, pe, idx, n, stacks, u64(q.f[0]),
					q.f[1], &again);
			smp_ch_done(&q);
			if (rc != E_OK)
				goto out;
			if (again)
				break;
		}
		if (!again)
			break;
		if (round > 4 * SMP_MAX_PROBES) {
			smp_seterr(s, "samples: dictionary keys kept changing");
			rc = E_INTERNAL;
			goto out;
		}
	}
	buf_reset(&b);
	addf(&b, "INSERT INTO %s (Hash, %s) FORMAT TabSeparated\n", tbl, col);
	j = 0;
	for (i = 0; i < n; i++) {
		if (pe[i].stored)
			continue;
		addf(&b, "%llu\t", (unsigned long long)pe[i].key);
		addtsv(&b, pe[i].val, '\n');
		j++;
	}
	if (j > 0 && (rc = smp_ch_exec(s, stacks ? "stack dictionary insert" :
	    "frame dictionary insert", &b, false)) != E_OK)
		goto out;
	smp_ch_cache_room(stacks ? &ch->stacks : &ch->frames, n);
	for (i = 0; i < n; i++)
		smp_ch_cache_put(stacks ? &ch->stacks : &ch->frames, pe[i].k0,
			pe[i].chk, pe[i].key);
out:
	free(idx);
	buf_release(&b);
	return rc;
}

/* The check hash of a stack's frame keys. */
uint64_t
smp_ch_stack_check(const struct smp_row *r)
{
	return hash_xxh64(r->fh, r->nframes * sizeof(*r->fh), CH_CHECK_SEED) ^
		r->nframes;
}

/* Append "[k,k,...]" (ClickHouse's text of an Array(UInt64)). */
static void
add_key_array(struct buf *b, const uint64_t *k, size_t n)
{
	size_t i;

	add(b, "[");
	for (i = 0; i < n; i++)
		addf(b, "%s%llu", i ? "," : "", (unsigned long long)k[i]);
	add(b, "]");
}

/* Settle the frame and stack keys of every row. */
int
smp_ch_keys(struct smp *s, struct smp_row *rows, size_t n, struct arena *a,
	const struct ch_pre *pre_frames, const struct ch_pre *pre_stacks)
{
	struct smp_ch *ch = s->ctx;
	struct pend *pe;
	size_t i, k, np = 0, total = 0;
	uint64_t key;
	int rc;

	for (i = 0; i < n; i++)
		total += rows[i].nframes;
	smp_ch_cache_room(&ch->frames, total);
	smp_ch_cache_room(&ch->stacks, n);
	/* frames: every one not verified yet (duplicates settle together) */
	pe = arena_alloc(a, (total ? total : 1) * sizeof(*pe));
	for (i = 0; i < n; i++)
		for (k = 0; k < rows[i].nframes; k++) {
			const char *f = rows[i].frames[k];
			uint64_t chk = hash_xxh64(f, strlen(f), CH_CHECK_SEED);

			if (smp_ch_cache_get(&ch->frames, rows[i].fh[k], chk,
			    &key))
				continue;
			pe[np++] = (struct pend){ rows[i].fh[k], chk,
				rows[i].fh[k], 0, f, NULL, 0, false };
		}
	if ((rc = ch_settle(s, pe, np, false, pre_frames)) != E_OK)
		return rc;
	for (i = 0; i < n; i++) {
		for (k = 0; k < rows[i].nframes; k++) {
			const char *f = rows[i].frames[k];
			uint64_t chk = hash_xxh64(f, strlen(f), CH_CHECK_SEED);

			if (!smp_ch_cache_get(&ch->frames, rows[i].fh[k], chk,
			    &key)) {
				smp_seterr(s, "samples: frame key lost");
				return E_INTERNAL;
			}
			rows[i].fh[k] = key;
		}
		rows[i].sh = smp_stack_key(rows[i].fh, rows[i].nframes, 0);
	}
	/* stacks */
	pe = arena_alloc(a, (n ? n : 1) * sizeof(*pe));
	np = 0;
	for (i = 0; i < n; i++) {
		uint64_t chk = smp_ch_stack_check(&rows[i]);
		struct buf lit = BUF_INIT(0);

		if (smp_ch_cache_get(&ch->stacks, rows[i].sh, chk, &key))
			continue;
		add_key_array(&lit, rows[i].fh, rows[i].nframes);
		pe[np++] = (struct pend){ rows[i].sh, chk, rows[i].sh, 0,
			arena_memdupz(a, lit.data, lit.len), rows[i].fh,
			rows[i].nframes, false };
		buf_release(&lit);
	}
	if ((rc = ch_settle(s, pe, np, true, pre_stacks)) != E_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (!smp_ch_cache_get(&ch->stacks, rows[i].sh,
		    smp_ch_stack_check(&rows[i]), &key)) {
			smp_seterr(s, "samples: stack key lost");
			return E_INTERNAL;
		}
		rows[i].sh = key;
	}
	return E_OK;
}

/*
 * Add the keys not verified yet to an IN list for pre (sorted, distinct);
 * false (nothing added) when they do not fit in *budget bytes.
 */
bool
smp_ch_pre_ask(struct buf *b, struct ch_pre *pre, uint64_t *k, size_t nk,
	size_t *budget, struct arena *a)
{
	size_t i, j, len = 0;

	qsort(k, nk, sizeof(*k), u64_cmp);
	for (i = 0, j = 0; i < nk; i++)
		if (j == 0 || k[i] != k[j - 1])
			k[j++] = k[i];
	nk = j;
	if (nk == 0 || nk * 21 > *budget)
		return false;
	for (i = 0; i < nk; i++) {
		size_t before = b->len;

		addf(b, "%s%llu", i ? "," : "", (unsigned long long)k[i]);
		len += b->len - before;
	}
	*budget -= len < *budget ? len : *budget;
	pre->asked = arena_alloc(a, nk * sizeof(*k));
	memcpy(pre->asked, k, nk * sizeof(*k));
	pre->nasked = nk;
	return true;
}

/* Keep one (key, value) the first query found. */
void
smp_ch_pre_got(struct ch_pre *pre, uint64_t key, const char *val,
	struct arena *a)
{
	if (pre->ngot == pre->cap) {
		struct ch_kv *g;

		pre->cap = pre->cap ? 2 * pre->cap : 64;
		g = arena_alloc(a, pre->cap * sizeof(*g));
		if (pre->ngot)
			memcpy(g, pre->got, pre->ngot * sizeof(*g));
		pre->got = g;
	}
	pre->got[pre->ngot++] = (struct ch_kv){ key, arena_strdup(a, val) };
}
