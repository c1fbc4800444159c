/*
 * hosts.c - the host status query (see hosts.h).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "hosts.h"
#include "num.h"
#include "pgarr.h"
#include "utc.h"

static const struct db_stmt st_host_status = {
	"hosts_status",
	"WITH cur AS ("
	" SELECT DISTINCT ON (hostname, service_name) hostname, service_name,"
	"        command_id, command_type, status, combined_config, sent_at"
	"   FROM ProfilingCommands"
	"  ORDER BY hostname, service_name, created_at DESC)"
	"SELECT h.id, h.hostname, host(h.ip_address), h.service_name,"
	"       (extract(epoch FROM h.heartbeat_timestamp) * 1000000)::bigint,"
	"       c.command_type, c.status,"
	"       CASE WHEN jsonb_typeof(c.combined_config -> 'pids') = 'array'"
	"            THEN (SELECT string_agg(p, ',') FROM"
	"                  jsonb_array_elements_text(c.combined_config -> 'pids') p"
	"                  WHERE p ~ '^[0-9]+$') END,"
	"       h.updated_at > CURRENT_TIMESTAMP"
	"                      - make_interval(secs => $8::integer),"
	"       COALESCE(c.combined_config ->> 'continuous', '') = 'true',"
	"       CASE WHEN jsonb_typeof(c.combined_config -> 'duration') = 'number'"
	"            THEN (c.combined_config ->> 'duration')::numeric::bigint END,"
	"       (extract(epoch FROM COALESCE(e.started_at, c.sent_at))"
	"        * 1000000)::bigint"
	"  FROM HostHeartbeats h LEFT JOIN cur c"
	"    ON h.hostname = c.hostname AND h.service_name = c.service_name"
	"  LEFT JOIN ProfilingExecutions e"
	"    ON e.command_id = c.command_id AND e.hostname = c.hostname"
	" WHERE ($1::text[] IS NULL"
	"        OR ($2::boolean AND h.service_name = ANY ($1::text[]))"
	"        OR (NOT $2::boolean AND EXISTS (SELECT 1 FROM unnest($1::text[]) s"
	"            WHERE h.service_name ILIKE '%' || s || '%')))"
	"   AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($3::text[]) s"
	"            WHERE h.hostname ILIKE '%' || s || '%'))"
	"   AND ($4::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($4::text[]) s"
	"            WHERE host(h.ip_address) LIKE '%' || s || '%'))"
	"   AND ($5::text[] IS NULL OR lower(c.status::text) = ANY ($5::text[])"
	"        OR ('stopped' = ANY ($5::text[]) AND c.status IS NULL))"
	"   AND ($6::text[] IS NULL OR lower(c.command_type) = ANY ($6::text[])"
	"        OR ('n/a' = ANY ($6::text[]) AND c.command_type IS NULL))"
	"   AND ($7::text[] IS NULL OR (jsonb_typeof(c.combined_config -> 'pids')"
	"        = 'array' AND EXISTS (SELECT 1 FROM"
	"        jsonb_array_elements_text(c.combined_config -> 'pids') p"
	"        WHERE p = ANY ($7::text[]))))"
	" ORDER BY h.heartbeat_timestamp DESC, h.id"
	" LIMIT $9::integer",
	9,
};

/* Escape LIKE wildcards so the value matches literally. */
static const char *
like_escape(struct arena *a, const char *s)
{
	char *out = arena_alloc(a, 2 * strlen(s) + 1);
	size_t o = 0;

	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
	return out;
}

/*
 * The array parameter of a filter list: NULL when it has no non-empty
 * value; values lower-cased when lower, LIKE-escaped when like.
 */
static const char *
list_param(struct arena *a, const struct hosts_list *l, bool lower, bool like)
{
	const char **keep;
	size_t i, k = 0;

	keep = arena_alloc(a, (l->n + 1) * sizeof(*keep));
	for (i = 0; i < l->n; i++) {
		char *s;
		size_t j;

		if (!*l->v[i])
			continue;
		s = arena_strdup(a, l->v[i]);
		if (lower)
			for (j = 0; s[j]; j++)
				if (s[j] >= 'A' && s[j] <= 'Z')
					s[j] = (char)(s[j] - 'A' + 'a');
		keep[k++] = like ? like_escape(a, s) : s;
	}
	return k ? pgarr_strv(a, keep, k) : NULL;
}

/* Split "1,2,3" (the query's digits-only PIDs) into an array. */
static void
split_pids(struct arena *a, const char *s, struct hosts_row *row)
{
	int64_t *v;
	size_t n = 1, k = 0;
	const char *p;

	row->pids = NULL;
	row->npids = 0;
	if (!*s)
		return;
	for (p = s; *p; p++)
		n += *p == ',';
	v = arena_alloc(a, n * sizeof(*v));
	while (*s) {
		const char *end = strchr(s, ',');
		char *one = arena_memdupz(a, s, end ? (size_t)(end - s) : strlen(s));

		if (num_i64(one, 0, INT64_MAX, &v[k]) == E_OK)
			k++;
		s = end ? end + 1 : s + strlen(s);
	}
	row->pids = v;
	row->npids = k;
}

/* A text column in the arena, NULL when SQL NULL. */
static const char *
col(struct arena *a, PGresult *res, int i, int c)
{
	return PQgetisnull(res, i, c) ? NULL :
		arena_strdup(a, PQgetvalue(res, i, c));
}

/* Run the host status query. */
int
hosts_status(struct db *db, struct arena *a, const struct hosts_filter *f,
	struct hosts_row **rows, size_t *n)
{
	const char *params[9];
	struct hosts_row *v;
	PGresult *res = NULL;
	int i, k, err;

	*rows = NULL;
	*n = 0;
	params[0] = list_param(a, &f->services, false, !f->exact_service);
	params[1] = f->exact_service ? "true" : "false";
	params[2] = list_param(a, &f->hostnames, false, true);
	params[3] = list_param(a, &f->ips, false, true);
	params[4] = list_param(a, &f->statuses, true, false);
	params[5] = list_param(a, &f->types, true, false);
	params[6] = list_param(a, &f->pids, false, false);
	params[7] = arena_printf(a, "%u", f->active_window);
	params[8] = arena_printf(a, "%u", f->limit);
	err = db_exec(db, &st_host_status, params, &res);
	if (err)
		return err;
	k = PQntuples(res);
	v = arena_zalloc(a, ((size_t)k + 1) * sizeof(*v));
	for (i = 0; i < k; i++) {
		if (num_i64(PQgetvalue(res, i, 0), INT64_MIN, INT64_MAX,
			&v[i].id) ||
		    num_i64(PQgetvalue(res, i, 4), INT64_MIN, INT64_MAX,
			&v[i].heartbeat_usec)) {
			err = E_PROTO;
			break;
		}
		v[i].hostname = col(a, res, i, 1);
		v[i].ip = col(a, res, i, 2);
		v[i].service = col(a, res, i, 3);
		v[i].command_type = col(a, res, i, 5);
		v[i].status = col(a, res, i, 6);
		split_pids(a, PQgetisnull(res, i, 7) ? "" :
			PQgetvalue(res, i, 7), &v[i]);
		v[i].active = PQgetvalue(res, i, 8)[0] == 't';
		v[i].continuous = PQgetvalue(res, i, 9)[0] == 't';
		v[i].duration = v[i].started_usec = -1;
		if ((!PQgetisnull(res, i, 10) &&
		     num_i64(PQgetvalue(res, i, 10), 0, INT64_MAX,
			&v[i].duration)) ||
		    (!PQgetisnull(res, i, 11) &&
		     num_i64(PQgetvalue(res, i, 11), INT64_MIN, INT64_MAX,
			&v[i].started_usec))) {
			err = E_PROTO;
			break;
		}
	}
	PQclear(res);
	if (err)
		return err;
	*rows = v;
	*n = (size_t)k;
	return E_OK;
}
