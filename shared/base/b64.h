/*
 * b64.h - base64, RFC 4648 standard alphabet with '=' padding.
 */
#ifndef EMBER_B64_H
#define EMBER_B64_H

#include "compat.h"

#include "buf.h"
#include "err.h"

/*
 * Append the bytes encoded in in[0..len).  Strict: length must be a
 * multiple of 4, padding is required and only at the end, no whitespace,
 * no other characters, and unused bits of the last group must be zero;
 * anything else is E_INVAL.  Empty input decodes to nothing.  E_TOOBIG
 * past the buf cap.  On failure the buf is left as it was.
 */
MUST_CHECK int b64_decode_strict(const char *in, size_t len, struct buf *out);
/* Append the padded base64 encoding of in.  E_TOOBIG past the cap. */
MUST_CHECK int b64_encode(const void *in, size_t len, struct buf *out);

#endif
