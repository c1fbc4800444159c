/*
 * samples_ch.c - the "clickhouse" sample store backend: ClickHouse's
 * HTTP interface through http.c (one kept-alive libcurl handle per
 * process, basic auth, timeouts, capped back-off with jitter).
 *
 * SQL: only what both Debian 12's clickhouse-server 18.16 and current
 * releases accept: no LowCardinality, no column CODECs, no TTL clause
 * (retention drops partitions), no Nullable, no xxHash64 (keys are
 * computed here), no server-side query parameters (every string value is
 * quoted by smp_ch_quote(), numbers are printed).  Statements and rows
 * travel in the POST body ("INSERT ... FORMAT TabSeparated" then the
 * rows); answers are TabSeparated, capped at CH_ANSWER_MAX bytes.
 *
 * Tables (created on open, IF NOT EXISTS; the text is in ch_schema[]):
 *   smp_samples         MergeTree, one row per (profile, container,
 *                       stack): the profile's minute, dimensions as
 *                       strings, NumSamples; PARTITION BY UTC day,
 *                       ORDER BY (ServiceId, Timestamp, ProfileId, ...)
 *   smp_samples_1h      SummingMergeTree, per hour x dimensions x stack,
 *                       fed by the materialized view smp_samples_1h_mv
 *   smp_samples_1h_all  the same without dimensions (queries without a
 *                       filter), fed by smp_samples_1h_all_mv
 *   smp_profiles        ReplacingMergeTree(Version): one record per stored
 *                       profile and state change (State 1 stored, 0
 *                       forgotten); readers take the latest version
 *   smp_frames, smp_stacks  the dictionaries (hash -> name, hash -> frame
 *                       hashes), ReplacingMergeTree by hash
 *
 * A stacks query is one round trip: ClickHouse sums per stack (raw rows
 * for the ragged edges, the hourly rollup for whole hours), joins each
 * stack's frame keys and sends the name of every frame used once; the
 * answer is parsed as it arrives (see ch_stacks()).
 *
 * Idempotent writes without transactions.  A profile is written as:
 *   1. one query reads its latest record (State 1 means stored: *dup,
 *      nothing written), counts the rows an earlier, failed attempt left
 *      with a non-zero sum, and fetches what the dictionaries hold under
 *      the keys this process has not verified yet;
 *   2. when rows were left, they are cancelled: INSERT ... SELECT of the
 *      negated sums of that profile's rows, which flows through the views
 *      into the rollups as well;
 *   3. new dictionary entries (frames, stacks: one INSERT each, only when
 *      there are new ones), then the sample rows, then the profile record
 *      with State 1 (each one INSERT).  So a profile whose frames and
 *      stacks are known takes three requests.  The dictionaries cannot
 *      ride in the samples INSERT: one INSERT fills one table, and a Null
 *      table fanned out by views would not feed the rollups on 18.16
 *      (its views do not cascade) but would feed them twice on releases
 *      that cascade.
 * A failure anywhere is retried from step 1 (samples.clickhouse.retries
 * times, with back-off), so a crash or a lost answer between 3's inserts
 * never leaves a profile counted twice: the record is the commit point.
 * A write that fails for good looks at the record once more: there (only
 * the answer was lost) it succeeded; absent, its rows are cancelled
 * before it returns, when ClickHouse still answers; otherwise they count
 * until the job's retry cancels them in its step 2.  Inserts themselves are never retried blindly (a lost answer to
 * an INSERT that did happen would count it twice); reads and DDL are.
 * Forgetting a profile (reindex, ad hoc delete) writes the State 0 record
 * first, then cancels the rows, so an interruption leaves a state that
 * the next write repairs.
 * The window: ClickHouse has no lock, so two writers handling the same
 * key at the same moment (both past step 1 before either reaches step
 * 3's record) would both count it.  The queue never hands one job to two
 * workers while its lease runs (minutes), and a write takes
 * milliseconds, so this needs a lease to expire in the middle of a write.
 * A rollup can also disagree with the raw rows if ClickHouse failed an
 * insert after the raw part was written but before the view's part was;
 * ClickHouse 18.16 gives no atomicity across a view.
 *
 * Dictionary keys follow samples.c (XXH64 with a probe as seed): a new
 * entry is checked against what is stored under its key and re-keyed
 * with the next probe when the stored value differs.  Keys verified by
 * this process are cached (with a second hash of the value).
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "buf.h"
#include "err.h"
#include "hash.h"
#include "http.h"
#include "mem.h"
#include "samples_ch.h"
#include "samples_int.h"

#define CH_ANSWER_MAX (64u * 1024 * 1024)	/* bytes of one answer */
#define CH_IN_CHUNK 8000	/* keys in one IN list (max_query_size 256 KiB) */
#define CH_CACHE_MAX (1u << 20)	/* verified keys before a cache is reset */
#define CH_CHECK_SEED UINT64_C(0x510e527fade682d1)
#define CH_PROFILE_SEED UINT64_C(0x9b05688c2b3e6c1f)
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

/* ------------------------------------------------------- text helpers */

/* Quote a string literal (see samples_ch.h). */
int
smp_ch_quote(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;
	int rc;

	if ((rc = buf_addch(b, '\'')) != E_OK)
		return rc;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[4];
		size_t elen = 0;

		if (c == '\\' || c == '\'') {
			esc[0] = '\\';
			esc[1] = (char)c;
			elen = 2;
		} else if (c < 0x20 || c == 0x7f) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 15];
			elen = 4;
		} else {
			continue;
		}
		if ((rc = buf_add(b, s + start, i - start)) != E_OK ||
		    (rc = buf_add(b, esc, elen)) != E_OK)
			return rc;
		start = i + 1;
	}
	if ((rc = buf_add(b, s + start, len - start)) != E_OK)
		return rc;
	return buf_addch(b, '\'');
}

/* Escape one TSV field (see samples_ch.h). */
int
smp_ch_tsv_escape(struct buf *b, const char *s)
{
	const char *p, *start = s;
	int rc;

	for (p = s; *p; p++) {
		char e;

		switch (*p) {
		case '\\': e = '\\'; break;
		case '\t': e = 't'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\b': e = 'b'; break;
		case '\f': e = 'f'; break;
		default: continue;
		}
		if ((rc = buf_add(b, start, (size_t)(p - start))) != E_OK ||
		    (rc = buf_addch(b, '\\')) != E_OK ||
		    (rc = buf_addch(b, e)) != E_OK)
			return rc;
		start = p + 1;
	}
	return buf_add(b, start, (size_t)(p - start));
}

/* Next TSV line (see samples_ch.h). */
int
smp_ch_tsv_next(char *text, size_t len, size_t *pos, char **fields, int max)
{
	size_t i = *pos;
	char *w;
	int nf = 0;
	bool over = false;

	if (i >= len)
		return -1;
	if (text[i] == '\n') {
		*pos = i + 1;
		return 0;
	}
	w = text + i;
	fields[nf++] = w;
	for (; i < len && text[i] != '\n'; i++) {
		char c = text[i];

		if (c == '\t') {
			*w++ = '\0';
			if (nf == max)
				over = true;
			else
				fields[nf++] = w;
			continue;
		}
		if (c == '\\' && i + 1 < len) {
			c = text[++i];
			switch (c) {
			case 't': c = '\t'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '0': c = '\0'; break;
			default: break;	/* \\ \' and any other: the byte */
			}
		}
		*w++ = c;
	}
	/* w <= text + i (text[len] is writable): terminate the last field */
	*w = '\0';
	*pos = i < len ? i + 1 : i;
	return over ? -2 : nf;
}

/* ------------------------------------------------------------- caches */

static void
cache_init(struct ch_cache *c, size_t want)
{
	size_t cap = 1024;

	while (cap < want * 2)
		cap <<= 1;
	free(c->e);
	c->e = xcalloc(cap, sizeof(*c->e));
	c->cap = cap;
	c->n = 0;
}

static size_t
cache_slot(const struct ch_cache *c, uint64_t k0)
{
	size_t i = (size_t)((k0 * UINT64_C(0x9E3779B97F4A7C15)) >> 11) &
		(c->cap - 1);

	while (c->e[i].chk && c->e[i].k0 != k0)
		i = (i + 1) & (c->cap - 1);
	return i;
}

/* The settled key of (k0, chk), or false. */
static bool
cache_get(const struct ch_cache *c, uint64_t k0, uint64_t chk, uint64_t *key)
{
	size_t i;

	if (!c->cap)
		return false;
	i = cache_slot(c, k0);
	if (!c->e[i].chk || c->e[i].chk != (chk | 1))
		return false;
	*key = c->e[i].key;
	return true;
}

/* Remember a settled key; room for `more` is made by cache_room(). */
static void
cache_put(struct ch_cache *c, uint64_t k0, uint64_t chk, uint64_t key)
{
	size_t i = cache_slot(c, k0);

	if (!c->e[i].chk)
		c->n++;
	c->e[i] = (struct ch_ent){ k0, chk | 1, key };
}

/* Make room for `more` entries (a full cache starts again). */
static void
cache_room(struct ch_cache *c, size_t more)
{
	if (c->cap && c->n + more < c->cap / 2)
		return;
	cache_init(c, c->n + more < CH_CACHE_MAX ? CH_CACHE_MAX : more);
}

/* -------------------------------------------------------------- calls */

/*
 * Appends to the statement buffers, which have no cap: they cannot fail
 * (allocation aborts), so they return nothing.
 */
static void
add(struct buf *b, const char *s)
{
	buf_puts(b, s);
}

static void addf(struct buf *b, const char *fmt, ...) ATTR_PRINTF(2, 3);

static void
addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vputf(b, fmt, ap);
	va_end(ap);
}

/* Append a quoted literal. */
static void
addq(struct buf *b, const char *s)
{
	int err = smp_ch_quote(b, s, strlen(s));

	ASSERT(err == E_OK);
}

/* Append a TSV field and its separator. */
static void
addtsv(struct buf *b, const char *s, char sep)
{
	int err = smp_ch_tsv_escape(b, s);

	ASSERT(err == E_OK);
	buf_putc(b, sep);
}

/*
 * Run one statement (the POST body: SQL, and for an INSERT the rows after
 * it).  retry: reads and DDL are retried by http.c on connection failures
 * and 5xx; inserts are not (see the file comment).  A 2xx answer's body
 * is in resp (the caller releases it); anything else is an error.
 */
static int
ch_call(struct smp *s, const char *what, const struct buf *body, bool root,
	bool retry, struct http_resp *resp)
{
	struct smp_ch *ch = s->ctx;
	const char *hdrs[] = { ch->auth, "Expect:", NULL };
	struct http_req req = {
		.method = "POST", .url = root ? ch->url_root : ch->url,
		.headers = hdrs, .body = body->data, .body_len = body->len,
		.no_retry = !retry,
	};
	int rc;

	http_resp_init(resp, CH_ANSWER_MAX);
	rc = http_do(ch->h, &req, resp);
	if (rc != E_OK) {
		smp_seterr(s, "samples: clickhouse %s: %s", what,
			http_errmsg(ch->h));
		http_resp_release(resp);
		return rc;
	}
	if (resp->status / 100 == 2)
		return E_OK;
	{
		const char *m = resp->body.data ? resp->body.data : "";
		size_t n = strcspn(m, "\n");

		if (n > 300)
			n = 300;
		smp_seterr(s, "samples: clickhouse %s: HTTP %ld: %.*s", what,
			resp->status, (int)n, m);
	}
	if (resp->status == 401 || resp->status == 403)
		rc = E_AUTH;
	else if (resp->status >= 500 || resp->status == 429)
		rc = E_HTTP;
	else
		rc = E_INTERNAL;	/* ClickHouse refused our SQL */
	http_resp_release(resp);
	return rc;
}

/* Run a statement whose answer is not needed. */
static int
ch_exec(struct smp *s, const char *what, const struct buf *body, bool retry)
{
	struct http_resp r;
	int rc = ch_call(s, what, body, false, retry, &r);

	if (rc == E_OK)
		http_resp_release(&r);
	return rc;
}

/* A read's answer as TSV lines. */
struct ch_rows {
	struct http_resp r;
	size_t pos;
	char *f[CH_MAX_FIELDS];
	int nf;
};

/* Run a read; rows are then taken with ch_next(). */
static int
ch_query(struct smp *s, const char *what, const struct buf *sql,
	struct ch_rows *q)
{
	int rc;

	memset(q, 0, sizeof(*q));
	rc = ch_call(s, what, sql, false, true, &q->r);
	if (rc != E_OK)
		return rc;
	/* room for the terminator smp_ch_tsv_next() writes at the end */
	if (buf_addch(&q->r.body, '\0') != E_OK) {
		http_resp_release(&q->r);
		smp_seterr(s, "samples: clickhouse %s: answer too large", what);
		return E_TOOBIG;
	}
	q->r.body.len--;
	return E_OK;
}

/*
 * The next row with at least `want` fields: 1, or 0 at the end or at the
 * blank line before a WITH TOTALS row (call again for that row).
 */
static int
ch_next(struct ch_rows *q, int want)
{
	int nf = smp_ch_tsv_next(q->r.body.data, q->r.body.len, &q->pos,
		q->f, CH_MAX_FIELDS);

	q->nf = nf;
	return nf >= want ? 1 : 0;
}

static void
ch_done(struct ch_rows *q)
{
	http_resp_release(&q->r);
}

static uint64_t
u64(const char *s)
{
	return strtoull(s, NULL, 10);
}

static int64_t
i64(const char *s)
{
	return strtoll(s, NULL, 10);
}

/* ------------------------------------------------------------- schema */

static const char *const ch_schema[] = {
	"CREATE DATABASE IF NOT EXISTS {db}",
	"CREATE TABLE IF NOT EXISTS {db}.smp_samples ("
	"Timestamp DateTime('UTC'), ServiceId Int64, ProfileId UInt64, "
	"StackHash UInt64, HostName String, InstanceType String, "
	"ContainerName String, ContainerEnvName String, NumSamples Int64) "
	"ENGINE = MergeTree() PARTITION BY toYYYYMMDD(Timestamp) "
	"ORDER BY (ServiceId, Timestamp, ProfileId, StackHash)",
	"CREATE TABLE IF NOT EXISTS {db}.smp_samples_1h ("
	"Hour DateTime('UTC'), ServiceId Int64, HostName String, "
	"InstanceType String, ContainerName String, ContainerEnvName String, "
	"StackHash UInt64, NumSamples Int64) "
	"ENGINE = SummingMergeTree(NumSamples) PARTITION BY toYYYYMMDD(Hour) "
	"ORDER BY (ServiceId, Hour, HostName, ContainerName, "
	"ContainerEnvName, InstanceType, StackHash)",
	"CREATE TABLE IF NOT EXISTS {db}.smp_samples_1h_all ("
	"Hour DateTime('UTC'), ServiceId Int64, StackHash UInt64, "
	"NumSamples Int64) "
	"ENGINE = SummingMergeTree(NumSamples) PARTITION BY toYYYYMMDD(Hour) "
	"ORDER BY (ServiceId, Hour, StackHash)",
	"CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.smp_samples_1h_mv "
	"TO {db}.smp_samples_1h AS SELECT toStartOfHour(Timestamp) AS Hour, "
	"ServiceId, HostName, InstanceType, ContainerName, ContainerEnvName, "
	"StackHash, NumSamples FROM {db}.smp_samples",
	"CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.smp_samples_1h_all_mv "
	"TO {db}.smp_samples_1h_all AS SELECT toStartOfHour(Timestamp) AS Hour, "
	"ServiceId, StackHash, NumSamples FROM {db}.smp_samples",
	"CREATE TABLE IF NOT EXISTS {db}.smp_profiles ("
	"Start DateTime('UTC'), ServiceId Int64, Key String, ProfileId UInt64, "
	"HostName String, InstanceType String, EndTs DateTime('UTC'), "
	"Cores Int32, CpuAvg Float64, MemAvg Float64, Samples UInt64, "
	"Stacks UInt32, AdhocKey String, State UInt8, Version UInt32, "
	"IndexedAt DateTime('UTC')) "
	"ENGINE = ReplacingMergeTree(Version) PARTITION BY toYYYYMMDD(Start) "
	"ORDER BY (ServiceId, Start, Key)",
	"CREATE TABLE IF NOT EXISTS {db}.smp_frames (Hash UInt64, Name String) "
	"ENGINE = ReplacingMergeTree() ORDER BY Hash",
	"CREATE TABLE IF NOT EXISTS {db}.smp_stacks (Hash UInt64, "
	"Frames Array(UInt64)) ENGINE = ReplacingMergeTree() ORDER BY Hash",
};

/* Append a schema text with every "{db}" replaced by the database. */
static void
add_db(struct buf *b, const char *t, const char *db)
{
	const char *p;

	while ((p = strstr(t, "{db}")) != NULL) {
		buf_put(b, t, (size_t)(p - t));
		add(b, db);
		t = p + 4;
	}
	add(b, t);
}

/* Create what is missing. */
static int
ch_create_schema(struct smp *s)
{
	struct smp_ch *ch = s->ctx;
	struct buf b = BUF_INIT(0);
	struct http_resp r;
	size_t i;
	int rc = E_OK;

	for (i = 0; i < ARRAY_SIZE(ch_schema) && rc == E_OK; i++) {
		buf_reset(&b);
		add_db(&b, ch_schema[i], ch->db);
		rc = ch_call(s, "creating the schema", &b, true, true, &r);
		if (rc == E_OK)
			http_resp_release(&r);
	}
	buf_release(&b);
	return rc;
}

/* ------------------------------------------------------------ writing */

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
struct ch_pre {
	uint64_t *asked;
	size_t nasked;
	struct ch_kv { uint64_t key; const char *val; } *got;
	size_t ngot, cap;
};

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
			rc = ch_query(s, stacks ? "stack dictionary" :
				"frame dictionary", &b, &q);
			if (rc != E_OK)
				goto out;
			while (rc == E_OK && !again && ch_next(&q, 2))
				rc = settle_row(s, pe, idx, n, stacks, u64(q.f[0]),
					q.f[1], &again);
			ch_done(&q);
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
	if (j > 0 && (rc = ch_exec(s, stacks ? "stack dictionary insert" :
	    "frame dictionary insert", &b, false)) != E_OK)
		goto out;
	cache_room(stacks ? &ch->stacks : &ch->frames, n);
	for (i = 0; i < n; i++)
		cache_put(stacks ? &ch->stacks : &ch->frames, pe[i].k0,
			pe[i].chk, pe[i].key);
out:
	free(idx);
	buf_release(&b);
	return rc;
}

/* The check hash of a stack's frame keys. */
static uint64_t
stack_check(const struct smp_row *r)
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
static int
ch_keys(struct smp *s, struct smp_row *rows, size_t n, struct arena *a,
	const struct ch_pre *pre_frames, const struct ch_pre *pre_stacks)
{
	struct smp_ch *ch = s->ctx;
	struct pend *pe;
	size_t i, k, np = 0, total = 0;
	uint64_t key;
	int rc;

	for (i = 0; i < n; i++)
		total += rows[i].nframes;
	cache_room(&ch->frames, total);
	cache_room(&ch->stacks, n);
	/* frames: every one not verified yet (duplicates settle together) */
	pe = arena_alloc(a, (total ? total : 1) * sizeof(*pe));
	for (i = 0; i < n; i++)
		for (k = 0; k < rows[i].nframes; k++) {
			const char *f = rows[i].frames[k];
			uint64_t chk = hash_xxh64(f, strlen(f), CH_CHECK_SEED);

			if (cache_get(&ch->frames, rows[i].fh[k], chk, &key))
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

			if (!cache_get(&ch->frames, rows[i].fh[k], chk, &key)) {
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
		uint64_t chk = stack_check(&rows[i]);
		struct buf lit = BUF_INIT(0);

		if (cache_get(&ch->stacks, rows[i].sh, chk, &key))
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
		if (!cache_get(&ch->stacks, rows[i].sh, stack_check(&rows[i]),
		    &key)) {
			smp_seterr(s, "samples: stack key lost");
			return E_INTERNAL;
		}
		rows[i].sh = key;
	}
	return E_OK;
}

/* The id a profile's rows carry. */
static uint64_t
profile_id(const char *key)
{
	return hash_xxh64(key, strlen(key), CH_PROFILE_SEED);
}

/* Cancel every row of one profile (a no-op when they sum to nothing). */
static int
ch_cancel(struct smp *s, int64_t service, int64_t start, uint64_t pid)
{
	struct buf b = BUF_INIT(0);
	int rc;

	add(&b, "INSERT INTO smp_samples (Timestamp, ServiceId, ProfileId, "
		"StackHash, HostName, InstanceType, ContainerName, "
		"ContainerEnvName, NumSamples) SELECT Timestamp, ServiceId, "
		"ProfileId, StackHash, HostName, InstanceType, ContainerName, "
		"ContainerEnvName, -sum(NumSamples) AS n FROM smp_samples ");
	addf(&b, "WHERE ServiceId = %lld AND Timestamp = toDateTime(%lld) "
		"AND ProfileId = %llu ", (long long)service,
		(long long)(start / 60 * 60), (unsigned long long)pid);
	add(&b, "GROUP BY Timestamp, ServiceId, ProfileId, StackHash, "
		"HostName, InstanceType, ContainerName, ContainerEnvName "
		"HAVING n != 0");
	/* idempotent (it sums what is there), so safe to retry */
	rc = ch_exec(s, "cancelling rows", &b, true);
	buf_release(&b);
	return rc;
}

/* The latest state and version of a profile record (0, 0 if none). */
static int
ch_state(struct smp *s, const struct smp_profile *p, unsigned *state,
	uint64_t *version)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	int rc;

	*state = 0;
	*version = 0;
	addf(&b, "SELECT argMax(State, Version), max(Version) FROM smp_profiles "
		"WHERE ServiceId = %lld AND Start = toDateTime(%lld) AND Key = ",
		(long long)p->service_id, (long long)p->start);
	addq(&b, p->key);
	add(&b, " FORMAT TabSeparated");
	rc = ch_query(s, "profile record", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	if (ch_next(&q, 2)) {
		*state = (unsigned)u64(q.f[0]);
		*version = u64(q.f[1]);
	}
	ch_done(&q);
	return E_OK;
}

/* Bytes of key text one query may carry (max_query_size is 256 KiB). */
#define CH_PRE_BYTES 200000

/*
 * Add the keys not verified yet to an IN list for pre (sorted, distinct);
 * false (nothing added) when they do not fit in *budget bytes.
 */
static bool
pre_ask(struct buf *b, struct ch_pre *pre, uint64_t *k, size_t nk,
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
static void
pre_got(struct ch_pre *pre, uint64_t key, const char *val, struct arena *a)
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

/*
 * The first query of a write, one round trip: the latest state and
 * version of the profile's record, how many of its (container, stack)
 * rows an earlier attempt left with a non-zero sum, and what the
 * dictionaries hold under the keys of the frames and stacks this process
 * has not verified yet (when they fit in one query; ch_settle() asks for
 * the rest).
 */
static int
ch_check(struct smp *s, const struct smp_profile *p, uint64_t pid,
	const struct smp_row *rows, size_t n, struct arena *a,
	unsigned *state, uint64_t *version, uint64_t *leftover,
	struct ch_pre *pf, struct ch_pre *ps)
{
	struct smp_ch *ch = s->ctx;
	struct buf b = BUF_INIT(0), pw = BUF_INIT(0);
	struct ch_rows q;
	size_t i, k, nk = 0, total = 0, budget = CH_PRE_BYTES;
	uint64_t *keys, key;
	int rc;

	*state = 0;
	*version = 0;
	*leftover = 0;
	addf(&pw, "ServiceId = %lld AND Start = toDateTime(%lld) AND Key = ",
		(long long)p->service_id, (long long)p->start);
	addq(&pw, p->key);
	addf(&b, "SELECT toUInt8(0), toUInt64((SELECT argMax(State, Version) "
		"FROM smp_profiles WHERE %s)), toUInt64((SELECT max(Version) "
		"FROM smp_profiles WHERE %s)), ", pw.data, pw.data);
	addf(&b, "toUInt64((SELECT count() FROM (SELECT sum(NumSamples) AS n "
		"FROM smp_samples WHERE ServiceId = %lld AND Timestamp = "
		"toDateTime(%lld) AND ProfileId = %llu GROUP BY StackHash, "
		"HostName, InstanceType, ContainerName, ContainerEnvName "
		"HAVING n != 0))), ''", (long long)p->service_id,
		(long long)(p->start / 60 * 60), (unsigned long long)pid);
	for (i = 0; i < n; i++)
		total += rows[i].nframes;
	keys = arena_alloc(a, (total > n ? total : n) * sizeof(*keys) + 1);
	for (i = 0; i < n; i++)
		for (k = 0; k < rows[i].nframes; k++) {
			const char *f = rows[i].frames[k];

			if (!cache_get(&ch->frames, rows[i].fh[k],
			    hash_xxh64(f, strlen(f), CH_CHECK_SEED), &key))
				keys[nk++] = rows[i].fh[k];
		}
	{
		size_t mark = b.len;

		add(&b, " UNION ALL SELECT toUInt8(1), Hash, toUInt64(0), "
			"toUInt64(0), Name FROM smp_frames WHERE Hash IN (");
		if (pre_ask(&b, pf, keys, nk, &budget, a))
			add(&b, ")");
		else
			b.len = mark;
	}
	nk = 0;
	for (i = 0; i < n; i++)
		if (!cache_get(&ch->stacks, rows[i].sh, stack_check(&rows[i]),
		    &key))
			keys[nk++] = rows[i].sh;
	{
		size_t mark = b.len;

		add(&b, " UNION ALL SELECT toUInt8(2), Hash, toUInt64(0), "
			"toUInt64(0), toString(Frames) FROM smp_stacks WHERE "
			"Hash IN (");
		if (pre_ask(&b, ps, keys, nk, &budget, a))
			add(&b, ")");
		else
			b.len = mark;
	}
	add(&b, " FORMAT TabSeparated");
	rc = ch_query(s, "profile record", &b, &q);
	buf_release(&b);
	buf_release(&pw);
	if (rc != E_OK)
		return rc;
	while (ch_next(&q, 5)) {
		switch (q.f[0][0]) {
		case '0':
			*state = (unsigned)u64(q.f[1]);
			*version = u64(q.f[2]);
			*leftover = u64(q.f[3]);
			break;
		case '1':
			pre_got(pf, u64(q.f[1]), q.f[4], a);
			break;
		case '2':
			pre_got(ps, u64(q.f[1]), q.f[4], a);
			break;
		}
	}
	ch_done(&q);
	return E_OK;
}

static void
add_num(struct buf *b, double v, char sep)
{
	addf(b, "%.6f%c", v < 0 ? -1.0 : v, sep);
}

/* One attempt at writing a profile (see the file comment). */
static int
ch_write_once(struct smp *s, const struct smp_profile *p, struct smp_row *rows,
	size_t n, bool *dup)
{
	struct arena a;
	struct buf b = BUF_INIT(0);
	struct ch_pre pf = { 0 }, ps = { 0 };
	unsigned state;
	uint64_t version, leftover, pid = profile_id(p->key), total = 0;
	const char *itype = p->instance_type ? p->instance_type : "";
	size_t i;
	int rc;

	arena_init(&a, 0);
	if ((rc = ch_check(s, p, pid, rows, n, &a, &state, &version,
	    &leftover, &pf, &ps)) != E_OK)
		goto out;
	if (state == 1) {
		*dup = true;
		goto out;
	}
	if (leftover > 0 &&
	    (rc = ch_cancel(s, p->service_id, p->start, pid)) != E_OK)
		goto out;
	if ((rc = ch_keys(s, rows, n, &a, &pf, &ps)) != E_OK)
		goto out;
	if (n > 0) {
		add(&b, "INSERT INTO smp_samples (Timestamp, ServiceId, "
			"ProfileId, StackHash, HostName, InstanceType, "
			"ContainerName, ContainerEnvName, NumSamples) "
			"FORMAT TabSeparated\n");
		for (i = 0; i < n; i++) {
			addf(&b, "%lld\t%lld\t%llu\t%llu\t",
				(long long)(p->start / 60 * 60),
				(long long)p->service_id, (unsigned long long)pid,
				(unsigned long long)rows[i].sh);
			addtsv(&b, p->hostname, '\t');
			addtsv(&b, itype, '\t');
			addtsv(&b, rows[i].container, '\t');
			addtsv(&b, rows[i].container_env, '\t');
			addf(&b, "%llu\n", (unsigned long long)rows[i].count);
			total += rows[i].count;
		}
		if ((rc = ch_exec(s, "samples insert", &b, false)) != E_OK)
			goto out;
	}
	buf_reset(&b);
	add(&b, "INSERT INTO smp_profiles (Start, ServiceId, Key, ProfileId, "
		"HostName, InstanceType, EndTs, Cores, CpuAvg, MemAvg, Samples, "
		"Stacks, AdhocKey, State, Version, IndexedAt) "
		"FORMAT TabSeparated\n");
	addf(&b, "%lld\t%lld\t", (long long)p->start, (long long)p->service_id);
	addtsv(&b, p->key, '\t');
	addf(&b, "%llu\t", (unsigned long long)pid);
	addtsv(&b, p->hostname, '\t');
	addtsv(&b, itype, '\t');
	addf(&b, "%lld\t%d\t", (long long)p->end, p->cores < 0 ? -1 : p->cores);
	add_num(&b, p->cpu_avg, '\t');
	add_num(&b, p->mem_avg, '\t');
	addf(&b, "%llu\t%zu\t", (unsigned long long)total, n);
	addtsv(&b, p->adhoc_key ? p->adhoc_key : "", '\t');
	addf(&b, "1\t%llu\t%lld\n", (unsigned long long)(version + 1),
		(long long)time(NULL));
	rc = ch_exec(s, "profile record insert", &b, false);
out:
	buf_release(&b);
	arena_release(&a);
	return rc;
}

/* Sleep before attempt `attempt` of a write (1 = first retry). */
static void
ch_backoff(struct smp_ch *ch, unsigned attempt)
{
	unsigned ms;

	ch->rng = ch->rng * 1664525u + 1013904223u;
	ms = http_backoff_ms(attempt, 100, 5000, ch->rng);
	nanosleep(&(struct timespec){ ms / 1000, (long)(ms % 1000) * 1000000 },
		NULL);
}

/* Write a profile, retrying whole attempts. */
static int
ch_write(struct smp *s, const struct smp_profile *p, struct smp_row *rows,
	size_t n, bool *dup)
{
	struct smp_ch *ch = s->ctx;
	unsigned attempt;
	int rc = E_OK;

	for (attempt = 0; attempt <= ch->retries; attempt++) {
		if (attempt > 0)
			ch_backoff(ch, attempt);
		*dup = false;
		rc = ch_write_once(s, p, rows, n, dup);
		if (rc == E_OK || !err_retryable(rc))
			break;
	}
	if (rc != E_OK) {
		/*
		 * Take back what the last attempt may have inserted, so that
		 * a job that failed counts nothing while it waits for its
		 * retry (which would cancel it anyway).  Best effort: when
		 * ClickHouse is down this fails too, and the error stays the
		 * write's.
		 */
		char keep[sizeof(s->err)];
		unsigned state;
		uint64_t version;

		memcpy(keep, s->err, sizeof(keep));
		if (ch_state(s, p, &state, &version) == E_OK) {
			if (state == 1)
				rc = E_OK;	/* the record landed: only its answer was lost */
			else
				(void)ch_cancel(s, p->service_id, p->start,
					profile_id(p->key));
		}
		memcpy(s->err, keep, sizeof(keep));
	}
	return rc;
}

/* ------------------------------------------------------------ reading */

/* Append the filter of sel as " AND (...)" (nothing without one). */
static void
add_filter(struct buf *b, const struct smp_sel *sel)
{
	const struct rql *f = sel->filter;
	size_t i, nor = 0, nand = 0;

	if (!f || f->n == 0)
		return;
	for (i = 0; i < f->n; i++) {
		const struct rql_cond *c = &f->conds[i];

		if (c->or_group)
			continue;
		/* column names were checked by samples.c against a fixed list */
		addf(b, " AND %s %s ", c->type, c->op == RQL_EQ ? "=" : "!=");
		addq(b, c->value);
		nand++;
	}
	for (i = 0; i < f->n; i++) {
		const struct rql_cond *c = &f->conds[i];

		if (!c->or_group)
			continue;
		add(b, nor++ ? " OR " : " AND (");
		addf(b, "%s %s ", c->type, c->op == RQL_EQ ? "=" : "!=");
		addq(b, c->value);
	}
	if (nor)
		add(b, ")");
	(void)nand;
}

/*
 * The union of raw rows (edges) and rollup rows (whole hours) of sel:
 * "SELECT <cols> FROM smp_samples WHERE ... <tail> UNION ALL SELECT
 * <rcols> FROM <rollup> WHERE ... <tail>".  cols uses Timestamp, rcols
 * Hour; with dims the rollup with dimensions is read.
 */
static void
add_union(struct buf *b, const struct smp_sel *sel, bool use_rollup,
	bool dims, const char *cols, const char *rcols, const char *tail)
{
	struct smp_split sp;
	bool filtered = sel->filter && sel->filter->n;

	smp_split_range(sel->from, sel->to, &sp);
	if (!use_rollup)
		sp.hour_a = sp.hour_b = sp.raw_a;
	addf(b, "SELECT %s FROM smp_samples WHERE ServiceId = %lld AND "
		"((Timestamp >= toDateTime(%lld) AND Timestamp < toDateTime(%lld)) "
		"OR (Timestamp >= toDateTime(%lld) AND Timestamp < toDateTime(%lld)))",
		cols, (long long)sel->service_id, (long long)sp.raw_a,
		(long long)sp.hour_a, (long long)sp.hour_b, (long long)sp.raw_b);
	add_filter(b, sel);
	add(b, tail);
	if (sp.hour_b <= sp.hour_a)
		return;
	addf(b, " UNION ALL SELECT %s FROM %s WHERE ServiceId = %lld AND "
		"Hour >= toDateTime(%lld) AND Hour < toDateTime(%lld)", rcols,
		dims || filtered ? "smp_samples_1h" : "smp_samples_1h_all",
		(long long)sel->service_id, (long long)sp.hour_a,
		(long long)sp.hour_b);
	add_filter(b, sel);
	add(b, tail);
}

/* The stored profiles of an ad hoc key: a WHERE clause on smp_samples. */
static int
ch_adhoc_where(struct smp *s, const struct smp_sel *sel, struct buf *w,
	size_t *nprof)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	int rc;

	*nprof = 0;
	add(&b, "SELECT ServiceId, toUInt32(Start), ProfileId FROM smp_profiles "
		"WHERE AdhocKey = ");
	addq(&b, sel->adhoc_key);
	if (sel->service_id > 0)
		addf(&b, " AND ServiceId = %lld", (long long)sel->service_id);
	add(&b, " GROUP BY ServiceId, Start, Key, ProfileId "
		"HAVING argMax(State, Version) = 1 LIMIT 1000 FORMAT TabSeparated");
	rc = ch_query(s, "ad hoc profiles", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	add(w, "(0");
	while (ch_next(&q, 3)) {
		addf(w, " OR (ServiceId = %lld AND Timestamp = toDateTime(%lld) "
			"AND ProfileId = %llu)", (long long)i64(q.f[0]),
			(long long)(i64(q.f[1]) / 60 * 60),
			(unsigned long long)u64(q.f[2]));
		(*nprof)++;
	}
	add(w, ")");
	ch_done(&q);
	return E_OK;
}

/*
 * The stacks answer, read as it arrives.  One query returns two kinds
 * of rows, in any order (UNION ALL branches run in parallel):
 *   0 <stack key> <summed count> <rows> [<frame key>,...] ""
 *   1 <frame key> 0 0 [] <frame name>
 * so the sums, each stack's frame keys and the name of every frame they
 * use come back in one round trip; each name is sent once.  The answer
 * is RowBinary (little-endian numbers, LEB128 lengths): most of it is
 * frame keys, which take 8 bytes each there against 20 as text, and
 * ClickHouse spends a third of the query formatting them as text.  Rows
 * are parsed straight from libcurl's buffers as they arrive (a row split
 * across two pieces is carried over); the body is never held whole.
 */
struct ch_stack {
	uint64_t hash, count;
	uint64_t *fk;
	size_t nf;
};

struct ch_answer {
	struct arena *a;
	struct ch_stack *st;
	size_t nst, cap;
	struct ch_cache names;	/* frame key -> index in name[] */
	const char **name;
	size_t nname, name_cap;
	uint64_t rows;		/* rows summed, over every stack */
	uint64_t bytes;		/* of the answer so far */
	struct buf carry;	/* a line split across pieces */
	char bad[160];		/* the first line that is not ours */
};

#define CH_STACKS_ANSWER_MAX (1024ull * 1024 * 1024)

/* A little-endian 64-bit number. */
static uint64_t
le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A LEB128 length at p[*at..n): 1, 0 if cut short, -1 if too long. */
static int
leb128(const unsigned char *p, size_t n, size_t *at, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	for (;;) {
		if (*at >= n)
			return 0;
		if (shift > 56)
			return -1;
		*v |= (uint64_t)(p[*at] & 0x7f) << shift;
		shift += 7;
		if (!(p[(*at)++] & 0x80))
			return 1;
	}
}

/* Remember the name of a frame key (a repeated key keeps its first). */
static void
answer_name(struct ch_answer *an, uint64_t key, const char *name)
{
	uint64_t at;

	if (an->names.n + 1 >= an->names.cap / 2) {
		struct ch_cache old = an->names;
		size_t i;

		an->names.e = NULL;
		cache_init(&an->names, old.cap ? old.cap : 1024);
		for (i = 0; i < old.cap; i++)
			if (old.e[i].chk)
				cache_put(&an->names, old.e[i].k0, 1,
					old.e[i].key);
		free(old.e);
	}
	if (cache_get(&an->names, key, 1, &at))
		return;
	if (an->nname == an->name_cap) {
		an->name_cap = an->name_cap ? 2 * an->name_cap : 1024;
		an->name = xrealloc(an->name, an->name_cap * sizeof(*an->name));
	}
	an->name[an->nname] = name;
	cache_put(&an->names, key, 1, an->nname++);
}

#define CH_ROW_FIXED 25		/* kind, key, count, rows */
#define CH_ROW_BAD ((size_t)-1)

/*
 * One row at p[0..n): its length once taken, 0 when p holds only part of
 * it (*need: bytes it takes at least), CH_ROW_BAD when it is not ours.
 */
static size_t
answer_row(struct ch_answer *an, const unsigned char *p, size_t n,
	size_t *need)
{
	size_t at = CH_ROW_FIXED, fa, i;
	uint64_t nf, len;
	int r;

	*need = CH_ROW_FIXED + 1;
	if (n < CH_ROW_FIXED)
		return n > 0 && p[0] > 1 ? CH_ROW_BAD : 0;
	if (p[0] > 1)
		return CH_ROW_BAD;
	if ((r = leb128(p, n, &at, &nf)) <= 0 || nf > 65536) {
		*need = at + 1;
		return r < 0 || nf > 65536 ? CH_ROW_BAD : 0;
	}
	if (n < at + nf * 8 + 1) {
		*need = at + nf * 8 + 1;
		return 0;
	}
	fa = at;
	at += nf * 8;
	if ((r = leb128(p, n, &at, &len)) <= 0 || len > (1u << 20)) {
		*need = at + 1;
		return r < 0 || len > (1u << 20) ? CH_ROW_BAD : 0;
	}
	if (n < at + len) {
		*need = at + len;
		return 0;
	}
	if (p[0] == 1) {
		if (nf != 0)
			return CH_ROW_BAD;
		answer_name(an, le64(p + 1),
			arena_memdupz(an->a, p + at, (size_t)len));
	} else {
		struct ch_stack *st;

		if (len != 0)
			return CH_ROW_BAD;
		if (an->nst == an->cap) {
			an->cap = an->cap ? 2 * an->cap : 1024;
			an->st = xrealloc(an->st, an->cap * sizeof(*an->st));
		}
		st = &an->st[an->nst++];
		st->hash = le64(p + 1);
		st->count = (int64_t)le64(p + 9) > 0 ? le64(p + 9) : 0;
		an->rows += le64(p + 17);
		st->nf = (size_t)nf;
		st->fk = arena_alloc(an->a, (nf ? nf : 1) * sizeof(*st->fk));
		for (i = 0; i < nf; i++)
			st->fk[i] = le64(p + fa + i * 8);
	}
	return at + len;
}

/* Note the first bad row (its first bytes, printable ones as they are). */
static bool
answer_bad(struct ch_answer *an, const unsigned char *p, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n && w + 1 < sizeof(an->bad) && i < 150; i++)
		an->bad[w++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	an->bad[w] = '\0';
	if (!an->bad[0])
		snprintf(an->bad, sizeof(an->bad), "a short row");
	return false;
}

/* http.c's on_body: take the rows of each piece. */
static bool
answer_body(void *ctx, const char *piece, size_t n)
{
	struct ch_answer *an = ctx;
	const unsigned char *p = (const unsigned char *)piece;
	size_t used, need;

	an->bytes += n;
	if (an->bytes > CH_STACKS_ANSWER_MAX) {
		snprintf(an->bad, sizeof(an->bad), "answer larger than %llu "
			"bytes", (unsigned long long)CH_STACKS_ANSWER_MAX);
		return false;
	}
	/* finish a row carried over, adding no more than it needs */
	while (an->carry.len > 0 && n > 0) {
		used = answer_row(an, (const unsigned char *)an->carry.data,
			an->carry.len, &need);
		if (used == CH_ROW_BAD)
			return answer_bad(an, (const unsigned char *)
				an->carry.data, an->carry.len);
		if (used > 0) {
			buf_reset(&an->carry);
			break;
		}
		used = need - an->carry.len < n ? need - an->carry.len : n;
		if (buf_add(&an->carry, p, used) != E_OK)
			abort();
		p += used;
		n -= used;
	}
	if (an->carry.len > 0) {
		used = answer_row(an, (const unsigned char *)an->carry.data,
			an->carry.len, &need);
		if (used == CH_ROW_BAD)
			return answer_bad(an, (const unsigned char *)
				an->carry.data, an->carry.len);
		if (used == 0)
			return true;	/* still short: n is 0 */
		buf_reset(&an->carry);
	}
	while (n > 0) {
		used = answer_row(an, p, n, &need);
		if (used == CH_ROW_BAD)
			return answer_bad(an, p, n);
		if (used == 0) {
			if (buf_add(&an->carry, p, n) != E_OK)
				abort();
			return true;
		}
		p += used;
		n -= used;
	}
	return true;
}

/* Heaviest first (then by key, for a stable cut). */
static int
stack_cmp(const void *x, const void *y)
{
	const struct ch_stack *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->hash < b->hash ? -1 : a->hash > b->hash;
}

/* The stack keys of sel: a subquery for IN. */
static void
add_stack_set(struct buf *b, const struct smp_sel *sel, const char *adhoc)
{
	if (adhoc)
		addf(b, "SELECT StackHash FROM smp_samples WHERE %s", adhoc);
	else
		add_union(b, sel, true, false, "StackHash", "StackHash", "");
}

/* Sum per stack, frames and names included, in one query. */
static int
ch_stacks(struct smp *s, const struct smp_sel *sel, size_t max_stacks,
	struct arena *a, smp_stack_fn fn, void *ctx, struct smp_info *info)
{
	struct smp_ch *ch = s->ctx;
	struct buf b = BUF_INIT(0), w = BUF_INIT(0);
	struct ch_answer an = { .a = a, .carry = BUF_INIT(0) };
	const char *adhoc = NULL;
	const char *hdrs[] = { ch->auth, "Expect:", NULL };
	struct http_req req = { .method = "POST", .headers = hdrs,
		.on_body = answer_body, .on_body_ctx = &an };
	struct http_resp resp;
	size_t i, k, nprof;
	int rc;

	if (sel->adhoc_key) {
		if ((rc = ch_adhoc_where(s, sel, &w, &nprof)) != E_OK)
			goto out;
		if (nprof == 0)
			goto out;
		adhoc = w.data;
	}
	add(&b, "SELECT toUInt8(0), h, s, rr, Frames, '' FROM (SELECT "
		"StackHash AS h, sum(n) AS s, sum(c) AS rr FROM (");
	if (adhoc) {
		addf(&b, "SELECT StackHash, sum(NumSamples) AS n, count() AS c "
			"FROM smp_samples WHERE %s GROUP BY StackHash", adhoc);
	} else {
		struct smp_split sp;

		smp_split_range(sel->from, sel->to, &sp);
		info->rollup = sp.hour_b > sp.hour_a;
		add_union(&b, sel, true, false,
			"StackHash, sum(NumSamples) AS n, count() AS c",
			"StackHash, sum(NumSamples) AS n, count() AS c",
			" GROUP BY StackHash");
	}
	add(&b, ") GROUP BY h HAVING s > 0) ANY LEFT JOIN (SELECT Hash AS h, "
		"Frames FROM smp_stacks WHERE Hash IN (");
	add_stack_set(&b, sel, adhoc);
	add(&b, ")) USING h UNION ALL SELECT toUInt8(1), Hash, toInt64(0), "
		"toUInt64(0), emptyArrayUInt64(), any(Name) FROM smp_frames "
		"WHERE Hash IN (SELECT arrayJoin(Frames) FROM smp_stacks WHERE "
		"Hash IN (");
	add_stack_set(&b, sel, adhoc);
	add(&b, ")) GROUP BY Hash FORMAT RowBinary");
	req.url = ch->url;
	req.body = b.data;
	req.body_len = b.len;
	http_resp_init(&resp, CH_ANSWER_MAX);
	rc = http_do(ch->h, &req, &resp);
	if (rc == E_OK && resp.status / 100 == 2 && an.carry.len > 0) {
		(void)answer_bad(&an, (const unsigned char *)an.carry.data,
			an.carry.len);
		rc = E_PROTO;
	}
	if (rc != E_OK && an.bad[0]) {
		/* ClickHouse failed after it began to answer (its error text
		 * ends the body), or the answer is not what was asked for */
		smp_seterr(s, "samples: clickhouse stacks query: unexpected "
			"answer: %s", an.bad);
		rc = E_HTTP;
	} else if (rc != E_OK) {
		smp_seterr(s, "samples: clickhouse stacks query: %s",
			http_errmsg(ch->h));
	} else if (resp.status / 100 != 2) {
		const char *m = resp.body.data ? resp.body.data : "";

		smp_seterr(s, "samples: clickhouse stacks query: HTTP %ld: %.*s",
			resp.status, (int)strcspn(m, "\n") > 300 ? 300 :
			(int)strcspn(m, "\n"), m);
		rc = resp.status == 401 || resp.status == 403 ? E_AUTH :
			resp.status >= 500 || resp.status == 429 ? E_HTTP :
			E_INTERNAL;
	}
	http_resp_release(&resp);
	if (rc != E_OK)
		goto out;
	info->rows_read = an.rows;
	for (i = 0; i < an.nst; i++)
		info->total += an.st[i].count;
	if (max_stacks && an.nst > max_stacks) {
		qsort(an.st, an.nst, sizeof(*an.st), stack_cmp);
		an.nst = max_stacks;
	}
	for (i = 0; i < an.nst && rc == E_OK; i++) {
		const struct ch_stack *st = &an.st[i];
		const char **fr = arena_alloc(a, (st->nf ? st->nf : 1) *
			sizeof(*fr));

		for (k = 0; k < st->nf; k++) {
			uint64_t v;

			fr[k] = cache_get(&an.names, st->fk[k], 1, &v) ?
				an.name[v] : "[missing]";
		}
		rc = fn(ctx, fr, st->nf, st->count);
	}
out:
	free(an.st);
	free(an.name);
	free(an.names.e);
	buf_release(&an.carry);
	buf_release(&b);
	buf_release(&w);
	return rc;
}

static const char *const ch_dim_col[] = {
	[SMP_HOSTNAME] = "HostName",
	[SMP_CONTAINER] = "ContainerName",
	[SMP_CONTAINER_ENV] = "ContainerEnvName",
	[SMP_INSTANCE_TYPE] = "InstanceType",
};

/* Distinct values of a dimension. */
static int
ch_tags(struct smp *s, const struct smp_sel *sel, enum smp_dim dim,
	size_t max, struct arena *a, struct smp_tag **out, size_t *n)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	char cols[96];
	size_t cap = 16;
	int rc;

	if (sel->adhoc_key)
		return E_OK;	/* one profile: use its metadata row */
	snprintf(cols, sizeof(cols), "%s AS v, sum(NumSamples) AS n",
		ch_dim_col[dim]);
	add(&b, "SELECT v, sum(n) AS s FROM (");
	add_union(&b, sel, true, true, cols, cols, " GROUP BY v");
	add(&b, ") GROUP BY v HAVING s > 0 ORDER BY s DESC, v");
	if (max)
		addf(&b, " LIMIT %zu", max);
	add(&b, " FORMAT TabSeparated");
	rc = ch_query(s, "tags query", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	*out = arena_alloc(a, cap * sizeof(**out));
	while (ch_next(&q, 2)) {
		if (*n == cap) {
			struct smp_tag *t = arena_alloc(a, 2 * cap * sizeof(*t));

			memcpy(t, *out, cap * sizeof(*t));
			*out = t;
			cap *= 2;
		}
		(*out)[*n].value = arena_strdup(a, q.f[0]);
		(*out)[(*n)++].samples = u64(q.f[1]);
	}
	ch_done(&q);
	return E_OK;
}

/* Per-bucket totals. */
static int
ch_buckets(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_bucket **out, size_t *n)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	size_t cap = 16;
	int rc;

	if (sel->adhoc_key)
		return E_OK;
	addf(&b, "SELECT intDiv(t, %lld) * %lld AS b, sum(n) AS s FROM (",
		(long long)step, (long long)step);
	add_union(&b, sel, step % 3600 == 0, false,
		"toUInt32(Timestamp) AS t, sum(NumSamples) AS n",
		"toUInt32(Hour) AS t, sum(NumSamples) AS n", " GROUP BY t");
	add(&b, ") GROUP BY b HAVING s > 0 ORDER BY b");
	if (max)
		addf(&b, " LIMIT %zu", max);
	add(&b, " FORMAT TabSeparated");
	rc = ch_query(s, "buckets query", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	*out = arena_alloc(a, cap * sizeof(**out));
	while (ch_next(&q, 2)) {
		if (*n == cap) {
			struct smp_bucket *t = arena_alloc(a, 2 * cap * sizeof(*t));

			memcpy(t, *out, cap * sizeof(*t));
			*out = t;
			cap *= 2;
		}
		(*out)[*n].ts = i64(q.f[0]);
		(*out)[(*n)++].samples = u64(q.f[1]);
	}
	ch_done(&q);
	return E_OK;
}

/* Host metrics from the profile records (step 0: one aggregate). */
static int
ch_metrics(struct smp *s, const struct smp_sel *sel, int64_t step,
	size_t max, struct arena *a, struct smp_metrics_bucket **out, size_t *n)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	size_t cap = 16;
	int rc;

	if (sel->adhoc_key)
		return E_OK;
	/* per bucket and host, then per bucket */
	add(&b, "SELECT b, sum(cs), sum(cc), max(cm), sum(ms), sum(mc), "
		"max(mm), sum(smp), count(), sum(co), sum(np) FROM (SELECT ");
	if (step > 0)
		addf(&b, "intDiv(toUInt32(t), %lld) * %lld AS b, ",
			(long long)step, (long long)step);
	else
		add(&b, "toUInt32(0) AS b, ");
	add(&b, "h, sumIf(cpu, cpu >= 0) AS cs, countIf(cpu >= 0) AS cc, "
		"maxIf(cpu, cpu >= 0) AS cm, sumIf(mem, mem >= 0) AS ms, "
		"countIf(mem >= 0) AS mc, maxIf(mem, mem >= 0) AS mm, "
		"sum(sm) AS smp, argMaxIf(cores, t, cores >= 0) AS co, "
		"count() AS np FROM (SELECT any(HostName) AS h, Start AS t, "
		"any(Cores) AS cores, any(CpuAvg) AS cpu, any(MemAvg) AS mem, "
		"any(Samples) AS sm FROM smp_profiles ");
	addf(&b, "WHERE ServiceId = %lld AND Start >= toDateTime(%lld) AND "
		"Start < toDateTime(%lld)", (long long)sel->service_id,
		(long long)sel->from, (long long)sel->to);
	if (sel->filter && sel->filter->n) {
		addf(&b, " AND HostName IN (SELECT DISTINCT HostName FROM "
			"smp_samples_1h WHERE ServiceId = %lld AND "
			"Hour >= toDateTime(%lld) AND Hour < toDateTime(%lld)",
			(long long)sel->service_id,
			(long long)(sel->from / 3600 * 3600), (long long)sel->to);
		add_filter(&b, sel);
		add(&b, ")");
	}
	add(&b, " GROUP BY ServiceId, Start, Key "
		"HAVING argMax(State, Version) = 1) GROUP BY b, h) "
		"GROUP BY b ORDER BY b");
	if (max)
		addf(&b, " LIMIT %zu", max);
	add(&b, " FORMAT TabSeparated");
	rc = ch_query(s, "metrics query", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	*out = arena_zalloc(a, cap * sizeof(**out));
	while (ch_next(&q, 11)) {
		struct smp_metrics *m;
		double cc, mc;

		if (*n == cap) {
			struct smp_metrics_bucket *t = arena_zalloc(a, 2 * cap *
				sizeof(*t));

			memcpy(t, *out, cap * sizeof(*t));
			*out = t;
			cap *= 2;
		}
		(*out)[*n].ts = i64(q.f[0]);
		m = &(*out)[(*n)++].m;
		cc = strtod(q.f[2], NULL);
		mc = strtod(q.f[5], NULL);
		m->cpu_avg = cc > 0 ? strtod(q.f[1], NULL) / cc : -1;
		m->cpu_max = cc > 0 ? strtod(q.f[3], NULL) : -1;
		m->mem_avg = mc > 0 ? strtod(q.f[4], NULL) / mc : -1;
		m->mem_max = mc > 0 ? strtod(q.f[6], NULL) : -1;
		m->samples = u64(q.f[7]);
		m->hosts = u64(q.f[8]);
		m->cores = u64(q.f[9]);
		m->profiles = u64(q.f[10]);
	}
	ch_done(&q);
	return E_OK;
}

/* -------------------------------------------------------------- admin */

/*
 * Forget the stored profiles whose records match `where` (a condition on
 * smp_profiles): a State 0 record first, then their rows cancelled.
 */
static int
ch_forget_where(struct smp *s, const struct buf *where)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	struct { int64_t svc, start; uint64_t pid; } *p = NULL;
	size_t np = 0, cap = 0, i;
	int rc;

	addf(&b, "SELECT ServiceId, toUInt32(Start), ProfileId FROM smp_profiles "
		"WHERE %s GROUP BY ServiceId, Start, Key, ProfileId "
		"HAVING argMax(State, Version) = 1 FORMAT TabSeparated",
		where->data);
	if ((rc = ch_query(s, "profile records", &b, &q)) != E_OK)
		goto out;
	while (ch_next(&q, 3)) {
		if (np == cap) {
			cap = cap ? 2 * cap : 8;
			p = xrealloc(p, cap * sizeof(*p));
		}
		p[np].svc = i64(q.f[0]);
		p[np].start = i64(q.f[1]);
		p[np++].pid = u64(q.f[2]);
	}
	ch_done(&q);
	if (np == 0)
		goto out;
	buf_reset(&b);
	add(&b, "INSERT INTO smp_profiles (Start, ServiceId, Key, ProfileId, "
		"HostName, InstanceType, EndTs, Cores, CpuAvg, MemAvg, Samples, "
		"Stacks, AdhocKey, State, Version, IndexedAt) SELECT Start, "
		"ServiceId, Key, any(ProfileId), any(HostName), any(InstanceType), "
		"any(EndTs), any(Cores), any(CpuAvg), any(MemAvg), any(Samples), "
		"any(Stacks), any(AdhocKey), toUInt8(0), max(Version) + 1, now() "
		"FROM smp_profiles ");
	addf(&b, "WHERE %s GROUP BY ServiceId, Start, Key "
		"HAVING argMax(State, Version) = 1", where->data);
	/* State 0 twice is harmless: safe to retry */
	if ((rc = ch_exec(s, "forgetting records", &b, true)) != E_OK)
		goto out;
	for (i = 0; i < np && rc == E_OK; i++)
		rc = ch_cancel(s, p[i].svc, p[i].start, p[i].pid);
out:
	free(p);
	buf_release(&b);
	return rc;
}

static int
ch_delete_adhoc(struct smp *s, const char *adhoc_key)
{
	struct buf w = BUF_INIT(0);
	int rc;

	add(&w, "AdhocKey = ");
	addq(&w, adhoc_key);
	rc = ch_forget_where(s, &w);
	buf_release(&w);
	return rc;
}

static int
ch_forget(struct smp *s, const char *key)
{
	struct buf w = BUF_INIT(0);
	int rc;

	add(&w, "Key = ");
	addq(&w, key);
	rc = ch_forget_where(s, &w);
	buf_release(&w);
	return rc;
}

/* Unix seconds of a YYYYMMDD day. */
static int64_t
day_of(uint64_t ymd)
{
	struct tm tm = { 0 };

	if (ymd == 0)
		return 0;
	tm.tm_year = (int)(ymd / 10000) - 1900;
	tm.tm_mon = (int)(ymd / 100 % 100) - 1;
	tm.tm_mday = (int)(ymd % 100);
	return (int64_t)timegm(&tm);
}

#define CH_PARTS "FROM system.parts WHERE database = currentDatabase() " \
	"AND active"

static int
ch_status(struct smp *s, struct smp_status *out)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	int rc;

	add(&b, "SELECT (SELECT count() FROM (SELECT argMax(State, Version) "
		"AS st FROM smp_profiles GROUP BY ServiceId, Start, Key) "
		"WHERE st = 1), "
		"(SELECT sum(rows) " CH_PARTS " AND table = 'smp_samples'), "
		"(SELECT sum(rows) " CH_PARTS " AND table = 'smp_samples_1h'), "
		"(SELECT uniqExact(Hash) FROM smp_frames), "
		"(SELECT uniqExact(Hash) FROM smp_stacks), "
		"(SELECT sum(bytes_on_disk) " CH_PARTS " AND table LIKE 'smp%'), "
		"(SELECT uniqExact(partition) " CH_PARTS
		" AND table = 'smp_samples'), "
		"(SELECT min(toUInt32(partition)) " CH_PARTS
		" AND table = 'smp_samples'), "
		"(SELECT max(toUInt32(partition)) " CH_PARTS
		" AND table = 'smp_samples') FORMAT TabSeparated");
	rc = ch_query(s, "status", &b, &q);
	buf_release(&b);
	if (rc != E_OK)
		return rc;
	if (ch_next(&q, 9)) {
		out->profiles = u64(q.f[0]);
		out->sample_rows = u64(q.f[1]);
		out->rollup_rows = u64(q.f[2]);
		out->frames = u64(q.f[3]);
		out->stacks = u64(q.f[4]);
		out->bytes = u64(q.f[5]);
		out->days = u64(q.f[6]);
		out->oldest = day_of(u64(q.f[7]));
		out->newest = day_of(u64(q.f[8]));
	} else {
		smp_seterr(s, "samples: clickhouse status: short answer");
		rc = E_PROTO;
	}
	ch_done(&q);
	return rc;
}

static int
ch_prune(struct smp *s, int64_t raw_before, int64_t rollup_before,
	size_t *dropped)
{
	struct buf b = BUF_INIT(0);
	struct ch_rows q;
	struct { char table[32]; uint64_t day; } *d = NULL;
	size_t nd = 0, cap = 0, i;
	int rc;

	add(&b, "SELECT DISTINCT table AS t, toUInt32(partition) AS d " CH_PARTS
		" AND table IN ('smp_samples', 'smp_samples_1h', "
		"'smp_samples_1h_all', 'smp_profiles') ORDER BY d, t "
		"FORMAT TabSeparated");
	rc = ch_query(s, "partitions", &b, &q);
	if (rc != E_OK)
		goto out;
	while (ch_next(&q, 2)) {
		int64_t day = day_of(u64(q.f[1]));
		bool raw = strcmp(q.f[0], "smp_samples") == 0;

		if (day >= (raw ? raw_before : rollup_before))
			continue;
		if (nd == cap) {
			cap = cap ? 2 * cap : 16;
			d = xrealloc(d, cap * sizeof(*d));
		}
		snprintf(d[nd].table, sizeof(d[nd].table), "%s", q.f[0]);
		d[nd++].day = u64(q.f[1]);
	}
	ch_done(&q);
	for (i = 0; i < nd; i++) {
		buf_reset(&b);
		/* table names come from the fixed list above */
		addf(&b, "ALTER TABLE %s DROP PARTITION %llu", d[i].table,
			(unsigned long long)d[i].day);
		if ((rc = ch_exec(s, "dropping a partition", &b, true)) != E_OK)
			goto out;
		(*dropped)++;
	}
out:
	free(d);
	buf_release(&b);
	return rc;
}

static void
ch_free(void *ctx)
{
	struct smp_ch *ch = ctx;

	if (!ch)
		return;
	http_free(ch->h);
	free(ch->url);
	free(ch->url_root);
	free(ch->db);
	free(ch->auth);
	free(ch->frames.e);
	free(ch->stacks.e);
	free(ch);
}

static const struct smp_backend smp_ch_backend = {
	.name = "clickhouse",
	.write = ch_write,
	.stacks = ch_stacks,
	.tags = ch_tags,
	.buckets = ch_buckets,
	.metrics = ch_metrics,
	.delete_adhoc = ch_delete_adhoc,
	.forget = ch_forget,
	.status = ch_status,
	.prune = ch_prune,
	.free = ch_free,
};

/* Whether a database name is a plain identifier. */
static bool
ch_ident_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

	return n > 0 && n <= 64 && s[n] == '\0' && !(s[0] >= '0' && s[0] <= '9');
}

/* Open the clickhouse backend: one HTTP client, schema created. */
int
smp_ch_open(struct smp *s, const struct cfg *cfg, char *err, size_t errlen)
{
	const struct cfg_clickhouse *cc = &cfg->samples.clickhouse;
	struct http_opts ho = {
		.timeout_ms = cc->timeout_ms, .retries = cc->retries,
		.parallel = 1,
	};
	struct smp_ch *ch;
	struct buf b = BUF_INIT(0), a64 = BUF_INIT(0);
	const char *url = cc->url ? cc->url : "";
	size_t ulen = strlen(url);
	int rc;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "clickhouse.url \"%.128s\" is not an "
			"http(s) URL", url);
		return E_CONFIG;
	}
	if (strchr(url, '?') || strchr(url, '#')) {
		snprintf(err, errlen, "clickhouse.url must not have a query");
		return E_CONFIG;
	}
	if (!cc->database || !ch_ident_ok(cc->database)) {
		snprintf(err, errlen, "clickhouse.database must be letters, "
			"digits and _");
		return E_CONFIG;
	}
	ch = xcalloc(1, sizeof(*ch));
	ch->db = xstrdup(cc->database);
	ch->retries = cc->retries;
	ch->rng = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	addf(&b, "%s%s", url, ulen && url[ulen - 1] == '/' ? "" : "/");
	ch->url_root = xstrdup(b.data);
	addf(&b, "?database=%s", ch->db);
	ch->url = xstrdup(b.data);
	buf_reset(&b);
	addf(&b, "%s:%s", cc->user ? cc->user : "default",
		cc->password ? cc->password : "");
	rc = b64_encode(b.data, b.len, &a64);	/* uncapped: cannot fail */
	ASSERT(rc == E_OK);
	buf_reset(&b);
	add(&b, "Authorization: Basic ");
	buf_put(&b, a64.data, a64.len);
	ch->auth = xstrdup(b.data);
	buf_release(&b);
	buf_release(&a64);
	rc = http_new(&ho, &ch->h, err, errlen);
	if (rc != E_OK) {
		ch_free(ch);
		return rc;
	}
	s->be = &smp_ch_backend;
	s->ctx = ch;
	rc = ch_create_schema(s);
	if (rc != E_OK) {
		snprintf(err, errlen, "%s", s->err);
		ch_free(ch);
		s->be = NULL;
		s->ctx = NULL;
		return rc;
	}
	return E_OK;
}
