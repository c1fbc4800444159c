/*
 * uiq.h - the query parameters every continuous-view endpoint of the web
 * UI shares: serviceName, startTime, endTime and filter.
 *
 * uiq_parse() reads them with qarg.h and answers the request itself when
 * a parameter is wrong, in the shapes the UI's server used: 422 {"detail":[...]} for a missing or
 * ill-typed parameter or a filter that is not JSON, 400 with a pydantic
 * error list for a filter of the wrong shape, and 406 with the bare
 * string "service <name> doesn't exists" for a service that cannot be
 * queried.  It then returns E_INVAL, which the handler returns at once.
 */
#ifndef EMBER_FCGI_UIQ_H
#define EMBER_FCGI_UIQ_H

#include "compat.h"

#include <jansson.h>

#include "app.h"
#include "req.h"
#include "rql.h"
#include "samples.h"

/* Longest time range a query may cover. */
#define UIQ_MAX_DAYS 366

struct uiq {
	const char *service;	/* the name that was found */
	int64_t service_id;
	int64_t start;		/* usec, UTC (any offset in the text applied) */
	int64_t end;
	struct rql filter;	/* empty when absent */
};

enum uiq_flags {
	UIQ_NO_TIMES = 1 << 0,	/* startTime/endTime are not parameters */
};

/*
 * Parse and check the shared parameters into q (strings in r's arena) and
 * look the service up.  A range over UIQ_MAX_DAYS is 422; a reversed
 * one is accepted (handlers answer it as "no data").  A serviceName that is not found and starts with
 * '_' is tried once more without it (the old server always dropped one
 * leading '_', so such services could never be queried).  E_INVAL after
 * answering; E_DB and friends without answering.
 */
MUST_CHECK int uiq_parse(struct req *r, struct app *app, unsigned flags,
	struct uiq *q);

/*
 * The sample store; when it cannot be opened, answers 502 "Failed connect
 * to flamedb api" (the old server's words for its data service being
 * down) and returns E_DB.
 */
MUST_CHECK int uiq_smp(struct req *r, struct app *app, struct smp **out);

/*
 * A copy of f keeping only the conditions whose type is one of types
 * (NULL-terminated), in r's arena.
 */
struct rql uiq_keep(struct req *r, const struct rql *f,
	const char *const *types);
/* Whether f has a $eq condition on type. */
bool uiq_has_eq(const struct rql *f, const char *type);

/*
 * A time as pydantic writes it, a new JSON string: aware
 * "2024-05-01T10:00:00+00:00" or naive "2024-05-01T10:00:00", either with
 * ".123000" when there is a fraction.
 */
json_t *uiq_jtime(int64_t usec, bool aware);

/*
 * Send body (a reference the call steals) as JSON with status.  E_IO when
 * the client went away.
 */
MUST_CHECK int uiq_send(struct req *r, int status, json_t *body);
/* Send 204 with no body (upstream's "no data"). */
MUST_CHECK int uiq_send_204(struct req *r);

#endif
