/*
 * store_fs.c - the directory backend of store.h.
 *
 * An object with key a/b/c is the file ROOT/a/b/c, so the tree can be
 * read with ordinary tools.  Every path is walked one segment at a time
 * from an fd of the root with openat(O_NOFOLLOW | O_DIRECTORY), so no key
 * and no symlink planted inside the root can reach outside it; store.c
 * has already refused "..", absolute and empty segments.
 *
 * Writes are atomic: a temporary file ".ember-tmp.*" in the target's own
 * directory, fsync, renameat over the target, fsync of the directory.  A
 * failure at any point unlinks the temporary file, so readers see the old
 * object or the new one, never part of one.
 *
 * The content type and user metadata live in a sidecar file with the same
 * key under ROOT/.ember-meta/ ("Content-Type: x" and "x-amz-meta-n: v"
 * lines).  Names starting with ".ember-" are reserved: keys with such a
 * segment are refused and listings skip them.
 *
 * Listing walks the directory under the prefix, sorts the keys in byte
 * order and pages with the last key of the previous page as the token.
 */
#include "compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "mem.h"
#include "store_int.h"

#define FS_RESERVED ".ember-"
#define FS_META_DIR ".ember-meta"
#define FS_META_MAX 8192

struct store_fs {
	int rootfd;
	char *root;
	unsigned long seq;	/* for temporary names */
};

struct fs_keys {
	char **v;
	size_t n;
	size_t cap;
};

/* Map an errno from a path operation to an error code. */
static int
fs_errno_err(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return E_NOTFOUND;
	case ELOOP:
	case EACCES:
	case EPERM:
		return E_FORBIDDEN;
	case ENAMETOOLONG:
		return E_INVAL;
	case EISDIR:
	case EEXIST:
	case ENOTEMPTY:
		return E_CONFLICT;
	case EFBIG:
		return E_TOOBIG;
	default:
		return E_IO;
	}
}

/* mkdir -p for the root itself (the only plain path we ever use). */
static int
fs_mkdirs(const char *path)
{
	char *p = xstrdup(path);
	char *s;
	int rc = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
		if (rc)
			break;
	}
	if (!rc && mkdir(p, 0755) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/*
 * Walk to the directory holding the last segment of key (relative to
 * the root), creating directories when `create`.  On success *dfd is an
 * fd the caller closes and *leaf points into key.  `reserved_ok` lets
 * the sidecar tree through.
 */
static int
fs_walk(struct store *st, const char *key, bool create, bool reserved_ok,
	int *dfd, const char **leaf)
{
	struct store_fs *fs = st->ctx;
	char seg[256];
	const char *p = key;
	const char *slash;
	int cur;

	*dfd = -1;
	cur = dup(fs->rootfd);
	if (cur < 0) {
		store_seterr(st, "fs: dup: %s", strerror(errno));
		return E_IO;
	}
	while ((slash = strchr(p, '/'))) {
		size_t n = (size_t)(slash - p);
		int next;

		if (n >= sizeof(seg)) {
			store_seterr(st, "fs: key segment too long in %.200s", key);
			close(cur);
			return E_INVAL;
		}
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (!reserved_ok && strncmp(seg, FS_RESERVED, strlen(FS_RESERVED)) == 0) {
			store_seterr(st, "fs: reserved name in key %.200s", key);
			close(cur);
			return E_INVAL;
		}
		reserved_ok = false;
		next = openat(cur, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, seg, 0755) < 0 && errno != EEXIST) {
				int e = errno;

				store_seterr(st, "fs: mkdir %s in %.200s: %s", seg, key,
					strerror(e));
				close(cur);
				return fs_errno_err(e);
			}
			next = openat(cur, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				O_CLOEXEC);
		}
		if (next < 0) {
			int e = errno;
			int rc = fs_errno_err(e);

			if (e == ELOOP || (e == ENOTDIR && create)) {
				/* a symlink or a file where a directory should be */
				rc = e == ELOOP ? E_FORBIDDEN : E_CONFLICT;
			}
			store_seterr(st, "fs: %s: segment %s: %s", key, seg,
				e == ELOOP ? "symbolic link refused" : strerror(e));
			close(cur);
			return rc;
		}
		close(cur);
		cur = next;
		p = slash + 1;
	}
	if (strlen(p) > 255) {
		store_seterr(st, "fs: key segment too long in %.200s", key);
		close(cur);
		return E_INVAL;
	}
	if (!reserved_ok && strncmp(p, FS_RESERVED, strlen(FS_RESERVED)) == 0) {
		store_seterr(st, "fs: reserved name in key %.200s", key);
		close(cur);
		return E_INVAL;
	}
	*dfd = cur;
	*leaf = p;
	return E_OK;
}

/* Write all of n bytes to fd. */
static int
fs_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Atomically replace dfd/leaf with data (or flen bytes from in).
 * Nothing is left behind on failure.
 */
static int
fs_atomic_write(struct store *st, int dfd, const char *leaf, const char *key,
	const void *data, size_t len, FILE *in, uint64_t flen)
{
	struct store_fs *fs = st->ctx;
	char tmp[96];
	char blk[65536];
	int fd = -1;
	int rc = E_IO;
	int e;

	snprintf(tmp, sizeof(tmp), FS_RESERVED "tmp.%ld.%lu.%ld", (long)getpid(),
		++fs->seq, (long)(time(NULL) & 0xffffff));
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		0644);
	if (fd < 0) {
		e = errno;
		store_seterr(st, "fs: create temporary file for %.200s: %s", key,
			strerror(e));
		return fs_errno_err(e);
	}
	if (in) {
		uint64_t left = flen;

		while (left > 0) {
			size_t want = left < sizeof(blk) ? (size_t)left : sizeof(blk);
			size_t got = fread(blk, 1, want, in);

			if (got == 0) {
				store_seterr(st, "fs: %.200s: input ended %llu bytes early",
					key, (unsigned long long)left);
				rc = ferror(in) ? E_IO : E_INVAL;
				goto fail;
			}
			if (fs_write_all(fd, blk, got) < 0)
				goto fail_errno;
			left -= got;
		}
	} else if (fs_write_all(fd, data, len) < 0) {
		goto fail_errno;
	}
	if (fsync(fd) < 0)
		goto fail_errno;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_errno;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, leaf) < 0)
		goto fail_errno;
	(void)fsync(dfd);
	return E_OK;
fail_errno:
	e = errno;
	rc = fs_errno_err(e);
	if (rc == E_NOTFOUND)
		rc = E_IO;
	store_seterr(st, "fs: write %.200s: %s", key, strerror(e));
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
	return rc;
}

/* Write (or with nothing to keep, remove) the sidecar of key. */
static int
fs_meta_write(struct store *st, const char *key,
	const struct store_put_opts *opts)
{
	struct buf path = BUF_INIT(0);
	struct buf text = BUF_INIT(FS_META_MAX);
	const char *leaf;
	size_t i;
	int dfd = -1;
	int rc;
	bool any = opts && (opts->content_type || (opts->meta && opts->meta[0]));

	if (buf_addf(&path, "%s/%s", FS_META_DIR, key) != E_OK)
		abort();
	if (any) {
		rc = E_OK;
		if (opts->content_type)
			rc = buf_addf(&text, "Content-Type: %s\n", opts->content_type);
		for (i = 0; rc == E_OK && opts->meta && opts->meta[i]; i += 2) {
			if (!opts->meta[i + 1] || strpbrk(opts->meta[i], ":\r\n") ||
				strpbrk(opts->meta[i + 1], "\r\n")) {
				store_seterr(st, "fs: bad metadata entry for %.200s", key);
				rc = E_INVAL;
				goto out;
			}
			rc = buf_addf(&text, "x-amz-meta-%s: %s\n", opts->meta[i],
				opts->meta[i + 1]);
		}
		if (rc != E_OK || (opts->content_type &&
			strpbrk(opts->content_type, "\r\n"))) {
			store_seterr(st, "fs: metadata of %.200s too large or bad", key);
			rc = E_INVAL;
			goto out;
		}
	}
	rc = fs_walk(st, path.data, any, true, &dfd, &leaf);
	if (rc != E_OK) {
		if (!any && rc == E_NOTFOUND)
			rc = E_OK;
		goto out;
	}
	if (any) {
		rc = fs_atomic_write(st, dfd, leaf, key, text.data, text.len, NULL, 0);
	} else if (unlinkat(dfd, leaf, 0) < 0 && errno != ENOENT) {
		store_seterr(st, "fs: remove metadata of %.200s: %s", key,
			strerror(errno));
		rc = E_IO;
	}
out:
	if (dfd >= 0)
		close(dfd);
	buf_release(&path);
	buf_release(&text);
	return rc;
}

/* Read the content type from key's sidecar into out (default if none). */
static void
fs_meta_content_type(struct store *st, const char *key, char *out,
	size_t outlen)
{
	struct buf path = BUF_INIT(0);
	char text[FS_META_MAX + 1];
	const char *leaf;
	int dfd = -1;
	int fd = -1;
	ssize_t n;
	char *p;

	snprintf(out, outlen, "application/octet-stream");
	if (buf_addf(&path, "%s/%s", FS_META_DIR, key) != E_OK)
		abort();
	if (fs_walk(st, path.data, false, true, &dfd, &leaf) != E_OK)
		goto out;
	fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		goto out;
	n = read(fd, text, FS_META_MAX);
	if (n <= 0)
		goto out;
	text[n] = '\0';
	if (strncmp(text, "Content-Type: ", 14) == 0) {
		size_t n2;

		p = strchr(text + 14, '\n');
		if (p)
			*p = '\0';
		n2 = strlen(text + 14);
		if (n2 >= outlen)
			n2 = outlen - 1;
		memcpy(out, text + 14, n2);
		out[n2] = '\0';
	}
out:
	st->err[0] = '\0';
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	buf_release(&path);
}

/* Put. */
static int
fs_put(struct store *st, const char *key, const void *data, size_t len,
	FILE *in, uint64_t flen, const struct store_put_opts *opts)
{
	const char *leaf;
	int dfd = -1;
	int rc;

	rc = fs_walk(st, key, true, false, &dfd, &leaf);
	if (rc != E_OK)
		return rc;
	rc = fs_meta_write(st, key, opts);
	if (rc == E_OK)
		rc = fs_atomic_write(st, dfd, leaf, key, data, len, in, flen);
	close(dfd);
	return rc;
}

/* Open a key's file for reading; E_NOTFOUND unless it is a regular file. */
static int
fs_open_read(struct store *st, const char *key, int *fdp, struct stat *sb)
{
	const char *leaf;
	int dfd = -1;
	int fd;
	int rc;

	*fdp = -1;
	rc = fs_walk(st, key, false, false, &dfd, &leaf);
	if (rc != E_OK)
		return rc;
	fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		close(dfd);
		store_seterr(st, "fs: %.200s: %s", key,
			e == ELOOP ? "symbolic link refused" : strerror(e));
		return fs_errno_err(e);
	}
	close(dfd);
	if (fstat(fd, sb) < 0 || !S_ISREG(sb->st_mode)) {
		close(fd);
		store_seterr(st, "fs: %.200s: not a regular file", key);
		return E_NOTFOUND;
	}
	*fdp = fd;
	return E_OK;
}

/* Get into memory or a FILE. */
static int
fs_get(struct store *st, const char *key, size_t max, struct buf *out,
	FILE *sink)
{
	struct stat sb;
	char blk[65536];
	int fd = -1;
	int rc;

	rc = fs_open_read(st, key, &fd, &sb);
	if (rc != E_OK)
		return rc;
	if (!sink) {
		size_t cap = max;

		if (out->max && (cap == 0 || out->max - out->len < cap))
			cap = out->max - out->len;
		if (cap && (uint64_t)sb.st_size > cap) {
			store_seterr(st, "fs: %.200s is %lld bytes, over the cap of %zu",
				key, (long long)sb.st_size, cap);
			rc = E_TOOBIG;
			goto out;
		}
		if ((rc = buf_grow(out, (size_t)sb.st_size)) != E_OK)
			goto out;
	}
	for (;;) {
		ssize_t n = read(fd, blk, sizeof(blk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			store_seterr(st, "fs: read %.200s: %s", key, strerror(errno));
			rc = E_IO;
			goto out;
		}
		if (n == 0)
			break;
		if (sink) {
			if (fwrite(blk, 1, (size_t)n, sink) != (size_t)n) {
				store_seterr(st, "fs: write output of %.200s: %s", key,
					strerror(errno));
				rc = E_IO;
				goto out;
			}
		} else if (buf_add(out, blk, (size_t)n) != E_OK) {
			store_seterr(st, "fs: %.200s grew past the cap", key);
			rc = E_TOOBIG;
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

/* Stat an object through the same checks a read makes. */
static int
fs_stat_object(struct store *st, const char *key, struct stat *sb)
{
	int fd = -1;
	int rc;

	rc = fs_open_read(st, key, &fd, sb);
	if (rc == E_OK)
		close(fd);
	return rc;
}

/* Head. */
static int
fs_head(struct store *st, const char *key, struct store_info *info)
{
	struct stat sb;
	int rc;

	rc = fs_stat_object(st, key, &sb);
	if (rc != E_OK)
		return rc;
	memset(info, 0, sizeof(*info));
	info->size = (uint64_t)sb.st_size;
	info->mtime = (int64_t)sb.st_mtime;
	fs_meta_content_type(st, key, info->content_type,
		sizeof(info->content_type));
	return E_OK;
}

/* The object's file name under the root, checked as a read would be. */
static int
fs_local_path(struct store *st, const char *key, struct buf *path)
{
	struct store_fs *fs = st->ctx;
	struct stat sb;
	int rc;

	rc = fs_stat_object(st, key, &sb);
	if (rc != E_OK)
		return rc;
	if (buf_addstr(path, fs->root) ||
	    (path->len && path->data[path->len - 1] != '/' && buf_addch(path, '/')) ||
	    buf_addstr(path, key))
		return E_TOOBIG;
	return E_OK;
}

/*
 * Sweep one directory (dfd, owned and closed here) and those below it:
 * unlink regular files named .ember-tmp.* older than cutoff.  Symbolic
 * links are never followed (O_NOFOLLOW); depth is bounded.
 */
static int
fs_sweep_dir(int dfd, time_t cutoff, int depth, size_t *removed)
{
	static const char pfx[] = FS_RESERVED "tmp.";
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int rc = E_OK, sub;

	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return fs_errno_err(errno);
	}
	while (rc == E_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(sb.st_mode) && depth < 64) {
			sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY |
				O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				rc = fs_sweep_dir(sub, cutoff, depth + 1, removed);
		} else if (S_ISREG(sb.st_mode) &&
		    strncmp(de->d_name, pfx, sizeof(pfx) - 1) == 0 &&
		    sb.st_mtime <= cutoff &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0) {
			(*removed)++;
		}
	}
	closedir(d);
	return rc;
}

/* Remove stale temporary files under the root. */
static int
fs_sweep_tmp(struct store *st, int64_t min_age_s, size_t *removed)
{
	struct store_fs *fs = st->ctx;
	int dfd;

	dfd = openat(fs->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fs_errno_err(errno);
	return fs_sweep_dir(dfd, time(NULL) - (time_t)min_age_s, 0, removed);
}

/* Delete (missing is fine). */
static int
fs_del(struct store *st, const char *key)
{
	const char *leaf;
	int dfd = -1;
	int rc;

	rc = fs_walk(st, key, false, false, &dfd, &leaf);
	if (rc == E_NOTFOUND)
		return E_OK;
	if (rc != E_OK)
		return rc;
	if (unlinkat(dfd, leaf, 0) < 0 && errno != ENOENT) {
		int e = errno;

		close(dfd);
		store_seterr(st, "fs: delete %.200s: %s", key, strerror(e));
		return e == EISDIR ? E_NOTFOUND : fs_errno_err(e);
	}
	close(dfd);
	return fs_meta_write(st, key, NULL);
}

/* Append a key to a list. */
static void
fs_keys_add(struct fs_keys *k, const char *s)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 256;
		k->v = xrealloc(k->v, k->cap * sizeof(*k->v));
	}
	k->v[k->n++] = xstrdup(s);
}

/*
 * Collect the regular files under dirfd (whose keys start with rel) whose
 * names start with `name_prefix` (top level only) and whose keys sort after
 * `after`.  Takes ownership of dirfd.
 */
static int
fs_scan(struct store *st, int dirfd, struct buf *rel, const char *name_prefix,
	const char *after, struct fs_keys *keys, int depth)
{
	DIR *d;
	struct dirent *de;
	size_t base = rel->len;
	size_t plen = name_prefix ? strlen(name_prefix) : 0;
	int rc = E_OK;

	if (depth > 64) {
		close(dirfd);
		return E_OK;
	}
	d = fdopendir(dirfd);
	if (!d) {
		store_seterr(st, "fs: opendir: %s", strerror(errno));
		close(dirfd);
		return E_IO;
	}
	while ((de = readdir(d))) {
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strncmp(de->d_name, FS_RESERVED, strlen(FS_RESERVED)) == 0)
			continue;
		if (plen && strncmp(de->d_name, name_prefix, plen) != 0)
			continue;
		if (fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		buf_truncate(rel, base);
		if (buf_addstr(rel, de->d_name) != E_OK)
			abort();
		if (S_ISDIR(sb.st_mode)) {
			int sub;

			if (buf_addch(rel, '/') != E_OK)
				abort();
			/* Every key below starts with rel: skip it if all sort <= after. */
			if (after && strncmp(rel->data, after, rel->len) < 0)
				continue;
			sub = openat(dirfd, de->d_name,
				O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			rc = fs_scan(st, sub, rel, NULL, after, keys, depth + 1);
			if (rc != E_OK)
				break;
		} else if (S_ISREG(sb.st_mode)) {
			if (!after || strcmp(rel->data, after) > 0)
				fs_keys_add(keys, rel->data);
		}
	}
	buf_truncate(rel, base);
	closedir(d);
	return rc;
}

/* Byte-order comparison for qsort. */
static int
fs_keycmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List one page. */
static int
fs_list(struct store *st, const char *prefix, const char *token, size_t max,
	struct store_list_page *page)
{
	struct store_fs *fs = st->ctx;
	struct fs_keys keys = { NULL, 0, 0 };
	struct buf rel = BUF_INIT(0);
	const char *slash = strrchr(prefix, '/');
	const char *name_prefix = slash ? slash + 1 : prefix;
	int dfd = -1;
	size_t i;
	int rc;

	if (slash) {
		const char *leaf;
		char *dir = xstrndup(prefix, (size_t)(slash - prefix) + 1);

		/* walk "a/b/" to the fd of a/b: the leaf is "" */
		rc = fs_walk(st, dir, false, false, &dfd, &leaf);
		if (buf_add(&rel, dir, strlen(dir)) != E_OK)
			abort();
		free(dir);
		if (rc == E_NOTFOUND) {
			rc = E_OK;
			goto out;
		}
		if (rc != E_OK)
			goto out;
	} else {
		dfd = dup(fs->rootfd);
		if (dfd < 0) {
			store_seterr(st, "fs: dup: %s", strerror(errno));
			rc = E_IO;
			goto out;
		}
	}
	if (token && strncmp(token, prefix, strlen(prefix)) < 0)
		token = NULL;	/* a token before the prefix means "from the start" */
	rc = fs_scan(st, dfd, &rel, name_prefix, token, &keys, 0);
	dfd = -1;
	if (rc != E_OK)
		goto out;
	if (keys.n > 1)
		qsort(keys.v, keys.n, sizeof(*keys.v), fs_keycmp);
	if (keys.n > max) {
		page->next_token = xstrdup(keys.v[max - 1]);
		for (i = max; i < keys.n; i++)
			free(keys.v[i]);
		keys.n = max;
	}
	page->keys = keys.v;
	page->n = keys.n;
	keys.v = NULL;
	keys.n = 0;
out:
	for (i = 0; i < keys.n; i++)
		free(keys.v[i]);
	free(keys.v);
	buf_release(&rel);
	return rc;
}

/* Exists for many: one fstatat each, no threads needed. */
static int
fs_exists_many(struct store *st, const char *const *keys, size_t n,
	bool *exists)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *leaf;
		struct stat sb;
		int dfd = -1;
		int rc = fs_walk(st, keys[i], false, false, &dfd, &leaf);

		if (rc == E_NOTFOUND || rc == E_FORBIDDEN) {
			exists[i] = false;
			continue;
		}
		if (rc != E_OK)
			return rc;
		if (fstatat(dfd, leaf, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
			exists[i] = S_ISREG(sb.st_mode);
		} else if (errno == ENOENT || errno == ENOTDIR) {
			exists[i] = false;
		} else {
			store_seterr(st, "fs: stat %.200s: %s", keys[i], strerror(errno));
			close(dfd);
			return E_IO;
		}
		close(dfd);
	}
	return E_OK;
}

/* Close the root. */
static void
fs_free(void *ctx)
{
	struct store_fs *fs = ctx;

	if (!fs)
		return;
	if (fs->rootfd >= 0)
		close(fs->rootfd);
	free(fs->root);
	free(fs);
}

static const struct store_backend store_fs_backend = {
	.name = "fs",
	.put = fs_put,
	.get = fs_get,
	.head = fs_head,
	.del = fs_del,
	.list = fs_list,
	.exists_many = fs_exists_many,
	.local_path = fs_local_path,
	.sweep_tmp = fs_sweep_tmp,
	.free = fs_free,
};

/* Open (creating if needed) the root directory. */
int
store_fs_open(struct store *st, const struct cfg_store *cfg, char *err,
	size_t errlen)
{
	struct store_fs *fs;

	if (!cfg->fs_root || !*cfg->fs_root) {
		snprintf(err, errlen, "store: fs_root is not set");
		return E_CONFIG;
	}
	if (fs_mkdirs(cfg->fs_root) < 0) {
		snprintf(err, errlen, "store: cannot create %s: %s", cfg->fs_root,
			strerror(errno));
		return E_CONFIG;
	}
	fs = xcalloc(1, sizeof(*fs));
	fs->rootfd = open(cfg->fs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->rootfd < 0) {
		snprintf(err, errlen, "store: cannot open %s: %s", cfg->fs_root,
			strerror(errno));
		free(fs);
		return E_CONFIG;
	}
	if (cfg->fs_root[0] == '/') {
		fs->root = xstrdup(cfg->fs_root);
	} else {
		/* absolute, for store_local_path(); symlinks left as named */
		char *cwd = getcwd(NULL, 0);
		struct buf b = BUF_INIT(0);

		if (!cwd || buf_addf(&b, "%s/%s", cwd, cfg->fs_root)) {
			snprintf(err, errlen, "store: cannot resolve %s: %s",
				cfg->fs_root, cwd ? "too long" : strerror(errno));
			free(cwd);
			buf_release(&b);
			close(fs->rootfd);
			free(fs);
			return E_CONFIG;
		}
		free(cwd);
		fs->root = buf_detach(&b, NULL);
	}
	st->be = &store_fs_backend;
	st->ctx = fs;
	return E_OK;
}
