/*
 * store.h - the object store: a local directory ("fs") or S3 ("s3").
 *
 * Keys are '/'-separated relative names like
 * products/{service}/stacks/{file}.  A key that is empty, absolute, has
 * an empty, "." or ".." segment, a NUL, a backslash or a control byte is
 * refused with E_INVAL by every backend before any I/O (store_key_valid).
 *
 * Errors: E_NOTFOUND for a missing object, E_TOOBIG when an object
 * passes the caller's cap, E_HTTP/E_TIMEOUT/E_THROTTLED/E_IO for
 * failures worth retrying (the s3 backend already retried with back-off),
 * E_AUTH/E_FORBIDDEN for credentials S3 rejects.  store_errmsg() keeps
 * the detail of the last failure.
 */
#ifndef EMBER_STORE_H
#define EMBER_STORE_H

#include "compat.h"

#include <stdio.h>

#include "buf.h"
#include "cfg.h"

struct store;

struct store_info {
	uint64_t size;		/* bytes */
	int64_t mtime;		/* last modified, unix seconds */
	char content_type[128];
};

/* Optional put attributes; meta is NULL or a NULL-terminated name,value,... list. */
struct store_put_opts {
	const char *content_type;	/* NULL = application/octet-stream */
	const char *const *meta;	/* user metadata (x-amz-meta-*) */
};

struct store_list_page {
	char **keys;		/* heap array of heap strings */
	size_t n;
	char *next_token;	/* NULL when this was the last page */
};

MUST_CHECK int store_open(const struct cfg_store *cfg, struct store **out,
	char *err, size_t errlen);
void store_free(struct store *st);
const char *store_errmsg(const struct store *st);
bool store_key_valid(const char *key);

MUST_CHECK int store_put(struct store *st, const char *key, const void *data,
	size_t len, const struct store_put_opts *opts);
/* Stream len bytes from a FILE (read from its current position). */
MUST_CHECK int store_put_stream(struct store *st, const char *key, FILE *in,
	uint64_t len, const struct store_put_opts *opts);
/* Read a whole object into out (appended); E_TOOBIG past max bytes (0 = out->max). */
MUST_CHECK int store_get(struct store *st, const char *key, size_t max,
	struct buf *out);
/* Stream an object to a FILE. */
MUST_CHECK int store_get_stream(struct store *st, const char *key, FILE *out);
MUST_CHECK int store_head(struct store *st, const char *key,
	struct store_info *info);
/* Delete; deleting a missing object is not an error. */
MUST_CHECK int store_delete(struct store *st, const char *key);
/* One page of keys under prefix, in byte order; token NULL for the first page. */
MUST_CHECK int store_list(struct store *st, const char *prefix,
	const char *token, size_t max, struct store_list_page *page);
void store_list_page_release(struct store_list_page *page);
/*
 * Set exists[i] for each key with bounded parallelism (libcurl multi for
 * s3, stat for fs).  A key that cannot be checked for a reason other than
 * "missing" makes the call fail.
 */
MUST_CHECK int store_exists_many(struct store *st, const char *const *keys,
	size_t n, bool *exists);

/*
 * Remove what interrupted writes left behind (the fs backend's
 * ".ember-tmp.*" files of a killed process) that is at least min_age_s
 * seconds old, so a write still in progress elsewhere is never touched;
 * *removed counts them.  A no-op for backends without such leftovers.
 * Run by the workers at start-up.
 */
MUST_CHECK int store_sweep_tmp(struct store *st, int64_t min_age_s,
	size_t *removed);

/* Whether objects are files on this machine (the fs backend). */
bool store_is_local(const struct store *st);
/*
 * For a local store: append to path the absolute file name of key's
 * object, after the same checks a read makes (a regular file reached
 * without symbolic links; E_NOTFOUND when missing), so a front server can
 * send the file itself (fcgi.x_sendfile).  E_INTERNAL for a store that is
 * not local.
 */
MUST_CHECK int store_local_path(struct store *st, const char *key,
	struct buf *path);
#endif
