/*
 * services.h - the data layer of the Services table: every statement on
 * it that ember-fcgi, ember-workers and ember-admin run, typed.
 *
 * Names are checked by the callers with prof_service_ok() (the one
 * service-name rule) before they get here.  Strings of results live in
 * the caller's arena; nothing here logs; errors are db.h's.
 */
#ifndef EMBER_SERVICES_H
#define EMBER_SERVICES_H

#include "compat.h"

#include "arena.h"
#include "db.h"

/* One row as the UI's service picker shows it. */
struct service_row {
	int64_t id;
	const char *name;
	int64_t created_usec;	/* INT64_MIN when NULL */
	const char *env_type;	/* env_type, else service_type; may be "" */
	bool has_data;		/* an ad hoc flamegraph or a heartbeating host */
};

/*
 * The visible services (not hidden, no cluster), by name, at most limit,
 * into *rows (arena).
 */
MUST_CHECK int services_list(struct db *db, struct arena *a, uint64_t limit,
	struct service_row **rows, size_t *n);
/*
 * The id of service name, creating the row (with env_type, an EnvType
 * value such as "containers") when there is none.  Concurrent callers get
 * the same id.
 */
MUST_CHECK int services_get_or_create(struct db *db, const char *name,
	const char *env_type, int64_t *id);
/* The id of service name; E_NOTFOUND when there is none. */
MUST_CHECK int services_find(struct db *db, const char *name, int64_t *id);

#endif
