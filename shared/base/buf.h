/*
 * buf.h - a growable byte buffer with a hard cap.
 *
 * Invariants (git strbuf): data is never NULL and always NUL-terminated,
 * so a buf can be used as a C string; len counts the bytes before the NUL.
 * Every buffer fed from outside gets an explicit maximum (curl dynbuf's
 * toobig): an append that would pass `max` bytes fails with E_TOOBIG and
 * leaves the buffer as it was.  max == 0 means "no cap" and is only for
 * buffers filled by our own code.
 *
 * Two APIs over the same struct:
 *  - buf_add*(): for capped buffers (input from outside).  They return
 *    E_TOOBIG at the cap and must be checked.
 *  - buf_put*(): for uncapped buffers (output we build ourselves).  They
 *    cannot fail (allocation aborts, like git's strbuf), so they return
 *    nothing.  Calling one on a capped buffer is a programmer error
 *    (ASSERT).
 */
#ifndef EMBER_BUF_H
#define EMBER_BUF_H

#include "compat.h"

#include <stdarg.h>

#include "err.h"

struct buf {
	char *data;	/* never NULL; NUL-terminated */
	size_t len;	/* bytes used, not counting the NUL */
	size_t cap;	/* bytes allocated (0 while data points at the shared empty string) */
	size_t max;	/* hard cap on len, 0 = none */
};

#define BUF_INIT(maxlen) { buf_empty, 0, 0, (maxlen) }
extern char buf_empty[1];

/* Initialise an empty buffer with a cap (0 = none); allocates nothing. */
void buf_init(struct buf *b, size_t max);
/* Free the contents; the buffer is left initialised and empty. */
void buf_release(struct buf *b);
/* Forget the contents but keep the allocation. */
void buf_reset(struct buf *b);
/* Make room for n more bytes.  E_TOOBIG if that would pass the cap. */
MUST_CHECK int buf_grow(struct buf *b, size_t n);
/* Append bytes.  E_TOOBIG (and no change) if the cap would be passed. */
MUST_CHECK int buf_add(struct buf *b, const void *p, size_t n);
MUST_CHECK int buf_addstr(struct buf *b, const char *s);
MUST_CHECK int buf_addch(struct buf *b, char c);
MUST_CHECK int buf_addf(struct buf *b, const char *fmt, ...) ATTR_PRINTF(2, 3);
MUST_CHECK int buf_vaddf(struct buf *b, const char *fmt, va_list ap) ATTR_PRINTF(2, 0);
/*
 * Appends to an uncapped buffer (max == 0): cannot fail.  Note that a
 * capped buffer here trips an ASSERT; use buf_add*() for those.
 */
void buf_put(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_putf(struct buf *b, const char *fmt, ...) ATTR_PRINTF(2, 3);
void buf_vputf(struct buf *b, const char *fmt, va_list ap) ATTR_PRINTF(2, 0);
/* Set len (<= current len) and re-terminate. */
void buf_truncate(struct buf *b, size_t len);
/*
 * Hand the bytes to the caller, who must free() them; the buffer is left
 * empty.  When lenp is not NULL it receives the length.
 */
char *buf_detach(struct buf *b, size_t *lenp);

#endif
