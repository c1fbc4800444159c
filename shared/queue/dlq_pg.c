/*
 * dlq_pg.c - the dead-letter store in PostgreSQL (see dlq.h).
 *
 * Every operation is one parameterised statement on the rows of one
 * queue name.  Ids are UUIDs; anything else is "not found" without a
 * round trip.  Note that the pg queue moves a message into this table
 * (and back, on replay) with one statement of its own, so the move is
 * atomic; this module covers what needs only this table.
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "dlq.h"
#include "err.h"
#include "mem.h"
#include "uuidx.h"

struct dlq {
	struct db *db;
	bool own_db;		/* opened here: closed by dlq_free() */
	char name[49];
	char err[512];
};

static const struct db_stmt st_list = {
	"ember_dlq_list",
	"SELECT id, body, reason, receive_count,"
	" floor(extract(epoch FROM failed_at))::bigint"
	" FROM ember_job_dead_letter WHERE queue = $1"
	" ORDER BY failed_at, id LIMIT $2::int",
	2,
};

static const struct db_stmt st_purge_one = {
	"ember_dlq_purge_one",
	"DELETE FROM ember_job_dead_letter WHERE id = $1::uuid AND queue = $2",
	2,
};

static const struct db_stmt st_purge_all = {
	"ember_dlq_purge_all",
	"DELETE FROM ember_job_dead_letter WHERE queue = $1",
	1,
};

static const struct db_stmt st_insert = {
	"ember_dlq_insert",
	"INSERT INTO ember_job_dead_letter"
	" (queue, msg_id, body, reason, receive_count, sent_at)"
	" VALUES ($1, CASE WHEN $2 ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'"
	" THEN $2::uuid ELSE gen_random_uuid() END, $3, $4, $5::int,"
	" CASE WHEN $6::bigint > 0 THEN to_timestamp($6::bigint) ELSE now() END)"
	" RETURNING id",
	6,
};

static const struct db_stmt st_body = {
	"ember_dlq_body",
	"SELECT body FROM ember_job_dead_letter WHERE id = $1::uuid AND queue = $2",
	2,
};

static const struct db_stmt st_count = {
	"ember_dlq_count",
	"SELECT count(*) FROM ember_job_dead_letter WHERE queue = $1",
	1,
};

/* Set the error text. */
static void dlq_seterr(struct dlq *d, const char *fmt, ...) ATTR_PRINTF(2, 3);
static void
dlq_seterr(struct dlq *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
}

/* Run a statement; on failure copy the db error. */
static int
dlq_exec(struct dlq *d, const struct db_stmt *st, const char *const *params,
	PGresult **res)
{
	int rc = db_exec(d->db, st, params, res);

	if (rc != E_OK)
		dlq_seterr(d, "queue pg: %s", db_errmsg(d->db));
	return rc;
}

/* "Not found" for an id that cannot be one. */
static int
dlq_bad_id(struct dlq *d, const char *id)
{
	dlq_seterr(d, "queue pg: no dead letter %.64s", id);
	return E_NOTFOUND;
}

/* Whether a queue name fits the table's CHECK (and a channel name). */
bool
dlq_pg_name_ok(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			*s == '_'))
			return false;
	return n >= 1 && n <= 48;
}

/* On a borrowed connection. */
int
dlq_pg_new(struct db *db, const char *name, struct dlq **out, char *err,
	size_t errlen)
{
	struct dlq *d;

	*out = NULL;
	if (!name || !dlq_pg_name_ok(name)) {
		snprintf(err, errlen, "queue: name \"%s\" must be 1-48 of "
			"[a-z0-9_]", name ? name : "");
		return E_CONFIG;
	}
	d = xcalloc(1, sizeof(*d));
	d->db = db;
	snprintf(d->name, sizeof(d->name), "%s", name);
	*out = d;
	return E_OK;
}

/* On its own connection. */
int
dlq_pg_open(const struct cfg_db *cfg, const char *name, struct dlq **out,
	char *err, size_t errlen)
{
	struct db *db = NULL;
	int rc;

	*out = NULL;
	if (!name || !dlq_pg_name_ok(name))
		return dlq_pg_new(NULL, name, out, err, errlen);
	rc = db_open(cfg, &db, err, errlen);
	if (rc != E_OK)
		return rc;
	rc = dlq_pg_new(db, name, out, err, errlen);
	if (rc != E_OK) {
		db_free(db);
		return rc;
	}
	(*out)->own_db = true;
	return E_OK;
}

/* Close (own connection only). */
void
dlq_free(struct dlq *d)
{
	if (!d)
		return;
	if (d->own_db)
		db_free(d->db);
	free(d);
}

/* Last error. */
const char *
dlq_errmsg(const struct dlq *d)
{
	return d->err;
}

/* Insert a copy. */
int
dlq_insert(struct dlq *d, const struct queue_msg *m, const char *reason)
{
	char count[24];
	char sent[24];
	char *body = xmemdupz(m->body, m->body_len);
	const char *params[6] = { d->name, m->id ? m->id : "", body, reason,
		count, sent };
	int rc;

	snprintf(count, sizeof(count), "%u", m->receive_count);
	snprintf(sent, sizeof(sent), "%lld", (long long)m->sent_at);
	rc = dlq_exec(d, &st_insert, params, NULL);
	free(body);
	return rc;
}

/* Oldest first. */
int
dlq_list(struct dlq *d, size_t max, struct arena *a,
	struct queue_dead **items, size_t *n)
{
	char smax[24];
	const char *params[2] = { d->name, smax };
	PGresult *res = NULL;
	struct queue_dead *v;
	int i, rows, rc;

	snprintf(smax, sizeof(smax), "%zu", max);
	rc = dlq_exec(d, &st_list, params, &res);
	if (rc != E_OK)
		return rc;
	rows = PQntuples(res);
	if (rows > 0) {
		v = arena_zalloc(a, (size_t)rows * sizeof(*v));
		for (i = 0; i < rows; i++) {
			v[i].id = arena_strdup(a, PQgetvalue(res, i, 0));
			v[i].body = arena_strdup(a, PQgetvalue(res, i, 1));
			v[i].reason = arena_strdup(a, PQgetvalue(res, i, 2));
			v[i].receive_count = (unsigned)strtoul(PQgetvalue(res, i, 3),
				NULL, 10);
			v[i].failed_at = strtoll(PQgetvalue(res, i, 4), NULL, 10);
		}
		*items = v;
		*n = (size_t)rows;
	}
	PQclear(res);
	return E_OK;
}

/* One body. */
int
dlq_body(struct dlq *d, const char *id, char **body)
{
	const char *params[2] = { id, d->name };
	PGresult *res = NULL;
	int rc;

	*body = NULL;
	if (!uuidx_valid(id))
		return dlq_bad_id(d, id);
	rc = dlq_exec(d, &st_body, params, &res);
	if (rc != E_OK)
		return rc;
	if (PQntuples(res) == 1) {
		*body = xstrdup(PQgetvalue(res, 0, 0));
	} else {
		dlq_seterr(d, "queue pg: no dead letter %s", id);
		rc = E_NOTFOUND;
	}
	PQclear(res);
	return rc;
}

/* One or all. */
int
dlq_purge(struct dlq *d, const char *id)
{
	const char *params[2] = { id, d->name };
	PGresult *res = NULL;
	int rc;

	if (!id) {
		params[0] = d->name;
		return dlq_exec(d, &st_purge_all, params, NULL);
	}
	if (!uuidx_valid(id))
		return dlq_bad_id(d, id);
	rc = dlq_exec(d, &st_purge_one, params, &res);
	if (rc != E_OK)
		return rc;
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		dlq_seterr(d, "queue pg: no dead letter %s", id);
		rc = E_NOTFOUND;
	}
	PQclear(res);
	return rc;
}

/* How many. */
int
dlq_count(struct dlq *d, int64_t *n)
{
	const char *params[1] = { d->name };
	PGresult *res = NULL;
	int rc;

	*n = 0;
	rc = dlq_exec(d, &st_count, params, &res);
	if (rc != E_OK)
		return rc;
	if (PQntuples(res) == 1)
		*n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return E_OK;
}
