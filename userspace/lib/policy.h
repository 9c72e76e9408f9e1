/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy language: parsing text into rules, with diagnostics that name file, line and
 * column. Pure code: no logging, no file system access beyond reading the policy files.
 * See policies/FORMAT.md for the language.
 */
#ifndef EMB_POLICY_H
#define EMB_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on what a policy may hold; a policy over them is rejected, not cut. */
#define EMB_POLICY_MAX_LINE	 4096
#define EMB_POLICY_MAX_RULES	 1000000
#define EMB_POLICY_MAX_KEY	 64
#define EMB_POLICY_MAX_FILE_SIZE (64u << 20)
#define EMB_POLICY_MAX_DIAGS	 100

enum emb_rule_verdict {
	EMB_RULE_ALLOW = 0, /* same values as enum emb_verdict in bpf/embargo.h */
	EMB_RULE_AUDIT = 1,
	EMB_RULE_DENY = 2,
};

enum emb_rule_op {
	EMB_OP_EXEC = 1, /* executing the file, or mapping it executable */
	EMB_OP_OPEN = 2, /* opening the file at all (reading, copying, interpreting) */
};

enum emb_rule_matcher {
	EMB_MATCH_PATH = 1,    /* one file, by inode */
	EMB_MATCH_DIR = 2,     /* every file below a directory, at any depth */
	EMB_MATCH_SHA256 = 3,  /* every file with this content */
	EMB_MATCH_PACKAGE = 4, /* every file of an installed package (path and content) */
};

enum emb_mode {
	EMB_MODE_UNSET = 0,
	EMB_MODE_ENFORCE = 1,
	EMB_MODE_AUDIT = 2,
};

/* What installing the policy does to processes already running a program it newly denies. */
enum emb_running {
	EMB_RUNNING_UNSET = 0, /* no file says: as EMB_RUNNING_KEEP */
	EMB_RUNNING_KEEP,      /* they keep running */
	EMB_RUNNING_KILL,      /* they are killed, as with "embargo push --kill-running" */
};

struct emb_rule {
	enum emb_rule_verdict verdict;
	enum emb_rule_op op;
	enum emb_rule_matcher matcher;
	/*
	 * path=, dir=: unescaped absolute path, no "." or ".." components, no "//", no trailing
	 * '/' (except "/"); sha256=: 64 lowercase hex digits; package=: NAME or NAME:ARCH.
	 */
	char *value;
	char *key;	    /* the key= word, or "FILE:LINE" when none was given */
	const char *file;   /* owned by the policy's file list */
	unsigned line;	    /* 1-based */
	unsigned col;	    /* 1-based column of the rule's first character */
	unsigned value_col; /* column where the matcher's value starts (for later diagnostics) */
	/*
	 * 0 for a rule written in a policy file. A rule derived from a package= rule (see
	 * package.h) has the package rule's index + 1 here, and that rule's verdict, operation,
	 * key, file and line; derived rules are never reported as duplicates or contradictions.
	 */
	size_t origin;
};

struct emb_policy {
	struct emb_rule *rules;
	size_t n_rules;
	size_t cap_rules;
	enum emb_mode mode; /* EMB_MODE_UNSET when no file says */
	const char *mode_file;
	unsigned mode_line;
	uint64_t version; /* the "version N" line: 1 to INT64_MAX, 0 when no file says */
	const char *version_file;
	unsigned version_line;
	enum emb_running running; /* EMB_RUNNING_UNSET when no file says */
	const char *running_file;
	unsigned running_line;
	char **files; /* every file name parsed, in order; rules point into it */
	size_t n_files;
	size_t n_checked; /* rules [0, n_checked) went through emb_policy_check() already */
};

struct emb_diag {
	char *file;
	unsigned line;
	unsigned col;
	char *msg;
};

struct emb_diags {
	struct emb_diag *v;
	size_t n;
	size_t cap;
	size_t dropped; /* diagnostics beyond EMB_POLICY_MAX_DIAGS, counted but not kept */
};

const char *emb_verdict_name(enum emb_rule_verdict v); /* "allow", "audit", "deny" */
const char *emb_matcher_name(enum emb_rule_matcher m); /* "path", "dir", "sha256", "package" */
const char *emb_op_name(enum emb_rule_op op);	       /* "exec", "open" */

/* Parses 64 hex digits (either case) into 32 bytes; returns false on anything else. */
bool emb_sha256_parse(const char *hex, unsigned char out[32]);
const char *emb_mode_name(enum emb_mode m);	  /* "enforce", "audit", "unset" */
const char *emb_running_name(enum emb_running r); /* "kill", "keep", "unset" */

/*
 * Parse one policy text named NAME (used in diagnostics and default keys) and append its rules
 * to POLICY. Returns 0, -EINVAL when it added diagnostics (the policy must then not be used),
 * or another -errno (e.g. -ENOMEM). A "mode", "version" or "running" that differs from one set
 * by an earlier text is diagnosed here; duplicate and contradictory rules only by
 * emb_policy_check().
 */
int emb_policy_parse_buffer(struct emb_policy *policy, const char *name, const char *buf,
			    size_t len, struct emb_diags *diags);

/*
 * Load PATHS: a file is parsed; a directory contributes every "*.policy" file directly in it,
 * in byte order of their names (an empty directory is fine). Unreadable files and directories
 * are diagnostics (line 0, col 0) too. After all files, checks the whole set: the same
 * (op, matcher, value) twice is "duplicate rule, first at FILE:LINE"; twice with different
 * verdicts is "contradicts FILE:LINE"; two different "mode", "version" or "running" values are
 * a diagnostic.
 * Returns as emb_policy_parse_buffer().
 */
int emb_policy_load(struct emb_policy *policy, const char *const *paths, size_t n_paths,
		    struct emb_diags *diags);

/*
 * Records a diagnostic (kept if fewer than EMB_POLICY_MAX_DIAGS are, counted otherwise).
 * Returns -EINVAL, so a caller can "return emb_diags_add(...)", or -ENOMEM.
 */
int emb_diags_add(struct emb_diags *diags, const char *file, unsigned line, unsigned col,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * The whole-set check emb_policy_load() ends with, for callers that use
 * emb_policy_parse_buffer(): "duplicate rule, first at WHERE" and "contradicts the VERDICT rule
 * at WHERE", WHERE being "line N" within one file and "FILE:N" across files. Rules checked by an
 * earlier call are not reported again. Returns as emb_policy_parse_buffer().
 */
int emb_policy_check(struct emb_policy *policy, struct emb_diags *diags);

void emb_policy_free(struct emb_policy *policy);
void emb_diags_free(struct emb_diags *diags);

/*
 * Adds a diagnostic (or counts it in ->dropped beyond EMB_POLICY_MAX_DIAGS). Returns -EINVAL,
 * so that "return emb_diags_add(...);" reports the failure it describes, or -ENOMEM.
 */
int emb_diags_add(struct emb_diags *diags, const char *file, unsigned line, unsigned col,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * "FILE:LINE:COL: message", or "FILE: message" for the whole file (line 0), into BUF (always
 * NUL-terminated); returns snprintf()'s result.
 */
int emb_diag_format(const struct emb_diag *diag, char *buf, size_t size);

#endif /* EMB_POLICY_H */
