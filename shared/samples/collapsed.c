/*
 * collapsed.c - stack lines into smp_line records (see collapsed.h).
 *
 * One pass over the text: every line is checked, split and normalised
 * into the arena, so the caller's text may be freed afterwards.  The line
 * array is sized once from a newline count.
 *
 * Normalisation runs POSIX extended regexes, which are slow in glibc, so
 * each rule carries a literal that must occur in the stack for the regex
 * to run at all; one pass over the stack with a first-byte table finds
 * the rules whose literal occurs, so most stacks never reach a regex.  The
 * compiled rules are kept in a file-local table built on first use (the
 * one piece of process state here; it never changes once built).
 */
#include "compat.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "collapsed.h"
#include "jsonx.h"

#define COLL_MAX_LINE (1024 * 1024)
#define COLL_MAX_FRAMES 4096
#define COLL_MAX_LINES 1000000

/*
 * One normalisation rule: when `lit` occurs, every match of `re` is
 * replaced by `rep`, in which \1..\9 stand for the regex's groups.
 */
struct coll_rule {
	const char *lit;
	const char *re;
	const char *rep;
};

static const struct coll_rule coll_rules[] = {
	/* Java reflection accessors generated at run time. */
	{ "GeneratedMethodAccessor", "GeneratedMethodAccessor[0-9]+",
		"GeneratedMethodAccessor[m]" },
	{ "GeneratedConstructorAccessor", "GeneratedConstructorAccessor[0-9]+",
		"GeneratedConstructorAccessor[m]" },
	{ "GeneratedSerializationConstructorAccessor",
		"GeneratedSerializationConstructorAccessor[0-9]+",
		"GeneratedSerializationConstructorAccessor[m]" },
	/* Lambdas: Foo$$Lambda$17/0x0000000800c0b040, Foo$$Lambda/0x... */
	{ "Lambda$", "Lambda\\$[0-9]+/(0x)?[0-9a-fA-F]+", "Lambda$[m]/[m]" },
	{ "Lambda/0x", "Lambda/0x[0-9a-fA-F]+", "Lambda/[m]" },
	/* Dynamic proxies and hidden classes. */
	{ "$Proxy", "\\$Proxy[0-9]+", "$Proxy[m]" },
	{ "/0x", "(\\$\\$[A-Za-z]+)/0x[0-9a-fA-F]+", "\\1/[m]" },
	/* Spark whole-stage code generation. */
	{ "GeneratedClass$", "GeneratedClass\\$([A-Za-z]+)[0-9]+",
		"GeneratedClass$\\1[m]" },
	{ "GeneratedClass$", "(processNext|agg_doAggregateWithKeys|"
		"serializefromobject_doConsume|wholestagecodegen_init)_[0-9]+",
		"\\1_[m]" },
	/* JIT maps and jitdump objects named after a pid. */
	{ "/tmp/perf-", "/tmp/perf-[0-9]+\\.map", "/tmp/perf-[m].map" },
	{ "jitted-", "jitted-[0-9]+-[0-9]+\\.so", "jitted-[m]-[m].so" },
	/* Self-extracting bundles unpacked into random directories. */
	{ "/staticx-", "/staticx-[A-Za-z0-9]+/", "/staticx-[m]/" },
	{ "/_MEI", "/_MEI[A-Za-z0-9]+/", "/_MEI[m]/" },
	{ "/tmp/jffi", "/tmp/jffi[0-9]+\\.so", "/tmp/jffi[m].so" },
};

static regex_t coll_re[ARRAY_SIZE(coll_rules)];

/*
 * The pre-check of the rules' literals: the rules whose literal starts
 * with each byte (bit i = rule i), the literals' first two bytes as a
 * bit set, and their lengths.  One pass over a stack then finds every
 * rule whose literal occurs in it, instead of one memmem() per rule.
 */
static uint32_t coll_first[256];
static uint64_t coll_pair[65536 / 64];
static size_t coll_litlen[ARRAY_SIZE(coll_rules)];

_Static_assert(ARRAY_SIZE(coll_rules) <= 32, "one bit per rule");

static bool coll_re_ready;

/* The two bytes at p as one pair number. */
static unsigned
coll_pair_of(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Compile the rule table once. */
static void
coll_rules_init(void)
{
	size_t i;

	if (coll_re_ready)
		return;
	for (i = 0; i < ARRAY_SIZE(coll_rules); i++) {
		const unsigned char *lit =
			(const unsigned char *)coll_rules[i].lit;
		unsigned pr = coll_pair_of(lit);	/* every literal has 2+ */

		if (regcomp(&coll_re[i], coll_rules[i].re, REG_EXTENDED) != 0)
			abort();	/* the table is ours: a bad rule is a bug */
		coll_first[lit[0]] |= UINT32_C(1) << i;
		coll_pair[pr / 64] |= UINT64_C(1) << (pr % 64);
		coll_litlen[i] = strlen(coll_rules[i].lit);
	}
	coll_re_ready = true;
}

/* The rules from `from` on whose literal occurs in s[0..len). */
static uint32_t
coll_present(const char *s, size_t len, size_t from)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t want = (uint32_t)(~UINT32_C(0) << from) &
		(uint32_t)((UINT64_C(1) << ARRAY_SIZE(coll_rules)) - 1);
	uint32_t found = 0;
	size_t i;

	for (i = 0; i + 1 < len && (want & ~found) != 0; i++) {
		unsigned pr = coll_pair_of(p + i);
		uint32_t m;

		if (!(coll_pair[pr / 64] >> (pr % 64) & 1))
			continue;
		m = coll_first[p[i]] & want & ~found;
		while (m) {
			unsigned r = (unsigned)__builtin_ctz(m);

			m &= m - 1;
			if (coll_litlen[r] <= len - i &&
			    memcmp(p + i, coll_rules[r].lit,
			    coll_litlen[r]) == 0)
				found |= UINT32_C(1) << r;
		}
	}
	return found;
}

/* Append rep with \N replaced by group N of the match at base. */
static void
coll_add_rep(struct buf *b, const char *rep, const char *base,
	const regmatch_t *m)
{
	const char *p;

	for (p = rep; *p; p++) {
		if (p[0] == '\\' && p[1] >= '1' && p[1] <= '9') {
			const regmatch_t *g = &m[p[1] - '0'];

			if (g->rm_so >= 0)
				buf_put(b, base + g->rm_so,
					(size_t)(g->rm_eo - g->rm_so));
			p++;
			continue;
		}
		buf_put(b, p, 1);
	}
}

/* Apply one rule to every match in s (NUL-terminated) into b. */
static bool
coll_apply(size_t r, const char *s, struct buf *b)
{
	regmatch_t m[10];
	size_t off = 0, len = strlen(s);
	bool hit = false;

	buf_reset(b);
	while (off <= len && regexec(&coll_re[r], s + off, ARRAY_SIZE(m), m,
	    off ? REG_NOTBOL : 0) == 0) {
		hit = true;
		buf_put(b, s + off, (size_t)m[0].rm_so);
		coll_add_rep(b, coll_rules[r].rep, s + off, m);
		if (m[0].rm_eo == m[0].rm_so) {
			if (off + (size_t)m[0].rm_eo >= len)
				break;
			buf_put(b, s + off + m[0].rm_eo, 1);
			off += (size_t)m[0].rm_eo + 1;
			continue;
		}
		off += (size_t)m[0].rm_eo;
	}
	if (hit && off < len)
		buf_put(b, s + off, len - off);
	return hit;
}

/* Normalise (see collapsed.h). */
const char *
coll_normalize(const char *s, size_t len, struct arena *a, size_t *outlen)
{
	struct buf b = BUF_INIT(0);
	const char *cur = s;
	size_t curlen = len, i;
	uint32_t present;

	coll_rules_init();
	present = coll_present(cur, curlen, 0);
	for (i = 0; i < ARRAY_SIZE(coll_rules) && present >> i; i++) {
		if (!(present & UINT32_C(1) << i))
			continue;
		if (!coll_apply(i, cur, &b))
			continue;
		cur = arena_memdupz(a, b.data, b.len);
		curlen = b.len;
		/* the text changed: look again for the later rules */
		present = coll_present(cur, curlen, i + 1);
	}
	buf_release(&b);
	*outlen = curlen;
	return cur;
}

/* Words of six or more hex letters that are names, not ids. */
static const char *const coll_hex_words[] = {
	"accede", "acceded", "beaded", "bedded", "dabbed", "decade",
	"deeded", "deface", "defaced", "efface", "effaced", "facade",
	"faced",
};

/* Whether one '-' part of a pod name is a generated id. */
static bool
coll_idlike(const char *p, size_t n)
{
	size_t i;
	bool dec = n > 0, hex = n >= 6;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c < '0' || c > '9')
			dec = false;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			hex = false;
	}
	if (dec)
		return true;
	if (!hex)
		return false;
	for (i = 0; i < ARRAY_SIZE(coll_hex_words); i++)
		if (strlen(coll_hex_words[i]) == n &&
		    memcmp(coll_hex_words[i], p, n) == 0)
			return false;
	return true;
}

/*
 * The pod name without its generated parts: leading id parts skipped, the
 * first id part after a kept one ends the name; when nothing was
 * stripped the last part goes (the replica set's random suffix).
 */
static const char *
coll_strip_pod(const char *pod, struct arena *a)
{
	struct buf b = BUF_INIT(0);
	const char *p = pod, *dash;
	bool stripped = false, kept = false;
	size_t last_start = 0;
	const char *res;

	if (strncmp(pod, "flink", 5) == 0 || strncmp(pod, "kube-proxy", 10) == 0)
		return pod;
	for (;;) {
		size_t n;

		dash = strchr(p, '-');
		n = dash ? (size_t)(dash - p) : strlen(p);
		if (coll_idlike(p, n)) {
			stripped = true;
			if (kept)
				break;
		} else {
			if (kept)
				buf_put(&b, "-", 1);
			last_start = b.len;
			buf_put(&b, p, n);
			kept = true;
		}
		if (!dash)
			break;
		p = dash + 1;
	}
	if (!stripped && kept)
		b.len = last_start ? last_start - 1 : 0;
	res = b.len ? arena_memdupz(a, b.data, b.len) : pod;
	buf_release(&b);
	return res;
}

/* Split s on sep into at most max parts (pointers into a copy). */
static size_t
coll_split(const char *s, char sep, struct arena *a, char **parts, size_t max)
{
	char *c = arena_strdup(a, s), *p = c;
	size_t n = 0;

	for (;;) {
		char *q = strchr(p, sep);

		if (n == max)
			return max + 1;
		parts[n++] = p;
		if (!q)
			break;
		*q = '\0';
		p = q + 1;
	}
	return n;
}

/* Container names (see collapsed.h). */
void
coll_container(const char *raw, struct arena *a, const char **name,
	const char **env)
{
	char *parts[8];
	size_t n;

	*name = raw;
	*env = "";
	if (strncmp(raw, "k8s_", 4) == 0) {
		n = coll_split(raw, '_', a, parts, 6);
		if (n == 6) {
			const char *pod = coll_strip_pod(parts[2], a);

			*name = arena_printf(a, "%s_%s_%s", parts[1], pod,
				parts[3]);
			*env = arena_printf(a, "%s_%s", pod, parts[3]);
		}
	} else if (strncmp(raw, "ecs-", 4) == 0) {
		n = coll_split(raw, '-', a, parts, 7);
		if (n == 2) {
			*env = parts[1];
		} else if (n >= 5 && n <= 7) {
			*name = arena_printf(a, "%s_%s", parts[3], parts[1]);
			*env = parts[1];
		}
	}
}

/* Whether c is blank for trimming. */
static bool
coll_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The field layout the header asks for. */
static void
coll_layout(const json_t *header, bool *appmeta, bool *container)
{
	json_t *h = (json_t *)header, *v;
	const char *ver;

	*appmeta = false;
	*container = true;
	if (!h)
		return;
	v = json_object_get(h, "application_metadata_enabled");
	*appmeta = v && json_is_true(v);
	ver = jsonx_str(h, "metadata.run_arguments.profile_api_version");
	if (ver && strcmp(ver, "v1") == 0) {
		*appmeta = false;
		*container = false;
	}
}

enum coll_verdict { COLL_KEEP, COLL_BAD, COLL_DROP };

/* Parse one trimmed, non-empty line into *l. */
static enum coll_verdict
coll_line(const char *p, size_t n, bool appmeta, bool with_container,
	const struct coll_limits *lim, struct arena *a, struct smp_line *l)
{
	const char *sp, *body_end, *f, *norm;
	uint64_t count = 0;
	size_t i, skip, nf, normlen;
	char *joined, *c, *end;
	const char **frames;

	for (sp = p + n; sp > p && !coll_blank(sp[-1]); sp--)
		;
	if (sp == p || sp == p + n)
		return COLL_BAD;
	for (i = (size_t)(sp - p); i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return COLL_BAD;
		if (count > (UINT64_MAX - 9) / 10)
			return COLL_BAD;
		count = count * 10 + (uint64_t)(p[i] - '0');
	}
	body_end = sp;
	while (body_end > p && coll_blank(body_end[-1]))
		body_end--;
	f = p;
	l->container = "";
	skip = (appmeta ? 1 : 0) + (with_container ? 1 : 0);
	for (i = 0; i < skip; i++) {
		const char *semi = memchr(f, ';', (size_t)(body_end - f));

		if (!semi)
			return COLL_BAD;
		if (with_container && i == skip - 1)
			l->container = arena_memdupz(a, f, (size_t)(semi - f));
		f = semi + 1;
	}
	if (count == 0)
		return COLL_DROP;
	joined = arena_memdupz(a, f, (size_t)(body_end - f));
	norm = coll_normalize(joined, (size_t)(body_end - f), a, &normlen);
	c = (char *)norm;
	for (nf = 1, i = 0; i < normlen; i++)
		if (c[i] == ';')
			nf++;
	if (nf > lim->max_frames)
		return COLL_BAD;
	frames = arena_alloc(a, nf * sizeof(*frames));
	nf = 0;
	end = c + strlen(c);	/* the text ends at a NUL within it */
	for (;;) {
		char *semi = memchr(c, ';', (size_t)(end - c)), *e;

		e = semi ? semi : end;
		if (semi)
			*semi = '\0';
		while (coll_blank(*c))
			c++;
		while (e > c && coll_blank(e[-1]))
			*--e = '\0';
		if (*c)
			frames[nf++] = c;
		if (!semi)
			break;
		c = semi + 1;
	}
	if (nf == 0)
		return COLL_BAD;
	if (strncmp(frames[0], "swapper", 7) == 0)
		return COLL_DROP;
	l->frames = frames;
	l->nframes = nf;
	l->count = count;
	return COLL_KEEP;
}

/* Parse (see collapsed.h). */
void
coll_parse(const char *data, size_t len, const json_t *header,
	const struct coll_limits *limits, struct arena *a,
	struct coll_result *out)
{
	struct coll_limits lim = { COLL_MAX_LINE, COLL_MAX_FRAMES,
		COLL_MAX_LINES };
	const char *pos = data, *end = data + len, *nl;
	bool appmeta, with_container;
	size_t cap = 1;

	memset(out, 0, sizeof(*out));
	if (limits) {
		if (limits->max_line)
			lim.max_line = limits->max_line;
		if (limits->max_frames)
			lim.max_frames = limits->max_frames;
		if (limits->max_lines)
			lim.max_lines = limits->max_lines;
	}
	coll_layout(header, &appmeta, &with_container);
	for (nl = data; nl < end && (nl = memchr(nl, '\n',
	    (size_t)(end - nl))) != NULL; nl++)
		cap++;
	if (cap > lim.max_lines)
		cap = lim.max_lines;
	out->lines = arena_alloc(a, cap * sizeof(*out->lines));
	while (pos < end) {
		const char *p, *q;
		size_t n;
		enum coll_verdict v;

		nl = memchr(pos, '\n', (size_t)(end - pos));
		p = pos;
		q = nl ? nl : end;
		pos = nl ? nl + 1 : end;
		while (p < q && coll_blank(*p))
			p++;
		while (q > p && coll_blank(q[-1]))
			q--;
		n = (size_t)(q - p);
		if (n == 0 || p[0] == '#')
			continue;
		if (n > lim.max_line) {
			out->bad++;
			continue;
		}
		if (out->n == lim.max_lines) {
			out->truncated = true;
			out->bad++;
			continue;
		}
		v = coll_line(p, n, appmeta, with_container, &lim, a,
			&out->lines[out->n]);
		if (v == COLL_BAD) {
			out->bad++;
		} else if (v == COLL_DROP) {
			out->dropped++;
		} else {
			out->samples += out->lines[out->n].count;
			out->n++;
		}
	}
}
