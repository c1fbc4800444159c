/*
 * h_profile_request.c - POST /api/metrics/profile_request, the operator's
 * start or stop of profiling on some hosts of a service.
 *
 * Wire format as upstream's; where we differ on purpose:
 *
 *  - A request must name its hosts: target_hosts ({host: [pid, ...] or
 *    null}) with at least one host, or, for a start only, the explicit
 *    "all_hosts": true, which starts the service's active hosts (a
 *    heartbeat within fcgi.active_window, by server clock) and answers 400
 *    when there are none.  A start with neither is a 422 (upstream profiled
 *    every active host, so a misspelled field did the same).
 *  - Unknown top-level fields are a 422 naming each one, so a misspelled
 *    field (target_hostnames, say) never changes what runs.
 *  - A start on a host whose command is still pending is merged into it
 *    (cmdcfg.c).
 *
 * The request row and every host's command are written in one durable
 * transaction.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "adlib.h"
#include "body.h"
#include "cmdcfg.h"
#include "commands.h"
#include "jsonx.h"
#include "log.h"
#include "route.h"
#include "utc.h"
#include "uuidx.h"

/* Most hosts one profile request may name. */
#define PREQ_MAX_HOSTS 10000

/* The top-level fields a profile request may carry. */
static const char *const preq_fields[] = {
	"service_name", "request_type", "continuous", "duration", "frequency",
	"profiling_mode", "target_hosts", "all_hosts", "stop_level",
	"additional_args",
};

/* A validated profile request. */
struct preq {
	const char *service;
	const char *type;		/* "start" | "stop" */
	const char *stop_level;		/* as sent, or NULL */
	bool all_hosts;			/* start every active host */
	struct cmdcfg_start start;
	json_t *targets;		/* object host -> pids|null, or NULL */
	const char **hosts;		/* the hosts to command */
	size_t nhosts;
	char request_id[37];
};

/* Answer a 422 for one field and return E_INVAL. */
static int
field_422(struct req *r, const char *field, const char *msg, const char *type)
{
	int err = req_send_422(r, "body", field, msg, type);

	return err ? err : E_INVAL;
}

/* Answer 422 naming every unknown top-level field, if any. */
static int
check_fields(struct req *r, json_t *body)
{
	json_t *items = NULL, *v;
	const char *key;
	size_t i;
	bool known;
	int err;

	json_object_foreach(body, key, v) {
		known = false;
		for (i = 0; i < ARRAY_SIZE(preq_fields); i++)
			known |= strcmp(key, preq_fields[i]) == 0;
		if (known)
			continue;
		if (!items)
			items = json_array();
		json_array_append_new(items, json_pack("{s:[s,o],s:s,s:s}",
			"loc", "body", jsonx_cstr(key),
			"msg", "extra fields not permitted",
			"type", "value_error.extra"));
	}
	if (!items)
		return E_OK;
	err = req_send_422_take(r, items);
	return err ? err : E_INVAL;
}

/* Read target_hosts into q (422 on a bad value). */
static int
parse_targets(struct req *r, json_t *v, struct preq *q, bool *any_pids,
	bool *any_list)
{
	const char *key;
	json_t *pids;
	size_t npids, i = 0;

	if (!json_is_object(v) || json_object_size(v) > PREQ_MAX_HOSTS)
		return field_422(r, "target_hosts", "value is not a valid dict",
			"type_error.dict");
	q->hosts = arena_alloc(r->arena,
		(json_object_size(v) + 1) * sizeof(*q->hosts));
	json_object_foreach(v, key, pids) {
		if (!cmdcfg_pids_valid(pids, &npids) || !*key ||
		    strlen(key) > 255)
			return field_422(r, "target_hosts", "target_hosts must "
				"map host names to a list of PIDs or null",
				"value_error");
		*any_list |= !json_is_null(pids);
		*any_pids |= npids > 0;
		q->hosts[i++] = key;
	}
	q->nhosts = i;
	if (i)
		q->targets = v;
	return E_OK;
}

/* Validate the request body into q (answering 422 on failure). */
static int
preq_parse(struct req *r, json_t *body, struct preq *q)
{
	const char *mode;
	json_t *v, *args;
	bool any_pids = false, any_list = false;
	int err;

	memset(q, 0, sizeof(*q));
	if ((err = check_fields(r, body)) ||
	    (err = body_str(r, body, "service_name", true, &q->service)) ||
	    (err = body_str(r, body, "request_type", true, &q->type)))
		return err;
	if (strcmp(q->type, "start") != 0 && strcmp(q->type, "stop") != 0)
		return field_422(r, "request_type",
			"request_type must be 'start' or 'stop'", "value_error");
	if ((err = body_bool(r, body, "continuous", false,
		&q->start.continuous)) ||
	    (err = body_int(r, body, "duration", 60, true,
		&q->start.duration)) ||
	    (err = body_int(r, body, "frequency", 11, true,
		&q->start.frequency)) ||
	    (err = body_str(r, body, "profiling_mode", false, &mode)) ||
	    (err = body_str(r, body, "stop_level", false, &q->stop_level)) ||
	    (err = body_bool(r, body, "all_hosts", false, &q->all_hosts)))
		return err;
	q->start.profiling_mode = mode ? mode : "cpu";
	if (strcmp(q->start.profiling_mode, "cpu") != 0 &&
	    strcmp(q->start.profiling_mode, "allocation") != 0 &&
	    strcmp(q->start.profiling_mode, "none") != 0)
		return field_422(r, "profiling_mode",
			"profiling_mode must be 'cpu', 'allocation' or 'none'",
			"value_error");
	if (q->stop_level && strcmp(q->stop_level, "process") != 0 &&
	    strcmp(q->stop_level, "host") != 0)
		return field_422(r, "stop_level",
			"stop_level must be 'process' or 'host'", "value_error");
	q->start.stop_level = q->stop_level;
	args = json_object_get(body, "additional_args");
	if (args && !json_is_null(args) && !json_is_object(args))
		return field_422(r, "additional_args",
			"value is not a valid dict", "type_error.dict");
	q->start.additional_args = json_is_object(args) ? args : NULL;
	v = json_object_get(body, "target_hosts");
	if (v && !json_is_null(v) &&
	    (err = parse_targets(r, v, q, &any_pids, &any_list)))
		return err;
	if (strcmp(q->type, "start") == 0) {
		if (q->all_hosts && q->nhosts)
			return field_422(r, "all_hosts", "give either "
				"target_hosts or \"all_hosts\": true, not both",
				"value_error");
		if (!q->all_hosts && !q->nhosts)
			return field_422(r, "target_hosts", "field required: "
				"name the hosts, or send \"all_hosts\": true to "
				"profile every active host of the service",
				"value_error.missing");
		return E_OK;
	}
	if (q->all_hosts)
		return field_422(r, "all_hosts", "all_hosts is only for start "
			"requests: a stop names its hosts", "value_error");
	if ((!q->stop_level || strcmp(q->stop_level, "process") == 0) &&
	    !any_pids)
		return field_422(r, "__root__", "At least one PID must be "
			"provided when request_type is \"stop\" and stop_level "
			"is \"process\"", "value_error");
	if (q->stop_level && strcmp(q->stop_level, "host") == 0 && any_list)
		return field_422(r, "__root__", "PIDs must not be provided "
			"when stop_level is \"host\"", "value_error");
	return E_OK;
}

/*
 * Decide the command of one host for request q from its current one.
 * *type and the returned config (a new reference) are what to write;
 * NULL with no error when there is nothing to do (a process stop naming
 * no PIDs for this host).
 */
static json_t *
command_decide(const struct preq *q, const char *host, bool found,
	const struct commands_current *cur, const char **type, bool *append)
{
	json_t *pids = q->targets ? json_object_get(q->targets, host) : NULL;
	json_t *old = found ? cur->config : NULL, *cfg, *left, *m;
	bool old_start = found && strcmp(cur->command_type, "start") == 0;

	*type = q->type;
	*append = false;
	if (strcmp(q->type, "start") == 0) {
		cfg = cmdcfg_new_start(&q->start, pids);
		if (old && old_start && strcmp(cur->status, "pending") == 0) {
			m = cmdcfg_merge(old, cfg);
			json_decref(cfg);
			cfg = m;
			*append = true;
		}
		return cfg;
	}
	if (q->stop_level && strcmp(q->stop_level, "host") == 0) {
		*append = true;
		return json_pack("{s:s}", "stop_level", "host");
	}
	if (old && old_start &&
	    json_array_size(json_object_get(old, "pids"))) {
		left = cmdcfg_pids_minus(json_object_get(old, "pids"),
			json_is_array(pids) ? pids : NULL);
		*append = true;
		if (json_array_size(left) == 0) {
			json_decref(left);
			return json_pack("{s:s}", "stop_level", "host");
		}
		cfg = json_deep_copy(old);
		json_object_set_new(cfg, "pids", left);
		*type = "start";
		return cfg;
	}
	if (!json_is_array(pids) || json_array_size(pids) == 0)
		return NULL;
	return json_pack("{s:s,s:O}", "stop_level", "process", "pids", pids);
}

/* What the transaction needs and what it yields. */
struct preq_tx {
	struct req *r;
	const struct preq *q;
	int64_t eta;
	const char **cids;	/* command ids written, in host order */
	size_t ncmd;
};

/* The request row and every host's command, inside one transaction. */
static int
preq_write(struct db *db, void *ctx)
{
	struct preq_tx *t = ctx;
	const struct preq *q = t->q;
	struct commands_request row = {
		.request_id = q->request_id, .type = q->type,
		.service = q->service, .continuous = q->start.continuous,
		.duration = q->start.duration, .frequency = q->start.frequency,
		.profiling_mode = q->start.profiling_mode, .hosts = q->hosts,
		.nhosts = q->nhosts,
		.stop_level = q->stop_level ? q->stop_level : "process",
		.eta_usec = t->eta,
	};
	char *args = NULL;
	size_t i;
	int err;

	if (q->start.additional_args) {
		args = json_dumps(q->start.additional_args, JSON_COMPACT);
		row.additional_args = arena_strdup(t->r->arena, args);
		free(args);
	}
	err = commands_request_insert(db, t->r->arena, &row);
	for (i = 0; !err && i < q->nhosts; i++) {
		struct commands_current cur;
		const char *type;
		json_t *cfg;
		bool found, append;
		char cid[37];

		err = commands_lock(db, t->r->arena, q->hosts[i], q->service,
			&found, &cur);
		if (err)
			break;
		cfg = command_decide(q, q->hosts[i], found, &cur, &type,
			&append);
		json_decref(cur.config);
		if (!cfg)
			continue;
		uuidx_new(cid);
		err = commands_put(db, cid, q->hosts[i], q->service, type,
			q->request_id, cfg, append);
		json_decref(cfg);
		if (!err)
			t->cids[t->ncmd++] = arena_strdup(t->r->arena, cid);
	}
	if (!err)	/* who asked (shared/db/adlib.h) */
		err = adlib_audit(db, req_env(t->r, "REMOTE_USER"),
			strcmp(q->type, "stop") == 0 ? "stop" : "profile_request",
			q->service, q->request_id, NULL);
	return err;
}

/* The answer: request id, command ids and the estimated completion. */
static int
preq_reply(struct req *r, const struct preq *q, const struct preq_tx *t)
{
	bool start = strcmp(q->type, "start") == 0;
	json_t *ids = json_array();
	size_t i;

	for (i = 0; i < t->ncmd; i++)
		json_array_append_new(ids, json_string(t->cids[i]));
	return req_send_take(r, 200, json_pack("{s:b,s:s,s:s,s:o,s:o}",
		"success", 1,
		"message", arena_printf(r->arena, "%s profiling request "
			"submitted successfully for service '%s'%s",
			start ? "Start" : "Stop", q->service, t->ncmd == 1 ? "" :
			arena_printf(r->arena, " across %zu hosts", t->ncmd)),
		"request_id", q->request_id,
		"command_ids", ids,
		"estimated_completion_time",
		t->eta ? jsonx_utc(t->eta) : json_null()));
}

/* POST /api/metrics/profile_request. */
int
h_profile_request(struct req *r, struct app *app)
{
	struct preq q;
	struct preq_tx t = { .r = r, .q = &q };
	json_t *body = NULL;
	struct db *db = NULL;
	int err;

	err = body_read_json(r, app->cfg->fcgi.max_json, &body);
	if (err)
		goto out;
	err = preq_parse(r, body, &q);
	if (err)
		goto out;
	if (strcmp(q.type, "stop") == 0 && q.nhosts == 0) {
		err = req_send_message(r, 400,
			"Stop commands require specific target hosts");
		goto out;
	}
	err = app_db(app, &db);
	if (err)
		goto out;
	if (q.all_hosts) {
		err = commands_active_hosts(db, r->arena, q.service,
			app->cfg->fcgi.active_window, &q.hosts, &q.nhosts);
		if (err) {
			log_error("active hosts: %s", db_errmsg(db));
			goto out;
		}
		if (q.nhosts == 0) {
			err = req_send_message(r, 400, arena_printf(r->arena,
				"No active hosts for service '%s'", q.service));
			goto out;
		}
	}
	uuidx_new(q.request_id);
	if (strcmp(q.type, "start") == 0)
		t.eta = utc_now_usec() + q.start.duration * 1000000;
	t.cids = arena_alloc(r->arena, (q.nhosts + 1) * sizeof(*t.cids));
	err = db_tx(db, preq_write, &t);
	if (err) {
		log_error("profile request: %s", db_errmsg(db));
		err = req_send_string(r, 500,
			"Failed to save profiling request to database");
		goto out;
	}
	err = preq_reply(r, &q, &t);
out:
	json_decref(body);
	return err;
}
