/*
 * contract_queue.c - the queue contract, run against whichever backend the
 * configuration names (EMBER_QUEUE_BACKEND=pg|sqs and the other EMBER_*
 * variables, or -c FILE).  Prints TAP.
 *
 *   contract_queue [-c FILE] suite          every check below
 *   contract_queue [-c FILE] send BODY      one operation, for fault tests
 *   contract_queue [-c FILE] recv           (receive + delete; prints bodies)
 *   contract_queue [-c FILE] dead           the dead-letter checks only
 *   contract_queue [-c FILE] bench N        send N, then receive + batch
 *                                           delete them (prints seconds)
 *   contract_queue [-c FILE] restart "STOP-CMD" "START-CMD"
 *       works, runs STOP-CMD (database or endpoint down) and checks that
 *       operations fail cleanly, runs START-CMD and checks that the same
 *       queue object works again (reconnect)
 */
#include "compat.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "cfg.h"
#include "err.h"
#include "tap.h"
#include "mem.h"
#include "queue.h"
#include "utc.h"

static struct cfg g_cfg;

/* tap_ok() for an error code, printing the queue's message on mismatch. */
static bool
ok_rc(struct queue *q, int got, int want, const char *what)
{
	return tap_rc(got, want, what, queue_errmsg(q));
}

/* Receive and delete everything that is visible now. */
static void
drain(struct queue *q)
{
	struct arena a;
	struct queue_msg *m;
	size_t n;
	size_t i;
	int rounds = 0;

	arena_init(&a, 0);
	do {
		arena_reset(&a);
		if (queue_receive(q, 10, 0, 30, &a, &m, &n) != E_OK)
			break;
		for (i = 0; i < n; i++)
			if (queue_delete(q, m[i].receipt) != E_OK)
				break;
	} while (n > 0 && ++rounds < 1000);
	arena_release(&a);
}

/* Send, receive, delete; empty long poll. */
static void
t_basic(struct queue *q)
{
	struct arena a;
	struct queue_msg *m = NULL;
	size_t n = 0;
	char *id = NULL;
	const char *body = "{\"filename\":\"2026-03-11T10:00:00_ab_cd.gz\","
		"\"service\":\"svc \xc3\xa9\",\"service_id\":12}";
	int64_t t0;
	int64_t now = utc_now_usec() / 1000000;
	int rc;

	arena_init(&a, 0);
	rc = queue_send(q, body, strlen(body), &id);
	ok_rc(q, rc, E_OK, "send");
	tap_ok(id && *id, "send returns a message id");
	rc = queue_receive(q, 10, 2, 30, &a, &m, &n);
	tap_ok(rc == E_OK && n == 1, "receive gets the message (n=%zu)", n);
	if (n == 1) {
		tap_ok(strcmp(m[0].body, body) == 0 && m[0].body_len == strlen(body),
			"body intact (UTF-8 included)");
		tap_ok(id && strcmp(m[0].id, id) == 0, "same id as send");
		tap_ok(m[0].receive_count == 1, "receive count 1 (got %u)",
			m[0].receive_count);
		tap_ok(m[0].sent_at >= now - 60 && m[0].sent_at <= now + 60,
			"sent_at is now (%lld)", (long long)m[0].sent_at);
		rc = queue_delete(q, m[0].receipt);
		ok_rc(q, rc, E_OK, "delete");
	}
	arena_reset(&a);
	t0 = utc_mono_ms();
	rc = queue_receive(q, 10, 1, 30, &a, &m, &n);
	t0 = utc_mono_ms() - t0;
	tap_ok(rc == E_OK && n == 0 && t0 >= 800 && t0 < 4000,
		"empty long poll waits about 1 s and returns nothing (%lld ms)",
		(long long)t0);
	rc = queue_send(q, "", 0, NULL);
	ok_rc(q, rc, E_INVAL, "empty body refused");
	rc = queue_receive(q, 0, 0, 30, &a, &m, &n);
	ok_rc(q, rc, E_INVAL, "receive of 0 messages refused");
	rc = queue_delete(q, "not-a-receipt");
	tap_ok(rc == E_NOTFOUND || rc == E_INVAL, "bogus receipt: %s", err_str(rc));
	free(id);
	arena_release(&a);
}

/* A long poll wakes when another process sends. */
static void
t_wake(struct queue *q)
{
	struct arena a;
	struct queue_msg *m = NULL;
	size_t n = 0;
	int64_t t0;
	pid_t pid;
	int st;
	int rc;

	arena_init(&a, 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct queue *q2 = NULL;
		char err[256];

		poll(NULL, 0, 700);
		if (queue_open(&g_cfg.queue, &g_cfg.db, &q2, err, sizeof(err)) != E_OK)
			_exit(1);
		rc = queue_send(q2, "wake", 4, NULL);
		queue_free(q2);
		_exit(rc == E_OK ? 0 : 1);
	}
	t0 = utc_mono_ms();
	rc = queue_receive(q, 1, 8, 30, &a, &m, &n);
	t0 = utc_mono_ms() - t0;
	waitpid(pid, &st, 0);
	tap_ok(rc == E_OK && n == 1 && strcmp(m[0].body, "wake") == 0 && t0 < 3500,
		"long poll wakes on a send from another process (%lld ms)",
		(long long)t0);
	if (n == 1 && queue_delete(q, m[0].receipt) != E_OK)
		tap_ok(false, "delete after wake");
	arena_release(&a);
}

/* Visibility timeout expiry, redelivery, receive counts, visibility change. */
static void
t_visibility(struct queue *q)
{
	struct arena a;
	struct queue_msg *m = NULL;
	size_t n = 0;
	char *first_receipt = NULL;
	char *id = NULL;
	int rc;

	arena_init(&a, 0);
	rc = queue_send(q, "vis", 3, &id);
	ok_rc(q, rc, E_OK, "send for visibility");
	rc = queue_receive(q, 1, 2, 1, &a, &m, &n);
	tap_ok(rc == E_OK && n == 1 && m[0].receive_count == 1,
		"received with a 1 s visibility");
	if (n == 1)
		first_receipt = xstrdup(m[0].receipt);
	arena_reset(&a);
	rc = queue_receive(q, 1, 0, 1, &a, &m, &n);
	tap_ok(rc == E_OK && n == 0, "hidden while in flight");
	poll(NULL, 0, 1300);
	arena_reset(&a);
	rc = queue_receive(q, 1, 3, 30, &a, &m, &n);
	tap_ok(rc == E_OK && n == 1 && id && strcmp(m[0].id, id) == 0,
		"redelivered after the visibility timeout");
	tap_ok(n == 1 && m[0].receive_count == 2, "receive count 2 (got %u)",
		n == 1 ? m[0].receive_count : 0);
	if (n == 1 && first_receipt) {
		tap_ok(strcmp(first_receipt, m[0].receipt) != 0,
			"a new receipt for each receive");
		if (g_cfg.queue.backend == CFG_QUEUE_PG) {
			rc = queue_delete(q, first_receipt);
			ok_rc(q, rc, E_NOTFOUND, "the stale receipt cannot delete");
			rc = queue_change_visibility(q, first_receipt, 0);
			ok_rc(q, rc, E_NOTFOUND, "the stale receipt cannot change visibility");
		}
		rc = queue_change_visibility(q, m[0].receipt, 0);
		ok_rc(q, rc, E_OK, "change visibility to 0");
		arena_reset(&a);
		rc = queue_receive(q, 1, 2, 30, &a, &m, &n);
		/* SQS's count is "approximate": the emulator may count more */
		tap_ok(rc == E_OK && n == 1 && (m[0].receive_count == 3 ||
			(g_cfg.queue.backend == CFG_QUEUE_SQS && m[0].receive_count > 3)),
			"visible again at once, receive count 3 (n=%zu, count %u)", n,
			n == 1 ? m[0].receive_count : 0);
		if (n == 1) {
			rc = queue_change_visibility(q, m[0].receipt, 60);
			ok_rc(q, rc, E_OK, "extend visibility");
			rc = queue_delete(q, m[0].receipt);
			ok_rc(q, rc, E_OK, "delete with the latest receipt");
		}
	}
	free(first_receipt);
	free(id);
	arena_release(&a);
}

/* Batches of more than 10 receipts, with one bad receipt. */
static void
t_batch(struct queue *q)
{
	enum { N = 15 };
	struct arena a;
	struct queue_msg *m = NULL;
	const char *receipts[N + 1];
	bool failed[N + 1];
	bool seen[N];
	size_t n = 0;
	size_t got = 0;
	size_t i;
	int rounds;
	int rc;
	bool right = true;

	arena_init(&a, 0);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < N; i++) {
		char b[32];

		snprintf(b, sizeof(b), "batch-%zu", i);
		if (queue_send(q, b, strlen(b), NULL) != E_OK)
			right = false;
	}
	tap_ok(right, "send %d messages", N);
	for (rounds = 0; got < N && rounds < 20; rounds++) {
		rc = queue_receive(q, 10, 1, 60, &a, &m, &n);
		if (rc != E_OK)
			break;
		tap_ok(n <= 10, "a receive returns at most 10 (got %zu)", n);
		for (i = 0; i < n && got < N; i++) {
			unsigned k = (unsigned)strtoul(m[i].body + 6, NULL, 10);

			if (k < N && !seen[k]) {
				seen[k] = true;
				receipts[got++] = m[i].receipt;
			}
		}
	}
	tap_ok(got == N, "all %d received in batches (got %zu)", N, got);
	receipts[got] = "00000000-0000-4000-8000-000000000000";
	rc = queue_delete_batch(q, receipts, got + 1, failed);
	tap_ok(rc == E_NOTFOUND || rc == E_INVAL,
		"batch delete with one bad receipt reports it (%s)", err_str(rc));
	for (i = 0; i < got; i++)
		if (failed[i])
			right = false;
	tap_ok(right && failed[got], "only the bad receipt is marked failed");
	arena_reset(&a);
	rc = queue_receive(q, 10, 0, 30, &a, &m, &n);
	tap_ok(rc == E_OK && n == 0, "queue empty after the batch delete");
	arena_release(&a);
}

/* Dead letters: reason kept, list, replay, purge. */
static void
t_dead(struct queue *q)
{
	struct arena a;
	struct queue_msg *m = NULL;
	struct queue_dead *d = NULL;
	struct queue_stats stats;
	size_t n = 0;
	size_t i;
	const char *found = NULL;
	int rc;

	bool in_pg = g_cfg.queue.backend == CFG_QUEUE_PG ||
		!g_cfg.queue.sqs.dlq_url || !*g_cfg.queue.sqs.dlq_url;

	arena_init(&a, 0);
	/* SQS allows one PurgeQueue a minute: keep it for the end. */
	if (in_pg && queue_dead_purge(q, NULL) != E_OK)
		printf("# purge before the test: %s\n", queue_errmsg(q));
	rc = queue_send(q, "poison", 6, NULL);
	ok_rc(q, rc, E_OK, "send poison");
	rc = queue_receive(q, 1, 2, 30, &a, &m, &n);
	tap_ok(rc == E_OK && n == 1, "receive poison");
	if (n != 1)
		goto out;
	rc = queue_dead_letter(q, &m[0], "E_PROTO: bad header line");
	ok_rc(q, rc, E_OK, "dead-letter it with a reason");
	arena_reset(&a);
	rc = queue_receive(q, 1, 0, 30, &a, &m, &n);
	tap_ok(rc == E_OK && n == 0, "gone from the queue");
	rc = queue_stats(q, &stats);
	tap_ok(rc == E_OK && stats.dead >= 1, "stats count the dead letter (%lld)",
		(long long)stats.dead);
	rc = queue_dead_list(q, 10, &a, &d, &n);
	for (i = 0; rc == E_OK && i < n; i++) {
		if (strcmp(d[i].body, "poison") == 0) {
			found = d[i].id;
			tap_ok(strcmp(d[i].reason, "E_PROTO: bad header line") == 0,
				"the reason is kept (%s)", d[i].reason);
			tap_ok(d[i].receive_count == 1, "the receive count is kept (%u)",
				d[i].receive_count);
		}
	}
	tap_ok(found != NULL, "dead_list shows it");
	if (!found)
		goto out;
	rc = queue_dead_replay(q, found);
	ok_rc(q, rc, E_OK, "replay");
	arena_reset(&a);
	rc = queue_receive(q, 1, 3, 30, &a, &m, &n);
	tap_ok(rc == E_OK && n == 1 && strcmp(m[0].body, "poison") == 0,
		"replayed message is back on the queue");
	if (n == 1) {
		rc = queue_dead_letter(q, &m[0], "again");
		ok_rc(q, rc, E_OK, "dead-letter again");
	}
	arena_reset(&a);
	found = NULL;
	rc = queue_dead_list(q, 10, &a, &d, &n);
	for (i = 0; rc == E_OK && i < n; i++)
		if (strcmp(d[i].reason, "again") == 0)
			found = d[i].id;
	tap_ok(found != NULL, "listed again with the new reason");
	if (found) {
		rc = queue_dead_purge(q, found);
		ok_rc(q, rc, E_OK, "purge that one dead letter");
		rc = queue_dead_replay(q, found);
		ok_rc(q, rc, E_NOTFOUND, "a purged dead letter cannot be replayed");
	}
	rc = queue_send(q, "poison2", 7, NULL);
	arena_reset(&a);
	if (rc == E_OK)
		rc = queue_receive(q, 1, 2, 30, &a, &m, &n);
	if (rc == E_OK && n == 1)
		rc = queue_dead_letter(q, &m[0], "third");
	ok_rc(q, rc, E_OK, "dead-letter another one");
	rc = queue_dead_purge(q, NULL);
	ok_rc(q, rc, E_OK, "purge all dead letters");
	arena_reset(&a);
	rc = queue_dead_list(q, 10, &a, &d, &n);
	if (in_pg)
		tap_ok(rc == E_OK && n == 0, "nothing left after the purge (n=%zu)", n);
	else
		printf("# SQS PurgeQueue completes within 60 s; %zu still listed\n", n);
out:
	arena_release(&a);
}

/* Several consumer processes never hold the same message at once. */
static void
t_concurrent(struct queue *q)
{
	enum { N = 120, K = 4 };
	int fds[2];
	pid_t pids[K];
	int counts[N];
	char line[64];
	FILE *in;
	int k;
	int i;
	int dup = 0;
	int missing = 0;
	bool sent = true;

	for (i = 0; i < N; i++) {
		char b[32];

		snprintf(b, sizeof(b), "c%d", i);
		if (queue_send(q, b, strlen(b), NULL) != E_OK)
			sent = false;
	}
	tap_ok(sent, "send %d messages for %d consumers", N, K);
	if (pipe(fds) < 0)
		return;
	fflush(stdout);
	for (k = 0; k < K; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			struct queue *qc = NULL;
			struct arena a;
			struct queue_msg *m;
			size_t n;
			size_t j;
			char err[256];
			int empty = 0;

			close(fds[0]);
			if (queue_open(&g_cfg.queue, &g_cfg.db, &qc, err, sizeof(err)) != E_OK)
				_exit(1);
			arena_init(&a, 0);
			while (empty < 2) {
				arena_reset(&a);
				if (queue_receive(qc, 5, 1, 60, &a, &m, &n) != E_OK)
					_exit(1);
				empty = n ? 0 : empty + 1;
				for (j = 0; j < n; j++) {
					char out[64];
					int len = snprintf(out, sizeof(out), "%s\n", m[j].body);

					if (write(fds[1], out, (size_t)len) != len)
						_exit(1);
					if (queue_delete(qc, m[j].receipt) != E_OK)
						_exit(1);
				}
			}
			arena_release(&a);
			queue_free(qc);
			_exit(0);
		}
	}
	close(fds[1]);
	memset(counts, 0, sizeof(counts));
	in = fdopen(fds[0], "r");
	while (in && fgets(line, sizeof(line), in)) {
		int v = line[0] == 'c' ? (int)strtol(line + 1, NULL, 10) : -1;

		if (v >= 0 && v < N)
			counts[v]++;
	}
	if (in)
		fclose(in);
	for (k = 0; k < K; k++) {
		int st;

		waitpid(pids[k], &st, 0);
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "consumer %d exited cleanly", k);
	}
	for (i = 0; i < N; i++) {
		if (counts[i] == 0)
			missing++;
		if (counts[i] > 1)
			dup++;
	}
	tap_ok(missing == 0 && dup == 0, "%d consumers: every message exactly once "
		"(missing %d, duplicated %d)", K, missing, dup);
}

/* Run the suite. */
static int
suite(struct queue *q)
{
	drain(q);
	t_basic(q);
	t_wake(q);
	t_visibility(q);
	t_batch(q);
	t_dead(q);
	t_concurrent(q);
	return tap_done();
}

/* Report an operation's failure. */
static int
fail(struct queue *q, int rc)
{
	fprintf(stderr, "error: %s: %s\n", err_str(rc), queue_errmsg(q));
	return 1;
}

/* Receive (wait 2 s) and delete; print the bodies. */
static int
recv_once(struct queue *q)
{
	struct arena a;
	struct queue_msg *m;
	size_t n;
	size_t i;
	int rc;

	arena_init(&a, 0);
	rc = queue_receive(q, 10, 2, 30, &a, &m, &n);
	for (i = 0; rc == E_OK && i < n; i++) {
		printf("%s\n", m[i].body);
		rc = queue_delete(q, m[i].receipt);
	}
	arena_release(&a);
	return rc == E_OK ? 0 : fail(q, rc);
}

/* Send, receive and delete one message; the error code. */
static int
round_trip(struct queue *q, const char *body)
{
	struct arena a;
	struct queue_msg *m;
	size_t n = 0;
	int rc;

	arena_init(&a, 0);
	rc = queue_send(q, body, strlen(body), NULL);
	if (rc == E_OK)
		rc = queue_receive(q, 1, 2, 30, &a, &m, &n);
	if (rc == E_OK && n != 1)
		rc = E_NOTFOUND;
	if (rc == E_OK)
		rc = queue_delete(q, m[0].receipt);
	arena_release(&a);
	return rc;
}

/* Work, break the backend with stop_cmd, check clean failure, heal, work. */
static int
restart(struct queue *q, const char *stop_cmd, const char *start_cmd)
{
	struct arena a;
	struct queue_msg *m;
	size_t n;
	int rc;

	arena_init(&a, 0);
	drain(q);
	rc = round_trip(q, "before");
	ok_rc(q, rc, E_OK, "round trip before the outage");
	tap_ok(system(stop_cmd) == 0, "backend stopped");
	rc = queue_send(q, "during", 6, NULL);
	tap_ok(rc != E_OK && err_retryable(rc), "send fails with a retryable error "
		"while down (%s: %s)", err_str(rc), queue_errmsg(q));
	rc = queue_receive(q, 1, 1, 30, &a, &m, &n);
	tap_ok(rc != E_OK && err_retryable(rc), "receive fails with a retryable "
		"error while down (%s)", err_str(rc));
	tap_ok(system(start_cmd) == 0, "backend started again");
	rc = round_trip(q, "after");
	ok_rc(q, rc, E_OK, "the same queue object works after reconnecting");
	arena_release(&a);
	return tap_done();
}

/* Send n messages, then receive (batches of 10) and batch-delete them all. */
static int
bench(struct queue *q, unsigned long n)
{
	struct arena a;
	struct queue_msg *m;
	const char *receipts[10];
	size_t got = 0;
	size_t k;
	size_t i;
	unsigned long j;
	int64_t t0;
	int64_t t1;
	int idle = 0;
	int rc = E_OK;
	const char *body = "{\"filename\":\"2026-03-11T10:00:00_5f0c1a2b3c4d4e5f8a9b0c1d2e3f4a5b_"
		"9b1c1e7ad0a4c6c2f0b3e2a1d4c5b6a7.gz\",\"service\":\"bench\",\"service_id\":1}";

	drain(q);
	arena_init(&a, 0);
	t0 = utc_mono_ms();
	for (j = 0; j < n && rc == E_OK; j++)
		rc = queue_send(q, body, strlen(body), NULL);
	t1 = utc_mono_ms();
	while (rc == E_OK && got < n && idle < 3) {
		arena_reset(&a);
		rc = queue_receive(q, 10, 1, 60, &a, &m, &k);
		if (rc != E_OK)
			break;
		idle = k ? 0 : idle + 1;
		for (i = 0; i < k; i++)
			receipts[i] = m[i].receipt;
		if (k)
			rc = queue_delete_batch(q, receipts, k, NULL);
		got += k;
	}
	arena_release(&a);
	if (rc != E_OK)
		return fail(q, rc);
	if (got < n) {
		fprintf(stderr, "error: only %zu of %lu received\n", got, n);
		return 1;
	}
	printf("%.4f %.4f\n", (double)(t1 - t0) / 1e3,
		(double)(utc_mono_ms() - t1) / 1e3);
	return 0;
}

int
main(int argc, char **argv)
{
	struct queue *q = NULL;
	const char *file = NULL;
	char err[512];
	int rc;

	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		file = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		/* make check: needs a server, see t_queue_contract.sh */
		printf("1..0 # SKIP needs PostgreSQL or SQS: run "
			"tests/integration/t_queue_contract.sh\n");
		return 77;
	}
	if (cfg_load(&g_cfg, file, err, sizeof(err)) != E_OK) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	rc = queue_open(&g_cfg.queue, &g_cfg.db, &q, err, sizeof(err));
	if (rc != E_OK) {
		fprintf(stderr, "error: %s: %s\n", err_str(rc), err);
		cfg_release(&g_cfg);
		return 1;
	}
	if (strcmp(argv[1], "suite") == 0) {
		rc = suite(q);
	} else if (strcmp(argv[1], "send") == 0 && argc == 3) {
		rc = queue_send(q, argv[2], strlen(argv[2]), NULL);
		rc = rc == E_OK ? 0 : fail(q, rc);
	} else if (strcmp(argv[1], "recv") == 0) {
		rc = recv_once(q);
	} else if (strcmp(argv[1], "dead") == 0) {
		drain(q);
		t_dead(q);
		rc = tap_done();
	} else if (strcmp(argv[1], "bench") == 0 && argc == 3) {
		rc = bench(q, strtoul(argv[2], NULL, 10));
	} else if (strcmp(argv[1], "restart") == 0 && argc == 4) {
		rc = restart(q, argv[2], argv[3]);
	} else {
		fprintf(stderr, "unknown command: %s\n", argv[1]);
		rc = 2;
	}
	queue_free(q);
	cfg_release(&g_cfg);
	return rc;
}
