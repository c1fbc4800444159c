/*
 * bench/flame.c - the renderer's speed: folded text -> HTML and -> SVG in
 * MB of input per second on one core, next to a parse-only pass over the
 * same input in the same run (the ratio must stay >= 0.5), plus the JSON
 * writer against jansson on a big tree and the output sizes for a
 * 20,000-frame tree.
 *
 *   make bench/flame && bench/flame [MB] [FRAMES]   (default 32 MB, 20000)
 *
 * The input is synthetic but shaped like real profiles: a random call
 * tree of FRAMES frames (Java-, Python-, kernel- and C++-looking names,
 * 20-70 bytes, depth up to ~60), and stack lines drawn from its leaves in
 * random order (so the previous-line prefix reuse helps only partly).
 */
#include "compat.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flame.h"
#include "flame_int.h"
#include "flrender.h"
#include "mem.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct gnode {
	int parent;
	int depth;
	char name[80];
};

/* A random call tree and `mb` MB of folded lines from it. */
static char *
make_input(size_t mb, int frames, size_t *len)
{
	static const char *const pats[] = {
		"com/acme/service/Handler%d.process_[j]",
		"org/eclipse/jetty/server/Conn%d.run_[j]",
		"handle_request_%d (/app/server/views.py)",
		"do_syscall_%d_[k]",
		"std::vector<int>::push_back_%d",
		"java/util/HashMap.get%d_[i]",
		"runtime.mallocgc%d",
		"[libc-2.31.so]%d",
	};
	struct gnode *g = xcalloc((size_t)frames, sizeof(*g));
	struct buf out = BUF_INIT(0);
	int *path = xcalloc(256, sizeof(int));
	int i, k, d;

	for (i = 0; i < frames; i++) {
		int p = i < 8 ? -1 : (int)(rnd() % (uint64_t)i);

		if (p >= 0 && g[p].depth >= 60)
			p = g[p].parent;
		g[i].parent = p;
		g[i].depth = p < 0 ? 0 : g[p].depth + 1;
		if (p < 0)
			snprintf(g[i].name, sizeof(g[i].name), "proc%d", i);
		else
			snprintf(g[i].name, sizeof(g[i].name),
				pats[rnd() % ARRAY_SIZE(pats)], (int)(rnd() % 1000));
	}
	while (out.len < mb * 1024 * 1024) {
		i = (int)(rnd() % (uint64_t)frames);
		for (k = 0, d = i; d >= 0; d = g[d].parent)
			path[k++] = d;
		while (k--) {
			if (buf_addstr(&out, g[path[k]].name) ||
			    buf_addch(&out, k ? ';' : ' '))
				abort();
		}
		if (buf_addf(&out, "%d\n", (int)(rnd() % 50) + 1))
			abort();
	}
	free(g);
	free(path);
	return buf_detach(&out, len);
}

enum what { PARSE, HTML, SVG };

/* Parse (and render); returns seconds, output bytes in *outlen. */
static double
run(const char *in, size_t len, enum what w, size_t *outlen, size_t *nodes)
{
	struct arena a;
	struct fl_tree t;
	struct buf out = BUF_INIT(0);
	double t0 = now(), t1;
	int rc = E_OK;

	arena_init(&a, 1 << 20);
	fl_tree_init(&t, &a, 0);
	if (fl_folded_parse(&t, in, len, NULL, NULL) != E_OK)
		abort();
	if (w != PARSE) {
		fl_tree_finish(&t, false);
		rc = w == HTML ? fl_render_html(&t, NULL, &out) :
			fl_render_svg(&t, NULL, &out);
	}
	t1 = now();
	if (rc)
		abort();
	*outlen = out.len;
	*nodes = t.nodes;
	buf_release(&out);
	fl_tree_release(&t);
	arena_release(&a);
	return t1 - t0;
}

static double
best(const char *in, size_t len, enum what w, size_t *outlen, size_t *nodes)
{
	double b = 1e9, s;
	int i;

	for (i = 0; i < 3; i++) {
		s = run(in, len, w, outlen, nodes);
		if (s < b)
			b = s;
	}
	return b;
}

/* jansson: the same tree as json_t objects, then dumped. */
static json_t *
to_jansson(const struct fl_node *n)
{
	json_t *o = json_object(), *ch = json_array();
	const struct fl_node *c;

	json_object_set_new(o, "name", json_stringn(n->name, fl_base_len(n)));
	if (n->suffix)
		json_object_set_new(o, "suffix",
			json_stringn(n->name + fl_base_len(n), n->suffix));
	json_object_set_new(o, "value", json_integer((json_int_t)n->value));
	for (c = n->child; c; c = c->next)
		json_array_append_new(ch, to_jansson(c));
	json_object_set_new(o, "children", ch);
	return o;
}

static void
json_compare(int frames)
{
	size_t len, outlen;
	char *in = make_input(8, frames, &len);
	struct arena a;
	struct fl_tree t;
	struct buf out = BUF_INIT(0);
	double t0, ours, theirs;
	json_t *j;
	char *s;

	arena_init(&a, 1 << 20);
	fl_tree_init(&t, &a, 0);
	if (fl_folded_parse(&t, in, len, NULL, NULL) != E_OK)
		abort();
	fl_tree_finish(&t, true);
	t0 = now();
	if (fl_json_tree(&t, false, &out) || fl_json_end(&out, 0, 0, NULL))
		abort();
	ours = now() - t0;
	outlen = out.len;
	t0 = now();
	j = to_jansson(&t.root);
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	theirs = now() - t0;
	printf("| JSON tree, %zu frames | %.1f ms (%zu bytes) | jansson build+dump %.1f ms | %.2fx |\n",
		t.nodes, ours * 1e3, outlen, theirs * 1e3, theirs / ours);
	free(s);
	json_decref(j);
	buf_release(&out);
	fl_tree_release(&t);
	arena_release(&a);
	free(in);
}

int
main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 32;
	int frames = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 20000;
	size_t len, o_parse, o_html, o_svg, nodes;
	char *in = make_input(mb ? mb : 32, frames > 8 ? frames : 20000, &len);
	double s_parse, s_html, s_svg, mbs = (double)len / 1e6;

	s_parse = best(in, len, PARSE, &o_parse, &nodes);
	s_html = best(in, len, HTML, &o_html, &nodes);
	s_svg = best(in, len, SVG, &o_svg, &nodes);
	printf("input: %.1f MB of folded text, %zu distinct frames\n\n", mbs, nodes);
	printf("| row | ours | baseline | ratio |\n|---|---|---|---|\n");
	printf("| folded -> HTML | %.0f MB/s (%.2f s) | parse only %.0f MB/s | %.2f |\n",
		mbs / s_html, s_html, mbs / s_parse, s_parse / s_html);
	printf("| folded -> SVG | %.0f MB/s (%.2f s) | parse only %.0f MB/s | %.2f |\n",
		mbs / s_svg, s_svg, mbs / s_parse, s_parse / s_svg);
	printf("| output, %zu frames | HTML %zu bytes, SVG %zu bytes | input %zu bytes | |\n",
		nodes, o_html, o_svg, len);
	json_compare(100000);
	free(in);
	return 0;
}
