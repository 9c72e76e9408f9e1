// SPDX-License-Identifier: GPL-2.0-only
/*
 * fanotify permission events for the tracepoint tier (see fanguard.h).
 *
 * The events are answered on a thread of their own (struct fanguard), which must never open a
 * marked file itself: it would wait for its own answer. It reads the files it decides about
 * through the events' descriptors (which raise no events) and /proc. The daemon's thread
 * reads its policy files, which never get an open mark (mark_open_rules()), and while it
 * does the answering thread goes on. Execs are only ever marked per filesystem, and embargod
 * executes nothing.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "event_log.h"
#include "fanguard.h"
#include "hash.h"

/*
 * Cached digests are keyed by what changes with the content: a write changes size or mtime,
 * and ctime, which no user can set. A file open for writing (or mapped shared and writable)
 * cannot be executed at all (ETXTBSY), so whatever wrote it before the exec stamped it. A
 * digest taken while mtime and ctime could still be given to a later write (same clock tick)
 * is used once and not kept (see times_settled()). What the key cannot see: content changed
 * below the filesystem (an overlay's lower layer edited in place, a block device written to
 * directly), and filesystems that do not keep timestamps.
 */
struct fanguard_slot {
	uint64_t dev;
	uint64_t ino;
	int64_t size;
	int64_t mtime_ns;
	int64_t ctime_ns;
	unsigned char sha256[EMB_SHA256_LEN];
	bool used;
};

/* A decision the answering thread queued for the event loop to log. */
struct fanguard_record {
	struct fanguard_record *next;
	size_t len;
	struct emb_event e; /* LEN bytes of it */
};

/* Filesystems whose files are never programs, or that cannot take permission marks. */
static const char *const pseudo_fs[] = {
	"proc",	      "sysfs",	    "cgroup",	  "cgroup2",	 "devpts",    "debugfs",
	"tracefs",    "securityfs", "bpf",	  "mqueue",	 "pstore",    "configfs",
	"fusectl",    "efivarfs",   "autofs",	  "binfmt_misc", "hugetlbfs", "nsfs",
	"rpc_pipefs", "selinuxfs",  "apparmorfs", "smackfs",
};

/*
 * Network and FUSE filesystems are not marked: a permission event there can wait on a server
 * or on a userspace daemon that may itself wait on us. Programs on them are not checked.
 */
static const char *const remote_fs[] = {
	"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "9p", "afs", "fuse", "fuseblk",
};

static const char *const tracepoint_limits[] = {
	"cannot make execve() fail for path= and dir= exec rules: the program is killed by "
	"SIGKILL before it runs its first instruction, and the caller sees a death by signal "
	"instead of EPERM",
	"cannot check executable mappings: 'ld.so ./banned', dlopen() and mmap(PROT_EXEC) of a "
	"denied file are not stopped",
	"cannot stop a script that lies in a denied dir= tree when its interpreter is allowed "
	"('sh banned.sh', or a #! line naming an allowed interpreter): only the interpreter's exec "
	"is seen",
	"cannot enforce dir= open rules: only path= open rules are enforced (a fanotify mark on "
	"the file)",
	"cannot enforce sha256= open rules: content is checked at exec only",
	"cannot make execve() fail for a program allowed earlier whose content then changed "
	"without a write() (through a shared writable mapping): it is stopped (SIGSTOP) before its "
	"first instruction, hashed, and killed by SIGKILL when banned",
};

static const char *const lsm_limits[] = {
	"cannot enforce sha256= open rules: the lsm tier hashes at exec and mmap only",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What one event gets: the verdict, and for the log the rule and the content hash. */
struct decision {
	enum emb_verdict verdict;
	enum emb_event_type type;
	uint32_t rule_id;
	uint32_t generation;
	uint32_t flags; /* EMB_EVENT_F_* */
	unsigned char sha256[EMB_SHA256_LEN];
	bool error;
	bool vouch; /* allowed by its content, and its times settled: it may be vouched for */
};

/* The limits of one set of marks, collected before they replace the ones in force. */
struct limits {
	char *v[FANGUARD_MAX_LIMITS];
	size_t n;
	size_t dropped;
};

static void limit_add(struct limits *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void limit_add(struct limits *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (l->n == FANGUARD_MAX_LIMITS - 1) {
		l->dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s)
		l->v[l->n++] = s;
}

static bool name_in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

void fanguard_init(struct fanguard *fg)
{
	memset(fg, 0, sizeof(*fg));
	pthread_mutex_init(&fg->lock, NULL);
	fg->epoll_fd = fg->stop_fd = fg->log_fd = -1;
	fg->group_fd = fg->new_group_fd = fg->mountinfo_fd = fg->vouched_fd = -1;
	fg->log_tail = &fg->log_head;
}

int fanguard_add_scope(struct fanguard *fg, const char *path)
{
	if (fg->n_scopes == FANGUARD_MAX_SCOPES)
		return -E2BIG;
	fg->scopes[fg->n_scopes++] = path;
	return 0;
}

/*
 * FAN_UNLIMITED_QUEUE: a permission event that finds the queue full is dropped, and the
 * kernel then lets the exec or open through. The queue cannot grow without bound anyway:
 * every queued permission event holds a blocked task.
 */
static int group_open(void)
{
	unsigned flags = FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK;
	int fd = fanotify_init(flags | FAN_UNLIMITED_QUEUE | FAN_UNLIMITED_MARKS,
			       O_RDONLY | O_LARGEFILE | O_CLOEXEC);

	if (fd < 0 && errno == EPERM)
		fd = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void drain_group(struct fanguard *fg, int group, int max_reads);

/* The answering thread: the groups' events, until stop_fd. */
static void *answer_thread(void *arg)
{
	struct fanguard *fg = arg;
	struct epoll_event evs[4];

	for (;;) {
		bool logged = false;
		int n = epoll_wait(fg->epoll_fd, evs, 4, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		pthread_mutex_lock(&fg->lock);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == fg->stop_fd) {
				pthread_mutex_unlock(&fg->lock);
				return NULL;
			}
			/* A group retired since epoll_wait() returned is closed: skip it. */
			if (fd >= 0 && (fd == fg->group_fd || fd == fg->new_group_fd))
				drain_group(fg, fd, 64);
		}
		logged = fg->log_head != NULL;
		pthread_mutex_unlock(&fg->lock);
		if (logged)
			(void)!eventfd_write(fg->log_fd, 1);
	}
	return NULL;
}

int fanguard_start(struct fanguard *fg, enum emb_tier tier, fanguard_log_fn log, void *ctx)
{
	int probe, r;

	fg->tier = tier;
	fg->log = log;
	fg->log_ctx = ctx;
	if (tier != EMB_TIER_TRACEPOINT)
		return 0;
	probe = group_open();
	if (probe < 0) {
		snprintf(fg->unavailable, sizeof(fg->unavailable), "fanotify_init: %s",
			 strerror(-probe));
		return 0;
	}
	close(probe);
	fg->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	fg->stop_fd = eventfd(0, EFD_CLOEXEC);
	fg->log_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fg->epoll_fd < 0 || fg->stop_fd < 0 || fg->log_fd < 0 ||
	    epoll_ctl(fg->epoll_fd, EPOLL_CTL_ADD, fg->stop_fd,
		      &(struct epoll_event){ .events = EPOLLIN, .data.fd = fg->stop_fd }) < 0) {
		snprintf(fg->unavailable, sizeof(fg->unavailable), "epoll or eventfd: %s",
			 strerror(errno));
		return 0;
	}
	r = pthread_create(&fg->thread, NULL, answer_thread, fg);
	if (r) {
		snprintf(fg->unavailable, sizeof(fg->unavailable), "pthread_create: %s",
			 strerror(r));
		return 0;
	}
	fg->thread_running = true;
	if (!fg->n_scopes)
		fg->mountinfo_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	return 0;
}

int fanguard_fd(const struct fanguard *fg)
{
	return fg->log_fd;
}

int fanguard_mounts_fd(const struct fanguard *fg)
{
	return fg->mountinfo_fd;
}

/* ---- deciding ---- */

static size_t slot_index(const struct stat *st)
{
	uint64_t h = (uint64_t)st->st_dev * 0x9e3779b97f4a7c15ULL ^ (uint64_t)st->st_ino;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (size_t)(h & (FANGUARD_CACHE_SLOTS - 1));
}

static bool slot_matches(const struct fanguard_slot *s, const struct stat *st)
{
	return s->used && s->dev == (uint64_t)st->st_dev && s->ino == (uint64_t)st->st_ino &&
	       s->size == (int64_t)st->st_size && s->mtime_ns == ts_ns(&st->st_mtim) &&
	       s->ctime_ns == ts_ns(&st->st_ctim);
}

/*
 * Whether a later change of the file is sure to get another ctime: filesystems without
 * fine-grained timestamps stamp every change of one clock tick alike. Like git's "racy git"
 * check: a file changed in the last two ticks is hashed every time until it settles.
 */
static bool times_settled(const struct stat *st)
{
	struct timespec now, res;

	if (clock_gettime(CLOCK_REALTIME_COARSE, &now) < 0 ||
	    clock_getres(CLOCK_REALTIME_COARSE, &res) < 0)
		return false;
	return ts_ns(&st->st_ctim) + 2 * ts_ns(&res) < ts_ns(&now);
}

static bool same_version(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && ts_ns(&a->st_mtim) == ts_ns(&b->st_mtim) &&
	       ts_ns(&a->st_ctim) == ts_ns(&b->st_ctim);
}

/* The content hash of the file behind FD (whose fstat is ST), from the cache or read. */
static int file_digest(struct fanguard *fg, int fd, const struct stat *st,
		       unsigned char out[EMB_SHA256_LEN], bool *settled)
{
	struct fanguard_slot *slot = fg->cache ? &fg->cache[slot_index(st)] : NULL;
	unsigned char digest[EMB_SHA256_LEN];
	struct stat before = *st, after;
	int r = -EAGAIN;

	*settled = false;
	if (slot && slot_matches(slot, st)) {
		memcpy(out, slot->sha256, EMB_SHA256_LEN);
		fg->cnt.cache_hits++;
		*settled = true;
		return 0;
	}
	/* Written to while we read: what we hashed may not be what runs. Read it again. */
	for (int attempt = 0; attempt < 3 && r == -EAGAIN; attempt++) {
		if (lseek(fd, 0, SEEK_SET) < 0)
			return -errno;
		r = emb_sha256_file(fd, digest);
		if (r)
			return r;
		fg->cnt.hashed++;
		if (fstat(fd, &after) < 0)
			return -errno;
		if (!same_version(&before, &after)) {
			before = after;
			r = -EAGAIN;
		}
	}
	if (r)
		return r;
	memcpy(out, digest, EMB_SHA256_LEN);
	if (!times_settled(&before))
		return 0;
	/* What the caller's ST describes is what was hashed: the caller may vouch for it. */
	*settled = same_version(&before, st);
	if (!fg->cache)
		fg->cache = calloc(FANGUARD_CACHE_SLOTS, sizeof(*fg->cache));
	if (fg->cache) {
		slot = &fg->cache[slot_index(&before)];
		*slot = (struct fanguard_slot){
			.dev = (uint64_t)before.st_dev,
			.ino = (uint64_t)before.st_ino,
			.size = (int64_t)before.st_size,
			.mtime_ns = ts_ns(&before.st_mtim),
			.ctime_ns = ts_ns(&before.st_ctim),
			.used = true,
		};
		memcpy(slot->sha256, digest, EMB_SHA256_LEN);
	}
	return 0;
}

static void decide_from(struct decision *d, const struct emb_entry *e)
{
	d->verdict = (enum emb_verdict)e->value.verdict;
	d->rule_id = e->value.rule_id;
	d->generation = e->value.generation;
	if (e->value.flags & EMB_RULE_F_WOULD_DENY)
		d->flags |= EMB_EVENT_F_WOULD_DENY;
}

/*
 * An exec: the sha256= exec rules decide by content, unless a rule names the file's inode
 * itself (path=, or a hardlink found below a dir= tree): that rule beats its content, as in
 * the lsm tier, and the tracepoint program applies it.
 */
static void decide_exec(struct fanguard *fg, int fd, const struct stat *st, struct decision *d)
{
	struct emb_rule_key key = { 0 };
	const struct emb_entry *hit;
	bool settled;
	int r;

	d->type = EMB_EVENT_EXEC;
	if (!S_ISREG(st->st_mode) || !fg->rules || !(fg->rules->meta_flags & EMB_META_SHA256_EXEC))
		return;
	key.kind = EMB_KEY_INODE;
	key.op = EMB_OP_EXEC;
	key.dev = emb_kernel_dev(st->st_dev);
	key.ino = st->st_ino;
	if (emb_resolved_find_key(fg->rules, &key))
		return;
	r = file_digest(fg, fd, st, d->sha256, &settled);
	if (r) {
		d->error = true;
		return;
	}
	d->flags |= EMB_EVENT_F_SHA256;
	memset(&key, 0, sizeof(key));
	key.kind = EMB_KEY_SHA256;
	key.op = EMB_OP_EXEC;
	memcpy(key.sha256, d->sha256, sizeof(key.sha256));
	hit = emb_resolved_find_key(fg->rules, &key);
	if (!hit) {
		d->vouch = settled;
		return;
	}
	decide_from(d, hit);
	d->flags |= EMB_EVENT_F_BY_SHA256;
}

/* An open of a file with an inode mark: its path= open rule decides. */
static void decide_open(struct fanguard *fg, const struct stat *st, struct decision *d)
{
	struct emb_rule_key key = {
		.ino = st->st_ino,
		.dev = emb_kernel_dev(st->st_dev),
		.kind = EMB_KEY_INODE,
		.op = EMB_OP_OPEN,
	};
	const struct emb_entry *hit = fg->rules ? emb_resolved_find_key(fg->rules, &key) : NULL;

	d->type = EMB_EVENT_OPEN;
	if (hit && !hit->value.is_dir)
		decide_from(d, hit);
}

/* ---- the log record ---- */

/* Best effort: the task waits for our answer, so its /proc entry is there. */
/* Reads a small /proc/PID/NAME file into BUF (NUL-terminated); its length or -1. */
static ssize_t proc_read(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* The cgroup v2 id of PID: the inode of its cgroup's directory in cgroupfs; 0 unknown. */
static uint64_t proc_cgroup_id(pid_t pid)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	char buf[4096], dir[PATH_MAX + 64], *p;
	struct stat st;

	if (proc_read(pid, "cgroup", buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "0::");
	if (!p)
		return 0;
	p += 3;
	p[strcspn(p, "\n")] = 0;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		struct statfs sf;

		if (statfs(roots[i], &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)
			continue;
		snprintf(dir, sizeof(dir), "%s%s", roots[i], p);
		if (stat(dir, &st) == 0)
			return (uint64_t)st.st_ino;
	}
	return 0;
}

void fanguard_proc_ids(pid_t pid, struct emb_event *e)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	e->auid = proc_read(pid, "loginuid", buf, 32) > 0 ? (uint32_t)strtoul(buf, NULL, 10)
							  : (uint32_t)-1;
	e->cgroup_id = proc_cgroup_id(pid);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	/* "Uid:" and "Gid:" lines list the real id first. */
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "PPid:", 5))
			e->ppid = (uint32_t)strtoul(line + 5, NULL, 10);
		else if (!strncmp(line, "Uid:", 4))
			e->uid = (uint32_t)strtoul(line + 4, NULL, 10);
		else if (!strncmp(line, "Gid:", 4))
			e->gid = (uint32_t)strtoul(line + 4, NULL, 10);
	}
}

void fanguard_proc_comm(pid_t pid, char comm[EMB_COMM_LEN])
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, EMB_COMM_LEN - 1);
	close(fd);
	if (n <= 0)
		return;
	comm[n] = 0;
	comm[strcspn(comm, "\n")] = 0;
}

/*
 * PATH ("/a/b/file") into the record's leaf-first form, "file\0b\0a\0", as the BPF programs
 * write it; the components nearest the root are dropped when it does not fit.
 */
void fanguard_event_path(struct emb_event *e, const char *path)
{
	size_t end = strlen(path), out = 0;

	while (end > 0) {
		size_t start = end;

		while (start > 0 && path[start - 1] != '/')
			start--;
		if (end > start) {
			if (out + (end - start) + 1 > sizeof(e->path)) {
				e->flags |= EMB_EVENT_F_PATH_TRUNCATED;
				break;
			}
			memcpy(e->path + out, path + start, end - start);
			out += end - start;
			e->path[out++] = 0;
		}
		end = start > 0 ? start - 1 : 0;
	}
	e->path_len = (__u16)out;
}

/*
 * The record of a deny or audit decision, as the BPF programs would write it. The path is the
 * file's from embargod's root. An exec's comm stays empty: the log shows the name the new
 * program would have got (the last component of its path), as for the other tiers.
 */
static size_t build_event(struct emb_event *e, const struct fanotify_event_metadata *m,
			  const struct stat *st, const struct decision *d)
{
	char link[64], path[PATH_MAX];
	struct timespec now;
	ssize_t n;

	memset(e, 0, offsetof(struct emb_event, path));
	clock_gettime(CLOCK_BOOTTIME, &now);
	e->boot_ns = (uint64_t)ts_ns(&now);
	e->ino = st->st_ino;
	e->dev = emb_kernel_dev(st->st_dev);
	e->type = d->type;
	e->pid = (uint32_t)m->pid;
	e->rule_id = d->rule_id;
	e->generation = d->generation;
	e->flags = d->flags;
	e->verdict = (__u8)d->verdict;
	e->tier = EMB_TIER_TRACEPOINT;
	if (d->flags & EMB_EVENT_F_SHA256)
		memcpy(e->sha256, d->sha256, sizeof(e->sha256));
	fanguard_proc_ids(m->pid, e);
	if (d->type == EMB_EVENT_OPEN)
		fanguard_proc_comm(m->pid, e->comm);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0 || n == (ssize_t)sizeof(path) - 1) {
		e->flags |= EMB_EVENT_F_PATH_TRUNCATED;
		n = n < 0 ? 0 : n;
	}
	path[n] = 0;
	fanguard_event_path(e, path);
	/* Cut to fit, as the BPF programs cut what execve() was given. */
	memcpy(e->filename, path, strnlen(path, sizeof(e->filename) - 1));
	return offsetof(struct emb_event, path) + e->path_len;
}

/* ---- vouching ---- */

static struct emb_inode_key vouch_key(const struct stat *st)
{
	return (struct emb_inode_key){ .ino = st->st_ino, .dev = emb_kernel_dev(st->st_dev) };
}

/*
 * The program behind FD (whose fstat is ST, what was hashed) is allowed by its content: GROUP
 * stops asking about it (an ignore mark, which the kernel clears at the next write to it) and
 * the tracepoint checks its size and ctime instead (the vouched map), which any other change
 * of its content moves. The entry goes in first: there is never an ignore mark without it.
 */
static void vouch(struct fanguard *fg, int group, uint32_t serial, int fd, const struct stat *st)
{
	struct emb_inode_key k = vouch_key(st);
	struct emb_vouched v = {
		.size = st->st_size,
		.ctime_sec = st->st_ctim.tv_sec,
		.ctime_nsec = (uint32_t)st->st_ctim.tv_nsec,
		.serial = serial,
	};

	if (fg->vouched_fd < 0 || group < 0)
		return;
	/* Full: this program is asked about at every exec, as without the map. */
	if (bpf_map_update_elem(fg->vouched_fd, &k, &v, BPF_ANY) < 0)
		return;
	if (fanotify_mark(group, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN_EXEC_PERM, fd,
			  NULL) < 0) {
		bpf_map_delete_elem(fg->vouched_fd, &k);
		return;
	}
	fg->cnt.vouched++;
}

/*
 * No longer vouched for: every group asks about it again, then the entry goes. Without an
 * entry there is no ignore mark of a live group (vouch() and vouched_prune() keep it so):
 * nothing to undo, which is the common case of an event.
 */
static void unvouch(struct fanguard *fg, int fd, const struct stat *st)
{
	struct emb_inode_key k = vouch_key(st);
	int groups[2] = { fg->group_fd, fg->new_group_fd };
	struct emb_vouched v;

	if (fg->vouched_fd < 0 || bpf_map_lookup_elem(fg->vouched_fd, &k, &v) < 0)
		return;
	for (size_t i = 0; i < 2; i++)
		if (groups[i] >= 0 && fd >= 0)
			fanotify_mark(groups[i], FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK,
				      FAN_OPEN_EXEC_PERM, fd, NULL);
	bpf_map_delete_elem(fg->vouched_fd, &k);
}

/*
 * Entries of groups closed since (their ignore marks went with them; an earlier embargod's
 * too): all but the group in force's. The answering thread may vouch again meanwhile, so each
 * is looked at again under the lock, one at a time, and no exec waits for the whole sweep.
 */
static void vouched_prune(struct fanguard *fg)
{
	struct emb_inode_key *stale, k, next;
	struct emb_vouched v;
	size_t n = 0;
	bool first = true;

	if (fg->vouched_fd < 0)
		return;
	stale = malloc(EMB_VOUCHED_MAX * sizeof(*stale));
	if (!stale)
		return;
	while (n < EMB_VOUCHED_MAX &&
	       bpf_map_get_next_key(fg->vouched_fd, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		if (bpf_map_lookup_elem(fg->vouched_fd, &k, &v) == 0 &&
		    v.serial != fg->group_serial)
			stale[n++] = k;
	}
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&fg->lock);
		if (bpf_map_lookup_elem(fg->vouched_fd, &stale[i], &v) == 0 &&
		    v.serial != fg->group_serial && v.serial != fg->new_group_serial)
			bpf_map_delete_elem(fg->vouched_fd, &stale[i]);
		pthread_mutex_unlock(&fg->lock);
	}
	free(stale);
}

void fanguard_set_vouched_map(struct fanguard *fg, int fd)
{
	fg->vouched_fd = fd;
}

/* ---- answering ---- */

static void respond(struct fanguard *fg, int group, int fd, uint32_t response)
{
	struct fanotify_response resp = { .fd = fd, .response = response };

	if (write(group, &resp, sizeof(resp)) == sizeof(resp))
		return;
	fg->cnt.errors++;
	if (response != FAN_ALLOW) {
		resp.response = FAN_ALLOW;
		(void)!write(group, &resp, sizeof(resp));
	}
}

/* For the event loop to log (fanguard_handle()); the caller holds the lock. */
static void queue_log(struct fanguard *fg, const struct emb_event *e, size_t len)
{
	struct fanguard_record *rec;

	if (fg->log_pending >= FANGUARD_MAX_PENDING_LOG ||
	    !(rec = malloc(offsetof(struct fanguard_record, e) + len))) {
		fg->cnt.log_lost++;
		return;
	}
	rec->next = NULL;
	rec->len = len;
	memcpy(&rec->e, e, len);
	*fg->log_tail = rec;
	fg->log_tail = &rec->next;
	fg->log_pending++;
}

static void handle_event(struct fanguard *fg, int group, const struct fanotify_event_metadata *m)
{
	struct decision d = { .verdict = EMB_VERDICT_ALLOW };
	struct emb_event e;
	size_t len = 0;
	struct stat st;

	if (m->fd < 0) {
		fg->cnt.errors++; /* FAN_Q_OVERFLOW: cannot happen with an unlimited queue */
		return;
	}
	if (!(m->mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM))) {
		/* Not a permission event (none is asked for): nothing waits for an answer. */
		fg->cnt.errors++;
		close(m->fd);
		return;
	}
	fg->cnt.events++;
	if (fstat(m->fd, &st) < 0) {
		d.error = true;
	} else {
		if (m->mask & FAN_OPEN_PERM) {
			/*
			 * embargod's own opens are of files it hands to embargo over the control
			 * socket (handover.c): allowed, and not logged as the admin's reads.
			 */
			if (m->pid != getpid())
				decide_open(fg, &st, &d);
		} else {
			decide_exec(fg, m->fd, &st, &d);
			/* Asked about: not vouched for by this group (any more). */
			if (d.vouch && d.verdict == EMB_VERDICT_ALLOW && !d.error)
				vouch(fg, group,
				      group == fg->new_group_fd ? fg->new_group_serial
								: fg->group_serial,
				      m->fd, &st);
			else
				unvouch(fg, m->fd, &st);
		}
		/* Read /proc while the task still waits for us. */
		if (!d.error && d.verdict != EMB_VERDICT_ALLOW)
			len = build_event(&e, m, &st, &d);
	}
	if (d.error) {
		fg->cnt.errors++;
		d.verdict = EMB_VERDICT_ALLOW;
	}
	respond(fg, group, m->fd, d.verdict == EMB_VERDICT_DENY ? FAN_DENY : FAN_ALLOW);
	close(m->fd);
	if (d.verdict == EMB_VERDICT_DENY)
		fg->cnt.denied++;
	else if (d.verdict == EMB_VERDICT_AUDIT)
		fg->cnt.audited++;
	if (len)
		queue_log(fg, &e, len);
}

/* The state letter of /proc/PID/stat ('T': stopped), or 0 when it cannot be read. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	paren = strrchr(buf, ')'); /* the name in parentheses may hold anything */
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

void fanguard_hold(struct fanguard *fg, const struct emb_event *held)
{
	struct fanotify_event_metadata m = { .pid = (int32_t)held->pid, .fd = -1 };
	struct decision d = { .verdict = EMB_VERDICT_ALLOW };
	pid_t pid = (pid_t)held->pid;
	char exe[64];
	struct emb_event e;
	struct stat st;
	size_t len = 0;
	bool running;

	pthread_mutex_lock(&fg->lock);
	fg->cnt.held++;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	m.fd = open(exe, O_RDONLY | O_CLOEXEC);
	/* Not stopped any more: resumed by someone else before we looked (see the limits). */
	running = proc_state(pid) != 'T';
	if (m.fd < 0 || fstat(m.fd, &st) < 0 || st.st_ino != held->ino) {
		/* Gone already, or it exec'd something else since (decided on its own). */
		if (m.fd >= 0)
			close(m.fd);
		if (kill(pid, SIGCONT) < 0 && errno != ESRCH)
			fg->cnt.errors++;
		pthread_mutex_unlock(&fg->lock);
		return;
	}
	decide_exec(fg, m.fd, &st, &d);
	if (d.error) {
		fg->cnt.errors++;
		d.verdict = EMB_VERDICT_ALLOW;
	}
	/*
	 * Held because it changed since it was vouched for (a program from memory has no entry):
	 * vouched for as it is now, or asked about at every exec again.
	 */
	if (d.vouch && d.verdict == EMB_VERDICT_ALLOW && !d.error)
		vouch(fg, fg->group_fd, fg->group_serial, m.fd, &st);
	else
		unvouch(fg, m.fd, &st);
	if (d.verdict != EMB_VERDICT_ALLOW)
		len = build_event(&e, &m, &st, &d);
	close(m.fd);
	if (d.verdict == EMB_VERDICT_DENY) {
		kill(pid, SIGKILL);
		fg->cnt.denied++;
		if (running)
			fg->cnt.escaped++;
	} else {
		kill(pid, SIGCONT);
		if (d.verdict == EMB_VERDICT_AUDIT)
			fg->cnt.audited++;
	}
	pthread_mutex_unlock(&fg->lock);
	if (len && fg->log) {
		if (running)
			e.flags |= EMB_EVENT_F_ESCAPED;
		fg->log(fg->log_ctx, &e, len);
	}
}

/* Answers what GROUP has queued; at most MAX_READS reads, so other work gets its turn. */
static void drain_group(struct fanguard *fg, int group, int max_reads)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));

	for (int i = 0; i < max_reads; i++) {
		const struct fanotify_event_metadata *m = (const void *)buf;
		ssize_t n = read(group, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (m->vers != FANOTIFY_METADATA_VERSION) {
				/* Cannot read it: let it through rather than hang the task. */
				fg->cnt.errors++;
				if (m->fd >= 0) {
					respond(fg, group, m->fd, FAN_ALLOW);
					close(m->fd);
				}
				continue;
			}
			handle_event(fg, group, m);
		}
	}
}

void fanguard_handle(struct fanguard *fg)
{
	struct fanguard_record *rec, *next;
	eventfd_t unused;

	(void)!eventfd_read(fg->log_fd, &unused);
	pthread_mutex_lock(&fg->lock);
	rec = fg->log_head;
	fg->log_head = NULL;
	fg->log_tail = &fg->log_head;
	fg->log_pending = 0;
	pthread_mutex_unlock(&fg->lock);
	for (; rec; rec = next) {
		next = rec->next;
		if (fg->log)
			fg->log(fg->log_ctx, &rec->e, rec->len);
		free(rec);
	}
}

void fanguard_mounts_changed(struct fanguard *fg)
{
	if (fg->marks_all_fs && fg->rules)
		fanguard_apply(fg, fg->rules, fg->policy);
}

/* ---- marks ---- */

/* Octal escapes of /proc/self/mountinfo (\040 for a blank...), in place. */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = 0;
}

struct mount_entry {
	char *line; /* the line's copy, which point and fstype point into */
	uint64_t id;
	unsigned major, minor;
	char *point;
	char *fstype;
};

/* One line of mountinfo: "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE ..." */
static bool parse_mountinfo_line(char *line, struct mount_entry *m)
{
	char *fields[6], *save = NULL, *tok;
	int i = 0;

	for (tok = strtok_r(line, " \n", &save); tok && i < 6; tok = strtok_r(NULL, " \n", &save))
		fields[i++] = tok;
	if (i < 6)
		return false;
	while (tok && strcmp(tok, "-"))
		tok = strtok_r(NULL, " \n", &save);
	tok = tok ? strtok_r(NULL, " \n", &save) : NULL;
	if (!tok || sscanf(fields[2], "%u:%u", &m->major, &m->minor) != 2)
		return false;
	m->id = strtoull(fields[0], NULL, 10);
	m->point = fields[4];
	m->fstype = tok;
	unescape_octal(m->point);
	return true;
}

/* Whether PATH resolves to the mount with id MNT_ID (not hidden by a mount over it). */
static bool path_is_mount(const char *path, uint64_t mnt_id)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT, STATX_MNT_ID, &stx) < 0)
		return false;
	return (stx.stx_mask & STATX_MNT_ID) && stx.stx_mnt_id == mnt_id;
}

static int mark_fs(int group, const char *path)
{
	return fanotify_mark(group, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC_PERM,
			     AT_FDCWD, path) < 0
		       ? -errno
		       : 0;
}

/* Every local filesystem mounted (one mark per superblock), from /proc/self/mountinfo. */
static size_t mark_all_filesystems(int group, struct limits *l)
{
	struct mount_entry *mounts = NULL;
	size_t n = 0, cap = 0, marks = 0;
	char *line = NULL, remote[512] = "";
	size_t linecap = 0, remote_len = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f) {
		limit_add(l, "cannot check the content of any program: /proc/self/mountinfo: %s",
			  strerror(errno));
		return 0;
	}
	while (getline(&line, &linecap, f) > 0) {
		struct mount_entry m;
		char *copy = strdup(line);

		if (!copy || !parse_mountinfo_line(copy, &m)) {
			free(copy);
			continue;
		}
		if (name_in(m.fstype, pseudo_fs, ARRAY_SIZE(pseudo_fs)) ||
		    !strncmp(m.fstype, "cgroup", 6)) {
			free(copy);
			continue;
		}
		if (name_in(m.fstype, remote_fs, ARRAY_SIZE(remote_fs)) ||
		    !strncmp(m.fstype, "nfs", 3) || !strncmp(m.fstype, "fuse.", 5)) {
			if (remote_len < sizeof(remote) - 1)
				remote_len += (size_t)snprintf(
					remote + remote_len, sizeof(remote) - remote_len,
					"%s%s (%s)", remote_len ? ", " : "", m.point, m.fstype);
			free(copy);
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct mount_entry *v = realloc(mounts, ncap * sizeof(*v));

			if (!v) {
				free(copy);
				break;
			}
			mounts = v;
			cap = ncap;
		}
		m.line = copy;
		mounts[n++] = m;
	}
	free(line);
	fclose(f);
	if (remote_len)
		limit_add(l,
			  "cannot check the content of programs on network and FUSE "
			  "filesystems: %s",
			  remote);

	/* One mark per superblock, through any of its mounts that is reachable. */
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		int err = -ENOENT;

		for (size_t k = 0; k < i && !seen; k++)
			seen = mounts[k].major == mounts[i].major &&
			       mounts[k].minor == mounts[i].minor;
		if (seen)
			continue;
		for (size_t k = i; k < n && err; k++) {
			if (mounts[k].major != mounts[i].major ||
			    mounts[k].minor != mounts[i].minor ||
			    !path_is_mount(mounts[k].point, mounts[k].id))
				continue;
			err = mark_fs(group, mounts[k].point);
		}
		if (!err)
			marks++;
		else if (err == -ENOENT)
			limit_add(l,
				  "cannot check the content of programs on %s (%s): every mount "
				  "of it is hidden by another mount",
				  mounts[i].point, mounts[i].fstype);
		else
			limit_add(l,
				  "cannot check the content of programs on %s (%s): the kernel "
				  "refused the mark: %s",
				  mounts[i].point, mounts[i].fstype, strerror(-err));
	}
	for (size_t i = 0; i < n; i++)
		free(mounts[i].line);
	free(mounts);
	return marks;
}

/* The filesystems holding the --fanotify-scope paths only. */
static size_t mark_scopes(struct fanguard *fg, int group, struct limits *l)
{
	char list[1024] = "";
	size_t marks = 0, len = 0;

	for (size_t i = 0; i < fg->n_scopes; i++) {
		int err = mark_fs(group, fg->scopes[i]);

		if (err)
			limit_add(l,
				  "cannot check the content of programs on the filesystem of %s: "
				  "%s",
				  fg->scopes[i], strerror(-err));
		else
			marks++;
		if (len < sizeof(list) - 1)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						len ? ", " : "", fg->scopes[i]);
	}
	limit_add(l,
		  "cannot check the content of programs outside the filesystems of "
		  "--fanotify-scope: %s",
		  list);
	return marks;
}

/*
 * memfd_create() files live on a kernel-internal filesystem: a filesystem mark there is what
 * checks memfd_create() + fexecve(). Kernels refuse marks on internal filesystems (EINVAL).
 */
static size_t mark_memfd(int group, struct limits *l)
{
	int mfd = memfd_create("embargod-mark", MFD_CLOEXEC);
	int err = 0;

	if (mfd < 0)
		err = -errno;
	else if (fanotify_mark(group, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC_PERM, mfd,
			       NULL) < 0)
		err = -errno;
	if (mfd >= 0)
		close(mfd);
	if (!err)
		return 1;
	/* The tracepoint program stops such programs for fanguard_hold() instead. */
	limit_add(l,
		  "cannot make execve() fail for programs run from memory (memfd_create() + "
		  "fexecve(); the kernel refuses a fanotify mark on the memfd filesystem: %s): "
		  "they are stopped (SIGSTOP) before their first instruction, hashed, and killed "
		  "by SIGKILL when banned; the caller sees a stop, then a death by signal, and a "
		  "process allowed to signal it can resume it (SIGCONT) before the hash is done, "
		  "when it is killed late and logged as \"escaped\"",
		  strerror(-err));
	return 0;
}

/* The policy files' inodes, looked up once per set of marks (kernel dev, ino). */
struct policy_inodes {
	struct emb_inode_key *v;
	size_t n;
};

static void policy_inodes_get(const struct emb_policy *policy, struct policy_inodes *pi)
{
	struct stat st;

	pi->n = 0;
	pi->v = policy && policy->n_files ? calloc(policy->n_files, sizeof(*pi->v)) : NULL;
	for (size_t i = 0; pi->v && i < policy->n_files; i++)
		if (stat(policy->files[i], &st) == 0)
			pi->v[pi->n++] = (struct emb_inode_key){ .ino = st.st_ino,
								 .dev = emb_kernel_dev(st.st_dev) };
}

/* Whether the inode (DEV in the kernel's encoding, INO) is one of the policy files. */
static bool is_policy_file(const struct emb_policy *policy, const struct policy_inodes *pi,
			   uint32_t dev, uint64_t ino)
{
	struct stat st;

	if (!pi->v) /* out of memory: one by one */
		for (size_t i = 0; policy && i < policy->n_files; i++)
			if (stat(policy->files[i], &st) == 0 && emb_kernel_dev(st.st_dev) == dev &&
			    st.st_ino == ino)
				return true;
	for (size_t i = 0; i < pi->n; i++)
		if (pi->v[i].dev == dev && pi->v[i].ino == ino)
			return true;
	return false;
}

static const struct emb_rule *entry_rule(const struct emb_policy *policy, const struct emb_entry *e)
{
	return policy && e->value.rule_id < policy->n_rules ? &policy->rules[e->value.rule_id]
							    : NULL;
}

/*
 * An inode mark per path= open rule target. fanotify_mark() does not take an O_PATH
 * descriptor as its dirfd (EBADF), but follows /proc/self/fd/N to the very inode held.
 */
static size_t mark_open_rules(int group, const struct emb_resolved *r,
			      const struct emb_policy *policy, struct limits *l)
{
	struct policy_inodes pi;
	size_t marks = 0;

	policy_inodes_get(policy, &pi);
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct emb_entry *e = &r->entries[i];
		const struct emb_rule *rule;
		char path[PATH_MAX];
		struct stat st;

		if (e->key.kind != EMB_KEY_INODE || e->key.op != EMB_OP_OPEN || e->value.is_dir)
			continue;
		rule = entry_rule(policy, e);
		if (is_policy_file(policy, &pi, e->key.dev, e->key.ino)) {
			/* embargod reads it on reload: it would wait on itself. */
			limit_add(l,
				  "cannot enforce the open rule at %s:%u: it names a policy file, "
				  "which embargod itself reads",
				  rule ? rule->file : "?", rule ? rule->line : 0);
			continue;
		}
		if (r->pins && r->pins[i] >= 0) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", r->pins[i]);
		} else if (rule && rule->matcher == EMB_MATCH_PATH && stat(rule->value, &st) == 0 &&
			   emb_kernel_dev(st.st_dev) == e->key.dev && st.st_ino == e->key.ino) {
			snprintf(path, sizeof(path), "%s", rule->value);
		} else {
			limit_add(l,
				  "cannot enforce the open rule at %s:%u on inode %llu: it is not "
				  "held open, and its name leads elsewhere",
				  rule ? rule->file : "?", rule ? rule->line : 0,
				  (unsigned long long)e->key.ino);
			continue;
		}
		if (fanotify_mark(group, FAN_MARK_ADD | FAN_MARK_INODE, FAN_OPEN_PERM, AT_FDCWD,
				  path) == 0)
			marks++;
		else
			limit_add(l,
				  "cannot enforce the open rule at %s:%u on %s: the kernel refused "
				  "the mark: %s",
				  rule ? rule->file : "?", rule ? rule->line : 0,
				  rule ? rule->value : path, strerror(errno));
	}
	free(pi.v);
	return marks;
}

/* Answers what the old group still holds (by the rules now in force), then closes it. */
static void retire_group(struct fanguard *fg, int group)
{
	if (group < 0)
		return;
	pthread_mutex_lock(&fg->lock);
	drain_group(fg, group, 1024);
	if (fg->epoll_fd >= 0)
		epoll_ctl(fg->epoll_fd, EPOLL_CTL_DEL, group, NULL);
	close(group); /* the kernel allows anything that came after the drain */
	pthread_mutex_unlock(&fg->lock);
	/* What the drain decided is logged with the rest. */
	if (fg->log_fd >= 0)
		(void)!eventfd_write(fg->log_fd, 1);
}

static bool limit_known(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* L becomes the limits in force; ones not seen before are printed once start-up is over. */
static void limits_replace(struct fanguard *fg, struct limits *l)
{
	if (l->dropped)
		limit_add(l, "cannot list every limit: %zu more (fanotify marks refused)",
			  l->dropped);
	for (size_t i = 0; i < l->n; i++)
		if (fg->announced && !limit_known(fg->limits, fg->n_limits, l->v[i]))
			fprintf(stderr, "embargod: %s tier: %s\n", emb_tier_name(fg->tier),
				l->v[i]);
	for (size_t i = 0; i < fg->n_limits; i++)
		free(fg->limits[i]);
	memcpy(fg->limits, l->v, l->n * sizeof(*l->v));
	fg->n_limits = l->n;
}

void fanguard_apply(struct fanguard *fg, const struct emb_resolved *r,
		    const struct emb_policy *policy)
{
	struct limits l = { 0 };
	static uint32_t serials; /* 0 is no group's */
	size_t n_sha = 0, n_sha_allow = 0, n_open = 0, marks = 0;
	int group, old;

	pthread_mutex_lock(&fg->lock);
	fg->rules = r;
	fg->policy = policy;
	pthread_mutex_unlock(&fg->lock);
	if (fg->tier != EMB_TIER_TRACEPOINT)
		return;
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct emb_entry *e = &r->entries[i];

		if (e->key.kind == EMB_KEY_SHA256 && e->key.op == EMB_OP_EXEC) {
			n_sha++;
			n_sha_allow += e->value.verdict == EMB_VERDICT_ALLOW;
		} else if (e->key.kind == EMB_KEY_INODE && e->key.op == EMB_OP_OPEN &&
			   !e->value.is_dir) {
			n_open++;
		}
	}
	if (fg->unavailable[0] && (n_sha || n_open)) {
		limit_add(&l, "cannot check sha256= exec rules or enforce path= open rules: %s",
			  fg->unavailable);
		limits_replace(fg, &l);
		return;
	}
	if (!n_sha && !n_open) {
		/* Nothing to check: no group, no marks, no cost. */
		pthread_mutex_lock(&fg->lock);
		old = fg->group_fd;
		fg->group_fd = -1;
		fg->group_serial = 0;
		pthread_mutex_unlock(&fg->lock);
		retire_group(fg, old);
		vouched_prune(fg);
		fg->n_marks = 0;
		fg->marks_all_fs = false;
		limits_replace(fg, &l);
		return;
	}
	group = group_open();
	if (group < 0) {
		fprintf(stderr,
			"embargod: fanotify: cannot set up the marks of the new policy: %s; "
			"the previous marks stay\n",
			strerror(-group));
		pthread_mutex_lock(&fg->lock);
		fg->cnt.errors++;
		pthread_mutex_unlock(&fg->lock);
		return;
	}
	/* Answered from its first mark on: a policy with many marks takes a while to set up. */
	pthread_mutex_lock(&fg->lock);
	fg->new_group_fd = group;
	fg->new_group_serial = ++serials;
	pthread_mutex_unlock(&fg->lock);
	if (epoll_ctl(fg->epoll_fd, EPOLL_CTL_ADD, group,
		      &(struct epoll_event){ .events = EPOLLIN, .data.fd = group }) < 0) {
		fprintf(stderr,
			"embargod: fanotify: cannot poll the new group: %s; the previous "
			"marks stay\n",
			strerror(errno));
		pthread_mutex_lock(&fg->lock);
		fg->cnt.errors++;
		fg->new_group_fd = -1;
		fg->new_group_serial = 0;
		pthread_mutex_unlock(&fg->lock);
		close(group);
		return;
	}
	if (n_sha) {
		marks +=
			fg->n_scopes ? mark_scopes(fg, group, &l) : mark_all_filesystems(group, &l);
		if (!fg->n_scopes)
			limit_add(&l,
				  "cannot check the content of programs on filesystems mounted "
				  "only in other mount namespaces (containers)%s",
				  fg->mountinfo_fd < 0 ? ", nor on filesystems mounted after the "
							 "policy was loaded, until the next reload"
						       : "");
		marks += mark_memfd(group, &l);
		if (n_sha_allow)
			limit_add(&l,
				  "cannot let an allow sha256= exec rule make an exception to a "
				  "dir= exec rule: the dir= rule decides");
	}
	if (n_open)
		marks += mark_open_rules(group, r, policy, &l);
	/* The new marks are in place: only now may the old ones go. */
	pthread_mutex_lock(&fg->lock);
	old = fg->group_fd;
	fg->group_fd = group;
	fg->group_serial = fg->new_group_serial;
	fg->new_group_fd = -1;
	fg->new_group_serial = 0;
	pthread_mutex_unlock(&fg->lock);
	retire_group(fg, old);
	vouched_prune(fg);
	fg->n_marks = marks;
	fg->marks_all_fs = n_sha && !fg->n_scopes;
	limits_replace(fg, &l);
}

/* ---- reporting ---- */

static void tier_limits(const struct fanguard *fg, const char *const **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (fg->tier == EMB_TIER_TRACEPOINT) {
		*v = tracepoint_limits;
		*n = ARRAY_SIZE(tracepoint_limits);
	} else if (fg->tier == EMB_TIER_LSM) {
		*v = lsm_limits;
		*n = ARRAY_SIZE(lsm_limits);
	}
}

void fanguard_print_limits(struct fanguard *fg)
{
	const char *const *v;
	size_t n;

	tier_limits(fg, &v, &n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "embargod: %s tier: %s\n", emb_tier_name(fg->tier), v[i]);
	for (size_t i = 0; i < fg->n_limits; i++)
		fprintf(stderr, "embargod: %s tier: %s\n", emb_tier_name(fg->tier), fg->limits[i]);
	fg->announced = true;
}

void fanguard_status(const struct fanguard *fg, struct json *j)
{
	struct strbuf counters = { 0 }, limits = { 0 };
	struct fanguard_counters cnt;
	const char *const *v;
	size_t n;
	struct json jc;

	if (fg->tier == EMB_TIER_TRACEPOINT) {
		/* The answering thread counts as it goes. */
		pthread_mutex_lock((pthread_mutex_t *)&fg->lock);
		cnt = fg->cnt;
		pthread_mutex_unlock((pthread_mutex_t *)&fg->lock);
		json_begin(&jc, &counters);
		json_u64(&jc, "hashed", cnt.hashed);
		json_u64(&jc, "cache_hits", cnt.cache_hits);
		json_u64(&jc, "denied", cnt.denied);
		json_u64(&jc, "audited", cnt.audited);
		json_u64(&jc, "errors", cnt.errors);
		json_u64(&jc, "marks", fg->n_marks);
		json_u64(&jc, "events", cnt.events);
		json_u64(&jc, "held", cnt.held);
		json_u64(&jc, "escaped", cnt.escaped);
		json_u64(&jc, "log_lost", cnt.log_lost);
		json_u64(&jc, "vouched", cnt.vouched);
		json_end(&jc);
		if (!counters.oom)
			json_raw(j, "fanotify", counters.buf);
	}
	tier_limits(fg, &v, &n);
	sb_putc(&limits, '[');
	for (size_t i = 0; i < n + fg->n_limits; i++) {
		const char *s = i < n ? v[i] : fg->limits[i - n];

		if (i)
			sb_putc(&limits, ',');
		json_quote(&limits, s, strlen(s));
	}
	sb_putc(&limits, ']');
	if (!limits.oom)
		json_raw(j, "limits", limits.buf);
	sb_free(&counters);
	sb_free(&limits);
}

void fanguard_stop(struct fanguard *fg)
{
	if (!fg->thread_running)
		return;
	(void)!eventfd_write(fg->stop_fd, 1);
	pthread_join(fg->thread, NULL);
	fg->thread_running = false;
}

void fanguard_close(struct fanguard *fg)
{
	fanguard_stop(fg);
	/* Closing the group lets what it holds through. */
	while (fg->log_head) {
		struct fanguard_record *next = fg->log_head->next;

		free(fg->log_head);
		fg->log_head = next;
	}
	if (fg->group_fd >= 0)
		close(fg->group_fd);
	if (fg->mountinfo_fd >= 0)
		close(fg->mountinfo_fd);
	if (fg->epoll_fd >= 0)
		close(fg->epoll_fd);
	if (fg->stop_fd >= 0)
		close(fg->stop_fd);
	if (fg->log_fd >= 0)
		close(fg->log_fd);
	for (size_t i = 0; i < fg->n_limits; i++)
		free(fg->limits[i]);
	free(fg->cache);
	fanguard_init(fg);
}
