/*
 * h_library_int.h - what the ad hoc library's handlers (h_import.c,
 * h_library.c) share: the acting user and their two error answers.
 * Not for other handlers.
 */
#ifndef EMBER_H_LIBRARY_INT_H
#define EMBER_H_LIBRARY_INT_H

#include "compat.h"

#include <jansson.h>

#include "err.h"
#include "req.h"

/* The acting user for the audit log: REMOTE_USER, or "anonymous". */
static inline const char *
actor_of(struct req *r)
{
	const char *u = req_env(r, "REMOTE_USER");

	return u && *u ? u : "anonymous";
}

/*
 * A 422 with FastAPI's shape ({"detail":[{"loc":[where, field], "msg",
 * "type"}]}); returns the error to return (E_INVAL once sent).
 */
static inline int
refuse(struct req *r, const char *where, const char *field, const char *msg,
	const char *type)
{
	int err = req_send_422(r, where, field, msg, type);

	return err ? err : E_INVAL;
}

/* A {"detail": msg} answer with status; returns the error to return (e). */
static inline int
answer(struct req *r, int status, const char *msg, int e)
{
	int err = req_send_take(r, status, json_pack("{s:s}", "detail", msg));

	return err ? err : e;
}

#endif
