/*
 * fake_app.c - fcgi/app.h for handler tests with the fake data layer:
 * no database connection (the data layer is tests/fakes/fake_db.c), the
 * fs store under fake_app_store_root, no queue (E_INTERNAL).
 */
#include "compat.h"

#include <string.h>

#include "app.h"
#include "fake_db.h"

const char *fake_app_store_root;

/* Keep cfg. */
void
app_init(struct app *app, const struct cfg *cfg)
{
	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
}

/* Close the store. */
void
app_release(struct app *app)
{
	store_free(app->store);
	app->store = NULL;
}

/* No connection: the fake data layer ignores it. */
int
app_db(struct app *app, struct db **out)
{
	(void)app;
	*out = NULL;
	return E_OK;
}

/* The fs store under fake_app_store_root. */
int
app_store(struct app *app, struct store **out)
{
	struct cfg_store c;
	char err[256];

	if (!app->store) {
		memset(&c, 0, sizeof(c));
		c.backend = CFG_STORE_FS;
		c.fs_root = (char *)fake_app_store_root;
		if (store_open(&c, &app->store, err, sizeof(err)) != E_OK)
			return E_IO;
	}
	*out = app->store;
	return E_OK;
}

/* No queue in these tests. */
int
app_queue(struct app *app, struct queue **out)
{
	(void)app;
	*out = NULL;
	return E_INTERNAL;
}

/* No sample store in these tests. */
int
app_smp(struct app *app, struct smp **out)
{
	(void)app;
	*out = NULL;
	return E_INTERNAL;
}
