// SPDX-License-Identifier: GPL-2.0-only
/* Guardrails: a policy that would deny a file the system needs is found out before install. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "guard.h"
#include "hash.h"
#include "policy.h"
#include "resolve.h"
#include "tap.h"
#include "tmptree.h"
#include "treepolicy.h"

/* Writes CONTENT to tree_root/REL. */
static void write_file(const char *rel, const char *content)
{
	char path[PATH_MAX];
	int fd;

	tree_path(rel, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

/* The fake system: a loader and a libc in lib/, a package manager in bin/. */
static struct emb_guard_files files;

static void make_system(void)
{
	char path[PATH_MAX];

	tree_dir("lib");
	tree_dir("lib/x86_64");
	tree_dir("bin");
	tree_dir("other");
	tree_dir("sp ace");
	write_file("lib/x86_64/ld.so", "a fake dynamic loader\n");
	write_file("lib/x86_64/libc.so.6", "a fake C library\n");
	write_file("bin/dpkg", "a fake package manager\n");
	write_file("other/tool", "an unrelated program\n");
	write_file("sp ace/init", "PID 1\n");

	tree_path("lib/x86_64/ld.so", path, sizeof(path));
	emb_guard_files_add(&files, EMB_GUARD_WHAT_LOADER, path);
	tree_path("lib/x86_64/libc.so.6", path, sizeof(path));
	emb_guard_files_add(&files, EMB_GUARD_WHAT_LIBC, path);
	tree_path("bin/dpkg", path, sizeof(path));
	emb_guard_files_add(&files, EMB_GUARD_WHAT_PACKAGE_MANAGER "dpkg", path);
	tree_path("sp ace/init", path, sizeof(path));
	emb_guard_files_add(&files, EMB_GUARD_WHAT_PID1, path);
}

/* Resolves TEXT in MODE and checks the fake system against it; -errno of any step. */
static int check(enum emb_mode mode, const char *text, struct emb_policy *p,
		 struct emb_guard_violations *v)
{
	struct emb_resolved r = { 0 };
	int err;

	*v = (struct emb_guard_violations){ 0 };
	err = tree_policy(p, &r, mode, text);
	if (!err)
		err = emb_guard_check(p, &r, &files, v);
	emb_resolved_free(&r);
	return err;
}

/* The message for V with tree_root replaced by "@", so that it can be compared. */
static const char *message(const struct emb_guard_violation *v)
{
	static char out[2 * PATH_MAX];
	char buf[2 * PATH_MAX], *o = out;
	size_t root = strlen(tree_root);

	emb_guard_format(v, buf, sizeof(buf));
	for (const char *c = buf; *c;) {
		if (!strncmp(c, tree_root, root)) {
			*o++ = '@';
			c += root;
		} else {
			*o++ = *c++;
		}
	}
	*o = 0;
	return out;
}

static void test_files_add(void)
{
	struct emb_guard_files f = { 0 };
	char path[PATH_MAX], link_path[PATH_MAX];

	is_int((long long)files.n, 4, "the fake system has four critical files");
	tree_path("lib/x86_64/ld.so", path, sizeof(path));
	is_str(files.v[0].path, path, "each by its realpath");
	ok(files.v[0].what && !strcmp(files.v[0].what, EMB_GUARD_WHAT_LOADER), "and what it is");

	/* Links to a file of its own: a hardlink below a dir= rule is an entry of its own. */
	write_file("other/linked", "linked\n");
	tree_path("other/linked", path, sizeof(path));
	tree_path("other/symlink", link_path, sizeof(link_path));
	if (symlink(path, link_path) < 0)
		diag("cannot make %s", link_path);
	is_int(emb_guard_files_add(&f, EMB_GUARD_WHAT_LOADER, link_path), 0, "a symlink is added");
	is_str(f.n ? f.v[0].path : NULL, path, "as the file it names");
	tree_path("other/hardlink", link_path, sizeof(link_path));
	if (link(path, link_path) < 0)
		diag("cannot make %s", link_path);
	is_int(emb_guard_files_add(&f, EMB_GUARD_WHAT_LIBC, link_path), 0,
	       "a second name of the same inode is accepted");
	is_int((long long)f.n, 1, "but not added twice");
	ok(!strcmp(f.v[0].what, EMB_GUARD_WHAT_LOADER), "the first one added is kept");
	tree_path("other/missing", link_path, sizeof(link_path));
	is_int(emb_guard_files_add(&f, EMB_GUARD_WHAT_LIBC, link_path), -ENOENT,
	       "a missing file is -ENOENT");
	is_int((long long)f.n, 1, "and not added");
	emb_guard_files_free(&f);
	ok(!f.v && !f.n, "freeing empties the list");
}

static void test_dir_rule(void)
{
	struct emb_policy p = { 0 };
	struct emb_guard_violations v;

	if (!is_int(check(EMB_MODE_ENFORCE, "deny exec dir=@/lib key=libs\n", &p, &v), 0,
		    "a policy denying the loader's tree is checked"))
		goto out;
	is_int((long long)v.n, 2, "two violations: the loader and the C library");
	if (v.n < 2)
		goto out;
	is_str(v.v[0].what, EMB_GUARD_WHAT_LOADER, "the first is the loader");
	ok(v.v[0].op == EMB_OP_EXEC, "for exec");
	is_str(v.v[0].rule ? v.v[0].rule->key : NULL, "libs", "named by the dir= rule");
	ok(v.v[0].written == v.v[0].rule, "which is written as such");
	ok(!v.v[0].too_deep, "not by the depth limit");
	is_str(message(&v.v[0]),
	       "t.policy:1: 'deny exec dir=@/lib' would deny the dynamic loader "
	       "@/lib/x86_64/ld.so (refused; --force overrides)",
	       "the message names the rule, the file and the override");
	is_str(message(&v.v[1]),
	       "t.policy:1: 'deny exec dir=@/lib' would deny the C library "
	       "@/lib/x86_64/libc.so.6 (refused; --force overrides)",
	       "and the C library's");
	{
		char want[PATH_MAX];

		tree_path("lib", want, sizeof(want));
		is_str(v.v[0].matched_path, want, "the directory whose entry decided is named");
	}
out:
	emb_guard_violations_free(&v);
	emb_policy_free(&p);
}

static void test_path_rule(void)
{
	struct emb_policy p = { 0 };
	struct emb_guard_violations v;

	if (!is_int(check(EMB_MODE_ENFORCE,
			  "deny exec path=@/other/tool key=tool\n"
			  "deny exec path=@/bin/dpkg key=no-dpkg\n",
			  &p, &v),
		    0, "a policy denying dpkg by path is checked"))
		goto out;
	if (is_int((long long)v.n, 1, "one violation")) {
		is_str(v.v[0].rule->key, "no-dpkg", "by the path= rule naming it");
		is_str(message(&v.v[0]),
		       "t.policy:2: 'deny exec path=@/bin/dpkg' would deny the package manager "
		       "dpkg "
		       "@/bin/dpkg (refused; --force overrides)",
		       "its message");
	}
out:
	emb_guard_violations_free(&v);
	emb_policy_free(&p);
}

static void test_sha256_rule(void)
{
	unsigned char digest[EMB_SHA256_LEN];
	char hex[2 * EMB_SHA256_LEN + 1], text[256], want[512];
	struct emb_policy p = { 0 };
	struct emb_guard_violations v;
	const char *content = "a fake C library\n";

	emb_sha256_buffer(content, strlen(content), digest);
	emb_hex(digest, sizeof(digest), hex);
	snprintf(text, sizeof(text), "deny exec sha256=%s key=by-content\n", hex);
	if (!is_int(check(EMB_MODE_ENFORCE, text, &p, &v), 0,
		    "a policy denying the C library's content is checked"))
		goto out;
	if (is_int((long long)v.n, 1, "one violation")) {
		is_str(v.v[0].what, EMB_GUARD_WHAT_LIBC, "the C library");
		is_str(v.v[0].rule->key, "by-content", "by the sha256= rule");
		snprintf(want, sizeof(want),
			 "t.policy:1: 'deny exec sha256=%s' would deny the C library "
			 "@/lib/x86_64/libc.so.6 (refused; --force overrides)",
			 hex);
		is_str(message(&v.v[0]), want, "its message");
	}
out:
	emb_guard_violations_free(&v);
	emb_policy_free(&p);
}

static void test_exceptions(void)
{
	struct emb_policy p = { 0 };
	struct emb_guard_violations v;

	if (is_int(check(EMB_MODE_ENFORCE,
			 "deny exec dir=@/lib key=libs\n"
			 "allow exec path=@/lib/x86_64/ld.so key=loader\n"
			 "allow exec dir=@/lib/x86_64 key=arch\n",
			 &p, &v),
		   0, "allow exceptions inside a denied tree are checked"))
		is_int((long long)v.n, 0, "the excepted files are not violations");
	emb_guard_violations_free(&v);
	emb_policy_free(&p);

	p = (struct emb_policy){ 0 };
	if (is_int(check(EMB_MODE_ENFORCE,
			 "deny exec dir=@/lib key=libs\n"
			 "allow exec path=@/lib/x86_64/ld.so key=loader\n",
			 &p, &v),
		   0, "an exception for the loader alone is checked"))
		ok(v.n == 1 && !strcmp(v.v[0].what, EMB_GUARD_WHAT_LIBC),
		   "only the C library is a violation");
	emb_guard_violations_free(&v);
	emb_policy_free(&p);

	p = (struct emb_policy){ 0 };
	if (is_int(check(EMB_MODE_ENFORCE, "audit exec dir=@/lib key=watch\n", &p, &v), 0,
		   "an audit rule over the loader is checked"))
		is_int((long long)v.n, 0, "it denies nothing");
	emb_guard_violations_free(&v);
	emb_policy_free(&p);
}

static void test_audit_mode(void)
{
	struct emb_policy p = { 0 };
	struct emb_guard_violations v;

	if (is_int(check(EMB_MODE_AUDIT,
			 "deny exec dir=@/lib key=libs\n"
			 "deny open path=@/bin/dpkg key=dpkg\n",
			 &p, &v),
		   0, "deny rules in audit mode are checked"))
		is_int((long long)v.n, 0, "audit mode denies nothing: no violation");
	emb_guard_violations_free(&v);
	emb_policy_free(&p);

	p = (struct emb_policy){ 0 };
	if (is_int(check(EMB_MODE_UNSET, "mode audit\ndeny exec dir=@/lib key=libs\n", &p, &v), 0,
		   "a policy saying 'mode audit', resolved in its own mode, is checked"))
		is_int((long long)v.n, 0, "and denies nothing");
	emb_guard_violations_free(&v);
	emb_policy_free(&p);
}

static void test_open_rules(void)
{
	struct emb_policy p = { 0 };
	struct emb_guard_violations v;

	if (!is_int(check(EMB_MODE_ENFORCE, "deny open path=@/lib/x86_64/libc.so.6 key=nolibc\n",
			  &p, &v),
		    0, "an open rule on the C library is checked"))
		goto out;
	if (is_int((long long)v.n, 1, "one violation")) {
		ok(v.v[0].op == EMB_OP_OPEN, "for open");
		is_str(v.v[0].what, EMB_GUARD_WHAT_LIBC, "of the C library");
		is_str(message(&v.v[0]),
		       "t.policy:1: 'deny open path=@/lib/x86_64/libc.so.6' would deny the C "
		       "library "
		       "@/lib/x86_64/libc.so.6 (refused; --force overrides)",
		       "its message names the open rule");
	}
	emb_guard_violations_free(&v);
	emb_policy_free(&p);

	p = (struct emb_policy){ 0 };
	if (!is_int(check(EMB_MODE_ENFORCE,
			  "deny open dir=@/lib key=libs\n"
			  "allow open path=@/lib/x86_64/libc.so.6 key=ok\n"
			  "deny exec path=@/lib/x86_64/ld.so key=noexec\n",
			  &p, &v),
		    0, "an open rule over the loader's tree is checked"))
		goto out;
	if (is_int((long long)v.n, 2, "two violations: the loader's exec and its open")) {
		ok(v.v[0].op == EMB_OP_EXEC && !strcmp(v.v[0].rule->key, "noexec"),
		   "exec first, by the exec rule");
		ok(v.v[1].op == EMB_OP_OPEN && !strcmp(v.v[1].rule->key, "libs") &&
			   !strcmp(v.v[1].what, EMB_GUARD_WHAT_LOADER),
		   "then open, by the dir= open rule");
	}
	emb_guard_violations_free(&v);
	emb_policy_free(&p);

	p = (struct emb_policy){ 0 };
	if (is_int(check(EMB_MODE_ENFORCE, "allow open dir=@/lib key=fine\n", &p, &v), 0,
		   "an allow open rule is checked"))
		is_int((long long)v.n, 0, "and is no violation");
out:
	emb_guard_violations_free(&v);
	emb_policy_free(&p);
}

static void test_unrelated(void)
{
	struct emb_policy p = { 0 };
	struct emb_guard_violations v;

	if (is_int(check(EMB_MODE_ENFORCE,
			 "deny exec dir=@/other key=other\n"
			 "deny exec path=@/lib/x86_64/missing key=pending\n"
			 "deny open dir=@/other key=other-open\n"
			 "deny exec sha256=" /* content of nothing in the tree */
			 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
			 &p, &v),
		   0, "unrelated rules are checked"))
		is_int((long long)v.n, 0, "and are no violation");
	emb_guard_violations_free(&v);
	emb_policy_free(&p);
}

static void test_quoting_and_append(void)
{
	struct emb_policy p = { 0 };
	struct emb_resolved r = { 0 };
	struct emb_guard_violations v = { 0 };
	struct emb_guard_files gone = { 0 };
	char path[PATH_MAX];

	if (!is_int(tree_policy(&p, &r, EMB_MODE_ENFORCE, "deny exec dir=\"@/sp ace\" key=init\n"),
		    0, "a rule whose value needs quotes resolves"))
		goto out;
	is_int(emb_guard_check(&p, &r, &files, &v), 0, "is checked");
	if (is_int((long long)v.n, 1, "one violation"))
		is_str(message(&v.v[0]),
		       "t.policy:1: 'deny exec dir=\"@/sp ace\"' would deny PID 1's executable "
		       "@/sp ace/init (refused; --force overrides)",
		       "the value is quoted as the policy would write it");
	is_int(emb_guard_check(&p, &r, &files, &v), 0, "a second check");
	is_int((long long)v.n, 2, "appends to the violations already found");

	/* A file gone since it was collected cannot be denied. */
	write_file("other/gone", "soon gone\n");
	tree_path("other/gone", path, sizeof(path));
	emb_guard_files_add(&gone, EMB_GUARD_WHAT_LIBC, path);
	unlink(path);
	is_int(emb_guard_check(&p, &r, &gone, &v), 0, "a file removed since it was collected");
	is_int((long long)v.n, 2, "is skipped");
out:
	emb_guard_files_free(&gone);
	emb_guard_violations_free(&v);
	emb_resolved_free(&r);
	emb_policy_free(&p);
}

static void test_format(void)
{
	struct emb_rule pkg = { .verdict = EMB_RULE_DENY,
				.op = EMB_OP_EXEC,
				.matcher = EMB_MATCH_PACKAGE,
				.value = "dpkg",
				.key = "pm",
				.file = "/etc/embargo/policy.d/10-x.policy",
				.line = 7 };
	struct emb_rule derived = pkg;
	struct emb_guard_violation v = { .what = EMB_GUARD_WHAT_PACKAGE_MANAGER "dpkg",
					 .path = "/usr/bin/dpkg",
					 .op = EMB_OP_EXEC };
	char small[16];
	int n;

	derived.matcher = EMB_MATCH_PATH;
	derived.value = "/usr/bin/dpkg";
	derived.origin = 1;
	v.rule = &derived;
	v.written = &pkg;
	is_str(message(&v),
	       "/etc/embargo/policy.d/10-x.policy:7: 'deny exec package=dpkg' would deny the "
	       "package manager dpkg /usr/bin/dpkg (refused; --force overrides)",
	       "a rule derived from package= is named as written");

	pkg.value = "/opt/a \"b\" \\c#";
	pkg.matcher = EMB_MATCH_PATH;
	pkg.verdict = EMB_RULE_DENY;
	pkg.op = EMB_OP_OPEN;
	v.rule = v.written = &pkg;
	is_str(message(&v),
	       "/etc/embargo/policy.d/10-x.policy:7: 'deny open path=\"/opt/a \\\"b\\\" \\\\c#\"' "
	       "would deny the package manager dpkg /usr/bin/dpkg (refused; --force overrides)",
	       "quotes and backslashes in a quoted value are escaped");

	n = emb_guard_format(&v, small, sizeof(small));
	ok(n > (int)sizeof(small) && strlen(small) == sizeof(small) - 1,
	   "a short buffer is cut and terminated, and the full length returned");
	is_str(small, "/etc/embargo/po", "with the message's beginning");

	v = (struct emb_guard_violation){ .what = EMB_GUARD_WHAT_LOADER,
					  .path = "/lib/ld.so",
					  .too_deep = true };
	is_str(message(&v),
	       "the dynamic loader /lib/ld.so lies deeper than 1024 directories: the policy's dir= "
	       "rules would deny it (refused; --force overrides)",
	       "a denial by the walk's depth limit has no rule to name");
}

static bool has(const struct emb_guard_files *f, const char *what, const char *path)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].what, what) && (!path || !strcmp(f->v[i].path, path)))
			return true;
	return false;
}

static void test_collect(void)
{
	struct emb_guard_files f = { 0 };
	char self[PATH_MAX];
	size_t dups = 0;

	is_int(emb_guard_collect(&f), 0, "collecting this system's critical files succeeds");
	for (size_t i = 0; i < f.n; i++)
		diag("%s: %s", f.v[i].what, f.v[i].path);
	if (!realpath("/proc/self/exe", self))
		diag("cannot resolve /proc/self/exe");
	ok(realpath("/bin/sh", self) &&
		   (has(&f, EMB_GUARD_WHAT_SHELL, self) || has(&f, EMB_GUARD_WHAT_PID1, self)),
	   "it finds the shell /bin/sh");
	ok(has(&f, EMB_GUARD_WHAT_LOADER, NULL),
	   "a dynamic loader (the test is linked dynamically)");
	ok(has(&f, EMB_GUARD_WHAT_LIBC, NULL), "and a C library");
	for (size_t i = 0; i < f.n; i++)
		for (size_t j = i + 1; j < f.n; j++)
			dups += f.v[i].dev == f.v[j].dev && f.v[i].ino == f.v[j].ino;
	is_int((long long)dups, 0, "each inode once");
	emb_guard_files_free(&f);
}

int main(void)
{
	if (!tree_create("guard"))
		return 1;
	make_system();
	test_files_add();
	test_dir_rule();
	test_path_rule();
	test_sha256_rule();
	test_exceptions();
	test_audit_mode();
	test_open_rules();
	test_unrelated();
	test_quoting_and_append();
	test_format();
	test_collect();
	emb_guard_files_free(&files);
	tree_remove();
	return done_testing();
}
