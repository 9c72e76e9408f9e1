/* SPDX-License-Identifier: GPL-2.0-only */
/* embargod's state: the policy generations, the audit log, the control socket. */
#ifndef EMBARGOD_DAEMON_H
#define EMBARGOD_DAEMON_H

#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "enforcer.h"
#include "fanguard.h"
#include "sinks.h"
#include "logchain.h"
#include "sign.h"
#include "policy.h"
#include "resolve.h"
#include "strbuf.h"

#define DAEMON_MAX_POLICY_PATHS 64
/* Events read after a reload may come from the generation before: keep a few for their keys. */
#define DAEMON_GENERATIONS	4
#define DAEMON_RESOLVE_DELAY_MS 200

struct generation {
	uint32_t id; /* 0: slot unused */
	struct emb_policy policy;
	enum emb_mode mode;
	struct emb_resolved resolved;
	int64_t loaded_ns;	  /* CLOCK_REALTIME */
	unsigned char sha256[32]; /* of the policy's bytes (its files, in load order) */
	char source[8];		  /* "files" or "push" */
	char signer[128];	  /* the trusted key that verified it, or "" */
	long long pushed_by;	  /* uid of the push, -1 otherwise */
};

struct daemon {
	const char *policy_paths[DAEMON_MAX_POLICY_PATHS];
	size_t n_policy_paths;
	enum emb_mode mode_override;
	enum tier_choice tier_choice;
	const char *log_path;
	const char *control_path;
	const char *dpkg_admin; /* dpkg's admin directory for package= rules; NULL: the default */
	const char *state_dir;	/* the pushed policy and the highest version accepted */
	struct emb_trust trust; /* --trusted-key: policies must be signed by one of these */
	size_t n_trusted;
	bool have_admin_group; /* --admin-group: its members may use the control socket too */
	gid_t admin_gid;
	bool force;		       /* --force: guardrails do not refuse the policy at start */
	const char *pin_dir;	       /* --pin-dir: where enforcement is pinned */
	bool no_pin;		       /* --no-pin: enforcement ends with the process */
	bool unloaded;		       /* "unload" was asked for and done: the run loop ends */
	const char *stop_reason;       /* for the stop record: "SIGTERM", "SIGINT", "unload" */
	bool protect;		       /* --protect: tamper protection (lsm tier) */
	const char *trusted_paths[16]; /* --trusted-key files, protected with --protect */
	size_t n_trusted_paths;
	bool test_hooks;       /* EMBARGOD_TEST_HOOKS=1: the sandbox's test requests are served */
	bool pushed;	       /* the policy in force came from a push (state_dir/pushed.policy) */
	bool reverting;	       /* embargo push --revert: the files may be older than the push */
	char pushed_name[256]; /* the name it was pushed under, for diagnostics and keys */
	unsigned long long version_floor; /* highest version accepted, from state_dir */

	struct enforcer enf;
	struct fanguard fanguard; /* tracepoint tier: sha256= exec and path= open rules */
	struct ring_buffer *rb;
	int log_fd;
	int log_lock_fd;   /* LOG.lock, locked: one embargod writes the log (paths.c) */
	int state_lock_fd; /* the state directory, locked */
	int signal_fd;
	int control_fd;
	int inotify_fd;
	int resolve_timer_fd; /* debounces resolving after inotify events */
	int *watches;	      /* inotify watches on the directories of rule targets */
	size_t n_watches;

	struct generation gens[DAEMON_GENERATIONS];
	unsigned cur;		  /* index of the generation in force */
	struct generation staged; /* parsed and resolved, not yet in force */
	uint32_t next_generation;

	uint64_t events_written;
	uint64_t events_in_batch;  /* formatted into batch, not yet written */
	uint64_t events_lost;	   /* formatted, but the log write failed */
	uint64_t events_malformed; /* records that failed emb_event_check() */
	int last_write_errno;
	struct strbuf batch;
	int64_t started_ns;
	char hostname[256];
	struct emb_chain chain;	  /* the log's hash chain: the next seq, the last hash */
	bool chain_record_due;	  /* the next write starts with a "chain" record */
	const char *chain_reason; /* its reason: "new", "restart", "rotated" */
	const char *chain_broken; /* "torn", "unsealed" or NULL */
	struct strbuf pending;	  /* raw bytes to write first (a newline ending a torn line) */
	bool pending_raw;
	char anchor_path[PATH_MAX + 16];
	bool anchor_failed;
	uint64_t log_size;     /* bytes in the current log file */
	uint64_t log_max_size; /* rotate beyond this many bytes (0: never) */
	unsigned log_keep;     /* rotated files kept: LOG.1 ... LOG.N */
	uint64_t rotations;
	char rotated_name[PATH_MAX + 16]; /* what the previous file is called after rotation */
	bool want_audit, want_journal;	  /* --audit, --journal */
	struct sinks sinks;
	uint64_t drops_logged;	  /* kernel drops already written as drop records */
	int64_t drops_checked_ns; /* CLOCK_MONOTONIC of the last look at the drop counters */
};

void daemon_init(struct daemon *d);
struct generation *daemon_current(struct daemon *d);

/* Parses and resolves the policy into d->staged; prints every diagnostic. 0 or -errno. */
int daemon_prepare_policy(struct daemon *d);
/*
 * Parses BUF (LEN bytes, named NAME in diagnostics) as the whole policy into d->staged, and
 * resolves it. Diagnostics go to DIAGS. 0, -EINVAL with diagnostics, or -errno.
 */
int daemon_stage_text(struct daemon *d, const char *name, const char *buf, size_t len,
		      struct emb_diags *diags);
void daemon_unstage(struct daemon *d);
/*
 * With trusted keys: 0 when SIG_TEXT (a .sig file's content; NULL when there is none) is a
 * valid signature of BUF by one of them (its name into SIGNER), else -EPERM with WHY.
 * Without trusted keys: 0.
 */
int daemon_verify_signature(struct daemon *d, const char *what, const void *buf, size_t len,
			    const char *sig_text, char *signer, size_t signer_size, char *why,
			    size_t why_size);
/*
 * With trusted keys, VERB ("unload", "revert") needs a token for this host signed by one of
 * them: ARGS (a JSON object with "token" and "sig", or "") must carry one that CHECK accepts;
 * HOW says which command makes it. 0 (the key's name into SIGNER), or -1 with WHY. Without
 * trusted keys: 0.
 */
int daemon_check_token(struct daemon *d, const char *verb, const char *how, const char *args,
		       int (*check)(const char *text, size_t len, const char *host, int64_t now,
				    char *why, size_t why_size),
		       char *signer, size_t signer_size, char *why, size_t why_size);
/* Puts d->staged in force. 0 or -errno (then the previous generation stays). */
int daemon_commit_policy(struct daemon *d);
/*
 * prepare + commit, keeping the generation in force when anything is wrong; systemd is told
 * (RELOADING=1, then READY=1). REPORT, when not NULL, gets every message of the policy's checks.
 * 0 or -errno.
 */
int daemon_reload(struct daemon *d, struct strbuf *report);
/* Tells systemd that embargod is ready, with a STATUS= line of the policy in force (and NOTE). */
void daemon_notify_ready(struct daemon *d, const char *note);
/* The log's "start" record (version, tier, mode, policy), written at once. */
void daemon_log_start(struct daemon *d);
/* The log's "stop" record: REASON ("SIGTERM", "unload", ...), and whether enforcement goes on. */
void daemon_log_stop(struct daemon *d, const char *reason);
/* A name appeared where a rule's target is (or will be): resolve again, after a short delay. */
void daemon_targets_changed(struct daemon *d);
/* The delay is over: resolve the policy in force again, from its names. */
void daemon_resolve_timer(struct daemon *d);

int daemon_open_log(struct daemon *d);
int daemon_start_events(struct daemon *d);
void daemon_drain_events(struct daemon *d);
/* The same, reading the drop counters whatever the time: before exit, and in tests' reach. */
void daemon_final_drain(struct daemon *d);
/*
 * After enforcer_load() took over an earlier embargod's pinned programs: generations go on
 * above the one in force, and a "takeover" record is queued for the log.
 */
void daemon_took_over(struct daemon *d);
/*
 * --protect: tamper protection for embargod, its maps, pins, policy, key and log files (lsm
 * tier; in the tracepoint tier it says so and does nothing). 0 or -errno.
 */
int daemon_protect(struct daemon *d);
/*
 * Adds a "policy" record to the batch the drain writes: ACTION ("reload", "push", "revert"), OK
 * or not, the generation in force and its source (push_source_json()), UID (-1: none) and
 * SIGNER (or ""), and NOTE when not NULL.
 */
void daemon_log_policy(struct daemon *d, const char *action, bool ok, long long uid,
		       const char *signer, const char *note);
/* Adds one decision record (LEN bytes, as from the ring buffer) to the batch the drain writes. */
void daemon_log_event(struct daemon *d, const struct emb_event *e, size_t len);

int daemon_control_listen(struct daemon *d);
void daemon_control_accept(struct daemon *d);

void daemon_cleanup(struct daemon *d);

#endif /* EMBARGOD_DAEMON_H */
