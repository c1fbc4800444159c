/*
 * store_s3.c - the S3 backend of store.h: a thin layer over s3.c, which
 * has types of its own (s3.h does not know the store); this file converts
 * between the two.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "s3.h"
#include "store_int.h"

/* Copy the s3 client's error text into the store on failure. */
static int
store_s3_rc(struct store *st, int rc)
{
	if (rc != E_OK)
		store_seterr(st, "%s", s3_errmsg(st->ctx));
	return rc;
}

/* Put. */
static int
store_s3_put(struct store *st, const char *key, const void *data, size_t len,
	FILE *in, uint64_t flen, const struct store_put_opts *opts)
{
	struct s3_put_opts o = { NULL, NULL };

	if (opts) {
		o.content_type = opts->content_type;
		o.meta = opts->meta;
	}
	if (in)
		return store_s3_rc(st, s3_put_file(st->ctx, key, in, flen,
			opts ? &o : NULL));
	return store_s3_rc(st, s3_put(st->ctx, key, data, len,
		opts ? &o : NULL));
}

/* Get. */
static int
store_s3_get(struct store *st, const char *key, size_t max, struct buf *out,
	FILE *sink)
{
	if (sink)
		return store_s3_rc(st, s3_get_file(st->ctx, key, sink));
	return store_s3_rc(st, s3_get(st->ctx, key, max, out));
}

/* Head. */
static int
store_s3_head(struct store *st, const char *key, struct store_info *info)
{
	struct s3_info si;
	int rc;

	memset(&si, 0, sizeof(si));
	rc = store_s3_rc(st, s3_head(st->ctx, key, &si));
	if (rc == E_OK && info) {
		info->size = si.size;
		info->mtime = si.mtime;
		snprintf(info->content_type, sizeof(info->content_type), "%s",
			si.content_type);
	}
	return rc;
}

/* Delete. */
static int
store_s3_del(struct store *st, const char *key)
{
	return store_s3_rc(st, s3_delete(st->ctx, key));
}

/* List. */
static int
store_s3_list(struct store *st, const char *prefix, const char *token,
	size_t max, struct store_list_page *page)
{
	struct s3_list_page sp = { NULL, 0, NULL };
	int rc;

	rc = store_s3_rc(st, s3_list(st->ctx, prefix, token, max, &sp));
	/* Same members: the keys and the token change owner as they are. */
	page->keys = sp.keys;
	page->n = sp.n;
	page->next_token = sp.next_token;
	return rc;
}

/* Exists for many. */
static int
store_s3_exists_many(struct store *st, const char *const *keys, size_t n,
	bool *exists)
{
	return store_s3_rc(st, s3_exists_many(st->ctx, keys, n, exists));
}

/* Free the client. */
static void
store_s3_free(void *ctx)
{
	s3_free(ctx);
}

static const struct store_backend store_s3_backend = {
	.name = "s3",
	.put = store_s3_put,
	.get = store_s3_get,
	.head = store_s3_head,
	.del = store_s3_del,
	.list = store_s3_list,
	.exists_many = store_s3_exists_many,
	.free = store_s3_free,
};

/* Open the S3 backend. */
int
store_s3_open(struct store *st, const struct cfg_store *cfg, char *err,
	size_t errlen)
{
	struct s3 *s = NULL;
	int rc;

	rc = s3_new(&cfg->s3, &s, err, errlen);
	if (rc != E_OK)
		return rc;
	st->be = &store_s3_backend;
	st->ctx = s;
	return E_OK;
}
