/*
 * fake_db.c - adhoc.h, adlib.h and services.h over fake_db's arrays (see fake_db.h).
 *
 * Only what the handlers rely on is modelled: the list filters by service,
 * time range and hosts, orders newest first and pages; lookups match by
 * service and file name.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "adlib.h"
#include "library.h"
#include "fake_db.h"

struct fake_db fake_db;

/* Forget every row and knob. */
void
fake_db_reset(void)
{
	memset(&fake_db, 0, sizeof(fake_db));
}

/* Whether row i passes the query's filters. */
static bool
adhoc_match(size_t i, const struct adhoc_query *q)
{
	const struct adhoc_row *r = &fake_db.adhoc[i];
	size_t h;

	if (strcmp(fake_db.adhoc_service[i], q->service) != 0 ||
	    r->start_usec < q->from_usec || r->start_usec > q->to_usec)
		return false;
	if (!q->hosts)
		return true;
	for (h = 0; h < q->nhosts; h++)
		if (strcmp(q->hosts[h], r->hostname) == 0)
			return true;
	return false;
}

/* The list: rows are kept newest first by the tests. */
int
adhoc_list(struct db *db, struct arena *a, const struct adhoc_query *q,
	struct adhoc_row **rows, size_t *n)
{
	size_t i, seen = 0;

	(void)db;
	fake_db.calls++;
	fake_db.last_query = *q;
	*rows = arena_zalloc(a, (fake_db.nadhoc + 1) * sizeof(**rows));
	*n = 0;
	if (fake_db.fail)
		return fake_db.fail;
	for (i = 0; i < fake_db.nadhoc && *n < q->limit; i++) {
		if (!adhoc_match(i, q) || seen++ < q->offset)
			continue;
		(*rows)[(*n)++] = fake_db.adhoc[i];
	}
	return E_OK;
}

/* The key of a file name. */
int
adhoc_key_of(struct db *db, struct arena *a, const char *service,
	const char *name, const char **key)
{
	size_t i;
	const char *slash;

	(void)db;
	(void)a;
	fake_db.calls++;
	*key = NULL;
	if (fake_db.fail)
		return fake_db.fail;
	for (i = 0; i < fake_db.nadhoc; i++) {
		slash = strrchr(fake_db.adhoc[i].s3_key, '/');
		if (strcmp(fake_db.adhoc_service[i], service) == 0 && slash &&
		    strcmp(slash + 1, name) == 0) {
			*key = fake_db.adhoc[i].s3_key;
			return E_OK;
		}
	}
	return E_NOTFOUND;
}

/* The key of a file name or of a whole key. */
int
adhoc_key_find(struct db *db, struct arena *a, const char *service,
	const char *name_or_key, const char **key)
{
	size_t i;

	if (adhoc_key_of(db, a, service, name_or_key, key) != E_NOTFOUND)
		return fake_db.fail;
	for (i = 0; i < fake_db.nadhoc; i++)
		if (strcmp(fake_db.adhoc_service[i], service) == 0 &&
		    strcmp(fake_db.adhoc[i].s3_key, name_or_key) == 0) {
			*key = fake_db.adhoc[i].s3_key;
			return E_OK;
		}
	return E_NOTFOUND;
}

/* Not used by the handlers. */
int
adhoc_lock(struct db *db, struct arena *a, const char *service,
	const char *name_or_key, struct adhoc_row *row)
{
	(void)db;
	(void)a;
	(void)service;
	(void)name_or_key;
	memset(row, 0, sizeof(*row));
	return E_INTERNAL;
}

/* Not used by the handlers. */
int
adhoc_delete(struct db *db, int64_t id)
{
	(void)db;
	(void)id;
	return E_INTERNAL;
}

/* Not used by the handlers. */
int
adhoc_upsert(struct db *db, int64_t service_id, const struct adhoc_row *row)
{
	(void)db;
	(void)service_id;
	(void)row;
	return E_INTERNAL;
}

/* Distinct hosts of a service, in table order. */
int
adhoc_hosts(struct db *db, struct arena *a, const char *service,
	int64_t from_usec, int64_t to_usec, uint64_t limit,
	const char ***hosts, size_t *n)
{
	size_t i;

	(void)db;
	(void)from_usec;
	(void)to_usec;
	fake_db.calls++;
	*hosts = arena_zalloc(a, (fake_db.nadhoc + 1) * sizeof(char *));
	*n = 0;
	if (fake_db.fail)
		return fake_db.fail;
	for (i = 0; i < fake_db.nadhoc && *n < limit; i++)
		if (strcmp(fake_db.adhoc_service[i], service) == 0)
			(*hosts)[(*n)++] = fake_db.adhoc[i].hostname;
	return E_OK;
}

/* The services table as it is. */
int
services_list(struct db *db, struct arena *a, uint64_t limit,
	struct service_row **rows, size_t *n)
{
	size_t i;

	(void)db;
	fake_db.calls++;
	*rows = arena_zalloc(a, (fake_db.nservices + 1) * sizeof(**rows));
	*n = 0;
	if (fake_db.fail)
		return fake_db.fail;
	for (i = 0; i < fake_db.nservices && *n < limit; i++)
		(*rows)[(*n)++] = fake_db.services[i];
	return E_OK;
}

/* Find or append a service. */
int
services_get_or_create(struct db *db, const char *name, const char *env_type,
	int64_t *id)
{
	(void)db;
	(void)env_type;
	fake_db.calls++;
	if (fake_db.fail)
		return fake_db.fail;
	if (services_find(NULL, name, id) == E_OK)
		return E_OK;
	if (fake_db.nservices == FAKE_MAX)
		return E_INTERNAL;
	fake_db.services[fake_db.nservices].id = (int64_t)fake_db.nservices + 1;
	fake_db.services[fake_db.nservices].name = name;
	*id = fake_db.services[fake_db.nservices++].id;
	return E_OK;
}

/* Find a service by name. */
int
services_find(struct db *db, const char *name, int64_t *id)
{
	size_t i;

	(void)db;
	if (fake_db.fail)
		return fake_db.fail;
	for (i = 0; i < fake_db.nservices; i++) {
		if (strcmp(fake_db.services[i].name, name) == 0) {
			*id = fake_db.services[i].id;
			return E_OK;
		}
	}
	return E_NOTFOUND;
}

/* ------------------------------------------------------------ adlib.h */
/*
 * The library's statements: every row is an agent's, unpinned, without
 * notes or lineage; the writes succeed and change nothing.
 */
int
adlib_info(struct db *db, struct arena *a, const int64_t *ids, size_t n,
	struct adlib_info *out)
{
	size_t i;

	(void)db;
	(void)a;
	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < n; i++) {
		out[i].id = ids[i];
		out[i].source = "agent";
		out[i].importer = out[i].title = out[i].note = "";
		out[i].command_id = out[i].request_id = out[i].requester = "";
	}
	return E_OK;
}

int
adlib_refers_cdn(struct db *db, const char *key, bool *out)
{
	(void)db;
	(void)key;
	*out = false;
	return E_OK;
}

int
adlib_mark(struct db *db, const char *key, const char *importer,
	const char *raw_key, bool refers_cdn, const char *command_id)
{
	(void)db, (void)key, (void)importer, (void)raw_key, (void)refers_cdn;
	(void)command_id;
	return E_OK;
}

int
adlib_pin(struct db *db, const char *service, const char *name_or_key,
	bool pinned)
{
	(void)db, (void)service, (void)name_or_key, (void)pinned;
	return E_NOTFOUND;
}

int
adlib_note(struct db *db, const char *service, const char *name_or_key,
	const char *title, const char *note)
{
	(void)db, (void)service, (void)name_or_key, (void)title, (void)note;
	return E_NOTFOUND;
}

int
library_delete(struct db *db, struct store *st, struct smp *smp,
	struct arena *a, const char *service, const char *name_or_key,
	struct adhoc_row *row, char *err, size_t errlen)
{
	(void)db, (void)st, (void)smp, (void)a, (void)service;
	(void)name_or_key, (void)row;
	snprintf(err, errlen, "fake");
	return E_NOTFOUND;
}

int
adlib_audit(struct db *db, const char *actor, const char *action,
	const char *service, const char *target, const char *detail)
{
	(void)db, (void)actor, (void)action, (void)service, (void)target;
	(void)detail;
	return E_OK;
}

int
adlib_audit_list(struct db *db, struct arena *a, const char *service,
	uint64_t limit, struct adlib_audit **out, size_t *n)
{
	(void)db, (void)a, (void)service, (void)limit;
	*out = NULL;
	*n = 0;
	return E_OK;
}

int
adlib_products(struct db *db, struct arena *a, const char *request_id,
	struct adlib_product **out, size_t *n)
{
	(void)db, (void)a, (void)request_id;
	*out = NULL;
	*n = 0;
	return E_OK;
}

int
adlib_expired(struct db *db, struct arena *a, unsigned days, uint64_t limit,
	struct adlib_expired **out, size_t *n)
{
	(void)db, (void)a, (void)days, (void)limit;
	*out = NULL;
	*n = 0;
	return E_OK;
}

int
adlib_retention_lock(struct db *db, bool *got)
{
	(void)db;
	*got = false;
	return E_OK;
}

int
adlib_retention_unlock(struct db *db)
{
	(void)db;
	return E_OK;
}
