/*
 * test_flfunc.c - the functions table (recursion counted once, order,
 * paging), the sandwich, and the diff (doubled share +100 %, new/gone,
 * a profile against itself all zeros).
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flame.h"
#include "flfunc.h"
#include "flrender.h"
#include "jsonx.h"

struct fx {
	struct arena a;
	struct fl_tree t;
	struct buf out;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	arena_init(&f->a, 0);
	fl_tree_init(&f->t, &f->a, 0);
	buf_init(&f->out, 0);
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

static void
parse(struct fl_tree *t, int side, const char *text)
{
	t->side = side;
	assert_int_equal(fl_folded_parse(t, text, strlen(text), NULL, NULL),
		E_OK);
}

static const struct fl_func *
find(const struct fl_func *f, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].len == strlen(name) && !memcmp(f[i].name, name, f[i].len))
			return &f[i];
	fail_msg("no function %s", name);
	return NULL;
}

static void
test_functions(void **state)
{
	struct fx *f = *state;
	struct fl_func *fn;
	size_t n;

	parse(&f->t, 0, "a;f;g;f 3\na;f 2\nb;g 1\n");
	fl_tree_finish(&f->t, true);
	fl_functions(&f->t, &f->a, &fn, &n);
	assert_int_equal(n, 4);
	assert_int_equal(find(fn, n, "f")->total, 5);
	assert_int_equal(find(fn, n, "f")->self, 5);
	assert_int_equal(find(fn, n, "g")->total, 4);
	assert_int_equal(find(fn, n, "g")->self, 1);
	assert_int_equal(find(fn, n, "a")->total, 5);
	fl_functions_sort(fn, n, FL_SORT_SELF, false);
	assert_string_equal(fn[0].name, "f");
	assert_string_equal(fn[1].name, "g");
	fl_functions_sort(fn, n, FL_SORT_TOTAL, false);
	assert_string_equal(fn[0].name, "f");	/* total 5 like a; self 5 > 0 */
	assert_string_equal(fn[1].name, "a");
	fl_functions_sort(fn, n, FL_SORT_NAME, true);
	assert_string_equal(fn[0].name, "g");
	fl_functions_sort(fn, n, FL_SORT_SELF, false);
	assert_int_equal(fl_functions_json(&f->t, fn, n, 1, 2, &f->out), E_OK);
	assert_string_equal(f->out.data,
		"{\"total\":6,\"count\":4,\"offset\":1,\"functions\":["
		"{\"name\":\"g\",\"language\":\"Other\",\"self\":1,\"total\":4,"
		"\"selfShare\":0.166667,\"totalShare\":0.666667},"
		"{\"name\":\"a\",\"language\":\"Other\",\"self\":0,\"total\":5,"
		"\"selfShare\":0,\"totalShare\":0.833333}]}");
}

static void
test_sandwich(void **state)
{
	struct fx *f = *state;
	struct fl_tree up, down;
	struct fl_node *r;

	parse(&f->t, 0, "main;x;f;h 4\nmain;y;f 6\nmain;f;f 1\nmain 5\n");
	fl_tree_finish(&f->t, false);
	fl_tree_init(&up, &f->a, 0);
	fl_tree_init(&down, &f->a, 0);
	assert_int_equal(fl_sandwich(&f->t, "f", 1, &up, &down), E_OK);
	fl_tree_finish(&up, false);
	fl_tree_finish(&down, false);
	assert_int_equal(up.root.value, 11);
	r = up.root.child;
	assert_string_equal(r->name, "f");
	assert_null(r->next);
	assert_int_equal(r->value, 11);
	assert_int_equal(fl_json_tree(&up, false, &f->out), E_OK);
	assert_string_equal(f->out.data,
		"{\"name\":\"root\",\"value\":11,\"children\":["
		"{\"name\":\"f\",\"value\":11,\"children\":["
		"{\"name\":\"main\",\"value\":1,\"children\":[]},"
		"{\"name\":\"x\",\"value\":4,\"children\":["
		"{\"name\":\"main\",\"value\":4,\"children\":[]}]},"
		"{\"name\":\"y\",\"value\":6,\"children\":["
		"{\"name\":\"main\",\"value\":6,\"children\":[]}]}]}]");
	buf_reset(&f->out);
	assert_int_equal(fl_json_tree(&down, false, &f->out), E_OK);
	assert_string_equal(f->out.data,
		"{\"name\":\"root\",\"value\":11,\"children\":["
		"{\"name\":\"f\",\"value\":11,\"children\":["
		"{\"name\":\"f\",\"value\":1,\"children\":[]},"
		"{\"name\":\"h\",\"value\":4,\"children\":[]}]}]");
	fl_tree_release(&up);
	fl_tree_release(&down);
	fl_tree_init(&up, &f->a, 0);
	fl_tree_init(&down, &f->a, 0);
	assert_int_equal(fl_sandwich(&f->t, "nope", 4, &up, &down), E_NOTFOUND);
	fl_tree_release(&up);
	fl_tree_release(&down);
}

static json_t *
diff_json(struct fx *f)
{
	json_t *v;

	buf_reset(&f->out);
	assert_int_equal(fl_diff_json(&f->t, false, &f->out), E_OK);
	assert_int_equal(buf_addch(&f->out, '}'), E_OK);
	assert_int_equal(jsonx_parse(f->out.data, f->out.len, &v, NULL, 0), E_OK);
	return v;
}

static json_t *
jchild(json_t *n, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(n, "children"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
			return c;
	fail_msg("no child %s", name);
	return NULL;
}

static void
test_diff(void **state)
{
	struct fx *f = *state;
	json_t *v, *a, *n;

	parse(&f->t, 0, "a;b 10\na;c 80\na;gone 10\n");
	parse(&f->t, 1, "a;b 40\na;c 140\na;new 20\n");
	fl_tree_finish(&f->t, false);
	v = diff_json(f);
	assert_int_equal(json_integer_value(json_object_get(v, "baseTotal")), 100);
	assert_int_equal(json_integer_value(json_object_get(v, "compareTotal")), 200);
	a = jchild(v, "a");
	n = jchild(a, "b");	/* 10 % of the base, 20 % of compare: +100 % */
	assert_true(json_real_value(json_object_get(n, "change")) == 100.0 ||
		json_integer_value(json_object_get(n, "change")) == 100);
	assert_null(json_object_get(n, "status"));
	n = jchild(a, "c");	/* 80 % -> 70 %: -12.5 % */
	assert_true(json_real_value(json_object_get(n, "change")) == -12.5);
	n = jchild(a, "new");
	assert_string_equal(json_string_value(json_object_get(n, "status")), "new");
	assert_null(json_object_get(n, "change"));
	n = jchild(a, "gone");
	assert_string_equal(json_string_value(json_object_get(n, "status")), "gone");
	assert_true(json_integer_value(json_object_get(n, "change")) == -100);
	json_decref(v);
	/* the rendered diff: red for b, blue for gone, both valid */
	buf_reset(&f->out);
	{
		struct fl_render_opts o = { .diff = true, .inverted = true };

		assert_int_equal(fl_render_html(&f->t, &o, &f->out), E_OK);
		assert_non_null(strstr(f->out.data, "\"diff\":true"));
		buf_reset(&f->out);
		assert_int_equal(fl_render_svg(&f->t, &o, &f->out), E_OK);
		assert_non_null(strstr(f->out.data, ">b (base 10, compare 40 samples, +100.00%)<"));
		assert_non_null(strstr(f->out.data, ">new (base 0, compare 20 samples, new)<"));
	}
}

static bool
all_zero(json_t *n)
{
	json_t *c, *ch = json_object_get(n, "change");
	size_t i;

	if (json_object_get(n, "status"))
		return false;
	if (ch && json_number_value(ch) != 0)
		return false;
	json_array_foreach(json_object_get(n, "children"), i, c)
		if (!all_zero(c))
			return false;
	return true;
}

static void
test_self_diff(void **state)
{
	struct fx *f = *state;
	const char *text = "a;b 10\na;c;d 7\nx 3\na 1\n";
	json_t *v;

	parse(&f->t, 0, text);
	parse(&f->t, 1, text);
	fl_tree_finish(&f->t, true);
	v = diff_json(f);
	assert_true(all_zero(v));
	assert_int_equal(json_integer_value(json_object_get(jchild(v, "a"),
		"change")), 0);
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sandwich, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_diff, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
