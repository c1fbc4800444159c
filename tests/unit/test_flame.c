/*
 * test_flame.c - the tree: sums, structure, order, languages, suffixes,
 * the stacksCount cut, the maxNodes cap, percentiles, JSON and folded
 * text, on hand-made stacks and on the upstream indexer's fixture.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flame.h"
#include "flame_fx.h"
#include "jsonx.h"

static void
parse(struct fx *f, const char *text, struct fl_folded_stats *st)
{
	assert_int_equal(fl_folded_parse(&f->t, text, strlen(text), NULL, st),
		E_OK);
}

static struct fl_node *
child(struct fl_node *n, const char *name)
{
	struct fl_node *c;

	for (c = n->child; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	fail_msg("no child %s", name);
	return NULL;
}

/* Hand-made stacks: inclusive and self values, order, counts. */
static void
test_sums_and_order(void **state)
{
	struct fx *f = *state;
	struct fl_folded_stats st;
	struct fl_node *a, *b;

	parse(f, "x 1\na;d 3\na;b;c 5\na;b 2\n\na;b;c 4\n# comment\n", &st);
	assert_int_equal(st.lines, 5);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.samples, 15);
	fl_tree_finish(&f->t, false);
	assert_int_equal(f->t.root.value, 15);
	assert_int_equal(f->t.nodes, 5);
	a = child(&f->t.root, "a");
	assert_int_equal(a->value, 14);
	assert_int_equal(fl_self(a), 0);
	b = child(a, "b");
	assert_int_equal(b->value, 11);
	assert_int_equal(fl_self(b), 2);
	assert_int_equal(child(b, "c")->value, 9);
	/* sorted: a before x; b before d */
	assert_string_equal(f->t.root.child->name, "a");
	assert_string_equal(a->child->name, "b");
	assert_int_equal(fl_json_tree(&f->t, false, &f->out), E_OK);
	assert_string_equal(f->out.data,
		"{\"name\":\"root\",\"value\":15,\"children\":["
		"{\"name\":\"a\",\"value\":14,\"children\":["
		"{\"name\":\"b\",\"value\":11,\"children\":["
		"{\"name\":\"c\",\"value\":9,\"children\":[]}]},"
		"{\"name\":\"d\",\"value\":3,\"children\":[]}]},"
		"{\"name\":\"x\",\"value\":1,\"children\":[]}]");
}

/* A small tree with enrichment=lang: its fields and their order. */
static void
test_enrichment_json(void **state)
{
	struct fx *f = *state;

	parse(f,
		"java;appid: order-service;java/lang/Thread.run_[j];"
		"com/acme/Worker.process_[i] 60\n"
		"java;appid: order-service;java/lang/Thread.run_[j] 30\n"
		"java;appid: order-service 10\n"
		"python3;handle (app/server.py) 20\n", NULL);
	fl_tree_finish(&f->t, true);
	assert_int_equal(fl_json_tree(&f->t, false, &f->out), E_OK);
	assert_string_equal(f->out.data,
		"{\"name\":\"root\",\"value\":120,\"children\":["
		"{\"name\":\"java\",\"value\":100,\"children\":["
		"{\"name\":\"appid: order-service\",\"value\":100,\"children\":["
		"{\"name\":\"java/lang/Thread.run\",\"suffix\":\"_[j]\",\"value\":90,"
		"\"children\":["
		"{\"name\":\"com/acme/Worker.process\",\"suffix\":\"_[i]\",\"value\":60,"
		"\"children\":[],\"language\":\"Java\",\"specialType\":\"Java (inl)\"}],"
		"\"language\":\"Java\"}],\"language\":\"Other\",\"specialType\":\"Appid\"}],"
		"\"language\":\"Other\"},"
		"{\"name\":\"python3\",\"value\":20,\"children\":["
		"{\"name\":\"handle (app/server.py)\",\"value\":20,\"children\":[],"
		"\"language\":\"Python\"}],\"language\":\"Other\"}]");
}

/* Language rules one by one, and the suffix split. */
static void
test_classify(void **state)
{
	static const struct {
		const char *name;
		int lang, sp;
		bool maybe;
	} cases[] = {
		{ "f_[j]", FL_JAVA, FL_SP_NONE, false },
		{ "f_[i]", FL_JAVA, FL_SP_JAVA_INL, false },
		{ "f_[1]", FL_JAVA, FL_SP_JAVA_C1, false },
		{ "f_[0]", FL_JAVA, FL_SP_JAVA_INTERP, false },
		{ "f_[pe]", FL_PYTHON, FL_SP_NONE, false },
		{ "run (x.py)", FL_PYTHON, FL_SP_NONE, false },
		{ "<decorator-gen-12>", FL_PYTHON, FL_SP_NONE, false },
		{ "<decorator-gen->", FL_OTHER, FL_SP_NONE, false },
		{ "f_[php]", FL_PHP, FL_SP_NONE, false },
		{ "f_[rb]", FL_RUBY, FL_SP_NONE, false },
		{ "LazyCompile:*x", FL_NODE, FL_SP_NONE, false },
		{ "std::vector", FL_CPP, FL_SP_NONE, false },
		{ "std::x_[k]", FL_CPP, FL_SP_NONE, false },
		{ "do_idle_[k]", FL_KERNEL, FL_SP_NONE, false },
		{ "f_[net]", FL_DOTNET, FL_SP_NONE, false },
		{ "f_[pn]", FL_OTHER, FL_SP_NONE, false },
		{ "[libc-2.31.so]", FL_OTHER, FL_SP_NONE, false },
		{ "[.so]", FL_OTHER, FL_SP_NONE, false },
		/* the Go rule comes before the appid rule */
		{ "appid: a.jar", FL_OTHER, FL_SP_NONE, true },
		{ "runtime.mallocgc", FL_GO, FL_SP_NONE, false },
		{ "runtime/x.y", FL_GO, FL_SP_NONE, false },
		{ "main.main", FL_OTHER, FL_SP_NONE, true },
		{ "appid: x", FL_OTHER, FL_SP_APPID, false },
		{ "main", FL_OTHER, FL_SP_NONE, false },
	};
	size_t i;
	int lang, sp;
	bool maybe;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fl_classify(cases[i].name, strlen(cases[i].name), &lang, &sp,
			&maybe);
		if (lang != cases[i].lang || sp != cases[i].sp ||
		    maybe != cases[i].maybe)
			fail_msg("%s: lang %d sp %d maybe %d", cases[i].name,
				lang, sp, maybe);
	}
	assert_int_equal(fl_suffix_len("a_[j]_[s]", 9), 8);
	assert_int_equal(fl_suffix_len("a_[j]", 5), 4);
	assert_int_equal(fl_suffix_len("a_[x]", 5), 0);
	assert_int_equal(fl_suffix_len("_[k]", 4), 4);
}

/* Go? follows the parent; C++ keeps its suffix with enrichment only. */
static void
test_go_and_cpp_suffix(void **state)
{
	struct fx *f = *state;
	struct fl_node *r, *m;

	parse(f, "app;runtime.main;main.main;x::y_[k] 1\napp;main.f 1\n", NULL);
	fl_tree_finish(&f->t, true);
	r = child(&f->t.root, "app");
	m = child(child(r, "runtime.main"), "main.main");
	assert_int_equal(m->lang, FL_GO);
	assert_int_equal(child(r, "main.f")->lang, FL_OTHER);
	assert_int_equal(m->child->lang, FL_CPP);
	assert_int_equal(m->child->suffix, 0);
}

static void
test_no_enrich_always_splits(void **state)
{
	struct fx *f = *state;

	parse(f, "x::y_[k] 1\n", NULL);
	fl_tree_finish(&f->t, false);
	assert_int_equal(f->t.root.child->suffix, 4);
	assert_int_equal(fl_json_tree(&f->t, false, &f->out), E_OK);
	assert_non_null(strstr(f->out.data,
		"\"name\":\"x::y\",\"suffix\":\"_[k]\",\"value\":1,"
		"\"children\":[]}"));
	assert_null(strstr(f->out.data, "language"));
}

/* Bad lines are counted and skipped; limits hold. */
static void
test_folded_bad_lines(void **state)
{
	struct fx *f = *state;
	struct fl_folded_stats st;
	struct fl_folded_opts o = { 64, 0, false };
	char longline[200];
	struct buf in = BUF_INIT(0);

	memset(longline, 'a', sizeof(longline));
	assert_int_equal(buf_addstr(&in, "a;b\n"), E_OK);		/* no count */
	assert_int_equal(buf_addstr(&in, "a;b x\n"), E_OK);	/* bad count */
	assert_int_equal(buf_addstr(&in, "a;b 0\n"), E_OK);	/* zero */
	assert_int_equal(buf_addstr(&in, "a;b -3\n"), E_OK);
	assert_int_equal(buf_addstr(&in, "a;b 99999999999999999999\n"), E_OK);
	assert_int_equal(buf_addstr(&in, " 5\n"), E_OK);		/* no frames */
	assert_int_equal(buf_addstr(&in, ";;; 5\n"), E_OK);
	assert_int_equal(buf_add(&in, longline, sizeof(longline)), E_OK);
	assert_int_equal(buf_addstr(&in, " 3\n"), E_OK);
	assert_int_equal(buf_addstr(&in, "with space;f g 2\r\n"), E_OK);
	assert_int_equal(buf_addstr(&in, "a;;b 1"), E_OK);	/* no newline */
	assert_int_equal(fl_folded_parse(&f->t, in.data, in.len, &o, &st), E_OK);
	assert_int_equal(st.bad, 8);
	assert_int_equal(st.lines, 2);
	assert_int_equal(f->t.root.value, 3);
	fl_tree_finish(&f->t, false);
	assert_int_equal(child(child(&f->t.root, "with space"), "f g")->value, 2);
	assert_int_equal(child(child(&f->t.root, "a"), "b")->value, 1);
	buf_release(&in);
}

/* gProfiler lines: skip index and container, drop swapper. */
static void
test_gprofiler_fields(void **state)
{
	struct fx *f = *state;
	struct fl_folded_opts o = { 0, 2, true };
	json_t *h;
	const char *text = "# {}\n0;cont;python;a 2\n1;;swapper;idle 9\n"
		"0;c2;python;b 1\n";

	assert_int_equal(fl_folded_parse(&f->t, text, strlen(text), &o, NULL),
		E_OK);
	assert_int_equal(f->t.root.value, 3);
	assert_int_equal(f->t.nodes, 3);
	h = json_pack("{s:b}", "application_metadata_enabled", 1);
	assert_int_equal(fl_gprofiler_skip(h), 2);
	json_decref(h);
	h = json_pack("{s:{s:{s:s}}}", "metadata", "run_arguments",
		"profile_api_version", "v1");
	assert_int_equal(fl_gprofiler_skip(h), 0);
	json_decref(h);
	assert_int_equal(fl_gprofiler_skip(NULL), 1);
}

static char *
slurp(const char *rel, size_t *len)
{
	char path[1024];
	FILE *fp;
	char *data;
	long n;

	snprintf(path, sizeof(path), "%s/%s", EMBER_SRCDIR, rel);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	data[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return data;
}

/* The upstream indexer's fixture: 79 samples, 25 roots, 650 frames. */
static void
test_indexer_fixture(void **state)
{
	struct fx *f = *state;
	struct fl_folded_opts o = { 0, 2, true };
	struct fl_folded_stats st;
	struct fl_node *c;
	int64_t pct[100];
	size_t len, roots = 0;
	char *data = slurp("tests/data/flame/upstream_indexer_stackfile", &len);

	assert_int_equal(fl_folded_parse(&f->t, data, len, &o, &st), E_OK);
	assert_int_equal(st.lines, 69);
	assert_int_equal(f->t.root.value, 79);
	assert_int_equal(f->t.nodes, 650);
	fl_tree_finish(&f->t, true);
	for (c = f->t.root.child; c; c = c->next)
		roots++;
	assert_int_equal(roots, 25);
	assert_string_equal(f->t.root.child->name, "6");
	assert_int_equal(child(&f->t.root, "perf")->value, 23);
	assert_true(fl_percentiles(&f->t, pct));
	assert_int_equal(pct[49], 1);
	assert_int_equal(pct[74], 1);
	assert_int_equal(pct[94], 4);
	assert_int_equal(pct[98], 15);
	free(data);
}

/* stacksCount: ties at the cut go; the total stays. */
static void
test_cut(void **state)
{
	struct fx *f = *state;

	/* values: a 10, a;b 6, a;c 4, x 4, y 1 */
	parse(f, "a;b 6\na;c 4\nx 4\ny 1\n", NULL);
	assert_int_equal(fl_tree_cut(&f->t, 10), 0);
	/* top 3: 10, 6, 4 -> m = 4: every frame <= 4 goes (a;c and x tie) */
	assert_int_equal(fl_tree_cut(&f->t, 3), 3);
	fl_tree_finish(&f->t, false);
	assert_int_equal(f->t.nodes, 2);
	assert_int_equal(f->t.root.value, 15);
	assert_int_equal(child(&f->t.root, "a")->value, 10);
	assert_int_equal(fl_self(child(&f->t.root, "a")), 4);
}

/* maxNodes: at most max frames, "other" per parent, sums kept. */
static void
test_cap(void **state)
{
	struct fx *f = *state;
	struct fl_node *a, *o;
	char line[64];
	int i;

	for (i = 0; i < 50; i++) {
		snprintf(line, sizeof(line), "a;f%02d %d\n", i, i + 1);
		parse(f, line, NULL);
	}
	parse(f, "b 1000\n", NULL);
	fl_tree_finish(&f->t, false);
	assert_int_equal(f->t.nodes, 52);
	assert_true(fl_tree_cap(&f->t, 10) > 0);
	assert_true(f->t.nodes <= 10);
	assert_int_equal(f->t.root.value, 1000 + 50 * 51 / 2);
	a = child(&f->t.root, "a");
	assert_int_equal(a->value, 50 * 51 / 2);
	o = child(a, "other");
	/* the children of a add up again */
	assert_int_equal(fl_self(a), 0);
	assert_true(o->value > 0);
	assert_null(o->next);
	assert_int_equal(fl_tree_cap(&f->t, 1000), 0);
}

/* Percentiles as upstream computes them on few values. */
static void
test_percentiles_small(void **state)
{
	struct fx *f = *state;
	int64_t pct[100];

	assert_false(fl_percentiles(&f->t, pct));
	assert_int_equal(fl_json_end(&f->out, 0.5, 0.25, NULL), E_OK);
	assert_string_equal(f->out.data,
		",\"exec_time\":0.5,\"olap_time\":0.25,\"percentiles\":{}}");
	buf_reset(&f->out);
	/* 6 frames: 120 is not a frame; 100,100,90,60,20,20 */
	parse(f, "java;appid;run;proc 60\njava;appid;run 30\njava;appid 10\n"
		"python3;handle 20\n", NULL);
	assert_true(fl_percentiles(&f->t, pct));
	assert_int_equal(pct[15], 20);	/* p16: x = 0.96 -> smallest */
	assert_int_equal(pct[16], 20);
	assert_int_equal(pct[49], 60);
	assert_int_equal(pct[74], 95);
	assert_int_equal(pct[94], 100);
	assert_int_equal(fl_json_end(&f->out, 0, 0, pct), E_OK);
	{
		const char *want = ",\"exec_time\":0,\"olap_time\":0,"
			"\"percentiles\":{\"1\":\"20\",\"10\":\"20\","
			"\"100\":\"100\",\"11\":\"20\",";

		assert_true(strncmp(f->out.data, want, strlen(want)) == 0);
		assert_non_null(strstr(f->out.data, ",\"99\":\"100\"}}"));
	}
}

/* Hostile names stay valid JSON, and html_safe hides markup. */
static void
test_hostile_names(void **state)
{
	struct fx *f = *state;
	json_t *v;
	char big[10001];
	const char *frames[4];
	size_t lens[4];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	frames[0] = "</script><script>alert(1)</script>";
	frames[1] = "\"quote\" & 'apos' ]]> <!--";
	frames[2] = "bad \xff\xfe utf8 \xe2\x80\xa8 sep";
	frames[3] = big;
	lens[0] = strlen(frames[0]);
	lens[1] = strlen(frames[1]);
	lens[2] = strlen(frames[2]);
	lens[3] = strlen(frames[3]);
	assert_int_equal(fl_tree_add(&f->t, frames, lens, 4, 3), E_OK);
	fl_tree_finish(&f->t, true);
	assert_int_equal(fl_json_tree(&f->t, true, &f->out), E_OK);
	assert_int_equal(fl_json_end(&f->out, 0, 0, NULL), E_OK);
	assert_null(strchr(f->out.data, '<'));
	assert_null(strchr(f->out.data, '>'));
	assert_null(strstr(f->out.data, "\xe2\x80\xa8"));
	assert_int_equal(jsonx_parse(f->out.data, f->out.len, &v, NULL, 0),
		E_OK);
	json_decref(v);
}

/* Folded writer: self lines with full names; re-parse gives the tree. */
static void
test_folded_roundtrip(void **state)
{
	struct fx *f = *state;
	struct arena a2;
	struct fl_tree t2;
	struct buf out2 = BUF_INIT(0);

	parse(f, "a;b_[j];c 5\na;b_[j] 2\na;d 3\nx 1\n", NULL);
	fl_tree_finish(&f->t, false);
	/* a moved tree walks the same (its root frames follow the envelope) */
	fl_tree_init(&t2, &f->a, 0);
	fl_tree_move(&t2, &f->t);
	fl_tree_move(&f->t, &t2);
	assert_int_equal(fl_folded_write(&f->t, &f->out), E_OK);
	assert_string_equal(f->out.data,
		"a;b_[j] 2\na;b_[j];c 5\na;d 3\nx 1\n");
	arena_init(&a2, 0);
	fl_tree_init(&t2, &a2, 0);
	assert_int_equal(fl_folded_parse(&t2, f->out.data, f->out.len, NULL,
		NULL), E_OK);
	fl_tree_finish(&t2, false);
	assert_int_equal(fl_json_tree(&t2, false, &out2), E_OK);
	buf_reset(&f->out);
	assert_int_equal(fl_json_tree(&f->t, false, &f->out), E_OK);
	assert_string_equal(out2.data, f->out.data);
	buf_release(&out2);
	fl_tree_release(&t2);
	arena_release(&a2);
}

/* The build cap and depth limit. */
static void
test_limits(void **state)
{
	struct fx *f = *state;
	struct buf in = BUF_INIT(0);
	int i;

	f->t.build_cap = 3;
	assert_int_equal(fl_tree_add(&f->t, (const char *[]){ "a", "b", "c" },
		NULL, 3, 1), E_OK);
	assert_int_equal(fl_tree_add(&f->t, (const char *[]){ "a", "z" },
		NULL, 2, 1), E_TOOBIG);
	fl_tree_release(&f->t);
	fl_tree_init(&f->t, &f->a, 0);
	for (i = 0; i < FL_MAX_DEPTH + 10; i++)
		assert_int_equal(buf_addstr(&in, "f;"), E_OK);
	assert_int_equal(buf_addstr(&in, "g 7\n"), E_OK);
	assert_int_equal(fl_folded_parse(&f->t, in.data, in.len, NULL, NULL),
		E_OK);
	assert_int_equal(f->t.nodes, FL_MAX_DEPTH);
	assert_int_equal(f->t.truncated, 1);
	assert_int_equal(f->t.root.value, 7);
	buf_release(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sums_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrichment_json, setup, teardown),
		cmocka_unit_test(test_classify),
		cmocka_unit_test_setup_teardown(test_go_and_cpp_suffix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_enrich_always_splits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folded_bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gprofiler_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indexer_fixture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_percentiles_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folded_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
