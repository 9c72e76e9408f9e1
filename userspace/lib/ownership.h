/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a writer may touch. A file is replaced only when it is new or recognisably of the kind
 * the writer makes (emb_replace_check()); a file or directory written by one process at a time
 * is held with a lock, and a second writer is told who holds it (emb_lock_take()).
 * Library code: it logs nothing.
 */
#ifndef EMB_OWNERSHIP_H
#define EMB_OWNERSHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* How much of a file emb_replace_check() shows to the test of its kind. */
#define EMB_OWN_HEAD_MAX 4096

/* Whether HEAD (the first LEN bytes of a file, NUL-terminated after them) is of a writer's kind. */
typedef bool (*emb_own_kind_fn)(const char *head, size_t len);

/*
 * Whether a writer may replace what is at PATH: 0 when nothing is there, or when it is a
 * regular file whose first bytes IS_OWN accepts. Otherwise -EEXIST, with WHY (WHYLEN bytes)
 * saying "refusing to overwrite: " and why (a symbolic link, a directory, not KIND, ...);
 * -errno when PATH cannot be looked at, WHY saying so. KIND names the writer's files, with
 * an article: "an embargo scan cache".
 */
int emb_replace_check(const char *path, emb_own_kind_fn is_own, const char *kind, char *why,
		      size_t whylen);

/*
 * Takes an exclusive lock (flock) on FD, an open file or directory, without waiting. Returns
 * 0, or -EWOULDBLOCK when another open file description holds it: *RET_HOLDER is then the
 * holder's pid as /proc/locks tells it (0 when it cannot tell), or -errno.
 */
int emb_lock_take(int fd, pid_t *ret_holder);

/* The pid holding a flock on the file FD is open on, from /proc/locks; 0 when none is seen. */
pid_t emb_lock_holder(int fd);

#endif /* EMB_OWNERSHIP_H */
