/*
 * fuzz_collapsed.c - the stack line parser must never crash on hostile
 * text, must keep its limits, and every line it keeps has frames, a
 * non-zero count and no empty or untrimmed frame.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "collapsed.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coll_limits lim = { .max_line = 4096, .max_frames = 64,
		.max_lines = 256 };
	struct coll_result r;
	struct arena a;
	const char *name, *env;
	size_t i, k;
	char *text;

	arena_init(&a, 0);
	text = arena_memdupz(&a, data, size);
	coll_parse(text, size, NULL, &lim, &a, &r);
	if (r.n > lim.max_lines)
		abort();
	for (i = 0; i < r.n; i++) {
		if (r.lines[i].count == 0 || r.lines[i].nframes == 0 ||
		    r.lines[i].nframes > lim.max_frames)
			abort();
		for (k = 0; k < r.lines[i].nframes; k++) {
			const char *f = r.lines[i].frames[k];
			size_t n = strlen(f);

			if (n == 0 || f[0] == ' ' || f[n - 1] == ' ')
				abort();
		}
		coll_container(r.lines[i].container, &a, &name, &env);
	}
	arena_release(&a);
	return 0;
}
