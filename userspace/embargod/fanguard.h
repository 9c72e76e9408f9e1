/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the tracepoint tier cannot do in the kernel, done with fanotify permission events:
 * sha256= exec rules (the file is hashed through the event's descriptor, and execve() fails
 * with EPERM) and path= open rules (an inode mark; open() fails with EPERM). Also the list of
 * what the tier in force cannot stop, for `embargo status` and the start-up messages.
 */
#ifndef EMBARGOD_FANGUARD_H
#define EMBARGOD_FANGUARD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "embargo.h"
#include "policy.h"
#include "resolve.h"
#include "strbuf.h"

/* --fanotify-scope may be given this many times. */
#define FANGUARD_MAX_SCOPES 64
/* Digests remembered per (dev, ino, size, mtime, ctime); a slot's newcomer evicts the old. */
#define FANGUARD_CACHE_SLOTS 65536
/* Limits kept for `embargo status` (the static ones of the tier come on top). */
#define FANGUARD_MAX_LIMITS 64
/* Decisions waiting for the event loop to log them; beyond, they are counted as lost. */
#define FANGUARD_MAX_PENDING_LOG 262144

/* Hands a deny or audit decision to the audit log; the record is LEN bytes (path_len sent). */
typedef void (*fanguard_log_fn)(void *ctx, const struct emb_event *e, size_t len);

struct fanguard_counters {
	uint64_t events;     /* permission events answered */
	uint64_t hashed;     /* files hashed */
	uint64_t cache_hits; /* digests taken from the cache instead */
	uint64_t denied;     /* FAN_DENY answers */
	uint64_t audited;    /* allowed and logged */
	uint64_t errors;     /* events allowed because something failed on our side */
	uint64_t held;	     /* programs from memory stopped by the tracepoint for a hash */
	uint64_t escaped;    /* of those, denied ones found already resumed by someone else */
	uint64_t log_lost;   /* decisions not logged: FANGUARD_MAX_PENDING_LOG were waiting */
	uint64_t vouched;    /* programs let run without asking again (ignore marks placed) */
};

struct fanguard_slot;
struct fanguard_record;

/*
 * The permission events are answered on a thread of their own, so that no exec or open waits
 * while the daemon's thread parses and resolves a reload or a push, or writes the log. The
 * thread decides by the rules in force and queues what is to be logged; the event loop writes
 * it (fanguard_fd() becomes readable). LOCK guards everything both threads touch: the rules,
 * the groups, the cache, the counters and the queue.
 */
struct fanguard {
	enum emb_tier tier;
	pthread_mutex_t lock;
	pthread_t thread;
	bool thread_running;
	int epoll_fd;	  /* the answering thread's: the groups and stop_fd */
	int stop_fd;	  /* eventfd: the thread ends */
	int log_fd;	  /* eventfd: decisions are queued for the log; -1 outside the tier */
	int group_fd;	  /* -1 while the policy in force needs no group */
	int new_group_fd; /* a group getting its marks, answered already; -1 */
	uint32_t group_serial, new_group_serial; /* which group an emb_vouched entry is of */
	int vouched_fd;	   /* the BPF map of programs vouched for (struct emb_vouched), or -1 */
	int mountinfo_fd;  /* without --fanotify-scope: new mounts get marks too */
	bool marks_all_fs; /* the group marks every local filesystem (sha256= exec rules) */
	const char *scopes[FANGUARD_MAX_SCOPES];
	size_t n_scopes;
	/* The generation in force, kept by fanguard_apply(). */
	const struct emb_resolved *rules;
	const struct emb_policy *policy;
	struct fanguard_slot *cache; /* FANGUARD_CACHE_SLOTS, allocated on first use */
	struct fanguard_counters cnt;
	struct fanguard_record *log_head, **log_tail; /* decisions the event loop logs */
	size_t log_pending;
	size_t n_marks;			   /* marks of the group in force */
	char *limits[FANGUARD_MAX_LIMITS]; /* what the marks in force miss, in plain English */
	size_t n_limits;
	bool announced; /* fanguard_print_limits() ran: later new limits are printed as they come */
	char unavailable[256]; /* why fanotify cannot be used at all, or "" */
	fanguard_log_fn log;
	void *log_ctx;
};

void fanguard_init(struct fanguard *fg);
/* --fanotify-scope PATH: marks go only on the filesystems holding these paths. 0 or -E2BIG. */
int fanguard_add_scope(struct fanguard *fg, const char *path);
/*
 * Starts for TIER (nothing is opened outside the tracepoint tier). Decisions are logged through
 * LOG. Returns 0; when fanotify is unavailable that is recorded as a limit, not an error.
 */
int fanguard_start(struct fanguard *fg, enum emb_tier tier, fanguard_log_fn log, void *ctx);
/*
 * Makes R (resolved from POLICY; it must stay valid until the next call) the rules in force:
 * a new group with the marks R needs is set up before the old one is closed, so no exec or
 * open goes unchecked in between; a policy without sha256= exec rules and path= open rules
 * gets no group at all. On failure the old group stays, deciding by R.
 */
void fanguard_apply(struct fanguard *fg, const struct emb_resolved *r,
		    const struct emb_policy *policy);
/*
 * FD is the BPF map "vouched": programs allowed by content are then let run without a round
 * trip to embargod (an ignore mark), their inode's size and ctime left for the tracepoint to
 * check. Without it (-1, the default) every exec of a marked filesystem asks embargod.
 */
void fanguard_set_vouched_map(struct fanguard *fg, int fd);
/* The descriptor for the event loop (decisions to log), or -1. */
int fanguard_fd(const struct fanguard *fg);
/*
 * The tracepoint stopped HELD's task (SIGSTOP, before its first instruction) because its
 * program is on a kernel-internal mount fanotify cannot mark (memfd_create): hashes it through
 * /proc/PID/exe and kills it (deny) or continues it, logging as for a permission event.
 */
void fanguard_hold(struct fanguard *fg, const struct emb_event *held);
/* Logs, through LOG, what the answering thread decided since the last call. */
void fanguard_handle(struct fanguard *fg);
/*
 * Without --fanotify-scope: /proc/self/mountinfo, for the event loop to poll for EPOLLPRI
 * (the mount table changed, proc(5)); -1 otherwise. Not behind fanguard_fd(): polled through a
 * nested epoll, the change would be consumed before anyone saw it.
 */
int fanguard_mounts_fd(const struct fanguard *fg);
/* The mount table changed: filesystems mounted since get their marks (a new group). */
void fanguard_mounts_changed(struct fanguard *fg);
/*
 * Stops answering (at exit): events wait until fanguard_close() lets them through. What was
 * decided stays queued for fanguard_handle().
 */
void fanguard_stop(struct fanguard *fg);
/* Prints every limit on stderr, "embargod: tracepoint tier: cannot ...", once, at start. */
void fanguard_print_limits(struct fanguard *fg);
/* Adds "fanotify" (counters; tracepoint tier) and "limits" (strings) to the status object. */
void fanguard_status(const struct fanguard *fg, struct json *j);
void fanguard_close(struct fanguard *fg);

/* For records embargod writes itself: ppid, uid and gid of PID (best effort), and its comm. */
void fanguard_proc_ids(pid_t pid, struct emb_event *e);
void fanguard_proc_comm(pid_t pid, char comm[EMB_COMM_LEN]);
/* PATH ("/a/b/file") into E's leaf-first form, setting path_len (and the truncated flag). */
void fanguard_event_path(struct emb_event *e, const char *path);

#endif /* EMBARGOD_FANGUARD_H */
