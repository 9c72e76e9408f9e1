// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dpkg.h"
#include "explain.h"
#include "guard.h"

#define DELETED_SUFFIX " (deleted)"

/* Each with its own text, as the message names it. */
static const struct {
	const char *name;
	const char *what;
} package_managers[] = {
	{ "dpkg", EMB_GUARD_WHAT_PACKAGE_MANAGER "dpkg" },
	{ "apt", EMB_GUARD_WHAT_PACKAGE_MANAGER "apt" },
	{ "apt-get", EMB_GUARD_WHAT_PACKAGE_MANAGER "apt-get" },
	{ "rpm", EMB_GUARD_WHAT_PACKAGE_MANAGER "rpm" },
	{ "dnf", EMB_GUARD_WHAT_PACKAGE_MANAGER "dnf" },
	{ "yum", EMB_GUARD_WHAT_PACKAGE_MANAGER "yum" },
};

static const char *const bin_dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin" };

/* The programs a login goes through, on the console and over the network. */
static const char *const login_programs[] = { "login", "getty", "agetty", "sulogin", "sshd" };

static int files_add(struct emb_guard_files *files, const char *what, const char *package,
		     const char *path);

int emb_guard_files_add(struct emb_guard_files *files, const char *what, const char *path)
{
	return files_add(files, what, NULL, path);
}

int emb_guard_files_add_package(struct emb_guard_files *files, const char *package,
				const char *path)
{
	return files_add(files, EMB_GUARD_WHAT_ESSENTIAL_FILE, package, path);
}

static int files_add(struct emb_guard_files *files, const char *what, const char *package,
		     const char *path)
{
	char real[PATH_MAX];
	struct stat st;
	uint32_t dev;

	if (!realpath(path, real) || stat(real, &st) < 0)
		return -errno;
	dev = emb_kernel_dev(st.st_dev);
	for (size_t i = 0; i < files->n; i++)
		if (files->v[i].dev == dev && files->v[i].ino == st.st_ino)
			return 0;
	if (files->n == files->cap) {
		size_t cap = files->cap ? 2 * files->cap : 16;
		struct emb_guard_file *v = reallocarray(files->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		files->v = v;
		files->cap = cap;
	}
	files->v[files->n].what = what;
	snprintf(files->v[files->n].package, sizeof(files->v[files->n].package), "%s",
		 package ? package : "");
	strcpy(files->v[files->n].path, real);
	files->v[files->n].dev = dev;
	files->v[files->n].ino = st.st_ino;
	files->n++;
	return 0;
}

/* Adds PATH, leaving out what cannot be found or examined: only -ENOMEM is returned. */
static int add_if_there(struct emb_guard_files *files, const char *what, const char *path)
{
	int err = emb_guard_files_add(files, what, path);

	return err == -ENOMEM ? err : 0;
}

/* A name the kernel gives a file replaced since it was opened is NAME" (deleted)". */
static void strip_deleted(char *path)
{
	size_t len = strlen(path), suffix = strlen(DELETED_SUFFIX);

	if (len > suffix && !strcmp(path + len - suffix, DELETED_SUFFIX))
		path[len - suffix] = '\0';
}

/* The target of the magic link LINK ("/proc/1/exe") into BUF; false when it cannot be read. */
static bool read_exe_link(const char *link, char *buf, size_t size)
{
	ssize_t n = readlink(link, buf, size);

	if (n <= 0 || (size_t)n >= size)
		return false;
	buf[n] = '\0';
	strip_deleted(buf);
	return buf[0] == '/';
}

/* PT_INTERP of the ELF file open at FD into BUF; false when it has none (static, not ELF). */
static bool elf_interp(int fd, char *buf, size_t size)
{
	size_t n_phdrs = 0;
	bool found = false;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &n_phdrs) < 0)
		goto out;
	for (size_t i = 0; i < n_phdrs && !found; i++) {
		GElf_Phdr phdr;
		Elf_Data *data;

		if (!gelf_getphdr(elf, (int)i, &phdr) || phdr.p_type != PT_INTERP)
			continue;
		/* A NUL-terminated absolute path that fits. */
		if (phdr.p_filesz < 2 || phdr.p_filesz > size)
			break;
		data = elf_getdata_rawchunk(elf, (int64_t)phdr.p_offset, phdr.p_filesz, ELF_T_BYTE);
		if (!data || !data->d_buf || data->d_size != phdr.p_filesz)
			break;
		memcpy(buf, data->d_buf, phdr.p_filesz);
		buf[phdr.p_filesz - 1] = '\0';
		found = buf[0] == '/';
	}
out:
	elf_end(elf);
	return found;
}

/* The executable of /proc/PID ("1", "self") and its dynamic loader. */
static int collect_exe(struct emb_guard_files *files, const char *pid, const char *what)
{
	char link[64], path[PATH_MAX], interp[PATH_MAX];
	bool has_interp = false;
	int fd, err = 0;

	snprintf(link, sizeof(link), "/proc/%s/exe", pid);
	if (read_exe_link(link, path, sizeof(path)))
		err = add_if_there(files, what, path);
	/* Through the link itself: the program that runs, even when its name is gone. */
	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		has_interp = elf_interp(fd, interp, sizeof(interp));
		close(fd);
	}
	if (!err && has_interp)
		err = add_if_there(files, EMB_GUARD_WHAT_LOADER, interp);
	return err;
}

/* Whether NAME is the C library's file name: libc.so.6 (glibc 2.34 on), libc-2.31.so. */
static bool is_libc_name(const char *name)
{
	size_t len = strlen(name);

	if (!strncmp(name, "libc.so", 7))
		return true;
	return !strncmp(name, "libc-", 5) && len > 8 && name[5] >= '0' && name[5] <= '9' &&
	       !strcmp(name + len - 3, ".so");
}

/* The C library files mapped by /proc/PID. */
static int collect_libc(struct emb_guard_files *files, const char *pid)
{
	char maps[64], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int err = 0;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%s/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return 0;
	/* "START-END PERMS OFFSET DEV INODE   PATH" */
	while (!err && (len = getline(&line, &cap, f)) > 0) {
		char *path, *base;
		int at = -1;

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (sscanf(line, "%*s %*s %*s %*s %*s %n", &at) < 0 || at < 0 || line[at] != '/')
			continue;
		path = line + at;
		strip_deleted(path);
		base = strrchr(path, '/') + 1;
		if (is_libc_name(base))
			err = add_if_there(files, EMB_GUARD_WHAT_LIBC, path);
	}
	free(line);
	fclose(f);
	return err;
}

/* NAME in each of bin_dirs, as WHAT. */
static int add_in_bin_dirs(struct emb_guard_files *files, const char *what, const char *name)
{
	char path[PATH_MAX];
	int err = 0;

	for (size_t j = 0; !err && j < sizeof(bin_dirs) / sizeof(bin_dirs[0]); j++) {
		snprintf(path, sizeof(path), "%s/%s", bin_dirs[j], name);
		err = add_if_there(files, what, path);
	}
	return err;
}

/* PATH as WHAT, and the dynamic loader it names, when it exists. */
static int add_with_loader(struct emb_guard_files *files, const char *what, const char *path)
{
	char interp[PATH_MAX];
	bool has_interp = false;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	has_interp = elf_interp(fd, interp, sizeof(interp));
	close(fd);
	err = add_if_there(files, what, path);
	if (!err && has_interp)
		err = add_if_there(files, EMB_GUARD_WHAT_LOADER, interp);
	return err;
}

/*
 * embargod: this process when it is embargod, else the embargod installed beside it (embargo
 * check judges the policy for the embargod it comes with), and where packages install it.
 */
static int collect_embargod(struct emb_guard_files *files)
{
	char self[PATH_MAX], path[PATH_MAX + 16], *slash;
	int err = 0;

	if (read_exe_link("/proc/self/exe", self, sizeof(self))) {
		slash = strrchr(self, '/');
		if (!strcmp(slash + 1, "embargod")) {
			err = collect_exe(files, "self", EMB_GUARD_WHAT_SELF);
		} else {
			char interp[PATH_MAX];
			int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

			*slash = '\0';
			snprintf(path, sizeof(path), "%s/embargod", self);
			err = add_with_loader(files, EMB_GUARD_WHAT_SELF, path);
			/* This program's loader is embargod's too, wherever that is. */
			if (fd >= 0 && !err && elf_interp(fd, interp, sizeof(interp)))
				err = add_if_there(files, EMB_GUARD_WHAT_LOADER, interp);
			if (fd >= 0)
				close(fd);
		}
	}
	if (!err)
		err = add_with_loader(files, EMB_GUARD_WHAT_SELF, "/usr/sbin/embargod");
	if (!err)
		err = add_with_loader(files, EMB_GUARD_WHAT_SELF, "/usr/local/sbin/embargod");
	return err;
}

int emb_guard_collect(struct emb_guard_files *files)
{
	int err;

	err = collect_exe(files, "1", EMB_GUARD_WHAT_PID1);
	if (!err)
		err = add_if_there(files, EMB_GUARD_WHAT_INIT, "/sbin/init");
	if (!err)
		err = collect_embargod(files);
	if (!err)
		err = collect_libc(files, "self");
	if (!err)
		err = collect_libc(files, "1");
	if (!err)
		err = add_if_there(files, EMB_GUARD_WHAT_SHELL, "/bin/sh");
	for (size_t i = 0; !err && i < sizeof(login_programs) / sizeof(login_programs[0]); i++)
		err = add_in_bin_dirs(files, EMB_GUARD_WHAT_LOGIN, login_programs[i]);
	for (size_t i = 0; !err && i < sizeof(package_managers) / sizeof(package_managers[0]); i++)
		err = add_in_bin_dirs(files, package_managers[i].what, package_managers[i].name);
	return err;
}

/* Whether LISTED (a line of a dpkg file list) names a file right in a bin or sbin directory. */
static bool in_bin_dir(const char *listed)
{
	const char *slash = strrchr(listed, '/');

	if (!slash || slash == listed || !slash[1])
		return false;
	return (slash - listed >= 4 && !strncmp(slash - 4, "/bin", 4)) ||
	       (slash - listed >= 5 && !strncmp(slash - 5, "/sbin", 5));
}

/* The programs one list file names (ADMIN/info/LIST). 0 or -ENOMEM. */
static int collect_list(struct emb_guard_files *files, const char *info, const char *list,
			const char *package)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct stat st;
	int err = 0;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", info, list) >= (int)sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!err && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (line[0] != '/' || !in_bin_dir(line) || stat(line, &st) < 0 ||
		    !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
			continue;
		err = files_add(files, EMB_GUARD_WHAT_ESSENTIAL_FILE, package, line);
		if (err != -ENOMEM)
			err = 0;
	}
	free(line);
	fclose(f);
	return err;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int emb_guard_collect_essential(struct emb_guard_files *files, const char *admin_dir,
				const struct emb_dpkg_owners *essential)
{
	char info[PATH_MAX], **lists = NULL;
	const char **owner = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int err = 0;
	DIR *dir;

	if (!essential->n)
		return 0;
	if (snprintf(info, sizeof(info), "%s/info", admin_dir) >= (int)sizeof(info) - NAME_MAX - 2)
		return 0;
	dir = opendir(info);
	if (!dir)
		return 0;
	/* NAME.list, or NAME:ARCH.list for a Multi-Arch: same package; in name order. */
	while (!err && (de = readdir(dir))) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".list"))
			continue;
		for (size_t i = 0; i < essential->n; i++) {
			const char *name = essential->names[i];
			size_t nlen = strlen(name);

			if (nlen > len - 5 || strncmp(de->d_name, name, nlen) ||
			    (de->d_name[nlen] != ':' && nlen != len - 5))
				continue;
			if (n == cap) {
				char **v = reallocarray(lists, cap ? 2 * cap : 32, sizeof(*v));

				if (!v) {
					err = -ENOMEM;
					break;
				}
				lists = v;
				cap = cap ? 2 * cap : 32;
			}
			lists[n] = strdup(de->d_name);
			if (!lists[n])
				err = -ENOMEM;
			else
				n++;
			break;
		}
	}
	closedir(dir);
	if (!err && n) {
		qsort(lists, n, sizeof(*lists), name_cmp);
		owner = calloc(n, sizeof(*owner));
		if (!owner)
			err = -ENOMEM;
	}
	for (size_t k = 0; !err && k < n; k++) {
		/* The package a list belongs to: its name up to ':' or ".list". */
		for (size_t i = 0; i < essential->n; i++) {
			size_t len = strlen(essential->names[i]);

			if (!strncmp(lists[k], essential->names[i], len) &&
			    (lists[k][len] == ':' || !strcmp(lists[k] + len, ".list")))
				owner[k] = essential->names[i];
		}
		if (owner[k])
			err = collect_list(files, info, lists[k], owner[k]);
	}
	for (size_t k = 0; k < n; k++)
		free(lists[k]);
	free(lists);
	free(owner);
	return err;
}

int emb_guard_check_packages(const struct emb_policy *policy, enum emb_mode mode,
			     const struct emb_dpkg_owners *essential,
			     struct emb_guard_violations *out)
{
	if (mode == EMB_MODE_AUDIT)
		return 0;
	for (size_t i = 0; i < policy->n_rules; i++) {
		const struct emb_rule *r = &policy->rules[i];
		struct emb_guard_violation *v;
		size_t len;

		if (r->origin || r->matcher != EMB_MATCH_PACKAGE || r->verdict != EMB_RULE_DENY ||
		    !emb_dpkg_is_essential(essential, r->value))
			continue;
		if (out->n == out->cap) {
			size_t cap = out->cap ? 2 * out->cap : 8;
			struct emb_guard_violation *nv = reallocarray(out->v, cap, sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			out->v = nv;
			out->cap = cap;
		}
		v = &out->v[out->n++];
		memset(v, 0, sizeof(*v));
		v->what = EMB_GUARD_WHAT_ESSENTIAL;
		len = strcspn(r->value, ":");
		snprintf(v->path, sizeof(v->path), "%.*s", (int)len, r->value);
		v->op = r->op;
		v->rule = v->written = r;
	}
	return 0;
}

void emb_guard_cache_free(struct emb_guard_cache *cache)
{
	if (cache->essential) {
		emb_dpkg_owners_free(cache->essential);
		free(cache->essential);
	}
	emb_guard_files_free(&cache->essential_files);
	*cache = (struct emb_guard_cache){ 0 };
}

/* The Essential packages and their programs, read again unless CACHE still holds them. */
static int essential_cached(struct emb_guard_cache *cache, const char *admin_dir)
{
	char status[PATH_MAX + 8];
	struct stat st = { 0 };
	int64_t mtime_ns;
	int err;

	snprintf(status, sizeof(status), "%s/status", admin_dir);
	if (stat(status, &st) < 0 && errno != ENOENT)
		return -errno;
	mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (cache->valid && !strcmp(cache->admin_dir, admin_dir) && cache->dev == st.st_dev &&
	    cache->ino == st.st_ino && cache->size == (uint64_t)st.st_size &&
	    cache->mtime_ns == mtime_ns)
		return 0;
	emb_guard_cache_free(cache);
	cache->essential = calloc(1, sizeof(*cache->essential));
	if (!cache->essential)
		return -ENOMEM;
	err = emb_dpkg_essential(admin_dir, cache->essential);
	if (!err)
		err = emb_guard_collect_essential(&cache->essential_files, admin_dir,
						  cache->essential);
	if (err) {
		emb_guard_cache_free(cache);
		return err;
	}
	snprintf(cache->admin_dir, sizeof(cache->admin_dir), "%s", admin_dir);
	cache->dev = st.st_dev;
	cache->ino = st.st_ino;
	cache->size = (uint64_t)st.st_size;
	cache->mtime_ns = mtime_ns;
	cache->valid = true;
	return 0;
}

int emb_guard_policy(const struct emb_policy *policy, enum emb_mode mode,
		     const struct emb_resolved *resolved, const char *admin_dir,
		     struct emb_guard_violations *out)
{
	struct emb_guard_cache cache = { 0 };
	int err = emb_guard_policy_cached(policy, mode, resolved, admin_dir, &cache, out);

	emb_guard_cache_free(&cache);
	return err;
}

int emb_guard_policy_cached(const struct emb_policy *policy, enum emb_mode mode,
			    const struct emb_resolved *resolved, const char *admin_dir,
			    struct emb_guard_cache *cache, struct emb_guard_violations *out)
{
	struct emb_guard_violations found = { 0 };
	struct emb_guard_files files = { 0 };
	size_t n = out->n;
	int err;

	if (!admin_dir)
		admin_dir = EMB_DPKG_ADMIN_DEFAULT;
	err = emb_guard_collect(&files);
	if (!err)
		err = essential_cached(cache, admin_dir);
	/* The critical files first: a program of both is named as the boot's (/bin/sh). */
	for (size_t i = 0; !err && i < cache->essential_files.n; i++) {
		const struct emb_guard_file *f = &cache->essential_files.v[i];

		err = files_add(&files, f->what, f->package, f->path);
		if (err != -ENOMEM)
			err = 0;
	}
	if (!err)
		err = emb_guard_check_packages(policy, mode, cache->essential, &found);
	if (!err)
		err = emb_guard_check(policy, resolved, &files, &found);
	for (size_t i = 0; !err && i < found.n; i++) {
		const struct emb_guard_violation *v = &found.v[i];
		bool said = false;

		/* A file of an Essential package its package= rule denies: the package says it. */
		for (size_t k = 0; k < found.n && strcmp(v->what, EMB_GUARD_WHAT_ESSENTIAL); k++)
			said |= !strcmp(found.v[k].what, EMB_GUARD_WHAT_ESSENTIAL) &&
				found.v[k].written == v->written;
		/* One program a rule and Essential package is enough (dir=/usr/bin: not hundreds). */
		for (size_t k = out->n; k < n && !strcmp(v->what, EMB_GUARD_WHAT_ESSENTIAL_FILE);
		     k++)
			said |= !strcmp(out->v[k].what, v->what) &&
				out->v[k].written == v->written && out->v[k].op == v->op &&
				!strcmp(out->v[k].package, v->package);
		if (said)
			continue;
		if (n == out->cap) {
			size_t cap = out->cap ? 2 * out->cap : 8;
			struct emb_guard_violation *nv = reallocarray(out->v, cap, sizeof(*nv));

			if (!nv) {
				err = -ENOMEM;
				break;
			}
			out->v = nv;
			out->cap = cap;
		}
		out->v[n++] = *v;
	}
	if (!err)
		out->n = n;
	emb_guard_violations_free(&found);
	emb_guard_files_free(&files);
	return err;
}

/* How an open of a file is decided: as emb_decide() in bpf/exec.bpf.c does with op open. */
struct open_decision {
	bool matched;
	bool too_deep;
	enum emb_rule_verdict verdict;
	const struct emb_entry *entry;
	char matched_path[PATH_MAX];
};

static const struct emb_entry *find_open(const struct emb_resolved *r, const char *path, int *err)
{
	struct emb_rule_key key = { .kind = EMB_KEY_INODE, .op = EMB_OP_OPEN };
	struct stat st;

	if (stat(path, &st) < 0) {
		*err = -errno;
		return NULL;
	}
	key.dev = emb_kernel_dev(st.st_dev);
	key.ino = st.st_ino;
	return emb_resolved_find_key(r, &key);
}

/* The file's inode, then (with dir= open rules) each directory above it, nearest first. */
static int decide_open(const struct emb_resolved *r, const char *path, struct open_decision *d)
{
	const struct emb_entry *e;
	char dir[PATH_MAX];
	int err = 0;

	memset(d, 0, sizeof(*d));
	d->verdict = EMB_RULE_ALLOW;
	if (!(r->meta_flags & EMB_META_OPEN))
		return 0;
	if (!realpath(path, dir))
		return -errno;
	e = find_open(r, dir, &err);
	if (err)
		return err;
	if (!e && !(r->meta_flags & EMB_META_DIRS_OPEN))
		return 0;
	for (size_t depth = 1; !e && strcmp(dir, "/"); depth++) {
		char *slash = strrchr(dir, '/');

		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		e = find_open(r, dir, &err);
		if (err)
			return err;
		if (!e && depth >= EMB_WALK_MAX) {
			d->matched = d->too_deep = true;
			d->verdict = EMB_RULE_DENY;
			return 0;
		}
	}
	if (e) {
		d->matched = true;
		d->verdict = (enum emb_rule_verdict)e->value.verdict;
		d->entry = e;
		strcpy(d->matched_path, dir);
	}
	return 0;
}

/* Appends a violation by RULE_ID (or too deep, without a rule); -EINVAL for a bad rule id. */
static int add_violation(struct emb_guard_violations *out, size_t *n, const struct emb_policy *p,
			 const struct emb_guard_file *file, enum emb_rule_op op,
			 const struct emb_entry *entry, const char *matched_path)
{
	struct emb_guard_violation *v;

	if (*n == out->cap) {
		size_t cap = out->cap ? 2 * out->cap : 8;
		struct emb_guard_violation *nv = reallocarray(out->v, cap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		out->v = nv;
		out->cap = cap;
	}
	v = &out->v[*n];
	memset(v, 0, sizeof(*v));
	v->what = file->what;
	memcpy(v->package, file->package, sizeof(v->package));
	strcpy(v->path, file->path);
	v->op = op;
	if (entry) {
		if (entry->value.rule_id >= p->n_rules)
			return -EINVAL;
		v->rule = &p->rules[entry->value.rule_id];
		v->written = v->rule;
		if (v->rule->origin && v->rule->origin <= p->n_rules)
			v->written = &p->rules[v->rule->origin - 1];
		snprintf(v->matched_path, sizeof(v->matched_path), "%s", matched_path);
	} else {
		v->too_deep = true;
	}
	(*n)++;
	return 0;
}

int emb_guard_check(const struct emb_policy *policy, const struct emb_resolved *resolved,
		    const struct emb_guard_files *files, struct emb_guard_violations *out)
{
	struct emb_explanation *x;
	struct open_decision *d;
	size_t n = out->n;
	int err = 0;

	x = malloc(sizeof(*x));
	d = malloc(sizeof(*d));
	if (!x || !d) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; !err && i < files->n; i++) {
		const struct emb_guard_file *file = &files->v[i];

		err = emb_explain(policy, resolved, file->path, x);
		if (err == -ENOENT || err == -ENOTDIR) {
			err = 0; /* gone since it was collected: nothing to brick */
			continue;
		}
		if (!err && x->matched && x->verdict == EMB_RULE_DENY)
			err = add_violation(out, &n, policy, file, EMB_OP_EXEC,
					    x->too_deep ? NULL : x->entry, x->matched_path);
		if (!err)
			err = decide_open(resolved, file->path, d);
		if (err == -ENOENT || err == -ENOTDIR) {
			err = 0;
			continue;
		}
		if (!err && d->matched && d->verdict == EMB_RULE_DENY)
			err = add_violation(out, &n, policy, file, EMB_OP_OPEN, d->entry,
					    d->matched_path);
	}
	/* All or nothing: what this call appended counts only when every file was checked. */
	if (!err)
		out->n = n;
out:
	free(x);
	free(d);
	return err;
}

/* snprintf()-like appending: LEN counts what would have been written. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_putc(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_puts(struct out *o, const char *s)
{
	while (*s)
		out_putc(o, *s++);
}

/* VALUE as a policy would write it: quoted (with \" and \\) when a bare value cannot hold it. */
static void out_value(struct out *o, const char *value)
{
	if (*value && !strpbrk(value, " \t\"#")) {
		out_puts(o, value);
		return;
	}
	out_putc(o, '"');
	for (const char *c = value; *c; c++) {
		if (*c == '"' || *c == '\\')
			out_putc(o, '\\');
		out_putc(o, *c);
	}
	out_putc(o, '"');
}

int emb_guard_format(const struct emb_guard_violation *v, char *buf, size_t size)
{
	const struct emb_rule *r = v->written ? v->written : v->rule;
	struct out o = { .buf = buf, .size = size };
	char line[32];

	if (r) {
		out_puts(&o, r->file);
		snprintf(line, sizeof(line), ":%u: '", r->line);
		out_puts(&o, line);
		out_puts(&o, emb_verdict_name(r->verdict));
		out_putc(&o, ' ');
		out_puts(&o, emb_op_name(r->op));
		out_putc(&o, ' ');
		out_puts(&o, emb_matcher_name(r->matcher));
		out_putc(&o, '=');
		out_value(&o, r->value);
		out_puts(&o, "' would deny ");
		out_puts(&o, v->what);
		out_putc(&o, ' ');
		if (v->package[0]) {
			out_puts(&o, v->package);
			out_putc(&o, ' ');
		}
		out_puts(&o, v->path);
	} else {
		out_puts(&o, v->what);
		out_putc(&o, ' ');
		out_puts(&o, v->path);
		snprintf(line, sizeof(line), "%d", EMB_WALK_MAX);
		out_puts(&o, " lies deeper than ");
		out_puts(&o, line);
		out_puts(&o, " directories: the policy's dir= rules would deny it");
	}
	out_puts(&o, " (refused; --force overrides)");
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

void emb_guard_files_free(struct emb_guard_files *files)
{
	free(files->v);
	*files = (struct emb_guard_files){ 0 };
}

void emb_guard_violations_free(struct emb_guard_violations *violations)
{
	free(violations->v);
	*violations = (struct emb_guard_violations){ 0 };
}
