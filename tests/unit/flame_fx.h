/*
 * flame_fx.h - the cmocka fixture the flame tests share: an arena, an
 * empty tree in it and an uncapped output buffer.
 */
#ifndef EMBER_TEST_FLAME_FX_H
#define EMBER_TEST_FLAME_FX_H

#include <stdlib.h>

#include "flame.h"

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

#endif
