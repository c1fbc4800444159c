/*
 * buf.c - growable capped byte buffers.
 *
 * Note that an empty buffer points at the shared buf_empty string so that
 * init allocates nothing and data is never NULL; the first append
 * replaces it with a heap allocation.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

char buf_empty[1];

/* Initialise an empty buffer with a cap. */
void
buf_init(struct buf *b, size_t max)
{
	b->data = buf_empty;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Free the contents and leave the buffer empty, keeping its cap. */
void
buf_release(struct buf *b)
{
	if (b->cap)
		free(b->data);
	buf_init(b, b->max);
}

/* Empty the buffer but keep its memory. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

/* Ensure room for n more bytes plus the NUL. */
int
buf_grow(struct buf *b, size_t n)
{
	size_t want;
	size_t cap;

	if (n > SIZE_MAX - b->len - 1)
		return E_TOOBIG;
	if (b->max && b->len + n > b->max)
		return E_TOOBIG;
	want = b->len + n + 1;
	if (want <= b->cap)
		return E_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	if (b->cap) {
		b->data = xrealloc(b->data, cap);
	} else {
		b->data = xmalloc(cap);
		b->data[0] = '\0';
	}
	b->cap = cap;
	return E_OK;
}

/* Append n bytes. */
int
buf_add(struct buf *b, const void *p, size_t n)
{
	int err;

	if (n == 0)
		return E_OK;
	err = buf_grow(b, n);
	if (err)
		return err;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return E_OK;
}

/* Append a C string. */
int
buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* Append one byte. */
int
buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

/* Append formatted text; nothing is appended if the cap would be passed. */
int
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	int err;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return E_INVAL;
	err = buf_grow(b, (size_t)n);
	if (err)
		return err;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return E_OK;
}

/* Append printf-formatted text. */
int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * The uncapped API: the only failure left for an uncapped buffer is a
 * size_t overflow, which no real buffer reaches, so it is asserted.
 */
void
buf_put(struct buf *b, const void *p, size_t n)
{
	ASSERT(b->max == 0);
	if (buf_add(b, p, n))
		compat_assert_fail("buf_put overflow", __FILE__, __LINE__);
}

/* Append a C string to an uncapped buffer. */
void
buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* Append one byte to an uncapped buffer. */
void
buf_putc(struct buf *b, char c)
{
	buf_put(b, &c, 1);
}

/* Append formatted text to an uncapped buffer. */
void
buf_vputf(struct buf *b, const char *fmt, va_list ap)
{
	ASSERT(b->max == 0);
	if (buf_vaddf(b, fmt, ap))
		compat_assert_fail("buf_putf format", __FILE__, __LINE__);
}

/* Append printf-formatted text to an uncapped buffer. */
void
buf_putf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vputf(b, fmt, ap);
	va_end(ap);
}

/* Shorten the buffer to len bytes. */
void
buf_truncate(struct buf *b, size_t len)
{
	ASSERT(len <= b->len);
	b->len = len;
	if (b->cap)
		b->data[len] = '\0';
}

/* Give the bytes to the caller; the buffer is left empty. */
char *
buf_detach(struct buf *b, size_t *lenp)
{
	char *p;

	if (lenp)
		*lenp = b->len;
	p = b->cap ? b->data : xstrdup("");
	buf_init(b, b->max);
	return p;
}
