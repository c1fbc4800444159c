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

#include "admin.h"
#include "mem.h"
#include "store.h"

static const struct db_stmt st_fg_find = {
	"admin_fg_find",
	"SELECT a.id, a.s3_key, a.hostname,"
	" to_char(a.start_time, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	" FROM AdhocFlamegraphMetadata a JOIN Services s ON s.id = a.service_id"
	" WHERE s.name = $1 AND s.cluster_id IS NULL"
	" AND (a.s3_key = 'products/' || s.name || '/stacks/flamegraph/' || $2"
	"  OR a.s3_key = $2)"
	" ORDER BY a.id LIMIT 1 FOR UPDATE OF a",
	2,
};
static const struct db_stmt st_fg_delete = {
	"admin_fg_delete",
	"DELETE FROM AdhocFlamegraphMetadata WHERE id = $1::bigint",
	1,
};
static const struct db_stmt st_fg_service = {
	"admin_fg_service",
	"SELECT id FROM Services WHERE name = $1 AND cluster_id IS NULL",
	1,
};

/* flamegraph delete SERVICE FILENAME [--dry-run]. */
int
admin_flamegraph_delete(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cfg *cfg;
	const char *params[2];
	const char *service;
	const char *file;
	PGresult *res = NULL;
	struct store *st = NULL;
	struct db *db;
	char err[512];
	char *key = NULL;
	char *id = NULL;
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
	rc = db_exec_sql(db, "BEGIN", NULL);
	if (rc != E_OK) {
		rc = admin_db_fail(ctx, "starting a transaction", rc);
		goto out;
	}
	in_tx = true;
	params[0] = service;
	params[1] = file;
	rc = db_exec(db, &st_fg_find, params, &res);
	if (rc != E_OK) {
		rc = admin_db_fail(ctx, "looking the flamegraph up", rc);
		goto out;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		res = NULL;
		rc = db_exec(db, &st_fg_service, params, &res);
		if (rc != E_OK)
			rc = admin_db_fail(ctx, "looking the service up", rc);
		else if (PQntuples(res) == 0)
			rc = admin_fail("no service named %s", service);
		else
			rc = admin_fail("service %s has no flamegraph %s", service, file);
		goto out;
	}
	id = xstrdup(PQgetvalue(res, 0, 0));
	key = xstrdup(PQgetvalue(res, 0, 1));
	printf("%s %s (host %s, started %s)\n", dry ? "would delete" : "deleting", key,
		PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	PQclear(res);
	res = NULL;
	if (dry) {
		rc = ADMIN_OK;
		goto out;
	}
	rc = store_delete(st, key);
	if (rc != E_OK) {
		rc = admin_fail("deleting the object %s: %s (%s); nothing was changed", key,
			store_errmsg(st), err_str(rc));
		goto out;
	}
	params[0] = id;
	rc = db_exec(db, &st_fg_delete, params, NULL);
	if (rc == E_OK) {
		in_tx = false;
		rc = db_exec_sql(db, "COMMIT", NULL);
	}
	if (rc != E_OK) {
		rc = admin_db_fail(ctx, "the object is gone but deleting its row failed"
			" (it is listed as removed; run the command again)", rc);
		goto out;
	}
	printf("deleted the object and its metadata row\n");
	rc = ADMIN_OK;
out:
	if (in_tx && db_exec_sql(db, "ROLLBACK", NULL) != E_OK)
		fprintf(stderr, "ember-admin: rollback failed: %s\n", db_errmsg(db));
	PQclear(res);
	free(id);
	free(key);
	store_free(st);
	return rc;
}
