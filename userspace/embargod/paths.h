/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The files and directories embargod writes (--log, --state, the control socket): their
 * missing parents made with safe modes, each claimed with a lock so that a second embargod
 * given the same one is refused at start and told who holds it, and nothing replaced that is
 * not embargod's own. Each function prints its own one-line error.
 */
#ifndef EMBARGOD_PATHS_H
#define EMBARGOD_PATHS_H

#include <stdbool.h>
#include <sys/types.h>

struct daemon;

/*
 * Makes the missing directories above PATH, mode 0750 (owned by root; group GID when GID is
 * not (gid_t)-1). WHAT names PATH's role in the error ("the log"), which names the directory
 * that could not be made. 0 or -errno.
 */
int paths_make_parents(const char *path, const char *what, gid_t gid);

/*
 * The state directory: made (0700) when missing, refused when it is not embargod's (a symbolic
 * link, not a directory, writable by others, or holding files embargod does not keep there),
 * and locked; d->state_lock_fd holds the lock. 0 or -errno.
 */
int paths_claim_state(struct daemon *d);

/*
 * The log: refused when it, its rotated files (LOG.1 ... LOG.N) or its anchor are there and are
 * not embargod's; its lock (LOG.lock, beside it) taken into d->log_lock_fd. Before the log is
 * opened. 0 or -errno.
 */
int paths_claim_log(struct daemon *d);

/*
 * Whether PATH may be given up to a rotation (renamed over or removed): absent, or a log (a
 * regular file whose first line starts a JSON object). 0, or -EEXIST with WHY.
 */
int paths_rotated_log_check(const char *path, char *why, size_t whylen);

/*
 * The control socket's path: 0 when nothing is there or a socket (stale: the caller made sure
 * no embargod answers on it), else -EEXIST, said. The caller then removes it and binds.
 */
int paths_control_check(const char *path);

#endif /* EMBARGOD_PATHS_H */
