/*
 * library.c - the ad hoc library's delete (see library.h).  The row is
 * locked first and deleted last, so two deletes of one flamegraph queue
 * behind each other and a failure half-way leaves a row that a second
 * run finishes.
 */
#include "compat.h"

#include <stdio.h>

#include "adlib.h"
#include "library.h"

/* The delete, in a transaction of its own. */
int
library_delete(struct db *db, struct store *st, struct smp *smp,
	struct arena *a, const char *service, const char *name_or_key,
	struct adhoc_row *row_out, char *err, size_t errlen)
{
	struct adhoc_row row;
	const char *raw = "";
	bool in_tx = false;
	int rc;

	err[0] = '\0';
	rc = db_tx_begin(db);
	if (rc) {
		snprintf(err, errlen, "begin: %s", db_errmsg(db));
		goto out;
	}
	in_tx = true;
	rc = adhoc_lock(db, a, service, name_or_key, &row);
	if (rc) {
		if (rc != E_NOTFOUND)
			snprintf(err, errlen, "lock: %s", db_errmsg(db));
		goto out;
	}
	if (row_out)
		*row_out = row;
	rc = adlib_raw_key(db, a, row.id, &raw);
	if (rc) {
		snprintf(err, errlen, "raw key: %s", db_errmsg(db));
		goto out;
	}
	if (smp && (rc = smp_delete_adhoc(smp, row.s3_key)) != E_OK) {
		snprintf(err, errlen, "stack rows: %s", smp_errmsg(smp));
		goto out;
	}
	if (*raw && (rc = store_delete(st, raw)) != E_OK) {
		snprintf(err, errlen, "object %s: %s; the row stays (run the"
			" command again)", raw, store_errmsg(st));
		goto out;
	}
	if ((rc = store_delete(st, row.s3_key)) != E_OK) {
		snprintf(err, errlen, "object %s: %s; the row stays (run the"
			" command again)", row.s3_key, store_errmsg(st));
		goto out;
	}
	rc = adhoc_delete(db, row.id);
	if (rc == E_OK) {
		in_tx = false;
		rc = db_tx_commit(db);
	}
	if (rc)
		snprintf(err, errlen, "the objects are gone but the row stays"
			" (listed as removed; run the command again): %s", db_errmsg(db));
out:
	if (in_tx && db_tx_rollback(db) != E_OK && !err[0])
		snprintf(err, errlen, "rollback: %s", db_errmsg(db));
	return rc;
}
