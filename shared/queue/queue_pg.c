/*
 * queue_pg.c - the PostgreSQL backend of queue.h (tables of migration
 * sql/0004_job_queue.up.sql).
 *
 * Every operation is one statement, so it is atomic without explicit
 * transactions and db_exec() may replay it on a fresh connection after a
 * server restart.  Receive takes rows with FOR UPDATE SKIP LOCKED, so any
 * number of consumers (processes or hosts) share a queue without ever
 * holding the same message at the same time, and gives each receive a new
 * receipt: a consumer whose visibility expired can no longer delete or
 * extend a message another consumer now holds.
 *
 * Long polls LISTEN on "ember_queue_<name>" (an insert trigger NOTIFYs it)
 * and also re-check at least once a second, which covers messages that
 * become visible again when their visibility times out.
 */
#include "compat.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "buf.h"
#include "db.h"
#include "dlq.h"
#include "err.h"
#include "mem.h"
#include "queue_int.h"
#include "utc.h"
#include "uuidx.h"

#define PGQ_SLICE_MS 1000	/* longest sleep between re-checks */

struct queue_pg {
	struct db *db;
	char name[49];
	PGconn *listening;	/* connection our LISTEN was issued on */
	struct dlq *dlq;	/* its dead letters, on the same connection */
};

static const struct db_stmt st_send = {
	"ember_q_send",
	"INSERT INTO ember_job_queue (queue, body) VALUES ($1, $2) RETURNING id",
	2,
};

static const struct db_stmt st_receive = {
	"ember_q_receive",
	"WITH c AS ("
	" SELECT id FROM ember_job_queue"
	" WHERE queue = $1 AND visible_at <= now()"
	" ORDER BY visible_at, seq LIMIT $2::int FOR UPDATE SKIP LOCKED)"
	" UPDATE ember_job_queue j SET"
	" visible_at = clock_timestamp() + make_interval(secs => $3::double precision),"
	" receive_count = j.receive_count + 1, receipt = gen_random_uuid(),"
	" last_received_at = clock_timestamp()"
	" FROM c WHERE j.id = c.id"
	" RETURNING j.id, j.receipt, j.body, j.receive_count,"
	" floor(extract(epoch FROM j.sent_at))::bigint, j.seq",
	3,
};

static const struct db_stmt st_delete = {
	"ember_q_delete",
	"DELETE FROM ember_job_queue WHERE receipt = $1::uuid AND queue = $2",
	2,
};

static const struct db_stmt st_delete_batch = {
	"ember_q_delete_batch",
	"DELETE FROM ember_job_queue WHERE receipt = ANY($1::uuid[]) AND queue = $2"
	" RETURNING receipt::text",
	2,
};

static const struct db_stmt st_visibility = {
	"ember_q_visibility",
	"UPDATE ember_job_queue"
	" SET visible_at = clock_timestamp() + make_interval(secs => $2::double precision)"
	" WHERE receipt = $1::uuid AND queue = $3",
	3,
};

static const struct db_stmt st_dead = {
	"ember_q_dead",
	"WITH d AS (DELETE FROM ember_job_queue WHERE receipt = $1::uuid AND queue = $2"
	" RETURNING id, body, receive_count, sent_at)"
	" INSERT INTO ember_job_dead_letter"
	" (queue, msg_id, body, reason, receive_count, sent_at)"
	" SELECT $2, id, body, $3, receive_count, sent_at FROM d RETURNING id",
	3,
};

static const struct db_stmt st_stats = {
	"ember_q_stats",
	"SELECT"
	" count(*) FILTER (WHERE visible_at <= clock_timestamp()),"
	" count(*) FILTER (WHERE visible_at > clock_timestamp() AND receive_count > 0),"
	" (SELECT count(*) FROM ember_job_dead_letter WHERE queue = $1),"
	" COALESCE(floor(extract(epoch FROM clock_timestamp() - min(sent_at)"
	"  FILTER (WHERE visible_at <= clock_timestamp()))), -1)::bigint"
	" FROM ember_job_queue WHERE queue = $1",
	1,
};

static const struct db_stmt st_replay = {
	"ember_q_replay",
	"WITH d AS (DELETE FROM ember_job_dead_letter WHERE id = $1::uuid AND queue = $2"
	" RETURNING body)"
	" INSERT INTO ember_job_queue (queue, body) SELECT $2, body FROM d RETURNING id",
	2,
};

/* Run a statement; on failure copy the db error into the queue's. */
static int
pgq_exec(struct queue *q, const struct db_stmt *st, const char *const *params,
	PGresult **res)
{
	struct queue_pg *p = q->ctx;
	int rc = db_exec(p->db, st, params, res);

	if (rc != E_OK)
		queue_seterr(q, "queue pg: %s", db_errmsg(p->db));
	return rc;
}

/* Send. */
static int
pgq_send_msg(struct queue *q, const char *body, size_t len, char **id_out)
{
	struct queue_pg *p = q->ctx;
	char *copy = xmemdupz(body, len);
	const char *params[2] = { p->name, copy };
	PGresult *res = NULL;
	int rc;

	rc = pgq_exec(q, &st_send, params, &res);
	free(copy);
	if (rc != E_OK)
		return rc;
	if (id_out && PQntuples(res) == 1)
		*id_out = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return E_OK;
}

/* One receive attempt without waiting. */
static int
pgq_receive_once(struct queue *q, size_t max, unsigned visibility_s,
	struct arena *a, struct queue_msg **msgs, size_t *n)
{
	struct queue_pg *p = q->ctx;
	char smax[24];
	char svis[24];
	const char *params[3] = { p->name, smax, svis };
	PGresult *res = NULL;
	struct queue_msg *m;
	int i;
	int rows;
	int rc;

	snprintf(smax, sizeof(smax), "%zu", max);
	snprintf(svis, sizeof(svis), "%u", visibility_s);
	rc = pgq_exec(q, &st_receive, params, &res);
	if (rc != E_OK)
		return rc;
	rows = PQntuples(res);
	if (rows > 0) {
		m = arena_zalloc(a, (size_t)rows * sizeof(*m));
		for (i = 0; i < rows; i++) {
			m[i].id = arena_strdup(a, PQgetvalue(res, i, 0));
			m[i].receipt = arena_strdup(a, PQgetvalue(res, i, 1));
			m[i].body_len = (size_t)PQgetlength(res, i, 2);
			m[i].body = arena_memdupz(a, PQgetvalue(res, i, 2), m[i].body_len);
			m[i].receive_count = (unsigned)strtoul(PQgetvalue(res, i, 3),
				NULL, 10);
			m[i].sent_at = strtoll(PQgetvalue(res, i, 4), NULL, 10);
		}
		*msgs = m;
		*n = (size_t)rows;
	}
	PQclear(res);
	return E_OK;
}

/* LISTEN on the queue's channel unless this connection already does. */
static void
pgq_listen(struct queue *q)
{
	struct queue_pg *p = q->ctx;
	char sql[96];
	PGconn *c = db_conn(p->db);

	if (c && c == p->listening)
		return;
	snprintf(sql, sizeof(sql), "LISTEN \"ember_queue_%s\"", p->name);
	if (db_exec_sql(p->db, sql, NULL) == E_OK)
		p->listening = db_conn(p->db);
	else
		p->listening = NULL;
}

/* Wait up to ms for a notification (or any input) on the connection. */
static void
pgq_wait(struct queue *q, int ms)
{
	struct queue_pg *p = q->ctx;
	PGconn *c = db_conn(p->db);
	struct pollfd pfd;
	PGnotify *nt;

	if (!c || PQsocket(c) < 0) {
		poll(NULL, 0, ms);
		return;
	}
	pfd.fd = PQsocket(c);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, ms) > 0)
		PQconsumeInput(c);
	while ((nt = PQnotifies(c)))
		PQfreemem(nt);
}

/* Receive with a long poll. */
static int
pgq_receive(struct queue *q, size_t max, unsigned wait_s, unsigned visibility_s,
	struct arena *a, struct queue_msg **msgs, size_t *n)
{
	int64_t deadline = utc_mono_ms() + (int64_t)wait_s * 1000;
	int rc;

	for (;;) {
		int64_t left;

		if (wait_s)
			pgq_listen(q);
		rc = pgq_receive_once(q, max, visibility_s, a, msgs, n);
		if (rc != E_OK || *n > 0 || wait_s == 0)
			return rc;
		left = deadline - utc_mono_ms();
		if (left <= 0 || (q->cancelled && q->cancelled()))
			return E_OK;
		pgq_wait(q, (int)(left < PGQ_SLICE_MS ? left : PGQ_SLICE_MS));
		if (q->cancelled && q->cancelled())
			return E_OK;
	}
}

/* Delete one. */
static int
pgq_delete(struct queue *q, const char *receipt)
{
	struct queue_pg *p = q->ctx;
	const char *params[2] = { receipt, p->name };
	PGresult *res = NULL;
	int rc;

	if (!uuidx_valid(receipt)) {
		queue_seterr(q, "queue pg: receipt %.64s is not valid", receipt);
		return E_NOTFOUND;
	}
	rc = pgq_exec(q, &st_delete, params, &res);
	if (rc != E_OK)
		return rc;
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		queue_seterr(q, "queue pg: receipt %s is no longer valid", receipt);
		rc = E_NOTFOUND;
	}
	PQclear(res);
	return rc;
}

/* Delete several in one statement. */
static int
pgq_delete_batch(struct queue *q, const char *const *receipts, size_t n,
	bool *failed)
{
	struct queue_pg *p = q->ctx;
	struct buf arr = BUF_INIT(0);
	const char *params[2];
	PGresult *res = NULL;
	size_t i;
	int r;
	int rc = E_OK;
	bool any = false;
	bool *done = xcalloc(n, sizeof(*done));

	buf_putc(&arr, '{');
	for (i = 0; i < n; i++) {
		if (!uuidx_valid(receipts[i]))
			continue;
		buf_putf(&arr, "%s%s", any ? "," : "", receipts[i]);
		any = true;
	}
	buf_putc(&arr, '}');
	params[0] = arr.data;
	params[1] = p->name;
	if (any) {
		rc = pgq_exec(q, &st_delete_batch, params, &res);
		if (rc != E_OK) {
			for (i = 0; failed && i < n; i++)
				failed[i] = true;
			goto out;
		}
		for (r = 0; r < PQntuples(res); r++)
			for (i = 0; i < n; i++)
				if (!done[i] && strcasecmp(PQgetvalue(res, r, 0),
					receipts[i]) == 0)
					done[i] = true;
	}
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		if (failed)
			failed[i] = true;
		if (rc == E_OK)
			queue_seterr(q, "queue pg: receipt %.64s is no longer valid",
				receipts[i]);
		rc = E_NOTFOUND;
	}
out:
	PQclear(res);
	free(done);
	buf_release(&arr);
	return rc;
}

/* Change visibility. */
static int
pgq_visibility(struct queue *q, const char *receipt, unsigned seconds)
{
	struct queue_pg *p = q->ctx;
	char secs[24];
	const char *params[3] = { receipt, secs, p->name };
	PGresult *res = NULL;
	int rc;

	if (!uuidx_valid(receipt)) {
		queue_seterr(q, "queue pg: receipt %.64s is not valid", receipt);
		return E_NOTFOUND;
	}
	snprintf(secs, sizeof(secs), "%u", seconds);
	rc = pgq_exec(q, &st_visibility, params, &res);
	if (rc != E_OK)
		return rc;
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		queue_seterr(q, "queue pg: receipt %s is no longer valid", receipt);
		rc = E_NOTFOUND;
	}
	PQclear(res);
	return rc;
}

/* Move a received message to the dead-letter table. */
static int
pgq_dead_letter(struct queue *q, const struct queue_msg *m, const char *reason)
{
	struct queue_pg *p = q->ctx;
	const char *params[3] = { m->receipt, p->name, reason };
	PGresult *res = NULL;
	int rc;

	if (!uuidx_valid(m->receipt)) {
		queue_seterr(q, "queue pg: receipt %.64s is not valid", m->receipt);
		return E_NOTFOUND;
	}
	rc = pgq_exec(q, &st_dead, params, &res);
	if (rc != E_OK)
		return rc;
	if (PQntuples(res) != 1) {
		queue_seterr(q, "queue pg: receipt %s is no longer valid", m->receipt);
		rc = E_NOTFOUND;
	}
	PQclear(res);
	return rc;
}

/* Counters. */
static int
pgq_stats(struct queue *q, struct queue_stats *st)
{
	struct queue_pg *p = q->ctx;
	const char *params[1] = { p->name };
	PGresult *res = NULL;
	int rc;

	rc = pgq_exec(q, &st_stats, params, &res);
	if (rc != E_OK)
		return rc;
	if (PQntuples(res) == 1) {
		st->visible = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		st->in_flight = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		st->dead = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		st->oldest_age = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	}
	PQclear(res);
	return E_OK;
}

/* Copy the dead-letter store's error text on failure. */
static int
pgq_dlq_rc(struct queue *q, int rc)
{
	struct queue_pg *p = q->ctx;

	if (rc != E_OK)
		queue_seterr(q, "%s", dlq_errmsg(p->dlq));
	return rc;
}

/* List dead letters, oldest first. */
static int
pgq_dead_list(struct queue *q, size_t max, struct arena *a,
	struct queue_dead **items, size_t *n)
{
	struct queue_pg *p = q->ctx;

	return pgq_dlq_rc(q, dlq_list(p->dlq, max, a, items, n));
}

/* Put a dead letter back on the queue. */
static int
pgq_dead_replay(struct queue *q, const char *id)
{
	struct queue_pg *p = q->ctx;
	const char *params[2] = { id, p->name };
	PGresult *res = NULL;
	int rc;

	if (!uuidx_valid(id)) {
		queue_seterr(q, "queue pg: no dead letter %.64s", id);
		return E_NOTFOUND;
	}
	rc = pgq_exec(q, &st_replay, params, &res);
	if (rc != E_OK)
		return rc;
	if (PQntuples(res) != 1) {
		queue_seterr(q, "queue pg: no dead letter %s", id);
		rc = E_NOTFOUND;
	}
	PQclear(res);
	return rc;
}

/* Drop one or all dead letters. */
static int
pgq_dead_purge(struct queue *q, const char *id)
{
	struct queue_pg *p = q->ctx;

	return pgq_dlq_rc(q, dlq_purge(p->dlq, id));
}

/* Close the connection. */
static void
pgq_free(void *ctx)
{
	struct queue_pg *p = ctx;

	if (!p)
		return;
	dlq_free(p->dlq);
	db_free(p->db);
	free(p);
}

static const struct queue_backend queue_pg_backend = {
	.name = "pg",
	.send = pgq_send_msg,
	.receive = pgq_receive,
	.del = pgq_delete,
	.del_batch = pgq_delete_batch,
	.visibility = pgq_visibility,
	.dead_letter = pgq_dead_letter,
	.stats = pgq_stats,
	.dead_list = pgq_dead_list,
	.dead_replay = pgq_dead_replay,
	.dead_purge = pgq_dead_purge,
	.free = pgq_free,
};

/* Open: connect to the database now. */
int
queue_pg_open(struct queue *q, const struct cfg_queue *cfg,
	const struct cfg_db *db, char *err, size_t errlen)
{
	struct queue_pg *p;
	const char *name = cfg->name && *cfg->name ? cfg->name : "indexer";
	int rc;

	if (!dlq_pg_name_ok(name)) {
		snprintf(err, errlen, "queue: name \"%s\" must be 1-48 of [a-z0-9_]",
			name);
		return E_CONFIG;
	}
	p = xcalloc(1, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	rc = db_open(db, &p->db, err, errlen);
	if (rc != E_OK) {
		free(p);
		return rc;
	}
	rc = dlq_pg_new(p->db, p->name, &p->dlq, err, errlen);
	if (rc != E_OK) {
		pgq_free(p);
		return rc;
	}
	q->be = &queue_pg_backend;
	q->ctx = p;
	return E_OK;
}
