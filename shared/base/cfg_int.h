/*
 * cfg_int.h - what the parts of the configuration loader share (cfg.c:
 * the option table, setter and validation; cfg_ini.c: the file grammar;
 * cfg_env.c: the environment).  Not for use outside shared/base/cfg*.c.
 */
#ifndef EMBER_CFG_INT_H
#define EMBER_CFG_INT_H

#include "compat.h"

#include "cfg.h"

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

/* The option table (cfg.c) and its length. */
extern const struct cfg_opt cfg_opts[];
extern const size_t cfg_nopts;

/* The state of one load: the struct, sources, and the error text. */
struct cfg_ctx {
	struct cfg *cfg;
	const char *path;	/* file name for messages */
	struct cfg_src *src;	/* cfg_nopts of them, by option index */
	char *err;
	size_t errlen;
};

/* Write a message into ctx->err (if any) and return E_CONFIG. */
int cfg_fail(struct cfg_ctx *ctx, const char *fmt, ...) ATTR_PRINTF(2, 3);
/* Address of option o's field inside cfg. */
void *cfg_field(struct cfg *cfg, const struct cfg_opt *o);
/* Index of the option called name (len bytes), or -1. */
int cfg_find(const char *name, size_t len);
/*
 * Parse val as option i and store it in cfg; false with a message in msg
 * when it is not a valid value.
 */
bool cfg_set(struct cfg *cfg, size_t i, const char *val, char *msg,
	size_t msglen);
/* Parse INI text into ctx->cfg (cfg_ini.c); see cfg.h for the grammar. */
int cfg_ini_parse(struct cfg_ctx *ctx, const char *text, size_t len);
/*
 * Apply the environment (cfg_env.c): upstream's GPROFILER_POSTGRES_*
 * first, then EMBER_<SECTION>_<KEY> (which wins).
 */
int cfg_env_apply(struct cfg_ctx *ctx);
/* Apply AWS_* variables and derived defaults (cfg_env.c). */
void cfg_env_apply_aws(struct cfg_ctx *ctx);

#endif
