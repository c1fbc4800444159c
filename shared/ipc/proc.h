/*
 * proc.h - signals, fork helpers, child reaping and the ppoll() wait for
 * the two process trees (the worker supervisor in workers/supervise.c and
 * the FastCGI prefork master in fcgi/master.c; both drive pool.h).
 *
 * Signal handlers installed here only count: each handled signal has a
 * counter and the pid of its last sender (si_pid), read with
 * proc_sig_count() and proc_sig_sender(), or as "new since last look"
 * with proc_sig_take().  A supervisor installs them with
 * proc_sig_install(), which blocks them: its loop unblocks them only
 * inside ppoll() (proc_wait() with the mask it got), so none is lost
 * between a check and a sleep.  A process that waits in a plain blocking
 * call instead (a FastCGI child in accept) uses proc_sig_catch(): the
 * signals stay unblocked and wake the call with EINTR.  Nothing here logs
 * or exits.
 */
#ifndef EMBER_PROC_H
#define EMBER_PROC_H

#include "compat.h"

#include <poll.h>
#include <signal.h>
#include <sys/types.h>

#include "err.h"

/* Signals 1 .. PROC_NSIG - 1 can be handled. */
#define PROC_NSIG 65

/*
 * Install counting handlers (sigaction, SA_SIGINFO) for n signals and
 * block them.  *waitmask receives the mask to pass to ppoll(): the
 * previous mask without these signals.  E_INVAL for a bad signal, E_IO if
 * a system call failed.
 */
MUST_CHECK int proc_sig_install(const int *sigs, size_t n, sigset_t *waitmask);
/*
 * Install the same counting handlers without blocking the signals, and
 * without SA_RESTART: a blocking system call returns EINTR when one
 * arrives.  E_INVAL / E_IO as for proc_sig_install().
 */
MUST_CHECK int proc_sig_catch(const int *sigs, size_t n);
/* Ignore sig (SIGPIPE: a closed peer is an error return, not a death). */
void proc_sig_ignore(int sig);
/* How many times sig arrived since install (wraps; compare for change). */
unsigned long proc_sig_count(int sig);
/* The pid that sent the last sig (0 if unknown, e.g. from the kernel). */
pid_t proc_sig_sender(int sig);
/* What a loop has already handled, per signal (zero it to start). */
struct proc_sigseen {
	unsigned long n[PROC_NSIG];
};
/*
 * How many times sig arrived since the last proc_sig_take() for it with
 * this seen set (0 = nothing new); marks them handled.
 */
unsigned long proc_sig_take(struct proc_sigseen *seen, int sig);
/*
 * ppoll() on n fds for at most ms milliseconds (< 0: no limit) with the
 * signal mask mask (from proc_sig_install()) while waiting.  Returns what
 * ppoll() returns; -1 with errno EINTR when a signal woke it.
 */
int proc_wait(struct pollfd *fds, size_t n, int64_t ms, const sigset_t *mask);
/*
 * In a freshly forked child: put every installed handler back to
 * SIG_DFL and unblock every signal.
 */
void proc_child_reset(void);
/* Close every fd >= 3 except the n fds in keep. */
void proc_close_others(const int *keep, size_t n);
/*
 * Ask the kernel to send sig when the parent dies (Linux backstop for the
 * EOF-on-channel rule).  Returns false when the parent is already gone,
 * i.e. getppid() no longer equals parent.
 */
bool proc_pdeathsig(int sig, pid_t parent);
/* Describe a wait status: "exited with 3", "killed by signal 9 (KILL)". */
void proc_status_text(int status, char *out, size_t outlen);
/* The shell-style code of a wait status: exit code, or 128 + signal. */
int proc_status_code(int status);

struct proc_exit {
	pid_t pid;
	int status;
};

/*
 * Reap exited children without blocking (waitpid(-1, WNOHANG) until it
 * says none are left); store up to max of them.  Returns the count; more
 * may be waiting when it returns max.
 */
size_t proc_reap(struct proc_exit *out, size_t max);

#endif
