/*
 * test_cfg.c - the INI reader, every error path with its location,
 * environment overrides and aliases, validation, conninfo quoting, and
 * conf/ember.ini staying in sync with the option table.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "cfg.h"

extern char **environ;

/* Remove every variable cfg_load() looks at, so tests start clean. */
static int
clear_env(void **state)
{
	static const char *const prefixes[] = { "EMBER_", "GPROFILER_", "AWS_" };
	char name[256];
	size_t i;
	size_t n;
	bool again = true;

	while (again) {
		again = false;
		for (i = 0; environ[i]; i++) {
			for (n = 0; n < ARRAY_SIZE(prefixes); n++) {
				if (strncmp(environ[i], prefixes[n], strlen(prefixes[n])) != 0)
					continue;
				snprintf(name, sizeof(name), "%.*s",
					(int)strcspn(environ[i], "="), environ[i]);
				unsetenv(name);
				again = true;
				break;
			}
			if (again)
				break;
		}
	}
	return 0;
}

/* Load text, asserting success. */
static void
load_ok(struct cfg *c, const char *text)
{
	char err[256] = "";
	int rc = cfg_load_string(c, text, strlen(text), err, sizeof(err));

	if (rc)
		fail_msg("unexpected error: %s", err);
}

/* Load text, asserting E_CONFIG with a message containing want. */
static void
load_bad(const char *text, const char *want)
{
	struct cfg c;
	char err[256] = "";

	assert_int_equal(cfg_load_string(&c, text, strlen(text), err, sizeof(err)), E_CONFIG);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", err, want);
	/* Released: every string pointer is NULL. */
	assert_null(c.db.host);
	assert_null(c.log.level);
}

static void
test_defaults(void **state)
{
	struct cfg c;

	load_ok(&c, "");
	assert_string_equal(c.log.level, "info");
	assert_string_equal(c.log.file, "");
	assert_string_equal(c.db.host, "127.0.0.1");
	assert_int_equal(c.db.port, 5432);
	assert_string_equal(c.db.user, "ember");
	assert_string_equal(c.db.password, "");
	assert_string_equal(c.db.dbname, "ember");
	assert_string_equal(c.db.sslmode, "prefer");
	assert_int_equal(c.db.connect_timeout, 5);
	assert_int_equal(c.store.backend, CFG_STORE_FS);
	assert_string_equal(c.store.fs_root, "/var/lib/ember/objects");
	assert_string_equal(c.store.s3.region, "us-east-1");
	assert_string_equal(c.store.s3.bucket, "gprofiler");
	assert_false(c.store.s3.path_style);
	assert_int_equal(c.store.s3.timeout_ms, 30000);
	assert_int_equal(c.store.s3.retries, 4);
	assert_int_equal(c.store.s3.parallel, 16);
	assert_int_equal(c.queue.backend, CFG_QUEUE_PG);
	assert_string_equal(c.queue.name, "indexer");
	assert_int_equal(c.queue.visibility, 60);
	assert_int_equal(c.queue.wait, 10);
	assert_int_equal(c.queue.max_receives, 5);
	assert_int_equal(c.queue.batch, 10);
	assert_string_equal(c.queue.sqs.queue_url, "");
	assert_int_equal(c.queue.sqs.timeout_ms, 30000);
	assert_string_equal(c.fcgi.socket, "");
	assert_int_equal(c.fcgi.children, 4);
	assert_int_equal(c.fcgi.max_requests, 10000);
	assert_int_equal(c.fcgi.max_body, 4 << 20);
	assert_int_equal(c.fcgi.max_gunzip, 64 << 20);
	assert_int_equal(c.fcgi.max_json, 1 << 20);
	assert_int_equal(c.fcgi.max_logs, 256 << 10);
	assert_int_equal(c.fcgi.agent_auth, CFG_AUTH_REQUIRED);
	assert_true(c.fcgi.require_remote_user);	/* fails closed */
	assert_int_equal(c.fcgi.list_limit, 500);
	assert_int_equal(c.fcgi.list_max, 5000);
	assert_int_equal(c.fcgi.active_window, 600);
	assert_int_equal(c.workers.count, 2);
	assert_int_equal(c.workers.job_timeout, 120);
	assert_int_equal(c.workers.max_object, 25 << 20);
	assert_int_equal(c.workers.max_gunzip, 256 << 20);
	assert_int_equal(c.workers.max_header, 64 << 20);
	assert_string_equal(c.workers.status_file, "/run/ember/workers.json");
	assert_int_equal(c.workers.status_interval, 10);
	assert_int_equal(c.workers.respawn_min, 1);
	assert_int_equal(c.workers.shutdown_timeout, 30);
	assert_int_equal(c.workers.retry_base, 5);
	assert_int_equal(c.workers.retry_max, 300);
	cfg_release(&c);
	assert_null(c.db.host);
	cfg_release(&c);	/* twice is harmless */
}

static void
test_syntax(void **state)
{
	struct cfg c;

	load_ok(&c,
		"# comment\n"
		"; another comment\n"
		"\n"
		"   [db]   # section comment\n"
		"host=db.example\n"
		"  port   =   6543   \n"
		"user = \"a b # not a comment\"\n"
		"password = \"q\\\"uote\\\\d\" ; comment after quotes\n"
		"dbname = name#hash ; trailing comment\n"
		"[ fcgi ]\r\n"
		"max_body = 8M\r\n"
		"max_json = 512k\n"
		"max_logs = 3K\n"
		"max_gunzip = 1G\n"
		"require_remote_user = YES\n"
		"agent_auth = off\n"
		"[log]\n"
		"file = \n"
		"level = debug");	/* no final newline */
	assert_string_equal(c.db.host, "db.example");
	assert_int_equal(c.db.port, 6543);
	assert_string_equal(c.db.user, "a b # not a comment");
	assert_string_equal(c.db.password, "q\"uote\\d");
	assert_string_equal(c.db.dbname, "name#hash");
	assert_int_equal(c.fcgi.max_body, 8 << 20);
	assert_int_equal(c.fcgi.max_json, 512 << 10);
	assert_int_equal(c.fcgi.max_logs, 3 << 10);
	assert_int_equal(c.fcgi.max_gunzip, 1 << 30);
	assert_true(c.fcgi.require_remote_user);
	assert_int_equal(c.fcgi.agent_auth, CFG_AUTH_OFF);
	assert_string_equal(c.log.file, "");
	assert_string_equal(c.log.level, "debug");
	cfg_release(&c);

	load_ok(&c, "[s3]\nendpoint = http://127.0.0.1:9000\n[store]\nbackend = s3\n"
		"[queue]\nbackend = sqs\n[sqs]\nqueue_url = http://127.0.0.1:9324/q\n");
	assert_int_equal(c.store.backend, CFG_STORE_S3);
	assert_true(c.store.s3.path_style);	/* derived from endpoint */
	assert_int_equal(c.queue.backend, CFG_QUEUE_SQS);
	assert_string_equal(c.queue.sqs.queue_url, "http://127.0.0.1:9324/q");
	cfg_release(&c);
	load_ok(&c, "[s3]\nendpoint = http://x\npath_style = off\n");
	assert_false(c.store.s3.path_style);	/* explicit wins */
	cfg_release(&c);
}

static void
test_errors_name_the_line(void **state)
{
	load_bad("[nope]\n", "(string):1: unknown section [nope]");
	load_bad("\n\n[db]\nhots = x\n", "(string):4: unknown key 'db.hots'");
	load_bad("port = 1\n", "(string):1: key 'port' outside a section");
	load_bad("[db]\nport\n", "(string):2: expected 'key = value'");
	load_bad("[db]\n = 5\n", "(string):2: missing key name");
	load_bad("[db]\nPort = 5\n", "invalid key name");
	load_bad("[db\n", "(string):1: malformed section header");
	load_bad("[db] x\n", "malformed section header");
	load_bad("[db]\nport = 5432x\n", "(string):2: db.port: '5432x' is not a non-negative integer");
	load_bad("[db]\nport = -1\n", "db.port");
	load_bad("[db]\nport = 70000\n", "db.port: 70000 out of range 1..65535");
	load_bad("[db]\nport = 0\n", "out of range");
	load_bad("[db]\nport = 99999999999999999999999\n", "not a non-negative integer");
	load_bad("[db]\nport =\n", "db.port");
	load_bad("[db]\nsslmode = maybe\n", "db.sslmode: invalid value 'maybe'");
	load_bad("[db]\npassword = \"open\n", "(string):2: db.password: unterminated quoted value");
	load_bad("[db]\nuser = \"a\" b\n", "text after the closing quote");
	load_bad("[db]\nport = 1\n[db]\nport = 2\n", "(string):4: duplicate key 'db.port' (first set on line 2)");
	load_bad("[fcgi]\nmax_body = 4T\n", "max_body: '4T' is not a size");
	load_bad("[fcgi]\nmax_body = 4 M\n", "not a size");
	load_bad("[fcgi]\nmax_body = 0\n", "out of range");
	load_bad("[fcgi]\nmax_body = 99999999999G\n", "max_body");
	load_bad("[fcgi]\nrequire_remote_user = maybe\n", "not a boolean");
	load_bad("[fcgi]\nagent_auth = optional\n", "fcgi.agent_auth: invalid value 'optional'");
	load_bad("[store]\nbackend = gcs\n", "store.backend: invalid value 'gcs'");
	load_bad("[log]\nlevel = verbose\n", "log.level");
	load_bad("[workers]\ncount = 0\n", "workers.count: 0 out of range");
	load_bad("[fcgi]\nchildren = 0\n", "fcgi.children");
	load_bad("[queue]\nbatch = 0\n", "queue.batch");
}

static void
test_nul_byte(void **state)
{
	struct cfg c;
	char err[256];

	assert_int_equal(cfg_load_string(&c, "[db]\nhost = a\0b\n", 16, err, sizeof(err)),
		E_CONFIG);
	assert_non_null(strstr(err, "NUL byte"));
}

static void
test_validation(void **state)
{
	load_bad("[queue]\nbackend = sqs\n", "(string):2: queue.backend = sqs requires sqs.queue_url");
	load_bad("[queue]\nbackend = sqs\nwait = 20\n[sqs]\nqueue_url = http://q\ntimeout_ms = 20000\n",
		"(string):6: sqs.timeout_ms (20000) must exceed queue.wait (20 s)");
	load_bad("[queue]\nbackend = sqs\nwait = 21\n[sqs]\nqueue_url = http://q\n",
		"queue.wait must be at most 20");
	load_bad("[queue]\nbackend = sqs\nbatch = 11\n[sqs]\nqueue_url = http://q\n",
		"queue.batch must be at most 10");
	load_bad("[queue]\nname = \"bad name\"\n", "queue.name");
	load_bad("[fcgi]\nlist_limit = 6000\n", "fcgi.list_limit (6000) must not exceed fcgi.list_max (5000)");
	load_bad("[workers]\nretry_base = 400\n", "workers.retry_base");
	load_bad("[workers]\nmax_header = 300M\n", "workers.max_header");
	load_bad("[store]\nfs_root = \"\"\n", "store.fs_root must not be empty");
	load_bad("[store]\nbackend = s3\n[s3]\nbucket = \"\"\n", "s3.bucket");
}

static void
test_env_overrides(void **state)
{
	struct cfg c;
	char err[256];

	setenv("EMBER_DB_PORT", "7000", 1);
	setenv("EMBER_DB_PASSWORD", "", 1);
	setenv("EMBER_STORE_FS_ROOT", "/tmp/objs", 1);
	setenv("EMBER_S3_ENDPOINT", "http://127.0.0.1:1", 1);
	setenv("EMBER_QUEUE_BACKEND", "sqs", 1);
	setenv("EMBER_SQS_QUEUE_URL", "http://127.0.0.1:2/q", 1);
	setenv("EMBER_FCGI_MAX_BODY", "8M", 1);
	setenv("EMBER_FCGI_REQUIRE_REMOTE_USER", "false", 1);
	setenv("EMBER_WORKERS_STATUS_FILE", "", 1);
	load_ok(&c, "[db]\nport = 6000\npassword = secret\n");
	assert_int_equal(c.db.port, 7000);		/* env wins over the file */
	assert_string_equal(c.db.password, "");	/* empty env is a value */
	assert_string_equal(c.store.fs_root, "/tmp/objs");
	assert_string_equal(c.store.s3.endpoint, "http://127.0.0.1:1");
	assert_true(c.store.s3.path_style);
	assert_int_equal(c.queue.backend, CFG_QUEUE_SQS);
	assert_string_equal(c.queue.sqs.queue_url, "http://127.0.0.1:2/q");
	assert_int_equal(c.fcgi.max_body, 8 << 20);
	assert_false(c.fcgi.require_remote_user);
	assert_string_equal(c.workers.status_file, "");
	cfg_release(&c);

	/* A bad value names the variable. */
	setenv("EMBER_WORKERS_COUNT", "many", 1);
	assert_int_equal(cfg_load_string(&c, "", 0, err, sizeof(err)), E_CONFIG);
	assert_non_null(strstr(err, "environment EMBER_WORKERS_COUNT: workers.count"));
	unsetenv("EMBER_WORKERS_COUNT");
	/* Validation points at the variable that set the value. */
	unsetenv("EMBER_SQS_QUEUE_URL");
	assert_int_equal(cfg_load_string(&c, "", 0, err, sizeof(err)), E_CONFIG);
	assert_non_null(strstr(err, "environment EMBER_QUEUE_BACKEND: queue.backend = sqs requires"));
	clear_env(NULL);
}

static void
test_gprofiler_aliases(void **state)
{
	struct cfg c;

	setenv("GPROFILER_POSTGRES_HOST", "pg.example", 1);
	setenv("GPROFILER_POSTGRES_PORT", "5433", 1);
	setenv("GPROFILER_POSTGRES_USERNAME", "gprofiler", 1);
	setenv("GPROFILER_POSTGRES_PASSWORD", "pw", 1);
	setenv("GPROFILER_POSTGRES_DB_NAME", "gprofiler_db", 1);
	load_ok(&c, "[db]\nhost = file.example\n");
	assert_string_equal(c.db.host, "pg.example");	/* alias beats the file */
	assert_int_equal(c.db.port, 5433);
	assert_string_equal(c.db.user, "gprofiler");
	assert_string_equal(c.db.password, "pw");
	assert_string_equal(c.db.dbname, "gprofiler_db");
	cfg_release(&c);
	/* The short spellings, and EMBER_* beats the alias. */
	clear_env(NULL);
	setenv("GPROFILER_POSTGRES_USER", "u2", 1);
	setenv("GPROFILER_POSTGRES_DB", "d2", 1);
	setenv("GPROFILER_POSTGRES_HOST", "pg.example", 1);
	setenv("EMBER_DB_HOST", "ember.example", 1);
	load_ok(&c, "");
	assert_string_equal(c.db.user, "u2");
	assert_string_equal(c.db.dbname, "d2");
	assert_string_equal(c.db.host, "ember.example");
	cfg_release(&c);
	clear_env(NULL);
}

static void
test_aws_env(void **state)
{
	struct cfg c;

	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SESSION_TOKEN", "tokenenv", 1);
	setenv("AWS_REGION", "eu-west-1", 1);
	load_ok(&c, "[sqs]\naccess_key = AKIDFILE\nsecret_key = secretfile\nregion = us-west-2\n");
	assert_string_equal(c.store.s3.access_key, "AKIDENV");
	assert_string_equal(c.store.s3.secret_key, "secretenv");
	assert_string_equal(c.store.s3.session_token, "tokenenv");
	assert_string_equal(c.store.s3.region, "eu-west-1");
	/* The file's key is kept and never paired with the env token. */
	assert_string_equal(c.queue.sqs.access_key, "AKIDFILE");
	assert_string_equal(c.queue.sqs.secret_key, "secretfile");
	assert_string_equal(c.queue.sqs.session_token, "");
	assert_string_equal(c.queue.sqs.region, "us-west-2");
	cfg_release(&c);
	unsetenv("AWS_REGION");
	setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
	setenv("EMBER_S3_REGION", "ca-central-1", 1);
	load_ok(&c, "");
	assert_string_equal(c.store.s3.region, "ca-central-1");
	assert_string_equal(c.queue.sqs.region, "ap-south-1");
	cfg_release(&c);
	clear_env(NULL);
}

static void
test_conninfo(void **state)
{
	struct cfg c;
	char *ci;

	load_ok(&c, "[db]\nhost = /var/run/postgresql\nuser = o'neil\n"
		"password = \"a\\\\b' c\"\ndbname = ember\nsslmode = disable\n");
	ci = cfg_db_conninfo(&c.db);
	assert_string_equal(ci,
		"host='/var/run/postgresql' port='5432' user='o\\'neil' "
		"password='a\\\\b\\' c' dbname='ember' sslmode='disable' "
		"connect_timeout='5' fallback_application_name='ember'");
	free(ci);
	cfg_release(&c);
	load_ok(&c, "[db]\nhost = \"\"\n");
	ci = cfg_db_conninfo(&c.db);
	/* Empty host and password are left to libpq's defaults. */
	assert_null(strstr(ci, "host="));
	assert_null(strstr(ci, "password="));
	free(ci);
	cfg_release(&c);
}

static void
test_keys_and_restart(void **state)
{
	struct cfg a;
	struct cfg b;
	size_t i;
	size_t restart = 0;

	assert_int_equal(cfg_key_count(), 88);
	assert_string_equal(cfg_key_name(0), "log.level");
	assert_null(cfg_key_name(cfg_key_count()));
	for (i = 0; i < cfg_key_count(); i++)
		restart += cfg_key_restart(i);
	assert_true(restart > 0 && restart < cfg_key_count());
	assert_false(cfg_key_restart(cfg_key_count()));
	load_ok(&a, "");
	load_ok(&b, "[workers]\ncount = 8\n[log]\nlevel = debug\n");
	assert_null(cfg_restart_diff(&a, &b));	/* reloadable */
	cfg_release(&b);
	load_ok(&b, "[store]\nfs_root = /elsewhere\n");
	assert_string_equal(cfg_restart_diff(&a, &b), "store.fs_root");
	cfg_release(&b);
	cfg_release(&a);
}

/* The text of conf/NAME. */
static char *
read_conf(const char *name)
{
	char path[512];
	struct buf b = BUF_INIT(0);
	char chunk[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/conf/%s", EMBER_SRCDIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_add(&b, chunk, n), E_OK);
	fclose(f);
	return buf_detach(&b, NULL);
}

/* True when every field of a and b is the same. */
static void
assert_same_cfg(const struct cfg *a, const struct cfg *b)
{
#define STR(f) assert_string_equal(a->f, b->f)
#define NUM(f) assert_true(a->f == b->f)
	STR(log.level); STR(log.file);
	STR(db.host); NUM(db.port); STR(db.user); STR(db.password); STR(db.dbname);
	STR(db.sslmode); NUM(db.connect_timeout);
	NUM(store.backend); STR(store.fs_root);
	STR(store.s3.endpoint); STR(store.s3.region); STR(store.s3.bucket);
	NUM(store.s3.path_style); STR(store.s3.access_key); STR(store.s3.secret_key);
	STR(store.s3.session_token); NUM(store.s3.timeout_ms); NUM(store.s3.retries);
	NUM(store.s3.parallel);
	NUM(queue.backend); STR(queue.name); NUM(queue.visibility); NUM(queue.wait);
	NUM(queue.max_receives); NUM(queue.batch);
	STR(queue.sqs.endpoint); STR(queue.sqs.region); STR(queue.sqs.queue_url);
	STR(queue.sqs.dlq_url); STR(queue.sqs.access_key); STR(queue.sqs.secret_key);
	STR(queue.sqs.session_token); NUM(queue.sqs.timeout_ms); NUM(queue.sqs.retries);
	STR(fcgi.socket); NUM(fcgi.children); NUM(fcgi.max_requests); NUM(fcgi.max_body);
	NUM(fcgi.max_gunzip); NUM(fcgi.max_json); NUM(fcgi.max_logs); NUM(fcgi.max_html);
	NUM(fcgi.agent_auth); NUM(fcgi.require_remote_user); NUM(fcgi.list_limit);
	NUM(fcgi.list_max); NUM(fcgi.active_window);
	NUM(fcgi.respawn_min); NUM(fcgi.respawn_max); NUM(fcgi.shutdown_timeout);
	NUM(workers.count); NUM(workers.job_timeout); NUM(workers.max_object);
	NUM(workers.max_gunzip); NUM(workers.max_header); NUM(workers.max_html);
	STR(workers.status_file);
	NUM(workers.status_interval); NUM(workers.respawn_min);
	NUM(workers.respawn_max);
	NUM(workers.shutdown_timeout); NUM(workers.retry_base); NUM(workers.retry_max);
#undef STR
#undef NUM
}

static void
test_ember_ini_documents_every_key(void **state)
{
	char *text = read_conf("ember.ini");
	char path[512];
	char err[256] = "";
	char want[128];
	char sect[32];
	const char *name;
	const char *dot;
	const char *start;
	const char *end;
	const char *hit;
	struct cfg c;
	struct cfg def;
	struct buf on = BUF_INIT(0);
	const char *p;
	size_t i;

	for (i = 0; i < cfg_key_count(); i++) {
		name = cfg_key_name(i);
		dot = strchr(name, '.');
		snprintf(sect, sizeof(sect), "\n[%.*s]\n", (int)(dot - name), name);
		start = strstr(text, sect);
		if (start == NULL) {
			fail_msg("conf/ember.ini has no section for %s", name);
			return;
		}
		end = strstr(start + 1, "\n[");
		if (end == NULL)
			end = text + strlen(text);
		/* ";key = " (the default, commented) inside its section */
		snprintf(want, sizeof(want), "\n;%s = ", dot + 1);
		hit = strstr(start, want);
		if (hit == NULL || hit > end)
			fail_msg("conf/ember.ini does not document %s", name);
		/* ... and its environment variable. */
		snprintf(want, sizeof(want), "EMBER_");
		for (p = name; *p; p++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%c",
				*p == '.' ? '_' : *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		if (strstr(text, want) == NULL)
			fail_msg("conf/ember.ini does not name %s", want);
	}
	/* It loads as is. */
	snprintf(path, sizeof(path), "%s/conf/ember.ini", EMBER_SRCDIR);
	if (cfg_load(&c, path, err, sizeof(err)))
		fail_msg("conf/ember.ini: %s", err);
	cfg_release(&c);
	/* With every default uncommented it loads to exactly the defaults. */
	for (p = text; *p; p++) {
		if (*p == ';' && (p == text || p[-1] == '\n') && p[1] >= 'a' && p[1] <= 'z')
			continue;
		assert_int_equal(buf_addch(&on, *p), E_OK);
	}
	if (cfg_load_string(&c, on.data, on.len, err, sizeof(err)))
		fail_msg("uncommented conf/ember.ini: %s", err);
	load_ok(&def, "");
	assert_same_cfg(&c, &def);
	cfg_release(&c);
	cfg_release(&def);
	buf_release(&on);
	free(text);
}

static void
test_minimal_ini_and_files(void **state)
{
	struct cfg c;
	char path[512];
	char err[256];

	snprintf(path, sizeof(path), "%s/conf/ember-minimal.ini", EMBER_SRCDIR);
	if (cfg_load(&c, path, err, sizeof(err)))
		fail_msg("conf/ember-minimal.ini: %s", err);
	cfg_release(&c);
	assert_int_equal(cfg_load(&c, "/nonexistent/ember.ini", err, sizeof(err)), E_CONFIG);
	assert_non_null(strstr(err, "/nonexistent/ember.ini: cannot open"));
	assert_null(c.db.host);
	/* A directory cannot be read as a file. */
	assert_int_equal(cfg_load(&c, "/", err, sizeof(err)), E_CONFIG);
	/* No file: defaults plus environment. */
	assert_int_equal(cfg_load(&c, NULL, err, sizeof(err)), E_OK);
	assert_string_equal(c.db.host, "127.0.0.1");
	cfg_release(&c);
	/* err may be NULL. */
	assert_int_equal(cfg_load_string(&c, "[x]", 3, NULL, 0), E_CONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, clear_env),
		cmocka_unit_test_setup(test_syntax, clear_env),
		cmocka_unit_test_setup(test_errors_name_the_line, clear_env),
		cmocka_unit_test_setup(test_nul_byte, clear_env),
		cmocka_unit_test_setup(test_validation, clear_env),
		cmocka_unit_test_setup(test_env_overrides, clear_env),
		cmocka_unit_test_setup(test_gprofiler_aliases, clear_env),
		cmocka_unit_test_setup(test_aws_env, clear_env),
		cmocka_unit_test_setup(test_conninfo, clear_env),
		cmocka_unit_test_setup(test_keys_and_restart, clear_env),
		cmocka_unit_test_setup(test_ember_ini_documents_every_key, clear_env),
		cmocka_unit_test_setup(test_minimal_ini_and_files, clear_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
