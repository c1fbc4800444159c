/*
 * rql.c - filter parsing.
 *
 * The JSON form goes through jsonx_parse() (depth-capped) and is then
 * checked against the upstream model: a top-level object with an object
 * "filter" whose keys are "$and"/"$or", each a list of one-key objects
 * {FilterType: {CmpOp: "value"}}.  Unknown top-level keys ("id") are
 * ignored as pydantic ignores them; anything else off the model is a
 * shape error.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "jsonx.h"
#include "rql.h"

static const char *const types[][2] = {
	{ "hn", "HostName" },
	{ "cn", "ContainerName" },
	{ "cen", "ContainerEnvName" },
	{ "it", "InstanceType" },
};

/* The canonical type name for a JSON key, or NULL. */
static const char *
type_name(const char *s, bool compact)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (strcmp(s, types[i][compact ? 0 : 1]) == 0)
			return types[i][1];
	return NULL;
}

/* Add one condition (false when the cap is reached). */
static bool
add(struct rql *q, struct arena *a, const char *type, enum rql_op op,
	const char *value, bool or_group)
{
	struct rql_cond *c;

	if (q->n >= RQL_MAX_CONDS)
		return false;
	if (q->n == 0)
		q->conds = arena_alloc(a, RQL_MAX_CONDS * sizeof(*q->conds));
	c = &q->conds[q->n++];
	c->type = type;
	c->op = op;
	c->value = arena_strdup(a, value);
	c->or_group = or_group;
	return true;
}

/* Parse one {"HostName":{"$eq":"v"}} condition object. */
static bool
parse_cond(json_t *o, struct rql *q, struct arena *a, bool or_group,
	char *err, size_t errlen)
{
	const char *key, *type, *opk;
	json_t *cmp, *v;

	if (!json_is_object(o) || json_object_size(o) != 1) {
		snprintf(err, errlen, "a condition must be an object with one "
			"filter type");
		return false;
	}
	json_object_foreach(o, key, cmp) {
		type = type_name(key, false);
		if (!type) {
			snprintf(err, errlen, "unknown filter type");
			return false;
		}
		if (!json_is_object(cmp) || json_object_size(cmp) != 1) {
			snprintf(err, errlen, "a filter type needs one operator");
			return false;
		}
		json_object_foreach(cmp, opk, v) {
			enum rql_op op;

			if (strcmp(opk, "$eq") == 0)
				op = RQL_EQ;
			else if (strcmp(opk, "$neq") == 0)
				op = RQL_NEQ;
			else {
				snprintf(err, errlen, "unknown operator");
				return false;
			}
			if (!json_is_string(v) ||
			    strlen(json_string_value(v)) != json_string_length(v)) {
				snprintf(err, errlen, "a filter value must be a "
					"string");
				return false;
			}
			if (!add(q, a, type, op, json_string_value(v), or_group)) {
				snprintf(err, errlen, "too many conditions");
				return false;
			}
		}
	}
	return true;
}

/* Parse the JSON spelling. */
static enum rql_status
parse_json(const char *text, struct arena *a, struct rql *q, char *err,
	size_t errlen)
{
	json_t *root = NULL, *f, *group, *c;
	enum rql_status st = RQL_BAD_SHAPE;
	const char *logic;
	size_t i;

	if (jsonx_parse(text, strlen(text), &root, err, errlen))
		return RQL_BAD_JSON;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "filter must be an object");
		goto out;
	}
	f = json_object_get(root, "filter");
	if (!f) {
		snprintf(err, errlen, "field required: filter");
		goto out;
	}
	if (!json_is_object(f)) {
		snprintf(err, errlen, "filter.filter must be an object");
		goto out;
	}
	json_object_foreach(f, logic, group) {
		bool or_group;

		if (strcmp(logic, "$and") == 0)
			or_group = false;
		else if (strcmp(logic, "$or") == 0)
			or_group = true;
		else {
			snprintf(err, errlen, "unknown logical operator");
			goto out;
		}
		if (!json_is_array(group)) {
			snprintf(err, errlen, "a logical group must be a list");
			goto out;
		}
		json_array_foreach(group, i, c)
			if (!parse_cond(c, q, a, or_group, err, errlen))
				goto out;
	}
	st = RQL_OK;
out:
	json_decref(root);
	return st;
}

/* Parse the compact URL spelling. */
static enum rql_status
parse_compact(const char *text, struct arena *a, struct rql *q, char *err,
	size_t errlen)
{
	char *copy = arena_strdup(a, text);
	char *tok[3 * RQL_MAX_CONDS + RQL_MAX_CONDS];
	size_t ntok = 0, i;
	bool or_group = false;
	char *p = copy;

	for (;;) {
		char *comma = strchr(p, ',');

		if (ntok >= ARRAY_SIZE(tok)) {
			snprintf(err, errlen, "too many conditions");
			return RQL_BAD_SHAPE;
		}
		tok[ntok++] = p;
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	/* rule (sep rule)*: 3 tokens, then 4 per further rule */
	if (ntok < 3 || (ntok - 3) % 4 != 0) {
		snprintf(err, errlen, "malformed compact filter");
		return RQL_BAD_SHAPE;
	}
	for (i = 0; i < ntok; i += 4) {
		const char *type = type_name(tok[i], true);
		enum rql_op op;

		if (i > 0) {
			const char *sep = tok[i - 1];

			if (strcmp(sep, "o") == 0)
				or_group = true;
			else if (strcmp(sep, "a") != 0) {
				snprintf(err, errlen, "unknown joiner in compact "
					"filter");
				return RQL_BAD_SHAPE;
			}
		}
		if (!type) {
			snprintf(err, errlen, "unknown filter type in compact "
				"filter");
			return RQL_BAD_SHAPE;
		}
		if (strcmp(tok[i + 1], "is") == 0)
			op = RQL_EQ;
		else if (strcmp(tok[i + 1], "not") == 0)
			op = RQL_NEQ;
		else {
			snprintf(err, errlen, "unknown operator in compact filter");
			return RQL_BAD_SHAPE;
		}
		if (!add(q, a, type, op, tok[i + 2], or_group)) {
			snprintf(err, errlen, "too many conditions");
			return RQL_BAD_SHAPE;
		}
	}
	/* One "o" anywhere makes it an $or expression, as the UI builds it. */
	for (i = 0; i < q->n; i++)
		q->conds[i].or_group = or_group;
	return RQL_OK;
}

/* Parse either spelling. */
enum rql_status
rql_parse(const char *text, struct arena *a, struct rql *out, char *err,
	size_t errlen)
{
	const char *p = text;
	enum rql_status st;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (!text)
		return RQL_OK;
	if (strlen(text) > RQL_MAX_LEN) {
		snprintf(err, errlen, "filter too long");
		return RQL_BAD_SHAPE;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (!*p)
		return RQL_OK;
	if (*p == '{' || *p == '[' || *p == '"')
		st = parse_json(p, a, out, err, errlen);
	else
		st = parse_compact(p, a, out, err, errlen);
	if (st != RQL_OK)
		out->n = 0;
	return st;
}

/* Collect the $eq values of one type. */
const char **
rql_eq_values(const struct rql *q, struct arena *a, const char *type,
	size_t *n)
{
	const char **v = NULL;
	size_t i, k = 0;

	for (i = 0; i < q->n; i++) {
		if (q->conds[i].op != RQL_EQ || strcmp(q->conds[i].type, type))
			continue;
		if (!v)
			v = arena_alloc(a, (q->n + 1) * sizeof(*v));
		v[k++] = q->conds[i].value;
	}
	if (v)
		v[k] = NULL;
	*n = k;
	return v;
}
