/*
 * samples_pg_int.h - what the files of the pg sample store backend
 * share: its state (struct smp_pg), the open-addressing maps of its
 * process caches, the helpers that build PostgreSQL array literals
 * and read binary results, the error report of a failed statement, and
 * each file's part of the backend table.  Not for other modules:
 * samples.c opens the backend with smp_pg_open() (samples_int.h) and
 * uses it through its table.
 *
 *   samples_pg.c        open and close, the backend table, key maps,
 *                       array literals, binary results
 *   samples_pg_dict.c   the frame and stack dictionaries' keys
 *   samples_pg_write.c  writing a profile in one transaction
 *   samples_pg_query.c  range planning, stacks, tags, buckets, host metrics
 *   samples_pg_admin.c  day partitions, forgetting profiles, status, prune
 *
 * Errors are enum err values with the detail in s->err (smp_seterr()).
 */
#ifndef EMBER_SAMPLES_PG_INT_H
#define EMBER_SAMPLES_PG_INT_H

#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"
#include "buf.h"
#include "db.h"
#include "samples_int.h"

/*
 * Open-addressing map: key -> (check, value).  One slot holds a key and
 * its values together, so a probe touches one cache line; key 0 marks an
 * empty slot, so the entry of key 0 itself is kept beside the table.
 */
struct kmap_slot {
	uint64_t k, c, v;
};

struct kmap {
	struct kmap_slot *s;
	size_t cap, n;
	bool has0;		/* key 0 is present, with c0 and v0 */
	uint64_t c0, v0;
};

struct smp_pg {
	struct db *db;
	int64_t days[16];		/* days whose partitions exist */
	size_t ndays;
	struct kmap frames;		/* verified frame keys: probe-0 key -> final */
	struct kmap stacks;		/* verified stack keys */
	struct kmap names;		/* frame key -> name (a char * in
					 * name_mem): dictionary entries never
					 * change, so they stay valid */
	struct kmap stk_names;		/* stack key -> its frames' names (in
					 * name_mem; see samples_pg_query.c),
					 * reset with names */
	struct arena name_mem;
};

/* ---------------------------------------------- key maps (samples_pg.c) */

/* Start an empty map with room for `cap` entries. */
void smp_pg_kmap_init(struct kmap *m, size_t cap);
/* Free a map's arrays; it is left empty (released twice is a no-op). */
void smp_pg_kmap_release(struct kmap *m);
/* Find key; true with *check and *val set. */
bool smp_pg_kmap_get(const struct kmap *m, uint64_t key, uint64_t *check,
	uint64_t *val);
/* Insert or replace (the map must have room: n < cap / 2). */
void smp_pg_kmap_put(struct kmap *m, uint64_t key, uint64_t check,
	uint64_t val);
/* Make room for `more` entries in a process cache (reset when full). */
void smp_pg_kmap_reserve(struct kmap *m, size_t more);

/* ------------------------------------ literals and results (header only) */

/* Append to an uncapped buffer (OOM aborts, so this cannot fail). */
static inline void
add(struct buf *b, const char *s, size_t n)
{
	buf_put(b, s, n);
}

/* Append a signed 64-bit number (a key as PostgreSQL's bigint). */
static inline void
add_i64(struct buf *b, int64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof(t), "%lld", (long long)v);

	add(b, t, (size_t)n);
}

/* A bigint field of a result (0 when NULL). */
static inline int64_t
col_i64(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 :
		strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* ---------------------------------------- array literals (samples_pg.c) */

/* Append one element of a text[] literal, quoted. */
void smp_pg_add_text_elem(struct buf *b, const char *s);
/* Append a frame key list as a bigint[] literal. */
void smp_pg_add_keys(struct buf *b, const uint64_t *k, size_t n);

/* ------------------------ binary results (samples_pg.c; db_exec_bin()) */

/* A bigint field (0 when NULL or not 8 bytes). */
int64_t smp_pg_bin_i64(const PGresult *r, int row, int col);
/*
 * A bigint[] field (one dimension) into the arena: *out gets *n keys
 * (NULL elements skipped; NULL array: none).  E_INTERNAL when the value
 * is not a well-formed bigint array.
 */
MUST_CHECK int smp_pg_bin_keys(const PGresult *r, int row, int col,
	struct arena *a, uint64_t **out, size_t *n);

/*
 * Report a failed statement in s->err ("samples: WHAT: the server's
 * message"); returns rc.
 */
int smp_pg_fail(struct smp *s, struct smp_pg *pg, int rc, const char *what);

/* ------------------------------------- dictionaries (samples_pg_dict.c) */

/*
 * Give every row's frames and stack their settled keys: rows[].fh and
 * rows[].sh are replaced by their stored keys, new dictionary entries
 * committed and the process caches filled (scratch in a).  E_INTERNAL
 * when a collision is not resolved within SMP_MAX_PROBES, else the
 * errors of db_exec().
 */
MUST_CHECK int smp_pg_keys(struct smp *s, struct smp_pg *pg,
	struct smp_row *rows, size_t n, struct arena *a);

/* --------------------------------- day partitions (samples_pg_admin.c) */

/*
 * Make sure the partitions of the day of ts and of the next two days
 * exist, unless this process did so for that day.
 */
MUST_CHECK int smp_pg_ensure_day(struct smp *s, struct smp_pg *pg,
	int64_t ts);

/* ----------------------- the backend table's entries (see samples_int.h) */

/* samples_pg_write.c */
int smp_pg_write(struct smp *s, const struct smp_profile *p,
	struct smp_row *rows, size_t n, bool *dup);

/* samples_pg_query.c */
int smp_pg_stacks(struct smp *s, const struct smp_sel *sel,
	size_t max_stacks, struct arena *a, smp_stack_fn fn, void *ctx,
	struct smp_info *info);
int smp_pg_tags(struct smp *s, const struct smp_sel *sel, enum smp_dim dim,
	size_t max, struct arena *a, struct smp_tag **out, size_t *n);
int smp_pg_buckets(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_bucket **out, size_t *n);
int smp_pg_metrics(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_metrics_bucket **out,
	size_t *n);

/* samples_pg_admin.c */
int smp_pg_delete_adhoc(struct smp *s, const char *adhoc_key);
int smp_pg_forget(struct smp *s, const char *key);
int smp_pg_status(struct smp *s, struct smp_status *out);
int smp_pg_prune(struct smp *s, int64_t raw_before, int64_t rollup_before,
	size_t *dropped);

#endif
