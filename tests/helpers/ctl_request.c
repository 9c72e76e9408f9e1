// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctl_request SOCKET REQUEST: sends one request line to embargod's control socket and prints
 * the reply line, or "no reply" when the connection ends without one (embargod died). For
 * requests the CLI has no command for: the sandbox's test hooks.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char reply[4096];
	ssize_t n, got = 0;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: ctl_request SOCKET REQUEST\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("ctl_request: connect");
		return 1;
	}
	if (dprintf(fd, "%s\n", argv[2]) < 0) {
		perror("ctl_request: send");
		return 1;
	}
	while (got < (ssize_t)sizeof(reply) - 1 &&
	       (n = read(fd, reply + got, sizeof(reply) - 1 - (size_t)got)) > 0)
		got += n;
	reply[got] = 0;
	printf("%s", got ? reply : "no reply\n");
	return 0;
}
