/*
 * proc.h - signals, fork helpers and child reaping for the two process
 * trees (the worker supervisor and the FastCGI prefork master).
 *
 * Signal handlers installed here only count: each handled signal has a
 * counter and the pid of its last sender (si_pid), read with
 * proc_sig_count() and proc_sig_sender().  The handled signals are
 * blocked at install time; the main loop unblocks them only inside
 * ppoll() (proc_sig_waitmask()), so none is lost between a check and a
 * sleep.  Nothing here logs or exits.
 */
#ifndef EMBER_PROC_H
#define EMBER_PROC_H

#include "compat.h"

#include <signal.h>
#include <sys/types.h>

#include "err.h"

/*
 * Install counting handlers (sigaction, SA_SIGINFO) for n signals and
 * block them.  *waitmask receives the mask to pass to ppoll(): the
 * previous mask without these signals.  E_INVAL for a bad signal, E_IO if
 * a system call failed.
 */
MUST_CHECK int proc_sig_install(const int *sigs, size_t n, sigset_t *waitmask);
/* How many times sig arrived since install (wraps; compare for change). */
unsigned long proc_sig_count(int sig);
/* The pid that sent the last sig (0 if unknown, e.g. from the kernel). */
pid_t proc_sig_sender(int sig);
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
