/*
 * body.h - reading a JSON request body and its fields, pydantic-style.
 *
 * Every function that answers the request itself says so; those return
 * E_INVAL (or another error) after answering, and the handler returns that
 * code at once (route_dispatch() sees r->status set and sends nothing
 * more).  Validation errors have FastAPI's shape: 422 {"detail":[{"loc":
 * ["body",field],"msg":...,"type":...}]}.
 */
#ifndef EMBER_FCGI_BODY_H
#define EMBER_FCGI_BODY_H

#include "compat.h"

#include <jansson.h>

#include "req.h"

/*
 * Read the body (at most max bytes) and parse it as a JSON object.
 * Answers 413 when too big, 422 {"detail":[...jsondecode...]} when not
 * JSON, 422 when not an object; then returns the error.  On success
 * *out is a new reference the caller json_decref()s.
 */
MUST_CHECK int body_read_json(struct req *r, size_t max, json_t **out);

/*
 * A string field of obj.  Absent (or null when !required) leaves *out
 * NULL and returns E_OK, except that an absent required field answers 422
 * "field required"; a value that is not a string answers 422 "str type
 * expected".  Numbers are accepted and converted, as pydantic v1 does.
 * The string is copied into the request's arena.
 */
MUST_CHECK int body_str(struct req *r, json_t *obj, const char *key,
	bool required, const char **out);
/*
 * An integer field: absent/null leaves *out = def; a non-integer answers
 * 422 "value is not a valid integer"; with positive, a value <= 0
 * answers 422 "ensure this value is greater than 0".
 */
MUST_CHECK int body_int(struct req *r, json_t *obj, const char *key,
	int64_t def, bool positive, int64_t *out);
/* A boolean field: absent/null = def; otherwise must be a JSON bool. */
MUST_CHECK int body_bool(struct req *r, json_t *obj, const char *key,
	bool def, bool *out);

#endif
