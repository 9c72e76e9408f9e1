// SPDX-License-Identifier: GPL-2.0-only
/* try_truncate PATH: truncate(2) of PATH to 0 bytes, by path (no open); exit 0 if it worked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: try_truncate PATH\n");
		return 2;
	}
	if (truncate(argv[1], 0) < 0) {
		printf("errno=%s\n", errno == EPERM ? "EPERM" : strerror(errno));
		return 1;
	}
	printf("truncated\n");
	return 0;
}
