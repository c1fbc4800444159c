/*
 * http_multi.c - HEAD many URLs at once on the client's multi handle (see
 * http_head_many() in http.h): up to opts.parallel transfers in flight on
 * reused easy handles; an answer worth retrying is retried one by one
 * with http_do().
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "err.h"
#include "http.h"
#include "http_int.h"
#include "mem.h"

/* HEAD many URLs in parallel on the multi handle. */
int
http_head_many(struct http *h, const char *const *urls, size_t n,
	const char *const *headers, long *status)
{
	struct curl_slist *hdrs = NULL;
	struct http_resp *resps = NULL;
	struct xfer *xs = NULL;
	struct http_req *reqs = NULL;
	size_t *slot_of = NULL;	/* pool slot -> url index */
	size_t next = 0;
	size_t i;
	unsigned k;
	int running = 0;
	int rc = E_OK;

	if (n == 0)
		return E_OK;
	hdrs = http_headers(headers);
	resps = xcalloc(h->opts.parallel, sizeof(*resps));
	xs = xcalloc(h->opts.parallel, sizeof(*xs));
	reqs = xcalloc(n, sizeof(*reqs));
	slot_of = xcalloc(h->opts.parallel, sizeof(*slot_of));
	for (i = 0; i < n; i++) {
		status[i] = 0;
		reqs[i].method = "HEAD";
		reqs[i].url = urls[i];
		reqs[i].headers = headers;
	}
	for (k = 0; k < h->opts.parallel; k++)
		http_resp_init(&resps[k], 4096);
	/* Start the first batch. */
	for (k = 0; k < h->opts.parallel && next < n; k++, next++) {
		xs[k].c = h->pool[k];
		xs[k].resp = &resps[k];
		xs[k].req = &reqs[next];
		slot_of[k] = next;
		http_setup(h, h->pool[k], &reqs[next], hdrs, &xs[k]);
		curl_easy_setopt(h->pool[k], CURLOPT_PRIVATE, (void *)(uintptr_t)k);
		curl_multi_add_handle(h->multi, h->pool[k]);
		running++;
	}
	while (running > 0) {
		CURLMsg *msg;
		int left;
		int still;

		if (curl_multi_perform(h->multi, &still) != CURLM_OK) {
			http_seterr(h, "curl_multi_perform failed");
			rc = E_INTERNAL;
			break;
		}
		while ((msg = curl_multi_info_read(h->multi, &left))) {
			void *priv = NULL;
			long st = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			k = (unsigned)(uintptr_t)priv;
			if (msg->data.result == CURLE_OK) {
				curl_easy_getinfo(msg->easy_handle,
					CURLINFO_RESPONSE_CODE, &st);
				status[slot_of[k]] = st;
			}
			curl_multi_remove_handle(h->multi, msg->easy_handle);
			running--;
			if (next < n) {
				buf_reset(&resps[k].body);
				buf_reset(&resps[k].headers);
				xs[k].req = &reqs[next];
				slot_of[k] = next;
				http_setup(h, h->pool[k], &reqs[next], hdrs, &xs[k]);
				curl_easy_setopt(h->pool[k], CURLOPT_PRIVATE,
					(void *)(uintptr_t)k);
				curl_multi_add_handle(h->multi, h->pool[k]);
				next++;
				running++;
			}
		}
		if (running > 0 &&
			curl_multi_poll(h->multi, NULL, 0, 1000, NULL) != CURLM_OK) {
			http_seterr(h, "curl_multi_poll failed");
			rc = E_INTERNAL;
			break;
		}
	}
	if (rc != E_OK) {
		for (k = 0; k < h->opts.parallel; k++)
			curl_multi_remove_handle(h->multi, h->pool[k]);
		goto out;
	}
	/* Retry, one by one and with back-off, what had no good answer. */
	for (i = 0; i < n; i++) {
		struct http_resp r;
		int e;

		if (!http_status_retryable(status[i], NULL, 0))
			continue;
		http_resp_init(&r, 4096);
		e = http_do(h, &reqs[i], &r);
		status[i] = r.status;
		http_resp_release(&r);
		if (e != E_OK) {
			rc = e;
			goto out;
		}
	}
out:
	for (k = 0; k < h->opts.parallel; k++)
		http_resp_release(&resps[k]);
	curl_slist_free_all(hdrs);
	free(resps);
	free(xs);
	free(reqs);
	free(slot_of);
	return rc;
}
