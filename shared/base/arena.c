/*
 * arena.c - chunked bump allocation, freed all at once.
 *
 * Chunks are a singly linked list, newest first.  A request larger than a
 * quarter of the chunk size gets a chunk of its own, so one big body does
 * not waste the rest of a normal chunk.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "mem.h"

#define ARENA_ALIGN 16

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;	/* usable bytes in mem[] */
	size_t off;	/* next free byte */
	_Alignas(ARENA_ALIGN) unsigned char mem[];
};

/* Initialise an arena. */
void
arena_init(struct arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : 16384;
	a->used = 0;
}

/* Free every chunk. */
void
arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head;

	while (c) {
		struct arena_chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
}

/* Free every chunk (alias kept for the lifecycle naming). */
void
arena_release(struct arena *a)
{
	arena_reset(a);
}

static struct arena_chunk *
arena_chunk_new(size_t size)
{
	struct arena_chunk *c;

	if (size > SIZE_MAX - sizeof(*c))
		size = SIZE_MAX - sizeof(*c);
	c = xmalloc(sizeof(*c) + size);
	c->next = NULL;
	c->size = size;
	c->off = 0;
	return c;
}

/* Hand out n aligned bytes. */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need;
	void *p;

	if (n > SIZE_MAX - ARENA_ALIGN)
		n = SIZE_MAX - ARENA_ALIGN;	/* xmalloc will abort */
	need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	if (!c || c->size - c->off < need) {
		if (need > a->chunk_size / 4) {
			/* a big block: its own chunk, behind the current head */
			struct arena_chunk *big = arena_chunk_new(need);

			big->off = need;
			if (c) {
				big->next = c->next;
				c->next = big;
			} else {
				a->head = big;
			}
			a->used += need;
			return big->mem;
		}
		c = arena_chunk_new(a->chunk_size);
		c->next = a->head;
		a->head = c;
	}
	p = c->mem + c->off;
	c->off += need;
	a->used += need;
	return p;
}

/* Hand out n zeroed bytes. */
void *
arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);

	memset(p, 0, n);
	return p;
}

/* Copy n bytes into the arena and add a NUL. */
char *
arena_memdupz(struct arena *a, const void *p, size_t n)
{
	char *q = arena_alloc(a, n + 1);

	if (n)
		memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

/* Copy a C string into the arena. */
char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_memdupz(a, s, strlen(s));
}

/* printf into the arena. */
char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return arena_strdup(a, "");
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
