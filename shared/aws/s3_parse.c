/*
 * s3_parse.c - reading S3's answers (pure, no I/O): status codes, dates,
 * and the two answers we read as XML, parsed with expat: ListObjectsV2
 * (ListBucketResult) and error bodies (Error).
 *
 * A small stack of element names is kept so that only the elements we
 * want are collected, at their place in the tree:
 *
 *   ListBucketResult/Contents/Key          one key each
 *   ListBucketResult/IsTruncated           "true" = another page follows
 *   ListBucketResult/NextContinuationToken the next page's token
 *   Error/Code, Error/Message              the failure's code and text
 *
 * expat decodes entities and character references and rejects malformed
 * documents; a document type declaration is refused (S3 never sends one,
 * and it is where entity expansion attacks live).  Text is capped per
 * element (S3 keys are at most 1,024 bytes).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <expat.h>

#include "buf.h"
#include "mem.h"
#include "s3.h"

#define S3X_DEPTH 8		/* deeper elements are not ours: ignored */
#define S3X_TEXT_MAX 65536	/* longest text of one element we keep */

enum s3x_doc { S3X_LIST, S3X_ERROR };

struct s3x {
	XML_Parser p;
	enum s3x_doc doc;
	const char *path[S3X_DEPTH];	/* names we care about, else NULL */
	unsigned depth;
	bool root_ok;		/* the root element is the expected one */
	bool collecting;	/* inside an element whose text we keep */
	bool failed;		/* a limit was hit */
	struct buf text;
	/* results */
	struct s3_list_page *page;
	size_t cap;
	bool truncated;
	char *token;
	char *code;
	char *msg;
};

/* The element names we keep on the stack (static strings). */
static const char *const s3x_names[] = {
	"ListBucketResult", "Contents", "Key", "IsTruncated",
	"NextContinuationToken", "Error", "Code", "Message",
};

/* A static copy of name if it is one of ours, else NULL. */
static const char *
s3x_known(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(s3x_names); i++)
		if (strcmp(name, s3x_names[i]) == 0)
			return s3x_names[i];
	return NULL;
}

/* Whether the stack is exactly a/b[/c] (NULL ends the list). */
static bool
s3x_at(const struct s3x *x, const char *a, const char *b, const char *c)
{
	unsigned want = c ? 3 : 2;

	return x->depth == want && x->path[0] == s3x_known(a) &&
		x->path[1] == s3x_known(b) && (!c || x->path[2] == s3x_known(c));
}

/* Whether the text of the current element is wanted. */
static bool
s3x_wanted(const struct s3x *x)
{
	if (x->doc == S3X_LIST)
		return s3x_at(x, "ListBucketResult", "Contents", "Key") ||
			s3x_at(x, "ListBucketResult", "IsTruncated", NULL) ||
			s3x_at(x, "ListBucketResult", "NextContinuationToken",
				NULL);
	return s3x_at(x, "Error", "Code", NULL) ||
		s3x_at(x, "Error", "Message", NULL);
}

/* Element start: push, check the root, start collecting if wanted. */
static void XMLCALL
s3x_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct s3x *x = ud;

	(void)attrs;
	if (x->depth == 0)
		x->root_ok = strcmp(name, x->doc == S3X_LIST ?
			"ListBucketResult" : "Error") == 0;
	if (x->depth < S3X_DEPTH)
		x->path[x->depth] = s3x_known(name);
	x->depth++;
	x->collecting = x->root_ok && x->depth <= S3X_DEPTH && s3x_wanted(x);
	buf_reset(&x->text);
}

/* Text: append while collecting. */
static void XMLCALL
s3x_chars(void *ud, const XML_Char *s, int len)
{
	struct s3x *x = ud;

	if (!x->collecting || len <= 0)
		return;
	if (buf_add(&x->text, s, (size_t)len) != E_OK) {
		x->failed = true;
		XML_StopParser(x->p, XML_FALSE);
	}
}

/* A heap copy of the collected text. */
static char *
s3x_take(struct s3x *x)
{
	return xmemdupz(x->text.len ? x->text.data : "", x->text.len);
}

/* Element end: store what was collected, pop. */
static void XMLCALL
s3x_end(void *ud, const XML_Char *name)
{
	struct s3x *x = ud;
	struct s3_list_page *pg = x->page;

	(void)name;
	if (x->collecting) {
		const char *leaf = x->path[x->depth - 1];

		if (leaf == s3x_known("Key")) {
			if (pg->n == x->cap) {
				x->cap = x->cap ? x->cap * 2 : 64;
				pg->keys = xrealloc(pg->keys,
					x->cap * sizeof(*pg->keys));
			}
			pg->keys[pg->n++] = s3x_take(x);
		} else if (leaf == s3x_known("IsTruncated")) {
			x->truncated = x->text.len == 4 &&
				memcmp(x->text.data, "true", 4) == 0;
		} else if (leaf == s3x_known("NextContinuationToken")) {
			free(x->token);
			x->token = s3x_take(x);
		} else if (leaf == s3x_known("Code")) {
			free(x->code);
			x->code = s3x_take(x);
		} else if (leaf == s3x_known("Message")) {
			free(x->msg);
			x->msg = s3x_take(x);
		}
	}
	x->collecting = false;
	x->depth--;
}

/* A DOCTYPE: refuse the document. */
static void XMLCALL
s3x_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
	const XML_Char *pubid, int has_internal_subset)
{
	struct s3x *x = ud;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	x->failed = true;
	XML_StopParser(x->p, XML_FALSE);
}

/* Parse xml as doc; true when it is well-formed with the right root. */
static bool
s3x_run(struct s3x *x, enum s3x_doc doc, const char *xml, size_t len)
{
	bool ok;

	x->doc = doc;
	buf_init(&x->text, S3X_TEXT_MAX);
	x->p = XML_ParserCreate("UTF-8");
	if (!x->p)
		abort();
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, s3x_start, s3x_end);
	XML_SetCharacterDataHandler(x->p, s3x_chars);
	XML_SetStartDoctypeDeclHandler(x->p, s3x_doctype);
	ok = len <= (size_t)INT32_MAX &&
		XML_Parse(x->p, xml, (int)len, XML_TRUE) == XML_STATUS_OK &&
		!x->failed && x->root_ok;
	XML_ParserFree(x->p);
	x->p = NULL;
	buf_release(&x->text);
	return ok;
}

/* Parse a ListObjectsV2 answer. */
int
s3_parse_list(const char *xml, size_t len, struct s3_list_page *page)
{
	struct s3x x;

	memset(&x, 0, sizeof(x));
	page->keys = NULL;
	page->n = 0;
	page->next_token = NULL;
	x.page = page;
	if (!s3x_run(&x, S3X_LIST, xml, len) ||
	    (x.truncated && (!x.token || !*x.token))) {
		free(x.token);
		s3_list_page_release(page);
		return E_PROTO;
	}
	if (x.truncated)
		page->next_token = x.token;
	else
		free(x.token);
	return E_OK;
}

/* Extract Code and Message of an error body (what was read before any error). */
void
s3_parse_error(const char *xml, size_t len, char *code, size_t codelen,
	char *msg, size_t msglen)
{
	struct s3_list_page unused = { NULL, 0, NULL };
	struct s3x x;

	memset(&x, 0, sizeof(x));
	x.page = &unused;
	code[0] = '\0';
	msg[0] = '\0';
	if (len > 0)
		(void)s3x_run(&x, S3X_ERROR, xml, len);
	if (x.code)
		snprintf(code, codelen, "%s", x.code);
	if (x.msg)
		snprintf(msg, msglen, "%s", x.msg);
	free(x.code);
	free(x.msg);
}

/* Free a page's contents. */
void
s3_list_page_release(struct s3_list_page *page)
{
	xstrv_free(page->keys, page->n);
	free(page->next_token);
	page->keys = NULL;
	page->n = 0;
	page->next_token = NULL;
}

/* Map status + code to an error. */
int
s3_status_err(long status, const char *code)
{
	if (status >= 200 && status < 300)
		return E_OK;
	if (code && (strcmp(code, "SlowDown") == 0 ||
		strstr(code, "Throttl") != NULL))
		return E_THROTTLED;
	switch (status) {
	case 404:
		return E_NOTFOUND;
	case 401:
		return E_AUTH;
	case 403:
		if (code && strcmp(code, "AccessDenied") == 0)
			return E_FORBIDDEN;
		return E_AUTH;
	case 409:
	case 412:
		return E_CONFLICT;
	case 413:
		return E_TOOBIG;
	case 429:
		return E_THROTTLED;
	case 400:
		if (code && (strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
			strcmp(code, "InvalidToken") == 0 ||
			strcmp(code, "ExpiredToken") == 0))
			return E_AUTH;
		return E_INVAL;
	default:
		break;
	}
	if (status >= 300 && status < 400)
		return E_CONFIG;	/* wrong region / endpoint */
	return E_HTTP;
}

/* Parse an RFC 1123 date ("Wed, 25 Nov 2026 09:00:00 GMT"). */
int64_t
s3_http_date(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm);
	if (!end)
		return 0;
	return (int64_t)timegm(&tm);
}
