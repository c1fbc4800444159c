/*
 * cfg_ini.c - the configuration file grammar (see cfg.h): [section]
 * lines, key = value lines, comments, quoted values; each value goes
 * through the option table's setter (cfg.c).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg_int.h"
#include "err.h"
#include "mem.h"

static const char *const cfg_sections[] = {
	"log", "db", "store", "s3", "queue", "sqs", "fcgi", "workers",
	"samples", "clickhouse", "adhoc"
};

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

/* Parse INI text into ctx->cfg (see cfg.h for the grammar). */
int
cfg_ini_parse(struct cfg_ctx *ctx, const char *text, size_t len)
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
	bool *seen;
	size_t i;
	int line = 0;
	int idx;
	int err = E_OK;

	if (memchr(text, '\0', len) != NULL)
		return cfg_fail(ctx, "%s: NUL byte in configuration file", ctx->path);
	seen = xcalloc(cfg_nopts, sizeof(*seen));
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
	free(seen);
	buf_release(&val);
	return err;
}
