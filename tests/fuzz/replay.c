/*
 * replay.c - run a fuzz target over corpus files (no libFuzzer needed).
 *
 * Usage: fuzz_x FILE|DIR...  Each file is read whole and passed to
 * LLVMFuzzerTestOneInput(); a directory means every regular file in it.
 * Prints one TAP line per file; a crash fails the run as a crash.
 */
#include "compat.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "fuzz.h"

static int replay_count;

/* Read a file into a buffer. */
static int
replay_read(const char *path, struct buf *out)
{
	char chunk[65536];
	FILE *f;
	size_t n;
	int err = E_OK;

	f = fopen(path, "rb");
	if (!f)
		return E_IO;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		err = buf_add(out, chunk, n);
		if (err)
			break;
	}
	if (!err && ferror(f))
		err = E_IO;
	fclose(f);
	return err;
}

/* Replay one file. */
static int
replay_file(const char *path)
{
	struct buf b = BUF_INIT(64 << 20);
	uint8_t *copy;
	int err;

	err = replay_read(path, &b);
	if (err) {
		printf("not ok %d - %s: %s\n", ++replay_count, path, strerror(errno));
		buf_release(&b);
		return 1;
	}
	/* an exact-size heap copy, so ASan sees reads past the end */
	copy = malloc(b.len ? b.len : 1);
	if (!copy)
		abort();
	memcpy(copy, b.data, b.len);
	LLVMFuzzerTestOneInput(copy, b.len);
	free(copy);
	buf_release(&b);
	printf("ok %d - %s\n", ++replay_count, path);
	return 0;
}

/* Replay a file or every file of a directory, in name order. */
static int
replay_path(const char *path)
{
	struct dirent **names = NULL;
	struct stat st;
	char sub[4096];
	int failed = 0;
	int n;
	int i;

	if (stat(path, &st) < 0) {
		printf("not ok %d - %s: %s\n", ++replay_count, path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	n = scandir(path, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
			if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
				failed += replay_file(sub);
		}
		free(names[i]);
	}
	free(names);
	return failed;
}

int
main(int argc, char **argv)
{
	int failed = 0;
	int i;

	for (i = 1; i < argc; i++)
		failed += replay_path(argv[i]);
	printf("1..%d\n", replay_count);
	return failed ? 1 : 0;
}
