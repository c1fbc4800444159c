/*
 * chan.c - send and receive single datagrams on a SEQPACKET socket.
 *
 * Receiving uses recv(MSG_TRUNC) into a buffer one byte larger than the
 * cap: with MSG_TRUNC, Linux returns the real length of the datagram even
 * when it did not fit, so an oversized message is detected instead of
 * being silently cut.  Sends use MSG_NOSIGNAL so a dead peer is EPIPE,
 * never SIGPIPE.
 */
#include "compat.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "chan.h"

/* socketpair() of the SEQPACKET kind, close-on-exec. */
int
chan_pair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return E_IO;
	return E_OK;
}

/* Map a failed send/recv errno to an enum err. */
static int
chan_errno(int e)
{
	switch (e) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return E_TIMEOUT;
	case EPIPE:
	case ECONNRESET:
	case ENOTCONN:
		return E_STOP;
	case EMSGSIZE:
		return E_TOOBIG;
	default:
		return E_IO;
	}
}

/* Send one datagram, retrying on EINTR. */
int
chan_send(int fd, const void *p, size_t n, int flags)
{
	int sflags = MSG_NOSIGNAL | ((flags & CHAN_NOWAIT) ? MSG_DONTWAIT : 0);
	ssize_t w;

	if (n == 0)
		return E_INVAL;
	if (n > PROTO_MAX)
		return E_TOOBIG;
	do
		w = send(fd, p, n, sflags);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return chan_errno(errno);
	if ((size_t)w != n)
		return E_IO;	/* cannot happen on SEQPACKET */
	return E_OK;
}

/* Receive one datagram into out, detecting truncation. */
int
chan_recv(int fd, struct buf *out, int flags)
{
	int rflags = MSG_TRUNC | ((flags & CHAN_NOWAIT) ? MSG_DONTWAIT : 0);
	ssize_t r;
	int err;

	buf_reset(out);
	err = buf_grow(out, PROTO_MAX + 1);
	if (err)
		return err;
	do
		r = recv(fd, out->data, PROTO_MAX + 1, rflags);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return chan_errno(errno);
	if (r == 0)
		return E_STOP;
	if ((size_t)r > PROTO_MAX)
		return E_PROTO;
	out->len = (size_t)r;
	out->data[r] = '\0';
	return E_OK;
}

/* Encode and send one message. */
int
chan_send_msg(int fd, const struct msg *m, int flags)
{
	struct buf b = BUF_INIT(PROTO_MAX);
	int err;

	err = proto_encode(&b, m);
	if (err)
		goto out;
	err = chan_send(fd, b.data, b.len, flags);
out:
	buf_release(&b);
	return err;
}

/* Receive and decode one message. */
int
chan_recv_msg(int fd, struct arena *a, struct msg *m, int flags)
{
	struct buf b = BUF_INIT(PROTO_MAX + 1);
	int err;

	err = chan_recv(fd, &b, flags);
	if (err)
		goto out;
	err = proto_decode(b.data, b.len, a, m);
out:
	buf_release(&b);
	return err;
}
