// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Exec enforcement, in two tiers sharing one decision:
 *  - lsm: bprm_check_security returns -EPERM, so execve() fails before the new image exists;
 *    mmap_file and file_mprotect refuse executable mappings of a denied file, which stops
 *    the dynamic loader running it ("ld.so ./banned") and dlopen() of a denied library;
 *  - tracepoint: for kernels without BPF LSM, sched_process_exec sends SIGKILL to the task that
 *    just exec'd, which dies before it returns to user mode, so no instruction of it runs.
 * embargod loads one of the two programs. The decision is taken from the file being executed,
 * by inode, never from the path string the caller passed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "embargo.h"
#include "lib/vfs_walk.h"

#define EPERM	    1
#define SIGKILL	    9
#define SIGSTOP	    19
#define PROT_EXEC   0x4
#define S_IFMT	    00170000
#define S_IFREG	    0100000
#define FMODE_WRITE 0x2
/* include/uapi/linux/hash_info.h */
#define HASH_ALGO_SHA256 4

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * The policy's rules, one map per generation; embargod swaps the inner map in one update.
 * Sizes, not types: clang emits only a forward declaration for types an inner map names.
 */
struct emb_rules {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct emb_rule_key));
	__uint(value_size, sizeof(struct emb_rule_value));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct emb_rules);
} policy SEC(".maps");

/* What the hashing programs need to hash; see struct emb_hash_config. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct emb_hash_config);
} hash_config SEC(".maps");

/* The content hash of each inode that needed one (lsm tier only). */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct emb_digest_cache);
} digests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EMB_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Tamper protection: see struct emb_guard_config. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct emb_guard_config);
} guard_config SEC(".maps");

/* embargod's files (policy, keys, log) and the ids of its maps, which others may not change. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct emb_inode_key);
	__type(value, __u8);
} guarded SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} guarded_maps SEC(".maps");

/* Tracepoint tier: programs embargod let run without a fanotify round trip (emb_vouched). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EMB_VOUCHED_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct emb_inode_key);
	__type(value, struct emb_vouched);
} vouched SEC(".maps");

/*
 * Events are built here, off the 512-byte stack; the slack absorbs a name read at the end.
 * An LSM program can be preempted on its CPU by another exec: each use claims a slot first.
 */
#define EMB_SCRATCH_SLOTS 4

struct emb_scratch {
	__u32 busy;
	__u32 pad;
	struct emb_event event;
	char slack[256];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EMB_SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct emb_scratch);
} scratch SEC(".maps");

static __always_inline struct emb_scratch *emb_scratch_try(__u32 slot)
{
	struct emb_scratch *s = bpf_map_lookup_elem(&scratch, &slot);

	return s && __sync_val_compare_and_swap(&s->busy, 0, 1) == 0 ? s : NULL;
}

/* Written out, not a loop: 6.1's verifier takes a loop around a cmpxchg for an endless one. */
static __always_inline struct emb_scratch *emb_scratch_claim(void)
{
	struct emb_scratch *s;

	_Static_assert(EMB_SCRATCH_SLOTS == 4, "emb_scratch_claim tries four slots");
	if ((s = emb_scratch_try(0)) || (s = emb_scratch_try(1)) || (s = emb_scratch_try(2)))
		return s;
	return emb_scratch_try(3);
}

static __always_inline void emb_scratch_release(struct emb_scratch *s)
{
	__sync_fetch_and_and(&s->busy, 0);
}

static __always_inline void emb_count(enum emb_counter c)
{
	__u32 key = c;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	if (v)
		*v += 1;
}

struct emb_decision {
	struct emb_rule_value rule;
	__u64 ino;
	__u32 dev;
	__u32 flags;
	int matched;
	__u8 sha256[32]; /* when flags has EMB_EVENT_F_SHA256 */
};

struct emb_lookup_walk {
	struct emb_walk w;
	void *rules;
	struct emb_decision *d;
	__u8 op;
	int ended; /* reached the root */
};

/*
 * Pseudo file systems: their "files" are generated on read, may block, and are never
 * programs; they are not hashed.
 */
static __always_inline int emb_pseudo_fs(unsigned long magic)
{
	switch (magic) {
	case 0x9fa0:	 /* proc */
	case 0x62656572: /* sysfs */
	case 0x64626720: /* debugfs */
	case 0x74726163: /* tracefs */
	case 0x73636673: /* securityfs */
	case 0x27e0eb:	 /* cgroup */
	case 0x63677270: /* cgroup2 */
	case 0xcafe4a11: /* bpf */
	case 0x1cd1:	 /* devpts */
	case 0x6e736673: /* nsfs */
	case 0x62656570: /* configfs */
	case 0xde5e81e4: /* efivarfs */
	case 0x6165676c: /* pstore */
		return 1;
	}
	return 0;
}

static __always_inline __u32 emb_hash_flags(void)
{
	__u32 zero = 0;
	struct emb_hash_config *hc = bpf_map_lookup_elem(&hash_config, &zero);

	return hc ? hc->flags : 0;
}

/*
 * Makes sure the inode of FILE has a valid content hash in its cache: hashes the file (IMA's
 * hash of it, sha256) unless the cache holds one taken since the last change and no writer
 * has the file open. Sleepable programs only.
 */
static __always_inline void emb_hash_file(struct file *file)
{
	struct inode *inode = file->f_inode;
	struct emb_digest_cache *c;
	__u8 buf[32] = {};
	__u32 epoch;
	long algo;

	if (!inode || (inode->i_mode & S_IFMT) != S_IFREG || emb_pseudo_fs(inode->i_sb->s_magic))
		return;
	c = bpf_inode_storage_get(&digests, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c) {
		emb_count(EMB_CNT_HASH_FAILED);
		return;
	}
	if (c->state == EMB_DIGEST_VALID && c->reusable && c->hashed_epoch == c->epoch &&
	    inode->i_writecount.counter <= 0) {
		emb_count(EMB_CNT_HASH_CACHED);
		return;
	}
	epoch = c->epoch;
	algo = bpf_ima_file_hash(file, buf, sizeof(buf));
	if (algo != HASH_ALGO_SHA256) {
		c->state = EMB_DIGEST_FAILED;
		emb_count(EMB_CNT_HASH_FAILED);
		return;
	}
	__builtin_memcpy(c->sha256, buf, sizeof(buf));
	c->hashed_epoch = epoch;
	/* Taken while someone may be writing: good for this decision, not for the next. */
	c->reusable = inode->i_writecount.counter <= 0;
	c->cached[0].generation = 0;
	c->cached[1].generation = 0;
	c->state = EMB_DIGEST_VALID;
	emb_count(EMB_CNT_HASHED);
}

/* The content may have changed: the cached hash of INODE, if any, is no longer valid. */
static __always_inline void emb_digest_invalidate(struct inode *inode)
{
	struct emb_digest_cache *c = bpf_inode_storage_get(&digests, inode, 0, 0);

	if (c)
		__sync_fetch_and_add(&c->epoch, 1);
}

/*
 * The sha256= rules' verdict for FILE under operation OP, from the hash the hashing program
 * left in the inode's cache; the verdict is cached there too, for policy generation GEN.
 * Returns 1 when a rule matched.
 */
static __always_inline int emb_decide_digest(struct file *file, void *rules, struct emb_decision *d,
					     __u8 op, __u32 gen)
{
	struct emb_rule_key key = {};
	struct emb_digest_cache *c;
	struct emb_rule_value *v;
	int i = op == EMB_OP_KEY_OPEN ? 1 : 0;

	c = bpf_inode_storage_get(&digests, file->f_inode, 0, 0);
	if (!c || c->state != EMB_DIGEST_VALID || c->hashed_epoch != c->epoch) {
		emb_count(EMB_CNT_NO_DIGEST);
		return 0;
	}
	__builtin_memcpy(d->sha256, c->sha256, sizeof(d->sha256));
	d->flags |= EMB_EVENT_F_SHA256;
	if (c->cached[i].generation == gen) {
		if (!c->cached[i].matched)
			return 0;
		d->rule.rule_id = c->cached[i].rule_id;
		d->rule.generation = gen;
		d->rule.verdict = c->cached[i].verdict;
		d->rule.flags = c->cached[i].flags;
		d->flags |= EMB_EVENT_F_BY_SHA256;
		d->matched = 1;
		return 1;
	}
	key.kind = EMB_KEY_SHA256;
	key.op = op;
	__builtin_memcpy(key.sha256, d->sha256, sizeof(key.sha256));
	v = bpf_map_lookup_elem(rules, &key);
	c->cached[i].matched = v != NULL;
	if (v) {
		c->cached[i].rule_id = v->rule_id;
		c->cached[i].verdict = v->verdict;
		c->cached[i].flags = v->flags;
		d->rule = *v;
		d->flags |= EMB_EVENT_F_BY_SHA256;
		d->matched = 1;
	}
	c->cached[i].generation = gen;
	return v != NULL;
}

/* One directory up and its lookup; a bpf_loop() callback, so it is verified once. */
static long emb_lookup_step(__u32 index, void *ctx)
{
	struct emb_lookup_walk *lw = ctx;
	struct emb_rule_key key = {};
	struct emb_rule_value *v;

	if (!emb_walk_up(&lw->w, NULL)) {
		lw->ended = 1;
		return 1;
	}
	emb_dentry_key(lw->w.dentry, &key.ino, &key.dev);
	key.kind = EMB_KEY_INODE;
	key.op = lw->op;
	v = bpf_map_lookup_elem(lw->rules, &key);
	if (!v)
		return 0;
	lw->d->rule = *v;
	lw->d->matched = 1;
	return 1;
}

/*
 * The most specific rule of operation OP for FILE: its own inode first, then its content
 * (sha256= rules, lsm tier: LSM is a constant), then each directory above it, nearest first.
 * So an exact file beats its content, which beats any directory, and a deeper directory beats
 * a shallower one. embargod has already merged rules that name the same key (deny > audit >
 * allow). META is the rule map's meta entry when the caller has looked it up already, or NULL.
 */
static __always_inline void emb_decide(struct file *file, void *rules, struct emb_decision *d,
				       __u8 op, int lsm, struct emb_rule_value *meta)
{
	struct emb_lookup_walk lw = { .rules = rules, .d = d, .op = op };
	struct emb_rule_key key = {};
	struct emb_rule_value *v;
	__u8 dirs = op == EMB_OP_KEY_OPEN ? EMB_META_DIRS_OPEN : EMB_META_DIRS_EXEC;
	__u8 sha = op == EMB_OP_KEY_OPEN ? EMB_META_SHA256_OPEN : EMB_META_SHA256_EXEC;

	emb_walk_start(&lw.w, file);
	emb_dentry_key(lw.w.dentry, &d->ino, &d->dev);
	key.kind = EMB_KEY_INODE;
	key.op = op;
	key.ino = d->ino;
	key.dev = d->dev;
	v = bpf_map_lookup_elem(rules, &key);
	if (v) {
		d->rule = *v;
		d->matched = 1;
		return;
	}

	if (!meta) {
		__builtin_memset(&key, 0, sizeof(key));
		meta = bpf_map_lookup_elem(rules, &key);
	}
	if (!meta)
		return;
	if (lsm && (meta->flags & sha) && emb_decide_digest(file, rules, d, op, meta->generation))
		return;
	if (!(meta->flags & dirs))
		return;
	bpf_loop(EMB_WALK_MAX, emb_lookup_step, &lw, 0);
	if (d->matched || lw.ended)
		return;
	/* A tree this deep is built to hide from dir rules: fail closed. */
	emb_count(EMB_CNT_TOO_DEEP);
	d->flags |= EMB_EVENT_F_TOO_DEEP;
	d->rule.verdict = EMB_VERDICT_DENY;
	d->rule.rule_id = (__u32)-1;
	d->rule.generation = meta->generation;
	d->matched = 1;
}

struct emb_path_walk {
	struct emb_walk w;
	char *buf;
	__u32 off;
	__u32 flags;
	int ended;
};

/* Records one component of the path; a bpf_loop() callback. */
static long emb_path_step(__u32 index, void *ctx)
{
	struct emb_path_walk *pw = ctx;
	const unsigned char *name;
	long n;

	if (!emb_walk_up(&pw->w, &name)) {
		pw->ended = 1;
		return 1;
	}
	if (pw->off >= EMB_PATH_MAX - 1) {
		pw->flags |= EMB_EVENT_F_PATH_TRUNCATED;
		pw->off = EMB_PATH_MAX - 1;
		return 1;
	}
	/* The slack behind buf takes a name that starts near the end. */
	n = bpf_probe_read_kernel_str(&pw->buf[pw->off & (EMB_PATH_MAX - 1)], 256, name);
	if (n <= 0) {
		pw->ended = 1;
		return 1;
	}
	pw->off += n;
	return 0;
}

/* Records the path leaf first ("file\0dir\0...\0"), see struct emb_event. */
static __always_inline __u32 emb_record_path(struct file *file, char *buf, __u32 *flags)
{
	struct emb_path_walk pw = { .buf = buf };

	emb_walk_start(&pw.w, file);
	bpf_loop(EMB_WALK_MAX, emb_path_step, &pw, 0);
	if (!pw.ended)
		pw.flags |= EMB_EVENT_F_PATH_TRUNCATED;
	*flags |= pw.flags;
	return pw.off < EMB_PATH_MAX ? pw.off : EMB_PATH_MAX - 1;
}

/*
 * Sends the event for a decision on FILE. FILENAME is the name execve() was given, or NULL
 * when the file was reached otherwise (an executable mapping).
 */
static __always_inline void emb_emit(struct file *file, const char *filename,
				     enum emb_event_type type, struct emb_decision *d,
				     enum emb_tier tier)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct emb_scratch *s;
	struct emb_event *e;
	__u64 uid_gid;
	__u32 len;
	long err;

	s = emb_scratch_claim();
	if (!s) {
		emb_count(EMB_CNT_SCRATCH_BUSY);
		return;
	}
	e = &s->event;
	e->boot_ns = bpf_ktime_get_boot_ns();
	e->type = type;
	e->ino = d->ino;
	e->dev = d->dev;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	uid_gid = bpf_get_current_uid_gid();
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->auid = BPF_CORE_READ(task, loginuid.val);
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->rule_id = d->rule.rule_id;
	e->generation = d->rule.generation;
	e->verdict = d->rule.verdict;
	e->tier = tier;
	e->flags = d->flags;
	if (d->rule.flags & EMB_RULE_F_WOULD_DENY)
		e->flags |= EMB_EVENT_F_WOULD_DENY;
	if (d->flags & EMB_EVENT_F_SHA256)
		__builtin_memcpy(e->sha256, d->sha256, sizeof(e->sha256));
	else
		__builtin_memset(e->sha256, 0, sizeof(e->sha256));
	e->filename[0] = 0;
	if (filename)
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	/* Before the exec (lsm) the task still has its old name: userspace derives the new one. */
	e->comm[0] = 0;
	if (tier == EMB_TIER_TRACEPOINT || type != EMB_EVENT_EXEC)
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	len = emb_record_path(file, e->path, &e->flags);
	e->path_len = len;
	len = offsetof(struct emb_event, path) + (len & (EMB_PATH_MAX - 1));
	err = bpf_ringbuf_output(&events, e, len, 0);
	emb_scratch_release(s);
	emb_count(err ? EMB_CNT_RINGBUF_FULL : EMB_CNT_EVENTS);
}

/* The guard's configuration when tamper protection is on, else NULL. */
static __always_inline struct emb_guard_config *emb_guard(void)
{
	__u32 zero = 0;
	struct emb_guard_config *c = bpf_map_lookup_elem(&guard_config, &zero);

	return c && c->enabled ? c : NULL;
}

/* Whether task T runs embargod's program. */
static __always_inline int emb_is_embargod(struct task_struct *t, struct emb_guard_config *c)
{
	struct inode *i = BPF_CORE_READ(t, mm, exe_file, f_inode);

	return i && BPF_CORE_READ(i, i_ino) == c->exe_ino &&
	       BPF_CORE_READ(i, i_sb, s_dev) == c->exe_dev;
}

/* Whether the current task may touch what the guard protects: embargod itself. */
static __always_inline int emb_guard_allows(struct emb_guard_config *c)
{
	return emb_is_embargod((struct task_struct *)bpf_get_current_task(), c);
}

static __always_inline int emb_guarded_inode(struct inode *inode)
{
	struct emb_inode_key k = {};

	if (!inode)
		return 0;
	k.ino = BPF_CORE_READ(inode, i_ino);
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	return bpf_map_lookup_elem(&guarded, &k) != NULL;
}

/* Logs a refused tamper attempt by the current task; returns -EPERM. */
static __always_inline int emb_tamper(enum emb_tamper_op op, __u32 target, __u32 detail,
				      struct inode *inode, const unsigned char *name)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct emb_scratch *s;
	struct emb_event *e;
	__u64 uid_gid;
	long err;

	emb_count(EMB_CNT_TAMPER);
	s = emb_scratch_claim();
	if (!s) {
		emb_count(EMB_CNT_SCRATCH_BUSY);
		return -EPERM;
	}
	e = &s->event;
	e->boot_ns = bpf_ktime_get_boot_ns();
	e->type = EMB_EVENT_TAMPER;
	e->ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
	e->dev = inode ? BPF_CORE_READ(inode, i_sb, s_dev) : detail;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	uid_gid = bpf_get_current_uid_gid();
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->auid = BPF_CORE_READ(task, loginuid.val);
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->rule_id = op;
	e->generation = target;
	e->verdict = EMB_VERDICT_DENY;
	e->tier = EMB_TIER_LSM;
	e->flags = 0;
	__builtin_memset(e->sha256, 0, sizeof(e->sha256));
	e->filename[0] = 0;
	if (name)
		bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), name);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->path_len = 0;
	err = bpf_ringbuf_output(&events, e, offsetof(struct emb_event, path), 0);
	emb_scratch_release(s);
	emb_count(err ? EMB_CNT_RINGBUF_FULL : EMB_CNT_EVENTS);
	return -EPERM;
}

/* A file operation on DENTRY (in DIR): refused when it touches a pin or a protected file. */
static __always_inline int emb_guard_dentry(enum emb_tamper_op op, struct inode *dir,
					    struct dentry *dentry)
{
	struct emb_guard_config *c = emb_guard();
	struct inode *inode;

	if (!c || !dentry)
		return 0;
	inode = BPF_CORE_READ(dentry, d_inode);
	if (!emb_guarded_inode(inode) &&
	    !(dir && BPF_CORE_READ(dir, i_ino) == c->pin_ino &&
	      BPF_CORE_READ(dir, i_sb, s_dev) == c->pin_dev) &&
	    !(inode && BPF_CORE_READ(inode, i_ino) == c->pin_ino &&
	      BPF_CORE_READ(inode, i_sb, s_dev) == c->pin_dev))
		return 0;
	if (emb_guard_allows(c))
		return 0;
	return emb_tamper(op, 0, 0, inode, BPF_CORE_READ(dentry, d_name.name));
}

/* Mounts the kernel makes for itself (kern_mount) are in no namespace: MNT_NS_INTERNAL. */
#define EMB_MNT_NS_INTERNAL ((unsigned long)-22) /* ERR_PTR(-EINVAL) */
static __always_inline int emb_internal_mount(struct file *file)
{
	struct vfsmount *vmnt = BPF_CORE_READ(file, f_path.mnt);
	struct mount *mnt = container_of(vmnt, struct mount, mnt);

	return (unsigned long)BPF_CORE_READ(mnt, mnt_ns) == EMB_MNT_NS_INTERNAL;
}

/* struct inode's ctime across kernels: two fields since 6.11, __i_ctime in 6.6, else i_ctime. */
struct inode___ctime_split {
	time64_t i_ctime_sec;
	__u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

struct inode___ctime_hidden {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___ctime_old {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

static __always_inline void emb_inode_ctime(struct inode *inode, __s64 *sec, __u32 *nsec)
{
	if (bpf_core_field_exists(struct inode___ctime_split, i_ctime_sec)) {
		struct inode___ctime_split *i = (void *)inode;

		*sec = BPF_CORE_READ(i, i_ctime_sec);
		/* Since 6.13 the top bit says the ctime was looked at (I_CTIME_QUERIED). */
		*nsec = BPF_CORE_READ(i, i_ctime_nsec) & 0x3fffffff;
	} else if (bpf_core_field_exists(struct inode___ctime_hidden, __i_ctime)) {
		struct inode___ctime_hidden *i = (void *)inode;

		*sec = BPF_CORE_READ(i, __i_ctime.tv_sec);
		*nsec = (__u32)BPF_CORE_READ(i, __i_ctime.tv_nsec);
	} else {
		struct inode___ctime_old *i = (void *)inode;

		*sec = BPF_CORE_READ(i, i_ctime.tv_sec);
		*nsec = (__u32)BPF_CORE_READ(i, i_ctime.tv_nsec);
	}
}

/* Whether FILE is a program embargod vouched for that has changed since (struct emb_vouched). */
static __always_inline bool emb_vouch_stale(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct emb_inode_key k = {};
	struct emb_vouched *v;
	__u32 nsec;
	__s64 sec;

	if (!inode)
		return false;
	k.ino = BPF_CORE_READ(inode, i_ino);
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	v = bpf_map_lookup_elem(&vouched, &k);
	if (!v)
		return false;
	emb_inode_ctime(inode, &sec, &nsec);
	return v->size != BPF_CORE_READ(inode, i_size) || v->ctime_sec != sec ||
	       v->ctime_nsec != nsec;
}

/* Returns the verdict for the exec of BPRM and records it; ALLOW when no rule matched. */
static __always_inline int emb_exec_verdict(struct linux_binprm *bprm, enum emb_tier tier)
{
	struct emb_decision d = {};
	__u32 zero = 0;
	void *rules;

	emb_count(EMB_CNT_EXEC_SEEN);
	rules = bpf_map_lookup_elem(&policy, &zero);
	if (!rules) {
		emb_count(EMB_CNT_NO_POLICY);
		return EMB_VERDICT_ALLOW;
	}
	if (tier == EMB_TIER_LSM)
		emb_decide(bprm->file, rules, &d, EMB_OP_KEY_EXEC, 1, NULL);
	else
		emb_decide(bprm->file, rules, &d, EMB_OP_KEY_EXEC, 0, NULL);
	if (!d.matched && tier == EMB_TIER_TRACEPOINT &&
	    (emb_hash_flags() & EMB_META_SHA256_EXEC) &&
	    (emb_internal_mount(bprm->file) || emb_vouch_stale(bprm->file))) {
		/*
		 * sha256= rules need the content, which embargod checks with fanotify; a file on a
		 * kernel-internal mount (memfd_create) is out of its reach, and so is one it
		 * vouched for that changed without a write. Stop the task before its first
		 * instruction and let embargod hash it and kill or continue it.
		 */
		if (bpf_send_signal(SIGSTOP)) {
			emb_count(EMB_CNT_SIGNAL_FAILED);
			return EMB_VERDICT_ALLOW;
		}
		emb_count(EMB_CNT_HELD);
		emb_emit(bprm->file, BPF_CORE_READ(bprm, filename), EMB_EVENT_HOLD, &d, tier);
		return EMB_VERDICT_ALLOW;
	}
	if (!d.matched || d.rule.verdict == EMB_VERDICT_ALLOW)
		return EMB_VERDICT_ALLOW;

	if (d.rule.verdict == EMB_VERDICT_DENY) {
		emb_count(EMB_CNT_DENIED);
		/* The tracepoint comes after the point of no return: the task dies instead. */
		if (tier == EMB_TIER_TRACEPOINT && bpf_send_signal(SIGKILL)) {
			emb_count(EMB_CNT_SIGNAL_FAILED);
			d.flags |= EMB_EVENT_F_SIGNAL_FAILED;
		}
	} else {
		emb_count(EMB_CNT_AUDITED);
	}
	emb_emit(BPF_CORE_READ(bprm, file), BPF_CORE_READ(bprm, filename), EMB_EVENT_EXEC, &d,
		 tier);
	return d.rule.verdict;
}

/* Whether FILE is the program the current task runs (set before the exec maps it). */
static __always_inline int emb_is_own_exe(struct file *file)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, mm, exe_file, f_inode) == BPF_CORE_READ(file, f_inode);
}

/*
 * An executable mapping of FILE: how the dynamic loader runs a program it was handed
 * ("ld.so ./banned") and how dlopen() loads a library. Only a denial acts and is logged: the
 * kernel maps every program it executes too, and that exec was decided (and logged) already.
 * In audit mode a mapping enforce mode would refuse is logged, unless it is of the task's own
 * program, for that same reason.
 */
static __always_inline int emb_mmap_verdict(struct file *file)
{
	struct emb_decision d = {};
	__u32 zero = 0;
	void *rules;

	rules = bpf_map_lookup_elem(&policy, &zero);
	if (!rules)
		return 0;
	emb_decide(file, rules, &d, EMB_OP_KEY_EXEC, 1, NULL);
	if (!d.matched)
		return 0;
	if (d.rule.verdict == EMB_VERDICT_DENY) {
		emb_count(EMB_CNT_DENIED);
		emb_emit(file, NULL, EMB_EVENT_MMAP, &d, EMB_TIER_LSM);
		return -EPERM;
	}
	if ((d.rule.flags & EMB_RULE_F_WOULD_DENY) && !emb_is_own_exe(file)) {
		emb_count(EMB_CNT_AUDITED);
		emb_emit(file, NULL, EMB_EVENT_MMAP, &d, EMB_TIER_LSM);
	}
	return 0;
}

/*
 * An open of FILE under the open rules: a denial fails the open (and so an exec, a copy, or
 * an interpreter reading a script); audit and deny are logged.
 */
static __always_inline int emb_open_verdict(struct file *file)
{
	struct emb_rule_key key = {};
	struct emb_decision d = {};
	struct emb_rule_value *meta;
	__u32 zero = 0;
	void *rules;

	rules = bpf_map_lookup_elem(&policy, &zero);
	if (!rules)
		return 0;
	meta = bpf_map_lookup_elem(rules, &key);
	if (!meta || !(meta->flags & EMB_META_OPEN))
		return 0;
	/* The meta entry said open rules exist: the decision need not look it up again. */
	emb_decide(file, rules, &d, EMB_OP_KEY_OPEN, 1, meta);
	if (!d.matched || d.rule.verdict == EMB_VERDICT_ALLOW)
		return 0;
	if (d.rule.verdict == EMB_VERDICT_DENY)
		emb_count(EMB_CNT_OPEN_DENIED);
	else
		emb_count(EMB_CNT_AUDITED);
	emb_emit(file, NULL, EMB_EVENT_OPEN, &d, EMB_TIER_LSM);
	return d.rule.verdict == EMB_VERDICT_DENY ? -EPERM : 0;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(emb_lsm_bprm_check, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	return emb_exec_verdict(bprm, EMB_TIER_LSM) == EMB_VERDICT_DENY ? -EPERM : 0;
}

/*
 * The hashing programs. They are sleepable (reading a file can sleep), so they cannot reach the
 * rule map on every kernel; they only fill the inode's hash cache, and embargod attaches them
 * after the deciding programs of the same hook, which makes the kernel run them first.
 */
SEC("lsm.s/bprm_check_security")
int BPF_PROG(emb_lsm_hash_bprm, struct linux_binprm *bprm, int ret)
{
	if (!ret && (emb_hash_flags() & EMB_META_SHA256_EXEC))
		emb_hash_file(bprm->file);
	return 0;
}

/* Every mapping, not only executable ones: mprotect() can make it executable later. */
SEC("lsm.s/mmap_file")
int BPF_PROG(emb_lsm_hash_mmap, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (!ret && file && (emb_hash_flags() & EMB_META_SHA256_EXEC))
		emb_hash_file(file);
	return 0;
}

/* Opens: the open rules decide; an open for writing invalidates the cached hash after that. */
SEC("lsm/file_open")
int BPF_PROG(emb_lsm_file_open, struct file *file, int ret)
{
	int r;

	if (ret)
		return ret;
	if (file->f_mode & FMODE_WRITE) {
		struct emb_guard_config *c = emb_guard();

		if (c && emb_guarded_inode(file->f_inode) && !emb_guard_allows(c))
			return emb_tamper(EMB_TAMPER_WRITE, 0, 0, file->f_inode,
					  BPF_CORE_READ(file, f_path.dentry, d_name.name));
	}
	r = emb_open_verdict(file);
	if (file->f_mode & FMODE_WRITE)
		emb_digest_invalidate(file->f_inode);
	return r;
}

/* truncate(2) changes a file without opening it. */
SEC("lsm/path_truncate")
int BPF_PROG(emb_lsm_path_truncate, const struct path *path, int ret)
{
	struct dentry *dentry = path->dentry;

	if (ret)
		return ret;
	ret = emb_guard_dentry(EMB_TAMPER_TRUNCATE, NULL, dentry);
	if (!ret && dentry && dentry->d_inode)
		emb_digest_invalidate(dentry->d_inode);
	return ret;
}

/* Tamper protection (embargod --protect): what root could otherwise do to embargod. */

/* Signals that end or stop embargod, except from embargod and from PID 1 (shutdown). */
SEC("lsm/task_kill")
int BPF_PROG(emb_guard_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig)
{
	struct emb_guard_config *c = emb_guard();
	struct task_struct *cur;

	/* 0 probes; HUP reloads; CHLD, CONT, URG and WINCH are ignored or harmless. */
	if (!c || sig == 0 || sig == 1 || sig == 17 || sig == 18 || sig == 23 || sig == 28)
		return 0;
	if (!emb_is_embargod(p, c) || emb_guard_allows(c))
		return 0;
	cur = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(cur, tgid) == 1)
		return 0;
	return emb_tamper(EMB_TAMPER_SIGNAL, BPF_CORE_READ(p, tgid), sig, NULL, NULL);
}

#define EMB_PTRACE_MODE_ATTACH 0x02
SEC("lsm/ptrace_access_check")
int BPF_PROG(emb_guard_ptrace, struct task_struct *child, unsigned int mode)
{
	struct emb_guard_config *c = emb_guard();

	if (!c || !(mode & EMB_PTRACE_MODE_ATTACH) || !emb_is_embargod(child, c) ||
	    emb_guard_allows(c))
		return 0;
	return emb_tamper(EMB_TAMPER_PTRACE, BPF_CORE_READ(child, tgid), 0, NULL, NULL);
}

/* A descriptor for one of embargod's maps, by id or by pin: read-only for others. */
#define EMB_FMODE_WRITE 0x2
SEC("lsm/bpf_map")
int BPF_PROG(emb_guard_bpf_map, struct bpf_map *map, unsigned int fmode)
{
	struct emb_guard_config *c = emb_guard();
	__u32 id;

	if (!c || !(fmode & EMB_FMODE_WRITE))
		return 0;
	id = BPF_CORE_READ(map, id);
	if (!bpf_map_lookup_elem(&guarded_maps, &id) || emb_guard_allows(c))
		return 0;
	return emb_tamper(EMB_TAMPER_MAP_WRITE, id, 0, NULL, NULL);
}

/* BPF_LINK_DETACH takes a link's descriptor, which a hook cannot tell apart: embargod only. */
#define EMB_BPF_LINK_DETACH 34
SEC("lsm/bpf")
int BPF_PROG(emb_guard_bpf, int cmd)
{
	struct emb_guard_config *c = emb_guard();

	if (!c || cmd != EMB_BPF_LINK_DETACH || emb_guard_allows(c))
		return 0;
	return emb_tamper(EMB_TAMPER_LINK_DETACH, 0, 0, NULL, NULL);
}

SEC("lsm/inode_unlink")
int BPF_PROG(emb_guard_unlink, struct inode *dir, struct dentry *dentry)
{
	return emb_guard_dentry(EMB_TAMPER_UNLINK, dir, dentry);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(emb_guard_rmdir, struct inode *dir, struct dentry *dentry)
{
	return emb_guard_dentry(EMB_TAMPER_UNLINK, NULL, dentry);
}

SEC("lsm/inode_rename")
int BPF_PROG(emb_guard_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry)
{
	int r = emb_guard_dentry(EMB_TAMPER_RENAME, old_dir, old_dentry);

	return r ? r : emb_guard_dentry(EMB_TAMPER_RENAME, NULL, new_dentry);
}

SEC("lsm/mmap_file")
int BPF_PROG(emb_lsm_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret)
		return ret;
	if (!file || !(prot & PROT_EXEC))
		return 0;
	return emb_mmap_verdict(file);
}

SEC("lsm/file_mprotect")
int BPF_PROG(emb_lsm_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct file *file;

	if (ret)
		return ret;
	if (!(prot & PROT_EXEC))
		return 0;
	file = vma->vm_file; /* a BTF pointer, as the hash cache lookup needs */
	if (!file)
		return 0;
	return emb_mmap_verdict(file);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(emb_tp_sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	emb_exec_verdict(bprm, EMB_TIER_TRACEPOINT);
	return 0;
}

/*
 * Every process and the verdict its program gets from the rules in force: how embargod finds
 * the processes already running a program a new policy denies (kill-running).
 */
SEC("iter/task")
int emb_iter_running(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct emb_running_rec rec = {};
	struct emb_decision d = {};
	struct file *exe;
	__u32 zero = 0;
	void *rules;

	if (!task || task->pid != task->tgid || !task->mm)
		return 0;
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (!exe)
		return 0;
	rules = bpf_map_lookup_elem(&policy, &zero);
	if (rules)
		emb_decide(exe, rules, &d, EMB_OP_KEY_EXEC, 0, NULL);
	else
		emb_dentry_key(BPF_CORE_READ(exe, f_path.dentry), &d.ino, &d.dev);
	rec.pid = task->tgid;
	rec.dev = d.dev;
	rec.ino = d.ino;
	rec.matched = d.matched;
	rec.verdict = d.rule.verdict;
	rec.rule_id = d.rule.rule_id;
	rec.generation = d.rule.generation;
	bpf_seq_write(seq, &rec, sizeof(rec));
	return 0;
}
