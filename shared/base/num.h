/*
 * num.h - the one checked decimal integer parser (curl's strparse in
 * spirit).
 *
 * Every integer that arrives as text (config values, command-line
 * options, query parameters, headers, PostgreSQL result columns) goes
 * through here, so there is one definition of "a number": ASCII digits
 * only, at least one, no spaces, no '+', no overflow; a leading '-' only
 * where a signed value is asked for.  Leading zeros are accepted.
 *
 * Errors: E_INVAL when the text is not a decimal integer (empty, a
 * stray character, trailing bytes), E_TOOBIG when it is one but falls
 * outside [min, max] (including past the 64-bit range).  *out is only
 * written on success.  num_errmsg() gives the text for either.
 */
#ifndef EMBER_NUM_H
#define EMBER_NUM_H

#include "compat.h"

#include "err.h"

/*
 * Parse the digits at *sp, stopping at the first non-digit, and advance
 * *sp past them: for values followed by a unit ("64k", "30s").
 */
MUST_CHECK int num_dec(const char **sp, uint64_t max, uint64_t *out);
/* A whole NUL-terminated string as an unsigned value <= max. */
MUST_CHECK int num_u64(const char *s, uint64_t max, uint64_t *out);
/* The first n bytes of s (no NUL needed) as an unsigned value <= max. */
MUST_CHECK int num_u64n(const char *s, size_t n, uint64_t max,
	uint64_t *out);
/* A whole string, optionally starting with '-', within [min, max]. */
MUST_CHECK int num_i64(const char *s, int64_t min, int64_t max,
	int64_t *out);
/* Same, for an int (the bounds must fit an int). */
MUST_CHECK int num_int(const char *s, int min, int max, int *out);
/* "not a decimal integer" / "out of range" / err_str() for others. */
const char *num_errmsg(int err);

#endif
