/*
 * arena.h - a bump allocator for memory that lives as long as one
 * request or one job.
 *
 * The FastCGI loop resets one arena per request; a worker resets one per
 * job (h2o pools, PostgreSQL memory contexts).  Nothing allocated from an
 * arena is freed on its own: arena_reset() frees it all at once, so error
 * paths cannot leak.  Allocation never fails (it aborts on OOM).
 */
#ifndef EMBER_ARENA_H
#define EMBER_ARENA_H

#include "compat.h"

#include <stdarg.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;	/* newest chunk, allocations come from here */
	size_t chunk_size;		/* default size of a new chunk */
	size_t used;			/* bytes handed out since the last reset */
};

/* Initialise an empty arena; chunk_size 0 picks 16 KiB. Allocates nothing. */
void arena_init(struct arena *a, size_t chunk_size);
/* Free everything allocated from the arena; it stays usable. */
void arena_reset(struct arena *a);
/* Same as arena_reset(); the arena may be initialised again. */
void arena_release(struct arena *a);
/* n bytes aligned for any type; never NULL. */
void *arena_alloc(struct arena *a, size_t n);
/* n zeroed bytes. */
void *arena_zalloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Copy n bytes and terminate them with a NUL. */
char *arena_memdupz(struct arena *a, const void *p, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) ATTR_PRINTF(2, 3);

#endif
