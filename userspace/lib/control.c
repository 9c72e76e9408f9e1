// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "control.h"
#include "strbuf.h"

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

int emb_control_request(const char *socket_path, const char *request, char **ret_reply)
{
	return emb_control_request_payload(socket_path, request, NULL, 0, EMB_CONTROL_TIMEOUT_MS,
					   ret_reply);
}

int emb_control_request_payload(const char *socket_path, const char *request, const void *payload,
				size_t payload_len, int timeout_ms, char **ret_reply)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct strbuf reply = { 0 };
	size_t req_len = strlen(request), sent = 0;
	int fd, err = 0;

	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	if (req_len + 1 > EMB_CONTROL_MAX_REQUEST || memchr(request, '\n', req_len))
		return -EINVAL;
	strcpy(addr.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		goto out;
	}
	while (!err && sent <= req_len) {
		/* The request and its newline, however the kernel splits the write. */
		const char *p = sent < req_len ? request + sent : "\n";
		size_t n = sent < req_len ? req_len - sent : 1;
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EAGAIN)
			err = wait_fd(fd, POLLOUT, timeout_ms);
		else if (w < 0 && errno != EINTR)
			err = -errno;
		else if (w > 0)
			sent += (size_t)w;
	}
	for (sent = 0; !err && sent < payload_len;) {
		ssize_t w =
			send(fd, (const char *)payload + sent, payload_len - sent, MSG_NOSIGNAL);

		if (w < 0 && errno == EAGAIN)
			err = wait_fd(fd, POLLOUT, timeout_ms);
		else if (w < 0 && errno != EINTR)
			err = -errno;
		else if (w > 0)
			sent += (size_t)w;
	}
	while (!err) {
		char buf[4096];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EAGAIN) {
			err = wait_fd(fd, POLLIN, timeout_ms);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		sb_append(&reply, buf, (size_t)n);
		if (reply.len > EMB_CONTROL_MAX_REPLY)
			err = -EMSGSIZE;
	}
	if (!err && (reply.len == 0 || reply.buf[reply.len - 1] != '\n'))
		err = -EPROTO;
	if (!err) {
		reply.buf[--reply.len] = 0;
		*ret_reply = sb_steal(&reply);
		if (!*ret_reply)
			err = -ENOMEM;
	}
out:
	sb_free(&reply);
	close(fd);
	return err;
}
