/*
 * app.c - lazily opened per-process connections.
 *
 * Note that these are opened in the FastCGI child, after any fork(), so no
 * PGconn or curl handle ever crosses a fork (house style 3.5.5).
 */
#include "compat.h"

#include <string.h>

#include "app.h"
#include "log.h"

/* Set up an app that has nothing open yet. */
void
app_init(struct app *app, const struct cfg *cfg)
{
	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
}

/* Close the connections this process opened. */
void
app_release(struct app *app)
{
	if (app->smp)
		smp_free(app->smp);
	app->smp = NULL;
	if (app->queue)
		queue_free(app->queue);
	if (app->store)
		store_free(app->store);
	if (app->db)
		db_free(app->db);
	app->queue = NULL;
	app->store = NULL;
	app->db = NULL;
}

/* Connect to PostgreSQL on first use. */
int
app_db(struct app *app, struct db **out)
{
	char err[256] = "";
	int rc;

	if (!app->db) {
		rc = db_open(&app->cfg->db, &app->db, err, sizeof(err));
		if (rc) {
			app->db = NULL;
			log_error("db: cannot connect: %s", err);
			return rc;
		}
	}
	*out = app->db;
	return E_OK;
}

/* Open the object store on first use. */
int
app_store(struct app *app, struct store **out)
{
	char err[256] = "";
	int rc;

	if (!app->store) {
		rc = store_open(&app->cfg->store, &app->store, err, sizeof(err));
		if (rc) {
			app->store = NULL;
			log_error("store: cannot open: %s", err);
			return rc;
		}
	}
	*out = app->store;
	return E_OK;
}

/* Open the queue on first use. */
int
app_queue(struct app *app, struct queue **out)
{
	char err[256] = "";
	int rc;

	if (!app->queue) {
		rc = queue_open(&app->cfg->queue, &app->cfg->db, &app->queue,
			err, sizeof(err));
		if (rc) {
			app->queue = NULL;
			log_error("queue: cannot open: %s", err);
			return rc;
		}
	}
	*out = app->queue;
	return E_OK;
}

/* Open the sample store on first use. */
int
app_smp(struct app *app, struct smp **out)
{
	char err[256] = "";
	int rc;

	if (!app->smp) {
		rc = smp_open(app->cfg, &app->smp, err, sizeof(err));
		if (rc) {
			app->smp = NULL;
			log_error("samples: cannot open: %s", err);
			return rc;
		}
	}
	*out = app->smp;
	return E_OK;
}
