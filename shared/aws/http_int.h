/*
 * http_int.h - what http.c (one request with retries) shares with
 * http_multi.c (many HEADs in parallel).  Not for use elsewhere.
 */
#ifndef EMBER_HTTP_INT_H
#define EMBER_HTTP_INT_H

#include "compat.h"

#include <curl/curl.h>

#include "http.h"

#define HTTP_ERRBODY_MAX (16 * 1024)	/* kept of a non-2xx body */

struct http {
	CURL *easy;
	CURLM *multi;
	CURL **pool;		/* opts.parallel handles for http_head_many */
	struct http_opts opts;	/* strings below are owned copies */
	uint32_t rng;
	char err[256];
};

/* Per-transfer state seen by the callbacks. */
struct xfer {
	CURL *c;
	struct http_resp *resp;
	const struct http_req *req;
	const unsigned char *src;	/* memory upload cursor */
	size_t src_left;
	bool toobig;
	bool sink_failed;
	bool body_refused;	/* req->on_body said false */
	long status_seen;	/* status of the answer being written */
};

/* Set the client's error text. */
void http_seterr(struct http *h, const char *fmt, ...) ATTR_PRINTF(2, 3);
/*
 * Build the header list of a request (caller frees it with
 * curl_slist_free_all()).
 */
struct curl_slist *http_headers(const char *const *lines);
/* Apply a request's options (and the transfer state x) to an easy handle. */
void http_setup(struct http *h, CURL *c, const struct http_req *req,
	struct curl_slist *hdrs, struct xfer *x);

#endif
