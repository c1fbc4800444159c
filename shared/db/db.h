/*
 * db.h - one libpq connection with prepared statements and reconnect.
 *
 * Statements are declared once, as static `struct db_stmt` tables in the
 * module that uses them, and prepared lazily on each connection the first
 * time they run.  db_exec() reconnects once when the connection is found
 * broken (server restart), so only the statement in flight can fail.
 *
 * Errors: E_DB for connection loss / server unavailable / serialization
 * failure (retryable), E_CONFLICT for unique violations (23505), E_INVAL
 * for bad input rejected by the server (class 22, 23502/23503/23514),
 * E_TOOBIG for input past a server limit (class 54, e.g. an index row too
 * large): both permanent,
 * E_TIMEOUT for a cancelled statement (57014, statement_timeout), and
 * E_INTERNAL otherwise.  db_errmsg() keeps the server's text, on one line,
 * ending in "[SQLSTATE]".  A statement that fails inside a transaction is
 * never replayed on a new connection (E_DB; restart the transaction).
 */
#ifndef EMBER_DB_H
#define EMBER_DB_H

#include "compat.h"

#include <libpq-fe.h>

#include "cfg.h"

struct db;

struct db_stmt {
	const char *name;	/* unique prepared-statement name */
	const char *sql;	/* text with $1..$n */
	int nparams;
};

/* Connect (the connection is made now; failure is E_DB with a message). */
MUST_CHECK int db_open(const struct cfg_db *cfg, struct db **out,
	char *err, size_t errlen);
void db_free(struct db *db);
/*
 * Run a prepared statement with text parameters (NULL = SQL NULL).
 * On success *res (if not NULL) receives the result, which the caller
 * PQclear()s; on failure nothing is returned and db_errmsg() says why.
 */
MUST_CHECK int db_exec(struct db *db, const struct db_stmt *st,
	const char *const *params, PGresult **res);
/*
 * db_exec() with every result column in PostgreSQL's binary format
 * (PQgetvalue() gives the type's send representation: big-endian
 * integers, arrays with a header; PQgetlength() its length).
 */
MUST_CHECK int db_exec_bin(struct db *db, const struct db_stmt *st,
	const char *const *params, PGresult **res);
/* Run SQL text without parameters (BEGIN, COMMIT, migrations). */
MUST_CHECK int db_exec_sql(struct db *db, const char *sql, PGresult **res);
/*
 * Transactions, the one way to write BEGIN/COMMIT/ROLLBACK:
 *
 *	err = db_tx_begin(db);
 *	if (!err)
 *		err = several_statements(db);
 *	err = db_tx_end(db, err);
 *
 * db_tx_end() COMMITs when err is E_OK and returns the COMMIT's result;
 * otherwise it ROLLBACKs (a failed rollback only leaves its text in
 * db_errmsg() when err had none) and returns err unchanged.  Nothing is
 * logged here; callers log db_errmsg() with their context.
 */
MUST_CHECK int db_tx_begin(struct db *db);
MUST_CHECK int db_tx_end(struct db *db, int err);
/* COMMIT / ROLLBACK alone, for callers that decide themselves. */
MUST_CHECK int db_tx_commit(struct db *db);
MUST_CHECK int db_tx_rollback(struct db *db);
/*
 * Run fn(db, ctx) inside a transaction: begin, fn, commit or roll back
 * as db_tx_end() does.  Returns fn's error or the BEGIN/COMMIT's.
 */
typedef int db_tx_fn(struct db *db, void *ctx);
MUST_CHECK int db_tx(struct db *db, db_tx_fn *fn, void *ctx);
/* Map a failed result's SQLSTATE to an enum err. */
int db_sqlstate_err(const char *sqlstate);
/* The last error's text; for NULL, "no database connection". */
const char *db_errmsg(const struct db *db);
/* The raw connection (for LISTEN/NOTIFY); NULL while disconnected. */
PGconn *db_conn(struct db *db);
/* Drop and re-establish the connection now. */
MUST_CHECK int db_reconnect(struct db *db);
/*
 * Pin the session: from now on a lost connection is E_DB ("the database
 * connection was lost") instead of a silent reconnect, for callers whose
 * session state (an advisory lock) must not be lost unnoticed.
 */
void db_pin(struct db *db);

#endif
