// SPDX-License-Identifier: GPL-2.0-only
/* The policy a command judges files by: the --policy files given, or the one embargod runs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "control.h"
#include "dpkg.h"
#include "json_read.h"

/* --dpkg-root DIR names a root directory, as dpkg --root does: its database is below. */
int cli_dpkg_admin(const struct cli *cli, const char *cmd, const char *root, char *admin,
		   size_t size)
{
	char info[PATH_MAX + 8];
	struct stat st;

	if (!root) {
		snprintf(admin, size, "%s", EMB_DPKG_ADMIN_DEFAULT);
		return 0;
	}
	if (snprintf(admin, size, "%s" EMB_DPKG_ADMIN_DEFAULT, root) >= (int)size) {
		cli_error(cli, "%s: --dpkg-root %s: %s", cmd, root, strerror(ENAMETOOLONG));
		return -1;
	}
	snprintf(info, sizeof(info), "%s/info", admin);
	if (stat(info, &st) < 0 || !S_ISDIR(st.st_mode)) {
		cli_error(cli, "%s: --dpkg-root %s: no dpkg database (%s)", cmd, root, info);
		return -1;
	}
	return 0;
}

int cli_source_load(struct cli_policy_source *src, const char *const *paths, size_t n_paths,
		    enum emb_mode mode, const char *admin, struct emb_diags *diags)
{
	int r = emb_policy_load(&src->policy, paths, n_paths, diags);

	if (!r)
		r = emb_policy_expand_packages(&src->policy, admin, &src->packages, diags);
	if (r)
		return r;
	if (mode == EMB_MODE_UNSET)
		mode = src->policy.mode != EMB_MODE_UNSET ? src->policy.mode : EMB_MODE_ENFORCE;
	r = emb_policy_resolve(&src->policy, mode, 0, &src->resolved, diags);
	if (r)
		return r;
	src->ready = true;
	return 0;
}

void cli_source_from_daemon(struct cli_policy_source *src, const char *control_path,
			    enum emb_mode mode, const char *admin)
{
	struct emb_diags diags = { 0 };
	char *reply = NULL, *err = NULL, *mode_name = NULL, **files = NULL;
	size_t n_files = 0;
	int r;

	r = emb_control_request(control_path, "status", &reply);
	if (r == -ENOENT || r == -ECONNREFUSED) {
		snprintf(src->why_not, sizeof(src->why_not),
			 "embargod is not running (nothing listens on %s); give --policy FILE",
			 control_path);
		return;
	}
	if (r) {
		snprintf(src->why_not, sizeof(src->why_not),
			 "cannot ask embargod at %s for its policy: %s", control_path,
			 strerror(-r));
		return;
	}
	err = json_get_string(reply, "error");
	if (err) {
		snprintf(src->why_not, sizeof(src->why_not), "embargod: %s", err);
		goto out;
	}
	r = json_get_string_array(reply, "policy_files", &files, &n_files);
	if (r) {
		snprintf(src->why_not, sizeof(src->why_not),
			 "embargod's status names no policy files (%s)", strerror(-r));
		goto out;
	}
	mode_name = json_get_string(reply, "mode");
	if (mode == EMB_MODE_UNSET && mode_name && !strcmp(mode_name, "audit"))
		mode = EMB_MODE_AUDIT;
	else if (mode == EMB_MODE_UNSET && mode_name && !strcmp(mode_name, "enforce"))
		mode = EMB_MODE_ENFORCE;
	r = cli_source_load(src, (const char *const *)files, n_files, mode, admin, &diags);
	if (r == -EINVAL && diags.n) {
		char first[EMB_POLICY_MAX_LINE];

		emb_diag_format(&diags.v[0], first, sizeof(first));
		snprintf(src->why_not, sizeof(src->why_not),
			 "embargod's policy files do not load as they are now: %s", first);
	} else if (r) {
		snprintf(src->why_not, sizeof(src->why_not), "cannot load embargod's policy: %s",
			 strerror(-r));
	}
out:
	emb_diags_free(&diags);
	json_strv_free(files, n_files);
	free(mode_name);
	free(err);
	free(reply);
}

void cli_source_free(struct cli_policy_source *src)
{
	emb_resolved_free(&src->resolved);
	emb_package_report_free(&src->packages);
	emb_policy_free(&src->policy);
}
