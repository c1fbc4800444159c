/*
 * migrate_db.c - applying migrations (see migrate.h): the run lock (an
 * advisory lock, so two ember-admin runs never interleave), the version
 * table, and each file's SQL in its own transaction together with its
 * version row.  The pure half (names, sets, plans) is migrate.c.
 */
#include "compat.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "hash.h"
#include "mem.h"
#include "migrate.h"

/* Copy a failed result's message (with SQLSTATE) into err. */
static int
migrate_pq_err(PGconn *conn, PGresult *res, const char *what, char *err, size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (!msg)
		msg = PQerrorMessage(conn);
	migrate_err(err, errlen, "%s: %s%s%s%s", what, msg, state ? " [" : "",
		state ? state : "", state ? "]" : "");
	/* libpq's connection messages end in a newline. */
	if (err && errlen) {
		size_t n = strlen(err);

		while (n > 0 && err[n - 1] == '\n')
			err[--n] = '\0';
	}
	if (PQstatus(conn) == CONNECTION_BAD)
		return E_DB;
	return db_sqlstate_err(state);
}

/* Run SQL without result rows; E_OK or a mapped error in err. */
static int
migrate_exec(PGconn *conn, const char *sql, const char *what, char *err, size_t errlen)
{
	PGresult *res;
	int rc = E_OK;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = migrate_pq_err(conn, res, what, err, errlen);
	PQclear(res);
	return rc;
}

/* Sleep for ms milliseconds. */
static void
migrate_sleep_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Try to take the advisory lock; *got says whether we did. */
static int
migrate_try_lock(PGconn *conn, bool *got, char *err, size_t errlen)
{
	char key[32];
	const char *params[1];
	PGresult *res;
	int rc = E_OK;

	snprintf(key, sizeof(key), "%" PRId64, MIGRATE_LOCK_KEY);
	params[0] = key;
	res = PQexecParams(conn, "SELECT pg_try_advisory_lock($1::bigint)", 1, NULL,
		params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = migrate_pq_err(conn, res, "taking the migration lock", err, errlen);
		goto out;
	}
	*got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
out:
	PQclear(res);
	return rc;
}

/* The pid of the session holding the lock, or 0. */
static long
migrate_lock_holder(PGconn *conn)
{
	PGresult *res;
	long pid = 0;

	/* A bigint key is stored as classid = high 32 bits, objid = low 32. */
	res = PQexec(conn,
		"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
		" AND objsubid = 1 AND classid = 1701667429 AND objid = 1915579751"
		" AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
		" LIMIT 1");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		pid = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return pid;
}

/* Take the run lock, waiting up to wait_ms. */
int
migrate_lock(PGconn *conn, unsigned wait_ms, char *err, size_t errlen)
{
	unsigned waited = 0;
	bool got = false;
	long pid;
	int rc;

	for (;;) {
		rc = migrate_try_lock(conn, &got, err, errlen);
		if (rc != E_OK)
			return rc;
		if (got)
			return E_OK;
		if (waited >= wait_ms)
			break;
		migrate_sleep_ms(100);
		waited += 100;
	}
	pid = migrate_lock_holder(conn);
	if (pid > 0)
		migrate_err(err, errlen,
			"another migration run holds the lock (server pid %ld); gave up after %u ms",
			pid, waited);
	else
		migrate_err(err, errlen,
			"another migration run holds the lock; gave up after %u ms", waited);
	return E_TIMEOUT;
}

/* Release the run lock (also released when the session ends). */
void
migrate_unlock(PGconn *conn)
{
	char key[32];
	const char *params[1];
	PGresult *res;

	snprintf(key, sizeof(key), "%" PRId64, MIGRATE_LOCK_KEY);
	params[0] = key;
	res = PQexecParams(conn, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL,
		params, NULL, NULL, 0);
	PQclear(res);
}

/* Create the version table when missing. */
int
migrate_ensure_table(PGconn *conn, char *err, size_t errlen)
{
	return migrate_exec(conn,
		"CREATE TABLE IF NOT EXISTS " MIGRATE_TABLE " ("
		" version int PRIMARY KEY,"
		" name text NOT NULL,"
		" checksum text NOT NULL,"
		" applied_at timestamptz NOT NULL DEFAULT now())",
		"creating " MIGRATE_TABLE, err, errlen);
}

/* Load the rows of the version table, ascending. */
int
migrate_load_applied(PGconn *conn, struct migrate_applied_list *out,
	char *err, size_t errlen)
{
	struct migrate_applied *a;
	PGresult *res;
	int rows;
	int i;
	int rc = E_OK;

	memset(out, 0, sizeof(*out));
	res = PQexec(conn, "SELECT to_regclass('" MIGRATE_TABLE "') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = migrate_pq_err(conn, res, "reading " MIGRATE_TABLE, err, errlen);
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		goto out;
	PQclear(res);
	res = PQexec(conn,
		"SELECT version, name, checksum,"
		" to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
		" FROM " MIGRATE_TABLE " ORDER BY version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = migrate_pq_err(conn, res, "reading " MIGRATE_TABLE, err, errlen);
		goto out;
	}
	rows = PQntuples(res);
	out->v = xcalloc(rows ? (size_t)rows : 1, sizeof(*out->v));
	for (i = 0; i < rows; i++) {
		a = &out->v[out->n++];
		a->version = (int)strtol(PQgetvalue(res, i, 0), NULL, 10);
		a->name = xstrdup(PQgetvalue(res, i, 1));
		snprintf(a->checksum, sizeof(a->checksum), "%s", PQgetvalue(res, i, 2));
		a->applied_at = xstrdup(PQgetvalue(res, i, 3));
	}
out:
	PQclear(res);
	return rc;
}

/* Free a list of applied rows. */
void
migrate_applied_release(struct migrate_applied_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		free(list->v[i].name);
		free(list->v[i].applied_at);
	}
	free(list->v);
	memset(list, 0, sizeof(*list));
}

/* Run the file's SQL; on failure point at the file and line. */
static int
migrate_run_file(PGconn *conn, const char *path, const char *sql, char *err,
	size_t errlen)
{
	const char *pos;
	const char *msg;
	const char *state;
	PGresult *res;
	int rc = E_OK;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK ||
	    PQresultStatus(res) == PGRES_EMPTY_QUERY)
		goto out;
	pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (pos && msg) {
		migrate_err(err, errlen, "%s:%d: %s [%s]", path,
			migrate_line_of(sql, strtol(pos, NULL, 10)), msg, state ? state : "?");
		rc = PQstatus(conn) == CONNECTION_BAD ? E_DB : db_sqlstate_err(state);
	} else {
		rc = migrate_pq_err(conn, res, path, err, errlen);
	}
out:
	PQclear(res);
	return rc;
}

static const struct db_stmt st_record_up = {
	"migrate_record_up",
	"INSERT INTO " MIGRATE_TABLE " (version, name, checksum)"
	" VALUES ($1::int, $2, $3)",
	3,
};

static const struct db_stmt st_record_down = {
	"migrate_record_down",
	"DELETE FROM " MIGRATE_TABLE " WHERE version = $1::int",
	1,
};

/*
 * Apply or roll back one migration in one transaction (db_tx_begin() /
 * db_tx_end()): the file's SQL and its version row together.
 */
int
migrate_apply(struct db *db, const struct migrate_file *m,
	enum migrate_dir dir, char *err, size_t errlen)
{
	const char *path = dir == MIGRATE_UP ? m->up_path : m->down_path;
	const char *params[3];
	char version[16];
	PGconn *conn;
	size_t len;
	char *sql = NULL;
	int line;
	int rc;

	rc = migrate_read_file(path, &sql, &len, err, errlen);
	if (rc != E_OK)
		return rc;
	if (migrate_check_sql(sql, len, &line) != E_OK) {
		migrate_err(err, errlen,
			"%s:%d: transaction control in a migration file; the tool runs each "
			"file in its own transaction, remove the BEGIN/COMMIT lines", path, line);
		rc = E_INVAL;
		goto out;
	}
	rc = db_tx_begin(db);
	if (rc != E_OK) {
		migrate_err(err, errlen, "BEGIN: %s", db_errmsg(db));
		goto out;
	}
	conn = db_conn(db);
	rc = conn ? migrate_run_file(conn, path, sql, err, errlen) : E_DB;
	if (!conn)
		migrate_err(err, errlen, "%s", "the database connection was lost");
	if (rc == E_OK) {
		snprintf(version, sizeof(version), "%d", m->version);
		params[0] = version;
		params[1] = m->name;
		params[2] = m->checksum;
		rc = db_exec(db, dir == MIGRATE_UP ? &st_record_up :
			&st_record_down, params, NULL);
		if (rc != E_OK)
			migrate_err(err, errlen, "recording the migration: %s",
				db_errmsg(db));
	}
	if (rc != E_OK) {
		rc = db_tx_end(db, rc);	/* ROLLBACK; keeps rc */
		goto out;
	}
	rc = db_tx_end(db, E_OK);
	if (rc != E_OK)
		migrate_err(err, errlen, "COMMIT: %s", db_errmsg(db));
out:
	free(sql);
	return rc;
}
