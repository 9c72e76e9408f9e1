/* SPDX-License-Identifier: GPL-2.0-only */
/* Which Debian packages own a file, from the file lists in dpkg's ADMIN/info directory. */
#ifndef EMB_DPKG_H
#define EMB_DPKG_H

#include <stdbool.h>
#include <stddef.h>

#define EMB_DPKG_ADMIN_DEFAULT "/var/lib/dpkg"

struct emb_dpkg_owners {
	char **names; /* package names as the list files name them ("libc6:amd64"), sorted */
	size_t n;
};

/*
 * Finds the packages whose file list names PATH. A list line matches when it is PATH itself
 * or PATH's realpath, or when it names that file through symlinked directories (on a
 * merged-/usr system "/bin/ls" in a list is the file /usr/bin/ls). Diversions are not
 * consulted. Returns 0 with *OUT filled (n == 0: no package owns it), -errno when ADMIN/info
 * cannot be read, or -ENOMEM. Lines longer than PATH_MAX are skipped.
 */
int emb_dpkg_find_owners(const char *admin_dir, const char *path, struct emb_dpkg_owners *out);

void emb_dpkg_owners_free(struct emb_dpkg_owners *owners);

/*
 * The installed packages marked "Essential: yes" in ADMIN/status (dpkg's status database), by
 * name (without architecture), sorted, each once: the packages a Debian system cannot work
 * without. A database without a status file has none (0, OUT->n == 0). Returns 0, -errno when
 * the status file cannot be read, or -ENOMEM; OUT is written only on success.
 */
int emb_dpkg_essential(const char *admin_dir, struct emb_dpkg_owners *out);

/* Whether NAME (NAME or NAME:ARCH) is one of ESSENTIAL's packages. */
bool emb_dpkg_is_essential(const struct emb_dpkg_owners *essential, const char *name);

#endif /* EMB_DPKG_H */
