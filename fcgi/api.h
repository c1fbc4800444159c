/*
 * api.h - helpers shared by the JSON handlers: reading a JSON body,
 * FastAPI-shaped validation errors, typed field access, transactions and
 * small JSON writers.
 *
 * Every function that answers the request itself says so; those return
 * E_INVAL (or another error) after answering, and the handler returns that
 * code at once (route_dispatch() sees r->status set and sends nothing
 * more).
 */
#ifndef EMBER_FCGI_API_H
#define EMBER_FCGI_API_H

#include "compat.h"

#include <jansson.h>

#include "app.h"
#include "db.h"
#include "req.h"
#include "rql.h"

/*
 * Read the body (at most max bytes) and parse it as a JSON object.
 * Answers 413 when too big, 422 {"detail":[...jsondecode...]} when not
 * JSON, 422 when not an object; then returns the error.  On success
 * *out is a new reference the caller json_decref()s.
 */
MUST_CHECK int api_read_json(struct req *r, size_t max, json_t **out);

/*
 * A string field of obj.  Absent (or null when !required) leaves *out
 * NULL and returns E_OK, except that an absent required field answers 422
 * "field required"; a value that is not a string answers 422 "str type
 * expected".  Numbers are accepted and converted, as pydantic v1 does.
 */
MUST_CHECK int api_str(struct req *r, json_t *obj, const char *key,
	bool required, const char **out);
/*
 * An integer field: absent/null leaves *out = def; a non-integer answers
 * 422 "value is not a valid integer"; with positive, a value <= 0
 * answers 422 "ensure this value is greater than 0".
 */
MUST_CHECK int api_int(struct req *r, json_t *obj, const char *key,
	int64_t def, bool positive, int64_t *out);
/* A boolean field: absent/null = def; otherwise must be a JSON bool. */
MUST_CHECK int api_bool(struct req *r, json_t *obj, const char *key,
	bool def, bool *out);

/* Begin a transaction. */
MUST_CHECK int api_begin(struct db *db);
/* COMMIT when err is E_OK (returning the COMMIT's result), else ROLLBACK
 * and return err. */
MUST_CHECK int api_end(struct db *db, int err);

/* Append ,"key": (or "key": when first) to a JSON object being built. */
MUST_CHECK int api_key(struct buf *b, const char *key, bool first);
/* Append a usec timestamp as a JSON string in UTC with Z. */
MUST_CHECK int api_time(struct buf *b, int64_t usec);
/* Parse a SQL timestamp text (UTC wall clock) into usec; false if bad. */
bool api_sql_time(const char *s, int64_t *usec);
/*
 * Build a PostgreSQL array literal {"a","b"} from n strings (quoted and
 * escaped), in the arena.
 */
char *api_pg_array(struct arena *a, const char *const *v, size_t n);
/*
 * Strip what upstream strips from a service name ([^A-Za-z0-9_.-] removed,
 * then leading '_'), in the arena.
 */
char *api_clean_service(struct arena *a, const char *s);

/*
 * The RQL filter in query parameter `name` (absent or "" = empty filter).
 * Answers 422 (FastAPI's shape) when the text is not JSON and 400 with
 * upstream's error list when it is JSON of the wrong shape, then returns
 * E_INVAL.  Strings of out live in r's arena.
 */
MUST_CHECK int api_filter(struct req *r, const char *name, struct rql *out);

#endif
