// SPDX-License-Identifier: GPL-2.0-only
/* A writer replaces only a new path or a file of its own kind; a lock names who holds it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ownership.h"
#include "tap.h"
#include "tmptree.h"

static bool starts_with_magic(const char *head, size_t len)
{
	return len >= 5 && !memcmp(head, "MAGIC", 5);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) == EOF || fclose(f) == EOF)
		diag("cannot write %s", path);
}

static void test_replace_check(void)
{
	char path[PATH_MAX], link[PATH_MAX], why[256];

	tree_path("new", path, sizeof(path));
	is_int(emb_replace_check(path, starts_with_magic, "a magic file", why, sizeof(why)), 0,
	       "a new path may be written");

	tree_path("own", path, sizeof(path));
	write_text(path, "MAGIC and the rest");
	is_int(emb_replace_check(path, starts_with_magic, "a magic file", why, sizeof(why)), 0,
	       "a file of the writer's own kind may be replaced");

	tree_path("other", path, sizeof(path));
	write_text(path, "root:x:0:0:root:/root:/bin/bash\n");
	is_int(emb_replace_check(path, starts_with_magic, "a magic file", why, sizeof(why)),
	       -EEXIST, "any other file is refused");
	is_str(why, "refusing to overwrite: it is not a magic file", "saying why");

	tree_path("empty", path, sizeof(path));
	write_text(path, "");
	is_int(emb_replace_check(path, starts_with_magic, "a magic file", why, sizeof(why)),
	       -EEXIST, "an empty file is not provably the writer's either");

	tree_path("own", path, sizeof(path));
	tree_path("link", link, sizeof(link));
	if (symlink(path, link) < 0)
		diag("symlink failed");
	is_int(emb_replace_check(link, starts_with_magic, "a magic file", why, sizeof(why)),
	       -EEXIST, "a symbolic link is refused, even to a file of the kind");
	ok(strstr(why, "symbolic link") != NULL, "saying so (%s)", why);

	tree_dir("dir");
	tree_path("dir", path, sizeof(path));
	is_int(emb_replace_check(path, starts_with_magic, "a magic file", why, sizeof(why)),
	       -EEXIST, "a directory is refused");
	ok(strstr(why, "directory") != NULL, "saying so (%s)", why);

	tree_path("fifo", path, sizeof(path));
	if (mkfifo(path, 0600) < 0)
		diag("mkfifo failed");
	is_int(emb_replace_check(path, starts_with_magic, "a magic file", why, sizeof(why)),
	       -EEXIST, "a FIFO is refused, without hanging");

	tree_path("missing/file", path, sizeof(path));
	is_int(emb_replace_check(path, starts_with_magic, "a magic file", why, sizeof(why)), 0,
	       "a path in a missing directory is new");
}

static void test_lock(void)
{
	char path[PATH_MAX], go = 0;
	int fd, fd2, sync[2];
	pid_t child, holder = -1;

	tree_dir("locked");
	tree_path("locked", path, sizeof(path));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	is_int(emb_lock_take(fd, &holder), 0, "a free lock is taken (a directory)");
	fd2 = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	is_int(emb_lock_take(fd2, &holder), -EWOULDBLOCK,
	       "a second open file does not get it, even in the same process");
	close(fd);
	is_int(emb_lock_take(fd2, &holder), 0, "once the first is closed, it does");
	close(fd2);

	/* Another process holds it: its pid is named. */
	if (pipe(sync) < 0)
		diag("pipe failed");
	child = fork();
	if (child == 0) {
		int cfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		go = emb_lock_take(cfd, NULL) == 0 ? 'y' : 'n';
		if (write(sync[1], &go, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(sync[0], &go, 1) != 1)
		go = 0;
	ok(go == 'y', "the child took the lock");
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	holder = -1;
	is_int(emb_lock_take(fd, &holder), -EWOULDBLOCK, "the parent is refused");
	is_int((int)holder, (int)child, "and told the child's pid");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	is_int(emb_lock_take(fd, &holder), 0, "the holder gone, the lock is free");
	close(fd);
	close(sync[0]);
	close(sync[1]);
}

int main(void)
{
	if (!tree_create("ownership"))
		return 1;
	test_replace_check();
	test_lock();
	tree_remove();
	return done_testing();
}
