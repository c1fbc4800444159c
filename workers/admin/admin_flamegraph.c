/*
 * admin_flamegraph.c - `ember-admin flamegraph delete`.
 *
 * Deleting a flamegraph goes through library_delete() (shared/library/library.h),
 * the one delete of the API and of retention: with the row locked, the
 * stack rows, the objects (page, and an import's raw file), then the row
 * and commit.  A failure before the row goes leaves the row, listed as
 * removed while its object is gone; running the command again finishes
 * the job, since deleting a missing object is not an error.
 */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adhoc.h"
#include "adlib.h"
#include "library.h"
#include "admin.h"
#include "arena.h"
#include "samples.h"
#include "services.h"
#include "store.h"
#include "utc.h"

/* flamegraph delete SERVICE FILENAME [--dry-run]. */
int
admin_flamegraph_delete(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cfg *cfg;
	const char *service;
	const char *file;
	struct adhoc_row row;
	struct store *st = NULL;
	struct smp *smp = NULL;
	struct arena a;
	struct db *db;
	char err[512], started[48];
	int64_t sid;
	bool dry = false;
	bool in_tx = false;
	int c;
	int rc;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'n')
			dry = true;
		else
			return admin_usage(ctx, "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 2)
		return admin_usage(ctx, argc - optind < 2 ? "missing SERVICE or FILENAME" :
			"too many arguments");
	service = argv[optind];
	file = argv[optind + 1];
	if (!*service || !*file)
		return admin_usage(ctx, "SERVICE and FILENAME must not be empty");
	cfg = admin_cfg(ctx);
	if (!cfg)
		return ADMIN_FAIL;
	db = admin_db(ctx);
	if (!db)
		return ADMIN_FAIL;
	err[0] = '\0';
	if (!dry && store_open(&cfg->store, &st, err, sizeof(err)) != E_OK)
		return admin_fail("object store (%s): %s",
			cfg->store.backend == CFG_STORE_S3 ? "s3" : "fs", err);
	arena_init(&a, 0);
	rc = db_tx_begin(db);
	if (rc != E_OK) {
		rc = admin_db_fail(ctx, "starting a transaction", rc);
		goto out;
	}
	in_tx = true;
	rc = adhoc_lock(db, &a, service, file, &row);
	if (rc == E_NOTFOUND) {
		rc = services_find(db, service, &sid);
		if (rc == E_NOTFOUND)
			rc = admin_fail("no service named %s", service);
		else if (rc != E_OK)
			rc = admin_db_fail(ctx, "looking the service up", rc);
		else
			rc = admin_fail("service %s has no flamegraph %s", service, file);
		goto out;
	}
	if (rc != E_OK) {
		rc = admin_db_fail(ctx, "looking the flamegraph up", rc);
		goto out;
	}
	if (utc_format(row.start_usec / 1000000 * 1000000, UTC_FMT_Z, started,
		sizeof(started)) != E_OK)
		snprintf(started, sizeof(started), "?");
	printf("%s %s (host %s, started %s)\n", dry ? "would delete" : "deleting",
		row.s3_key, row.hostname, started);
	if (dry) {
		rc = ADMIN_OK;
		goto out;
	}
	/* the one delete (shared/db/adlib.h): stack rows, objects, row */
	rc = db_tx_rollback(db);
	in_tx = false;
	if (rc == E_OK && cfg->samples.index &&
	    smp_open(cfg, &smp, err, sizeof(err)) != E_OK) {
		rc = admin_fail("sample store: %s", err);
		goto out;
	}
	if (rc == E_OK)
		rc = library_delete(db, st, smp, &a, service, file, NULL, err,
			sizeof(err));
	if (rc == E_OK && adlib_audit(db, getenv("USER"), "delete", service,
		strrchr(row.s3_key, '/') + 1, "{\"via\":\"ember-admin\"}") != E_OK)
		fprintf(stderr, "ember-admin: audit: %s\n", db_errmsg(db));
	if (rc != E_OK) {
		rc = admin_fail("delete failed: %s (%s)", err, err_str(rc));
		goto out;
	}
	printf("deleted the objects, stack rows and metadata row\n");
	rc = ADMIN_OK;
out:
	if (in_tx && db_tx_rollback(db) != E_OK)
		fprintf(stderr, "ember-admin: rollback failed: %s\n", db_errmsg(db));
	arena_release(&a);
	smp_free(smp);
	store_free(st);
	return rc;
}
