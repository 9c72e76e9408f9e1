/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * package= rules: each is expanded into path= and sha256= rules for the files of the installed
 * Debian package, read from dpkg's file lists (ADMIN/info/NAME.list). Library code: it reads
 * and hashes files but neither logs nor needs root (files it cannot read are reported, not
 * fatal). Only dpkg is consulted: rpm databases are not supported.
 */
#ifndef EMB_PACKAGE_H
#define EMB_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "hash.h"
#include "policy.h"

/* At most this many files a package= rule; a package with more is a diagnostic. */
#define EMB_PACKAGE_MAX_FILES 100000

struct emb_package_file {
	char *path;			     /* the path= value derived: as the list names it */
	char sha256[2 * EMB_SHA256_LEN + 1]; /* lowercase hex; empty when err */
	int err;			     /* -errno when the file could not be read */
};

/* What became of one package= rule. */
struct emb_package_entry {
	size_t rule;	  /* index of the package= rule in the policy */
	const char *name; /* its value, NAME or NAME:ARCH (owned by the policy) */
	bool installed;	  /* a file list was found */
	char **lists;	  /* the lists read, without ".list": "libc6:amd64", sorted */
	size_t n_lists;
	struct emb_package_file *files; /* the files rules were derived from, sorted by path */
	size_t n_files;
	size_t n_skipped; /* listed paths not taken: directories, missing, not executable... */
};

struct emb_package_report {
	struct emb_package_entry *v; /* one per package= rule, in policy order */
	size_t n;
};

/*
 * Expands every package= rule of POLICY (written ones, origin 0) by appending derived rules,
 * each with the package rule's verdict, operation, key, file, line and columns and with origin
 * set to the package rule's index + 1. The file list of package= NAME is ADMIN/info/NAME.list
 * together with every ADMIN/info/NAME:ARCH.list (multiarch); package=NAME:ARCH reads only
 * ADMIN/info/NAME:ARCH.list. ADMIN is DPKG_ADMIN_DIR, or EMB_DPKG_ADMIN_DEFAULT when NULL.
 *
 * Each listed path that is a regular file (following symlinks; directories, missing files and
 * other kinds are skipped) yields path=FILE and sha256=HEX of its content. For exec rules a
 * file is taken only when it has an execute bit, starts with "\x7fELF" (libraries can be
 * mapped executable) or with "#!"; a file that cannot be read cannot be told apart and is
 * taken. For open rules every regular file is taken. A file that cannot be read derives its
 * path= rule only, and the report says why. The same (op, matcher, value) is derived once per
 * package rule. Listed paths that are not canonical are replaced by their realpath.
 *
 * A package that is not installed (no list) derives nothing and is not an error. An unreadable
 * ADMIN/info or list file, a package with more than EMB_PACKAGE_MAX_FILES files, or more rules
 * than EMB_POLICY_MAX_RULES in all are diagnostics at the rule's value.
 *
 * REPORT, when not NULL, is filled with what each package rule became (free it with
 * emb_package_report_free(), also after a failure). Call once per policy. Returns 0, -EINVAL
 * when it added diagnostics (the policy must then not be used), or -ENOMEM.
 */
int emb_policy_expand_packages(struct emb_policy *policy, const char *dpkg_admin_dir,
			       struct emb_package_report *report, struct emb_diags *diags);

void emb_package_report_free(struct emb_package_report *report);

#endif /* EMB_PACKAGE_H */
