// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ownership.h"

__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

int emb_replace_check(const char *path, emb_own_kind_fn is_own, const char *kind, char *why,
		      size_t whylen)
{
	char head[EMB_OWN_HEAD_MAX + 1];
	struct stat st, fst;
	size_t len = 0;
	int fd, r = 0;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		say(why, whylen, "cannot look at it: %s", strerror(-r));
		return r;
	}
	if (S_ISLNK(st.st_mode)) {
		say(why, whylen, "refusing to overwrite: it is a symbolic link, not %s", kind);
		return -EEXIST;
	}
	if (S_ISDIR(st.st_mode)) {
		say(why, whylen, "refusing to overwrite: it is a directory, not %s", kind);
		return -EEXIST;
	}
	if (!S_ISREG(st.st_mode)) {
		say(why, whylen, "refusing to overwrite: it is no regular file, not %s", kind);
		return -EEXIST;
	}
	/* O_NONBLOCK: should it turn into a FIFO meanwhile, the open does not hang. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode)) {
		const char *e = fd < 0 ? strerror(errno) : "it changed while looked at";

		if (fd >= 0)
			close(fd);
		say(why, whylen, "refusing to overwrite: it cannot be read to tell it is %s: %s",
		    kind, e);
		return -EEXIST;
	}
	while (len < EMB_OWN_HEAD_MAX) {
		ssize_t n = read(fd, head + len, EMB_OWN_HEAD_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (r) {
		say(why, whylen, "refusing to overwrite: it cannot be read to tell it is %s: %s",
		    kind, strerror(-r));
		return -EEXIST;
	}
	head[len] = '\0';
	if (!is_own(head, len)) {
		say(why, whylen, "refusing to overwrite: it is not %s", kind);
		return -EEXIST;
	}
	return 0;
}

pid_t emb_lock_holder(int fd)
{
	char line[512];
	struct stat st;
	pid_t holder = 0;
	FILE *f;

	if (fstat(fd, &st) < 0)
		return 0;
	f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters have "->" after "1:". */
	while (!holder && fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok, *prev = NULL;
		unsigned maj, min;
		uint64_t ino;
		long pid;

		if (strstr(line, "->") || !strstr(line, "FLOCK"))
			continue;
		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			if (prev && sscanf(tok, "%x:%x:%" SCNu64, &maj, &min, &ino) == 3 &&
			    strchr(tok, ':') != strrchr(tok, ':')) {
				pid = strtol(prev, NULL, 10);
				if (maj == major(st.st_dev) && min == minor(st.st_dev) &&
				    ino == (uint64_t)st.st_ino && pid > 0 && pid != getpid())
					holder = (pid_t)pid;
				break;
			}
			prev = tok;
		}
	}
	fclose(f);
	return holder;
}

int emb_lock_take(int fd, pid_t *ret_holder)
{
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (ret_holder)
			*ret_holder = emb_lock_holder(fd);
		return -EWOULDBLOCK;
	}
	return 0;
}
