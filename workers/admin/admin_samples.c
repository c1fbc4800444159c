/*
 * admin_samples.c - ember-admin samples status | prune | reindex.
 *
 * reindex walks the stored raw profiles (products/{service}/stacks/{file}.gz)
 * whose name carries a start time at or after --since, and for each one
 * removes its rows (smp_forget_profile) and indexes it again exactly as a
 * worker does (smp_index_profile), so running it twice gives the same rows.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "gz.h"
#include "profile.h"
#include "samples.h"
#include "smp_index.h"
#include "store.h"
#include "utc.h"

/* Open the sample store of the configuration. */
static struct smp *
admin_smp(struct admin_ctx *ctx)
{
	const struct cfg *cfg = admin_cfg(ctx);
	struct smp *s = NULL;
	char err[512];
	int rc;

	if (!cfg)
		return NULL;
	rc = smp_open(cfg, &s, err, sizeof(err));
	if (rc) {
		admin_fail("sample store: %s", err);
		return NULL;
	}
	return s;
}

/* samples status */
int
admin_samples_status(struct admin_ctx *ctx, int argc, char **argv)
{
	struct smp_status st;
	struct smp *s;
	char a[40] = "-", b[40] = "-";
	int rc;

	if ((rc = admin_no_args(ctx, argc, argv)) != ADMIN_OK)
		return rc;
	if (!(s = admin_smp(ctx)))
		return ADMIN_FAIL;
	rc = smp_status(s, &st);
	if (rc) {
		admin_fail("samples status: %s", smp_errmsg(s));
		smp_free(s);
		return ADMIN_FAIL;
	}
	if (st.oldest && utc_format(st.oldest * 1000000, UTC_FMT_Z, a,
	    sizeof(a)) != E_OK)
		snprintf(a, sizeof(a), "?");
	if (st.newest && utc_format(st.newest * 1000000, UTC_FMT_Z, b,
	    sizeof(b)) != E_OK)
		snprintf(b, sizeof(b), "?");
	printf("backend        %s\n", smp_backend_name(s));
	printf("profiles       %llu\n", (unsigned long long)st.profiles);
	printf("sample rows    %llu\n", (unsigned long long)st.sample_rows);
	printf("rollup rows    %llu\n", (unsigned long long)st.rollup_rows);
	printf("frames         %llu\n", (unsigned long long)st.frames);
	printf("stacks         %llu\n", (unsigned long long)st.stacks);
	printf("bytes          %llu\n", (unsigned long long)st.bytes);
	printf("days           %llu (%s .. %s)\n", (unsigned long long)st.days,
		a, b);
	smp_free(s);
	return ADMIN_OK;
}

/* samples prune */
int
admin_samples_prune(struct admin_ctx *ctx, int argc, char **argv)
{
	struct smp *s;
	size_t dropped = 0;
	int rc;

	if ((rc = admin_no_args(ctx, argc, argv)) != ADMIN_OK)
		return rc;
	if (!(s = admin_smp(ctx)))
		return ADMIN_FAIL;
	rc = smp_prune(s, (int64_t)time(NULL), &dropped);
	if (rc) {
		admin_fail("samples prune: %s", smp_errmsg(s));
		smp_free(s);
		return ADMIN_FAIL;
	}
	printf("dropped %zu day partitions\n", dropped);
	smp_free(s);
	return ADMIN_OK;
}

/* The id of a visible service, 0 when there is none. */
static int64_t
admin_service_id(struct db *db, const char *name)
{
	static const struct db_stmt st = {
		"admin_smp_service",
		"SELECT id FROM Services WHERE name = $1 AND NOT hidden", 1,
	};
	const char *params[1] = { name };
	PGresult *r = NULL;
	int64_t id = 0;

	if (db_exec(db, &st, params, &r) != E_OK)
		return -1;
	if (PQntuples(r) > 0)
		id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return id;
}

enum { RX_DONE, RX_SKIPPED, RX_FAILED };

/* What a reindex run works with. */
struct reindex_env {
	const struct cfg *cfg;
	struct store *store;
	struct smp *smp;
};

/*
 * Reindex one stored raw profile: RX_DONE, RX_SKIPPED for a file the
 * workers would dead-letter too, RX_FAILED when a store failed.
 */
static int
admin_reindex_one(const struct reindex_env *env, const char *key,
	const char *service, const char *file, int64_t sid)
{
	const struct cfg_workers *wc = &env->cfg->workers;
	struct buf raw = BUF_INIT(wc->max_object);
	struct buf text = BUF_INIT(wc->max_gunzip);
	struct smp_index_src is = { service, sid, file };
	struct smp_index_result res;
	struct prof p;
	const struct buf *src = &raw;
	char err[256];
	int ok = RX_SKIPPED;

	memset(&p, 0, sizeof(p));
	if (store_get(env->store, key, wc->max_object, &raw) != E_OK) {
		fprintf(stderr, "%s: %s\n", key, store_errmsg(env->store));
		ok = RX_FAILED;
		goto out;
	}
	if (gz_is_gzip(raw.data, raw.len)) {
		if (gz_inflate(raw.data, raw.len, wc->max_gunzip,
		    &text) != E_OK) {
			fprintf(stderr, "%s: bad gzip data\n", key);
			goto out;
		}
		src = &text;
	}
	if (prof_parse(src->data, src->len, wc->max_header, &p, err,
	    sizeof(err)) != E_OK) {
		fprintf(stderr, "%s: %s\n", key, err);
		goto out;
	}
	if (smp_forget_profile(env->smp, key) != E_OK) {
		fprintf(stderr, "%s: %s\n", key, smp_errmsg(env->smp));
		ok = RX_FAILED;
		goto out;
	}
	if (smp_index_profile(env->smp, &env->cfg->samples, &is, &p,
	    src->data, src->len, &res) != E_OK) {
		fprintf(stderr, "%s: %s\n", key, res.why);
		ok = res.poison ? RX_SKIPPED : RX_FAILED;
		goto out;
	}
	ok = RX_DONE;
out:
	prof_release(&p);
	buf_release(&raw);
	buf_release(&text);
	return ok;
}

/* samples reindex --since T [--service S] */
int
admin_samples_reindex(struct admin_ctx *ctx, int argc, char **argv)
{
	const struct cfg *cfg = admin_cfg(ctx);
	const char *since_s = NULL, *only = NULL, *token = NULL;
	struct reindex_env env = { 0 };
	struct store_list_page page = { 0 };
	struct db *db;
	char err[512], *next = NULL;
	int64_t since;
	unsigned long done = 0, failed = 0, skipped = 0;
	int i, rc = ADMIN_FAIL;

	for (i = 1; i < argc; i++) {	/* argv[0] is the command */
		if (strcmp(argv[i], "--since") == 0 && i + 1 < argc)
			since_s = argv[++i];
		else if (strcmp(argv[i], "--service") == 0 && i + 1 < argc)
			only = argv[++i];
		else
			return admin_usage(ctx, "unexpected \"%s\"", argv[i]);
	}
	if (!since_s || utc_parse(since_s, &since) != E_OK)
		return admin_usage(ctx, "--since needs an ISO 8601 time");
	if (!cfg || !(db = admin_db(ctx)))
		return ADMIN_FAIL;
	env.cfg = cfg;
	if (store_open(&cfg->store, &env.store, err, sizeof(err)) != E_OK)
		return admin_fail("object store: %s", err);
	if (!(env.smp = admin_smp(ctx)))
		goto out;
	do {
		size_t k;

		if (store_list(env.store, "products/", token, 1000, &page)
		    != E_OK) {
			admin_fail("listing: %s", store_errmsg(env.store));
			goto out;
		}
		for (k = 0; k < page.n; k++) {
			char svc[256], file[256];
			const char *key = page.keys[k], *p, *q;
			int64_t start, sid;

			/* products/{service}/stacks/{file}, file without '/' */
			p = key + strlen("products/");
			q = strchr(p, '/');
			if (!q || (size_t)(q - p) >= sizeof(svc) ||
			    strncmp(q, "/stacks/", 8) != 0 ||
			    strchr(q + 8, '/'))
				continue;
			snprintf(svc, sizeof(svc), "%.*s", (int)(q - p), p);
			snprintf(file, sizeof(file), "%s", q + 8);
			if ((only && strcmp(only, svc) != 0) ||
			    strlen(file) < 4 ||
			    strcmp(file + strlen(file) - 3, ".gz") != 0)
				continue;
			if (prof_start_time(file, &start) != E_OK ||
			    start < since)
				continue;
			sid = admin_service_id(db, svc);
			if (sid <= 0)
				continue;
			switch (admin_reindex_one(&env, key, svc, file, sid)) {
			case RX_DONE:
				done++;
				break;
			case RX_SKIPPED:
				skipped++;
				break;
			default:
				failed++;
			}
		}
		free(next);
		next = page.next_token ? strdup(page.next_token) : NULL;
		token = next;
		store_list_page_release(&page);
	} while (token);
	printf("reindexed %lu profiles, %lu skipped (bad input), %lu failed\n",
		done, skipped, failed);
	rc = failed ? ADMIN_FAIL : ADMIN_OK;
out:
	free(next);
	smp_free(env.smp);
	store_free(env.store);
	return rc;
}
