/*
 * services.c - the statements on Services.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "num.h"
#include "services.h"

static const struct db_stmt st_list = {
	"services_list",
	"SELECT s.id, s.name,"
	"       (extract(epoch FROM s.ts) * 1000000)::bigint,"
	"       COALESCE(s.env_type::text, s.service_type::text, ''),"
	"       EXISTS (SELECT 1 FROM AdhocFlamegraphMetadata a"
	"                WHERE a.service_id = s.id)"
	"       OR EXISTS (SELECT 1 FROM HostHeartbeats h"
	"                   WHERE h.service_name = s.name)"
	"  FROM Services s"
	" WHERE NOT s.hidden AND s.cluster_id IS NULL"
	" ORDER BY s.name LIMIT $1::bigint",
	1,
};

static const struct db_stmt st_get_or_create = {
	"services_get_or_create",
	"WITH ins AS ("
	" INSERT INTO Services (name, env_type) VALUES ($1, $2::EnvType)"
	" ON CONFLICT (name) DO NOTHING RETURNING id)"
	"SELECT id FROM ins UNION ALL"
	" SELECT id FROM Services WHERE name = $1 LIMIT 1",
	2,
};

static const struct db_stmt st_find = {
	"services_find",
	"SELECT id FROM Services WHERE name = $1 AND cluster_id IS NULL",
	1,
};

/* The single bigint of a one-row result. */
static int
one_id(PGresult *res, int64_t *id)
{
	if (PQntuples(res) == 0)
		return E_NOTFOUND;
	if (num_i64(PQgetvalue(res, 0, 0), 1, INT64_MAX, id))
		return E_INTERNAL;
	return E_OK;
}

/* The picker's rows. */
int
services_list(struct db *db, struct arena *a, uint64_t limit,
	struct service_row **rows, size_t *n)
{
	const char *params[1];
	PGresult *res = NULL;
	int i, count, err;

	*rows = NULL;
	*n = 0;
	params[0] = arena_printf(a, "%llu", (unsigned long long)limit);
	err = db_exec(db, &st_list, params, &res);
	if (err)
		return err;
	count = PQntuples(res);
	*rows = arena_zalloc(a, (size_t)(count ? count : 1) * sizeof(**rows));
	for (i = 0; i < count; i++) {
		struct service_row *row = &(*rows)[i];

		if (num_i64(PQgetvalue(res, i, 0), 1, INT64_MAX, &row->id))
			row->id = 0;
		row->name = arena_strdup(a, PQgetvalue(res, i, 1));
		if (PQgetisnull(res, i, 2) ||
		    num_i64(PQgetvalue(res, i, 2), INT64_MIN, INT64_MAX,
			&row->created_usec))
			row->created_usec = INT64_MIN;
		row->env_type = arena_strdup(a, PQgetvalue(res, i, 3));
		row->has_data = PQgetvalue(res, i, 4)[0] == 't';
	}
	*n = (size_t)count;
	PQclear(res);
	return E_OK;
}

/* Get or create. */
int
services_get_or_create(struct db *db, const char *name, const char *env_type,
	int64_t *id)
{
	const char *params[2] = { name, env_type };
	PGresult *res = NULL;
	int err;

	err = db_exec(db, &st_get_or_create, params, &res);
	if (err)
		return err;
	err = one_id(res, id);
	PQclear(res);
	return err == E_NOTFOUND ? E_INTERNAL : err;
}

/* Find by name. */
int
services_find(struct db *db, const char *name, int64_t *id)
{
	const char *params[1] = { name };
	PGresult *res = NULL;
	int err;

	err = db_exec(db, &st_find, params, &res);
	if (err)
		return err;
	err = one_id(res, id);
	PQclear(res);
	return err;
}
