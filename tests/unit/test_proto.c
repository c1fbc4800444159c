/*
 * test_proto.c - msgpack messages: round trips, a golden frame, and
 * corrupt frames of every kind rejected with E_PROTO (never a crash).
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"

static struct arena A;

static int
setup(void **state)
{
	arena_init(&A, 0);
	return 0;
}

static int
teardown(void **state)
{
	arena_release(&A);
	return 0;
}

/* READY {pid: 42}, id 0, byte for byte. */
static const unsigned char golden_ready[] = {
	0x93, 0x01, 0x00, 0x81, 0xa3, 'p', 'i', 'd', 0x2a
};

static void
test_golden_ready(void **state)
{
	struct buf b = BUF_INIT(0);
	struct msg m = { .type = PROTO_READY, .pid = 42 };
	struct msg d;

	assert_int_equal(proto_encode(&b, &m), E_OK);
	assert_int_equal(b.len, sizeof(golden_ready));
	assert_memory_equal(b.data, golden_ready, sizeof(golden_ready));
	assert_int_equal(proto_decode(golden_ready, sizeof(golden_ready), &A,
		&d), E_OK);
	assert_int_equal(d.type, PROTO_READY);
	assert_int_equal(d.pid, 42);
	assert_int_equal(d.id, 0);
	buf_release(&b);
}

static void
test_roundtrip_job(void **state)
{
	struct buf b = BUF_INIT(0);
	static const char body[] = "{\"filename\":\"a\0b\",\"service\":\"s\"}";
	struct msg m = {
		.type = PROTO_JOB, .id = UINT64_C(0xfffffffffffffff0),
		.mid = "m-1", .rcpt = "r-1", .body = body,
		.body_len = sizeof(body) - 1, .rc = 3, .sent = 1773223200,
		.deadline = -5,
	};
	struct msg d;

	assert_int_equal(proto_encode(&b, &m), E_OK);
	assert_int_equal(proto_decode(b.data, b.len, &A, &d), E_OK);
	assert_int_equal(d.type, PROTO_JOB);
	assert_true(d.id == m.id);
	assert_string_equal(d.mid, "m-1");
	assert_string_equal(d.rcpt, "r-1");
	assert_int_equal(d.body_len, sizeof(body) - 1);
	assert_memory_equal(d.body, body, sizeof(body) - 1);
	assert_int_equal(d.rc, 3);
	assert_int_equal(d.sent, 1773223200);
	assert_int_equal(d.deadline, -5);
	buf_release(&b);
}

static void
test_roundtrip_done_and_optional(void **state)
{
	struct buf b = BUF_INIT(0);
	struct msg m = {
		.type = PROTO_DONE, .id = 7, .err = E_INVAL,
		.verdict = PROTO_V_POISON, .why = "bad gzip", .ms = 12,
		.kind = PROTO_K_ADHOC, .stacks = 75, .bad = 2, .samples = 900,
		.html = 4096,
	};
	struct msg d;

	assert_int_equal(proto_encode(&b, &m), E_OK);
	assert_int_equal(proto_decode(b.data, b.len, &A, &d), E_OK);
	assert_int_equal(d.err, E_INVAL);
	assert_int_equal(d.verdict, PROTO_V_POISON);
	assert_string_equal(d.why, "bad gzip");
	assert_int_equal(d.stacks, 75);
	assert_int_equal(d.bad, 2);
	assert_int_equal(d.samples, 900);
	assert_int_equal(d.html, 4096);
	/* Optional fields left zero are not sent and decode as zero/NULL. */
	buf_reset(&b);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_DONE;
	m.id = 1;
	assert_int_equal(proto_encode(&b, &m), E_OK);
	assert_int_equal(proto_decode(b.data, b.len, &A, &d), E_OK);
	assert_null(d.why);
	assert_int_equal(d.kind, 0);
	buf_release(&b);
}

static void
test_every_type_roundtrips(void **state)
{
	struct buf b = BUF_INIT(0);
	int t;

	for (t = 1; t < PROTO__COUNT; t++) {
		struct msg m = {
			.type = t, .id = (uint64_t)t, .pid = 1, .mid = "i",
			.rcpt = "r", .body = "{}", .body_len = 2, .rc = 1,
			.n = 4, .op = PROTO_OP_RETRY, .delay = 30,
			.visible = -1, .age = 5,
		};
		struct msg d;

		buf_reset(&b);
		assert_int_equal(proto_encode(&b, &m), E_OK);
		assert_int_equal(proto_decode(b.data, b.len, &A, &d), E_OK);
		assert_int_equal(d.type, t);
		assert_int_equal(d.id, t);
		assert_string_not_equal(proto_type_name(t), "?");
	}
	assert_string_equal(proto_type_name(0), "?");
	assert_string_equal(proto_type_name(PROTO__COUNT), "?");
	buf_release(&b);
}

static void
test_encode_errors(void **state)
{
	struct buf b = BUF_INIT(0);
	struct msg m = { .type = PROTO_JOB, .mid = "x", .rcpt = NULL,
		.body = "", .body_len = 0 };
	char *big = malloc(PROTO_MAX);

	assert_int_equal(proto_encode(&b, &m), E_INVAL);	/* NULL required */
	m.type = 0;
	assert_int_equal(proto_encode(&b, &m), E_INVAL);
	m.type = PROTO__COUNT;
	assert_int_equal(proto_encode(&b, &m), E_INVAL);
	memset(big, 'x', PROTO_MAX);
	m.type = PROTO_JOB;
	m.rcpt = "r";
	m.body = big;
	m.body_len = PROTO_MAX;
	assert_int_equal(proto_encode(&b, &m), E_TOOBIG);
	assert_int_equal(b.len, 0);
	/* The output buf's own cap counts too. */
	b.max = 4;
	m.body_len = 10;
	assert_int_equal(proto_encode(&b, &m), E_TOOBIG);
	assert_int_equal(b.len, 0);
	free(big);
	buf_release(&b);
}

/* Expect E_PROTO for a hand-made frame. */
static void
bad(const void *p, size_t n)
{
	struct msg d;

	assert_int_equal(proto_decode(p, n, &A, &d), E_PROTO);
	assert_int_equal(d.type, 0);
}

static void
test_corrupt_frames(void **state)
{
	/* structural */
	bad("", 0);
	bad("\xc1", 1);					/* never-used byte */
	bad("\x01", 1);					/* not an array */
	bad("\x92\x01\x00", 3);				/* 2 elements */
	bad("\x93\x00\x00\x80", 4);			/* type 0 */
	bad("\x93\x7f\x00\x80", 4);			/* unknown type */
	bad("\x93\xff\x00\x80", 4);			/* negative type */
	bad("\x93\x04\xff\x80", 4);			/* negative id */
	bad("\x93\x04\x00\x90", 4);			/* body not a map */
	bad("\x93\x04\x00\x80\x00", 5);			/* trailing byte */
	bad("\x93\x04\x00", 3);				/* truncated */
	/* declared sizes beyond the frame */
	bad("\x93\x04\x00\xdf\xff\xff\xff\xff", 8);	/* map32 4G */
	bad("\xdd\x7f\xff\xff\xff\x01", 6);		/* array32 */
	bad("\x93\x04\x00\x81\xdb\xff\xff\xff\xff", 9);	/* str32 */
	bad("\x93\x04\x00\x81\xa3pi", 7);		/* short str */
	/* schema */
	bad("\x93\x01\x00\x80", 4);			/* READY without pid */
	bad("\x93\x01\x00\x81\xa3pid\xa1x", 10);	/* pid a string */
	bad("\x93\x01\x00\x81\xa3pid\xff", 9);		/* pid negative */
	bad("\x93\x01\x00\x82\xa3pid\x01\xa3pid\x02", 14);	/* dup key */
	bad("\x93\x01\x00\x81\x01\x01", 6);		/* int key */
	bad("\x93\x03\x01\x83\xa3" "err\x00\xa7verdict\x09\xa2ms\x00", 22);
}

static void
test_unknown_keys_ignored(void **state)
{
	/* READY {zz: [1, 2], pid: 5}: unknown key with any value is fine */
	static const unsigned char f[] = {
		0x93, 0x01, 0x00, 0x82, 0xa2, 'z', 'z', 0x92, 0x01, 0x02,
		0xa3, 'p', 'i', 'd', 0x05
	};
	struct msg d;

	assert_int_equal(proto_decode(f, sizeof(f), &A, &d), E_OK);
	assert_int_equal(d.pid, 5);
}

static void
test_mutations_never_crash(void **state)
{
	struct buf b = BUF_INIT(0);
	struct msg m = {
		.type = PROTO_ACK, .id = 9, .op = PROTO_OP_DEAD, .mid = "mid",
		.rcpt = "rcpt", .body = "{\"a\":1}", .body_len = 7, .rc = 5,
		.why = "gave up",
	};
	unsigned char *f;
	size_t i, ok = 0;
	int v;

	assert_int_equal(proto_encode(&b, &m), E_OK);
	f = malloc(b.len);
	/* every truncation fails */
	for (i = 0; i < b.len; i++)
		bad(b.data, i);
	/* every single-byte change decodes or fails cleanly */
	for (i = 0; i < b.len; i++) {
		for (v = 0; v < 256; v++) {
			struct msg d;

			memcpy(f, b.data, b.len);
			f[i] = (unsigned char)v;
			if (proto_decode(f, b.len, &A, &d) == E_OK)
				ok++;
		}
		arena_reset(&A);
	}
	assert_true(ok >= b.len);	/* at least the unchanged bytes */
	free(f);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_ready),
		cmocka_unit_test(test_roundtrip_job),
		cmocka_unit_test(test_roundtrip_done_and_optional),
		cmocka_unit_test(test_every_type_roundtrips),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_corrupt_frames),
		cmocka_unit_test(test_unknown_keys_ignored),
		cmocka_unit_test(test_mutations_never_crash),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
