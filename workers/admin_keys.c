/*
 * admin_keys.c - `ember-admin service ...` and `ember-admin key ...`.
 *
 * Services are upstream's Services rows (hidden = soft-deleted).  API keys
 * are the data layer's (keys.h): a key is shown once at creation and only
 * its SHA-256 hex is stored, with its first 8 characters for display.
 */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "profile.h"
#include "err.h"
#include "hash.h"
#include "keys.h"

#define ADMIN_DESC_MAX 1000
#define ADMIN_TS(col) \
	"to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const struct db_stmt st_svc_insert = {
	"admin_svc_insert",
	"INSERT INTO Services (name) VALUES ($1)"
	" ON CONFLICT (name) DO NOTHING RETURNING id",
	1,
};
static const struct db_stmt st_svc_get = {
	"admin_svc_get",
	"SELECT id, hidden FROM Services WHERE name = $1 AND cluster_id IS NULL",
	1,
};
static const struct db_stmt st_svc_list = {
	"admin_svc_list",
	"SELECT id, name, hidden, coalesce(" ADMIN_TS("ts") ", '-')"
	" FROM Services ORDER BY name",
	0,
};
static const struct db_stmt st_svc_hide = {
	"admin_svc_hide",
	"UPDATE Services SET hidden = true WHERE name = $1 AND NOT hidden RETURNING id",
	1,
};

/* service create NAME. */
int
admin_service_create(struct admin_ctx *ctx, int argc, char **argv)
{
	const char *name = NULL;
	const char *params[1];
	PGresult *res = NULL;
	struct db *db;
	int rc;

	rc = admin_one_arg(ctx, argc, argv, "NAME", &name);
	if (rc != ADMIN_OK)
		return rc;
	if (!prof_service_ok(name))
		return admin_usage(ctx, "bad service name '%s': use 1..%d of A-Z a-z 0-9 _ . -,"
			" starting with a letter or digit", name, PROF_SERVICE_MAX);
	db = admin_db(ctx);
	if (!db)
		return ADMIN_FAIL;
	params[0] = name;
	rc = db_exec(db, &st_svc_insert, params, &res);
	if (rc != E_OK)
		return admin_db_fail(ctx, "creating the service", rc);
	if (PQntuples(res) == 1) {
		printf("created service %s (id %s)\n", name, PQgetvalue(res, 0, 0));
		PQclear(res);
		return ADMIN_OK;
	}
	PQclear(res);
	rc = db_exec(db, &st_svc_get, params, &res);
	if (rc != E_OK)
		return admin_db_fail(ctx, "looking the service up", rc);
	if (PQntuples(res) == 1 && PQgetvalue(res, 0, 1)[0] == 't')
		rc = admin_fail("service %s already exists (id %s) and is hidden", name,
			PQgetvalue(res, 0, 0));
	else
		rc = admin_fail("service %s already exists", name);
	PQclear(res);
	return rc;
}

/* service list. */
int
admin_service_list(struct admin_ctx *ctx, int argc, char **argv)
{
	PGresult *res = NULL;
	struct db *db;
	int rc;
	int i;

	rc = admin_no_args(ctx, argc, argv);
	if (rc != ADMIN_OK)
		return rc;
	db = admin_db(ctx);
	if (!db)
		return ADMIN_FAIL;
	rc = db_exec(db, &st_svc_list, NULL, &res);
	if (rc != E_OK)
		return admin_db_fail(ctx, "listing services", rc);
	printf("%-6s  %-32s  %-6s  %s\n", "ID", "NAME", "HIDDEN", "CREATED");
	for (i = 0; i < PQntuples(res); i++)
		printf("%-6s  %-32s  %-6s  %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			PQgetvalue(res, i, 2)[0] == 't' ? "yes" : "no", PQgetvalue(res, i, 3));
	PQclear(res);
	return ADMIN_OK;
}

/* service hide NAME. */
int
admin_service_hide(struct admin_ctx *ctx, int argc, char **argv)
{
	const char *name = NULL;
	const char *params[1];
	PGresult *res = NULL;
	struct db *db;
	int rc;

	rc = admin_one_arg(ctx, argc, argv, "NAME", &name);
	if (rc != ADMIN_OK)
		return rc;
	db = admin_db(ctx);
	if (!db)
		return ADMIN_FAIL;
	params[0] = name;
	rc = db_exec(db, &st_svc_hide, params, &res);
	if (rc != E_OK)
		return admin_db_fail(ctx, "hiding the service", rc);
	if (PQntuples(res) > 0) {
		printf("hid service %s\n", name);
		PQclear(res);
		return ADMIN_OK;
	}
	PQclear(res);
	rc = db_exec(db, &st_svc_get, params, &res);
	if (rc != E_OK)
		return admin_db_fail(ctx, "looking the service up", rc);
	if (PQntuples(res) == 0) {
		rc = admin_fail("no service named %s", name);
	} else {
		printf("service %s was already hidden\n", name);
		rc = ADMIN_OK;
	}
	PQclear(res);
	return rc;
}

/* key create (--service NAME | --all) [--description TEXT]. */
int
admin_key_create(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "description", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *service = NULL;
	const char *desc = NULL;
	const char *params[4];
	PGresult *res = NULL;
	char token[64];
	char hex[65];
	char prefix[9];
	int64_t id;
	bool all = false;
	struct db *db;
	int c;
	int rc;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			service = optarg;
			break;
		case 'a':
			all = true;
			break;
		case 'd':
			desc = optarg;
			break;
		case ':':
			return admin_usage(ctx, "option '%s' needs a value", argv[optind - 1]);
		default:
			return admin_usage(ctx, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return admin_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if (!!service == all)
		return admin_usage(ctx, "give exactly one of --service NAME and --all");
	if (service && !prof_service_ok(service))
		return admin_usage(ctx, "bad service name '%s'", service);
	if (desc && strlen(desc) > ADMIN_DESC_MAX)
		return admin_usage(ctx, "description longer than %d bytes", ADMIN_DESC_MAX);
	db = admin_db(ctx);
	if (!db)
		return ADMIN_FAIL;
	if (service) {
		params[0] = service;
		rc = db_exec(db, &st_svc_get, params, &res);
		if (rc != E_OK)
			return admin_db_fail(ctx, "looking the service up", rc);
		if (PQntuples(res) == 0)
			fprintf(stderr, "ember-admin: note: no service %s yet; the key works once "
				"its first profile arrives or after `ember-admin service create %s`\n",
				service, service);
		else if (PQgetvalue(res, 0, 1)[0] == 't')
			fprintf(stderr, "ember-admin: note: service %s is hidden\n", service);
		PQclear(res);
	}
	if (hash_random_token(token, sizeof(token)) != E_OK)
		return admin_fail("cannot get random bytes for a key");
	keys_hash(token, hex);
	memcpy(prefix, token, 8);
	prefix[8] = '\0';
	rc = keys_create(db, hex, prefix, service, desc, &id);
	if (rc != E_OK)
		return admin_db_fail(ctx, "storing the key", rc);
	fprintf(stderr, "ember-admin: created key %lld (prefix %s) for %s%s; it is shown "
		"only now\n", (long long)id, prefix, service ? "service " : "",
		service ? service : "all services");
	printf("%s\n", token);
	return ADMIN_OK;
}

/* key list. */
int
admin_key_list(struct admin_ctx *ctx, int argc, char **argv)
{
	struct keys_row *rows;
	struct arena a;
	struct db *db;
	size_t i, n;
	int rc;

	rc = admin_no_args(ctx, argc, argv);
	if (rc != ADMIN_OK)
		return rc;
	db = admin_db(ctx);
	if (!db)
		return ADMIN_FAIL;
	arena_init(&a, 0);
	rc = keys_list(db, &a, &rows, &n);
	if (rc != E_OK) {
		arena_release(&a);
		return admin_db_fail(ctx, "listing keys", rc);
	}
	printf("%-6s  %-8s  %-24s  %-20s  %-20s  %-20s  %s\n", "ID", "PREFIX", "SERVICE",
		"CREATED", "REVOKED", "LAST_USED", "DESCRIPTION");
	for (i = 0; i < n; i++)
		printf("%-6lld  %-8s  %-24s  %-20s  %-20s  %-20s  %s\n",
			(long long)rows[i].id, rows[i].prefix,
			rows[i].service ? rows[i].service : "*", rows[i].created,
			rows[i].revoked ? rows[i].revoked : "-",
			rows[i].last_used ? rows[i].last_used : "-",
			rows[i].description ? rows[i].description : "");
	arena_release(&a);
	return ADMIN_OK;
}

/* key revoke ID. */
int
admin_key_revoke(struct admin_ctx *ctx, int argc, char **argv)
{
	const char *id = NULL;
	const char *when = NULL;
	unsigned long v;
	struct arena a;
	struct db *db;
	int rc;

	rc = admin_one_arg(ctx, argc, argv, "ID", &id);
	if (rc != ADMIN_OK)
		return rc;
	if (!admin_parse_ulong(id, 1, 9000000000000000000UL, &v))
		return admin_usage(ctx, "ID must be a key id from `key list`, not '%s'", id);
	db = admin_db(ctx);
	if (!db)
		return ADMIN_FAIL;
	arena_init(&a, 0);
	rc = keys_revoke(db, &a, (int64_t)v, &when);
	if (rc == E_NOTFOUND) {
		rc = admin_fail("no key with id %s", id);
	} else if (rc != E_OK) {
		rc = admin_db_fail(ctx, "revoking the key", rc);
	} else {
		if (when)
			printf("key %s was already revoked at %s\n", id, when);
		else
			printf("revoked key %s\n", id);
		rc = ADMIN_OK;
	}
	arena_release(&a);
	return rc;
}
