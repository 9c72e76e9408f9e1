// SPDX-License-Identifier: GPL-2.0-only
/* Explaining an exec: which rule the kernel's walk up from a file would meet first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "explain.h"
#include "policy.h"
#include "resolve.h"
#include "tap.h"
#include "tmptree.h"
#include "treepolicy.h"

static void make_link(const char *from, const char *to, bool symbolic)
{
	char a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s/%s", tree_root, from);
	snprintf(b, sizeof(b), "%s/%s", tree_root, to);
	if ((symbolic ? symlink(a, b) : link(a, b)) < 0)
		diag("cannot link %s to %s", b, a);
}

/* Explains ROOT/REL; returns emb_explain()'s result. */
static int explain(const struct emb_policy *p, const struct emb_resolved *r, const char *rel,
		   struct emb_explanation *x)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", tree_root, rel);
	return emb_explain(p, r, path, x);
}

static const char *key_of(const struct emb_explanation *x)
{
	return x->rule ? x->rule->key : NULL;
}

static bool at(const struct emb_explanation *x, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s%s", tree_root, *rel ? "/" : "", rel);
	return !strcmp(x->matched_path, path);
}

static const char policy_text[] = "deny exec dir=@/tree key=tree\n"
				  "allow exec path=@/tree/b key=exception\n"
				  "audit exec dir=@/tree/sub key=sub\n"
				  "deny exec path=@/single key=one\n";

static void make_tree(void)
{
	tree_dir("tree");
	tree_dir("tree/sub");
	tree_dir("tree/sub/deep");
	tree_dir("other");
	tree_file("tree/a");
	tree_file("tree/b");
	tree_file("tree/sub/deep/f");
	tree_file("tree/sub/deep/g");
	tree_file("single");
	tree_file("other/unlisted");
	make_link("tree/a", "other/to-a", true);
	make_link("tree/sub/deep/g", "other/g-link", false);
}

static void test_enforce(void)
{
	struct emb_policy p = { 0 };
	struct emb_resolved r = { 0 };
	struct emb_explanation x;
	char want[PATH_MAX];
	struct stat st;

	if (!ok(tree_policy(&p, &r, EMB_MODE_ENFORCE, policy_text) == 0, "the policy resolves"))
		return;

	is_int(explain(&p, &r, "single", &x), 0, "a file a path= rule names");
	ok(x.matched && x.verdict == EMB_RULE_DENY && x.depth == 0 && at(&x, "single"),
	   "is decided by its own inode");
	is_str(key_of(&x), "one", "by that rule");
	stat(x.resolved, &st);
	ok(x.ino == st.st_ino && x.dev == emb_kernel_dev(st.st_dev),
	   "the explanation names its inode in the kernel's encoding");

	is_int(explain(&p, &r, "tree/b", &x), 0, "the allow exception inside the denied tree");
	ok(x.matched && x.verdict == EMB_RULE_ALLOW && x.depth == 0, "is allowed by its own rule");
	is_str(key_of(&x), "exception", "the exception's rule decides, not the tree's");

	is_int(explain(&p, &r, "tree/a", &x), 0, "a file directly in the tree");
	ok(x.matched && x.verdict == EMB_RULE_DENY && x.depth == 1 && at(&x, "tree"),
	   "is denied by the tree, one directory up");
	is_str(key_of(&x), "tree", "by the tree's rule");
	ok(x.rule && x.rule->line == 1 && !strcmp(x.rule->file, "t.policy"),
	   "the rule is found as written (t.policy:1)");

	is_int(explain(&p, &r, "tree/sub/deep/f", &x), 0, "a file nested below both trees");
	ok(x.matched && x.verdict == EMB_RULE_AUDIT && x.depth == 2 && at(&x, "tree/sub"),
	   "is decided by the nearer tree, two directories up");
	is_str(key_of(&x), "sub", "the deeper tree's rule");

	is_int(explain(&p, &r, "tree/sub", &x), 0, "a directory a dir= rule names");
	ok(x.matched && x.depth == 0 && at(&x, "tree/sub"), "matches its own inode");

	is_int(explain(&p, &r, "other/unlisted", &x), 0, "a file no rule covers");
	ok(!x.matched && !x.too_deep && x.verdict == EMB_RULE_ALLOW && !x.rule && !x.entry,
	   "is allowed, with no rule");

	is_int(explain(&p, &r, "other/to-a", &x), 0, "a symlink outside the tree to a file in it");
	snprintf(want, sizeof(want), "%s/tree/a", tree_root);
	is_str(x.resolved, want, "is followed to its target, as exec does");
	ok(x.verdict == EMB_RULE_DENY && at(&x, "tree"), "and the target's tree decides");
	is_str(key_of(&x), "tree", "with the tree's rule");

	is_int(explain(&p, &r, "other/g-link", &x), 0,
	       "a hardlink outside the tree, made before the policy was resolved");
	ok(x.matched && x.verdict == EMB_RULE_AUDIT && x.depth == 0 && x.entry &&
		   !x.entry->value.is_dir,
	   "is decided by its inode's own entry");
	is_str(key_of(&x), "sub", "which carries the deepest tree's rule");

	memset(&x, 0x5a, sizeof(x));
	is_int(explain(&p, &r, "no/such/file", &x), -ENOENT, "a missing file is -ENOENT");
	ok(x.matched_path[0] == 0x5a && x.resolved[0] == 0x5a, "and the output is left alone");

	emb_resolved_free(&r);
	emb_policy_free(&p);
}

static void test_audit_mode(void)
{
	struct emb_policy p = { 0 };
	struct emb_resolved r = { 0 };
	struct emb_explanation x;

	if (!ok(tree_policy(&p, &r, EMB_MODE_AUDIT, policy_text) == 0,
		"the policy resolves in audit mode"))
		return;
	is_int(explain(&p, &r, "tree/a", &x), 0, "audit mode: a file in the denied tree");
	ok(x.matched && x.verdict == EMB_RULE_AUDIT, "is audited, not denied");
	ok(x.rule && x.rule->verdict == EMB_RULE_DENY && !strcmp(x.rule->key, "tree"),
	   "the deciding rule is still the deny rule that says so");
	is_int(explain(&p, &r, "single", &x), 0, "audit mode: a denied file");
	ok(x.verdict == EMB_RULE_AUDIT, "is audited");
	is_int(explain(&p, &r, "tree/b", &x), 0, "audit mode: the exception");
	ok(x.verdict == EMB_RULE_ALLOW, "stays allowed");
	emb_resolved_free(&r);
	emb_policy_free(&p);
}

/* Number of components of PATH, an absolute path without "//": how far the tree_root is from it. */
static size_t depth_of(const char *path)
{
	size_t n = 0;

	for (const char *c = path; *c; c++)
		n += *c == '/';
	return n;
}

/* Makes ROOT/NAME/d/d/.../f with the file at DEPTH components from "/"; returns its path. */
static char *make_deep(const char *name, size_t depth, char *path, size_t size)
{
	size_t len;

	snprintf(path, size, "%s/%s", tree_root, name);
	mkdir(path, 0755);
	len = strlen(path);
	while (depth_of(path) < depth - 1 && len + 3 < size) {
		strcpy(path + len, "/d");
		len += 2;
		mkdir(path, 0755);
	}
	snprintf(path + len, size - len, "/f");
	close(open(path, O_WRONLY | O_CREAT, 0755));
	return path;
}

static void test_depth(void)
{
	struct emb_policy p = { 0 }, files_only = { 0 };
	struct emb_resolved r = { 0 }, r_files = { 0 };
	struct emb_explanation x;
	char path[PATH_MAX], near[PATH_MAX];

	tree_dir("unrelated");
	if (!ok(tree_policy(&p, &r, EMB_MODE_ENFORCE, "deny exec dir=@/unrelated key=u\n") == 0,
		"a policy with a dir= rule elsewhere resolves"))
		return;
	make_deep("shallow", EMB_WALK_MAX - 1, path, sizeof(path));
	is_int((long long)depth_of(path), EMB_WALK_MAX - 1, "a file %d components deep",
	       EMB_WALK_MAX - 1);
	is_int(emb_explain(&p, &r, path, &x), 0, "is explained");
	ok(!x.matched && !x.too_deep && x.verdict == EMB_RULE_ALLOW,
	   "is allowed: the walk reaches the tree_root within EMB_WALK_MAX steps");

	make_deep("limit", EMB_WALK_MAX, path, sizeof(path));
	is_int((long long)depth_of(path), EMB_WALK_MAX, "a file %d components deep", EMB_WALK_MAX);
	is_int(emb_explain(&p, &r, path, &x), 0, "is explained");
	ok(x.matched && x.too_deep && x.verdict == EMB_RULE_DENY && !x.rule,
	   "is denied without a rule: the kernel's walk gives up before it sees the end");

	/* A dir= rule within reach still decides for a file that deep: cut "/d" x 9 and "/f". */
	snprintf(near, sizeof(near), "%.*s", (int)(strlen(path) - 2 * 10), path);
	{
		struct emb_policy p2 = { 0 };
		struct emb_resolved r2 = { 0 };
		struct emb_diags d = { 0 };
		char text[PATH_MAX + 64];

		snprintf(text, sizeof(text), "audit exec dir=%s key=near\n", near);
		is_int(emb_policy_parse_buffer(&p2, "deep.policy", text, strlen(text), &d), 0,
		       "a rule for a directory ten levels above the deep file parses");
		is_int(emb_policy_resolve(&p2, EMB_MODE_ENFORCE, 1, &r2, &d), 0, "and resolves");
		is_int(emb_explain(&p2, &r2, path, &x), 0, "the deep file is explained");
		ok(x.matched && !x.too_deep && x.verdict == EMB_RULE_AUDIT && x.depth == 10,
		   "by that rule, ten directories up");
		emb_resolved_free(&r2);
		emb_policy_free(&p2);
		emb_diags_free(&d);
	}

	/* Without dir= rules the kernel does not walk at all, so depth does not matter. */
	if (ok(tree_policy(&files_only, &r_files, EMB_MODE_ENFORCE,
			   "deny exec path=@/single key=s\n") == 0,
	       "a policy of path= rules only resolves")) {
		ok(!r_files.has_dirs, "it has no dir= rules");
		is_int(emb_explain(&files_only, &r_files, path, &x), 0,
		       "the deep file is explained");
		ok(!x.matched && !x.too_deep && x.verdict == EMB_RULE_ALLOW,
		   "and allowed: no walk, so nothing is too deep");
	}
	emb_resolved_free(&r_files);
	emb_policy_free(&files_only);
	emb_resolved_free(&r);
	emb_policy_free(&p);
}

static void test_bad_rule_id(void)
{
	struct emb_policy p = { 0 };
	struct emb_entry e = { 0 };
	struct emb_resolved r = { .entries = &e, .n_entries = 1 };
	struct emb_explanation x;
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/single", tree_root);
	stat(path, &st);
	e.key.kind = EMB_KEY_INODE;
	e.key.op = EMB_OP_EXEC;
	e.key.dev = emb_kernel_dev(st.st_dev);
	e.key.ino = st.st_ino;
	e.value.rule_id = 7;
	is_int(emb_explain(&p, &r, path, &x), -EINVAL,
	       "an entry naming a rule the policy lacks is -EINVAL");
}

int main(void)
{
	if (!tree_create("explain"))
		return 1;
	make_tree();
	test_enforce();
	test_audit_mode();
	test_depth();
	test_bad_rule_id();
	tree_remove();
	return done_testing();
}
