/*
 * db_probe.c - drive shared/db.c from a shell script, one command a line.
 *
 * Commands on stdin:  q          run a prepared statement (backend pid)
 *                     s SQL      db_exec_sql(SQL)
 *                     p SQL      db_exec() of SQL as a prepared statement
 *                                named by its text (no parameters)
 *                     r          db_reconnect()
 * Each answers one line: "ok VALUE" (first cell or "-") or
 * "err ERRSTR: MESSAGE".  Connection settings come from the environment
 * (EMBER_DB_*); without EMBER_DB_PORT the program exits 77 (skipped), so
 * `make check` can build and run it without a database.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "db.h"
#include "err.h"
#include "mem.h"

static const struct db_stmt st_pid = {
	"probe_pid", "SELECT pg_backend_pid()", 0,
};

/* Print the outcome of one command. */
static void
probe_report(struct db *db, int rc, PGresult *res)
{
	if (rc != E_OK)
		printf("err %s: %s\n", err_str(rc), db_errmsg(db));
	else if (res && PQntuples(res) > 0 && PQnfields(res) > 0)
		printf("ok %s\n", PQgetvalue(res, 0, 0));
	else
		printf("ok -\n");
	fflush(stdout);
	PQclear(res);
}

/* Read commands until EOF. */
int
main(void)
{
	struct db_stmt dyn[64];
	size_t ndyn = 0;
	struct cfg cfg;
	struct db *db;
	PGresult *res;
	char line[4096];
	char err[512];
	size_t n;
	int rc;

	if (!getenv("EMBER_DB_PORT"))
		return 77;
	if (cfg_load(&cfg, NULL, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "db_probe: %s\n", err);
		return 1;
	}
	if (db_open(&cfg.db, &db, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "db_probe: %s\n", err);
		cfg_release(&cfg);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		n = strlen(line);
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		res = NULL;
		if (strcmp(line, "q") == 0) {
			rc = db_exec(db, &st_pid, NULL, &res);
			probe_report(db, rc, res);
		} else if (strncmp(line, "s ", 2) == 0) {
			rc = db_exec_sql(db, line + 2, &res);
			probe_report(db, rc, res);
		} else if (strncmp(line, "p ", 2) == 0 && ndyn < ARRAY_SIZE(dyn)) {
			dyn[ndyn].sql = xstrdup(line + 2);
			dyn[ndyn].name = dyn[ndyn].sql;
			dyn[ndyn].nparams = 0;
			rc = db_exec(db, &dyn[ndyn], NULL, &res);
			ndyn++;
			probe_report(db, rc, res);
		} else if (strcmp(line, "r") == 0) {
			rc = db_reconnect(db);
			probe_report(db, rc, NULL);
		} else {
			printf("err usage: unknown command\n");
			fflush(stdout);
		}
	}
	while (ndyn > 0)
		free((char *)dyn[--ndyn].sql);
	db_free(db);
	cfg_release(&cfg);
	return 0;
}
