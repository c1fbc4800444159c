/*
 * jsonx.h - small helpers over jansson.
 *
 * jsonx_parse() is the only way outside JSON enters the program: it
 * rejects NUL bytes and documents nested deeper than JSONX_MAX_DEPTH
 * levels before jansson sees them, so hostile input cannot exhaust the
 * stack.  The path helpers take a dotted path ("metadata.run_arguments.
 * continuous") of object keys; a missing step or a non-object in the
 * middle means "absent".
 */
#ifndef EMBER_JSONX_H
#define EMBER_JSONX_H

#include "compat.h"

#include <jansson.h>

#include "arena.h"
#include "buf.h"
#include "err.h"

/* Deepest nesting of arrays/objects jsonx_parse() accepts. */
#define JSONX_MAX_DEPTH 64

/*
 * Parse len bytes of JSON (any value at the top).  On success *out holds
 * a new reference the caller must json_decref().  On bad JSON returns
 * E_INVAL, sets *out to NULL and, when err is not NULL, writes a short
 * message ("line 1 column 5: ...") into err.
 */
MUST_CHECK int jsonx_parse(const char *data, size_t len, json_t **out,
	char *err, size_t errlen);
/* The deepest nesting jsonx_parse_prefix() accepts (jansson's own limit). */
#define JSONX_MAX_DEPTH_PREFIX 2048
/*
 * Parse the JSON array or object that data starts with (after optional
 * whitespace), ignoring whatever follows its closing bracket, with
 * nesting up to max_depth levels (at most JSONX_MAX_DEPTH_PREFIX): for
 * deep trees such as flamegraphs embedded in a page.  *used gets the
 * bytes consumed.  E_TOOBIG when nested deeper, E_INVAL on bad JSON.
 */
MUST_CHECK int jsonx_parse_prefix(const char *data, size_t len, int max_depth,
	json_t **out, size_t *used, char *err, size_t errlen);
/* The value at a dotted path (borrowed reference), NULL if absent. */
json_t *jsonx_path(json_t *root, const char *dotted);
/* The string at a dotted path (borrowed), NULL if absent or not a string. */
const char *jsonx_str(json_t *root, const char *dotted);
/* The boolean at a dotted path, def if absent or not a boolean. */
bool jsonx_bool(json_t *root, const char *dotted, bool def);
/*
 * The integer at a dotted path: E_NOTFOUND if absent (or JSON null),
 * E_INVAL if present but not an integer.  *out is untouched on failure.
 */
MUST_CHECK int jsonx_int(json_t *root, const char *dotted, int64_t *out);
/* Append v as compact JSON.  E_TOOBIG past the buf cap (buf unchanged). */
MUST_CHECK int jsonx_dump(const json_t *v, struct buf *out);
/*
 * v as compact JSON text (json_dumps(v, JSON_COMPACT)'s bytes), a string
 * in arena a.  Cannot fail: v must not be NULL.
 */
char *jsonx_text(const json_t *v, struct arena *a);
/*
 * Append len bytes of s as a quoted JSON string literal: '"', '\' and
 * control characters (including NUL) are escaped, U+2028/U+2029 become
 * \u2028/\u2029, each byte of invalid UTF-8 becomes \ufffd, and valid
 * UTF-8 is copied as is, so the result is always valid JSON.  E_TOOBIG
 * past the buf cap (buf unchanged).
 */
MUST_CHECK int jsonx_escape(struct buf *out, const char *s, size_t len);
/* Input bytes jsonx_escape_stream() escapes at a time. */
#define JSONX_SLICE (64u * 1024)
/* A writer for jsonx_escape_stream(): 0 on success. */
typedef int jsonx_write_fn(void *ctx, const void *p, size_t n);
/*
 * The same literal as jsonx_escape() (quotes included), produced in
 * slices of JSONX_SLICE input bytes and handed to fn, so a large value
 * never exists escaped in memory at once.  With fn NULL nothing is
 * written and only *total (the literal's length) is computed.  E_IO when
 * fn fails.
 */
MUST_CHECK int jsonx_escape_stream(const char *s, size_t len,
	jsonx_write_fn *fn, void *ctx, size_t *total);
/*
 * A new JSON string value holding len bytes of s, for text from anywhere
 * (hostnames, database columns): valid UTF-8 is kept (NULs included),
 * each byte of invalid UTF-8 becomes U+FFFD, so the result is never NULL
 * and always dumps as valid JSON.  NULL s gives JSON null.
 */
json_t *jsonx_string(const char *s, size_t len);
/*
 * True when len bytes of s are text: valid UTF-8 without control
 * characters other than tab, newline, carriage return and form feed (so
 * no NUL, no escape sequences).
 */
bool jsonx_is_text(const char *s, size_t len);
/* A usec timestamp as a JSON string in UTC with Z (utc.h's UTC_FMT_Z). */
json_t *jsonx_utc(int64_t usec);
/* jsonx_string() of a C string (NULL gives JSON null). */
json_t *jsonx_cstr(const char *s);

#endif
