/*
 * store_s3.c - the S3 backend of store.h: a thin layer over s3.c.
 */
#include "compat.h"

#include <stdio.h>

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
	if (in)
		return store_s3_rc(st, s3_put_file(st->ctx, key, in, flen, opts));
	return store_s3_rc(st, s3_put(st->ctx, key, data, len, opts));
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
	return store_s3_rc(st, s3_head(st->ctx, key, info));
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
	return store_s3_rc(st, s3_list(st->ctx, prefix, token, max, page));
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
