// SPDX-License-Identifier: GPL-2.0-only
/*
 * exec_race STOPFILE BANNED ALLOWED MARKER_DIR: until STOPFILE exists, runs BANNED and ALLOWED
 * in turn (fork + exec + wait), each with a marker path as its argument (BANNED creates
 * MARKER_DIR/banned.N if it ever runs, ALLOWED MARKER_DIR/allowed). Prints the outcome counts:
 * "banned_attempts=N banned_refused=N (errno EPERM) banned_killed=N (SIGKILL) banned_ran=N
 * allowed_attempts=N allowed_ran=N allowed_failed=N". For the policy-push race: while pushes
 * swap policies, a banned program must never run and an allowed one must never be refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

/* How one run ended: 0 ran and exited 0, EPERM refused, -SIG killed, 1 anything else. */
static int run(const char *prog, const char *arg)
{
	int pipefd[2], child_errno = 0, status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		char *const args[] = { (char *)prog, (char *)arg, NULL };

		close(pipefd[0]);
		execv(prog, args);
		child_errno = errno;
		(void)!write(pipefd[1], &child_errno, sizeof(child_errno));
		_exit(127);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &child_errno, sizeof(child_errno)) != sizeof(child_errno))
		child_errno = 0;
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	if (child_errno)
		return child_errno == EPERM ? EPERM : 1;
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	return WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	unsigned long banned = 0, refused = 0, killed = 0, ran = 0, other = 0;
	unsigned long allowed = 0, allowed_ran = 0, allowed_failed = 0;
	char marker[4096];

	if (argc != 5) {
		fprintf(stderr, "usage: exec_race STOPFILE BANNED ALLOWED MARKER_DIR\n");
		return 2;
	}
	while (access(argv[1], F_OK) < 0) {
		int r;

		snprintf(marker, sizeof(marker), "%s/banned.%lu", argv[4], banned);
		r = run(argv[2], marker);
		banned++;
		if (r == EPERM)
			refused++;
		else if (r == -SIGKILL)
			killed++;
		else if (r == 0)
			ran++;
		else
			other++;
		snprintf(marker, sizeof(marker), "%s/allowed", argv[4]);
		allowed++;
		if (run(argv[3], marker) == 0)
			allowed_ran++;
		else
			allowed_failed++;
	}
	printf("banned_attempts=%lu banned_refused=%lu banned_killed=%lu banned_ran=%lu "
	       "banned_other=%lu allowed_attempts=%lu allowed_ran=%lu allowed_failed=%lu\n",
	       banned, refused, killed, ran, other, allowed, allowed_ran, allowed_failed);
	return 0;
}
