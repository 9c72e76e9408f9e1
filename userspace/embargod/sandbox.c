// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <seccomp.h>

#include "sandbox.h"

static const int kept_caps[] = {
	CAP_BPF,	CAP_PERFMON, CAP_SYS_ADMIN,   CAP_DAC_READ_SEARCH,
	CAP_SYS_PTRACE, CAP_KILL,    CAP_AUDIT_WRITE,
};

static bool kept(int cap)
{
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
		if (kept_caps[i] == cap)
			return true;
	return false;
}

int sandbox_drop_capabilities(char *err, size_t errlen)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };
	int r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* The bounding set first: dropping from it needs CAP_SETPCAP, dropped below. */
	for (int cap = 0; cap <= 63; cap++) {
		if (kept(cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL)
			break; /* past the last capability this kernel knows */
	}
	if (syscall(SYS_capget, &h, d) < 0)
		goto fail;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		uint32_t mask = 0;

		for (int bit = 0; bit < 32; bit++)
			if (kept(i * 32 + bit))
				mask |= 1u << bit;
		d[i].permitted &= mask;
		d[i].effective &= mask;
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d) < 0)
		goto fail;
	return 0;
fail:
	r = -errno;
	snprintf(err, errlen, "cannot drop capabilities: %s", strerror(-r));
	return r;
}

/*
 * Every system call embargod makes once it runs: its event loop, the log, the control socket,
 * reloads and pushes (reading policies, dpkg lists, hashing, resolving, writing the state
 * directory), fanotify answers and marks, inotify, killing processes, the sinks' thread, the
 * BPF maps and iterators, unload. Found by tracing the test suite; a missing one kills embargod
 * at once, which the tests would show.
 */
static const char *const allowed_calls[] = {
	/* memory, threads, time, signals */
	"brk",
	"mmap",
	"munmap",
	"mremap",
	"mprotect",
	"madvise",
	"futex",
	"set_robust_list",
	"rseq",
	"clone",
	"clone3",
	"exit",
	"exit_group",
	"gettid",
	"getpid",
	"getppid",
	"tgkill",
	"rt_sigprocmask",
	"rt_sigaction",
	"rt_sigreturn",
	"restart_syscall",
	"sched_yield",
	"sched_getaffinity",
	"clock_gettime",
	"clock_nanosleep",
	"nanosleep",
	"getrandom",
	"uname",
	"sysinfo", /* glibc's qsort() of more than 1 KiB asks the memory size */
	"getuid",
	"geteuid",
	"getgid",
	"getegid",
	"getgroups",
	"prlimit64",
	/* files */
	"read",
	"pread64",
	"readv",
	"write",
	"pwrite64",
	"writev",
	"openat",
	"open",
	"close",
	"lseek",
	"fstat",
	"newfstatat",
	"stat",
	"lstat",
	"statx",
	"statfs",
	"fstatfs",
	"access",
	"faccessat",
	"faccessat2",
	"readlink",
	"readlinkat",
	"getdents64",
	"fcntl",
	"dup",
	"dup3",
	"pipe2",
	"fsync",
	"fdatasync",
	"ftruncate",
	"rename",
	"renameat",
	"renameat2",
	"unlink",
	"unlinkat",
	"mkdir",
	"mkdirat",
	"rmdir",
	"chmod",
	"fchmod",
	"chown",
	"fchown",
	"memfd_create",
	/* the event loop, the control socket, the sinks */
	"epoll_wait",
	"epoll_pwait",
	"epoll_ctl",
	"epoll_create1",
	"poll",
	"ppoll",
	"accept4",
	"recvfrom",
	"recvmsg",
	"sendto",
	"sendmsg",
	"connect",
	"getsockopt",
	"setsockopt",
	"getsockname",
	"shutdown",
	"timerfd_settime",
	"timerfd_gettime",
	"timerfd_create",
	"signalfd4",
	"eventfd2",
	/* enforcement */
	"bpf",
	"fanotify_init",
	"fanotify_mark",
	"inotify_add_watch",
	"inotify_rm_watch",
	"kill",
	"pidfd_open",
	"pidfd_send_signal",
	"waitid",
	/* the parser's thread gets its own filter; prctl only reads (libseccomp asks) */
	"seccomp",
	"prctl",
};

static int add_calls(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int r;

		if (nr == __NR_SCMP_ERROR)
			continue; /* not a call on this architecture */
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r)
			return r;
	}
	return 0;
}

int sandbox_install_filter(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r;

	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot make a filter");
		return -ENOMEM;
	}
	r = add_calls(ctx, allowed_calls, sizeof(allowed_calls) / sizeof(allowed_calls[0]));
	/* Sockets: local (the sinks' journald or syslog) and netlink (audit) only. */
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, AF_NETLINK));
	/* Every thread (the sinks' among them), not only this one. */
	if (!r)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!r)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r)
		snprintf(err, errlen, "seccomp: cannot install the filter: %s", strerror(-r));
	return r;
}

/* What the parser may do: use memory, and end its thread. */
static const char *const confined_calls[] = {
	"brk",
	"mmap",
	"munmap",
	"mremap",
	"mprotect",
	"madvise",
	"futex",
	"exit",
	"gettid",
	"rt_sigprocmask",
	"getpid",
	"sched_yield",
	/* glibc's qsort() asks the memory size before it sorts more than 1 KiB */
	"sysinfo",
};

struct confined {
	int (*fn)(void *);
	void *arg;
	int ret;
};

static void *confined_thread(void *p)
{
	struct confined *c = p;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r = ctx ? 0 : -ENOMEM;

	if (!r)
		r = add_calls(ctx, confined_calls,
			      sizeof(confined_calls) / sizeof(confined_calls[0]));
	/* This thread only: the filter stacks on the process's. */
	if (!r)
		r = seccomp_load(ctx);
	if (ctx)
		seccomp_release(ctx);
	c->ret = r ? r : c->fn(c->arg);
	return NULL;
}

int sandbox_run_confined(int (*fn)(void *), void *arg)
{
	struct confined c = { fn, arg, 0 };
	pthread_t t;
	int r;

	r = pthread_create(&t, NULL, confined_thread, &c);
	if (r)
		return -r;
	pthread_join(t, NULL);
	return c.ret;
}

void sandbox_test_forbidden_call(void)
{
	/* mknodat is in no allowlist: embargod never makes device nodes. */
	syscall(SYS_mknodat, AT_FDCWD, "/nonexistent/embargod-test", 0, 0);
}

int sandbox_test_forbidden_confined(void *unused)
{
	(void)unused;
	/* openat is allowed to the process, not to the parser. */
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}
