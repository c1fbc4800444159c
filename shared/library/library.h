/*
 * library.h - operations on the ad hoc library that span the database,
 * the object store and the sample store, so they sit above all three
 * (shared/db, shared/store, shared/samples).  Nothing here logs.
 */
#ifndef EMBER_LIBRARY_H
#define EMBER_LIBRARY_H

#include "compat.h"

#include "adhoc.h"
#include "arena.h"
#include "db.h"
#include "samples.h"
#include "store.h"

/*
 * Delete one ad hoc flamegraph and everything of it: in a transaction
 * with its row locked, its stack rows (smp NULL: none kept), its raw
 * object (imports), its HTML object, then the row; commit.  A failure
 * before the row goes rolls back and leaves the row (the list then shows
 * whatever is gone as removed); running it again finishes, since a
 * missing object or stack set is not an error.  *row (optional) gets
 * the row.  E_NOTFOUND when the service has no such row; err gets the
 * detail of other errors.  Used by the API, ember-admin flamegraph
 * delete and retention.
 */
MUST_CHECK int library_delete(struct db *db, struct store *st,
	struct smp *smp, struct arena *a, const char *service,
	const char *name_or_key, struct adhoc_row *row, char *err,
	size_t errlen);

#endif
