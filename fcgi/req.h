/*
 * req.h - one HTTP request as the handlers see it, and its response.
 *
 * A request is built from the CGI/FastCGI parameter list (an envp-style
 * "NAME=value" array) plus two I/O callbacks: one that reads the body and
 * one that writes the response.  fcgi/main.c plugs FCGX streams in; the
 * unit tests plug an in-memory pair in (req_mem_*), so handlers never see
 * FCGX_* and are testable without a web server.
 *
 * Every string hanging off a struct req lives in its arena and dies at the
 * next arena_reset(), i.e. at the end of the request.
 */
#ifndef EMBER_FCGI_REQ_H
#define EMBER_FCGI_REQ_H

#include "compat.h"

#include <sys/types.h>

#include <jansson.h>

#include "arena.h"
#include "buf.h"
#include "err.h"

/*
 * Body reader: fill up to n bytes, return the count, 0 at end of body,
 * -1 on error.  Response writer: write all n bytes, return 0 or -1.
 */
typedef ssize_t req_read_fn(void *ctx, void *p, size_t n);
typedef int req_write_fn(void *ctx, const void *p, size_t n);

struct req_io {
	req_read_fn *read;
	req_write_fn *write;
	void *ctx;
};

/* One name/value pair (a query parameter or an extra response header). */
struct req_kv {
	const char *name;
	const char *value;
	struct req_kv *next;
};

struct req {
	struct arena *arena;
	char **env;		/* CGI parameters, borrowed for the request */
	const char *method;	/* "GET", "POST", ... never NULL */
	const char *path;	/* percent-decoded path without the query */
	const char *query;	/* raw query string, "" when none */
	struct req_kv *args;	/* decoded query parameters, in order */
	struct req_io io;
	struct req_kv *resp_headers;	/* extra response headers, newest first */
	int status;		/* response status once sent, 0 before */
	bool bad_path;		/* the path had %00 or bad escapes */
	bool body_read;		/* the body was consumed */
};

/*
 * Set up r from env (NULL-terminated "NAME=value" strings) and io.
 * Parses method, path (REQUEST_URI, else SCRIPT_NAME + PATH_INFO) and the
 * query string.  Never fails: a malformed path sets bad_path.
 */
void req_init(struct req *r, struct arena *a, char **env,
	const struct req_io *io);

/* The CGI parameter NAME (exact), or NULL. */
const char *req_env(const struct req *r, const char *name);
/*
 * The request header NAME matched case-insensitively ("Content-type" and
 * "CONTENT-TYPE" are the same), or NULL.  Content-Type and Content-Length
 * are found as well.
 */
const char *req_header(const struct req *r, const char *name);
/* The first query parameter NAME, or NULL. */
const char *req_arg(const struct req *r, const char *name);
/* Every value of the query parameter NAME, in order; count in *n. */
const char **req_args(const struct req *r, const char *name, size_t *n);

/*
 * The declared Content-Length.  E_NOTFOUND when the header is absent,
 * E_INVAL when it is not a plain decimal number.
 */
MUST_CHECK int req_content_length(const struct req *r, size_t *out);
/*
 * Read the whole body into out (which the caller initialised).  E_TOOBIG
 * when the declared length or the bytes received pass max, E_IO on a
 * read error or a body shorter than the declared length.  Without a
 * Content-Length the body is read to its end, still capped.
 */
MUST_CHECK int req_read_body(struct req *r, size_t max, struct buf *out);

/* Add a response header for the next req_send*(); values are copied. */
void req_add_header(struct req *r, const char *name, const char *value);
/*
 * Send the status line, the headers and body.  content_type NULL means
 * application/json.  A second send on the same request is ignored and
 * returns E_INTERNAL.  E_IO when the writer fails.
 */
MUST_CHECK int req_send(struct req *r, int status, const char *content_type,
	const void *body, size_t len);
/*
 * A streamed response: req_send_start() sends the status line and the
 * headers announcing len body bytes, then the caller sends exactly len
 * bytes with req_write() (E_IO when the writer fails).
 */
MUST_CHECK int req_send_start(struct req *r, int status,
	const char *content_type, size_t len);
MUST_CHECK int req_write(struct req *r, const void *p, size_t n);
/*
 * The JSON response writer: dump v (compact, keys in insertion order,
 * invalid UTF-8 impossible when strings come from jsonx_string()) and
 * send it with the status.  v is borrowed.  Handlers build a json_t with
 * json_pack()/json_object_set_new() and end with one of these.
 */
MUST_CHECK int req_send_value(struct req *r, int status, const json_t *v);
/* Same, then json_decref(v): for req_send_take(r, 200, json_pack(...)). */
MUST_CHECK int req_send_take(struct req *r, int status, json_t *v);
/* Send JSON text already serialised (the hand-written fast paths). */
MUST_CHECK int req_send_json(struct req *r, int status, const struct buf *body);
/* Send {"message": msg} with the status (msg is escaped). */
MUST_CHECK int req_send_message(struct req *r, int status, const char *msg);
/* Send a bare JSON string "msg" with the status (upstream's HTTPException). */
MUST_CHECK int req_send_string(struct req *r, int status, const char *msg);
/*
 * Send FastAPI's validation error: 422 {"detail":[{"loc":[where,field],
 * "msg":msg,"type":type}]}.
 */
MUST_CHECK int req_send_422(struct req *r, const char *where,
	const char *field, const char *msg, const char *type);
/*
 * One item of FastAPI's "detail" list: {"loc":[where,field],"msg":msg,
 * "type":type} (field NULL: loc is [where]).  A new reference.
 */
json_t *req_422_item(const char *where, const char *field, const char *msg,
	const char *type);
/* Send 422 {"detail": items}; takes the reference to the items array. */
MUST_CHECK int req_send_422_take(struct req *r, json_t *items);

/* The reason phrase of a status code ("Not Found"), never NULL. */
const char *req_status_text(int status);
/*
 * Percent-decode s (n bytes) into the arena; '+' becomes a space when
 * plus_space.  Returns NULL on a bad escape or an encoded NUL.
 */
char *req_decode(struct arena *a, const char *s, size_t n, bool plus_space);
/* Append s as a JSON string literal (quotes included). */
MUST_CHECK int req_json_str(struct buf *out, const char *s);

/*
 * In-memory I/O for tests: the body comes from `in`, the whole response
 * (status line, headers, body) goes into `out`.
 */
struct req_mem {
	const char *in;
	size_t in_len;
	size_t in_off;
	struct buf out;
};

void req_mem_init(struct req_mem *m, const char *in, size_t in_len);
void req_mem_release(struct req_mem *m);
/* The io triple that reads from and writes to m. */
struct req_io req_mem_io(struct req_mem *m);
/* The status parsed from the response written to m, 0 if none. */
int req_mem_status(const struct req_mem *m);
/* The response body written to m (after the blank line), or "". */
const char *req_mem_body(const struct req_mem *m);
/* The value of response header NAME written to m, copied into a, or NULL. */
const char *req_mem_header(const struct req_mem *m, struct arena *a,
	const char *name);

#endif
