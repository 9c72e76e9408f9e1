// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap_write SRC DST: writes SRC's bytes over DST (of the same size) through a shared writable
 * mapping, never write(2): the kernel sends no modify event for it, only the file's times move.
 * Prints "ok" when DST holds SRC's content.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	struct stat a, b;
	void *src, *dst;
	int sfd, dfd;

	if (argc != 3) {
		fprintf(stderr, "usage: mmap_write SRC DST\n");
		return 2;
	}
	sfd = open(argv[1], O_RDONLY | O_CLOEXEC);
	dfd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (sfd < 0 || dfd < 0 || fstat(sfd, &a) < 0 || fstat(dfd, &b) < 0) {
		perror("mmap_write");
		return 1;
	}
	if (a.st_size != b.st_size || a.st_size == 0) {
		fprintf(stderr, "mmap_write: the files differ in size or are empty\n");
		return 1;
	}
	src = mmap(NULL, (size_t)a.st_size, PROT_READ, MAP_PRIVATE, sfd, 0);
	dst = mmap(NULL, (size_t)b.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
	if (src == MAP_FAILED || dst == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memcpy(dst, src, (size_t)a.st_size);
	if (msync(dst, (size_t)b.st_size, MS_SYNC) < 0 || munmap(dst, (size_t)b.st_size) < 0) {
		perror("msync");
		return 1;
	}
	close(dfd);
	puts("ok");
	return 0;
}
