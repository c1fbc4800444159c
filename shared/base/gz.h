/*
 * gz.h - gzip/zlib compression over zlib.
 *
 * gz_inflate() streams in fixed chunks and enforces its output cap while
 * inflating, so a "zip bomb" costs at most max_out plus one chunk.
 */
#ifndef EMBER_GZ_H
#define EMBER_GZ_H

#include "compat.h"

#include "buf.h"
#include "err.h"

/*
 * Append the decompressed form of in (gzip, possibly several concatenated
 * members, or zlib; detected from the header).  E_TOOBIG when the output
 * would pass max_out bytes (exactly max_out is fine) or the buf cap;
 * E_INVAL on corrupt, truncated or empty input or trailing garbage.  On
 * failure the buf is left as it was.
 */
MUST_CHECK int gz_inflate(const void *in, size_t len, size_t max_out, struct buf *out);
/* Append in compressed as one gzip member; level -1 = default, 0..9. */
MUST_CHECK int gz_deflate(const void *in, size_t len, int level, struct buf *out);
/* True when p starts with the gzip magic (1f 8b). */
bool gz_is_gzip(const void *p, size_t len);

#endif
