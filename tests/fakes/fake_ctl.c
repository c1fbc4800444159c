/*
 * fake_ctl.c - the control loop's data layer over fake_ctl (fake_ctl.h),
 * and the app/db entry points the handlers reach, without a connection.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adlib.h"
#include "app.h"
#include "fake_ctl.h"
#include "jsonx.h"
#include "uidb.h"

struct fake_ctl fake_ctl;

void
fake_ctl_reset(void)
{
	memset(&fake_ctl, 0, sizeof(fake_ctl));
}

/* app.h: nothing is opened; the data layer gets a NULL connection. */
void
app_init(struct app *app, const struct cfg *cfg)
{
	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
}

void
app_release(struct app *app)
{
	(void)app;
}

int
app_db(struct app *app, struct db **out)
{
	(void)app;
	*out = NULL;
	return fake_ctl.fail == E_DB ? E_DB : E_OK;
}

int
app_store(struct app *app, struct store **out)
{
	(void)app;
	*out = NULL;
	return E_INTERNAL;
}

int
app_queue(struct app *app, struct queue **out)
{
	(void)app;
	*out = NULL;
	return E_INTERNAL;
}

/* db.h: a transaction is just the call. */
int
db_tx(struct db *db, db_tx_fn *fn, void *ctx)
{
	return fake_ctl.fail ? fake_ctl.fail : fn(db, ctx);
}

const char *
db_errmsg(const struct db *db)
{
	(void)db;
	return "fake failure";
}

void
keys_hash(const char *key, char hex[65])
{
	snprintf(hex, 65, "%-64.64s", key);
}

int
keys_check(struct db *db, const char *key, const char *service,
	enum keys_verdict *out)
{
	(void)db;
	(void)key;
	(void)service;
	*out = fake_ctl.verdict;
	return fake_ctl.fail;
}

int
keys_touch(struct db *db, const char *hash)
{
	(void)db;
	(void)hash;
	return fake_ctl.fail;
}

int
heartbeats_put(struct db *db, struct arena *a, const struct heartbeat *hb,
	bool *stored, bool *has_cmd, struct heartbeat_command *cmd)
{
	(void)db;
	memset(cmd, 0, sizeof(*cmd));
	*stored = *has_cmd = false;
	fake_ctl.puts++;
	fake_ctl.last_hb = *hb;
	if (fake_ctl.fail)
		return fake_ctl.fail;
	*stored = !fake_ctl.refused;
	if (!*stored || !fake_ctl.has_cmd)
		return E_OK;
	*has_cmd = true;
	memcpy(cmd->command_id, fake_ctl.cmd_id, 37);
	cmd->pending = fake_ctl.cmd_pending;
	cmd->command_type = arena_strdup(a, fake_ctl.cmd_type);
	cmd->config = json_loads(fake_ctl.cmd_config, 0, NULL);
	return E_OK;
}

int
commands_mark_sent(struct db *db, const char *command_id, const char *hostname)
{
	(void)db;
	(void)hostname;
	fake_ctl.sent++;
	snprintf(fake_ctl.sent_id, sizeof(fake_ctl.sent_id), "%s", command_id);
	return fake_ctl.fail ? fake_ctl.fail : fake_ctl.fail_mark_sent;
}

int
commands_state(struct db *db, struct arena *a, const char *command_id,
	const char *hostname, struct commands_state *out)
{
	(void)db;
	(void)a;
	(void)command_id;
	(void)hostname;
	*out = fake_ctl.state;
	return fake_ctl.fail;
}

int
commands_complete(struct db *db, const struct commands_completion *c)
{
	(void)db;
	fake_ctl.completes++;
	fake_ctl.completion = *c;
	return fake_ctl.fail;
}

int
commands_active_hosts(struct db *db, struct arena *a, const char *service,
	unsigned window, const char ***hosts, size_t *n)
{
	(void)db;
	(void)a;
	(void)service;
	(void)window;
	*hosts = fake_ctl.active;
	*n = fake_ctl.nactive;
	return fake_ctl.fail;
}

int
commands_request_insert(struct db *db, struct arena *a,
	const struct commands_request *q)
{
	(void)db;
	(void)a;
	(void)q;
	fake_ctl.request_inserted = true;
	return fake_ctl.fail;
}

int
commands_lock(struct db *db, struct arena *a, const char *hostname,
	const char *service, bool *found, struct commands_current *cur)
{
	(void)db;
	(void)a;
	(void)hostname;
	(void)service;
	memset(cur, 0, sizeof(*cur));
	*found = fake_ctl.lock_found;
	if (*found) {
		cur->command_type = fake_ctl.lock_type;
		cur->status = fake_ctl.lock_status;
		cur->config = json_loads(fake_ctl.lock_config, 0, NULL);
	}
	return fake_ctl.fail;
}

int
commands_put(struct db *db, const char *command_id, const char *hostname,
	const char *service, const char *type, const char *request_id,
	const json_t *config, bool append)
{
	struct fake_ctl_put *p = &fake_ctl.put[fake_ctl.nput];
	char *js;

	(void)db;
	(void)command_id;
	(void)service;
	(void)request_id;
	if (fake_ctl.nput >= FAKE_CTL_MAX)
		return E_INTERNAL;
	fake_ctl.nput++;
	js = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(p->host, sizeof(p->host), "%s", hostname);
	snprintf(p->type, sizeof(p->type), "%s", type);
	snprintf(p->config, sizeof(p->config), "%s", js ? js : "");
	free(js);
	p->append = append;
	return fake_ctl.fail;
}

int
hosts_status(struct db *db, struct arena *a, const struct hosts_filter *f,
	struct hosts_row **rows, size_t *n)
{
	(void)db;
	(void)a;
	(void)f;
	*rows = fake_ctl.hosts;
	*n = fake_ctl.nhosts;
	return fake_ctl.fail;
}

/* The audit entry of a profile_request: counted, not stored. */
unsigned fake_ctl_audits;

int
adlib_audit(struct db *db, const char *actor, const char *action,
	const char *service, const char *target, const char *detail)
{
	(void)db, (void)actor, (void)action, (void)service, (void)target;
	(void)detail;
	fake_ctl_audits++;
	return E_OK;
}

/* No service is known (qarg_service(), linked in but not reached). */
int
uidb_service_id(struct db *db, const char *name, int64_t *id)
{
	(void)db, (void)name, (void)id;
	return E_NOTFOUND;
}
