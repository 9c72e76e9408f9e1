// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "scan.h"

/* Hashing threads at most, and files waiting for one before the walk waits. */
#define SCAN_MAX_JOBS  64
#define SCAN_QUEUE_CAP 4096

static const char *const pseudo_fs[] = {
	"proc",	   "sysfs",	 "cgroup",     "cgroup2", "devtmpfs",	 "devpts",
	"debugfs", "tracefs",	 "securityfs", "bpf",	  "pstore",	 "configfs",
	"fusectl", "mqueue",	 "hugetlbfs",  "autofs",  "binfmt_misc", "efivarfs",
	"nsfs",	   "rpc_pipefs", "selinuxfs",  "smackfs", "nfsd",	 "fuse.lxcfs",
};

static const char *const network_fs[] = {
	"nfs",	     "nfs4",   "cifs", "smb3",	"smbfs",  "ncpfs", "afs",  "9p",       "ceph",
	"glusterfs", "lustre", "gfs2", "ocfs2", "beegfs", "davfs", "coda", "orangefs", "virtiofs",
};

enum emb_fs_class emb_fs_classify(const char *fstype)
{
	for (size_t i = 0; i < sizeof(pseudo_fs) / sizeof(pseudo_fs[0]); i++)
		if (!strcmp(fstype, pseudo_fs[i]))
			return EMB_FS_PSEUDO;
	for (size_t i = 0; i < sizeof(network_fs) / sizeof(network_fs[0]); i++)
		if (!strcmp(fstype, network_fs[i]))
			return EMB_FS_NETWORK;
	/* FUSE file systems are mostly remote (sshfs, s3fs...); fuseblk is a local disk. */
	if (!strcmp(fstype, "fuse") || !strncmp(fstype, "fuse.", 5))
		return EMB_FS_NETWORK;
	return EMB_FS_LOCAL;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

void emb_mounts_free(struct emb_mounts *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].point);
		free(m->v[i].fstype);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

int emb_mounts_read(const char *path, struct emb_mounts *out)
{
	struct emb_mounts m = { 0 };
	size_t cap = 0, len = 0;
	char *line = NULL;
	int r = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &len, f) > 0) {
		unsigned major, minor;
		char point[PATH_MAX], *dash, fstype[256];

		/* ID PARENT MAJOR:MINOR ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
		dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*u %*u %u:%u %*s %4095s", &major, &minor, point) != 3 ||
		    sscanf(dash + 3, "%255s", fstype) != 1) {
			r = -EBADMSG;
			break;
		}
		if (m.n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct emb_mount *v = realloc(m.v, ncap * sizeof(*v));

			if (!v) {
				r = -ENOMEM;
				break;
			}
			m.v = v;
			cap = ncap;
		}
		unescape_octal(point);
		m.v[m.n].dev = makedev(major, minor);
		m.v[m.n].point = strdup(point);
		m.v[m.n].fstype = strdup(fstype);
		m.n++;
		if (!m.v[m.n - 1].point || !m.v[m.n - 1].fstype) {
			r = -ENOMEM;
			break;
		}
	}
	free(line);
	fclose(f);
	if (r) {
		emb_mounts_free(&m);
		return r;
	}
	*out = m;
	return 0;
}

const char *emb_mounts_fstype(const struct emb_mounts *m, uint64_t dev)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].dev == dev)
			return m->v[i].fstype;
	return NULL;
}

/* ---- the set of directories walked, so that bind mounts are walked once ---- */

struct dir_set {
	struct {
		uint64_t dev, ino;
	} * v;
	size_t cap, n;
};

/* Adds (DEV, INO): 1 when new, 0 when already there, -ENOMEM. */
static int dir_set_add(struct dir_set *s, uint64_t dev, uint64_t ino)
{
	size_t i;

	if ((s->n + 1) * 10 > s->cap * 7) {
		size_t ncap = s->cap ? s->cap * 2 : 4096;
		struct dir_set n = { .cap = ncap };

		n.v = calloc(ncap, sizeof(*n.v));
		if (!n.v)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++)
			if (s->v[i].ino)
				dir_set_add(&n, s->v[i].dev, s->v[i].ino);
		free(s->v);
		*s = n;
	}
	i = (size_t)((ino * 0x9e3779b97f4a7c15ull) ^ (dev * 0xc2b2ae3d27d4eb4full)) & (s->cap - 1);
	while (s->v[i].ino) {
		if (s->v[i].dev == dev && s->v[i].ino == ino)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->v[i].dev = dev;
	s->v[i].ino = ino;
	s->n++;
	return 1;
}

/* ---- deciding ---- */

/* Operations, as indices: 0 exec, 1 open. */
#define N_OPS 2
static const enum emb_rule_op ops[N_OPS] = { EMB_OP_EXEC, EMB_OP_OPEN };

/* The nearest directory at or above a point of the walk with a rule, per operation. */
struct dir_rules {
	const struct emb_entry *entry[N_OPS];
	const char *path[N_OPS]; /* that directory (owned by whoever set it) */
};

struct hash_job {
	char *path;
	bool open_ruled; /* the open rules deny or audit the file */
	struct emb_file_id id;
	bool need[N_OPS]; /* the operation waits for the content */
	struct dir_rules dirs;
	char *dir_copy[N_OPS]; /* the jobs's own copies of dirs.path */
};

struct scan {
	const struct emb_scan_options *o;
	struct emb_scan_progress *p;
	bool has_op[N_OPS];  /* the policy has rules for the operation */
	bool has_sha[N_OPS]; /* ...and sha256= rules among them */
	struct dir_set dirs;

	pthread_mutex_t lock; /* the queue and the result */
	pthread_cond_t not_empty, not_full;
	struct hash_job *queue[SCAN_QUEUE_CAP];
	size_t q_head, q_len;
	bool closing;

	struct emb_scan_result *res;
	size_t cap_files, cap_procs, cap_errors;
	atomic_int fatal; /* -ENOMEM met somewhere: the scan is incomplete */
};

static const struct emb_entry *find_entry(const struct scan *s, uint8_t kind, enum emb_rule_op op,
					  uint64_t dev, uint64_t ino, const unsigned char *sha)
{
	struct emb_rule_key key = { .kind = kind, .op = (uint8_t)op };

	if (kind == EMB_KEY_INODE) {
		key.dev = emb_kernel_dev((dev_t)dev);
		key.ino = ino;
	} else {
		memcpy(key.sha256, sha, EMB_SHA256_LEN);
	}
	return emb_resolved_find_key(s->o->resolved, &key);
}

static void note_error_locked(struct scan *s, const char *path, int err, bool open_ruled)
{
	struct emb_scan_result *res = s->res;

	res->errors_total++;
	atomic_fetch_add_explicit(&s->p->errors, 1, memory_order_relaxed);
	if (res->n_errors >= EMB_SCAN_MAX_ERRORS)
		return;
	if (res->n_errors == s->cap_errors) {
		size_t ncap = s->cap_errors ? s->cap_errors * 2 : 16;
		struct emb_scan_error *v = realloc(res->errors, ncap * sizeof(*v));

		if (!v) {
			s->fatal = -ENOMEM;
			return;
		}
		res->errors = v;
		s->cap_errors = ncap;
	}
	res->errors[res->n_errors].path = strdup(path);
	res->errors[res->n_errors].err = err;
	res->errors[res->n_errors].open_ruled = open_ruled;
	if (!res->errors[res->n_errors].path)
		s->fatal = -ENOMEM;
	else
		res->n_errors++;
}

static void note_error(struct scan *s, const char *path, int err)
{
	pthread_mutex_lock(&s->lock);
	note_error_locked(s, path, err, false);
	pthread_mutex_unlock(&s->lock);
}

/* Adds a finding for the file F (its strings are copied). */
static void add_finding(struct scan *s, bool process, const struct emb_scan_finding *f)
{
	struct emb_scan_result *res = s->res;
	struct emb_scan_finding **v = process ? &res->processes : &res->files;
	size_t *n = process ? &res->n_processes : &res->n_files;
	size_t *cap = process ? &s->cap_procs : &s->cap_files;
	struct emb_scan_finding *slot;

	pthread_mutex_lock(&s->lock);
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct emb_scan_finding *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv) {
			s->fatal = -ENOMEM;
			goto out;
		}
		*v = nv;
		*cap = ncap;
	}
	slot = &(*v)[*n];
	*slot = *f;
	slot->path = strdup(f->path);
	slot->dir = f->dir ? strdup(f->dir) : NULL;
	if (!slot->path || (f->dir && !slot->dir)) {
		free(slot->path);
		free(slot->dir);
		s->fatal = -ENOMEM;
		goto out;
	}
	(*n)++;
	atomic_fetch_add_explicit(&s->p->found, 1, memory_order_relaxed);
out:
	pthread_mutex_unlock(&s->lock);
}

/*
 * Decides operation I for a file whose own inode entry is OWN (or NULL), whose content is SHA
 * (or NULL when not hashed), below DIRS; records a finding unless the verdict is allow.
 */
static void decide(struct scan *s, int i, bool process, const char *path, const struct stat *st,
		   const struct emb_entry *own, const unsigned char *sha,
		   const struct dir_rules *dirs)
{
	struct emb_scan_finding f = {
		.path = (char *)path,
		.dev = (uint64_t)st->st_dev,
		.ino = (uint64_t)st->st_ino,
		.size = (uint64_t)st->st_size,
		.op = ops[i],
	};
	const struct emb_entry *e = own;

	if (e) {
		f.how = EMB_SCAN_BY_INODE;
	} else if (sha && (e = find_entry(s, EMB_KEY_SHA256, ops[i], 0, 0, sha))) {
		f.how = EMB_SCAN_BY_SHA256;
	} else if ((e = dirs->entry[i])) {
		f.how = EMB_SCAN_BY_DIR;
		f.dir = (char *)dirs->path[i];
	}
	if (!e || e->value.verdict == EMB_RULE_ALLOW)
		return;
	f.verdict = (enum emb_rule_verdict)e->value.verdict;
	f.rule = e->value.rule_id;
	if (sha) {
		f.hashed = true;
		memcpy(f.sha256, sha, EMB_SHA256_LEN);
	}
	add_finding(s, process, &f);
}

/* Opens PATH to read its content, without following a last symlink or blocking on a FIFO. */
static int open_content(const char *path, int flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOATIME | flags);

	/* O_NOATIME needs the file's owner or CAP_FOWNER. */
	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags);
	return fd;
}

/*
 * Opens PATH to read its content; a file the open rules deny or audit (OPEN_RULED) only
 * through the caller's o->open_ruled when there is one. Returns a descriptor, or -errno after noting an error
 * where the file is there but was not read.
 */
static int open_for_content(struct scan *s, const char *path, bool open_ruled)
{
	int fd;

	if (!open_ruled || !s->o->open_ruled) {
		fd = open_content(path, O_NOFOLLOW);
		/* Gone since the walk saw it: nothing is there to find. */
		if (fd < 0 && errno != ENOENT)
			note_error(s, path, -errno);
		return fd < 0 ? -errno : fd;
	}
	fd = s->o->open_ruled(s->o->open_ruled_ctx, path);
	if (fd < 0) {
		pthread_mutex_lock(&s->lock);
		note_error_locked(s, path, fd, true);
		pthread_mutex_unlock(&s->lock);
	}
	return fd;
}

/*
 * Hashes the open regular file FD (its stat in ST) through the cache. Returns 0 with SHA
 * filled, or -errno.
 */
static int hash_fd(struct scan *s, int fd, const struct stat *st, unsigned char *sha)
{
	struct emb_file_id id;
	int r;

	emb_file_id_from_stat(st, &id);
	if (s->o->cache && emb_hash_cache_get(s->o->cache, &id, sha)) {
		atomic_fetch_add_explicit(&s->p->cache_hits, 1, memory_order_relaxed);
		return 0;
	}
	r = emb_sha256_file(fd, sha);
	if (r)
		return r;
	atomic_fetch_add_explicit(&s->p->hashed, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->p->bytes_read, (uint64_t)st->st_size, memory_order_relaxed);
	if (s->o->cache && emb_hash_cache_put(s->o->cache, &id, sha))
		s->fatal = -ENOMEM;
	return 0;
}

static void job_free(struct hash_job *j)
{
	if (!j)
		return;
	free(j->path);
	for (int i = 0; i < N_OPS; i++)
		free(j->dir_copy[i]);
	free(j);
}

static void run_job(struct scan *s, struct hash_job *j)
{
	unsigned char sha[EMB_SHA256_LEN];
	struct stat st;
	int fd, r;

	fd = open_for_content(s, j->path, j->open_ruled);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	r = hash_fd(s, fd, &st, sha);
	close(fd);
	if (r) {
		note_error(s, j->path, r);
		return;
	}
	for (int i = 0; i < N_OPS; i++)
		if (j->need[i])
			decide(s, i, false, j->path, &st, NULL, sha, &j->dirs);
}

static void *hash_worker(void *arg)
{
	struct scan *s = arg;

	for (;;) {
		struct hash_job *j;

		pthread_mutex_lock(&s->lock);
		while (!s->q_len && !s->closing)
			pthread_cond_wait(&s->not_empty, &s->lock);
		if (!s->q_len) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		j = s->queue[s->q_head];
		s->q_head = (s->q_head + 1) % SCAN_QUEUE_CAP;
		s->q_len--;
		pthread_cond_signal(&s->not_full);
		pthread_mutex_unlock(&s->lock);
		run_job(s, j);
		job_free(j);
	}
}

static void enqueue(struct scan *s, struct hash_job *j)
{
	pthread_mutex_lock(&s->lock);
	while (s->q_len == SCAN_QUEUE_CAP)
		pthread_cond_wait(&s->not_full, &s->lock);
	s->queue[(s->q_head + s->q_len) % SCAN_QUEUE_CAP] = j;
	s->q_len++;
	pthread_cond_signal(&s->not_empty);
	pthread_mutex_unlock(&s->lock);
}

/* A regular file met by the walk at PATH, stat ST, below DIRS. */
static void examine_file(struct scan *s, const char *path, const struct stat *st,
			 const struct dir_rules *dirs)
{
	const struct emb_entry *own[N_OPS] = { 0 };
	unsigned char sha[EMB_SHA256_LEN];
	bool need[N_OPS] = { false }, any = false, cached = false;
	struct hash_job *j;

	atomic_fetch_add_explicit(&s->p->files, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->p->bytes, (uint64_t)st->st_size, memory_order_relaxed);
	for (int i = 0; i < N_OPS; i++) {
		if (!s->has_op[i])
			continue;
		own[i] = find_entry(s, EMB_KEY_INODE, ops[i], (uint64_t)st->st_dev,
				    (uint64_t)st->st_ino, NULL);
		if (own[i] && own[i]->value.is_dir)
			own[i] = NULL;
		need[i] = !own[i] && s->has_sha[i];
		any |= need[i];
	}
	if (any && s->o->cache) {
		struct emb_file_id id;

		emb_file_id_from_stat(st, &id);
		cached = emb_hash_cache_get(s->o->cache, &id, sha);
		if (cached)
			atomic_fetch_add_explicit(&s->p->cache_hits, 1, memory_order_relaxed);
	}
	if (!any || cached) {
		for (int i = 0; i < N_OPS; i++)
			if (s->has_op[i])
				decide(s, i, false, path, st, own[i], cached ? sha : NULL, dirs);
		return;
	}
	/* Operations decided by the inode are decided now; the others wait for the content. */
	for (int i = 0; i < N_OPS; i++)
		if (s->has_op[i] && !need[i])
			decide(s, i, false, path, st, own[i], NULL, dirs);
	j = calloc(1, sizeof(*j));
	if (!j || !(j->path = strdup(path))) {
		free(j);
		s->fatal = -ENOMEM;
		return;
	}
	emb_file_id_from_stat(st, &j->id);
	if (s->has_op[1]) {
		const struct emb_entry *e = own[1] ? own[1] : dirs->entry[1];

		j->open_ruled = e && e->value.verdict != EMB_RULE_ALLOW;
	}
	for (int i = 0; i < N_OPS; i++) {
		j->need[i] = need[i];
		j->dirs.entry[i] = dirs->entry[i];
		if (need[i] && dirs->path[i]) {
			j->dir_copy[i] = strdup(dirs->path[i]);
			if (!j->dir_copy[i]) {
				job_free(j);
				s->fatal = -ENOMEM;
				return;
			}
			j->dirs.path[i] = j->dir_copy[i];
		}
	}
	atomic_fetch_add_explicit(&s->p->queued, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->p->queued_bytes, (uint64_t)st->st_size, memory_order_relaxed);
	enqueue(s, j);
}

/* DIRS for a directory whose stat is ST and path PATH, below PARENT's. */
static void dir_rules_below(struct scan *s, const struct dir_rules *parent, const char *path,
			    const struct stat *st, struct dir_rules *out)
{
	*out = *parent;
	for (int i = 0; i < N_OPS; i++) {
		const struct emb_entry *e;

		if (!s->has_op[i])
			continue;
		e = find_entry(s, EMB_KEY_INODE, ops[i], (uint64_t)st->st_dev, (uint64_t)st->st_ino,
			       NULL);
		if (e && e->value.is_dir) {
			out->entry[i] = e;
			out->path[i] = path;
		}
	}
}

static void skip_mount(struct scan *s, const char *path, const char *fstype, uint64_t dev)
{
	struct emb_scan_result *res = s->res;
	struct emb_mount *v;

	pthread_mutex_lock(&s->lock);
	v = realloc(res->skipped, (res->n_skipped + 1) * sizeof(*v));
	if (!v) {
		s->fatal = -ENOMEM;
	} else {
		res->skipped = v;
		v[res->n_skipped] = (struct emb_mount){ dev, strdup(path), strdup(fstype) };
		if (!v[res->n_skipped].point || !v[res->n_skipped].fstype) {
			free(v[res->n_skipped].point);
			free(v[res->n_skipped].fstype);
			s->fatal = -ENOMEM;
		} else {
			res->n_skipped++;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

/* Whether the walk enters a mount of type FSTYPE met below a root. */
static bool enters(const struct scan *s, const char *fstype)
{
	enum emb_fs_class c = emb_fs_classify(fstype);

	for (size_t i = 0; i < s->o->n_fstypes; i++)
		if (!strcmp(s->o->fstypes[i], fstype))
			return true;
	return c == EMB_FS_LOCAL || (c == EMB_FS_NETWORK && s->o->network);
}

/*
 * Walks the directory open as FD (consumed), at PATH (a buffer of PATH_MAX with LEN used),
 * stat ST, below DIRS.
 */
static void walk_dir(struct scan *s, int fd, char *path, size_t len, const struct stat *st,
		     const struct dir_rules *parent)
{
	/* Below "/" a name follows without another '/'. */
	size_t sep = len == 1 && path[0] == '/' ? 0 : 1;
	struct dir_rules dirs;
	struct dirent *d;
	char *own = NULL; /* the directory's own path: PATH is reused below it */
	DIR *dir;

	dir_rules_below(s, parent, path, st, &dirs);

	for (int i = 0; i < N_OPS; i++) {
		if (dirs.path[i] == path) {
			if (!own && !(own = strdup(path))) {
				s->fatal = -ENOMEM;
				close(fd);
				return;
			}
			dirs.path[i] = own;
		}
	}
	dir = fdopendir(fd);
	if (!dir) {
		note_error(s, path, -errno);
		close(fd);
		free(own);
		return;
	}
	atomic_fetch_add_explicit(&s->p->dirs, 1, memory_order_relaxed);
	while ((errno = 0, d = readdir(dir))) {
		size_t nlen = strlen(d->d_name), clen;
		struct stat cst;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (s->fatal)
			break;
		if (len + sep + nlen >= PATH_MAX) {
			note_error(s, path, -ENAMETOOLONG);
			continue;
		}
		if (d->d_type != DT_UNKNOWN && d->d_type != DT_REG && d->d_type != DT_DIR)
			continue;
		/* PATH becomes the child's path while it is examined. */
		clen = len + sep + nlen;
		path[len] = '/';
		memcpy(path + len + sep, d->d_name, nlen + 1);

		if (fstatat(dirfd(dir), d->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				note_error(s, path, -errno);
		} else if (S_ISREG(cst.st_mode)) {
			examine_file(s, path, &cst, &dirs);
		} else if (S_ISDIR(cst.st_mode)) {
			int cfd;
			bool enter = true;

			if (cst.st_dev != st->st_dev && s->o->mounts) {
				const char *type = emb_mounts_fstype(s->o->mounts, cst.st_dev);

				if (type && !enters(s, type)) {
					skip_mount(s, path, type, cst.st_dev);
					enter = false;
				}
			}
			if (enter) {
				int added = dir_set_add(&s->dirs, cst.st_dev, cst.st_ino);

				if (added < 0)
					s->fatal = added;
				enter = added > 0;
			}
			if (enter) {
				cfd = openat(dirfd(dir), d->d_name,
					     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (cfd < 0)
					note_error(s, path, -errno);
				else
					walk_dir(s, cfd, path, clen, &cst, &dirs);
			}
		}
		path[len] = '\0';
	}
	if (errno)
		note_error(s, path, -errno);
	closedir(dir);
	free(own);
}

/*
 * The directory rules above PATH (an absolute, canonical path), nearest first: what the kernel
 * walks up from a file there. OWN receives the paths (freed by the caller).
 */
static void dir_rules_above(struct scan *s, const char *path, struct dir_rules *out,
			    char *own[N_OPS])
{
	char buf[PATH_MAX];

	memset(out, 0, sizeof(*out));
	snprintf(buf, sizeof(buf), "%s", path);
	for (;;) {
		char *slash = strrchr(buf, '/');
		struct stat st;

		if (!slash)
			break;
		if (slash == buf)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(buf, &st) == 0) {
			for (int i = 0; i < N_OPS; i++) {
				const struct emb_entry *e;

				if (out->entry[i] || !s->has_op[i])
					continue;
				e = find_entry(s, EMB_KEY_INODE, ops[i], (uint64_t)st.st_dev,
					       (uint64_t)st.st_ino, NULL);
				if (e && e->value.is_dir) {
					out->entry[i] = e;
					own[i] = strdup(buf);
					out->path[i] = own[i];
				}
			}
		}
		if (!strcmp(buf, "/"))
			break;
	}
}

static void walk_root(struct scan *s, const char *root)
{
	char path[PATH_MAX], *own[N_OPS] = { NULL };
	struct dir_rules above;
	struct stat st;
	int fd;

	if (!realpath(root, path)) {
		note_error(s, root, -errno);
		return;
	}
	if (stat(path, &st) < 0) {
		note_error(s, path, -errno);
		return;
	}
	dir_rules_above(s, path, &above, own);
	if (S_ISREG(st.st_mode)) {
		examine_file(s, path, &st, &above);
	} else if (S_ISDIR(st.st_mode)) {
		int added = dir_set_add(&s->dirs, st.st_dev, st.st_ino);

		if (added < 0)
			s->fatal = added;
		if (added > 0) {
			fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				note_error(s, path, -errno);
			else
				walk_dir(s, fd, path, strlen(path), &st, &above);
		}
	}
	for (int i = 0; i < N_OPS; i++)
		free(own[i]);
}

/* Decides the executable of process PID (its /proc directory is PROC/PID). */
static void scan_process(struct scan *s, int pid)
{
	char link[64], exe[PATH_MAX], rooted[PATH_MAX + 64], *own[N_OPS] = { NULL };
	unsigned char sha[EMB_SHA256_LEN];
	const struct emb_entry *e[N_OPS] = { 0 };
	struct dir_rules dirs = { 0 };
	size_t before;
	struct stat st;
	ssize_t n;
	bool hashed = false;
	int fd;

	snprintf(link, sizeof(link), "%s/%d/exe", s->o->proc, pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n < 0)
		return; /* a kernel thread, gone, or not ours to see */
	exe[n] = '\0';
	fd = open_content(link, 0);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	s->res->processes_examined++;
	for (int i = 0; i < N_OPS; i++) {
		if (!s->has_op[i])
			continue;
		e[i] = find_entry(s, EMB_KEY_INODE, ops[i], (uint64_t)st.st_dev,
				  (uint64_t)st.st_ino, NULL);
		if (e[i] && e[i]->value.is_dir)
			e[i] = NULL;
	}
	/* The content, for sha256= rules (and below, for the report of a process found). */
	if (s->has_sha[0] || s->has_sha[1])
		hashed = hash_fd(s, fd, &st, sha) == 0;
	/* The directories above it, as the process sees them (its root may differ). */
	if (exe[0] == '/' && !strstr(exe, " (deleted)")) {
		snprintf(rooted, sizeof(rooted), "%s/%d/root%s", s->o->proc, pid, exe);
		if (access(rooted, F_OK) == 0) {
			size_t skip = strlen(rooted) - strlen(exe);

			dir_rules_above(s, rooted, &dirs, own);
			/* Directories at or above PROC/PID/root are not the process's. */
			for (int i = 0; i < N_OPS; i++) {
				if (own[i] && strlen(own[i]) < skip) {
					dirs.entry[i] = NULL;
					dirs.path[i] = NULL;
				} else if (own[i]) {
					memmove(own[i], own[i] + skip, strlen(own[i] + skip) + 1);
					if (!own[i][0])
						strcpy(own[i], "/");
				}
			}
		} else {
			dir_rules_above(s, exe, &dirs, own);
		}
	}
	before = s->res->n_processes;
	for (int i = 0; i < N_OPS; i++)
		if (s->has_op[i])
			decide(s, i, true, exe, &st, e[i], hashed ? sha : NULL, &dirs);
	for (size_t k = before; k < s->res->n_processes; k++) {
		struct emb_scan_finding *f = &s->res->processes[k];

		f->pid = pid;
		if (!hashed && hash_fd(s, fd, &st, sha) == 0)
			hashed = true;
		if (hashed && !f->hashed) {
			f->hashed = true;
			memcpy(f->sha256, sha, EMB_SHA256_LEN);
		}
	}
	close(fd);
	for (int i = 0; i < N_OPS; i++)
		free(own[i]);
}

static void scan_processes(struct scan *s)
{
	struct dirent *d;
	DIR *dir = opendir(s->o->proc);

	if (!dir) {
		note_error(s, s->o->proc, -errno);
		return;
	}
	while ((d = readdir(dir)) && !s->fatal) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0 || pid > INT32_MAX || pid == s->o->self_pid)
			continue;
		scan_process(s, (int)pid);
	}
	closedir(dir);
}

static int by_path(const void *a, const void *b)
{
	const struct emb_scan_finding *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (int)x->op - (int)y->op;
}

static int by_pid(const void *a, const void *b)
{
	const struct emb_scan_finding *x = a, *y = b;

	return x->pid != y->pid ? (x->pid < y->pid ? -1 : 1) : (int)x->op - (int)y->op;
}

/* Whether the hashing threads noted PATH as an open-ruled file they could not read. */
static bool noted_open_ruled(const struct scan *s, const char *path)
{
	for (size_t i = 0; i < s->res->n_errors; i++)
		if (s->res->errors[i].open_ruled && !strcmp(s->res->errors[i].path, path))
			return true;
	return false;
}

/*
 * Findings decided without their content get it now, for the report (errors stay unhashed).
 * The findings are sorted by path, then operation: those of one file are neighbours.
 */
static void hash_findings(struct scan *s)
{
	struct emb_scan_finding *v = s->res->files;
	size_t n = s->res->n_files;

	for (size_t i = 0; i < n; i++) {
		struct emb_scan_finding *f = &v[i];
		bool open_ruled = false;
		size_t first = i, last = i;
		struct stat st;
		int fd;

		if (f->hashed)
			continue;
		while (first > 0 && !strcmp(v[first - 1].path, f->path))
			first--;
		while (last + 1 < n && !strcmp(v[last + 1].path, f->path))
			last++;
		for (size_t k = first; k <= last; k++) {
			open_ruled |= v[k].op == EMB_OP_OPEN;
			if (v[k].hashed && !f->hashed) {
				memcpy(f->sha256, v[k].sha256, EMB_SHA256_LEN);
				f->hashed = true;
			}
		}
		if (f->hashed)
			continue;
		/* Noted once a file, whatever the number of its findings. */
		if (open_ruled && (i > first || noted_open_ruled(s, f->path)))
			continue;
		fd = open_ruled ? open_for_content(s, f->path, true)
				: open_content(f->path, O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_ino == f->ino &&
		    hash_fd(s, fd, &st, f->sha256) == 0)
			f->hashed = true;
		close(fd);
	}
}

int emb_scan_run(const struct emb_scan_options *o, struct emb_scan_progress *progress,
		 struct emb_scan_result *out)
{
	struct scan s = { .o = o, .p = progress, .res = out };
	pthread_t threads[SCAN_MAX_JOBS];
	unsigned jobs = o->jobs, started = 0;
	const struct emb_resolved *r = o->resolved;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct emb_rule_key *k = &r->entries[i].key;

		for (int op = 0; op < N_OPS; op++) {
			if (k->kind == EMB_KEY_META || k->op != ops[op])
				continue;
			s.has_op[op] = true;
			if (k->kind == EMB_KEY_SHA256)
				s.has_sha[op] = true;
		}
	}
	if (!jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = n > 0 ? (unsigned)n : 1;
	}
	if (jobs > SCAN_MAX_JOBS)
		jobs = SCAN_MAX_JOBS;
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.not_empty, NULL);
	pthread_cond_init(&s.not_full, NULL);
	for (; started < jobs; started++)
		if (pthread_create(&threads[started], NULL, hash_worker, &s))
			break;
	if (!started)
		s.fatal = -EAGAIN;

	for (size_t i = 0; i < o->n_roots && !s.fatal; i++)
		walk_root(&s, o->roots[i]);

	pthread_mutex_lock(&s.lock);
	s.closing = true;
	pthread_cond_broadcast(&s.not_empty);
	pthread_mutex_unlock(&s.lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	/* Jobs left when the walk stopped early. */
	while (s.q_len) {
		job_free(s.queue[s.q_head]);
		s.q_head = (s.q_head + 1) % SCAN_QUEUE_CAP;
		s.q_len--;
	}
	atomic_store(&progress->walk_done, true);

	if (!s.fatal && o->proc)
		scan_processes(&s);
	if (out->n_files > 1)
		qsort(out->files, out->n_files, sizeof(*out->files), by_path);
	if (!s.fatal)
		hash_findings(&s);
	if (out->n_processes > 1)
		qsort(out->processes, out->n_processes, sizeof(*out->processes), by_pid);
	out->files_examined = atomic_load(&progress->files);
	out->dirs_walked = atomic_load(&progress->dirs);
	out->bytes_seen = atomic_load(&progress->bytes);
	out->files_hashed = atomic_load(&progress->hashed);
	out->bytes_read = atomic_load(&progress->bytes_read);
	out->cache_hits = atomic_load(&progress->cache_hits);
	free(s.dirs.v);
	pthread_cond_destroy(&s.not_empty);
	pthread_cond_destroy(&s.not_full);
	pthread_mutex_destroy(&s.lock);
	if (s.fatal) {
		emb_scan_result_free(out);
		return s.fatal;
	}
	return 0;
}

void emb_scan_result_free(struct emb_scan_result *r)
{
	for (size_t i = 0; i < r->n_files; i++) {
		free(r->files[i].path);
		free(r->files[i].dir);
	}
	for (size_t i = 0; i < r->n_processes; i++) {
		free(r->processes[i].path);
		free(r->processes[i].dir);
	}
	for (size_t i = 0; i < r->n_errors; i++)
		free(r->errors[i].path);
	for (size_t i = 0; i < r->n_skipped; i++) {
		free(r->skipped[i].point);
		free(r->skipped[i].fstype);
	}
	free(r->files);
	free(r->processes);
	free(r->errors);
	free(r->skipped);
	memset(r, 0, sizeof(*r));
}
