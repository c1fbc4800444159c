/*
 * cmdcfg.c - combined_config construction and merging.
 *
 * Upstream meant to merge a new start into a still-pending command
 * (_merge_profiling_configs) but never did, because its SELECT did not
 * fetch the status it tested.  We do it: a command that no agent has
 * received yet is replaced by the union of both requests, so two quick
 * starts on one host are not silently reduced to the last one.
 */
#include "compat.h"

#include <string.h>

#include "cmdcfg.h"

/* Build a fresh start config. */
json_t *
cmdcfg_new_start(const struct cmdcfg_start *s, json_t *pids)
{
	json_t *cfg = json_object();
	const char *key;
	json_t *v;

	if (json_is_object(s->additional_args))
		json_object_foreach(s->additional_args, key, v)
			json_object_set(cfg, key, v);
	json_object_set_new(cfg, "command_type", json_string("start"));
	json_object_set_new(cfg, "continuous", json_boolean(s->continuous));
	json_object_set_new(cfg, "duration", json_integer(s->duration));
	json_object_set_new(cfg, "frequency", json_integer(s->frequency));
	json_object_set_new(cfg, "profiling_mode",
		json_string(s->profiling_mode ? s->profiling_mode : "cpu"));
	if (s->stop_level)
		json_object_set_new(cfg, "stop_level",
			json_string(s->stop_level));
	else
		json_object_del(cfg, "stop_level");
	if (json_is_array(pids) && json_array_size(pids) > 0)
		json_object_set(cfg, "pids", pids);
	else
		json_object_del(cfg, "pids");
	return cfg;
}

/* The larger of two integer members (missing counts as absent). */
static void
merge_max(json_t *out, json_t *a, json_t *b, const char *key)
{
	json_t *x = json_object_get(a, key), *y = json_object_get(b, key);

	if (json_is_integer(x) && json_is_integer(y))
		json_object_set_new(out, key, json_integer(
			json_integer_value(x) > json_integer_value(y) ?
			json_integer_value(x) : json_integer_value(y)));
	else if (json_is_integer(x) && !y)
		json_object_set(out, key, x);
}

/* Whether array arr holds an integer equal to v. */
static bool
has_int(json_t *arr, json_int_t v)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e)
		if (json_is_integer(e) && json_integer_value(e) == v)
			return true;
	return false;
}

/* Merge a fresh start config into a pending one. */
json_t *
cmdcfg_merge(json_t *pending, json_t *fresh)
{
	json_t *out = json_deep_copy(fresh);
	json_t *pa = json_object_get(pending, "pids");
	json_t *pb = json_object_get(fresh, "pids");
	json_t *u, *e;
	size_t i;

	if (!json_is_object(pending) || !json_is_object(out))
		return out ? out : json_object();
	if (json_is_string(json_object_get(pending, "command_type")) &&
	    strcmp(json_string_value(json_object_get(pending,
		"command_type")), "start") != 0)
		return out;
	merge_max(out, pending, fresh, "duration");
	merge_max(out, pending, fresh, "frequency");
	if (json_is_true(json_object_get(pending, "continuous")))
		json_object_set_new(out, "continuous", json_true());
	if (json_is_array(pa) && json_array_size(pa) &&
	    json_is_array(pb) && json_array_size(pb)) {
		u = json_deep_copy(pa);
		json_array_foreach(pb, i, e)
			if (json_is_integer(e) &&
			    !has_int(u, json_integer_value(e)))
				json_array_append(u, e);
		json_object_set_new(out, "pids", u);
	} else {
		json_object_del(out, "pids");
	}
	return out;
}

/* have minus drop. */
json_t *
cmdcfg_pids_minus(json_t *have, json_t *drop)
{
	json_t *out = json_array();
	json_t *e;
	size_t i;

	json_array_foreach(have, i, e)
		if (json_is_integer(e) && !has_int(drop, json_integer_value(e)))
			json_array_append(out, e);
	return out;
}

/* Validate one target_hosts value. */
bool
cmdcfg_pids_valid(json_t *v, size_t *n_pids)
{
	json_t *e;
	size_t i;

	*n_pids = 0;
	if (json_is_null(v))
		return true;
	if (!json_is_array(v))
		return false;
	json_array_foreach(v, i, e)
		if (!json_is_integer(e) || json_integer_value(e) <= 0 ||
		    json_integer_value(e) > INT32_MAX)
			return false;
	*n_pids = json_array_size(v);
	return true;
}
