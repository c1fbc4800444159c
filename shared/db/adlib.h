/*
 * adlib.h - the ad hoc library: what ember keeps about an ad hoc
 * flamegraph beyond its metadata row's basics (source, importer, pin,
 * title and note, lineage) and who did what (ember_audit).  The one
 * delete that every path uses (the API, ember-admin flamegraph delete,
 * retention) spans the store and the sample store too, so it lives a
 * layer up, in shared/library/library.h.
 *
 * Rows are named by service and file name (the key's last segment) or
 * by their whole key, as adhoc_lock() does.  Strings of results live in
 * the caller's arena; nothing here logs.  Errors are db.h's, E_NOTFOUND
 * when the named row is not there, E_TOOBIG for a title or note over its
 * bound (ADLIB_MAX_TITLE / ADLIB_MAX_NOTE, which the schema enforces too).
 */
#ifndef EMBER_ADLIB_H
#define EMBER_ADLIB_H

#include "compat.h"

#include "adhoc.h"
#include "arena.h"
#include "db.h"

#define ADLIB_MAX_TITLE 200	/* characters */
#define ADLIB_MAX_NOTE 4000	/* characters */
#define ADLIB_MAX_ACTOR 200	/* bytes of an actor name kept */

/* The library's part of one row, and its lineage. */
struct adlib_info {
	int64_t id;
	const char *source;	/* "agent" or "import" */
	const char *importer;	/* "" unless imported */
	bool pinned;
	const char *title;
	const char *note;
	const char *command_id;	/* the producing command, "" if none found */
	const char *request_id;	/* its profile_request, "" if none */
	const char *requester;	/* who asked for it (audit), "" if unknown */
	bool by_window;		/* found by host and execution window */
};

/*
 * The library columns and lineage of the rows with these ids; out[i]
 * belongs to ids[i] (id 0 and rows gone: source "" and the rest empty).
 */
MUST_CHECK int adlib_info(struct db *db, struct arena *a, const int64_t *ids,
	size_t n, struct adlib_info *out);

/*
 * Record what ember learnt at ingestion about the row of key: its
 * source and importer (NULL: an agent's upload), the raw object an
 * import keeps (NULL: none), whether the page refers to the agents' CDN
 * assets, and the command the upload named (NULL or "": none; must be a
 * UUID).  E_NOTFOUND when there is no such row.
 */
MUST_CHECK int adlib_mark(struct db *db, const char *key, const char *importer,
	const char *raw_key, bool refers_cdn, const char *command_id);

/* Whether the row of key refers to the CDN assets (false when no row). */
MUST_CHECK int adlib_refers_cdn(struct db *db, const char *key, bool *out);

/* Pin or unpin the service's row name_or_key. */
MUST_CHECK int adlib_pin(struct db *db, const char *service,
	const char *name_or_key, bool pinned);
/* Set title and note (NULL: leave as is) of the service's row. */
MUST_CHECK int adlib_note(struct db *db, const char *service,
	const char *name_or_key, const char *title, const char *note);

/*
 * The key of the raw object an import kept beside the row with this id
 * ("" when there is none, or no such row).
 */
MUST_CHECK int adlib_raw_key(struct db *db, struct arena *a, int64_t id,
	const char **raw);

/* One audit entry. */
struct adlib_audit {
	int64_t at_usec;
	const char *actor;
	const char *action;	/* profile_request, stop, delete, pin, unpin,
				 * note, import, retention */
	const char *service;
	const char *target;	/* request id or file name, "" */
	const char *detail;	/* JSON text or "" */
};

/*
 * Record that actor (NULL or "": "anonymous"; cut to ADLIB_MAX_ACTOR
 * bytes) did action on service's target (NULL: "") with detail (JSON
 * text or NULL), now.
 */
MUST_CHECK int adlib_audit(struct db *db, const char *actor,
	const char *action, const char *service, const char *target,
	const char *detail);
/* The service's newest entries (all services when service is NULL). */
MUST_CHECK int adlib_audit_list(struct db *db, struct arena *a,
	const char *service, uint64_t limit, struct adlib_audit **out,
	size_t *n);

/* One flamegraph a profile_request produced. */
struct adlib_product {
	const char *service;
	const char *s3_key;
	const char *hostname;
	const char *command_id;
	int64_t start_usec;
	bool by_window;
};
/*
 * The ad hoc flamegraphs the commands of request request_id produced
 * (by command id, else by host and execution window), oldest first.
 * E_INVAL when request_id is not a UUID.
 */
MUST_CHECK int adlib_products(struct db *db, struct arena *a,
	const char *request_id, struct adlib_product **out, size_t *n);

/* A row retention may remove. */
struct adlib_expired {
	const char *service;
	const char *s3_key;
};
/*
 * At most limit unpinned rows stored more than days days ago (by
 * created_at), oldest first.
 */
MUST_CHECK int adlib_expired(struct db *db, struct arena *a, unsigned days,
	uint64_t limit, struct adlib_expired **out, size_t *n);
/*
 * The session-level advisory lock that makes one retention pass run at
 * a time across hosts: *got false when another session holds it.
 */
MUST_CHECK int adlib_retention_lock(struct db *db, bool *got);
MUST_CHECK int adlib_retention_unlock(struct db *db);

#endif
