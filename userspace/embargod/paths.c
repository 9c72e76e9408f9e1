// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "daemon.h"
#include "logchain.h"
#include "ownership.h"
#include "paths.h"

int paths_make_parents(const char *path, const char *what, gid_t gid)
{
	char buf[PATH_MAX];
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		fprintf(stderr, "embargod: %s %s: %s\n", what, path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0750) == 0) {
			/* Exactly 0750 whatever the umask, root's, and the admin group's if any. */
			if (chmod(buf, 0750) < 0 || (gid != (gid_t)-1 && chown(buf, 0, gid) < 0)) {
				int r = -errno;

				fprintf(stderr, "embargod: cannot set up %s (made for %s %s): %s\n",
					buf, what, path, strerror(-r));
				return r;
			}
		} else if (errno != EEXIST) {
			int r = -errno;

			fprintf(stderr, "embargod: cannot make the directory %s (for %s %s): %s\n",
				buf, what, path, strerror(-r));
			return r;
		} else if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "embargod: %s (above %s %s) is no directory\n", buf, what,
				path);
			return -ENOTDIR;
		}
		*p = '/';
	}
	return 0;
}

/* Takes the lock on FD for PATH, the WHAT; says who holds it when another does. */
static int take_lock(int fd, const char *what, const char *path)
{
	pid_t holder = 0;
	int r = emb_lock_take(fd, &holder);

	if (r == -EWOULDBLOCK && holder > 0)
		fprintf(stderr,
			"embargod: %s: %s is in use by another embargod (pid %d): one writer "
			"only\n",
			path, what, (int)holder);
	else if (r == -EWOULDBLOCK)
		fprintf(stderr, "embargod: %s: %s is in use by another embargod: one writer only\n",
			path, what);
	else if (r)
		fprintf(stderr, "embargod: %s: cannot lock %s: %s\n", path, what, strerror(-r));
	return r;
}

/* What embargod keeps in its state directory (push.c): the rest is not its own. */
static bool state_name_ours(const char *name)
{
	return !strcmp(name, "version") || !strncmp(name, "pushed", 6) || name[0] == '.';
}

int paths_claim_state(struct daemon *d)
{
	const char *dir = d->state_dir;
	struct dirent *de;
	struct stat st;
	DIR *dp;
	int fd, r;

	r = paths_make_parents(dir, "the state directory", (gid_t)-1);
	if (r)
		return r;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		fprintf(stderr, "embargod: cannot make the state directory %s: %s\n", dir,
			strerror(-r));
		return r;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		fprintf(stderr, "embargod: %s: %s\n", dir,
			r == -ELOOP	? "refusing to use it as the state directory: it is a "
					  "symbolic link"
			: r == -ENOTDIR ? "refusing to use it as the state directory: it is no "
					  "directory"
					: strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	/* A pushed policy there is put in force at start: nobody else may write it. */
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		fprintf(stderr,
			"embargod: %s: refusing to use it as the state directory: others may write "
			"it (it must be root's, mode 0700)\n",
			dir);
		close(fd);
		return -EPERM;
	}
	dp = fdopendir(dup(fd));
	if (!dp) {
		r = -errno;
		fprintf(stderr, "embargod: %s: %s\n", dir, strerror(-r));
		close(fd);
		return r;
	}
	r = 0;
	while (!r && (de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!state_name_ours(de->d_name)) {
			fprintf(stderr,
				"embargod: %s: refusing to use it as the state directory: it holds "
				"%s, which embargod does not keep there\n",
				dir, de->d_name);
			r = -EEXIST;
		}
	}
	closedir(dp);
	if (!r)
		r = take_lock(fd, "the state directory", dir);
	if (r) {
		close(fd);
		return r;
	}
	d->state_lock_fd = fd;
	return 0;
}

/* The first line of a log starts a JSON object; nothing else is replaced by a rotation. */
static bool is_log_head(const char *head, size_t len)
{
	return len > 0 && head[0] == '{';
}

int paths_rotated_log_check(const char *path, char *why, size_t whylen)
{
	return emb_replace_check(path, is_log_head, "an embargod log", why, whylen);
}

int paths_claim_log(struct daemon *d)
{
	char path[PATH_MAX + 32], why[256];
	uint64_t seq;
	unsigned char hash[EMB_CHAIN_HASH_LEN];
	struct stat st;
	int fd, r;

	if (lstat(d->log_path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "embargod: %s: refusing to write the log there: it is %s\n",
			d->log_path,
			S_ISLNK(st.st_mode)   ? "a symbolic link (give the file it points to)"
			: S_ISDIR(st.st_mode) ? "a directory"
					      : "no regular file");
		return -EEXIST;
	}
	/* LOG.lock stays put when the log rotates; it is only ever opened, never written. */
	snprintf(path, sizeof(path), "%s.lock", d->log_path);
	fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = fd < 0 ? -errno : -EEXIST;
		fprintf(stderr, "embargod: %s: cannot use it as the log's lock: %s\n", path,
			r == -EEXIST ? "it is no regular file" : strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	r = take_lock(fd, "the log", d->log_path);
	if (r) {
		close(fd);
		return r;
	}
	d->log_lock_fd = fd;
	/* What rotation renames over and removes, and the anchor replaced at each write. */
	for (unsigned i = 1; i <= d->log_keep; i++) {
		snprintf(path, sizeof(path), "%s.%u", d->log_path, i);
		if (paths_rotated_log_check(path, why, sizeof(why))) {
			fprintf(stderr, "embargod: %s: %s (a rotation would replace it)\n", path,
				why);
			return -EEXIST;
		}
	}
	snprintf(path, sizeof(path), "%s.anchor", d->log_path);
	if (lstat(path, &st) == 0 &&
	    (!S_ISREG(st.st_mode) || emb_chain_anchor_read(path, &seq, hash) == -EBADMSG)) {
		fprintf(stderr,
			"embargod: %s: refusing to overwrite: it is not the log's anchor (one line "
			"\"SEQ HASH\")\n",
			path);
		return -EEXIST;
	}
	return 0;
}

int paths_control_check(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0 || S_ISSOCK(st.st_mode))
		return 0;
	fprintf(stderr, "embargod: %s: refusing to replace it with the control socket: it is %s\n",
		path,
		S_ISLNK(st.st_mode)   ? "a symbolic link"
		: S_ISDIR(st.st_mode) ? "a directory"
		: S_ISREG(st.st_mode) ? "a file, not a socket"
				      : "not a socket");
	return -EEXIST;
}
