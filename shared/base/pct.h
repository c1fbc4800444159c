/*
 * pct.h - percent-encoding (RFC 3986), the one encoder of the tree: S3
 * object keys and canonical query strings (s3.c), and the X-Sendfile
 * path ember-fcgi hands to the web server (which percent-decodes it).
 */
#ifndef EMBER_PCT_H
#define EMBER_PCT_H

#include "compat.h"

#include "buf.h"

/*
 * Append s[0..len) to out with every byte percent-encoded (upper-case
 * hex) except the unreserved A-Z a-z 0-9 - . _ ~ and, if keep_slash, '/'.
 * '%' itself is encoded, so decoding once gives s back exactly.  Errors
 * are out's (E_TOOBIG past its cap).
 */
MUST_CHECK int pct_encode(struct buf *out, const char *s, size_t len,
	bool keep_slash);

#endif
