/*
 * uidb.c - the UI pages' statements.
 *
 * Timestamps cross as text in both directions: parameters in UTC_FMT_SQL
 * (the session's TimeZone is UTC), results as microseconds since the
 * epoch, so nothing depends on the server's DateStyle.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uidb.h"
#include "utc.h"

static const struct db_stmt st_service_id = {
	"uidb_service_id",
	"SELECT id FROM Services"
	" WHERE name = $1 AND NOT hidden AND cluster_id IS NULL",
	1,
};

static const struct db_stmt st_services = {
	"uidb_services",
	"SELECT id, name, COALESCE(env_type::text, service_type::text),"
	"       (extract(epoch FROM ts) * 1000000)::bigint"
	"  FROM Services WHERE NOT hidden AND cluster_id IS NULL"
	" ORDER BY name LIMIT $1::integer",
	1,
};

static const struct db_stmt st_filters = {
	"uidb_filters",
	"SELECT f.id, f.filter_content::text"
	"  FROM ProfilerFilters f JOIN Services s ON s.id = f.service"
	" WHERE s.name = $1 AND s.cluster_id IS NULL"
	" ORDER BY f.id LIMIT $2::integer",
	2,
};

static const struct db_stmt st_filter_add = {
	"uidb_filter_add",
	"INSERT INTO ProfilerFilters (service, filter_content)"
	" VALUES ($1::bigint, $2::jsonb) RETURNING id",
	2,
};

static const struct db_stmt st_filter_update = {
	"uidb_filter_update",
	"UPDATE ProfilerFilters SET filter_content = $2::jsonb"
	" WHERE id = $1::bigint RETURNING id",
	2,
};

static const struct db_stmt st_filter_delete = {
	"uidb_filter_delete",
	"DELETE FROM ProfilerFilters WHERE id = $1::bigint RETURNING id",
	1,
};

static const struct db_stmt st_snapshot_add = {
	"uidb_snapshot_add",
	"INSERT INTO ember_snapshots"
	" (service_id, start_time, end_time, frames, filter)"
	" VALUES ($1::bigint, $2::timestamp, $3::timestamp, $4::jsonb,"
	"         $5::jsonb) RETURNING id",
	5,
};

static const struct db_stmt st_snapshot_get = {
	"uidb_snapshot_get",
	"SELECT s.service_id, v.name,"
	"       (extract(epoch FROM s.start_time) * 1000000)::bigint,"
	"       (extract(epoch FROM s.end_time) * 1000000)::bigint,"
	"       s.frames::text, s.filter::text"
	"  FROM ember_snapshots s JOIN Services v ON v.id = s.service_id"
	" WHERE s.id = $1::bigint",
	1,
};

/* Run st and expect at most one row; E_NOTFOUND when none. */
static int
one_row(struct db *db, const struct db_stmt *st, const char *const *params,
	PGresult **res)
{
	int err = db_exec(db, st, params, res);

	if (err)
		return err;
	if (PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
		return E_NOTFOUND;
	}
	return E_OK;
}

/* Look a queryable service up by name. */
int
uidb_service_id(struct db *db, const char *name, int64_t *id)
{
	const char *params[1] = { name };
	PGresult *res = NULL;
	int err = one_row(db, &st_service_id, params, &res);

	if (err)
		return err;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return E_OK;
}

/* The visible services. */
int
uidb_services(struct db *db, unsigned max, struct arena *a,
	struct uidb_service **out, size_t *n)
{
	const char *params[1];
	PGresult *res = NULL;
	int i, rows, err;

	*out = NULL;
	*n = 0;
	params[0] = arena_printf(a, "%u", max);
	err = db_exec(db, &st_services, params, &res);
	if (err)
		return err;
	rows = PQntuples(res);
	*out = arena_zalloc(a, ((size_t)rows + 1) * sizeof(**out));
	for (i = 0; i < rows; i++) {
		struct uidb_service *s = &(*out)[i];

		s->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		s->name = arena_strdup(a, PQgetvalue(res, i, 1));
		s->env_type = arena_strdup(a, PQgetvalue(res, i, 2));
		s->has_created = !PQgetisnull(res, i, 3);
		if (s->has_created)
			s->created = strtoll(PQgetvalue(res, i, 3), NULL, 10);
	}
	*n = (size_t)rows;
	PQclear(res);
	return E_OK;
}

/* The filters saved for a service. */
int
uidb_filters(struct db *db, const char *service, unsigned max,
	struct arena *a, struct uidb_filter **out, size_t *n)
{
	const char *params[2];
	PGresult *res = NULL;
	int i, rows, err;

	*out = NULL;
	*n = 0;
	params[0] = service;
	params[1] = arena_printf(a, "%u", max);
	err = db_exec(db, &st_filters, params, &res);
	if (err)
		return err;
	rows = PQntuples(res);
	*out = arena_zalloc(a, ((size_t)rows + 1) * sizeof(**out));
	for (i = 0; i < rows; i++) {
		(*out)[i].id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		(*out)[i].content = arena_strdup(a, PQgetvalue(res, i, 1));
	}
	*n = (size_t)rows;
	PQclear(res);
	return E_OK;
}

/* Save a filter. */
int
uidb_filter_add(struct db *db, int64_t service_id, const char *content,
	int64_t *id)
{
	char sid[24];
	const char *params[2] = { sid, content };
	PGresult *res = NULL;
	int err;

	snprintf(sid, sizeof(sid), "%lld", (long long)service_id);
	err = one_row(db, &st_filter_add, params, &res);

	if (err)
		return err == E_NOTFOUND ? E_INTERNAL : err;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return E_OK;
}

/* Replace a filter's content. */
int
uidb_filter_update(struct db *db, int64_t id, const char *content)
{
	char sid[24];
	const char *params[2] = { sid, content };
	PGresult *res = NULL;
	int err;

	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	err = one_row(db, &st_filter_update, params, &res);
	PQclear(res);
	return err;
}

/* Delete a filter. */
int
uidb_filter_delete(struct db *db, int64_t id, bool *found)
{
	char sid[24];
	const char *params[1] = { sid };
	PGresult *res = NULL;
	int err;

	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	*found = false;
	err = db_exec(db, &st_filter_delete, params, &res);
	if (err)
		return err;
	*found = PQntuples(res) > 0;
	PQclear(res);
	return E_OK;
}

/* Store a snapshot. */
int
uidb_snapshot_add(struct db *db, const struct uidb_snapshot *s, int64_t *id)
{
	char sid[24], from[40], to[40];
	const char *params[5] = { sid, from, to, s->frames, s->filter };
	PGresult *res = NULL;
	int err;

	snprintf(sid, sizeof(sid), "%lld", (long long)s->service_id);
	if (utc_format(s->start, UTC_FMT_SQL, from, sizeof(from)) ||
	    utc_format(s->end, UTC_FMT_SQL, to, sizeof(to)))
		return E_INVAL;
	err = one_row(db, &st_snapshot_add, params, &res);
	if (err)
		return err == E_NOTFOUND ? E_INTERNAL : err;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return E_OK;
}

/* Read a snapshot. */
int
uidb_snapshot_get(struct db *db, int64_t id, struct arena *a,
	struct uidb_snapshot *out)
{
	char sid[24];
	const char *params[1] = { sid };
	PGresult *res = NULL;
	int err;

	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	memset(out, 0, sizeof(*out));
	err = one_row(db, &st_snapshot_get, params, &res);
	if (err)
		return err;
	out->service_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	out->service = arena_strdup(a, PQgetvalue(res, 0, 1));
	out->start = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	out->end = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	out->frames = arena_strdup(a, PQgetvalue(res, 0, 4));
	out->filter = PQgetisnull(res, 0, 5) ? NULL :
		arena_strdup(a, PQgetvalue(res, 0, 5));
	PQclear(res);
	return E_OK;
}
