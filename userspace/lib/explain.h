/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which rule decides an exec of a file, found as the BPF program finds it (bpf/exec.bpf.c,
 * emb_decide): the file's own inode first, then its content (when sha256= rules are loaded),
 * then each directory above it up to the root, nearest first; the first hit decides. Library code: it stats files, never
 * prints.
 */
#ifndef EMB_EXPLAIN_H
#define EMB_EXPLAIN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "resolve.h"

struct emb_explanation {
	char resolved[PATH_MAX]; /* realpath() of the file: the walk goes up its directories */
	uint32_t dev;		 /* the file's inode, the device in the kernel's encoding */
	uint64_t ino;
	bool matched;  /* an entry decided (or the walk was too deep) */
	bool too_deep; /* no entry within EMB_WALK_MAX directories: denied, no rule */
	enum emb_rule_verdict
		verdict;	     /* as the kernel has it (audit mode applied); allow if none */
	const struct emb_rule *rule; /* the deciding rule in the policy, NULL when none */
	const struct emb_entry *entry; /* its entry in the resolved map, NULL when none */
	size_t depth;		       /* 0: the file's own inode matched; N: its Nth parent */
	bool hashed;		       /* sha256 holds the file's content hash */
	bool by_sha256;		       /* a sha256= rule decided (depth 0) */
	unsigned char sha256[32];
	bool content_unknown; /* sha256= rules were left out: the content could not be read */
	char matched_path[PATH_MAX]; /* the file or directory whose inode matched */
};

/*
 * Explains an exec of PATH under POLICY as resolved into RESOLVED (entries sorted by key, as
 * emb_policy_resolve() returns them). Symlinks in PATH are resolved first, as exec does; the
 * directories above the file are then those of its realpath, which is the sequence the kernel
 * walks (crossing mount points upward) unless the file is reached through a bind mount of
 * part of a tree or from another mount namespace. Returns 0 with *OUT filled, -errno when
 * PATH or one of its directories cannot be resolved or examined, or -EINVAL when RESOLVED
 * names a rule POLICY does not have.
 */
int emb_explain(const struct emb_policy *policy, const struct emb_resolved *resolved,
		const char *path, struct emb_explanation *out);
/*
 * The same with the file's content hash SHA256 known already (NULL: not known). Without it,
 * the file is read when MAY_READ; otherwise sha256= rules are left out (OUT->content_unknown),
 * for a file the open rules keep from being read.
 */
int emb_explain_content(const struct emb_policy *policy, const struct emb_resolved *resolved,
			const char *path, const unsigned char *sha256, bool may_read,
			struct emb_explanation *out);

#endif /* EMB_EXPLAIN_H */
