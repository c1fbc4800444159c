/*
 * store_fs_list.c - listing the fs store: walk the directory under the
 * prefix (reserved ".ember-" names skipped), sort the keys in byte order,
 * and page with the last key of the previous page as the token.
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
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "mem.h"
#include "store_fs_int.h"
#include "store_int.h"

struct fs_keys {
	char **v;
	size_t n;
	size_t cap;
};

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
		buf_puts(rel, de->d_name);
		if (S_ISDIR(sb.st_mode)) {
			int sub;

			buf_putc(rel, '/');
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
int
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
		buf_puts(&rel, dir);
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
