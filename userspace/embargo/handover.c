// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a file the policy's open rules decide: embargo's own open of it would be refused (or
 * logged) like anyone's, so embargod is asked for a read-only descriptor over the control
 * socket ("open", answered with SCM_RIGHTS).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cli.h"
#include "control.h"
#include "json_read.h"
#include "strbuf.h"

const struct emb_entry *cli_open_rule(const struct emb_resolved *r, const char *resolved,
				      const struct stat *st, char *matched, size_t size)
{
	struct emb_rule_key key = { .kind = EMB_KEY_INODE, .op = EMB_OP_OPEN };
	const struct emb_entry *e;
	char dir[PATH_MAX];
	struct stat ds;

	key.dev = emb_kernel_dev(st->st_dev);
	key.ino = st->st_ino;
	e = emb_resolved_find_key(r, &key);
	if (e && !e->value.is_dir) {
		snprintf(matched, size, "%s", resolved);
		return e;
	}
	if (!(r->meta_flags & EMB_META_DIRS_OPEN) ||
	    snprintf(dir, sizeof(dir), "%s", resolved) >= (int)sizeof(dir))
		return NULL;
	while (strcmp(dir, "/")) {
		char *slash = strrchr(dir, '/');

		if (!slash)
			return NULL;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(dir, &ds) < 0)
			return NULL;
		key.dev = emb_kernel_dev(ds.st_dev);
		key.ino = ds.st_ino;
		e = emb_resolved_find_key(r, &key);
		if (e && e->value.is_dir) {
			snprintf(matched, size, "%s", dir);
			return e;
		}
	}
	return NULL;
}

static int wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, EMB_CONTROL_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n ? 0 : -ETIMEDOUT;
}

int cli_handover_open(const char *control_path, const char *path, struct cli_handover *ret)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char control[CMSG_SPACE(sizeof(int))], buf[4096];
	struct strbuf req = { 0 };
	struct strbuf reply = { 0 };
	char *s;
	int sock, fd = -1, r = 0;

	memset(ret, 0, sizeof(*ret));
	if (strlen(control_path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, control_path);
	sb_puts(&req, "open {\"path\":");
	json_quote(&req, path, strlen(path));
	sb_puts(&req, "}\n");
	if (req.oom)
		return -ENOMEM;
	if (req.len > EMB_CONTROL_MAX_REQUEST - 1) {
		sb_free(&req);
		return -ENAMETOOLONG;
	}
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		sb_free(&req);
		return -errno;
	}
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    send(sock, req.buf, req.len, MSG_NOSIGNAL) != (ssize_t)req.len) {
		r = -errno;
		goto out;
	}
	/* The descriptor comes with the reply's first bytes; the line ends the reply. */
	while (!memchr(reply.buf ? reply.buf : "", '\n', reply.len)) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = control,
				      .msg_controllen = sizeof(control) };
		struct cmsghdr *c;
		ssize_t n;

		r = wait_for(sock, POLLIN);
		if (r)
			goto out;
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EPROTO;
			goto out;
		}
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
			    c->cmsg_len == CMSG_LEN(sizeof(int)) && fd < 0)
				memcpy(&fd, CMSG_DATA(c), sizeof(int));
		sb_append(&reply, buf, (size_t)n);
		if (reply.oom || reply.len > EMB_CONTROL_MAX_REPLY) {
			r = -EMSGSIZE;
			goto out;
		}
	}
	*strchr(reply.buf, '\n') = '\0';
	if ((s = json_get_string(reply.buf, "open_verdict"))) {
		snprintf(ret->verdict, sizeof(ret->verdict), "%s", s);
		free(s);
	}
	if ((s = json_get_string(reply.buf, "open_rule"))) {
		snprintf(ret->rule, sizeof(ret->rule), "%s", s);
		free(s);
	}
	if ((s = json_get_string(reply.buf, "open_key"))) {
		snprintf(ret->key, sizeof(ret->key), "%s", s);
		free(s);
	}
	if ((s = json_get_string(reply.buf, "error"))) {
		snprintf(ret->why, sizeof(ret->why), "embargod: %s", s);
		free(s);
		r = -EPERM;
	} else if (fd < 0) {
		r = -EPROTO;
	}
out:
	if (r && !ret->why[0])
		snprintf(ret->why, sizeof(ret->why), "cannot ask embargod at %s: %s", control_path,
			 strerror(-r));
	if (r && fd >= 0)
		close(fd);
	close(sock);
	sb_free(&req);
	sb_free(&reply);
	return r ? r : fd;
}

int cli_open_content(const char *control_path, const char *path, bool open_ruled,
		     struct cli_handover *h)
{
	int fd, r;

	memset(h, 0, sizeof(*h));
	if (open_ruled) {
		fd = cli_handover_open(control_path, path, h);
		if (fd >= 0) {
			h->via_daemon = true;
			return fd;
		}
		/* No embargod: nothing answers fanotify events, and the kernel logs nothing. */
		if (fd != -ENOENT && fd != -ECONNREFUSED)
			return fd;
	}
	/* O_NONBLOCK: should the file be swapped for a FIFO meanwhile, open does not hang. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	r = fd < 0 ? -errno : fd;
	if (r < 0)
		snprintf(h->why, sizeof(h->why), "%s", strerror(-r));
	return r;
}
