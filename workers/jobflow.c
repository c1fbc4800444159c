/*
 * jobflow.c - the flow of jobs through the supervisor (see jobflow.h): what
 * the children say on their channels, handing jobs to idle workers,
 * asking the receiver for as many messages as can start now, and turning
 * every outcome into an ACK for the acker (outbox.h).
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "jobflow.h"
#include "log.h"

#define FETCH_GRACE_S 120	/* a FETCH may take wait + this before a kill */

/* Send the decision for job j to the acker and forget j. */
static void
finish_job(struct sup *s, struct dispatch_job *j,
	const struct dispatch_decision *dec)
{
	struct msg ack;

	dispatch_ack_msg(j, dec, &ack);
	if (outbox_add(&s->out, &ack) != E_OK)
		log_error("msg=%s: ACK does not encode, dropping it "
			"(the message will be received again)", ack.mid);
	dispatch_remove(&s->d, j);
}

/* Send the ACKs the acker's socket takes now. */
void
jobflow_flush_acks(struct sup *s)
{
	struct pool_slot *a = &s->pools[SUP_ACKER].slots[0];
	int rc;

	if (a->state != POOL_IDLE || a->fd < 0)
		return;
	rc = outbox_flush(&s->out, a->fd);
	if (rc) {
		log_warn("acker channel: %s", err_str(rc));
		pool_kill(&s->pools[SUP_ACKER], 0, "channel failed");
	}
}

/* A worker died (or was killed) holding job: retry or dead-letter it. */
void
jobflow_lost(struct sup *s, uint64_t job, const char *why, const char *text)
{
	struct dispatch_job *j = dispatch_find(&s->d, job);
	struct dispatch_decision dec;
	char reason[256];
	bool timeout = why && strcmp(why, "job deadline passed") == 0;

	if (!j)
		return;
	if (timeout)
		snprintf(reason, sizeof(reason), "job deadline of %u s passed, "
			"worker killed", s->cfg.workers.job_timeout);
	else if (why)
		snprintf(reason, sizeof(reason),
			"worker killed during the job (%s)", why);
	else
		snprintf(reason, sizeof(reason), "worker %s during the job",
			text);
	dispatch_lost(&s->d, j, reason, timeout, &dec);
	finish_job(s, j, &dec);
}

/* Give every pending (unassigned) job back to the queue. */
void
jobflow_return_pending(struct sup *s)
{
	struct dispatch_job *j;
	struct dispatch_decision dec;

	while ((j = dispatch_pending(&s->d)) != NULL) {
		dispatch_return(&s->d, j, &dec);
		finish_job(s, j, &dec);
	}
}

/* A message from a worker. */
static void
on_worker_msg(struct sup *s, size_t i, const struct msg *m, int64_t now)
{
	struct pool *p = &s->pools[SUP_WORKER];
	struct dispatch_job *j;
	struct dispatch_decision dec;

	switch (m->type) {
	case PROTO_READY:
		if (pool_ready(p, i, now) != E_OK)
			pool_kill(p, i, "unexpected READY");
		return;
	case PROTO_DONE:
		j = dispatch_find(&s->d, m->id);
		if (!j || pool_done(p, i, m->id, now) != E_OK) {
			pool_kill(p, i, "DONE for a job it does not hold");
			return;
		}
		dispatch_answer(&s->d, j, m, &dec);
		log_debug("job=%llu msg=%s %s in %lld ms",
			(unsigned long long)j->id, j->mid,
			dec.op == PROTO_OP_DELETE ? "done" :
			dec.op == PROTO_OP_RETRY ? "retry" : "dead",
			(long long)m->ms);
		finish_job(s, j, &dec);
		return;
	default:
		pool_kill(p, i, "unexpected message type");
		return;
	}
}

/* A message from the receiver. */
static void
on_receiver_msg(struct sup *s, const struct msg *m, int64_t now)
{
	struct pool *p = &s->pools[SUP_RECEIVER];
	struct dispatch_job *j;
	struct dispatch_decision dec;
	bool dead;

	switch (m->type) {
	case PROTO_READY:
		if (pool_ready(p, 0, now) != E_OK)
			pool_kill(p, 0, "unexpected READY");
		return;
	case PROTO_MSG:
		j = dispatch_intake(&s->d, m, now, &dec, &dead);
		if (dead) {
			log_warn("msg=%s: %s", j->mid, dec.why);
			finish_job(s, j, &dec);
		} else if (s->draining) {
			dispatch_return(&s->d, j, &dec);
			finish_job(s, j, &dec);
		}
		return;
	case PROTO_FETCHED:
		if (pool_done(p, 0, m->id, now) != E_OK)
			pool_kill(p, 0, "FETCHED without FETCH");
		return;
	case PROTO_STATS:
		s->qstats = *m;
		s->qstats.why = NULL;
		s->have_qstats = m->err == E_OK;
		return;
	default:
		pool_kill(p, 0, "unexpected message type");
		return;
	}
}

/* A message from the acker (only READY is expected). */
static void
on_acker_msg(struct sup *s, const struct msg *m, int64_t now)
{
	struct pool *p = &s->pools[SUP_ACKER];

	if (m->type != PROTO_READY || pool_ready(p, 0, now) != E_OK)
		pool_kill(p, 0, "unexpected message");
}

/* Read every message waiting on one child's channel. */
void
jobflow_read_channel(struct sup *s, enum sup_role r, size_t i, struct arena *a,
	int64_t now)
{
	struct pool *p = &s->pools[r];
	struct msg m;
	int rc;

	for (;;) {
		struct pool_slot *sl = &p->slots[i];

		if (sl->fd < 0)
			return;
		if (sl->kill_sent) {
			/* Being killed: whatever it says no longer counts. */
			close(sl->fd);
			sl->fd = -1;
			return;
		}
		arena_reset(a);
		rc = chan_recv_msg(sl->fd, a, &m, CHAN_NOWAIT);
		if (rc == E_TIMEOUT)
			return;
		if (rc == E_STOP || rc == E_IO) {
			/* The child is going away; SIGCHLD follows. */
			close(sl->fd);
			sl->fd = -1;
			return;
		}
		if (rc == E_PROTO) {
			s->proto_errors++;
			log_error("%s[%ld] slot %zu sent a corrupt message",
				sup_role_name(r), (long)sl->pid, i);
			pool_kill(p, i, "corrupt message");
			return;
		}
		if (r == SUP_WORKER)
			on_worker_msg(s, i, &m, now);
		else if (r == SUP_RECEIVER)
			on_receiver_msg(s, &m, now);
		else
			on_acker_msg(s, &m, now);
	}
}

/* Hand pending jobs to idle workers. */
void
jobflow_assign(struct sup *s, int64_t now)
{
	struct pool *p = &s->pools[SUP_WORKER];
	struct dispatch_job *j;
	ssize_t i;

	while ((j = dispatch_pending(&s->d)) != NULL &&
	    (i = pool_idle(p)) >= 0) {
		int64_t deadline = now +
			(int64_t)s->cfg.workers.job_timeout * 1000;
		struct msg m = {
			.type = PROTO_JOB, .id = j->id, .mid = j->mid,
			.rcpt = j->rcpt, .body = j->body,
			.body_len = j->body_len, .rc = j->rc, .sent = j->sent,
			.deadline = deadline,
		};
		int rc = chan_send_msg(p->slots[i].fd, &m, CHAN_NOWAIT);

		if (rc) {
			log_warn("worker[%ld] slot %zd: cannot send job: %s",
				(long)p->slots[i].pid, i, err_str(rc));
			pool_kill(p, (size_t)i, "cannot send job");
			continue;
		}
		if (pool_assign(p, (size_t)i, j->id, deadline, now) != E_OK)
			ASSERT(!"idle slot refused a job");
		j->slot = i;
	}
}

/* Ask the receiver for as many messages as idle workers can start. */
void
jobflow_fetch(struct sup *s, int64_t now)
{
	struct pool *rp = &s->pools[SUP_RECEIVER];
	size_t idle = pool_count(&s->pools[SUP_WORKER], POOL_IDLE);
	size_t pending = dispatch_npending(&s->d), want = 0;
	bool stats_due;
	struct msg m = { .type = PROTO_FETCH };

	if (s->draining || rp->slots[0].state != POOL_IDLE)
		return;
	if (idle > pending)
		want = idle - pending;
	if (want > s->cfg.queue.batch)
		want = s->cfg.queue.batch;
	if (want > 10)
		want = 10;
	stats_due = now >= s->next_stats;
	if (want == 0 && !stats_due)
		return;
	s->next_stats = now + (int64_t)s->cfg.workers.status_interval * 1000;
	m.id = ++s->fetch_seq;
	m.n = (int64_t)want;
	if (chan_send_msg(rp->slots[0].fd, &m, CHAN_NOWAIT) != E_OK) {
		pool_kill(rp, 0, "cannot send FETCH");
		return;
	}
	if (pool_assign(rp, 0, m.id, now + ((int64_t)s->cfg.queue.wait +
	    FETCH_GRACE_S) * 1000, now) != E_OK)
		ASSERT(!"idle receiver refused a fetch");
}
