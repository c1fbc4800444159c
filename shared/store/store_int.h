/*
 * store_int.h - what store.c shares with its backends (store_fs.c,
 * store_s3.c).  Not for other modules: use store.h.
 *
 * store.c checks every key (and list prefix) before calling a backend,
 * so backends may assume store_key_valid(key).
 */
#ifndef EMBER_STORE_INT_H
#define EMBER_STORE_INT_H

#include "compat.h"

#include <stdio.h>

#include "store.h"

struct store_backend {
	const char *name;
	/* Exactly one of data (len bytes) and in (flen bytes) is used. */
	int (*put)(struct store *st, const char *key, const void *data,
		size_t len, FILE *in, uint64_t flen,
		const struct store_put_opts *opts);
	/* Into out (max: cap on added bytes, 0 = none) or to sink. */
	int (*get)(struct store *st, const char *key, size_t max,
		struct buf *out, FILE *sink);
	int (*head)(struct store *st, const char *key, struct store_info *info);
	int (*del)(struct store *st, const char *key);
	int (*list)(struct store *st, const char *prefix, const char *token,
		size_t max, struct store_list_page *page);
	int (*exists_many)(struct store *st, const char *const *keys, size_t n,
		bool *exists);
	/* NULL for backends without local files; see store_local_path(). */
	int (*local_path)(struct store *st, const char *key, struct buf *path);
	/* NULL when writes leave nothing behind; see store_sweep_tmp(). */
	int (*sweep_tmp)(struct store *st, int64_t min_age_s, size_t *removed);
	void (*free)(void *ctx);
};

struct store {
	const struct store_backend *be;
	void *ctx;
	char err[512];
};

/* Set st->err (backends report their detail this way). */
void store_seterr(struct store *st, const char *fmt, ...) ATTR_PRINTF(2, 3);

MUST_CHECK int store_fs_open(struct store *st, const struct cfg_store *cfg,
	char *err, size_t errlen);
MUST_CHECK int store_s3_open(struct store *st, const struct cfg_store *cfg,
	char *err, size_t errlen);

#endif
