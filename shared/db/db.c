/*
 * db.c - one libpq connection, lazily prepared statements, one reconnect.
 *
 * Each connection remembers which statement names it has prepared (a
 * small array: a process uses a few dozen statements at most).  A
 * reconnect forgets them all, so the next use prepares again.
 *
 * Reconnect rule: when a statement fails and the connection is found
 * CONNECTION_BAD afterwards (server restart, killed backend), the
 * connection is re-established and the statement is run once more, but
 * only if the connection was idle (outside a transaction) before the
 * statement: a statement inside BEGIN ... COMMIT cannot be replayed on a
 * fresh connection, because the earlier statements of its transaction are
 * lost.  Those fail with E_DB and the caller restarts the transaction.
 *
 * Note that libpq would print NOTICEs ("relation already exists,
 * skipping") on stderr; a no-op notice processor keeps shared/ quiet.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "mem.h"

#define DB_ERRMAX 1024

struct db_prepared {
	char *name;
	const char *sql;	/* the statement table's text, for a name clash check */
};

struct db {
	PGconn *conn;		/* NULL while disconnected */
	char *kw[10];		/* PQconnectdbParams keywords, NULL-terminated */
	char *val[10];
	struct db_prepared *prep;
	size_t nprep;
	size_t capprep;
	char errmsg[DB_ERRMAX];
	bool pinned;		/* never reconnect (db_pin()) */
};

/* Swallow server notices instead of letting libpq print them. */
static void
db_notice_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Make a libpq message one line: newlines and tabs become single spaces. */
static void
db_flatten(char *s)
{
	char *w = s;
	char *r;

	for (r = s; *r; r++) {
		if (*r == '\n' || *r == '\t' || *r == '\r') {
			if (w > s && w[-1] != ' ')
				*w++ = ' ';
			continue;
		}
		*w++ = *r;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/* Copy text into the error buffer as one line. */
static void
db_set_err(struct db *db, const char *prefix, const char *text)
{
	snprintf(db->errmsg, sizeof(db->errmsg), "%s%s", prefix,
		text && *text ? text : "unknown error");
	db_flatten(db->errmsg);
}

/* Record a failed result's message: primary text, detail and SQLSTATE. */
static void
db_set_result_err(struct db *db, const PGresult *res)
{
	const char *primary;
	const char *detail;
	const char *state;

	primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!primary) {
		db_set_err(db, "", db->conn ? PQerrorMessage(db->conn) : NULL);
		return;
	}
	detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	snprintf(db->errmsg, sizeof(db->errmsg), "%s%s%s%s [%s]", primary,
		detail ? " (" : "", detail ? detail : "", detail ? ")" : "",
		state ? state : "?????");
	db_flatten(db->errmsg);
}

/* Forget every prepared statement of the current connection. */
static void
db_forget_prepared(struct db *db)
{
	size_t i;

	for (i = 0; i < db->nprep; i++)
		free(db->prep[i].name);
	db->nprep = 0;
}

/* Find a statement prepared on this connection; checks that a name means one text. */
static bool
db_is_prepared(const struct db *db, const struct db_stmt *st)
{
	size_t i;

	for (i = 0; i < db->nprep; i++) {
		if (strcmp(db->prep[i].name, st->name) != 0)
			continue;
		/* Two different texts under one name is a programmer error. */
		ASSERT(db->prep[i].sql == st->sql || strcmp(db->prep[i].sql, st->sql) == 0);
		return true;
	}
	return false;
}

/* Remember that st is prepared on this connection. */
static void
db_add_prepared(struct db *db, const struct db_stmt *st)
{
	if (db->nprep == db->capprep) {
		db->capprep = db->capprep ? db->capprep * 2 : 16;
		db->prep = xrealloc(db->prep, db->capprep * sizeof(*db->prep));
	}
	db->prep[db->nprep].name = xstrdup(st->name);
	db->prep[db->nprep].sql = st->sql;
	db->nprep++;
}

/* Add one connection keyword; empty values are left to libpq's defaults. */
static void
db_add_param(struct db *db, size_t *n, const char *kw, const char *val)
{
	if (!val || !*val)
		return;
	ASSERT(*n + 1 < ARRAY_SIZE(db->kw));
	db->kw[*n] = xstrdup(kw);
	db->val[*n] = xstrdup(val);
	(*n)++;
}

/* Open a new connection with the stored parameters and set the session up. */
static int
db_connect(struct db *db)
{
	PGresult *res;
	PGconn *conn;

	conn = PQconnectdbParams((const char *const *)db->kw,
		(const char *const *)db->val, 0);
	if (!conn) {
		db_set_err(db, "cannot connect: ", "out of memory");
		return E_DB;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		db_set_err(db, "cannot connect: ", PQerrorMessage(conn));
		PQfinish(conn);
		return E_DB;
	}
	PQsetNoticeProcessor(conn, db_notice_quiet, NULL);
	res = PQexec(conn, "SET TIME ZONE 'UTC'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_set_err(db, "cannot set up session: ", PQerrorMessage(conn));
		PQclear(res);
		PQfinish(conn);
		return E_DB;
	}
	PQclear(res);
	db->conn = conn;
	return E_OK;
}

/* Connect now with the settings in cfg. */
int
db_open(const struct cfg_db *cfg, struct db **out, char *err, size_t errlen)
{
	struct db *db;
	char port[16];
	char timeout[16];
	size_t n = 0;
	int rc;

	*out = NULL;
	db = xcalloc(1, sizeof(*db));
	snprintf(port, sizeof(port), "%u", cfg->port);
	snprintf(timeout, sizeof(timeout), "%u", cfg->connect_timeout);
	db_add_param(db, &n, "host", cfg->host);
	if (cfg->port)
		db_add_param(db, &n, "port", port);
	db_add_param(db, &n, "user", cfg->user);
	db_add_param(db, &n, "password", cfg->password);
	db_add_param(db, &n, "dbname", cfg->dbname);
	db_add_param(db, &n, "sslmode", cfg->sslmode);
	if (cfg->connect_timeout)
		db_add_param(db, &n, "connect_timeout", timeout);
	db_add_param(db, &n, "application_name", program_invocation_short_name);
	db->kw[n] = NULL;
	db->val[n] = NULL;

	rc = db_connect(db);
	if (rc != E_OK) {
		if (err && errlen)
			snprintf(err, errlen, "%s", db->errmsg);
		db_free(db);
		return rc;
	}
	*out = db;
	return E_OK;
}

/* Close the connection and free everything; NULL is fine. */
void
db_free(struct db *db)
{
	size_t i;

	if (!db)
		return;
	if (db->conn)
		PQfinish(db->conn);
	db_forget_prepared(db);
	free(db->prep);
	for (i = 0; i < ARRAY_SIZE(db->kw); i++) {
		free(db->kw[i]);
		free(db->val[i]);
	}
	free(db);
}

/* Drop the connection and open a new one. */
int
db_reconnect(struct db *db)
{
	if (db->pinned) {
		snprintf(db->errmsg, sizeof(db->errmsg), "%s",
			"the database connection was lost");
		return E_DB;
	}
	if (db->conn) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	db_forget_prepared(db);
	return db_connect(db);
}

/* Keep this session: no reconnect from now on. */
void
db_pin(struct db *db)
{
	db->pinned = true;
}

/* Map a SQLSTATE to an error code (NULL = no server answer at all). */
int
db_sqlstate_err(const char *sqlstate)
{
	if (!sqlstate || strlen(sqlstate) != 5)
		return E_DB;
	if (strcmp(sqlstate, "23505") == 0 || strcmp(sqlstate, "23P01") == 0)
		return E_CONFLICT;
	if (strcmp(sqlstate, "23502") == 0 || strcmp(sqlstate, "23503") == 0 ||
	    strcmp(sqlstate, "23514") == 0)
		return E_INVAL;
	if (strncmp(sqlstate, "22", 2) == 0)
		return E_INVAL;
	/* Program limits (an index row too large, ...): the data's fault. */
	if (strncmp(sqlstate, "54", 2) == 0)
		return E_TOOBIG;
	/* Connection exceptions, resources, shutdown, conflicts worth a retry. */
	if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "53", 2) == 0 ||
	    strncmp(sqlstate, "58", 2) == 0)
		return E_DB;
	if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0 ||
	    strcmp(sqlstate, "55P03") == 0 || strcmp(sqlstate, "57P01") == 0 ||
	    strcmp(sqlstate, "57P02") == 0 || strcmp(sqlstate, "57P03") == 0 ||
	    strcmp(sqlstate, "57P04") == 0 || strcmp(sqlstate, "57P05") == 0)
		return E_DB;
	/* statement_timeout, lock_timeout cancellations. */
	if (strcmp(sqlstate, "57014") == 0)
		return E_TIMEOUT;
	return E_INTERNAL;
}

/* Whether a statement that failed now may be replayed on a new connection. */
static bool
db_may_retry(const struct db *db, PGTransactionStatusType before)
{
	return db->conn && PQstatus(db->conn) == CONNECTION_BAD &&
		(before == PQTRANS_IDLE || before == PQTRANS_UNKNOWN);
}

/* Classify a result: E_OK, or an error with the message recorded. */
static int
db_check_result(struct db *db, PGresult *res)
{
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		return E_OK;
	default:
		break;
	}
	db_set_result_err(db, res);
	if (db->conn && PQstatus(db->conn) == CONNECTION_BAD)
		return E_DB;
	return db_sqlstate_err(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
}

/* Prepare st on the current connection unless it already is. */
static int
db_prepare(struct db *db, const struct db_stmt *st)
{
	PGresult *res;
	int rc;

	if (db_is_prepared(db, st))
		return E_OK;
	res = PQprepare(db->conn, st->name, st->sql, st->nparams, NULL);
	rc = db_check_result(db, res);
	PQclear(res);
	if (rc == E_OK)
		db_add_prepared(db, st);
	return rc;
}

/* Whether a failed result says the prepared statement has vanished (DISCARD ALL, pooler). */
static bool
db_lost_prepared(const PGresult *res)
{
	const char *state;

	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	return state && strcmp(state, "26000") == 0;
}

/* One attempt at a prepared statement; *retry says whether another may help. */
static int
db_exec_once(struct db *db, const struct db_stmt *st, const char *const *params,
	int fmt, PGresult **res, bool *retry)
{
	PGTransactionStatusType before;
	PGresult *r;
	int rc;

	*retry = false;
	if (!db->conn || PQstatus(db->conn) == CONNECTION_BAD) {
		rc = db_reconnect(db);
		if (rc != E_OK)
			return rc;
	}
	before = PQtransactionStatus(db->conn);
	rc = db_prepare(db, st);
	if (rc != E_OK) {
		*retry = db_may_retry(db, before);
		return rc;
	}
	r = PQexecPrepared(db->conn, st->name, st->nparams, params, NULL, NULL, fmt);
	rc = db_check_result(db, r);
	if (rc != E_OK) {
		if (db_lost_prepared(r)) {
			db_forget_prepared(db);
			*retry = before == PQTRANS_IDLE;
		} else {
			*retry = db_may_retry(db, before);
		}
		PQclear(r);
		return rc;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return E_OK;
}

/*
 * Run a prepared statement with results in format fmt (0 text, 1 binary),
 * reconnecting and retrying once if that may help.
 */
static int
db_exec_fmt(struct db *db, const struct db_stmt *st, const char *const *params,
	int fmt, PGresult **res)
{
	bool retry;
	int rc;

	if (res)
		*res = NULL;
	rc = db_exec_once(db, st, params, fmt, res, &retry);
	if (rc != E_OK && retry) {
		if (db->conn && PQstatus(db->conn) == CONNECTION_BAD) {
			rc = db_reconnect(db);
			if (rc != E_OK)
				return rc;
		}
		rc = db_exec_once(db, st, params, fmt, res, &retry);
	}
	return rc;
}

/* Run a prepared statement (text results). */
int
db_exec(struct db *db, const struct db_stmt *st, const char *const *params,
	PGresult **res)
{
	return db_exec_fmt(db, st, params, 0, res);
}

/* Run a prepared statement with binary results. */
int
db_exec_bin(struct db *db, const struct db_stmt *st, const char *const *params,
	PGresult **res)
{
	return db_exec_fmt(db, st, params, 1, res);
}

/* One attempt at plain SQL text. */
static int
db_exec_sql_once(struct db *db, const char *sql, PGresult **res, bool *retry)
{
	PGTransactionStatusType before;
	PGresult *r;
	int rc;

	*retry = false;
	if (!db->conn || PQstatus(db->conn) == CONNECTION_BAD) {
		rc = db_reconnect(db);
		if (rc != E_OK)
			return rc;
	}
	before = PQtransactionStatus(db->conn);
	r = PQexec(db->conn, sql);
	rc = db_check_result(db, r);
	if (rc != E_OK) {
		*retry = db_may_retry(db, before);
		PQclear(r);
		return rc;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return E_OK;
}

/* Run SQL text (possibly several statements), with the same reconnect rule. */
int
db_exec_sql(struct db *db, const char *sql, PGresult **res)
{
	bool retry;
	int rc;

	if (res)
		*res = NULL;
	rc = db_exec_sql_once(db, sql, res, &retry);
	if (rc != E_OK && retry) {
		rc = db_reconnect(db);
		if (rc != E_OK)
			return rc;
		rc = db_exec_sql_once(db, sql, res, &retry);
	}
	return rc;
}

/* The text of the last failure. */
const char *
db_errmsg(const struct db *db)
{
	if (!db)
		return "no database connection";
	return db->errmsg;
}

/* The live connection, or NULL while disconnected. */
PGconn *
db_conn(struct db *db)
{
	if (!db->conn || PQstatus(db->conn) == CONNECTION_BAD)
		return NULL;
	return db->conn;
}

/* BEGIN. */
int
db_tx_begin(struct db *db)
{
	return db_exec_sql(db, "BEGIN", NULL);
}

/* COMMIT. */
int
db_tx_commit(struct db *db)
{
	return db_exec_sql(db, "COMMIT", NULL);
}

/* ROLLBACK. */
int
db_tx_rollback(struct db *db)
{
	return db_exec_sql(db, "ROLLBACK", NULL);
}

/* COMMIT on success, else ROLLBACK and keep the first error. */
int
db_tx_end(struct db *db, int err)
{
	if (err) {
		/* Note that the statement's error text is what matters; the
		 * rollback's own failure (connection gone) would overwrite it. */
		char keep[sizeof(db->errmsg)];

		snprintf(keep, sizeof(keep), "%s", db->errmsg);
		if (db_tx_rollback(db) != E_OK && !keep[0])
			return err;
		snprintf(db->errmsg, sizeof(db->errmsg), "%s", keep);
		return err;
	}
	return db_tx_commit(db);
}

/* fn inside a transaction. */
int
db_tx(struct db *db, db_tx_fn *fn, void *ctx)
{
	int err = db_tx_begin(db);

	if (err)
		return err;
	return db_tx_end(db, fn(db, ctx));
}
