/*
 * cfg.c - the option table, the INI reader, environment overrides and
 * validation behind cfg.h.
 *
 * Every setting is one row of cfg_opts[] (PgBouncer's and Redis's
 * style): its "section.key" name, type, where it lives in struct cfg,
 * its default as text, and flags.  The same setter parses the default,
 * the file and the environment, so the three can never disagree about
 * syntax.  Loading goes, lowest precedence first:
 *
 *   defaults < file < GPROFILER_POSTGRES_* < EMBER_<SECTION>_<KEY>
 *
 * then the AWS_* variables fill S3/SQS credentials and regions that no
 * earlier source set, then derived defaults (s3.path_style) are applied,
 * then everything is validated.  Each key remembers where its value came
 * from so that a validation error can point at the line or variable.
 *
 * Note that the file sections [s3] and [sqs] are nested in struct cfg
 * (store.s3 and queue.sqs) but are flat in the file and the environment.
 *
 * The INI grammar is read by cfg_ini.c and the environment by cfg_env.c;
 * cfg_int.h is what the three share.  This file is the option table (one
 * cohesive table of every key), the setter, validation and loading.
 */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "cfg_int.h"
#include "err.h"
#include "mem.h"
#include "num.h"

/* Largest configuration file read. */
#define CFG_MAX_FILE (1024 * 1024)

static const struct cfg_word cfg_words_level[] = {
	{ "error", 0 }, { "warn", 0 }, { "info", 0 }, { "debug", 0 }, { NULL, 0 }
};
static const struct cfg_word cfg_words_sslmode[] = {
	{ "disable", 0 }, { "allow", 0 }, { "prefer", 0 }, { "require", 0 },
	{ "verify-ca", 0 }, { "verify-full", 0 }, { NULL, 0 }
};
static const struct cfg_word cfg_words_store[] = {
	{ "fs", CFG_STORE_FS }, { "s3", CFG_STORE_S3 }, { NULL, 0 }
};
static const struct cfg_word cfg_words_queue[] = {
	{ "pg", CFG_QUEUE_PG }, { "sqs", CFG_QUEUE_SQS }, { NULL, 0 }
};
static const struct cfg_word cfg_words_samples[] = {
	{ "pg", CFG_SMP_PG }, { "clickhouse", CFG_SMP_CLICKHOUSE }, { NULL, 0 }
};
static const struct cfg_word cfg_words_auth[] = {
	{ "required", CFG_AUTH_REQUIRED }, { "off", CFG_AUTH_OFF }, { NULL, 0 }
};

#define OFF(field) offsetof(struct cfg, field)
#define S(n, f, d, fl) { n, CFG_T_STR, OFF(f), d, fl, 0, 0, NULL }
#define SW(n, f, d, fl, w) { n, CFG_T_STR, OFF(f), d, fl, 0, 0, w }
#define U(n, f, d, fl, lo, hi) { n, CFG_T_UINT, OFF(f), d, fl, lo, hi, NULL }
#define Z(n, f, d, fl, lo) { n, CFG_T_SIZE, OFF(f), d, fl, lo, 0, NULL }
#define B(n, f, d, fl) { n, CFG_T_BOOL, OFF(f), d, fl, 0, 0, NULL }
#define E(n, f, d, fl, w) { n, CFG_T_ENUM, OFF(f), d, fl, 0, 0, w }
#define R CFG_F_RESTART
#define X CFG_F_SECRET
#define UMAX 0xffffffffu

const struct cfg_opt cfg_opts[] = {
	SW("log.level", log.level, "info", 0, cfg_words_level),
	S("log.file", log.file, "", 0),

	S("db.host", db.host, "127.0.0.1", 0),
	U("db.port", db.port, "5432", 0, 1, 65535),
	S("db.user", db.user, "ember", 0),
	S("db.password", db.password, "", X),
	S("db.dbname", db.dbname, "ember", 0),
	SW("db.sslmode", db.sslmode, "prefer", 0, cfg_words_sslmode),
	U("db.connect_timeout", db.connect_timeout, "5", 0, 1, 3600),

	E("store.backend", store.backend, "fs", R, cfg_words_store),
	S("store.fs_root", store.fs_root, "/var/lib/ember/objects", R),

	S("s3.endpoint", store.s3.endpoint, "", R),
	S("s3.region", store.s3.region, "us-east-1", R),
	S("s3.bucket", store.s3.bucket, "gprofiler", R),
	B("s3.path_style", store.s3.path_style, "false", R),
	S("s3.access_key", store.s3.access_key, "", 0),
	S("s3.secret_key", store.s3.secret_key, "", X),
	S("s3.session_token", store.s3.session_token, "", X),
	U("s3.timeout_ms", store.s3.timeout_ms, "30000", 0, 100, 3600000),
	U("s3.retries", store.s3.retries, "4", 0, 0, 100),
	U("s3.parallel", store.s3.parallel, "16", 0, 1, 1024),

	E("queue.backend", queue.backend, "pg", R, cfg_words_queue),
	S("queue.name", queue.name, "indexer", R),
	U("queue.visibility", queue.visibility, "60", 0, 1, 43200),
	U("queue.wait", queue.wait, "10", 0, 0, 3600),
	U("queue.max_receives", queue.max_receives, "5", 0, 1, 1000),
	U("queue.batch", queue.batch, "10", 0, 1, 1000),

	S("sqs.endpoint", queue.sqs.endpoint, "", R),
	S("sqs.region", queue.sqs.region, "us-east-1", R),
	S("sqs.queue_url", queue.sqs.queue_url, "", R),
	S("sqs.dlq_url", queue.sqs.dlq_url, "", R),
	S("sqs.access_key", queue.sqs.access_key, "", 0),
	S("sqs.secret_key", queue.sqs.secret_key, "", X),
	S("sqs.session_token", queue.sqs.session_token, "", X),
	U("sqs.timeout_ms", queue.sqs.timeout_ms, "30000", 0, 100, 3600000),
	U("sqs.retries", queue.sqs.retries, "4", 0, 0, 100),

	S("fcgi.socket", fcgi.socket, "", R),
	U("fcgi.children", fcgi.children, "4", R, 1, 4096),
	U("fcgi.max_requests", fcgi.max_requests, "10000", 0, 1, UMAX),
	Z("fcgi.max_body", fcgi.max_body, "4M", 0, 1),
	Z("fcgi.max_gunzip", fcgi.max_gunzip, "64M", 0, 1),
	Z("fcgi.max_json", fcgi.max_json, "1M", 0, 1),
	Z("fcgi.max_logs", fcgi.max_logs, "256K", 0, 1),
	Z("fcgi.max_html", fcgi.max_html, "16M", 0, 1),
	E("fcgi.agent_auth", fcgi.agent_auth, "required", 0, cfg_words_auth),
	B("fcgi.require_remote_user", fcgi.require_remote_user, "true", 0),
	B("fcgi.x_sendfile", fcgi.x_sendfile, "false", 0),
	U("fcgi.list_limit", fcgi.list_limit, "500", 0, 1, UMAX),
	U("fcgi.list_max", fcgi.list_max, "5000", 0, 1, UMAX),
	U("fcgi.active_window", fcgi.active_window, "600", 0, 1, UMAX),
	B("fcgi.heartbeat_synchronous_commit", fcgi.heartbeat_sync, "off", 0),
	S("fcgi.allowed_origins", fcgi.allowed_origins, "", 0),
	U("fcgi.respawn_min", fcgi.respawn_min, "1", 0, 0, 3600),
	U("fcgi.respawn_max", fcgi.respawn_max, "30", 0, 1, 86400),
	U("fcgi.shutdown_timeout", fcgi.shutdown_timeout, "10", 0, 1, 86400),

	U("workers.count", workers.count, "2", 0, 1, 1024),
	U("workers.job_timeout", workers.job_timeout, "120", 0, 1, 86400),
	Z("workers.max_object", workers.max_object, "25M", 0, 1),
	Z("workers.max_gunzip", workers.max_gunzip, "256M", 0, 1),
	Z("workers.max_header", workers.max_header, "64M", 0, 1),
	Z("workers.max_html", workers.max_html, "16M", 0, 1),
	S("workers.status_file", workers.status_file, "/run/ember/workers.json", 0),
	U("workers.status_interval", workers.status_interval, "10", 0, 1, 86400),
	U("workers.respawn_min", workers.respawn_min, "1", 0, 0, 3600),
	U("workers.respawn_max", workers.respawn_max, "60", 0, 1, 86400),
	U("workers.shutdown_timeout", workers.shutdown_timeout, "30", 0, 1, 86400),
	U("workers.retry_base", workers.retry_base, "5", 0, 1, 86400),
	U("workers.retry_max", workers.retry_max, "300", 0, 1, 86400),

	E("samples.backend", samples.backend, "pg", R, cfg_words_samples),
	B("samples.index", samples.index, "true", 0),
	U("samples.retention_days", samples.retention_days, "30", 0, 1, 36500),
	U("samples.rollup_retention_days", samples.rollup_retention_days, "90", 0, 1, 36500),
	Z("samples.max_line", samples.max_line, "1M", 0, 64),
	U("samples.max_frames", samples.max_frames, "4096", 0, 1, 1000000),
	U("samples.max_lines", samples.max_lines, "1000000", 0, 1, UMAX),

	Z("adhoc.import_max_body", adhoc.import_max_body, "32M", 0, 1),
	Z("adhoc.import_max_gunzip", adhoc.import_max_gunzip, "128M", 0, 1),
	U("adhoc.import_max_frames", adhoc.import_max_frames, "4096", 0, 1, 1000000),
	U("adhoc.import_max_stacks", adhoc.import_max_stacks, "500000", 0, 1, UMAX),
	U("adhoc.retention_days", adhoc.retention_days, "0", 0, 0, 36500),
	U("adhoc.retention_batch", adhoc.retention_batch, "50", 0, 1, 100000),
	U("adhoc.retention_interval", adhoc.retention_interval, "3600", 0, 1, 604800),

	S("clickhouse.url", samples.clickhouse.url, "http://127.0.0.1:8123", R),
	S("clickhouse.database", samples.clickhouse.database, "ember", R),
	S("clickhouse.user", samples.clickhouse.user, "default", 0),
	S("clickhouse.password", samples.clickhouse.password, "", X),
	U("clickhouse.timeout_ms", samples.clickhouse.timeout_ms, "30000", 0, 100, 3600000),
	U("clickhouse.retries", samples.clickhouse.retries, "4", 0, 0, 100),
};

#undef OFF
#undef S
#undef SW
#undef U
#undef Z
#undef B
#undef E
#undef R
#undef X
#undef UMAX

#define CFG_NOPTS ARRAY_SIZE(cfg_opts)

const size_t cfg_nopts = CFG_NOPTS;

/* Write a message into ctx->err (if any) and return E_CONFIG. */
int
cfg_fail(struct cfg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->err && ctx->errlen) {
		va_start(ap, fmt);
		vsnprintf(ctx->err, ctx->errlen, fmt, ap);
		va_end(ap);
	}
	return E_CONFIG;
}

/* Address of option o's field inside cfg. */
void *
cfg_field(struct cfg *cfg, const struct cfg_opt *o)
{
	return (char *)cfg + o->off;
}

/* Index of the option called name (len bytes), or -1. */
int
cfg_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < CFG_NOPTS; i++)
		if (strlen(cfg_opts[i].name) == len &&
			memcmp(cfg_opts[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* Case-insensitive comparison of a whole word. */
static bool
cfg_word_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/*
 * Parse an unsigned decimal with an optional size suffix (when size is
 * true) into *out.  No sign, no spaces, no overflow.
 */
static bool
cfg_parse_num(const char *s, bool size, uint64_t *out)
{
	uint64_t v = 0;
	uint64_t mul = 1;
	const char *p = s;

	if (num_dec(&p, UINT64_MAX, &v) != E_OK)
		return false;
	if (size && *p) {
		switch (*p) {
		case 'k':
		case 'K':
			mul = UINT64_C(1) << 10;
			break;
		case 'M':
			mul = UINT64_C(1) << 20;
			break;
		case 'G':
			mul = UINT64_C(1) << 30;
			break;
		default:
			return false;
		}
		p++;
	}
	if (*p)
		return false;
	if (v > UINT64_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

/*
 * Set option i from text.  On a bad value writes a message (without the
 * location prefix) into msg and returns false.
 */
bool
cfg_set(struct cfg *cfg, size_t i, const char *val, char *msg, size_t msglen)
{
	const struct cfg_opt *o = &cfg_opts[i];
	void *f = cfg_field(cfg, o);
	const struct cfg_word *w;
	uint64_t v;
	uint64_t max;
	const char *shown = o->flags & CFG_F_SECRET ? "(secret)" : val;

	switch (o->type) {
	case CFG_T_STR:
		if (o->words) {
			for (w = o->words; w->name; w++)
				if (strcmp(w->name, val) == 0)
					break;
			if (w->name == NULL) {
				snprintf(msg, msglen, "%s: invalid value '%s'", o->name, shown);
				return false;
			}
		}
		free(*(char **)f);
		*(char **)f = xstrdup(val);
		return true;
	case CFG_T_UINT:
	case CFG_T_SIZE:
		max = o->max ? o->max : o->type == CFG_T_UINT ? UINT32_MAX : SIZE_MAX;
		if (!cfg_parse_num(val, o->type == CFG_T_SIZE, &v)) {
			snprintf(msg, msglen, "%s: '%s' is not a %s", o->name, shown,
				o->type == CFG_T_SIZE ? "size (digits with optional k, M or G)" :
				"non-negative integer");
			return false;
		}
		if (v < o->min || v > max) {
			snprintf(msg, msglen, "%s: %s out of range %llu..%llu", o->name,
				shown, (unsigned long long)o->min, (unsigned long long)max);
			return false;
		}
		if (o->type == CFG_T_UINT)
			*(unsigned *)f = (unsigned)v;
		else
			*(size_t *)f = (size_t)v;
		return true;
	case CFG_T_BOOL:
		if (cfg_word_eq(val, "true") || cfg_word_eq(val, "yes") ||
			cfg_word_eq(val, "on") || strcmp(val, "1") == 0) {
			*(bool *)f = true;
		} else if (cfg_word_eq(val, "false") || cfg_word_eq(val, "no") ||
			cfg_word_eq(val, "off") || strcmp(val, "0") == 0) {
			*(bool *)f = false;
		} else {
			snprintf(msg, msglen, "%s: '%s' is not a boolean (true/false)",
				o->name, shown);
			return false;
		}
		return true;
	case CFG_T_ENUM:
		for (w = o->words; w->name; w++) {
			if (strcmp(w->name, val) == 0) {
				*(int *)f = w->value;
				return true;
			}
		}
		snprintf(msg, msglen, "%s: invalid value '%s'", o->name, shown);
		return false;
	}
	snprintf(msg, msglen, "%s: unknown option type", o->name);
	return false;
}

/* Fill every field from the table's defaults. */
void
cfg_defaults(struct cfg *cfg)
{
	char msg[256];
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < CFG_NOPTS; i++)
		ASSERT(cfg_set(cfg, i, cfg_opts[i].def, msg, sizeof(msg)));
}

/* Free every string and leave the pointers NULL. */
void
cfg_release(struct cfg *cfg)
{
	size_t i;
	char **p;

	if (cfg == NULL)
		return;
	for (i = 0; i < CFG_NOPTS; i++) {
		if (cfg_opts[i].type != CFG_T_STR)
			continue;
		p = cfg_field(cfg, &cfg_opts[i]);
		free(*p);
		*p = NULL;
	}
}

/* Number of table rows. */
size_t
cfg_key_count(void)
{
	return CFG_NOPTS;
}

/* Name of table row i, NULL past the end. */
const char *
cfg_key_name(size_t i)
{
	return i < CFG_NOPTS ? cfg_opts[i].name : NULL;
}

/* True when the option may not change on reload. */
bool
cfg_key_restart(size_t i)
{
	return i < CFG_NOPTS && (cfg_opts[i].flags & CFG_F_RESTART);
}

/* True when option o has the same value in a and b. */
static bool
cfg_same(const struct cfg *a, const struct cfg *b, const struct cfg_opt *o)
{
	const char *pa = (const char *)a + o->off;
	const char *pb = (const char *)b + o->off;
	const char *sa;
	const char *sb;

	switch (o->type) {
	case CFG_T_STR:
		memcpy(&sa, pa, sizeof(sa));
		memcpy(&sb, pb, sizeof(sb));
		return strcmp(sa ? sa : "", sb ? sb : "") == 0;
	case CFG_T_UINT:
		return memcmp(pa, pb, sizeof(unsigned)) == 0;
	case CFG_T_SIZE:
		return memcmp(pa, pb, sizeof(size_t)) == 0;
	case CFG_T_BOOL:
		return memcmp(pa, pb, sizeof(bool)) == 0;
	case CFG_T_ENUM:
		return memcmp(pa, pb, sizeof(int)) == 0;
	}
	return false;
}

/* The first restart-only key whose value differs, or NULL. */
const char *
cfg_restart_diff(const struct cfg *a, const struct cfg *b)
{
	size_t i;

	for (i = 0; i < CFG_NOPTS; i++)
		if ((cfg_opts[i].flags & CFG_F_RESTART) &&
			!cfg_same(a, b, &cfg_opts[i]))
			return cfg_opts[i].name;
	return NULL;
}

/*
 * Format where option name got its value into out: "file:12: ",
 * "EMBER_X: " or "" for a default.
 */
static const char *
cfg_where(struct cfg_ctx *ctx, const char *name, char *out, size_t outlen)
{
	int idx = cfg_find(name, strlen(name));
	const struct cfg_src *s;

	ASSERT(idx >= 0);
	s = &ctx->src[idx];
	if (s->line > 0)
		snprintf(out, outlen, "%s:%d: ", ctx->path, s->line);
	else if (s->line < 0)
		snprintf(out, outlen, "environment %s: ", s->env);
	else
		out[0] = '\0';
	return out;
}

/* True when s is a usable queue name: 1-80 of [A-Za-z0-9_-]. */
static bool
cfg_queue_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 80 &&
		strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Check the rules that involve more than one key. */
static int
cfg_validate(struct cfg_ctx *ctx)
{
	const struct cfg *c = ctx->cfg;
	char w[160];

	if (c->store.backend == CFG_STORE_FS && c->store.fs_root[0] == '\0')
		return cfg_fail(ctx, "%sstore.fs_root must not be empty with store.backend = fs",
			cfg_where(ctx, "store.fs_root", w, sizeof(w)));
	if (c->store.backend == CFG_STORE_S3) {
		if (c->store.s3.bucket[0] == '\0')
			return cfg_fail(ctx, "%ss3.bucket must not be empty with store.backend = s3",
				cfg_where(ctx, "s3.bucket", w, sizeof(w)));
		if (c->store.s3.region[0] == '\0')
			return cfg_fail(ctx, "%ss3.region must not be empty with store.backend = s3",
				cfg_where(ctx, "s3.region", w, sizeof(w)));
	}
	if (!cfg_queue_name_ok(c->queue.name))
		return cfg_fail(ctx, "%squeue.name must be 1-80 letters, digits, '_' or '-'",
			cfg_where(ctx, "queue.name", w, sizeof(w)));
	if (c->queue.backend == CFG_QUEUE_SQS) {
		if (c->queue.sqs.queue_url[0] == '\0')
			return cfg_fail(ctx, "%squeue.backend = sqs requires sqs.queue_url",
				cfg_where(ctx, "queue.backend", w, sizeof(w)));
		if (c->queue.sqs.region[0] == '\0')
			return cfg_fail(ctx, "%ssqs.region must not be empty with queue.backend = sqs",
				cfg_where(ctx, "sqs.region", w, sizeof(w)));
		if (c->queue.wait > 20)
			return cfg_fail(ctx, "%squeue.wait must be at most 20 with queue.backend = sqs",
				cfg_where(ctx, "queue.wait", w, sizeof(w)));
		if (c->queue.batch > 10)
			return cfg_fail(ctx, "%squeue.batch must be at most 10 with queue.backend = sqs",
				cfg_where(ctx, "queue.batch", w, sizeof(w)));
		if ((uint64_t)c->queue.sqs.timeout_ms <= (uint64_t)c->queue.wait * 1000)
			return cfg_fail(ctx, "%ssqs.timeout_ms (%u) must exceed queue.wait (%u s)",
				cfg_where(ctx, "sqs.timeout_ms", w, sizeof(w)),
				c->queue.sqs.timeout_ms, c->queue.wait);
	}
	if (c->fcgi.list_limit > c->fcgi.list_max)
		return cfg_fail(ctx, "%sfcgi.list_limit (%u) must not exceed fcgi.list_max (%u)",
			cfg_where(ctx, "fcgi.list_limit", w, sizeof(w)),
			c->fcgi.list_limit, c->fcgi.list_max);
	if (c->workers.retry_base > c->workers.retry_max)
		return cfg_fail(ctx, "%sworkers.retry_base (%u) must not exceed workers.retry_max (%u)",
			cfg_where(ctx, "workers.retry_base", w, sizeof(w)),
			c->workers.retry_base, c->workers.retry_max);
	if (c->samples.rollup_retention_days < c->samples.retention_days)
		return cfg_fail(ctx, "%ssamples.rollup_retention_days (%u) must not be below samples.retention_days (%u)",
			cfg_where(ctx, "samples.rollup_retention_days", w, sizeof(w)),
			c->samples.rollup_retention_days, c->samples.retention_days);
	if (c->workers.max_header > c->workers.max_gunzip)
		return cfg_fail(ctx, "%sworkers.max_header must not exceed workers.max_gunzip",
			cfg_where(ctx, "workers.max_header", w, sizeof(w)));
	return E_OK;
}

/* The shared body of cfg_load() and cfg_load_string(). */
static int
cfg_load_common(struct cfg *cfg, const char *path, const char *text, size_t len,
	char *err, size_t errlen)
{
	struct cfg_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.src = xcalloc(CFG_NOPTS, sizeof(*ctx.src));
	ctx.cfg = cfg;
	ctx.path = path;
	ctx.err = err;
	ctx.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	cfg_defaults(cfg);
	if (text) {
		rc = cfg_ini_parse(&ctx, text, len);
		if (rc)
			goto out;
	}
	rc = cfg_env_apply(&ctx);
	if (rc)
		goto out;
	cfg_env_apply_aws(&ctx);
	rc = cfg_validate(&ctx);
out:
	free(ctx.src);
	if (rc)
		cfg_release(cfg);
	return rc;
}

/* Load defaults, a file and the environment. */
int
cfg_load(struct cfg *cfg, const char *path, char *err, size_t errlen)
{
	struct buf text = BUF_INIT(CFG_MAX_FILE);
	char chunk[8192];
	FILE *f = NULL;
	size_t n;
	int rc;

	if (path == NULL)
		return cfg_load_common(cfg, "(none)", NULL, 0, err, errlen);
	memset(cfg, 0, sizeof(*cfg));
	f = fopen(path, "re");
	if (f == NULL) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		rc = E_CONFIG;
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_add(&text, chunk, n)) {
			if (err && errlen)
				snprintf(err, errlen, "%s: larger than %d bytes", path,
					CFG_MAX_FILE);
			rc = E_CONFIG;
			goto out;
		}
	}
	if (ferror(f)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		rc = E_CONFIG;
		goto out;
	}
	rc = cfg_load_common(cfg, path, text.data, text.len, err, errlen);
out:
	if (f)
		fclose(f);
	buf_release(&text);
	return rc;
}

/* Load defaults, text and the environment. */
int
cfg_load_string(struct cfg *cfg, const char *text, size_t len, char *err, size_t errlen)
{
	return cfg_load_common(cfg, "(string)", text ? text : "", text ? len : 0,
		err, errlen);
}

/* Append one conninfo item key='value' with libpq quoting. */
static void
cfg_conn_item(struct buf *b, const char *key, const char *val)
{
	const char *p;

	if (b->len)
		ASSERT(buf_addch(b, ' ') == E_OK);
	ASSERT(buf_addf(b, "%s='", key) == E_OK);
	for (p = val; *p; p++) {
		if (*p == '\'' || *p == '\\')
			ASSERT(buf_addch(b, '\\') == E_OK);
		ASSERT(buf_addch(b, *p) == E_OK);
	}
	ASSERT(buf_addch(b, '\'') == E_OK);
}

/* A libpq conninfo string for db. */
char *
cfg_db_conninfo(const struct cfg_db *db)
{
	struct buf b = BUF_INIT(0);
	char num[16];

	if (db->host && db->host[0])
		cfg_conn_item(&b, "host", db->host);
	snprintf(num, sizeof(num), "%u", db->port);
	cfg_conn_item(&b, "port", num);
	if (db->user && db->user[0])
		cfg_conn_item(&b, "user", db->user);
	if (db->password && db->password[0])
		cfg_conn_item(&b, "password", db->password);
	if (db->dbname && db->dbname[0])
		cfg_conn_item(&b, "dbname", db->dbname);
	if (db->sslmode && db->sslmode[0])
		cfg_conn_item(&b, "sslmode", db->sslmode);
	snprintf(num, sizeof(num), "%u", db->connect_timeout);
	cfg_conn_item(&b, "connect_timeout", num);
	cfg_conn_item(&b, "fallback_application_name", "ember");
	return buf_detach(&b, NULL);
}
