/*
 * mem.c - allocation wrappers that abort on out-of-memory.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

NORETURN static void
mem_oom(size_t n)
{
	fprintf(stderr, "out of memory allocating %zu bytes\n", n);
	abort();
}

/* malloc() that aborts on failure; malloc(0) returns a unique pointer. */
void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		mem_oom(n);
	return p;
}

/* calloc() that aborts on failure or overflow. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb && size > SIZE_MAX / nmemb)
		mem_oom(SIZE_MAX);
	p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		mem_oom(nmemb * size);
	return p;
}

/* realloc() that aborts on failure. */
void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		mem_oom(n);
	return q;
}

/* strdup() that aborts on failure. */
char *
xstrdup(const char *s)
{
	return xmemdupz(s, strlen(s));
}

/* strndup() that aborts on failure. */
char *
xstrndup(const char *s, size_t n)
{
	const char *end = memchr(s, '\0', n);

	return xmemdupz(s, end ? (size_t)(end - s) : n);
}

/* Duplicate n bytes and terminate them with a NUL. */
void *
xmemdupz(const void *p, size_t n)
{
	char *q;

	if (n == SIZE_MAX)
		mem_oom(n);
	q = xmalloc(n + 1);
	if (n)
		memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

/* Free a heap array of heap strings. */
void
xstrv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}
