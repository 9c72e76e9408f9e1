// SPDX-License-Identifier: GPL-2.0-only
/*
 * loop MODE N FILE [UNTIL]: times one operation on FILE, N times, and prints the median, the
 * 90th percentile and the longest of one iteration, in nanoseconds:
 * "p10_ns=L median_ns=M p90_ns=P max_ns=X n=N".
 *   exec  fork + exec + wait of FILE (a program that exits 0)
 *   mmap  mmap(PROT_READ | PROT_EXEC) of FILE's first page, then munmap (FILE stays open)
 *   open  open(O_RDONLY) + close of FILE
 * With UNTIL, it goes on after N iterations until the file UNTIL exists (it looks once per
 * iteration, in every mode alike): the reload bench runs execs throughout a policy push.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

enum mode { MODE_EXEC, MODE_MMAP, MODE_OPEN };

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

static int once(enum mode mode, const char *file, int fd)
{
	int status;
	pid_t pid;
	void *p;

	switch (mode) {
	case MODE_EXEC:
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return -1;
		}
		if (pid == 0) {
			execl(file, file, (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "loop: %s did not run cleanly\n", file);
			return -1;
		}
		return 0;
	case MODE_MMAP:
		p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return -1;
		}
		return munmap(p, 4096);
	case MODE_OPEN:
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(file);
			return -1;
		}
		return close(fd);
	}
	return -1;
}

int main(int argc, char **argv)
{
	unsigned long long *t;
	const char *until;
	enum mode mode;
	size_t n, cap, i;
	long want;
	int fd = -1;

	if (argc < 4 || argc > 5 || (want = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: loop exec|mmap|open N FILE [UNTIL]\n");
		return 2;
	}
	if (!strcmp(argv[1], "exec"))
		mode = MODE_EXEC;
	else if (!strcmp(argv[1], "mmap"))
		mode = MODE_MMAP;
	else if (!strcmp(argv[1], "open"))
		mode = MODE_OPEN;
	else {
		fprintf(stderr, "loop: unknown mode %s\n", argv[1]);
		return 2;
	}
	until = argc == 5 ? argv[4] : NULL;
	if (mode == MODE_MMAP && (fd = open(argv[3], O_RDONLY | O_CLOEXEC)) < 0) {
		perror(argv[3]);
		return 1;
	}
	cap = (size_t)want;
	t = calloc(cap, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < (size_t)want || (until && access(until, F_OK) < 0); i++) {
		unsigned long long start;

		if (i == cap) {
			unsigned long long *grown = realloc(t, 2 * cap * sizeof(*t));

			if (!grown)
				return 1;
			t = grown;
			cap *= 2;
		}
		start = now_ns();
		if (once(mode, argv[3], fd) < 0)
			return 1;
		t[i] = now_ns() - start;
	}
	n = i;
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("p10_ns=%llu median_ns=%llu p90_ns=%llu max_ns=%llu n=%zu\n", t[n / 10], t[n / 2],
	       t[n * 9 / 10], t[n - 1], n);
	free(t);
	return 0;
}
