/*
 * chan.h - one message at a time over a SOCK_SEQPACKET socketpair.
 *
 * A channel is one end of socketpair(AF_UNIX, SOCK_SEQPACKET |
 * SOCK_CLOEXEC): one send() is one message, boundaries are kept, and the
 * peer's death reads as EOF.  Messages are at most PROTO_MAX bytes and
 * never empty (an empty read means EOF).  This module only moves bytes
 * (plus two helpers that run proto.c on them); it keeps no state, so the
 * fd is the whole channel.
 *
 * Errors: E_STOP when the peer is gone (EOF, EPIPE, ECONNRESET);
 * E_TIMEOUT when CHAN_NOWAIT was given and the call would block; E_PROTO
 * for a message that was longer than the cap (detected with MSG_TRUNC;
 * the message is consumed and lost) or does not decode; E_TOOBIG for a
 * message too big to send; E_IO for anything else (errno kept).  EINTR
 * is retried inside.
 */
#ifndef EMBER_CHAN_H
#define EMBER_CHAN_H

#include "compat.h"

#include "arena.h"
#include "buf.h"
#include "err.h"
#include "proto.h"

enum chan_flags {
	CHAN_NOWAIT = 1 << 0	/* never block: E_TIMEOUT instead */
};

/* Make a close-on-exec SEQPACKET socketpair; fds[0] and fds[1] are the ends. */
MUST_CHECK int chan_pair(int fds[2]);

/* Send n bytes (0 < n <= PROTO_MAX) as one message. */
MUST_CHECK int chan_send(int fd, const void *p, size_t n, int flags);

/*
 * Receive one message into out (replacing its contents; out's cap must
 * allow PROTO_MAX + 1 bytes or be 0).
 */
MUST_CHECK int chan_recv(int fd, struct buf *out, int flags);

/* Encode m and send it. */
MUST_CHECK int chan_send_msg(int fd, const struct msg *m, int flags);

/* Receive one message and decode it into m (strings copied into a). */
MUST_CHECK int chan_recv_msg(int fd, struct arena *a, struct msg *m,
	int flags);

#endif
