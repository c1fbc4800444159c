/*
 * test_dispatch.c - the delete / retry / dead-letter policy: capped
 * exponential back-off, max_receives, poison, intake over the limit with
 * the remembered last error, and the ACK that goes to the acker.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dispatch.h"

static const struct dispatch_cfg CFG = {
	.max_receives = 5, .retry_base = 5, .retry_max = 60,
};

static void
test_backoff(void **state)
{
	assert_int_equal(dispatch_backoff(&CFG, 1), 5);
	assert_int_equal(dispatch_backoff(&CFG, 2), 10);
	assert_int_equal(dispatch_backoff(&CFG, 3), 20);
	assert_int_equal(dispatch_backoff(&CFG, 4), 40);
	assert_int_equal(dispatch_backoff(&CFG, 5), 60);
	assert_int_equal(dispatch_backoff(&CFG, 500), 60);
	assert_int_equal(dispatch_backoff(&CFG, 0), 5);
}

static void
test_decide(void **state)
{
	struct dispatch_decision d;

	dispatch_decide(&CFG, 1, PROTO_V_DONE, NULL, &d);
	assert_int_equal(d.op, PROTO_OP_DELETE);
	dispatch_decide(&CFG, 1, PROTO_V_POISON, "bad gzip", &d);
	assert_int_equal(d.op, PROTO_OP_DEAD);
	assert_string_equal(d.why, "bad gzip");
	dispatch_decide(&CFG, 2, PROTO_V_RETRY, "db down", &d);
	assert_int_equal(d.op, PROTO_OP_RETRY);
	assert_int_equal(d.delay, 10);
	assert_string_equal(d.why, "db down");
	dispatch_decide(&CFG, 5, PROTO_V_RETRY, "db down", &d);
	assert_int_equal(d.op, PROTO_OP_DEAD);
	assert_string_equal(d.why, "gave up after 5 receives: db down");
	dispatch_decide(&CFG, 1, PROTO_V_RETRY, NULL, &d);
	assert_string_equal(d.why, "unknown error");
}

/* A MSG as the receiver sends it. */
static struct msg
msg(const char *mid, unsigned rc)
{
	struct msg m = {
		.type = PROTO_MSG, .mid = mid, .rcpt = "r", .body = "{}",
		.body_len = 2, .rc = rc, .sent = 100,
	};

	return m;
}

static void
test_table_and_answers(void **state)
{
	struct dispatch d;
	struct dispatch_decision dec;
	struct dispatch_job *a, *b;
	struct msg m = msg("m1", 1), done = { .type = PROTO_DONE };
	struct msg ack;
	bool dead;

	dispatch_init(&d, &CFG);
	a = dispatch_intake(&d, &m, 10, &dec, &dead);
	assert_false(dead);
	m = msg("m2", 2);
	b = dispatch_intake(&d, &m, 11, &dec, &dead);
	assert_int_equal(d.n, 2);
	assert_ptr_equal(dispatch_pending(&d), a);
	assert_int_equal(dispatch_npending(&d), 2);
	a->slot = 0;
	assert_ptr_equal(dispatch_pending(&d), b);
	assert_ptr_equal(dispatch_find(&d, b->id), b);
	assert_null(dispatch_find(&d, 999));
	/* success with an ad hoc flamegraph */
	done.id = a->id;
	done.kind = PROTO_K_ADHOC;
	done.stacks = 70;
	done.bad = 1;
	dispatch_answer(&d, a, &done, &dec);
	assert_int_equal(dec.op, PROTO_OP_DELETE);
	dispatch_ack_msg(a, &dec, &ack);
	assert_int_equal(ack.type, PROTO_ACK);
	assert_string_equal(ack.rcpt, "r");
	assert_null(ack.body);	/* only dead letters carry the body */
	dispatch_remove(&d, a);
	assert_int_equal(d.c.done, 1);
	assert_int_equal(d.c.adhoc, 1);
	assert_int_equal(d.c.stacks, 70);
	assert_int_equal(d.c.bad_lines, 1);
	/* the worker of b dies: retry, remembered */
	b->slot = 1;
	dispatch_lost(&d, b, "worker killed by signal 9", false, &dec);
	assert_int_equal(dec.op, PROTO_OP_RETRY);
	assert_int_equal(dec.delay, 10);
	assert_int_equal(d.c.crashed, 1);
	dispatch_remove(&d, b);
	assert_int_equal(d.n, 0);
	/* it comes back over the limit: dead with the last error */
	m = msg("m2", 6);
	b = dispatch_intake(&d, &m, 20, &dec, &dead);
	assert_true(dead);
	assert_int_equal(dec.op, PROTO_OP_DEAD);
	assert_string_equal(dec.why, "received 6 times (max 5); last error: "
		"worker killed by signal 9");
	dispatch_ack_msg(b, &dec, &ack);
	assert_string_equal(ack.body, "{}");
	assert_int_equal(ack.rc, 6);
	assert_int_equal(ack.sent, 100);
	dispatch_remove(&d, b);
	/* unknown history */
	m = msg("m3", 9);
	b = dispatch_intake(&d, &m, 20, &dec, &dead);
	assert_true(dead);
	assert_non_null(strstr(dec.why, "last error: unknown"));
	dispatch_remove(&d, b);
	/* poison answer and shutdown return */
	m = msg("m4", 1);
	a = dispatch_intake(&d, &m, 30, &dec, &dead);
	done.id = a->id;
	done.verdict = PROTO_V_POISON;
	done.why = "bad header JSON";
	dispatch_answer(&d, a, &done, &dec);
	assert_int_equal(dec.op, PROTO_OP_DEAD);
	dispatch_remove(&d, a);
	m = msg("m5", 1);
	a = dispatch_intake(&d, &m, 30, &dec, &dead);
	dispatch_return(&d, a, &dec);
	assert_int_equal(dec.op, PROTO_OP_RETRY);
	assert_int_equal(dec.delay, 0);
	dispatch_remove(&d, a);
	assert_int_equal(d.c.dead, 3);
	assert_int_equal(d.c.retried, 1);
	assert_int_equal(d.c.returned, 1);
	assert_int_equal(d.c.received, 6);
	dispatch_release(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_table_and_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
