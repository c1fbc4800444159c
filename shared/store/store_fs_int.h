/*
 * store_fs_int.h - what the parts of the fs store share (store_fs.c: the
 * root, the walk, the atomic write and the object operations;
 * store_fs_meta.c: the sidecars; store_fs_list.c: listing).  Not for use
 * outside shared/store/store_fs*.c.
 */
#ifndef EMBER_STORE_FS_INT_H
#define EMBER_STORE_FS_INT_H

#include "compat.h"

#include <stdio.h>

#include "store_int.h"

/* Names starting with this are ours: refused as keys, skipped in listings. */
#define FS_RESERVED ".ember-"
/* The sidecar tree under the root. */
#define FS_META_DIR ".ember-meta"
/* Largest sidecar file. */
#define FS_META_MAX 8192

struct store_fs {
	int rootfd;
	char *root;
	unsigned long seq;	/* for temporary names */
};

/* Map an errno from a path operation to an error code. */
int fs_errno_err(int e);
/*
 * Walk to the directory holding the last segment of key (relative to
 * the root), creating directories when `create`.  On success *dfd is an
 * fd the caller closes and *leaf points into key.  `reserved_ok` lets
 * the sidecar tree through.
 */
int fs_walk(struct store *st, const char *key, bool create, bool reserved_ok,
	int *dfd, const char **leaf);
/*
 * Atomically replace dfd/leaf with data (or flen bytes from in).
 * Nothing is left behind on failure.
 */
int fs_atomic_write(struct store *st, int dfd, const char *leaf,
	const char *key, const void *data, size_t len, FILE *in, uint64_t flen);
/* Write (or with nothing to keep, remove) the sidecar of key. */
int fs_meta_write(struct store *st, const char *key,
	const struct store_put_opts *opts);
/* Read the content type from key's sidecar into out (default if none). */
void fs_meta_content_type(struct store *st, const char *key, char *out,
	size_t outlen);
/* One page of keys under prefix (the store's list operation). */
int fs_list(struct store *st, const char *prefix, const char *token,
	size_t max, struct store_list_page *page);

#endif
