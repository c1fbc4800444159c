/*
 * flame_render.c - folded text to the HTML page or the SVG, for the
 * browser test (t_flame_browser.sh) and for trying the renderer by hand.
 *
 *   flame_render html|svg|diff-html FILE [COMPARE_FILE] > out
 *
 * FILE is Brendan Gregg folded text ("a;b;c 12" lines).  Exit 1 on error.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "flrender.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *d;
	long n;

	if (!fp || fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0) {
		perror(path);
		exit(1);
	}
	rewind(fp);
	d = malloc((size_t)n + 1);
	*len = fread(d, 1, (size_t)n, fp);
	fclose(fp);
	return d;
}

int
main(int argc, char **argv)
{
	struct arena a;
	struct fl_tree t;
	struct fl_render_opts o = { .inverted = true };
	struct buf out = BUF_INIT(0);
	char *d, *d2 = NULL;
	size_t len, len2;
	int rc;

	if (argc < 3) {
		if (argc == 1) {
			printf("1..0 # SKIP a tool (flame_render html|svg FILE)\n");
			return 77;
		}
		fprintf(stderr, "usage: flame_render html|svg|diff-html FILE [COMPARE]\n");
		return 2;
	}
	d = slurp(argv[2], &len);
	arena_init(&a, 0);
	fl_tree_init(&t, &a, 0);
	rc = fl_folded_parse(&t, d, len, NULL, NULL);
	if (!rc && strcmp(argv[1], "diff-html") == 0 && argc > 3) {
		d2 = slurp(argv[3], &len2);
		t.side = 1;
		rc = fl_folded_parse(&t, d2, len2, NULL, NULL);
		o.diff = true;
	}
	if (!rc) {
		fl_tree_finish(&t, false);
		rc = strcmp(argv[1], "svg") == 0 ? fl_render_svg(&t, &o, &out) :
			fl_render_html(&t, &o, &out);
	}
	if (!rc && fwrite(out.data, 1, out.len, stdout) != out.len)
		rc = E_IO;
	if (rc)
		fprintf(stderr, "flame_render: %s\n", err_str(rc));
	buf_release(&out);
	fl_tree_release(&t);
	arena_release(&a);
	free(d);
	free(d2);
	return rc ? 1 : 0;
}
