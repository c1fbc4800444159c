/*
 * uidb.h - the PostgreSQL reads and writes of the upstream web UI's
 * pages: service lookup, the overview's service list, saved filters
 * (ProfilerFilters) and flamegraph snapshots (ember_snapshots).
 *
 * Typed functions over prepared statements: callers pass plain values and
 * get plain structs back, with every string copied into the caller's
 * arena.  No SQL text is ever built from a value.
 *
 * Errors: the db.h codes (E_DB, E_TIMEOUT, E_INVAL, E_INTERNAL) with the
 * detail in db_errmsg(); E_NOTFOUND where a function says so.
 */
#ifndef EMBER_UIDB_H
#define EMBER_UIDB_H

#include "compat.h"

#include "arena.h"
#include "db.h"

/*
 * The id of the service called name that the UI may query: not hidden
 * and not a cluster member.  E_NOTFOUND when there is none.
 */
MUST_CHECK int uidb_service_id(struct db *db, const char *name, int64_t *id);

/* One visible service, for the overview. */
struct uidb_service {
	int64_t id;
	const char *name;
	const char *env_type;	/* env_type, else service_type; never NULL */
	int64_t created;	/* usec, UTC */
	bool has_created;	/* false when ts is NULL */
};
/* Visible services by name, at most max; array in a. */
MUST_CHECK int uidb_services(struct db *db, unsigned max, struct arena *a,
	struct uidb_service **out, size_t *n);

/* One saved filter. */
struct uidb_filter {
	int64_t id;
	const char *content;	/* the filter object as JSON text */
};
/*
 * The filters saved for the service called service (none for an unknown
 * name), oldest first.
 */
MUST_CHECK int uidb_filters(struct db *db, const char *service, unsigned max,
	struct arena *a, struct uidb_filter **out, size_t *n);
/* Save a filter (content: JSON text of an object); its new id in *id. */
MUST_CHECK int uidb_filter_add(struct db *db, int64_t service_id,
	const char *content, int64_t *id);
/* Replace the content of filter id.  E_NOTFOUND when there is none. */
MUST_CHECK int uidb_filter_update(struct db *db, int64_t id,
	const char *content);
/* Delete filter id; *found says whether it existed. */
MUST_CHECK int uidb_filter_delete(struct db *db, int64_t id, bool *found);

/* A saved snapshot. */
struct uidb_snapshot {
	int64_t service_id;
	const char *service;	/* name (uidb_snapshot_get only) */
	int64_t start;		/* usec, UTC */
	int64_t end;
	const char *frames;	/* JSON text of an array */
	const char *filter;	/* JSON text of an object, or NULL */
};
/* Store a snapshot; its new id in *id. */
MUST_CHECK int uidb_snapshot_add(struct db *db, const struct uidb_snapshot *s,
	int64_t *id);
/* Read snapshot id into *out (strings in a).  E_NOTFOUND when none. */
MUST_CHECK int uidb_snapshot_get(struct db *db, int64_t id, struct arena *a,
	struct uidb_snapshot *out);

#endif
