// SPDX-License-Identifier: GPL-2.0-only
/*
 * "open {"path":PATH}": a read-only descriptor of a regular file, passed to the client with
 * SCM_RIGHTS, so that embargo fileinfo and scan read a file the open rules decide without
 * their own open being refused or logged. The tracepoint tier's fanotify thread answers
 * embargod's own opens with an allow (fanguard.c); the lsm tier's BPF programs decide every
 * open in the kernel, embargod's too, so there a file that an open rule denies or audits is
 * refused here rather than opened. The control socket serves root and the admin group only;
 * a member of the admin group who is not root gets a descriptor only where the file's modes
 * would let that user read it and search every directory above it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "daemon.h"
#include "handover.h"
#include "json_read.h"

bool handover_is_request(const char *line)
{
	return !strncmp(line, "open ", 5);
}

struct peer {
	uid_t uid;
	gid_t gid;
	gid_t groups[256];
	size_t n_groups;
};

/* Whether the peer may do WANT (4 read, 1 search) by the mode bits of ST. */
static bool peer_may(const struct peer *p, const struct stat *st, unsigned want)
{
	bool in_group = p->gid == st->st_gid;

	if (p->uid == 0)
		return true;
	for (size_t i = 0; i < p->n_groups && !in_group; i++)
		in_group = p->groups[i] == st->st_gid;
	if (p->uid == st->st_uid)
		return ((st->st_mode >> 6) & want) == want;
	if (in_group)
		return ((st->st_mode >> 3) & want) == want;
	return (st->st_mode & want) == want;
}

/* The open entry of the policy in force for inode ST, or NULL. */
static const struct emb_entry *open_entry(struct daemon *d, const struct stat *st, bool dir)
{
	struct emb_rule_key key = {
		.kind = EMB_KEY_INODE,
		.op = EMB_OP_OPEN,
		.dev = emb_kernel_dev(st->st_dev),
		.ino = st->st_ino,
	};
	const struct emb_entry *e = emb_resolved_find_key(&daemon_current(d)->resolved, &key);

	return e && e->value.is_dir == dir ? e : NULL;
}

/*
 * Opens PATH (absolute, no symlinks) for reading, one component at a time, so that what is
 * checked is what is opened. Returns the descriptor or -errno with WHY; *RET_E the open rule
 * that decides the file (its own, else the nearest directory's), or NULL.
 */
static int open_checked(struct daemon *d, const struct peer *p, const char *path,
			const struct emb_entry **ret_e, char *why, size_t why_size)
{
	const struct emb_entry *dir_e = NULL, *e;
	char buf[PATH_MAX], *save = NULL, *name, *next;
	int dirfd, fd = -1, r;
	struct stat st;

	if (path[0] != '/' || snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		snprintf(why, why_size, "open: the path must be absolute and shorter than %d",
			 PATH_MAX);
		return -EINVAL;
	}
	dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		goto fail;
	name = strtok_r(buf, "/", &save);
	while (name) {
		if (fstat(dirfd, &st) < 0)
			goto fail;
		if (!peer_may(p, &st, 1)) {
			errno = EACCES;
			goto fail;
		}
		if ((e = open_entry(d, &st, true)))
			dir_e = e;
		next = strtok_r(NULL, "/", &save);
		if (!strcmp(name, ".") || !strcmp(name, "..")) {
			errno = EINVAL;
			goto fail;
		}
		fd = openat(dirfd, name,
			    O_PATH | O_NOFOLLOW | O_CLOEXEC | (next ? O_DIRECTORY : 0));
		if (fd < 0)
			goto fail;
		close(dirfd);
		dirfd = fd;
		fd = -1;
		name = next;
	}
	if (fstat(dirfd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		close(dirfd);
		snprintf(why, why_size, "open: %s is not a regular file", path);
		return -EINVAL;
	}
	if (!peer_may(p, &st, 4)) {
		errno = EACCES;
		goto fail;
	}
	e = open_entry(d, &st, false);
	*ret_e = e ? e : dir_e;
	if (d->enf.tier == EMB_TIER_LSM && *ret_e && (*ret_e)->value.verdict != EMB_RULE_ALLOW) {
		close(dirfd);
		snprintf(why, why_size,
			 "open: in the lsm tier the kernel decides embargod's own opens too: %s "
			 "is not handed over",
			 path);
		return -EPERM;
	}
	/* The very inode checked, for reading: O_PATH descriptors cannot be read. */
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", dirfd);
	fd = open(buf, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	close(dirfd);
	return fd;
fail:
	r = -errno;
	if (dirfd >= 0)
		close(dirfd);
	snprintf(why, why_size, "open: %s: %s", path, strerror(-r));
	return r;
}

/* Sends REPLY (a line) with descriptor FD (-1: none). */
static void send_reply(int sock, const struct strbuf *reply, int fd)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = reply->buf, .iov_len = reply->len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	(void)!sendmsg(sock, &msg, MSG_NOSIGNAL);
}

void handover_handle(struct daemon *d, int sock, const char *line, const struct ucred *cred)
{
	struct peer p = { .uid = cred->uid, .gid = cred->gid };
	const struct generation *g = daemon_current(d);
	const struct emb_entry *e = NULL;
	struct strbuf reply = { 0 };
	gid_t groups[256];
	socklen_t len = sizeof(groups);
	char why[PATH_MAX + 128] = "", *path;
	struct json j;
	int fd;

	if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
		p.n_groups = len / sizeof(groups[0]);
		memcpy(p.groups, groups, p.n_groups * sizeof(groups[0]));
	}
	path = json_get_string(line + 5, "path");
	if (!path) {
		snprintf(why, sizeof(why), "open: a JSON object with \"path\" is needed");
		fd = -EINVAL;
	} else {
		fd = open_checked(d, &p, path, &e, why, sizeof(why));
	}
	json_begin(&j, &reply);
	if (fd >= 0)
		json_bool(&j, "ok", true);
	else
		json_str(&j, "error", why);
	if (e) {
		const struct emb_rule *rule = e->value.rule_id < g->policy.n_rules
						      ? &g->policy.rules[e->value.rule_id]
						      : NULL;

		json_str(&j, "open_verdict", emb_verdict_name(e->value.verdict));
		if (rule) {
			snprintf(why, sizeof(why), "%s:%u", rule->file, rule->line);
			json_str(&j, "open_rule", why);
			json_str(&j, "open_key", rule->key);
		}
	} else if (fd >= 0) {
		json_str(&j, "open_verdict", "allow");
	}
	json_end(&j);
	sb_putc(&reply, '\n');
	if (!reply.oom)
		send_reply(sock, &reply, fd);
	if (fd >= 0) {
		fprintf(stderr, "embargod: handed a read-only descriptor of %s to uid %u%s\n", path,
			cred->uid, e && e->value.verdict != EMB_RULE_ALLOW ? " (open rule)" : "");
		close(fd);
	}
	sb_free(&reply);
	free(path);
}
