/*
 * qarg.c - typed query parameters, answered in FastAPI's shapes.
 *
 * Before this module each endpoint family had its own copy (the
 * flamegraph's, the UI views', the ad hoc list's); the flags keep the
 * few places where their answers differed, so no client sees a change.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonx.h"
#include "log.h"
#include "num.h"
#include "profile.h"
#include "qarg.h"
#include "uidb.h"
#include "utc.h"

/* Answer FastAPI's 422 for one query parameter. */
int
qarg_422(struct req *r, const char *name, const char *msg, const char *type)
{
	int err = req_send_422(r, "query", name, msg, type);

	return err ? err : E_INVAL;
}

/* A string parameter, with the missing-field rule of flags. */
int
qarg_str(struct req *r, const char *name, unsigned flags, const char **out)
{
	*out = req_arg(r, name);
	if (*out && !**out && (flags & QARG_NONEMPTY))
		*out = NULL;
	if (!*out && (flags & QARG_REQUIRED))
		return qarg_422(r, name, "field required",
			"value_error.missing");
	return E_OK;
}

/* A service name without its one leading '_'. */
int
qarg_service_name(struct req *r, const char *name, unsigned flags,
	const char **out)
{
	int err = qarg_str(r, name, flags, out);

	if (!err && *out && (*out)[0] == '_')
		(*out)++;
	return err;
}

/* Look a service up; 406 when it is not there. */
int
qarg_service(struct req *r, struct app *app, const char *name,
	unsigned flags, const char **service, int64_t *id)
{
	const char *v, *shown;
	struct db *db;
	int err;

	if ((err = qarg_str(r, name, flags, &v)))
		return err;
	*service = (flags & QARG_CLEAN) ? prof_service_clean(r->arena,
		v ? v : "") : v ? v : "";
	if ((err = app_db(app, &db)))
		return err;
	err = uidb_service_id(db, *service, id);
	if (err == E_NOTFOUND && !(flags & QARG_CLEAN) && (*service)[0] == '_') {
		err = uidb_service_id(db, *service + 1, id);
		if (!err)
			(*service)++;
	}
	if (err == E_NOTFOUND) {
		shown = !(flags & QARG_CLEAN) ? *service : v ? v : "None";
		err = req_send_string(r, 406, arena_printf(r->arena,
			"service %s doesn't exists", shown));
		return err ? err : E_INVAL;
	}
	if (err)
		log_error("service lookup: %s", db_errmsg(db));
	return err;
}

/* A time parameter. */
int
qarg_time(struct req *r, const char *name, unsigned flags, int64_t *usec,
	bool *present)
{
	const char *v;
	char t[48];
	int err = qarg_str(r, name, flags, &v);

	if (present)
		*present = v != NULL;
	if (err || !v)
		return err;
	if (utc_parse(v, usec) || utc_format(*usec, UTC_FMT_Z, t, sizeof(t)))
		return qarg_422(r, name, "invalid datetime format",
			"value_error.datetime");
	return E_OK;
}

/* An unsigned integer parameter, clamped. */
int
qarg_u64(struct req *r, const char *name, unsigned flags, uint64_t def,
	uint64_t max, uint64_t *out)
{
	const char *v;
	uint64_t n;
	int err = qarg_str(r, name, flags, &v);

	*out = def;
	if (err || !v)
		return err;
	if (num_u64(v, UINT64_MAX, &n))
		return qarg_422(r, name, "value is not a valid integer",
			"type_error.integer");
	if (n == 0 && (flags & QARG_POSITIVE))
		return qarg_422(r, name, "ensure this value is greater than 0",
			"value_error.number.not_gt");
	*out = max && n > max ? max : n;
	return E_OK;
}

/* The first present name of an alias list. */
const char *
qarg_first(struct req *r, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (req_arg(r, names[i]))
			return names[i];
	return names[0];
}

/* A bool parameter. */
int
qarg_bool(struct req *r, const char *name, bool def, bool *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on", "t", "y" };
	static const char *const no[] = { "false", "0", "no", "off", "f", "n" };
	const char *v = req_arg(r, name);
	size_t i;

	*out = def;
	if (!v || !*v)
		return E_OK;
	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return E_OK;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return E_OK;
		}
	}
	return qarg_422(r, name, "value could not be parsed to a boolean",
		"type_error.bool");
}

/* An enumeration parameter. */
int
qarg_enum(struct req *r, const char *name, const char *const *names,
	size_t n, int def, int *out)
{
	const char *v = req_arg(r, name);
	size_t i;

	*out = def;
	if (!v || !*v)
		return E_OK;
	for (i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = (int)i;
			return E_OK;
		}
	return qarg_422(r, name, "value is not a valid enumeration member",
		"type_error.enum");
}

/* The RQL filter parameter. */
int
qarg_filter(struct req *r, const char *name, unsigned flags,
	struct rql *out)
{
	char msg[256];
	int err;

	switch (rql_parse(req_arg(r, name), r->arena, out, msg, sizeof(msg))) {
	case RQL_OK:
		return E_OK;
	case RQL_BAD_JSON:
		if (flags & QARG_JSONDECODE)
			return qarg_422(r, name, msg, "value_error.jsondecode");
		return qarg_422(r, name, "Invalid JSON", "value_error.json");
	default:
		err = req_send_take(r, 400, json_pack("[{s:[s],s:o,s:s}]",
			"loc", "filter", "msg", jsonx_cstr(msg), "type",
			"value_error"));
		return err ? err : E_INVAL;
	}
}
