/*
 * flame_load.c - write one gProfiler profile file into the sample store
 * (for t_api_flamegraph.sh), the way the workers do: header, stack lines
 * through coll_parse(), smp_write_profile().
 *
 *   flame_load SERVICE_ID KEY HOST START_UNIX INSTANCE_TYPE FILE [ADHOC_KEY]
 *
 * The host record comes from the header as the workers take it:
 * metrics.cpu_avg, metrics.mem_avg and metadata.processors (unknown when
 * absent).  The configuration comes from the environment (EMBER_DB_*,
 * ...).  Exit 0 and "written N lines" on success; 1 with the error on
 * stderr.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "cfg.h"
#include "collapsed.h"
#include "jsonx.h"
#include "samples.h"

/* A number at path of the header, or -1. */
static double
hdr_num(json_t *header, const char *path)
{
	json_t *v = header ? jsonx_path(header, path) : NULL;

	return v && json_is_number(v) ? json_number_value(v) : -1;
}

int
main(int argc, char **argv)
{
	struct cfg cfg;
	struct smp *s = NULL;
	struct arena a;
	struct coll_result res;
	struct smp_profile p;
	json_t *header = NULL;
	char err[512];
	char *data;
	const char *nl;
	size_t len;
	long n;
	FILE *fp;
	bool dup = false;
	int rc;

	if (argc < 7) {
		if (argc == 1) {
			printf("1..0 # SKIP run by t_api_flamegraph.sh\n");
			return 77;
		}
		fprintf(stderr, "usage: flame_load SERVICE_ID KEY HOST START "
			"INSTANCE_TYPE FILE [ADHOC_KEY]\n");
		return 2;
	}
	fp = fopen(argv[6], "rb");
	if (!fp || fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0) {
		perror(argv[6]);
		return 1;
	}
	rewind(fp);
	data = malloc((size_t)n + 1);
	len = fread(data, 1, (size_t)n, fp);
	fclose(fp);
	data[len] = '\0';
	if (len && data[0] == '#') {
		nl = memchr(data, '\n', len);
		if (jsonx_parse(data + 1, (size_t)((nl ? nl : data + len) -
		    data - 1), &header, err, sizeof(err)) != E_OK) {
			fprintf(stderr, "header: %s\n", err);
			return 1;
		}
	}
	if (cfg_load(&cfg, NULL, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	if ((rc = smp_open(&cfg, &s, err, sizeof(err))) != E_OK) {
		fprintf(stderr, "error: %s: %s\n", err_str(rc), err);
		return 1;
	}
	arena_init(&a, 0);
	coll_parse(data, len, header, NULL, &a, &res);
	memset(&p, 0, sizeof(p));
	p.key = argv[2];
	p.service_id = strtoll(argv[1], NULL, 10);
	p.hostname = argv[3];
	p.start = strtoll(argv[4], NULL, 10);
	p.end = p.start + 60;
	p.instance_type = argv[5];
	p.cpu_avg = hdr_num(header, "metrics.cpu_avg");
	p.mem_avg = hdr_num(header, "metrics.mem_avg");
	p.cores = (int)hdr_num(header, "metadata.processors");
	p.adhoc_key = argc > 7 ? argv[7] : NULL;
	rc = smp_write_profile(s, &p, res.lines, res.n, &dup);
	if (rc)
		fprintf(stderr, "error: %s: %s\n", err_str(rc), smp_errmsg(s));
	else
		printf("written %zu lines\n", res.n);
	smp_free(s);
	arena_release(&a);
	json_decref(header);
	cfg_release(&cfg);
	free(data);
	return rc ? 1 : 0;
}
