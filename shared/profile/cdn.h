/*
 * cdn.h - the agents' flamegraph pages made to work offline.
 *
 * The page an agent builds loads seven files from five public CDNs (d3,
 * d3-tip, d3-flame-graph's script and style, bootstrap's style, and two
 * IE8 shims).  Where profiling runs without internet access that page is
 * blank.  ember ships the same libraries (installed from npm at pinned
 * versions under static/vendor/agent/) and rewrites exactly those URLs,
 * and nothing else, to its own copies when it serves the page.  A tag
 * whose URL was rewritten loses its integrity attribute (the local file
 * is the npm build, not the CDN's byte-for-byte copy) and its crossorigin
 * attribute (the page runs in a sandbox, an opaque origin, so a CORS
 * request for the local copy would fail); tags with any other URL keep
 * theirs.  The pages' toolbar links (Reset zoom, Clear, Search) are
 * href="javascript: NAME();", which Chromium does not follow in a frame
 * sandboxed without allow-same-origin: each such link (a bare call of a
 * global function, nothing else) becomes href="#" with an onclick that
 * calls window.NAME().
 *
 * Two npm releases differ from the CDN's: d3-flame-graph 2.0.3 and
 * html5shiv 3.7.2 were never published there, so 2.0.6 and 3.7.3 (the
 * same API) stand in.
 */
#ifndef EMBER_CDN_H
#define EMBER_CDN_H

#include "compat.h"

#include "buf.h"

/* The folder (under the web root) the local copies are served from. */
#define CDN_LOCAL_DIR "/vendor/agent/"

struct cdn_asset {
	const char *url;	/* exactly as the agents' pages write it */
	const char *local;	/* file name under CDN_LOCAL_DIR */
	const char *npm;	/* package@version it comes from */
	const char *path;	/* the file inside that package */
};

/* The known assets, terminated by an entry with url NULL. */
extern const struct cdn_asset cdn_assets[];

/* Whether html refers to any known CDN asset. */
bool cdn_refers(const char *html, size_t len);

/*
 * Append html to out with every known CDN URL replaced by prefix +
 * CDN_LOCAL_DIR + local name (prefix "" gives a root-relative URL) and
 * the integrity and crossorigin attributes of each tag so changed
 * removed, and the javascript: links above made onclick ones.  *count
 * gets the number of URLs and links replaced.  E_TOOBIG when out's cap
 * is passed.
 */
MUST_CHECK int cdn_rewrite(const char *html, size_t len, const char *prefix,
	struct buf *out, size_t *count);

#endif
