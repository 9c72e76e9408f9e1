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

struct enforcer {
	struct exec_bpf *skel;
	enum emb_tier tier;
	int rules_fd;	      /* the inner map now installed, or -1 */
	size_t n_entries;     /* entries in it, meta entry not counted */
	char lsm_reason[256]; /* why the lsm tier was not used, when it was not */
	struct bpf_link *links[16];
	size_t n_links;
};

/*
 * Opens and loads the programs for CHOICE (auto: lsm when the kernel runs BPF LSM hooks and
 * the program loads, else tracepoint), but attaches nothing yet. Returns 0 or -errno, with a
 * message in ERR.
 */
int enforcer_load(struct enforcer *enf, enum tier_choice choice, char *err, size_t errlen);

/* Makes R the rules in force, in one map update: a new map is filled, then swapped in. */
int enforcer_install(struct enforcer *enf, const struct emb_resolved *r, uint32_t generation);

/* Starts enforcing. Call after the first enforcer_install(), so there is no open window. */
int enforcer_attach(struct enforcer *enf);

/* Sums the per-CPU counters into OUT[EMB_CNT_MAX]. */
int enforcer_counters(struct enforcer *enf, uint64_t *out);

/*
 * Every process and the exec verdict of its program under the rules in force (path= and dir=),
 * read through the task iterator, into *OUT (malloc'd, *N_OUT records). 0 or -errno.
 */
int enforcer_running(struct enforcer *enf, struct emb_running_rec **out, size_t *n_out);

int enforcer_events_map_fd(struct enforcer *enf);

/* Detaches and frees everything: enforcement ends. */
void enforcer_close(struct enforcer *enf);

#endif /* EMBARGOD_ENFORCER_H */
