/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why the lsm tier cannot be used, said from what the kernel shows: its list of active LSMs
 * (/sys/kernel/security/lsm) and its lockdown mode. Pure code: the daemon reads the files.
 */
#ifndef EMB_LSM_H
#define EMB_LSM_H

#include <stdbool.h>
#include <stddef.h>

#define EMB_LSM_FILE	  "/sys/kernel/security/lsm"
#define EMB_LOCKDOWN_FILE "/sys/kernel/security/lockdown"

/* Whether LIST (the text of EMB_LSM_FILE: "lockdown,capability,bpf\n") names bpf. */
bool emb_lsm_list_has_bpf(const char *list);

/*
 * The reason when LIST lacks bpf, into BUF: "bpf is not in /sys/kernel/security/lsm (it lists
 * LIST; boot with lsm=LIST,bpf)".
 */
void emb_lsm_reason_absent(const char *list, char *buf, size_t size);

/*
 * The reason when LIST names bpf and the kernel refused the programs with ERR (an errno), into
 * BUF; LOCKDOWN, the text of EMB_LOCKDOWN_FILE or NULL, adds the lockdown mode when not none.
 */
void emb_lsm_reason_refused(const char *list, int err, const char *lockdown, char *buf,
			    size_t size);

#endif /* EMB_LSM_H */
