/*
 * admin_migrate.c - `ember-admin migrate up|down|status`.
 *
 * A run takes the migration advisory lock on its own session and keeps it
 * until it exits; a second run waits up to --lock-timeout seconds
 * (default 10) and then fails naming the holder.  Each step is one
 * transaction (file + version row), so a failure leaves the schema at the
 * last step that succeeded.
 */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "err.h"
#include "migrate.h"

#define ADMIN_LOCK_DEFAULT_S 10

struct admin_migrate_opts {
	unsigned lock_timeout_s;
	bool dry_run;
	const char *pos;	/* the one positional argument, or NULL */
};

/* Parse --lock-timeout/--dry-run and at most one positional argument. */
static int
admin_migrate_parse(struct admin_ctx *ctx, int argc, char **argv,
	struct admin_migrate_opts *o)
{
	static const struct option opts[] = {
		{ "lock-timeout", required_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	o->lock_timeout_s = ADMIN_LOCK_DEFAULT_S;
	o->dry_run = false;
	o->pos = NULL;
	while ((c = getopt_long(argc, argv, ":n", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!admin_parse_ulong(optarg, 0, 3600, &v))
				return admin_usage(ctx, "--lock-timeout wants seconds (0..3600), not '%s'",
					optarg);
			o->lock_timeout_s = (unsigned)v;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case ':':
			return admin_usage(ctx, "option '%s' needs a value", argv[optind - 1]);
		default:
			return admin_usage(ctx, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return admin_usage(ctx, "too many arguments");
	if (optind < argc)
		o->pos = argv[optind];
	return ADMIN_OK;
}

/* Milliseconds of a monotonic clock. */
static long long
admin_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connect, take the lock (saying so when waiting), make sure the table exists. */
static PGconn *
admin_migrate_begin(struct admin_ctx *ctx, unsigned lock_timeout_s)
{
	char err[512];
	struct db *db;
	PGconn *conn;
	int rc;

	db = admin_db(ctx);
	if (!db)
		return NULL;
	db_pin(db);
	conn = db_conn(db);
	if (!conn) {
		admin_fail("database connection lost");
		return NULL;
	}
	rc = migrate_lock(conn, 0, err, sizeof(err));
	if (rc == E_TIMEOUT && lock_timeout_s > 0) {
		fprintf(stderr, "ember-admin: %s; waiting up to %u s\n",
			"another migration run is in progress", lock_timeout_s);
		rc = migrate_lock(conn, lock_timeout_s * 1000, err, sizeof(err));
	}
	if (rc != E_OK) {
		admin_fail("%s", err);
		return NULL;
	}
	if (migrate_ensure_table(conn, err, sizeof(err)) != E_OK) {
		admin_fail("%s", err);
		return NULL;
	}
	return conn;
}

/* Scan the SQL directory and read the version table. */
static int
admin_migrate_state(struct admin_ctx *ctx, PGconn *conn, struct migrate_set *set,
	struct migrate_applied_list *applied)
{
	char err[512];

	if (migrate_scan(ctx->sql_dir, set, err, sizeof(err)) != E_OK)
		return admin_fail("%s", err);
	if (migrate_load_applied(conn, applied, err, sizeof(err)) != E_OK) {
		migrate_set_release(set);
		return admin_fail("%s", err);
	}
	return ADMIN_OK;
}

/* Run (or with dry_run only print) every step of a plan. */
static int
admin_migrate_run(struct db *db, const struct migrate_set *set,
	const struct migrate_plan *plan, bool dry_run)
{
	const struct migrate_file *m;
	const char *verb = plan->dir == MIGRATE_UP ? "applied" : "rolled back";
	char err[1024];
	long long t0;
	size_t i;

	for (i = 0; i < plan->n; i++) {
		m = &set->v[plan->idx[i]];
		if (dry_run) {
			printf("would %s %04d_%s\n", plan->dir == MIGRATE_UP ? "apply" : "roll back",
				m->version, m->name);
			continue;
		}
		t0 = admin_ms();
		if (migrate_apply(db, m, plan->dir, err, sizeof(err)) != E_OK)
			return admin_fail("%04d_%s failed, nothing of it was kept: %s",
				m->version, m->name, err);
		printf("%s %04d_%s (%lld ms)\n", verb, m->version, m->name, admin_ms() - t0);
		fflush(stdout);
	}
	return ADMIN_OK;
}

/* migrate up [VERSION]. */
int
admin_migrate_up(struct admin_ctx *ctx, int argc, char **argv)
{
	struct migrate_applied_list applied = { 0 };
	struct admin_migrate_opts o;
	struct migrate_set set = { 0 };
	struct migrate_plan plan = { 0 };
	unsigned long target = 0;
	char err[1024];
	PGconn *conn;
	int rc;

	rc = admin_migrate_parse(ctx, argc, argv, &o);
	if (rc != ADMIN_OK)
		return rc;
	if (o.pos && !admin_parse_ulong(o.pos, 1, 9999, &target))
		return admin_usage(ctx, "VERSION must be a number 1..9999, not '%s'", o.pos);
	conn = admin_migrate_begin(ctx, o.lock_timeout_s);
	if (!conn)
		return ADMIN_FAIL;
	rc = admin_migrate_state(ctx, conn, &set, &applied);
	if (rc != ADMIN_OK)
		return rc;
	if (migrate_plan_up(&set, &applied, (int)target, &plan, err, sizeof(err)) != E_OK) {
		rc = admin_fail("%s", err);
		goto out;
	}
	if (plan.n == 0) {
		printf("nothing to do: schema is up to date (%zu applied)\n", applied.n);
		goto out;
	}
	rc = admin_migrate_run(admin_db(ctx), &set, &plan, o.dry_run);
	if (rc == ADMIN_OK && !o.dry_run)
		printf("schema is at version %04d\n", set.v[plan.idx[plan.n - 1]].version);
out:
	migrate_plan_release(&plan);
	migrate_applied_release(&applied);
	migrate_set_release(&set);
	return rc;
}

/* migrate down N. */
int
admin_migrate_down(struct admin_ctx *ctx, int argc, char **argv)
{
	struct migrate_applied_list applied = { 0 };
	struct admin_migrate_opts o;
	struct migrate_set set = { 0 };
	struct migrate_plan plan = { 0 };
	unsigned long count;
	char err[1024];
	PGconn *conn;
	int rc;

	rc = admin_migrate_parse(ctx, argc, argv, &o);
	if (rc != ADMIN_OK)
		return rc;
	if (!o.pos)
		return admin_usage(ctx, "how many migrations to roll back? (N)");
	if (!admin_parse_ulong(o.pos, 1, 9999, &count))
		return admin_usage(ctx, "N must be a number 1..9999, not '%s'", o.pos);
	conn = admin_migrate_begin(ctx, o.lock_timeout_s);
	if (!conn)
		return ADMIN_FAIL;
	rc = admin_migrate_state(ctx, conn, &set, &applied);
	if (rc != ADMIN_OK)
		return rc;
	if (migrate_plan_down(&set, &applied, count, &plan, err, sizeof(err)) != E_OK) {
		rc = admin_fail("%s", err);
		goto out;
	}
	rc = admin_migrate_run(admin_db(ctx), &set, &plan, o.dry_run);
out:
	migrate_plan_release(&plan);
	migrate_applied_release(&applied);
	migrate_set_release(&set);
	return rc;
}

/* migrate status: one line per version on disk or in the table. */
int
admin_migrate_status(struct admin_ctx *ctx, int argc, char **argv)
{
	struct migrate_applied_list applied = { 0 };
	struct migrate_set set = { 0 };
	const struct migrate_applied *a;
	const struct migrate_file *m;
	size_t pending = 0;
	size_t i = 0;
	size_t j = 0;
	struct db *db;
	bool same;
	int rc;

	if (argc > 1)
		return admin_usage(ctx, "no arguments expected");
	db = admin_db(ctx);
	if (!db)
		return ADMIN_FAIL;
	if (!db_conn(db))
		return admin_fail("database connection lost");
	rc = admin_migrate_state(ctx, db_conn(db), &set, &applied);
	if (rc != ADMIN_OK)
		return rc;
	printf("%-7s  %-32s  %-9s  %s\n", "VERSION", "NAME", "STATE", "APPLIED");
	/* Merge the two sorted lists. */
	while (i < set.n || j < applied.n) {
		m = i < set.n ? &set.v[i] : NULL;
		a = j < applied.n ? &applied.v[j] : NULL;
		if (m && (!a || m->version < a->version)) {
			printf("%04d     %-32s  %-9s  -\n", m->version, m->name, "pending");
			pending++;
			i++;
		} else if (!m || a->version < m->version) {
			printf("%04d     %-32s  %-9s  %s (files missing)\n", a->version, a->name,
				"applied", a->applied_at);
			j++;
		} else {
			same = strcmp(m->checksum, a->checksum) == 0 &&
				strcmp(m->name, a->name) == 0;
			printf("%04d     %-32s  %-9s  %s\n", m->version, m->name,
				same ? "applied" : "MODIFIED", a->applied_at);
			if (!same)
				fprintf(stderr, "ember-admin: %s changed after it was applied\n",
					m->up_path);
			i++;
			j++;
		}
	}
	printf("%zu applied, %zu pending (%s)\n", applied.n, pending, ctx->sql_dir);
	migrate_applied_release(&applied);
	migrate_set_release(&set);
	return ADMIN_OK;
}
