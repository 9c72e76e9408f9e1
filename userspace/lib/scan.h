/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding what a policy bans on a machine: walks file trees and /proc and decides each file
 * as the BPF programs would decide an exec or an open of it (its inode, then its content, then
 * the nearest directory above it with a rule), hashing on several threads through a digest
 * cache. Library code: it reads files and /proc, never prints; progress is published in
 * counters another thread may read while the scan runs.
 */
#ifndef EMB_SCAN_H
#define EMB_SCAN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash_cache.h"
#include "hash.h"
#include "policy.h"
#include "resolve.h"

/* What kind of file system a mount is, for deciding whether a scan crosses into it. */
enum emb_fs_class {
	EMB_FS_LOCAL = 0,   /* disks, tmpfs, overlay...: scanned */
	EMB_FS_PSEUDO = 1,  /* proc, sysfs, cgroup, devpts...: no programs live there */
	EMB_FS_NETWORK = 2, /* nfs, cifs, FUSE...: scanned only when asked */
};

enum emb_fs_class emb_fs_classify(const char *fstype);

/* /proc/self/mountinfo, the parts a scan needs. */
struct emb_mount {
	uint64_t dev; /* st_dev of files on it */
	char *point;  /* where it is mounted (octal escapes undone) */
	char *fstype;
};

struct emb_mounts {
	struct emb_mount *v;
	size_t n;
};

/* Reads PATH (a mountinfo file). Returns 0, -errno, or -EBADMSG for a malformed line. */
int emb_mounts_read(const char *path, struct emb_mounts *out);
/* The file system type of the mounts with device DEV, or NULL when none is listed. */
const char *emb_mounts_fstype(const struct emb_mounts *m, uint64_t dev);
void emb_mounts_free(struct emb_mounts *m);

struct emb_scan_options {
	const struct emb_policy *policy;
	const struct emb_resolved *resolved; /* POLICY resolved in enforce mode */
	const char *const *roots;	     /* files or trees to walk */
	size_t n_roots;
	/*
	 * Mounts met below a root are entered when they are local, when NETWORK and they are
	 * network file systems, or when their type is one of FSTYPES. A root itself is always
	 * walked, whatever its type.
	 */
	bool network;
	const char *const *fstypes;
	size_t n_fstypes;
	const struct emb_mounts *mounts; /* for the types of mounts met; NULL: all local */
	unsigned jobs;			 /* hashing threads; 0: one per online CPU */
	struct emb_hash_cache *cache;	 /* may be NULL */
	const char *proc;		 /* check the processes of this procfs, or NULL */
	int self_pid;			 /* left out of the processes (the scanner itself) */
	/*
	 * A file the policy's open rules deny or audit is not opened by the scan: the open would
	 * be refused or logged like anyone's. OPEN_RULED (called from any thread) opens it for
	 * reading another way, returning a descriptor or -errno; when it fails, the file is not
	 * read and is an error with open_ruled set. When NULL, such files are opened as others.
	 */
	int (*open_ruled)(void *ctx, const char *path);
	void *open_ruled_ctx;
};

/* Counters a progress display may read at any time while the scan runs. */
struct emb_scan_progress {
	atomic_uint_least64_t files;	    /* regular files examined */
	atomic_uint_least64_t dirs;	    /* directories walked */
	atomic_uint_least64_t bytes;	    /* their sizes, summed */
	atomic_uint_least64_t queued;	    /* files waiting for a hash, or hashed */
	atomic_uint_least64_t queued_bytes; /* their sizes */
	atomic_uint_least64_t hashed;	    /* files read and hashed */
	atomic_uint_least64_t bytes_read;   /* bytes read to hash them */
	atomic_uint_least64_t cache_hits;   /* files whose hash the cache had */
	atomic_uint_least64_t found;	    /* findings so far */
	atomic_uint_least64_t errors;	    /* files or directories that could not be examined */
	atomic_bool walk_done;
};

enum emb_scan_how {
	EMB_SCAN_BY_INODE = 1,	/* a path= rule (or a dir= rule's hardlink) names the file */
	EMB_SCAN_BY_SHA256 = 2, /* a sha256= rule names its content */
	EMB_SCAN_BY_DIR = 3,	/* a dir= rule names a directory above it */
};

struct emb_scan_finding {
	char *path;   /* the file as the walk reached it; for a process, its executable's path */
	int pid;      /* 0 for a file */
	uint64_t dev; /* st_dev */
	uint64_t ino, size;
	enum emb_rule_op op;
	enum emb_rule_verdict verdict; /* deny or audit: allow is never a finding */
	size_t rule;		       /* the deciding rule's index in the policy */
	enum emb_scan_how how;
	char *dir; /* EMB_SCAN_BY_DIR: the directory whose rule decided */
	bool hashed;
	unsigned char sha256[EMB_SHA256_LEN];
};

struct emb_scan_error {
	char *path;
	int err;	 /* -errno */
	bool open_ruled; /* not read: the open rules deny or audit it, and OPEN_RULED failed */
};

/* Errors kept with their paths; the rest are only counted. */
#define EMB_SCAN_MAX_ERRORS 1000

struct emb_scan_result {
	struct emb_scan_finding *files; /* sorted by path, then operation */
	size_t n_files;
	struct emb_scan_finding *processes; /* sorted by pid, then operation */
	size_t n_processes;
	struct emb_scan_error *errors;
	size_t n_errors;
	struct emb_mount *skipped; /* mounts met and not entered (copies) */
	size_t n_skipped;
	uint64_t files_examined, dirs_walked, bytes_seen, files_hashed, bytes_read, cache_hits,
		errors_total, processes_examined;
};

/*
 * Scans as O says, publishing progress in PROGRESS (zeroed by the caller), and fills OUT.
 * Files that cannot be read or directories that cannot be opened are errors in OUT, not
 * failures. Every file met is decided for each operation the policy has rules for; a file
 * decided deny or audit is a finding, hashed (through the cache) for the report. Returns 0,
 * -ENOMEM, or -errno when a root cannot be examined at all.
 */
int emb_scan_run(const struct emb_scan_options *o, struct emb_scan_progress *progress,
		 struct emb_scan_result *out);

void emb_scan_result_free(struct emb_scan_result *r);

#endif /* EMB_SCAN_H */
