/*
 * samples_ch_int.h - what the files of the ClickHouse sample store
 * backend share: its state (struct smp_ch), the caches of verified
 * dictionary keys, the calls to ClickHouse and the readers of their
 * answers, the dictionary keys a write settles, and each file's part of
 * the backend table.  Not for other modules: samples.c opens the backend
 * with smp_ch_open() (samples_int.h) and uses it through its table.
 *
 *   samples_ch.c        open and close, the backend table, the key caches
 *   samples_ch_http.c   quoting, one statement per request, TabSeparated
 *                       answers, the RowBinary stacks answer
 *   samples_ch_dict.c   the frame and stack dictionaries' keys
 *   samples_ch_write.c  writing a profile idempotently
 *   samples_ch_query.c  stacks, tags, buckets, host metrics
 *   samples_ch_admin.c  the schema, forgetting profiles, status, prune
 *
 * Errors are enum err values with the detail in s->err (smp_seterr()).
 */
#ifndef EMBER_SAMPLES_CH_INT_H
#define EMBER_SAMPLES_CH_INT_H

#include "compat.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "http.h"
#include "samples_ch.h"
#include "samples_int.h"

#define CH_ANSWER_MAX (64u * 1024 * 1024)	/* bytes of one answer */
#define CH_CHECK_SEED UINT64_C(0x510e527fade682d1)
#define CH_MAX_FIELDS 16

/* Verified dictionary keys: probe-0 key -> (check of the value, key). */
struct ch_ent {
	uint64_t k0, chk, key;	/* chk 0: empty slot */
};
struct ch_cache {
	struct ch_ent *e;
	size_t cap, n;
};

struct smp_ch {
	struct http *h;
	char *url;		/* base URL with ?database= */
	char *url_root;		/* base URL without a database (DDL) */
	char *db;		/* validated identifier */
	char *auth;		/* "Authorization: Basic ..." */
	unsigned retries;
	uint32_t rng;
	struct ch_cache frames, stacks;
};

/* ------------------------------------------- key caches (samples_ch.c) */

/* (Re)start a cache with room for `want` entries; the old ones go. */
void smp_ch_cache_init(struct ch_cache *c, size_t want);
/* The settled key of (k0, chk) into *key, or false. */
bool smp_ch_cache_get(const struct ch_cache *c, uint64_t k0, uint64_t chk,
	uint64_t *key);
/* Remember a settled key; room for it is made by smp_ch_cache_room(). */
void smp_ch_cache_put(struct ch_cache *c, uint64_t k0, uint64_t chk,
	uint64_t key);
/* Make room for `more` entries (a full cache starts again). */
void smp_ch_cache_room(struct ch_cache *c, size_t more);

/* ---------------------------------------- statement text (header only) */

/*
 * Appends to the statement buffers, which have no cap: they cannot fail
 * (allocation aborts), so they return nothing.
 */
static inline void
add(struct buf *b, const char *s)
{
	buf_puts(b, s);
}

static inline void addf(struct buf *b, const char *fmt, ...)
	ATTR_PRINTF(2, 3);

static inline void
addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vputf(b, fmt, ap);
	va_end(ap);
}

/* Append a quoted literal. */
static inline void
addq(struct buf *b, const char *s)
{
	int err = smp_ch_quote(b, s, strlen(s));

	ASSERT(err == E_OK);
}

/* Append a TSV field and its separator. */
static inline void
addtsv(struct buf *b, const char *s, char sep)
{
	int err = smp_ch_tsv_escape(b, s);

	ASSERT(err == E_OK);
	buf_putc(b, sep);
}

/* The numbers of an answer's fields (ClickHouse prints them). */
static inline uint64_t
u64(const char *s)
{
	return strtoull(s, NULL, 10);
}

static inline int64_t
i64(const char *s)
{
	return strtoll(s, NULL, 10);
}

/* ------------------------------------------ calls (samples_ch_http.c) */

/*
 * Run one statement (the POST body: SQL, and for an INSERT the rows after
 * it) against the database, or with root against the server (DDL).
 * retry: reads and DDL are retried by http.c on connection failures and
 * 5xx; inserts are not (see samples_ch_write.c).  A 2xx answer's body is
 * in resp (the caller releases it); anything else is an error: E_AUTH
 * (401, 403), E_HTTP (5xx, 429, or the transport's), E_INTERNAL
 * (ClickHouse refused the SQL).
 */
MUST_CHECK int smp_ch_call(struct smp *s, const char *what,
	const struct buf *body, bool root, bool retry, struct http_resp *resp);

/* Run a statement whose answer is not needed (errors of smp_ch_call()). */
int smp_ch_exec(struct smp *s, const char *what, const struct buf *body,
	bool retry);

/* A read's answer as TSV lines. */
struct ch_rows {
	struct http_resp r;
	size_t pos;
	char *f[CH_MAX_FIELDS];
	int nf;
};

/*
 * Run a read; rows are then taken with smp_ch_next() and the answer
 * released with smp_ch_done() (only after E_OK).  E_TOOBIG when the
 * answer exceeds CH_ANSWER_MAX, else the errors of smp_ch_call().
 */
MUST_CHECK int smp_ch_query(struct smp *s, const char *what,
	const struct buf *sql, struct ch_rows *q);

/*
 * The next row with at least `want` fields in q->f: 1, or 0 at the end or
 * at the blank line before a WITH TOTALS row (call again for that row).
 */
int smp_ch_next(struct ch_rows *q, int want);

/* Release a read's answer. */
void smp_ch_done(struct ch_rows *q);

/* ------------------------------- the stacks answer (samples_ch_http.c) */

/* One stack of the answer: its key, summed count and frame keys. */
struct ch_stack {
	uint64_t hash, count;
	uint64_t *fk;
	size_t nf;
};

/*
 * The stacks answer being read (samples_ch_http.c has its format).  The
 * reader sets a (where names and frame keys go) and carry (BUF_INIT(0));
 * it frees st, name, names.e and carry afterwards.
 */
struct ch_answer {
	struct arena *a;
	struct ch_stack *st;
	size_t nst, cap;
	struct ch_cache names;	/* frame key -> index in name[] */
	const char **name;
	size_t nname, name_cap;
	uint64_t rows;		/* rows summed, over every stack */
	uint64_t bytes;		/* of the answer so far */
	struct buf carry;	/* a row split across pieces */
	char bad[160];		/* the first row that is not ours */
};

/*
 * http.c's on_body for the stacks query (ctx: struct ch_answer): take the
 * rows of each piece.  false (the transfer stops) when the answer is too
 * large or a row is not ours; an->bad then says why.  A row still in
 * an->carry when the answer ends was cut short.
 */
bool smp_ch_answer_body(void *ctx, const char *piece, size_t n);

/* Note the first bad row (its first bytes, printable); returns false. */
bool smp_ch_answer_bad(struct ch_answer *an, const unsigned char *p,
	size_t n);

/* ---------------------------------------- dictionaries (samples_ch_dict.c) */

/*
 * Dictionary entries fetched ahead by a profile's first query: the keys
 * it asked about (sorted) and what is stored under them.
 */
struct ch_pre {
	uint64_t *asked;
	size_t nasked;
	struct ch_kv { uint64_t key; const char *val; } *got;
	size_t ngot, cap;
};

/* The check hash of a stack's frame keys. */
uint64_t smp_ch_stack_check(const struct smp_row *r);

/*
 * Add the keys k[0..nk) (sorted and made distinct in place) to an IN list
 * in b and note them in pre (arena a); false (nothing added) when they do
 * not fit in *budget bytes, which shrinks by what was added.
 */
bool smp_ch_pre_ask(struct buf *b, struct ch_pre *pre, uint64_t *k,
	size_t nk, size_t *budget, struct arena *a);

/* Keep one (key, value) the first query found (copied into a). */
void smp_ch_pre_got(struct ch_pre *pre, uint64_t key, const char *val,
	struct arena *a);

/*
 * Settle the frame and stack keys of every row: rows[].fh and rows[].sh
 * are replaced by their stored keys, new dictionary entries inserted and
 * the caches filled.  pre_frames and pre_stacks (may be empty) hold what
 * the first query found.  E_INTERNAL when a collision is not resolved
 * within SMP_MAX_PROBES, else the errors of the calls.
 */
MUST_CHECK int smp_ch_keys(struct smp *s, struct smp_row *rows, size_t n,
	struct arena *a, const struct ch_pre *pre_frames,
	const struct ch_pre *pre_stacks);

/* ---------------------------------------- writing (samples_ch_write.c) */

/*
 * Cancel every row of one profile (a no-op when they sum to nothing):
 * idempotent, so retried.  Not MUST_CHECK: a best-effort caller ignores
 * it.
 */
int smp_ch_cancel(struct smp *s, int64_t service, int64_t start,
	uint64_t pid);

/* ----------------------- the backend table's entries (see samples_int.h) */

/* samples_ch_write.c */
int smp_ch_write(struct smp *s, const struct smp_profile *p,
	struct smp_row *rows, size_t n, bool *dup);

/* samples_ch_query.c */
int smp_ch_stacks(struct smp *s, const struct smp_sel *sel,
	size_t max_stacks, struct arena *a, smp_stack_fn fn, void *ctx,
	struct smp_info *info);
int smp_ch_tags(struct smp *s, const struct smp_sel *sel, enum smp_dim dim,
	size_t max, struct arena *a, struct smp_tag **out, size_t *n);
int smp_ch_buckets(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_bucket **out, size_t *n);
int smp_ch_metrics(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_metrics_bucket **out,
	size_t *n);

/* samples_ch_admin.c */
int smp_ch_delete_adhoc(struct smp *s, const char *adhoc_key);
int smp_ch_forget(struct smp *s, const char *key);
int smp_ch_status(struct smp *s, struct smp_status *out);
int smp_ch_prune(struct smp *s, int64_t raw_before, int64_t rollup_before,
	size_t *dropped);

/* Create the database and whatever tables and views are missing. */
MUST_CHECK int smp_ch_create_schema(struct smp *s);

#endif
