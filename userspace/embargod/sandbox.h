/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Least privilege for embargod once it is running: the capabilities it no longer needs are
 * dropped (from the bounding set too), and a seccomp allowlist (libseccomp) of the system calls
 * it still makes is installed on every thread; any other call kills the process. Policy text
 * that arrives by push is parsed on a thread of its own under a tighter filter still: memory
 * and nothing else.
 */
#ifndef EMBARGOD_SANDBOX_H
#define EMBARGOD_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Keeps CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN (map ids, fanotify marks), CAP_DAC_READ_SEARCH
 * (resolving and hashing any file), CAP_SYS_PTRACE (/proc/PID/exe of any process), CAP_KILL
 * and CAP_AUDIT_WRITE; drops every other one, and sets no_new_privs. Returns 0 or -errno with
 * a message in ERR.
 */
int sandbox_drop_capabilities(char *err, size_t errlen);

/* Installs the process-wide allowlist on every thread. 0 or -errno, with a message in ERR. */
int sandbox_install_filter(char *err, size_t errlen);

/*
 * Runs FN(ARG) on a new thread under the parser's filter (on top of the process's), and
 * returns what FN returned, or -errno when the thread could not be made.
 */
int sandbox_run_confined(int (*fn)(void *), void *arg);

/*
 * Test hooks (embargod runs them only when EMBARGOD_TEST_HOOKS=1 is in its environment): a
 * system call outside the allowlist, made on the main thread or on a confined thread. Neither
 * returns: the filter kills the process with SIGSYS.
 */
void sandbox_test_forbidden_call(void);
int sandbox_test_forbidden_confined(void *unused);

#endif /* EMBARGOD_SANDBOX_H */
