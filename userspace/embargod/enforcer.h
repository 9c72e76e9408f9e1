/* SPDX-License-Identifier: GPL-2.0-only */
/* The BPF side of embargod: picking a tier, loading, installing rule maps, reading counters. */
#ifndef EMBARGOD_ENFORCER_H
#define EMBARGOD_ENFORCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "embargo.h"
#include "resolve.h"

enum tier_choice {
	TIER_AUTO,
	TIER_LSM,
	TIER_TRACEPOINT,
};

/* Set by --verbose: libbpf's messages, the verifier's log among them, go to stderr. */
extern bool enforcer_verbose;

struct exec_bpf;
struct ring_buffer;
struct bpf_link;

/* Where embargod pins its programs' links and maps unless told otherwise. */
#define ENFORCER_PIN_DIR_DEFAULT "/sys/fs/bpf/embargo"

struct enforcer {
	struct exec_bpf *skel;
	enum emb_tier tier;
	/*
	 * The bpffs directory the links and maps are pinned in, so that enforcement outlives
	 * embargod (killed, crashed, stopped); empty: nothing is pinned, enforcement ends with
	 * the process.
	 */
	char pin_dir[256];
	int pin_lock_fd;      /* the pin directory, locked: one embargod pins there; or -1 */
	bool adopted;	      /* pinned objects of an earlier embargod were found and taken over */
	size_t n_maps_reused; /* of its maps, how many this one shares (the rest were replaced) */
	size_t n_links_replaced; /* its links, detached once this one's were pinned in their place */
	bool guarding;		 /* tamper protection is on (enforcer_guard_enable()) */
	int rules_fd;		 /* the inner map now installed, or -1 */
	size_t n_entries;	 /* entries in it, meta entry not counted */
	char lsm_reason[256];	 /* why the lsm tier was not used, when it was not */
	struct bpf_link *links[16];
	size_t n_links;
};

/*
 * Opens and loads the programs for CHOICE (auto: lsm when the kernel runs BPF LSM hooks and
 * the program loads, else tracepoint), but attaches nothing yet. With PIN_DIR (on a bpf file
 * system; /sys/fs/bpf is mounted when it is not), maps an earlier embargod pinned there are
 * shared with it (the policy map among them, so its rules stay in force until the first
 * enforcer_install()) and, in auto mode, its tier is preferred; the other maps are pinned
 * there. Returns 0 or -errno, with a message in ERR.
 */
int enforcer_load(struct enforcer *enf, enum tier_choice choice, const char *pin_dir, char *err,
		  size_t errlen);

/* Makes R the rules in force, in one map update: a new map is filled, then swapped in. */
int enforcer_install(struct enforcer *enf, const struct emb_resolved *r, uint32_t generation);

/*
 * Starts enforcing. Call after the first enforcer_install(), so there is no open window. With a
 * pin directory each link is pinned in place of the earlier embargod's link of the same
 * program (which is detached by that), and then the earlier links of programs this one does
 * not have are unpinned: at every moment some programs enforce.
 */
int enforcer_attach(struct enforcer *enf);

/*
 * Tamper protection (lsm tier): embargod is this process's program (by inode), its maps and
 * pins are protected, and so are the files enforcer_guard_file() names. 0 or -errno.
 */
int enforcer_guard_enable(struct enforcer *enf);
int enforcer_guard_file(struct enforcer *enf, const char *path);

/* The generation of the rules in force (an earlier embargod's, when adopted), or 0. */
uint32_t enforcer_generation_in_force(struct enforcer *enf);

/*
 * Removes everything pinned: enforcement ends when this process closes its links
 * (enforcer_close()). Returns 0 or -errno.
 */
int enforcer_unpin(struct enforcer *enf);

/* Sums the per-CPU counters into OUT[EMB_CNT_MAX]. */
int enforcer_counters(struct enforcer *enf, uint64_t *out);

/*
 * Every process and the exec verdict of its program under the rules in force (path= and dir=),
 * read through the task iterator, into *OUT (malloc'd, *N_OUT records). 0 or -errno.
 */
int enforcer_running(struct enforcer *enf, struct emb_running_rec **out, size_t *n_out);

int enforcer_events_map_fd(struct enforcer *enf);
/* Tracepoint tier: the map of programs vouched for (struct emb_vouched); -1 in the lsm tier. */
int enforcer_vouched_map_fd(struct enforcer *enf);

/* Frees everything; enforcement ends unless the links are pinned. */
void enforcer_close(struct enforcer *enf);

#endif /* EMBARGOD_ENFORCER_H */
