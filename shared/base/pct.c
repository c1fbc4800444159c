/*
 * pct.c - percent-encoding (see pct.h).
 */
#include "compat.h"

#include "pct.h"

/* Encode everything but the unreserved bytes (and '/' if asked). */
int
pct_encode(struct buf *out, const char *s, size_t len, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	int rc;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '.' ||
			c == '_' || c == '~' || (keep_slash && c == '/')) {
			rc = buf_addch(out, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			rc = buf_add(out, e, 3);
		}
		if (rc != E_OK)
			return rc;
	}
	return E_OK;
}
