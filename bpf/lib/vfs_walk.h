/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Walking from a file up to the root of its mount namespace, the way d_path() does: up the
 * dentry tree, and across a mount to the dentry it is mounted on. Used both to find the
 * nearest ancestor directory a rule names and to record the path of a file for an event.
 */
#ifndef EMB_VFS_WALK_H
#define EMB_VFS_WALK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct emb_walk {
	struct dentry *dentry;
	struct mount *mnt;
};

static __always_inline void emb_walk_start(struct emb_walk *w, struct file *file)
{
	struct vfsmount *vmnt = BPF_CORE_READ(file, f_path.mnt);

	w->dentry = BPF_CORE_READ(file, f_path.dentry);
	w->mnt = container_of(vmnt, struct mount, mnt);
}

/*
 * One step towards the root. Returns 1 when it moved to the parent directory, 0 at the root of
 * the mount namespace (or at a dentry with no parent). At the root of a mount it first crosses
 * to the dentry the mount sits on, which is never itself visited: users see the mounted root
 * at that path, and it was visited already. When NAME is given it receives the name of the
 * component the step left, as users see it (a mount's root is named by its mount point).
 */
static __always_inline int emb_walk_up(struct emb_walk *w, const unsigned char **name)
{
	struct dentry *dentry = w->dentry;
	struct mount *mnt = w->mnt;
	int hop;

	/* Mounts stack; a few hops cover any real stack, a deeper one ends the walk. */
	for (hop = 0; hop < 8; hop++) {
		struct dentry *root = BPF_CORE_READ(mnt, mnt.mnt_root);
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		struct mount *up;

		if (dentry != root) {
			if (dentry == parent)
				return 0;
			if (name)
				*name = BPF_CORE_READ(dentry, d_name.name);
			w->dentry = parent;
			w->mnt = mnt;
			return 1;
		}
		up = BPF_CORE_READ(mnt, mnt_parent);
		if (up == mnt)
			return 0;
		dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		mnt = up;
	}
	return 0;
}

static __always_inline void emb_dentry_key(struct dentry *dentry, __u64 *ino, __u32 *dev)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);

	*ino = BPF_CORE_READ(inode, i_ino);
	*dev = BPF_CORE_READ(inode, i_sb, s_dev);
}

#endif /* EMB_VFS_WALK_H */
