/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guardrails: a policy must never brick the endpoint. Before a policy is installed, the files
 * the system cannot live without (PID 1's program, the init program, the login path, the shell,
 * the dynamic loader, the C library, embargod itself, the package managers, the programs of the
 * Essential packages) are checked against it as the kernel would decide them, for exec and for
 * open, and its package= rules against the Essential packages. Collecting those files and
 * checking a policy are separate steps, so that a caller (or a test) can check its own list;
 * emb_guard_policy() does both, and is what embargod and embargo check run. Library code: it
 * reads /proc, dpkg's database and stats files, never logs.
 */
#ifndef EMB_GUARD_H
#define EMB_GUARD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "resolve.h"

/* What emb_guard_collect() calls the files it finds (struct emb_guard_file.what). */
#define EMB_GUARD_WHAT_PID1	       "PID 1's executable"
#define EMB_GUARD_WHAT_SELF	       "embargod's own executable"
#define EMB_GUARD_WHAT_LOADER	       "the dynamic loader"
#define EMB_GUARD_WHAT_LIBC	       "the C library"
#define EMB_GUARD_WHAT_PACKAGE_MANAGER "the package manager " /* followed by its name */
#define EMB_GUARD_WHAT_INIT	       "the init program"
#define EMB_GUARD_WHAT_SHELL	       "the shell"
#define EMB_GUARD_WHAT_LOGIN	       "the login program"
/* A program of an Essential package: the package's name follows (emb_guard_file.package). */
#define EMB_GUARD_WHAT_ESSENTIAL_FILE "a program of the Essential package"
/* A package= rule naming an Essential package: the violation's path is the package's name. */
#define EMB_GUARD_WHAT_ESSENTIAL "the Essential package"

/* One file the system needs, by its realpath (the name the kernel's directory walk climbs). */
struct emb_guard_file {
	const char *what;    /* static text: "the dynamic loader", "PID 1's executable", ... */
	char path[PATH_MAX]; /* realpath() when it was added */
	char package[128];   /* EMB_GUARD_WHAT_ESSENTIAL_FILE: the package, else "" */
	uint32_t dev;	     /* its inode, the device in the kernel's encoding */
	uint64_t ino;
};

struct emb_guard_files {
	struct emb_guard_file *v; /* in the order added, one per inode */
	size_t n;
	size_t cap;
};

/* A rule (or the walk's fail-closed limit) that would deny a critical file. */
struct emb_guard_violation {
	const char *what;	     /* the file's emb_guard_file.what */
	char package[128];	     /* and its package, when it names one */
	char path[PATH_MAX];	     /* and its path (the package's name for a package= rule) */
	enum emb_rule_op op;	     /* what would be denied: EMB_OP_EXEC or EMB_OP_OPEN */
	const struct emb_rule *rule; /* the deciding rule in the policy; NULL when too_deep */
	/* The rule as written: the package= rule a derived rule comes from, else == rule. */
	const struct emb_rule *written;
	char matched_path[PATH_MAX]; /* the file or directory whose entry decided */
	bool too_deep; /* deeper than EMB_WALK_MAX below dir= rules: denied, no rule */
};

struct emb_guard_violations {
	struct emb_guard_violation *v; /* in the order of the files, exec before open */
	size_t n;
	size_t cap;
};

/*
 * Adds PATH to FILES as WHAT (a string that outlives FILES), by its realpath, unless a file
 * with the same inode is there already (then the first one is kept). Returns 0 (added or
 * already there), -errno when PATH cannot be resolved or stat'ed, or -ENOMEM.
 */
int emb_guard_files_add(struct emb_guard_files *files, const char *what, const char *path);
/* The same for a program of the Essential package PACKAGE. */
int emb_guard_files_add_package(struct emb_guard_files *files, const char *package,
				const char *path);

/*
 * Appends to FILES the critical files of this system that can be found, each once:
 * PID 1's executable (/proc/1/exe) and the init program (/sbin/init), embargod (this process's
 * executable when it is embargod, else the embargod beside it, and /usr/sbin/embargod,
 * /usr/local/sbin/embargod), the dynamic loaders they name in PT_INTERP, the C library files
 * ("libc.so*", "libc-*.so") mapped in /proc/self/maps and /proc/1/maps, the shell /bin/sh,
 * the login path (login, getty, agetty, sulogin, sshd) and the package managers dpkg, apt,
 * apt-get, rpm, dnf and yum found in /usr/bin, /bin, /usr/sbin or /sbin. So embargod and
 * embargo check, run on one system, collect the same files. An executable whose file was
 * replaced since it started (" (deleted)") stands for the file now at its name, which is what
 * runs next. What cannot be read (PID 1's files without privilege, in a container) or does not
 * exist is left out. Returns 0 or -ENOMEM.
 */
int emb_guard_collect(struct emb_guard_files *files);

/*
 * Appends the programs of the Essential packages ESSENTIAL (emb_dpkg_essential()) to FILES: the
 * executable regular files their lists in ADMIN/info name in a bin or sbin directory, as
 * EMB_GUARD_WHAT_ESSENTIAL_FILE with the package's name. Lists that cannot be read are left
 * out. Returns 0 or -ENOMEM.
 */
struct emb_dpkg_owners;
int emb_guard_collect_essential(struct emb_guard_files *files, const char *admin_dir,
				const struct emb_dpkg_owners *essential);

/*
 * Appends to OUT a violation for each package= rule of POLICY that denies (MODE is the mode the
 * policy is in force in: in audit mode nothing is denied) an Essential package of ESSENTIAL.
 * Returns 0 or -ENOMEM.
 */
int emb_guard_check_packages(const struct emb_policy *policy, enum emb_mode mode,
			     const struct emb_dpkg_owners *essential,
			     struct emb_guard_violations *out);

/*
 * The guardrails, as embargod applies them (at start, on reload, on push) and embargo check
 * reports them: collects this system's critical files and the Essential packages of dpkg's
 * database ADMIN_DIR (NULL: EMB_DPKG_ADMIN_DEFAULT) and checks POLICY, resolved into RESOLVED
 * in MODE, against them. A file that a package= rule denies is reported once, as the package.
 * Returns 0 (OUT->n == 0: safe to install), -errno when something could not be examined, or
 * -ENOMEM; on failure OUT keeps what it had.
 */
int emb_guard_policy(const struct emb_policy *policy, enum emb_mode mode,
		     const struct emb_resolved *resolved, const char *admin_dir,
		     struct emb_guard_violations *out);

/*
 * What emb_guard_policy() read from dpkg's database, kept for the next call while the status
 * file is the same (device, inode, size, modification time): a push does not read it again.
 */
struct emb_guard_cache {
	char admin_dir[PATH_MAX];
	uint64_t dev, ino, size;
	int64_t mtime_ns;
	bool valid;
	struct emb_dpkg_owners *essential; /* malloc'd */
	struct emb_guard_files essential_files;
};

/* emb_guard_policy() with CACHE (zeroed before the first call; freed with the next). */
int emb_guard_policy_cached(const struct emb_policy *policy, enum emb_mode mode,
			    const struct emb_resolved *resolved, const char *admin_dir,
			    struct emb_guard_cache *cache, struct emb_guard_violations *out);
void emb_guard_cache_free(struct emb_guard_cache *cache);

/*
 * Checks FILES against POLICY as resolved into RESOLVED (emb_policy_resolve(); its verdicts
 * have audit mode applied, so an audit-mode policy denies nothing). Each file's exec is
 * decided as emb_explain() does (inode, content, directories), its open the same way with the
 * open entries (inode, then directories when dir= open rules exist). Every deny is appended
 * to OUT; OUT->n == 0 after the call means the policy is safe to install. A file that no
 * longer exists is skipped. Returns 0, -errno when a file cannot be examined, -EINVAL when
 * RESOLVED names a rule POLICY lacks, or -ENOMEM; on failure OUT keeps what it had.
 */
int emb_guard_check(const struct emb_policy *policy, const struct emb_resolved *resolved,
		    const struct emb_guard_files *files, struct emb_guard_violations *out);

/*
 * The message for a violation, into BUF (always NUL-terminated), e.g.
 *   FILE:LINE: 'deny exec dir=/usr/lib' would deny the dynamic loader
 *   /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 (refused; --force overrides)
 * (one line). The rule is quoted as written, with the policy language's quoting where its
 * value needs it. Returns snprintf()'s result.
 */
int emb_guard_format(const struct emb_guard_violation *v, char *buf, size_t size);

void emb_guard_files_free(struct emb_guard_files *files);
void emb_guard_violations_free(struct emb_guard_violations *violations);

#endif /* EMB_GUARD_H */
