// SPDX-License-Identifier: GPL-2.0-only
/* package= rules expanded from a fake dpkg database into path= and sha256= rules. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "package.h"
#include "policy.h"
#include "tap.h"
#include "tmptree.h"

/* The contents written below, and their sha256 as sha256sum(1) gives it. */
#define ELF_TEXT                                                                                   \
	"\x7f"                                                                                     \
	"ELF\x02\x01\x01"                                                                          \
	"fake elf\n"
#define ELF_SHA	    "822d08a7b4d4e3027a508258f8a63f669bb95d77bf3b97e22c0f801431a8c1bc"
#define SCRIPT_TEXT "#!/bin/sh\necho embargo\n"
#define SCRIPT_SHA  "7ac32232f32251dbc50595d5f5f48c21a52e85b35dd1bdef33bdc13117e9ae2c"
#define TOOL_TEXT   "tool\n"
#define TOOL_SHA    "67948dd9afd6afe5043b0029d5aa7cf0f8b2824baf16f4f097d40d830edb686d"
#define DATA_TEXT   "data\n"
#define DATA_SHA    "6667b2d1aab6a00caa5aee5af8ad9f1465e567abf1c209d15727d57b3e8f6e5f"
#define SHARED_TEXT "shared\n"
#define SHARED_SHA  "cf99975aa7995fad86fae7f3b0905143f30a52501944dff26002afc99c3b8419"

/* Writes ROOT/REL with TEXT, in which every "@" stands for ROOT, and gives it MODE. */
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

/* ROOT/REL, for comparing with derived values. */
static const char *at(const char *rel)
{
	static char paths[8][PATH_MAX];
	static unsigned next;
	char *p = paths[next++ % 8];

	tree_path(rel, p, PATH_MAX);
	return p;
}

static void make_db(void)
{
	char path[PATH_MAX], target[PATH_MAX];

	tree_dir("pkg");
	tree_dir("pkg/bin");
	tree_dir("pkg/share");
	tree_dir("shared");
	tree_dir("dpkg");
	tree_dir("dpkg/info");
	write_file("pkg/bin/elf", ELF_TEXT, 0644); /* a library: no execute bit, but ELF */
	write_file("pkg/bin/script", SCRIPT_TEXT, 0644);
	write_file("pkg/bin/tool", TOOL_TEXT, 0755);
	write_file("pkg/share/data", DATA_TEXT, 0644);
	tree_path("pkg/bin/link", path, sizeof(path));
	tree_path("pkg/bin/script", target, sizeof(target));
	if (symlink(target, path) < 0)
		diag("cannot make the link");
	write_file("shared/lib.so", SHARED_TEXT, 0755);
	write_file("shared/copy", SHARED_TEXT, 0755);

	write_file("dpkg/info/embargo-fake.list",
		   "/.\n@/pkg\n@/pkg/bin\n@/pkg/bin/elf\n@/pkg/bin/script\n@/pkg/bin/tool\n"
		   "@/pkg/share\n@/pkg/share/data\n@/pkg/bin/missing\n@/pkg/bin/link\n"
		   "@/pkg/bin/../bin/tool\n",
		   0644);
	/* Decoys: another package whose name starts alike, and a file that is not a list. */
	write_file("dpkg/info/embargo-fakeish.list", "@/shared/lib.so\n", 0644);
	write_file("dpkg/info/embargo-fake.md5sums", "0123  @/shared/copy\n", 0644);
	/* A multiarch package: the same files in two lists. */
	write_file("dpkg/info/embargo-multi:amd64.list",
		   "@/shared\n@/shared/lib.so\n@/shared/copy\n", 0644);
	write_file("dpkg/info/embargo-multi:i386.list", "@/shared\n@/shared/lib.so\n", 0644);
}

/* Parses TEXT as "t.policy" and expands it against the database ADMIN ("dpkg" if NULL). */
static int expand(const char *text, const char *admin, struct emb_policy *p,
		  struct emb_package_report *rep, struct emb_diags *d)
{
	char dir[PATH_MAX];
	int r;

	tree_path(admin ? admin : "dpkg", dir, sizeof(dir));
	r = emb_policy_parse_buffer(p, "t.policy", text, strlen(text), d);
	if (r) {
		diag("the policy does not parse: %d", r);
		return r;
	}
	return emb_policy_expand_packages(p, dir, rep, d);
}

static size_t count_derived(const struct emb_policy *p, size_t origin,
			    enum emb_rule_matcher matcher)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		n += p->rules[i].origin == origin && p->rules[i].matcher == matcher;
	return n;
}

static const struct emb_rule *find_derived(const struct emb_policy *p, size_t origin,
					   enum emb_rule_matcher matcher, const char *value)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct emb_rule *r = &p->rules[i];

		if (r->origin == origin && r->matcher == matcher && !strcmp(r->value, value))
			return r;
	}
	return NULL;
}

static void test_exec_and_open(void)
{
	static const char text[] = "deny exec package=embargo-fake key=fake\n"
				   "audit open package=embargo-fake\n";
	struct emb_package_report rep = { 0 };
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };
	const struct emb_rule *r;
	bool fields_ok = true;

	is_int(expand(text, NULL, &p, &rep, &d), 0, "exec and open rules of one package expand");
	is_int(d.n, 0, "without diagnostics");

	/* exec: the ELF file, the #! script, the executable, the link to the script. */
	is_int(count_derived(&p, 1, EMB_MATCH_PATH), 4, "exec: 4 path= rules");
	ok(find_derived(&p, 1, EMB_MATCH_PATH, at("pkg/bin/elf")), "exec: an ELF file is taken");
	ok(find_derived(&p, 1, EMB_MATCH_PATH, at("pkg/bin/script")), "exec: a #! script is taken");
	ok(find_derived(&p, 1, EMB_MATCH_PATH, at("pkg/bin/tool")),
	   "exec: a file with an execute bit is taken");
	ok(find_derived(&p, 1, EMB_MATCH_PATH, at("pkg/bin/link")),
	   "exec: a symlink to a file is taken, under its listed name");
	ok(!find_derived(&p, 1, EMB_MATCH_PATH, at("pkg/share/data")),
	   "exec: a non-executable data file is not");
	ok(!find_derived(&p, 1, EMB_MATCH_PATH, at("pkg/bin")), "exec: a directory is not");
	ok(!find_derived(&p, 1, EMB_MATCH_PATH, at("pkg/bin/missing")),
	   "exec: a missing file is not");
	is_int(count_derived(&p, 1, EMB_MATCH_SHA256), 3,
	       "exec: 3 sha256= rules (the link's content is the script's: once)");
	ok(find_derived(&p, 1, EMB_MATCH_SHA256, ELF_SHA), "exec: the ELF file's sha256");
	ok(find_derived(&p, 1, EMB_MATCH_SHA256, SCRIPT_SHA), "exec: the script's sha256");
	ok(find_derived(&p, 1, EMB_MATCH_SHA256, TOOL_SHA), "exec: the executable's sha256");

	/* open: every regular file. */
	is_int(count_derived(&p, 2, EMB_MATCH_PATH), 5, "open: 5 path= rules");
	ok(find_derived(&p, 2, EMB_MATCH_PATH, at("pkg/share/data")),
	   "open: the data file is taken");
	/* Content is checked on exec only: an open rule acts by the file. */
	is_int(count_derived(&p, 2, EMB_MATCH_SHA256), 0, "open: no sha256= rules");
	ok(!find_derived(&p, 2, EMB_MATCH_SHA256, DATA_SHA), "open: not even the data file's");
	is_int(p.n_rules, 2 + 7 + 5, "nothing else is derived");

	for (size_t i = 2; i < p.n_rules; i++) {
		const struct emb_rule *d0 = &p.rules[i], *pkg = &p.rules[d0->origin - 1];

		fields_ok &= d0->origin == 1 || d0->origin == 2;
		fields_ok &= d0->verdict == pkg->verdict && d0->op == pkg->op &&
			     !strcmp(d0->key, pkg->key) && d0->key != pkg->key &&
			     d0->file == pkg->file && d0->line == pkg->line &&
			     d0->col == pkg->col && d0->value_col == pkg->value_col;
	}
	ok(fields_ok,
	   "derived rules carry their package rule's verdict, op, key, file, line, cols");
	r = find_derived(&p, 2, EMB_MATCH_PATH, at("pkg/bin/tool"));
	ok(r && r->verdict == EMB_RULE_AUDIT && r->op == EMB_OP_OPEN && r->line == 2 &&
		   !strcmp(r->key, "t.policy:2"),
	   "an open rule's derived rule: audit, open, line 2, the default key");
	ok(!find_derived(&p, 1, EMB_MATCH_PATH, at("pkg/bin/../bin/tool")) &&
		   !find_derived(&p, 2, EMB_MATCH_PATH, at("pkg/bin/../bin/tool")),
	   "a non-canonical listed path becomes its realpath (and then a duplicate)");
	ok(rep.n == 2 && p.rules[0].origin == 0 && p.rules[1].origin == 0,
	   "the report has both package rules; they stay origin 0");
	if (rep.n == 2) {
		const struct emb_package_entry *e = &rep.v[0];

		ok(e->installed && e->rule == 0 && !strcmp(e->name, "embargo-fake"),
		   "report: embargo-fake is installed, rule 0");
		ok(e->n_lists == 1 && !strcmp(e->lists[0], "embargo-fake"),
		   "report: its one list, not the decoy embargo-fakeish");
		is_int(e->n_files, 4, "report: 4 files for exec");
		if (e->n_files == 4) {
			is_str(e->files[0].path, at("pkg/bin/elf"), "report: files sorted by path");
			is_str(e->files[0].sha256, ELF_SHA, "report: with their sha256");
			is_str(e->files[1].sha256, SCRIPT_SHA,
			       "report: the link has its target's sha256");
		}
		is_int(e->n_skipped, 5,
		       "report: 5 listed paths skipped (3 directories, the data file, a missing "
		       "one)");
		is_int(rep.v[1].n_files, 5, "report: 5 files for open");
		is_int(rep.v[1].n_skipped, 4, "report: 4 skipped for open");
	}
	emb_package_report_free(&rep);
	ok(rep.n == 0 && !rep.v, "the report is freed");
	emb_policy_free(&p);
	emb_diags_free(&d);
}

static void test_not_installed(void)
{
	static const char text[] = "deny exec package=embargo-absent\n"
				   "deny exec package=embargo-fake:amd64\n";
	struct emb_package_report rep = { 0 };
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };

	is_int(expand(text, NULL, &p, &rep, &d), 0, "a package that is not installed is no error");
	is_int(d.n, 0, "and no diagnostic");
	is_int(p.n_rules, 2, "it derives no rule");
	ok(rep.n == 2 && !rep.v[0].installed && rep.v[0].n_files == 0,
	   "the report says it is not installed");
	ok(rep.n == 2 && !rep.v[1].installed,
	   "NAME:ARCH looks for NAME:ARCH.list only, not NAME.list");
	emb_package_report_free(&rep);
	emb_policy_free(&p);
	emb_diags_free(&d);
}

static void test_multiarch(void)
{
	static const char text[] = "deny open package=embargo-multi\n"
				   "deny open package=embargo-multi:i386\n"
				   "deny open package=embargo-fakeish\n"
				   "deny exec package=embargo-multi\n"
				   "deny exec package=embargo-fakeish\n";
	struct emb_package_report rep = { 0 };
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };

	is_int(expand(text, NULL, &p, &rep, &d), 0, "multiarch packages expand");
	is_int(count_derived(&p, 1, EMB_MATCH_PATH), 2,
	       "NAME reads every arch's list; a file in two lists is derived once");
	is_int(count_derived(&p, 1, EMB_MATCH_SHA256), 0, "an open rule derives no sha256= rule");
	is_int(count_derived(&p, 4, EMB_MATCH_SHA256), 1,
	       "two files of the same content: one sha256= rule");
	ok(find_derived(&p, 4, EMB_MATCH_SHA256, SHARED_SHA), "with that content's sha256");
	ok(rep.n == 5 && rep.v[0].n_lists == 2 &&
		   !strcmp(rep.v[0].lists[0], "embargo-multi:amd64") &&
		   !strcmp(rep.v[0].lists[1], "embargo-multi:i386"),
	   "the report names both lists");
	is_int(count_derived(&p, 2, EMB_MATCH_PATH), 1, "NAME:ARCH reads that arch's list only");
	ok(find_derived(&p, 2, EMB_MATCH_PATH, at("shared/lib.so")), "the file of its list");
	ok(rep.n == 5 && rep.v[1].n_lists == 1 && !strcmp(rep.v[1].lists[0], "embargo-multi:i386"),
	   "the report names that list");
	is_int(count_derived(&p, 5, EMB_MATCH_SHA256), 1,
	       "the same content in another package rule is derived again");
	emb_package_report_free(&rep);
	emb_policy_free(&p);
	emb_diags_free(&d);
}

static void test_unreadable_db(void)
{
	static const char text[] = "deny exec path=/usr/bin/kav\n"
				   "deny  exec   package=embargo-fake key=fake\n";
	struct emb_package_report rep = { 0 };
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };
	char msg[PATH_MAX + 128];

	tree_dir("empty");
	is_int(expand(text, "empty", &p, &rep, &d), -EINVAL, "no ADMIN/info: -EINVAL");
	snprintf(msg, sizeof(msg),
		 "cannot read the dpkg database %s/info: No such file or directory", at("empty"));
	if (is_int(d.n, 1, "one diagnostic")) {
		is_str(d.v[0].file, "t.policy", "at the rule's file");
		is_int(d.v[0].line, 2, "line");
		is_int(d.v[0].col, 22, "and the column of the package name");
		is_str(d.v[0].msg, msg, "naming the directory and the error");
	}
	is_int(p.n_rules, 2, "nothing is derived");
	emb_package_report_free(&rep);
	emb_policy_free(&p);
	emb_diags_free(&d);

	/* A policy without package= rules does not need a database. */
	is_int(expand("deny exec path=/usr/bin/kav\n", "empty", &p, NULL, &d), 0,
	       "without package= rules no database is read");
	emb_policy_free(&p);
	emb_diags_free(&d);
}

static void test_unreadable_file(void)
{
	struct emb_package_report rep = { 0 };
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };

	if (geteuid() == 0) {
		diag("running as root: an unreadable file cannot be made, not tested");
		return;
	}
	tree_dir("secret");
	write_file("secret/file", DATA_TEXT, 0);
	write_file("dpkg/info/embargo-secret.list", "@/secret\n@/secret/file\n", 0644);
	is_int(expand("deny open package=embargo-secret\n", NULL, &p, &rep, &d), 0,
	       "a file that cannot be read is no error");
	is_int(count_derived(&p, 1, EMB_MATCH_PATH), 1, "it derives its path= rule");
	is_int(count_derived(&p, 1, EMB_MATCH_SHA256), 0, "but no sha256= rule");
	ok(rep.n == 1 && rep.v[0].n_files == 1 && rep.v[0].files[0].err == -EACCES &&
		   !rep.v[0].files[0].sha256[0],
	   "the report says why");
	emb_package_report_free(&rep);
	emb_policy_free(&p);
	emb_diags_free(&d);
}

/*
 * Writes a list of N distinct names for one file: ROOT/big/xA/xB/xC/xD/xE/f, where each xK is
 * a symlink to "." (so 10 links make 100000 names), from name FIRST on.
 */
static void write_big_list(const char *rel, unsigned first, unsigned n)
{
	char path[PATH_MAX];
	FILE *f;

	tree_path(rel, path, sizeof(path));
	f = fopen(path, "w");
	if (!f) {
		diag("cannot write %s", path);
		return;
	}
	for (unsigned i = first; i < first + n; i++)
		fprintf(f, "%s/big/x%u/x%u/x%u/x%u/x%u/f\n", tree_root, i / 10000 % 10,
			i / 1000 % 10, i / 100 % 10, i / 10 % 10, i % 10);
	fclose(f);
}

static void test_limit(void)
{
	struct emb_package_report rep = { 0 };
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };
	char path[PATH_MAX];

	tree_dir("big");
	write_file("big/f", TOOL_TEXT, 0755);
	for (int i = 0; i < 10; i++) {
		char name[16];

		snprintf(name, sizeof(name), "big/x%d", i);
		tree_path(name, path, sizeof(path));
		if (symlink(".", path) < 0)
			diag("cannot make %s", path);
	}
	/* 100000 names in two lists that overlap: exactly the limit once duplicates go. */
	write_big_list("dpkg/info/embargo-full:amd64.list", 0, 60000);
	write_big_list("dpkg/info/embargo-full:i386.list", 40000, 60000);
	is_int(expand("deny exec package=embargo-full\n", NULL, &p, &rep, &d), 0,
	       "a package of exactly EMB_PACKAGE_MAX_FILES files (after duplicates) expands");
	is_int(count_derived(&p, 1, EMB_MATCH_PATH), EMB_PACKAGE_MAX_FILES,
	       "into one path= rule a file");
	is_int(count_derived(&p, 1, EMB_MATCH_SHA256), 1, "and one sha256= rule for their content");
	emb_package_report_free(&rep);
	emb_policy_free(&p);
	emb_diags_free(&d);

	write_big_list("dpkg/info/embargo-big.list", 0, EMB_PACKAGE_MAX_FILES);
	write_file("dpkg/info/embargo-big:arm64.list", "@/big/f\n", 0644);
	is_int(expand("deny exec package=embargo-big\n", NULL, &p, &rep, &d), -EINVAL,
	       "one file more is -EINVAL");
	ok(d.n == 1 &&
		   !strcmp(d.v[0].msg, "package 'embargo-big' has more than 100000 files (limit)"),
	   "with a diagnostic naming the limit");
	is_int(p.n_rules, 1, "and nothing is derived");
	emb_package_report_free(&rep);
	emb_policy_free(&p);
	emb_diags_free(&d);
}

int main(void)
{
	if (!tree_create("package"))
		return 1;
	make_db();
	test_exec_and_open();
	test_not_installed();
	test_multiarch();
	test_unreadable_db();
	test_unreadable_file();
	test_limit();
	tree_remove();
	return done_testing();
}
