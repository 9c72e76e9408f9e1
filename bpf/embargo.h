/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ABI between embargo's BPF programs and embargod: map keys and values, the event record and
 * the counters. Plain fixed-width types only, so the BPF side (vmlinux.h) and userspace
 * (<linux/types.h>) read the same layout; the asserts at the bottom keep it that way.
 */
#ifndef EMBARGO_H
#define EMBARGO_H

#define EMB_ABI_VERSION 1

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
};

/* Event flags. */
#define EMB_EVENT_F_PATH_TRUNCATED (1U << 0) /* path did not fit, or the walk gave up */
#define EMB_EVENT_F_TOO_DEEP	   (1U << 1) /* deeper than EMB_WALK_MAX: denied, no rule */
#define EMB_EVENT_F_SIGNAL_FAILED  (1U << 2) /* tracepoint tier: bpf_send_signal() failed */

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
	EMB_CNT_MAX,
};

/*
 * Key of the rule map: an inode, named by the kernel's encoding of the device
 * ((major << 20) | minor, not stat(2)'s st_dev) and the inode number.
 */
struct emb_inode_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

/*
 * The entry with key {0, 0} (no inode has number 0) describes the map itself, so that it is
 * swapped together with the rules: rule_id holds the number of rule entries, generation the
 * policy generation, is_dir is 1 when any dir= rule is present (otherwise the walk is skipped).
 */
#define EMB_META_INO 0

/* What the rule map says about an inode: a file (path=) or a directory (dir=) rule. */
struct emb_rule_value {
	__u32 rule_id;	  /* index into the policy generation's rule table */
	__u32 generation; /* policy generation that wrote this entry */
	__u8 verdict;	  /* enum emb_verdict, already turned into audit in audit mode */
	__u8 is_dir;
	__u8 pad[6];
};

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
	/*
	 * The name the new program gets, as the kernel sets it; empty when the decision came
	 * before the exec set it (lsm tier): then it is the last component of filename.
	 */
	char comm[EMB_COMM_LEN];
	char filename[EMB_FILENAME_MAX];
	char path[EMB_PATH_MAX]; /* last: only path_len bytes of it are sent */
};

_Static_assert(sizeof(struct emb_inode_key) == 16, "emb_inode_key layout");
_Static_assert(sizeof(struct emb_rule_value) == 16, "emb_rule_value layout");
_Static_assert(sizeof(struct emb_event) == 56 + EMB_COMM_LEN + EMB_FILENAME_MAX + EMB_PATH_MAX,
	       "emb_event layout");
_Static_assert(__builtin_offsetof(struct emb_event, path) == 72 + EMB_FILENAME_MAX,
	       "emb_event path offset");

#endif /* EMBARGO_H */
