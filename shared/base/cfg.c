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
#include "err.h"
#include "mem.h"
#include "num.h"

/* Largest configuration file read. */
#define CFG_MAX_FILE (1024 * 1024)

enum cfg_type {
	CFG_T_STR,	/* char *, any text (optionally from a fixed list) */
	CFG_T_UINT,	/* unsigned, decimal, within [min, max] */
	CFG_T_SIZE,	/* size_t, decimal with optional k/K/M/G suffix */
	CFG_T_BOOL,	/* bool: true/false, yes/no, on/off, 1/0 */
	CFG_T_ENUM	/* an enum stored as int, from a fixed list */
};

enum cfg_flags {
	CFG_F_RESTART = 1 << 0,	/* a running process cannot apply a change */
	CFG_F_SECRET = 1 << 1	/* never echoed in error messages */
};

/* One accepted word of a CFG_T_ENUM or a restricted CFG_T_STR. */
struct cfg_word {
	const char *name;
	int value;
};

struct cfg_opt {
	const char *name;	/* "section.key" as written in the file */
	enum cfg_type type;
	size_t off;		/* offset of the field in struct cfg */
	const char *def;	/* default as text */
	unsigned flags;		/* enum cfg_flags */
	uint64_t min;		/* CFG_T_UINT/CFG_T_SIZE lower bound */
	uint64_t max;		/* upper bound, 0 = the type's maximum */
	const struct cfg_word *words;	/* CFG_T_ENUM / restricted CFG_T_STR */
};

/* Where the current value of a key came from. */
struct cfg_src {
	int line;		/* > 0: line in the file; 0: default; -1: environment */
	char env[48];		/* variable name when line == -1 */
};

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

static const struct cfg_opt cfg_opts[] = {
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
	B("fcgi.require_remote_user", fcgi.require_remote_user, "false", 0),
	B("fcgi.x_sendfile", fcgi.x_sendfile, "false", 0),
	U("fcgi.list_limit", fcgi.list_limit, "500", 0, 1, UMAX),
	U("fcgi.list_max", fcgi.list_max, "5000", 0, 1, UMAX),
	U("fcgi.active_window", fcgi.active_window, "600", 0, 1, UMAX),
	B("fcgi.heartbeat_synchronous_commit", fcgi.heartbeat_sync, "off", 0),

	U("workers.count", workers.count, "2", 0, 1, 1024),
	U("workers.job_timeout", workers.job_timeout, "120", 0, 1, 86400),
	Z("workers.max_object", workers.max_object, "25M", 0, 1),
	Z("workers.max_gunzip", workers.max_gunzip, "256M", 0, 1),
	Z("workers.max_header", workers.max_header, "64M", 0, 1),
	Z("workers.max_html", workers.max_html, "16M", 0, 1),
	S("workers.status_file", workers.status_file, "/run/ember/workers.json", 0),
	U("workers.status_interval", workers.status_interval, "10", 0, 1, 86400),
	U("workers.respawn_min", workers.respawn_min, "1", 0, 0, 3600),
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

static const char *const cfg_sections[] = {
	"log", "db", "store", "s3", "queue", "sqs", "fcgi", "workers",
	"samples", "clickhouse", "adhoc"
};

/* The state of one load: the struct, sources, and the error text. */
struct cfg_ctx {
	struct cfg *cfg;
	const char *path;	/* file name for messages */
	struct cfg_src src[CFG_NOPTS];
	char *err;
	size_t errlen;
};

/* Write a message into ctx->err (if any) and return E_CONFIG. */
static int cfg_fail(struct cfg_ctx *ctx, const char *fmt, ...) ATTR_PRINTF(2, 3);
static int
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
static void *
cfg_field(struct cfg *cfg, const struct cfg_opt *o)
{
	return (char *)cfg + o->off;
}

/* Index of the option called name (len bytes), or -1. */
static int
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
static bool
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

/* True when c may appear in a key or section name. */
static bool
cfg_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* True when the whitespace-trimmed rest of a line is empty or a comment. */
static bool
cfg_rest_empty(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p == end || *p == '#' || *p == ';';
}

/*
 * Parse the value part of a line (p..end, leading blanks skipped) into
 * val.  Quoted values keep everything between the quotes, with \" and \\
 * as escapes; unquoted values end at a '#' or ';' that follows a blank
 * and have trailing blanks trimmed.
 */
static bool
cfg_parse_value(const char *p, const char *end, struct buf *val,
	char *msg, size_t msglen)
{
	const char *q;
	const char *stop;
	int err = E_OK;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && *p == '"') {
		for (q = p + 1; q < end && *q != '"' && !err; q++) {
			if (*q == '\\' && q + 1 < end && (q[1] == '"' || q[1] == '\\'))
				q++;
			err = buf_addch(val, *q);
		}
		if (err) {
			snprintf(msg, msglen, "value too long");
			return false;
		}
		if (q >= end) {
			snprintf(msg, msglen, "unterminated quoted value");
			return false;
		}
		if (!cfg_rest_empty(q + 1, end)) {
			snprintf(msg, msglen, "text after the closing quote");
			return false;
		}
		return true;
	}
	stop = p;
	for (q = p; q < end; q++) {
		if ((*q == '#' || *q == ';') && q > p && (q[-1] == ' ' || q[-1] == '\t'))
			break;
		if (*q != ' ' && *q != '\t')
			stop = q + 1;
	}
	if (buf_add(val, p, (size_t)(stop - p))) {
		snprintf(msg, msglen, "value too long");
		return false;
	}
	return true;
}

/* Parse INI text into ctx->cfg; see cfg.h for the grammar. */
static int
cfg_parse_text(struct cfg_ctx *ctx, const char *text, size_t len)
{
	const char *p = text;
	const char *end = text + len;
	const char *eol;
	const char *q;
	const char *eq;
	const char *kend;
	char section[16] = "";
	char name[64];
	char msg[256];
	struct buf val = BUF_INIT(64 * 1024);
	bool seen[CFG_NOPTS];
	size_t i;
	int line = 0;
	int idx;
	int err = E_OK;

	memset(seen, 0, sizeof(seen));
	if (memchr(text, '\0', len) != NULL)
		return cfg_fail(ctx, "%s: NUL byte in configuration file", ctx->path);
	while (p < end) {
		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		q = eol;
		if (q > p && q[-1] == '\r')
			q--;
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		if (p == q || *p == '#' || *p == ';')
			goto next;
		if (*p == '[') {
			for (kend = p + 1; kend < q && *kend != ']'; kend++)
				;
			if (kend >= q || !cfg_rest_empty(kend + 1, q)) {
				err = cfg_fail(ctx, "%s:%d: malformed section header",
					ctx->path, line);
				goto out;
			}
			p++;
			while (p < kend && (*p == ' ' || *p == '\t'))
				p++;
			while (kend > p && (kend[-1] == ' ' || kend[-1] == '\t'))
				kend--;
			section[0] = '\0';
			for (i = 0; i < ARRAY_SIZE(cfg_sections); i++) {
				if (strlen(cfg_sections[i]) == (size_t)(kend - p) &&
					memcmp(cfg_sections[i], p, (size_t)(kend - p)) == 0) {
					snprintf(section, sizeof(section), "%s", cfg_sections[i]);
					break;
				}
			}
			if (section[0] == '\0') {
				err = cfg_fail(ctx, "%s:%d: unknown section [%.*s]",
					ctx->path, line, (int)(kend - p > 40 ? 40 : kend - p), p);
				goto out;
			}
			goto next;
		}
		eq = memchr(p, '=', (size_t)(q - p));
		if (eq == NULL) {
			err = cfg_fail(ctx, "%s:%d: expected 'key = value'", ctx->path, line);
			goto out;
		}
		for (kend = eq; kend > p && (kend[-1] == ' ' || kend[-1] == '\t'); kend--)
			;
		for (i = 0; p + i < kend; i++) {
			if (!cfg_name_char(p[i])) {
				err = cfg_fail(ctx, "%s:%d: invalid key name '%.*s'", ctx->path,
					line, (int)(kend - p > 40 ? 40 : kend - p), p);
				goto out;
			}
		}
		if (kend == p) {
			err = cfg_fail(ctx, "%s:%d: missing key name", ctx->path, line);
			goto out;
		}
		if (section[0] == '\0') {
			err = cfg_fail(ctx, "%s:%d: key '%.*s' outside a section", ctx->path,
				line, (int)(kend - p > 40 ? 40 : kend - p), p);
			goto out;
		}
		if (strlen(section) + 1 + (size_t)(kend - p) >= sizeof(name)) {
			err = cfg_fail(ctx, "%s:%d: unknown key '%s.%.*s'", ctx->path, line,
				section, 40, p);
			goto out;
		}
		snprintf(name, sizeof(name), "%s.%.*s", section, (int)(kend - p), p);
		idx = cfg_find(name, strlen(name));
		if (idx < 0) {
			err = cfg_fail(ctx, "%s:%d: unknown key '%s'", ctx->path, line, name);
			goto out;
		}
		if (seen[idx]) {
			err = cfg_fail(ctx, "%s:%d: duplicate key '%s' (first set on line %d)",
				ctx->path, line, name, ctx->src[idx].line);
			goto out;
		}
		seen[idx] = true;
		buf_reset(&val);
		if (!cfg_parse_value(eq + 1, q, &val, msg, sizeof(msg))) {
			err = cfg_fail(ctx, "%s:%d: %s: %s", ctx->path, line, name, msg);
			goto out;
		}
		if (!cfg_set(ctx->cfg, (size_t)idx, val.data, msg, sizeof(msg))) {
			err = cfg_fail(ctx, "%s:%d: %s", ctx->path, line, msg);
			goto out;
		}
		ctx->src[idx].line = line;
next:
		p = eol < end ? eol + 1 : end;
	}
out:
	buf_release(&val);
	return err;
}

/* Set option name from environment variable var when it is set. */
static int
cfg_env_one(struct cfg_ctx *ctx, const char *name, const char *var)
{
	const char *v = getenv(var);
	char msg[256];
	int idx;

	if (v == NULL)
		return E_OK;
	idx = cfg_find(name, strlen(name));
	ASSERT(idx >= 0);
	if (!cfg_set(ctx->cfg, (size_t)idx, v, msg, sizeof(msg)))
		return cfg_fail(ctx, "environment %s: %s", var, msg);
	ctx->src[idx].line = -1;
	snprintf(ctx->src[idx].env, sizeof(ctx->src[idx].env), "%s", var);
	return E_OK;
}

/* Build EMBER_<SECTION>_<KEY> for option i into out. */
static void
cfg_env_name(size_t i, char *out, size_t outlen)
{
	const char *n = cfg_opts[i].name;
	size_t o;

	o = (size_t)snprintf(out, outlen, "EMBER_");
	for (; *n && o + 1 < outlen; n++)
		out[o++] = *n == '.' ? '_' : (char)toupper((unsigned char)*n);
	out[o] = '\0';
}

/*
 * Apply the environment: upstream's GPROFILER_POSTGRES_* first, then
 * EMBER_* (which wins).
 */
static int
cfg_apply_env(struct cfg_ctx *ctx)
{
	static const char *const alias[][2] = {
		{ "db.host", "GPROFILER_POSTGRES_HOST" },
		{ "db.port", "GPROFILER_POSTGRES_PORT" },
		{ "db.user", "GPROFILER_POSTGRES_USERNAME" },
		{ "db.user", "GPROFILER_POSTGRES_USER" },
		{ "db.password", "GPROFILER_POSTGRES_PASSWORD" },
		{ "db.dbname", "GPROFILER_POSTGRES_DB_NAME" },
		{ "db.dbname", "GPROFILER_POSTGRES_DB" },
	};
	char var[48];
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(alias); i++) {
		err = cfg_env_one(ctx, alias[i][0], alias[i][1]);
		if (err)
			return err;
	}
	for (i = 0; i < CFG_NOPTS; i++) {
		cfg_env_name(i, var, sizeof(var));
		err = cfg_env_one(ctx, cfg_opts[i].name, var);
		if (err)
			return err;
	}
	return E_OK;
}

/* True when option name still has its default (no file line, no env). */
static bool
cfg_unset(struct cfg_ctx *ctx, const char *name)
{
	int idx = cfg_find(name, strlen(name));

	ASSERT(idx >= 0);
	return ctx->src[idx].line == 0;
}

/* Replace string field *dst with v, recording that var set it. */
static void
cfg_fill(struct cfg_ctx *ctx, const char *name, char **dst, const char *var)
{
	int idx = cfg_find(name, strlen(name));

	ASSERT(idx >= 0);
	free(*dst);
	*dst = xstrdup(getenv(var));
	ctx->src[idx].line = -1;
	snprintf(ctx->src[idx].env, sizeof(ctx->src[idx].env), "%s", var);
}

/*
 * Fill one service's credentials from AWS_* when its access key is
 * empty.  The secret and session token are taken only together with the
 * access key, so a key from the file is never paired with someone
 * else's token.
 */
static void
cfg_aws_creds(struct cfg_ctx *ctx, const char *sect, char **ak, char **sk, char **st)
{
	char name[32];
	const char *v;

	v = getenv("AWS_ACCESS_KEY_ID");
	if ((*ak)[0] != '\0' || v == NULL || *v == '\0')
		return;
	snprintf(name, sizeof(name), "%s.access_key", sect);
	cfg_fill(ctx, name, ak, "AWS_ACCESS_KEY_ID");
	v = getenv("AWS_SECRET_ACCESS_KEY");
	if ((*sk)[0] == '\0' && v != NULL) {
		snprintf(name, sizeof(name), "%s.secret_key", sect);
		cfg_fill(ctx, name, sk, "AWS_SECRET_ACCESS_KEY");
	}
	v = getenv("AWS_SESSION_TOKEN");
	if ((*st)[0] == '\0' && v != NULL) {
		snprintf(name, sizeof(name), "%s.session_token", sect);
		cfg_fill(ctx, name, st, "AWS_SESSION_TOKEN");
	}
}

/* Apply AWS_* variables and derived defaults. */
static void
cfg_apply_aws(struct cfg_ctx *ctx)
{
	struct cfg *c = ctx->cfg;
	const char *region_var = NULL;
	const char *v;

	cfg_aws_creds(ctx, "s3", &c->store.s3.access_key, &c->store.s3.secret_key,
		&c->store.s3.session_token);
	cfg_aws_creds(ctx, "sqs", &c->queue.sqs.access_key, &c->queue.sqs.secret_key,
		&c->queue.sqs.session_token);
	v = getenv("AWS_REGION");
	if (v && *v)
		region_var = "AWS_REGION";
	v = getenv("AWS_DEFAULT_REGION");
	if (region_var == NULL && v && *v)
		region_var = "AWS_DEFAULT_REGION";
	if (region_var) {
		if (cfg_unset(ctx, "s3.region"))
			cfg_fill(ctx, "s3.region", &c->store.s3.region, region_var);
		if (cfg_unset(ctx, "sqs.region"))
			cfg_fill(ctx, "sqs.region", &c->queue.sqs.region, region_var);
	}
	if (cfg_unset(ctx, "s3.path_style"))
		c->store.s3.path_style = c->store.s3.endpoint[0] != '\0';
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
	ctx.cfg = cfg;
	ctx.path = path;
	ctx.err = err;
	ctx.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	cfg_defaults(cfg);
	if (text) {
		rc = cfg_parse_text(&ctx, text, len);
		if (rc)
			goto out;
	}
	rc = cfg_apply_env(&ctx);
	if (rc)
		goto out;
	cfg_apply_aws(&ctx);
	rc = cfg_validate(&ctx);
out:
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
