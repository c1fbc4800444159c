/*
 * outbox.c - the ACK queue (see outbox.h): a singly linked FIFO of
 * encoded frames, each capped at PROTO_MAX.
 */
#include "compat.h"

#include <stdlib.h>

#include "buf.h"
#include "chan.h"
#include "mem.h"
#include "outbox.h"

struct outbox_frame {
	struct buf b;
	struct outbox_frame *next;
};

/* An empty box. */
void
outbox_init(struct outbox *o)
{
	o->head = NULL;
	o->tail = &o->head;
	o->n = 0;
}

/* Drop the first frame. */
static void
pop(struct outbox *o)
{
	struct outbox_frame *f = o->head;

	o->head = f->next;
	if (!o->head)
		o->tail = &o->head;
	o->n--;
	buf_release(&f->b);
	free(f);
}

/* Free everything. */
void
outbox_release(struct outbox *o)
{
	while (o->head)
		pop(o);
}

/* Encode and append. */
int
outbox_add(struct outbox *o, const struct msg *m)
{
	struct outbox_frame *f = xcalloc(1, sizeof(*f));

	buf_init(&f->b, PROTO_MAX);
	if (proto_encode(&f->b, m) != E_OK) {
		buf_release(&f->b);
		free(f);
		return E_PROTO;
	}
	*o->tail = f;
	o->tail = &f->next;
	o->n++;
	return E_OK;
}

/* Send what the socket takes now. */
int
outbox_flush(struct outbox *o, int fd)
{
	while (o->head) {
		int rc = chan_send(fd, o->head->b.data, o->head->b.len,
			CHAN_NOWAIT);

		if (rc == E_TIMEOUT)
			return E_OK;
		if (rc)
			return rc;
		pop(o);
	}
	return E_OK;
}

/* Nothing waiting. */
bool
outbox_empty(const struct outbox *o)
{
	return o->head == NULL;
}
