/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ABI between embargo's BPF programs and embargod: map keys and values, the event record and
 * the counters. Plain fixed-width types only, so the BPF side (vmlinux.h) and userspace
 * (<linux/types.h>) read the same layout; the asserts at the bottom keep it that way.
 */
#ifndef EMBARGO_H
#define EMBARGO_H

#define EMB_ABI_VERSION 2

/* Longest path an event carries, NUL included; the walk records at most this much. */
#define EMB_PATH_MAX 4096
/* How many path components the exec walk climbs before it gives up and fails closed. */
#define EMB_WALK_MAX 1024
#define EMB_COMM_LEN 16
/* The name execve() was given, as the caller spelled it (cut to fit). */
#define EMB_FILENAME_MAX 256

enum emb_verdict {
	EMB_VERDICT_ALLOW = 0,
	EMB_VERDICT_AUDIT = 1,
	EMB_VERDICT_DENY = 2,
};

enum emb_tier {
	EMB_TIER_NONE = 0,
	EMB_TIER_LSM = 1,
	EMB_TIER_TRACEPOINT = 2,
};

enum emb_event_type {
	EMB_EVENT_EXEC = 1,
	EMB_EVENT_MMAP = 2, /* an executable mapping (mmap or mprotect with PROT_EXEC) */
	EMB_EVENT_OPEN = 3, /* an open of the file (open rules) */
	/*
	 * Tracepoint tier: a program that fanotify cannot see (run from a kernel-internal
	 * mount: memfd_create), or one vouched for whose content changed since (struct
	 * emb_vouched), was stopped with SIGSTOP before its first instruction, for embargod to
	 * hash it and then kill or continue it. Not logged as such.
	 */
	EMB_EVENT_HOLD = 4,
	/* A running process killed because the policy installed denies its program. */
	EMB_EVENT_KILL = 5,
	/*
	 * Tamper protection (lsm tier, embargod --protect) refused something done to embargod,
	 * its BPF objects or its files. rule_id holds the enum emb_tamper_op; generation the
	 * target's pid (signal, ptrace) or map id (map_write); dev the signal number (signal),
	 * or with ino the file's inode; filename the file's or the pin's name.
	 */
	EMB_EVENT_TAMPER = 6,
};

enum emb_tamper_op {
	EMB_TAMPER_SIGNAL = 1,	    /* a signal that would stop or end embargod */
	EMB_TAMPER_PTRACE = 2,	    /* attaching to embargod */
	EMB_TAMPER_MAP_WRITE = 3,   /* a writable descriptor for one of its maps */
	EMB_TAMPER_LINK_DETACH = 4, /* detaching a BPF link */
	EMB_TAMPER_UNLINK = 5,	    /* removing a pin, or a protected file */
	EMB_TAMPER_WRITE = 6,	    /* opening a protected file for writing */
	EMB_TAMPER_TRUNCATE = 7,    /* truncating a protected file */
	EMB_TAMPER_RENAME = 8,	    /* renaming a protected file, or one over it */
};

/*
 * What tamper protection protects (the one entry of the "guard_config" array): embargod is the
 * program with this inode (so that a new embargod taking over is embargod too), the pins are in
 * the directory with that inode. Protected files are the keys of "guarded" (struct emb_inode_key).
 */
struct emb_guard_config {
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 enabled;
	__u64 pin_ino;
	__u32 pin_dev;
	__u32 pad;
};

struct emb_inode_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

/*
 * Tracepoint tier: a program embargod found allowed by its content and lets run without asking
 * again (a fanotify ignore mark on its inode, which the kernel clears at the next write), keyed
 * by struct emb_inode_key: its size and ctime when it was hashed. Content changed without a
 * write (through a shared writable mapping) changes the ctime but clears no ignore mark: the
 * tracepoint finds the program no longer matches and holds it for embargod to hash again.
 */
struct emb_vouched {
	__s64 size;
	__s64 ctime_sec;
	__u32 ctime_nsec;
	__u32 serial; /* embargod's: which of its fanotify groups holds the ignore mark */
};

/* Programs vouched for at once; beyond, fanotify asks embargod at every exec. */
#define EMB_VOUCHED_MAX 65536

/* What a rule is about; same values as enum emb_rule_op in userspace/lib/policy.h. */
enum emb_op {
	EMB_OP_KEY_EXEC = 1,
	EMB_OP_KEY_OPEN = 2,
};

/* Event flags. */
#define EMB_EVENT_F_PATH_TRUNCATED (1U << 0) /* path did not fit, or the walk gave up */
#define EMB_EVENT_F_TOO_DEEP	   (1U << 1) /* deeper than EMB_WALK_MAX: denied, no rule */
#define EMB_EVENT_F_SIGNAL_FAILED  (1U << 2) /* tracepoint tier: bpf_send_signal() failed */
#define EMB_EVENT_F_SHA256	   (1U << 3) /* sha256 holds the file's content hash */
#define EMB_EVENT_F_BY_SHA256	   (1U << 4) /* the deciding rule is a sha256= rule */
#define EMB_EVENT_F_ESCAPED	   (1U << 5) /* held for a hash, but resumed before the kill */
#define EMB_EVENT_F_WOULD_DENY	   (1U << 6) /* audit mode: a deny rule decided, softened to audit */

/* Counters, one slot each in the per-CPU array "counters". */
enum emb_counter {
	EMB_CNT_EXEC_SEEN = 0, /* execs the programs looked at */
	EMB_CNT_DENIED,	       /* execs denied (or killed) */
	EMB_CNT_AUDITED,       /* execs allowed but logged */
	EMB_CNT_EVENTS,	       /* events written to the ring buffer */
	EMB_CNT_RINGBUF_FULL,  /* events lost: ring buffer full */
	EMB_CNT_SIGNAL_FAILED, /* tracepoint tier: SIGKILL could not be sent */
	EMB_CNT_TOO_DEEP,      /* walks that hit EMB_WALK_MAX */
	EMB_CNT_NO_POLICY,     /* execs seen before any policy was installed */
	EMB_CNT_SCRATCH_BUSY,  /* events lost: every scratch slot of the CPU in use */
	EMB_CNT_HASHED,	       /* files hashed in the kernel (lsm tier, sha256 rules) */
	EMB_CNT_HASH_CACHED,   /* hashes taken from the per-inode cache instead */
	EMB_CNT_HASH_FAILED,   /* files that could not be hashed (not sha256, read error) */
	EMB_CNT_NO_DIGEST,     /* decisions that had sha256 rules but no hash of the file */
	EMB_CNT_OPEN_DENIED,   /* opens denied by open rules */
	EMB_CNT_HELD,	       /* tracepoint tier: execs stopped for embargod to hash */
	EMB_CNT_TAMPER,	       /* tamper attempts refused */
	EMB_CNT_MAX,
};

enum emb_key_kind {
	EMB_KEY_META = 0,   /* the map's own description, see below */
	EMB_KEY_INODE = 1,  /* a file (path=) or directory (dir=), by inode */
	EMB_KEY_SHA256 = 2, /* a content hash (sha256=) */
};

/*
 * Key of the rule map. An inode is named by the kernel's encoding of the device
 * ((major << 20) | minor, not stat(2)'s st_dev) and the inode number; a content hash by its 32
 * bytes. The operation is part of the key: exec and open rules on one file are separate.
 * Unused fields are zero.
 */
struct emb_rule_key {
	__u64 ino;
	__u32 dev;
	__u8 kind; /* enum emb_key_kind */
	__u8 op;   /* enum emb_op; 0 for the meta entry */
	__u16 pad;
	__u8 sha256[32];
};

/*
 * The entry with the all-zero key (kind EMB_KEY_META) describes the map itself, so that it is
 * swapped together with the rules: rule_id holds the number of rule entries, generation the
 * policy generation, flags (EMB_META_*) what kinds of rules are present, so that a hook skips
 * the work no rule needs.
 */
#define EMB_META_DIRS_EXEC   (1U << 0) /* dir= exec rules: walk up on exec */
#define EMB_META_DIRS_OPEN   (1U << 1) /* dir= open rules: walk up on open */
#define EMB_META_SHA256_EXEC (1U << 2) /* sha256= exec rules */
#define EMB_META_SHA256_OPEN (1U << 3) /* sha256= open rules */
#define EMB_META_OPEN	     (1U << 4) /* any open rule */

/*
 * Flags of the other entries. A bit of its own, not one of the EMB_META_* bits, so that no
 * value of the byte means two things.
 */
#define EMB_RULE_F_WOULD_DENY (1U << 7) /* audit mode turned this deny into audit */

/* What the rule map says about a key: a file, a directory or a content rule. */
struct emb_rule_value {
	__u32 rule_id;	  /* index into the policy generation's rule table */
	__u32 generation; /* policy generation that wrote this entry */
	__u8 verdict;	  /* enum emb_verdict, already turned into audit in audit mode */
	__u8 is_dir;
	__u8 flags; /* meta entry: EMB_META_*; others: EMB_RULE_F_* */
	__u8 pad[5];
};

/*
 * What the hashing programs may do, in the one-entry array "hash_config" (sleepable programs
 * cannot reach the rule map on every kernel): EMB_META_SHA256_* bits of the policy in force.
 */
struct emb_hash_config {
	__u32 flags;
	__u32 pad;
};

/*
 * Per-inode cache of the content hash (inode local storage, lsm tier). Every event that could
 * change the content bumps epoch; a hash is valid while hashed_epoch == epoch. A hash taken
 * while the file was open for writing is used once and not reused (reusable = 0). The verdict
 * of the sha256 rules for that content is cached per operation with the policy generation it
 * was looked up in.
 */
struct emb_digest_cache {
	__u8 sha256[32];
	__u32 epoch;
	__u32 hashed_epoch;
	__u8 state; /* EMB_DIGEST_* */
	__u8 reusable;
	__u8 pad[2];
	struct {
		__u32 generation; /* 0: nothing cached (generations start at 1) */
		__u32 rule_id;
		__u8 verdict;
		__u8 matched;
		__u8 flags; /* the rule's EMB_RULE_F_* */
		__u8 pad;
	} cached[2]; /* [op - 1] */
};

/*
 * What the task iterator (iter/task) writes for each process: its program's inode and the
 * exec decision the rule map gives it (path= and dir= rules; content is checked by embargod).
 */
struct emb_running_rec {
	__u32 pid; /* the process (thread group) id */
	__u32 dev;
	__u64 ino;
	__u32 rule_id;
	__u32 generation;
	__u8 matched;
	__u8 verdict;
	__u8 pad[6];
};

#define EMB_DIGEST_NONE	  0
#define EMB_DIGEST_VALID  1
#define EMB_DIGEST_FAILED 2

/*
 * One decision. The path is stored leaf first: component names separated by NUL,
 * "file\0parent\0...\0" up to path_len bytes; userspace reverses it. It is the path from
 * the root of the mount namespace the file was reached in. Only the bytes up to
 * path[path_len] are sent through the ring buffer.
 */
struct emb_event {
	__u64 boot_ns; /* CLOCK_BOOTTIME */
	__u64 ino;
	__u32 dev;
	__u32 type; /* enum emb_event_type */
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 rule_id;
	__u32 generation;
	__u32 flags;
	__u8 verdict; /* enum emb_verdict */
	__u8 tier;    /* enum emb_tier */
	__u16 path_len;
	__u8 sha256[32]; /* when flags has EMB_EVENT_F_SHA256 */
	__u32 auid;	 /* login uid (audit), (__u32)-1 when unset */
	__u32 pad2;
	__u64 cgroup_id; /* the task's cgroup v2 id (the cgroup directory's inode), 0 unknown */
	/*
	 * The name the new program gets, as the kernel sets it; empty when the decision came
	 * before the exec set it (lsm tier): then it is the last component of filename.
	 */
	char comm[EMB_COMM_LEN];
	char filename[EMB_FILENAME_MAX];
	char path[EMB_PATH_MAX]; /* last: only path_len bytes of it are sent */
};

_Static_assert(sizeof(struct emb_rule_key) == 48, "emb_rule_key layout");
_Static_assert(sizeof(struct emb_rule_value) == 16, "emb_rule_value layout");
_Static_assert(sizeof(struct emb_digest_cache) == 68, "emb_digest_cache layout");
_Static_assert(sizeof(struct emb_running_rec) == 32, "emb_running_rec layout");
_Static_assert(sizeof(struct emb_guard_config) == 32, "emb_guard_config layout");
_Static_assert(sizeof(struct emb_inode_key) == 16, "emb_inode_key layout");
_Static_assert(sizeof(struct emb_vouched) == 24, "emb_vouched layout");
_Static_assert(sizeof(struct emb_event) == 104 + EMB_COMM_LEN + EMB_FILENAME_MAX + EMB_PATH_MAX,
	       "emb_event layout");
_Static_assert(__builtin_offsetof(struct emb_event, path) == 120 + EMB_FILENAME_MAX,
	       "emb_event path offset");

#endif /* EMBARGO_H */
