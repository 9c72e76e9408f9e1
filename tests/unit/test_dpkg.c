// SPDX-License-Identifier: GPL-2.0-only
/* Package owners from a fake dpkg database, with a merged-/usr style directory symlink. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dpkg.h"
#include "tap.h"
#include "tmptree.h"

/* Writes ROOT/REL with TEXT, in which every "@" stands for ROOT. */
static void write_file(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tree_root, rel);
	f = fopen(path, "w");
	if (!f) {
		diag("cannot write %s", path);
		return;
	}
	for (const char *c = text; *c; c++) {
		if (*c == '@')
			fputs(tree_root, f);
		else
			fputc(*c, f);
	}
	fclose(f);
}

/* The owners of ROOT/REL joined with ",", or "error: ..." */
static const char *owners_of(const char *rel, char *buf, size_t size)
{
	struct emb_dpkg_owners o = { 0 };
	char admin[PATH_MAX], path[PATH_MAX];
	int r;

	tree_path("dpkg", admin, sizeof(admin));
	if (rel[0] == '/' || rel[0] == '.')
		snprintf(path, sizeof(path), "%s", rel);
	else
		tree_path(rel, path, sizeof(path));
	r = emb_dpkg_find_owners(admin, path, &o);
	if (r) {
		snprintf(buf, size, "error: %s", strerror(-r));
		return buf;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < o.n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? "," : "", o.names[i]);
	emb_dpkg_owners_free(&o);
	return buf;
}

static void make_db(void)
{
	char path[PATH_MAX], target[PATH_MAX], *longline;

	tree_path("usr", path, sizeof(path));
	mkdir(path, 0755);
	tree_path("usr/bin", path, sizeof(path));
	mkdir(path, 0755);
	/* bin -> usr/bin, as on a merged-/usr system. */
	tree_path("bin", path, sizeof(path));
	if (symlink("usr/bin", path) < 0)
		diag("cannot make the bin symlink");
	write_file("usr/bin/ls", "binary\n");
	write_file("usr/bin/env", "binary\n");
	write_file("usr/bin/orphan", "binary\n");
	tree_path("usr/bin/vi", path, sizeof(path));
	tree_path("usr/bin/vim.basic", target, sizeof(target));
	write_file("usr/bin/vim.basic", "binary\n");
	if (symlink(target, path) < 0)
		diag("cannot make the vi symlink");

	tree_path("dpkg", path, sizeof(path));
	mkdir(path, 0755);
	tree_path("dpkg/info", path, sizeof(path));
	mkdir(path, 0755);
	/* Lists name the old paths (/bin/ls) or the new (/usr/bin/env), as real ones do. */
	write_file("dpkg/info/coreutils.list", "/.\n@\n@/bin\n@/bin/ls\n@/usr/bin/env");
	write_file("dpkg/info/vim:amd64.list", "@/usr/bin\n@/usr/bin/vim.basic\n");
	write_file("dpkg/info/vim-alt.list", "@/usr/bin/vi\n");
	write_file("dpkg/info/decoy.md5sums", "0123  @/usr/bin/orphan\n");
	write_file("dpkg/info/decoy.list.bak", "@/usr/bin/orphan\n");
	write_file("dpkg/info/partial.list", "@/usr/bin/lsx\n@/usr/bin/l\n@/usr/bin\n");
	/* An overlong line is skipped without losing the lines after it. */
	longline = malloc(3 * PATH_MAX);
	if (longline) {
		memset(longline, 'x', 3 * PATH_MAX - 1);
		longline[0] = '/';
		longline[3 * PATH_MAX - 1] = '\0';
		tree_path("dpkg/info/long.list", path, sizeof(path));
		FILE *f = fopen(path, "w");

		if (f) {
			fprintf(f, "%s\n%s/usr/bin/env\n", longline, tree_root);
			fclose(f);
		}
		free(longline);
	}
}

static void test_owners(void)
{
	char buf[1024], path[PATH_MAX], cwd[PATH_MAX];

	is_str(owners_of("bin/ls", buf, sizeof(buf)), "coreutils", "a file as its list names it");
	is_str(owners_of("usr/bin/ls", buf, sizeof(buf)), "coreutils",
	       "the same file through the symlinked directory's target");
	is_str(owners_of("usr/bin/env", buf, sizeof(buf)), "coreutils,long",
	       "every list naming a file, in name order; an overlong line does not hide the rest");
	is_str(owners_of("bin/env", buf, sizeof(buf)), "coreutils,long",
	       "a file named through the symlinked directory");
	is_str(owners_of("usr/bin/orphan", buf, sizeof(buf)), "",
	       "a file no list names: only *.list files count");
	is_str(owners_of("usr/bin/vi", buf, sizeof(buf)), "vim-alt,vim:amd64",
	       "a symlink: the owner of the link and of its target");
	is_str(owners_of("usr/bin/vim.basic", buf, sizeof(buf)), "vim:amd64",
	       "the target alone: not the link's owner");
	is_str(owners_of("usr/bin", buf, sizeof(buf)), "partial,vim:amd64",
	       "a directory: the lists naming it");
	is_str(owners_of("bin", buf, sizeof(buf)), "coreutils,partial,vim:amd64",
	       "a symlink to a directory: the lists naming the link and those naming its target");
	is_str(owners_of("usr/bin/missing", buf, sizeof(buf)), "", "a missing file has no owner");

	if (getcwd(cwd, sizeof(cwd)) && chdir(tree_root) == 0) {
		is_str(owners_of("./bin/ls", buf, sizeof(buf)), "coreutils",
		       "a relative path is taken from the working directory");
		if (chdir(cwd) < 0)
			diag("cannot return to %s", cwd);
	}

	tree_path("nowhere", path, sizeof(path));
	{
		struct emb_dpkg_owners o = { .n = 99 };

		is_int(emb_dpkg_find_owners(path, "/bin/ls", &o), -ENOENT,
		       "no dpkg database is -ENOENT");
		ok(o.n == 99, "and the output is left alone");
	}
}

int main(void)
{
	if (!tree_create("dpkg"))
		return 1;
	make_db();
	test_owners();
	tree_remove();
	return done_testing();
}
