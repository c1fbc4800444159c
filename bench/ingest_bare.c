/*
 * ingest_bare.c - the baseline of bench/ingest.sh: the same job work
 * (store get, gunzip, parse, store put, row upsert) for every message body
 * read from stdin, one line each, in one process with no supervisor,
 * queue or channels.  Prints the count and the elapsed seconds.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "db.h"
#include "job.h"
#include "store.h"
#include "utc.h"

/* Read bodies from stdin and run each as a job. */
int
main(void)
{
	struct cfg cfg;
	struct job_env env;
	struct job_result res;
	char err[512], *line = NULL;
	size_t cap = 0, n = 0, bad = 0;
	ssize_t len;
	int64_t t0;

	if (cfg_load(&cfg, NULL, err, sizeof(err)) != E_OK ||
	    store_open(&cfg.store, &env.store, err, sizeof(err)) != E_OK ||
	    db_open(&cfg.db, &env.db, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "ingest-bare: %s\n", err);
		return 1;
	}
	env.cfg = &cfg.workers;
	t0 = utc_mono_ms();
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		job_run(&env, line, (size_t)len, &res);
		n++;
		if (res.verdict != PROTO_V_DONE) {
			bad++;
			fprintf(stderr, "ingest-bare: %s\n", res.why);
		}
	}
	printf("%zu %.3f %zu\n", n, (double)(utc_mono_ms() - t0) / 1000.0, bad);
	free(line);
	db_free(env.db);
	store_free(env.store);
	cfg_release(&cfg);
	return bad ? 1 : 0;
}
