// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "daemon.h"
#include "hash.h"
#include "killer.h"

/* The rule for REC's program: the kernel's decision, else its content (sha256= rules). */
static const struct emb_entry *verdict_of(struct daemon *d, const struct emb_running_rec *rec,
					  int exe_fd, unsigned char sha256[32], bool *hashed)
{
	const struct generation *g = daemon_current(d);
	struct emb_rule_key key = { .kind = EMB_KEY_SHA256, .op = EMB_OP_EXEC };

	*hashed = false;
	if (rec->matched)
		return NULL; /* decided by inode or directory: REC says how */
	if (!(g->resolved.meta_flags & EMB_META_SHA256_EXEC) || exe_fd < 0)
		return NULL;
	if (emb_sha256_file(exe_fd, key.sha256))
		return NULL;
	memcpy(sha256, key.sha256, sizeof(key.sha256));
	*hashed = true;
	return emb_resolved_find_key(&g->resolved, &key);
}

static void log_kill(struct daemon *d, pid_t pid, const struct emb_running_rec *rec,
		     const struct emb_entry *by_sha, const unsigned char sha256[32], bool hashed,
		     const char *path)
{
	struct emb_event e;
	struct timespec now;

	memset(&e, 0, sizeof(e));
	clock_gettime(CLOCK_BOOTTIME, &now);
	e.boot_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	e.type = EMB_EVENT_KILL;
	e.pid = (uint32_t)pid;
	e.dev = rec->dev;
	e.ino = rec->ino;
	e.verdict = EMB_VERDICT_DENY;
	e.tier = (uint8_t)d->enf.tier;
	e.rule_id = by_sha ? by_sha->value.rule_id : rec->rule_id;
	e.generation = by_sha ? by_sha->value.generation : rec->generation;
	if (hashed) {
		memcpy(e.sha256, sha256, sizeof(e.sha256));
		e.flags |= EMB_EVENT_F_SHA256;
	}
	if (by_sha)
		e.flags |= EMB_EVENT_F_BY_SHA256;
	fanguard_proc_ids(pid, &e);
	fanguard_proc_comm(pid, e.comm);
	fanguard_event_path(&e, path);
	daemon_log_event(d, &e, offsetof(struct emb_event, path) + e.path_len);
}

void killer_run(struct daemon *d, size_t *killed, size_t *failed)
{
	struct emb_running_rec *recs = NULL;
	size_t n = 0;
	int r;

	*killed = *failed = 0;
	r = enforcer_running(&d->enf, &recs, &n);
	if (r) {
		fprintf(stderr, "embargod: cannot list running processes: %s\n", strerror(-r));
		(*failed)++;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct emb_running_rec *rec = &recs[i];
		const struct emb_entry *by_sha;
		char exe[64], path[PATH_MAX];
		unsigned char sha256[32];
		struct stat st;
		bool hashed;
		pid_t pid = (pid_t)rec->pid;
		ssize_t len;
		int fd, pidfd;

		/* Never PID 1 (guardrails refuse such a policy anyway), never ourselves. */
		if (pid <= 1 || pid == getpid())
			continue;
		if (rec->matched && rec->verdict != EMB_VERDICT_DENY)
			continue;
		/* Hold the process first, so that a recycled pid is never the one killed. */
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd < 0)
			continue; /* gone */
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
		fd = open(exe, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || emb_kernel_dev(st.st_dev) != rec->dev ||
		    st.st_ino != rec->ino) {
			/* It exec'd something else since: that exec was decided on its own. */
			if (fd >= 0)
				close(fd);
			close(pidfd);
			continue;
		}
		by_sha = verdict_of(d, rec, fd, sha256, &hashed);
		close(fd);
		if (!rec->matched && (!by_sha || by_sha->value.verdict != EMB_VERDICT_DENY)) {
			close(pidfd);
			continue;
		}
		len = readlink(exe, path, sizeof(path) - 1);
		path[len > 0 ? len : 0] = 0;
		if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0) {
			if (errno != ESRCH) {
				fprintf(stderr, "embargod: cannot kill %d (%s): %s\n", (int)pid,
					path, strerror(errno));
				(*failed)++;
			}
			close(pidfd);
			continue;
		}
		close(pidfd);
		(*killed)++;
		fprintf(stderr, "embargod: killed %d running %s (denied by the policy in force)\n",
			(int)pid, path);
		log_kill(d, pid, rec, by_sha, sha256, hashed, path);
	}
	free(recs);
}
