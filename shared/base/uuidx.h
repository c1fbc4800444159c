/*
 * uuidx.h - UUID helpers over libuuid.
 */
#ifndef EMBER_UUIDX_H
#define EMBER_UUIDX_H

#include "compat.h"

#include "err.h"

/* A new random (v4) UUID, lowercase and hyphenated, NUL-terminated. */
void uuidx_new(char out[37]);
/* A new random UUID as 32 lowercase hex digits without hyphens. */
void uuidx_new_hex(char out[33]);
/* True when s is exactly 8-4-4-4-12 hex digits (either case). */
bool uuidx_valid(const char *s);
/*
 * Write the canonical lowercase hyphenated form of in, which may be
 * hyphenated or 32 bare hex digits, either case.  E_INVAL otherwise.
 */
MUST_CHECK int uuidx_normalize(const char *in, char out[37]);

#endif
