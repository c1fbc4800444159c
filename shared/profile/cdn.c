/*
 * cdn.c - the agents' CDN URLs and their local copies; see cdn.h.
 */
#include "compat.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cdn.h"

const struct cdn_asset cdn_assets[] = {
	{ "https://maxcdn.bootstrapcdn.com/bootstrap/3.3.7/css/bootstrap.min.css",
	  "bootstrap-3.3.7.min.css", "bootstrap@3.3.7", "dist/css/bootstrap.min.css" },
	{ "https://cdn.jsdelivr.net/gh/spiermar/d3-flame-graph@2.0.3/dist/d3-flamegraph.css",
	  "d3-flamegraph-2.0.6.css", "d3-flame-graph@2.0.6", "dist/d3-flamegraph.css" },
	{ "https://cdn.jsdelivr.net/gh/spiermar/d3-flame-graph@2.0.3/dist/d3-flamegraph.min.js",
	  "d3-flamegraph-2.0.6.min.js", "d3-flame-graph@2.0.6", "dist/d3-flamegraph.min.js" },
	{ "https://oss.maxcdn.com/html5shiv/3.7.2/html5shiv.min.js",
	  "html5shiv-3.7.3.min.js", "html5shiv@3.7.3", "dist/html5shiv.min.js" },
	{ "https://oss.maxcdn.com/respond/1.4.2/respond.min.js",
	  "respond-1.4.2.min.js", "respond.js@1.4.2", "dest/respond.min.js" },
	{ "https://d3js.org/d3.v4.min.js",
	  "d3-4.13.0.min.js", "d3@4.13.0", "build/d3.min.js" },
	{ "https://cdnjs.cloudflare.com/ajax/libs/d3-tip/0.9.1/d3-tip.min.js",
	  "d3-tip-0.9.1.js", "d3-tip@0.9.1", "dist/index.js" },
	{ NULL, NULL, NULL, NULL },
};

/* The asset whose URL starts at p (with n bytes left), or NULL. */
static const struct cdn_asset *
match_at(const char *p, size_t n)
{
	const struct cdn_asset *a;

	if (n < 8 || memcmp(p, "https://", 8) != 0)
		return NULL;
	for (a = cdn_assets; a->url; a++) {
		size_t ul = strlen(a->url);

		if (ul <= n && memcmp(p, a->url, ul) == 0)
			return a;
	}
	return NULL;
}

bool
cdn_refers(const char *html, size_t len)
{
	const char *p = html, *end = html + len;

	while ((p = memmem(p, (size_t)(end - p), "https://", 8)) != NULL) {
		if (match_at(p, (size_t)(end - p)))
			return true;
		p += 8;
	}
	return false;
}

/*
 * The attributes a rewritten tag loses: integrity (the local file is the
 * npm build, not the CDN's bytes) and crossorigin (it would make the
 * request a CORS one, which the sandboxed page's opaque origin fails
 * against a server that sends no Access-Control-Allow-Origin).
 */
static const char *const dropped_attrs[] = { "integrity", "crossorigin", NULL };

/*
 * The length of a dropped attribute (with its leading space, and its
 * "= value" if any) at p, or 0.
 */
static size_t
dropped_attr_at(const char *p, const char *end)
{
	const char *q = p, *bare;
	const char *const *name;
	size_t n = 0;

	if (q >= end || !isspace((unsigned char)*q))
		return 0;
	while (q < end && isspace((unsigned char)*q))
		q++;
	for (name = dropped_attrs; *name; name++) {
		n = strlen(*name);
		if ((size_t)(end - q) >= n && strncasecmp(q, *name, n) == 0 &&
		    (q + n == end || isspace((unsigned char)q[n]) ||
		    q[n] == '=' || q[n] == '>' || q[n] == '/'))
			break;
	}
	if (!*name)
		return 0;
	q += n;
	bare = q;	/* where a valueless attribute ends */
	while (q < end && isspace((unsigned char)*q))
		q++;
	if (q >= end || *q != '=')
		return (size_t)(bare - p);
	q++;
	while (q < end && isspace((unsigned char)*q))
		q++;
	if (q < end && (*q == '"' || *q == '\'')) {
		const char *close = memchr(q + 1, *q, (size_t)(end - q - 1));

		if (!close)
			return 0;
		q = close + 1;
	} else {
		while (q < end && !isspace((unsigned char)*q) && *q != '>')
			q++;
	}
	return (size_t)(q - p);
}

/* Append [s, e) with known URLs replaced; in a tag, dropped_attrs dropped. */
static int
emit(struct buf *out, const char *s, const char *e, bool tag,
	const char *prefix, size_t *count)
{
	int rc = E_OK;

	while (s < e && rc == E_OK) {
		const struct cdn_asset *a = match_at(s, (size_t)(e - s));
		size_t skip;

		if (a) {
			rc = buf_addf(out, "%s%s%s", prefix, CDN_LOCAL_DIR, a->local);
			s += strlen(a->url);
			(*count)++;
		} else if (tag && (skip = dropped_attr_at(s, e)) > 0) {
			s += skip;
		} else {
			rc = buf_add(out, s, 1);
			s++;
		}
	}
	return rc;
}

/* How the agents' pages write their toolbar links' targets. */
#define JS_HREF "href=\"javascript:"

/*
 * The length of a link target JS_HREF "NAME();" (spaces allowed around,
 * the ';' optional) at p, with *name and *nlen set; 0 for anything else.
 */
static size_t
js_link_at(const char *p, const char *end, const char **name, size_t *nlen)
{
	const char *q = p + strlen(JS_HREF);

	while (q < end && *q == ' ')
		q++;
	*name = q;
	while (q < end && (isalnum((unsigned char)*q) || *q == '_' || *q == '$'))
		q++;
	*nlen = (size_t)(q - *name);
	if (!*nlen || isdigit((unsigned char)**name) || end - q < 3 ||
	    memcmp(q, "()", 2) != 0)
		return 0;
	q += 2;
	if (q < end && *q == ';')
		q++;
	while (q < end && *q == ' ')
		q++;
	if (q >= end || *q != '"')
		return 0;
	return (size_t)(q + 1 - p);
}

/* The next needle in [p, end), or NULL; *at caches it while still ahead. */
static const char *
next_of(const char *p, const char *end, const char *needle, const char **at)
{
	if (*at == end || (*at && *at >= p))
		return *at == end ? NULL : *at;
	*at = memmem(p, (size_t)(end - p), needle, strlen(needle));
	if (!*at)
		*at = end;
	return *at == end ? NULL : *at;
}

int
cdn_rewrite(const char *html, size_t len, const char *prefix, struct buf *out,
	size_t *count)
{
	const char *p = html, *end = html + len, *done = html;
	const char *url_at = NULL, *js_at = NULL;
	size_t start_len = out->len;
	int rc = E_OK;

	*count = 0;
	while (rc == E_OK) {
		const char *u = next_of(p, end, "https://", &url_at);
		const char *j = next_of(p, end, JS_HREF, &js_at);
		const struct cdn_asset *a;
		const char *lt, *gt, *b, *name;
		size_t n, nlen;

		if (j && (!u || j < u)) {
			n = js_link_at(j, end, &name, &nlen);
			p = j + (n ? n : strlen(JS_HREF));
			if (!n)
				continue;
			rc = buf_add(out, done, (size_t)(j - done));
			if (rc == E_OK)
				rc = buf_addf(out, "href=\"#\" onclick=\"window.%.*s();"
					"return false\"", (int)nlen, name);
			(*count)++;
			done = p;
			continue;
		}
		if (!u)
			break;
		p = u;
		a = match_at(p, (size_t)(end - p));
		if (!a) {
			p += 8;
			continue;
		}
		/* the tag around the URL: the nearest '<' before it, no '>' between */
		lt = NULL;
		for (b = p; b > done; b--) {
			if (b[-1] == '>')
				break;
			if (b[-1] == '<') {
				lt = b - 1;
				break;
			}
		}
		gt = memchr(p, '>', (size_t)(end - p));
		if (lt && gt) {
			rc = buf_add(out, done, (size_t)(lt - done));
			if (rc == E_OK)
				rc = emit(out, lt, gt, true, prefix, count);
			done = p = gt;
		} else {
			rc = buf_add(out, done, (size_t)(p - done));
			if (rc == E_OK)
				rc = emit(out, p, p + strlen(a->url), false, prefix, count);
			done = p = p + strlen(a->url);
		}
	}
	if (rc == E_OK)
		rc = buf_add(out, done, (size_t)(end - done));
	if (rc != E_OK)
		buf_truncate(out, start_len);
	return rc;
}
