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
 *
 * The sidecars are written and read by store_fs_meta.c, listings made by
 * store_fs_list.c; store_fs_int.h is what they share with this file (the
 * root, the walk and the atomic write).
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
#include "store_fs_int.h"
#include "store_int.h"

/* Map an errno from a path operation to an error code. */
int
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
int
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
int
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
