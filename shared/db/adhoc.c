/*
 * adhoc.c - the statements on AdhocFlamegraphMetadata.
 *
 * Times cross the boundary as UTC microseconds: the statements read
 * extract(epoch ...) * 1e6 and take timestamps as SQL text (the session's
 * TimeZone is UTC).  Note that the "file name -> key" rule
 * (products/{service}/stacks/flamegraph/{name}) is written once, in
 * ADHOC_KEY_IS_NAME, for the content lookup and the delete.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "adhoc.h"
#include "jsonx.h"
#include "num.h"
#include "pgarr.h"
#include "utc.h"

/* The columns row_of() reads, in its order (the key first: bench/bare). */
#define ADHOC_COLS \
	"a.s3_key, a.hostname," \
	" COALESCE(array_to_json(a.perf_events)::text, '[]')," \
	" (extract(epoch FROM a.start_time) * 1000000)::bigint," \
	" (extract(epoch FROM a.end_time) * 1000000)::bigint," \
	" a.file_size, a.id"

static const struct db_stmt st_list = {
	"adhoc_list",
	"SELECT " ADHOC_COLS
	"  FROM AdhocFlamegraphMetadata a"
	/*
	 * A scalar subquery, not a join: the planner then knows one
	 * service_id and walks idx_adhoc_metadata_service_time in order,
	 * so a page costs its LIMIT, not every row of the range (bench/run).
	 */
	" WHERE a.service_id = (SELECT s.id FROM Services s"
	"                        WHERE s.name = $1 AND s.cluster_id IS NULL)"
	/*
	 * Both bounds on start_time: upstream stored end_time = start_time,
	 * so its "end_time <= endTime" was a start-time bound.  Our end_time
	 * is start + duration; bounding it would hide a run that is still
	 * "ending" (or whose agent clock runs ahead) from a "last hour" view.
	 */
	"   AND a.start_time >= $2::timestamp AND a.start_time <= $3::timestamp"
	"   AND ($4::text[] IS NULL OR a.hostname = ANY ($4::text[]))"
	/* q: a case-insensitive substring of the title, note or importer */
	"   AND ($7::text IS NULL OR strpos(lower(a.title), lower($7)) > 0"
	"        OR strpos(lower(a.note), lower($7)) > 0"
	"        OR strpos(lower(COALESCE(a.importer, '')), lower($7)) > 0)"
	" ORDER BY a.start_time DESC, a.id DESC"
	" LIMIT $5::bigint OFFSET $6::bigint",
	7,
};

static const struct db_stmt st_key_of = {
	"adhoc_key_of",
	"SELECT a.s3_key FROM AdhocFlamegraphMetadata a"
	"  JOIN Services s ON s.id = a.service_id"
	" WHERE s.name = $1 AND s.cluster_id IS NULL AND " ADHOC_KEY_IS_NAME
	" LIMIT 1",
	2,
};

static const struct db_stmt st_key_find = {
	"adhoc_key_find",
	"SELECT a.s3_key FROM AdhocFlamegraphMetadata a"
	"  JOIN Services s ON s.id = a.service_id"
	" WHERE s.name = $1 AND s.cluster_id IS NULL"
	"   AND (a.s3_key = $2 OR " ADHOC_KEY_IS_NAME ")"
	" LIMIT 1",
	2,
};

static const struct db_stmt st_lock = {
	"adhoc_lock",
	"SELECT " ADHOC_COLS
	"  FROM AdhocFlamegraphMetadata a JOIN Services s ON s.id = a.service_id"
	" WHERE s.name = $1 AND s.cluster_id IS NULL"
	"   AND (" ADHOC_KEY_IS_NAME " OR a.s3_key = $2)"
	" ORDER BY a.id LIMIT 1 FOR UPDATE OF a",
	2,
};

static const struct db_stmt st_delete = {
	"adhoc_delete",
	"DELETE FROM AdhocFlamegraphMetadata WHERE id = $1::bigint",
	1,
};

static const struct db_stmt st_upsert = {
	"adhoc_upsert",
	"INSERT INTO AdhocFlamegraphMetadata "
	"(service_id, hostname, s3_key, perf_events, start_time, end_time, "
	"file_size) "
	"VALUES ($1::bigint, $2, $3, $4::text[], $5::timestamp, $6::timestamp, "
	"$7::bigint) "
	"ON CONFLICT (s3_key) DO UPDATE SET "
	"perf_events = EXCLUDED.perf_events, "
	"end_time = EXCLUDED.end_time, "
	"file_size = EXCLUDED.file_size",
	7,
};

static const struct db_stmt st_hosts = {
	"adhoc_hosts",
	"SELECT DISTINCT a.hostname FROM AdhocFlamegraphMetadata a"
	"  JOIN Services s ON s.id = a.service_id"
	" WHERE s.name = $1 AND s.cluster_id IS NULL"
	"   AND ($2::timestamp IS NULL OR a.start_time >= $2::timestamp)"
	"   AND ($3::timestamp IS NULL OR a.start_time <= $3::timestamp)"
	" ORDER BY a.hostname LIMIT $4::bigint",
	4,
};

/* A timestamp as SQL text in the arena; NULL when out of range. */
static const char *
sql_time(struct arena *a, int64_t usec)
{
	char t[40];

	if (utc_format(usec, UTC_FMT_SQL, t, sizeof(t)))
		return NULL;
	return arena_strdup(a, t);
}

/* A bigint column; a NULL or bad value gives def. */
static int64_t
col_i64(const PGresult *res, int i, int c, int64_t def)
{
	int64_t v;

	if (PQgetisnull(res, i, c) ||
	    num_i64(PQgetvalue(res, i, c), INT64_MIN, INT64_MAX, &v))
		return def;
	return v;
}

/* A text column copied into the arena. */
static const char *
col_str(struct arena *a, const PGresult *res, int i, int c)
{
	return arena_memdupz(a, PQgetvalue(res, i, c),
		(size_t)PQgetlength(res, i, c));
}

/* The perf events of a JSON array text into the row. */
static void
row_events(struct arena *a, const char *text, struct adhoc_row *row)
{
	json_t *v = NULL;
	size_t i, n;

	row->perf_events = NULL;
	row->nperf_events = 0;
	if (strcmp(text, "[]") == 0)
		return;
	if (jsonx_parse(text, strlen(text), &v, NULL, 0) || !json_is_array(v))
		goto out;
	n = json_array_size(v);
	row->perf_events = arena_zalloc(a, (n ? n : 1) * sizeof(char *));
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);

		if (json_is_string(e))
			row->perf_events[row->nperf_events++] = arena_memdupz(a,
				json_string_value(e), json_string_length(e));
	}
out:
	json_decref(v);
}

/* Row i of a result with the ADHOC_COLS columns. */
static void
row_of(struct arena *a, const PGresult *res, int i, struct adhoc_row *row)
{
	row->s3_key = col_str(a, res, i, 0);
	row->hostname = col_str(a, res, i, 1);
	row_events(a, PQgetvalue(res, i, 2), row);
	row->start_usec = col_i64(res, i, 3, 0);
	row->end_usec = col_i64(res, i, 4, 0);
	row->file_size = col_i64(res, i, 5, -1);
	row->id = col_i64(res, i, 6, 0);
}

/* The list page. */
int
adhoc_list(struct db *db, struct arena *a, const struct adhoc_query *q,
	struct adhoc_row **rows, size_t *n)
{
	const char *params[7];
	PGresult *res = NULL;
	int i, count, err;

	*rows = NULL;
	*n = 0;
	params[0] = q->service;
	params[1] = sql_time(a, q->from_usec);
	params[2] = sql_time(a, q->to_usec);
	if (!params[1] || !params[2])
		return E_INVAL;
	params[3] = q->hosts ? pgarr_strv(a, q->hosts, q->nhosts) : NULL;
	params[4] = arena_printf(a, "%llu", (unsigned long long)q->limit);
	params[5] = arena_printf(a, "%llu", (unsigned long long)q->offset);
	params[6] = q->q && *q->q ? q->q : NULL;
	err = db_exec(db, &st_list, params, &res);
	if (err)
		return err;
	count = PQntuples(res);
	*rows = arena_zalloc(a, (size_t)(count ? count : 1) * sizeof(**rows));
	for (i = 0; i < count; i++)
		row_of(a, res, i, &(*rows)[i]);
	*n = (size_t)count;
	PQclear(res);
	return E_OK;
}

/* The one key that st (service, name) selects; E_NOTFOUND when none. */
static int
key_by(struct db *db, const struct db_stmt *st, struct arena *a,
	const char *service, const char *name, const char **key)
{
	const char *params[2] = { service, name };
	PGresult *res = NULL;
	int err;

	*key = NULL;
	err = db_exec(db, st, params, &res);
	if (err)
		return err;
	if (PQntuples(res) == 0)
		err = E_NOTFOUND;
	else
		*key = col_str(a, res, 0, 0);
	PQclear(res);
	return err;
}

/* The key of a file name. */
int
adhoc_key_of(struct db *db, struct arena *a, const char *service,
	const char *name, const char **key)
{
	return key_by(db, &st_key_of, a, service, name, key);
}

/* The key of a file name or a whole key. */
int
adhoc_key_find(struct db *db, struct arena *a, const char *service,
	const char *name_or_key, const char **key)
{
	return key_by(db, &st_key_find, a, service, name_or_key, key);
}

/* Find and lock a row for deleting. */
int
adhoc_lock(struct db *db, struct arena *a, const char *service,
	const char *name_or_key, struct adhoc_row *row)
{
	const char *params[2] = { service, name_or_key };
	PGresult *res = NULL;
	int err;

	memset(row, 0, sizeof(*row));
	err = db_exec(db, &st_lock, params, &res);
	if (err)
		return err;
	if (PQntuples(res) == 0)
		err = E_NOTFOUND;
	else
		row_of(a, res, 0, row);
	PQclear(res);
	return err;
}

/* Delete one row. */
int
adhoc_delete(struct db *db, int64_t id)
{
	char ids[24];
	const char *params[1] = { ids };

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	return db_exec(db, &st_delete, params, NULL);
}

/* Insert or refresh a row. */
int
adhoc_upsert(struct db *db, int64_t service_id, const struct adhoc_row *row)
{
	struct buf events = BUF_INIT(0);
	char sid[24], start_s[40], end_s[40], size_s[24];
	const char *params[7];
	size_t i;
	int err;

	if (utc_format(row->start_usec, UTC_FMT_SQL, start_s, sizeof(start_s)) ||
	    utc_format(row->end_usec, UTC_FMT_SQL, end_s, sizeof(end_s)))
		return E_INVAL;
	snprintf(sid, sizeof(sid), "%lld", (long long)service_id);
	snprintf(size_s, sizeof(size_s), "%lld", (long long)row->file_size);
	if (row->nperf_events) {
		pgarr_open(&events);
		for (i = 0; i < row->nperf_events; i++)
			pgarr_add(&events, row->perf_events[i],
				strlen(row->perf_events[i]));
		pgarr_close(&events);
	}
	params[0] = sid;
	params[1] = row->hostname ? row->hostname : "";
	params[2] = row->s3_key;
	params[3] = row->nperf_events ? events.data : NULL;
	params[4] = start_s;
	params[5] = end_s;
	params[6] = row->file_size >= 0 ? size_s : NULL;
	err = db_exec(db, &st_upsert, params, NULL);
	buf_release(&events);
	return err;
}

/* Distinct host names. */
int
adhoc_hosts(struct db *db, struct arena *a, const char *service,
	int64_t from_usec, int64_t to_usec, uint64_t limit,
	const char ***hosts, size_t *n)
{
	const char *params[4];
	PGresult *res = NULL;
	int i, count, err;

	*hosts = NULL;
	*n = 0;
	params[0] = service;
	params[1] = from_usec != ADHOC_OPEN ? sql_time(a, from_usec) : NULL;
	params[2] = to_usec != ADHOC_OPEN ? sql_time(a, to_usec) : NULL;
	if ((from_usec != ADHOC_OPEN && !params[1]) ||
	    (to_usec != ADHOC_OPEN && !params[2]))
		return E_INVAL;
	params[3] = arena_printf(a, "%llu", (unsigned long long)limit);
	err = db_exec(db, &st_hosts, params, &res);
	if (err)
		return err;
	count = PQntuples(res);
	*hosts = arena_zalloc(a, (size_t)(count ? count : 1) * sizeof(char *));
	for (i = 0; i < count; i++)
		(*hosts)[i] = col_str(a, res, i, 0);
	*n = (size_t)count;
	PQclear(res);
	return E_OK;
}
