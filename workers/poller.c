/*
 * poller.c - the receiver and the acker (see poller.h).
 *
 * Both block in recv() on their channel between requests; the receiver
 * also blocks in the queue's long poll, which is the point of having it:
 * the supervisor's ppoll() loop stays free.  Queue errors are logged
 * here (the supervisor only learns counts) and backed off: the receiver
 * waits on its channel for the back-off so a STOP still ends it at once.
 */
#include "compat.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "chan.h"
#include "log.h"
#include "poller.h"
#include "proc.h"
#include "queue.h"
#include "utc.h"

#define ACK_TRIES 4

/* Receive visibility: at least the queue's setting and a job plus margin. */
unsigned
poller_visibility(const struct cfg *cfg)
{
	unsigned v = cfg->queue.visibility;
	unsigned need = cfg->workers.job_timeout + 5;

	if (v < need)
		v = need;
	if (v > 43200)
		v = 43200;
	return v;
}

/* Wait up to ms for the channel to become readable (EINTR ends the wait). */
static void
wait_channel(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	(void)poll(&pfd, 1, ms);
}

/* Send STATS about the queue. */
static int
send_stats(int fd, struct queue *q)
{
	struct queue_stats st = { -1, -1, -1, -1 };
	struct msg m = { .type = PROTO_STATS };
	int rc;

	rc = queue_stats(q, &st);
	if (rc)
		log_warn("queue stats: %s", queue_errmsg(q));
	m.err = rc;
	m.visible = st.visible;
	m.inflight = st.in_flight;
	m.dead = st.dead;
	m.age = st.oldest_age;
	return chan_send_msg(fd, &m, 0);
}

/* Answer one FETCH. */
static int
receiver_fetch(int fd, const struct cfg *cfg, struct queue *q,
	const struct msg *req, struct arena *a, int *backoff_ms)
{
	struct queue_msg *msgs = NULL;
	struct msg out = { .type = PROTO_FETCHED, .id = req->id };
	size_t n = 0, i, max = (size_t)req->n;
	int rc;

	if (max > cfg->queue.batch)
		max = cfg->queue.batch;
	if (max > 10)
		max = 10;
	rc = queue_receive(q, max, cfg->queue.wait > 20 ? 20 : cfg->queue.wait,
		poller_visibility(cfg), a, &msgs, &n);
	if (rc) {
		log_warn("queue receive: %s, retrying in %d ms",
			queue_errmsg(q), *backoff_ms);
		wait_channel(fd, *backoff_ms);
		*backoff_ms = *backoff_ms * 2 > 30000 ? 30000 : *backoff_ms * 2;
		out.err = rc;
		out.why = queue_errmsg(q);
		return chan_send_msg(fd, &out, 0);
	}
	*backoff_ms = 250;
	for (i = 0; i < n; i++) {
		struct msg m = {
			.type = PROTO_MSG, .mid = msgs[i].id,
			.rcpt = msgs[i].receipt, .body = msgs[i].body,
			.body_len = msgs[i].body_len,
			.rc = msgs[i].receive_count, .sent = msgs[i].sent_at,
		};

		rc = chan_send_msg(fd, &m, 0);
		if (rc == E_TOOBIG) {
			log_warn("msg=%s: body of %zu bytes too big for a job, "
				"dead-lettering", msgs[i].id, msgs[i].body_len);
			if (queue_dead_letter(q, &msgs[i],
			    "message body too big for a job") != E_OK)
				log_warn("msg=%s: dead-letter: %s", msgs[i].id,
					queue_errmsg(q));
			continue;
		}
		if (rc)
			return rc;
		out.n++;
	}
	return chan_send_msg(fd, &out, 0);
}

/* The receiver's loop. */
static int
receiver_loop(int fd, const struct cfg *cfg, struct queue *q)
{
	struct arena a;
	struct msg m;
	int64_t last_stats = 0;
	int backoff = 250, rc, code = POLLER_EXIT_OK;

	arena_init(&a, 0);
	for (;;) {
		arena_reset(&a);
		rc = chan_recv_msg(fd, &a, &m, 0);
		if (rc == E_STOP || (rc == E_OK && m.type == PROTO_STOP))
			break;
		if (rc || m.type != PROTO_FETCH) {
			log_error("bad request from the supervisor (%s), "
				"exiting", rc ? err_str(rc) :
				proto_type_name(m.type));
			code = rc == E_PROTO || !rc ? POLLER_EXIT_PROTO :
				POLLER_EXIT_IO;
			break;
		}
		if (m.n > 0)
			rc = receiver_fetch(fd, cfg, q, &m, &a, &backoff);
		if (!rc && (m.n == 0 || utc_mono_ms() - last_stats >=
		    (int64_t)cfg->workers.status_interval * 1000)) {
			last_stats = utc_mono_ms();
			rc = send_stats(fd, q);
		}
		if (!rc && m.n == 0) {
			struct msg f = { .type = PROTO_FETCHED, .id = m.id };

			rc = chan_send_msg(fd, &f, 0);
		}
		if (rc) {
			code = rc == E_STOP ? POLLER_EXIT_OK : POLLER_EXIT_IO;
			break;
		}
	}
	arena_release(&a);
	return code;
}

/* Carry out one ACK, retrying transient failures a few times. */
static void
acker_do(struct queue *q, const struct msg *m)
{
	struct queue_msg qm = {
		.id = (char *)m->mid, .receipt = (char *)m->rcpt,
		.body = (char *)(m->body ? m->body : ""),
		.body_len = m->body ? m->body_len : 0,
		.receive_count = (unsigned)m->rc, .sent_at = m->sent,
	};
	const char *what = m->op == PROTO_OP_DELETE ? "delete" :
		m->op == PROTO_OP_RETRY ? "retry" : "dead-letter";
	int rc = E_OK, i, delay = 250;

	for (i = 0; i < ACK_TRIES; i++) {
		switch (m->op) {
		case PROTO_OP_DELETE:
			rc = queue_delete(q, m->rcpt);
			break;
		case PROTO_OP_RETRY:
			rc = queue_change_visibility(q, m->rcpt,
				(unsigned)m->delay);
			break;
		default:
			rc = queue_dead_letter(q, &qm,
				m->why ? m->why : "unknown error");
			break;
		}
		if (!rc || !err_retryable(rc))
			break;
		log_warn("msg=%s: %s: %s, retrying in %d ms", m->mid, what,
			queue_errmsg(q), delay);
		usleep((useconds_t)delay * 1000);
		delay *= 2;
	}
	if (rc == E_NOTFOUND)
		log_info("msg=%s: %s: receipt no longer valid (the message "
			"was received again), ignoring", m->mid, what);
	else if (rc)
		log_error("msg=%s: %s failed: %s; it will be received again",
			m->mid, what, queue_errmsg(q));
	else if (m->op == PROTO_OP_RETRY)
		log_info("msg=%s: retry in %lld s: %s", m->mid,
			(long long)m->delay, m->why ? m->why : "");
	else if (m->op == PROTO_OP_DEAD)
		log_warn("msg=%s: dead-lettered after %lld receives: %s",
			m->mid, (long long)m->rc, m->why ? m->why : "");
}

/* The acker's loop. */
static int
acker_loop(int fd, struct queue *q)
{
	struct arena a;
	struct msg m;
	int rc, code = POLLER_EXIT_OK;

	arena_init(&a, 0);
	for (;;) {
		arena_reset(&a);
		rc = chan_recv_msg(fd, &a, &m, 0);
		if (rc == E_STOP || (rc == E_OK && m.type == PROTO_STOP))
			break;
		if (rc || m.type != PROTO_ACK) {
			log_error("bad request from the supervisor (%s), "
				"exiting", rc ? err_str(rc) :
				proto_type_name(m.type));
			code = rc == E_PROTO || !rc ? POLLER_EXIT_PROTO :
				POLLER_EXIT_IO;
			break;
		}
		acker_do(q, &m);
	}
	arena_release(&a);
	return code;
}

/* The supervisor asked to cut the long poll short (it is stopping). */
static bool
receiver_cancelled(void)
{
	return proc_sig_count(POLLER_SIG_CANCEL) > 0;
}

/* Open the queue, say READY, run the role's loop. */
int
poller_main(int fd, const struct cfg *cfg, enum poller_role role)
{
	struct queue *q = NULL;
	struct msg ready = { .type = PROTO_READY, .pid = getpid() };
	char err[512];
	int code;

	log_set_role(role == POLLER_RECEIVER ? "receiver" : "acker");
	if (queue_open(&cfg->queue, &cfg->db, &q, err, sizeof(err)) != E_OK) {
		log_error("cannot open the queue: %s", err);
		return POLLER_EXIT_INIT;
	}
	if (role == POLLER_RECEIVER) {
		static const int cancel[] = { POLLER_SIG_CANCEL };

		if (proc_sig_catch(cancel, 1) != E_OK)
			log_errno("cannot catch the cancel signal");
		queue_set_cancel(q, receiver_cancelled);
	}
	if (chan_send_msg(fd, &ready, 0) != E_OK) {
		queue_free(q);
		return POLLER_EXIT_OK;
	}
	if (role == POLLER_RECEIVER)
		code = receiver_loop(fd, cfg, q);
	else
		code = acker_loop(fd, q);
	queue_free(q);
	return code;
}
