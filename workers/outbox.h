/*
 * outbox.h - the supervisor's queue of ACKs for the acker.
 *
 * Every job ends in a decision (delete / retry / dead-letter) that the
 * acker carries out.  The supervisor never blocks on the acker: a
 * decision is encoded at once and kept here, in order, while the acker's
 * socket is full or the acker is being respawned, and sent when the
 * socket takes it.
 */
#ifndef EMBER_OUTBOX_H
#define EMBER_OUTBOX_H

#include "compat.h"

#include "proto.h"

struct outbox_frame;

struct outbox {
	struct outbox_frame *head;	/* oldest first */
	struct outbox_frame **tail;
	size_t n;			/* frames waiting */
};

void outbox_init(struct outbox *o);
/* Free every waiting frame (their messages will be received again). */
void outbox_release(struct outbox *o);
/*
 * Encode m and append it.  E_PROTO (nothing queued) if it does not
 * encode, which cannot happen for messages that arrived in frames of the
 * same cap; the caller logs it.
 */
MUST_CHECK int outbox_add(struct outbox *o, const struct msg *m);
/*
 * Send waiting frames on fd (non-blocking) until it is full or the box is
 * empty.  E_OK when everything was sent or the socket is full (the rest
 * waits); another error when the channel failed.
 */
MUST_CHECK int outbox_flush(struct outbox *o, int fd);
/* True when nothing waits. */
bool outbox_empty(const struct outbox *o);

#endif
