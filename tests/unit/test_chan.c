/*
 * test_chan.c - SEQPACKET channels: boundaries, the size cap with
 * MSG_TRUNC, EOF, EAGAIN, EINTR, and a corrupt frame that leaves the
 * channel usable.
 */
#include "compat.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "chan.h"

static void
test_boundaries_kept(void **state)
{
	struct buf b = BUF_INIT(PROTO_MAX + 1);
	int fds[2];

	assert_int_equal(chan_pair(fds), E_OK);
	assert_int_equal(chan_send(fds[0], "abc", 3, 0), E_OK);
	assert_int_equal(chan_send(fds[0], "de", 2, 0), E_OK);
	assert_int_equal(chan_recv(fds[1], &b, 0), E_OK);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "abc");
	assert_int_equal(chan_recv(fds[1], &b, 0), E_OK);
	assert_string_equal(b.data, "de");
	/* both directions */
	assert_int_equal(chan_send(fds[1], "x", 1, 0), E_OK);
	assert_int_equal(chan_recv(fds[0], &b, 0), E_OK);
	assert_string_equal(b.data, "x");
	close(fds[0]);
	close(fds[1]);
	buf_release(&b);
}

static void
test_size_limits(void **state)
{
	struct buf b = BUF_INIT(PROTO_MAX + 1);
	char *big = calloc(1, PROTO_MAX + 100);
	int fds[2];

	assert_int_equal(chan_pair(fds), E_OK);
	assert_int_equal(chan_send(fds[0], big, 0, 0), E_INVAL);
	assert_int_equal(chan_send(fds[0], big, PROTO_MAX + 1, 0), E_TOOBIG);
	/* exactly the cap passes */
	assert_int_equal(chan_send(fds[0], big, PROTO_MAX, 0), E_OK);
	assert_int_equal(chan_recv(fds[1], &b, 0), E_OK);
	assert_int_equal(b.len, PROTO_MAX);
	/* a bigger datagram sent behind our back is detected, and dropped */
	assert_int_equal(send(fds[0], big, PROTO_MAX + 100, 0), PROTO_MAX + 100);
	assert_int_equal(chan_send(fds[0], "next", 4, 0), E_OK);
	assert_int_equal(chan_recv(fds[1], &b, 0), E_PROTO);
	assert_int_equal(chan_recv(fds[1], &b, 0), E_OK);
	assert_string_equal(b.data, "next");
	close(fds[0]);
	close(fds[1]);
	free(big);
	buf_release(&b);
}

static void
test_eof_and_nowait(void **state)
{
	struct buf b = BUF_INIT(PROTO_MAX + 1);
	char chunk[4096] = { 0 };
	int fds[2], rc, sent = 0;

	assert_int_equal(chan_pair(fds), E_OK);
	assert_int_equal(chan_recv(fds[1], &b, CHAN_NOWAIT), E_TIMEOUT);
	/* fill the socket: NOWAIT sends end in E_TIMEOUT, never block */
	while ((rc = chan_send(fds[0], chunk, sizeof(chunk), CHAN_NOWAIT)) ==
	    E_OK)
		sent++;
	assert_int_equal(rc, E_TIMEOUT);
	assert_true(sent > 0);
	close(fds[0]);
	/* queued messages are still delivered, then EOF */
	while ((rc = chan_recv(fds[1], &b, 0)) == E_OK)
		sent--;
	assert_int_equal(rc, E_STOP);
	assert_int_equal(sent, 0);
	/* sending to a closed peer is E_STOP, not SIGPIPE */
	assert_int_equal(chan_send(fds[1], "x", 1, 0), E_STOP);
	close(fds[1]);
	buf_release(&b);
}

static void
on_alarm(int sig)
{
}

static void
test_eintr_retried(void **state)
{
	struct buf b = BUF_INIT(PROTO_MAX + 1);
	struct sigaction sa;
	struct itimerval it = { { 0, 50000 }, { 0, 50000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	int fds[2], st;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: recv sees EINTR */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	assert_int_equal(chan_pair(fds), E_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[1]);
		usleep(300000);
		_exit(chan_send(fds[0], "late", 4, 0) == E_OK ? 0 : 1);
	}
	close(fds[0]);
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(chan_recv(fds[1], &b, 0), E_OK);
	setitimer(ITIMER_REAL, &off, NULL);
	assert_string_equal(b.data, "late");
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(st, 0);
	/* the child is gone: EOF */
	assert_int_equal(chan_recv(fds[1], &b, 0), E_STOP);
	close(fds[1]);
	buf_release(&b);
}

static void
test_messages(void **state)
{
	struct arena a;
	struct msg m = { .type = PROTO_FETCH, .id = 3, .n = 2 }, d;
	int fds[2];

	arena_init(&a, 0);
	assert_int_equal(chan_pair(fds), E_OK);
	assert_int_equal(chan_send_msg(fds[0], &m, 0), E_OK);
	assert_int_equal(chan_recv_msg(fds[1], &a, &d, 0), E_OK);
	assert_int_equal(d.type, PROTO_FETCH);
	assert_int_equal(d.n, 2);
	/* a corrupt frame is E_PROTO and the channel goes on */
	assert_int_equal(chan_send(fds[0], "\x93\x7f\x00\x80", 4, 0), E_OK);
	assert_int_equal(chan_send_msg(fds[0], &m, 0), E_OK);
	assert_int_equal(chan_recv_msg(fds[1], &a, &d, 0), E_PROTO);
	assert_int_equal(chan_recv_msg(fds[1], &a, &d, 0), E_OK);
	assert_int_equal(d.id, 3);
	assert_int_equal(chan_recv_msg(fds[1], &a, &d, CHAN_NOWAIT), E_TIMEOUT);
	close(fds[0]);
	assert_int_equal(chan_recv_msg(fds[1], &a, &d, 0), E_STOP);
	close(fds[1]);
	arena_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boundaries_kept),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_eof_and_nowait),
		cmocka_unit_test(test_eintr_retried),
		cmocka_unit_test(test_messages),
	};

	alarm(30);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
