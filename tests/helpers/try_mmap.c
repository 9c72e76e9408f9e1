// SPDX-License-Identifier: GPL-2.0-only
/*
 * try_mmap FILE: maps FILE executable two ways and says how each went, with the errno:
 * "mmap=ok|EPERM|..." (mmap with PROT_READ|PROT_EXEC), then "mprotect=ok|EPERM|..."
 * (a PROT_READ mapping made executable afterwards).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

static const char *result(int ok_, int err)
{
	if (ok_)
		return "ok";
	return err == EPERM ? "EPERM" : strerror(err);
}

int main(int argc, char **argv)
{
	void *p;
	int fd, r;

	if (argc != 2) {
		fprintf(stderr, "usage: try_mmap FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	printf("mmap=%s\n", result(p != MAP_FAILED, errno));
	if (p != MAP_FAILED)
		munmap(p, 4096);

	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		printf("mprotect=%s\n", strerror(errno));
		return 1;
	}
	r = mprotect(p, 4096, PROT_READ | PROT_EXEC);
	printf("mprotect=%s\n", result(r == 0, errno));
	munmap(p, 4096);
	close(fd);
	return 0;
}
