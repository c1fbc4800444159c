/*
 * flrender.h - the flamegraph renderer: a self-contained HTML page and
 * an SVG in the manner of flamegraph.pl, from a finished tree.
 *
 * Both outputs need nothing from any other origin: CSS, JavaScript and
 * data are inline.  Both use one palette (a colour range per language,
 * the shade picked by a hash of the frame name, so the same input always
 * gives the same colours) and, for diffs, one diverging scale: red for
 * frames whose share of the total grew, blue for those that shrank, or
 * blue/orange with FL_PAL_CB (safe for red-green colour blindness).
 *
 * Every frame name is escaped: JSON in a <script type="application/json">
 * block with '<', '>' and '&' escaped (so "</script>" and "<!--" cannot
 * end it; U+2028/9 and invalid UTF-8 are escaped too), and XML text in the
 * SVG with invalid UTF-8 and characters XML forbids replaced by U+FFFD.
 *
 * Errors: E_TOOBIG when out's cap is passed (out is then partly written).
 */
#ifndef EMBER_FLRENDER_H
#define EMBER_FLRENDER_H

#include "compat.h"

#include "buf.h"
#include "flame.h"

enum fl_palette {
	FL_PAL_DEFAULT = 0,	/* diffs: red grew, blue shrank */
	FL_PAL_CB,		/* diffs: orange grew, blue shrank */
};

struct fl_render_opts {
	const char *title;	/* NULL: "Flame Graph", "Icicle Graph", "Diff" */
	const char *subtitle;	/* NULL: none */
	bool inverted;		/* icicle (roots on top); the HTML toggles it */
	bool diff;		/* value = base side, value2 = compare side */
	int palette;		/* enum fl_palette */
	double minwidth;	/* SVG: frames narrower (px) are left out; 0 = 0.1 */
	unsigned width;		/* SVG: image width px; 0 = 1200 */
};

/* The HTML page for t (finished).  o NULL: defaults. */
MUST_CHECK int fl_render_html(const struct fl_tree *t,
	const struct fl_render_opts *o, struct buf *out);
/* The SVG for t (finished).  o NULL: defaults. */
MUST_CHECK int fl_render_svg(const struct fl_tree *t,
	const struct fl_render_opts *o, struct buf *out);

/*
 * For the workers: the HTML page of a gProfiler profile (the gunzipped
 * file: "# {json}" header, then "[idx;]container;comm;frames count"
 * lines), built from its stacks.  header is the parsed header (json_t *,
 * NULL if none), title the page title (hostname, file name...).  Limits:
 * FL_DEFAULT_BUILD_CAP frames, and out's cap for the page.  E_NOTFOUND
 * when the file holds no stack at all.
 */
MUST_CHECK int fl_render_html_from_profile(const char *data, size_t len,
	const void *header, const char *title, struct buf *out);

/* Append s as XML/HTML text (escaped, valid UTF-8, XML-legal characters). */
MUST_CHECK int fl_xml_text(struct buf *out, const char *s, size_t len);

/* The rgb colour of a frame: palette slot of its language, shade by name. */
void fl_frame_rgb(const struct fl_node *n, uint8_t rgb[3]);
/*
 * The diff colour step 0..20 of a node (10 = no change in share, 0 = gone
 * or shrank the most, 20 = new or grew the most), given the two totals.
 */
int fl_diff_step(const struct fl_node *n, uint64_t base_total,
	uint64_t cmp_total);
/* The rgb of a diff step in a palette. */
void fl_diff_rgb(int palette, int step, uint8_t rgb[3]);

#endif
