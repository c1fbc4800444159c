/*
 * adhoc.h - the data layer of AdhocFlamegraphMetadata (one row per ad hoc
 * flamegraph object): every statement on that table, typed.
 *
 * Used by ember-fcgi (list, content, host tags), ember-workers (the
 * upsert after the object is written) and ember-admin (flamegraph
 * delete).  Results are plain structs whose strings live in the arena the
 * caller passes; nothing here logs.  Errors are db.h's (E_DB retryable,
 * E_INVAL data refused by the server, ...) with db_errmsg() for the text;
 * E_NOTFOUND where a lookup says so.
 *
 * Tests link tests/fakes/fake_db.c instead of this file (the same
 * functions over an in-memory table) to exercise handlers without
 * PostgreSQL.
 */
#ifndef EMBER_ADHOC_H
#define EMBER_ADHOC_H

#include "compat.h"

#include "arena.h"
#include "db.h"

/*
 * SQL: the row a's key is that of file name $2 of the joined service s
 * (the one "file name -> key" rule).
 */
#define ADHOC_KEY_IS_NAME \
	"a.s3_key = 'products/' || s.name || '/stacks/flamegraph/' || $2"

/* One metadata row. */
struct adhoc_row {
	int64_t id;
	const char *s3_key;	/* the flamegraph object's key */
	const char *hostname;
	const char **perf_events;	/* nperf_events strings, may be 0 */
	size_t nperf_events;
	int64_t start_usec;	/* UTC microseconds */
	int64_t end_usec;
	int64_t file_size;	/* -1 when NULL */
};

/* What the list shows: one service's rows in a start-time range. */
struct adhoc_query {
	const char *service;	/* Services.name */
	int64_t from_usec;	/* start_time >= from */
	int64_t to_usec;	/* start_time <= to */
	const char *const *hosts;	/* only these hostnames; NULL = all */
	size_t nhosts;
	uint64_t limit;
	uint64_t offset;
	const char *q;	/* text in the title, note or importer; NULL = all */
};

/*
 * The page of rows for q, newest first (start_time, then id, descending).
 * *rows (arena) holds *n rows; an unknown service gives 0 rows.
 * E_INVAL when a time cannot be written as SQL.
 */
MUST_CHECK int adhoc_list(struct db *db, struct arena *a,
	const struct adhoc_query *q, struct adhoc_row **rows, size_t *n);
/*
 * The s3_key of the service's flamegraph whose file name (the key's last
 * segment, products/{service}/stacks/flamegraph/{name}) is name.
 * E_NOTFOUND when there is no such row.
 */
MUST_CHECK int adhoc_key_of(struct db *db, struct arena *a,
	const char *service, const char *name, const char **key);
/*
 * The s3_key of the service's flamegraph named by its file name (as
 * adhoc_key_of()) or by its whole key.  E_NOTFOUND when there is none.
 */
MUST_CHECK int adhoc_key_find(struct db *db, struct arena *a,
	const char *service, const char *name_or_key, const char **key);
/*
 * Inside a transaction (db_tx_begin()): find and lock (FOR UPDATE) the
 * service's row named by a file name or by its whole key; *row gets it.
 * E_NOTFOUND when there is none.
 */
MUST_CHECK int adhoc_lock(struct db *db, struct arena *a,
	const char *service, const char *name_or_key, struct adhoc_row *row);
/* Delete the row with this id (no error when it is already gone). */
MUST_CHECK int adhoc_delete(struct db *db, int64_t id);
/*
 * Insert the row for an object just written, or update its perf events,
 * end time and size when the key exists (the same profile re-indexed).
 * row->id is ignored; service_id is the owner.
 */
MUST_CHECK int adhoc_upsert(struct db *db, int64_t service_id,
	const struct adhoc_row *row);
/* A bound of adhoc_hosts() that is not there. */
#define ADHOC_OPEN INT64_MIN

/*
 * The distinct host names of the service's rows whose start time is in
 * [from, to] (either bound ADHOC_OPEN: none), sorted, at most limit, into
 * *hosts (arena).  E_INVAL when a bound cannot be written as SQL.
 */
MUST_CHECK int adhoc_hosts(struct db *db, struct arena *a,
	const char *service, int64_t from_usec, int64_t to_usec,
	uint64_t limit, const char ***hosts, size_t *n);

#endif
