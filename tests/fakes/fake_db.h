/*
 * fake_db.h - an in-memory data layer for handler unit tests.
 *
 * tests/fakes/fake_db.c defines the functions of shared/db/adhoc.h and
 * shared/db/services.h over the tables below, and tests/fakes/fake_app.c
 * the app_db()/app_store()/app_queue() of fcgi/app.h (no connection: the
 * db pointer handed to the data layer is NULL, the store is the fs backend
 * under a directory the test chooses, there is no queue).  A test program
 * links both instead of the real modules, so the handlers run their logic
 * after validation without PostgreSQL.
 */
#ifndef EMBER_FAKE_DB_H
#define EMBER_FAKE_DB_H

#include "compat.h"

#include "adhoc.h"
#include "services.h"

#define FAKE_MAX 64

struct fake_db {
	struct adhoc_row adhoc[FAKE_MAX];
	const char *adhoc_service[FAKE_MAX];	/* the row's service name */
	size_t nadhoc;
	struct service_row services[FAKE_MAX];
	size_t nservices;
	int fail;		/* when not E_OK, every call returns it */
	unsigned calls;		/* data layer calls made */
	struct adhoc_query last_query;	/* of the last adhoc_list() */
};

/* The tables the fake functions read and write; zeroed by fake_db_reset(). */
extern struct fake_db fake_db;
void fake_db_reset(void);
/* The fs store root app_store() opens (set before the first request). */
extern const char *fake_app_store_root;

#endif
