/*
 * s3.c - S3 object requests over http.c (see s3.h).
 */
#include "compat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "err.h"
#include "http.h"
#include "mem.h"
#include "pct.h"
#include "s3.h"

#define S3_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_LIST_BODY_MAX (8u * 1024 * 1024)
#define S3_MAX_HEADERS 40

struct s3 {
	struct http *http;
	char *base;		/* scheme://host[:port][/path] without trailing '/' */
	char *bucket;
	bool path_style;
	char *token_hdr;	/* "x-amz-security-token: ..." or NULL */
	char err[512];
};

/* Set the error text. */
static void
s3_seterr(struct s3 *s, const char *fmt, ...) ATTR_PRINTF(2, 3);

static void
s3_seterr(struct s3 *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

/* Create a client from the config. */
int
s3_new(const struct cfg_s3 *cfg, struct s3 **out, char *err, size_t errlen)
{
	struct s3 *s = NULL;
	struct http_opts ho;
	struct http_aws aws;
	struct buf b = BUF_INIT(0);
	const char *region = cfg->region && *cfg->region ? cfg->region : "us-east-1";
	int rc;

	*out = NULL;
	if (!cfg->bucket || !*cfg->bucket) {
		snprintf(err, errlen, "s3: bucket is not set");
		return E_CONFIG;
	}
	s = xcalloc(1, sizeof(*s));
	if (cfg->endpoint && *cfg->endpoint) {
		if (strncmp(cfg->endpoint, "http://", 7) != 0 &&
			strncmp(cfg->endpoint, "https://", 8) != 0) {
			snprintf(err, errlen, "s3: endpoint must start with http:// "
				"or https://: %s", cfg->endpoint);
			rc = E_CONFIG;
			goto fail;
		}
		s->base = xstrdup(cfg->endpoint);
	} else {
		buf_putf(&b, "https://s3.%s.amazonaws.com", region);
		s->base = buf_detach(&b, NULL);
	}
	while (*s->base && s->base[strlen(s->base) - 1] == '/')
		s->base[strlen(s->base) - 1] = '\0';
	s->bucket = xstrdup(cfg->bucket);
	s->path_style = cfg->path_style;
	memset(&ho, 0, sizeof(ho));
	ho.timeout_ms = cfg->timeout_ms;
	ho.retries = cfg->retries;
	ho.parallel = cfg->parallel;
	aws = (struct http_aws){ "s3", "s3", region, cfg->access_key,
		cfg->secret_key, cfg->session_token };
	rc = http_new_aws(&aws, &ho, &s->http, &s->token_hdr, err, errlen);
	if (rc != E_OK)
		goto fail;
	*out = s;
	return E_OK;
fail:
	buf_release(&b);
	s3_free(s);
	return rc;
}

/* Free a client (NULL is a no-op). */
void
s3_free(struct s3 *s)
{
	if (!s)
		return;
	http_free(s->http);
	free(s->base);
	free(s->bucket);
	free(s->token_hdr);
	free(s);
}

/* The last error text. */
const char *
s3_errmsg(const struct s3 *s)
{
	return s->err;
}

/* Append the bucket's base URL (no trailing '/'). */
static int
s3_bucket_url(const struct s3 *s, struct buf *out)
{
	const char *p;

	if (s->path_style)
		return buf_addf(out, "%s/%s", s->base, s->bucket);
	p = strstr(s->base, "://");
	return buf_addf(out, "%.*s%s.%s", (int)(p + 3 - s->base), s->base,
		s->bucket, p + 3);
}

/* The URL of an object. */
int
s3_object_url(const struct s3 *s, const char *key, struct buf *out)
{
	int rc;

	if ((rc = s3_bucket_url(s, out)) != E_OK ||
		(rc = buf_addch(out, '/')) != E_OK)
		return rc;
	return pct_encode(out, key, strlen(key), true);
}

/* The ListObjectsV2 URL: keys in byte order, every value encoded. */
int
s3_list_url(const struct s3 *s, const char *prefix, const char *token,
	size_t max, struct buf *out)
{
	int rc;

	if (max == 0 || max > 1000)
		max = 1000;
	if ((rc = s3_bucket_url(s, out)) != E_OK)
		return rc;
	/* continuation-token < list-type < max-keys < prefix */
	if ((rc = buf_addstr(out, "/?")) != E_OK)
		return rc;
	if (token) {
		if ((rc = buf_addstr(out, "continuation-token=")) != E_OK ||
			(rc = pct_encode(out, token, strlen(token), false)) != E_OK ||
			(rc = buf_addch(out, '&')) != E_OK)
			return rc;
	}
	if ((rc = buf_addf(out, "list-type=2&max-keys=%zu&prefix=", max)) != E_OK)
		return rc;
	return pct_encode(out, prefix ? prefix : "", prefix ? strlen(prefix) : 0,
		false);
}

/* Hex SHA-256 of memory. */
static void
s3_sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	unsigned i;

	if (!EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL))
		abort();
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Hex SHA-256 of len bytes of a FILE from its position; seeks back after. */
static int
s3_sha256_file(FILE *f, uint64_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	unsigned i;
	char blk[65536];
	EVP_MD_CTX *ctx;
	off_t start = ftello(f);
	uint64_t left = len;
	int rc = E_OK;

	if (start < 0)
		return E_IO;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		abort();
	while (left > 0) {
		size_t want = left < sizeof(blk) ? (size_t)left : sizeof(blk);
		size_t got = fread(blk, 1, want, f);

		if (got == 0) {
			rc = E_IO;
			break;
		}
		EVP_DigestUpdate(ctx, blk, got);
		left -= got;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	if (fseeko(f, start, SEEK_SET) != 0)
		rc = E_IO;
	return rc;
}

/* Whether a metadata name is a safe HTTP header suffix. */
static bool
s3_meta_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* Whether a header value is printable ASCII. */
static bool
s3_value_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/*
 * Build the header lines of a request into hb (NUL-separated) and
 * lines[] pointing into it.
 */
static int
s3_build_headers(struct s3 *s, const char *sha, const struct s3_put_opts *o,
	struct buf *hb, const char **lines)
{
	size_t offs[S3_MAX_HEADERS];
	size_t n = 0;
	size_t i;

#define S3_HDR(...) \
	do { \
		if (n + 1 >= S3_MAX_HEADERS) { \
			s3_seterr(s, "too many metadata entries"); \
			return E_INVAL; \
		} \
		offs[n++] = hb->len; \
		buf_putf(hb, __VA_ARGS__); \
		buf_putc(hb, '\0'); \
	} while (0)

	S3_HDR("x-amz-content-sha256: %s", sha);
	if (s->token_hdr)
		S3_HDR("%s", s->token_hdr);
	if (o && o->content_type) {
		if (!s3_value_ok(o->content_type)) {
			s3_seterr(s, "bad content type");
			return E_INVAL;
		}
		S3_HDR("Content-Type: %s", o->content_type);
	}
	for (i = 0; o && o->meta && o->meta[i]; i += 2) {
		if (!o->meta[i + 1] || !s3_meta_name_ok(o->meta[i]) ||
			!s3_value_ok(o->meta[i + 1])) {
			s3_seterr(s, "bad metadata entry %s", o->meta[i]);
			return E_INVAL;
		}
		S3_HDR("x-amz-meta-%s: %s", o->meta[i], o->meta[i + 1]);
	}
#undef S3_HDR
	for (i = 0; i < n; i++)
		lines[i] = hb->data + offs[i];
	lines[n] = NULL;
	return E_OK;
}

/*
 * Turn a finished exchange into a result: E_OK for 2xx, else the mapped
 * error with the S3 code and message in the error text.
 */
static int
s3_result(struct s3 *s, int rc, const struct http_req *req,
	const struct http_resp *resp)
{
	char code[64];
	char msg[256];
	int e;

	if (rc != E_OK) {
		s3_seterr(s, "s3: %s", http_errmsg(s->http));
		return rc;
	}
	if (resp->status >= 200 && resp->status < 300)
		return E_OK;
	s3_parse_error(resp->body.data, resp->body.len, code, sizeof(code),
		msg, sizeof(msg));
	e = s3_status_err(resp->status, code);
	s3_seterr(s, "s3: %s %s: HTTP %ld%s%s%s%s (%u attempt%s)", req->method,
		req->url, resp->status, *code ? " " : "", code, *msg ? ": " : "",
		msg, resp->attempts, resp->attempts == 1 ? "" : "s");
	return e;
}

/* Upload from memory or a FILE (exactly one of data / in). */
static int
s3_put_any(struct s3 *s, const char *key, const void *data, size_t len,
	FILE *in, uint64_t flen, const struct s3_put_opts *opts)
{
	struct buf url = BUF_INIT(0);
	struct buf hb = BUF_INIT(0);
	const char *lines[S3_MAX_HEADERS + 1];
	struct http_req req;
	struct http_resp resp;
	char sha[65];
	int rc;

	http_resp_init(&resp, 64 * 1024);
	if (in) {
		if (s3_sha256_file(in, flen, sha) != E_OK) {
			s3_seterr(s, "s3: cannot read the upload: %s", strerror(errno));
			rc = E_IO;
			goto out;
		}
	} else {
		s3_sha256_hex(data, len, sha);
	}
	if ((rc = s3_build_headers(s, sha, opts, &hb, lines)) != E_OK)
		goto out;
	if ((rc = s3_object_url(s, key, &url)) != E_OK)
		goto out;
	memset(&req, 0, sizeof(req));
	req.method = "PUT";
	req.url = url.data;
	req.headers = lines;
	req.body = data;
	req.body_len = len;
	req.body_file = in;
	req.body_file_len = flen;
	rc = s3_result(s, http_do(s->http, &req, &resp), &req, &resp);
out:
	http_resp_release(&resp);
	buf_release(&url);
	buf_release(&hb);
	return rc;
}

/* PUT from memory. */
int
s3_put(struct s3 *s, const char *key, const void *data, size_t len,
	const struct s3_put_opts *opts)
{
	return s3_put_any(s, key, data ? data : "", len, NULL, 0, opts);
}

/* PUT from a FILE; a non-seekable one is spooled to a temporary file. */
int
s3_put_file(struct s3 *s, const char *key, FILE *in, uint64_t len,
	const struct s3_put_opts *opts)
{
	FILE *tmp = NULL;
	char blk[65536];
	uint64_t left = len;
	int rc;

	if (ftello(in) >= 0)
		return s3_put_any(s, key, NULL, 0, in, len, opts);
	tmp = tmpfile();
	if (!tmp) {
		s3_seterr(s, "s3: tmpfile: %s", strerror(errno));
		return E_IO;
	}
	while (left > 0) {
		size_t want = left < sizeof(blk) ? (size_t)left : sizeof(blk);
		size_t got = fread(blk, 1, want, in);

		if (got == 0 || fwrite(blk, 1, got, tmp) != got) {
			s3_seterr(s, "s3: short read spooling the upload");
			rc = E_IO;
			goto out;
		}
		left -= got;
	}
	rewind(tmp);
	rc = s3_put_any(s, key, NULL, 0, tmp, len, opts);
out:
	fclose(tmp);
	return rc;
}

/* A bodiless request (GET into out / sink, HEAD, DELETE) on an object. */
static int
s3_simple(struct s3 *s, const char *method, const char *key, size_t max,
	struct buf *out, FILE *sink, struct http_resp *resp)
{
	struct buf url = BUF_INIT(0);
	const char *lines[3];
	struct http_req req;
	int rc;

	lines[0] = "x-amz-content-sha256: " S3_EMPTY_SHA256;
	lines[1] = s->token_hdr;
	lines[2] = NULL;
	if ((rc = s3_object_url(s, key, &url)) != E_OK)
		goto out;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url.data;
	req.headers = lines;
	req.sink = sink;
	resp->body.max = max;
	rc = s3_result(s, http_do(s->http, &req, resp), &req, resp);
	if (rc == E_OK && out && out->len == 0) {
		/* hand the answer's buffer over instead of copying it */
		size_t omax = out->max;

		buf_release(out);
		*out = resp->body;
		out->max = omax;
		buf_init(&resp->body, 0);
	} else if (rc == E_OK && out &&
		buf_add(out, resp->body.data, resp->body.len) != E_OK) {
		s3_seterr(s, "s3: object %s larger than the cap", key);
		rc = E_TOOBIG;
	}
out:
	buf_release(&url);
	return rc;
}

/* GET into memory. */
int
s3_get(struct s3 *s, const char *key, size_t max, struct buf *out)
{
	struct http_resp resp;
	size_t cap = max;
	int rc;

	if (out->max && (cap == 0 || out->max - out->len < cap))
		cap = out->max - out->len;
	http_resp_init(&resp, cap);
	rc = s3_simple(s, "GET", key, cap, out, NULL, &resp);
	if (rc == E_TOOBIG)
		s3_seterr(s, "s3: object %s is larger than %zu bytes", key, cap);
	http_resp_release(&resp);
	return rc;
}

/* GET into a FILE. */
int
s3_get_file(struct s3 *s, const char *key, FILE *out)
{
	struct http_resp resp;
	int rc;

	http_resp_init(&resp, 0);
	rc = s3_simple(s, "GET", key, 0, NULL, out, &resp);
	http_resp_release(&resp);
	return rc;
}

/* HEAD an object. */
int
s3_head(struct s3 *s, const char *key, struct s3_info *info)
{
	struct http_resp resp;
	char v[128];
	int rc;

	http_resp_init(&resp, 0);
	rc = s3_simple(s, "HEAD", key, 0, NULL, NULL, &resp);
	if (rc == E_OK) {
		memset(info, 0, sizeof(*info));
		if (http_resp_header(&resp, "Content-Length", v, sizeof(v)))
			info->size = strtoull(v, NULL, 10);
		if (http_resp_header(&resp, "Last-Modified", v, sizeof(v)))
			info->mtime = s3_http_date(v);
		if (!http_resp_header(&resp, "Content-Type", info->content_type,
			sizeof(info->content_type)))
			snprintf(info->content_type, sizeof(info->content_type),
				"application/octet-stream");
	} else if (rc == E_NOTFOUND) {
		s3_seterr(s, "s3: no such object: %s", key);
	}
	http_resp_release(&resp);
	return rc;
}

/* DELETE an object (a missing one is fine: S3 answers 204 anyway). */
int
s3_delete(struct s3 *s, const char *key)
{
	struct http_resp resp;
	int rc;

	http_resp_init(&resp, 0);
	rc = s3_simple(s, "DELETE", key, 0, NULL, NULL, &resp);
	if (rc == E_NOTFOUND)
		rc = E_OK;
	http_resp_release(&resp);
	return rc;
}

/* One ListObjectsV2 page. */
int
s3_list(struct s3 *s, const char *prefix, const char *token, size_t max,
	struct s3_list_page *page)
{
	struct buf url = BUF_INIT(0);
	const char *lines[3];
	struct http_req req;
	struct http_resp resp;
	int rc;

	page->keys = NULL;
	page->n = 0;
	page->next_token = NULL;
	lines[0] = "x-amz-content-sha256: " S3_EMPTY_SHA256;
	lines[1] = s->token_hdr;
	lines[2] = NULL;
	http_resp_init(&resp, S3_LIST_BODY_MAX);
	if ((rc = s3_list_url(s, prefix, token, max, &url)) != E_OK)
		goto out;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url.data;
	req.headers = lines;
	rc = s3_result(s, http_do(s->http, &req, &resp), &req, &resp);
	if (rc != E_OK)
		goto out;
	rc = s3_parse_list(resp.body.data, resp.body.len, page);
	if (rc != E_OK)
		s3_seterr(s, "s3: malformed ListBucketResult");
out:
	http_resp_release(&resp);
	buf_release(&url);
	return rc;
}

/* HEAD many keys in parallel. */
int
s3_exists_many(struct s3 *s, const char *const *keys, size_t n, bool *exists)
{
	struct buf *urls = NULL;
	const char **u = NULL;
	long *status = NULL;
	const char *lines[3];
	size_t i;
	int rc;

	if (n == 0)
		return E_OK;
	lines[0] = "x-amz-content-sha256: " S3_EMPTY_SHA256;
	lines[1] = s->token_hdr;
	lines[2] = NULL;
	urls = xcalloc(n, sizeof(*urls));
	u = xcalloc(n, sizeof(*u));
	status = xcalloc(n, sizeof(*status));
	for (i = 0; i < n; i++) {
		buf_init(&urls[i], 0);
		rc = s3_object_url(s, keys[i], &urls[i]);	/* uncapped */
		ASSERT(rc == E_OK);
		u[i] = urls[i].data;
	}
	rc = http_head_many(s->http, u, n, lines, status);
	if (rc != E_OK) {
		s3_seterr(s, "s3: %s", http_errmsg(s->http));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (status[i] >= 200 && status[i] < 300) {
			exists[i] = true;
		} else if (status[i] == 404) {
			exists[i] = false;
		} else {
			rc = s3_status_err(status[i], "");
			s3_seterr(s, "s3: HEAD %s: HTTP %ld", u[i], status[i]);
			goto out;
		}
	}
out:
	for (i = 0; i < n; i++)
		buf_release(&urls[i]);
	free(urls);
	free(u);
	free(status);
	return rc;
}
