/*
 * pgarr.c - building text[] literals.
 *
 * Note that pgarr_add() decides on the separating comma from the last
 * byte written: right after pgarr_open() it is the '{', after an element
 * the closing '"', so callers need no "first" flag.
 */
#include "compat.h"

#include <string.h>

#include "pgarr.h"

/* Start a literal. */
void
pgarr_open(struct buf *out)
{
	buf_putc(out, '{');
}

/* One quoted element. */
void
pgarr_add(struct buf *out, const char *s, size_t n)
{
	size_t i;

	ASSERT(out->len > 0);
	if (out->data[out->len - 1] != '{')
		buf_putc(out, ',');
	buf_putc(out, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_putc(out, '\\');
		buf_putc(out, s[i]);
	}
	buf_putc(out, '"');
}

/* Close a literal. */
void
pgarr_close(struct buf *out)
{
	buf_putc(out, '}');
}

/* A whole literal in the arena. */
char *
pgarr_strv(struct arena *a, const char *const *v, size_t n)
{
	struct buf b = BUF_INIT(0);
	char *out;
	size_t i;

	pgarr_open(&b);
	for (i = 0; i < n; i++)
		pgarr_add(&b, v[i], strlen(v[i]));
	pgarr_close(&b);
	out = arena_memdupz(a, b.data, b.len);
	buf_release(&b);
	return out;
}
