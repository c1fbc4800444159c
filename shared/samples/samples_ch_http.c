/*
 * samples_ch_http.c - how the ClickHouse backend talks to ClickHouse:
 * string literals and TabSeparated fields written (smp_ch_quote(),
 * smp_ch_tsv_escape()), one statement per HTTP POST (smp_ch_call() and
 * its read and write forms), TabSeparated answers read a row at a time,
 * and the RowBinary answer of the stacks query parsed as it arrives.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "mem.h"
#include "samples_ch_int.h"

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

/* -------------------------------------------------------------- calls */

/*
 * Run one statement (the POST body: SQL, and for an INSERT the rows after
 * it).  retry: reads and DDL are retried by http.c on connection failures
 * and 5xx; inserts are not (see samples_ch_write.c).  A 2xx answer's body
 * is in resp (the caller releases it); anything else is an error.
 */
int
smp_ch_call(struct smp *s, const char *what, const struct buf *body, bool root,
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
int
smp_ch_exec(struct smp *s, const char *what, const struct buf *body, bool retry)
{
	struct http_resp r;
	int rc = smp_ch_call(s, what, body, false, retry, &r);

	if (rc == E_OK)
		http_resp_release(&r);
	return rc;
}

/* Run a read; rows are then taken with smp_ch_next(). */
int
smp_ch_query(struct smp *s, const char *what, const struct buf *sql,
	struct ch_rows *q)
{
	int rc;

	memset(q, 0, sizeof(*q));
	rc = smp_ch_call(s, what, sql, false, true, &q->r);
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
int
smp_ch_next(struct ch_rows *q, int want)
{
	int nf = smp_ch_tsv_next(q->r.body.data, q->r.body.len, &q->pos,
		q->f, CH_MAX_FIELDS);

	q->nf = nf;
	return nf >= want ? 1 : 0;
}

/* Release a read's answer. */
void
smp_ch_done(struct ch_rows *q)
{
	http_resp_release(&q->r);
}

/* ------------------------------------------------- the stacks answer */

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
		smp_ch_cache_init(&an->names, old.cap ? old.cap : 1024);
		for (i = 0; i < old.cap; i++)
			if (old.e[i].chk)
				smp_ch_cache_put(&an->names, old.e[i].k0, 1,
					old.e[i].key);
		free(old.e);
	}
	if (smp_ch_cache_get(&an->names, key, 1, &at))
		return;
	if (an->nname == an->name_cap) {
		an->name_cap = an->name_cap ? 2 * an->name_cap : 1024;
		an->name = xrealloc(an->name, an->name_cap * sizeof(*an->name));
	}
	an->name[an->nname] = name;
	smp_ch_cache_put(&an->names, key, 1, an->nname++);
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
bool
smp_ch_answer_bad(struct ch_answer *an, const unsigned char *p, size_t n)
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
bool
smp_ch_answer_body(void *ctx, const char *piece, size_t n)
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
			return smp_ch_answer_bad(an, (const unsigned char *)
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
			return smp_ch_answer_bad(an, (const unsigned char *)
				an->carry.data, an->carry.len);
		if (used == 0)
			return true;	/* still short: n is 0 */
		buf_reset(&an->carry);
	}
	while (n > 0) {
		used = answer_row(an, p, n, &need);
		if (used == CH_ROW_BAD)
			return smp_ch_answer_bad(an, p, n);
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
