/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Policies from admins: `embargo push` over the control socket, signature and version checks,
 * guardrails, the pushed policy kept on disk so that it survives a restart, and `embargo policy
 * show`. A push is parsed, checked and resolved completely before it is swapped in with one map
 * update; anything wrong leaves the policy in force untouched.
 */
#ifndef EMBARGOD_PUSH_H
#define EMBARGOD_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "strbuf.h"

struct daemon;

/* The pushed policy and its signature, in the state directory. */
#define PUSH_POLICY_NAME  "pushed.policy"
#define PUSH_VERSION_NAME "version"

/*
 * Handles "push HEADER" on FD: HEADER is a JSON object {"size":N, "name":"x.policy",
 * "sig":"ed25519 ...", "force":bool, "allow_empty":bool, "kill_running":bool}; the N bytes of
 * the policy follow the request line (LEFTOVER holds those already read). Replies one JSON line
 * into REPLY: {"ok":true, ...} or {"error":..., "errors":[...]}.
 */
void push_handle(struct daemon *d, int fd, const char *header, const char *leftover,
		 size_t leftover_len, const struct ucred *cred, struct strbuf *reply);

/*
 * Where the policy in force comes from, as a JSON object into OUT, for status, policy show and
 * the log: {"kind":"files","files":[...]} or {"kind":"push","name","version","signed_by",
 * "kept","policy_paths":[the --policy paths, not in force],"revert":"embargo push --revert"}.
 */
void push_source_json(struct daemon *d, struct strbuf *out);

/*
 * Handles "revert ARGS" (ARGS: "" or {"token":...,"sig":...}): back from a pushed policy to the
 * --policy files, checked as at start, swapped in at once; the pushed policy is removed from the
 * state directory so that a restart loads the files too, and a "policy" record with action
 * "revert" is logged. With trusted keys, a revert token signed by one of them is needed.
 */
void push_revert(struct daemon *d, const char *args, const struct ucred *cred,
		 struct strbuf *reply);

/* The reply to "policy": the policy in force, for `embargo policy show`. */
void push_policy_show(struct daemon *d, struct strbuf *reply);

/*
 * At start: when the state directory holds a pushed policy, it replaces the --policy paths
 * (it was the policy in force when embargod stopped). Returns true when it did.
 */
bool push_adopt_state(struct daemon *d);

/*
 * Checks the staged generation against the one in force before it is installed: the version
 * (with trusted keys: required, and never older than the highest accepted; for a push
 * (IS_PUSH) never the same either: no rollback, no replay), guardrails unless FORCE, an empty
 * policy replacing a non-empty one unless ALLOW_EMPTY. Appends one message a problem to WHY
 * (JSON array items when JSON, close it with a ']'; else "embargod: ..." lines). Returns 0 or
 * -EPERM.
 */
int push_check_staged(struct daemon *d, bool force, bool allow_empty, bool is_push,
		      struct strbuf *why, bool json);

/* Remembers VERSION as the highest accepted, on disk (state directory). 0 or -errno. */
int push_store_version(struct daemon *d, unsigned long long version);

#endif /* EMBARGOD_PUSH_H */
