/*
 * proc.c - flag-only signal handlers, child setup and reaping.
 *
 * Handlers save errno and bump a counter (PostgreSQL pending_pm_* flags,
 * lighttpd server.c); the loop compares counters against what it already
 * handled, so two SIGTERMs are two events even if they arrive during one
 * iteration.  Counters are sig_atomic_t-sized and only written by the
 * handler (the handled signals are blocked outside ppoll()).
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

static volatile sig_atomic_t sig_counts[PROC_NSIG];
static volatile sig_atomic_t sig_senders[PROC_NSIG];
static bool sig_installed[PROC_NSIG];

/* The handler: count, remember the sender, touch nothing else. */
static void
proc_on_signal(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;

	if (sig > 0 && sig < PROC_NSIG) {
		sig_counts[sig]++;
		sig_senders[sig] = si ? (sig_atomic_t)si->si_pid : 0;
	}
	errno = saved;
}

/* Install counting handlers and block the signals (see proc.h). */
int
proc_sig_install(const int *sigs, size_t n, sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block, old;
	size_t i;

	sigemptyset(&block);
	for (i = 0; i < n; i++) {
		if (sigs[i] <= 0 || sigs[i] >= PROC_NSIG)
			return E_INVAL;
		sigaddset(&block, sigs[i]);
	}
	if (sigprocmask(SIG_BLOCK, &block, &old) < 0)
		return E_IO;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = proc_on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < n; i++) {
		/* SIGCHLD: SA_NOCLDSTOP, stopped children are no news. */
		sa.sa_flags = SA_SIGINFO |
			(sigs[i] == SIGCHLD ? SA_NOCLDSTOP : 0);
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return E_IO;
		sig_installed[sigs[i]] = true;
	}
	if (waitmask) {
		*waitmask = old;
		for (i = 0; i < n; i++)
			sigdelset(waitmask, sigs[i]);
	}
	return E_OK;
}

/* Counting handlers, unblocked, no SA_RESTART (see proc.h). */
int
proc_sig_catch(const int *sigs, size_t n)
{
	struct sigaction sa;
	sigset_t unblock;
	size_t i;

	sigemptyset(&unblock);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = proc_on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < n; i++) {
		if (sigs[i] <= 0 || sigs[i] >= PROC_NSIG)
			return E_INVAL;
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return E_IO;
		sig_installed[sigs[i]] = true;
		sigaddset(&unblock, sigs[i]);
	}
	if (sigprocmask(SIG_UNBLOCK, &unblock, NULL) < 0)
		return E_IO;
	return E_OK;
}

/* SIG_IGN for one signal. */
void
proc_sig_ignore(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(sig, &sa, NULL);
}

/* New deliveries since the last look. */
unsigned long
proc_sig_take(struct proc_sigseen *seen, int sig)
{
	unsigned long now, d;

	if (sig <= 0 || sig >= PROC_NSIG)
		return 0;
	now = (unsigned long)sig_counts[sig];
	d = now - seen->n[sig];
	seen->n[sig] = now;
	return d;
}

/* ppoll with a millisecond timeout. */
int
proc_wait(struct pollfd *fds, size_t n, int64_t ms, const sigset_t *mask)
{
	struct timespec ts;

	if (ms < 0)
		return ppoll(fds, n, NULL, mask);
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	return ppoll(fds, n, &ts, mask);
}

/* The number of deliveries of sig so far. */
unsigned long
proc_sig_count(int sig)
{
	if (sig <= 0 || sig >= PROC_NSIG)
		return 0;
	return (unsigned long)sig_counts[sig];
}

/* The sender of the last sig. */
pid_t
proc_sig_sender(int sig)
{
	if (sig <= 0 || sig >= PROC_NSIG)
		return 0;
	return (pid_t)sig_senders[sig];
}

/* Default dispositions and an empty mask, for a new child. */
void
proc_child_reset(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < PROC_NSIG; sig++) {
		if (!sig_installed[sig])
			continue;
		(void)sigaction(sig, &sa, NULL);
		sig_installed[sig] = false;
		sig_counts[sig] = 0;
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Compare two ints for qsort. */
static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Close every fd >= 3 not listed in keep. */
void
proc_close_others(const int *keep, size_t n)
{
	int sorted[16];
	struct rlimit rl;
	unsigned lo = 3;
	size_t i, m = 0;
	long maxfd;

	for (i = 0; i < n && m < ARRAY_SIZE(sorted); i++)
		if (keep[i] >= 3)
			sorted[m++] = keep[i];
	qsort(sorted, m, sizeof(sorted[0]), int_cmp);
	for (i = 0; i < m; i++) {
		if ((unsigned)sorted[i] > lo)
			(void)close_range(lo, (unsigned)sorted[i] - 1, 0);
		lo = (unsigned)sorted[i] + 1;
	}
	if (close_range(lo, ~0U, 0) == 0)
		return;
	/* Old kernel: close one by one up to the fd limit. */
	maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long)rl.rlim_cur : 1024;
	if (maxfd > 65536)
		maxfd = 65536;
	for (i = 3; (long)i < maxfd; i++) {
		bool kept = false;
		size_t j;

		for (j = 0; j < m; j++)
			kept |= sorted[j] == (int)i;
		if (!kept)
			(void)close((int)i);
	}
}

/* PR_SET_PDEATHSIG plus the race check against an already dead parent. */
bool
proc_pdeathsig(int sig, pid_t parent)
{
	(void)prctl(PR_SET_PDEATHSIG, sig);
	return getppid() == parent;
}

/* Text for a wait status. */
void
proc_status_text(int status, char *out, size_t outlen)
{
	if (WIFEXITED(status)) {
		snprintf(out, outlen, "exited with %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));

		snprintf(out, outlen, "killed by signal %d (%s)%s",
			WTERMSIG(status), abbrev ? abbrev : "?",
			WCOREDUMP(status) ? ", core dumped" : "");
	} else {
		snprintf(out, outlen, "unknown status 0x%x", (unsigned)status);
	}
}

/* Exit code, or 128 + signal (git run-command). */
int
proc_status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Non-blocking reap loop. */
size_t
proc_reap(struct proc_exit *out, size_t max)
{
	size_t n = 0;
	pid_t pid;
	int st;

	while (n < max) {
		do
			pid = waitpid(-1, &st, WNOHANG);
		while (pid < 0 && errno == EINTR);
		if (pid <= 0)
			break;
		out[n].pid = pid;
		out[n].status = st;
		n++;
	}
	return n;
}
