/* SPDX-License-Identifier: GPL-2.0-only */
/* A policy for unit tests, written against the test's tmptree.h tree, parsed and resolved. */
#ifndef EMB_TREEPOLICY_H
#define EMB_TREEPOLICY_H

#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "resolve.h"
#include "tap.h"
#include "tmptree.h"

/*
 * Parses TEXT, where every "@" stands for tree_root, and resolves it in MODE, or (MODE unset)
 * in the policy's own mode, as embargod does without --mode. Diagnostics are printed.
 */
static inline int tree_policy(struct emb_policy *p, struct emb_resolved *r, enum emb_mode mode,
			      const char *text)
{
	struct emb_diags d = { 0 };
	char buf[8192], *o = buf;
	int err;

	for (const char *c = text; *c && o < buf + sizeof(buf) - 300; c++) {
		if (*c == '@')
			o += sprintf(o, "%s", tree_root);
		else
			*o++ = *c;
	}
	*o = 0;
	err = emb_policy_parse_buffer(p, "t.policy", buf, strlen(buf), &d);
	if (!err)
		err = emb_policy_check(p, &d);
	if (mode == EMB_MODE_UNSET)
		mode = p->mode == EMB_MODE_AUDIT ? EMB_MODE_AUDIT : EMB_MODE_ENFORCE;
	if (!err)
		err = emb_policy_resolve(p, mode, 1, r, &d);
	for (size_t i = 0; i < d.n; i++)
		diag("%s:%u:%u: %s", d.v[i].file, d.v[i].line, d.v[i].col, d.v[i].msg);
	emb_diags_free(&d);
	return err;
}

#endif /* EMB_TREEPOLICY_H */
