// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checker embargod and embargo check share: the mode it reports, and the guardrails against
 * Essential packages, from a fake dpkg database (status and file lists).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "checker.h"
#include "dpkg.h"
#include "guard.h"
#include "policy.h"
#include "resolve.h"
#include "tap.h"
#include "tmptree.h"

/* Writes tree_root/REL with TEXT, in which every "@" stands for tree_root, in MODE. */
static void write_file(const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	tree_path(rel, path, sizeof(path));
	f = fopen(path, "w");
	if (!f) {
		diag("cannot write %s", path);
		return;
	}
	for (const char *c = text; *c; c++) {
		if (*c == '@')
			fputs(tree_root, f);
		else
			fputc(*c, f);
	}
	fclose(f);
	chmod(path, mode);
}

/*
 * dpkg/status: "fake-base" is Essential and installed, "fake-tools" installed and not
 * Essential, "fake-gone" Essential but removed (its conffiles left); "fake-multi" Essential,
 * its list named with its architecture.
 */
static void make_database(void)
{
	tree_dir("dpkg");
	tree_dir("dpkg/info");
	tree_dir("usr");
	tree_dir("usr/bin");
	tree_dir("usr/share");
	write_file("dpkg/status",
		   "Package: fake-tools\n"
		   "Status: install ok installed\n"
		   "Version: 1.0\n"
		   "Description: tools\n"
		   " that are not essential\n"
		   "\n"
		   "Package: fake-base\n"
		   "Essential: yes\n"
		   "Status: install ok installed\n"
		   "Priority: required\n"
		   "\n"
		   "Package: fake-gone\n"
		   "Essential: yes\n"
		   "Status: deinstall ok config-files\n"
		   "\n"
		   "Package: fake-multi\n"
		   "Status: install ok installed\n"
		   "Essential: yes\n",
		   0644);
	write_file("usr/bin/base-tool", "#!/bin/sh\necho base\n", 0755);
	write_file("usr/bin/base-data", "not a program\n", 0644);
	write_file("usr/share/base-script", "#!/bin/sh\necho script\n", 0755);
	write_file("usr/bin/multi-tool", "#!/bin/sh\necho multi\n", 0755);
	write_file("usr/bin/other-tool", "#!/bin/sh\necho other\n", 0755);
	write_file("dpkg/info/fake-base.list",
		   "/.\n@/usr\n@/usr/bin\n@/usr/bin/base-tool\n@/usr/bin/base-data\n"
		   "@/usr/share/base-script\n@/usr/bin/base-missing\n",
		   0644);
	write_file("dpkg/info/fake-multi:amd64.list", "/.\n@/usr/bin/multi-tool\n", 0644);
	write_file("dpkg/info/fake-tools.list", "/.\n@/usr/bin/other-tool\n", 0644);
}

static void test_essential_names(void)
{
	struct emb_dpkg_owners e = { 0 };
	char admin[PATH_MAX];

	tree_path("dpkg", admin, sizeof(admin));
	is_int(emb_dpkg_essential(admin, &e), 0, "the status database is read");
	is_int((long long)e.n, 2, "two installed Essential packages");
	is_str(e.n > 0 ? e.names[0] : NULL, "fake-base", "fake-base, sorted first");
	is_str(e.n > 1 ? e.names[1] : NULL, "fake-multi", "fake-multi (its last stanza, no blank)");
	ok(emb_dpkg_is_essential(&e, "fake-multi:amd64"), "NAME:ARCH is its package");
	ok(!emb_dpkg_is_essential(&e, "fake-gone"), "a removed Essential package is not");
	ok(!emb_dpkg_is_essential(&e, "fake-tools"), "nor one that is not Essential");
	emb_dpkg_owners_free(&e);

	tree_path("nowhere", admin, sizeof(admin));
	is_int(emb_dpkg_essential(admin, &e), 0, "no database: no Essential package, no error");
	is_int((long long)e.n, 0, "none");
}

static void test_essential_files(void)
{
	struct emb_dpkg_owners e = { 0 };
	struct emb_guard_files f = { 0 };
	char admin[PATH_MAX], path[PATH_MAX];
	bool tool = false, multi = false, other = false;

	tree_path("dpkg", admin, sizeof(admin));
	emb_dpkg_essential(admin, &e);
	is_int(emb_guard_collect_essential(&f, admin, &e), 0, "their programs are collected");
	for (size_t i = 0; i < f.n; i++) {
		diag("%s %s: %s", f.v[i].what, f.v[i].package, f.v[i].path);
		tree_path("usr/bin/base-tool", path, sizeof(path));
		tool |= !strcmp(f.v[i].path, path) && !strcmp(f.v[i].package, "fake-base");
		tree_path("usr/bin/multi-tool", path, sizeof(path));
		multi |= !strcmp(f.v[i].path, path) && !strcmp(f.v[i].package, "fake-multi");
		tree_path("usr/bin/other-tool", path, sizeof(path));
		other |= !strcmp(f.v[i].path, path);
	}
	ok(tool, "fake-base's program in bin/, with its package");
	ok(multi, "fake-multi's, from its NAME:ARCH list");
	ok(!other, "not the program of a package that is not Essential");
	is_int((long long)f.n, 2, "and nothing else: no data file, no script outside bin/");
	emb_guard_files_free(&f);
	emb_dpkg_owners_free(&e);
}

/*
 * Parses TEXT (every "@" tree_root) as "t.policy" and runs the whole checker on it against the
 * fake database: the messages of its violations, with tree_root as "@", joined by newlines.
 */
static const char *checked(const char *text, int *ret)
{
	static char out[4 * PATH_MAX + 8192];
	struct emb_guard_violations v = { 0 };
	struct emb_resolved r = { 0 };
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };
	enum emb_mode mode = EMB_MODE_UNSET;
	char buf[4096], admin[PATH_MAX], msg[2 * PATH_MAX], *o = buf;
	size_t root = strlen(tree_root), len = 0;
	int err;

	for (const char *c = text; *c && o < buf + sizeof(buf) - 300; c++) {
		if (*c == '@')
			o += sprintf(o, "%s", tree_root);
		else
			*o++ = *c;
	}
	*o = 0;
	tree_path("dpkg", admin, sizeof(admin));
	err = emb_policy_parse_buffer(&p, "t.policy", buf, strlen(buf), &d);
	if (!err)
		err = emb_policy_check(&p, &d);
	if (!err)
		err = emb_checker_prepare(&p, admin, EMB_MODE_UNSET, 1, NULL, &mode, &r, &d);
	if (!err)
		err = emb_guard_policy(&p, mode, &r, admin, &v);
	for (size_t i = 0; i < d.n; i++)
		diag("%s:%u:%u: %s", d.v[i].file, d.v[i].line, d.v[i].col, d.v[i].msg);
	out[0] = 0;
	for (size_t i = 0; i < v.n && len + sizeof(msg) < sizeof(out); i++) {
		emb_guard_format(&v.v[i], msg, sizeof(msg));
		if (i)
			out[len++] = '\n';
		for (const char *c = msg; *c;) {
			if (!strncmp(c, tree_root, root)) {
				out[len++] = '@';
				c += root;
			} else {
				out[len++] = *c++;
			}
		}
		out[len] = 0;
	}
	*ret = err;
	emb_guard_violations_free(&v);
	emb_resolved_free(&r);
	emb_policy_free(&p);
	emb_diags_free(&d);
	return out;
}

static void test_guardrails(void)
{
	int err;

	is_str(checked("deny exec package=fake-base key=k\n", &err),
	       "t.policy:1: 'deny exec package=fake-base' would deny the Essential package "
	       "fake-base (refused; --force overrides)",
	       "a package= rule denying an Essential package is refused, once, by name");
	is_int(err, 0, "(the check itself succeeds)");
	is_str(checked("deny exec package=fake-multi:amd64\n", &err),
	       "t.policy:1: 'deny exec package=fake-multi:amd64' would deny the Essential "
	       "package fake-multi (refused; --force overrides)",
	       "NAME:ARCH of an Essential package too");
	is_str(checked("\n\ndeny exec path=@/usr/bin/base-tool\n", &err),
	       "t.policy:3: 'deny exec path=@/usr/bin/base-tool' would deny a program of the "
	       "Essential package fake-base @/usr/bin/base-tool (refused; --force overrides)",
	       "a path= rule denying an Essential package's program names file, line, package");
	is_str(checked("deny exec dir=@/usr/bin\n", &err),
	       "t.policy:1: 'deny exec dir=@/usr/bin' would deny a program of the Essential "
	       "package fake-base @/usr/bin/base-tool (refused; --force overrides)\n"
	       "t.policy:1: 'deny exec dir=@/usr/bin' would deny a program of the Essential "
	       "package fake-multi @/usr/bin/multi-tool (refused; --force overrides)",
	       "a dir= rule: one program a package");
	is_str(checked("mode audit\ndeny exec package=fake-base\n", &err), "",
	       "in audit mode nothing is denied, nothing is refused");
	is_str(checked("deny exec package=fake-tools\ndeny exec package=fake-gone\n", &err), "",
	       "packages that are not Essential (or not installed) may be denied");
	is_str(checked("allow exec package=fake-base\naudit exec path=@/usr/bin/base-tool\n", &err),
	       "", "allowing or auditing an Essential package is fine");
}

static void test_mode_and_summary(void)
{
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };
	const char *text = "deny exec path=/nonexistent/x\ndeny exec package=fake-tools\n";
	char buf[256];

	emb_policy_parse_buffer(&p, "t.policy", text, strlen(text), &d);
	is_int(emb_checker_mode(&p, EMB_MODE_UNSET), EMB_MODE_ENFORCE,
	       "no mode line: the mode in force is enforce, embargod's default, never unset");
	is_int(emb_checker_mode(&p, EMB_MODE_AUDIT), EMB_MODE_AUDIT, "--mode audit wins");
	p.mode = EMB_MODE_AUDIT;
	is_int(emb_checker_mode(&p, EMB_MODE_UNSET), EMB_MODE_AUDIT, "the policy's mode line");
	is_int(emb_checker_mode(&p, EMB_MODE_ENFORCE), EMB_MODE_ENFORCE, "and --mode over it");
	emb_checker_summary(&p, EMB_MODE_ENFORCE, false, buf, sizeof(buf));
	is_str(buf, "2 rules (1 package), mode enforce", "the summary both binaries print");
	emb_policy_free(&p);
	emb_diags_free(&d);
}

int main(void)
{
	if (!tree_create("checker"))
		return 1;
	make_database();
	test_essential_names();
	test_essential_files();
	test_guardrails();
	test_mode_and_summary();
	tree_remove();
	return done_testing();
}
