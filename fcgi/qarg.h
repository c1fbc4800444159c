/*
 * qarg.h - query parameters: the one place that turns the text of a query
 * parameter into a typed value (string, service, time, integer, bool,
 * RQL filter) and answers the client when it cannot.
 *
 * Every function that can fail answers the request itself, in FastAPI's
 * shape: 422 {"detail":[{"loc":["query",name],"msg":...,"type":...}]}
 * (the filter's wrong shape is 400 with a pydantic error list, an unknown
 * service 406 with the bare string "service X doesn't exists"), and then
 * returns E_INVAL (or the error of sending); the handler returns that
 * code at once.  Errors of the database come back without an answer.
 * Strings live in r's arena.
 */
#ifndef EMBER_FCGI_QARG_H
#define EMBER_FCGI_QARG_H

#include "compat.h"

#include "app.h"
#include "req.h"
#include "rql.h"

enum qarg_flags {
	/* absent: 422 "field required" (value_error.missing) */
	QARG_REQUIRED = 1 << 0,
	/* "" counts as absent (else "" is a value, and maybe a bad one) */
	QARG_NONEMPTY = 1 << 1,
	/* integers: 0 is 422 "ensure this value is greater than 0" */
	QARG_POSITIVE = 1 << 2,
	/*
	 * filters: text that is not JSON is answered with the parser's
	 * message (value_error.jsondecode) instead of "Invalid JSON"
	 * (value_error.json): the UI views' server said the former, the
	 * flamegraph's the latter
	 */
	QARG_JSONDECODE = 1 << 3,
	/*
	 * services: the name is cleaned as the agents' server cleans it
	 * (prof_service_clean()) before the lookup, and the 406 quotes the
	 * raw value ("None" when absent); without it the name is looked up
	 * as given, then once more without one leading '_'
	 */
	QARG_CLEAN = 1 << 4,
};

/* Answer 422 for query parameter name; returns E_INVAL (or E_IO). */
MUST_CHECK int qarg_422(struct req *r, const char *name, const char *msg,
	const char *type);

/* A string parameter; *out NULL when absent (see QARG_REQUIRED/NONEMPTY). */
MUST_CHECK int qarg_str(struct req *r, const char *name, unsigned flags,
	const char **out);

/*
 * A service name with one leading '_' dropped (the old server's
 * validator did that); no lookup.  *out NULL when absent.
 */
MUST_CHECK int qarg_service_name(struct req *r, const char *name,
	unsigned flags, const char **out);

/*
 * The service named by parameter name, looked up among the visible
 * services (see QARG_CLEAN): *service the name found, *id its id.
 * Answers 406 when there is none.
 */
MUST_CHECK int qarg_service(struct req *r, struct app *app, const char *name,
	unsigned flags, const char **service, int64_t *id);

/*
 * A time parameter (ISO 8601, any offset applied; it must also be
 * writable back as a UTC time) in usec.  Absent: *present false (when
 * present is not NULL) and *usec untouched.  Not a time: 422 "invalid
 * datetime format".
 */
MUST_CHECK int qarg_time(struct req *r, const char *name, unsigned flags,
	int64_t *usec, bool *present);

/*
 * An unsigned decimal integer: def when absent (or "" with
 * QARG_NONEMPTY), 422 "value is not a valid integer" when it is not
 * one, clamped to max (0 = no clamp).
 */
MUST_CHECK int qarg_u64(struct req *r, const char *name, unsigned flags,
	uint64_t def, uint64_t max, uint64_t *out);

/* The first of names that is present, or names[0] when none is. */
const char *qarg_first(struct req *r, const char *const *names, size_t n);

/*
 * A pydantic-style bool (true/false/1/0/yes/no/on/off/t/f/y/n, any case);
 * absent or "" = def.  422 when it is something else.
 */
MUST_CHECK int qarg_bool(struct req *r, const char *name, bool def,
	bool *out);

/*
 * One of names[0..n) (an enumeration); absent or "" = def.  422 "value is
 * not a valid enumeration member" when it is none of them.
 */
MUST_CHECK int qarg_enum(struct req *r, const char *name,
	const char *const *names, size_t n, int def, int *out);

/*
 * The RQL filter in parameter name (JSON or compact spelling); absent or
 * blank = no condition.  Not JSON: 422 (see QARG_JSONDECODE); JSON of
 * the wrong shape: 400 [{"loc":["filter"],"msg":...,"type":"value_error"}].
 */
MUST_CHECK int qarg_filter(struct req *r, const char *name, unsigned flags,
	struct rql *out);

#endif
