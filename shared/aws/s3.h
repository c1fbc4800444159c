/*
 * s3.h - S3 requests: pure building and parsing, plus one http_do() each.
 *
 * Requests are signed by libcurl (SigV4, service "s3"); this module adds
 * what libcurl 7.88 does not: x-amz-content-sha256 (the hex SHA-256 of
 * the body, computed here, also for streamed uploads), canonical query
 * strings (keys sorted, RFC 3986 encoding with upper-case hex, "k=" for
 * empty values) and object keys percent-encoded exactly once ('/' kept).
 *
 * Addressing: path-style (endpoint/bucket/key) or virtual-host
 * (bucket.host/key).  The endpoint defaults to
 * https://s3.{region}.amazonaws.com.  Credentials come from the config,
 * else from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
 *
 * Errors are the codes store.h documents (the store's S3 backend passes
 * them through; this module knows nothing of the store): E_NOTFOUND for a
 * missing key, E_HTTP / E_TIMEOUT / E_THROTTLED retryable; the S3 error
 * code and message of the last failure are in s3_errmsg().
 */
#ifndef EMBER_S3_H
#define EMBER_S3_H

#include "compat.h"

#include <stdio.h>

#include "buf.h"
#include "cfg.h"

struct s3;

/* What HEAD says about an object. */
struct s3_info {
	uint64_t size;		/* bytes */
	int64_t mtime;		/* Last-Modified, unix seconds */
	char content_type[128];
};

/* Optional put attributes; meta is NULL or a NULL-terminated name,value,... list. */
struct s3_put_opts {
	const char *content_type;	/* NULL = application/octet-stream */
	const char *const *meta;	/* user metadata (x-amz-meta-*) */
};

/* One page of a listing. */
struct s3_list_page {
	char **keys;		/* heap array of heap strings */
	size_t n;
	char *next_token;	/* NULL when this was the last page */
};

/* Free a page's keys and token (the struct itself is the caller's). */
void s3_list_page_release(struct s3_list_page *page);

MUST_CHECK int s3_new(const struct cfg_s3 *cfg, struct s3 **out, char *err,
	size_t errlen);
void s3_free(struct s3 *s);
const char *s3_errmsg(const struct s3 *s);

/* --- pure helpers (no I/O) --- */

/* The URL of an object (key encoded once). */
MUST_CHECK int s3_object_url(const struct s3 *s, const char *key,
	struct buf *out);
/* The ListObjectsV2 URL with a canonical query (token NULL = first page). */
MUST_CHECK int s3_list_url(const struct s3 *s, const char *prefix,
	const char *token, size_t max, struct buf *out);
/*
 * Parse a ListBucketResult into page (keys and next token; s3_parse.c, with
 * expat); E_PROTO if malformed, or truncated without a token.
 */
MUST_CHECK int s3_parse_list(const char *xml, size_t len,
	struct s3_list_page *page);
/* Extract <Code> and <Message> from an S3 error body ("" when absent). */
void s3_parse_error(const char *xml, size_t len, char *code, size_t codelen,
	char *msg, size_t msglen);
/* Unix seconds of an RFC 1123 date ("Wed, 25 Nov 2026 09:00:00 GMT"), 0 if not one. */
int64_t s3_http_date(const char *s);
/* Map an HTTP status and S3 error code to an enum err. */
int s3_status_err(long status, const char *code);

/* --- requests --- */

MUST_CHECK int s3_put(struct s3 *s, const char *key, const void *data,
	size_t len, const struct s3_put_opts *opts);
MUST_CHECK int s3_put_file(struct s3 *s, const char *key, FILE *in,
	uint64_t len, const struct s3_put_opts *opts);
MUST_CHECK int s3_get(struct s3 *s, const char *key, size_t max,
	struct buf *out);
MUST_CHECK int s3_get_file(struct s3 *s, const char *key, FILE *out);
MUST_CHECK int s3_head(struct s3 *s, const char *key, struct s3_info *info);
MUST_CHECK int s3_delete(struct s3 *s, const char *key);
MUST_CHECK int s3_list(struct s3 *s, const char *prefix, const char *token,
	size_t max, struct s3_list_page *page);
MUST_CHECK int s3_exists_many(struct s3 *s, const char *const *keys, size_t n,
	bool *exists);

#endif
