// SPDX-License-Identifier: GPL-2.0-only
/*
 * embargo fileinfo: what embargo sees in a file (its inode, content hash, ELF build-id, the
 * Debian package owning it) and which rule would decide an exec of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"
#include "control.h"
#include "dpkg.h"
#include "elfinfo.h"
#include "explain.h"
#include "package.h"
#include "hash.h"
#include "json_read.h"
#include "policy.h"
#include "resolve.h"
#include "strbuf.h"

static const char fileinfo_usage[] =
	"usage: embargo fileinfo [--json] [--policy FILE|DIR]... [--dpkg-root DIR] PATH...\n"
	"Shows each file's inode, type, size, owner and mode, its sha256, its ELF build-id, the\n"
	"Debian packages that own it, and the verdicts of the policy on executing it (verdict)\n"
	"and on opening it (open), with the rules that decide. A file the open rules deny or\n"
	"audit is read through a descriptor embargod hands over (root or --admin-group), so\n"
	"that reading it is neither refused nor logged; else it is not read, and said so.\n"
	"The policy is the --policy files (a DIR: its *.policy files), or\n"
	"else the one embargod has loaded (asked over --control SOCKET). --dpkg-root DIR reads\n"
	"dpkg's database below DIR, as dpkg --root does (DIR" EMB_DPKG_ADMIN_DEFAULT "), for\n"
	"owners and package= rules.\n"
	"Exits 1 when a file cannot be examined.\n";

/* A note holds one diagnostic line and some words around it. */
#define NOTE_MAX (EMB_POLICY_MAX_LINE + 256)

struct file_report {
	const char *path;
	char resolved[PATH_MAX]; /* empty when realpath() fails */
	struct stat st;
	bool hashed;
	unsigned char sha256[EMB_SHA256_LEN];
	int read_err; /* a regular file that could not be read: no sha256, no ELF facts */
	struct emb_elf_info elf;
	struct emb_dpkg_owners owners;
	int explain_err;
	struct emb_explanation x;
	/* The open rule that decides an open of it (NULL: none, or no policy). */
	const struct emb_entry *open_e;
	char open_matched[PATH_MAX];
	bool open_ruled; /* open_e denies or audits: embargo does not open it itself */
	struct cli_handover h;
	char note[NOTE_MAX];
};

static const char *type_name(mode_t mode)
{
	if (S_ISREG(mode))
		return "file";
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISLNK(mode))
		return "symlink";
	if (S_ISCHR(mode))
		return "character device";
	if (S_ISBLK(mode))
		return "block device";
	if (S_ISFIFO(mode))
		return "fifo";
	if (S_ISSOCK(mode))
		return "socket";
	return "unknown";
}

/* The open rule of SRC that decides an open of the file. */
static void open_rule_of(struct file_report *fr, const struct cli_policy_source *src)
{
	if (!src->ready || !fr->resolved[0])
		return;
	fr->open_e = cli_open_rule(&src->resolved, fr->resolved, &fr->st, fr->open_matched,
				   sizeof(fr->open_matched));
	fr->open_ruled = fr->open_e && fr->open_e->value.verdict != EMB_RULE_ALLOW;
}

/* The content of a regular file: sha256 and ELF facts, read from one descriptor. */
static void examine_content(struct file_report *fr, const struct cli *cli)
{
	struct stat st;
	int fd, r;

	fd = cli_open_content(cli->control_path, fr->open_ruled ? fr->resolved : fr->path,
			      fr->open_ruled, &fr->h);
	if (fd < 0) {
		fr->read_err = fd;
		return;
	}
	if (fstat(fd, &st) < 0) {
		fr->read_err = -errno;
		close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		/* Replaced since stat(): what it is now is described, not read. */
		fr->st = st;
		close(fd);
		return;
	}
	fr->st = st; /* what was read is what is described */
	r = emb_sha256_file(fd, fr->sha256);
	if (!r)
		r = emb_elf_info(fd, &fr->elf);
	if (r)
		fr->read_err = r;
	fr->hashed = !r;
	close(fd);
}

static void explain_file(struct file_report *fr, const struct cli_policy_source *src)
{
	if (!src->ready) {
		snprintf(fr->note, sizeof(fr->note), "%s", src->why_not);
		return;
	}
	/* What was read is not read again; what the open rules keep closed is not opened. */
	fr->explain_err =
		emb_explain_content(&src->policy, &src->resolved, fr->path,
				    fr->hashed ? fr->sha256 : NULL, !fr->open_ruled, &fr->x);
	if (fr->explain_err)
		snprintf(fr->note, sizeof(fr->note), "cannot walk up from %s: %s", fr->path,
			 strerror(-fr->explain_err));
	else if (fr->x.too_deep)
		snprintf(fr->note, sizeof(fr->note),
			 "more than %d directories deep: the kernel denies it, whatever the policy",
			 EMB_WALK_MAX);
	else if (!fr->x.matched)
		snprintf(fr->note, sizeof(fr->note), "no rule matches");
	if (!fr->explain_err && fr->x.content_unknown && !fr->x.matched)
		snprintf(fr->note, sizeof(fr->note),
			 "its content could not be read: a sha256= rule may decide its exec");
}

static const char *open_verdict_of(const struct file_report *fr,
				   const struct cli_policy_source *src)
{
	if (!src->ready || !fr->resolved[0])
		return "unknown";
	return emb_verdict_name(fr->open_e ? fr->open_e->value.verdict : EMB_RULE_ALLOW);
}

static bool verdict_known(const struct file_report *fr, const struct cli_policy_source *src)
{
	return src->ready && !fr->explain_err;
}

static const char *verdict_of(const struct file_report *fr, const struct cli_policy_source *src)
{
	return verdict_known(fr, src) ? emb_verdict_name(fr->x.verdict) : "unknown";
}

static void rule_where(const struct emb_rule *rule, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%u", rule->file, rule->line);
}

static void print_human(const struct file_report *fr, const struct cli_policy_source *src)
{
	char where[PATH_MAX + 16];
	const struct emb_rule *rule = verdict_known(fr, src) ? fr->x.rule : NULL;

#define FIELD(name, fmt, ...) printf("%-10s" fmt "\n", name ":", __VA_ARGS__)
	FIELD("path", "%s", fr->path);
	if (fr->resolved[0])
		FIELD("resolved", "%s", fr->resolved);
	FIELD("type", "%s", type_name(fr->st.st_mode));
	FIELD("size", "%lld", (long long)fr->st.st_size);
	FIELD("mode", "%04o", (unsigned)(fr->st.st_mode & 07777));
	FIELD("uid", "%u", (unsigned)fr->st.st_uid);
	FIELD("gid", "%u", (unsigned)fr->st.st_gid);
	FIELD("dev", "%u:%u", major(fr->st.st_dev), minor(fr->st.st_dev));
	FIELD("ino", "%llu", (unsigned long long)fr->st.st_ino);
	FIELD("nlink", "%llu", (unsigned long long)fr->st.st_nlink);
	if (fr->hashed) {
		char hex[2 * EMB_BUILD_ID_MAX + 1];

		emb_hex(fr->sha256, EMB_SHA256_LEN, hex);
		FIELD("sha256", "%s", hex);
		FIELD("elf", "%s", fr->elf.is_elf ? "yes" : "no");
		if (fr->elf.build_id_len) {
			emb_hex(fr->elf.build_id, fr->elf.build_id_len, hex);
			FIELD("build_id", "%s", hex);
		}
	} else if (fr->read_err && fr->open_ruled) {
		FIELD("sha256", "unknown (not read: the policy's open rules %s opening it, and %s)",
		      fr->open_e->value.verdict == EMB_RULE_DENY ? "deny" : "audit", fr->h.why);
	} else if (fr->read_err) {
		FIELD("sha256", "unknown (cannot read the file: %s)", strerror(-fr->read_err));
	}
	if (fr->h.via_daemon)
		FIELD("read", "%s", "through a descriptor embargod handed over (open rule)");
	if (fr->owners.n) {
		printf("%-10s", "package:");
		for (size_t i = 0; i < fr->owners.n; i++)
			printf("%s%s", i ? ", " : "", fr->owners.names[i]);
		putchar('\n');
	}
	FIELD("verdict", "%s", verdict_of(fr, src));
	if (rule) {
		rule_where(rule, where, sizeof(where));
		FIELD("rule", "%s (%s %s %s=%s)", where, emb_verdict_name(rule->verdict),
		      emb_op_name(rule->op), emb_matcher_name(rule->matcher), rule->value);
		if (rule->origin)
			FIELD("via", "package=%s (the rule above stands for one of its files)",
			      src->policy.rules[rule->origin - 1].value);
		FIELD("key", "%s", rule->key);
		if (fr->x.by_sha256)
			FIELD("matched", "%s (its content)", fr->x.matched_path);
		else if (fr->x.depth)
			FIELD("matched", "%s (%zu director%s up)", fr->x.matched_path, fr->x.depth,
			      fr->x.depth == 1 ? "y" : "ies");
		else
			FIELD("matched", "%s (the file itself)", fr->x.matched_path);
	}
	FIELD("open", "%s", open_verdict_of(fr, src));
	if (fr->open_e) {
		const struct emb_rule *orule = &src->policy.rules[fr->open_e->value.rule_id];

		rule_where(orule, where, sizeof(where));
		FIELD("open by", "%s (%s %s %s=%s)", where, emb_verdict_name(orule->verdict),
		      emb_op_name(orule->op), emb_matcher_name(orule->matcher), orule->value);
		FIELD("open key", "%s", orule->key);
		FIELD("open at", "%s", fr->open_matched);
	}
	if (fr->note[0])
		FIELD("note", "%s", fr->note);
#undef FIELD
}

static void append_json(struct strbuf *out, const struct file_report *fr,
			const struct cli_policy_source *src)
{
	const struct emb_rule *rule = verdict_known(fr, src) ? fr->x.rule : NULL;
	char buf[PATH_MAX + 16];
	struct json j;

	json_begin(&j, out);
	json_str(&j, "path", fr->path);
	if (fr->resolved[0])
		json_str(&j, "resolved", fr->resolved);
	json_str(&j, "type", type_name(fr->st.st_mode));
	json_i64(&j, "size", (int64_t)fr->st.st_size);
	snprintf(buf, sizeof(buf), "%04o", (unsigned)(fr->st.st_mode & 07777));
	json_str(&j, "mode", buf);
	json_u64(&j, "uid", fr->st.st_uid);
	json_u64(&j, "gid", fr->st.st_gid);
	snprintf(buf, sizeof(buf), "%u:%u", major(fr->st.st_dev), minor(fr->st.st_dev));
	json_str(&j, "dev", buf);
	json_u64(&j, "ino", fr->st.st_ino);
	json_u64(&j, "nlink", fr->st.st_nlink);
	if (fr->hashed) {
		emb_hex(fr->sha256, EMB_SHA256_LEN, buf);
		json_str(&j, "sha256", buf);
		json_bool(&j, "elf", fr->elf.is_elf);
		if (fr->elf.build_id_len) {
			emb_hex(fr->elf.build_id, fr->elf.build_id_len, buf);
			json_str(&j, "build_id", buf);
		}
	} else if (fr->read_err && fr->open_ruled) {
		json_str(&j, "read_error", fr->h.why);
		json_bool(&j, "open_denied", fr->open_e->value.verdict == EMB_RULE_DENY);
	} else if (fr->read_err) {
		json_str(&j, "read_error", strerror(-fr->read_err));
	}
	if (fr->h.via_daemon)
		json_str(&j, "read_via", "embargod");
	if (fr->owners.n) {
		struct strbuf arr = { 0 };

		sb_putc(&arr, '[');
		for (size_t i = 0; i < fr->owners.n; i++) {
			if (i)
				sb_putc(&arr, ',');
			json_quote(&arr, fr->owners.names[i], strlen(fr->owners.names[i]));
		}
		sb_putc(&arr, ']');
		json_raw(&j, "package", arr.oom ? "[]" : arr.buf);
		sb_free(&arr);
	}
	json_str(&j, "verdict", verdict_of(fr, src));
	if (rule) {
		rule_where(rule, buf, sizeof(buf));
		json_str(&j, "rule", buf);
		json_str(&j, "key", rule->key);
		json_str(&j, "matcher", emb_matcher_name(rule->matcher));
		if (rule->origin)
			json_str(&j, "package_rule", src->policy.rules[rule->origin - 1].value);
		json_str(&j, "matched", fr->x.matched_path);
		json_u64(&j, "depth", fr->x.depth);
	}
	json_str(&j, "exec_verdict", verdict_of(fr, src));
	json_str(&j, "open_verdict", open_verdict_of(fr, src));
	if (fr->open_e) {
		const struct emb_rule *orule = &src->policy.rules[fr->open_e->value.rule_id];

		rule_where(orule, buf, sizeof(buf));
		json_str(&j, "open_rule", buf);
		json_str(&j, "open_key", orule->key);
		json_str(&j, "open_matched", fr->open_matched);
	}
	if (fr->note[0])
		json_str(&j, "note", fr->note);
	json_end(&j);
}

static void append_json_error(struct strbuf *out, const char *path, int err)
{
	struct json j;

	json_begin(&j, out);
	json_str(&j, "path", path);
	json_str(&j, "error", strerror(-err));
	json_end(&j);
}

struct fileinfo_options {
	const char **policies;
	size_t n_policies;
	const char *dpkg_root;
	char admin[PATH_MAX]; /* dpkg's admin directory */
};

static int fileinfo_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct fileinfo_options *o = ctx;

	(void)cli;
	if (c == 'p') {
		o->policies[o->n_policies++] = arg;
	} else if (c == 'd') {
		o->dpkg_root = arg;
	}
	return 0;
}

int cmd_fileinfo(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "dpkg-root", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct fileinfo_options o = { .admin = EMB_DPKG_ADMIN_DEFAULT };
	struct cli_policy_source src = { 0 };
	struct strbuf out = { 0 };
	int first, status = CLI_EXIT_OK, printed = 0;

	/* At most one --policy an argument. */
	o.policies = calloc((size_t)argc, sizeof(*o.policies));
	if (!o.policies) {
		cli_error(cli, "fileinfo: %s", strerror(ENOMEM));
		return CLI_EXIT_FAIL;
	}
	first = cli_parse_options(cli, argc, argv, fileinfo_usage, opts, fileinfo_option, &o);
	if (first < 0 || first >= argc) {
		if (first >= argc)
			fprintf(stderr, "%s", fileinfo_usage);
		free(o.policies);
		return CLI_EXIT_USAGE;
	}
	if (cli_dpkg_admin(cli, "fileinfo", o.dpkg_root, o.admin, sizeof(o.admin))) {
		free(o.policies);
		return CLI_EXIT_USAGE;
	}

	if (o.n_policies) {
		struct emb_diags diags = { 0 };
		int r = cli_source_load(&src, o.policies, o.n_policies, EMB_MODE_UNSET, o.admin,
					&diags);

		cli_print_diags(&diags);
		emb_diags_free(&diags);
		if (r) {
			if (r == -EINVAL)
				cli_error(cli, "fileinfo: policy rejected");
			else
				cli_error(cli, "fileinfo: cannot load the policy: %s",
					  strerror(-r));
			status = CLI_EXIT_FAIL;
			goto out;
		}
	} else {
		cli_source_from_daemon(&src, cli->control_path, EMB_MODE_UNSET, o.admin);
	}

	sb_putc(&out, '[');
	for (int i = first; i < argc; i++) {
		struct file_report *fr = calloc(1, sizeof(*fr));
		int r;

		if (!fr) {
			cli_error(cli, "fileinfo: %s", strerror(ENOMEM));
			status = CLI_EXIT_FAIL;
			break;
		}
		fr->path = argv[i];
		if (stat(fr->path, &fr->st) < 0) {
			r = -errno;
			if (cli->json) {
				if (out.len > 1)
					sb_putc(&out, ',');
				append_json_error(&out, fr->path, r);
			} else {
				cli_error(cli, "fileinfo: %s: %s", fr->path, strerror(-r));
			}
			status = CLI_EXIT_FAIL;
			free(fr);
			continue;
		}
		if (!realpath(fr->path, fr->resolved))
			fr->resolved[0] = '\0';
		open_rule_of(fr, &src);
		if (S_ISREG(fr->st.st_mode))
			examine_content(fr, cli);
		/* No dpkg database (not Debian): no package owns anything. */
		emb_dpkg_find_owners(o.admin, fr->path, &fr->owners);
		explain_file(fr, &src);
		if (cli->json) {
			if (out.len > 1)
				sb_putc(&out, ',');
			append_json(&out, fr, &src);
		} else {
			if (printed++)
				putchar('\n');
			print_human(fr, &src);
		}
		emb_dpkg_owners_free(&fr->owners);
		free(fr);
	}
	sb_putc(&out, ']');
	if (cli->json) {
		if (out.oom) {
			cli_error(cli, "fileinfo: %s", strerror(ENOMEM));
			status = CLI_EXIT_FAIL;
		} else {
			printf("%s\n", out.buf);
		}
	}
out:
	sb_free(&out);
	cli_source_free(&src);
	free(o.policies);
	return status;
}
