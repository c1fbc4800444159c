/*
 * fuzz_folded.c - the folded-stacks parser and everything downstream of
 * it (finish, cut, cap, JSON, folded text, HTML, SVG) must never crash on
 * hostile text, the root total must equal the samples the parser
 * counted, and re-parsing the folded output must give the same total.
 * The first byte picks the options.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "flame_int.h"
#include "flrender.h"
#include "fuzz.h"
#include <jansson.h>

static bool
deepest(void *ctx, struct fl_node *n)
{
	uint32_t *d = ctx;

	if (n->depth > *d)
		*d = n->depth;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a, a2;
	struct fl_tree t, t2;
	struct fl_folded_opts o = { 0, 0, false };
	struct fl_folded_stats st;
	struct buf out = BUF_INIT(16 * 1024 * 1024);
	json_t *v;
	uint8_t mode;
	uint32_t depth = 0;
	int rc;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	o.skip_fields = mode & 3;
	o.drop_swapper = (mode & 4) != 0;
	o.max_line = (mode & 8) ? 64 : 0;
	arena_init(&a, 0);
	fl_tree_init(&t, &a, (mode & 16) ? 50 : 0);
	rc = fl_folded_parse(&t, (const char *)data, size, &o, &st);
	if (rc == E_OK && t.root.value != st.samples)
		abort();
	if (mode & 32)
		(void)fl_tree_cut(&t, 5);
	fl_tree_finish(&t, (mode & 64) != 0);
	if (mode & 128) {
		(void)fl_tree_cap(&t, 7);
		if (t.nodes > 7)
			abort();
	}
	if (fl_json_tree(&t, true, &out) == E_OK &&
	    fl_json_end(&out, 0, 0, NULL) == E_OK) {
		/* valid JSON (jansson nests at most 2048 levels: 2 a frame) */
		fl_walk(&t.root, deepest, &depth);
		if (depth < 1000) {
			v = json_loadb(out.data, out.len, JSON_ALLOW_NUL, NULL);
			if (!v)
				abort();
			json_decref(v);
		}
	}
	buf_reset(&out);
	/* the folded text holds every sample again (a first frame could
	 * start with '#' once fields are skipped, so only without skipping) */
	if (fl_folded_write(&t, &out) == E_OK && rc == E_OK && !(mode & 32) &&
	    o.skip_fields == 0 && t.root.value < ((uint64_t)1 << 62)) {
		arena_init(&a2, 0);
		fl_tree_init(&t2, &a2, 0);
		if (fl_folded_parse(&t2, out.data, out.len, NULL, NULL) != E_OK ||
		    t2.root.value != t.root.value)
			abort();
		fl_tree_release(&t2);
		arena_release(&a2);
	}
	buf_reset(&out);
	if (fl_render_html(&t, NULL, &out) != E_OK && out.len < out.max / 2)
		abort();
	buf_reset(&out);
	if (fl_render_svg(&t, NULL, &out) != E_OK && out.len < out.max / 2)
		abort();
	buf_release(&out);
	fl_tree_release(&t);
	arena_release(&a);
	return 0;
}
