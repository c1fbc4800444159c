/*
 * app.h - what every handler gets besides the request: the loaded
 * configuration and this process's connections.
 *
 * One struct app per FastCGI process.  The database, store and queue are
 * opened lazily, on the first request that needs them, so the process
 * starts (and /api/health answers) while PostgreSQL is still down, and a
 * lost connection is re-established on a later request.
 */
#ifndef EMBER_FCGI_APP_H
#define EMBER_FCGI_APP_H

#include "compat.h"

#include "cfg.h"
#include "db.h"
#include "queue.h"
#include "samples.h"
#include "store.h"

/* Most keys whose last use a process remembers (auth_touch()). */
#define APP_KEYS_SEEN 32

/* A key this process noted as used, and when (monotonic ms). */
struct app_key_seen {
	char hash[65];		/* keys_hash() of the key, "" = free slot */
	int64_t at_ms;
};

struct app {
	const struct cfg *cfg;
	struct db *db;		/* NULL until app_db() connects */
	struct store *store;	/* NULL until app_store() opens it */
	struct queue *queue;	/* NULL until app_queue() opens it */
	struct smp *smp;	/* NULL until app_smp() opens it */
	struct app_key_seen keys_seen[APP_KEYS_SEEN];	/* auth_touch() */
};

/* Initialise app around cfg (borrowed for the life of app); opens nothing. */
void app_init(struct app *app, const struct cfg *cfg);
/* Close whatever is open. */
void app_release(struct app *app);
/*
 * The database connection, connecting first if needed.  E_DB (logged)
 * when PostgreSQL cannot be reached.
 */
MUST_CHECK int app_db(struct app *app, struct db **out);
/* The object store, opened from cfg->store on first use. */
MUST_CHECK int app_store(struct app *app, struct store **out);
/* The queue, opened from cfg->queue on first use. */
MUST_CHECK int app_queue(struct app *app, struct queue **out);
/* The sample store, opened from cfg->samples on first use. */
MUST_CHECK int app_smp(struct app *app, struct smp **out);

#endif
