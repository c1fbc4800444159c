/*
 * pgarr.h - PostgreSQL array literals ({"a","b"}) for text[] parameters.
 *
 * Statements take lists as one text[] parameter ($1::text[]) instead of
 * building SQL text, so every element is quoted and '"' and '\' are
 * backslash-escaped: any string round-trips, including ones with commas,
 * braces, spaces or the word NULL.  The buffer is an uncapped one of our
 * own (the buf_put*() API); NUL bytes cannot occur in C strings.
 */
#ifndef EMBER_PGARR_H
#define EMBER_PGARR_H

#include "compat.h"

#include "arena.h"
#include "buf.h"

/* Append '{' to start a literal. */
void pgarr_open(struct buf *out);
/*
 * Append one element of n bytes, quoted and escaped, with a ',' before it
 * unless it is the first since pgarr_open().
 */
void pgarr_add(struct buf *out, const char *s, size_t n);
/* Append '}' to close the literal. */
void pgarr_close(struct buf *out);
/* The literal for n C strings, allocated in the arena ("{}" when n == 0). */
char *pgarr_strv(struct arena *a, const char *const *v, size_t n);

#endif
