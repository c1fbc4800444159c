/*
 * contract_store.c - the store contract, run against whichever backend the
 * configuration names (EMBER_STORE_BACKEND=fs|s3 and the other EMBER_*
 * variables, or -c FILE).  Prints TAP.
 *
 *   contract_store [-c FILE] suite         every check below
 *   contract_store [-c FILE] put KEY FILE  one operation, for fault tests:
 *   contract_store [-c FILE] get KEY       exit 0 on success, else 1 with
 *   contract_store [-c FILE] head KEY      "error: <code>: <detail>" on
 *   contract_store [-c FILE] exists KEY... stderr
 *   contract_store [-c FILE] put-short KEY LEN   stream put whose input
 *                                          ends early (must fail cleanly)
 *   contract_store [-c FILE] bench-put DIR N     put DIR/f0.. as bench/f0..
 *   contract_store [-c FILE] bench-get N         get bench/f0.. (prints s)
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cfg.h"
#include "err.h"
#include "tap.h"
#include "mem.h"
#include "store.h"


/* tap_ok() for an error code, printing the store's message on mismatch. */
static bool
ok_rc(struct store *st, int got, int want, const char *what)
{
	return tap_rc(got, want, what, store_errmsg(st));
}

/* Fill n bytes with a deterministic pattern. */
static void
fill(char *p, size_t n, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (char)(x & 0xff);
	}
}

/* Put then get one object and compare. */
static void
round_trip(struct store *st, const char *key, const char *data, size_t len,
	const char *what)
{
	struct buf got = BUF_INIT(0);
	struct store_info info;
	int rc;

	rc = store_put(st, key, data, len, NULL);
	if (!ok_rc(st, rc, E_OK, what))
		return;
	rc = store_get(st, key, 0, &got);
	tap_ok(rc == E_OK && got.len == len && memcmp(got.data, data, len) == 0,
		"%s: read back %zu bytes", what, len);
	if (rc != E_OK)
		printf("#   %s\n", store_errmsg(st));
	rc = store_head(st, key, &info);
	tap_ok(rc == E_OK && info.size == len, "%s: head size %zu", what, len);
	buf_release(&got);
}

/* Keys: round trips of odd sizes and names. */
static void
t_round_trips(struct store *st)
{
	static const char *const names[] = {
		"rt/with space.txt", "rt/plus+sign+.gz", "rt/unicod\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.html",
		"rt/semi;colon,comma=eq&amp'q\"(x)", "rt/percent%20literal", "rt/tilde~_-.x",
		"products/my-service/stacks/2026-03-11T10:00:00_5f0c1a2b_9b1c.gz",
	};
	char *big;
	size_t i;

	round_trip(st, "rt/empty", "", 0, "empty object");
	round_trip(st, "rt/one", "x", 1, "1-byte object");
	round_trip(st, "rt/nul", "a\0b\0", 4, "bytes with NULs");
	for (i = 0; i < ARRAY_SIZE(names); i++)
		round_trip(st, names[i], names[i], strlen(names[i]), names[i]);
	big = xmalloc(20u * 1024 * 1024);
	fill(big, 20u * 1024 * 1024, 7);
	round_trip(st, "rt/big-20MB.bin", big, 20u * 1024 * 1024, "20 MB object");
	free(big);
}

/* Content type and metadata, overwrite. */
static void
t_attrs(struct store *st)
{
	static const char *const meta[] = { "source", "contract", NULL };
	struct store_put_opts o = { "text/html", meta };
	struct store_info info;
	struct buf got = BUF_INIT(0);
	int rc;

	rc = store_put(st, "attr/page.html", "<p>hi</p>", 9, &o);
	ok_rc(st, rc, E_OK, "put with content type and metadata");
	rc = store_head(st, "attr/page.html", &info);
	tap_ok(rc == E_OK && strcmp(info.content_type, "text/html") == 0 &&
		info.size == 9, "head keeps content type text/html (got %s)",
		info.content_type);
	tap_ok(rc == E_OK && info.mtime > 1600000000, "head has a modification time");
	rc = store_put(st, "attr/page.html", "v2", 2, NULL);
	ok_rc(st, rc, E_OK, "overwrite without content type");
	rc = store_get(st, "attr/page.html", 0, &got);
	tap_ok(rc == E_OK && got.len == 2 && memcmp(got.data, "v2", 2) == 0,
		"overwrite: the new content is read");
	rc = store_head(st, "attr/page.html", &info);
	tap_ok(rc == E_OK && strcmp(info.content_type, "text/html") != 0,
		"overwrite: content type reset (got %s)", info.content_type);
	buf_release(&got);
}

/* Streams: seekable and non-seekable input, output to a FILE. */
static void
t_streams(struct store *st)
{
	char data[50000];
	char back[50001];
	FILE *f = tmpfile();
	FILE *out = tmpfile();
	FILE *pin = NULL;
	int pfd[2];
	size_t n;
	int rc;

	fill(data, sizeof(data), 3);
	if (!f || !out || pipe(pfd) < 0) {
		tap_ok(false, "stream setup");
		return;
	}
	fwrite("SKIPME", 1, 6, f);
	fwrite(data, 1, sizeof(data), f);
	fseek(f, 6, SEEK_SET);
	rc = store_put_stream(st, "stream/seekable", f, sizeof(data), NULL);
	ok_rc(st, rc, E_OK, "put_stream from a file at an offset");
	rc = store_get_stream(st, "stream/seekable", out);
	ok_rc(st, rc, E_OK, "get_stream to a file");
	rewind(out);
	n = fread(back, 1, sizeof(back), out);
	tap_ok(n == sizeof(data) && memcmp(back, data, n) == 0,
		"stream round trip is byte-exact (%zu bytes)", n);
	/* a pipe: not seekable (s3 spools it to compute the SHA-256) */
	if (write(pfd[1], data, 4000) != 4000)
		tap_ok(false, "pipe write");
	close(pfd[1]);
	pin = fdopen(pfd[0], "r");
	rc = store_put_stream(st, "stream/pipe", pin, 4000, NULL);
	ok_rc(st, rc, E_OK, "put_stream from a pipe");
	fclose(pin);
	fclose(f);
	fclose(out);
	out = tmpfile();
	rc = store_get_stream(st, "stream/missing", out);
	ok_rc(st, rc, E_NOTFOUND, "get_stream of a missing key");
	fclose(out);
}

/* Missing keys, caps and refused keys. */
static void
t_errors(struct store *st)
{
	static const char *const bad[] = {
		"", "/abs", "a/../b", "..", "a/.", "./a", "a//b", "a/", "a\\b",
		"ctl\x01x", "a/./b",
	};
	struct buf got = BUF_INIT(0);
	struct buf capped = BUF_INIT(10);
	struct store_info info;
	size_t i;
	int rc;

	rc = store_get(st, "missing/key", 0, &got);
	ok_rc(st, rc, E_NOTFOUND, "get of a missing key");
	rc = store_head(st, "missing/key", &info);
	ok_rc(st, rc, E_NOTFOUND, "head of a missing key");
	rc = store_delete(st, "missing/key");
	ok_rc(st, rc, E_OK, "delete of a missing key");
	rc = store_put(st, "cap/eleven", "01234567890", 11, NULL);
	ok_rc(st, rc, E_OK, "put 11 bytes");
	rc = store_get(st, "cap/eleven", 10, &got);
	ok_rc(st, rc, E_TOOBIG, "get with a 10-byte cap");
	rc = store_get(st, "cap/eleven", 0, &capped);
	ok_rc(st, rc, E_TOOBIG, "get into a buffer capped at 10");
	rc = store_get(st, "cap/eleven", 11, &got);
	tap_ok(rc == E_OK && got.len == 11, "get with an 11-byte cap");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		rc = store_put(st, bad[i], "x", 1, NULL);
		tap_ok(rc == E_INVAL, "key \"%s\" refused", bad[i]);
	}
	rc = store_delete(st, "cap/eleven");
	ok_rc(st, rc, E_OK, "delete");
	rc = store_get(st, "cap/eleven", 0, &got);
	ok_rc(st, rc, E_NOTFOUND, "get after delete");
	buf_release(&got);
	buf_release(&capped);
}

/* qsort comparator for C strings in byte order. */
static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Listing: 1100 keys over two pages, byte order, prefix filtering. */
static void
t_list(struct store *st)
{
	enum { N = 1100 };
	char **want = xcalloc(N, sizeof(*want));
	struct store_list_page p1 = { NULL, 0, NULL };
	struct store_list_page p2 = { NULL, 0, NULL };
	struct store_list_page p3 = { NULL, 0, NULL };
	bool same = true;
	size_t i;
	int rc = E_OK;
	int put_fail = 0;

	for (i = 0; i < N; i++) {
		char k[64];

		/* mix levels and characters that sort around '/' */
		if (i % 10 == 0)
			snprintf(k, sizeof(k), "page/d%03zu/x", i);
		else if (i % 10 == 1)
			snprintf(k, sizeof(k), "page/d%03zu-x", i);
		else
			snprintf(k, sizeof(k), "page/k%04zu", i);
		want[i] = xstrdup(k);
		if (store_put(st, k, "v", 1, NULL) != E_OK)
			put_fail++;
	}
	tap_ok(put_fail == 0, "put %d small objects (%d failed)", N, put_fail);
	if (put_fail)
		printf("#   %s\n", store_errmsg(st));
	qsort(want, N, sizeof(*want), cmpstr);
	rc = store_list(st, "page/", NULL, 1000, &p1);
	tap_ok(rc == E_OK && p1.n == 1000 && p1.next_token,
		"first page: 1000 keys and a token (got %zu)", p1.n);
	if (rc == E_OK && p1.next_token)
		rc = store_list(st, "page/", p1.next_token, 1000, &p2);
	tap_ok(rc == E_OK && p2.n == N - 1000 && !p2.next_token,
		"second page: the other %d keys, no token (got %zu)", N - 1000, p2.n);
	for (i = 0; same && i < p1.n + p2.n && i < N; i++) {
		const char *k = i < p1.n ? p1.keys[i] : p2.keys[i - p1.n];

		if (strcmp(k, want[i]) != 0) {
			printf("#   key %zu: got %s want %s\n", i, k, want[i]);
			same = false;
		}
	}
	tap_ok(same && p1.n + p2.n == N, "pages hold every key once, in byte order");
	rc = store_list(st, "page/k00", NULL, 1000, &p3);
	tap_ok(rc == E_OK && p3.n == 80 && !p3.next_token,
		"partial prefix page/k00 lists 80 keys (got %zu)", p3.n);
	store_list_page_release(&p3);
	rc = store_list(st, "nothing-here/", NULL, 10, &p3);
	tap_ok(rc == E_OK && p3.n == 0 && !p3.next_token, "empty prefix lists nothing");
	store_list_page_release(&p3);
	rc = store_list(st, "page/", NULL, 7, &p3);
	tap_ok(rc == E_OK && p3.n == 7 && p3.next_token && strcmp(p3.keys[6], want[6]) == 0,
		"small page of 7");
	store_list_page_release(&p3);
	rc = store_list(st, "../", NULL, 10, &p3);
	ok_rc(st, rc, E_INVAL, "list prefix ../ refused");
	store_list_page_release(&p1);
	store_list_page_release(&p2);
	store_list_page_release(&p3);
	for (i = 0; i < N; i++)
		free(want[i]);
	free(want);
}

/* exists_many over present and missing keys. */
static void
t_exists(struct store *st)
{
	enum { N = 60 };
	const char *keys[N];
	char names[N][32];
	bool ex[N];
	bool right = true;
	size_t i;
	int rc;

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "%s/%zu", i % 3 ? "ex" : "nx", i);
		keys[i] = names[i];
		if (i % 3 && store_put(st, names[i], "e", 1, NULL) != E_OK)
			right = false;
	}
	tap_ok(right, "put existence fixtures");
	rc = store_exists_many(st, keys, N, ex);
	ok_rc(st, rc, E_OK, "exists_many over 60 keys");
	for (i = 0; i < N; i++)
		if (ex[i] != (i % 3 != 0))
			right = false;
	tap_ok(rc == E_OK && right, "exists_many: present and missing keys told apart");
	rc = store_exists_many(st, keys, 0, ex);
	ok_rc(st, rc, E_OK, "exists_many over no keys");
}

/* fs only: no key or symlink reaches outside the root. */
static void
t_fs_traversal(struct store *st, const struct cfg *cfg)
{
	char outside[512];
	char path[1024];
	char secret[1024];
	struct buf got = BUF_INIT(0);
	struct stat sb;
	FILE *f;
	int rc;

	snprintf(outside, sizeof(outside), "%s.outside", cfg->store.fs_root);
	mkdir(outside, 0755);
	snprintf(secret, sizeof(secret), "%s/secret", outside);
	f = fopen(secret, "w");
	if (f) {
		fputs("top secret", f);
		fclose(f);
	}
	/* a directory symlink and a file symlink planted inside the root */
	snprintf(path, sizeof(path), "%s/evil", cfg->store.fs_root);
	unlink(path);
	tap_ok(symlink(outside, path) == 0, "plant symlink root/evil -> outside");
	snprintf(path, sizeof(path), "%s/leak.txt", cfg->store.fs_root);
	unlink(path);
	tap_ok(symlink(secret, path) == 0, "plant symlink root/leak.txt -> outside/secret");

	rc = store_get(st, "evil/secret", 0, &got);
	tap_ok(rc != E_OK && got.len == 0, "get through a directory symlink fails (%s)",
		err_str(rc));
	rc = store_get(st, "leak.txt", 0, &got);
	tap_ok(rc != E_OK && got.len == 0, "get of a file symlink fails (%s)",
		err_str(rc));
	rc = store_put(st, "evil/new", "x", 1, NULL);
	snprintf(path, sizeof(path), "%s/new", outside);
	tap_ok(rc != E_OK && stat(path, &sb) < 0, "put through a directory symlink "
		"fails and writes nothing outside (%s)", err_str(rc));
	rc = store_put(st, "leak.txt", "overwritten", 11, NULL);
	buf_reset(&got);
	f = fopen(secret, "r");
	if (f) {
		char b[64] = "";

		if (fgets(b, sizeof(b), f) == NULL)
			b[0] = '\0';
		fclose(f);
		tap_ok(strcmp(b, "top secret") == 0, "put over a file symlink replaces "
			"the link, not its target");
	} else {
		tap_ok(false, "secret still readable");
	}
	rc = store_put(st, "../escape", "x", 1, NULL);
	snprintf(path, sizeof(path), "%s/../escape", cfg->store.fs_root);
	tap_ok(rc == E_INVAL && stat(path, &sb) < 0, "put ../escape refused");
	rc = store_get(st, "../../../../etc/passwd", 0, &got);
	tap_ok(rc == E_INVAL && got.len == 0, "get ../../../../etc/passwd refused");
	rc = store_put(st, ".ember-meta/x", "x", 1, NULL);
	tap_ok(rc == E_INVAL, "reserved .ember- names refused");
	buf_release(&got);
}

/* fs only: a stream put whose input ends early leaves nothing behind. */
static void
t_fs_short(struct store *st, const struct cfg *cfg)
{
	struct stat sb;
	char path[1024];
	FILE *f = tmpfile();
	struct store_list_page p = { NULL, 0, NULL };
	int rc;

	fwrite("abc", 1, 3, f);
	rewind(f);
	rc = store_put_stream(st, "short/obj", f, 1000, NULL);
	fclose(f);
	snprintf(path, sizeof(path), "%s/short/obj", cfg->store.fs_root);
	tap_ok(rc != E_OK && stat(path, &sb) < 0, "short stream put fails, no object "
		"(%s)", err_str(rc));
	snprintf(path, sizeof(path), "%s/short", cfg->store.fs_root);
	rc = store_list(st, "short/", NULL, 10, &p);
	tap_ok(rc == E_OK && p.n == 0, "no temporary file is listed");
	store_list_page_release(&p);
}

/* Run the suite. */
static int
suite(struct store *st, const struct cfg *cfg)
{
	t_round_trips(st);
	t_attrs(st);
	t_streams(st);
	t_errors(st);
	t_exists(st);
	t_list(st);
	if (cfg->store.backend == CFG_STORE_FS) {
		t_fs_traversal(st, cfg);
		t_fs_short(st, cfg);
	}
	return tap_done();
}

/* Monotonic microseconds. */
static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Report an operation's failure. */
static int
fail(struct store *st, int rc)
{
	fprintf(stderr, "error: %s: %s\n", err_str(rc), store_errmsg(st));
	return 1;
}

/* One operation from the command line. */
static int
one(struct store *st, int argc, char **argv)
{
	const char *op = argv[0];
	int rc;

	if (strcmp(op, "put") == 0 && argc == 3) {
		FILE *f = fopen(argv[2], "rb");
		struct stat sb;

		if (!f || fstat(fileno(f), &sb) < 0) {
			fprintf(stderr, "error: cannot open %s\n", argv[2]);
			return 2;
		}
		rc = store_put_stream(st, argv[1], f, (uint64_t)sb.st_size, NULL);
		fclose(f);
		return rc == E_OK ? 0 : fail(st, rc);
	}
	if (strcmp(op, "put-short") == 0 && argc == 3) {
		FILE *f = tmpfile();

		fwrite("abc", 1, 3, f);
		rewind(f);
		rc = store_put_stream(st, argv[1], f, strtoull(argv[2], NULL, 10), NULL);
		fclose(f);
		return rc == E_OK ? 0 : fail(st, rc);
	}
	if (strcmp(op, "get") == 0 && argc == 2) {
		rc = store_get_stream(st, argv[1], stdout);
		fflush(stdout);
		return rc == E_OK ? 0 : fail(st, rc);
	}
	if (strcmp(op, "head") == 0 && argc == 2) {
		struct store_info info;

		rc = store_head(st, argv[1], &info);
		if (rc != E_OK)
			return fail(st, rc);
		printf("%llu %s\n", (unsigned long long)info.size, info.content_type);
		return 0;
	}
	if (strcmp(op, "exists") == 0 && argc >= 2) {
		bool *ex = xcalloc((size_t)argc, sizeof(*ex));
		int i;

		rc = store_exists_many(st, (const char *const *)argv + 1,
			(size_t)argc - 1, ex);
		if (rc != E_OK) {
			free(ex);
			return fail(st, rc);
		}
		for (i = 0; i < argc - 1; i++)
			printf("%d\n", ex[i] ? 1 : 0);
		free(ex);
		return 0;
	}
	if (strcmp(op, "bench-put") == 0 && argc == 3) {
		/* put DIR/f0..f(N-1) as bench/f<i>; print seconds */
		unsigned long i;
		unsigned long n = strtoul(argv[2], NULL, 10);
		int64_t t0 = mono_us();

		for (i = 0; i < n; i++) {
			char path[1024];
			char key[64];
			struct stat sb;
			FILE *f;

			snprintf(path, sizeof(path), "%s/f%lu", argv[1], i);
			snprintf(key, sizeof(key), "bench/f%lu", i);
			f = fopen(path, "rb");
			if (!f || fstat(fileno(f), &sb) < 0)
				return 2;
			rc = store_put_stream(st, key, f, (uint64_t)sb.st_size, NULL);
			fclose(f);
			if (rc != E_OK)
				return fail(st, rc);
		}
		printf("%.4f\n", (double)(mono_us() - t0) / 1e6);
		return 0;
	}
	if (strcmp(op, "bench-get") == 0 && argc == 2) {
		/* get bench/f0..f(N-1) into memory; print seconds */
		struct buf b = BUF_INIT(0);
		unsigned long i;
		unsigned long n = strtoul(argv[1], NULL, 10);
		int64_t t0 = mono_us();

		for (i = 0; i < n; i++) {
			char key[64];

			snprintf(key, sizeof(key), "bench/f%lu", i);
			buf_reset(&b);
			rc = store_get(st, key, 0, &b);
			if (rc != E_OK) {
				buf_release(&b);
				return fail(st, rc);
			}
		}
		buf_release(&b);
		printf("%.4f\n", (double)(mono_us() - t0) / 1e6);
		return 0;
	}
	fprintf(stderr, "unknown command or wrong arguments: %s\n", op);
	return 2;
}

/* Without arguments (make check): the suite on fs in a temporary root. */
static int
self_test(void)
{
	char root[] = "/tmp/ember-contract-store.XXXXXX";
	char exe[512];
	char cmd[1024];
	ssize_t n;
	int rc;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		perror("readlink /proc/self/exe");
		return 99;
	}
	exe[n] = '\0';
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 99;
	}
	setenv("EMBER_STORE_BACKEND", "fs", 1);
	setenv("EMBER_STORE_FS_ROOT", root, 1);
	snprintf(cmd, sizeof(cmd), "'%s' suite", exe);
	rc = system(cmd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.outside'", root, root);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", root);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 99;
}

int
main(int argc, char **argv)
{
	struct cfg cfg;
	struct store *st = NULL;
	const char *file = NULL;
	char err[512];
	int rc;

	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		file = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		return self_test();
	if (cfg_load(&cfg, file, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	rc = store_open(&cfg.store, &st, err, sizeof(err));
	if (rc != E_OK) {
		fprintf(stderr, "error: %s: %s\n", err_str(rc), err);
		cfg_release(&cfg);
		return 1;
	}
	if (strcmp(argv[1], "suite") == 0)
		rc = suite(st, &cfg);
	else
		rc = one(st, argc - 1, argv + 1);
	store_free(st);
	cfg_release(&cfg);
	return rc;
}
