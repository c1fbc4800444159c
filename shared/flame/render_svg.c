/*
 * render_svg.c - the SVG, in the manner of flamegraph.pl: title, an
 * "all" frame, frames with a <title> tooltip, click to zoom, "Search"
 * (a regular expression, "Matched: x %"), "Reset Zoom", Ctrl-F and Esc,
 * inverted (icicle) or not, --minwidth pruning.  Each frame's position in
 * samples is kept in fg:x / fg:w attributes (our own namespace) so the
 * embedded script can zoom without re-parsing the labels.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "flame_int.h"
#include "flrender.h"
#include "mem.h"

#define FRAME_H 16
#define FONT_SIZE 12
#define FONT_WIDTH 0.59
#define XPAD 10
#define YPAD1 (FONT_SIZE * 3)
#define YPAD2 (FONT_SIZE * 2 + 10)

static const char svg_style[] =
	"<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
	"<stop stop-color=\"#eeeeee\" offset=\"5%\"/><stop stop-color=\"#eeeeb0\" "
	"offset=\"95%\"/></linearGradient></defs>\n"
	"<style type=\"text/css\">text{font-family:Verdana,sans-serif;font-size:12px;"
	"fill:rgb(0,0,0)}#search{opacity:0.1;cursor:pointer}#search:hover,#search.show"
	"{opacity:1}#subtitle{text-anchor:middle;fill:rgb(160,160,160)}#title{"
	"text-anchor:middle;font-size:17px}#unzoom{cursor:pointer}#frames>*:hover{"
	"stroke:black;stroke-width:0.5;cursor:pointer}.hide{display:none}"
	".parent{opacity:0.5}</style>\n";

/* The zoom/search script (static: no data in it). */
static const char svg_script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"'use strict';var FG='urn:ember:flamegraph',frames,details,unzoomBtn,searchBtn,matchedTxt,\n"
	" W,XP=10,FW=7.08,inv,total,zoomed=null;\n"
	"function init(evt){frames=document.getElementById('frames');details=document.getElementById('details').firstChild;\n"
	" unzoomBtn=document.getElementById('unzoom');searchBtn=document.getElementById('search');\n"
	" matchedTxt=document.getElementById('matched');var svg=document.documentElement;\n"
	" W=+svg.getAttribute('width');inv=svg.getAttributeNS(FG,'inverted')==='1';\n"
	" total=+svg.getAttributeNS(FG,'total');\n"
	" frames.addEventListener('click',function(e){var g=e.target.closest('g');if(g&&g!==frames)zoom(g);});\n"
	" frames.addEventListener('mouseover',function(e){var g=e.target.closest('g');if(g&&g!==frames)details.nodeValue=label(g);});\n"
	" frames.addEventListener('mouseout',function(){details.nodeValue=' ';});\n"
	" unzoomBtn.addEventListener('click',unzoom);searchBtn.addEventListener('click',searchPrompt);\n"
	" window.addEventListener('keydown',function(e){if((e.ctrlKey||e.metaKey)&&e.key==='f'){e.preventDefault();searchPrompt();}\n"
	"  else if(e.key==='Escape'){unzoom();reset();}});}\n"
	"function label(g){return g.querySelector('title').textContent;}\n"
	"function fname(g){var t=label(g),i=t.lastIndexOf(' (');return i>0?t.slice(0,i):t;}\n"
	"function fx(g){return +g.getAttributeNS(FG,'x');}function fw(g){return +g.getAttributeNS(FG,'w');}\n"
	"function place(g,x,w){var r=g.querySelector('rect'),t=g.querySelector('text');\n"
	" r.setAttribute('x',x.toFixed(2));r.setAttribute('width',Math.max(w,0).toFixed(2));\n"
	" t.setAttribute('x',(x+3).toFixed(2));var n=fname(g),m=Math.floor((w-3)/FW);\n"
	" t.textContent=m<3?'':n.length<=m?n:n.slice(0,m-2)+'..';}\n"
	"function zoom(node){var zx=fx(node),zw=fw(node),zy=+node.querySelector('rect').getAttribute('y'),\n"
	" sc=(W-2*XP)/zw;zoomed=node;unzoomBtn.classList.remove('hide');\n"
	" Array.prototype.forEach.call(frames.children,function(g){var x=fx(g),w=fw(g),\n"
	"  y=+g.querySelector('rect').getAttribute('y'),above=inv?y<zy:y>zy;g.classList.remove('hide','parent');\n"
	"  if(x+w<=zx||x>=zx+zw){g.classList.add('hide');return;}\n"
	"  if(above){g.classList.add('parent');place(g,XP,W-2*XP);return;}\n"
	"  place(g,XP+(x-zx)*sc,w*sc);});}\n"
	"function unzoom(){zoomed=null;unzoomBtn.classList.add('hide');var sc=(W-2*XP)/total;\n"
	" Array.prototype.forEach.call(frames.children,function(g){g.classList.remove('hide','parent');\n"
	"  place(g,XP+fx(g)*sc,fw(g)*sc);});}\n"
	"function searchPrompt(){var s=window.prompt('Enter a search term (regexp allowed)','');if(s)search(s);else reset();}\n"
	"function reset(){Array.prototype.forEach.call(frames.children,function(g){var r=g.querySelector('rect'),\n"
	"  o=r.getAttributeNS(FG,'fill');if(o){r.setAttribute('fill',o);r.removeAttributeNS(FG,'fill');}});\n"
	" searchBtn.classList.remove('show');searchBtn.firstChild.nodeValue='Search';matchedTxt.firstChild.nodeValue=' ';}\n"
	"function search(s){reset();var re;try{re=new RegExp(s);}catch(e){return;}var hits=[];\n"
	" Array.prototype.forEach.call(frames.children,function(g){if(g.getAttributeNS(FG,'all')||!re.test(fname(g)))return;\n"
	"  var r=g.querySelector('rect');r.setAttributeNS(FG,'fg:fill',r.getAttribute('fill'));\n"
	"  r.setAttribute('fill','rgb(230,0,230)');hits.push([fx(g),fw(g)]);});\n"
	" hits.sort(function(a,b){return a[0]-b[0]||b[1]-a[1];});var m=0,end=-1;\n"
	" hits.forEach(function(h){if(h[0]>=end){m+=h[1];end=h[0]+h[1];}});\n"
	" searchBtn.classList.add('show');searchBtn.firstChild.nodeValue='Reset Search';\n"
	" matchedTxt.firstChild.nodeValue='Matched: '+(total?(100*m/total).toFixed(1):'0')+'%';}\n"
	"]]></script>\n";

/* Append a non-negative number with two decimals. */
static int
add_fixed2(struct buf *b, double v)
{
	uint64_t c = v > 0 ? (uint64_t)(v * 100 + 0.5) : 0;
	char tmp[32];
	size_t i = sizeof(tmp);

	tmp[--i] = (char)('0' + c % 10);
	tmp[--i] = (char)('0' + c / 10 % 10);
	tmp[--i] = '.';
	c /= 100;
	do {
		tmp[--i] = (char)('0' + c % 10);
		c /= 10;
	} while (c);
	return buf_add(b, tmp + i, sizeof(tmp) - i);
}

/* 1234567 as 1,234,567 (as flamegraph.pl writes sample counts). */
static int
add_commas(struct buf *b, uint64_t v)
{
	char tmp[32];
	size_t i = sizeof(tmp);
	int k = 0;

	do {
		if (k && k % 3 == 0)
			tmp[--i] = ',';
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
		k++;
	} while (v);
	return buf_add(b, tmp + i, sizeof(tmp) - i);
}

struct swriter {
	const struct fl_tree *t;
	const struct fl_render_opts *o;
	struct buf *out;
	uint64_t *cur;		/* x cursor per depth, in width units */
	double scale;		/* px per width unit */
	double minwidth;
	uint64_t total;
	uint32_t maxdepth;
	unsigned height;
	int rc;
};

static uint64_t
width_of(const struct swriter *w, const struct fl_node *n)
{
	return w->o->diff ? fl_diff_width(w->t, n) : n->value;
}

/* First pass: the deepest frame that will be drawn. */
static bool
svg_depth(void *ctx, struct fl_node *n)
{
	struct swriter *w = ctx;

	if ((double)width_of(w, n) * w->scale < w->minwidth)
		return false;
	if (n->depth > w->maxdepth || w->maxdepth == UINT32_MAX)
		w->maxdepth = n->depth;
	return true;
}

static double
row_y(const struct swriter *w, int64_t depth)
{
	int64_t row = depth + 1;

	if (w->o->inverted)
		return YPAD1 + (double)(row * FRAME_H);
	return (double)w->height - YPAD2 - (double)((row + 1) * FRAME_H);
}

/* The label that fits in px pixels (UTF-8 safe), as flamegraph.pl. */
static int
add_label(struct buf *b, const char *s, size_t len, double px)
{
	size_t fit = px > 3 ? (size_t)((px - 3) / (FONT_SIZE * FONT_WIDTH)) : 0;
	size_t cut;

	if (fit < 3)
		return E_OK;
	if (len <= fit)
		return fl_xml_text(b, s, len);
	cut = fit - 2;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	if (fl_xml_text(b, s, cut) != E_OK)
		return E_TOOBIG;
	return FL_ADD(b, "..");
}

static int
frame(struct swriter *w, const struct fl_node *n, uint64_t x, uint64_t wid,
	int64_t depth, bool all)
{
	struct buf *b = w->out;
	double px = XPAD + (double)x * w->scale, pw = (double)wid * w->scale;
	double y = row_y(w, depth);
	uint8_t rgb[3];
	int rc = E_OK;

	if (all) {
		rgb[0] = 250; rgb[1] = 120; rgb[2] = 120;
		if (w->o->diff)
			fl_diff_rgb(w->o->palette, 10, rgb);
	} else if (w->o->diff) {
		fl_diff_rgb(w->o->palette,
			fl_diff_step(n, w->t->root.value, w->t->root.value2), rgb);
	} else {
		fl_frame_rgb(n, rgb);
	}
	rc = FL_ADD(b, "<g fg:x=\"");
	if (!rc) rc = fl_add_u64(b, x);
	if (!rc) rc = FL_ADD(b, "\" fg:w=\"");
	if (!rc) rc = fl_add_u64(b, wid);
	if (!rc && all) rc = FL_ADD(b, "\" fg:all=\"1");
	if (!rc) rc = FL_ADD(b, "\"><title>");
	if (!rc) rc = all ? FL_ADD(b, "all") : fl_xml_text(b, n->name, n->len);
	if (!rc && w->o->diff) {
		uint64_t bt = w->t->root.value, ct = w->t->root.value2;
		double bs = bt ? (double)n->value / (double)bt : 0;
		double cs = ct ? (double)n->value2 / (double)ct : 0;

		rc = FL_ADD(b, " (base ");
		if (!rc) rc = add_commas(b, n->value);
		if (!rc) rc = FL_ADD(b, ", compare ");
		if (!rc) rc = add_commas(b, n->value2);
		if (!rc) rc = FL_ADD(b, " samples, ");
		if (!rc && n->value == 0)
			rc = FL_ADD(b, "new");
		else if (!rc && n->value2 == 0)
			rc = FL_ADD(b, "gone");
		else if (!rc) {
			if (cs >= bs)
				rc = buf_addch(b, '+');
			else
				rc = buf_addch(b, '-');
			if (!rc) rc = add_fixed2(b, 100 * (cs > bs ? cs - bs : bs - cs) / bs);
			if (!rc) rc = buf_addch(b, '%');
		}
		if (!rc) rc = FL_ADD(b, ")</title>");
	} else if (!rc) {
		rc = FL_ADD(b, " (");
		if (!rc) rc = add_commas(b, n->value);
		if (!rc) rc = FL_ADD(b, " samples, ");
		if (!rc) rc = add_fixed2(b, w->t->root.value ?
			100.0 * (double)n->value / (double)w->t->root.value : 0);
		if (!rc) rc = FL_ADD(b, "%)</title>");
	}
	if (!rc) rc = FL_ADD(b, "<rect x=\"");
	if (!rc) rc = add_fixed2(b, px);
	if (!rc) rc = FL_ADD(b, "\" y=\"");
	if (!rc) rc = add_fixed2(b, y);
	if (!rc) rc = FL_ADD(b, "\" width=\"");
	if (!rc) rc = add_fixed2(b, pw);
	if (!rc) rc = FL_ADD(b, "\" height=\"15.0\" fill=\"rgb(");
	if (!rc) rc = fl_add_u64(b, rgb[0]);
	if (!rc) rc = buf_addch(b, ',');
	if (!rc) rc = fl_add_u64(b, rgb[1]);
	if (!rc) rc = buf_addch(b, ',');
	if (!rc) rc = fl_add_u64(b, rgb[2]);
	if (!rc) rc = FL_ADD(b, ")\" rx=\"2\" ry=\"2\"/><text x=\"");
	if (!rc) rc = add_fixed2(b, px + 3);
	if (!rc) rc = FL_ADD(b, "\" y=\"");
	if (!rc) rc = add_fixed2(b, y + 10.5);
	if (!rc) rc = FL_ADD(b, "\">");
	if (!rc) rc = all ? add_label(b, "all", 3, pw) :
		add_label(b, n->name, n->len, pw);
	if (!rc) rc = FL_ADD(b, "</text></g>\n");
	return rc;
}

static bool
svg_node(void *ctx, struct fl_node *n)
{
	struct swriter *w = ctx;
	uint64_t wid = width_of(w, n);
	uint64_t x;

	if (w->rc)
		return false;
	x = w->cur[n->depth];
	w->cur[n->depth] = x + wid;
	w->cur[n->depth + 1] = x;
	if ((double)wid * w->scale < w->minwidth)
		return false;
	w->rc = frame(w, n, x, wid, n->depth, false);
	return w->rc == E_OK;
}

/* The SVG; see flrender.h. */
int
fl_render_svg(const struct fl_tree *t, const struct fl_render_opts *o,
	struct buf *out)
{
	static const struct fl_render_opts defaults = { .inverted = true };
	struct swriter w;
	const char *title;
	unsigned width;
	int rc;

	if (!o)
		o = &defaults;
	memset(&w, 0, sizeof(w));
	w.t = t;
	w.o = o;
	w.out = out;
	width = o->width ? o->width : 1200;
	w.minwidth = o->minwidth > 0 ? o->minwidth : 0.1;
	w.total = o->diff ? fl_diff_width(t, &t->root) : t->root.value;
	w.scale = w.total ? (double)(width - 2 * XPAD) / (double)w.total : 0;
	w.maxdepth = UINT32_MAX;
	fl_walk((struct fl_node *)&t->root, svg_depth, &w);
	w.height = (unsigned)((w.maxdepth == UINT32_MAX ? 1 :
		(uint64_t)w.maxdepth + 2) * FRAME_H) + YPAD1 + YPAD2;
	title = o->title ? o->title : o->diff ? "Differential Flame Graph" :
		o->inverted ? "Icicle Graph" : "Flame Graph";

	rc = FL_ADD(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"");
	if (!rc) rc = fl_add_u64(out, width);
	if (!rc) rc = FL_ADD(out, "\" height=\"");
	if (!rc) rc = fl_add_u64(out, w.height);
	if (!rc) rc = FL_ADD(out, "\" onload=\"init(evt)\" viewBox=\"0 0 ");
	if (!rc) rc = fl_add_u64(out, width);
	if (!rc) rc = buf_addch(out, ' ');
	if (!rc) rc = fl_add_u64(out, w.height);
	if (!rc) rc = FL_ADD(out, "\" xmlns=\"http://www.w3.org/2000/svg\" "
		"xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
		"xmlns:fg=\"urn:ember:flamegraph\" fg:inverted=\"");
	if (!rc) rc = buf_addch(out, o->inverted ? '1' : '0');
	if (!rc) rc = FL_ADD(out, "\" fg:total=\"");
	if (!rc) rc = fl_add_u64(out, w.total);
	if (!rc) rc = FL_ADD(out, "\">\n");
	if (!rc) rc = FL_ADD(out, svg_style);
	if (!rc) rc = FL_ADD(out, svg_script);
	if (!rc) rc = FL_ADD(out, "<rect x=\"0.0\" y=\"0\" width=\"");
	if (!rc) rc = fl_add_u64(out, width);
	if (!rc) rc = FL_ADD(out, "\" height=\"");
	if (!rc) rc = fl_add_u64(out, w.height);
	if (!rc) rc = FL_ADD(out, "\" fill=\"url(#background)\"/>\n"
		"<text id=\"title\" x=\"");
	if (!rc) rc = add_fixed2(out, width / 2.0);
	if (!rc) rc = FL_ADD(out, "\" y=\"24\">");
	if (!rc) rc = fl_xml_text(out, title, strlen(title));
	if (!rc) rc = FL_ADD(out, "</text>\n");
	if (!rc && o->subtitle) {
		rc = FL_ADD(out, "<text id=\"subtitle\" x=\"");
		if (!rc) rc = add_fixed2(out, width / 2.0);
		if (!rc) rc = FL_ADD(out, "\" y=\"48\">");
		if (!rc) rc = fl_xml_text(out, o->subtitle, strlen(o->subtitle));
		if (!rc) rc = FL_ADD(out, "</text>\n");
	}
	if (!rc) rc = FL_ADD(out, "<text id=\"details\" x=\"10.00\" y=\"");
	if (!rc) rc = fl_add_u64(out, w.height - 17);
	if (!rc) rc = FL_ADD(out, "\"> </text>\n<text id=\"unzoom\" x=\"10.00\" "
		"y=\"24\" class=\"hide\">Reset Zoom</text>\n<text id=\"search\" x=\"");
	if (!rc) rc = fl_add_u64(out, width - 110);
	if (!rc) rc = FL_ADD(out, ".00\" y=\"24\">Search</text>\n"
		"<text id=\"matched\" x=\"");
	if (!rc) rc = fl_add_u64(out, width - 110);
	if (!rc) rc = FL_ADD(out, ".00\" y=\"");
	if (!rc) rc = fl_add_u64(out, w.height - 17);
	if (!rc) rc = FL_ADD(out, "\"> </text>\n<g id=\"frames\">\n");
	if (rc)
		return rc;
	if (w.total) {
		if ((rc = frame(&w, &t->root, 0, w.total, -1, true)) != E_OK)
			return rc;
		w.cur = xcalloc(FL_MAX_DEPTH + 2, sizeof(*w.cur));
		fl_walk((struct fl_node *)&t->root, svg_node, &w);
		free(w.cur);
		if ((rc = w.rc) != E_OK)
			return rc;
	}
	return FL_ADD(out, "</g>\n</svg>\n");
}
