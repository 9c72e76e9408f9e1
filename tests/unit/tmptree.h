/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A temporary directory tree for unit tests that touch the file system: made under $TMPDIR (or
 * /tmp) as a realpath, filled with tree_file()/tree_dir(), removed by tree_remove(). Every
 * path a test gives is relative to tree_root.
 */
#ifndef EMB_TMPTREE_H
#define EMB_TMPTREE_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static char tree_root[256];

/* Makes the tree, named after NAME; false (and a message) when it cannot. */
static inline bool tree_create(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char real[PATH_MAX];

	snprintf(tree_root, sizeof(tree_root), "%s/embargo-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
		 name);
	if (!mkdtemp(tree_root)) {
		perror("mkdtemp");
		return false;
	}
	/* Walks up a path compare with realpaths: the root must be one (TMPDIR may be a link). */
	if (realpath(tree_root, real) && strlen(real) < sizeof(tree_root))
		strcpy(tree_root, real);
	return true;
}

/* tree_root/REL into PATH. */
static inline void tree_path(const char *rel, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", tree_root, rel);
}

/* An empty executable file at REL. */
static inline void tree_file(const char *rel)
{
	char path[PATH_MAX];
	int fd;

	tree_path(rel, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd >= 0)
		close(fd);
}

static inline void tree_dir(const char *rel)
{
	char path[PATH_MAX];

	tree_path(rel, path, sizeof(path));
	mkdir(path, 0755);
}

static inline void tree_remove(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree_root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tree_root);
}

#endif /* EMB_TMPTREE_H */
