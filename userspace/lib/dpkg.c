// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dpkg.h"

/* The names one file goes by, as list lines would spell them. */
struct wanted {
	const char
		*names[3]; /* as given (made absolute), its realpath, its dir's realpath + leaf */
	size_t n;
};

/* PATH with its directory part resolved and its last component kept: "/bin/ls" -> "/usr/bin/ls". */
static bool canonical_dir(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], real[PATH_MAX];
	size_t dir_len;

	if (!slash || !slash[1])
		return false;
	dir_len = slash == path ? 1 : (size_t)(slash - path);
	if (dir_len >= sizeof(dir))
		return false;
	memcpy(dir, path, dir_len);
	dir[dir_len] = '\0';
	if (!realpath(dir, real))
		return false;
	return snprintf(out, size, "%s%s%s", real, strcmp(real, "/") ? "/" : "", slash + 1) <
	       (int)size;
}

static bool is_wanted(const struct wanted *w, const char *line)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->names[i], line))
			return true;
	return false;
}

static const char *leaf(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Whether a list line names the wanted file, spelled the same or through symlinked dirs. */
static bool line_matches(const struct wanted *w, const char *line)
{
	char canon[PATH_MAX];
	bool same_leaf = false;

	if (is_wanted(w, line))
		return true;
	/* Resolving is costly: only lines that end in a wanted name are resolved. */
	for (size_t i = 0; i < w->n && !same_leaf; i++)
		same_leaf = !strcmp(leaf(w->names[i]), leaf(line));
	return same_leaf && canonical_dir(line, canon, sizeof(canon)) && is_wanted(w, canon);
}

/* Whether the list file open as F names the wanted file. */
static bool list_names(FILE *f, const struct wanted *w)
{
	char line[PATH_MAX + 2];
	bool skipping = false;

	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		bool ends = len && line[len - 1] == '\n';

		if (skipping) {
			skipping = !ends;
			continue;
		}
		if (ends) {
			line[--len] = '\0';
		} else if (!feof(f)) {
			/* Longer than any path: skipped, to its end. */
			skipping = true;
			continue;
		}
		if (len && line_matches(w, line))
			return true;
	}
	return false;
}

static int owners_add(struct emb_dpkg_owners *o, const char *name, size_t len)
{
	char **v = realloc(o->names, (o->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	o->names = v;
	v[o->n] = strndup(name, len);
	if (!v[o->n])
		return -ENOMEM;
	o->n++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int emb_dpkg_find_owners(const char *admin_dir, const char *path, struct emb_dpkg_owners *out)
{
	struct emb_dpkg_owners o = { 0 };
	char info[PATH_MAX], abs_path[PATH_MAX], real[PATH_MAX], canon[PATH_MAX];
	struct wanted w = { 0 };
	struct dirent *de;
	int dfd, r = 0;
	DIR *dir;

	if (snprintf(info, sizeof(info), "%s/info", admin_dir) >= (int)sizeof(info))
		return -ENAMETOOLONG;
	/* Lists name absolute paths. */
	if (path[0] != '/') {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)) || snprintf(abs_path, sizeof(abs_path), "%s/%s", cwd,
							  path) >= (int)sizeof(abs_path))
			abs_path[0] = '\0';
	} else {
		snprintf(abs_path, sizeof(abs_path), "%s", path);
	}
	if (abs_path[0])
		w.names[w.n++] = abs_path;
	if (realpath(path, real))
		w.names[w.n++] = real;
	if (abs_path[0] && canonical_dir(abs_path, canon, sizeof(canon)))
		w.names[w.n++] = canon;

	dir = opendir(info);
	if (!dir)
		return -errno;
	dfd = dirfd(dir);
	while (w.n && (errno = 0, de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		FILE *f;
		int fd;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".list"))
			continue;
		fd = openat(dfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			continue;
		f = fdopen(fd, "r");
		if (!f) {
			close(fd);
			r = -ENOMEM;
			break;
		}
		if (list_names(f, &w))
			r = owners_add(&o, de->d_name, len - 5);
		fclose(f);
		if (r)
			break;
	}
	closedir(dir);
	if (r) {
		emb_dpkg_owners_free(&o);
		return r;
	}
	if (o.n)
		qsort(o.names, o.n, sizeof(*o.names), name_cmp);
	*out = o;
	return 0;
}

void emb_dpkg_owners_free(struct emb_dpkg_owners *owners)
{
	for (size_t i = 0; i < owners->n; i++)
		free(owners->names[i]);
	free(owners->names);
	*owners = (struct emb_dpkg_owners){ 0 };
}

/* The end of one stanza of the status file: keeps NAME when it is installed and Essential. */
static int essential_stanza_end(struct emb_dpkg_owners *o, const char *name, bool essential,
				bool installed)
{
	if (!name[0] || !essential || !installed)
		return 0;
	return owners_add(o, name, strlen(name));
}

int emb_dpkg_essential(const char *admin_dir, struct emb_dpkg_owners *out)
{
	struct emb_dpkg_owners o = { 0 };
	char path[PATH_MAX], name[256] = "", *line = NULL;
	bool essential = false, installed = false;
	size_t cap = 0;
	ssize_t len;
	int r = 0;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/status", admin_dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			return -errno;
		*out = o;
		return 0;
	}
	/* Stanzas of "Field: value" lines, a blank line between two; continuations start blank. */
	while (!r && (len = getline(&line, &cap, f)) >= 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len) {
			r = essential_stanza_end(&o, name, essential, installed);
			name[0] = '\0';
			essential = installed = false;
		} else if (!strncmp(line, "Package:", 8)) {
			const char *v = line + 8 + strspn(line + 8, " \t");

			snprintf(name, sizeof(name), "%s", v);
		} else if (!strncmp(line, "Essential:", 10)) {
			essential = !strcmp(line + 10 + strspn(line + 10, " \t"), "yes");
		} else if (!strncmp(line, "Status:", 7)) {
			/* "want flag status": what is on disk is the last word. */
			const char *last = strrchr(line, ' ');

			installed = last && (!strcmp(last + 1, "installed") ||
					     !strcmp(last + 1, "half-configured") ||
					     !strcmp(last + 1, "unpacked") ||
					     !strcmp(last + 1, "triggers-awaited") ||
					     !strcmp(last + 1, "triggers-pending"));
		}
	}
	if (!r && ferror(f))
		r = -EIO;
	if (!r)
		r = essential_stanza_end(&o, name, essential, installed);
	free(line);
	fclose(f);
	if (r) {
		emb_dpkg_owners_free(&o);
		return r;
	}
	if (o.n > 1) {
		size_t k = 1;

		qsort(o.names, o.n, sizeof(*o.names), name_cmp);
		for (size_t i = 1; i < o.n; i++) {
			if (strcmp(o.names[i], o.names[k - 1]))
				o.names[k++] = o.names[i];
			else
				free(o.names[i]);
		}
		o.n = k;
	}
	*out = o;
	return 0;
}

bool emb_dpkg_is_essential(const struct emb_dpkg_owners *essential, const char *name)
{
	size_t len = strcspn(name, ":");

	for (size_t i = 0; i < essential->n; i++)
		if (strlen(essential->names[i]) == len && !memcmp(essential->names[i], name, len))
			return true;
	return false;
}
