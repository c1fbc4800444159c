/*
 * fuzz_rql.c - the RQL filter parser (JSON and compact "hn,is,x" forms)
 * must never crash on hostile text, and every accepted filter must give
 * its $eq values without reading outside what it parsed.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fuzz.h"
#include "rql.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	struct rql q;
	const char **vals;
	char err[256];
	char *text;
	size_t n = 0;
	size_t i;

	arena_init(&a, 0);
	text = arena_memdupz(&a, data, size);
	if (rql_parse(text, &a, &q, err, sizeof(err)) == RQL_OK) {
		if (q.n > RQL_MAX_CONDS)
			abort();
		vals = rql_eq_values(&q, &a, "HostName", &n);
		for (i = 0; i < n; i++)
			if (!vals[i] || strlen(vals[i]) > size)
				abort();
	}
	arena_release(&a);
	return 0;
}
