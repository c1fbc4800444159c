/*
 * store.c - the object-store interface: key checks and dispatch to the
 * fs or s3 backend (see store.h).
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "store.h"
#include "store_int.h"

#define STORE_KEY_MAX 1024	/* S3's limit, in bytes */

/* Set the error text of the store. */
void
store_seterr(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

/* Open the configured backend. */
int
store_open(const struct cfg_store *cfg, struct store **out, char *err,
	size_t errlen)
{
	struct store *st;
	int rc;

	*out = NULL;
	st = xcalloc(1, sizeof(*st));
	switch (cfg->backend) {
	case CFG_STORE_FS:
		rc = store_fs_open(st, cfg, err, errlen);
		break;
	case CFG_STORE_S3:
		rc = store_s3_open(st, cfg, err, errlen);
		break;
	default:
		snprintf(err, errlen, "store: unknown backend %d", (int)cfg->backend);
		rc = E_CONFIG;
		break;
	}
	if (rc != E_OK) {
		free(st);
		return rc;
	}
	*out = st;
	return E_OK;
}

/* Close the store (NULL is a no-op). */
void
store_free(struct store *st)
{
	if (!st)
		return;
	if (st->be && st->be->free)
		st->be->free(st->ctx);
	free(st);
}

/* The detail of the last failure. */
const char *
store_errmsg(const struct store *st)
{
	return st->err;
}

/*
 * Check the characters and segments of a key or (allow_partial) a list
 * prefix, whose last segment may be empty or partial.
 */
static bool
store_path_ok(const char *key, bool allow_partial)
{
	const char *seg = key;
	const char *p;
	size_t len = strlen(key);

	if (len > STORE_KEY_MAX)
		return false;
	if (len == 0)
		return allow_partial;
	if (key[0] == '/')
		return false;
	for (p = key;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '/' || c == '\0') {
			size_t n = (size_t)(p - seg);
			bool last = c == '\0';

			if (n == 0 && !(last && allow_partial))
				return false;
			if (!(last && allow_partial) &&
				((n == 1 && seg[0] == '.') ||
				(n == 2 && seg[0] == '.' && seg[1] == '.')))
				return false;
			if (last)
				break;
			seg = p + 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			return false;
	}
	return true;
}

/* Whether a key is acceptable to every backend. */
bool
store_key_valid(const char *key)
{
	return key && store_path_ok(key, false);
}

/* Refuse a bad key with E_INVAL and a message. */
static int
store_check_key(struct store *st, const char *key)
{
	if (store_key_valid(key))
		return E_OK;
	store_seterr(st, "store: invalid key \"%.200s\"", key ? key : "(null)");
	return E_INVAL;
}

/* Put from memory. */
int
store_put(struct store *st, const char *key, const void *data, size_t len,
	const struct store_put_opts *opts)
{
	int rc;

	if ((rc = store_check_key(st, key)) != E_OK)
		return rc;
	return st->be->put(st, key, data ? data : "", len, NULL, 0, opts);
}

/* Put from a FILE. */
int
store_put_stream(struct store *st, const char *key, FILE *in, uint64_t len,
	const struct store_put_opts *opts)
{
	int rc;

	if ((rc = store_check_key(st, key)) != E_OK)
		return rc;
	return st->be->put(st, key, NULL, 0, in, len, opts);
}

/* Get into memory. */
int
store_get(struct store *st, const char *key, size_t max, struct buf *out)
{
	int rc;

	if ((rc = store_check_key(st, key)) != E_OK)
		return rc;
	return st->be->get(st, key, max, out, NULL);
}

/* Get into a FILE. */
int
store_get_stream(struct store *st, const char *key, FILE *out)
{
	int rc;

	if ((rc = store_check_key(st, key)) != E_OK)
		return rc;
	return st->be->get(st, key, 0, NULL, out);
}

/* Size, time and content type of an object. */
int
store_head(struct store *st, const char *key, struct store_info *info)
{
	int rc;

	if ((rc = store_check_key(st, key)) != E_OK)
		return rc;
	return st->be->head(st, key, info);
}

/* Delete an object. */
int
store_delete(struct store *st, const char *key)
{
	int rc;

	if ((rc = store_check_key(st, key)) != E_OK)
		return rc;
	return st->be->del(st, key);
}

/* One page of a listing. */
int
store_list(struct store *st, const char *prefix, const char *token,
	size_t max, struct store_list_page *page)
{
	page->keys = NULL;
	page->n = 0;
	page->next_token = NULL;
	if (!prefix)
		prefix = "";
	if (!store_path_ok(prefix, true)) {
		store_seterr(st, "store: invalid prefix \"%.200s\"", prefix);
		return E_INVAL;
	}
	if (max == 0 || max > 1000)
		max = 1000;
	return st->be->list(st, prefix, token, max, page);
}

/* Free a page's keys and token. */
void
store_list_page_release(struct store_list_page *page)
{
	size_t i;

	for (i = 0; i < page->n; i++)
		free(page->keys[i]);
	free(page->keys);
	free(page->next_token);
	page->keys = NULL;
	page->n = 0;
	page->next_token = NULL;
}

/* Remove leftovers of interrupted writes. */
int
store_sweep_tmp(struct store *st, int64_t min_age_s, size_t *removed)
{
	*removed = 0;
	if (!st->be->sweep_tmp)
		return E_OK;
	return st->be->sweep_tmp(st, min_age_s, removed);
}

/* Whether the backend keeps its objects in local files. */
bool
store_is_local(const struct store *st)
{
	return st->be->local_path != NULL;
}

/* The file behind a local object. */
int
store_local_path(struct store *st, const char *key, struct buf *path)
{
	int rc;

	if (!st->be->local_path) {
		store_seterr(st, "%s: objects are not local files", st->be->name);
		return E_INTERNAL;
	}
	if ((rc = store_check_key(st, key)) != E_OK)
		return rc;
	return st->be->local_path(st, key, path);
}

/* Existence of many keys. */
int
store_exists_many(struct store *st, const char *const *keys, size_t n,
	bool *exists)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = store_check_key(st, keys[i])) != E_OK)
			return rc;
	return st->be->exists_many(st, keys, n, exists);
}
