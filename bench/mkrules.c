// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkrules DIR K: makes rule targets below DIR and prints a policy of K rules, a third of each
 * kind: path= files (every other one an open rule, the rest exec rules), dir= trees (exec) and
 * sha256= digests of no file (a counter), so that nothing the bench runs or opens matches.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	char path[4096];
	long k;

	if (argc != 3 || (k = strtol(argv[2], NULL, 10)) < 0) {
		fprintf(stderr, "usage: mkrules DIR K\n");
		return 2;
	}
	for (long i = 0; i < k; i++) {
		if (i % 3 == 2) {
			printf("deny exec sha256=5eed%052d%08lx key=bench\n", 0, (unsigned long)i);
			continue;
		}
		/* A hundred entries a directory keeps directories small, as real trees are. */
		snprintf(path, sizeof(path), "%s/g%ld", argv[1], i / 100);
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			perror(path);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/g%ld/t%ld", argv[1], i / 100, i);
		if (i % 3 == 1) {
			if (mkdir(path, 0755) < 0 && errno != EEXIST) {
				perror(path);
				return 1;
			}
			printf("deny exec dir=%s key=bench\n", path);
		} else {
			int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);

			if (fd < 0) {
				perror(path);
				return 1;
			}
			close(fd);
			printf("deny %s path=%s key=bench\n", i % 6 ? "open" : "exec", path);
		}
	}
	return 0;
}
