/* SPDX-License-Identifier: GPL-2.0-only */
/* The embargo CLI: one file per noun, each a command function taking its own arguments. */
#ifndef EMBARGO_CLI_H
#define EMBARGO_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "package.h"
#include "policy.h"
#include "resolve.h"

struct cli {
	bool json;		  /* -j/--json: machine-readable output, errors as {"error": ...} */
	const char *control_path; /* --control SOCKET */
};

/* Exit statuses: 0 ok, 1 the answer is "no" (bad policy, daemon not running), 2 usage. */
#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_fileinfo(struct cli *cli, int argc, char **argv);
int cmd_log(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_keygen(struct cli *cli, int argc, char **argv);
int cmd_sign(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_push(struct cli *cli, int argc, char **argv);
int cmd_policy(struct cli *cli, int argc, char **argv);
int cmd_scan(struct cli *cli, int argc, char **argv);
int cmd_unload(struct cli *cli, int argc, char **argv);

struct emb_diags;
/* Prints policy diagnostics, one "FILE:LINE:COL: message" a line, to stderr. */
void cli_print_diags(const struct emb_diags *diags);

/*
 * Sends REQUEST to embargod and returns its reply in *REPLY (malloc'd): 0, or -1 after saying
 * why not (embargod not running, unreachable, or its reply is an error).
 */
int cli_ask(struct cli *cli, const char *request, char **reply);

/*
 * Prints the "source:" lines of status and policy show from the object NAME of embargod's
 * reply (push_source_json()): the files in force, or the push in force, the --policy files it
 * keeps out of force and the way back to them.
 */
void cli_print_source(const char *reply, const char *name);

/* Prints S for a terminal: control bytes of a path (which any user chooses) as \xNN. */
void cli_print_safe(const char *s);

/* Reports an error in the output mode in force: "embargo: MSG" or {"error":"MSG"}. */
void cli_error(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses the options every command takes (--json, --control); returns argv index of the rest. */
int cli_common_options(struct cli *cli, int argc, char **argv, const char *usage);

/*
 * The same, with a command's own long options EXTRA (ending in a zeroed entry; each 'val' a
 * character other than j, c, h and '?'): ON_OPTION gets each of them with CTX and returns 0,
 * or -1 after saying what is wrong. Returns the argv index of the rest, or -1.
 */
#define CLI_MAX_OPTIONS 16
struct option;
typedef int (*cli_option_fn)(struct cli *cli, void *ctx, int opt, const char *arg);
int cli_parse_options(struct cli *cli, int argc, char **argv, const char *usage,
		      const struct option *extra, cli_option_fn on_option, void *ctx);

/*
 * dpkg's admin directory into ADMIN (SIZE bytes): below ROOT when given (--dpkg-root), else the
 * system's. Returns 0, or -1 after saying why ROOT holds no dpkg database.
 */
int cli_dpkg_admin(const struct cli *cli, const char *cmd, const char *root, char *admin,
		   size_t size);

/* The policy a command judges files by, or why there is none. */
struct cli_policy_source {
	struct emb_policy policy;
	struct emb_resolved resolved;
	struct emb_package_report packages; /* what each package= rule became */
	bool ready;
	char why_not[EMB_POLICY_MAX_LINE + 256]; /* when !ready */
};

/*
 * Loads PATHS, expands package= rules from dpkg's database ADMIN and resolves in MODE
 * (EMB_MODE_UNSET: the policy's own). Returns 0, -EINVAL with DIAGS, or another -errno.
 */
int cli_source_load(struct cli_policy_source *src, const char *const *paths, size_t n_paths,
		    enum emb_mode mode, const char *admin, struct emb_diags *diags);
/*
 * The policy embargod runs: the files its status names, loaded again from disk, in MODE, or
 * in embargod's mode when MODE is EMB_MODE_UNSET. On failure SRC is not ready and says why.
 */
void cli_source_from_daemon(struct cli_policy_source *src, const char *control_path,
			    enum emb_mode mode, const char *admin);
void cli_source_free(struct cli_policy_source *src);

#endif /* EMBARGO_CLI_H */
