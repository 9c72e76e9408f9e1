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
#include <sys/stat.h>

#include "dpkg.h"
#include "hash.h"
#include "package.h"

/* The *.list files of ADMIN/info, read once for every package rule of a policy. */
struct list_dir {
	char info[PATH_MAX]; /* ADMIN/info */
	char **names;	     /* "libc6:amd64.list", sorted */
	size_t n;
	int err; /* -errno when ADMIN/info could not be read */
	bool done;
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len > n && !memcmp(s + len - n, suffix, n);
}

static void list_dir_free(struct list_dir *ld)
{
	for (size_t i = 0; i < ld->n; i++)
		free(ld->names[i]);
	free(ld->names);
}

/* Reads the names once; returns 0 (ld->err says whether the directory could be read) or -ENOMEM. */
static int list_dir_read(struct list_dir *ld, const char *admin_dir)
{
	size_t cap = 0;
	struct dirent *de;
	DIR *dir;

	if (ld->done)
		return 0;
	ld->done = true;
	if (snprintf(ld->info, sizeof(ld->info), "%s/info", admin_dir) >= (int)sizeof(ld->info)) {
		ld->err = -ENAMETOOLONG;
		return 0;
	}
	dir = opendir(ld->info);
	if (!dir) {
		ld->err = -errno;
		return 0;
	}
	while ((errno = 0, de = readdir(dir))) {
		size_t len = strlen(de->d_name);

		if (!ends_with(de->d_name, len, ".list"))
			continue;
		if (ld->n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			char **v = realloc(ld->names, ncap * sizeof(*v));

			if (!v)
				goto oom;
			ld->names = v;
			cap = ncap;
		}
		ld->names[ld->n] = strdup(de->d_name);
		if (!ld->names[ld->n])
			goto oom;
		ld->n++;
	}
	if (errno)
		ld->err = -errno;
	closedir(dir);
	if (ld->n)
		qsort(ld->names, ld->n, sizeof(*ld->names), str_cmp);
	return 0;
oom:
	closedir(dir);
	return -ENOMEM;
}

/* Whether LIST ("x:amd64.list") is a list of package NAME: NAME.list, or NAME:ARCH.list. */
static bool list_is_of(const char *list, const char *name)
{
	size_t n = strlen(name), len = strlen(list) - strlen(".list");

	if (len < n || memcmp(list, name, n))
		return false;
	if (len == n)
		return true;
	/* NAME:ARCH looks for its own list only; NAME for any architecture's. */
	if (strchr(name, ':') || list[n] != ':' || len == n + 1)
		return false;
	for (size_t i = n + 1; i < len; i++) {
		char c = list[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

/* What path= values must look like (see policy.c): listed paths normally are. */
static bool path_is_canonical(const char *path)
{
	const char *c = path, *comp;

	if (path[0] != '/' || !path[1])
		return false;
	while (*c == '/') {
		comp = ++c;
		while (*c && *c != '/') {
			if ((unsigned char)*c < ' ' || *c == 0x7f)
				return false;
			c++;
		}
		if (c == comp || c - comp > NAME_MAX)
			return false;
		if (comp[0] == '.' && (c - comp == 1 || (c - comp == 2 && comp[1] == '.')))
			return false;
	}
	return true;
}

/* The files of one package rule as they are gathered. */
struct gather {
	struct emb_package_entry *e;
	enum emb_rule_op op;
	size_t cap;
	bool sorted; /* files is sorted by path and free of duplicates */
};

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct emb_package_file *)a)->path,
		      ((const struct emb_package_file *)b)->path);
}

/* Sorts the files by path and drops repeated paths (multiarch lists share files). */
static void files_unique(struct gather *g)
{
	struct emb_package_entry *e = g->e;
	size_t i, n = 0;

	if (g->sorted)
		return;
	if (e->n_files)
		qsort(e->files, e->n_files, sizeof(*e->files), file_cmp);
	for (i = 0; i < e->n_files; i++) {
		if (n && !strcmp(e->files[n - 1].path, e->files[i].path)) {
			free(e->files[i].path);
			continue;
		}
		e->files[n++] = e->files[i];
	}
	e->n_files = n;
	g->sorted = true;
}

/* Whether PATH is already among the files; only asked once they are sorted. */
static bool files_have(const struct gather *g, const char *path)
{
	struct emb_package_file key = { .path = (char *)path };

	return bsearch(&key, g->e->files, g->e->n_files, sizeof(key), file_cmp) != NULL;
}

/*
 * Whether an exec rule takes a file without an execute bit: ELF (it can be mapped executable)
 * or a script. Returns 1, 0, or -errno when it cannot be read.
 */
static int looks_executable(int fd)
{
	unsigned char magic[4];
	ssize_t n;

	do
		n = pread(fd, magic, sizeof(magic), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n >= 4 && !memcmp(magic,
			      "\x7f"
			      "ELF",
			      4))
		return 1;
	return n >= 2 && magic[0] == '#' && magic[1] == '!';
}

/*
 * One listed path: taken into G when it is a file the rule is about. Returns 0, -ENOMEM, or
 * -E2BIG when it would be one file more than EMB_PACKAGE_MAX_FILES.
 */
static int gather_path(struct gather *g, const char *listed)
{
	struct emb_package_entry *e = g->e;
	struct emb_package_file f = { 0 };
	unsigned char digest[EMB_SHA256_LEN];
	struct stat st;
	int fd, r;

	if (listed[0] != '/' || stat(listed, &st) < 0 || !S_ISREG(st.st_mode))
		goto skip;
	if (path_is_canonical(listed))
		f.path = strdup(listed);
	else
		f.path = realpath(listed, NULL);
	if (!f.path) {
		if (errno == ENOMEM)
			return -ENOMEM;
		goto skip;
	}
	if (e->n_files == EMB_PACKAGE_MAX_FILES) {
		files_unique(g);
		if (files_have(g, f.path)) {
			free(f.path);
			return 0;
		}
		if (e->n_files == EMB_PACKAGE_MAX_FILES) {
			free(f.path);
			return -E2BIG;
		}
	}

	/* O_NONBLOCK: should the file have become a FIFO since stat(), open does not hang. */
	fd = open(f.path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		f.err = -errno;
	} else if (fstat(fd, &st) < 0) {
		f.err = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		close(fd);
		free(f.path);
		goto skip;
	}
	if (g->op == EMB_OP_EXEC && !(st.st_mode & 0111) && !f.err) {
		r = looks_executable(fd);
		if (r == 0) {
			close(fd);
			free(f.path);
			goto skip;
		}
		if (r < 0)
			f.err = r;
	}
	if (!f.err) {
		r = emb_sha256_file(fd, digest);
		if (r == -ENOMEM) {
			close(fd);
			free(f.path);
			return r;
		}
		if (r)
			f.err = r;
		else
			emb_hex(digest, EMB_SHA256_LEN, f.sha256);
	}
	if (fd >= 0)
		close(fd);

	if (e->n_files == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct emb_package_file *v;

		if (cap > EMB_PACKAGE_MAX_FILES)
			cap = EMB_PACKAGE_MAX_FILES;
		v = realloc(e->files, cap * sizeof(*v));
		if (!v) {
			free(f.path);
			return -ENOMEM;
		}
		e->files = v;
		g->cap = cap;
	}
	e->files[e->n_files++] = f;
	g->sorted = false;
	return 0;
skip:
	e->n_skipped++;
	return 0;
}

/* Reads the list file F line by line into G. Returns as gather_path(), or -EIO. */
static int gather_list(struct gather *g, FILE *f)
{
	char line[PATH_MAX + 2];
	bool skipping = false;
	int r;

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
			g->e->n_skipped++;
			continue;
		}
		/* "/." is the package's root: a directory, as are most other lines. */
		if (!len || !strcmp(line, "/."))
			continue;
		r = gather_path(g, line);
		if (r)
			return r;
	}
	return ferror(f) ? -EIO : 0;
}

static int add_list_name(struct emb_package_entry *e, const char *list)
{
	char **v = realloc(e->lists, (e->n_lists + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	e->lists = v;
	v[e->n_lists] = strndup(list, strlen(list) - strlen(".list"));
	if (!v[e->n_lists])
		return -ENOMEM;
	e->n_lists++;
	return 0;
}

/* Fills E from the lists of package rule RULE. Returns 0, -EINVAL with a diagnostic, -ENOMEM. */
static int gather_package(struct emb_package_entry *e, const struct emb_rule *rule,
			  const struct list_dir *ld, struct emb_diags *diags)
{
	struct gather g = { .e = e, .op = rule->op };
	char path[PATH_MAX];
	int r = 0;

	if (ld->err)
		return emb_diags_add(diags, rule->file, rule->line, rule->value_col,
				     "cannot read the dpkg database %s: %s", ld->info,
				     strerror(-ld->err));
	for (size_t i = 0; i < ld->n && !r; i++) {
		FILE *f;

		if (!list_is_of(ld->names[i], rule->value))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", ld->info, ld->names[i]) >=
		    (int)sizeof(path)) {
			errno = ENAMETOOLONG;
			f = NULL;
		} else {
			f = fopen(path, "re");
		}
		if (!f) {
			/* Removed since the directory was read: that list is no more. */
			if (errno == ENOENT)
				continue;
			return emb_diags_add(diags, rule->file, rule->line, rule->value_col,
					     "cannot read %s: %s", path, strerror(errno));
		}
		r = add_list_name(e, ld->names[i]);
		if (!r)
			r = gather_list(&g, f);
		fclose(f);
		if (r == -EIO)
			return emb_diags_add(diags, rule->file, rule->line, rule->value_col,
					     "cannot read %s: %s", path, strerror(EIO));
	}
	if (r == -E2BIG)
		return emb_diags_add(diags, rule->file, rule->line, rule->value_col,
				     "package '%s' has more than %d files (limit)", rule->value,
				     EMB_PACKAGE_MAX_FILES);
	if (r)
		return r;
	e->installed = e->n_lists > 0;
	files_unique(&g);
	return 0;
}

static int sha_index_cmp(const void *a, const void *b, void *files)
{
	const struct emb_package_file *v = files;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(v[x].sha256, v[y].sha256);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/* Appends a rule like PKG (index PKG_INDEX) with MATCHER=VALUE. Returns 0 or -ENOMEM. */
static int append_rule(struct emb_policy *policy, const struct emb_rule *pkg, size_t pkg_index,
		       enum emb_rule_matcher matcher, const char *value)
{
	struct emb_rule rule = *pkg;

	if (policy->n_rules == policy->cap_rules) {
		size_t cap = policy->cap_rules ? policy->cap_rules * 2 : 64;
		struct emb_rule *v = realloc(policy->rules, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		policy->rules = v;
		policy->cap_rules = cap;
	}
	rule.matcher = matcher;
	rule.origin = pkg_index + 1;
	rule.value = strdup(value);
	rule.key = strdup(pkg->key);
	if (!rule.value || !rule.key) {
		free(rule.value);
		free(rule.key);
		return -ENOMEM;
	}
	policy->rules[policy->n_rules++] = rule;
	return 0;
}

/*
 * Appends the rules E derives: path= for each file, sha256= for each distinct content, in path
 * order. Returns 0, -EINVAL with a diagnostic (too many rules), or -ENOMEM.
 */
static int derive_rules(struct emb_policy *policy, size_t pkg_index,
			const struct emb_package_entry *e, struct emb_diags *diags)
{
	const struct emb_rule pkg = policy->rules[pkg_index]; /* policy->rules moves */
	size_t *by_sha = NULL, n_sha = 0, n_new, i;
	bool *first = NULL;
	int r = -ENOMEM;

	if (!e->n_files)
		return 0;
	by_sha = calloc(e->n_files, sizeof(*by_sha));
	first = calloc(e->n_files, sizeof(*first));
	if (!by_sha || !first)
		goto out;
	for (i = 0; i < e->n_files; i++)
		if (!e->files[i].err)
			by_sha[n_sha++] = i;
	qsort_r(by_sha, n_sha, sizeof(*by_sha), sha_index_cmp, e->files);
	/* Content is checked on exec only (an open rule acts by the file): no sha256= for open. */
	for (i = 0; i < n_sha && pkg.op == EMB_OP_EXEC; i++)
		first[by_sha[i]] =
			!i || strcmp(e->files[by_sha[i - 1]].sha256, e->files[by_sha[i]].sha256);
	n_new = e->n_files;
	for (i = 0; i < e->n_files; i++)
		n_new += first[i];
	if (n_new > EMB_POLICY_MAX_RULES - policy->n_rules) {
		r = emb_diags_add(diags, pkg.file, pkg.line, pkg.value_col,
				  "package '%s' makes too many rules (limit %d)", pkg.value,
				  EMB_POLICY_MAX_RULES);
		goto out;
	}
	for (i = 0; i < e->n_files; i++) {
		r = append_rule(policy, &pkg, pkg_index, EMB_MATCH_PATH, e->files[i].path);
		if (!r && first[i])
			r = append_rule(policy, &pkg, pkg_index, EMB_MATCH_SHA256,
					e->files[i].sha256);
		if (r)
			goto out;
	}
	r = 0;
out:
	free(by_sha);
	free(first);
	return r;
}

static void entry_free(struct emb_package_entry *e)
{
	for (size_t i = 0; i < e->n_lists; i++)
		free(e->lists[i]);
	free(e->lists);
	for (size_t i = 0; i < e->n_files; i++)
		free(e->files[i].path);
	free(e->files);
	*e = (struct emb_package_entry){ 0 };
}

void emb_package_report_free(struct emb_package_report *report)
{
	for (size_t i = 0; i < report->n; i++)
		entry_free(&report->v[i]);
	free(report->v);
	*report = (struct emb_package_report){ 0 };
}

int emb_policy_expand_packages(struct emb_policy *policy, const char *dpkg_admin_dir,
			       struct emb_package_report *report, struct emb_diags *diags)
{
	size_t n_written = policy->n_rules, n_diags = diags->n + diags->dropped;
	struct list_dir ld = { 0 };
	int r = 0;

	if (!dpkg_admin_dir)
		dpkg_admin_dir = EMB_DPKG_ADMIN_DEFAULT;
	for (size_t i = 0; i < n_written && r != -ENOMEM; i++) {
		const struct emb_rule *rule = &policy->rules[i];
		struct emb_package_entry e = { .rule = i, .name = rule->value };

		if (rule->matcher != EMB_MATCH_PACKAGE || rule->origin)
			continue;
		r = list_dir_read(&ld, dpkg_admin_dir);
		if (!r)
			r = gather_package(&e, rule, &ld, diags);
		if (!r)
			r = derive_rules(policy, i, &e, diags);
		if (report && r != -ENOMEM) {
			struct emb_package_entry *v =
				realloc(report->v, (report->n + 1) * sizeof(*v));

			if (v) {
				report->v = v;
				report->v[report->n++] = e;
				continue;
			}
			r = -ENOMEM;
		}
		entry_free(&e);
	}
	list_dir_free(&ld);
	if (r == -ENOMEM)
		return r;
	return diags->n + diags->dropped != n_diags ? -EINVAL : 0;
}
