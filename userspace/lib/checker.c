// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "checker.h"

enum emb_mode emb_checker_mode(const struct emb_policy *policy, enum emb_mode override)
{
	if (override != EMB_MODE_UNSET)
		return override;
	return policy->mode != EMB_MODE_UNSET ? policy->mode : EMB_MODE_ENFORCE;
}

int emb_checker_prepare(struct emb_policy *policy, const char *admin_dir, enum emb_mode override,
			uint32_t generation, struct emb_package_report *report,
			enum emb_mode *ret_mode, struct emb_resolved *resolved,
			struct emb_diags *diags)
{
	enum emb_mode mode;
	int r = emb_policy_expand_packages(policy, admin_dir, report, diags);

	if (r)
		return r;
	mode = emb_checker_mode(policy, override);
	r = emb_policy_resolve(policy, mode, generation, resolved, diags);
	if (!r)
		*ret_mode = mode;
	return r;
}

int emb_checker_summary(const struct emb_policy *policy, enum emb_mode mode, bool derived,
			char *buf, size_t size)
{
	size_t written = 0, packages = 0;

	for (size_t i = 0; i < policy->n_rules; i++) {
		if (policy->rules[i].origin)
			continue;
		written++;
		packages += policy->rules[i].matcher == EMB_MATCH_PACKAGE;
	}
	if (packages && derived)
		return snprintf(buf, size, "%zu rules (%zu package, %zu derived), mode %s", written,
				packages, policy->n_rules - written, emb_mode_name(mode));
	if (packages)
		return snprintf(buf, size, "%zu rules (%zu package), mode %s", written, packages,
				emb_mode_name(mode));
	return snprintf(buf, size, "%zu rules, mode %s", written, emb_mode_name(mode));
}
