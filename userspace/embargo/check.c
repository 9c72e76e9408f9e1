// SPDX-License-Identifier: GPL-2.0-only
/* embargo check: parses policies as embargod would, without root and without the kernel. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checker.h"
#include "cli.h"
#include "dpkg.h"
#include "guard.h"
#include "package.h"
#include "policy.h"
#include "strbuf.h"

static const char check_usage[] =
	"usage: embargo check [--json] [--explain] [--dpkg-root DIR] FILE|DIR...\n"
	"Checks the policy files (a DIR: its *.policy files) as one policy, with the checker\n"
	"embargod runs (embargod --check): syntax, package= rules expanded from dpkg's database\n"
	"(" EMB_DPKG_ADMIN_DEFAULT ", or DIR" EMB_DPKG_ADMIN_DEFAULT
	" with --dpkg-root DIR), and the\n"
	"guardrails: a rule that would deny PID 1, the init program, the login path, /bin/sh,\n"
	"the dynamic loader, libc, embargod, the package manager or an Essential package is\n"
	"refused. Prints FILE:LINE[:COL]: message for each error; exits 1 on any. The mode\n"
	"shown is the one embargod would enforce (enforce when the policy has no mode line).\n"
	"--explain also prints every rule, each package rule followed by the path= and sha256=\n"
	"rules its files derive, or 'not installed'.\n";

struct check_options {
	bool explain;
	const char *dpkg_root; /* NULL: the system's database */
};

static int check_option(struct cli *cli, void *ctx, int c, const char *arg)
{
	struct check_options *o = ctx;

	(void)cli;
	if (c == 'e')
		o->explain = true;
	else if (c == 'd')
		o->dpkg_root = arg;
	return 0;
}

/*
 * VALUE as the policy language would spell it: quoted when a bare value cannot hold it. Bytes a
 * terminal must not get raw are written \xNN, quoted.
 */
static void print_value(const char *value)
{
	bool quote = !value[0] || strpbrk(value, " \t\"#\\");

	for (const char *c = value; *c && !quote; c++)
		quote = !cli_safe_char_len(c);
	if (!quote) {
		fputs(value, stdout);
		return;
	}
	putchar('"');
	for (const char *c = value; *c;) {
		size_t n = cli_safe_char_len(c);

		if (*c == '"' || *c == '\\') {
			printf("\\%c", *c++);
		} else if (!n) {
			printf("\\x%02x", (unsigned char)*c++);
		} else {
			fwrite(c, 1, n, stdout);
			c += n;
		}
	}
	putchar('"');
}

static void print_rule(const struct emb_rule *r)
{
	cli_print_safe(r->file);
	printf(":%u: %s %s %s=", r->line, emb_verdict_name(r->verdict), emb_op_name(r->op),
	       emb_matcher_name(r->matcher));
	print_value(r->value);
	printf(" key=%s\n", r->key);
}

static void print_package(const struct emb_package_entry *e)
{
	if (!e->installed) {
		printf("    not installed\n");
		return;
	}
	if (!e->n_files)
		printf("    installed, no file to derive rules from (%zu listed paths skipped)\n",
		       e->n_skipped);
	for (size_t i = 0; i < e->n_files; i++) {
		const struct emb_package_file *f = &e->files[i];

		printf("    path=");
		print_value(f->path);
		if (f->err)
			printf(" (no sha256: %s)\n", strerror(-f->err));
		else
			printf(" sha256=%s\n", f->sha256);
	}
}

static void print_explain(const struct emb_policy *policy, const struct emb_package_report *rep)
{
	size_t next = 0;

	for (size_t i = 0; i < policy->n_rules; i++) {
		const struct emb_rule *r = &policy->rules[i];

		if (r->origin)
			continue;
		print_rule(r);
		if (next < rep->n && rep->v[next].rule == i)
			print_package(&rep->v[next++]);
	}
}

static void append_package_json(struct json *j, const struct emb_package_entry *e)
{
	struct strbuf lists = { 0 }, files = { 0 };

	sb_putc(&lists, '[');
	for (size_t i = 0; i < e->n_lists; i++) {
		if (i)
			sb_putc(&lists, ',');
		json_quote(&lists, e->lists[i], strlen(e->lists[i]));
	}
	sb_putc(&lists, ']');
	sb_putc(&files, '[');
	for (size_t i = 0; i < e->n_files; i++) {
		const struct emb_package_file *f = &e->files[i];
		struct json jf;

		if (i)
			sb_putc(&files, ',');
		json_begin(&jf, &files);
		json_str(&jf, "path", f->path);
		if (f->err)
			json_str(&jf, "error", strerror(-f->err));
		else
			json_str(&jf, "sha256", f->sha256);
		json_end(&jf);
	}
	sb_putc(&files, ']');
	json_bool(j, "installed", e->installed);
	json_raw(j, "lists", lists.oom ? "[]" : lists.buf);
	json_raw(j, "files", files.oom ? "[]" : files.buf);
	json_u64(j, "skipped", e->n_skipped);
	if (lists.oom || files.oom)
		j->sb->oom = true;
	sb_free(&lists);
	sb_free(&files);
}

/* The "explain" array: every written rule, package rules with what they became. */
static void append_explain_json(struct strbuf *sb, const struct emb_policy *policy,
				const struct emb_package_report *rep)
{
	size_t next = 0, n = 0;

	sb_putc(sb, '[');
	for (size_t i = 0; i < policy->n_rules; i++) {
		const struct emb_rule *r = &policy->rules[i];
		struct json j;

		if (r->origin)
			continue;
		if (n++)
			sb_putc(sb, ',');
		json_begin(&j, sb);
		json_str(&j, "file", r->file);
		json_u64(&j, "line", r->line);
		json_str(&j, "verdict", emb_verdict_name(r->verdict));
		json_str(&j, "op", emb_op_name(r->op));
		json_str(&j, "matcher", emb_matcher_name(r->matcher));
		json_str(&j, "value", r->value);
		json_str(&j, "key", r->key);
		if (next < rep->n && rep->v[next].rule == i)
			append_package_json(&j, &rep->v[next++]);
		json_end(&j);
	}
	sb_putc(sb, ']');
}

/* The guardrails' messages as JSON error objects, appended to the "errors" array in ERRS. */
static void append_guard_json(struct strbuf *errs, bool first,
			      const struct emb_guard_violations *bad)
{
	char msg[PATH_MAX + 512];

	for (size_t i = 0; i < bad->n; i++) {
		const struct emb_rule *r = bad->v[i].written ? bad->v[i].written : bad->v[i].rule;
		struct json je;

		if (!first || i)
			sb_putc(errs, ',');
		emb_guard_format(&bad->v[i], msg, sizeof(msg));
		json_begin(&je, errs);
		json_str(&je, "file", r ? r->file : "");
		json_u64(&je, "line", r ? r->line : 0);
		json_str(&je, "message", msg);
		json_end(&je);
	}
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "explain", no_argument, NULL, 'e' },
		{ "dpkg-root", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct check_options o = { 0 };
	struct emb_package_report report = { 0 };
	struct emb_guard_violations bad = { 0 };
	struct emb_resolved resolved = { 0 };
	struct emb_policy policy = { 0 };
	struct emb_diags diags = { 0 };
	enum emb_mode mode = EMB_MODE_UNSET;
	char admin[PATH_MAX], summary[256], msg[PATH_MAX + 512];
	size_t n_written = 0, n_packages = 0;
	int first, r;

	first = cli_parse_options(cli, argc, argv, check_usage, opts, check_option, &o);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first >= argc) {
		fprintf(stderr, "%s", check_usage);
		return CLI_EXIT_USAGE;
	}
	if (cli_dpkg_admin(cli, "check", o.dpkg_root, admin, sizeof(admin)))
		return CLI_EXIT_USAGE;
	r = emb_policy_load(&policy, (const char *const *)argv + first, (size_t)(argc - first),
			    &diags);
	/* As embargod does: expanded, resolved in the mode it would enforce, guard-railed. */
	if (!r)
		r = emb_checker_prepare(&policy, admin, EMB_MODE_UNSET, 1, &report, &mode,
					&resolved, &diags);
	if (!r) {
		r = emb_guard_policy(&policy, mode, &resolved, admin, &bad);
		if (!r && bad.n)
			r = -EPERM;
	}
	if (mode == EMB_MODE_UNSET)
		mode = emb_checker_mode(&policy, EMB_MODE_UNSET);
	emb_checker_summary(&policy, mode, o.explain, summary, sizeof(summary));
	for (size_t i = 0; i < policy.n_rules; i++) {
		if (policy.rules[i].origin)
			continue;
		n_written++;
		n_packages += policy.rules[i].matcher == EMB_MATCH_PACKAGE;
	}
	if (cli->json) {
		struct strbuf sb = { 0 }, errs = { 0 }, explain = { 0 };
		struct json j;

		sb_putc(&errs, '[');
		for (size_t i = 0; i < diags.n; i++) {
			struct json je;

			if (i)
				sb_putc(&errs, ',');
			json_begin(&je, &errs);
			json_str(&je, "file", diags.v[i].file);
			json_u64(&je, "line", diags.v[i].line);
			json_u64(&je, "col", diags.v[i].col);
			json_str(&je, "message", diags.v[i].msg);
			json_end(&je);
		}
		append_guard_json(&errs, diags.n == 0, &bad);
		sb_putc(&errs, ']');
		json_begin(&j, &sb);
		json_bool(&j, "ok", r == 0);
		json_u64(&j, "rules", r == 0 ? n_written : 0);
		json_str(&j, "mode", emb_mode_name(mode));
		json_raw(&j, "errors", errs.buf);
		json_u64(&j, "errors_not_shown", diags.dropped);
		if (r && r != -EINVAL && r != -EPERM)
			json_str(&j, "error", strerror(-r));
		json_u64(&j, "packages", r == 0 ? n_packages : 0);
		if (o.explain) {
			if (r == 0)
				append_explain_json(&explain, &policy, &report);
			else
				sb_puts(&explain, "[]");
			json_u64(&j, "derived", r == 0 ? policy.n_rules - n_written : 0);
			json_raw(&j, "explain", explain.oom ? "[]" : explain.buf);
		}
		json_end(&j);
		if (sb.oom || errs.oom || explain.oom) {
			cli_error(cli, "check: %s", strerror(ENOMEM));
			r = -ENOMEM;
		} else {
			printf("%s\n", sb.buf);
		}
		sb_free(&sb);
		sb_free(&errs);
		sb_free(&explain);
	} else {
		cli_print_diags(&diags);
		for (size_t i = 0; i < bad.n; i++) {
			emb_guard_format(&bad.v[i], msg, sizeof(msg));
			fprintf(stderr, "%s\n", msg);
		}
		if (!r && o.explain)
			print_explain(&policy, &report);
		if (!r)
			printf("policy OK: %s\n", summary);
		else if (r == -EINVAL || r == -EPERM)
			fprintf(stderr, "embargo: policy rejected (errors: %zu)\n",
				diags.n + diags.dropped + bad.n);
		else
			cli_error(cli, "check: %s", strerror(-r));
	}
	emb_guard_violations_free(&bad);
	emb_resolved_free(&resolved);
	emb_package_report_free(&report);
	emb_policy_free(&policy);
	emb_diags_free(&diags);
	return r ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
