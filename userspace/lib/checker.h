/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one check of a policy, run by embargod (at start, on reload, on push, and --check) and by
 * embargo check, so that both give the same verdict with the same messages: package= rules
 * expanded from dpkg's database, the mode the policy would be in force in, the policy
 * resolved, then the guardrails (guard.h). Library code: it never logs.
 */
#ifndef EMB_CHECKER_H
#define EMB_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "package.h"
#include "policy.h"
#include "resolve.h"

/* The mode POLICY is in force in: OVERRIDE (embargod --mode), else its mode line, else enforce. */
enum emb_mode emb_checker_mode(const struct emb_policy *policy, enum emb_mode override);

/*
 * What a parsed POLICY goes through before the guardrails: its package= rules expanded from
 * dpkg's database ADMIN_DIR (NULL: the default; REPORT, when not NULL, says what each became),
 * its mode decided (emb_checker_mode(), into *RET_MODE), and resolved as GENERATION into
 * RESOLVED. Returns 0, -EINVAL with DIAGS, or another -errno.
 */
int emb_checker_prepare(struct emb_policy *policy, const char *admin_dir, enum emb_mode override,
			uint32_t generation, struct emb_package_report *report,
			enum emb_mode *ret_mode, struct emb_resolved *resolved,
			struct emb_diags *diags);

/*
 * The summary both print after "OK: ": "N rules (K package), mode M" (the package count only
 * when there are package= rules; with DERIVED, "(K package, D derived)"). Returns snprintf()'s.
 */
int emb_checker_summary(const struct emb_policy *policy, enum emb_mode mode, bool derived,
			char *buf, size_t size);

#endif /* EMB_CHECKER_H */
