/*
 * dispatch.c - message table, retry policy and counters.
 *
 * The table is a singly linked list in arrival order: it holds at most
 * workers + one receive batch, so a linear scan is the fast and simple
 * choice.  The "last error" ring keeps the reason of recent failures by
 * message id, so a message that comes back over the receive limit (after
 * its worker crashed, or after a supervisor restart on another host lost
 * the answer) is dead-lettered with the best reason we know.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "mem.h"

/* Set up an empty table. */
void
dispatch_init(struct dispatch *d, const struct dispatch_cfg *cfg)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->next_id = 1;
}

/* Free one job. */
static void
job_free(struct dispatch_job *j)
{
	if (!j)
		return;
	free(j->mid);
	free(j->rcpt);
	free(j->body);
	free(j);
}

/* Free every job. */
void
dispatch_release(struct dispatch *d)
{
	struct dispatch_job *j = d->head, *next;

	while (j) {
		next = j->next;
		job_free(j);
		j = next;
	}
	d->head = NULL;
	d->n = 0;
}

/* retry_base * 2^(rc-1), capped. */
unsigned
dispatch_backoff(const struct dispatch_cfg *cfg, unsigned rc)
{
	uint64_t delay = cfg->retry_base;
	unsigned k;

	for (k = 1; k < rc && delay < cfg->retry_max; k++)
		delay *= 2;
	if (delay > cfg->retry_max)
		delay = cfg->retry_max;
	return (unsigned)delay;
}

/* The decision for one outcome. */
void
dispatch_decide(const struct dispatch_cfg *cfg, unsigned rc,
	enum proto_verdict v, const char *why, struct dispatch_decision *out)
{
	memset(out, 0, sizeof(*out));
	if (!why || !*why)
		why = "unknown error";
	switch (v) {
	case PROTO_V_DONE:
		out->op = PROTO_OP_DELETE;
		break;
	case PROTO_V_POISON:
		out->op = PROTO_OP_DEAD;
		snprintf(out->why, sizeof(out->why), "%s", why);
		break;
	case PROTO_V_RETRY:
	default:
		if (rc >= cfg->max_receives) {
			out->op = PROTO_OP_DEAD;
			snprintf(out->why, sizeof(out->why),
				"gave up after %u receives: %s", rc, why);
		} else {
			out->op = PROTO_OP_RETRY;
			out->delay = dispatch_backoff(cfg, rc);
			snprintf(out->why, sizeof(out->why), "%s", why);
		}
		break;
	}
}

/* Remember the last error of a message id. */
static void
last_put(struct dispatch *d, const char *mid, const char *why)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(d->last); i++) {
		if (strcmp(d->last[i].mid, mid) == 0) {
			snprintf(d->last[i].why, sizeof(d->last[i].why), "%s",
				why);
			return;
		}
	}
	i = d->last_pos++ % ARRAY_SIZE(d->last);
	snprintf(d->last[i].mid, sizeof(d->last[i].mid), "%s", mid);
	snprintf(d->last[i].why, sizeof(d->last[i].why), "%s", why);
}

/* The remembered last error of a message id, or NULL. */
static const char *
last_get(const struct dispatch *d, const char *mid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(d->last); i++)
		if (d->last[i].mid[0] && strcmp(d->last[i].mid, mid) == 0)
			return d->last[i].why;
	return NULL;
}

/* Take a received message. */
struct dispatch_job *
dispatch_intake(struct dispatch *d, const struct msg *m, int64_t now,
	struct dispatch_decision *out, bool *dead)
{
	struct dispatch_job *j, **tail;

	d->c.received++;
	j = xcalloc(1, sizeof(*j));
	j->id = d->next_id++;
	j->mid = xstrdup(m->mid);
	j->rcpt = xstrdup(m->rcpt);
	j->body = xmemdupz(m->body, m->body_len);
	j->body_len = m->body_len;
	j->rc = (unsigned)m->rc;
	j->sent = m->sent;
	j->received_ms = now;
	j->slot = -1;
	for (tail = &d->head; *tail; tail = &(*tail)->next)
		;
	*tail = j;
	d->n++;
	*dead = false;
	if (j->rc > d->cfg.max_receives) {
		const char *last = last_get(d, j->mid);

		memset(out, 0, sizeof(*out));
		out->op = PROTO_OP_DEAD;
		snprintf(out->why, sizeof(out->why),
			"received %u times (max %u); last error: %s", j->rc,
			d->cfg.max_receives,
			last ? last :
			"unknown (worker lost or supervisor restarted)");
		d->c.dead++;
		*dead = true;
	}
	return j;
}

/* Oldest pending job. */
struct dispatch_job *
dispatch_pending(const struct dispatch *d)
{
	struct dispatch_job *j;

	for (j = d->head; j; j = j->next)
		if (j->slot < 0)
			return j;
	return NULL;
}

/* Count pending jobs. */
size_t
dispatch_npending(const struct dispatch *d)
{
	struct dispatch_job *j;
	size_t n = 0;

	for (j = d->head; j; j = j->next)
		n += j->slot < 0;
	return n;
}

/* Look a job up by id. */
struct dispatch_job *
dispatch_find(const struct dispatch *d, uint64_t id)
{
	struct dispatch_job *j;

	for (j = d->head; j; j = j->next)
		if (j->id == id)
			return j;
	return NULL;
}

/* Count the outcome of a decision. */
static void
count_decision(struct dispatch *d, const struct dispatch_decision *dec)
{
	if (dec->op == PROTO_OP_DELETE)
		d->c.done++;
	else if (dec->op == PROTO_OP_RETRY)
		d->c.retried++;
	else
		d->c.dead++;
}

/* A DONE answer. */
void
dispatch_answer(struct dispatch *d, const struct dispatch_job *j,
	const struct msg *m, struct dispatch_decision *out)
{
	enum proto_verdict v = (enum proto_verdict)m->verdict;

	dispatch_decide(&d->cfg, j->rc, v, m->why, out);
	count_decision(d, out);
	d->c.stacks += (uint64_t)(m->stacks > 0 ? m->stacks : 0);
	d->c.bad_lines += (uint64_t)(m->bad > 0 ? m->bad : 0);
	if (v == PROTO_V_DONE) {
		if (m->kind == PROTO_K_ADHOC)
			d->c.adhoc++;
		else if (m->kind == PROTO_K_CONTINUOUS)
			d->c.continuous++;
		else
			d->c.no_html++;
	} else {
		last_put(d, j->mid, m->why ? m->why : "unknown error");
	}
}

/* The worker died with the job. */
void
dispatch_lost(struct dispatch *d, const struct dispatch_job *j,
	const char *why, bool timeout, struct dispatch_decision *out)
{
	dispatch_decide(&d->cfg, j->rc, PROTO_V_RETRY, why, out);
	count_decision(d, out);
	if (timeout)
		d->c.timeouts++;
	else
		d->c.crashed++;
	last_put(d, j->mid, why);
}

/* Give an unrun job back at shutdown. */
void
dispatch_return(struct dispatch *d, const struct dispatch_job *j,
	struct dispatch_decision *out)
{
	memset(out, 0, sizeof(*out));
	out->op = PROTO_OP_RETRY;
	out->delay = 0;
	snprintf(out->why, sizeof(out->why), "supervisor shutting down");
	d->c.returned++;
}

/* Unlink and free a job. */
void
dispatch_remove(struct dispatch *d, struct dispatch_job *j)
{
	struct dispatch_job **pp;

	for (pp = &d->head; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			d->n--;
			job_free(j);
			return;
		}
	}
}

/* The ACK for a decision. */
void
dispatch_ack_msg(const struct dispatch_job *j,
	const struct dispatch_decision *dec, struct msg *out)
{
	memset(out, 0, sizeof(*out));
	out->type = PROTO_ACK;
	out->id = j->id;
	out->op = dec->op;
	out->mid = j->mid;
	out->rcpt = j->rcpt;
	out->delay = dec->delay;
	out->why = dec->why[0] ? dec->why : NULL;
	if (dec->op == PROTO_OP_DEAD) {
		out->body = j->body;
		out->body_len = j->body_len;
		out->rc = j->rc;
		out->sent = j->sent;
	}
}
