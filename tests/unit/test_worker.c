/*
 * test_worker.c - a real worker process over a socketpair: READY, JOB ->
 * DONE with the right verdicts (poison body, profile without HTML,
 * continuous flamegraph written to an fs store), and its exits: STOP and
 * EOF are 0, a corrupt frame is WORKER_EXIT_PROTO.  No database is
 * needed: none of these jobs reaches the ad hoc row.
 */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "chan.h"
#include "gz.h"
#include "worker.h"

static char root[] = "/tmp/test_worker.XXXXXX";
static struct cfg_workers wcfg = {
	.max_object = 1 << 20, .max_gunzip = 4 << 20, .max_header = 1 << 20,
};

/* Write a gzipped profile under the raw key of service "s". */
static void
put_profile(const char *name, const char *text)
{
	struct buf gz = BUF_INIT(0);
	char path[512];
	FILE *f;

	assert_int_equal(gz_deflate(text, strlen(text), -1, &gz), E_OK);
	snprintf(path, sizeof(path), "%s/products/s/stacks/%s", root, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(gz.data, 1, gz.len, f), gz.len);
	fclose(f);
	buf_release(&gz);
}

/* Fork a worker on a fresh socketpair; *fd gets the parent's end. */
static pid_t
start_worker(int *fd)
{
	struct cfg_store sc = { .backend = CFG_STORE_FS, .fs_root = root };
	struct job_env env = { .cfg = &wcfg };
	char err[256];
	int fds[2];
	pid_t pid;

	assert_int_equal(chan_pair(fds), E_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (store_open(&sc, &env.store, err, sizeof(err)) != E_OK)
			_exit(99);
		_exit(worker_loop(fds[1], &env));
	}
	close(fds[1]);
	*fd = fds[0];
	return pid;
}

/* Wait for a child and return its exit code. */
static int
exit_code(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Send one JOB and receive its DONE. */
static void
run_job(int fd, struct arena *a, uint64_t id, const char *body, struct msg *done)
{
	struct msg m = {
		.type = PROTO_JOB, .id = id, .mid = "m", .rcpt = "r",
		.body = body, .body_len = strlen(body), .rc = 1, .deadline = 1,
	};

	assert_int_equal(chan_send_msg(fd, &m, 0), E_OK);
	assert_int_equal(chan_recv_msg(fd, a, done, 0), E_OK);
	assert_int_equal(done->type, PROTO_DONE);
	assert_int_equal(done->id, id);
}

static void
test_jobs_and_stop(void **state)
{
	struct arena a;
	struct msg m, stop = { .type = PROTO_STOP };
	char path[600];
	struct stat sb;
	int fd;
	pid_t pid;

	arena_init(&a, 0);
	/* continuous without HTML (an ad hoc one would get a page rendered
	 * and a metadata row: t_ingest covers that, with a database) */
	put_profile("2026-03-11T10:00:00_aa_bb.gz",
		"# {\"metadata\": {\"hostname\": \"h1\", \"run_arguments\": "
		"{\"continuous\": true}}}\nx;y 3\nbad\nx;z 4");
	put_profile("2026-03-11T10:00:01_cc_dd.gz",
		"# {\"metadata\": {\"hostname\": \"h2\", \"run_arguments\": "
		"{\"continuous\": true}}, \"flamegraph_html\": \"<html>c</html>\"}\n"
		"a 1");
	pid = start_worker(&fd);
	assert_int_equal(chan_recv_msg(fd, &a, &m, 0), E_OK);
	assert_int_equal(m.type, PROTO_READY);
	assert_int_equal(m.pid, pid);
	/* poison body */
	run_job(fd, &a, 1, "{\"filename\": 3}", &m);
	assert_int_equal(m.verdict, PROTO_V_POISON);
	assert_int_equal(m.err, E_INVAL);
	assert_non_null(strstr(m.why, "malformed message body"));
	/* missing object: poison too */
	run_job(fd, &a, 2, "{\"filename\": \"nope.gz\", \"service\": \"s\", "
		"\"service_id\": 1}", &m);
	assert_int_equal(m.verdict, PROTO_V_POISON);
	assert_int_equal(m.err, E_NOTFOUND);
	/* no HTML: done, stack lines counted */
	run_job(fd, &a, 3, "{\"filename\": \"2026-03-11T10:00:00_aa_bb.gz\", "
		"\"service\": \"s\", \"service_id\": 1}", &m);
	assert_int_equal(m.verdict, PROTO_V_DONE);
	assert_int_equal(m.kind, PROTO_K_NONE);
	assert_int_equal(m.stacks, 2);
	assert_int_equal(m.bad, 1);
	assert_int_equal(m.samples, 7);
	/* continuous: object written, no database needed */
	run_job(fd, &a, 4, "{\"filename\": \"2026-03-11T10:00:01_cc_dd.gz\", "
		"\"service\": \"s\", \"service_id\": 1}", &m);
	assert_int_equal(m.verdict, PROTO_V_DONE);
	assert_int_equal(m.kind, PROTO_K_CONTINUOUS);
	assert_int_equal(m.html, 14);
	snprintf(path, sizeof(path), "%s/products/s/stacks/flamegraph/"
		"2026-03-11T10:00:01_cc_h2_continuous_flamegraph.html", root);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 14);
	/* STOP: exit 0 */
	assert_int_equal(chan_send_msg(fd, &stop, 0), E_OK);
	assert_int_equal(exit_code(pid), WORKER_EXIT_OK);
	close(fd);
	arena_release(&a);
}

static void
test_eof_and_corrupt(void **state)
{
	struct arena a;
	struct msg m;
	int fd;
	pid_t pid;

	arena_init(&a, 0);
	/* the supervisor goes away: EOF ends the worker with 0 */
	pid = start_worker(&fd);
	assert_int_equal(chan_recv_msg(fd, &a, &m, 0), E_OK);
	close(fd);
	assert_int_equal(exit_code(pid), WORKER_EXIT_OK);
	/* a corrupt frame: the worker exits with its protocol code */
	pid = start_worker(&fd);
	assert_int_equal(chan_recv_msg(fd, &a, &m, 0), E_OK);
	assert_int_equal(chan_send(fd, "\x93\x02\x00\x80", 4, 0), E_OK);
	assert_int_equal(exit_code(pid), WORKER_EXIT_PROTO);
	assert_int_equal(chan_recv_msg(fd, &a, &m, 0), E_STOP);
	close(fd);
	/* a known but unexpected type too */
	pid = start_worker(&fd);
	assert_int_equal(chan_recv_msg(fd, &a, &m, 0), E_OK);
	m.type = PROTO_FETCH;
	m.n = 1;
	assert_int_equal(chan_send_msg(fd, &m, 0), E_OK);
	assert_int_equal(exit_code(pid), WORKER_EXIT_PROTO);
	close(fd);
	arena_release(&a);
}

static int
setup(void **state)
{
	char path[600];

	if (!mkdtemp(root))
		return -1;
	snprintf(path, sizeof(path), "%s/products", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/products/s", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/products/s/stacks", root);
	return mkdir(path, 0755);
}

static int
teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_and_stop),
		cmocka_unit_test(test_eof_and_corrupt),
	};

	alarm(30);
	return cmocka_run_group_tests(tests, setup, teardown);
}
