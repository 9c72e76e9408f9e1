// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkrules DIR K: makes K rule targets below DIR, half files and half directories, and prints a
 * policy denying them all (path= for the files, dir= for the directories).
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
		/* A hundred entries a directory keeps directories small, as real trees are. */
		snprintf(path, sizeof(path), "%s/g%ld", argv[1], i / 100);
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			perror(path);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/g%ld/t%ld", argv[1], i / 100, i);
		if (i % 2) {
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
			printf("deny exec path=%s key=bench\n", path);
		}
	}
	return 0;
}
