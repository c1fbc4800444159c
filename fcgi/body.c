/*
 * body.c - the JSON body of a request and its typed fields.
 *
 * Validation errors mirror FastAPI/pydantic v1 so upstream clients and
 * tests see the same shape: 422 {"detail":[{"loc":["body",field],"msg":
 * ...,"type":...}]}.
 */
#include "compat.h"

#include <string.h>

#include "body.h"
#include "jsonx.h"
#include "num.h"

/*
 * The column of jsonx_parse()'s "line L column C: ..." message when L is
 * 1 (the only case where it is a byte offset FastAPI would report), else
 * 1.
 */
static uint64_t
jsondecode_col(const char *msg)
{
	const char *p = msg;
	uint64_t line, col;

	if (strncmp(p, "line ", 5) != 0)
		return 1;
	p += 5;
	if (num_dec(&p, UINT32_MAX, &line) || line != 1 ||
	    strncmp(p, " column ", 8) != 0)
		return 1;
	p += 8;
	if (num_dec(&p, INT32_MAX, &col) || col < 1)
		return 1;
	return col;
}

/*
 * Answer FastAPI's 422 for undecodable JSON: loc is ["body", offset],
 * the offset taken from the parser's column on the first line (0 else).
 */
static int
send_jsondecode(struct req *r, const char *msg)
{
	json_t *item;
	int err;

	item = json_pack("{s:[s,I],s:o,s:s}", "loc", "body",
		(json_int_t)(jsondecode_col(msg) - 1), "msg", jsonx_cstr(msg),
		"type", "value_error.jsondecode");
	err = req_send_422_take(r, json_pack("[o]", item));
	return err ? err : E_INVAL;
}

/* Read and parse a JSON object body, answering the client on failure. */
int
body_read_json(struct req *r, size_t max, json_t **out)
{
	struct buf body = BUF_INIT(0);
	char jerr[200];
	json_t *root = NULL;
	int err;

	*out = NULL;
	body.max = max;
	err = req_read_body(r, max, &body);
	if (err == E_TOOBIG) {
		err = req_send_message(r, 413, "Request body too large");
		err = err ? err : E_TOOBIG;
		goto out;
	}
	if (err) {
		err = req_send_message(r, 400, "Could not read the request body");
		err = err ? err : E_INVAL;
		goto out;
	}
	if (jsonx_parse(body.data, body.len, &root, jerr, sizeof(jerr))) {
		err = send_jsondecode(r, jerr);
		goto out;
	}
	if (!json_is_object(root)) {
		err = req_send_422(r, "body", NULL, "value is not a valid dict",
			"type_error.dict");
		err = err ? err : E_INVAL;
		json_decref(root);
		goto out;
	}
	*out = root;
	err = E_OK;
out:
	buf_release(&body);
	return err;
}

/* Answer 422 for one field and return E_INVAL. */
static int
field_422(struct req *r, const char *key, const char *msg, const char *type)
{
	int err = req_send_422(r, "body", key, msg, type);

	return err ? err : E_INVAL;
}

/* A string field, pydantic-style. */
int
body_str(struct req *r, json_t *obj, const char *key, bool required,
	const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || (json_is_null(v) && !required)) {
		if (required)
			return field_422(r, key, "field required",
				"value_error.missing");
		return E_OK;
	}
	if (json_is_string(v)) {
		*out = arena_memdupz(r->arena, json_string_value(v),
			json_string_length(v));
		if (strlen(*out) != json_string_length(v))
			return field_422(r, key, "string contains a NUL byte",
				"value_error");
		return E_OK;
	}
	if (json_is_integer(v)) {
		*out = arena_printf(r->arena, "%lld",
			(long long)json_integer_value(v));
		return E_OK;
	}
	if (json_is_real(v)) {
		*out = arena_printf(r->arena, "%.17g", json_real_value(v));
		return E_OK;
	}
	if (json_is_null(v))
		return field_422(r, key, "none is not an allowed value",
			"type_error.none.not_allowed");
	return field_422(r, key, "str type expected", "type_error.str");
}

/* An integer field, pydantic-style. */
int
body_int(struct req *r, json_t *obj, const char *key, int64_t def,
	bool positive, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	*out = def;
	if (!v || json_is_null(v))
		return E_OK;
	if (json_is_integer(v))
		*out = json_integer_value(v);
	else if (json_is_real(v) &&
		 json_real_value(v) == (double)(int64_t)json_real_value(v))
		*out = (int64_t)json_real_value(v);
	else
		return field_422(r, key, "value is not a valid integer",
			"type_error.integer");
	if (*out > INT32_MAX || *out < INT32_MIN)
		return field_422(r, key, "value is out of range",
			"value_error");
	if (positive && *out <= 0)
		return field_422(r, key, "ensure this value is greater than 0",
			"value_error.number.not_gt");
	return E_OK;
}

/* A boolean field. */
int
body_bool(struct req *r, json_t *obj, const char *key, bool def, bool *out)
{
	json_t *v = json_object_get(obj, key);

	*out = def;
	if (!v || json_is_null(v))
		return E_OK;
	if (!json_is_boolean(v))
		return field_422(r, key, "value could not be parsed to a boolean",
			"type_error.bool");
	*out = json_is_true(v);
	return E_OK;
}

