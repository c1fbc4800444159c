/*
 * cfg_env.c - configuration from the environment: EMBER_<SECTION>_<KEY>
 * for every option, upstream's GPROFILER_POSTGRES_* names, and the AWS_*
 * credentials and region for the S3 and SQS clients.
 */
#include "compat.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"
#include "err.h"
#include "mem.h"

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
int
cfg_env_apply(struct cfg_ctx *ctx)
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
	for (i = 0; i < cfg_nopts; i++) {
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
void
cfg_env_apply_aws(struct cfg_ctx *ctx)
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
