/*
 * proto.h - the msgpack messages between the worker supervisor and its
 * children (workers, the queue receiver and the queue acker).
 *
 * A message is a msgpack array [type, id, body]: type a small unsigned
 * enum, id the job sequence number the supervisor chose (0 when unused),
 * body a map with short string keys.  This module is pure: it turns a
 * struct msg into bytes and back, and never does I/O (chan.c moves the
 * bytes).
 *
 * Which body keys a type carries is a table in proto.c: required keys
 * must be present with the right msgpack type, optional keys may be
 * absent, unknown keys are ignored (so a newer peer may add keys).  A
 * frame that is not exactly one well-formed message of a known type, or
 * that has bytes left over after it, is E_PROTO.
 */
#ifndef EMBER_PROTO_H
#define EMBER_PROTO_H

#include "compat.h"

#include "arena.h"
#include "buf.h"
#include "err.h"

/* Largest frame in either direction (one SOCK_SEQPACKET datagram). */
#define PROTO_MAX 65536

enum proto_type {
	PROTO_READY = 1,	/* child -> supervisor: initialised; pid */
	PROTO_JOB,		/* supervisor -> worker: run one job */
	PROTO_DONE,		/* worker -> supervisor: result of the job */
	PROTO_STOP,		/* -> child: finish current work, exit 0 */
	PROTO_FETCH,		/* -> receiver: receive up to n messages */
	PROTO_MSG,		/* receiver ->: one received message */
	PROTO_FETCHED,		/* receiver ->: end of a FETCH (n sent) */
	PROTO_ACK,		/* -> acker: delete / retry / dead-letter */
	PROTO_STATS,		/* receiver ->: queue depth and lag */
	PROTO__COUNT
};

/* What a worker says should happen to the queue message. */
enum proto_verdict {
	PROTO_V_DONE = 0,	/* finished (or nothing to do): delete it */
	PROTO_V_RETRY,		/* transient failure: let it come back later */
	PROTO_V_POISON		/* permanent failure: dead-letter it now */
};

/* What the acker does with a message. */
enum proto_op {
	PROTO_OP_DELETE = 0,	/* queue_delete(receipt) */
	PROTO_OP_RETRY,		/* queue_change_visibility(receipt, delay) */
	PROTO_OP_DEAD		/* queue_dead_letter(message, why) */
};

/* Kind of flamegraph a job found (DONE.kind). */
enum proto_kind {
	PROTO_K_NONE = 0,	/* no flamegraph_html in the profile */
	PROTO_K_ADHOC,		/* object written and row upserted */
	PROTO_K_CONTINUOUS	/* object written, no row */
};

/*
 * One message.  Every field a type may carry is here; which ones are
 * meaningful depends on type.  proto_encode() writes the required fields
 * of the type and the optional ones that are non-zero / non-NULL.
 * Strings decoded by proto_decode() are NUL-terminated copies in the
 * caller's arena and live as long as it.
 */
struct msg {
	enum proto_type type;
	uint64_t id;		/* job sequence number, 0 when unused */

	int64_t pid;		/* READY */
	const char *mid;	/* queue message id (JOB, MSG, ACK) */
	const char *rcpt;	/* receipt handle (JOB, MSG, ACK) */
	const char *body;	/* queue message body (JOB, MSG, ACK) */
	size_t body_len;
	int64_t rc;		/* receive count (JOB, MSG, ACK) */
	int64_t sent;		/* unix seconds first sent, 0 unknown */
	int64_t deadline;	/* JOB: monotonic ms the job must end by */

	int64_t err;		/* DONE, FETCHED, STATS: enum err */
	int64_t verdict;	/* DONE: enum proto_verdict */
	const char *why;	/* DONE, FETCHED, ACK: reason text */
	int64_t ms;		/* DONE: job duration */
	int64_t kind;		/* DONE: enum proto_kind */
	int64_t stacks;		/* DONE: stack lines parsed */
	int64_t bad;		/* DONE: malformed stack lines */
	int64_t samples;	/* DONE: sum of the stack counts */
	int64_t html;		/* DONE: flamegraph bytes written */

	int64_t op;		/* ACK: enum proto_op */
	int64_t delay;		/* ACK retry: seconds until visible again */
	int64_t n;		/* FETCH: how many; FETCHED: how many sent */

	int64_t visible;	/* STATS: waiting messages, -1 unknown */
	int64_t inflight;	/* STATS: received, not yet deleted */
	int64_t dead;		/* STATS: dead letters */
	int64_t age;		/* STATS: oldest waiting message, s */
};

/* A printable name of a type ("JOB"), "?" for an unknown value. */
const char *proto_type_name(int type);

/*
 * Append the encoding of m to out.  E_TOOBIG if it would pass PROTO_MAX
 * bytes or the buf cap (out is then left as it was), E_INVAL for an
 * unknown type or a required string that is NULL.
 */
MUST_CHECK int proto_encode(struct buf *out, const struct msg *m);

/*
 * Decode exactly one message from data[0..len) into *m (zeroed first).
 * Strings are copied into a.  E_PROTO for anything but one well-formed
 * message of a known type with its required keys, consuming every byte.
 */
MUST_CHECK int proto_decode(const void *data, size_t len, struct arena *a,
	struct msg *m);

#endif
