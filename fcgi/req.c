/*
 * req.c - request parsing and the response writer.
 *
 * The parameters arrive as CGI variables.  Request headers are the
 * HTTP_* variables (the web server upper-cases the name and turns '-'
 * into '_'), so matching a header name means normalising it the same way;
 * that makes the match case-insensitive, which agents need ("Content-type"
 * from python-requests).
 *
 * The response is written as a CGI response: a "Status:" line, headers,
 * a blank line, then the body, through the io writer in one or two calls.
 * Responses are small except the flamegraph HTML, which is passed as one
 * contiguous block, so no streaming machinery is needed here.
 */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "mem.h"
#include "num.h"
#include "req.h"

/* The value of hexadecimal digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode into the arena; NULL on a bad escape or a NUL byte. */
char *
req_decode(struct arena *a, const char *s, size_t n, bool plus_space)
{
	char *out = arena_alloc(a, n + 1);
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (n - i < 3)
				return NULL;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return NULL;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (s[i] == '+' && plus_space) {
			out[o++] = ' ';
		} else if (s[i] == '\0') {
			return NULL;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* Parse "a=1&b=2" into r->args (in order); undecodable pairs are dropped. */
static void
parse_query(struct req *r)
{
	const char *p = r->query;
	struct req_kv **tail = &r->args;

	while (*p) {
		const char *amp = strchr(p, '&');
		const char *end = amp ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		const char *kend = eq ? eq : end;
		char *name, *value;
		struct req_kv *kv;

		if (end > p) {
			name = req_decode(r->arena, p, (size_t)(kend - p), true);
			value = eq ? req_decode(r->arena, eq + 1,
				(size_t)(end - eq - 1), true) :
				arena_strdup(r->arena, "");
			if (name && value && *name) {
				kv = arena_zalloc(r->arena, sizeof(*kv));
				kv->name = name;
				kv->value = value;
				*tail = kv;
				tail = &kv->next;
			}
		}
		p = amp ? amp + 1 : end;
	}
}

/* Set up r from the CGI parameters and the I/O callbacks. */
void
req_init(struct req *r, struct arena *a, char **env, const struct req_io *io)
{
	const char *uri, *q, *sn, *pi;
	char *path;

	memset(r, 0, sizeof(*r));
	r->arena = a;
	r->env = env;
	r->io = *io;
	r->method = req_env(r, "REQUEST_METHOD");
	if (!r->method)
		r->method = "GET";
	uri = req_env(r, "REQUEST_URI");
	if (uri) {
		q = strchr(uri, '?');
		path = req_decode(a, uri, q ? (size_t)(q - uri) : strlen(uri),
			false);
		r->query = arena_strdup(a, q ? q + 1 : "");
	} else {
		sn = req_env(r, "SCRIPT_NAME");
		pi = req_env(r, "PATH_INFO");
		path = arena_printf(a, "%s%s", sn ? sn : "", pi ? pi : "");
		q = req_env(r, "QUERY_STRING");
		r->query = arena_strdup(a, q ? q : "");
	}
	if (!path) {
		r->bad_path = true;
		path = arena_strdup(a, "");
	}
	r->path = path;
	parse_query(r);
}

/* Look up a CGI parameter by exact name. */
const char *
req_env(const struct req *r, const char *name)
{
	size_t n = strlen(name);
	char **e;

	if (!r->env)
		return NULL;
	for (e = r->env; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* Look up a request header by name, case-insensitively. */
const char *
req_header(const struct req *r, const char *name)
{
	char key[128];
	size_t i, off = 0, n = strlen(name);

	if (n + 6 >= sizeof(key))
		return NULL;
	if (strcasecmp(name, "content-type") != 0 &&
	    strcasecmp(name, "content-length") != 0) {
		memcpy(key, "HTTP_", 5);
		off = 5;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		key[off + i] = c == '-' ? '_' : (char)toupper(c);
	}
	key[off + n] = '\0';
	return req_env(r, key);
}

/* The first value of query parameter name. */
const char *
req_arg(const struct req *r, const char *name)
{
	const struct req_kv *kv;

	for (kv = r->args; kv; kv = kv->next)
		if (strcmp(kv->name, name) == 0)
			return kv->value;
	return NULL;
}

/* Every value of query parameter name. */
const char **
req_args(const struct req *r, const char *name, size_t *n)
{
	const struct req_kv *kv;
	const char **out;
	size_t count = 0;

	for (kv = r->args; kv; kv = kv->next)
		if (strcmp(kv->name, name) == 0)
			count++;
	out = arena_alloc(r->arena, (count + 1) * sizeof(*out));
	count = 0;
	for (kv = r->args; kv; kv = kv->next)
		if (strcmp(kv->name, name) == 0)
			out[count++] = kv->value;
	out[count] = NULL;
	*n = count;
	return out;
}

/* Parse the declared Content-Length. */
int
req_content_length(const struct req *r, size_t *out)
{
	const char *s = req_header(r, "Content-Length");
	uint64_t v;

	if (!s)
		return E_NOTFOUND;
	if (num_u64(s, SIZE_MAX, &v))
		return E_INVAL;
	*out = (size_t)v;
	return E_OK;
}

/* Read the body, capped at max bytes. */
int
req_read_body(struct req *r, size_t max, struct buf *out)
{
	char chunk[16384];
	size_t declared = 0, got = 0;
	bool have_len;
	int err;
	ssize_t n;

	err = req_content_length(r, &declared);
	if (err == E_INVAL)
		return E_INVAL;
	have_len = err == E_OK;
	if (have_len && declared > max)
		return E_TOOBIG;
	r->body_read = true;
	for (;;) {
		size_t want = sizeof(chunk);

		if (have_len) {
			if (got >= declared)
				break;
			if (declared - got < want)
				want = declared - got;
		}
		n = r->io.read(r->io.ctx, chunk, want);
		if (n < 0)
			return E_IO;
		if (n == 0)
			break;
		if (got + (size_t)n > max)
			return E_TOOBIG;
		err = buf_add(out, chunk, (size_t)n);
		if (err)
			return err;
		got += (size_t)n;
	}
	if (have_len && got < declared)
		return E_IO;
	return E_OK;
}

/* Remember an extra response header. */
void
req_add_header(struct req *r, const char *name, const char *value)
{
	struct req_kv *kv = arena_zalloc(r->arena, sizeof(*kv));

	kv->name = arena_strdup(r->arena, name);
	kv->value = arena_strdup(r->arena, value);
	kv->next = r->resp_headers;
	r->resp_headers = kv;
}

/* The reason phrase for a status code. */
const char *
req_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

/* Write the status line and headers through the io writer. */
int
req_send_start(struct req *r, int status, const char *content_type,
	size_t len)
{
	struct buf head = BUF_INIT(0);
	const struct req_kv *kv;
	int err = E_OK;

	if (r->status)
		return E_INTERNAL;
	r->status = status;
	if (!content_type)
		content_type = "application/json";
	buf_putf(&head, "Status: %d %s\r\n", status, req_status_text(status));
	if (status != 204)
		buf_putf(&head, "Content-Type: %s\r\nContent-Length: %zu\r\n",
			content_type, len);
	buf_puts(&head, "Cache-Control: no-store\r\n");
	for (kv = r->resp_headers; kv; kv = kv->next)
		buf_putf(&head, "%s: %s\r\n", kv->name, kv->value);
	buf_puts(&head, "\r\n");
	if (r->io.write(r->io.ctx, head.data, head.len) < 0)
		err = E_IO;
	buf_release(&head);
	return err;
}

/* Body bytes of a started response. */
int
req_write(struct req *r, const void *p, size_t n)
{
	if (n && r->io.write(r->io.ctx, p, n) < 0)
		return E_IO;
	return E_OK;
}

/* The whole response at once. */
int
req_send(struct req *r, int status, const char *content_type,
	const void *body, size_t len)
{
	int err = req_send_start(r, status, content_type, len);

	if (!err && status != 204)
		err = req_write(r, body, len);
	return err;
}

/* Send JSON text. */
int
req_send_json(struct req *r, int status, const struct buf *body)
{
	return req_send(r, status, NULL, body->data, body->len);
}

/* Dump a json_t and send it. */
int
req_send_value(struct req *r, int status, const json_t *v)
{
	struct buf b = BUF_INIT(0);
	int err;

	if (!v) {
		static const char oom[] = "{\"message\":\"Internal error\"}";

		return req_send(r, 500, NULL, oom, sizeof(oom) - 1);
	}
	err = jsonx_dump(v, &b);
	if (!err)
		err = req_send_json(r, status, &b);
	buf_release(&b);
	return err;
}

/* Dump, send and drop a json_t. */
int
req_send_take(struct req *r, int status, json_t *v)
{
	int err = req_send_value(r, status, v);

	json_decref(v);
	return err;
}

/* Append s as a JSON string literal (invalid UTF-8 becomes U+FFFD). */
int
req_json_str(struct buf *out, const char *s)
{
	return jsonx_escape(out, s, strlen(s));
}

/* Send {"message": msg}. */
int
req_send_message(struct req *r, int status, const char *msg)
{
	return req_send_take(r, status,
		json_pack("{s:o}", "message", jsonx_cstr(msg)));
}

/* Send a bare JSON string. */
int
req_send_string(struct req *r, int status, const char *msg)
{
	return req_send_take(r, status, jsonx_cstr(msg));
}

/* One FastAPI validation error item. */
json_t *
req_422_item(const char *where, const char *field, const char *msg,
	const char *type)
{
	json_t *loc = json_pack("[o]", jsonx_cstr(where));

	if (field)
		json_array_append_new(loc, jsonx_cstr(field));
	return json_pack("{s:o,s:o,s:o}", "loc", loc, "msg", jsonx_cstr(msg),
		"type", jsonx_cstr(type));
}

/* Send 422 with a list of items. */
int
req_send_422_take(struct req *r, json_t *items)
{
	return req_send_take(r, 422, json_pack("{s:o}", "detail", items));
}

/* Send a FastAPI-shaped 422 validation error. */
int
req_send_422(struct req *r, const char *where, const char *field,
	const char *msg, const char *type)
{
	return req_send_422_take(r,
		json_pack("[o]", req_422_item(where, field, msg, type)));
}

/* Memory reader: hand out the next bytes of m->in. */
static ssize_t
mem_read(void *ctx, void *p, size_t n)
{
	struct req_mem *m = ctx;
	size_t left = m->in_len - m->in_off;

	if (n > left)
		n = left;
	memcpy(p, m->in + m->in_off, n);
	m->in_off += n;
	return (ssize_t)n;
}

/* Memory writer: append to m->out. */
static int
mem_write(void *ctx, const void *p, size_t n)
{
	struct req_mem *m = ctx;

	return buf_add(&m->out, p, n) ? -1 : 0;
}

/* Prepare an in-memory request body and an empty response buffer. */
void
req_mem_init(struct req_mem *m, const char *in, size_t in_len)
{
	m->in = in ? in : "";
	m->in_len = in ? in_len : 0;
	m->in_off = 0;
	buf_init(&m->out, 0);
}

/* Free the captured response. */
void
req_mem_release(struct req_mem *m)
{
	buf_release(&m->out);
}

/* The io triple for m. */
struct req_io
req_mem_io(struct req_mem *m)
{
	struct req_io io = { mem_read, mem_write, m };

	return io;
}

/* The status from the captured "Status:" line. */
int
req_mem_status(const struct req_mem *m)
{
	uint64_t v;

	if (strncmp(m->out.data, "Status: ", 8) != 0 || m->out.len < 11 ||
	    num_u64n(m->out.data + 8, 3, 999, &v))
		return 0;
	return (int)v;
}

/* The captured body. */
const char *
req_mem_body(const struct req_mem *m)
{
	const char *p = strstr(m->out.data, "\r\n\r\n");

	return p ? p + 4 : "";
}

/* A captured response header, copied into the arena. */
const char *
req_mem_header(const struct req_mem *m, struct arena *a, const char *name)
{
	const char *p = m->out.data;
	const char *end = strstr(p, "\r\n\r\n");
	size_t n = strlen(name);

	while (end && p < end) {
		const char *eol = strstr(p, "\r\n");

		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			return arena_memdupz(a, v, (size_t)(eol - v));
		}
		p = eol + 2;
	}
	return NULL;
}
