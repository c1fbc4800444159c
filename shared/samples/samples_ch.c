/*
 * samples_ch.c - the "clickhouse" sample store backend: ClickHouse's
 * HTTP interface through http.c (one kept-alive libcurl handle per
 * process, basic auth, timeouts, capped back-off with jitter).  This
 * file opens and closes it, holds its backend table and the caches of
 * dictionary keys this process has verified.
 *
 * SQL: only what both Debian 12's clickhouse-server 18.16 and current
 * releases accept: no LowCardinality, no column CODECs, no TTL clause
 * (retention drops partitions), no Nullable, no xxHash64 (keys are
 * computed here), no server-side query parameters (every string value is
 * quoted by smp_ch_quote(), numbers are printed).  Statements and rows
 * travel in the POST body ("INSERT ... FORMAT TabSeparated" then the
 * rows); answers are TabSeparated, capped at CH_ANSWER_MAX bytes.
 *
 * The backend's other files (what they share is in samples_ch_int.h):
 *   samples_ch_http.c   quoting, one statement per request, answers
 *   samples_ch_dict.c   the frame and stack dictionaries' keys
 *   samples_ch_write.c  writing a profile idempotently
 *   samples_ch_query.c  stacks, tags, buckets, host metrics
 *   samples_ch_admin.c  the schema, forgetting profiles, status, prune
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "b64.h"
#include "buf.h"
#include "err.h"
#include "http.h"
#include "mem.h"
#include "samples_ch_int.h"

#define CH_CACHE_MAX (1u << 20)	/* verified keys before a cache is reset */

/* ------------------------------------------------------------- caches */

void
smp_ch_cache_init(struct ch_cache *c, size_t want)
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
bool
smp_ch_cache_get(const struct ch_cache *c, uint64_t k0, uint64_t chk,
	uint64_t *key)
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

/* Remember a settled key; room for `more` is made by smp_ch_cache_room(). */
void
smp_ch_cache_put(struct ch_cache *c, uint64_t k0, uint64_t chk, uint64_t key)
{
	size_t i = cache_slot(c, k0);

	if (!c->e[i].chk)
		c->n++;
	c->e[i] = (struct ch_ent){ k0, chk | 1, key };
}

/* Make room for `more` entries (a full cache starts again). */
void
smp_ch_cache_room(struct ch_cache *c, size_t more)
{
	if (c->cap && c->n + more < c->cap / 2)
		return;
	smp_ch_cache_init(c, c->n + more < CH_CACHE_MAX ? CH_CACHE_MAX : more);
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
	.write = smp_ch_write,
	.stacks = smp_ch_stacks,
	.tags = smp_ch_tags,
	.buckets = smp_ch_buckets,
	.metrics = smp_ch_metrics,
	.delete_adhoc = smp_ch_delete_adhoc,
	.forget = smp_ch_forget,
	.status = smp_ch_status,
	.prune = smp_ch_prune,
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
	rc = smp_ch_create_schema(s);
	if (rc != E_OK) {
		snprintf(err, errlen, "%s", s->err);
		ch_free(ch);
		s->be = NULL;
		s->ctx = NULL;
		return rc;
	}
	return E_OK;
}
