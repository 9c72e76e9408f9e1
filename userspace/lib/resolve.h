/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Turning a parsed policy into the rule map's entries: each path= and dir= value is resolved to
 * the inode it names now, rules naming the same inode are merged, and audit mode is applied.
 * Library code: it stats files but neither logs nor touches BPF.
 */
#ifndef EMB_RESOLVE_H
#define EMB_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>

#include "embargo.h"
#include "policy.h"

struct emb_entry {
	struct emb_rule_key key;
	struct emb_rule_value value;
};

struct emb_resolved {
	struct emb_entry *entries; /* sorted by key, one per inode */
	/*
	 * An O_PATH descriptor per entry. Holding the inodes keeps their numbers from being
	 * given to unrelated new files while the entries are in force, should a banned file
	 * be deleted: the kernel only ever sees (dev, ino). Past RLIMIT_NOFILE an entry goes in
	 * unpinned (-1), counted in n_unpinned: then that protection is lost for it.
	 */
	int *pins;
	size_t n_entries;
	size_t n_unpinned;
	size_t *pending; /* indices of rules whose target does not exist (yet) */
	size_t n_pending;
	bool has_dirs;	     /* dir= exec rules (EMB_META_DIRS_EXEC) */
	unsigned meta_flags; /* EMB_META_* for the meta entry */
	bool scan_truncated; /* more hardlinked files below dir= rules than EMB_RESOLVE_MAX_SCANNED */
};

/* Descriptors below RLIMIT_NOFILE that holding targets leaves to the rest of the process. */
#define EMB_RESOLVE_FD_RESERVE 256

/* At most this many hardlinked files below dir= trees are entered by inode. */
#define EMB_RESOLVE_MAX_SCANNED 1000000

/* The kernel's encoding of a device number (sb->s_dev), from stat(2)'s st_dev. */
uint32_t emb_kernel_dev(dev_t st_dev);
/* And back, for people: "MAJOR:MINOR". */
void emb_kernel_dev_format(uint32_t kdev, char *buf, size_t size);

/*
 * Resolves POLICY for generation GENERATION in MODE (EMB_MODE_AUDIT turns deny into audit and
 * marks such entries EMB_RULE_F_WOULD_DENY).
 * A target that does not exist is pending, not an error: nothing can run from it until it
 * exists, and embargod resolves again then. A target of the wrong kind (path= naming a
 * directory, dir= naming a file) or one that cannot be examined is a diagnostic at the rule's
 * value. Where several rules name one inode, deny beats audit beats allow, and the first rule
 * of the strongest verdict is the one recorded. Regular files with several names below a dir=
 * tree are entered by inode too, so a hardlink outside the tree is covered as well; the rule
 * of the deepest tree holding a file wins, and a path= rule for it beats them all.
 * Returns 0, -EINVAL with diagnostics, or -ENOMEM.
 */
int emb_policy_resolve(const struct emb_policy *policy, enum emb_mode mode, uint32_t generation,
		       struct emb_resolved *out, struct emb_diags *diags);
/* The exec entry for inode (DEV in the kernel's encoding, INO), or NULL. */
const struct emb_entry *emb_resolved_find(const struct emb_resolved *r, uint32_t dev, uint64_t ino);
/* The entry with KEY, or NULL. */
const struct emb_entry *emb_resolved_find_key(const struct emb_resolved *r,
					      const struct emb_rule_key *key);

/* Flags of emb_policy_resolve_flags(). */
#define EMB_RESOLVE_SCAN_HARDLINKS 1u /* walk dir= trees for files with other names */

/* emb_policy_resolve() with FLAGS; emb_policy_resolve() is EMB_RESOLVE_SCAN_HARDLINKS. */
int emb_policy_resolve_flags(const struct emb_policy *policy, enum emb_mode mode,
			     uint32_t generation, unsigned flags, struct emb_resolved *out,
			     struct emb_diags *diags);

/*
 * A rule follows its file through renames: FRESH (just resolved from names, for POLICY in
 * force from GENERATION on) also gets the entries of OLD (resolved earlier for OLD_POLICY)
 * whose inode is not in FRESH, still has a name somewhere, and whose rule (same operation,
 * matcher and value) is still in POLICY; they take that rule's id and verdict. Their
 * descriptors move from OLD to FRESH. Returns 0 or -ENOMEM.
 */
int emb_resolved_retain(struct emb_resolved *fresh, const struct emb_policy *policy,
			enum emb_mode mode, uint32_t generation, struct emb_resolved *old,
			const struct emb_policy *old_policy);

void emb_resolved_free(struct emb_resolved *r);

#endif /* EMB_RESOLVE_H */
