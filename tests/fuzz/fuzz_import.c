/*
 * fuzz_import.c - the profile importers (perf script, pprof, flamegraph
 * page) must never crash on hostile files, and must keep their limits.
 * The first byte picks the parser; the rest is the file.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fuzz.h"
#include "import.h"

struct seen {
	const struct imp_limits *lim;
	uint64_t stacks;
};

static int
check(void *ctx, const char *const *frames, size_t n, uint64_t count)
{
	struct seen *s = ctx;
	size_t i;

	if (count == 0 || n > s->lim->max_frames)
		abort();
	for (i = 0; i < n; i++)
		if (!frames[i] || strlen(frames[i]) > s->lim->max_name + 8)
			abort();
	s->stacks++;
	return E_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct imp_limits lim = { 1 << 20, 64, 256, 128 };
	struct seen seen = { &lim, 0 };
	struct imp_result res;
	struct arena a;
	char err[256];
	char *text;
	int rc;

	if (size < 1)
		return 0;
	arena_init(&a, 0);
	text = arena_memdupz(&a, data + 1, size - 1);
	(void)imp_detect(text, size - 1);
	switch (data[0] % 3) {
	case 0:
		rc = imp_perf(text, size - 1, &lim, &a, check, &seen, &res, err, sizeof(err));
		break;
	case 1:
		rc = imp_pprof(text, size - 1, NULL, &lim, &a, check, &seen, &res, err, sizeof(err));
		break;
	default:
		rc = imp_html(text, size - 1, &lim, &a, check, &seen, &res, err, sizeof(err));
		break;
	}
	if (rc == E_OK && (seen.stacks != res.stacks || res.stacks > lim.max_stacks))
		abort();
	arena_release(&a);
	return 0;
}
