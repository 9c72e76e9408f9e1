// SPDX-License-Identifier: GPL-2.0-only
/*
 * dyn_touch FILE: creates FILE. A dynamically linked victim for the tests: if FILE exists
 * afterwards, code of this program ran (under the dynamic loader, however it was started).
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: dyn_touch FILE\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	close(fd);
	return 0;
}
