/*
 * store_fs_meta.c - the fs store's sidecar files: the content type and
 * user metadata of key live in ROOT/.ember-meta/KEY as "Content-Type: x"
 * and "x-amz-meta-n: v" lines, written atomically like the objects.
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

/* Write (or with nothing to keep, remove) the sidecar of key. */
int
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

	buf_putf(&path, "%s/%s", FS_META_DIR, key);
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
void
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
	buf_putf(&path, "%s/%s", FS_META_DIR, key);
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
