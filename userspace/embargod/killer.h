/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running processes of banned programs: after a policy is installed with kill-running (a push
 * with --kill-running, or "running kill" in the policy), every process whose program the rules
 * in force deny is killed (SIGKILL) and each kill is logged as a "kill" event. The processes
 * are found with the BPF task iterator (path= and dir= rules decided in the kernel, as for an
 * exec); sha256= rules are checked here, on /proc/PID/exe.
 */
#ifndef EMBARGOD_KILLER_H
#define EMBARGOD_KILLER_H

#include <stddef.h>

struct daemon;

/* Kills them; *KILLED counts the kills, *FAILED the processes that could not be killed. */
void killer_run(struct daemon *d, size_t *killed, size_t *failed);

#endif /* EMBARGOD_KILLER_H */
