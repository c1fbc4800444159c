/*
 * migrate.h - numbered SQL migrations: find, check, plan and apply them.
 *
 * A migration is a pair of files in one directory:
 *
 *     NNNN_name.up.sql      NNNN_name.down.sql
 *
 * NNNN is exactly four digits (0001..9999, the version), name is
 * [a-z0-9_]+.  Other files in the directory (schema.sql, README) are
 * ignored.  A file must not contain BEGIN/COMMIT/ROLLBACK lines: each
 * migration runs in one transaction that the tool opens, together with
 * the row it writes in the version table:
 *
 *     ember_schema_migrations(version int primary key, name text,
 *         checksum text, applied_at timestamptz)
 *
 * checksum is the SHA-256 hex of the up file.  A plan refuses to run when
 * an applied migration's up file has changed (E_CONFLICT, the message
 * names the file).
 *
 * Pure parts (names, sets, plans, SQL checks) work on memory only.  The
 * database parts run on one session that never reconnects (db_pin()):
 * the advisory lock that keeps two runs apart lives on the session, so a
 * lost connection must end the run rather than continue unlocked.  The
 * lock and version-table reads take the session's PGconn (db_conn());
 * each step's transaction is db's own (migrate_apply()).
 */
#ifndef EMBER_MIGRATE_H
#define EMBER_MIGRATE_H

#include "compat.h"

#include <libpq-fe.h>

#include "db.h"
#include "err.h"

/* The advisory lock key held for a whole run ("ember-mg" as ASCII). */
#define MIGRATE_LOCK_KEY INT64_C(0x656d6265722d6d67)
#define MIGRATE_TABLE "ember_schema_migrations"

enum migrate_dir { MIGRATE_UP = 0, MIGRATE_DOWN };

struct migrate_file {
	int version;
	char *name;		/* "add_dynamic_profiling" */
	char *up_path;		/* dir/NNNN_name.up.sql, NULL until seen */
	char *down_path;	/* dir/NNNN_name.down.sql, NULL until seen */
	char checksum[65];	/* sha256 hex of the up file ("" until loaded) */
};

/* The migrations found on disk, sorted by version after migrate_set_check(). */
struct migrate_set {
	struct migrate_file *v;
	size_t n;
	size_t cap;
};

/* One row of the version table. */
struct migrate_applied {
	int version;
	char *name;
	char checksum[65];
	char *applied_at;	/* "2026-11-25T09:00:00Z" */
};

struct migrate_applied_list {
	struct migrate_applied *v;	/* sorted by version */
	size_t n;
};

/* A plan: indexes into set->v, in the order to run them. */
struct migrate_plan {
	size_t *idx;
	size_t n;
	enum migrate_dir dir;
};

/*
 * Parse a migration file name (no directory).  E_INVAL if it is not one;
 * name receives the part between "NNNN_" and ".up.sql"/".down.sql".
 */
MUST_CHECK int migrate_parse_name(const char *file, int *version,
	char *name, size_t namelen, enum migrate_dir *dir);
/*
 * Add one file name found in dir to the set.  Names that are not
 * migrations are skipped (E_OK).  E_CONFLICT when a version appears with
 * two different names or the same file twice.
 */
MUST_CHECK int migrate_set_add(struct migrate_set *set, const char *dir,
	const char *file, char *err, size_t errlen);
/* Sort by version and require both an up and a down file for each. */
MUST_CHECK int migrate_set_check(struct migrate_set *set, char *err, size_t errlen);
/* Index of a version in the set, or -1. */
long migrate_set_find(const struct migrate_set *set, int version);
void migrate_set_release(struct migrate_set *set);

/*
 * Reject SQL that controls transactions itself: a line whose first word
 * is BEGIN, START TRANSACTION, COMMIT or ROLLBACK followed by ';'
 * (a PL/pgSQL "BEGIN" block opener has no semicolon).  E_INVAL with the
 * 1-based line in *line.
 */
MUST_CHECK int migrate_check_sql(const char *sql, size_t len, int *line);
/* The 1-based line of a 1-based character (UTF-8) position in sql. */
int migrate_line_of(const char *sql, long pos);

/*
 * Plan "up": every migration not applied yet with version <= target
 * (target 0 = all), ascending.  Refuses (E_CONFLICT) when an applied
 * migration's file changed (checksum or name).  E_NOTFOUND when target
 * is not a version in the set.
 */
MUST_CHECK int migrate_plan_up(const struct migrate_set *set,
	const struct migrate_applied_list *applied, int target,
	struct migrate_plan *plan, char *err, size_t errlen);
/*
 * Plan "down": the last count applied migrations, descending.  E_INVAL if
 * count is 0 or more than are applied; E_NOTFOUND if one of them has no
 * files; E_CONFLICT if any applied migration's file changed.
 */
MUST_CHECK int migrate_plan_down(const struct migrate_set *set,
	const struct migrate_applied_list *applied, size_t count,
	struct migrate_plan *plan, char *err, size_t errlen);
void migrate_plan_release(struct migrate_plan *plan);

/*
 * Read every migration in dir (E_NOTFOUND if dir cannot be opened),
 * check the set and load the checksums of the up files.
 */
MUST_CHECK int migrate_scan(const char *dir, struct migrate_set *set,
	char *err, size_t errlen);
/*
 * Write a formatted message into err when there is room for one (shared
 * by migrate.c and migrate_db.c).
 */
void migrate_err(char *err, size_t errlen, const char *fmt, ...)
	ATTR_PRINTF(3, 4);
/* Read a whole file (capped at 16 MiB) into a NUL-terminated heap string. */
MUST_CHECK int migrate_read_file(const char *path, char **out, size_t *len,
	char *err, size_t errlen);

/*
 * Take the run lock: pg_try_advisory_lock every 100 ms for up to wait_ms
 * (0 = try once).  E_TIMEOUT with a message naming the holder's pid.
 * The lock lasts until migrate_unlock() or the end of the session.
 */
MUST_CHECK int migrate_lock(PGconn *conn, unsigned wait_ms, char *err, size_t errlen);
void migrate_unlock(PGconn *conn);
/* Create the version table if it is missing. */
MUST_CHECK int migrate_ensure_table(PGconn *conn, char *err, size_t errlen);
/* Load the version table (an absent table is an empty list). */
MUST_CHECK int migrate_load_applied(PGconn *conn, struct migrate_applied_list *out,
	char *err, size_t errlen);
void migrate_applied_release(struct migrate_applied_list *list);
/*
 * Run one migration step in its own transaction: the file, then the
 * insert (up) or delete (down) of its version row.  On failure the
 * transaction is rolled back and err says "FILE:LINE: server message".
 * The transaction is db's (db_tx_begin()/db_tx_end()); the caller pins
 * the session first (db_pin()), so that a lost connection ends the run.
 */
MUST_CHECK int migrate_apply(struct db *db, const struct migrate_file *m,
	enum migrate_dir dir, char *err, size_t errlen);

#endif
