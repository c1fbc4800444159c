/*
 * admin.c - ember-admin: the command table, option parsing and dispatch.
 *
 * Exit codes: 0 success, 1 failure (message on stderr), 2 usage error.
 */
#include "compat.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "err.h"
#include "num.h"

#ifndef EMBER_SYSCONFDIR
#define EMBER_SYSCONFDIR "/etc/ember"
#endif
#ifndef EMBER_DATADIR
#define EMBER_DATADIR "/usr/share/ember"
#endif

/* Every command: one row each (see admin.h). */
static const struct admin_cmd admin_cmds[] = {
	{ "migrate", "up", "[VERSION] [--lock-timeout SEC] [--dry-run]",
	  "Apply every pending migration (or those up to VERSION), each in its own\n"
	  "transaction.  Waits up to --lock-timeout seconds (default 10, 0 = fail at\n"
	  "once) while another run holds the migration lock.",
	  admin_migrate_up },
	{ "migrate", "down", "N [--lock-timeout SEC] [--dry-run]",
	  "Roll back the last N applied migrations, newest first.",
	  admin_migrate_down },
	{ "migrate", "status", "",
	  "List every migration on disk and in the database with its state.",
	  admin_migrate_status },
	{ "service", "create", "NAME",
	  "Create a service (names use A-Z a-z 0-9 _ . -, not starting with _).",
	  admin_service_create },
	{ "service", "list", "",
	  "List services: id, name, hidden, created.",
	  admin_service_list },
	{ "service", "hide", "NAME",
	  "Hide a service (the soft delete of upstream's ServicesDeleteProtection).",
	  admin_service_hide },
	{ "key", "create", "(--service NAME | --all) [--description TEXT]",
	  "Create an agent API key for one service or for all of them.  The key is\n"
	  "printed once on stdout; only its SHA-256 is stored.",
	  admin_key_create },
	{ "key", "list", "",
	  "List API keys: id, prefix, service (* = all), created, revoked, last used.",
	  admin_key_list },
	{ "key", "revoke", "ID",
	  "Revoke an API key; agents using it are refused from then on.",
	  admin_key_revoke },
	{ "queue", "status", "[--json]",
	  "Show the job queue: messages waiting, in flight (received, not yet\n"
	  "deleted), dead letters, and the age of the oldest waiting message.",
	  admin_queue_status },
	{ "dlq", "list", "[--limit N] [--json]",
	  "List dead letters, oldest first (default 100): id, when, receive count,\n"
	  "last error, and the start of the body.",
	  admin_dlq_list },
	{ "dlq", "show", "ID [--json]",
	  "Show one dead letter in full.",
	  admin_dlq_show },
	{ "dlq", "replay", "(ID | --all)",
	  "Send one dead letter (or every one) back to the queue with a fresh\n"
	  "receive count, and remove it from the dead letters.",
	  admin_dlq_replay },
	{ "dlq", "purge", "[ID]",
	  "Drop one dead letter, or all of them without ID.",
	  admin_dlq_purge },
	{ "workers", "status", "[--file PATH] [--json]",
	  "Show the workers' supervisor status file (workers.status_file, or PATH):\n"
	  "state, queue counters, job counters and one line per worker; --json\n"
	  "prints the file as is.  Exits 1 when the file is missing or stale, or\n"
	  "the supervisor is stopped or gone.",
	  admin_workers_status },
	{ "flamegraph", "delete", "SERVICE FILENAME [--dry-run]",
	  "Delete an ad hoc flamegraph: its objects, stack rows and metadata row.\n"
	  "FILENAME is the name the UI lists (or the full object key).  The object\n"
	  "goes first, with the row locked; if the row cannot be deleted after\n"
	  "that, the UI lists it as removed and running the command again\n"
	  "finishes.  --dry-run only shows what would be deleted.",
	  admin_flamegraph_delete },
	{ "samples", "status", "",
	  "Show what the sample store holds: profiles, raw and hourly rows,\n"
	  "frame and stack dictionary sizes, bytes and the days stored.",
	  admin_samples_status },
	{ "samples", "prune", "",
	  "Drop whole days past retention: raw samples older than\n"
	  "samples.retention_days, the hourly rollup and profile records older\n"
	  "than samples.rollup_retention_days.",
	  admin_samples_prune },
	{ "samples", "reindex", "--since TIME [--service NAME]",
	  "Index again the stored raw profiles whose start time is at or after\n"
	  "TIME (ISO 8601): each one's rows are removed and rewritten, so the\n"
	  "command can be repeated.",
	  admin_samples_reindex },
};

/* Print the top-level usage on f. */
static void
admin_print_usage(FILE *f)
{
	const char *group = "";
	size_t i;

	fprintf(f,
		"usage: ember-admin [-c FILE] [--sql-dir DIR] GROUP COMMAND [ARGS...]\n"
		"       ember-admin GROUP COMMAND --help\n"
		"\n"
		"  -c FILE        service configuration (default $EMBER_CONFIG, else\n"
		"                 " EMBER_SYSCONFDIR "/ember.ini if it exists, else defaults;\n"
		"                 EMBER_DB_* and GPROFILER_POSTGRES_* override it)\n"
		"  --sql-dir DIR  migration files (default " EMBER_DATADIR "/sql if it\n"
		"                 exists, else ./sql)\n"
		"\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(admin_cmds); i++) {
		if (strcmp(group, admin_cmds[i].group) != 0 && i > 0)
			fputc('\n', f);
		group = admin_cmds[i].group;
		fprintf(f, "  %s %s%s%s\n", admin_cmds[i].group, admin_cmds[i].name,
			*admin_cmds[i].args ? " " : "", admin_cmds[i].args);
	}
}

/* Print one command's usage line (and its help when full). */
static void
admin_print_cmd(FILE *f, const struct admin_cmd *c, bool full)
{
	fprintf(f, "usage: ember-admin %s %s%s%s\n", c->group, c->name,
		*c->args ? " " : "", c->args);
	if (full)
		fprintf(f, "\n%s\n", c->help);
}

/* Print "ember-admin: MESSAGE" and return ADMIN_FAIL. */
int
admin_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("ember-admin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ADMIN_FAIL;
}

/* Print a usage error for the running command and return ADMIN_USAGE. */
int
admin_usage(const struct admin_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ember-admin %s %s: ", ctx->cmd->group, ctx->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	admin_print_cmd(stderr, ctx->cmd, false);
	return ADMIN_USAGE;
}

/* Report a failed statement with the server's text. */
int
admin_db_fail(struct admin_ctx *ctx, const char *what, int err)
{
	const char *msg = ctx->db ? db_errmsg(ctx->db) : "";

	if (strstr(msg, "[42P01]") || strstr(msg, "[42704]"))
		return admin_fail("%s: %s (is the schema migrated? run: ember-admin migrate up)",
			what, msg);
	return admin_fail("%s: %s (%s)", what, msg, err_str(err));
}

/* Parse a decimal number within [min, max]. */
bool
admin_parse_ulong(const char *s, unsigned long min, unsigned long max,
	unsigned long *out)
{
	uint64_t v;

	if (num_u64(s, max, &v) != E_OK || v < min)
		return false;
	*out = (unsigned long)v;
	return true;
}

/* Require exactly one positional argument and no options; *arg gets it. */
int
admin_one_arg(struct admin_ctx *ctx, int argc, char **argv, const char *what,
	const char **arg)
{
	int i;
	int n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			n += argc - i - 1;
			if (i + 1 < argc)
				*arg = argv[i + 1];
			break;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return admin_usage(ctx, "unknown option '%s'", argv[i]);
		*arg = argv[i];
		n++;
	}
	if (n == 0)
		return admin_usage(ctx, "missing %s", what);
	if (n > 1)
		return admin_usage(ctx, "too many arguments");
	return ADMIN_OK;
}

/* Require no arguments at all. */
int
admin_no_args(struct admin_ctx *ctx, int argc, char **argv)
{
	if (argc > 1)
		return admin_usage(ctx, "unexpected argument '%s'", argv[1]);
	return ADMIN_OK;
}

/* Whether path names an existing file or directory. */
static bool
admin_exists(const char *path, bool dir)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return false;
	return dir ? S_ISDIR(st.st_mode) : true;
}

/* Load the configuration on first use. */
const struct cfg *
admin_cfg(struct admin_ctx *ctx)
{
	char err[512];
	const char *path = ctx->config_path;

	if (ctx->cfg_loaded)
		return &ctx->cfg;
	if (!path || !*path)
		path = getenv("EMBER_CONFIG");
	if (!path || !*path)
		path = admin_exists(EMBER_SYSCONFDIR "/ember.ini", false) ?
			EMBER_SYSCONFDIR "/ember.ini" : NULL;
	err[0] = '\0';
	if (cfg_load(&ctx->cfg, path, err, sizeof(err)) != E_OK) {
		admin_fail("configuration%s%s: %s", path ? " " : "", path ? path : "", err);
		return NULL;
	}
	ctx->cfg_loaded = true;
	return &ctx->cfg;
}

/* Connect to the database on first use. */
struct db *
admin_db(struct admin_ctx *ctx)
{
	const struct cfg *cfg;
	char err[512];

	if (ctx->db)
		return ctx->db;
	cfg = admin_cfg(ctx);
	if (!cfg)
		return NULL;
	err[0] = '\0';
	if (db_open(&cfg->db, &ctx->db, err, sizeof(err)) != E_OK) {
		admin_fail("database %s@%s:%u/%s: %s", cfg->db.user, cfg->db.host,
			cfg->db.port, cfg->db.dbname, err);
		return NULL;
	}
	return ctx->db;
}

/* Whether args (before a "--") ask for help. */
static bool
admin_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

/* Print the commands of one group. */
static void
admin_print_group(FILE *f, const char *group)
{
	size_t i;

	fprintf(f, "usage: ember-admin %s COMMAND [ARGS...]\n\ncommands:\n", group);
	for (i = 0; i < ARRAY_SIZE(admin_cmds); i++) {
		if (strcmp(admin_cmds[i].group, group) == 0)
			fprintf(f, "  %s %s%s%s\n", admin_cmds[i].group, admin_cmds[i].name,
				*admin_cmds[i].args ? " " : "", admin_cmds[i].args);
	}
}

/* Find and run the command named by argv[0] (group) and argv[1]. */
static int
admin_dispatch(struct admin_ctx *ctx, int argc, char **argv)
{
	bool group_known = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(admin_cmds); i++) {
		if (strcmp(admin_cmds[i].group, argv[0]) == 0)
			group_known = true;
	}
	if (!group_known) {
		fprintf(stderr, "ember-admin: unknown command group '%s'\n", argv[0]);
		admin_print_usage(stderr);
		return ADMIN_USAGE;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		admin_print_group(argc < 2 ? stderr : stdout, argv[0]);
		return argc < 2 ? ADMIN_USAGE : ADMIN_OK;
	}
	for (i = 0; i < ARRAY_SIZE(admin_cmds); i++) {
		if (strcmp(admin_cmds[i].group, argv[0]) != 0 ||
		    strcmp(admin_cmds[i].name, argv[1]) != 0)
			continue;
		ctx->cmd = &admin_cmds[i];
		if (admin_wants_help(argc - 1, argv + 1)) {
			admin_print_cmd(stdout, ctx->cmd, true);
			return ADMIN_OK;
		}
		optind = 0;
		opterr = 0;
		return ctx->cmd->fn(ctx, argc - 1, argv + 1);
	}
	fprintf(stderr, "ember-admin: unknown command '%s %s'\n", argv[0], argv[1]);
	admin_print_group(stderr, argv[0]);
	return ADMIN_USAGE;
}

/* Parse the global options, run one command, clean up. */
int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "sql-dir", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct admin_ctx ctx;
	int c;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx.config_path = optarg;
			break;
		case 'S':
			ctx.sql_dir = optarg;
			break;
		case 'h':
			admin_print_usage(stdout);
			return ADMIN_OK;
		case 'V':
			printf("ember-admin %s\n", PACKAGE_VERSION);
			return ADMIN_OK;
		default:
			fprintf(stderr, "ember-admin: bad option '%s'\n", argv[optind - 1]);
			admin_print_usage(stderr);
			return ADMIN_USAGE;
		}
	}
	if (optind >= argc) {
		admin_print_usage(stderr);
		return ADMIN_USAGE;
	}
	if (!ctx.sql_dir)
		ctx.sql_dir = admin_exists(EMBER_DATADIR "/sql", true) ?
			EMBER_DATADIR "/sql" : "sql";
	rc = admin_dispatch(&ctx, argc - optind, argv + optind);
	db_free(ctx.db);
	if (ctx.cfg_loaded)
		cfg_release(&ctx.cfg);
	return rc;
}
