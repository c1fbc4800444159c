/*
 * dlq.h - the dead-letter store: where messages a queue gave up on are
 * kept with their reason, and where `ember-admin dlq` lists, reads and
 * purges them.
 *
 * A small interface of its own, so that a queue backend stores dead
 * letters without knowing another backend's tables: the pg queue keeps
 * them next to its queue table, and the sqs queue without sqs.dlq_url
 * keeps them in the same PostgreSQL table.  One implementation today,
 * dlq_pg (table ember_job_dead_letter of sql/0004_job_queue.up.sql, one
 * set of rows per queue name).
 *
 * Errors: E_DB (retryable, detail in dlq_errmsg()), E_NOTFOUND for an id
 * that is not there, E_CONFIG for a bad queue name at open.
 */
#ifndef EMBER_DLQ_H
#define EMBER_DLQ_H

#include "compat.h"

#include "arena.h"
#include "cfg.h"
#include "db.h"
#include "queue.h"

struct dlq;

/* Whether name is a valid pg queue name (1-48 of [a-z0-9_]). */
bool dlq_pg_name_ok(const char *name);
/*
 * The PostgreSQL store for queue name, on its own connection (opened
 * now; dlq_free() closes it).
 */
MUST_CHECK int dlq_pg_open(const struct cfg_db *db, const char *name,
	struct dlq **out, char *err, size_t errlen);
/* The same on a connection the caller owns and keeps open longer. */
MUST_CHECK int dlq_pg_new(struct db *db, const char *name, struct dlq **out,
	char *err, size_t errlen);
void dlq_free(struct dlq *d);
/* The detail of the last failure. */
const char *dlq_errmsg(const struct dlq *d);

/* Store a copy of m (received from any queue) with reason. */
MUST_CHECK int dlq_insert(struct dlq *d, const struct queue_msg *m,
	const char *reason);
/* The oldest max dead letters, allocated from a. */
MUST_CHECK int dlq_list(struct dlq *d, size_t max, struct arena *a,
	struct queue_dead **items, size_t *n);
/* The body of dead letter id (heap, caller frees). */
MUST_CHECK int dlq_body(struct dlq *d, const char *id, char **body);
/* Drop dead letter id, or all of them (id NULL). */
MUST_CHECK int dlq_purge(struct dlq *d, const char *id);
/* How many dead letters there are. */
MUST_CHECK int dlq_count(struct dlq *d, int64_t *n);

#endif
