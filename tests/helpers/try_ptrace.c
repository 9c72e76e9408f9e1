// SPDX-License-Identifier: GPL-2.0-only
/* try_ptrace PID: attaches to PID with ptrace and detaches; prints "attached" or "errno=NAME". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: try_ptrace PID\n");
		return 2;
	}
	pid = (pid_t)atoi(argv[1]);
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0) {
		printf("errno=%s\n", errno == EPERM ? "EPERM" : strerror(errno));
		return 1;
	}
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	printf("attached\n");
	return 0;
}
