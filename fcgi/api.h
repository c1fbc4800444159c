/*
 * api.h - TRANSITIONAL: the old names of the helpers that fcgi/api.c used
 * to hold, kept only so that h_metrics.c and h_hosts.c build until they
 * move to the new modules.  Delete this file once nothing includes it.
 *
 * Where each part went:
 *   api_read_json/str/int/bool   -> body.h  body_read_json/str/int/bool
 *   api_begin/api_end            -> db.h    db_tx_begin/db_tx_end
 *   api_pg_array                 -> pgarr.h pgarr_strv
 *   api_key/api_time (hand-built JSON) -> build a json_t and send it with
 *                                   req_send_value(); times: jsonx_utc()
 */
#ifndef EMBER_FCGI_API_H
#define EMBER_FCGI_API_H

#include "compat.h"

#include <string.h>

#include "app.h"
#include "body.h"
#include "db.h"
#include "jsonx.h"
#include "log.h"
#include "pgarr.h"
#include "req.h"
#include "utc.h"
#include "rql.h"

#define api_read_json body_read_json
#define api_str body_str
#define api_int body_int
#define api_bool body_bool
#define api_pg_array pgarr_strv

static inline int
api_begin(struct db *db)
{
	int err = db_tx_begin(db);

	if (err)
		log_error("db: begin: %s", db_errmsg(db));
	return err;
}

static inline int
api_end(struct db *db, int err)
{
	int rc = db_tx_end(db, err);

	if (rc && !err)
		log_error("db: commit: %s", db_errmsg(db));
	return rc;
}

static inline int
api_key(struct buf *b, const char *key, bool first)
{
	if (!first)
		buf_putc(b, ',');
	return jsonx_escape(b, key, strlen(key)) || buf_add(b, ":", 1);
}

static inline int
api_time(struct buf *b, int64_t usec)
{
	char t[48];
	int err = utc_format(usec, UTC_FMT_Z, t, sizeof(t));

	if (!err)
		buf_putf(b, "\"%s\"", t);
	return err;
}

/*
 * The RQL filter in query parameter `name` (absent or "" = empty filter).
 * Answers 422 (FastAPI's shape) when the text is not JSON and 400 with
 * upstream's error list when it is JSON of the wrong shape, then returns
 * E_INVAL.  Strings of out live in r's arena.
 */
MUST_CHECK int api_filter(struct req *r, const char *name, struct rql *out);

#endif
