/*
 * cfg.h - the service's configuration: one INI file, one option table.
 *
 * File format (documented in conf/ember.ini, which lists every key):
 *
 *     # comment            ; comment
 *     [section]
 *     key = value          # values may be "double quoted"
 *
 * Every key `section.name` can be overridden by the environment variable
 * EMBER_SECTION_NAME (upper case, dots to underscores); the environment
 * wins over the file.  The upstream indexer's variables are honoured too:
 * GPROFILER_POSTGRES_HOST, _PORT, _USER (or _USERNAME), _PASSWORD,
 * _DB (or _DB_NAME), and the AWS ones (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION) for the S3/SQS
 * credentials when the file leaves them empty.  Precedence, lowest
 * first: defaults < file < GPROFILER_POSTGRES_* < EMBER_*; then AWS_*
 * fill only what is still empty (regions: still at the default).
 *
 * cfg_load() validates everything and fails on any unknown key, bad value
 * or missing required key, with a message naming the file, line and key.
 * On SIGHUP a process loads into a new struct and swaps only on success.
 */
#ifndef EMBER_CFG_H
#define EMBER_CFG_H

#include "compat.h"

#include "err.h"

enum cfg_store_backend { CFG_STORE_FS = 0, CFG_STORE_S3 };
enum cfg_queue_backend { CFG_QUEUE_PG = 0, CFG_QUEUE_SQS };
enum cfg_agent_auth { CFG_AUTH_REQUIRED = 0, CFG_AUTH_OFF };
enum cfg_samples_backend { CFG_SMP_PG = 0, CFG_SMP_CLICKHOUSE };

struct cfg_log {
	char *level;		/* error|warn|info|debug, default info */
	char *file;		/* "" = stderr */
};

struct cfg_db {
	char *host;		/* default 127.0.0.1 */
	unsigned port;		/* default 5432 */
	char *user;		/* default ember */
	char *password;		/* default "" */
	char *dbname;		/* default ember */
	char *sslmode;		/* default prefer */
	unsigned connect_timeout;	/* seconds, default 5 */
};

struct cfg_s3 {
	char *endpoint;		/* "" = https://s3.{region}.amazonaws.com */
	char *region;		/* default us-east-1 */
	char *bucket;		/* default gprofiler */
	bool path_style;	/* default true when endpoint is set */
	char *access_key;	/* "" = AWS_ACCESS_KEY_ID */
	char *secret_key;	/* "" = AWS_SECRET_ACCESS_KEY */
	char *session_token;	/* "" = AWS_SESSION_TOKEN */
	unsigned timeout_ms;	/* per request, default 30000 */
	unsigned retries;	/* default 4 */
	unsigned parallel;	/* exists-for-many parallelism, default 16 */
};

struct cfg_store {
	enum cfg_store_backend backend;	/* fs (default) | s3 */
	char *fs_root;		/* default /var/lib/ember/objects */
	struct cfg_s3 s3;
};

struct cfg_sqs {
	char *endpoint;		/* "" = https://sqs.{region}.amazonaws.com */
	char *region;		/* default us-east-1 */
	char *queue_url;	/* required with backend sqs */
	char *dlq_url;		/* "" = dead letters are only logged + kept in pg table */
	char *access_key;
	char *secret_key;
	char *session_token;
	unsigned timeout_ms;	/* default 30000 (must exceed wait) */
	unsigned retries;	/* default 4 */
};

struct cfg_queue {
	enum cfg_queue_backend backend;	/* pg (default) | sqs */
	char *name;		/* pg queue name, default indexer */
	unsigned visibility;	/* seconds, default 60 */
	unsigned wait;		/* long-poll seconds, default 10 */
	unsigned max_receives;	/* then dead-letter, default 5 */
	unsigned batch;		/* receive batch, default 10 */
	struct cfg_sqs sqs;
};

struct cfg_fcgi {
	char *socket;		/* "" = accept on fd 0; else unix path or host:port */
	unsigned children;	/* prefork count with -s, default 4 */
	unsigned max_requests;	/* recycle a child after N, default 10000 */
	size_t max_body;	/* compressed upload cap, default 4 MiB */
	size_t max_gunzip;	/* decompressed cap, default 64 MiB */
	size_t max_json;	/* JSON body cap (heartbeat etc.), default 1 MiB */
	size_t max_logs;	/* /api/v1/logs kept per request, default 256 KiB */
	size_t max_html;	/* a profile's flamegraph HTML (decoded), default 16 MiB */
	enum cfg_agent_auth agent_auth;	/* required (default) | off */
	bool require_remote_user;	/* operator endpoints need REMOTE_USER */
	bool x_sendfile;	/* the front server sends local files (X-Sendfile) */
	unsigned list_limit;	/* default page size of the ad hoc list, 500 */
	unsigned list_max;	/* largest page, 5000 */
	unsigned active_window;	/* seconds a heartbeat keeps a host active, 600 */
	bool heartbeat_sync;	/* heartbeats wait for the WAL flush, default off */
	char *allowed_origins;	/* origins (scheme://host[:port]) besides our own
				 * Host that may send operator writes, space or
				 * comma separated; "" = none */
	unsigned respawn_min;	/* prefork: quicker deaths back off, s, default 1 */
	unsigned respawn_max;	/* prefork: largest back-off, s, default 30 */
	unsigned shutdown_timeout;	/* prefork: SIGTERM to SIGKILL, s, default 10 */
};

struct cfg_workers {
	unsigned count;		/* pool size, default 2 */
	unsigned job_timeout;	/* seconds per job, default 120 */
	size_t max_object;	/* raw .gz object cap, default 25 MiB */
	size_t max_gunzip;	/* decompressed profile cap, default 256 MiB */
	size_t max_header;	/* header line cap, default 64 MiB */
	size_t max_html;	/* flamegraph HTML cap (decoded), default 16 MiB */
	char *status_file;	/* machine-readable status, default /run/ember/workers.json */
	unsigned status_interval;	/* seconds between log lines/status, default 10 */
	unsigned respawn_min;	/* seconds, default 1 */
	unsigned respawn_max;	/* largest respawn back-off, s, default 60 */
	unsigned shutdown_timeout;	/* seconds, default 30 */
	unsigned retry_base;	/* first retry delay seconds, default 5 */
	unsigned retry_max;	/* cap on retry delay seconds, default 300 */
};

struct cfg_clickhouse {
	char *url;		/* HTTP interface, default http://127.0.0.1:8123 */
	char *database;		/* default ember */
	char *user;		/* default "default" */
	char *password;		/* default "" */
	unsigned timeout_ms;	/* per request, default 30000 */
	unsigned retries;	/* default 4 */
};

struct cfg_samples {
	enum cfg_samples_backend backend;	/* pg (default) | clickhouse */
	bool index;		/* workers index every profile's stacks, default true */
	unsigned retention_days;	/* raw samples, default 30 */
	unsigned rollup_retention_days;	/* hourly rollup + profile records, default 90 */
	size_t max_line;	/* bytes of one stack line, default 1M */
	unsigned max_frames;	/* frames of one stack, default 4096 */
	unsigned max_lines;	/* stack lines of one profile, default 1000000 */
	struct cfg_clickhouse clickhouse;
};

/* The ad hoc library: imports and retention. */
struct cfg_adhoc {
	size_t import_max_body;		/* bytes of one imported file, default 32M */
	size_t import_max_gunzip;	/* bytes after gunzip, default 128M */
	unsigned import_max_frames;	/* frames of one stack, default 4096 */
	unsigned import_max_stacks;	/* stacks of one profile, default 500000 */
	unsigned retention_days;	/* 0 = keep forever (default) */
	unsigned retention_batch;	/* profiles removed per batch, default 50 */
	unsigned retention_interval;	/* seconds between passes, default 3600 */
};

struct cfg {
	struct cfg_log log;
	struct cfg_db db;
	struct cfg_store store;
	struct cfg_queue queue;
	struct cfg_fcgi fcgi;
	struct cfg_workers workers;
	struct cfg_samples samples;
	struct cfg_adhoc adhoc;
};

/* Fill cfg with every default (no file, no environment). */
void cfg_defaults(struct cfg *cfg);
/*
 * Load defaults, then the file (NULL = none), then the environment, and
 * validate.  On failure returns E_CONFIG with a message in err (which may
 * be NULL) and leaves *cfg released.
 */
MUST_CHECK int cfg_load(struct cfg *cfg, const char *path, char *err, size_t errlen);
/* Same as cfg_load() but from a string (for tests and fuzzing). */
MUST_CHECK int cfg_load_string(struct cfg *cfg, const char *text, size_t len,
	char *err, size_t errlen);
/* Free every string in cfg. */
void cfg_release(struct cfg *cfg);
/* Number of keys in the option table and their names (for docs tests). */
size_t cfg_key_count(void);
const char *cfg_key_name(size_t i);
/* True when key i cannot change while a process runs (needs a restart). */
bool cfg_key_restart(size_t i);
/*
 * For SIGHUP: the name of the first restart-only key whose value differs
 * between a and b, or NULL when b can be swapped in for a.
 */
const char *cfg_restart_diff(const struct cfg *a, const struct cfg *b);
/* libpq conninfo string for cfg->db, heap-allocated (caller frees). */
char *cfg_db_conninfo(const struct cfg_db *db);

#endif
