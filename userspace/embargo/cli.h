/* SPDX-License-Identifier: GPL-2.0-only */
/* The embargo CLI: one file per noun, each a command function taking its own arguments. */
#ifndef EMBARGO_CLI_H
#define EMBARGO_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
int cmd_reload(struct cli *cli, int argc, char **argv);

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

/*
 * embargo unload token and embargo push revert-token: writes a token made by FORMAT for
 * --host NAME, valid --valid SECONDS (default 3600), to the new file ARGV's operand. WHAT
 * names the command in messages. Returns the CLI's exit status.
 */
int cli_make_token(struct cli *cli, int argc, char **argv, const char *what, const char *usage,
		   int (*format)(const char *host, int64_t expires, char *buf, size_t size));

/*
 * The audit log of the embargod that answers at CLI's control socket (its status names it), or
 * the default log when none answers. *OWNED gets what to free.
 */
const char *cli_log_path(struct cli *cli, char **owned);

/*
 * Prints S for a terminal: control bytes of a path (which any user chooses), C1 controls, bidi
 * overrides and bytes that are not UTF-8 as \xNN, a backslash as \x5c.
 */
void cli_print_safe(const char *s);
/*
 * How many bytes at S print raw (one character: cli_print_safe() prints it as it is), or 0 when
 * the byte at S is escaped.
 */
size_t cli_safe_char_len(const char *s);
/* The same, then spaces up to WIDTH characters. */
void cli_print_safe_padded(const char *s, size_t width);
/* The same as cli_print_safe(), to F. */
void cli_fprint_safe(FILE *f, const char *s);

/* Reports an error in the output mode in force: "embargo: MSG" or {"error":"MSG"}. */
void cli_error(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses the options every command takes (--json, --control, --help, --version). */
int cli_common_options(struct cli *cli, int argc, char **argv, const char *usage);

/*
 * The same, with a command's own long options EXTRA (ending in a zeroed entry; each 'val' a
 * character other than j, c, h, '?' and 1): ON_OPTION gets each of them with CTX and returns 0,
 * or -1 after saying what is wrong. Options may come before or after operands: the operands
 * are moved, in order, to the end of ARGV. Returns the argv index of the first, or -1.
 * --help and --version print and exit.
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

struct stat;
/*
 * The entry of R that decides an open of the file at RESOLVED (its realpath; stat ST): its own
 * inode's, else the nearest directory's above it (dir= open rules); NULL when none. The file
 * or directory that matched goes to MATCHED (SIZE bytes).
 */
const struct emb_entry *cli_open_rule(const struct emb_resolved *r, const char *resolved,
				      const struct stat *st, char *matched, size_t size);

/* What embargod said to an "open" request (handover.c). */
struct cli_handover {
	char verdict[16];	  /* the open verdict in force, "" when not said */
	char rule[PATH_MAX + 16]; /* FILE:LINE of the deciding open rule, or "" */
	char key[256];		  /* its key */
	char why[PATH_MAX + 256]; /* why there is no descriptor */
	bool via_daemon;	  /* cli_open_content(): the descriptor is embargod's */
};

/*
 * Asks embargod at CONTROL_PATH for a read-only descriptor of PATH (absolute, without
 * symlinks). Returns it, or -errno with RET->why: -ENOENT/-ECONNREFUSED when embargod does not
 * run, -EPERM when it refused.
 */
int cli_handover_open(const char *control_path, const char *path, struct cli_handover *ret);
/*
 * Opens PATH to read its content. A file that OPEN_RULED (the policy's open rules deny or
 * audit it) is asked of embargod, so that embargo's own open is neither refused nor logged;
 * where embargod does not run, nothing answers for the rules and PATH is opened here. Returns
 * a descriptor or -errno with H->why.
 */
int cli_open_content(const char *control_path, const char *path, bool open_ruled,
		     struct cli_handover *h);

#endif /* EMBARGO_CLI_H */
