// SPDX-License-Identifier: GPL-2.0-only
/* The hash cache: remembered by identity, kept on disk whole or not at all, never trusted blindly. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "hash_cache.h"
#include "tap.h"
#include "tmptree.h"

static struct emb_file_id id_of(uint64_t ino, uint64_t size)
{
	return (struct emb_file_id){
		.dev = 2049, .ino = ino, .size = size, .mtime_ns = 5, .ctime_ns = 7
	};
}

static void sha_of(unsigned n, unsigned char out[EMB_SHA256_LEN])
{
	memset(out, 0, EMB_SHA256_LEN);
	memcpy(out, &n, sizeof(n));
}

static void test_memory(void)
{
	struct emb_hash_cache c;
	unsigned char sha[EMB_SHA256_LEN], got[EMB_SHA256_LEN];
	struct emb_file_id id = id_of(42, 100), other;
	bool all = true;

	emb_hash_cache_init(&c);
	ok(!emb_hash_cache_get(&c, &id, got), "an empty cache knows nothing");
	sha_of(1, sha);
	is_int(emb_hash_cache_put(&c, &id, sha), 0, "put");
	ok(emb_hash_cache_get(&c, &id, got) && !memcmp(got, sha, sizeof(sha)), "get after put");
	other = id;
	other.size = 101;
	ok(!emb_hash_cache_get(&c, &other, got), "another size is another file");
	other = id;
	other.ctime_ns++;
	ok(!emb_hash_cache_get(&c, &other, got), "another ctime is another file");
	other = id;
	other.mtime_ns++;
	ok(!emb_hash_cache_get(&c, &other, got), "another mtime is another file");
	/* Replacing: the same inode with new content. */
	sha_of(2, sha);
	emb_hash_cache_put(&c, &other, sha);
	ok(!emb_hash_cache_get(&c, &id, got), "the old identity is forgotten once replaced");
	ok(emb_hash_cache_get(&c, &other, got) && !memcmp(got, sha, sizeof(sha)),
	   "the new identity is remembered");
	is_int((int)c.n, 1, "one record per inode");
	for (unsigned i = 1; i <= 20000; i++) {
		struct emb_file_id x = id_of(1000 + i, i);

		sha_of(i, sha);
		emb_hash_cache_put(&c, &x, sha);
	}
	for (unsigned i = 1; i <= 20000 && all; i++) {
		struct emb_file_id x = id_of(1000 + i, i);

		sha_of(i, sha);
		all = emb_hash_cache_get(&c, &x, got) && !memcmp(got, sha, sizeof(sha));
	}
	ok(all, "20000 records survive the table growing");
	emb_hash_cache_free(&c);
}

static void test_disk(void)
{
	struct emb_hash_cache c, d;
	unsigned char sha[EMB_SHA256_LEN], got[EMB_SHA256_LEN];
	struct emb_file_id a = id_of(10, 1), b = id_of(11, 2);
	char path[PATH_MAX], cmd[PATH_MAX + 64];
	struct stat st;
	int fd;

	tree_path("cache", path, sizeof(path));
	emb_hash_cache_init(&c);
	is_int(emb_hash_cache_load(&c, path), 0, "a missing cache file is an empty cache");
	sha_of(10, sha);
	emb_hash_cache_put(&c, &a, sha);
	sha_of(11, sha);
	emb_hash_cache_put(&c, &b, sha);
	is_int(emb_hash_cache_save(&c, path, false), 0, "save");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the file is private (0600)");
	emb_hash_cache_free(&c);

	emb_hash_cache_init(&d);
	is_int(emb_hash_cache_load(&d, path), 0, "load");
	sha_of(10, sha);
	ok(emb_hash_cache_get(&d, &a, got) && !memcmp(got, sha, sizeof(sha)), "a came back");
	is_int((int)d.n, 2, "both records came back");
	is_int((int)d.run, 2, "the run number moved on");
	/* Prune: only what this run looked up (a) is kept. */
	is_int(emb_hash_cache_save(&d, path, true), 0, "save, pruned");
	emb_hash_cache_free(&d);
	emb_hash_cache_init(&d);
	emb_hash_cache_load(&d, path);
	ok(emb_hash_cache_get(&d, &a, got) && !emb_hash_cache_get(&d, &b, got),
	   "pruning keeps what the run saw and drops the rest");
	emb_hash_cache_free(&d);

	/* Damage: one byte changed, then a cut. */
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (pwrite(fd, "X", 1, 40) != 1)
			diag("pwrite failed");
		close(fd);
	}
	emb_hash_cache_init(&d);
	is_int(emb_hash_cache_load(&d, path), -EBADMSG, "a changed byte is noticed");
	is_int((int)d.n, 0, "and nothing of it is used");
	emb_hash_cache_free(&d);
	if (truncate(path, 30) < 0)
		diag("truncate failed");
	emb_hash_cache_init(&d);
	is_int(emb_hash_cache_load(&d, path), -EBADMSG, "a file cut short is noticed");
	emb_hash_cache_free(&d);

	/* Others may not write it. */
	emb_hash_cache_init(&c);
	emb_hash_cache_put(&c, &a, sha);
	emb_hash_cache_save(&c, path, false);
	emb_hash_cache_free(&c);
	chmod(path, 0622);
	emb_hash_cache_init(&d);
	is_int(emb_hash_cache_load(&d, path), -EPERM, "a cache others can write is refused");
	emb_hash_cache_free(&d);
	/* Some other file: never read as a cache, never replaced by one. */
	snprintf(cmd, sizeof(cmd), "%s.other", path);
	fd = open(cmd, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd >= 0) {
		if (write(fd, "root:x:0:0:root:/root:/bin/sh\n", 31) != 31)
			diag("write failed");
		close(fd);
	}
	emb_hash_cache_init(&d);
	is_int(emb_hash_cache_load(&d, cmd), -EEXIST, "a file that is no cache is told apart");
	emb_hash_cache_put(&d, &a, sha);
	is_int(emb_hash_cache_save(&d, cmd, false), -EEXIST, "and is not replaced by one");
	ok(stat(cmd, &st) == 0 && st.st_size == 31, "it is as it was");
	emb_hash_cache_free(&d);
	if (truncate(cmd, 0) < 0)
		diag("truncate failed");
	emb_hash_cache_init(&d);
	is_int(emb_hash_cache_load(&d, cmd), -EEXIST, "an empty file is no cache either");
	emb_hash_cache_put(&d, &a, sha);
	is_int(emb_hash_cache_save(&d, cmd, false), -EEXIST, "nor replaced");
	emb_hash_cache_free(&d);
	snprintf(cmd, sizeof(cmd), "%s.notafile", path);
	mkdir(cmd, 0700);
	emb_hash_cache_init(&d);
	is_int(emb_hash_cache_load(&d, cmd), -EISDIR, "a directory is not a cache");
	emb_hash_cache_free(&d);
}

int main(void)
{
	if (!tree_create("hash-cache"))
		return 1;
	test_memory();
	test_disk();
	tree_remove();
	return done_testing();
}
