// SPDX-License-Identifier: GPL-2.0-only
/*
 * notify_listen SOCKET: plays systemd's side of sd_notify(). Binds a datagram socket at SOCKET
 * (give its path to the daemon as NOTIFY_SOCKET) and prints each field of each message it
 * receives on a line of its own, "N PID FIELD": N counts the messages from 1, PID is the
 * sender's (as the kernel says, the way systemd checks NotifyAccess=main). Runs until killed.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096], control[CMSG_SPACE(sizeof(struct ucred))];
	unsigned long n = 0;
	int fd, one = 1;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notify_listen SOCKET\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("notify_listen");
		return 1;
	}
	for (;;) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
		struct msghdr msg = { .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = control,
				      .msg_controllen = sizeof(control) };
		struct ucred cred = { .pid = 0 };
		ssize_t len = recvmsg(fd, &msg, 0);

		if (len < 0) {
			perror("notify_listen: recvmsg");
			return 1;
		}
		buf[len] = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
				memcpy(&cred, CMSG_DATA(c), sizeof(cred));
		n++;
		for (char *save = NULL, *field = strtok_r(buf, "\n", &save); field;
		     field = strtok_r(NULL, "\n", &save))
			printf("%lu %d %s\n", n, (int)cred.pid, field);
		fflush(stdout);
	}
}
