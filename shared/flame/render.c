/*
 * render.c - the palette, XML text escaping and the self-contained HTML
 * page.
 *
 * The page carries the tree as compact JSON in a <script
 * type="application/json"> block: a table of unique names and one flat
 * array of numbers, four per frame in pre-order (name index, width value,
 * depth, colour index; six for diffs: + base, compare).  The script lays
 * it out once and draws on a canvas, so 100,000 frames stay responsive
 * (a DOM or SVG element per frame does not).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "flame_int.h"
#include "flrender.h"
#include "mem.h"

/* ------------------------------------------------------------ colours */

#define SHADES 8
#define SLOT_JAVA_INL FL_LANG_COUNT
#define SLOTS (FL_LANG_COUNT + 1)

/* Per slot: r0, r range, g0, g range, b0, b range. */
static const uint8_t ranges[SLOTS][6] = {
	[FL_OTHER] = { 200, 55, 50, 80, 50, 80 },	/* red */
	[FL_JAVA] = { 50, 60, 200, 55, 50, 60 },	/* green */
	[FL_PYTHON] = { 80, 60, 80, 60, 190, 55 },	/* blue */
	[FL_PHP] = { 150, 40, 130, 40, 200, 40 },	/* lavender */
	[FL_RUBY] = { 190, 40, 40, 40, 60, 40 },	/* crimson */
	[FL_NODE] = { 40, 40, 170, 50, 150, 50 },	/* teal */
	[FL_CPP] = { 175, 55, 175, 55, 50, 20 },	/* yellow */
	[FL_GO] = { 190, 65, 80, 60, 190, 65 },		/* purple */
	[FL_KERNEL] = { 190, 65, 90, 65, 0, 0 },	/* orange */
	[FL_DOTNET] = { 120, 50, 80, 40, 200, 55 },	/* violet */
	[SLOT_JAVA_INL] = { 50, 60, 165, 55, 165, 55 },	/* aqua */
};

static void
slot_rgb(int slot, int shade, uint8_t rgb[3])
{
	const uint8_t *r = ranges[slot];
	int i;

	for (i = 0; i < 3; i++)
		rgb[i] = (uint8_t)(r[2 * i] + r[2 * i + 1] * shade / (SHADES - 1));
}

/* The palette slot and shade of a frame, as one index. */
static int
frame_col(const struct fl_node *n)
{
	int slot = n->special == FL_SP_JAVA_INL ? SLOT_JAVA_INL :
		n->lang < FL_LANG_COUNT ? n->lang : FL_OTHER;

	return slot * SHADES + (int)(fl_hash(n->name, n->len, 0) >> 61);
}

void
fl_frame_rgb(const struct fl_node *n, uint8_t rgb[3])
{
	int c = frame_col(n);

	slot_rgb(c / SHADES, c % SHADES, rgb);
}

int
fl_diff_step(const struct fl_node *n, uint64_t bt, uint64_t ct)
{
	double bs = bt ? (double)n->value / (double)bt : 0;
	double cs = ct ? (double)n->value2 / (double)ct : 0;
	double r;

	if (bs == 0 && cs == 0)
		return 10;
	if (bs == 0)
		return 20;
	if (cs == 0)
		return 0;
	r = (cs - bs) / (cs > bs ? cs : bs);
	return 10 + (int)(r * 10 + (r < 0 ? -0.5 : 0.5));
}

void
fl_diff_rgb(int palette, int step, uint8_t rgb[3])
{
	static const uint8_t mid[3] = { 235, 235, 235 };
	static const uint8_t up[2][3] = { { 220, 40, 40 }, { 230, 120, 0 } };
	static const uint8_t down[2][3] = { { 40, 80, 220 }, { 30, 90, 200 } };
	const uint8_t *to;
	double t;
	int i;

	if (step < 0)
		step = 0;
	if (step > 20)
		step = 20;
	palette = palette == FL_PAL_CB;
	to = step >= 10 ? up[palette] : down[palette];
	t = (double)(step < 10 ? 10 - step : step - 10) / 10.0;
	for (i = 0; i < 3; i++)
		rgb[i] = (uint8_t)(mid[i] + (to[i] - mid[i]) * t + 0.5);
}

/* The node's colour index into the page's palette array. */
static int
col_index(const struct fl_tree *t, const struct fl_node *n,
	const struct fl_render_opts *o)
{
	if (o->diff)
		return fl_diff_step(n, t->root.value, t->root.value2);
	return frame_col(n);
}

/* A diff frame's width; see flame_int.h. */
uint64_t
fl_diff_width(const struct fl_tree *t, const struct fl_node *n)
{
	double w = 0;

	if (t->root.value)
		w += (double)n->value / (double)t->root.value;
	if (t->root.value2)
		w += (double)n->value2 / (double)t->root.value2;
	return (uint64_t)(w * 5e8 + 0.5);
}

/* ------------------------------------------------------------- text */

/* The length of one valid UTF-8 sequence at p (XML-legal), 0 if bad. */
static size_t
utf8_char(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t k, i;

	if (p[0] < 0x80)
		return (p[0] >= 0x20 || p[0] == '\t' || p[0] == '\n' ||
			p[0] == '\r') ? 1 : 0;
	if ((p[0] & 0xe0) == 0xc0)
		k = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		k = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		k = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return k;
}

/* XML text; see flrender.h. */
int
fl_xml_text(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, k;
	int rc = E_OK;

	while (i < len && rc == E_OK) {
		for (run = i; run < len && p[run] >= 0x20 && p[run] < 0x80 &&
		     p[run] != '&' && p[run] != '<' && p[run] != '>' &&
		     p[run] != '"' && p[run] != '\''; run++)
			;
		if (run > i) {
			rc = buf_add(out, s + i, run - i);
			i = run;
			continue;
		}
		switch (p[i]) {
		case '&': rc = FL_ADD(out, "&amp;"); k = 1; break;
		case '<': rc = FL_ADD(out, "&lt;"); k = 1; break;
		case '>': rc = FL_ADD(out, "&gt;"); k = 1; break;
		case '"': rc = FL_ADD(out, "&quot;"); k = 1; break;
		case '\'': rc = FL_ADD(out, "&#39;"); k = 1; break;
		default:
			k = utf8_char(p + i, len - i);
			if (k == 0) {
				rc = FL_ADD(out, "\xef\xbf\xbd");
				k = 1;
			} else {
				rc = buf_add(out, s + i, k);
			}
		}
		i += k;
	}
	return rc;
}

/* ------------------------------------------------------------- HTML */

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	"style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
	"<title>";

static const char html_style[] =
	"</title><style>\n"
	"body{margin:0;font:13px system-ui,sans-serif;background:#fafafa;color:#222}\n"
	"header{display:flex;flex-wrap:wrap;gap:8px;align-items:center;padding:8px 10px;"
	"border-bottom:1px solid #ddd;background:#fff;position:sticky;top:0;z-index:2}\n"
	"h1{font-size:15px;margin:0 12px 0 0}#fl-sub{color:#666}\n"
	"input{font:inherit;padding:3px 6px;width:18em}button{font:inherit}\n"
	"#fl-matched{color:#a0a;min-width:9em}#fl-info{color:#666;margin-left:auto}\n"
	"#fl-wrap{position:relative;padding:0 10px}canvas{display:block;width:100%}\n"
	"#fl-tip{position:fixed;pointer-events:none;background:#fff;border:1px solid #999;"
	"padding:4px 6px;font:12px monospace;max-width:60em;overflow-wrap:anywhere;"
	"display:none;z-index:3;box-shadow:0 1px 4px rgba(0,0,0,.2)}\n"
	"#fl-legend span{display:inline-block;width:10px;height:10px;margin:0 3px 0 8px}\n"
	"</style></head><body>\n<header><h1 id=\"fl-title\">";

static const char html_mid[] =
	"<input id=\"fl-search\" type=\"search\" placeholder=\"Search (regular expression)\""
	" aria-label=\"Search\"><button id=\"fl-reset\" type=\"button\">Reset zoom</button>"
	"<button id=\"fl-invert\" type=\"button\">Flame / icicle</button>"
	"<span id=\"fl-matched\"></span><span id=\"fl-legend\"></span>"
	"<span id=\"fl-info\">click: zoom, / search, Esc reset, i invert</span></header>\n"
	"<div id=\"fl-wrap\"><canvas id=\"fl-canvas\" height=\"10\"></canvas></div>"
	"<div id=\"fl-tip\"></div>\n<script type=\"application/json\" id=\"fl-data\">";

/*
 * The viewer.  D = {title, diff, inverted, total, bt, ct, pal, names,
 * nodes}; nodes is flat, K numbers per frame in pre-order.
 */
static const char html_script[] =
	"</script>\n<script>\n"
	"(function(){'use strict';\n"
	"var D=JSON.parse(document.getElementById('fl-data').textContent);\n"
	"var K=D.diff?6:4,N=D.nodes,n=N.length/K,names=D.names,pal=D.pal;\n"
	"var X=new Float64Array(n),END=new Int32Array(n),PAR=new Int32Array(n),maxD=0;\n"
	"(function(){var cur=[0],st=[];for(var i=0;i<n;i++){var d=N[i*K+2];\n"
	" while(st.length&&N[st[st.length-1]*K+2]>=d)END[st.pop()]=i;\n"
	" PAR[i]=st.length?st[st.length-1]:-1;X[i]=cur[d]||0;cur[d]=X[i]+N[i*K+1];cur[d+1]=X[i];\n"
	" st.push(i);if(d>maxD)maxD=d;}while(st.length)END[st.pop()]=n;})();\n"
	"var H=18,ROWS=Math.min(maxD+2,1800),cv=document.getElementById('fl-canvas'),\n"
	" cx=cv.getContext('2d'),tip=document.getElementById('fl-tip'),\n"
	" q=document.getElementById('fl-search'),mt=document.getElementById('fl-matched');\n"
	"var zoom=-1,inv=!!D.inverted,hit=null,W=0,vis=[];\n"
	"function fmt(v){return Math.round(v).toLocaleString('en-US');}\n"
	"function pct(a,b){return b?(100*a/b).toFixed(2)+' %':'0 %';}\n"
	"function rowY(d){var r=d+1;return inv?r*H:(ROWS-1-r)*H;}\n"
	"function draw(){var dpr=window.devicePixelRatio||1;W=cv.clientWidth||800;\n"
	" cv.width=W*dpr;cv.height=ROWS*H*dpr;cv.style.height=ROWS*H+'px';\n"
	" cx.setTransform(dpr,0,0,dpr,0,0);cx.clearRect(0,0,W,ROWS*H);\n"
	" cx.font='12px monospace';cx.textBaseline='middle';\n"
	" var cw=cx.measureText('m').width||7,x0=0,w=D.total,lo=0,hi=n;vis=[];\n"
	" if(zoom>=0){x0=X[zoom];w=N[zoom*K+1];lo=zoom;hi=END[zoom];}\n"
	" function box(i,px,pw,d,label,fill){var y=rowY(d);cx.fillStyle=fill;\n"
	"  cx.fillRect(px,y+1,Math.max(pw-1,0.5),H-2);vis.push([i,px,pw,d]);\n"
	"  if(pw>cw*3+6){var s=label,m=Math.floor((pw-6)/cw);if(s.length>m)s=s.slice(0,m-2)+'..';\n"
	"   cx.fillStyle='#000';cx.fillText(s,px+3,y+H/2);}}\n"
	" box(-1,0,W,-1,'all ('+fmt(D.diff?D.ct:D.total)+' samples)',zoom>=0?'#ddd':'#eee');\n"
	" for(var a=zoom>=0?PAR[zoom]:-1,an=[];a>=0;a=PAR[a])an.push(a);\n"
	" for(var j=0;j<an.length;j++){var i=an[j];box(i,0,W,N[i*K+2],names[N[i*K]],'#ddd');}\n"
	" for(var i=lo;i<hi;i++){var pw=N[i*K+1]/w*W;\n"
	"  if(pw<0.3){i=END[i]-1;continue;}var d=N[i*K+2];if(d+1>=ROWS){continue;}\n"
	"  box(i,(X[i]-x0)/w*W,pw,d,names[N[i*K]],hit&&hit[i]?'#e040e0':pal[N[i*K+3]]);}}\n"
	"function search(){var s=q.value;hit=null;mt.textContent='';\n"
	" if(s){var re;try{re=new RegExp(s);}catch(e){re=new RegExp(s.replace(/[.*+?^${}()|[\\]\\\\]/g,'\\\\$&'));}\n"
	"  hit=new Uint8Array(n);var m=0,tot=0;for(var i=0;i<n;i++){if(N[i*K+2]===0)tot+=N[i*K+1];}\n"
	"  for(var i=0;i<n;i++){if(re.test(names[N[i*K]])){m+=N[i*K+1];for(var k=i;k<END[i];k++)hit[k]=1;i=END[i]-1;}}\n"
	"  mt.textContent='matched: '+pct(m,tot||D.total);}draw();}\n"
	"function at(ev){var r=cv.getBoundingClientRect(),x=ev.clientX-r.left,y=ev.clientY-r.top;\n"
	" for(var j=vis.length-1;j>=0;j--){var v=vis[j],vy=rowY(v[3]);\n"
	"  if(y>=vy&&y<vy+H&&x>=v[1]&&x<v[1]+v[2])return v;}return null;}\n"
	"function tipText(i){if(i<0)return 'all: '+fmt(D.diff?D.ct:D.total)+' samples';\n"
	" var s=names[N[i*K]]+'\\n';if(D.diff){var b=N[i*K+4],c=N[i*K+5],bs=D.bt?b/D.bt:0,cs=D.ct?c/D.ct:0;\n"
	"  s+='base: '+fmt(b)+' samples ('+pct(b,D.bt)+')\\ncompare: '+fmt(c)+' samples ('+pct(c,D.ct)+')\\n';\n"
	"  s+=!b?'new':!c?'gone':'change: '+(cs>=bs?'+':'')+(100*(cs-bs)/bs).toFixed(2)+' %';return s;}\n"
	" var v=N[i*K+1];s+=fmt(v)+' samples ('+pct(v,D.total)+')';\n"
	" if(zoom>=0&&i!==zoom)s+=', '+pct(v,N[zoom*K+1])+' of the zoomed frame';return s;}\n"
	"cv.addEventListener('mousemove',function(ev){var v=at(ev);if(!v){tip.style.display='none';return;}\n"
	" tip.textContent=tipText(v[0]);tip.style.whiteSpace='pre-wrap';tip.style.display='block';\n"
	" tip.style.left=Math.min(ev.clientX+12,window.innerWidth-tip.offsetWidth-4)+'px';\n"
	" tip.style.top=(ev.clientY+14)+'px';});\n"
	"cv.addEventListener('mouseleave',function(){tip.style.display='none';});\n"
	"cv.addEventListener('click',function(ev){var v=at(ev);if(!v)return;zoom=v[0];draw();});\n"
	"document.getElementById('fl-reset').onclick=function(){zoom=-1;draw();};\n"
	"document.getElementById('fl-invert').onclick=function(){inv=!inv;draw();};\n"
	"q.addEventListener('input',search);\n"
	"document.addEventListener('keydown',function(ev){\n"
	" if(ev.key==='Escape'){zoom=-1;q.value='';search();q.blur();return;}\n"
	" if(ev.target===q)return;\n"
	" if(ev.key==='/'||((ev.ctrlKey||ev.metaKey)&&ev.key==='f')){ev.preventDefault();q.focus();}\n"
	" else if(ev.key==='i'){inv=!inv;draw();}else if(ev.key==='r'){zoom=-1;draw();}});\n"
	"if(D.diff){var lg=document.getElementById('fl-legend');\n"
	" [[0,'shrank / gone'],[10,'same'],[20,'grew / new']].forEach(function(e){\n"
	"  var s=document.createElement('span');s.style.background=pal[e[0]];lg.appendChild(s);\n"
	"  lg.appendChild(document.createTextNode(e[1]));});}\n"
	"window.addEventListener('resize',draw);draw();\n"
	"window.flamegraph={zoom:function(i){zoom=i;draw();},search:function(s){q.value=s;search();},\n"
	" names:names,count:n};\n"
	"})();\n</script></body></html>\n";

struct hwriter {
	const struct fl_tree *t;
	const struct fl_render_opts *o;
	struct fl_map names;
	struct buf *nodes;
	int rc;
};

static bool
html_node(void *ctx, struct fl_node *n)
{
	struct hwriter *w = ctx;
	struct buf *b = w->nodes;
	size_t ix = fl_map_put(&w->names, n->name, n->len, NULL);
	uint64_t width = w->o->diff ? fl_diff_width(w->t, n) : n->value;

	if (w->rc)
		return false;
	if ((b->len && (w->rc = buf_addch(b, ',')) != E_OK) ||
	    (w->rc = fl_add_u64(b, ix)) != E_OK ||
	    (w->rc = buf_addch(b, ',')) != E_OK ||
	    (w->rc = fl_add_u64(b, width)) != E_OK ||
	    (w->rc = buf_addch(b, ',')) != E_OK ||
	    (w->rc = fl_add_u64(b, n->depth)) != E_OK ||
	    (w->rc = buf_addch(b, ',')) != E_OK ||
	    (w->rc = fl_add_u64(b, (uint64_t)col_index(w->t, n, w->o))) != E_OK)
		return false;
	if (w->o->diff &&
	    ((w->rc = buf_addch(b, ',')) != E_OK ||
	     (w->rc = fl_add_u64(b, n->value)) != E_OK ||
	     (w->rc = buf_addch(b, ',')) != E_OK ||
	     (w->rc = fl_add_u64(b, n->value2)) != E_OK))
		return false;
	return true;
}

static int
add_hex(struct buf *b, const uint8_t rgb[3])
{
	static const char hex[] = "0123456789abcdef";
	char s[9];
	int i;

	s[0] = '"';
	s[1] = '#';
	for (i = 0; i < 3; i++) {
		s[2 + 2 * i] = hex[rgb[i] >> 4];
		s[3 + 2 * i] = hex[rgb[i] & 15];
	}
	s[8] = '"';
	return buf_add(b, s, 9);
}

static int
html_palette(const struct fl_render_opts *o, struct buf *out)
{
	uint8_t rgb[3];
	int i, k, rc = FL_ADD(out, ",\"pal\":[");

	k = o->diff ? 21 : SLOTS * SHADES;
	for (i = 0; i < k && rc == E_OK; i++) {
		if (o->diff)
			fl_diff_rgb(o->palette, i, rgb);
		else
			slot_rgb(i / SHADES, i % SHADES, rgb);
		if (i)
			rc = buf_addch(out, ',');
		if (rc == E_OK)
			rc = add_hex(out, rgb);
	}
	return rc ? rc : buf_addch(out, ']');
}

static const char *
default_title(const struct fl_render_opts *o)
{
	if (o->title)
		return o->title;
	if (o->diff)
		return "Differential Flame Graph";
	return o->inverted ? "Icicle Graph" : "Flame Graph";
}

/* The HTML page; see flrender.h. */
int
fl_render_html(const struct fl_tree *t, const struct fl_render_opts *o,
	struct buf *out)
{
	static const struct fl_render_opts defaults = { .inverted = true };
	struct hwriter w;
	struct buf nodes = BUF_INIT(out->max);
	const char *title;
	size_t i;
	int rc;

	if (!o)
		o = &defaults;
	title = default_title(o);
	memset(&w, 0, sizeof(w));
	w.t = t;
	w.o = o;
	w.nodes = &nodes;
	fl_map_init(&w.names);
	fl_walk((struct fl_node *)&t->root, html_node, &w);
	if ((rc = w.rc) != E_OK)
		goto out;
	if ((rc = FL_ADD(out, html_head)) != E_OK ||
	    (rc = fl_xml_text(out, title, strlen(title))) != E_OK ||
	    (rc = FL_ADD(out, html_style)) != E_OK ||
	    (rc = fl_xml_text(out, title, strlen(title))) != E_OK ||
	    (rc = FL_ADD(out, "</h1><span id=\"fl-sub\">")) != E_OK ||
	    (o->subtitle && (rc = fl_xml_text(out, o->subtitle,
		strlen(o->subtitle))) != E_OK) ||
	    (rc = FL_ADD(out, "</span>")) != E_OK ||
	    (rc = FL_ADD(out, html_mid)) != E_OK)
		goto out;
	if ((rc = FL_ADD(out, "{\"diff\":")) != E_OK ||
	    (rc = buf_addstr(out, o->diff ? "true" : "false")) != E_OK ||
	    (rc = FL_ADD(out, ",\"inverted\":")) != E_OK ||
	    (rc = buf_addstr(out, o->inverted ? "true" : "false")) != E_OK ||
	    (rc = FL_ADD(out, ",\"total\":")) != E_OK ||
	    (rc = fl_add_u64(out, o->diff ? fl_diff_width(t, &t->root) :
		t->root.value)) != E_OK ||
	    (rc = FL_ADD(out, ",\"bt\":")) != E_OK ||
	    (rc = fl_add_u64(out, t->root.value)) != E_OK ||
	    (rc = FL_ADD(out, ",\"ct\":")) != E_OK ||
	    (rc = fl_add_u64(out, o->diff ? t->root.value2 :
		t->root.value)) != E_OK ||
	    (rc = html_palette(o, out)) != E_OK ||
	    (rc = FL_ADD(out, ",\"names\":[")) != E_OK)
		goto out;
	for (i = 0; i < w.names.n && rc == E_OK; i++) {
		if (i)
			rc = buf_addch(out, ',');
		if (rc == E_OK)
			rc = fl_json_str(out, w.names.keys[i], w.names.lens[i],
				true);
	}
	if (rc != E_OK ||
	    (rc = FL_ADD(out, "],\"nodes\":[")) != E_OK ||
	    (rc = buf_add(out, nodes.data, nodes.len)) != E_OK ||
	    (rc = FL_ADD(out, "]}")) != E_OK ||
	    (rc = FL_ADD(out, html_script)) != E_OK)
		goto out;
out:
	fl_map_release(&w.names);
	buf_release(&nodes);
	return rc;
}

/* The workers' page for a profile without one. */
int
fl_render_html_from_profile(const char *data, size_t len, const void *header,
	const char *title, struct buf *out)
{
	struct arena a;
	struct fl_tree t;
	struct fl_folded_opts fo = { 0, 0, false };
	struct fl_render_opts ro = { .inverted = true };
	int rc;

	arena_init(&a, 0);
	fl_tree_init(&t, &a, 0);
	fo.skip_fields = fl_gprofiler_skip(header);
	ro.title = title;
	if ((rc = fl_folded_parse(&t, data, len, &fo, NULL)) != E_OK)
		goto out;
	if (t.nodes == 0) {
		rc = E_NOTFOUND;
		goto out;
	}
	fl_tree_finish(&t, false);
	rc = fl_render_html(&t, &ro, out);
out:
	fl_tree_release(&t);
	arena_release(&a);
	return rc;
}
