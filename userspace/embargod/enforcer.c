// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforcer.h"
#include "ownership.h"
#include "event_log.h"
#include "exec.skel.h"
#include "lsm.h"
#include "resolve.h"

/* The first thing libbpf found wrong, so a failed load can say why. */
static char libbpf_first[256];

bool enforcer_verbose;

static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n;

	if (enforcer_verbose) {
		va_list copy;

		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level != LIBBPF_WARN || libbpf_first[0])
		return 0;
	vsnprintf(libbpf_first, sizeof(libbpf_first), fmt, ap);
	n = strlen(libbpf_first);
	while (n && libbpf_first[n - 1] == '\n')
		libbpf_first[--n] = 0;
	return 0;
}

/* BPF LSM programs load on kernels that do not run the bpf LSM, and then never run: check. */
/* Whether the kernel runs the BPF LSM; when not, WHY. The list read is kept in LIST. */
static bool bpf_lsm_active(char *list, size_t listlen, char *why, size_t whylen)
{
	ssize_t n;
	int fd;

	list[0] = 0;
	fd = open(EMB_LSM_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT &&
	    mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) == 0)
		fd = open(EMB_LSM_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot read %s: %s", EMB_LSM_FILE, strerror(errno));
		return false;
	}
	n = read(fd, list, listlen - 1);
	close(fd);
	list[n > 0 ? n : 0] = 0;
	if (emb_lsm_list_has_bpf(list))
		return true;
	emb_lsm_reason_absent(list, why, whylen);
	return false;
}

/* Why the kernel refused the lsm programs (R) although it lists bpf: said without libbpf. */
static void lsm_refused(const char *list, int r, char *why, size_t whylen)
{
	char lockdown[128] = "";
	int fd = open(EMB_LOCKDOWN_FILE, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, lockdown, sizeof(lockdown) - 1);

		lockdown[n > 0 ? n : 0] = 0;
		close(fd);
	}
	emb_lsm_reason_refused(list, -r, lockdown[0] ? lockdown : NULL, why, whylen);
}

/* PIN_DIR/KIND_NAME into BUF. */
static int pin_path(const struct enforcer *enf, const char *kind, const char *name,
		    const char *suffix, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/%s_%s%s", enf->pin_dir, kind, name, suffix) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC;
}

/* Names embargod pins (pin_path()): nothing else in the pin directory is its own. */
static bool pin_name_ours(const char *name)
{
	return !strncmp(name, "link_", 5) || !strncmp(name, "map_", 4) ||
	       !strncmp(name, "new_link_", 9);
}

/*
 * Claims DIR for ENF: a directory holding nothing but embargod's pins (pins are removed and
 * replaced there), locked so that one embargod at a time pins in it. bpffs holds no regular
 * file to lock, but a lock on the directory itself works there.
 */
static int pin_dir_claim(struct enforcer *enf, const char *dir, char *err, size_t errlen)
{
	struct dirent *de;
	pid_t holder = 0;
	DIR *dp;
	int fd, r = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "--pin-dir %s: %s", dir,
			 r == -ELOOP ? "a symbolic link: give the directory" : strerror(-r));
		return r;
	}
	dp = fdopendir(dup(fd));
	if (!dp) {
		r = -errno;
		snprintf(err, errlen, "--pin-dir %s: %s", dir, strerror(-r));
		close(fd);
		return r;
	}
	while (!r && (de = readdir(dp))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    !pin_name_ours(de->d_name)) {
			snprintf(err, errlen,
				 "--pin-dir %s: refusing to pin there: it holds %s, which embargod "
				 "did not pin",
				 dir, de->d_name);
			r = -EEXIST;
		}
	}
	closedir(dp);
	if (!r) {
		r = emb_lock_take(fd, &holder);
		if (r == -EWOULDBLOCK && holder > 0)
			snprintf(err, errlen,
				 "--pin-dir %s: in use by another embargod (pid %d): one at a time",
				 dir, (int)holder);
		else if (r == -EWOULDBLOCK)
			snprintf(err, errlen, "--pin-dir %s: in use by another embargod", dir);
		else if (r)
			snprintf(err, errlen, "--pin-dir %s: cannot lock it: %s", dir,
				 strerror(-r));
	}
	if (r) {
		close(fd);
		return r;
	}
	enf->pin_lock_fd = fd;
	return 0;
}

/* Makes DIR, on a bpf file system (mounting the usual one when nothing is mounted there). */
static int pin_dir_ready(const char *dir, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	char *slash;

	if (dir[0] != '/' || strlen(dir) >= sizeof(parent)) {
		snprintf(err, errlen, "--pin-dir %s: not an absolute path", dir);
		return -EINVAL;
	}
	strcpy(parent, dir);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = 0;
	else
		*slash = 0;
	if (!on_bpffs(parent) && !strcmp(parent, "/sys/fs/bpf"))
		mount("bpf", parent, "bpf", 0, "mode=0700");
	if (!on_bpffs(parent)) {
		snprintf(err, errlen, "%s is not on a bpf file system (mount -t bpf bpf %s)", dir,
			 parent);
		return -ENOTSUP;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int r = -errno;

		snprintf(err, errlen, "cannot make %s: %s", dir, strerror(-r));
		return r;
	}
	return 0;
}

static bool pinned_map(const struct bpf_map *map)
{
	return bpf_map__autocreate(map) && !bpf_map__is_internal(map);
}

/*
 * Maps an earlier embargod pinned are shared when they are the same kind of map: its programs
 * and these then read one policy, fill one ring buffer, count in one place. REUSED[i] says
 * which (in the object's map order).
 */
static void reuse_pinned_maps(struct enforcer *enf, struct exec_bpf *skel, bool *reused, size_t max)
{
	struct bpf_map *map;
	size_t i = 0;

	bpf_object__for_each_map(map, skel->obj)
	{
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		int fd;

		if (i >= max)
			break;
		reused[i] = false;
		if (pinned_map(map) &&
		    !pin_path(enf, "map", bpf_map__name(map), "", path, sizeof(path)) &&
		    (fd = bpf_obj_get(path)) >= 0) {
			if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
			    info.type == bpf_map__type(map) &&
			    info.key_size == bpf_map__key_size(map) &&
			    info.value_size == bpf_map__value_size(map) &&
			    info.max_entries == bpf_map__max_entries(map) &&
			    info.map_flags == bpf_map__map_flags(map) &&
			    !bpf_map__reuse_fd(map, fd))
				reused[i] = true;
			close(fd);
		}
		i++;
	}
}

/* Pins the maps not shared with an earlier embargod, in place of any stale pin. */
static int pin_maps(struct enforcer *enf, const bool *reused, size_t max)
{
	struct bpf_map *map;
	size_t i = 0;
	int r;

	enf->n_maps_reused = 0;
	bpf_object__for_each_map(map, enf->skel->obj)
	{
		char path[PATH_MAX];

		if (i >= max)
			break;
		if (reused[i++]) {
			enf->n_maps_reused++;
			continue;
		}
		if (!pinned_map(map))
			continue;
		r = pin_path(enf, "map", bpf_map__name(map), "", path, sizeof(path));
		if (r)
			return r;
		unlink(path);
		r = bpf_map__pin(map, path);
		if (r)
			return r;
	}
	return 0;
}

#define MAX_MAPS 32

static int load_tier(struct enforcer *enf, enum emb_tier tier, char *err, size_t errlen)
{
	bool reused[MAX_MAPS] = { false };
	struct bpf_program *prog;
	struct exec_bpf *skel;
	int r;

	libbpf_first[0] = 0;
	skel = exec_bpf__open();
	if (!skel) {
		r = -errno;
		snprintf(err, errlen, "cannot open BPF object: %s", strerror(-r));
		return r;
	}
	/* Each tier is the programs of its section kind. */
	bpf_object__for_each_program(prog, skel->obj)
	{
		const char *sec = bpf_program__section_name(prog);
		bool lsm = !strncmp(sec, "lsm", 3);

		/* The task iterator serves both tiers; it runs on demand, never attached. */
		bpf_program__set_autoload(prog, !strncmp(sec, "iter/", 5) ||
							lsm == (tier == EMB_TIER_LSM));
	}
	/* Inode storage serves the lsm tier's hash cache only. */
	if (tier != EMB_TIER_LSM)
		bpf_map__set_autocreate(skel->maps.digests, false);
	if (enf->pin_dir[0])
		reuse_pinned_maps(enf, skel, reused, MAX_MAPS);
	r = exec_bpf__load(skel);
	if (r) {
		snprintf(err, errlen, "cannot load the %s programs: %s%s%s%s", emb_tier_name(tier),
			 strerror(-r), libbpf_first[0] ? " (" : "", libbpf_first,
			 libbpf_first[0] ? ")" : "");
		exec_bpf__destroy(skel);
		return r;
	}
	enf->skel = skel;
	enf->tier = tier;
	if (enf->pin_dir[0]) {
		r = pin_maps(enf, reused, MAX_MAPS);
		if (r) {
			snprintf(err, errlen, "cannot pin the maps in %s: %s", enf->pin_dir,
				 strerror(-r));
			exec_bpf__destroy(skel);
			enf->skel = NULL;
			return r;
		}
	}
	return 0;
}

int enforcer_load(struct enforcer *enf, enum tier_choice choice, const char *pin_dir, char *err,
		  size_t errlen)
{
	char path[PATH_MAX];
	int r;

	enf->skel = NULL;
	enf->n_links = 0;
	enf->tier = EMB_TIER_NONE;
	enf->rules_fd = -1;
	enf->n_entries = 0;
	enf->lsm_reason[0] = 0;
	enf->pin_dir[0] = 0;
	enf->adopted = false;
	enf->n_maps_reused = enf->n_links_replaced = 0;
	enf->guarding = false;
	libbpf_set_print(libbpf_capture);

	if (pin_dir) {
		if (strlen(pin_dir) >= sizeof(enf->pin_dir)) {
			snprintf(err, errlen, "--pin-dir %s: %s", pin_dir, strerror(ENAMETOOLONG));
			return -ENAMETOOLONG;
		}
		r = pin_dir_ready(pin_dir, err, errlen);
		if (!r && enf->pin_lock_fd < 0)
			r = pin_dir_claim(enf, pin_dir, err, errlen);
		if (r)
			return r;
		strcpy(enf->pin_dir, pin_dir);
		pin_path(enf, "map", "policy", "", path, sizeof(path));
		enf->adopted = access(path, F_OK) == 0;
		/* The inode storage map exists in the lsm tier only: the earlier one's tier. */
		pin_path(enf, "map", "digests", "", path, sizeof(path));
		if (enf->adopted && choice == TIER_AUTO && access(path, F_OK) != 0) {
			snprintf(enf->lsm_reason, sizeof(enf->lsm_reason),
				 "the pinned programs in %s are of the tracepoint tier", pin_dir);
			choice = TIER_TRACEPOINT;
		}
	}

	if (choice == TIER_TRACEPOINT) {
		if (!enf->lsm_reason[0])
			snprintf(enf->lsm_reason, sizeof(enf->lsm_reason),
				 "not requested (--tier tracepoint)");
	} else {
		char list[512];

		if (bpf_lsm_active(list, sizeof(list), enf->lsm_reason, sizeof(enf->lsm_reason))) {
			r = load_tier(enf, EMB_TIER_LSM, enf->lsm_reason, sizeof(enf->lsm_reason));
			if (!r)
				return 0;
			/* libbpf's own words are for --verbose; the reason says what the kernel did. */
			lsm_refused(list, r, enf->lsm_reason, sizeof(enf->lsm_reason));
		} else {
			r = -EOPNOTSUPP;
		}
		if (choice == TIER_LSM) {
			snprintf(err, errlen, "lsm tier unavailable: %s", enf->lsm_reason);
			return r;
		}
	}
	return load_tier(enf, EMB_TIER_TRACEPOINT, err, errlen);
}

static int guard_map(struct enforcer *enf, int fd, bool add);

int enforcer_install(struct enforcer *enf, const struct emb_resolved *r, uint32_t generation)
{
	struct emb_rule_key meta_key = { .kind = EMB_KEY_META };
	struct emb_rule_value meta = { .generation = generation };
	struct emb_hash_config hc = { 0 }, old_hc = { 0 };
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	__u32 zero = 0, count;
	int fd, err;
	size_t i;

	if (r->n_entries >= UINT32_MAX)
		return -E2BIG;
	meta.rule_id = (__u32)r->n_entries;
	meta.is_dir = r->has_dirs;
	meta.flags = (__u8)r->meta_flags;
	hc.flags = r->meta_flags & (EMB_META_SHA256_EXEC | EMB_META_SHA256_OPEN);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "emb_rules", sizeof(struct emb_rule_key),
			    sizeof(struct emb_rule_value), (__u32)r->n_entries + 1, &opts);
	if (fd < 0)
		return -errno;
	if (r->n_entries) {
		struct emb_rule_key *keys = calloc(r->n_entries, sizeof(*keys));
		struct emb_rule_value *values = calloc(r->n_entries, sizeof(*values));

		err = keys && values ? 0 : -ENOMEM;
		for (i = 0; !err && i < r->n_entries; i++) {
			keys[i] = r->entries[i].key;
			values[i] = r->entries[i].value;
		}
		count = (__u32)r->n_entries;
		if (!err && bpf_map_update_batch(fd, keys, values, &count, NULL) < 0)
			err = -errno;
		/* Kernels without batch updates for hash maps: one at a time. */
		for (i = 0; err == -EINVAL && i < r->n_entries; i++)
			err = bpf_map_update_elem(fd, &keys[i], &values[i], BPF_NOEXIST) < 0
				      ? -errno
				      : 0;
		free(keys);
		free(values);
		if (err)
			goto fail;
	}
	if (bpf_map_update_elem(fd, &meta_key, &meta, BPF_NOEXIST) < 0) {
		err = -errno;
		goto fail;
	}
	/*
	 * The hashing programs (lsm tier) learn from hash_config whether any sha256= rule needs
	 * a hash. Rules that need more hashing: tell them before the swap; less: after it. So
	 * the map in force never lacks a hash it needs.
	 */
	bpf_map_lookup_elem(bpf_map__fd(enf->skel->maps.hash_config), &zero, &old_hc);
	old_hc.flags |= hc.flags;
	if (bpf_map_update_elem(bpf_map__fd(enf->skel->maps.hash_config), &zero, &old_hc, BPF_ANY) <
	    0) {
		err = -errno;
		goto fail;
	}
	/* The swap: readers see the old map or the new one, never a mix. */
	if (bpf_map_update_elem(bpf_map__fd(enf->skel->maps.policy), &zero, &fd, BPF_ANY) < 0) {
		err = -errno;
		goto fail;
	}
	bpf_map_update_elem(bpf_map__fd(enf->skel->maps.hash_config), &zero, &hc, BPF_ANY);
	if (enf->guarding) {
		guard_map(enf, fd, true);
		if (enf->rules_fd >= 0)
			guard_map(enf, enf->rules_fd, false);
	}
	if (enf->rules_fd >= 0)
		close(enf->rules_fd);
	enf->rules_fd = fd;
	enf->n_entries = r->n_entries;
	return 0;
fail:
	close(fd);
	return err;
}

/*
 * Pins LINK as link_NAME, replacing (and so detaching) an earlier embargod's link of the same
 * program only once this one is attached: rename() puts it in place in one step.
 */
static int pin_link(struct enforcer *enf, struct bpf_link *link, const char *name)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int r;

	/* bpffs refuses names with a dot. */
	r = pin_path(enf, "new_link", name, "", tmp, sizeof(tmp));
	if (!r)
		r = pin_path(enf, "link", name, "", path, sizeof(path));
	if (r)
		return r;
	unlink(tmp);
	r = bpf_link__pin(link, tmp);
	if (r)
		return r;
	if (access(path, F_OK) == 0)
		enf->n_links_replaced++;
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

/* Unpins what an earlier embargod pinned and this one does not have (another tier's). */
static int unpin_others(struct enforcer *enf)
{
	struct dirent *de;
	int r = 0;
	DIR *dir;

	dir = opendir(enf->pin_dir);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		bool ours = false;
		const char *name = de->d_name;

		if (!strncmp(name, "new_link_", 9)) {
			ours = false; /* a leftover of an interrupted start */
		} else if (!strncmp(name, "link_", 5)) {
			const struct bpf_program *p =
				bpf_object__find_program_by_name(enf->skel->obj, name + 5);

			ours = p && bpf_program__autoload(p);
			if (!ours)
				enf->n_links_replaced++;
		} else if (!strncmp(name, "map_", 4)) {
			const struct bpf_map *m =
				bpf_object__find_map_by_name(enf->skel->obj, name + 4);

			ours = m && pinned_map(m);
		} else {
			continue;
		}
		if (!ours && unlinkat(dirfd(dir), name, 0) < 0 && errno != ENOENT && !r)
			r = -errno;
	}
	closedir(dir);
	return r;
}

static bool sleepable(const struct bpf_program *prog)
{
	return !strncmp(bpf_program__section_name(prog), "lsm.s/", 6);
}

int enforcer_attach(struct enforcer *enf)
{
	struct bpf_program *prog;
	size_t n = 0;

	/*
	 * The kernel runs the programs of one hook newest first. The sleepable ones only hash the
	 * file for the deciding ones, so they are attached last, to run first.
	 */
	for (int pass = 0; pass < 2; pass++) {
		bpf_object__for_each_program(prog, enf->skel->obj)
		{
			struct bpf_link *link;

			if (!bpf_program__autoload(prog) || sleepable(prog) != (pass == 1) ||
			    !strncmp(bpf_program__section_name(prog), "iter/", 5))
				continue;
			if (n == sizeof(enf->links) / sizeof(enf->links[0]))
				return -E2BIG;
			link = bpf_program__attach(prog);
			if (!link)
				return -errno;
			enf->links[n++] = link;
			enf->n_links = n;
			if (enf->pin_dir[0]) {
				int r = pin_link(enf, link, bpf_program__name(prog));

				if (r)
					return r;
			}
		}
	}
	enf->n_links = n;
	return enf->pin_dir[0] ? unpin_others(enf) : 0;
}

static int map_id_of(int fd, __u32 *id)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	*id = info.id;
	return 0;
}

static int guard_map(struct enforcer *enf, int fd, bool add)
{
	__u8 one = 1;
	__u32 id;
	int r = map_id_of(fd, &id);

	if (r)
		return r;
	if (!add)
		return bpf_map_delete_elem(bpf_map__fd(enf->skel->maps.guarded_maps), &id) < 0
			       ? -errno
			       : 0;
	return bpf_map_update_elem(bpf_map__fd(enf->skel->maps.guarded_maps), &id, &one, BPF_ANY) <
			       0
		       ? -errno
		       : 0;
}

int enforcer_guard_file(struct enforcer *enf, const char *path)
{
	struct emb_inode_key k = { 0 };
	struct stat st;
	__u8 one = 1;

	if (!enf->guarding)
		return 0;
	if (stat(path, &st) < 0)
		return -errno;
	k.ino = st.st_ino;
	k.dev = emb_kernel_dev(st.st_dev);
	return bpf_map_update_elem(bpf_map__fd(enf->skel->maps.guarded), &k, &one, BPF_ANY) < 0
		       ? -errno
		       : 0;
}

int enforcer_guard_enable(struct enforcer *enf)
{
	struct emb_guard_config c = { .enabled = 1 };
	struct bpf_map *map;
	struct stat st;
	__u32 zero = 0;
	int r;

	if (enf->tier != EMB_TIER_LSM)
		return -EOPNOTSUPP;
	if (stat("/proc/self/exe", &st) < 0)
		return -errno;
	c.exe_ino = st.st_ino;
	c.exe_dev = emb_kernel_dev(st.st_dev);
	if (enf->pin_dir[0] && stat(enf->pin_dir, &st) == 0) {
		c.pin_ino = st.st_ino;
		c.pin_dev = emb_kernel_dev(st.st_dev);
	}
	bpf_object__for_each_map(map, enf->skel->obj)
	{
		if (bpf_map__fd(map) < 0)
			continue;
		r = guard_map(enf, bpf_map__fd(map), true);
		if (r)
			return r;
	}
	if (enf->rules_fd >= 0 && (r = guard_map(enf, enf->rules_fd, true)))
		return r;
	enf->guarding = true;
	if (bpf_map_update_elem(bpf_map__fd(enf->skel->maps.guard_config), &zero, &c, BPF_ANY) < 0)
		return -errno;
	return 0;
}

uint32_t enforcer_generation_in_force(struct enforcer *enf)
{
	struct emb_rule_key meta_key = { .kind = EMB_KEY_META };
	struct emb_rule_value meta = { 0 };
	__u32 zero = 0, inner_id = 0;
	int fd;

	if (bpf_map_lookup_elem(bpf_map__fd(enf->skel->maps.policy), &zero, &inner_id) < 0)
		return 0;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &meta_key, &meta) < 0)
		meta.generation = 0;
	close(fd);
	return meta.generation;
}

int enforcer_unpin(struct enforcer *enf)
{
	struct dirent *de;
	int r = 0;
	DIR *dir;

	if (!enf->pin_dir[0])
		return 0;
	dir = opendir(enf->pin_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		/* Only its own pins: whatever else is there stays (and so does the directory). */
		if (!pin_name_ours(de->d_name))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) < 0 && errno != ENOENT && !r)
			r = -errno;
	}
	closedir(dir);
	if (rmdir(enf->pin_dir) < 0 && errno != ENOENT && errno != ENOTEMPTY && !r)
		r = -errno;
	return r;
}

int enforcer_counters(struct enforcer *enf, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(enf->skel->maps.counters);
	uint64_t *vals;
	__u32 key;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 0; key < EMB_CNT_MAX; key++) {
		out[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, vals) < 0)
			continue;
		for (int c = 0; c < ncpu; c++)
			out[key] += vals[c];
	}
	free(vals);
	return 0;
}

int enforcer_running(struct enforcer *enf, struct emb_running_rec **out, size_t *n_out)
{
	struct bpf_link *link = bpf_program__attach_iter(enf->skel->progs.emb_iter_running, NULL);
	struct emb_running_rec *v = NULL;
	size_t n = 0, cap = 0;
	int fd, r = 0;

	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		r = -errno;
		bpf_link__destroy(link);
		return r;
	}
	for (;;) {
		struct emb_running_rec rec;
		ssize_t got = read(fd, &rec, sizeof(rec));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		if (got != sizeof(rec)) {
			r = -EPROTO;
			break;
		}
		if (n == cap) {
			struct emb_running_rec *nv = realloc(v, (cap ? cap * 2 : 256) * sizeof(*v));

			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = cap ? cap * 2 : 256;
		}
		v[n++] = rec;
	}
	close(fd);
	bpf_link__destroy(link);
	if (r) {
		free(v);
		return r;
	}
	*out = v;
	*n_out = n;
	return 0;
}

int enforcer_events_map_fd(struct enforcer *enf)
{
	return bpf_map__fd(enf->skel->maps.events);
}

int enforcer_vouched_map_fd(struct enforcer *enf)
{
	return enf->tier == EMB_TIER_TRACEPOINT ? bpf_map__fd(enf->skel->maps.vouched) : -1;
}

void enforcer_close(struct enforcer *enf)
{
	while (enf->n_links)
		bpf_link__destroy(enf->links[--enf->n_links]);
	exec_bpf__destroy(enf->skel);
	enf->skel = NULL;
	if (enf->rules_fd >= 0)
		close(enf->rules_fd);
	enf->rules_fd = -1;
	if (enf->pin_lock_fd >= 0)
		close(enf->pin_lock_fd);
	enf->pin_lock_fd = -1;
}
