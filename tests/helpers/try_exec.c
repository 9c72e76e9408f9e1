// SPDX-License-Identifier: GPL-2.0-only
/*
 * try_exec [--fd|--memfd] PATH [ARG...]: runs PATH in a child and says exactly how it ended, for the kernel
 * tests: "pid=N errno=EPERM" when execve() failed, "pid=N signal=9" when the program was
 * killed, "pid=N exit=S" when it ran and exited, each with "ppid=P" (this process) after the
 * pid. The pids let a test find and check its log line. With --fd the child opens PATH and
 * runs it with execveat(fd, "", ..., AT_EMPTY_PATH), as fexecve() does. With --memfd the
 * child copies PATH's content into a memfd_create() file and runs that the same way: code
 * that was never a file on any disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

extern char **environ;

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case ENOENT:
		return "ENOENT";
	case ENOEXEC:
		return "ENOEXEC";
	default:
		return NULL;
	}
}

int main(int argc, char **argv)
{
	int pipefd[2], status, child_errno = 0;
	bool by_fd = argc > 1 && !strcmp(argv[1], "--fd");
	bool by_memfd = argc > 1 && !strcmp(argv[1], "--memfd");
	const char *name;
	pid_t pid;

	if (by_fd || by_memfd) {
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: try_exec [--fd|--memfd] PATH [ARG...]\n");
		return 2;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		perror("pipe2");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (by_fd) {
			int fd = open(argv[1], O_RDONLY | O_CLOEXEC);

			if (fd >= 0)
				syscall(SYS_execveat, fd, "", argv + 1, environ, AT_EMPTY_PATH);
		} else if (by_memfd) {
			int in = open(argv[1], O_RDONLY | O_CLOEXEC);
			/* MFD_EXEC (6.3+) says what we mean; older kernels refuse the flag. */
			int fd = memfd_create("try_exec", MFD_CLOEXEC | 0x10U);
			char buf[65536];
			ssize_t n = 0;

			if (fd < 0 && errno == EINVAL)
				fd = memfd_create("try_exec", MFD_CLOEXEC);
			while (in >= 0 && fd >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
				if (write(fd, buf, (size_t)n) != n)
					break;
			if (in >= 0 && fd >= 0 && n == 0)
				syscall(SYS_execveat, fd, "", argv + 1, environ, AT_EMPTY_PATH);
		} else {
			execv(argv[1], argv + 1);
		}
		child_errno = errno;
		(void)!write(pipefd[1], &child_errno, sizeof(child_errno));
		_exit(127);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &child_errno, sizeof(child_errno)) != sizeof(child_errno))
		child_errno = 0;
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 2;
	}
	if (child_errno) {
		name = errno_name(child_errno);
		if (name)
			printf("pid=%d ppid=%d errno=%s\n", (int)pid, (int)getpid(), name);
		else
			printf("pid=%d ppid=%d errno=%d\n", (int)pid, (int)getpid(), child_errno);
	} else if (WIFSIGNALED(status)) {
		printf("pid=%d ppid=%d signal=%d\n", (int)pid, (int)getpid(), WTERMSIG(status));
	} else {
		printf("pid=%d ppid=%d exit=%d\n", (int)pid, (int)getpid(), WEXITSTATUS(status));
	}
	return 0;
}
