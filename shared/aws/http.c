/*
 * http.c - libcurl easy/multi wrapper with retries (see http.h).
 *
 * Connection reuse: curl_easy_reset() keeps a handle's connection cache,
 * so every request of one client goes over the same kept-alive
 * connection when the server allows it; the multi handle keeps its own
 * cache for the parallel HEADs (http_multi.c).  These two files are the
 * only ones that call libcurl.
 */
#include "compat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "err.h"
#include "http.h"
#include "http_int.h"
#include "mem.h"

#define HTTP_HEADERS_MAX (64 * 1024)

static bool http_global_done;

/* Set the client's error text. */
void
http_seterr(struct http *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
}

/* A small xorshift generator for back-off jitter (not for secrets). */
static uint32_t
http_rand(struct http *h)
{
	uint32_t x = h->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	h->rng = x ? x : 0x9e3779b9u;
	return h->rng;
}

/* Create a client. */
int
http_new(const struct http_opts *opts, struct http **out, char *err,
	size_t errlen)
{
	struct http *h = NULL;
	unsigned i;
	struct timespec ts;

	*out = NULL;
	if (!http_global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "curl_global_init failed");
			return E_INTERNAL;
		}
		http_global_done = true;
	}
	h = xcalloc(1, sizeof(*h));
	h->opts = *opts;
	if (!h->opts.timeout_ms)
		h->opts.timeout_ms = 30000;
	if (!h->opts.connect_timeout_ms)
		h->opts.connect_timeout_ms = h->opts.timeout_ms < 5000 ?
			h->opts.timeout_ms : 5000;
	if (!h->opts.backoff_base_ms)
		h->opts.backoff_base_ms = 100;
	if (!h->opts.backoff_max_ms)
		h->opts.backoff_max_ms = 5000;
	if (!h->opts.parallel)
		h->opts.parallel = 8;
	if (h->opts.parallel > 64)
		h->opts.parallel = 64;
	h->opts.sigv4 = opts->sigv4 ? xstrdup(opts->sigv4) : NULL;
	h->opts.userpwd = opts->userpwd ? xstrdup(opts->userpwd) : NULL;
	h->easy = curl_easy_init();
	h->multi = curl_multi_init();
	h->pool = xcalloc(h->opts.parallel, sizeof(*h->pool));
	if (!h->easy || !h->multi)
		goto fail;
	for (i = 0; i < h->opts.parallel; i++) {
		h->pool[i] = curl_easy_init();
		if (!h->pool[i])
			goto fail;
	}
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
		(long)h->opts.parallel);
	clock_gettime(CLOCK_REALTIME, &ts);
	h->rng = (uint32_t)ts.tv_nsec ^ ((uint32_t)getpid() << 16) ^
		(uint32_t)ts.tv_sec;
	if (!h->rng)
		h->rng = 1;
	*out = h;
	return E_OK;
fail:
	snprintf(err, errlen, "curl handle allocation failed");
	http_free(h);
	return E_INTERNAL;
}

/* Free a client and its handles (NULL is a no-op). */
void
http_free(struct http *h)
{
	unsigned i;

	if (!h)
		return;
	if (h->pool) {
		for (i = 0; i < h->opts.parallel; i++)
			if (h->pool[i])
				curl_easy_cleanup(h->pool[i]);
		free(h->pool);
	}
	if (h->multi)
		curl_multi_cleanup(h->multi);
	if (h->easy)
		curl_easy_cleanup(h->easy);
	free((char *)h->opts.sigv4);
	free((char *)h->opts.userpwd);
	free(h);
}

/* The last error text. */
const char *
http_errmsg(const struct http *h)
{
	return h->err;
}

/* Initialise a response. */
void
http_resp_init(struct http_resp *r, size_t body_max)
{
	r->status = 0;
	buf_init(&r->body, body_max);
	buf_init(&r->headers, HTTP_HEADERS_MAX);
	r->attempts = 0;
	r->sunk = 0;
}

/* Free a response's buffers. */
void
http_resp_release(struct http_resp *r)
{
	buf_release(&r->body);
	buf_release(&r->headers);
}

/* Find a header of the final answer. */
bool
http_resp_header(const struct http_resp *r, const char *name, char *out,
	size_t outlen)
{
	const char *p = r->headers.data;
	size_t nlen = strlen(name);

	if (outlen)
		out[0] = '\0';
	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);

		if ((size_t)(end - p) > nlen && p[nlen] == ':' &&
			strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;
			size_t len;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == '\r' || end[-1] == ' ' ||
				end[-1] == '\t'))
				end--;
			len = (size_t)(end - v);
			if (outlen) {
				if (len >= outlen)
					len = outlen - 1;
				memcpy(out, v, len);
				out[len] = '\0';
			}
			return true;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return false;
}

/* Whether an answer should be retried. */
bool
http_status_retryable(long status, const char *body, size_t len)
{
	static const char *const marks[] = {
		"SlowDown", "Throttl", "RequestLimitExceeded",
	};
	size_t i;

	if (status >= 500 || status == 429 || status == 0)
		return true;
	if (status != 400)
		return false;
	for (i = 0; body && i < ARRAY_SIZE(marks); i++)
		if (memmem(body, len, marks[i], strlen(marks[i])))
			return true;
	return false;
}

/* Exponential back-off, capped, with "equal jitter" (half fixed, half random). */
unsigned
http_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms,
	uint32_t rnd)
{
	uint64_t d = base_ms;
	unsigned half;

	if (attempt == 0)
		return 0;
	while (--attempt && d < max_ms)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	half = (unsigned)(d / 2);
	return half + (half ? rnd % (half + 1) : 0);
}

/* Sleep ms milliseconds (EINTR-safe). */
static void
http_sleep_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* curl write callback: body to the sink (2xx) or the response buffer. */
static size_t
http_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &status);
	x->status_seen = status;
	if (status >= 200 && status < 300) {
		if (x->req && x->req->on_body) {
			if (!x->req->on_body(x->req->on_body_ctx, ptr, n)) {
				x->body_refused = true;
				return 0;
			}
			x->resp->sunk += n;
			return n;
		}
		if (x->req && x->req->sink) {
			if (fwrite(ptr, 1, n, x->req->sink) != n) {
				x->sink_failed = true;
				return 0;
			}
			x->resp->sunk += n;
			return n;
		}
		if (buf_add(&x->resp->body, ptr, n) != E_OK) {
			x->toobig = true;
			return 0;
		}
		return n;
	}
	/* Error answers: keep a bounded prefix, ignore the caller's cap. */
	if (x->resp->body.len < HTTP_ERRBODY_MAX) {
		size_t room = HTTP_ERRBODY_MAX - x->resp->body.len;
		size_t keep = n < room ? n : room;
		size_t max = x->resp->body.max;

		x->resp->body.max = 0;
		if (buf_add(&x->resp->body, ptr, keep) != E_OK)
			keep = 0;
		x->resp->body.max = max;
	}
	return n;
}

/* curl header callback: keep the lines of the last answer only. */
static size_t
http_header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
		buf_reset(&x->resp->headers);
	if (buf_add(&x->resp->headers, ptr, n) != E_OK)
		return n;	/* oversized headers: ignore the rest */
	return n;
}

/* curl read callback: upload from memory or a FILE. */
static size_t
http_read_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	if (x->req->body_file) {
		size_t got = fread(ptr, 1, n, x->req->body_file);

		if (got == 0 && ferror(x->req->body_file))
			return CURL_READFUNC_ABORT;
		return got;
	}
	if (n > x->src_left)
		n = x->src_left;
	if (n == 0)
		return 0;
	memcpy(ptr, x->src, n);
	x->src += n;
	x->src_left -= n;
	return n;
}

/*
 * Build the header list of a request.  Note that libcurl's SigV4 signs
 * every header in this list, even an empty "Expect:" that only suppresses
 * a header, so nothing is added here that is not really sent.
 */
struct curl_slist *
http_headers(const char *const *lines)
{
	struct curl_slist *l = NULL;
	struct curl_slist *t;
	size_t i;

	for (i = 0; lines && lines[i]; i++) {
		t = curl_slist_append(l, lines[i]);
		if (!t)
			abort();
		l = t;
	}
	return l;
}

/* curl progress callback: non-zero aborts when the request is cancelled. */
static int
http_progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow,
	curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = ud;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return x->req->cancelled && x->req->cancelled() ? 1 : 0;
}

/* Apply a request's options to an easy handle. */
void
http_setup(struct http *h, CURL *c, const struct http_req *req,
	struct curl_slist *hdrs, struct xfer *x)
{
	unsigned tmo = req->timeout_ms ? req->timeout_ms : h->opts.timeout_ms;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)tmo);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
		(long)(h->opts.connect_timeout_ms < tmo ?
		h->opts.connect_timeout_ms : tmo));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (req->cancelled) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, http_progress_cb);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	if (h->opts.sigv4) {
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, h->opts.sigv4);
		curl_easy_setopt(c, CURLOPT_USERPWD, h->opts.userpwd);
	}
	if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, http_read_cb);
		curl_easy_setopt(c, CURLOPT_READDATA, x);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)
			(req->body_file ? req->body_file_len : req->body_len));
	} else if (strcmp(req->method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			(curl_off_t)req->body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS,
			req->body ? (const char *)req->body : "");
	} else if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}
}

/* Run a request with retries. */
int
http_do(struct http *h, const struct http_req *req, struct http_resp *resp)
{
	struct curl_slist *hdrs = NULL;
	struct xfer x;
	off_t start = 0;
	unsigned attempt;
	unsigned max_attempts = req->no_retry ? 1 : h->opts.retries + 1;
	int rc = E_HTTP;

	if (req->body_file) {
		start = ftello(req->body_file);
		if (start < 0) {
			http_seterr(h, "upload file is not seekable");
			return E_INVAL;
		}
	}
	hdrs = http_headers(req->headers);
	for (attempt = 1; attempt <= max_attempts; attempt++) {
		CURLcode cc;
		long status = 0;

		if (attempt > 1) {
			unsigned ms = http_backoff_ms(attempt - 1,
				h->opts.backoff_base_ms, h->opts.backoff_max_ms,
				http_rand(h));

			http_sleep_ms(ms);
			if (req->body_file &&
				fseeko(req->body_file, start, SEEK_SET) != 0) {
				http_seterr(h, "cannot rewind upload file: %s",
					strerror(errno));
				rc = E_IO;
				goto out;
			}
		}
		buf_reset(&resp->body);
		buf_reset(&resp->headers);
		resp->status = 0;
		resp->attempts = attempt;
		memset(&x, 0, sizeof(x));
		x.c = h->easy;
		x.resp = resp;
		x.req = req;
		x.src = req->body;
		x.src_left = req->body ? req->body_len : 0;
		http_setup(h, h->easy, req, hdrs, &x);
		cc = curl_easy_perform(h->easy);
		curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &status);
		if (x.toobig) {
			http_seterr(h, "%s %s: answer larger than %zu bytes",
				req->method, req->url, resp->body.max);
			rc = E_TOOBIG;
			goto out;
		}
		if (x.body_refused) {
			http_seterr(h, "%s %s: the answer was refused by its reader",
				req->method, req->url);
			rc = E_PROTO;
			goto out;
		}
		if (x.sink_failed) {
			http_seterr(h, "%s %s: writing the answer failed: %s",
				req->method, req->url, strerror(errno));
			rc = E_IO;
			goto out;
		}
		if (cc == CURLE_ABORTED_BY_CALLBACK && req->cancelled &&
		    req->cancelled()) {
			http_seterr(h, "%s %s: cancelled", req->method, req->url);
			rc = E_STOP;
			goto out;
		}
		if (cc == CURLE_OK) {
			resp->status = status;
			rc = E_OK;
			if (!http_status_retryable(status, resp->body.data,
				resp->body.len))
				goto out;
			http_seterr(h, "%s %s: HTTP %ld after %u attempt(s)",
				req->method, req->url, status, attempt);
		} else {
			rc = cc == CURLE_OPERATION_TIMEDOUT ? E_TIMEOUT : E_HTTP;
			http_seterr(h, "%s %s: %s after %u attempt(s)",
				req->method, req->url, curl_easy_strerror(cc),
				attempt);
		}
		/* Part of a 2xx body already went to the sink: cannot retry. */
		if (resp->sunk > 0) {
			if (rc == E_OK)
				rc = E_HTTP;
			goto out;
		}
	}
out:
	curl_slist_free_all(hdrs);
	return rc;
}

/* A client that signs every request for an AWS API. */
int
http_new_aws(const struct http_aws *aws, const struct http_opts *opts,
	struct http **out, char **token_hdr, char *err, size_t errlen)
{
	const char *key = aws->access_key ? aws->access_key : "";
	const char *secret = aws->secret_key ? aws->secret_key : "";
	const char *token = aws->session_token ? aws->session_token : "";
	struct http_opts ho = *opts;
	struct buf userpwd = BUF_INIT(0);
	char sigv4[128];
	int rc;

	*out = NULL;
	*token_hdr = NULL;
	if (!*key || !*secret || strchr(key, ':')) {
		snprintf(err, errlen, "%s: no credentials (%s.access_key/secret_key "
			"or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)", aws->who,
			aws->who);
		return E_CONFIG;
	}
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:%s", aws->region, aws->service);
	buf_putf(&userpwd, "%s:%s", key, secret);
	ho.sigv4 = sigv4;
	ho.userpwd = userpwd.data;
	rc = http_new(&ho, out, err, errlen);
	buf_release(&userpwd);
	if (rc != E_OK)
		return rc;
	if (*token) {
		struct buf b = BUF_INIT(0);

		buf_putf(&b, "x-amz-security-token: %s", token);
		*token_hdr = buf_detach(&b, NULL);
	}
	return E_OK;
}
