/*
 * jsonx.c - the project's JSON front door over jansson.
 *
 * jansson's parser recurses once per nesting level and has no depth
 * limit, so jsonx_parse() first scans the bytes once (tracking strings
 * and escapes) and refuses anything nested deeper than JSONX_MAX_DEPTH
 * before jansson sees it.  NUL bytes are refused too: they cannot occur in
 * valid JSON text and would truncate C strings downstream.
 *
 * jsonx_escape() is our own writer rather than jansson's because the
 * strings come from anywhere (hostnames, object keys, database text) and
 * must always produce valid JSON: invalid UTF-8 becomes U+FFFD.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "mem.h"
#include "utc.h"

/*
 * Scan data for nesting deeper than max_depth: (size_t)-1 when it is, else
 * the length scanned (with first_value, the end of the first top-level
 * array or object).  Brackets inside strings do not count, and a stray closing bracket
 * cannot buy extra depth (the count never goes below zero); the scan does
 * not otherwise validate, jansson does that.
 */
static size_t
jsonx_depth_scan(const char *data, size_t len, int max_depth, bool first_value)
{
	size_t i;
	int depth = 0;
	bool in_str = false;
	bool esc = false;
	char c;

	for (i = 0; i < len; i++) {
		c = data[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return (size_t)-1;
		} else if ((c == ']' || c == '}') && depth > 0) {
			if (--depth == 0 && first_value)
				return i + 1;
		}
	}
	return len;
}

/* True when data nests no deeper than JSONX_MAX_DEPTH. */
static bool
jsonx_depth_ok(const char *data, size_t len)
{
	return jsonx_depth_scan(data, len, JSONX_MAX_DEPTH, false) != (size_t)-1;
}

/* Parse untrusted JSON; see jsonx.h. */
int
jsonx_parse(const char *data, size_t len, json_t **out, char *err, size_t errlen)
{
	json_error_t jerr;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (memchr(data, '\0', len) != NULL) {
		if (err && errlen)
			snprintf(err, errlen, "NUL byte in JSON text");
		return E_INVAL;
	}
	if (!jsonx_depth_ok(data, len)) {
		if (err && errlen)
			snprintf(err, errlen, "JSON nested deeper than %d levels",
				JSONX_MAX_DEPTH);
		return E_INVAL;
	}
	*out = json_loadb(data, len, JSON_DECODE_ANY, &jerr);
	if (*out == NULL) {
		if (err && errlen)
			snprintf(err, errlen, "line %d column %d: %s",
				jerr.line, jerr.column, jerr.text);
		return E_INVAL;
	}
	return E_OK;
}

/* Walk a dotted path of object keys. */
json_t *
jsonx_path(json_t *root, const char *dotted)
{
	char small[256];
	char *copy;
	char *seg;
	char *dot;
	size_t n;
	json_t *cur = root;

	if (root == NULL || dotted == NULL)
		return NULL;
	if (*dotted == '\0')
		return root;
	n = strlen(dotted);
	if (n < sizeof(small)) {
		memcpy(small, dotted, n + 1);
		copy = small;
	} else {
		copy = xmemdupz(dotted, n);
	}
	seg = copy;
	for (;;) {
		dot = strchr(seg, '.');
		if (dot)
			*dot = '\0';
		if (*seg == '\0' || !json_is_object(cur)) {
			cur = NULL;
			break;
		}
		cur = json_object_get(cur, seg);
		if (cur == NULL || dot == NULL)
			break;
		seg = dot + 1;
	}
	if (copy != small)
		free(copy);
	return cur;
}

/* The string at a path, or NULL. */
const char *
jsonx_str(json_t *root, const char *dotted)
{
	json_t *v = jsonx_path(root, dotted);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The boolean at a path, or def. */
bool
jsonx_bool(json_t *root, const char *dotted, bool def)
{
	json_t *v = jsonx_path(root, dotted);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

/* The integer at a path. */
int
jsonx_int(json_t *root, const char *dotted, int64_t *out)
{
	json_t *v = jsonx_path(root, dotted);

	if (v == NULL || json_is_null(v))
		return E_NOTFOUND;
	if (!json_is_integer(v))
		return E_INVAL;
	*out = (int64_t)json_integer_value(v);
	return E_OK;
}

/* json_dump_callback() sink appending to a buf; -1 stops the dump. */
static int
jsonx_dump_cb(const char *p, size_t n, void *data)
{
	struct buf *b = data;

	return buf_add(b, p, n) ? -1 : 0;
}

/* Append compact JSON for v. */
int
jsonx_dump(const json_t *v, struct buf *out)
{
	size_t start = out->len;

	if (v == NULL)
		return E_INVAL;
	if (json_dump_callback(v, jsonx_dump_cb, out,
		JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
		if (out->len != start)
			buf_truncate(out, start);
		return E_TOOBIG;
	}
	return E_OK;
}

/* Compact JSON text in an arena. */
char *
jsonx_text(const json_t *v, struct arena *a)
{
	struct buf b = BUF_INIT(0);
	char *out;
	int err = jsonx_dump(v, &b);

	ASSERT(err == E_OK);
	out = arena_memdupz(a, b.data, b.len);
	buf_release(&b);
	return out;
}

/*
 * Length of the valid UTF-8 sequence at p (at most n bytes available), or
 * 0 when it is invalid (bad lead or continuation byte, overlong form,
 * surrogate, past U+10FFFF, truncated).  *cp receives the code point.
 */
static size_t
jsonx_utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t need;
	size_t i;
	uint32_t c;
	uint32_t min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		need = 2;
		c = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		need = 3;
		c = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		need = 4;
		c = p[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return need;
}

/* Append the escaped bytes of s, without the quotes. */
static int
jsonx_escape_body(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	size_t run;
	size_t n;
	uint32_t cp;
	int err = E_OK;

	for (i = 0; !err && i < len; i += n) {
		/* Copy the longest run that needs no escaping in one go. */
		for (run = i; run < len && p[run] >= 0x20 && p[run] < 0x80 &&
			p[run] != '"' && p[run] != '\\'; run++)
			;
		if (run > i) {
			err = buf_add(out, p + i, run - i);
			n = run - i;
			continue;
		}
		n = jsonx_utf8_len(p + i, len - i, &cp);
		if (n == 0) {
			err = buf_addstr(out, "\\ufffd");
			n = 1;
		} else if (cp == '"') {
			err = buf_addstr(out, "\\\"");
		} else if (cp == '\\') {
			err = buf_addstr(out, "\\\\");
		} else if (cp == '\n') {
			err = buf_addstr(out, "\\n");
		} else if (cp == '\r') {
			err = buf_addstr(out, "\\r");
		} else if (cp == '\t') {
			err = buf_addstr(out, "\\t");
		} else if (cp == '\b') {
			err = buf_addstr(out, "\\b");
		} else if (cp == '\f') {
			err = buf_addstr(out, "\\f");
		} else if (cp < 0x20 || cp == 0x2028 || cp == 0x2029) {
			err = buf_addf(out, "\\u%04x", (unsigned)cp);
		} else {
			err = buf_add(out, p + i, n);
		}
	}
	return err;
}

/* Append s as a JSON string literal; see jsonx.h. */
int
jsonx_escape(struct buf *out, const char *s, size_t len)
{
	size_t start = out->len;
	int err;

	err = buf_addch(out, '"');
	if (!err)
		err = jsonx_escape_body(out, s, len);
	if (!err)
		err = buf_addch(out, '"');
	if (err && out->len != start)
		buf_truncate(out, start);
	return err;
}

/* Escape in slices; see jsonx.h. */
int
jsonx_escape_stream(const char *s, size_t len, jsonx_write_fn *fn, void *ctx,
	size_t *total)
{
	struct buf chunk = BUF_INIT(0);
	size_t i = 0, end, back;
	int err = E_OK;

	*total = 2;
	if (fn && fn(ctx, "\"", 1))
		return E_IO;
	while (i < len) {
		end = len - i > JSONX_SLICE ? i + JSONX_SLICE : len;
		/* Note that a slice must not end inside a UTF-8 sequence, or
		 * its bytes would be replaced as invalid. */
		for (back = 0; end < len && back < 3 &&
		    ((unsigned char)s[end] & 0xc0) == 0x80; back++)
			end--;
		buf_reset(&chunk);
		err = jsonx_escape_body(&chunk, s + i, end - i);
		if (err)
			break;
		*total += chunk.len;
		if (fn && fn(ctx, chunk.data, chunk.len)) {
			err = E_IO;
			break;
		}
		i = end;
	}
	if (!err && fn && fn(ctx, "\"", 1))
		err = E_IO;
	buf_release(&chunk);
	return err;
}

/* A JSON string from untrusted bytes; see jsonx.h. */
json_t *
jsonx_string(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf fixed = BUF_INIT(0);
	json_t *v;
	uint32_t cp;
	size_t i, n;

	if (!s)
		return json_null();
	v = json_stringn(s, len);
	if (v)
		return v;
	/* Note that jansson refuses invalid UTF-8; repair it byte by byte. */
	for (i = 0; i < len; i += n) {
		n = jsonx_utf8_len(p + i, len - i, &cp);
		if (n == 0) {
			buf_puts(&fixed, "\xef\xbf\xbd");
			n = 1;
		} else {
			buf_put(&fixed, p + i, n);
		}
	}
	v = json_stringn(fixed.data, fixed.len);
	buf_release(&fixed);
	ASSERT(v != NULL);
	return v;
}

/* jsonx_string() of a C string. */
json_t *
jsonx_cstr(const char *s)
{
	return s ? jsonx_string(s, strlen(s)) : json_null();
}

/* A timestamp string. */
json_t *
jsonx_utc(int64_t usec)
{
	char t[48];

	if (utc_format(usec, UTC_FMT_Z, t, sizeof(t)))
		return json_null();
	return json_string(t);
}

/* Parse the first array or object of data, deeper nesting allowed; see jsonx.h. */
int
jsonx_parse_prefix(const char *data, size_t len, int max_depth, json_t **out,
	size_t *used, char *err, size_t errlen)
{
	json_error_t jerr;
	size_t end;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (max_depth > JSONX_MAX_DEPTH_PREFIX)
		max_depth = JSONX_MAX_DEPTH_PREFIX;
	end = jsonx_depth_scan(data, len, max_depth, true);
	if (end == (size_t)-1) {
		if (err && errlen)
			snprintf(err, errlen, "JSON nested deeper than %d levels", max_depth);
		return E_TOOBIG;
	}
	if (memchr(data, '\0', end) != NULL) {
		if (err && errlen)
			snprintf(err, errlen, "NUL byte in JSON text");
		return E_INVAL;
	}
	*out = json_loadb(data, end, JSON_DECODE_ANY, &jerr);
	if (*out == NULL) {
		if (err && errlen)
			snprintf(err, errlen, "line %d column %d: %s",
				jerr.line, jerr.column, jerr.text);
		return E_INVAL;
	}
	if (used)
		*used = end;
	return E_OK;
}

/* Text check; see jsonx.h. */
bool
jsonx_is_text(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x80) {
			i++;
			continue;
		}
		n = jsonx_utf8_len(p + i, len - i, &cp);
		if (n == 0)
			return false;
		if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' &&
		    cp != '\f')
			return false;
		i += n;
	}
	return true;
}
