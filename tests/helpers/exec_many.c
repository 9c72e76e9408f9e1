// SPDX-License-Identifier: GPL-2.0-only
/*
 * exec_many N PROGRAM [ARG]: runs PROGRAM N times (fork + exec + wait), as fast as it can, and
 * prints how the runs ended: "attempts=N refused=N (execve failed with EPERM) killed=N (SIGKILL)
 * ran=N other=N". For the burst test: every denied exec must be accounted for in the log.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	unsigned long n, refused = 0, killed = 0, ran = 0, other = 0;

	if (argc < 3 || (n = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: exec_many N PROGRAM [ARG]\n");
		return 2;
	}
	for (unsigned long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			char *const args[] = { argv[2], argc > 3 ? argv[3] : NULL, NULL };

			execv(argv[2], args);
			/* The exit status says why the exec failed. */
			_exit(errno == EPERM ? 126 : 127);
		}
		if (waitpid(pid, &status, 0) < 0) {
			perror("waitpid");
			return 2;
		}
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			killed++;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
			refused++;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ran++;
		else
			other++;
	}
	printf("attempts=%lu refused=%lu killed=%lu ran=%lu other=%lu\n", n, refused, killed, ran,
	       other);
	return 0;
}
