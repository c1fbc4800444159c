/*
 * adlib.c - the ad hoc library's statements and its one delete; see
 * adlib.h.
 *
 * Lineage is found when read, not stored: a row that names its command
 * (command_id, when the upload carried one) links to that command; an
 * agent's row without one links to the newest start command for its
 * service and host whose execution window holds the profile's start
 * time.  The window runs from when the command was handed out (or
 * created) to when it completed, or, while it has not, to the hand-out
 * plus its duration and ten minutes; two minutes of slack either side
 * absorb the agents' clocks.  ADLIB_IN_WINDOW is that rule, written once
 * for both directions.  The request is the command's newest request id;
 * its requester is the actor of that request's audit entry.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "adlib.h"
#include "num.h"
#include "pgarr.h"
#include "utc.h"
#include "uuidx.h"

/* SQL: row a (of service s) was produced by start command pc. */
#define ADLIB_IN_WINDOW \
	"(pc.command_type = 'start' AND a.source = 'agent'" \
	" AND pc.service_name = s.name AND (pc.command_id = a.command_id" \
	"  OR (a.command_id IS NULL AND pc.hostname = a.hostname" \
	"   AND a.start_time >= COALESCE(pc.sent_at, pc.created_at)" \
	"       - interval '2 minutes'" \
	"   AND a.start_time <= COALESCE(pc.completed_at," \
	"       COALESCE(pc.sent_at, pc.created_at) + make_interval(secs =>" \
	"        CASE WHEN pc.combined_config->>'duration' ~ '^[0-9]{1,7}$'" \
	"             THEN (pc.combined_config->>'duration')::int ELSE 60 END)" \
	"       + interval '10 minutes') + interval '2 minutes')))"

static const struct db_stmt st_info = {
	"adlib_info",
	"SELECT a.id, a.source, COALESCE(a.importer, ''), a.pinned, a.title,"
	"       a.note, COALESCE(c.command_id::text, ''),"
	"       COALESCE(c.request_ids[cardinality(c.request_ids)]::text, ''),"
	"       COALESCE(r.actor, ''), (a.command_id IS NULL)"
	"  FROM AdhocFlamegraphMetadata a JOIN Services s ON s.id = a.service_id"
	"  LEFT JOIN LATERAL (SELECT pc.command_id, pc.request_ids"
	"       FROM ProfilingCommands pc WHERE " ADLIB_IN_WINDOW
	"       ORDER BY pc.created_at DESC LIMIT 1) c ON true"
	"  LEFT JOIN LATERAL (SELECT u.actor FROM ember_audit u"
	"       WHERE u.action = 'profile_request'"
	"         AND u.target = c.request_ids[cardinality(c.request_ids)]::text"
	"       ORDER BY u.done_at LIMIT 1) r ON true"
	" WHERE a.id = ANY ($1::bigint[])",
	1,
};

static const struct db_stmt st_mark = {
	"adlib_mark",
	"UPDATE AdhocFlamegraphMetadata SET"
	"  source = CASE WHEN $2::text IS NULL THEN 'agent' ELSE 'import' END,"
	"  importer = $2, raw_key = $3, refers_cdn = $4::boolean,"
	"  command_id = $5::uuid"
	" WHERE s3_key = $1",
	5,
};

static const struct db_stmt st_refers = {
	"adlib_refers",
	"SELECT refers_cdn FROM AdhocFlamegraphMetadata WHERE s3_key = $1"
	" LIMIT 1",
	1,
};

/* Note that $2 is the name (ADHOC_KEY_IS_NAME) or the whole key. */
#define ADLIB_ROW_OF \
	" FROM Services s WHERE s.id = a.service_id AND s.name = $1" \
	"  AND s.cluster_id IS NULL AND (" ADHOC_KEY_IS_NAME " OR a.s3_key = $2)"

static const struct db_stmt st_pin = {
	"adlib_pin",
	"UPDATE AdhocFlamegraphMetadata a SET pinned = $3::boolean"
	ADLIB_ROW_OF,
	3,
};

static const struct db_stmt st_note = {
	"adlib_note",
	"UPDATE AdhocFlamegraphMetadata a"
	"   SET title = COALESCE($3, a.title), note = COALESCE($4, a.note)"
	ADLIB_ROW_OF,
	4,
};

static const struct db_stmt st_raw_key = {
	"adlib_raw_key",
	"SELECT COALESCE(raw_key, '') FROM AdhocFlamegraphMetadata"
	" WHERE id = $1::bigint",
	1,
};

static const struct db_stmt st_audit = {
	"adlib_audit",
	"INSERT INTO ember_audit (actor, action, service_name, target, detail)"
	" VALUES ($1, $2, $3, $4, $5::jsonb)",
	5,
};

static const struct db_stmt st_audit_list = {
	"adlib_audit_list",
	"SELECT (extract(epoch FROM done_at) * 1000000)::bigint, actor, action,"
	"       service_name, target, COALESCE(detail::text, '')"
	"  FROM ember_audit WHERE ($1::text IS NULL OR service_name = $1)"
	" ORDER BY done_at DESC, id DESC LIMIT $2::bigint",
	2,
};

static const struct db_stmt st_products = {
	"adlib_products",
	"SELECT DISTINCT ON (a.id) s.name, a.s3_key, a.hostname,"
	"       pc.command_id::text,"
	"       (extract(epoch FROM a.start_time) * 1000000)::bigint,"
	"       (a.command_id IS NULL)"
	"  FROM ProfilingCommands pc"
	"  JOIN Services s ON s.name = pc.service_name AND s.cluster_id IS NULL"
	"  JOIN AdhocFlamegraphMetadata a ON a.service_id = s.id"
	" WHERE $1::uuid = ANY (pc.request_ids) AND " ADLIB_IN_WINDOW
	" ORDER BY a.id, pc.created_at DESC",
	1,
};

static const struct db_stmt st_expired = {
	"adlib_expired",
	"SELECT s.name, a.s3_key FROM AdhocFlamegraphMetadata a"
	"  JOIN Services s ON s.id = a.service_id"
	" WHERE NOT a.pinned AND a.created_at < (now() AT TIME ZONE 'UTC')"
	"       - make_interval(days => $1::int)"
	" ORDER BY a.created_at, a.id LIMIT $2::bigint",
	2,
};

static const struct db_stmt st_lock = {
	"adlib_retention_lock",
	"SELECT pg_try_advisory_lock(hashtext('ember_adhoc_retention'))",
	0,
};

static const struct db_stmt st_unlock = {
	"adlib_retention_unlock",
	"SELECT pg_advisory_unlock(hashtext('ember_adhoc_retention'))",
	0,
};

/* A text column copied into the arena. */
static const char *
col_str(struct arena *a, const PGresult *res, int i, int c)
{
	return arena_memdupz(a, PQgetvalue(res, i, c),
		(size_t)PQgetlength(res, i, c));
}

/* A bigint column (def when NULL or bad). */
static int64_t
col_i64(const PGresult *res, int i, int c, int64_t def)
{
	int64_t v;

	if (PQgetisnull(res, i, c) ||
	    num_i64(PQgetvalue(res, i, c), INT64_MIN, INT64_MAX, &v))
		return def;
	return v;
}

/* A boolean column. */
static bool
col_bool(const PGresult *res, int i, int c)
{
	return !PQgetisnull(res, i, c) && PQgetvalue(res, i, c)[0] == 't';
}

/* Run st and map "no row changed" to E_NOTFOUND. */
static int
exec_count(struct db *db, const struct db_stmt *st, const char *const *params)
{
	PGresult *res = NULL;
	int err = db_exec(db, st, params, &res);

	if (err)
		return err;
	err = strcmp(PQcmdTuples(res), "0") == 0 ? E_NOTFOUND : E_OK;
	PQclear(res);
	return err;
}

/* Characters (UTF-8 code points) in s. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int
adlib_info(struct db *db, struct arena *a, const int64_t *ids, size_t n,
	struct adlib_info *out)
{
	const char **txt, *params[1];
	PGresult *res = NULL;
	size_t i, j;
	int k, count, err;

	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < n; i++)
		out[i].source = out[i].importer = out[i].title = out[i].note =
			out[i].command_id = out[i].request_id =
			out[i].requester = "";
	if (n == 0)
		return E_OK;
	txt = arena_alloc(a, n * sizeof(*txt));
	for (i = 0; i < n; i++)
		txt[i] = arena_printf(a, "%lld", (long long)ids[i]);
	params[0] = pgarr_strv(a, txt, n);
	err = db_exec(db, &st_info, params, &res);
	if (err)
		return err;
	count = PQntuples(res);
	for (k = 0; k < count; k++) {
		int64_t id = col_i64(res, k, 0, 0);

		for (j = 0; j < n; j++) {
			struct adlib_info *o = &out[j];

			if (ids[j] != id)
				continue;
			o->id = id;
			o->source = col_str(a, res, k, 1);
			o->importer = col_str(a, res, k, 2);
			o->pinned = col_bool(res, k, 3);
			o->title = col_str(a, res, k, 4);
			o->note = col_str(a, res, k, 5);
			o->command_id = col_str(a, res, k, 6);
			o->request_id = col_str(a, res, k, 7);
			o->requester = col_str(a, res, k, 8);
			o->by_window = o->command_id[0] && col_bool(res, k, 9);
		}
	}
	PQclear(res);
	return E_OK;
}

int
adlib_mark(struct db *db, const char *key, const char *importer,
	const char *raw_key, bool refers_cdn, const char *command_id)
{
	const char *params[5];

	if (command_id && *command_id && !uuidx_valid(command_id))
		command_id = NULL;
	params[0] = key;
	params[1] = importer;
	params[2] = raw_key;
	params[3] = refers_cdn ? "true" : "false";
	params[4] = command_id && *command_id ? command_id : NULL;
	return exec_count(db, &st_mark, params);
}

int
adlib_refers_cdn(struct db *db, const char *key, bool *out)
{
	const char *params[1] = { key };
	PGresult *res = NULL;
	int err;

	*out = false;
	err = db_exec(db, &st_refers, params, &res);
	if (err)
		return err;
	*out = PQntuples(res) > 0 && col_bool(res, 0, 0);
	PQclear(res);
	return E_OK;
}

int
adlib_pin(struct db *db, const char *service, const char *name_or_key,
	bool pinned)
{
	const char *params[3] = { service, name_or_key,
		pinned ? "true" : "false" };

	return exec_count(db, &st_pin, params);
}

int
adlib_note(struct db *db, const char *service, const char *name_or_key,
	const char *title, const char *note)
{
	const char *params[4] = { service, name_or_key, title, note };

	if ((title && utf8_chars(title) > ADLIB_MAX_TITLE) ||
	    (note && utf8_chars(note) > ADLIB_MAX_NOTE))
		return E_TOOBIG;
	return exec_count(db, &st_note, params);
}

/* The raw object's key of a row ("" when it has none). */
int
adlib_raw_key(struct db *db, struct arena *a, int64_t id, const char **raw)
{
	const char *params[1] = { arena_printf(a, "%lld", (long long)id) };
	PGresult *res = NULL;
	int rc = db_exec(db, &st_raw_key, params, &res);

	*raw = "";
	if (rc)
		return rc;
	if (PQntuples(res) > 0)
		*raw = col_str(a, res, 0, 0);
	PQclear(res);
	return E_OK;
}

int
adlib_audit(struct db *db, const char *actor, const char *action,
	const char *service, const char *target, const char *detail)
{
	char who[ADLIB_MAX_ACTOR + 1];
	const char *params[5];

	snprintf(who, sizeof(who), "%s", actor && *actor ? actor : "anonymous");
	params[0] = who;
	params[1] = action;
	params[2] = service ? service : "";
	params[3] = target ? target : "";
	params[4] = detail;
	return exec_count(db, &st_audit, params);
}

int
adlib_audit_list(struct db *db, struct arena *a, const char *service,
	uint64_t limit, struct adlib_audit **out, size_t *n)
{
	const char *params[2];
	PGresult *res = NULL;
	int i, count, err;

	*out = NULL;
	*n = 0;
	params[0] = service;
	params[1] = arena_printf(a, "%llu", (unsigned long long)limit);
	err = db_exec(db, &st_audit_list, params, &res);
	if (err)
		return err;
	count = PQntuples(res);
	*out = arena_zalloc(a, (size_t)(count ? count : 1) * sizeof(**out));
	for (i = 0; i < count; i++) {
		struct adlib_audit *e = &(*out)[i];

		e->at_usec = col_i64(res, i, 0, 0);
		e->actor = col_str(a, res, i, 1);
		e->action = col_str(a, res, i, 2);
		e->service = col_str(a, res, i, 3);
		e->target = col_str(a, res, i, 4);
		e->detail = col_str(a, res, i, 5);
	}
	*n = (size_t)count;
	PQclear(res);
	return E_OK;
}

int
adlib_products(struct db *db, struct arena *a, const char *request_id,
	struct adlib_product **out, size_t *n)
{
	const char *params[1] = { request_id };
	PGresult *res = NULL;
	int i, count, err;

	*out = NULL;
	*n = 0;
	if (!uuidx_valid(request_id))
		return E_INVAL;
	err = db_exec(db, &st_products, params, &res);
	if (err)
		return err;
	count = PQntuples(res);
	*out = arena_zalloc(a, (size_t)(count ? count : 1) * sizeof(**out));
	for (i = 0; i < count; i++) {
		struct adlib_product *p = &(*out)[i];

		p->service = col_str(a, res, i, 0);
		p->s3_key = col_str(a, res, i, 1);
		p->hostname = col_str(a, res, i, 2);
		p->command_id = col_str(a, res, i, 3);
		p->start_usec = col_i64(res, i, 4, 0);
		p->by_window = col_bool(res, i, 5);
	}
	*n = (size_t)count;
	PQclear(res);
	return E_OK;
}

int
adlib_expired(struct db *db, struct arena *a, unsigned days, uint64_t limit,
	struct adlib_expired **out, size_t *n)
{
	const char *params[2];
	PGresult *res = NULL;
	int i, count, err;

	*out = NULL;
	*n = 0;
	params[0] = arena_printf(a, "%u", days);
	params[1] = arena_printf(a, "%llu", (unsigned long long)limit);
	err = db_exec(db, &st_expired, params, &res);
	if (err)
		return err;
	count = PQntuples(res);
	*out = arena_zalloc(a, (size_t)(count ? count : 1) * sizeof(**out));
	for (i = 0; i < count; i++) {
		(*out)[i].service = col_str(a, res, i, 0);
		(*out)[i].s3_key = col_str(a, res, i, 1);
	}
	*n = (size_t)count;
	PQclear(res);
	return E_OK;
}

int
adlib_retention_lock(struct db *db, bool *got)
{
	PGresult *res = NULL;
	int err;

	*got = false;
	err = db_exec(db, &st_lock, NULL, &res);
	if (err)
		return err;
	*got = col_bool(res, 0, 0);
	PQclear(res);
	return E_OK;
}

int
adlib_retention_unlock(struct db *db)
{
	PGresult *res = NULL;
	int err = db_exec(db, &st_unlock, NULL, &res);

	PQclear(res);
	return err;
}
