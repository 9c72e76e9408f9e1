// SPDX-License-Identifier: GPL-2.0-only
/* Content hashes: SHA-256 of what a descriptor yields, against known vectors, and hex. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "hash.h"
#include "tap.h"

/* A memory file holding LEN bytes of DATA, read from offset 0. */
static int file_of(const void *data, size_t len)
{
	int fd = memfd_create("hash-test", MFD_CLOEXEC);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || lseek(fd, 0, SEEK_SET) < 0)
		diag("cannot make a memory file");
	return fd;
}

/* The hex SHA-256 of DATA, or an error text. */
static const char *sha256_hex(const void *data, size_t len, char *hex)
{
	unsigned char digest[EMB_SHA256_LEN];
	int fd = file_of(data, len), r;

	r = emb_sha256_file(fd, digest);
	close(fd);
	if (r)
		return strerror(-r);
	emb_hex(digest, sizeof(digest), hex);
	return hex;
}

static void test_vectors(void)
{
	char hex[2 * EMB_SHA256_LEN + 1];
	size_t million = 1000000;
	char *many = malloc(million);

	is_str(sha256_hex("", 0, hex),
	       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "sha256 of the empty file");
	is_str(sha256_hex("abc", 3, hex),
	       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "sha256 of \"abc\"");
	is_str(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex),
	       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	       "sha256 of the 448-bit FIPS 180-2 vector");
	if (many) {
		memset(many, 'a', million);
		is_str(sha256_hex(many, million, hex),
		       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
		       "sha256 of a million 'a' (read in many chunks)");
	}
	free(many);
}

static void test_offset_and_errors(void)
{
	unsigned char digest[EMB_SHA256_LEN], before[EMB_SHA256_LEN];
	char hex[2 * EMB_SHA256_LEN + 1];
	int fd = file_of("xxabc", 5), dir;

	lseek(fd, 2, SEEK_SET);
	is_int(emb_sha256_file(fd, digest), 0, "hashing from the descriptor's offset");
	emb_hex(digest, sizeof(digest), hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "covers only what follows the offset");
	close(fd);

	dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	memset(digest, 0x5a, sizeof(digest));
	memcpy(before, digest, sizeof(digest));
	is_int(emb_sha256_file(dir, digest), -EISDIR, "a read error is returned as -errno");
	ok(!memcmp(digest, before, sizeof(digest)), "and the output is left alone");
	close(dir);
}

static void test_hex(void)
{
	static const unsigned char bytes[] = { 0x00, 0x0f, 0xa5, 0xff };
	char hex[2 * sizeof(bytes) + 1];

	emb_hex(bytes, sizeof(bytes), hex);
	is_str(hex, "000fa5ff", "hex is lowercase, two digits a byte");
	emb_hex(bytes, 0, hex);
	is_str(hex, "", "no bytes, empty string");
}

int main(void)
{
	test_vectors();
	test_offset_and_errors();
	test_hex();
	return done_testing();
}
