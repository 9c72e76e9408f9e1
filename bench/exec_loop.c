// SPDX-License-Identifier: GPL-2.0-only
/*
 * exec_loop N PROGRAM: fork + exec + wait of PROGRAM, N times; prints the median and the
 * 90th percentile of one iteration, in nanoseconds: "median_ns=M p90_ns=P n=N".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long *t;
	long n;

	if (argc != 3 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: exec_loop N PROGRAM\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 1;
	for (long i = 0; i < n; i++) {
		unsigned long long start = now_ns();
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			execl(argv[2], argv[2], (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "exec_loop: %s did not run cleanly\n", argv[2]);
			return 1;
		}
		t[i] = now_ns() - start;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_u64);
	printf("median_ns=%llu p90_ns=%llu n=%ld\n", t[n / 2], t[n * 9 / 10], n);
	free(t);
	return 0;
}
