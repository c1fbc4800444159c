/*
 * admin.h - the ember-admin command table and what a command gets.
 *
 * ember-admin [-c FILE] [--sql-dir DIR] GROUP COMMAND [ARGS...]
 *
 * Every command is one row of admin_cmds[] in admin.c plus one function
 * with the admin_fn signature; to add one, declare the function below,
 * add the row, and put the function in workers/admin_<group>.c.  The
 * dispatcher handles --help/-h for every row (it prints the row's usage
 * and help), so a command only parses its own arguments; argv[0] is the
 * command name, so getopt_long() works after `optind = 0`.
 *
 * A command returns ADMIN_OK (0), ADMIN_FAIL (1, after printing why on
 * stderr with admin_fail()) or ADMIN_USAGE (2, through admin_usage()).
 * The configuration and the database connection are opened on first use.
 */
#ifndef EMBER_ADMIN_H
#define EMBER_ADMIN_H

#include "compat.h"

#include <stdio.h>

#include "cfg.h"
#include "db.h"

enum { ADMIN_OK = 0, ADMIN_FAIL = 1, ADMIN_USAGE = 2 };

struct admin_cmd;

struct admin_ctx {
	const char *config_path;	/* -c, else $EMBER_CONFIG, else the installed file */
	const char *sql_dir;		/* --sql-dir, else the installed dir, else ./sql */
	const struct admin_cmd *cmd;	/* the running command */
	struct cfg cfg;
	bool cfg_loaded;
	struct db *db;			/* NULL until admin_db() */
};

typedef int admin_fn(struct admin_ctx *ctx, int argc, char **argv);

struct admin_cmd {
	const char *group;	/* "migrate" */
	const char *name;	/* "up" */
	const char *args;	/* "[VERSION] [--lock-timeout SEC]" */
	const char *help;	/* one or more lines, no trailing newline */
	admin_fn *fn;
};

/* The configuration (loaded on first call); NULL after printing the error. */
const struct cfg *admin_cfg(struct admin_ctx *ctx);
/* The database (connected on first call); NULL after printing the error. */
struct db *admin_db(struct admin_ctx *ctx);
/* Print "ember-admin: MESSAGE" on stderr and return ADMIN_FAIL. */
int admin_fail(const char *fmt, ...) ATTR_PRINTF(1, 2);
/* Print "ember-admin GROUP NAME: MESSAGE" plus the usage line; return ADMIN_USAGE. */
int admin_usage(const struct admin_ctx *ctx, const char *fmt, ...) ATTR_PRINTF(2, 3);
/* Report a failed db_exec(): the server's text, plus a hint when tables are missing. */
int admin_db_fail(struct admin_ctx *ctx, const char *what, int err);
/* Parse a decimal number in [min, max]; false if it is not one. */
bool admin_parse_ulong(const char *s, unsigned long min, unsigned long max,
	unsigned long *out);

/*
 * Require exactly one positional argument (after an optional "--") and no
 * options; *arg gets it.  ADMIN_USAGE after printing why.
 */
int admin_one_arg(struct admin_ctx *ctx, int argc, char **argv, const char *what,
	const char **arg);
/* Require no arguments at all; ADMIN_USAGE after printing why. */
int admin_no_args(struct admin_ctx *ctx, int argc, char **argv);

/* Commands (admin_migrate.c). */
int admin_migrate_up(struct admin_ctx *ctx, int argc, char **argv);
int admin_migrate_down(struct admin_ctx *ctx, int argc, char **argv);
int admin_migrate_status(struct admin_ctx *ctx, int argc, char **argv);
/* Commands (admin_keys.c). */
int admin_service_create(struct admin_ctx *ctx, int argc, char **argv);
int admin_service_list(struct admin_ctx *ctx, int argc, char **argv);
int admin_service_hide(struct admin_ctx *ctx, int argc, char **argv);
int admin_key_create(struct admin_ctx *ctx, int argc, char **argv);
int admin_key_list(struct admin_ctx *ctx, int argc, char **argv);
int admin_key_revoke(struct admin_ctx *ctx, int argc, char **argv);
/* Commands (admin_samples.c). */
int admin_samples_status(struct admin_ctx *ctx, int argc, char **argv);
int admin_samples_prune(struct admin_ctx *ctx, int argc, char **argv);
int admin_samples_reindex(struct admin_ctx *ctx, int argc, char **argv);
/* Commands (admin_ops.c). */
int admin_queue_status(struct admin_ctx *ctx, int argc, char **argv);
int admin_dlq_list(struct admin_ctx *ctx, int argc, char **argv);
int admin_dlq_show(struct admin_ctx *ctx, int argc, char **argv);
int admin_dlq_replay(struct admin_ctx *ctx, int argc, char **argv);
int admin_dlq_purge(struct admin_ctx *ctx, int argc, char **argv);
int admin_workers_status(struct admin_ctx *ctx, int argc, char **argv);
int admin_flamegraph_delete(struct admin_ctx *ctx, int argc, char **argv);

#endif
