/*
 * test_flrender.c - the HTML page and the SVG: hostile frame names come
 * out escaped and valid (the SVG through xmllint, the page's data block
 * through a JSON parser), pruning, orientation, diff colours, and the
 * workers' page from a profile.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "flame.h"
#include "flrender.h"
#include "jsonx.h"

static const char *hostile[] = {
	"</script><script>alert(1)</script>",
	"\"quote\" & 'apos' ]]> <!-- -->",
	"bad \xff\xfe utf8 \xe2\x80\xa8 sep \x01 ctl \xef\xbf\xbf",
	NULL,	/* the 10 kB name */
};

struct fx {
	struct arena a;
	struct fl_tree t;
	struct buf out;
	char big[10241];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *frames[4];
	size_t i;

	arena_init(&f->a, 0);
	fl_tree_init(&f->t, &f->a, 0);
	buf_init(&f->out, 64 * 1024 * 1024);
	memset(f->big, 'y', sizeof(f->big) - 1);
	memcpy(f->big, "<b>", 3);
	for (i = 0; i < 3; i++)
		frames[i] = hostile[i];
	frames[3] = f->big;
	assert_int_equal(fl_tree_add(&f->t, frames, NULL, 4, 5), E_OK);
	assert_int_equal(fl_tree_add(&f->t, (const char *[]){ "main", "f_[j]" },
		NULL, 2, 5), E_OK);
	fl_tree_finish(&f->t, true);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	fl_tree_release(&f->t);
	arena_release(&f->a);
	buf_release(&f->out);
	free(f);
	return 0;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t k = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		k++;
		p += strlen(needle);
	}
	return k;
}

/* The data block parses and holds the names byte for byte (bad UTF-8
 * replaced); nothing in it can close the script element. */
static void
test_html_escaping(void **state)
{
	struct fx *f = *state;
	const char *d, *e;
	json_t *v, *names;
	size_t i;
	bool seen = false;

	assert_int_equal(fl_render_html(&f->t, NULL, &f->out), E_OK);
	assert_int_equal(count(f->out.data, "</script>"), 2);
	assert_int_equal(count(f->out.data, "<!--"), 0);
	assert_int_equal(count(f->out.data, "\xe2\x80\xa8"), 0);
	assert_int_equal(count(f->out.data, "http://"), 0);
	assert_int_equal(count(f->out.data, "https://"), 0);
	d = strstr(f->out.data, "id=\"fl-data\">");
	assert_non_null(d);
	d += strlen("id=\"fl-data\">");
	e = strstr(d, "</script>");
	assert_int_equal(jsonx_parse(d, (size_t)(e - d), &v, NULL, 0), E_OK);
	names = json_object_get(v, "names");
	assert_int_equal(json_array_size(names), 6);
	for (i = 0; i < json_array_size(names); i++)
		if (strcmp(json_string_value(json_array_get(names, i)),
		    hostile[0]) == 0)
			seen = true;
	assert_true(seen);
	assert_int_equal(json_integer_value(json_object_get(v, "total")), 10);
	/* 4 numbers per frame */
	assert_int_equal(json_array_size(json_object_get(v, "nodes")), 6 * 4);
	json_decref(v);
}

/* Run xmllint over the SVG. */
static void
check_xml(const struct buf *svg)
{
	char path[] = "/tmp/test_flrender_XXXXXX";
	char cmd[256];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, svg->data, svg->len), (ssize_t)svg->len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "command -v xmllint >/dev/null || "
		"{ echo 'xmllint missing (libxml2-utils)'; exit 3; }; "
		"xmllint --noout %s", path);
	assert_int_equal(system(cmd), 0);
	unlink(path);
}

static void
test_svg_valid(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fl_render_svg(&f->t, NULL, &f->out), E_OK);
	check_xml(&f->out);
	assert_non_null(strstr(f->out.data, "&lt;/script&gt;&lt;script&gt;"));
	assert_non_null(strstr(f->out.data, "]]&gt;"));
	assert_non_null(strstr(f->out.data, ">Icicle Graph<"));
	assert_int_equal(count(f->out.data, "<script"), 1);
	/* the 10 kB name is in its tooltip whole (escaped) */
	assert_non_null(strstr(f->out.data, "&lt;b&gt;yyyyyyyyyy"));
	assert_int_equal(count(f->out.data, "<g fg:x="), 7);
}

/* Frames narrower than minwidth go, with their subtree. */
static void
test_svg_minwidth_and_flame(void **state)
{
	struct fx *f = *state;
	struct arena a;
	struct fl_tree t;
	struct fl_render_opts o = { .inverted = false, .minwidth = 1 };

	arena_init(&a, 0);
	fl_tree_init(&t, &a, 0);
	assert_int_equal(fl_tree_add(&t, (const char *[]){ "big" }, NULL, 1,
		1000000), E_OK);
	assert_int_equal(fl_tree_add(&t, (const char *[]){ "tiny", "below" },
		NULL, 2, 1), E_OK);
	fl_tree_finish(&t, false);
	assert_int_equal(fl_render_svg(&t, &o, &f->out), E_OK);
	check_xml(&f->out);
	assert_null(strstr(f->out.data, "tiny"));
	assert_null(strstr(f->out.data, "below"));
	assert_non_null(strstr(f->out.data, ">big (1,000,000 samples, 100.00%)<"));
	assert_non_null(strstr(f->out.data, ">Flame Graph<"));
	fl_tree_release(&t);
	arena_release(&a);
}

/* Diff steps: same share 10, doubled share up, new 20, gone 0. */
static void
test_diff_colours(void **state)
{
	struct fl_node n;
	uint8_t rgb[3], rgb2[3];

	(void)state;
	memset(&n, 0, sizeof(n));
	n.value = 10, n.value2 = 20;
	assert_int_equal(fl_diff_step(&n, 100, 200), 10);
	n.value = 10, n.value2 = 20;
	assert_int_equal(fl_diff_step(&n, 100, 100), 15);
	n.value = 20, n.value2 = 10;
	assert_int_equal(fl_diff_step(&n, 100, 100), 5);
	n.value = 0, n.value2 = 1;
	assert_int_equal(fl_diff_step(&n, 100, 100), 20);
	n.value = 1, n.value2 = 0;
	assert_int_equal(fl_diff_step(&n, 100, 100), 0);
	fl_diff_rgb(FL_PAL_DEFAULT, 20, rgb);
	assert_true(rgb[0] > 200 && rgb[2] < 100);	/* red */
	fl_diff_rgb(FL_PAL_DEFAULT, 0, rgb);
	assert_true(rgb[2] > 200 && rgb[0] < 100);	/* blue */
	fl_diff_rgb(FL_PAL_CB, 20, rgb2);
	assert_true(rgb2[0] > 200 && rgb2[1] > 100);	/* orange */
}

/* The workers' page from the indexer fixture; nothing to draw: 404. */
static void
test_from_profile(void **state)
{
	struct fx *f = *state;
	char path[1024];
	FILE *fp;
	char *data;
	long n;

	snprintf(path, sizeof(path), "%s/tests/data/flame/upstream_indexer_stackfile",
		EMBER_SRCDIR);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	data = malloc((size_t)n);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	assert_int_equal(fl_render_html_from_profile(data, (size_t)n, NULL,
		"host-1 <x>", &f->out), E_OK);
	assert_non_null(strstr(f->out.data, "<title>host-1 &lt;x&gt;</title>"));
	assert_non_null(strstr(f->out.data, "\"gprofiler-ps-webapp\""));
	assert_non_null(strstr(f->out.data, "\"total\":1367"));
	buf_reset(&f->out);
	assert_int_equal(fl_render_html_from_profile("# {}\n", 5, NULL, "x",
		&f->out), E_NOTFOUND);
	free(data);
}

/* A page bigger than the buf's cap fails cleanly. */
static void
test_cap(void **state)
{
	struct fx *f = *state;
	struct buf small = BUF_INIT(1000);

	assert_int_equal(fl_render_html(&f->t, NULL, &small), E_TOOBIG);
	buf_release(&small);
	buf_init(&small, 1000);
	assert_int_equal(fl_render_svg(&f->t, NULL, &small), E_TOOBIG);
	buf_release(&small);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_html_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_svg_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_svg_minwidth_and_flame, setup, teardown),
		cmocka_unit_test(test_diff_colours),
		cmocka_unit_test_setup_teardown(test_from_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
