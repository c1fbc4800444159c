/*
 * test_store.c - key rules shared by every backend, and the fs backend's
 * own promises: sidecar metadata hidden from listings, reserved names,
 * paging tokens, no temporary files left behind, local paths checked as a
 * read is (and absolute for a relative root).  (The full contract runs
 * in tests/integration/contract_store, for fs also under make check.)
 */
#include "compat.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "store.h"

static char g_root[64];

static void
test_key_valid(void **state)
{
	static const char *const good[] = {
		"a", "a/b", "products/svc/stacks/2026-03-11T10:00:00_x_y.gz",
		"with space", "plus+", "\xc3\xa9/\xe6\x97\xa5", ".hidden", "a/..b", "a/b..",
		"...",
	};
	static const char *const bad[] = {
		"", "/a", "a/", "a//b", ".", "..", "a/.", "a/..", "./a", "../a",
		"a/./b", "a/../b", "a\\b", "a\tb", "a\nb", "a\x7f",
	};
	char longkey[1100];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(store_key_valid(good[i]));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(store_key_valid(bad[i]));
	assert_false(store_key_valid(NULL));
	memset(longkey, 'k', sizeof(longkey));
	longkey[1024] = '\0';
	assert_true(store_key_valid(longkey));
	longkey[1024] = 'k';
	longkey[1025] = '\0';
	assert_false(store_key_valid(longkey));
}

static struct store *
open_fs(void)
{
	struct cfg_store c;
	struct store *st = NULL;
	char err[256];

	memset(&c, 0, sizeof(c));
	c.backend = CFG_STORE_FS;
	c.fs_root = g_root;
	assert_int_equal(store_open(&c, &st, err, sizeof(err)), E_OK);
	return st;
}

/* Count the entries of a directory whose names start with prefix. */
static int
count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void
test_fs_sidecar_and_listing(void **state)
{
	static const char *const meta[] = { "k", "v", NULL };
	struct store_put_opts o = { "text/html", meta };
	struct store *st = open_fs();
	struct store_list_page p;
	struct store_info info;
	char path[256];

	assert_int_equal(store_put(st, "s/a.html", "x", 1, &o), E_OK);
	assert_int_equal(store_put(st, "s/b", "yy", 2, NULL), E_OK);
	assert_int_equal(store_head(st, "s/a.html", &info), E_OK);
	assert_string_equal(info.content_type, "text/html");
	assert_int_equal(store_head(st, "s/b", &info), E_OK);
	assert_string_equal(info.content_type, "application/octet-stream");
	/* the whole tree lists only the two objects: no sidecars, no temp files */
	assert_int_equal(store_list(st, "", NULL, 100, &p), E_OK);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.keys[0], "s/a.html");
	assert_string_equal(p.keys[1], "s/b");
	store_list_page_release(&p);
	snprintf(path, sizeof(path), "%s/s", g_root);
	assert_int_equal(count_entries(path, ".ember-tmp"), 0);
	/* paging: the token is the last key; a token before the prefix restarts */
	assert_int_equal(store_list(st, "s/", NULL, 1, &p), E_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.next_token, "s/a.html");
	store_list_page_release(&p);
	assert_int_equal(store_list(st, "s/", "s/a.html", 1, &p), E_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.keys[0], "s/b");
	assert_null(p.next_token);
	store_list_page_release(&p);
	assert_int_equal(store_list(st, "s/", "a", 10, &p), E_OK);
	assert_int_equal(p.n, 2);
	store_list_page_release(&p);
	/* delete removes the sidecar too: a new put without type is plain */
	assert_int_equal(store_delete(st, "s/a.html"), E_OK);
	assert_int_equal(store_put(st, "s/a.html", "x", 1, NULL), E_OK);
	assert_int_equal(store_head(st, "s/a.html", &info), E_OK);
	assert_string_equal(info.content_type, "application/octet-stream");
	/* reserved names and a file where a directory is expected */
	assert_int_equal(store_put(st, "s/.ember-tmp.1", "x", 1, NULL), E_INVAL);
	assert_int_equal(store_put(st, "s/b/c", "x", 1, NULL), E_CONFLICT);
	assert_int_equal(store_get(st, "s/b/c", 0, &(struct buf)BUF_INIT(0)),
		E_NOTFOUND);
	store_free(st);
}

/* Expect store_local_path(st, key) to be E_OK with the path want. */
static void
check_local_path(struct store *st, const char *key, const char *want)
{
	struct buf path = BUF_INIT(0);

	assert_int_equal(store_local_path(st, key, &path), E_OK);
	assert_string_equal(path.data, want);
	buf_release(&path);
}

static void
test_fs_local_path(void **state)
{
	struct store *st = open_fs();
	struct buf path = BUF_INIT(0);
	struct cfg_store c;
	char want[256], link[256], cwd[256], *slash;
	char err[256];

	assert_true(store_is_local(st));
	assert_int_equal(store_put(st, "lp/a.html", "x", 1, NULL), E_OK);
	snprintf(want, sizeof(want), "%s/lp/a.html", g_root);
	check_local_path(st, "lp/a.html", want);
	/* the checks of a read: missing, bad key, a symlinked object */
	assert_int_equal(store_local_path(st, "lp/none", &path), E_NOTFOUND);
	assert_int_equal(store_local_path(st, "../lp/a.html", &path), E_INVAL);
	snprintf(link, sizeof(link), "%s/lp/link", g_root);
	assert_int_equal(symlink(want, link), 0);
	assert_int_not_equal(store_local_path(st, "lp/link", &path), E_OK);
	assert_int_equal(path.len, 0);
	store_free(st);
	/* a relative root comes back absolute, from the directory it was opened in */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	slash = strrchr(g_root, '/');
	*slash = '\0';
	assert_int_equal(chdir(g_root), 0);
	*slash = '/';
	memset(&c, 0, sizeof(c));
	c.backend = CFG_STORE_FS;
	c.fs_root = slash + 1;
	st = NULL;
	assert_int_equal(store_open(&c, &st, err, sizeof(err)), E_OK);
	assert_int_equal(chdir(cwd), 0);
	check_local_path(st, "lp/a.html", want);
	store_free(st);
	buf_release(&path);
}

static void
test_fs_open_errors(void **state)
{
	struct cfg_store c;
	struct store *st = NULL;
	char err[256];
	char path[256];
	FILE *f;

	memset(&c, 0, sizeof(c));
	c.backend = CFG_STORE_FS;
	c.fs_root = (char *)"";
	assert_int_equal(store_open(&c, &st, err, sizeof(err)), E_CONFIG);
	snprintf(path, sizeof(path), "%s/file", g_root);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	c.fs_root = path;
	assert_int_equal(store_open(&c, &st, err, sizeof(err)), E_CONFIG);
	assert_null(st);
	store_free(NULL);
}

static int
setup(void **state)
{
	snprintf(g_root, sizeof(g_root), "/tmp/ember-test-store.XXXXXX");
	return mkdtemp(g_root) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_root);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_valid),
		cmocka_unit_test(test_fs_sidecar_and_listing),
		cmocka_unit_test(test_fs_local_path),
		cmocka_unit_test(test_fs_open_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
