/*
 * folded.c - Brendan Gregg's folded stacks ("a;b;c 12" a line) into a
 * tree, and gProfiler's variant of them (leading container and
 * app-metadata fields, "# {json}" header lines).
 *
 * The parser never copies a line: frames are (pointer, length) pairs into
 * the input, and fl_tree_add() copies only the names of new frames.
 */
#include "compat.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "mem.h"

#define DEFAULT_MAX_LINE (1024 * 1024)

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A decimal count < 2^63, the whole of s[0..n). */
static bool
parse_count(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 19)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = v;
	return true;
}

struct frames {
	const char *p[FL_MAX_DEPTH + 1];
	size_t len[FL_MAX_DEPTH + 1];
};

/* One line (no '\n'); returns E_OK, or a tree error. */
static int
parse_line(struct fl_tree *t, struct frames *fr, const char *s, size_t n,
	const struct fl_folded_opts *o, struct fl_folded_stats *st)
{
	const char *sp, *end, *semi, *f;
	size_t k = 0, fl;
	unsigned skip = o->skip_fields;
	uint64_t count;
	int rc;

	while (n && blank(s[n - 1]))
		n--;
	while (n && blank(*s))
		s++, n--;
	if (n == 0 || *s == '#')
		return E_OK;
	if (n > (o->max_line ? o->max_line : DEFAULT_MAX_LINE))
		goto bad;
	sp = s + n;
	while (sp > s && sp[-1] != ' ' && sp[-1] != '\t')
		sp--;
	if (sp == s || !parse_count(sp, (size_t)(s + n - sp), &count) ||
	    count == 0)
		goto bad;
	end = sp - 1;
	while (end > s && blank(end[-1]))
		end--;
	for (f = s; f <= end && k <= FL_MAX_DEPTH; f = semi + 1) {
		semi = memchr(f, ';', (size_t)(end - f));
		if (!semi)
			semi = end;
		if (skip) {
			skip--;
			if (semi == end)
				break;
			continue;
		}
		fl = (size_t)(semi - f);
		while (fl && blank(*f))
			f++, fl--;
		while (fl && blank(f[fl - 1]))
			fl--;
		if (fl) {
			fr->p[k] = f;
			fr->len[k++] = fl;
		}
		if (semi == end)
			break;
	}
	if (skip || k == 0)
		goto bad;
	if (o->drop_swapper && fr->len[0] >= 7 &&
	    memcmp(fr->p[0], "swapper", 7) == 0)
		return E_OK;
	if ((rc = fl_tree_add(t, fr->p, fr->len, k, count)) != E_OK)
		return rc;
	st->lines++;
	st->samples += count;
	return E_OK;
bad:
	st->bad++;
	return E_OK;
}

/* Parse folded text; see flame.h. */
int
fl_folded_parse(struct fl_tree *t, const char *data, size_t len,
	const struct fl_folded_opts *o, struct fl_folded_stats *st)
{
	static const struct fl_folded_opts defaults;
	struct fl_folded_stats dummy;
	struct frames *fr;
	const char *p = data, *e = data + len, *nl;
	int rc = E_OK;

	if (!o)
		o = &defaults;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	fr = xmalloc(sizeof(*fr));
	while (p < e && rc == E_OK) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (!nl)
			nl = e;
		rc = parse_line(t, fr, p, (size_t)(nl - p), o, st);
		p = nl + 1;
	}
	free(fr);
	return rc;
}

/* The fields before the comm in a gProfiler profile's lines. */
unsigned
fl_gprofiler_skip(const void *header)
{
	json_t *h = (json_t *)header, *md, *ra, *v;
	const char *ver = NULL;
	unsigned skip = 1;

	if (!h)
		return 1;
	md = json_object_get(h, "metadata");
	ra = md ? json_object_get(md, "run_arguments") : NULL;
	v = ra ? json_object_get(ra, "profile_api_version") : NULL;
	if (json_is_string(v))
		ver = json_string_value(v);
	if (ver && strcmp(ver, "v1") == 0)
		return 0;
	if (json_is_true(json_object_get(h, "application_metadata_enabled")))
		skip++;
	return skip;
}
