/*
 * admin_flamegraph.c - `ember-admin flamegraph delete`.
 *
 * Deleting a flamegraph removes two things that live in different
 * systems, the HTML object and its AdhocFlamegraphMetadata row, and no
 * order makes that atomic.  We lock the row (SELECT ... FOR UPDATE in a
 * transaction), delete the object, then delete the row and commit:
 *
 *   - if the object delete fails, we roll back and nothing changed;
 *   - if the row delete or the commit fails after the object is gone, the
 *     row stays, and the list endpoint checks every listed row against
 *     the store, so it shows removed=true (exists=false); running the
 *     command again finishes the job, since deleting a missing object is
 *     not an error.
 *
 * The other order (row first) would, on a failed object delete, leave an
 * object no row points at: invisible to the UI and to this tool, so it
 * could never be cleaned up by name.  The row lock makes a worker that
 * re-indexes the same profile meanwhile wait for our commit.
 */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adhoc.h"
#include "admin.h"
#include "arena.h"
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
	rc = store_delete(st, row.s3_key);
	if (rc != E_OK) {
		rc = admin_fail("deleting the object %s: %s (%s); nothing was changed",
			row.s3_key, store_errmsg(st), err_str(rc));
		goto out;
	}
	rc = adhoc_delete(db, row.id);
	if (rc == E_OK) {
		in_tx = false;
		rc = db_tx_commit(db);
	}
	if (rc != E_OK) {
		rc = admin_db_fail(ctx, "the object is gone but deleting its row failed"
			" (it is listed as removed; run the command again)", rc);
		goto out;
	}
	printf("deleted the object and its metadata row\n");
	rc = ADMIN_OK;
out:
	if (in_tx && db_tx_rollback(db) != E_OK)
		fprintf(stderr, "ember-admin: rollback failed: %s\n", db_errmsg(db));
	arena_release(&a);
	store_free(st);
	return rc;
}
