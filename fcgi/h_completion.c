/*
 * h_completion.c - POST /api/metrics/command_completion, an agent's
 * report that it ran (or failed) a command.
 *
 * Wire format as upstream's; where we differ on purpose:
 *
 *  - command_id must be a UUID: an empty or malformed one is a 422 like
 *    any invalid field (upstream answered 200 success:false).
 *  - A report that does not match the host's execution (unknown command,
 *    no execution, execution not 'assigned') stays a 200 with
 *    success:false and upstream's message.
 *  - When fcgi.agent_auth is "required" the caller needs a key valid for
 *    the command's service.
 */
#include "compat.h"

#include <string.h>

#include "auth.h"
#include "body.h"
#include "commands.h"
#include "log.h"
#include "route.h"
#include "uuidx.h"

/* Answer {"success": ok, "message": msg}. */
static int
completion_reply(struct req *r, bool ok, const char *msg)
{
	return req_send_take(r, 200, json_pack("{s:b,s:s}", "success", ok,
		"message", msg));
}

/* Read and check the report into c (answering 422 on failure). */
static int
completion_parse(struct req *r, json_t *body, struct commands_completion *c)
{
	const char *cid;
	char norm[37];
	json_t *items, *v;
	int err;

	memset(c, 0, sizeof(*c));
	if ((err = body_str(r, body, "command_id", true, &cid)) ||
	    (err = body_str(r, body, "hostname", true, &c->hostname)) ||
	    (err = body_str(r, body, "status", true, &c->status)) ||
	    (err = body_int(r, body, "execution_time", 0, false,
		&c->execution_time)) ||
	    (err = body_str(r, body, "error_message", false,
		&c->error_message)) ||
	    (err = body_str(r, body, "results_path", false, &c->results_path)))
		return err;
	items = json_array();
	if (uuidx_normalize(cid, norm) == E_OK)
		c->command_id = arena_strdup(r->arena, norm);
	else
		json_array_append_new(items, req_422_item("body", "command_id",
			"value is not a valid uuid", "type_error.uuid"));
	if (strcmp(c->status, "completed") != 0 &&
	    strcmp(c->status, "failed") != 0)
		json_array_append_new(items, req_422_item("body", "status",
			arena_printf(r->arena, "invalid status: %s. Must be "
			"'completed' or 'failed'.", c->status), "value_error"));
	if (json_array_size(items)) {
		err = req_send_422_take(r, items);
		return err ? err : E_INVAL;
	}
	json_decref(items);
	v = json_object_get(body, "execution_time");
	c->has_time = v && !json_is_null(v);
	return E_OK;
}

/* POST /api/metrics/command_completion. */
int
h_command_completion(struct req *r, struct app *app)
{
	struct commands_completion c;
	struct commands_state st;
	json_t *body = NULL;
	struct db *db;
	int err;

	err = body_read_json(r, app->cfg->fcgi.max_json, &body);
	if (err)
		goto out;
	err = completion_parse(r, body, &c);
	if (err)
		goto out;
	err = app_db(app, &db);
	if (err)
		goto out;
	err = commands_state(db, r->arena, c.command_id, c.hostname, &st);
	if (err) {
		log_error("command completion: %s", db_errmsg(db));
		goto out;
	}
	err = auth_agent(r, app, st.service);
	if (err)
		goto out;
	if (!st.found)
		err = completion_reply(r, false, arena_printf(r->arena,
			"Command %s not found for host %s", c.command_id,
			c.hostname));
	else if (!st.exec_status)
		err = completion_reply(r, false, arena_printf(r->arena,
			"No execution record found for command %s on host %s",
			c.command_id, c.hostname));
	else if (strcmp(st.exec_status, "assigned") != 0)
		err = completion_reply(r, false, arena_printf(r->arena,
			"Command %s for host %s is in status '%s', expected "
			"'assigned'", c.command_id, c.hostname, st.exec_status));
	else if ((err = commands_complete(db, &c)) != E_OK)
		log_error("command completion: %s", db_errmsg(db));
	else
		err = completion_reply(r, true, arena_printf(r->arena,
			"Command completion recorded for %s", c.command_id));
out:
	json_decref(body);
	return err;
}
