// SPDX-License-Identifier: GPL-2.0-only
/* Scanning: every planted file found by the rule that would decide it, nothing else, and a
 * second scan of an unchanged tree that reads nothing. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "hash.h"
#include "hash_cache.h"
#include "scan.h"
#include "tap.h"
#include "tmptree.h"
#include "treepolicy.h"

static const char banned_content[] = "#!/bin/sh\necho banned build 7\n";

static void write_file(const char *rel, const char *content, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	tree_path(rel, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

static void test_classify(void)
{
	is_int(emb_fs_classify("ext4"), EMB_FS_LOCAL, "ext4 is local");
	is_int(emb_fs_classify("tmpfs"), EMB_FS_LOCAL, "tmpfs is local: programs can hide there");
	is_int(emb_fs_classify("overlay"), EMB_FS_LOCAL, "overlay is local");
	is_int(emb_fs_classify("fuseblk"), EMB_FS_LOCAL, "fuseblk is a local disk");
	is_int(emb_fs_classify("proc"), EMB_FS_PSEUDO, "proc is pseudo");
	is_int(emb_fs_classify("cgroup2"), EMB_FS_PSEUDO, "cgroup2 is pseudo");
	is_int(emb_fs_classify("nfs4"), EMB_FS_NETWORK, "nfs4 is network");
	is_int(emb_fs_classify("fuse.sshfs"), EMB_FS_NETWORK, "sshfs is network");
}

static void test_mountinfo(void)
{
	struct emb_mounts m = { 0 };
	char path[PATH_MAX];

	write_file("mountinfo",
		   "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		   "23 22 0:21 / /proc rw,nosuid - proc proc rw\n"
		   "24 22 0:45 / /mnt/with\\040space rw - nfs4 srv:/x rw\n",
		   0644);
	tree_path("mountinfo", path, sizeof(path));
	if (!is_int(emb_mounts_read(path, &m), 0, "mountinfo reads"))
		return;
	is_int((int)m.n, 3, "three mounts");
	is_str(m.v[2].point, "/mnt/with space", "octal escapes are undone");
	is_str(emb_mounts_fstype(&m, makedev(0, 21)), "proc", "type by device");
	ok(emb_mounts_fstype(&m, makedev(9, 9)) == NULL, "an unknown device has no type");
	emb_mounts_free(&m);
	write_file("mountinfo", "garbage\n", 0644);
	is_int(emb_mounts_read(path, &m), -EBADMSG, "a malformed line is refused");
}

/* Whether RES has a finding for ROOT/REL with OP and VERDICT, decided BY. */
static bool found(const struct emb_scan_result *res, const char *rel, enum emb_rule_op op,
		  enum emb_rule_verdict verdict, enum emb_scan_how by)
{
	char path[PATH_MAX];

	tree_path(rel, path, sizeof(path));
	for (size_t i = 0; i < res->n_files; i++) {
		const struct emb_scan_finding *f = &res->files[i];

		if (!strcmp(f->path, path) && f->op == op)
			return f->verdict == verdict && f->how == by;
	}
	return false;
}

static const char policy_text[] = "deny exec dir=@/opt/vendor key=vendor\n"
				  "allow exec dir=@/opt/vendor/docs key=docs\n"
				  "deny exec path=@/single/tool key=single\n"
				  "audit exec dir=@/watched key=watch\n"
				  "deny open path=@/secret key=secret\n"
				  "deny exec sha256=%s key=content\n";

static void test_tree(void)
{
	unsigned char sha[EMB_SHA256_LEN];
	char hex[2 * EMB_SHA256_LEN + 1], text[1024], root[PATH_MAX], cache_path[PATH_MAX];
	const char *roots[1] = { root };
	struct emb_policy p = { 0 };
	struct emb_resolved r = { 0 };
	struct emb_scan_progress prog = { 0 };
	struct emb_scan_result res;
	struct emb_hash_cache cache;
	struct emb_scan_options o = { 0 };
	size_t clean = 0;

	emb_sha256_buffer(banned_content, strlen(banned_content), sha);
	emb_hex(sha, EMB_SHA256_LEN, hex);
	snprintf(text, sizeof(text), policy_text, hex);
	tree_dir("opt");
	tree_dir("opt/vendor");
	tree_dir("opt/vendor/bin");
	tree_dir("opt/vendor/lib");
	tree_dir("opt/vendor/lib/deep");
	tree_dir("opt/vendor/lib/deep/er");
	tree_dir("opt/vendor/docs");
	tree_dir("single");
	tree_dir("watched");
	tree_dir("home");
	tree_dir("home/u");
	tree_dir("home/u/.local");
	write_file("opt/vendor/bin/agent", "agent", 0755);
	write_file("opt/vendor/bin/agentd", "agentd", 0755);
	write_file("opt/vendor/lib/deep/er/libx.so", "lib", 0644);
	write_file("opt/vendor/docs/readme", "docs", 0644);
	write_file("single/tool", "tool", 0755);
	write_file("single/neighbour", "neighbour", 0755);
	write_file("watched/w", "watched", 0755);
	write_file("secret", "secret", 0600);
	write_file("home/u/renamed", banned_content, 0644);
	write_file("home/u/.local/also", banned_content, 0755);
	/* A hardlink of a vendor file, outside the vendor tree. */
	tree_path("opt/vendor/bin/agent", root, sizeof(root));
	tree_path("home/u/agent-link", cache_path, sizeof(cache_path));
	if (link(root, cache_path) < 0)
		diag("link failed");
	for (int i = 0; i < 2000; i++) {
		char rel[64], content[64];

		snprintf(rel, sizeof(rel), "home/u/f%04d", i);
		snprintf(content, sizeof(content), "clean file %d\n", i);
		write_file(rel, content, i % 2 ? 0755 : 0644);
		clean++;
	}
	if (!is_int(tree_policy(&p, &r, EMB_MODE_ENFORCE, text), 0, "the policy resolves"))
		return;

	tree_path("", root, sizeof(root));
	root[strlen(root) - 1] = '\0';
	tree_path("cache", cache_path, sizeof(cache_path));
	emb_hash_cache_init(&cache);
	o.policy = &p;
	o.resolved = &r;
	o.roots = roots;
	o.n_roots = 1;
	o.jobs = 3;
	o.cache = &cache;
	if (!is_int(emb_scan_run(&o, &prog, &res), 0, "the scan runs"))
		return;
	ok(found(&res, "opt/vendor/bin/agentd", EMB_OP_EXEC, EMB_RULE_DENY, EMB_SCAN_BY_DIR),
	   "a file below a dir= rule");
	ok(found(&res, "opt/vendor/bin/agent", EMB_OP_EXEC, EMB_RULE_DENY, EMB_SCAN_BY_INODE),
	   "a hardlinked file below it, by inode (as the kernel has it)");
	ok(found(&res, "opt/vendor/lib/deep/er/libx.so", EMB_OP_EXEC, EMB_RULE_DENY,
		 EMB_SCAN_BY_DIR),
	   "a file deep below it");
	ok(found(&res, "single/tool", EMB_OP_EXEC, EMB_RULE_DENY, EMB_SCAN_BY_INODE),
	   "a path= file");
	ok(found(&res, "watched/w", EMB_OP_EXEC, EMB_RULE_AUDIT, EMB_SCAN_BY_DIR),
	   "an audit rule's file, verdict audit");
	ok(found(&res, "secret", EMB_OP_OPEN, EMB_RULE_DENY, EMB_SCAN_BY_INODE),
	   "an open rule's file, for open");
	ok(found(&res, "home/u/renamed", EMB_OP_EXEC, EMB_RULE_DENY, EMB_SCAN_BY_SHA256),
	   "a renamed copy, by content, even without an execute bit");
	ok(found(&res, "home/u/.local/also", EMB_OP_EXEC, EMB_RULE_DENY, EMB_SCAN_BY_SHA256),
	   "a copy in a hidden directory");
	ok(found(&res, "home/u/agent-link", EMB_OP_EXEC, EMB_RULE_DENY, EMB_SCAN_BY_INODE),
	   "a hardlink of a vendor file outside the tree, by inode");
	is_int((int)res.n_files, 9, "nothing else: no exception, no neighbour, no clean file");
	for (size_t i = 0; i < res.n_files; i++)
		ok(res.files[i].hashed, "finding %zu carries its sha256", i);
	/* The tree, and the mountinfo file test_mountinfo() left. */
	is_int((int)res.files_examined, (int)clean + 12, "every file examined");
	ok(res.files_hashed >= clean && res.files_hashed <= res.files_examined,
	   "every file hashed, none twice (%llu)", (unsigned long long)res.files_hashed);
	is_int((int)res.errors_total, 0, "no errors");
	emb_scan_result_free(&res);

	/* Unchanged: nothing is read again. */
	memset(&prog, 0, sizeof(prog));
	if (!is_int(emb_scan_run(&o, &prog, &res), 0, "the second scan runs"))
		return;
	is_int((int)res.files_hashed, 0, "the second scan hashes nothing");
	is_int((int)res.bytes_read, 0, "and reads no byte");
	is_int((int)res.n_files, 9, "and finds the same");
	emb_scan_result_free(&res);
	is_int(emb_hash_cache_save(&cache, cache_path, false), 0, "the cache is saved");

	/* A changed file is read again: only it. */
	write_file("home/u/f0001", banned_content, 0755);
	memset(&prog, 0, sizeof(prog));
	emb_scan_run(&o, &prog, &res);
	is_int((int)res.files_hashed, 2, "after an edit, the edited file (and the cache) are read");
	ok(found(&res, "home/u/f0001", EMB_OP_EXEC, EMB_RULE_DENY, EMB_SCAN_BY_SHA256),
	   "the edited file is now banned content");
	emb_scan_result_free(&res);

	/* A single file as the root is decided with the rules above it. */
	tree_path("opt/vendor/bin/agentd", root, sizeof(root));
	memset(&prog, 0, sizeof(prog));
	emb_scan_run(&o, &prog, &res);
	ok(res.n_files == 1 && res.files[0].how == EMB_SCAN_BY_DIR && res.files[0].dir &&
		   strstr(res.files[0].dir, "/opt/vendor"),
	   "a file given alone is found by the dir= rule above it");
	emb_scan_result_free(&res);

	emb_hash_cache_free(&cache);
	emb_resolved_free(&r);
	emb_policy_free(&p);
}

/* A running copy of a program in a banned directory is found by pid. */
static void test_process(void)
{
	char prog[PATH_MAX], root[PATH_MAX];
	const char *roots[1] = { root };
	struct emb_policy p = { 0 };
	struct emb_resolved r = { 0 };
	struct emb_scan_progress progress = { 0 };
	struct emb_scan_result res;
	struct emb_scan_options o = { 0 };
	char cmd[2 * PATH_MAX];
	bool hit = false;
	pid_t pid;

	tree_dir("run");
	tree_path("run/sleeper", prog, sizeof(prog));
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep '%s'", prog);
	if (system(cmd) != 0) {
		ok(false, "cannot copy sleep");
		return;
	}
	if (!is_int(tree_policy(&p, &r, EMB_MODE_ENFORCE, "deny exec dir=@/run key=run\n"), 0,
		    "the process policy resolves"))
		return;
	pid = fork();
	if (pid == 0) {
		execl(prog, "sleeper", "30", (char *)NULL);
		_exit(127);
	}
	usleep(200 * 1000);
	tree_path("home", root, sizeof(root));
	o.policy = &p;
	o.resolved = &r;
	o.roots = roots;
	o.n_roots = 1;
	o.proc = "/proc";
	o.self_pid = getpid();
	is_int(emb_scan_run(&o, &progress, &res), 0, "the scan with processes runs");
	for (size_t i = 0; i < res.n_processes; i++)
		hit |= res.processes[i].pid == pid && !strcmp(res.processes[i].path, prog) &&
		       res.processes[i].how == EMB_SCAN_BY_DIR && res.processes[i].hashed;
	ok(hit, "the running program is found, by its directory, with its hash");
	is_int((int)res.n_processes, 1, "and no other process");
	emb_scan_result_free(&res);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	emb_resolved_free(&r);
	emb_policy_free(&p);
}

int main(void)
{
	if (!tree_create("scan"))
		return 1;
	test_classify();
	test_mountinfo();
	test_tree();
	test_process();
	tree_remove();
	return done_testing();
}
