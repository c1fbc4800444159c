/*
 * mem.h - allocation that never fails.
 *
 * Every allocation in the project goes through these wrappers (or an
 * arena built on them).  On out-of-memory they print a message and abort:
 * the supervisor (or lighttpd) restarts the process.  This removes the
 * commonest and least-tested error path (git xmalloc, Redis zmalloc).
 */
#ifndef EMBER_MEM_H
#define EMBER_MEM_H

#include "compat.h"

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Copy at most n bytes of s and NUL-terminate. */
char *xstrndup(const char *s, size_t n);
/* Copy n bytes and add a NUL after them. */
void *xmemdupz(const void *p, size_t n);
/* Free n heap strings and the heap array holding them (NULL is fine). */
void xstrv_free(char **v, size_t n);

#endif
