// SPDX-License-Identifier: GPL-2.0-only
/* Resolving rules to inodes: precedence, merging, pending targets, wrong kinds, audit mode. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "policy.h"
#include "resolve.h"
#include "tap.h"
#include "tmptree.h"

static struct stat stat_rel(const char *rel)
{
	char path[512];
	struct stat st = { 0 };

	snprintf(path, sizeof(path), "%s/%s", tree_root, rel);
	stat(path, &st);
	return st;
}

/* Parses TEXT, where every "@" stands for the test's tree_root directory. */
static int load(struct emb_policy *p, const char *text, struct emb_diags *d)
{
	char buf[16384], *o = buf;

	for (const char *c = text; *c && o < buf + sizeof(buf) - 300; c++) {
		if (*c == '@')
			o += sprintf(o, "%s", tree_root);
		else
			*o++ = *c;
	}
	*o = 0;
	return emb_policy_parse_buffer(p, "t.policy", buf, strlen(buf), d);
}

static const struct emb_entry *find(const struct emb_resolved *r, const char *rel)
{
	struct stat st = stat_rel(rel);

	for (size_t i = 0; i < r->n_entries; i++)
		if (r->entries[i].key.ino == st.st_ino &&
		    r->entries[i].key.dev == emb_kernel_dev(st.st_dev))
			return &r->entries[i];
	return NULL;
}

static void test_kernel_dev(void)
{
	char buf[32];

	is_int(emb_kernel_dev(makedev(8, 1)), (8 << 20) | 1, "st_dev 8:1 in the kernel's encoding");
	is_int(emb_kernel_dev(makedev(259, 70000)), (259u << 20) | 70000, "large minor numbers");
	emb_kernel_dev_format((254u << 20) | 3, buf, sizeof(buf));
	is_str(buf, "254:3", "and back, for people");
}

static void test_resolve_basic(void)
{
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };
	struct emb_resolved r = { 0 };
	const struct emb_entry *e;

	tree_dir("tree");
	tree_dir("tree/sub");
	tree_file("tree/sub/a");
	tree_file("tree/b");
	tree_file("single");
	tree_dir("other");
	/* A hardlink out of the tree made before the policy loads. */
	{
		char from[512], to[512];

		snprintf(from, sizeof(from), "%s/tree/sub/a", tree_root);
		snprintf(to, sizeof(to), "%s/other/a-link", tree_root);
		link(from, to);
	}
	is_int(load(&p,
		    "deny exec dir=@/tree key=tree\n"
		    "allow exec path=@/tree/b key=exception\n"
		    "audit exec dir=@/tree/sub key=sub\n"
		    "deny exec path=@/single key=one\n"
		    "deny exec path=@/missing/file key=later\n",
		    &d),
	       0, "the policy parses");
	is_int(emb_policy_resolve(&p, EMB_MODE_ENFORCE, 3, &r, &d), 0, "and resolves");
	is_int((long long)r.n_pending, 1, "the missing target is pending");
	ok(r.n_pending == 1 && r.pending[0] == 4, "pending names the fifth rule");
	ok(r.has_dirs, "has_dirs is set");

	e = find(&r, "tree");
	ok(e && e->value.is_dir && e->value.verdict == EMB_VERDICT_DENY && e->value.rule_id == 0,
	   "dir= entry for the tree");
	e = find(&r, "tree/b");
	ok(e && !e->value.is_dir && e->value.verdict == EMB_VERDICT_ALLOW && e->value.rule_id == 1,
	   "path= allow entry for the exception");
	e = find(&r, "single");
	ok(e && e->value.verdict == EMB_VERDICT_DENY && e->value.generation == 3,
	   "path= deny entry carries the generation");
	ok(e && !(e->value.flags & EMB_RULE_F_WOULD_DENY), "enforce mode marks no would-be denial");
	e = find(&r, "other/a-link");
	ok(e && !e->value.is_dir && e->value.rule_id == 2 && e->value.verdict == EMB_VERDICT_AUDIT,
	   "a hardlinked file is entered by inode, with the deepest tree's rule");
	ok(!find(&r, "tree/sub/../b") || find(&r, "tree/b"), "no stray entries");
	is_int((long long)r.n_entries, 5, "five entries: two dirs, two files, one hardlinked file");
	{
		size_t held = 0;

		for (size_t i = 0; i < r.n_entries; i++) {
			struct stat st;

			held += r.pins && fstat(r.pins[i], &st) == 0 &&
				st.st_ino == r.entries[i].key.ino &&
				emb_kernel_dev(st.st_dev) == r.entries[i].key.dev;
		}
		is_int((long long)held, (long long)r.n_entries,
		       "every entry's inode is held open, so its number cannot be reused");
	}
	emb_resolved_free(&r);

	is_int(emb_policy_resolve(&p, EMB_MODE_AUDIT, 4, &r, &d), 0, "resolves in audit mode");
	e = find(&r, "single");
	ok(e && e->value.verdict == EMB_VERDICT_AUDIT, "audit mode turns deny into audit");
	ok(e && e->value.flags == EMB_RULE_F_WOULD_DENY, "and marks it a would-be denial");
	e = find(&r, "tree");
	ok(e && e->value.verdict == EMB_VERDICT_AUDIT && e->value.flags == EMB_RULE_F_WOULD_DENY,
	   "a dir= deny entry too");
	e = find(&r, "other/a-link");
	ok(e && e->value.verdict == EMB_VERDICT_AUDIT && e->value.flags == 0,
	   "an audit rule's entry is not marked");
	e = find(&r, "tree/b");
	ok(e && e->value.verdict == EMB_VERDICT_ALLOW && e->value.flags == 0,
	   "and leaves allow alone");
	emb_resolved_free(&r);
	emb_policy_free(&p);
	emb_diags_free(&d);
}

static void test_same_inode(void)
{
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };
	struct emb_resolved r = { 0 };
	const struct emb_entry *e;
	char from[512], to[512];

	tree_file("x");
	snprintf(from, sizeof(from), "%s/x", tree_root);
	snprintf(to, sizeof(to), "%s/x-link", tree_root);
	link(from, to);
	load(&p, "allow exec path=@/x\naudit exec path=@/x-link\n", &d);
	is_int(emb_policy_resolve(&p, EMB_MODE_ENFORCE, 1, &r, &d), 0,
	       "two names of one file resolve");
	is_int((long long)r.n_entries, 1, "one entry per inode");
	e = find(&r, "x");
	ok(e && e->value.verdict == EMB_VERDICT_AUDIT && e->value.rule_id == 1,
	   "at equal specificity audit beats allow");
	emb_resolved_free(&r);
	emb_policy_free(&p);
	emb_diags_free(&d);
}

/* Audit mode marks what enforce mode would deny: after merging, and on entries kept by rename. */
static void test_would_deny(void)
{
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };
	struct emb_resolved r = { 0 }, fresh = { 0 };
	const struct emb_entry *e;
	char from[512], to[512];

	tree_file("wd");
	tree_file("wd-moved-from");
	snprintf(from, sizeof(from), "%s/wd", tree_root);
	snprintf(to, sizeof(to), "%s/wd-link", tree_root);
	link(from, to);
	load(&p,
	     "audit exec path=@/wd key=watch\ndeny exec path=@/wd-link key=ban\n"
	     "deny exec path=@/wd-moved-from key=moved\n",
	     &d);
	is_int(emb_policy_resolve(&p, EMB_MODE_AUDIT, 1, &r, &d), 0, "resolves in audit mode");
	e = find(&r, "wd");
	ok(e && e->value.rule_id == 1 && e->value.verdict == EMB_VERDICT_AUDIT &&
		   e->value.flags == EMB_RULE_F_WOULD_DENY,
	   "deny beats audit on one inode, then turns into a marked audit");

	/* The file is renamed away: the entry is kept, its rule still in the policy. */
	snprintf(from, sizeof(from), "%s/wd-moved-from", tree_root);
	snprintf(to, sizeof(to), "%s/wd-moved-to", tree_root);
	rename(from, to);
	is_int(emb_policy_resolve_flags(&p, EMB_MODE_AUDIT, 2, 0, &fresh, &d), 0,
	       "resolves again after the rename");
	is_int(emb_resolved_retain(&fresh, &p, EMB_MODE_AUDIT, 2, &r, &p), 0,
	       "keeps the renamed file's entry");
	e = find(&fresh, "wd-moved-to");
	ok(e && e->value.verdict == EMB_VERDICT_AUDIT && e->value.flags == EMB_RULE_F_WOULD_DENY,
	   "a kept entry is marked in audit mode");
	emb_resolved_free(&fresh);
	emb_resolved_free(&r);

	/* And a marked entry kept under enforce mode loses its mark. */
	rename(to, from);
	is_int(emb_policy_resolve(&p, EMB_MODE_AUDIT, 3, &r, &d), 0, "resolves in audit mode");
	rename(from, to);
	is_int(emb_policy_resolve_flags(&p, EMB_MODE_ENFORCE, 4, 0, &fresh, &d), 0,
	       "resolves in enforce mode after the rename");
	is_int(emb_resolved_retain(&fresh, &p, EMB_MODE_ENFORCE, 4, &r, &p), 0,
	       "keeps the renamed file's entry");
	e = find(&fresh, "wd-moved-to");
	ok(e && e->value.verdict == EMB_VERDICT_DENY && e->value.flags == 0,
	   "where it denies and is not marked");
	emb_resolved_free(&fresh);
	emb_resolved_free(&r);
	emb_policy_free(&p);
	emb_diags_free(&d);
}

static void test_wrong_kind(void)
{
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };
	struct emb_resolved r = { 0 };
	char want[512];

	tree_dir("adir");
	tree_file("afile");
	load(&p, "deny exec path=@/adir\ndeny exec dir=@/afile\n", &d);
	is_int(emb_policy_resolve(&p, EMB_MODE_ENFORCE, 1, &r, &d), -EINVAL,
	       "wrong kinds are refused");
	is_int((long long)d.n, 2, "one diagnostic each");
	snprintf(want, sizeof(want), "'%s/adir' is a directory (use dir=)", tree_root);
	ok(d.n > 0 && !strcmp(d.v[0].msg, want) && d.v[0].line == 1 && d.v[0].col == 16,
	   "path= naming a directory, at the value's column");
	snprintf(want, sizeof(want), "'%s/afile' is not a directory (use path=)", tree_root);
	ok(d.n > 1 && !strcmp(d.v[1].msg, want) && d.v[1].line == 2, "dir= naming a file");
	ok(!r.entries && !r.n_entries, "nothing is returned on failure");
	emb_policy_free(&p);
	emb_diags_free(&d);
}

/* Past RLIMIT_NOFILE, entries go in unpinned rather than the policy failing. */
static void test_out_of_descriptors(void)
{
	struct emb_policy p = { 0 };
	struct emb_diags d = { 0 };
	struct emb_resolved r = { 0 };
	struct rlimit old, low;
	char text[64 * 80], *o = text;
	int rc;

	tree_dir("many");
	for (int i = 0; i < 64; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "many/f%d", i);
		tree_file(rel);
		o += sprintf(o, "deny exec path=@/many/f%d\n", i);
	}
	load(&p, text, &d);
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = EMB_RESOLVE_FD_RESERVE + 32;
	setrlimit(RLIMIT_NOFILE, &low);
	rc = emb_policy_resolve(&p, EMB_MODE_ENFORCE, 1, &r, &d);
	setrlimit(RLIMIT_NOFILE, &old);
	is_int(rc, 0, "a policy with more targets than descriptors still resolves");
	is_int((long long)r.n_entries, 64, "with every entry");
	ok(r.n_unpinned > 0 && r.n_unpinned < 64, "some entries unpinned (%zu)", r.n_unpinned);
	{
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		setrlimit(RLIMIT_NOFILE, &low);
		ok(fd >= 0 && fd + 16 < (int)low.rlim_cur,
		   "descriptors are left to the process (next fd %d, limit %d)", fd,
		   (int)low.rlim_cur);
		setrlimit(RLIMIT_NOFILE, &old);
		close(fd);
	}
	emb_resolved_free(&r);
	emb_policy_free(&p);
	emb_diags_free(&d);
}

int main(void)
{
	if (!tree_create("resolve"))
		return 1;
	test_kernel_dev();
	test_resolve_basic();
	test_same_inode();
	test_would_deny();
	test_wrong_kind();
	test_out_of_descriptors();
	tree_remove();
	return done_testing();
}
